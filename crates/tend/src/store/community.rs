//! Storage for peer support: circles, memberships, invites, meetings, threads,
//! replies, reports and the moderation log. Unlike personal records this is
//! shared content, readable by a circle's members, so it is stored in the clear;
//! the web layer decides who may see what. One SQL text serves both backends.

use async_trait::async_trait;

use super::StoreResult;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CircleRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub guidelines: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MembershipRow {
    pub id: String,
    pub circle_id: String,
    pub account_id: String,
    pub role: String,
    pub pseudonym: String,
    pub joined_at: i64,
    pub suspended_until: Option<i64>,
}

/// A circle in someone's list, with their role in it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MyCircleRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub role: String,
    pub pseudonym: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InviteRow {
    pub code: String,
    pub circle_id: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub max_uses: Option<i64>,
    pub uses: i64,
    pub revoked_at: Option<i64>,
}

/// Why an invite code did not let someone in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinOutcome {
    Joined,
    AlreadyMember,
    Unknown,
    Expired,
    UsedUp,
    Revoked,
    /// The pseudonym drawn is taken in this circle; draw another and retry.
    PseudonymTaken,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MeetingRow {
    pub id: String,
    pub circle_id: String,
    pub title: String,
    pub starts_local: String,
    pub time_zone: String,
    pub weekly: i64,
    pub duration_minutes: i64,
    pub video_link: String,
    pub note: String,
    pub created_at: i64,
}

/// A meeting with the name of its circle, for the calendar feed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FeedMeetingRow {
    pub id: String,
    pub circle_name: String,
    pub title: String,
    pub starts_local: String,
    pub time_zone: String,
    pub weekly: i64,
    pub duration_minutes: i64,
    pub video_link: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ThreadRow {
    pub id: String,
    pub circle_id: String,
    pub author_id: String,
    pub title: String,
    pub body: String,
    pub status: String,
    pub urgent: i64,
    pub locked: i64,
    pub reply_count: i64,
    pub created_at: i64,
    pub last_activity: i64,
}

