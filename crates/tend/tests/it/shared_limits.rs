//! Limits and periodic jobs live in the database, so several tend processes
//! on one database count together and run each job once.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::json;
use tend::store::Store;

use crate::helpers::{Backend, TestApp, TestDb};

async fn counts_and_jobs(s: &dyn Store) {
    let key = [7u8; 32];
    assert_eq!(s.attempts(&key, 1_000, 60).await.unwrap(), None);
    assert_eq!(s.add_attempt(&key, 1_000, 60).await.unwrap(), (1_000, 1));
    assert_eq!(s.add_attempt(&key, 1_030, 60).await.unwrap(), (1_000, 2));
    assert_eq!(s.attempts(&key, 1_030, 60).await.unwrap(), Some((1_000, 2)));
    // A new window starts afresh.
    assert_eq!(s.attempts(&key, 1_060, 60).await.unwrap(), None);
    assert_eq!(s.add_attempt(&key, 1_060, 60).await.unwrap(), (1_060, 1));
    // Another key is counted on its own.
    assert_eq!(
        s.add_attempt(&[8u8; 32], 1_060, 60).await.unwrap(),
        (1_060, 1)
    );
    assert_eq!(s.purge_attempts(1_061).await.unwrap(), 2);
    assert_eq!(s.attempts(&key, 1_061, 60).await.unwrap(), None);

    // A job is claimed once per interval, whoever asks.
    assert!(s.claim_job("sweep", 5_000, 3_600).await.unwrap());
    assert!(!s.claim_job("sweep", 5_001, 3_600).await.unwrap());
    assert!(!s.claim_job("sweep", 8_599, 3_600).await.unwrap());
    assert!(s.claim_job("other", 5_001, 3_600).await.unwrap());
    assert!(s.claim_job("sweep", 8_600, 3_600).await.unwrap());
}

async fn concurrent_claims_elect_one(s: Arc<dyn Store>) {
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.claim_job("race", 10_000, 60).await.unwrap()
        }));
    }
    let mut winners = 0;
    for t in tasks {
        winners += usize::from(t.await.unwrap());
    }
    assert_eq!(winners, 1, "exactly one caller runs the job");
}

#[tokio::test]
async fn sqlite_counts_and_jobs() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    counts_and_jobs(db.store.as_ref()).await;
    concurrent_claims_elect_one(db.store.clone()).await;
}

#[tokio::test]
async fn postgres_counts_and_jobs() {
    let Some(db) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    counts_and_jobs(db.store.as_ref()).await;
    concurrent_claims_elect_one(db.store.clone()).await;
}

async fn wrong_passphrases_are_counted_per_account_across_servers(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.api_account("sam_field", "correct horse staple").await;
    app.api_account("kim_field", "another good phrase").await;
    let (other, task) = app.second_server().await;
    let c = app.api();
    let sign_in = |base: String, handle: &'static str, pass: &'static str| {
        let c = c.clone();
        async move {
            c.post(format!("{base}/api/v1/sessions"))
                .json(&json!({"handle": handle, "passphrase": pass}))
                .send()
                .await
                .unwrap()
        }
    };
    // Ten wrong guesses, alternating between the two servers.
    for i in 0..tend::service::ACCOUNT_FAILURES {
        let base = if i % 2 == 0 {
            app.base.clone()
        } else {
            other.clone()
        };
        let res = sign_in(base, "sam_field", "wrong guess here").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "guess {i}");
    }
    // The eleventh is refused on either server, with a plain wait in minutes.
    for base in [app.base.clone(), other.clone()] {
        let res = sign_in(base, "SAM_field", "wrong guess here").await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(res.headers().contains_key("retry-after"));
        let body: serde_json::Value = res.json().await.unwrap();
        assert!(
            body["message"].as_str().unwrap().contains("minutes"),
            "{body}"
        );
    }
    // Someone else's account is not affected.
    let res = sign_in(other.clone(), "kim_field", "another good phrase").await;
    assert_eq!(res.status(), StatusCode::CREATED);
    task.abort();
}

#[tokio::test]
async fn sqlite_wrong_passphrases_are_counted_per_account_across_servers() {
    wrong_passphrases_are_counted_per_account_across_servers(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_wrong_passphrases_are_counted_per_account_across_servers() {
    wrong_passphrases_are_counted_per_account_across_servers(Backend::Postgres).await;
}

#[tokio::test]
async fn a_right_passphrase_does_not_count_against_the_owner() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    app.api_account("often_here", "correct horse staple").await;
    for _ in 0..(tend::service::ACCOUNT_FAILURES + 5) {
        let res = app
            .api()
            .post(app.url("/api/v1/sessions"))
            .json(&json!({"handle": "often_here", "passphrase": "correct horse staple"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
    }
}
