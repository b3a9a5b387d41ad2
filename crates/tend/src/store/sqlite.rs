use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Row, Statement, ToSql};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::community::{ACCESS_THREAD_SQL, AccessFlat, REPLIES_SQL, ReplyView, ThreadPageRows};
use super::sql::impl_store;
use super::{
    ACTIVE_SESSION_SQL, ActiveSession, RECORD_SQL, RecordFilter, RecordRead, RecordRow, RecordSet,
    StoreError, StoreResult, TitleRow, records_query, titles_query,
};

/// The embedded default: one file in the data folder, in WAL mode so readers
/// never wait for the writer.
///
/// Two ways in. Writes, migrations and the rarer reads go through sqlx, whose
/// SQLite driver runs each connection on its own worker thread and hands every
/// statement and every row over a channel. The hot reads (the session, a
/// person's records, a circle thread page) go through [`Readers`]: plain
/// `rusqlite` connections used inside one `spawn_blocking` call per request
/// step, so a page's several statements cost one thread hop instead of a few
/// per statement. Both use the one SQLite library (`libsqlite3-sys`) and the
/// same SQL text; docs/benchmarks.md has the profile behind the choice.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    readers: Arc<Readers>,
}

/// Read connections at most, each in use by one blocking call at a time
/// (as many as sqlx's pool had): more readers than cores gain nothing, and
/// each holds its own page cache (up to 2 MB).
const READERS: usize = 8;

/// A small pool of read-only `rusqlite` connections to the database file.
struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// One permit per connection in use.
    permits: tokio::sync::Semaphore,
}

impl Readers {
    fn open(&self) -> rusqlite::Result<Connection> {
        let c = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        c.busy_timeout(Duration::from_secs(5))?;
        // Reads only: a bug here can never write.
        c.pragma_update(None, "query_only", true)?;
        c.set_prepared_statement_cache_capacity(64);
        Ok(c)
    }

    fn take(&self) -> rusqlite::Result<Connection> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        match idle {
            Some(c) => Ok(c),
            None => self.open(),
        }
    }

    fn give(&self, c: Connection) {
        if let Ok(mut v) = self.idle.lock()
            && v.len() < READERS
        {
            v.push(c);
        }
    }
}

/// Binds `$N` parameters by their number, as sqlx does, so the one SQL text
/// (where a parameter may appear twice or out of order) binds alike here.
fn bind(stmt: &mut Statement<'_>, args: &[&dyn ToSql]) -> rusqlite::Result<()> {
    for i in 1..=stmt.parameter_count() {
        let n = stmt
            .parameter_name(i)
            .and_then(|n| n.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| rusqlite::Error::InvalidParameterName(format!("parameter {i}")))?;
        let value = args
            .get(n.wrapping_sub(1))
            .ok_or(rusqlite::Error::InvalidParameterCount(n, args.len()))?;
        stmt.raw_bind_parameter(i, value)?;
    }
    Ok(())
}

/// Column positions by name, the last one winning when a name repeats (as in
/// sqlx, so `SELECT r.*, m.account_id AS author_account` reads the same here).
struct Columns(Vec<String>);

impl Columns {
    fn of(stmt: &Statement<'_>) -> Self {
        Self(
            stmt.column_names()
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        )
    }
    fn get<T: rusqlite::types::FromSql>(&self, row: &Row<'_>, name: &str) -> rusqlite::Result<T> {
        let i = self
            .0
            .iter()
            .rposition(|c| c == name)
            .ok_or_else(|| rusqlite::Error::InvalidColumnName(name.to_owned()))?;
        row.get(i)
    }
}

/// Runs one statement on a read connection, mapping every row.
fn query<T>(
    c: &Connection,
    sql: &str,
    args: &[&dyn ToSql],
    map: impl Fn(&Columns, &Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Vec<T>> {
    let mut stmt = c.prepare_cached(sql)?;
    bind(&mut stmt, args)?;
    let cols = Columns::of(&stmt);
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(map(&cols, row)?);
    }
    Ok(out)
}

fn record_row(c: &Columns, r: &Row<'_>) -> rusqlite::Result<RecordRow> {
    Ok(RecordRow {
        id: c.get(r, "id")?,
        account_id: c.get(r, "account_id")?,
        kind: c.get(r, "kind")?,
        day: c.get(r, "day")?,
        slot: c.get(r, "slot")?,
        created_at: c.get(r, "created_at")?,
        updated_at: c.get(r, "updated_at")?,
        version: c.get(r, "version")?,
        sealed: c.get(r, "sealed")?,
    })
}

fn title_row(c: &Columns, r: &Row<'_>) -> rusqlite::Result<TitleRow> {
    Ok(TitleRow {
        id: c.get(r, "id")?,
        day: c.get(r, "day")?,
        created_at: c.get(r, "created_at")?,
        updated_at: c.get(r, "updated_at")?,
        version: c.get(r, "version")?,
        title: c.get(r, "title")?,
        sealed: c.get(r, "sealed")?,
    })
}

/// The parameters of [`records_query`] / [`titles_query`], in their order.
// `&String`, not `&str`: the values are borrowed as `&dyn ToSql`, which needs a
// sized type.
#[allow(clippy::ptr_arg)]
fn range_args<'a>(
    account_id: &'a String,
    kind: &'a String,
    filter: &'a RecordFilter,
    limit: &'a i64,
) -> Vec<&'a dyn ToSql> {
    let mut args: Vec<&dyn ToSql> = vec![account_id, kind];
    if let Some(from) = &filter.day_from {
        args.push(from);
    }
    if let Some(to) = &filter.day_to {
        args.push(to);
    }
    args.push(limit);
    args
}

