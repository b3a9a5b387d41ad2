//! Storage for notifications and each person's notification settings
//! (migration 0010). A notification row holds a kind, a circle, the post or
//! meeting it is about and a link; never anything anyone wrote. One SQL text
//! serves both backends.

use async_trait::async_trait;

use super::{ModLogRow, StoreResult};

/// What to tell, before it is addressed to anyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice {
    /// Unique per event; each recipient's row id is this plus their
    /// membership (or account) id.
    pub event_id: String,
    pub kind: String,
    pub circle_id: String,
    pub target_id: String,
    pub link: String,
    pub urgent: bool,
    pub created_at: i64,
    /// Only for a `reach_out` notice to one account: the words its sender
    /// wrote for that person (migration 0016). `None` for every other kind.
    pub note: Option<String>,
}

/// One notification with its circle's name, for the list.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NoticeRow {
    pub id: String,
    pub account_id: String,
    pub kind: String,
    pub circle_id: String,
    pub target_id: String,
    pub link: String,
    pub urgent: i64,
    pub created_at: i64,
    pub read_at: Option<i64>,
    pub circle_name: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NoticeSettingsRow {
    pub account_id: String,
    pub muted: String,
    pub reminders: String,
    pub email: Option<String>,
    pub updated_at: i64,
}

/// The SQL of [`NotificationStore::notify_account`]: `$9` is
/// [`muted_pattern`] of the kind, `$1` the notice's id
/// (`event_id:account_id`).
pub const NOTIFY_ACCOUNT_SQL: &str = "INSERT INTO notifications \
     (id, account_id, kind, circle_id, target_id, link, urgent, created_at, read_at, note) \
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, NULL, $10 \
     WHERE NOT EXISTS (SELECT 1 FROM notification_settings s \
     WHERE s.account_id = $2 AND s.muted LIKE $9)";

/// The `LIKE` pattern that finds `kind` in a muted list (`,a,b,`).
pub fn muted_pattern(kind: &str) -> String {
    format!("%,{kind},%")
}

#[async_trait]
pub trait NotificationStore: Send + Sync {
    /// Addresses a notice to the members of its circle (only facilitators and
    /// moderators when `moderators_only`), except `actor` and anyone who
    /// turned this kind off. Returns the accounts it reached.
    async fn notify_circle(
        &self,
        n: &NewNotice,
        moderators_only: bool,
        actor: &str,
    ) -> StoreResult<Vec<String>>;
    /// Addresses a notice to one account unless they turned its kind off.
    async fn notify_account(&self, n: &NewNotice, account_id: &str) -> StoreResult<bool>;
    /// [`Self::notify_account`] and the moderation log line that records it,
    /// in one transaction (a private note to an author: the line says who
    /// wrote and when, never the words). The line is written whether or not
    /// the author turned these notes off; if either write fails, neither is
    /// kept. Returns whether the note was addressed.
    async fn notify_account_logged(
        &self,
        n: &NewNotice,
        account_id: &str,
        entry: &ModLogRow,
    ) -> StoreResult<bool>;
    /// Unread first (urgent first among them), then newest first.
    async fn notifications(&self, account_id: &str, limit: i64) -> StoreResult<Vec<NoticeRow>>;
    /// (unread, of which urgent).
    async fn unread_notifications(&self, account_id: &str) -> StoreResult<(i64, i64)>;
    async fn mark_notification_read(
        &self,
        account_id: &str,
        id: &str,
        now: i64,
    ) -> StoreResult<bool>;
    async fn mark_all_notifications_read(&self, account_id: &str, now: i64) -> StoreResult<u64>;
    /// A post was handled: its notices of `kind` are read for everyone.
    async fn settle_notifications(
        &self,
        circle_id: &str,
        target_id: &str,
        kind: &str,
        now: i64,
    ) -> StoreResult<u64>;
    /// Forgets read notifications read before `before`.
    async fn purge_notifications(&self, before: i64) -> StoreResult<u64>;
    async fn notification_settings(
        &self,
        account_id: &str,
    ) -> StoreResult<Option<NoticeSettingsRow>>;
    async fn set_notification_settings(&self, s: &NoticeSettingsRow) -> StoreResult<()>;
}

/// Binds a notice's kind, circle, target, link, urgency and time, in that
/// order, the next six parameters of both statements that address one.
macro_rules! bind_notice {
    ($query:expr, $n:expr) => {{
        let n: &$crate::store::NewNotice = $n;
        $query
            .bind(&n.kind)
            .bind(&n.circle_id)
            .bind(&n.target_id)
            .bind(&n.link)
            .bind(i64::from(n.urgent))
            .bind(n.created_at)
    }};
}
pub(crate) use bind_notice;

/// The statement that addresses a notice (`&NewNotice`) to one account
/// unless its kind is in their muted list (`muted_pattern`); run on the pool
/// or inside a transaction.
macro_rules! insert_account_notice {
    ($n:expr, $account_id:expr, $muted_pattern:expr) => {{
        let n: &$crate::store::NewNotice = $n;
        let account_id: &str = $account_id;
        let q = sqlx::query($crate::store::notifications::NOTIFY_ACCOUNT_SQL)
            .bind(format!("{}:{account_id}", n.event_id))
            .bind(account_id);
        $crate::store::notifications::bind_notice!(q, n)
            .bind($muted_pattern)
            .bind(&n.note)
    }};
}
pub(crate) use insert_account_notice;

