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
}

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
                         (id, account_id, endpoint, p256dh, auth, time_zone, created_at, last_sent_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL) ON CONFLICT (endpoint) DO UPDATE SET \
                         id = excluded.id, account_id = excluded.account_id, p256dh = excluded.p256dh, \
                         auth = excluded.auth, time_zone = excluded.time_zone, \
                         created_at = excluded.created_at, last_sent_at = NULL \
                         RETURNING id",
                    )
                    .bind(&s.id)
                    .bind(&s.account_id)
                    .bind(&s.endpoint)
                    .bind(&s.p256dh)
                    .bind(&s.auth)
                    .bind(&s.time_zone)
                    .bind(s.created_at)
                    .fetch_one(&self.pool)
                    .await?;
                    Ok(id)
                }

                async fn push_subscriptions(&self, account_id: &str) -> StoreResult<Vec<PushSubscriptionRow>> {
                    Ok(sqlx::query_as(
                        "SELECT * FROM push_subscriptions WHERE account_id = $1 ORDER BY created_at, id",
                    )
                    .bind(account_id)
                    .fetch_all(&self.pool)
                    .await?)
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
            }
        };
    };
}

pub(crate) use impl_push;