fn reply_view(c: &Columns, r: &Row<'_>) -> rusqlite::Result<ReplyView> {
    Ok(ReplyView {
        seq: c.get(r, "seq")?,
        id: c.get(r, "id")?,
        thread_id: c.get(r, "thread_id")?,
        circle_id: c.get(r, "circle_id")?,
        author_id: c.get(r, "author_id")?,
        body: c.get(r, "body")?,
        status: c.get(r, "status")?,
        urgent: c.get(r, "urgent")?,
        created_at: c.get(r, "created_at")?,
        author_name: c.get(r, "author_name")?,
        author_account: c.get(r, "author_account")?,
        author_role: c.get(r, "author_role")?,
    })
}

fn access_flat(c: &Columns, r: &Row<'_>) -> rusqlite::Result<AccessFlat> {
    Ok(AccessFlat {
        c_id: c.get(r, "c_id")?,
        c_name: c.get(r, "c_name")?,
        c_description: c.get(r, "c_description")?,
        c_guidelines: c.get(r, "c_guidelines")?,
        c_created_at: c.get(r, "c_created_at")?,
        m_id: c.get(r, "m_id")?,
        m_role: c.get(r, "m_role")?,
        m_pseudonym: c.get(r, "m_pseudonym")?,
        m_joined_at: c.get(r, "m_joined_at")?,
        m_suspended_until: c.get(r, "m_suspended_until")?,
        admin: c.get(r, "admin")?,
        t_id: c.get(r, "t_id")?,
        t_author_id: c.get(r, "t_author_id")?,
        t_title: c.get(r, "t_title")?,
        t_body: c.get(r, "t_body")?,
        t_status: c.get(r, "t_status")?,
        t_urgent: c.get(r, "t_urgent")?,
        t_locked: c.get(r, "t_locked")?,
        t_reply_count: c.get(r, "t_reply_count")?,
        t_created_at: c.get(r, "t_created_at")?,
        t_last_activity: c.get(r, "t_last_activity")?,
        t_author_name: c.get(r, "t_author_name")?,
        t_author_account: c.get(r, "t_author_account")?,
        t_author_role: c.get(r, "t_author_role")?,
    })
}

/// Runs several statements in one read transaction, so they see one snapshot.
fn in_snapshot<T>(
    c: &Connection,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    c.execute_batch("BEGIN")?;
    let out = f(c);
    // A read transaction has nothing to keep; ending it cannot lose anything.
    let end = c.execute_batch("COMMIT");
    let out = out?;
    end?;
    Ok(out)
}

impl SqliteStore {
    /// `url` is `sqlite:PATH` (or `sqlite://PATH`), optionally ending in
    /// `?synchronous=normal` to trade durability for write speed (see below).
    pub async fn connect(url: &str) -> StoreResult<Self> {
        // FULL by default: in WAL mode it syncs the log at every commit, so a
        // check-in or a journal entry that tend has acknowledged survives a
        // power cut, not only a crash of tend. NORMAL skips that sync (a power
        // cut can lose the last few commits) and roughly doubles write
        // throughput on slow disks; an operator who prefers that can say so in
        // the URL. docs/operations.md describes the choice.
        let (url, synchronous) = match url.strip_suffix("?synchronous=normal") {
            Some(base) => (base, SqliteSynchronous::Normal),
            None => (url, SqliteSynchronous::Full),
        };
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // Under steady load the write-ahead log can grow between checkpoints;
            // cap what it keeps on disk afterwards.
            .pragma("journal_size_limit", "67108864");
        let path = options.get_filename().to_path_buf();
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        if path.as_os_str().is_empty() || path.to_string_lossy().contains(":memory:") {
            return Err(StoreError::Config(
                "tend needs a SQLite database file, not an in-memory database".into(),
            ));
        }
        let readers = Arc::new(Readers {
            path,
            idle: Mutex::new(Vec::new()),
            permits: tokio::sync::Semaphore::new(READERS),
        });
        Ok(Self { pool, readers })
    }

