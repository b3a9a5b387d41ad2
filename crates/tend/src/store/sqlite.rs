use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Row, Statement, ToSql};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::community::{
    ACCESS_THREAD_SQL, AccessFlat, BUMP_THREAD_SQL, INSERT_REPLY_SQL, REPLIES_SQL, ReplyRow,
    ThreadPageRows,
};
use super::notifications::{NOTIFY_ACCOUNT_SQL, muted_pattern};
use super::sql::impl_store;
use super::{
    ACTIVE_SESSION_SQL, ADD_ATTEMPT_SQL, ActiveSession, AttemptLimit, CLAIM_SUBMISSION_SQL,
    INSERT_RECORD_SQL, NewNotice, Once, ReadParam, ReadRow, ReadsQuery, RecordRead, RecordRow,
    RecordSet, ReplyList, ReplyPosted, ReplyRef, SET_TITLE_SQL, SUBMISSION_RECORD_SQL, StoreError,
    StoreResult, UPDATE_RECORD_SQL, UPSERT_RECORD_SQL, split_sets,
};

/// The embedded default: one file in the data folder, in WAL mode so readers
/// never wait for the writer.
///
/// Three ways in. Migrations, the rarer reads and the rarer writes go through
/// sqlx, whose SQLite driver runs each connection on its own worker thread and
/// hands every statement and every row over a channel. The hot reads (the
/// session, a person's records, a circle thread page) go through [`Readers`]:
/// plain `rusqlite` connections used inside one `spawn_blocking` call per
/// request step, so a page's several statements cost one thread hop instead
/// of a few per statement. The hot writes (records, replies with their rate
/// limit and notice, rate limits) go through [`Writer`]: one `rusqlite`
/// connection on its own thread that commits the writes queued meanwhile
/// together (group commit). All use the one SQLite library
/// (`libsqlite3-sys`) and the same SQL text; docs/benchmarks.md has the
/// profile behind the choice.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    readers: Arc<Readers>,
    writer: Writer,
}

/// Read connections at most, each in use by one blocking call at a time
/// (as many as sqlx's pool had): more readers than cores gain nothing, and
/// each holds its own page cache (see [`CACHE_KIB`]).
const READERS: usize = 8;

/// Page cache per connection, in KiB (`PRAGMA cache_size` = minus this).
/// SQLite's default is 2,000 KiB per connection, and tend opens 17 (8
/// readers, 8 sqlx, the writer): up to 34 MB of heap once load has touched
/// enough pages, which with the Argon2 blocks put peak memory over issue
/// 11's 100 MB (docs/benchmarks.md, "Peak memory"). The file's pages stay in
/// the kernel's page cache anyway, so a miss here costs a copy, not a disk read.
const CACHE_KIB: i64 = 512;

/// A small pool of read-only `rusqlite` connections to the database file.
struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// One permit per connection in use.
    permits: tokio::sync::Semaphore,
    /// Where bounded reads run (see [`SqliteReads`]).
    mode: SqliteReads,
}

/// Where a read of the `rusqlite` pool runs.
///
/// A hop to tokio's blocking pool costs more than a small read itself: the
/// pool wakes a thread, the request's task parks and is woken again. Measured
/// side by side on the same data (`bench/ab.sh`, docs/benchmarks.md, "Reads
/// on the async worker"), running Today's reads on the async worker cut its
/// CPU per request by about 29% (context switches per request 6.2 → 0.9),
/// the thread page's by 23%. A bounded read (every part has a row limit: a
/// session, a week, a thread page) takes about as long as decrypting or
/// rendering what it returns, which already runs on the worker, so it runs
/// there too. A read without a limit (an export, a whole list) could hold a
/// worker, and with it every other request on that worker, for as long as a
/// person's history takes to read: it still goes to the blocking pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqliteReads {
    /// Bounded reads on the async worker, the rest in the blocking pool.
    Bounded,
    /// Every read in the blocking pool, as before the measurement
    /// (`TEND_SQLITE_READS=blocking`: for comparing, or a slow disk).
    Blocking,
}

