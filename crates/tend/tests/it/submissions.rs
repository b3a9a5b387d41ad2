//! Exactly-once creation (issue 13, the offline queue): a form that creates a
//! record carries a submission id, an API call may carry an Idempotency-Key,
//! and the same submission sent twice (a double click, the service worker
//! replaying a queued form after the server had saved it) is saved once.
//! The store's part (`insert_record_once`, `upsert_record_once`) and the
//! pages' and API's, on SQLite and PostgreSQL.

use std::sync::Arc;

use reqwest::StatusCode;
use tend::store::{Once, RecordRow, Store, StoreError};

use crate::helpers::{ApiUser, Backend, Person, TestApp, TestDb, on_both_backends};
use crate::store_reads::account;

on_both_backends!(
    the_store_writes_a_record_once_per_key,
    concurrent_writes_with_one_key_write_one_record,
    a_journal_entry_sent_twice_is_saved_once,
    two_concurrent_posts_with_one_id_save_one_entry,
    other_ids_other_words_and_no_id_each_save,
    another_account_reusing_an_id_is_unaffected,
    a_check_in_sent_twice_is_saved_once_and_never_undoes_a_later_change,
    deleting_the_account_removes_its_submissions,
    housekeeping_forgets_keys_after_seven_days,
    the_api_takes_an_idempotency_key,
);

// ---- The store ----------------------------------------------------------

fn row(id: &str, account: &str, slot: Option<&str>) -> RecordRow {
    RecordRow {
        id: id.into(),
        account_id: account.into(),
        kind: "journal".into(),
        day: Some("2026-01-01".into()),
        slot: slot.map(Into::into),
        created_at: 10,
        updated_at: 10,
        version: 1,
        sealed: id.as_bytes().to_vec(),
    }
}

async fn exists(s: &dyn Store, id: &str, account: &str) -> bool {
    s.record(account, "journal", id).await.unwrap().is_some()
}

