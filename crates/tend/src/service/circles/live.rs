//! The live fan-out: "a reply was saved in this thread" reaches everyone
//! watching it. Behind a small trait so a deployment with several tend
//! processes can add an implementation that crosses processes (PostgreSQL
//! `LISTEN`/`NOTIFY`, say). Until then, viewers in other processes notice new
//! replies within the poll interval through the database.

use std::sync::LazyLock;

use async_trait::async_trait;
use tokio::sync::broadcast;

/// Announces new replies and hands out subscriptions.
pub trait LiveFeed: Send + Sync {
    /// A reply was saved in `thread_id`; wake its viewers. Never fails: with
    /// nobody watching there is nothing to do.
    fn announce(&self, thread_id: &str);
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

impl LiveFeed for InProcess {
    fn announce(&self, thread_id: &str) {
        // No receivers is normal: nobody is watching.
        let _ = self.tx.send(thread_id.to_owned());
    }
    fn subscribe(&self) -> Box<dyn Subscription> {
        Box::new(InProcessSubscription(self.tx.subscribe()))
    }
}

struct InProcessSubscription(broadcast::Receiver<String>);

#[async_trait]
impl Subscription for InProcessSubscription {
    async fn wait_for(&mut self, thread_id: &str) {
        loop {
            match self.0.recv().await {
                Ok(t) if t == thread_id => return,
                Ok(_) => {}
                // Missed some: wake, and let the database say what is new.
                Err(broadcast::error::RecvError::Lagged(_)) => return,
                Err(broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
            }
        }
    }
}

/// The feed every request in this process shares.
pub(crate) static IN_PROCESS: LazyLock<InProcess> = LazyLock::new(InProcess::new);

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_subscriber_wakes_for_its_thread_and_not_for_others() {
        let feed = InProcess::new();
        let mut sub = feed.subscribe();
        feed.announce("other");
        feed.announce("mine");
        // Returns only after skipping "other"; a wrong implementation hangs
        // and the test runner reports it.
        sub.wait_for("mine").await;
        feed.announce("mine");
        sub.wait_for("mine").await;
    }
}