    /// Runs `f` on a read connection in one blocking call.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> StoreResult<T> {
        let readers = self.readers.clone();
        let permit = self
            .readers
            .permits
            .acquire()
            .await
            .map_err(|e| StoreError::Config(format!("the read pool is closed: {e}")))?;
        let out = tokio::task::spawn_blocking(move || {
            let c = readers.take()?;
            let out = f(&c);
            // A connection left inside a transaction by an error is not reused.
            if c.is_autocommit() {
                readers.give(c);
            }
            out
        })
        .await;
        drop(permit);
        out.map_err(|e| StoreError::Config(format!("a database read stopped: {e}")))?
            .map_err(StoreError::from)
    }

    async fn read_active_session(
        &self,
        id_hash: &[u8],
        now: i64,
    ) -> StoreResult<Option<ActiveSession>> {
        let id_hash = id_hash.to_vec();
        self.read(move |c| {
            let rows = query(c, ACTIVE_SESSION_SQL, &[&id_hash, &now], |c, r| {
                Ok(ActiveSession {
                    account_id: c.get(r, "account_id")?,
                    handle: c.get(r, "handle")?,
                    wrapped_key: c.get(r, "wrapped_key")?,
                    expires_at: c.get(r, "expires_at")?,
                    profile_id: c.get(r, "profile_id")?,
                    profile_sealed: c.get(r, "profile_sealed")?,
                    unread: c.get(r, "unread")?,
                })
            })?;
            Ok(rows.into_iter().next())
        })
        .await
    }

    async fn read_record_sets(
        &self,
        account_id: &str,
        reads: &[RecordRead],
    ) -> StoreResult<Vec<RecordSet>> {
        let account_id = account_id.to_owned();
        let reads = reads.to_vec();
        self.read(move |c| {
            let run = |c: &Connection| {
                let mut out = Vec::with_capacity(reads.len());
                for read in &reads {
                    out.push(match read {
                        RecordRead::One { kind, id } => RecordSet::Rows(query(
                            c,
                            RECORD_SQL,
                            &[id, &account_id, kind],
                            record_row,
                        )?),
                        RecordRead::List { kind, filter } => {
                            let limit = filter.limit.unwrap_or(i64::MAX);
                            let args = range_args(&account_id, kind, filter, &limit);
                            RecordSet::Rows(query(c, records_query(filter), &args, record_row)?)
                        }
                        RecordRead::Titles { kind, filter } => {
                            let limit = filter.limit.unwrap_or(i64::MAX);
                            let args = range_args(&account_id, kind, filter, &limit);
                            RecordSet::Titles(query(c, &titles_query(filter), &args, title_row)?)
                        }
                    });
                }
                Ok(out)
            };
            if reads.len() > 1 {
                in_snapshot(c, run)
            } else {
                run(c)
            }
        })
        .await
    }

    async fn read_thread_page(
        &self,
        circle_id: &str,
        account_id: &str,
        admin_role: &str,
        thread_id: &str,
        after: i64,
        limit: i64,
    ) -> StoreResult<Option<ThreadPageRows>> {
        let (circle_id, account_id, admin_role, thread_id) = (
            circle_id.to_owned(),
            account_id.to_owned(),
            admin_role.to_owned(),
            thread_id.to_owned(),
        );
        self.read(move |c| {
            let run = |c: &Connection| {
                let args: [&dyn ToSql; 4] = [&circle_id, &account_id, &admin_role, &thread_id];
                let Some(flat) = query(c, ACCESS_THREAD_SQL, &args, access_flat)?
                    .into_iter()
                    .next()
                else {
                    return Ok(None);
                };
                let (access, thread) = flat.split(&account_id);
                let replies = if thread.is_some() && limit > 0 {
                    query(c, REPLIES_SQL, &[&thread_id, &after, &limit], reply_view)?
                } else {
                    Vec::new()
                };
                Ok(Some(ThreadPageRows {
                    access,
                    thread,
                    replies,
                }))
            };
            if limit > 0 {
                in_snapshot(c, run)
            } else {
                run(c)
            }
        })
        .await
    }

    /// Writes a consistent copy of the whole database to `path` while tend
    /// keeps running. `VACUUM INTO` reads inside one transaction, so the copy
    /// is a snapshot even with writers busy, and it is compacted; sqlx does not
    /// expose SQLite's page-by-page backup API, and this gives the same
    /// guarantee in one statement. The file must not exist yet.
    pub async fn backup_to(&self, path: &std::path::Path) -> StoreResult<()> {
        let target = path.to_str().ok_or_else(|| {
            super::StoreError::Config("the backup path is not valid UTF-8".into())
        })?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

super::programmes::impl_programmes!(SqliteStore);
super::transfer::impl_transfer!(SqliteStore);
super::notifications::impl_notifications!(SqliteStore);
super::push::impl_push!(SqliteStore);
super::community::impl_community!(SqliteStore, sqlx::Sqlite);
/// One process owns a SQLite file, so there is nobody to signal.
fn signals(_: &SqliteStore) -> Option<&super::Signals> {
    None
}

impl_store!(SqliteStore, "sqlite", signals);