impl SqliteReads {
    /// `TEND_SQLITE_READS=blocking` chooses [`Self::Blocking`]; anything
    /// else, or nothing, [`Self::Bounded`].
    pub fn from_env() -> Self {
        match std::env::var("TEND_SQLITE_READS").as_deref() {
            Ok("blocking") => Self::Blocking,
            _ => Self::Bounded,
        }
    }

    /// Whether a read of these record sets runs on the async worker.
    pub fn inline_records(self, reads: &[RecordRead]) -> bool {
        self == Self::Bounded
            && reads.iter().all(|r| match r {
                RecordRead::One { .. } => true,
                RecordRead::List { filter, .. } | RecordRead::Titles { filter, .. } => {
                    filter.limit.is_some_and(|n| n <= INLINE_ROWS)
                }
            })
    }
}

/// The largest row limit of a read still run on the async worker: a month's
/// practice log (400) and the critic's week (500) are under it, and a read
/// of this many small sealed rows takes well under a millisecond.
const INLINE_ROWS: i64 = 500;

/// Plans that never depend on a bound value. Without this, SQLite marks a
/// statement whose plan could change with a parameter (`muted LIKE $9` in
/// the notice insert) and parses it again at every run after a new value is
/// bound, even from the statement cache: the reply profile showed the writer
/// re-preparing the notice insert for every reply (5% of tend's CPU). tend's
/// statements are written for their indexes, not for the planner's guesses
/// about a value, so nothing is lost.
fn stable_plans(c: &Connection) -> rusqlite::Result<()> {
    c.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(())
}

impl Readers {
    fn open(&self) -> rusqlite::Result<Connection> {
        let c = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        c.busy_timeout(Duration::from_secs(5))?;
        stable_plans(&c)?;
        // Reads only: a bug here can never write.
        c.pragma_update(None, "query_only", true)?;
        c.pragma_update(None, "cache_size", -CACHE_KIB)?;
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

/// The most writes committed in one transaction.
const GROUP: usize = 64;

/// One write connection on its own thread. SQLite lets one connection write
/// at a time; with several (sqlx's pool) each write waited on the others'
/// locks in SQLite's busy handler, which sleeps, and paid a channel hop per
/// statement. Here a write is one job: a closure run on the connection, its
/// answer sent back once its transaction is committed. The jobs that queue
/// while one transaction commits go into the next one together (group
/// commit: one `fsync` for all of them), each inside its own `SAVEPOINT`, so
/// a job that fails rolls back only its own writes. An answer is only sent
/// after the `COMMIT` (with `synchronous=FULL`, after the log is on disk),
/// so an acknowledged write is a durable one, as before.
#[derive(Clone)]
struct Writer {
    jobs: std::sync::mpsc::Sender<Box<dyn Job>>,
}

/// A queued write, type-erased for the channel.
trait Job: Send {
    /// Runs the write; false when it failed (so its savepoint is rolled back).
    fn run(&mut self, c: &Connection) -> bool;
    /// Answers the caller once the transaction's fate is known.
    fn finish(self: Box<Self>, committed: Result<(), &rusqlite::Error>);
}

struct Pending<T, F> {
    work: Option<F>,
    out: Option<StoreResult<T>>,
    answer: tokio::sync::oneshot::Sender<StoreResult<T>>,
}

impl<T: Send, F: FnOnce(&Connection) -> StoreResult<T> + Send> Job for Pending<T, F> {
    fn run(&mut self, c: &Connection) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        // A panic in one job must not take the writer thread (and every
        // later write) down with it.
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(c)))
            .unwrap_or_else(|_| Err(StoreError::Config("a database write stopped".into())));
        let ok = out.is_ok();
        self.out = Some(out);
        ok
    }

    fn finish(self: Box<Self>, committed: Result<(), &rusqlite::Error>) {
        let out = match (self.out, committed) {
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(v)), Ok(())) => Ok(v),
            (_, Err(e)) => Err(copy_error(e)),
            (None, Ok(())) => Err(StoreError::Config("a database write did not run".into())),
        };
        // The caller may have gone (a closed connection); the write stands.
        let _ = self.answer.send(out);
    }
}

