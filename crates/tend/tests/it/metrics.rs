//! `/metrics`: off unless asked for, on its own address, and labelled by route
//! templates only, never by anything that could point at a person.

use tend::config::Config;
use tend::web::Server;

use crate::helpers::{Backend, FAST_KDF, TestApp, TestDb};

#[tokio::test]
async fn metrics_count_requests_by_route_template_on_their_own_address() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let mut config = Config::for_data_dir(db.dir.path().to_path_buf()).unwrap();
    config.kdf = FAST_KDF;
    config.auth_attempts_per_minute = 2;
    config.metrics_addr = Some("127.0.0.1:0".parse().unwrap());
    let services = tend::service::Services::new(db.store.clone(), &config);
    let server = Server::bind(config, services).await.unwrap();
    let base = format!("http://{}", server.local_addr());
    let metrics_url = format!("http://{}/metrics", server.metrics_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = server.run(std::future::pending()).await;
    });
    let c = reqwest::Client::new();

    c.get(format!("{base}/healthz")).send().await.unwrap();
    c.get(format!("{base}/healthz")).send().await.unwrap();
    // A path with a person-specific part is counted under its template.
    c.get(format!("{base}/circles/secret-circle-id-42"))
        .send()
        .await
        .unwrap();
    // Three sign-in attempts against a limit of two: one refusal.
    for _ in 0..3 {
        c.post(format!("{base}/api/v1/sessions"))
            .json(&serde_json::json!({"handle": "quiet_heron", "passphrase": "not the right one"}))
            .send()
            .await
            .unwrap();
    }
    // The public port does not serve metrics.
    let public = c.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(public.status(), 404);

    let text = c
        .get(&metrics_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(r#"tend_http_requests_total{route="/healthz",method="GET",status="200"} 2"#),
        "{text}"
    );
    assert!(text.contains(r#"route="/circles/{id}""#), "{text}");
    assert!(
        text.contains(r#"tend_http_rate_limited_total{route="/api/v1/sessions"} 1"#),
        "{text}"
    );
    assert!(text.contains(
        "tend_http_request_duration_seconds_bucket{route=\"/healthz\",method=\"GET\",le=\"+Inf\"} 2"
    ));
    assert!(text.contains("tend_db_connections{state=\"idle\"}"));
    assert!(text.contains("tend_live_streams_open 0"), "{text}");
    for private in ["secret-circle-id-42", "quiet_heron", "127.0.0.1"] {
        assert!(
            !text.contains(private),
            "metrics must not mention {private}"
        );
    }
    task.abort();
}

#[tokio::test]
async fn metrics_are_off_by_default() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let res = app.api().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 404);
}
