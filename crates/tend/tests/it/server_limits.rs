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

#[tokio::test]
async fn a_connection_trickling_its_headers_is_closed() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.limits.header_read_timeout = Duration::from_secs(1);
    })
    .await
    .unwrap();
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
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.limits.header_read_timeout = Duration::from_secs(1);
    })
    .await
    .unwrap();
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
