//! Storage: one interface, two implementations (SQLite, the embedded default,
//! and PostgreSQL for deployments with several tend processes).
//!
//! The store only ever sees sealed records and wrapped keys; it knows nothing of
//! what they contain. Both backends run the same SQL text (see `sql.rs`), so a
//! behaviour difference can only come from the database itself, and the
//! conformance tests in `tests/it/store.rs` run against both.

mod community;
mod notifications;
mod notify;
mod postgres;
pub(crate) mod programmes;
pub(crate) mod push;
mod record_reads;
mod reply_list;
mod sql;
mod sqlite;
pub(crate) mod transfer;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;

pub use community::{
    AccessRow, CircleRow, CommunityStore, FeedMeetingRow, InviteRow, JoinOutcome, MeetingRow,
    MembershipRow, ModChange, ModLogRow, MyCircleRow, ReplyPosted, ReplyRow, ReplyView, ReportRow,
    ThreadRow, ThreadView,
};
pub use notifications::{NewNotice, NoticeRow, NoticeSettingsRow, NotificationStore};
pub use notify::Signals;
pub use postgres::PostgresStore;
pub use programmes::{ProgrammeRow, ProgrammeStore, TimetableRow, TotalsRow};
pub use push::{PushKeyRow, PushReminderDevice, PushStore, PushSubscriptionRow};
pub use record_reads::{ReadParam, ReadRow, ReadsQuery, split_sets};
pub use reply_list::{ReplyList, ReplyRef};
pub use sqlite::{SqliteReads, SqliteStore};
pub use transfer::{ApiTokenRow, TransferStore};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write (a taken handle, a duplicate id).
    #[error("already exists")]
    Conflict,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// From the direct SQLite read path (see `sqlite.rs`).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Config(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountRow {
    pub id: String,
    pub handle: String,
    pub passphrase_hash: String,
    pub passphrase_salt: Vec<u8>,
    pub key_by_passphrase: Vec<u8>,
    pub recovery_salt: Vec<u8>,
    pub key_by_recovery: Vec<u8>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub id_hash: Vec<u8>,
    pub account_id: String,
    pub wrapped_key: Vec<u8>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A live session with the handle of its account, found in one query.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ActiveSession {
    pub account_id: String,
    pub handle: String,
    pub wrapped_key: Vec<u8>,
    pub expires_at: i64,
    /// The sealed profile record (time zone), fetched in the same query because
    /// nearly every page needs it.
    pub profile_id: Option<String>,
    pub profile_sealed: Option<Vec<u8>>,
    /// Unread notifications, for the count in the navigation.
    pub unread: i64,
    /// How many times the account's records have changed (migration 0020):
    /// a page's rows read at one count are still its rows at that count.
    pub records_gen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RecordRow {
    pub id: String,
    pub account_id: String,
    pub kind: String,
    /// `YYYY-MM-DD`, the person's local day the record belongs to.
    pub day: Option<String>,
    /// Set for kinds that allow one record per slot (a day's check-in).
    pub slot: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    pub sealed: Vec<u8>,
}

/// Which records of one kind to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFilter {
    /// Inclusive bounds on `day`.
    pub day_from: Option<String>,
    pub day_to: Option<String>,
    pub limit: Option<i64>,
}

/// One read of [`Store::read_records`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordRead {
    /// Like [`Store::records`].
    List { kind: String, filter: RecordFilter },
    /// Like [`Store::record`]: zero or one row.
    One { kind: String, id: String },
    /// Like `List`, but only the sealed titles (see [`TitleRow`]).
    Titles { kind: String, filter: RecordFilter },
}

/// What one [`RecordRead`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordSet {
    Rows(Vec<RecordRow>),
    Titles(Vec<TitleRow>),
}