/// A thread with its author as the circle sees them.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ThreadView {
    pub id: String,
    pub circle_id: String,
    pub author_id: String,
    pub title: String,
    pub body: String,
    pub status: String,
    pub urgent: i64,
    pub locked: i64,
    pub reply_count: i64,
    pub created_at: i64,
    pub last_activity: i64,
    /// `None` once the author has left or deleted their account.
    pub author_name: Option<String>,
    pub author_account: Option<String>,
    /// The author's role in the circle now (`facilitator`, `moderator`,
    /// `member`), for the badge beside their pseudonym; `None` once they left.
    pub author_role: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReplyRow {
    pub id: String,
    pub thread_id: String,
    pub circle_id: String,
    pub author_id: String,
    pub body: String,
    pub status: String,
    pub urgent: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReplyView {
    pub seq: i64,
    pub id: String,
    pub thread_id: String,
    pub circle_id: String,
    pub author_id: String,
    pub body: String,
    pub status: String,
    pub urgent: i64,
    pub created_at: i64,
    pub author_name: Option<String>,
    pub author_account: Option<String>,
    /// As [`ThreadView::author_role`].
    pub author_role: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportRow {
    pub id: String,
    pub circle_id: String,
    pub target_kind: String,
    pub target_id: String,
    pub reporter_id: String,
    pub reason: String,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ModLogRow {
    pub id: String,
    pub circle_id: String,
    pub actor: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub reason: String,
    pub created_at: i64,
}

/// What a moderation action changes, applied in the same transaction as its
/// log line (see [`CommunityStore::moderate`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModChange {
    /// A new status for a thread or reply; never for a deleted one.
    ThreadStatus {
        id: String,
        status: String,
    },
    ReplyStatus {
        id: String,
        status: String,
    },
    ThreadLocked {
        id: String,
        locked: bool,
    },
    /// `None` ends a suspension.
    Suspension {
        member_id: String,
        until: Option<i64>,
    },
    /// Only the reports are resolved (dismissed).
    ReportsOnly,
}

/// A circle with the asker's membership and whether they hold the admin
/// server role: everything the circle policy needs, in one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRow {
    pub circle: CircleRow,
    pub me: Option<MembershipRow>,
    pub admin: bool,
}

/// [`AccessRow`] with one thread of the circle (if it exists) as one flat
/// row, for the one query behind [`CommunityStore::thread_page`].
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccessFlat {
    pub c_id: String,
    pub c_name: String,
    pub c_description: String,
    pub c_guidelines: String,
    pub c_created_at: i64,
    pub m_id: Option<String>,
    pub m_role: Option<String>,
    pub m_pseudonym: Option<String>,
    pub m_joined_at: Option<i64>,
    pub m_suspended_until: Option<i64>,
    pub admin: i64,
    pub t_id: Option<String>,
    pub t_author_id: Option<String>,
    pub t_title: Option<String>,
    pub t_body: Option<String>,
    pub t_status: Option<String>,
    pub t_urgent: Option<i64>,
    pub t_locked: Option<i64>,
    pub t_reply_count: Option<i64>,
    pub t_created_at: Option<i64>,
    pub t_last_activity: Option<i64>,
    pub t_author_name: Option<String>,
    pub t_author_account: Option<String>,
    pub t_author_role: Option<String>,
}

impl AccessFlat {
    /// Splits the row; `account_id` is the asker's (the membership's account).
    pub fn split(self, account_id: &str) -> (AccessRow, Option<ThreadView>) {
        let me = match (self.m_id, self.m_role, self.m_pseudonym, self.m_joined_at) {
            (Some(id), Some(role), Some(pseudonym), Some(joined_at)) => Some(MembershipRow {
                id,
                circle_id: self.c_id.clone(),
                account_id: account_id.to_owned(),
                role,
                pseudonym,
                joined_at,
                suspended_until: self.m_suspended_until,
            }),
            _ => None,
        };
        let thread = match (
            self.t_id,
            self.t_author_id,
            self.t_title,
            self.t_body,
            self.t_status,
        ) {
            (Some(id), Some(author_id), Some(title), Some(body), Some(status)) => {
                Some(ThreadView {
                    id,
                    circle_id: self.c_id.clone(),
                    author_id,
                    title,
                    body,
                    status,
                    urgent: self.t_urgent.unwrap_or(0),
                    locked: self.t_locked.unwrap_or(0),
                    reply_count: self.t_reply_count.unwrap_or(0),
                    created_at: self.t_created_at.unwrap_or(0),
                    last_activity: self.t_last_activity.unwrap_or(0),
                    author_name: self.t_author_name,
                    author_account: self.t_author_account,
                    author_role: self.t_author_role,
                })
            }
            _ => None,
        };
        let access = AccessRow {
            circle: CircleRow {
                id: self.c_id,
                name: self.c_name,
                description: self.c_description,
                guidelines: self.c_guidelines,
                created_at: self.c_created_at,
            },
            me,
            admin: self.admin > 0,
        };
        (access, thread)
    }
}

/// The query behind [`CommunityStore::circle_access`] and
/// [`CommunityStore::thread_page`]: `$1` circle, `$2` account, `$3` the admin
/// role, `$4` a thread id (`''` for none). The server role is a subquery of
/// the same statement, so a member costs one index probe more, not a query.
pub const ACCESS_THREAD_SQL: &str = "SELECT c.id AS c_id, c.name AS c_name, c.description AS c_description, \
     c.guidelines AS c_guidelines, c.created_at AS c_created_at, \
     m.id AS m_id, m.role AS m_role, m.pseudonym AS m_pseudonym, m.joined_at AS m_joined_at, \
     m.suspended_until AS m_suspended_until, \
     (SELECT COUNT(*) FROM server_roles r WHERE r.account_id = $2 AND r.role = $3) AS admin, \
     t.id AS t_id, t.author_id AS t_author_id, t.title AS t_title, t.body AS t_body, t.status AS t_status, \
     t.urgent AS t_urgent, t.locked AS t_locked, t.reply_count AS t_reply_count, \
     t.created_at AS t_created_at, t.last_activity AS t_last_activity, \
     ta.pseudonym AS t_author_name, ta.account_id AS t_author_account, ta.role AS t_author_role \
     FROM circles c \
     LEFT JOIN memberships m ON m.circle_id = c.id AND m.account_id = $2 \
     LEFT JOIN threads t ON t.circle_id = c.id AND t.id = $4 \
     LEFT JOIN memberships ta ON ta.id = t.author_id \
     WHERE c.id = $1";

/// The replies of a thread page: `$1` thread, `$2` after this position, `$3` limit.
pub const REPLIES_SQL: &str = "SELECT r.*, m.pseudonym AS author_name, m.account_id AS author_account, m.role AS author_role \
     FROM replies r LEFT JOIN memberships m ON m.id = r.author_id \
     WHERE r.thread_id = $1 AND r.seq > $2 ORDER BY r.seq LIMIT $3";

/// The first statement of [`CommunityStore::create_reply`]: the thread's row
/// first, so its lock, held to the commit, makes replies to one thread take
/// their `seq` in the order they become visible. Otherwise (PostgreSQL, two
/// replies at once) seq 101 could commit before seq 100, and a live viewer
/// that read 101 would resume after it and never see 100 (found by
/// bench/crash-soak.sh). `$1` thread, `$2` time.
pub const BUMP_THREAD_SQL: &str =
    "UPDATE threads SET reply_count = reply_count + 1, last_activity = $2 WHERE id = $1";

/// The second statement of [`CommunityStore::create_reply`]; returns `seq`.
pub const INSERT_REPLY_SQL: &str = "INSERT INTO replies (id, thread_id, circle_id, author_id, body, status, urgent, created_at, author_account) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT m.account_id FROM memberships m WHERE m.id = $4)) RETURNING seq";

/// What [`CommunityStore::post_reply`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyPosted {
    /// The limit's allowance is used up: only the attempt was counted. The
    /// window's start and its count including this attempt.
    SlowDown { window_start: i64, count: i64 },
    /// The reply is stored at position `seq`; `notified` says whether the
    /// notice was written (not when its reader turned that kind off).
    Saved { seq: i64, notified: bool },
}

