//! The features added to the API beyond the journal, over real HTTP on
//! SQLite and PostgreSQL: what is saved reads back, versions guard changes,
//! and the pages' rules refuse bad input with the JSON error object.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp};

/// One API call with a bearer header; the status and the JSON answer (or
/// `null`). Shared by the other `api_*` test files.
pub(crate) async fn call(
    app: &TestApp,
    auth: &str,
    m: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app
        .api()
        .request(m, app.url(path))
        .header("authorization", auth);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn features(app: TestApp) {
    let (token, _) = app.api_account("fern", "kettle maple orbit").await;
    let auth = format!("Bearer {token}");

    // Gratitude: today's, then a change guarded by its version.
    let (s, g) = call(
        &app,
        &auth,
        Method::PUT,
        "/api/v1/gratitude/today",
        Some(json!({"things": ["tea", "sun"]})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(g["things"], json!(["tea", "sun"]));
    let (s, e) = call(
        &app,
        &auth,
        Method::PUT,
        "/api/v1/gratitude/today",
        Some(json!({"things": ["rain"], "version": 99})),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(e["error"], "stale");
    let (s, e) = call(
        &app,
        &auth,
        Method::PUT,
        "/api/v1/gratitude/today",
        Some(json!({"things": ["  "]})),
    )
    .await;
    assert_eq!(
        (s, e["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid"))
    );
    let (_, list) = call(&app, &auth, Method::GET, "/api/v1/gratitude", None).await;
    assert_eq!(
        list["days"][0]["things"],
        json!(["tea", "sun"]),
        "nothing partial was saved"
    );

    // Support people: add, change, remove.
    let (s, p) = call(
        &app,
        &auth,
        Method::POST,
        "/api/v1/support-people",
        Some(json!({"name": "Ana", "reach": "text"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = p["id"].as_str().unwrap().to_owned();
    let (s, p) = call(
        &app,
        &auth,
        Method::PUT,
        &format!("/api/v1/support-people/{id}"),
        Some(json!({"name": "Ana B", "version": 1})),
    )
    .await;
    assert_eq!((s, p["name"].as_str()), (StatusCode::OK, Some("Ana B")));
    let (s, _) = call(
        &app,
        &auth,
        Method::DELETE,
        &format!("/api/v1/support-people/{id}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = call(
        &app,
        &auth,
        Method::GET,
        &format!("/api/v1/support-people/{id}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Safety plan: first save at version 0, then by version.
    let (s, plan) = call(
        &app,
        &auth,
        Method::PUT,
        "/api/v1/safety-plan",
        Some(json!({"reasons": ["my sister", "  "], "version": 0})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(plan["reasons"], json!(["my sister"]));
    let (s, _) = call(
        &app,
        &auth,
        Method::PUT,
        "/api/v1/safety-plan",
        Some(json!({"reasons": ["x"], "version": 0})),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = call(
        &app,
        &auth,
        Method::PUT,
        "/api/v1/safety-plan",
        Some(json!({"reasons": ["a\nb"], "version": 1})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Critic log: the thought, then its kinder answer.
    let (s, t) = call(
        &app,
        &auth,
        Method::POST,
        "/api/v1/critic/thoughts",
        Some(json!({"text": "I always fail", "place": "ward", "intensity": 7})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = t["id"].as_str().unwrap().to_owned();
    let (s, t) = call(&app, &auth, Method::PUT, &format!("/api/v1/critic/thoughts/{id}"), Some(json!({"text": "I always fail", "place": "ward", "intensity": 7, "reframe": "Not always.", "version": 1}))).await;
    assert_eq!(
        (s, t["reframe"].as_str()),
        (StatusCode::OK, Some("Not always."))
    );
    let (s, _) = call(
        &app,
        &auth,
        Method::POST,
        "/api/v1/critic/thoughts",
        Some(json!({"text": "x", "intensity": 11})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Debriefs, kindness notes, practice and self-care.
    let (s, _) = call(
        &app,
        &auth,
        Method::POST,
        "/api/v1/debriefs",
        Some(json!({"what_happened": "a slip", "kind_sentence": "I am learning."})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = call(
        &app,
        &auth,
        Method::POST,
        "/api/v1/kindness/breaks",
        Some(json!({})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = call(
        &app,
        &auth,
        Method::POST,
        "/api/v1/kindness/letters",
        Some(json!({"body": "Dear me"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = call(
        &app,
        &auth,
        Method::POST,
        "/api/v1/practices/breathing-space/log",
        Some(json!({"minutes": 3})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = call(
        &app,
        &auth,
        Method::POST,
        "/api/v1/practices/breathing-space/log",
        Some(json!({"minutes": 0})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, set) = call(
        &app,
        &auth,
        Method::PUT,
        "/api/v1/selfcare/settings",
        Some(json!({"sleep_need": 8.0})),
    )
    .await;
    assert_eq!((s, set["sleep_need"].as_f64()), (StatusCode::OK, Some(8.0)));
    for path in [
        "/api/v1/debriefs",
        "/api/v1/kindness/breaks",
        "/api/v1/kindness/letters",
        "/api/v1/practice-log",
    ] {
        let (s, v) = call(&app, &auth, Method::GET, path, None).await;
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