/// One commit's failure, told to every job in its group.
fn copy_error(e: &rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(code, msg) => {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(*code, msg.clone()))
        }
        other => StoreError::Config(format!("database error: {other}")),
    }
}

/// A unique constraint is [`StoreError::Conflict`], as in `super::map_unique`.
fn map_unique(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
        {
            StoreError::Conflict
        }
        _ => StoreError::Sqlite(e),
    }
}

impl Writer {
    fn start(path: &std::path::Path, synchronous: &str) -> rusqlite::Result<Self> {
        let c = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        c.busy_timeout(Duration::from_secs(5))?;
        stable_plans(&c)?;
        // As sqlx's connections (see `SqliteStore::connect`).
        c.pragma_update(None, "journal_mode", "wal")?;
        c.pragma_update(None, "synchronous", synchronous)?;
        c.pragma_update(None, "foreign_keys", true)?;
        c.pragma_update(None, "journal_size_limit", 67_108_864)?;
        c.pragma_update(None, "cache_size", -CACHE_KIB)?;
        c.set_prepared_statement_cache_capacity(64);
        let (jobs, queue) = std::sync::mpsc::channel::<Box<dyn Job>>();
        std::thread::Builder::new()
            .name("tend-sqlite-writer".into())
            .spawn(move || write_loop(&c, &queue))
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        Ok(Self { jobs })
    }

    /// Runs `work` on the write connection inside a transaction; answers once
    /// that transaction is committed.
    async fn write<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job = Box::new(Pending {
            work: Some(work),
            out: None,
            answer,
        });
        self.jobs
            .send(job)
            .map_err(|_| StoreError::Config("the database writer stopped".into()))?;
        answered
            .await
            .map_err(|_| StoreError::Config("the database writer stopped".into()))?
    }
}

/// The writer thread: runs until every [`Writer`] is dropped.
fn write_loop(c: &Connection, queue: &std::sync::mpsc::Receiver<Box<dyn Job>>) {
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        while group.len() < GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let outcome = commit_group(c, &mut group);
        if outcome.is_err() && !c.is_autocommit() {
            // Nothing of a failed group may stay (its callers are told it failed).
            let _ = c.execute_batch("ROLLBACK");
        }
        for job in group {
            job.finish(outcome.as_ref().map(|_| ()));
        }
    }
}

/// Runs one statement without parameters from the statement cache (the
/// transaction statements run for every job: parsing them each time showed
/// in the profile).
fn run(c: &Connection, sql: &str) -> rusqlite::Result<()> {
    c.prepare_cached(sql)?.raw_execute().map(|_| ())
}

/// Runs every job of a group in one transaction, each in its own savepoint
/// (a group of one needs none: its failure rolls back the transaction).
fn commit_group(c: &Connection, group: &mut [Box<dyn Job>]) -> rusqlite::Result<()> {
    // IMMEDIATE: take the write lock now (waiting for sqlx's rarer writes
    // under the busy timeout) rather than fail to upgrade a read later.
    run(c, "BEGIN IMMEDIATE")?;
    if let [job] = group {
        if job.run(c) {
            return run(c, "COMMIT");
        }
        // The caller gets the job's own error; nothing of it stays.
        return run(c, "ROLLBACK");
    }
    for job in group.iter_mut() {
        run(c, "SAVEPOINT job")?;
        if job.run(c) {
            run(c, "RELEASE job")?;
        } else {
            run(c, "ROLLBACK TO job")?;
            run(c, "RELEASE job")?;
        }
        if c.is_autocommit() {
            // SQLite ended the transaction itself (a full disk, an I/O
            // error): the jobs before this one were rolled back with it.
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT),
                Some("the write transaction was rolled back".into()),
            ));
        }
    }
    run(c, "COMMIT")
}

