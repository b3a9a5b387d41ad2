//! The generated OpenAPI document against the running server: every
//! documented operation is a real route, and the server's answers to bad
//! input are the JSON error object the document promises.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp};

const PASS: &str = "kettle maple orbit";

/// Each documented path and method reaches a handler (a 401, 415 or 200),
/// never the API's fallback or a 405. (That no route is missing from the
/// document is checked where the routes are listed: `web::api::tests`.)
#[tokio::test]
async fn every_documented_operation_is_a_route() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let c = app.api();
    let doc: Value = c
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut seen = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Ok(m) = Method::from_bytes(method.to_uppercase().as_bytes()) else {
                continue;
            };
            // Every `{parameter}` becomes a value that names nothing.
            let concrete: String = path
                .split('/')
                .map(|seg| {
                    if seg.starts_with('{') {
                        "nothing-here"
                    } else {
                        seg
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let url = app.url(&concrete);
            let res = c.request(m, url).send().await.unwrap();
            let status = res.status();
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            let text = res.text().await.unwrap();
            assert!(
                !text.contains("No such API route"),
                "{method} {path} is documented but not routed"
            );
            assert!(
                op["responses"]
                    .as_object()
                    .unwrap()
                    .contains_key(status.as_str()),
                "{method} {path} answered {status}, which its description does not list"
            );
            seen += 1;
        }
    }
    assert!(seen >= 20, "{seen}");
}

#[tokio::test]
async fn limits_and_lengths_are_as_documented() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let c = app.api();
    let (t, _) = app.api_account("lena", PASS).await;
    let auth = format!("Bearer {t}");

    // Above the documented maximum: refused, never clamped.
    for q in ["limit=1001", "limit=0", "limit=many"] {
        let res = c
            .get(app.url(&format!("/api/v1/journal?{q}")))
            .header("authorization", &auth)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{q}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["error"], "bad_query", "{q}");
    }
    let res = c
        .get(app.url("/api/v1/journal?limit=1000"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // maxLength counts the value as sent: 200 letters padded with a space is 201.
    let padded = format!("{} ", "t".repeat(200));
    let res = c
        .post(app.url("/api/v1/journal"))
        .header("authorization", &auth)
        .json(&json!({"title": padded, "body": "b"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["fields"][0]["field"], "title");
    let res = c
        .post(app.url("/api/v1/journal"))
        .header("authorization", &auth)
        .json(&json!({"title": "t".repeat(200), "body": "b"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);

    // A handle with spaces around it is refused (the schema's pattern).
    let res = c
        .post(app.url("/api/v1/accounts"))
        .json(&json!({"handle": " spaced ", "passphrase": PASS}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