impl RecordSet {
    /// The rows of a `Rows` set, borrowed; none for a `Titles` set.
    pub fn row_slice(&self) -> &[RecordRow] {
        match self {
            Self::Rows(r) => r,
            Self::Titles(_) => &[],
        }
    }
    pub fn rows(self) -> Vec<RecordRow> {
        match self {
            Self::Rows(r) => r,
            Self::Titles(_) => Vec::new(),
        }
    }
    pub fn titles(self) -> Vec<TitleRow> {
        match self {
            Self::Titles(t) => t,
            Self::Rows(_) => Vec::new(),
        }
    }
}

/// A record in a list that shows titles: its sealed title, or, while that is
/// not written yet (records from before migration 0009), its sealed body.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TitleRow {
    pub id: String,
    pub day: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    pub title: Option<Vec<u8>>,
    pub sealed: Option<Vec<u8>>,
}

/// The SQL of [`Store::active_session`]: on SQLite four searches (issue 11),
/// checked by `tests/it/query_plans.rs`. The session's own key finds it with
/// its handle (migration 0019); only a session made by an older tend process,
/// without a handle, has it read from `accounts` (`COALESCE` evaluates its
/// second argument only when the first is NULL, on both databases). A handle
/// never changes, so the copy cannot go stale. The profile is found by the records table's
/// key, `(account_id, kind, …)`, where a person has one profile row: the slot
/// is compared through `COALESCE` so that SQLite does not pick the
/// `records_one_per_slot` index instead, which would be a second search (the
/// index, then the table) for the same row. Unread notifications are counted
/// from their covering index. The account's records count (migration 0020)
/// is one more search of `accounts`, a small table whose pages stay cached.
pub const ACTIVE_SESSION_SQL: &str = "SELECT s.account_id, \
     COALESCE(s.handle, (SELECT a.handle FROM accounts a WHERE a.id = s.account_id)) AS handle, \
     (SELECT g.records_gen FROM accounts g WHERE g.id = s.account_id) AS records_gen, \
     s.wrapped_key, s.expires_at, \
     p.id AS profile_id, p.sealed AS profile_sealed, \
     (SELECT COUNT(*) FROM notifications n WHERE n.account_id = s.account_id AND n.read_at IS NULL) AS unread \
     FROM sessions s \
     LEFT JOIN records p ON p.account_id = s.account_id AND p.kind = 'profile' \
     AND COALESCE(p.slot, '') = 'profile' \
     WHERE s.id_hash = $1 AND s.expires_at > $2";

/// PostgreSQL only: takes the account row first in a transaction that writes
/// many of its records or deletes it. Each record write moves the account's
/// records count (migration 0020), locking the account row after the
/// record's; a transaction that held the account row while a one-record
/// writer held a record it needed next would otherwise deadlock. Taken
/// first, it makes concurrent writers of that person wait at their foreign
/// key check instead, before they lock anything. (SQLite has one writer.)
pub const LOCK_ACCOUNT_SQL: &str = "SELECT id FROM accounts WHERE id = $1 FOR UPDATE";

/// What [`Store::insert_record_once`] / [`Store::upsert_record_once`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Once {
    /// Written now; the record's version.
    Written(i64),
    /// The key was noted before: nothing written; the record it was noted with.
    Again(String),
}

/// Notes a submission key (`$1` account, `$2` key hash, `$3` record, `$4`
/// now); no row changed means the account had it already.
pub const CLAIM_SUBMISSION_SQL: &str = "INSERT INTO submissions (account_id, key_hash, record_id, created_at) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, key_hash) DO NOTHING";

/// The record a noted submission key made (`$1` account, `$2` key hash).
pub const SUBMISSION_RECORD_SQL: &str =
    "SELECT record_id FROM submissions WHERE account_id = $1 AND key_hash = $2";

/// The text of [`INSERT_RECORD_SQL`] as a literal, so a statement that adds to
/// it (the import's `ON CONFLICT DO NOTHING`) is built with `concat!` from the
/// one text instead of a copy.
macro_rules! insert_record_sql {
    () => {
        "INSERT INTO records (id, account_id, kind, day, slot, created_at, updated_at, version, sealed) \
         VALUES ($1, $2, $3, COALESCE($4, ''), $5, $6, $7, $8, $9)"
    };
}
pub(crate) use insert_record_sql;

