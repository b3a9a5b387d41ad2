//! The live fan-out: "a reply was saved in this thread" reaches everyone
//! watching it, in any process.
//!
//! Two implementations, chosen by the store's backend when a request asks for
//! [`Services::circles`](crate::service::Services::circles):
//! - SQLite: one process owns the database, so an in-process broadcast
//!   channel is enough ([`InProcess`]);
//! - PostgreSQL: several processes may share the database, so an announcement
//!   is a `NOTIFY` and each process hears it on its one `LISTEN` connection
//!   ([`Notify`], over [`crate::store::Signals`]).
//!
//! A wake-up is only a hint: the viewer reads the database for what is new,
//! so a lost or spurious one costs a query at most.

use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::broadcast;

use crate::store::Signals;

/// How often a live stream checks that its session is still signed in and
/// its person still in the circle (one query). Sign-out, a passphrase change,
/// account deletion or removal from the circle end the stream within this.
pub const RECHECK: Duration = Duration::from_secs(5);
/// Viewers also read the database this often with no wake-up at all: a safety
/// net for a notification lost while the listener reconnected.
pub const SAFETY_POLL: Duration = Duration::from_secs(30);
/// A stream ends after this; the browser reconnects (with `Last-Event-ID`)
/// and is checked afresh like any new request.
pub const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);
/// A stream's place in `live_streams` is a lease: taken for this long and
/// renewed every [`STREAM_RENEW`] while the stream runs, so a place left
/// behind by a process that was killed (`kill -9`, a crash, a lost machine)
/// lapses within a minute instead of keeping its person from reconnecting.
pub const STREAM_LEASE: Duration = Duration::from_secs(60);
pub const STREAM_RENEW: Duration = Duration::from_secs(20);
/// Live streams one account may have open at once, across every process
/// (counted in the database): a few tabs and devices, not a flood.
pub const STREAMS_PER_ACCOUNT: i64 = 10;

/// Announces new replies and hands out subscriptions.
#[async_trait]
pub trait LiveFeed: Send + Sync {
    /// A reply was saved in `thread_id`; wake its viewers. Never fails: with
    /// nobody watching there is nothing to do, and a failed cross-process
    /// announcement is logged and caught by the viewers' safety poll.
    async fn announce(&self, thread_id: &str);
    fn subscribe(&self) -> Box<dyn Subscription>;
}

#[async_trait]
pub trait Subscription: Send {
    /// Returns when something may have happened in `thread_id` (a spurious
    /// wake is fine: the caller reads the database anyway). Waits forever once
    /// the feed has shut down, so a caller's timer takes over.
    async fn wait_for(&mut self, thread_id: &str);
}

/// Viewers in this process, woken through a broadcast channel.
pub struct InProcess {
    tx: broadcast::Sender<String>,
}

impl InProcess {
    pub fn new() -> Self {
        Self {
            tx: broadcast::channel(256).0,
        }
    }
}

impl Default for InProcess {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl LiveFeed for InProcess {
    async fn announce(&self, thread_id: &str) {
        // No receivers is normal: nobody is watching.
        let _ = self.tx.send(thread_id.to_owned());
    }
    fn subscribe(&self) -> Box<dyn Subscription> {
        Box::new(Channel(self.tx.subscribe()))
    }
}

/// The in-process feed as a borrowed [`LiveFeed`].
#[async_trait]
impl LiveFeed for &InProcess {
    async fn announce(&self, thread_id: &str) {
        (**self).announce(thread_id).await;
    }
    fn subscribe(&self) -> Box<dyn Subscription> {
        (**self).subscribe()
    }
}

/// Viewers in every process on one PostgreSQL database: an announcement is a
/// `NOTIFY`, heard by each process's listener (this one's too).
pub struct Notify<'a>(pub &'a Signals);

#[async_trait]
impl LiveFeed for Notify<'_> {
    async fn announce(&self, thread_id: &str) {
        if let Err(e) = self.0.send(thread_id).await {
            tracing::warn!(error = %e, "live updates: NOTIFY failed; viewers catch up at their next poll");
        }
    }
    fn subscribe(&self) -> Box<dyn Subscription> {
        Box::new(Channel(self.0.subscribe()))
    }
}

/// A broadcast receiver of thread ids; an empty one wakes everybody.
struct Channel(broadcast::Receiver<String>);

#[async_trait]
impl Subscription for Channel {
    async fn wait_for(&mut self, thread_id: &str) {
        loop {
            match self.0.recv().await {
                Ok(t) if t == thread_id || t.is_empty() => return,
                Ok(_) => {}
                // Missed some: wake, and let the database say what is new.
                Err(broadcast::error::RecvError::Lagged(_)) => return,
                Err(broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
            }
        }
    }
}

/// The feed every request in this process shares when the store is SQLite.
pub(crate) static IN_PROCESS: LazyLock<InProcess> = LazyLock::new(InProcess::new);

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_subscriber_wakes_for_its_thread_and_not_for_others() {
        let feed = InProcess::new();
        let mut sub = feed.subscribe();
        feed.announce("other").await;
        feed.announce("mine").await;
        // Returns only after skipping "other"; a wrong implementation hangs
        // and the test runner reports it.
        sub.wait_for("mine").await;
        feed.announce("mine").await;
        sub.wait_for("mine").await;
    }

    #[tokio::test]
    async fn an_empty_announcement_wakes_every_subscriber() {
        let feed = InProcess::new();
        let mut a = feed.subscribe();
        let mut b = feed.subscribe();
        feed.announce("").await;
        a.wait_for("one").await;
        b.wait_for("two").await;
    }
}
