//! Live replies: a server-sent event stream per open thread page.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::threads::author;
use super::{viewer_tz, when};
use crate::domain::circles::Status;
use crate::web::error::PageError;
use crate::web::extract::Person;
use crate::web::{AppState, now};

/// Live viewers also notice new replies within `POLL` through the database
/// (those in other processes, and any wake-up that was missed).
const POLL: Duration = Duration::from_secs(2);

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
    let Some(mut watch) = state
        .services
        .circles()
        .watch(&who, &id, &tid, now())
        .await?
    else {
        // 204 tells a browser's EventSource to stop asking.
        return Ok(StatusCode::NO_CONTENT.into_response());
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
    tokio::spawn(async move {
        while let Some(rows) = watch.next(cursor, 50).await {
            for r in rows {
                cursor = r.seq;
                if Status::parse(&r.status) != Status::Visible {
                    continue;
                }
                let data = serde_json::json!({
                    "id": r.id,
                    "author": author(r.author_name.as_deref()),
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
            tokio::select! {
                () = watch.wait() => {}
                () = tokio::time::sleep(POLL) => {}
                () = tx.closed() => return,
            }
        }
    });
    let stream = tokio_stream::wrappers::ReceiverStream::new(rx);
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}
