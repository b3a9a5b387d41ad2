//! Storage for Web Push (migration 0013): the server's one VAPID key pair,
//! shared by every process on the database, and the devices each person
//! subscribed. One SQL text serves both backends.

use async_trait::async_trait;

use super::StoreResult;

/// The VAPID key pair as stored.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PushKeyRow {
    pub private_key: Vec<u8>,
    pub public_key: String,
}

/// Never prints the private key.
impl std::fmt::Debug for PushKeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushKeyRow")
            .field("private_key", &"***")
            .field("public_key", &self.public_key)
            .finish()
    }
}

/// One subscribed browser.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PushSubscriptionRow {
    pub id: String,
    pub account_id: String,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub time_zone: String,
    pub created_at: i64,
    pub last_sent_at: Option<i64>,
    /// The reminders chosen for this device, `,checkin,practice,` (migration 0015).
    pub reminder_kinds: String,
    /// The time of the latest reminder sent (or of the choice being saved).
    pub reminded_at: Option<i64>,
    /// The session that turned push on; signing out there removes the row.
    pub session_hash: Option<Vec<u8>>,
}

/// A device with reminders chosen, and its person's reminder settings (JSON).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PushReminderDevice {
    #[sqlx(flatten)]
    pub device: PushSubscriptionRow,
    pub settings: String,
}

/// The endpoint's path and the keys are capabilities: anyone holding them
/// can push to the device. Only the endpoint's host is printed.
impl std::fmt::Debug for PushSubscriptionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = self
            .endpoint
            .split("://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .unwrap_or("");
        f.debug_struct("PushSubscriptionRow")
            .field("id", &self.id)
            .field("account_id", &self.account_id)
            .field("endpoint_host", &host)
            .field("time_zone", &self.time_zone)
            .field("created_at", &self.created_at)
            .field("last_sent_at", &self.last_sent_at)
            .field("reminder_kinds", &self.reminder_kinds)
            .field("reminded_at", &self.reminded_at)
            .finish_non_exhaustive()
    }
}

#[async_trait]
pub trait PushStore: Send + Sync {
    /// The VAPID key pair, if one was made.
    async fn push_key(&self) -> StoreResult<Option<PushKeyRow>>;
    /// Stores a key pair unless one exists (then the existing one stays);
    /// read it back with [`PushStore::push_key`].
    async fn offer_push_key(&self, key: &PushKeyRow, now: i64) -> StoreResult<()>;
    /// Saves a subscription; a row with the same endpoint is replaced (a
    /// browser that subscribed again, maybe for another account). Returns
    /// the id of the stored row.
    async fn save_push_subscription(&self, s: &PushSubscriptionRow) -> StoreResult<String>;
    /// One account's devices, oldest first.
    async fn push_subscriptions(&self, account_id: &str) -> StoreResult<Vec<PushSubscriptionRow>>;
    async fn count_push_subscriptions(&self, account_id: &str) -> StoreResult<i64>;
    /// Removes one of the account's devices; false if it is not theirs.
    async fn delete_push_subscription(&self, account_id: &str, id: &str) -> StoreResult<bool>;
    /// Removes a device the push service said is gone (404 or 410).
    async fn forget_push_endpoint(&self, id: &str) -> StoreResult<bool>;
    async fn push_sent(&self, id: &str, now: i64) -> StoreResult<()>;
    /// Sets which reminders one of the account's devices gets, and marks
    /// reminders up to `now` as done; false if the device is not theirs.
    async fn set_push_reminders(
        &self,
        account_id: &str,
        id: &str,
        kinds: &str,
        now: i64,
    ) -> StoreResult<bool>;
    /// Every device with reminders chosen, with its person's settings.
    async fn push_reminder_devices(&self) -> StoreResult<Vec<PushReminderDevice>>;
    /// Claims the reminder due at `at` for a device: true for exactly one
    /// caller, and only if no reminder at or after `at` was claimed before.
    async fn claim_push_reminder(&self, id: &str, at: i64) -> StoreResult<bool>;
    /// Keeps a push for after quiet hours; one per device and kind (a second
    /// one collapses into the first).
    async fn hold_push(&self, id: &str, kind: &str, due_at: i64, now: i64) -> StoreResult<()>;
    /// Takes (and removes) the held pushes that are due: each goes to
    /// exactly one caller. (device, kind).
    async fn take_held_pushes(&self, now: i64) -> StoreResult<Vec<(PushSubscriptionRow, String)>>;
    /// The account's unread notifications of one kind.
    async fn unread_of_kind(&self, account_id: &str, kind: &str) -> StoreResult<i64>;
    /// Removes the devices a session turned push on for.
    async fn forget_push_of_session(&self, session_hash: &[u8]) -> StoreResult<u64>;
    /// Removes one of the account's devices by its endpoint.
    async fn forget_push_of_endpoint(&self, account_id: &str, endpoint: &str) -> StoreResult<bool>;
    /// Removes all of the account's devices except those `keep` turned on.
    async fn forget_push_of_account(
        &self,
        account_id: &str,
        keep: Option<&[u8]>,
    ) -> StoreResult<u64>;
}

