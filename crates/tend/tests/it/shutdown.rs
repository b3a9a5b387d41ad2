//! Graceful shutdown of a real `tend serve` process (SQLite): on SIGTERM it
//! stops accepting, ends open live streams (a thread's replies and the
//! notifications) at once with an SSE `retry:` hint (so the browser comes
//! back in a few seconds, with `Last-Event-ID`, to a process still running),
//! lets a request in flight finish, and exits cleanly.

use std::process::Command;

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::cluster::{Process, Scene, post, read_until, replies_in, resume, scene};

#[tokio::test]
async fn sigterm_ends_live_streams_with_a_retry_hint_and_finishes_requests_in_flight() {
    let p = Process::start_on(None);
    let Scene {
        fac,
        csrf,
        member,
        thread_path,
        ..
    } = scene(&p).await;
    let mut stream = resume(&member, &p, &thread_path, None).await;
    let res = post(
        &fac,
        p.url(&format!("{thread_path}/replies")),
        &[("csrf", &csrf), ("body", "BEFORE the restart")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (raw, _) = read_until(&mut stream, "BEFORE").await;
    assert_eq!(replies_in(&raw).len(), 1, "{raw:?}");
    // The notifications stream runs on the same driver and ends alike.
    let mut notices = member
        .get(p.url("/notifications/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(notices.status(), StatusCode::OK);
    let (raw, _) = read_until(&mut notices, "event: notices").await;
    assert!(raw.contains("event: notices"), "{raw:?}");

    // A request in flight: its headers are sent and half of its body.
    let addr = p.base.trim_start_matches("http://").to_owned();
    let body = r#"{"handle":"nobody_here","passphrase":"not a real one at all"}"#;
    let (first, rest) = body.split_at(body.len() / 2);
    let mut inflight = TcpStream::connect(&addr).await.unwrap();
    inflight
        .write_all(
            format!(
                "POST /api/v1/sessions HTTP/1.1\r\nHost: {addr}\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{first}",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    inflight.flush().await.unwrap();

    let pid = p.child.id().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());

    // The stream ends (well before the 10-second grace period would cut it)
    // and its last words tell the browser when to come back.
    for stream in [&mut stream, &mut notices] {
        let (raw, ended) = read_until(stream, "").await;
        assert!(ended, "the live stream ended on SIGTERM: {raw:?}");
        let retry = raw
            .lines()
            .find_map(|l| l.strip_prefix("retry:"))
            .and_then(|v| v.trim().parse::<u64>().ok());
        assert!(
            retry.is_some_and(|ms| (2_000..=5_000).contains(&ms)),
            "the stream's last event carries a retry hint of 2-5 s: {raw:?}"
        );
    }

    // The process no longer accepts connections ...
    assert!(
        TcpStream::connect(&addr).await.is_err(),
        "a process shutting down takes no new connections"
    );
    // ... but the request in flight is answered in full.
    inflight.write_all(rest.as_bytes()).await.unwrap();
    let mut answer = String::new();
    inflight.read_to_string(&mut answer).await.unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 401"),
        "the request in flight got its answer: {answer:?}"
    );
    assert!(answer.contains("passphrase"), "{answer:?}");

    // And it exits by itself, successfully.
    let mut p = p;
    let exit = p.child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
}
