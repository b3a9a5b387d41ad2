use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::StoreResult;
use super::sql::impl_store;

/// The embedded default: one file in the data folder, in WAL mode so readers
/// never wait for the writer.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
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
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
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
super::community::impl_community!(SqliteStore, sqlx::Sqlite);
/// One process owns a SQLite file, so there is nobody to signal.
fn signals(_: &SqliteStore) -> Option<&super::Signals> {
    None
}

impl_store!(SqliteStore, "sqlite", signals);