/// Runs one statement that changes rows; how many it changed.
fn execute(c: &Connection, sql: &str, args: &[&dyn ToSql]) -> rusqlite::Result<usize> {
    let mut stmt = c.prepare_cached(sql)?;
    bind(&mut stmt, args)?;
    stmt.raw_execute()
}

// `&dyn ToSql` needs a sized value behind the reference, so `&String`, not `&str`.
#[allow(clippy::ptr_arg)]
fn notice_args<'a>(
    n: &'a NewNotice,
    id: &'a String,
    account: &'a String,
    urgent: &'a i64,
    muted: &'a String,
) -> [&'a dyn ToSql; 10] {
    [
        id,
        account,
        &n.kind,
        &n.circle_id,
        &n.target_id,
        &n.link,
        urgent,
        &n.created_at,
        muted,
        &n.note,
    ]
}

/// Writes one notice (see `NotificationStore::notify_account`).
fn insert_notice(c: &Connection, n: &NewNotice, account: &str) -> rusqlite::Result<bool> {
    let id = format!("{}:{account}", n.event_id);
    let account = account.to_owned();
    let urgent = i64::from(n.urgent);
    let muted = muted_pattern(&n.kind);
    Ok(execute(
        c,
        NOTIFY_ACCOUNT_SQL,
        &notice_args(n, &id, &account, &urgent, &muted),
    )? == 1)
}

/// Counts one attempt (see `Store::add_attempt`).
// `&dyn ToSql` needs a sized value behind the reference, so `&Vec<u8>`.
#[allow(clippy::ptr_arg)]
fn count_attempt(
    c: &Connection,
    key: &Vec<u8>,
    now: i64,
    window: i64,
) -> rusqlite::Result<(i64, i64)> {
    let rows = query(c, ADD_ATTEMPT_SQL, &[key, &now, &window], |c, r| {
        Ok((c.get(r, "window_start")?, c.get(r, "count")?))
    })?;
    rows.into_iter()
        .next()
        .ok_or(rusqlite::Error::QueryReturnedNoRows)
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
///
/// Mappers ask for a row's columns in the same order every row, so the
/// lookup first tries the column after the one it found last: one comparison
/// instead of a search of every name (for a thread page's 100 replies that
/// search was about a tenth of the page's time, docs/benchmarks.md).
struct Columns {
    names: Vec<String>,
    /// Whether no later column has the same name (only such a column may
    /// answer for its name).
    last_of_name: Vec<bool>,
    /// Where the next lookup looks first.
    next: std::cell::Cell<usize>,
}

impl Columns {
    fn of(stmt: &Statement<'_>) -> Self {
        let names: Vec<String> = stmt
            .column_names()
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let last_of_name = (0..names.len())
            .map(|i| !names[i + 1..].contains(&names[i]))
            .collect();
        Self {
            names,
            last_of_name,
            next: std::cell::Cell::new(0),
        }
    }
    fn get<T: rusqlite::types::FromSql>(&self, row: &Row<'_>, name: &str) -> rusqlite::Result<T> {
        row.get(self.index(name)?)
    }
    /// A text column, borrowed from the row rather than copied.
    fn text<'r>(&self, row: &'r Row<'_>, name: &str) -> rusqlite::Result<&'r str> {
        let i = self.index(name)?;
        let value = row.get_ref(i)?;
        value.as_str().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, value.data_type(), Box::new(e))
        })
    }
    /// A text column that may be NULL, borrowed from the row.
    fn text_or_null<'r>(&self, row: &'r Row<'_>, name: &str) -> rusqlite::Result<Option<&'r str>> {
        let i = self.index(name)?;
        let value = row.get_ref(i)?;
        value.as_str_or_null().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, value.data_type(), Box::new(e))
        })
    }
    /// The last column called `name` (as sqlx's rows answer, so a join's
    /// `AS` name wins over a same-named column of `r.*`).
    fn index(&self, name: &str) -> rusqlite::Result<usize> {
        let guess = self.next.get();
        let i = if self.names.get(guess).is_some_and(|n| n == name)
            && self.last_of_name.get(guess).copied().unwrap_or(false)
        {
            guess
        } else {
            self.names
                .iter()
                .rposition(|c| c == name)
                .ok_or_else(|| rusqlite::Error::InvalidColumnName(name.to_owned()))?
        };
        self.next.set(i + 1);
        Ok(i)
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

impl ToSql for ReadParam<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Self::Text(s) => s.to_sql(),
            Self::Int(n) => n.to_sql(),
        }
    }
}