/// The SQL of [`Store::insert_record`]. A record with no day stores `''`
/// (migration 0018: on SQLite `day` is part of the table's key, which may not
/// be NULL); every read turns it back into NULL with `NULLIF(day, '')`.
pub const INSERT_RECORD_SQL: &str = insert_record_sql!();

/// The SQL of [`Store::upsert_record`]: no row back means the id exists under
/// another account or kind, or with another day.
///
/// Only slot records are upserted, and a slot fixes its day (a day's
/// check-in is that day's, a week's review its Monday's, a profile has
/// none), so an update leaves `day` as it is and refuses a different one
/// rather than setting it: on SQLite `day` is part of the table's key
/// (migration 0018), and an update that sets a key column deletes and
/// re-inserts the row, which made every check-in save a third slower
/// (docs/benchmarks.md).
pub const UPSERT_RECORD_SQL: &str = "INSERT INTO records (id, account_id, kind, day, slot, created_at, updated_at, version, sealed) \
     VALUES ($1, $2, $3, COALESCE($4, ''), $5, $6, $7, 1, $8) \
     ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at, \
     version = records.version + 1, sealed = excluded.sealed, title = NULL \
     WHERE records.account_id = excluded.account_id AND records.kind = excluded.kind \
     AND records.day = excluded.day \
     RETURNING version";

/// The SQL of [`Store::update_record`].
pub const UPDATE_RECORD_SQL: &str = "UPDATE records SET day = COALESCE($4, ''), updated_at = $5, version = $6 + 1, sealed = $7, title = NULL \
     WHERE id = $1 AND account_id = $2 AND kind = $3 AND version = $6";

/// The SQL of one title in [`Store::set_record_titles`].
pub const SET_TITLE_SQL: &str = "UPDATE records SET title = $4 WHERE id = $1 AND account_id = $2 AND kind = $3 AND version = $5";

/// The SQL of [`Store::add_attempt`]: one statement, so two processes
/// counting the same key at once both land (the database serialises the
/// upsert).
pub const ADD_ATTEMPT_SQL: &str = "INSERT INTO attempt_counts (key_hash, window_start, count) VALUES ($1, $2, 1) \
     ON CONFLICT (key_hash) DO UPDATE SET \
       count = CASE WHEN attempt_counts.window_start <= $2 - $3 THEN 1 ELSE attempt_counts.count + 1 END, \
       window_start = CASE WHEN attempt_counts.window_start <= $2 - $3 THEN $2 ELSE attempt_counts.window_start END \
     RETURNING window_start, count";

/// A rate limit counted in the same transaction as the write it guards
/// (see [`CommunityStore::post_reply`]): like [`Store::add_attempt`], and the
/// write is refused once `count` passes `allowed`.
#[derive(Debug, Clone)]
pub struct AttemptLimit {
    pub key_hash: Vec<u8>,
    pub now: i64,
    pub window: i64,
    pub allowed: i64,
}