/// Implements [`NotificationStore`] for a backend, next to `impl_store!`.
macro_rules! impl_notifications {
    ($store:ty) => {
        const _: () = {
            use $crate::store::StoreResult;
            use $crate::store::ModLogRow;
            use $crate::store::notifications::*;

            #[async_trait::async_trait]
            impl $crate::store::NotificationStore for $store {
                async fn notify_circle(
                    &self,
                    n: &NewNotice,
                    moderators_only: bool,
                    actor: &str,
                ) -> StoreResult<Vec<String>> {
                    let q = sqlx::query_as(
                        "INSERT INTO notifications \
                         (id, account_id, kind, circle_id, target_id, link, urgent, created_at, read_at) \
                         SELECT $1 || ':' || m.id, m.account_id, $2, $3, $4, $5, $6, $7, NULL \
                         FROM memberships m \
                         LEFT JOIN notification_settings s ON s.account_id = m.account_id \
                         WHERE m.circle_id = $3 \
                         AND ($8 = 0 OR m.role IN ('facilitator', 'moderator')) \
                         AND m.account_id <> $9 \
                         AND (s.muted IS NULL OR s.muted NOT LIKE $10) \
                         RETURNING account_id",
                    )
                    .bind(&n.event_id);
                    let rows: Vec<(String,)> = bind_notice!(q, n)
                        .bind(i64::from(moderators_only))
                        .bind(actor)
                        .bind(muted_pattern(&n.kind))
                        .fetch_all(&self.pool)
                        .await?;
                    Ok(rows.into_iter().map(|(a,)| a).collect())
                }

                async fn notify_account(&self, n: &NewNotice, account_id: &str) -> StoreResult<bool> {
                    // The backend's own write path (`sqlite.rs`, `postgres.rs`).
                    self.write_notice(n, account_id).await
                }

                async fn notify_account_logged(
                    &self,
                    n: &NewNotice,
                    account_id: &str,
                    entry: &ModLogRow,
                ) -> StoreResult<bool> {
                    // Rare (a facilitator's private note), so on the pool in
                    // one transaction rather than the SQLite writer thread.
                    let mut tx = self.pool.begin().await?;
                    let done = insert_account_notice!(n, account_id, muted_pattern(&n.kind))
                        .execute(&mut *tx)
                        .await?;
                    $crate::store::community::insert_mod_log!(entry)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn notifications(&self, account_id: &str, limit: i64) -> StoreResult<Vec<NoticeRow>> {
                    Ok(sqlx::query_as(
                        "SELECT n.*, c.name AS circle_name FROM notifications n \
                         JOIN circles c ON c.id = n.circle_id WHERE n.account_id = $1 \
                         ORDER BY CASE WHEN n.read_at IS NULL THEN 0 ELSE 1 END, \
                         CASE WHEN n.read_at IS NULL THEN n.urgent ELSE 0 END DESC, \
                         n.created_at DESC, n.id LIMIT $2",
                    )
                    .bind(account_id)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn unread_notifications(&self, account_id: &str) -> StoreResult<(i64, i64)> {
                    let (all, urgent): (i64, i64) = sqlx::query_as(
                        "SELECT COUNT(*), COUNT(CASE WHEN urgent = 1 THEN 1 END) FROM notifications \
                         WHERE account_id = $1 AND read_at IS NULL",
                    )
                    .bind(account_id)
                    .fetch_one(&self.pool)
                    .await?;
                    Ok((all, urgent))
                }

                async fn mark_notification_read(&self, account_id: &str, id: &str, now: i64) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "UPDATE notifications SET read_at = $3 \
                         WHERE account_id = $1 AND id = $2 AND read_at IS NULL",
                    )
                    .bind(account_id)
                    .bind(id)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn mark_all_notifications_read(&self, account_id: &str, now: i64) -> StoreResult<u64> {
                    let done = sqlx::query(
                        "UPDATE notifications SET read_at = $2 WHERE account_id = $1 AND read_at IS NULL",
                    )
                    .bind(account_id)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected())
                }

                async fn settle_notifications(
                    &self,
                    circle_id: &str,
                    target_id: &str,
                    kind: &str,
                    now: i64,
                ) -> StoreResult<u64> {
                    let done = sqlx::query(
                        "UPDATE notifications SET read_at = $4 WHERE circle_id = $1 \
                         AND target_id = $2 AND kind = $3 AND read_at IS NULL",
                    )
                    .bind(circle_id)
                    .bind(target_id)
                    .bind(kind)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected())
                }

                async fn purge_notifications(&self, before: i64) -> StoreResult<u64> {
                    let done = sqlx::query("DELETE FROM notifications WHERE read_at < $1")
                        .bind(before)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected())
                }

                async fn notification_settings(&self, account_id: &str) -> StoreResult<Option<NoticeSettingsRow>> {
                    Ok(sqlx::query_as("SELECT * FROM notification_settings WHERE account_id = $1")
                        .bind(account_id)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn set_notification_settings(&self, s: &NoticeSettingsRow) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO notification_settings (account_id, muted, reminders, email, updated_at) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id) DO UPDATE SET \
                         muted = excluded.muted, reminders = excluded.reminders, email = excluded.email, \
                         updated_at = excluded.updated_at",
                    )
                    .bind(&s.account_id)
                    .bind(&s.muted)
                    .bind(&s.reminders)
                    .bind(&s.email)
                    .bind(s.updated_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }
            }
        };
    };
}

pub(crate) use impl_notifications;