fn read_row(c: &Columns, r: &Row<'_>) -> rusqlite::Result<ReadRow> {
    Ok(ReadRow {
        part: c.get(r, "part")?,
        id: c.get(r, "id")?,
        account_id: c.get(r, "account_id")?,
        kind: c.get(r, "kind")?,
        day: c.get(r, "day")?,
        slot: c.get(r, "slot")?,
        created_at: c.get(r, "created_at")?,
        updated_at: c.get(r, "updated_at")?,
        version: c.get(r, "version")?,
        title: c.get(r, "title")?,
        sealed: c.get(r, "sealed")?,
    })
}

/// The replies of `REPLIES_SQL`, read straight into a [`ReplyList`]: each
/// text field is borrowed from the row while SQLite holds it and copied once
/// into the list, with no string of its own.
fn reply_list(c: &Connection, args: &[&dyn ToSql]) -> rusqlite::Result<ReplyList> {
    let mut stmt = c.prepare_cached(REPLIES_SQL)?;
    bind(&mut stmt, args)?;
    let cols = Columns::of(&stmt);
    let mut rows = stmt.raw_query();
    let mut list = ReplyList::default();
    while let Some(r) = rows.next()? {
        list.push(ReplyRef {
            seq: cols.get(r, "seq")?,
            id: cols.text(r, "id")?,
            thread_id: cols.text(r, "thread_id")?,
            circle_id: cols.text(r, "circle_id")?,
            author_id: cols.text(r, "author_id")?,
            body: cols.text(r, "body")?,
            status: cols.text(r, "status")?,
            urgent: cols.get(r, "urgent")?,
            created_at: cols.get(r, "created_at")?,
            author_name: cols.text_or_null(r, "author_name")?,
            author_account: cols.text_or_null(r, "author_account")?,
            author_role: cols.text_or_null(r, "author_role")?,
        });
    }
    Ok(list)
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
    // Cached statements: `execute_batch` would parse both texts at every call
    // (1.4% of the thread page's CPU in a profile).
    c.prepare_cached("BEGIN")?.execute([])?;
    let out = f(c);
    // A read transaction has nothing to keep; ending it cannot lose anything.
    let end = c.prepare_cached("COMMIT").and_then(|mut s| s.execute([]));
    let out = out?;
    end?;
    Ok(out)
}

impl SqliteStore {
    /// `url` is `sqlite:PATH` (or `sqlite://PATH`), optionally ending in
    /// `?synchronous=normal` to trade durability for write speed (see below).
    pub async fn connect(url: &str) -> StoreResult<Self> {
        Self::connect_with_reads(url, SqliteReads::from_env()).await
    }

    /// As [`Self::connect`], with reads run as `reads` says.
    pub async fn connect_with_reads(url: &str, reads: SqliteReads) -> StoreResult<Self> {
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
            .pragma("journal_size_limit", "67108864")
            .pragma("cache_size", (-CACHE_KIB).to_string());
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
        let writer = Writer::start(
            &path,
            match synchronous {
                SqliteSynchronous::Normal => "NORMAL",
                _ => "FULL",
            },
        )?;
        let readers = Arc::new(Readers {
            path,
            idle: Mutex::new(Vec::new()),
            permits: tokio::sync::Semaphore::new(READERS),
            mode: reads,
        });
        Ok(Self {
            pool,
            readers,
            writer,
        })
    }