#[async_trait]
pub trait Store:
    CommunityStore
    + ProgrammeStore
    + TransferStore
    + NotificationStore
    + PushStore
    + Send
    + Sync
    + 'static
{
    /// Which backend this is, for logs and `/healthz`.
    fn backend(&self) -> &'static str;
    /// Connections in this process's pool: (open, idle), for metrics.
    fn pool_use(&self) -> (u32, u32);
    async fn ping(&self) -> StoreResult<()>;
    /// Wake-ups that reach every process on this database (PostgreSQL
    /// `NOTIFY`); `None` on SQLite, where one process owns the database.
    fn signals(&self) -> Option<&Signals>;

    async fn create_account(&self, account: &AccountRow) -> StoreResult<()>;
    async fn account_by_handle(&self, handle: &str) -> StoreResult<Option<AccountRow>>;
    async fn account_by_id(&self, id: &str) -> StoreResult<Option<AccountRow>>;
    /// Replaces the passphrase hash and the wrapped keys (passphrase change, recovery).
    async fn update_account_keys(&self, account: &AccountRow) -> StoreResult<bool>;
    /// Deletes the account with every record and session of it, in one transaction.
    async fn delete_account(&self, id: &str) -> StoreResult<bool>;

    async fn create_session(&self, session: &SessionRow) -> StoreResult<()>;
    async fn active_session(&self, id_hash: &[u8], now: i64) -> StoreResult<Option<ActiveSession>>;
    async fn delete_session(&self, id_hash: &[u8]) -> StoreResult<()>;
    /// Ends every session of an account except, optionally, one.
    async fn delete_sessions_of(&self, account_id: &str, keep: Option<&[u8]>) -> StoreResult<u64>;
    async fn purge_expired_sessions(&self, now: i64) -> StoreResult<u64>;

    async fn insert_record(&self, record: &RecordRow) -> StoreResult<()>;
    /// Inserts a record once per submission: notes `key_hash` (a tag of a
    /// submission id or Idempotency-Key) against the record for its account
    /// in the same transaction as the insert. When the account already has
    /// that key nothing is written and [`Once::Again`] names the record it was
    /// noted with. A failed insert leaves no key behind. Concurrent calls with
    /// one key write one record between them.
    async fn insert_record_once(
        &self,
        record: &RecordRow,
        key_hash: &[u8],
        now: i64,
    ) -> StoreResult<Once>;
    /// As [`Self::insert_record_once`] for a slot record: the write is
    /// [`Self::upsert_record`]'s (a repeat leaves a later change alone).
    async fn upsert_record_once(
        &self,
        record: &RecordRow,
        key_hash: &[u8],
        now: i64,
    ) -> StoreResult<Once>;
    /// Forgets submission keys noted before `before`; a later repeat of one
    /// is then treated as new.
    async fn purge_submissions(&self, before: i64) -> StoreResult<u64>;
    /// Inserts, or replaces the record with the same id (used for slot records,
    /// whose id is derived from their slot). Returns the stored version.
    async fn upsert_record(&self, record: &RecordRow) -> StoreResult<i64>;
    /// Replaces a record only if it still has `expected_version`; false otherwise.
    async fn update_record(&self, record: &RecordRow, expected_version: i64) -> StoreResult<bool>;
    async fn record(
        &self,
        account_id: &str,
        kind: &str,
        id: &str,
    ) -> StoreResult<Option<RecordRow>>;
    async fn records(
        &self,
        account_id: &str,
        kind: &str,
        filter: &RecordFilter,
    ) -> StoreResult<Vec<RecordRow>>;
    /// Several reads of one person's records at once, answered in order, as
    /// one statement (one snapshot; see `record_reads`). A page that needs
    /// several kinds asks once (Today: six reads).
    async fn read_records(
        &self,
        account_id: &str,
        reads: &[RecordRead],
    ) -> StoreResult<Vec<RecordSet>>;
    /// Writes sealed titles (`id`, the record `version` it was made from,
    /// sealed title), in one transaction; a record changed since keeps none.
    async fn set_record_titles(
        &self,
        account_id: &str,
        kind: &str,
        titles: &[(String, i64, Vec<u8>)],
    ) -> StoreResult<()>;
    async fn delete_record(&self, account_id: &str, kind: &str, id: &str) -> StoreResult<bool>;
    async fn count_records(&self, account_id: &str, kind: &str) -> StoreResult<i64>;
    /// Every record of an account, of every kind, oldest first (for export).
    async fn account_records(&self, account_id: &str) -> StoreResult<Vec<RecordRow>>;

    /// Adds one attempt to a key's count in a fixed window of `window` seconds
    /// (a window older than that starts afresh) and returns the window's start
    /// and its count including this attempt. Atomic across processes.
    async fn add_attempt(&self, key_hash: &[u8], now: i64, window: i64) -> StoreResult<(i64, i64)>;
    /// The current window's start and count for a key, without adding to it.
    async fn attempts(
        &self,
        key_hash: &[u8],
        now: i64,
        window: i64,
    ) -> StoreResult<Option<(i64, i64)>>;
    /// Forgets counts whose window started before `before`.
    async fn purge_attempts(&self, before: i64) -> StoreResult<u64>;
    /// Claims a periodic job's run: true for exactly one caller per `every`
    /// seconds across all processes sharing the database.
    async fn claim_job(&self, name: &str, now: i64, every: i64) -> StoreResult<bool>;

    /// Records a live stream for an account unless it already has `cap`
    /// unexpired ones; false (nothing written) when refused.
    async fn open_live_stream(
        &self,
        id: &str,
        account_id: &str,
        now: i64,
        expires_at: i64,
        cap: i64,
    ) -> StoreResult<bool>;
    async fn close_live_stream(&self, id: &str) -> StoreResult<()>;
    /// Extends a live stream's place to `expires_at` (its lease).
    async fn renew_live_stream(&self, id: &str, expires_at: i64) -> StoreResult<()>;
    async fn purge_live_streams(&self, now: i64) -> StoreResult<u64>;
    /// Whether a live stream may go on, in one query: its session is still
    /// valid (not signed out, not ended by a passphrase change, the account
    /// not deleted) and its account is still in the circle or holds
    /// `admin_role`.
    async fn live_stream_allowed(
        &self,
        session_hash: &[u8],
        account_id: &str,
        circle_id: &str,
        admin_role: &str,
        now: i64,
    ) -> StoreResult<bool>;
}

