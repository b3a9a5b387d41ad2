//! Wake-ups that cross processes: PostgreSQL `NOTIFY`, heard by one `LISTEN`
//! connection per process and handed to that process's waiters through a
//! broadcast channel. SQLite has no such thing (and needs none: one process
//! owns the file), so only [`super::PostgresStore`] offers it.
//!
//! A notification is only a hint that something changed; whoever wakes reads
//! the database for what is new. So losing some (the listener reconnecting
//! after a database restart) costs nothing as long as every waiter is woken
//! once the listener is back: a message with an empty payload means "wake,
//! whatever you wait for".

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use super::StoreResult;

/// The one channel tend listens on; payloads say what changed.
const CHANNEL: &str = "tend_live";

/// How often an idle listener looks whether anyone still waits.
const IDLE_CHECK: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct Signals {
    pool: PgPool,
    tx: broadcast::Sender<String>,
    listener: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl Signals {
    pub(super) fn new(pool: PgPool) -> Self {
        Self {
            pool,
            tx: broadcast::channel(1024).0,
            listener: Arc::new(Mutex::new(None)),
        }
    }

    /// Tells every process (this one included, through its listener).
    /// Payloads longer than PostgreSQL's 8000 bytes are refused by it.
    pub async fn send(&self, payload: &str) -> StoreResult<()> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(payload)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Payloads heard from now on ("" = wake everyone). Starts this process's
    /// listener if it is not running; it stops by itself a few seconds after
    /// the last receiver is dropped, so an idle process holds no connection.
    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        // Under the lock, so the listener cannot decide to stop between this
        // receiver appearing and the check below (see `retire`).
        let mut slot = lock(&self.listener);
        let rx = self.tx.subscribe();
        if slot.as_ref().is_none_or(JoinHandle::is_finished) {
            *slot = Some(tokio::spawn(listen(self.clone())));
        }
        rx
    }

    /// Whether the listener should stop now that nobody waits; if so it is
    /// marked gone under the same lock `subscribe` takes, so the next
    /// subscriber starts a new one.
    fn retire(&self) -> bool {
        let mut slot = lock(&self.listener);
        if self.tx.receiver_count() == 0 || self.pool.is_closed() {
            *slot = None;
            true
        } else {
            false
        }
    }
}

/// A poisoned lock only means a panic elsewhere mid-check; the handle inside
/// is still meaningful.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Resolves once nobody has waited for a while (checked without the lock;
/// `retire` decides).
async fn idle(tx: &broadcast::Sender<String>) {
    loop {
        tokio::time::sleep(IDLE_CHECK).await;
        if tx.receiver_count() == 0 {
            return;
        }
    }
}

async fn listen(signals: Signals) {
    let Signals { pool, tx, .. } = signals.clone();
    let mut backoff = Duration::from_millis(250);
    loop {
        if signals.retire() {
            return;
        }
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "live updates: could not connect the listener; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "live updates: LISTEN failed; retrying");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(10));
            continue;
        }
        backoff = Duration::from_millis(250);
        // Anything sent before LISTEN took effect was not heard: wake everyone.
        let _ = tx.send(String::new());
        loop {
            let got = tokio::select! {
                got = listener.try_recv() => got,
                // The read is abandoned, so the listener is not used again:
                // stop, or (someone subscribed meanwhile) connect afresh.
                () = idle(&tx) => break,
            };
            match got {
                Ok(Some(n)) => {
                    let _ = tx.send(n.payload().to_owned());
                }
                // The connection was lost and has been re-established (with
                // its LISTEN): whatever was sent meanwhile was not heard.
                Ok(None) => {
                    tracing::info!("live updates: listener reconnected");
                    let _ = tx.send(String::new());
                }
                Err(e) => {
                    tracing::warn!(error = %e, "live updates: listener failed; reconnecting");
                    let _ = tx.send(String::new());
                    tokio::time::sleep(backoff).await;
                    break;
                }
            }
        }
    }
}