    async fn write_insert_record(&self, r: &RecordRow) -> StoreResult<()> {
        let r = r.clone();
        self.writer
            .write(move |c| {
                let args: [&dyn ToSql; 9] = [
                    &r.id,
                    &r.account_id,
                    &r.kind,
                    &r.day,
                    &r.slot,
                    &r.created_at,
                    &r.updated_at,
                    &r.version,
                    &r.sealed,
                ];
                execute(c, INSERT_RECORD_SQL, &args).map_err(map_unique)?;
                Ok(())
            })
            .await
    }

    /// `Store::insert_record_once` (`upsert` false) and
    /// `Store::upsert_record_once` (true): the key and the record in one job,
    /// so in one transaction on the writer thread, which also makes two calls
    /// with one key run one after the other.
    async fn write_record_once(
        &self,
        r: &RecordRow,
        key_hash: &[u8],
        now: i64,
        upsert: bool,
    ) -> StoreResult<Once> {
        let (r, key) = (r.clone(), key_hash.to_vec());
        self.writer
            .write(move |c| {
                if execute(c, CLAIM_SUBMISSION_SQL, &[&r.account_id, &key, &r.id, &now])? == 0 {
                    let first = query(
                        c,
                        SUBMISSION_RECORD_SQL,
                        &[&r.account_id, &key],
                        |c, row| c.get::<String>(row, "record_id"),
                    )?;
                    return first
                        .into_iter()
                        .next()
                        .map(Once::Again)
                        .ok_or(StoreError::Sqlite(rusqlite::Error::QueryReturnedNoRows));
                }
                if upsert {
                    let args: [&dyn ToSql; 8] = [
                        &r.id,
                        &r.account_id,
                        &r.kind,
                        &r.day,
                        &r.slot,
                        &r.created_at,
                        &r.updated_at,
                        &r.sealed,
                    ];
                    // An error undoes the key with the rest of this job.
                    return query(c, UPSERT_RECORD_SQL, &args, |c, r| {
                        c.get::<i64>(r, "version")
                    })
                    .map_err(map_unique)?
                    .into_iter()
                    .next()
                    .map(Once::Written)
                    .ok_or(StoreError::Conflict);
                }
                let args: [&dyn ToSql; 9] = [
                    &r.id,
                    &r.account_id,
                    &r.kind,
                    &r.day,
                    &r.slot,
                    &r.created_at,
                    &r.updated_at,
                    &r.version,
                    &r.sealed,
                ];
                execute(c, INSERT_RECORD_SQL, &args).map_err(map_unique)?;
                Ok(Once::Written(r.version))
            })
            .await
    }

    async fn write_upsert_record(&self, r: &RecordRow) -> StoreResult<i64> {
        let r = r.clone();
        self.writer
            .write(move |c| {
                let args: [&dyn ToSql; 8] = [
                    &r.id,
                    &r.account_id,
                    &r.kind,
                    &r.day,
                    &r.slot,
                    &r.created_at,
                    &r.updated_at,
                    &r.sealed,
                ];
                query(c, UPSERT_RECORD_SQL, &args, |c, r| {
                    c.get::<i64>(r, "version")
                })
                .map_err(map_unique)?
                .into_iter()
                .next()
                // No row back: the id exists under another account or kind.
                .ok_or(StoreError::Conflict)
            })
            .await
    }