/// The SQL of [`PushStore::push_subscriptions`]: `$1` account.
pub const PUSH_SUBSCRIPTIONS_SQL: &str =
    "SELECT * FROM push_subscriptions WHERE account_id = $1 ORDER BY created_at, id";

/// Implements [`PushStore`] for a backend, next to `impl_store!`.
macro_rules! impl_push {
    ($store:ty) => {
        const _: () = {
            use $crate::store::StoreResult;
            use $crate::store::push::*;

            #[async_trait::async_trait]
            impl $crate::store::PushStore for $store {
                async fn push_key(&self) -> StoreResult<Option<PushKeyRow>> {
                    Ok(sqlx::query_as(
                        "SELECT private_key, public_key FROM push_keys WHERE id = 'vapid'",
                    )
                    .fetch_optional(&self.pool)
                    .await?)
                }

                async fn offer_push_key(&self, key: &PushKeyRow, now: i64) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO push_keys (id, private_key, public_key, created_at) \
                         VALUES ('vapid', $1, $2, $3) ON CONFLICT (id) DO NOTHING",
                    )
                    .bind(&key.private_key)
                    .bind(&key.public_key)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn save_push_subscription(&self, s: &PushSubscriptionRow) -> StoreResult<String> {
                    let (id,): (String,) = sqlx::query_as(
                        "INSERT INTO push_subscriptions \
                         (id, account_id, endpoint, p256dh, auth, time_zone, created_at, last_sent_at, \
                          reminder_kinds, reminded_at, session_hash) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, ',', $7, $8) ON CONFLICT (endpoint) DO UPDATE SET \
                         id = excluded.id, p256dh = excluded.p256dh, \
                         auth = excluded.auth, time_zone = excluded.time_zone, \
                         created_at = excluded.created_at, last_sent_at = NULL, \
                         reminder_kinds = CASE WHEN push_subscriptions.account_id = excluded.account_id \
                           THEN push_subscriptions.reminder_kinds ELSE ',' END, \
                         reminded_at = excluded.reminded_at, session_hash = excluded.session_hash, \
                         account_id = excluded.account_id \
                         RETURNING id",
                    )
                    .bind(&s.id)
                    .bind(&s.account_id)
                    .bind(&s.endpoint)
                    .bind(&s.p256dh)
                    .bind(&s.auth)
                    .bind(&s.time_zone)
                    .bind(s.created_at)
                    .bind(&s.session_hash)
                    .fetch_one(&self.pool)
                    .await?;
                    Ok(id)
                }

                async fn push_subscriptions(&self, account_id: &str) -> StoreResult<Vec<PushSubscriptionRow>> {
                    // The backend's own read path: asked after every reply
                    // that notifies someone (`sqlite.rs`, `postgres.rs`).
                    self.read_push_subscriptions(account_id).await
                }

                async fn count_push_subscriptions(&self, account_id: &str) -> StoreResult<i64> {
                    let (n,): (i64,) =
                        sqlx::query_as("SELECT COUNT(*) FROM push_subscriptions WHERE account_id = $1")
                            .bind(account_id)
                            .fetch_one(&self.pool)
                            .await?;
                    Ok(n)
                }

                async fn delete_push_subscription(&self, account_id: &str, id: &str) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "DELETE FROM push_subscriptions WHERE account_id = $1 AND id = $2",
                    )
                    .bind(account_id)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn forget_push_endpoint(&self, id: &str) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM push_subscriptions WHERE id = $1")
                        .bind(id)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn push_sent(&self, id: &str, now: i64) -> StoreResult<()> {
                    sqlx::query("UPDATE push_subscriptions SET last_sent_at = $2 WHERE id = $1")
                        .bind(id)
                        .bind(now)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn set_push_reminders(&self, account_id: &str, id: &str, kinds: &str, now: i64) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "UPDATE push_subscriptions SET reminder_kinds = $3, reminded_at = $4 \
                         WHERE account_id = $1 AND id = $2",
                    )
                    .bind(account_id)
                    .bind(id)
                    .bind(kinds)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn push_reminder_devices(&self) -> StoreResult<Vec<PushReminderDevice>> {
                    Ok(sqlx::query_as(
                        "SELECT s.*, n.reminders AS settings FROM push_subscriptions s \
                         JOIN notification_settings n ON n.account_id = s.account_id \
                         WHERE s.reminder_kinds <> ',' ORDER BY s.id",
                    )
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn claim_push_reminder(&self, id: &str, at: i64) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "UPDATE push_subscriptions SET reminded_at = $2 \
                         WHERE id = $1 AND (reminded_at IS NULL OR reminded_at < $2)",
                    )
                    .bind(id)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn hold_push(&self, id: &str, kind: &str, due_at: i64, now: i64) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO push_pending (subscription_id, kind, due_at, created_at) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT (subscription_id, kind) DO NOTHING",
                    )
                    .bind(id)
                    .bind(kind)
                    .bind(due_at)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn take_held_pushes(&self, now: i64) -> StoreResult<Vec<(PushSubscriptionRow, String)>> {
                    let taken: Vec<(String, String)> = sqlx::query_as(
                        "DELETE FROM push_pending WHERE due_at <= $1 RETURNING subscription_id, kind",
                    )
                    .bind(now)
                    .fetch_all(&self.pool)
                    .await?;
                    let mut out = Vec::with_capacity(taken.len());
                    for (id, kind) in taken {
                        let device: Option<PushSubscriptionRow> =
                            sqlx::query_as("SELECT * FROM push_subscriptions WHERE id = $1")
                                .bind(&id)
                                .fetch_optional(&self.pool)
                                .await?;
                        if let Some(device) = device {
                            out.push((device, kind));
                        }
                    }
                    Ok(out)
                }

                async fn unread_of_kind(&self, account_id: &str, kind: &str) -> StoreResult<i64> {
                    let (n,): (i64,) = sqlx::query_as(
                        "SELECT COUNT(*) FROM notifications \
                         WHERE account_id = $1 AND kind = $2 AND read_at IS NULL",
                    )
                    .bind(account_id)
                    .bind(kind)
                    .fetch_one(&self.pool)
                    .await?;
                    Ok(n)
                }

                async fn forget_push_of_session(&self, session_hash: &[u8]) -> StoreResult<u64> {
                    let done = sqlx::query("DELETE FROM push_subscriptions WHERE session_hash = $1")
                        .bind(session_hash)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected())
                }

                async fn forget_push_of_endpoint(&self, account_id: &str, endpoint: &str) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "DELETE FROM push_subscriptions WHERE account_id = $1 AND endpoint = $2",
                    )
                    .bind(account_id)
                    .bind(endpoint)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn forget_push_of_account(&self, account_id: &str, keep: Option<&[u8]>) -> StoreResult<u64> {
                    let done = sqlx::query(
                        "DELETE FROM push_subscriptions WHERE account_id = $1 \
                         AND ($2 IS NULL OR session_hash IS NULL OR session_hash <> $2)",
                    )
                    .bind(account_id)
                    .bind(keep)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected())
                }
            }
        };
    };
}

pub(crate) use impl_push;