/// A thread page as stored: who asks, the thread, and up to `limit` replies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadPageRows {
    pub access: AccessRow,
    pub thread: Option<ThreadView>,
    pub replies: super::ReplyList,
}

#[async_trait]
pub trait CommunityStore: Send + Sync {
    /// A circle, the account's membership in it and whether it holds
    /// `admin_role`, in one query; `None` for an unknown circle.
    async fn circle_access(
        &self,
        circle_id: &str,
        account_id: &str,
        admin_role: &str,
    ) -> StoreResult<Option<AccessRow>>;
    /// [`Self::circle_access`] with a thread of the circle and up to `limit`
    /// of its replies after position `after`, read together (on SQLite in one
    /// blocking call on one connection). The replies are read whoever asks;
    /// the service decides what is shown.
    async fn thread_page(
        &self,
        circle_id: &str,
        account_id: &str,
        admin_role: &str,
        thread_id: &str,
        after: i64,
        limit: i64,
    ) -> StoreResult<Option<ThreadPageRows>>;
    async fn has_server_role(&self, account_id: &str, role: &str) -> StoreResult<bool>;
    async fn grant_server_role(&self, account_id: &str, role: &str) -> StoreResult<()>;
    async fn revoke_server_role(&self, account_id: &str, role: &str) -> StoreResult<bool>;

    /// Creates a circle with its first member (the facilitator) in one transaction.
    async fn create_circle(&self, circle: &CircleRow, first: &MembershipRow) -> StoreResult<()>;
    async fn circle(&self, id: &str) -> StoreResult<Option<CircleRow>>;
    async fn circles_of(&self, account_id: &str) -> StoreResult<Vec<MyCircleRow>>;

    async fn membership(
        &self,
        circle_id: &str,
        account_id: &str,
    ) -> StoreResult<Option<MembershipRow>>;
    async fn membership_by_id(&self, id: &str) -> StoreResult<Option<MembershipRow>>;
    /// Adds a member directly (the command line, the Learn discussions).
    async fn add_member(&self, m: &MembershipRow) -> StoreResult<()>;
    async fn set_member_role(
        &self,
        circle_id: &str,
        account_id: &str,
        role: &str,
    ) -> StoreResult<bool>;
    async fn leave_circle(&self, circle_id: &str, account_id: &str) -> StoreResult<bool>;

    async fn create_invite(&self, invite: &InviteRow) -> StoreResult<()>;
    async fn invites(&self, circle_id: &str) -> StoreResult<Vec<InviteRow>>;
    async fn revoke_invite(&self, circle_id: &str, code: &str, now: i64) -> StoreResult<bool>;
    /// Uses one invite and adds the member, all or nothing.
    async fn join_with_invite(
        &self,
        code: &str,
        member: &MembershipRow,
        now: i64,
    ) -> StoreResult<(JoinOutcome, Option<String>)>;

    async fn create_meeting(&self, m: &MeetingRow) -> StoreResult<()>;
    async fn meetings(&self, circle_id: &str) -> StoreResult<Vec<MeetingRow>>;
    async fn delete_meeting(&self, circle_id: &str, id: &str) -> StoreResult<bool>;
    async fn meetings_for_account(&self, account_id: &str) -> StoreResult<Vec<FeedMeetingRow>>;

    async fn create_thread(&self, t: &ThreadRow) -> StoreResult<()>;
    /// Creates the thread unless one with this id exists (Learn discussions).
    async fn ensure_thread(&self, t: &ThreadRow) -> StoreResult<()>;
    async fn thread(&self, circle_id: &str, id: &str) -> StoreResult<Option<ThreadView>>;
    /// Newest activity first. Deleted threads are left out; held, hidden and
    /// removed ones too, except the viewer's own (`viewer`), or all of them for
    /// moderators.
    async fn threads(
        &self,
        circle_id: &str,
        viewer: &str,
        moderator: bool,
        limit: i64,
    ) -> StoreResult<Vec<ThreadView>>;
    /// The author deleted the thread: its words go, in the same statement.
    async fn delete_thread_text(&self, circle_id: &str, id: &str) -> StoreResult<bool>;

