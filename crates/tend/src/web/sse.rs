//! The one driver of every live server-sent event stream: a circle thread's
//! replies (its page and the API) and a person's notifications.
//!
//! What a stream reads and how it renders events is its [`Feed`]; everything
//! else is the same for all of them and lives here, once:
//! - the feed is read at once, then again whenever it wakes (the live feed
//!   said something changed, in any process: `service::circles::live`) or
//!   every [`SAFETY_POLL`] without a wake;
//! - every [`RECHECK`] the feed checks that the person may still watch
//!   (signed in, still in the circle; this also renews the stream's place
//!   among its account's capped streams), and the stream ends within seconds
//!   when they may not;
//! - it ends after [`MAX_LIFETIME`] (the browser reconnects and is checked
//!   afresh), when the client goes away, or when the process shuts down, then
//!   with a `retry:` hint of 2 to 5 seconds (see [`goodbye`]);
//! - keep-alive comments hold idle connections open, and `/metrics` counts
//!   the stream for as long as it runs.
//!
//! The feed itself owns its place among the account's streams (dropping it
//! gives the place back), and resuming after `Last-Event-ID` is the feed's
//! cursor, set by the handler from the request.

use std::convert::Infallible;
use std::future::Future;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};

use crate::domain::circles::Status;
use crate::service::circles::{MAX_LIFETIME, RECHECK, ReplyView, SAFETY_POLL, Watch};
use crate::web::{AppState, now};

/// What one live stream reads, re-checks and waits for.
pub trait Feed: Send + 'static {
    /// The events to send now, in order; `None` ends the stream (nothing
    /// more to show this person, or the store failed and the browser should
    /// reconnect).
    fn read(&mut self) -> impl Future<Output = Option<Vec<Event>>> + Send;
    /// Whether the stream may go on (see [`RECHECK`]).
    fn still_allowed(&mut self, now: i64) -> impl Future<Output = bool> + Send;
    /// Returns when there may be something new to read.
    fn wait(&mut self) -> impl Future<Output = ()> + Send;
}

/// Runs `feed` as a `text/event-stream` response until it ends.
pub fn stream(state: &AppState, mut feed: impl Feed) -> Response {
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
        while let Some(events) = feed.read().await {
            for ev in events {
                if tx.send(Ok(ev)).await.is_err() {
                    return;
                }
            }
            // Wait for a reason to read again; the re-checks in between read
            // nothing else.
            let poll = tokio::time::sleep(SAFETY_POLL);
            tokio::pin!(poll);
            loop {
                tokio::select! {
                    () = feed.wait() => break,
                    () = &mut poll => break,
                    _ = recheck.tick() => {
                        if !feed.still_allowed(now()).await {
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
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// The answer to a page's stream request when its account already has its
/// most streams open: 429 with `Retry-After`, no body. The page still works
/// without live updates (a reload shows what is new).
pub fn too_many(secs: u64) -> Response {
    let mut res = StatusCode::TOO_MANY_REQUESTS.into_response();
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
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

/// A thread's live replies, for [`replies`].
struct Replies<R> {
    watch: Watch,
    cursor: i64,
    render: R,
}

/// A thread's new visible replies, each as `event: reply` with its `seq` as
/// the event's `id` and `render`'s JSON as its data. `cursor` is the last
/// `seq` the client has (0 for none); hidden and removed replies move it on
/// without an event.
pub fn replies<R>(state: &AppState, watch: Watch, cursor: i64, render: R) -> Response
where
    R: FnMut(ReplyView) -> String + Send + 'static,
{
    stream(
        state,
        Replies {
            watch,
            cursor,
            render,
        },
    )
}

/// Replies read per wake-up.
const REPLIES_PER_READ: i64 = 50;

impl<R> Feed for Replies<R>
where
    R: FnMut(ReplyView) -> String + Send + 'static,
{
    async fn read(&mut self) -> Option<Vec<Event>> {
        let rows = self.watch.next(self.cursor, REPLIES_PER_READ).await?;
        let mut events = Vec::with_capacity(rows.len());
        for r in rows {
            self.cursor = r.seq;
            if Status::parse(&r.status) != Status::Visible {
                continue;
            }
            let id = r.seq.to_string();
            events.push(
                Event::default()
                    .event("reply")
                    .id(id)
                    .data((self.render)(r)),
            );
        }
        Some(events)
    }

    async fn still_allowed(&mut self, now: i64) -> bool {
        self.watch.still_allowed(now).await
    }

    async fn wait(&mut self) {
        self.watch.wait().await;
    }
}