async fn the_store_writes_a_record_once_per_key(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let s = db.store.as_ref();
    for a in ["a1", "a2"] {
        s.create_account(&account(a)).await.unwrap();
    }
    let k = [7u8; 32];
    assert_eq!(
        s.insert_record_once(&row("r1", "a1", None), &k, 10)
            .await
            .unwrap(),
        Once::Written(1)
    );
    // The same key again: nothing written, the first record named.
    assert_eq!(
        s.insert_record_once(&row("r2", "a1", None), &k, 11)
            .await
            .unwrap(),
        Once::Again("r1".into())
    );
    assert!(exists(s, "r1", "a1").await);
    assert!(!exists(s, "r2", "a1").await);
    // Another account's key space is its own; another key is another record.
    assert_eq!(
        s.insert_record_once(&row("r3", "a2", None), &k, 11)
            .await
            .unwrap(),
        Once::Written(1)
    );
    assert_eq!(
        s.insert_record_once(&row("r4", "a1", None), &[8u8; 32], 11)
            .await
            .unwrap(),
        Once::Written(1)
    );
    // A failed insert (a taken id) leaves no key behind.
    let k9 = [9u8; 32];
    assert!(matches!(
        s.insert_record_once(&row("r1", "a1", None), &k9, 12).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        s.insert_record_once(&row("r5", "a1", None), &k9, 12)
            .await
            .unwrap(),
        Once::Written(1)
    );
    // A slot record: written, a repeat leaves it alone, another key replaces.
    let slot = |id: &str| row(id, "a1", Some("2026-01-01"));
    let ks = [10u8; 32];
    assert_eq!(
        s.upsert_record_once(&slot("s1"), &ks, 13).await.unwrap(),
        Once::Written(1)
    );
    assert_eq!(
        s.upsert_record_once(&slot("s1"), &ks, 14).await.unwrap(),
        Once::Again("s1".into())
    );
    assert_eq!(
        s.record("a1", "journal", "s1")
            .await
            .unwrap()
            .unwrap()
            .version,
        1
    );
    assert_eq!(
        s.upsert_record_once(&slot("s1"), &[11u8; 32], 14)
            .await
            .unwrap(),
        Once::Written(2)
    );
    // Purging forgets keys noted before the time given, and only those.
    assert_eq!(s.purge_submissions(12).await.unwrap(), 3);
    assert_eq!(
        s.insert_record_once(&row("r6", "a1", None), &k, 20)
            .await
            .unwrap(),
        Once::Written(1)
    );
    assert_eq!(
        s.insert_record_once(&row("r7", "a1", None), &k9, 20)
            .await
            .unwrap(),
        Once::Again("r5".into())
    );
    // The account's keys go with it: a new account with the same id starts clean.
    assert!(s.delete_account("a1").await.unwrap());
    s.create_account(&account("a1")).await.unwrap();
    assert_eq!(
        s.insert_record_once(&row("r8", "a1", None), &k9, 21)
            .await
            .unwrap(),
        Once::Written(1)
    );
}

async fn concurrent_writes_with_one_key_write_one_record(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let s: Arc<dyn Store> = db.store.clone();
    s.create_account(&account("a1")).await.unwrap();
    let k = [3u8; 32];
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let s = s.clone();
            tokio::spawn(async move {
                s.insert_record_once(&row(&format!("c{i}"), "a1", None), &k, 10)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut written = Vec::new();
    let mut again = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Once::Written(_) => written.push(()),
            Once::Again(id) => again.push(id),
        }
    }
    assert_eq!(written.len(), 1);
    let mut present = Vec::new();
    for i in 0..8 {
        if exists(s.as_ref(), &format!("c{i}"), "a1").await {
            present.push(format!("c{i}"));
        }
    }
    assert_eq!(present.len(), 1, "{present:?}");
    assert!(again.iter().all(|id| *id == present[0]), "{again:?}");
}

// ---- The pages ----------------------------------------------------------

/// The value of the first hidden `submission` field on a page.
fn submission_of(html: &str) -> String {
    let marker = "name=\"submission\" value=\"";
    let start = html.find(marker).expect("page has a submission field") + marker.len();
    let end = html[start..].find('"').unwrap();
    html[start..start + end].to_owned()
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// How many rows of `table` belong to `account`, straight from the database.
async fn count(app: &TestApp, table: &str, account: &str, kind: Option<&str>) -> i64 {
    let kind_filter = if kind.is_some() { " AND kind = $2" } else { "" };
    match app.db.postgres_schema() {
        Some((url, schema)) => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            let sql = format!(
                "SELECT COUNT(*) FROM \"{schema}\".{table} WHERE account_id = $1{kind_filter}"
            );
            let n: (i64,) = sqlx::query_as(&sql)
                .bind(account)
                .bind(kind.unwrap_or(""))
                .fetch_one(&pool)
                .await
                .unwrap();
            pool.close().await;
            n.0
        }
        None => {
            let url = format!("sqlite://{}", app.db.sqlite_file().display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE account_id = $1{kind_filter}");
            let n: (i64,) = sqlx::query_as(&sql)
                .bind(account)
                .bind(kind.unwrap_or(""))
                .fetch_one(&pool)
                .await
                .unwrap();
            pool.close().await;
            n.0
        }
    }
}

async fn entries(app: &TestApp, p: &Person) -> i64 {
    count(app, "records", &p.account, Some("journal")).await
}

async fn write(app: &TestApp, p: &Person, submission: &str, body: &str) -> reqwest::Response {
    p.post(
        app,
        "/journal/new",
        &[("submission", submission), ("title", ""), ("body", body)],
    )
    .await
}

async fn a_journal_entry_sent_twice_is_saved_once(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let p = Person::new(&app, "twice").await;
    let form = p.page(&app, "/journal/new").await;
    let id = submission_of(&form);
    assert_eq!(id.len(), 32, "{id}");
    // Each form page has its own id.
    assert_ne!(id, submission_of(&p.page(&app, "/journal/new").await));
    let first = write(&app, &p, &id, "A long shift, and I was kind to myself.").await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let to = location(&first);
    assert!(
        to.starts_with("/journal/") && to.len() > "/journal/".len(),
        "{to}"
    );
    let again = write(&app, &p, &id, "A long shift, and I was kind to myself.").await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&again), to);
    assert_eq!(entries(&app, &p).await, 1);
    assert!(p.page(&app, &to).await.contains("I was kind to myself"));
    // Deleted since: a repeat lands on the journal, and nothing comes back.
    let page = p.page(&app, &format!("{to}/delete")).await;
    let res = p.post(&app, &format!("{to}/delete"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{page}");
    let late = write(&app, &p, &id, "A long shift, and I was kind to myself.").await;
    assert_eq!(location(&late), "/journal");
    assert_eq!(entries(&app, &p).await, 0);
}

async fn two_concurrent_posts_with_one_id_save_one_entry(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let p = Person::new(&app, "doubleclick").await;
    let id = submission_of(&p.page(&app, "/journal/new").await);
    let (a, b) = tokio::join!(
        write(&app, &p, &id, "Pressed save twice."),
        write(&app, &p, &id, "Pressed save twice.")
    );
    assert_eq!(a.status(), StatusCode::SEE_OTHER);
    assert_eq!(b.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&a), location(&b));
    assert_eq!(entries(&app, &p).await, 1);
}

async fn other_ids_other_words_and_no_id_each_save(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let p = Person::new(&app, "several").await;
    let id = submission_of(&p.page(&app, "/journal/new").await);
    let first = location(&write(&app, &p, &id, "One.").await);
    // Another id: another entry.
    let other = submission_of(&p.page(&app, "/journal/new").await);
    let second = location(&write(&app, &p, &other, "One.").await);
    assert_ne!(first, second);
    // The same id with other words (a kept form page sent again with new
    // words) is a new entry: nothing written is dropped.
    let third = location(&write(&app, &p, &id, "Two, from the same page.").await);
    assert_ne!(third, first);
    assert_eq!(entries(&app, &p).await, 3);
    // A malformed or missing id still saves, without the guarantee.
    for bad in ["", "short", "has spaces in it, which are not allowed"] {
        let res = write(&app, &p, bad, "No id.").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{bad:?}");
        assert!(location(&res).starts_with("/journal/"), "{bad:?}");
    }
    let res = p
        .post(
            &app,
            "/journal/new",
            &[("title", ""), ("body", "No field.")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = p
        .post(
            &app,
            "/journal/new",
            &[("title", ""), ("body", "No field.")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(entries(&app, &p).await, 8);
    assert_eq!(count(&app, "submissions", &p.account, None).await, 3);
}

async fn another_account_reusing_an_id_is_unaffected(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let a = Person::new(&app, "first").await;
    let b = Person::new(&app, "second").await;
    let id = submission_of(&a.page(&app, "/journal/new").await);
    let to_a = location(&write(&app, &a, &id, "The same words.").await);
    let to_b = location(&write(&app, &b, &id, "The same words.").await);
    assert!(to_b.starts_with("/journal/"));
    assert_ne!(to_a, to_b);
    assert_eq!(entries(&app, &a).await, 1);
    assert_eq!(entries(&app, &b).await, 1);
    // Each opens only their own.
    assert!(b.page(&app, &to_b).await.contains("The same words."));
    assert_eq!(
        b.b.get(app.url(&to_a)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

async fn checkin(app: &TestApp, p: &Person, path: &str, id: &str, mood: &str) -> String {
    let res = p
        .post(
            app,
            path,
            &[
                ("submission", id),
                ("mood", mood),
                ("energy", "3"),
                ("sleep_hours", "7"),
                ("meals", "eaten"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    location(&res)
}

async fn checkin_version(app: &TestApp, p: &Person) -> (i64, String) {
    let (url, schema) = match app.db.postgres_schema() {
        Some((u, s)) => (u.to_owned(), format!("\"{s}\".")),
        None => (
            format!("sqlite://{}", app.db.sqlite_file().display()),
            String::new(),
        ),
    };
    let sql = format!(
        "SELECT version, id FROM {schema}records WHERE account_id = $1 AND kind = 'checkin'"
    );
    if url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let v = sqlx::query_as(&sql)
            .bind(&p.account)
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        v
    } else {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        let v = sqlx::query_as(&sql)
            .bind(&p.account)
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        v
    }
}

async fn a_check_in_sent_twice_is_saved_once_and_never_undoes_a_later_change(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let p = Person::new(&app, "checker").await;
    // Both check-in forms carry a submission id.
    let on_page = submission_of(&p.page(&app, "/checkin").await);
    let on_today = submission_of(&p.page(&app, "/today").await);
    assert_ne!(on_page, on_today);
    assert_eq!(
        checkin(&app, &p, "/checkin", &on_page, "2").await,
        "/today?saved=checkin"
    );
    let (v1, _) = checkin_version(&app, &p).await;
    assert_eq!(v1, 1);
    // Sent again: answered the same, nothing written.
    assert_eq!(
        checkin(&app, &p, "/checkin", &on_page, "2").await,
        "/today?saved=checkin"
    );
    assert_eq!(checkin_version(&app, &p).await.0, 1);
    // Corrected from Today, then the first form replayed (the queue's late
    // copy): the correction stands.
    checkin(&app, &p, "/today", &on_today, "4").await;
    assert_eq!(checkin_version(&app, &p).await.0, 2);
    assert_eq!(
        checkin(&app, &p, "/checkin", &on_page, "2").await,
        "/today?saved=checkin"
    );
    assert_eq!(checkin_version(&app, &p).await.0, 2);
    let form = p.page(&app, "/checkin").await;
    assert!(
        form.contains("name=\"mood\" value=\"4\" checked"),
        "the correction is what the form shows"
    );
    assert_eq!(count(&app, "records", &p.account, Some("checkin")).await, 1);
}

async fn deleting_the_account_removes_its_submissions(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let p = Person::new(&app, "leaving").await;
    let stays = Person::new(&app, "staying").await;
    for who in [&p, &stays] {
        let id = submission_of(&who.page(&app, "/journal/new").await);
        write(&app, who, &id, "Words.").await;
    }
    assert_eq!(count(&app, "submissions", &p.account, None).await, 1);
    let res = p
        .post(
            &app,
            "/account/delete",
            &[("passphrase", "kettle maple orbit")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/signin?deleted=1");
    assert_eq!(count(&app, "submissions", &p.account, None).await, 0);
    assert_eq!(count(&app, "submissions", &stays.account, None).await, 1);
}

async fn housekeeping_forgets_keys_after_seven_days(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let p = Person::new(&app, "forgetful").await;
    let id = submission_of(&p.page(&app, "/journal/new").await);
    let first = location(&write(&app, &p, &id, "Kept a week.").await);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let config = tend::config::Config::for_data_dir(app.db.dir.path().to_path_buf()).unwrap();
    let services = tend::service::Services::new(app.db.store.clone(), &config);
    const DAY: i64 = 24 * 3600;
    // Six days on: still remembered. (Only the keys are looked at after
    // this: the job also ends sessions that have run out by the time given.)
    assert!(services.housekeeping(now + 6 * DAY).await);
    assert_eq!(count(&app, "submissions", &p.account, None).await, 1);
    // Eight days on: forgotten (the store test shows a forgotten key is new again).
    assert!(services.housekeeping(now + 8 * DAY).await);
    assert_eq!(count(&app, "submissions", &p.account, None).await, 0);
    assert!(first.starts_with("/journal/"));
}

// ---- The API ------------------------------------------------------------

async fn the_api_takes_an_idempotency_key(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let u = ApiUser::new(&app, "apiuser").await;
    let post = |key: Option<&'static str>, body: &'static str| {
        let mut req = app
            .api()
            .post(app.url("/api/v1/journal"))
            .header("authorization", &u.auth)
            .json(&serde_json::json!({ "title": "t", "body": body }));
        if let Some(k) = key {
            req = req.header("idempotency-key", k);
        }
        async move {
            let res = req.send().await.unwrap();
            let status = res.status();
            let v: serde_json::Value = res.json().await.unwrap();
            (status, v)
        }
    };
    let key = "0f3c9a52-6b1e-4d7a-9c2b-81e5f4a7d3c1";
    let (s1, e1) = post(Some(key), "Retried after a lost answer.").await;
    assert_eq!(s1, StatusCode::CREATED);
    let (s2, e2) = post(Some(key), "Retried after a lost answer.").await;
    assert_eq!(s2, StatusCode::CREATED);
    assert_eq!(e1["id"], e2["id"]);
    let (_, list) = u.get("/api/v1/journal").await;
    assert_eq!(list["entries"].as_array().unwrap().len(), 1);
    // Another key or no key: saved each time.
    post(Some("a-different-key-0001"), "Retried after a lost answer.").await;
    post(None, "Retried after a lost answer.").await;
    post(None, "Retried after a lost answer.").await;
    // A key out of shape is ignored, never refused: saved each time, and
    // no key is kept for it.
    for bad in ["short", "has a space in the middle of it", "short"] {
        let (s, _) = post(Some(bad), "Retried after a lost answer.").await;
        assert_eq!(s, StatusCode::CREATED, "{bad:?}");
    }
    let (_, list) = u.get("/api/v1/journal").await;
    assert_eq!(list["entries"].as_array().unwrap().len(), 7);
    // Deleted since: the repeat says so rather than writing it again.
    let (s, _) = u
        .delete(&format!("/api/v1/journal/{}", e1["id"].as_str().unwrap()))
        .await;
    assert!(s.is_success(), "{s}");
    let (s3, _) = post(Some(key), "Retried after a lost answer.").await;
    assert_eq!(s3, StatusCode::NOT_FOUND);
    assert_eq!(count(&app, "submissions", &u.account, None).await, 2);
}