    /// Adds a reply and bumps its thread; returns the reply's position.
    async fn create_reply(&self, r: &ReplyRow) -> StoreResult<i64>;
    /// Posts a reply in one transaction: counts `limit` (refusing, with only
    /// the count kept, once its allowance is used up), adds the reply and
    /// bumps its thread as [`Self::create_reply`], and writes `notice` to its
    /// account (unless they turned its kind off) as
    /// [`crate::store::NotificationStore::notify_account`]. All of it is
    /// committed, or none of it.
    async fn post_reply(
        &self,
        limit: &crate::store::AttemptLimit,
        r: &ReplyRow,
        notice: Option<(&crate::store::NewNotice, &str)>,
    ) -> StoreResult<ReplyPosted>;
    async fn reply(&self, circle_id: &str, id: &str) -> StoreResult<Option<ReplyView>>;
    /// Replies after position `after`, oldest first.
    async fn replies(&self, thread_id: &str, after: i64, limit: i64)
    -> StoreResult<Vec<ReplyView>>;
    /// The author deleted the reply: its words go, in the same statement.
    async fn delete_reply_text(&self, circle_id: &str, id: &str) -> StoreResult<bool>;
    /// The newest `limit` replies this reader may see (visible ones, and the
    /// member `viewer`'s own held ones), oldest first.
    async fn recent_replies(
        &self,
        thread_id: &str,
        viewer: &str,
        limit: i64,
    ) -> StoreResult<Vec<ReplyView>>;

    async fn create_report(&self, r: &ReportRow) -> StoreResult<()>;
    async fn open_reports(&self, circle_id: &str, limit: i64) -> StoreResult<Vec<ReportRow>>;
    /// Threads and replies waiting for a moderator, urgent first.
    async fn held_threads(&self, circle_id: &str, limit: i64) -> StoreResult<Vec<ThreadView>>;
    async fn held_replies(&self, circle_id: &str, limit: i64) -> StoreResult<Vec<ReplyView>>;

    /// One moderation action, all or nothing: the change itself, the open
    /// reports on `entry.target_id`'s post resolved, and the log line. False
    /// (and nothing written) when the change found nothing to change: a
    /// deleted post stays deleted, a member who left cannot be suspended.
    async fn moderate(
        &self,
        change: &ModChange,
        reports_on: &str,
        entry: &ModLogRow,
    ) -> StoreResult<bool>;
    async fn moderation_log(&self, circle_id: &str, limit: i64) -> StoreResult<Vec<ModLogRow>>;
    /// The circle's log lines with this exact action, newest first.
    async fn moderation_log_of(
        &self,
        circle_id: &str,
        action: &str,
        limit: i64,
    ) -> StoreResult<Vec<ModLogRow>>;