    async fn write_update_record(&self, r: &RecordRow, expected: i64) -> StoreResult<bool> {
        let r = r.clone();
        self.writer
            .write(move |c| {
                let args: [&dyn ToSql; 7] = [
                    &r.id,
                    &r.account_id,
                    &r.kind,
                    &r.day,
                    &r.updated_at,
                    &expected,
                    &r.sealed,
                ];
                Ok(execute(c, UPDATE_RECORD_SQL, &args)? == 1)
            })
            .await
    }

    async fn write_titles(
        &self,
        account_id: &str,
        kind: &str,
        titles: &[(String, i64, Vec<u8>)],
    ) -> StoreResult<()> {
        let (account_id, kind, titles) = (account_id.to_owned(), kind.to_owned(), titles.to_vec());
        self.writer
            .write(move |c| {
                for (id, version, title) in &titles {
                    execute(c, SET_TITLE_SQL, &[id, &account_id, &kind, title, version])?;
                }
                Ok(())
            })
            .await
    }

    async fn write_attempt(
        &self,
        key_hash: &[u8],
        now: i64,
        window: i64,
    ) -> StoreResult<(i64, i64)> {
        let key = key_hash.to_vec();
        self.writer
            .write(move |c| Ok(count_attempt(c, &key, now, window)?))
            .await
    }

    async fn write_notice(&self, n: &NewNotice, account_id: &str) -> StoreResult<bool> {
        let (n, account) = (n.clone(), account_id.to_owned());
        self.writer
            .write(move |c| Ok(insert_notice(c, &n, &account)?))
            .await
    }

    async fn write_reply(
        &self,
        limit: Option<&AttemptLimit>,
        r: &ReplyRow,
        notice: Option<(&NewNotice, &str)>,
    ) -> StoreResult<ReplyPosted> {
        let limit = limit.cloned();
        let r = r.clone();
        let notice = notice.map(|(n, a)| (n.clone(), a.to_owned()));
        self.writer
            .write(move |c| {
                if let Some(l) = &limit {
                    let (window_start, count) = count_attempt(c, &l.key_hash, l.now, l.window)?;
                    if count > l.allowed {
                        return Ok(ReplyPosted::SlowDown {
                            window_start,
                            count,
                        });
                    }
                }
                execute(c, BUMP_THREAD_SQL, &[&r.thread_id, &r.created_at])?;
                let args: [&dyn ToSql; 8] = [
                    &r.id,
                    &r.thread_id,
                    &r.circle_id,
                    &r.author_id,
                    &r.body,
                    &r.status,
                    &r.urgent,
                    &r.created_at,
                ];
                let seq = query(c, INSERT_REPLY_SQL, &args, |c, r| c.get::<i64>(r, "seq"))
                    .map_err(map_unique)?
                    .into_iter()
                    .next()
                    .ok_or(StoreError::Sqlite(rusqlite::Error::QueryReturnedNoRows))?;
                let notified = match &notice {
                    Some((n, account)) => insert_notice(c, n, account)?,
                    None => false,
                };
                Ok(ReplyPosted::Saved { seq, notified })
            })
            .await
    }

    /// Runs `f` on a read connection: on this async worker when `bounded`
    /// (and the store's [`SqliteReads`] allows it), otherwise in one
    /// blocking call.
    async fn read<T: Send + 'static>(
        &self,
        bounded: bool,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> StoreResult<T> {
        let readers = self.readers.clone();
        let permit = self
            .readers
            .permits
            .acquire()
            .await
            .map_err(|e| StoreError::Config(format!("the read pool is closed: {e}")))?;
        let run = move || {
            let c = readers.take()?;
            let out = f(&c);
            // A connection left inside a transaction by an error is not reused.
            if c.is_autocommit() {
                readers.give(c);
            }
            out
        };
        if bounded && self.readers.mode == SqliteReads::Bounded {
            let out = run();
            drop(permit);
            return out.map_err(StoreError::from);
        }
        let out = tokio::task::spawn_blocking(run).await;
        drop(permit);
        out.map_err(|e| StoreError::Config(format!("a database read stopped: {e}")))?
            .map_err(StoreError::from)
    }

