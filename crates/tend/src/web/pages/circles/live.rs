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
//! The loop itself is [`crate::web::sse`], shared with the API and the
//! notifications stream; this module only says what a reply looks like.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::threads::{author, is_facilitator};
use super::{viewer_tz, when};
use crate::service::ServiceError;
use crate::web::error::PageError;
use crate::web::extract::Person;
use crate::web::sse;
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
    let watch = match state.services.circles().watch(&who, &id, &tid, now()).await {
        Ok(Some(w)) => w,
        // 204 tells a browser's EventSource to stop asking.
        Ok(None) => return Ok(StatusCode::NO_CONTENT.into_response()),
        Err(ServiceError::TooManyAttempts(secs)) => return Ok(sse::too_many(secs)),
        Err(e) => return Err(e.into()),
    };
    let tz = viewer_tz(&state, &who).await?;
    // A reconnecting browser says where it got to.
    let cursor = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .or(q.after)
        .unwrap_or(0);
    let me = who.account_id.clone();
    let render = move |r: crate::service::circles::ReplyView| {
        serde_json::json!({
            "id": r.id,
            "author": author(r.author_name.as_deref()),
            "facilitator": is_facilitator(r.author_role.as_deref()),
            "when": when(r.created_at, &tz).to_string(),
            "body": r.body,
            "mine": r.author_account.as_deref() == Some(me.as_str()),
        })
        .to_string()
    };
    Ok(sse::replies(&state, watch, cursor, render))
}
