//! The HTTP server's own limits: a client that trickles its headers is cut
//! off, idle connections do not crowd out real requests, and a body that never
//! finishes arriving gets an answer instead of holding the connection.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{Backend, TestApp};

fn addr(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_owned()
}

/// Reads until the server closes the connection, or gives up after `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    let mut buf = [0u8; 512];
    let read_all = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(limit, read_all).await.is_ok()
}

async fn with_one_second_header_timeout() -> TestApp {
    TestApp::spawn_with(Backend::Sqlite, |c| {
        c.limits.header_read_timeout = Duration::from_secs(1);
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_connection_trickling_its_headers_is_closed() {
    let app = with_one_second_header_timeout().await;
    let mut stream = TcpStream::connect(addr(&app)).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\n")
        .await
        .unwrap();
    // One byte of a header every 200 ms, never finishing: 40 bytes take 8 s,
    // far past the 1 s allowed, so the server must end it before we are done.
    let mut closed_early = false;
    for _ in 0..40 {
        if stream.write_all(b"X").await.is_err() {
            closed_early = true;
            break;
        }
        if closed_within(&mut stream, Duration::from_millis(200)).await {
            closed_early = true;
            break;
        }
    }
    assert!(
        closed_early,
        "a client that never finishes its headers must be disconnected"
    );
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let app = with_one_second_header_timeout().await;
    let mut stream = TcpStream::connect(addr(&app)).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: tend\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 1024];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    // Now say nothing: the server should let the connection go.
    assert!(
        closed_within(&mut stream, Duration::from_secs(8)).await,
        "an idle connection must not be kept forever"
    );
}

#[tokio::test]
async fn health_answers_while_a_thousand_idle_connections_are_open() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let mut idle = Vec::with_capacity(1000);
    for _ in 0..1000 {
        idle.push(TcpStream::connect(addr(&app)).await.unwrap());
    }
    let response = app.api().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ok\n");
    drop(idle);
}

#[tokio::test]
async fn a_body_that_never_finishes_gets_an_answer() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.limits.body_read_timeout = Duration::from_secs(1);
    })
    .await
    .unwrap();
    let mut stream = TcpStream::connect(addr(&app)).await.unwrap();
    stream
        .write_all(
            b"POST /api/v1/sessions HTTP/1.1\r\nHost: tend\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"handle\":",
        )
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
        .await
        .expect("the server should answer once the body times out")
        .unwrap();
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(
        head.starts_with("HTTP/1.1 4"),
        "expected a client error, got: {head}"
    );
}

/// Behind a trusted load balancer each real client has its own allowance
/// (the address the proxy put last in `X-Forwarded-For`); from anywhere else
/// the header is ignored, so a client cannot dodge the limit by inventing one.
#[tokio::test]
async fn a_trusted_proxy_passes_on_the_client_address_and_nobody_else_does() {
    let sign_in = |app: &TestApp, forwarded: &str| {
        let req = app
            .api()
            .post(app.url("/api/v1/sessions"))
            .header("x-forwarded-for", forwarded)
            .json(&serde_json::json!({"handle": "x_y_z", "passphrase": "wrong but long"}));
        async move { req.send().await.unwrap().status().as_u16() }
    };
    let behind = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.auth_attempts_per_minute = 2;
        c.limits.trusted_proxy = Some([127, 0, 0, 1].into());
    })
    .await
    .unwrap();
    let mut first = Vec::new();
    for _ in 0..3 {
        first.push(sign_in(&behind, "203.0.113.5, 198.51.100.1").await);
    }
    assert_eq!(first, [401, 401, 429]);
    // Another client behind the same proxy still has its own allowance.
    assert_eq!(sign_in(&behind, "198.51.100.2").await, 401);

    let direct = TestApp::spawn_with(Backend::Sqlite, |c| c.auth_attempts_per_minute = 2)
        .await
        .unwrap();
    let mut statuses = Vec::new();
    for i in 0..3 {
        statuses.push(sign_in(&direct, &format!("198.51.100.{i}")).await);
    }
    assert_eq!(statuses, [401, 401, 429]);
}
