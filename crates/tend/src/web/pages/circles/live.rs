//! Live replies: a server-sent event stream per open thread page.
//!
//! Each event carries the reply's position as its `id`, so a browser that
//! reconnects (after a network blip, a restart of this process, or the
//! stream's maximum lifetime) sends `Last-Event-ID` and gets exactly the
//! replies it missed. The stream wakes when the live feed says its thread
//! changed (in any process, see `service::circles::live`), re-checks the
//! session and circle membership every few seconds, and ends after a
//! maximum lifetime. When the process shuts down the stream ends at once with
//! a `retry:` hint of a few seconds (a different one per stream, so a
//! process's viewers do not all come back in the same instant); the browser
//! reconnects after it, through the load balancer, to a process still running.

use std::convert::Infallible;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::threads::{author, is_facilitator};
use super::{viewer_tz, when};
use crate::domain::circles::Status;
use crate::service::ServiceError;
use crate::service::circles::{MAX_LIFETIME, RECHECK, SAFETY_POLL};
use crate::web::error::PageError;
use crate::web::extract::Person;
use crate::web::{AppState, now};

#[derive(Debug, Default, Deserialize)]
pub struct EventsQuery {
    #[serde(default)]
    after: Option<i64>,
}

/// Server-sent events: each new visible reply as JSON, for `circles.js`.
pub async fn events(
    State(state): State<AppState>,
    Person(who): Person,
    Path((id, tid)): Path<(String, String)>,
    Query(q): Query<EventsQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let mut watch = match state.services.circles().watch(&who, &id, &tid, now()).await {
        Ok(Some(w)) => w,
        // 204 tells a browser's EventSource to stop asking.
        Ok(None) => return Ok(StatusCode::NO_CONTENT.into_response()),
        // Too many streams open for this account: the page still works
        // without live updates (a reload shows new replies).
        Err(ServiceError::TooManyAttempts(secs)) => {
            let mut res = StatusCode::TOO_MANY_REQUESTS.into_response();
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Ok(res);
        }
        Err(e) => return Err(e.into()),
    };
    let tz = viewer_tz(&state, &who).await?;
    // A reconnecting browser says where it got to.
    let mut cursor = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .or(q.after)
        .unwrap_or(0);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Event, Infallible>>(16);
    let open = state.metrics.stream_opened();
    let closing = state.closing.clone();
    tokio::spawn(async move {
        // Counted in `/metrics` for as long as this task runs.
        let _open = open;
        let ends = tokio::time::sleep(MAX_LIFETIME);
        tokio::pin!(ends);
        let mut recheck = tokio::time::interval(RECHECK);
        // The first tick is immediate; the session was checked just now.
        recheck.tick().await;
        while let Some(rows) = watch.next(cursor, 50).await {
            for r in rows {
                cursor = r.seq;
                if Status::parse(&r.status) != Status::Visible {
                    continue;
                }
                let data = serde_json::json!({
                    "id": r.id,
                    "author": author(r.author_name.as_deref()),
                    "facilitator": is_facilitator(r.author_role.as_deref()),
                    "when": when(r.created_at, &tz),
                    "body": r.body,
                    "mine": r.author_account.as_deref() == Some(watch.account()),
                });
                let ev = Event::default()
                    .event("reply")
                    .id(r.seq.to_string())
                    .data(data.to_string());
                if tx.send(Ok(ev)).await.is_err() {
                    return;
                }
            }
            // Wait for a reason to read again; the session and membership
            // checks in between read nothing else.
            let poll = tokio::time::sleep(SAFETY_POLL);
            tokio::pin!(poll);
            loop {
                tokio::select! {
                    () = watch.wait() => break,
                    () = &mut poll => break,
                    _ = recheck.tick() => {
                        if !watch.still_allowed(now()).await {
                            return;
                        }
                    }
                    () = &mut ends => return,
                    () = tx.closed() => return,
                    () = closing.wait() => {
                        let _ = tx.send(Ok(goodbye())).await;
                        return;
                    }
                }
            }
        }
    });
    let stream = tokio_stream::wrappers::ReceiverStream::new(rx);
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// The last event of a stream whose process is shutting down: reconnect in
/// 2 to 5 seconds (drawn per stream, to spread the reconnections), with
/// `Last-Event-ID`, which a browser's `EventSource` sends by itself.
fn goodbye() -> Event {
    use rand::Rng;
    let ms = rand::thread_rng().gen_range(2_000..=5_000);
    Event::default()
        .retry(std::time::Duration::from_millis(ms))
        .comment("this server is restarting; reconnect")
}