    /// Replaces the account's calendar link (the old one stops working).
    async fn set_calendar_feed(
        &self,
        account_id: &str,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<()>;
    async fn delete_calendar_feed(&self, account_id: &str) -> StoreResult<bool>;
    async fn has_calendar_feed(&self, account_id: &str) -> StoreResult<bool>;
    async fn calendar_feed_account(&self, token_hash: &str) -> StoreResult<Option<String>>;
}

pub const THREAD_VIEW: &str = "SELECT t.*, m.pseudonym AS author_name, m.account_id AS author_account, m.role AS author_role \
     FROM threads t LEFT JOIN memberships m ON m.id = t.author_id";
pub const REPLY_VIEW: &str = "SELECT r.*, m.pseudonym AS author_name, m.account_id AS author_account, m.role AS author_role \
     FROM replies r LEFT JOIN memberships m ON m.id = r.author_id";

/// The statement that writes one moderation log line (`&ModLogRow`), to
/// run inside the transaction of what it records (`moderate`, and a private
/// note in `NotificationStore::notify_account_logged`).
macro_rules! insert_mod_log {
    ($entry:expr) => {{
        let e: &$crate::store::ModLogRow = $entry;
        sqlx::query(
            "INSERT INTO moderation_log (id, circle_id, actor, action, target_kind, target_id, reason, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&e.id)
        .bind(&e.circle_id)
        .bind(&e.actor)
        .bind(&e.action)
        .bind(&e.target_kind)
        .bind(&e.target_id)
        .bind(&e.reason)
        .bind(e.created_at)
    }};
}
pub(crate) use insert_mod_log;

/// Implements [`CommunityStore`] for a backend. Invoked next to `impl_store!`
/// inside the backend's module, so it can reach the private pool.
macro_rules! impl_community {
    ($store:ty, $db:ty) => {
        const _: () = {
        use $crate::store::StoreResult;
        use $crate::store::community::*;

        async fn insert_member<'e, E>(exec: E, m: &MembershipRow) -> StoreResult<()>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            sqlx::query(
                "INSERT INTO memberships (id, circle_id, account_id, role, pseudonym, joined_at, suspended_until) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&m.id)
            .bind(&m.circle_id)
            .bind(&m.account_id)
            .bind(&m.role)
            .bind(&m.pseudonym)
            .bind(m.joined_at)
            .bind(m.suspended_until)
            .execute(exec)
            .await
            .map_err($crate::store::map_unique)?;
            Ok(())
        }

        #[async_trait::async_trait]
        impl $crate::store::CommunityStore for $store {
            async fn circle_access(&self, circle_id: &str, account_id: &str, admin_role: &str) -> StoreResult<Option<AccessRow>> {
                Ok(self
                    .read_thread_page(circle_id, account_id, admin_role, "", 0, 0)
                    .await?
                    .map(|p| p.access))
            }
            async fn thread_page(&self, circle_id: &str, account_id: &str, admin_role: &str, thread_id: &str, after: i64, limit: i64) -> StoreResult<Option<ThreadPageRows>> {
                // The backend's own read path (`sqlite.rs`, `postgres.rs`).
                self.read_thread_page(circle_id, account_id, admin_role, thread_id, after, limit).await
            }
            async fn has_server_role(&self, account_id: &str, role: &str) -> StoreResult<bool> {
                let n: Option<(String,)> = sqlx::query_as("SELECT role FROM server_roles WHERE account_id = $1 AND role = $2")
                    .bind(account_id).bind(role).fetch_optional(&self.pool).await?;
                Ok(n.is_some())
            }
            async fn grant_server_role(&self, account_id: &str, role: &str) -> StoreResult<()> {
                sqlx::query("INSERT INTO server_roles (account_id, role) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(account_id).bind(role).execute(&self.pool).await?;
                Ok(())
            }
            async fn revoke_server_role(&self, account_id: &str, role: &str) -> StoreResult<bool> {
                let d = sqlx::query("DELETE FROM server_roles WHERE account_id = $1 AND role = $2")
                    .bind(account_id).bind(role).execute(&self.pool).await?;
                Ok(d.rows_affected() > 0)
            }

            async fn create_circle(&self, c: &CircleRow, first: &MembershipRow) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query("INSERT INTO circles (id, name, description, guidelines, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&c.id).bind(&c.name).bind(&c.description).bind(&c.guidelines).bind(c.created_at)
                    .execute(&mut *tx).await.map_err($crate::store::map_unique)?;
                insert_member(&mut *tx, first).await?;
                tx.commit().await?;
                Ok(())
            }
            async fn circle(&self, id: &str) -> StoreResult<Option<CircleRow>> {
                Ok(sqlx::query_as("SELECT * FROM circles WHERE id = $1").bind(id).fetch_optional(&self.pool).await?)
            }
            async fn circles_of(&self, account_id: &str) -> StoreResult<Vec<MyCircleRow>> {
                Ok(sqlx::query_as(
                    "SELECT c.id, c.name, c.description, m.role, m.pseudonym FROM memberships m \
                     JOIN circles c ON c.id = m.circle_id WHERE m.account_id = $1 AND c.id <> 'learn' ORDER BY c.name",
                ).bind(account_id).fetch_all(&self.pool).await?)
            }

            async fn membership(&self, circle_id: &str, account_id: &str) -> StoreResult<Option<MembershipRow>> {
                Ok(sqlx::query_as("SELECT * FROM memberships WHERE circle_id = $1 AND account_id = $2")
                    .bind(circle_id).bind(account_id).fetch_optional(&self.pool).await?)
            }
            async fn membership_by_id(&self, id: &str) -> StoreResult<Option<MembershipRow>> {
                Ok(sqlx::query_as("SELECT * FROM memberships WHERE id = $1").bind(id).fetch_optional(&self.pool).await?)
            }
            async fn add_member(&self, m: &MembershipRow) -> StoreResult<()> {
                insert_member(&self.pool, m).await
            }
            async fn set_member_role(&self, circle_id: &str, account_id: &str, role: &str) -> StoreResult<bool> {
                let d = sqlx::query("UPDATE memberships SET role = $3 WHERE circle_id = $1 AND account_id = $2")
                    .bind(circle_id).bind(account_id).bind(role).execute(&self.pool).await?;
                Ok(d.rows_affected() == 1)
            }
            async fn leave_circle(&self, circle_id: &str, account_id: &str) -> StoreResult<bool> {
                let d = sqlx::query("DELETE FROM memberships WHERE circle_id = $1 AND account_id = $2")
                    .bind(circle_id).bind(account_id).execute(&self.pool).await?;
                Ok(d.rows_affected() == 1)
            }

            async fn create_invite(&self, i: &InviteRow) -> StoreResult<()> {
                sqlx::query("INSERT INTO invites (code, circle_id, created_at, expires_at, max_uses, uses, revoked_at) \
                             VALUES ($1, $2, $3, $4, $5, 0, NULL)")
                    .bind(&i.code).bind(&i.circle_id).bind(i.created_at).bind(i.expires_at).bind(i.max_uses)
                    .execute(&self.pool).await.map_err($crate::store::map_unique)?;
                Ok(())
            }
            async fn invites(&self, circle_id: &str) -> StoreResult<Vec<InviteRow>> {
                Ok(sqlx::query_as("SELECT * FROM invites WHERE circle_id = $1 ORDER BY created_at DESC LIMIT 100")
                    .bind(circle_id).fetch_all(&self.pool).await?)
            }
            async fn revoke_invite(&self, circle_id: &str, code: &str, now: i64) -> StoreResult<bool> {
                let d = sqlx::query("UPDATE invites SET revoked_at = $3 WHERE circle_id = $1 AND code = $2 AND revoked_at IS NULL")
                    .bind(circle_id).bind(code).bind(now).execute(&self.pool).await?;
                Ok(d.rows_affected() == 1)
            }
            async fn join_with_invite(&self, code: &str, member: &MembershipRow, now: i64) -> StoreResult<(JoinOutcome, Option<String>)> {
                let mut tx = self.pool.begin().await?;
                // Write first: in SQLite a transaction that reads and then writes
                // can fail at once when another writer got in between; taking the
                // write lock first makes it wait its turn instead. The guard also
                // makes two people racing for the last use safe.
                let used: Option<(String,)> = sqlx::query_as(
                    "UPDATE invites SET uses = uses + 1 WHERE code = $1 AND revoked_at IS NULL \
                     AND (expires_at IS NULL OR expires_at > $2) AND (max_uses IS NULL OR uses < max_uses) \
                     RETURNING circle_id",
                )
                .bind(code).bind(now).fetch_optional(&mut *tx).await?;
                let invite: Option<InviteRow> = sqlx::query_as("SELECT * FROM invites WHERE code = $1")
                    .bind(code).fetch_optional(&mut *tx).await?;
                let Some(invite) = invite else { return Ok((JoinOutcome::Unknown, None)) };
                let circle = Some(invite.circle_id.clone());
                // Returning early drops the transaction, which undoes the use.
                let existing: Option<(String,)> = sqlx::query_as("SELECT id FROM memberships WHERE circle_id = $1 AND account_id = $2")
                    .bind(&invite.circle_id).bind(&member.account_id).fetch_optional(&mut *tx).await?;
                if existing.is_some() { return Ok((JoinOutcome::AlreadyMember, circle)) }
                if used.is_none() {
                    let outcome = if invite.revoked_at.is_some() {
                        JoinOutcome::Revoked
                    } else if invite.expires_at.is_some_and(|e| e <= now) {
                        JoinOutcome::Expired
                    } else {
                        JoinOutcome::UsedUp
                    };
                    return Ok((outcome, circle));
                }
                let m = MembershipRow { circle_id: invite.circle_id.clone(), ..member.clone() };
                match insert_member(&mut *tx, &m).await {
                    Ok(()) => {}
                    Err($crate::store::StoreError::Conflict) => return Ok((JoinOutcome::PseudonymTaken, circle)),
                    Err(e) => return Err(e),
                }
                tx.commit().await?;
                Ok((JoinOutcome::Joined, circle))
            }

            async fn create_meeting(&self, m: &MeetingRow) -> StoreResult<()> {
                sqlx::query("INSERT INTO meetings (id, circle_id, title, starts_local, time_zone, weekly, duration_minutes, video_link, note, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                    .bind(&m.id).bind(&m.circle_id).bind(&m.title).bind(&m.starts_local).bind(&m.time_zone)
                    .bind(m.weekly).bind(m.duration_minutes).bind(&m.video_link).bind(&m.note).bind(m.created_at)
                    .execute(&self.pool).await?;
                Ok(())
            }
            async fn meetings(&self, circle_id: &str) -> StoreResult<Vec<MeetingRow>> {
                Ok(sqlx::query_as("SELECT * FROM meetings WHERE circle_id = $1 ORDER BY starts_local LIMIT 50")
                    .bind(circle_id).fetch_all(&self.pool).await?)
            }
            async fn delete_meeting(&self, circle_id: &str, id: &str) -> StoreResult<bool> {
                let d = sqlx::query("DELETE FROM meetings WHERE circle_id = $1 AND id = $2")
                    .bind(circle_id).bind(id).execute(&self.pool).await?;
                Ok(d.rows_affected() == 1)
            }
            async fn meetings_for_account(&self, account_id: &str) -> StoreResult<Vec<FeedMeetingRow>> {
                Ok(sqlx::query_as(
                    "SELECT g.id, c.name AS circle_name, g.title, g.starts_local, g.time_zone, g.weekly, g.duration_minutes, \
                     g.video_link, g.note FROM meetings g JOIN circles c ON c.id = g.circle_id \
                     JOIN memberships m ON m.circle_id = g.circle_id WHERE m.account_id = $1 ORDER BY g.starts_local LIMIT 200",
                ).bind(account_id).fetch_all(&self.pool).await?)
            }

            async fn create_thread(&self, t: &ThreadRow) -> StoreResult<()> {
                sqlx::query("INSERT INTO threads (id, circle_id, author_id, title, body, status, urgent, locked, reply_count, created_at, last_activity, author_account) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9, (SELECT m.account_id FROM memberships m WHERE m.id = $3))")
                    .bind(&t.id).bind(&t.circle_id).bind(&t.author_id).bind(&t.title).bind(&t.body)
                    .bind(&t.status).bind(t.urgent).bind(t.locked).bind(t.created_at)
                    .execute(&self.pool).await.map_err($crate::store::map_unique)?;
                Ok(())
            }
            async fn ensure_thread(&self, t: &ThreadRow) -> StoreResult<()> {
                sqlx::query("INSERT INTO threads (id, circle_id, author_id, title, body, status, urgent, locked, reply_count, created_at, last_activity) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9) ON CONFLICT (id) DO NOTHING")
                    .bind(&t.id).bind(&t.circle_id).bind(&t.author_id).bind(&t.title).bind(&t.body)
                    .bind(&t.status).bind(t.urgent).bind(t.locked).bind(t.created_at)
                    .execute(&self.pool).await?;
                Ok(())
            }
            async fn thread(&self, circle_id: &str, id: &str) -> StoreResult<Option<ThreadView>> {
                Ok(sqlx::query_as(&format!("{THREAD_VIEW} WHERE t.circle_id = $1 AND t.id = $2"))
                    .bind(circle_id).bind(id).fetch_optional(&self.pool).await?)
            }
            async fn threads(&self, circle_id: &str, viewer: &str, moderator: bool, limit: i64) -> StoreResult<Vec<ThreadView>> {
                Ok(sqlx::query_as(&format!(
                    "{THREAD_VIEW} WHERE t.circle_id = $1 AND t.status <> 'deleted' AND (t.status = 'visible' OR t.author_id = $2 OR $3 = 1) \
                     ORDER BY t.last_activity DESC, t.id LIMIT $4"))
                    .bind(circle_id).bind(viewer).bind(i64::from(moderator)).bind(limit).fetch_all(&self.pool).await?)
            }
            async fn delete_thread_text(&self, circle_id: &str, id: &str) -> StoreResult<bool> {
                let d = sqlx::query("UPDATE threads SET status = 'deleted', urgent = 0, title = '', body = '' WHERE circle_id = $1 AND id = $2")
                    .bind(circle_id).bind(id).execute(&self.pool).await?;
                Ok(d.rows_affected() == 1)
            }

            async fn create_reply(&self, r: &ReplyRow) -> StoreResult<i64> {
                // The backend's own write path (`sqlite.rs`, `postgres.rs`).
                self.write_reply(None, r, None).await.and_then(|p| match p {
                    ReplyPosted::Saved { seq, .. } => Ok(seq),
                    ReplyPosted::SlowDown { .. } => Err($crate::store::StoreError::Config("no limit was given".into())),
                })
            }
            async fn post_reply(&self, limit: &$crate::store::AttemptLimit, r: &ReplyRow, notice: Option<(&$crate::store::NewNotice, &str)>) -> StoreResult<ReplyPosted> {
                self.write_reply(Some(limit), r, notice).await
            }
            async fn reply(&self, circle_id: &str, id: &str) -> StoreResult<Option<ReplyView>> {
                Ok(sqlx::query_as(&format!("{REPLY_VIEW} WHERE r.circle_id = $1 AND r.id = $2"))
                    .bind(circle_id).bind(id).fetch_optional(&self.pool).await?)
            }
            async fn replies(&self, thread_id: &str, after: i64, limit: i64) -> StoreResult<Vec<ReplyView>> {
                Ok(sqlx::query_as(REPLIES_SQL)
                    .bind(thread_id).bind(after).bind(limit).fetch_all(&self.pool).await?)
            }
            async fn delete_reply_text(&self, circle_id: &str, id: &str) -> StoreResult<bool> {
                let d = sqlx::query("UPDATE replies SET status = 'deleted', urgent = 0, body = '' WHERE circle_id = $1 AND id = $2")
                    .bind(circle_id).bind(id).execute(&self.pool).await?;
                Ok(d.rows_affected() == 1)
            }
            async fn recent_replies(&self, thread_id: &str, viewer: &str, limit: i64) -> StoreResult<Vec<ReplyView>> {
                let mut rows: Vec<ReplyView> = sqlx::query_as(&format!(
                    "{REPLY_VIEW} WHERE r.thread_id = $1 AND (r.status = 'visible' OR (r.author_id = $2 AND r.status = 'held')) \
                     ORDER BY r.seq DESC LIMIT $3"))
                    .bind(thread_id).bind(viewer).bind(limit).fetch_all(&self.pool).await?;
                rows.reverse();
                Ok(rows)
            }

            async fn create_report(&self, r: &ReportRow) -> StoreResult<()> {
                sqlx::query("INSERT INTO reports (id, circle_id, target_kind, target_id, reporter_id, reason, created_at, resolved_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)")
                    .bind(&r.id).bind(&r.circle_id).bind(&r.target_kind).bind(&r.target_id).bind(&r.reporter_id)
                    .bind(&r.reason).bind(r.created_at).execute(&self.pool).await?;
                Ok(())
            }
            async fn open_reports(&self, circle_id: &str, limit: i64) -> StoreResult<Vec<ReportRow>> {
                Ok(sqlx::query_as("SELECT * FROM reports WHERE circle_id = $1 AND resolved_at IS NULL ORDER BY created_at LIMIT $2")
                    .bind(circle_id).bind(limit).fetch_all(&self.pool).await?)
            }
            async fn held_threads(&self, circle_id: &str, limit: i64) -> StoreResult<Vec<ThreadView>> {
                Ok(sqlx::query_as(&format!("{THREAD_VIEW} WHERE t.circle_id = $1 AND t.status = 'held' ORDER BY t.urgent DESC, t.created_at LIMIT $2"))
                    .bind(circle_id).bind(limit).fetch_all(&self.pool).await?)
            }
            async fn held_replies(&self, circle_id: &str, limit: i64) -> StoreResult<Vec<ReplyView>> {
                Ok(sqlx::query_as(&format!("{REPLY_VIEW} WHERE r.circle_id = $1 AND r.status = 'held' ORDER BY r.urgent DESC, r.seq LIMIT $2"))
                    .bind(circle_id).bind(limit).fetch_all(&self.pool).await?)
            }

            async fn moderate(&self, change: &ModChange, reports_on: &str, e: &ModLogRow) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await?;
                let circle = e.circle_id.as_str();
                let changed = match change {
                    ModChange::ThreadStatus { id, status } => sqlx::query(
                        "UPDATE threads SET status = $3, urgent = 0 WHERE circle_id = $1 AND id = $2 AND status <> 'deleted'")
                        .bind(circle).bind(id).bind(status).execute(&mut *tx).await?.rows_affected() == 1,
                    ModChange::ReplyStatus { id, status } => sqlx::query(
                        "UPDATE replies SET status = $3, urgent = 0 WHERE circle_id = $1 AND id = $2 AND status <> 'deleted'")
                        .bind(circle).bind(id).bind(status).execute(&mut *tx).await?.rows_affected() == 1,
                    ModChange::ThreadLocked { id, locked } => sqlx::query(
                        "UPDATE threads SET locked = $3 WHERE circle_id = $1 AND id = $2 AND status <> 'deleted'")
                        .bind(circle).bind(id).bind(i64::from(*locked)).execute(&mut *tx).await?.rows_affected() == 1,
                    ModChange::Suspension { member_id, until } => sqlx::query(
                        "UPDATE memberships SET suspended_until = $3 WHERE circle_id = $1 AND id = $2")
                        .bind(circle).bind(member_id).bind(*until).execute(&mut *tx).await?.rows_affected() == 1,
                    ModChange::ReportsOnly => true,
                };
                // Dropping the transaction undoes whatever was written.
                if !changed {
                    return Ok(false);
                }
                sqlx::query("UPDATE reports SET resolved_at = $3 WHERE circle_id = $1 AND target_id = $2 AND resolved_at IS NULL")
                    .bind(circle).bind(reports_on).bind(e.created_at).execute(&mut *tx).await?;
                insert_mod_log!(e).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(true)
            }
            async fn moderation_log(&self, circle_id: &str, limit: i64) -> StoreResult<Vec<ModLogRow>> {
                Ok(sqlx::query_as("SELECT * FROM moderation_log WHERE circle_id = $1 ORDER BY created_at DESC, id LIMIT $2")
                    .bind(circle_id).bind(limit).fetch_all(&self.pool).await?)
            }
            async fn moderation_log_of(&self, circle_id: &str, action: &str, limit: i64) -> StoreResult<Vec<ModLogRow>> {
                Ok(sqlx::query_as("SELECT * FROM moderation_log WHERE circle_id = $1 AND action = $2 ORDER BY created_at DESC, id LIMIT $3")
                    .bind(circle_id).bind(action).bind(limit).fetch_all(&self.pool).await?)
            }

            async fn set_calendar_feed(&self, account_id: &str, token_hash: &str, now: i64) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query("DELETE FROM calendar_feeds WHERE account_id = $1").bind(account_id).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO calendar_feeds (token_hash, account_id, created_at) VALUES ($1, $2, $3)")
                    .bind(token_hash).bind(account_id).bind(now).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }
            async fn delete_calendar_feed(&self, account_id: &str) -> StoreResult<bool> {
                let d = sqlx::query("DELETE FROM calendar_feeds WHERE account_id = $1").bind(account_id).execute(&self.pool).await?;
                Ok(d.rows_affected() > 0)
            }
            async fn has_calendar_feed(&self, account_id: &str) -> StoreResult<bool> {
                let r: Option<(String,)> = sqlx::query_as("SELECT token_hash FROM calendar_feeds WHERE account_id = $1")
                    .bind(account_id).fetch_optional(&self.pool).await?;
                Ok(r.is_some())
            }
            async fn calendar_feed_account(&self, token_hash: &str) -> StoreResult<Option<String>> {
                let r: Option<(String,)> = sqlx::query_as("SELECT account_id FROM calendar_feeds WHERE token_hash = $1")
                    .bind(token_hash).fetch_optional(&self.pool).await?;
                Ok(r.map(|(a,)| a))
            }
        }
    };
    };
}

pub(crate) use impl_community;