/// Where the database lives, decided from a URL.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(String),
    Postgres(String),
}

/// Without the password (see [`crate::config::redact_url`]).
impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(u) => f.debug_tuple("Sqlite").field(u).finish(),
            Self::Postgres(u) => f
                .debug_tuple("Postgres")
                .field(&crate::config::redact_url(u))
                .finish(),
        }
    }
}

impl DatabaseUrl {
    /// `None` means the default: `tend.db` in the data folder.
    pub fn resolve(url: Option<&str>, data_dir: &Path) -> Result<Self, StoreError> {
        match url {
            None | Some("") => Ok(Self::Sqlite(format!(
                "sqlite://{}",
                data_dir.join("tend.db").display()
            ))),
            Some(u) if u.starts_with("sqlite:") => Ok(Self::Sqlite(u.to_owned())),
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                Ok(Self::Postgres(u.to_owned()))
            }
            Some(_) => Err(StoreError::Config(
                "the database URL must start with sqlite: or postgres://".into(),
            )),
        }
    }
}

/// Opens the database and brings its schema up to date.
pub async fn connect(url: &DatabaseUrl) -> StoreResult<Arc<dyn Store>> {
    connect_sized(url, default_pool_size()).await
}

/// As [`connect`], with at most `pool_size` pooled PostgreSQL connections.
/// SQLite keeps its own fixed pool (one file, one writer at a time; see
/// docs/operations.md), so the size does not apply to it.
pub async fn connect_sized(url: &DatabaseUrl, pool_size: u32) -> StoreResult<Arc<dyn Store>> {
    Ok(match url {
        DatabaseUrl::Sqlite(u) => Arc::new(SqliteStore::connect(u).await?),
        DatabaseUrl::Postgres(u) => {
            Arc::new(PostgresStore::connect_sized(u, None, pool_size).await?)
        }
    })
}

/// Smallest `--db-pool-size` accepted: while anyone watches a live page, the
/// process's `LISTEN` connection is one of the pool's (`store/notify.rs`),
/// so a pool of one would leave requests none.
pub const MIN_POOL_SIZE: u32 = 2;

/// Largest `--db-pool-size` accepted.
pub const MAX_POOL_SIZE: u32 = 256;

/// PostgreSQL connections per process unless `--db-pool-size` says otherwise:
/// twice the cores this process may use, at least 4 (docs/operations.md,
/// "Database connections"). A request holds a connection only while its
/// statements run, so a few per core keep every core busy; more only add
/// idle backends, each with its own memory in PostgreSQL, for every process.
pub fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    u32::try_from(cores.saturating_mul(2))
        .unwrap_or(MAX_POOL_SIZE)
        .clamp(4, 32)
}

fn map_unique(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
        _ => StoreError::Database(e),
    }
}