    async fn read_push_subscriptions(
        &self,
        account_id: &str,
    ) -> StoreResult<Vec<super::push::PushSubscriptionRow>> {
        let account_id = account_id.to_owned();
        // A person's few devices (at most `DEVICES_MAX`, service::push).
        self.read(true, move |c| {
            query(
                c,
                super::push::PUSH_SUBSCRIPTIONS_SQL,
                &[&account_id],
                |c, r| {
                    Ok(super::push::PushSubscriptionRow {
                        id: c.get(r, "id")?,
                        account_id: c.get(r, "account_id")?,
                        endpoint: c.get(r, "endpoint")?,
                        p256dh: c.get(r, "p256dh")?,
                        auth: c.get(r, "auth")?,
                        time_zone: c.get(r, "time_zone")?,
                        created_at: c.get(r, "created_at")?,
                        last_sent_at: c.get(r, "last_sent_at")?,
                        reminder_kinds: c.get(r, "reminder_kinds")?,
                        reminded_at: c.get(r, "reminded_at")?,
                        session_hash: c.get(r, "session_hash")?,
                    })
                },
            )
        })
        .await
    }

    async fn read_active_session(
        &self,
        id_hash: &[u8],
        now: i64,
    ) -> StoreResult<Option<ActiveSession>> {
        let id_hash = id_hash.to_vec();
        // One row.
        self.read(true, move |c| {
            let rows = query(c, ACTIVE_SESSION_SQL, &[&id_hash, &now], |c, r| {
                Ok(ActiveSession {
                    account_id: c.get(r, "account_id")?,
                    handle: c.get(r, "handle")?,
                    wrapped_key: c.get(r, "wrapped_key")?,
                    expires_at: c.get(r, "expires_at")?,
                    profile_id: c.get(r, "profile_id")?,
                    profile_sealed: c.get(r, "profile_sealed")?,
                    unread: c.get(r, "unread")?,
                    records_gen: c.get(r, "records_gen")?,
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
        let bounded = self.readers.mode.inline_records(reads);
        let account_id = account_id.to_owned();
        let reads = reads.to_vec();
        // One statement for all of them (see `record_reads`): one snapshot
        // without a transaction around it.
        self.read(bounded, move |c| {
            let q = ReadsQuery::new(&account_id, &reads);
            let args: Vec<&dyn ToSql> = q.params.iter().map(|p| p as &dyn ToSql).collect();
            let rows = query(c, &q.sql, &args, read_row)?;
            Ok(split_sets(&reads, rows))
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
        self.read(limit <= INLINE_ROWS, move |c| {
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
                    reply_list(c, &[&thread_id, &after, &limit])?
                } else {
                    ReplyList::default()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Finds every column as a search of all names would, whatever order the
    /// names are asked in: the guess may only save work, never change the
    /// answer (a repeated name answers with its last column).
    #[test]
    fn columns_answer_as_a_full_search_in_any_order() {
        let c = Connection::open_in_memory().unwrap();
        let stmt = c
            .prepare("SELECT 1 AS a, 2 AS b, 3 AS a, 4 AS c, 5 AS b")
            .unwrap();
        let cols = Columns::of(&stmt);
        let expect = |name: &str| match name {
            "a" => 2,
            "b" => 4,
            "c" => 3,
            _ => unreachable!(),
        };
        let orders = [
            ["a", "b", "c"],
            ["c", "b", "a"],
            ["b", "a", "c"],
            ["a", "a", "b"],
        ];
        for _ in 0..2 {
            for order in orders {
                for name in order {
                    assert_eq!(cols.index(name).unwrap(), expect(name), "{order:?}");
                }
            }
        }
        assert!(matches!(
            cols.index("nope"),
            Err(rusqlite::Error::InvalidColumnName(n)) if n == "nope"
        ));
        assert_eq!(cols.index("c").unwrap(), 3, "a miss leaves it working");
    }
}
