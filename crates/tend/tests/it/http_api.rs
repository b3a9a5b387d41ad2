//! The JSON API over real HTTP, on SQLite and PostgreSQL.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp};

const PASS: &str = "kettle maple orbit";

fn bearer(t: &str) -> String {
    format!("Bearer {t}")
}

async fn lifecycle(app: TestApp) {
    let c = app.api();
    let (token, code) = app.api_account("River_Stone", PASS).await;
    let auth = bearer(&token);

    // Check-in: saving twice the same day replaces it.
    let checkin = json!({"mood": 4, "energy": 2, "sleep_hours": 6.5, "movement_minutes": 30, "meals": "eaten", "joy": "sunrise on the ward"});
    for mood in [4, 5] {
        let mut body = checkin.clone();
        body["mood"] = json!(mood);
        let res = c
            .put(app.url("/api/v1/checkins/today"))
            .header("authorization", &auth)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    let list: Value = c
        .get(app.url("/api/v1/checkins"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["checkins"].as_array().unwrap().len(), 1);
    assert_eq!(list["checkins"][0]["mood"], 5);

    // Journal CRUD.
    let res = c
        .post(app.url("/api/v1/journal"))
        .header("authorization", &auth)
        .json(&json!({"title": "Rounds", "body": "I froze when asked about the Krebs cycle."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let entry: Value = res.json().await.unwrap();
    let id = entry["id"].as_str().unwrap().to_owned();
    let res = c
        .put(app.url(&format!("/api/v1/journal/{id}")))
        .header("authorization", &auth)
        .json(&json!({"title": "Rounds", "body": "I froze, and that is human.", "version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // A second writer holding the old version is refused, and nothing changes.
    let res = c
        .put(app.url(&format!("/api/v1/journal/{id}")))
        .header("authorization", &auth)
        .json(&json!({"body": "overwritten", "version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);

    let today: Value = c
        .get(app.url("/api/v1/today"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(today["week"]["days_checked_in"], 1);
    assert_eq!(today["week"]["average_sleep"], 6.5);
    assert_eq!(
        today["recent_entries"][0]["body"],
        "I froze, and that is human."
    );
    assert_eq!(today["checkin"]["joy"], "sunrise on the ward");

    // Sign out ends the token.
    let res = c
        .delete(app.url("/api/v1/sessions/current"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = c
        .get(app.url("/api/v1/today"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // Sign in again (handle is case-insensitive) and read everything back.
    let res = c
        .post(app.url("/api/v1/sessions"))
        .json(&json!({"handle": "river_stone", "passphrase": PASS}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let token: Value = res.json().await.unwrap();
    let auth = bearer(token["token"].as_str().unwrap());
    let got: Value = c
        .get(app.url(&format!("/api/v1/journal/{id}")))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["body"], "I froze, and that is human.");

    // Change the passphrase; the old one stops working.
    let res = c
        .put(app.url("/api/v1/account/passphrase"))
        .header("authorization", &auth)
        .json(&json!({"current_passphrase": PASS, "new_passphrase": "lantern quietly rivers"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = c
        .post(app.url("/api/v1/sessions"))
        .json(&json!({"handle": "river_stone", "passphrase": PASS}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // Forgot it: the recovery code sets a new one, keeps the data, and is replaced.
    let res = c.post(app.url("/api/v1/recovery"))
        .json(&json!({"handle": "river_stone", "recovery_code": code.to_lowercase(), "new_passphrase": "orchid tundra paddle"})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let rec: Value = res.json().await.unwrap();
    assert_ne!(rec["recovery_code"].as_str().unwrap(), code);
    let res = c
        .get(app.url("/api/v1/today"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "recovery ends every old session"
    );
    let auth = bearer(rec["token"].as_str().unwrap());
    let got: Value = c
        .get(app.url(&format!("/api/v1/journal/{id}")))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["body"], "I froze, and that is human.");
    let res = c.post(app.url("/api/v1/recovery"))
        .json(&json!({"handle": "river_stone", "recovery_code": code, "new_passphrase": "orchid tundra paddle"})).send().await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "a used recovery code no longer works"
    );

    // Delete the account: everything goes, the handle is free.
    let res = c
        .delete(app.url("/api/v1/account"))
        .header("authorization", &auth)
        .json(&json!({"passphrase": "wrong wrong wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let account_id = app
        .db
        .store
        .account_by_handle("river_stone")
        .await
        .unwrap()
        .unwrap()
        .id;
    let res = c
        .delete(app.url("/api/v1/account"))
        .header("authorization", &auth)
        .json(&json!({"passphrase": "orchid tundra paddle"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(
        app.db
            .store
            .account_by_handle("river_stone")
            .await
            .unwrap()
            .is_none()
    );
    for kind in ["journal", "checkin", "profile"] {
        assert_eq!(
            app.db.store.count_records(&account_id, kind).await.unwrap(),
            0
        );
    }
    app.api_account("river_stone", PASS).await;
}

#[tokio::test]
async fn lifecycle_sqlite() {
    lifecycle(TestApp::spawn(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test]
async fn lifecycle_postgres() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    lifecycle(app).await;
}

#[tokio::test]
async fn wrong_passphrase_and_unknown_handle_look_the_same() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    app.api_account("known", PASS).await;
    let c = app.api();
    let mut answers = Vec::new();
    for (h, p) in [("known", "not the passphrase"), ("unknown", PASS)] {
        let res = c
            .post(app.url("/api/v1/sessions"))
            .json(&json!({"handle": h, "passphrase": p}))
            .send()
            .await
            .unwrap();
        answers.push((res.status(), res.text().await.unwrap()));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn someone_elses_record_is_not_found() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let c = app.api();
    let (a, _) = app.api_account("alice", PASS).await;
    let (b, _) = app.api_account("bob_b", PASS).await;
    let entry: Value = c
        .post(app.url("/api/v1/journal"))
        .header("authorization", bearer(&a))
        .json(&json!({"body": "private"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = entry["id"].as_str().unwrap();
    for req in [
        c.get(app.url(&format!("/api/v1/journal/{id}"))),
        c.delete(app.url(&format!("/api/v1/journal/{id}"))),
        c.put(app.url(&format!("/api/v1/journal/{id}")))
            .json(&json!({"body": "mine now", "version": 1})),
    ] {
        let res = req
            .header("authorization", bearer(&b))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert!(!res.text().await.unwrap().contains("private"));
    }
    let still: Value = c
        .get(app.url(&format!("/api/v1/journal/{id}")))
        .header("authorization", bearer(&a))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(still["body"], "private");
}

#[tokio::test]
async fn bad_input_gets_clear_errors_and_saves_nothing() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let c = app.api();
    let (t, _) = app.api_account("carol", PASS).await;
    let auth = bearer(&t);
    let post = |body: reqwest::Body, ct: &'static str| {
        c.post(app.url("/api/v1/journal"))
            .header("authorization", &auth)
            .header("content-type", ct)
            .body(body)
    };
    let cases: Vec<(reqwest::RequestBuilder, StatusCode, &str)> = vec![
        (
            post("{not json".into(), "application/json"),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            post(r#"{"body": 42}"#.into(), "application/json"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            post(r#"{"body": "   "}"#.into(), "application/json"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            post(
                json!({"body": "x".repeat(50_001)}).to_string().into(),
                "application/json",
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            post(
                json!({"body": "x".repeat(2 * 1024 * 1024)})
                    .to_string()
                    .into(),
                "application/json",
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            post("body=hi".into(), "application/x-www-form-urlencoded"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
    ];
    for (req, status, code) in cases {
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), status);
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["error"], code);
        assert!(!v["message"].as_str().unwrap().is_empty());
    }
    let res = c
        .put(app.url("/api/v1/checkins/today"))
        .header("authorization", &auth)
        .json(&json!({"mood": 9, "energy": 3, "sleep_hours": 30, "meals": "eaten"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = res.json().await.unwrap();
    let fields: Vec<_> = v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["mood", "sleep_hours"]);
    // Over 24 by less than an f32 can hold is still over 24 (schemathesis).
    let res = c
        .put(app.url("/api/v1/checkins/today"))
        .header("authorization", &auth)
        .json(
            &json!({"mood": 3, "energy": 2, "sleep_hours": 24.000000000000004, "meals": "skipped"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let list: Value = c
        .get(app.url("/api/v1/journal"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["entries"].as_array().unwrap().len(),
        0,
        "no partial writes"
    );
    let res = c
        .get(app.url("/api/v1/checkins/today"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = c
        .get(app.url("/api/v1/checkins?from=yesterday"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // Sign-up validation: short or common passphrases, taken handles.
    for (handle, pass, status) in [
        ("dave", "short", 422),
        ("dave", "password123", 422),
        ("carol", PASS, 409),
        ("a b", PASS, 422),
    ] {
        let res = c
            .post(app.url("/api/v1/accounts"))
            .json(&json!({"handle": handle, "passphrase": pass}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), status, "{handle}/{pass}");
    }
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited_per_client() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.auth_attempts_per_minute = 3)
        .await
        .unwrap();
    let c = app.api();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let res = c
            .post(app.url("/api/v1/sessions"))
            .json(&json!({"handle": "x_y_z", "passphrase": PASS}))
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(res.headers().contains_key("retry-after"));
        }
    }
    assert_eq!(statuses, [401, 401, 401, 429]);
}

#[tokio::test]
async fn health_and_openapi_describe_the_service() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let c = app.api();
    assert_eq!(
        c.get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok\n"
    );
    let doc: Value = c
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    // The routes clients rely on stay documented (the whole router is checked
    // against the document in api_document.rs).
    for p in [
        "/api/v1/accounts",
        "/api/v1/sessions",
        "/api/v1/sessions/current",
        "/api/v1/recovery",
        "/api/v1/account",
        "/api/v1/account/passphrase",
        "/api/v1/today",
        "/api/v1/checkins",
        "/api/v1/checkins/today",
        "/api/v1/journal",
        "/api/v1/journal/{id}",
        "/api/v1/helplines",
        "/api/v1/questionnaires",
        "/api/v1/questionnaires/{id}",
        "/api/v1/questionnaires/{id}/responses",
        "/api/v1/export",
    ] {
        assert!(paths.contains_key(p), "openapi.json lacks {p}");
    }
    let res = c.get(app.url("/api/v1/nope")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "not_found");
}

#[tokio::test]
async fn passphrase_checks_while_signed_in_are_limited_per_account() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.auth_attempts_per_minute = 3)
        .await
        .unwrap();
    let c = app.api();
    let (t, _) = app.api_account("guesser", PASS).await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let res = c
            .put(app.url("/api/v1/account/passphrase"))
            .header("authorization", bearer(&t))
            .json(&json!({"current_passphrase": "a wrong guess here", "new_passphrase": "lantern quietly rivers"}))
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses, [403, 403, 403, 429]);
    let res = c
        .delete(app.url("/api/v1/account"))
        .header("authorization", bearer(&t))
        .json(&json!({"passphrase": PASS}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "deleting checks the passphrase too"
    );
    assert!(
        app.db
            .store
            .account_by_handle("guesser")
            .await
            .unwrap()
            .is_some()
    );
}
