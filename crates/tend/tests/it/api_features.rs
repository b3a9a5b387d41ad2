//! The features added to the API beyond the journal, over real HTTP on
//! SQLite and PostgreSQL: what is saved reads back, versions guard changes,
//! and the pages' rules refuse bad input with the JSON error object.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{ApiUser, Backend, TestApp};

async fn features(app: TestApp) {
    let fern = ApiUser::new(&app, "fern").await;

    // Gratitude: today's, then a change guarded by its version.
    let (s, g) = fern
        .put("/api/v1/gratitude/today", json!({"things": ["tea", "sun"]}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(g["things"], json!(["tea", "sun"]));
    let (s, e) = fern
        .put(
            "/api/v1/gratitude/today",
            json!({"things": ["rain"], "version": 99}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(e["error"], "stale");
    let (s, e) = fern
        .put("/api/v1/gratitude/today", json!({"things": ["  "]}))
        .await;
    assert_eq!(
        (s, e["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid"))
    );
    let (_, list) = fern.get("/api/v1/gratitude").await;
    assert_eq!(
        list["days"][0]["things"],
        json!(["tea", "sun"]),
        "nothing partial was saved"
    );

    // Support people: add, change, remove.
    let (s, p) = fern
        .post(
            "/api/v1/support-people",
            json!({"name": "Ana", "reach": "text"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = p["id"].as_str().unwrap().to_owned();
    let (s, p) = fern
        .put(
            &format!("/api/v1/support-people/{id}"),
            json!({"name": "Ana B", "version": 1}),
        )
        .await;
    assert_eq!((s, p["name"].as_str()), (StatusCode::OK, Some("Ana B")));
    let (s, _) = fern.delete(&format!("/api/v1/support-people/{id}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = fern.get(&format!("/api/v1/support-people/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Safety plan: first save at version 0, then by version.
    let (s, plan) = fern
        .put(
            "/api/v1/safety-plan",
            json!({"reasons": ["my sister", "  "], "version": 0}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(plan["reasons"], json!(["my sister"]));
    let (s, _) = fern
        .put(
            "/api/v1/safety-plan",
            json!({"reasons": ["x"], "version": 0}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = fern
        .put(
            "/api/v1/safety-plan",
            json!({"reasons": ["a\nb"], "version": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Critic log: the thought, then its kinder answer.
    let (s, t) = fern
        .post(
            "/api/v1/critic/thoughts",
            json!({"text": "I always fail", "place": "ward", "intensity": 7}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = t["id"].as_str().unwrap().to_owned();
    let (s, t) = fern.put(&format!("/api/v1/critic/thoughts/{id}"), json!({"text": "I always fail", "place": "ward", "intensity": 7, "reframe": "Not always.", "version": 1})).await;
    assert_eq!(
        (s, t["reframe"].as_str()),
        (StatusCode::OK, Some("Not always."))
    );
    let (s, _) = fern
        .post(
            "/api/v1/critic/thoughts",
            json!({"text": "x", "intensity": 11}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Debriefs, kindness notes, practice and self-care.
    let (s, _) = fern
        .post(
            "/api/v1/debriefs",
            json!({"what_happened": "a slip", "kind_sentence": "I am learning."}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = fern.post("/api/v1/kindness/breaks", json!({})).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = fern
        .post("/api/v1/kindness/letters", json!({"body": "Dear me"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = fern
        .post(
            "/api/v1/practices/breathing-space/log",
            json!({"minutes": 3}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = fern
        .post(
            "/api/v1/practices/breathing-space/log",
            json!({"minutes": 0}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, set) = fern
        .put("/api/v1/selfcare/settings", json!({"sleep_need": 8.0}))
        .await;
    assert_eq!((s, set["sleep_need"].as_f64()), (StatusCode::OK, Some(8.0)));
    for path in [
        "/api/v1/debriefs",
        "/api/v1/kindness/breaks",
        "/api/v1/kindness/letters",
        "/api/v1/practice-log",
    ] {
        let (s, v) = fern.get(path).await;
        assert_eq!(s, StatusCode::OK, "{path}");
        let list = v
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap()
            .as_array()
            .unwrap();
        assert_eq!(list.len(), 1, "{path}");
    }
}

#[tokio::test]
async fn features_sqlite() {
    features(TestApp::spawn(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test]
async fn features_postgres() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    features(app).await;
}
