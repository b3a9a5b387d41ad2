use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::StoreResult;
use super::notify::Signals;
use super::sql::impl_store;

/// PostgreSQL, for deployments that run several stateless tend processes.
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    /// `NOTIFY`/`LISTEN` wake-ups shared with the other processes.
    signals: Signals,
}

impl PostgresStore {
    /// `schema`, when given, isolates this store in its own schema (created if
    /// missing); tests use it to get a fresh database cheaply. The pool holds
    /// at most [`super::default_pool_size`] connections.
    pub async fn connect(url: &str, schema: Option<&str>) -> StoreResult<Self> {
        Self::connect_sized(url, schema, super::default_pool_size()).await
    }

    /// As [`Self::connect`], with at most `pool_size` pooled connections
    /// (`tend serve --db-pool-size`, docs/operations.md). The `LISTEN`
    /// connection for live updates, open only while someone watches a live
    /// page, is one of them.
    pub async fn connect_sized(
        url: &str,
        schema: Option<&str>,
        pool_size: u32,
    ) -> StoreResult<Self> {
        // Named, so an operator can count tend's connections in
        // `pg_stat_activity` (unless the URL names something else).
        let mut options = PgConnectOptions::from_str(url)?;
        if !url.contains("application_name=") {
            options = options.application_name("tend");
        }
        if let Some(schema) = schema {
            if !schema
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(super::StoreError::Config("invalid schema name".into()));
            }
            let admin = PgPool::connect_with(options.clone()).await?;
            sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .execute(&admin)
                .await?;
            admin.close().await;
            options = options.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(pool_size.max(super::MIN_POOL_SIZE))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let signals = Signals::new(pool.clone());
        Ok(Self { pool, signals })
    }

    /// Drops a schema made by `connect(.., Some(schema))`. For tests.
    pub async fn drop_schema(url: &str, schema: &str) -> StoreResult<()> {
        if !schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(super::StoreError::Config("invalid schema name".into()));
        }
        let admin = PgPool::connect_with(PgConnectOptions::from_str(url)?).await?;
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&admin)
            .await?;
        admin.close().await;
        Ok(())
    }
}

/// The hot reads (see [`super::Store::read_records`]): sqlx, one statement
/// after another. The same SQL text as the SQLite read path.
///
/// The reads of one request share one pooled connection: each checkout of
/// an idle connection costs a round trip to PostgreSQL (sqlx pings it first,
/// `test_before_acquire`), so Today's five record reads on five checkouts
/// paid four extra round trips, and as many wake-ups of a backend and of
/// tend's own tasks (docs/benchmarks.md, "CPU per request").
impl PostgresStore {
    async fn read_active_session(
        &self,
        id_hash: &[u8],
        now: i64,
    ) -> StoreResult<Option<super::ActiveSession>> {
        Ok(sqlx::query_as(super::ACTIVE_SESSION_SQL)
            .bind(id_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn read_record_sets(
        &self,
        account_id: &str,
        reads: &[super::RecordRead],
    ) -> StoreResult<Vec<super::RecordSet>> {
        // One statement for all of them (see `record_reads`): one round trip
        // and one snapshot.
        let q = super::ReadsQuery::new(account_id, reads);
        let mut query = sqlx::query_as::<_, super::ReadRow>(&q.sql);
        for p in &q.params {
            query = match p {
                super::ReadParam::Text(s) => query.bind(*s),
                super::ReadParam::Int(n) => query.bind(*n),
            };
        }
        let rows = query.fetch_all(&self.pool).await?;
        Ok(super::split_sets(reads, rows))
    }

    async fn read_thread_page(
        &self,
        circle_id: &str,
        account_id: &str,
        admin_role: &str,
        thread_id: &str,
        after: i64,
        limit: i64,
    ) -> StoreResult<Option<super::community::ThreadPageRows>> {
        let mut conn = self.pool.acquire().await?;
        let flat: Option<super::community::AccessFlat> =
            sqlx::query_as(super::community::ACCESS_THREAD_SQL)
                .bind(circle_id)
                .bind(account_id)
                .bind(admin_role)
                .bind(thread_id)
                .fetch_optional(&mut *conn)
                .await?;
        let Some(flat) = flat else { return Ok(None) };
        let (access, thread) = flat.split(account_id);
        let replies = if thread.is_some() && limit > 0 {
            let rows = sqlx::query(super::community::REPLIES_SQL)
                .bind(thread_id)
                .bind(after)
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?;
            // Borrowed from the rows sqlx already holds, then copied once
            // into the list's text (see `ReplyList`).
            let mut list = super::ReplyList::with_capacity(rows.len());
            for row in &rows {
                list.push(reply_ref(row)?);
            }
            list
        } else {
            super::ReplyList::default()
        };
        Ok(Some(super::community::ThreadPageRows {
            access,
            thread,
            replies,
        }))
    }
}

/// The hot writes (see `sql.rs`): sqlx, the same SQL text as the SQLite
/// write path.
impl PostgresStore {
    async fn write_insert_record(&self, r: &super::RecordRow) -> StoreResult<()> {
        insert_query(r)
            .execute(&self.pool)
            .await
            .map_err(super::map_unique)?;
        Ok(())
    }

    /// See `SqliteStore::write_record_once`. The key first: a concurrent
    /// call with the same key waits on its primary key until this
    /// transaction ends, then finds it taken (or, after a rollback, free).
    async fn write_record_once(
        &self,
        r: &super::RecordRow,
        key_hash: &[u8],
        now: i64,
        upsert: bool,
    ) -> StoreResult<super::Once> {
        let mut tx = self.pool.begin().await?;
        let claimed = sqlx::query(super::CLAIM_SUBMISSION_SQL)
            .bind(&r.account_id)
            .bind(key_hash)
            .bind(&r.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        if claimed.rows_affected() == 0 {
            let (first,): (String,) = sqlx::query_as(super::SUBMISSION_RECORD_SQL)
                .bind(&r.account_id)
                .bind(key_hash)
                .fetch_one(&mut *tx)
                .await?;
            tx.rollback().await?;
            return Ok(super::Once::Again(first));
        }
        let version = if upsert {
            // The slot race of `write_upsert_record`, inside a transaction: a
            // failed statement would abort the whole transaction (and the
            // claimed key with it), so each try runs in its own savepoint and
            // only that is rolled back before trying again.
            let mut tries = 0;
            loop {
                tries += 1;
                let mut savepoint = sqlx::Acquire::begin(&mut *tx).await?;
                match upsert_query(r).fetch_optional(&mut *savepoint).await {
                    Err(e) if slot_race(&e) && tries < SLOT_RACE_TRIES => {
                        savepoint.rollback().await?;
                    }
                    other => {
                        let row = other.map_err(super::map_unique)?;
                        savepoint.commit().await?;
                        break row.ok_or(super::StoreError::Conflict)?.0;
                    }
                }
            }
        } else {
            insert_query(r)
                .execute(&mut *tx)
                .await
                .map_err(super::map_unique)?;
            r.version
        };
        tx.commit().await?;
        Ok(super::Once::Written(version))
    }

    async fn write_upsert_record(&self, r: &super::RecordRow) -> StoreResult<i64> {
        // `ON CONFLICT (id)` only covers the id's index. Two first saves of
        // one slot at once can both pass that check and meet on the slot's
        // own unique index (`records_one_per_slot`), where PostgreSQL waits
        // for the first to commit and then refuses the second with a unique
        // violation instead of updating (seen in CI with 12 saves at once).
        // By then the first row is committed, so the same statement again
        // takes the update path: try again, a bounded number of times.
        let mut tries = 0;
        loop {
            tries += 1;
            let row: Option<(i64,)> = match upsert_query(r).fetch_optional(&self.pool).await {
                Err(e) if slot_race(&e) && tries < SLOT_RACE_TRIES => {
                    continue;
                }
                other => other.map_err(super::map_unique)?,
            };
            // No row: the id belongs to another account or kind.
            let (version,) = row.ok_or(super::StoreError::Conflict)?;
            return Ok(version);
        }
    }

    async fn write_update_record(&self, r: &super::RecordRow, expected: i64) -> StoreResult<bool> {
        let done = sqlx::query(super::UPDATE_RECORD_SQL)
            .bind(&r.id)
            .bind(&r.account_id)
            .bind(&r.kind)
            .bind(&r.day)
            .bind(r.updated_at)
            .bind(expected)
            .bind(&r.sealed)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn write_titles(
        &self,
        account_id: &str,
        kind: &str,
        titles: &[(String, i64, Vec<u8>)],
    ) -> StoreResult<()> {
        // One statement per title, no transaction around them: each locks
        // one record and then its account (migration 0020's count), so none
        // holds the account while waiting for another record. A title is
        // best effort (a list fills in what is missing), so a part written
        // is as good as all.
        for (id, version, title) in titles {
            sqlx::query(super::SET_TITLE_SQL)
                .bind(id)
                .bind(account_id)
                .bind(kind)
                .bind(title)
                .bind(version)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    async fn write_attempt(
        &self,
        key_hash: &[u8],
        now: i64,
        window: i64,
    ) -> StoreResult<(i64, i64)> {
        Ok(sqlx::query_as(super::ADD_ATTEMPT_SQL)
            .bind(key_hash)
            .bind(now)
            .bind(window)
            .fetch_one(&self.pool)
            .await?)
    }

    async fn read_push_subscriptions(
        &self,
        account_id: &str,
    ) -> StoreResult<Vec<super::push::PushSubscriptionRow>> {
        Ok(sqlx::query_as(super::push::PUSH_SUBSCRIPTIONS_SQL)
            .bind(account_id)
            .fetch_all(&self.pool)
            .await?)
    }

    async fn write_notice(&self, n: &super::NewNotice, account_id: &str) -> StoreResult<bool> {
        let done = notice_query(n, account_id).execute(&self.pool).await?;
        Ok(done.rows_affected() == 1)
    }

    async fn write_reply(
        &self,
        limit: Option<&super::AttemptLimit>,
        r: &super::community::ReplyRow,
        notice: Option<(&super::NewNotice, &str)>,
    ) -> StoreResult<super::ReplyPosted> {
        let mut tx = self.pool.begin().await?;
        if let Some(l) = limit {
            let (window_start, count): (i64, i64) = sqlx::query_as(super::ADD_ATTEMPT_SQL)
                .bind(&l.key_hash)
                .bind(l.now)
                .bind(l.window)
                .fetch_one(&mut *tx)
                .await?;
            if count > l.allowed {
                tx.commit().await?;
                return Ok(super::ReplyPosted::SlowDown {
                    window_start,
                    count,
                });
            }
        }
        sqlx::query(super::community::BUMP_THREAD_SQL)
            .bind(&r.thread_id)
            .bind(r.created_at)
            .execute(&mut *tx)
            .await?;
        let (seq,): (i64,) = sqlx::query_as(super::community::INSERT_REPLY_SQL)
            .bind(&r.id)
            .bind(&r.thread_id)
            .bind(&r.circle_id)
            .bind(&r.author_id)
            .bind(&r.body)
            .bind(&r.status)
            .bind(r.urgent)
            .bind(r.created_at)
            .fetch_one(&mut *tx)
            .await
            .map_err(super::map_unique)?;
        let notified = match notice {
            Some((n, account)) => {
                notice_query(n, account)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1
            }
            None => false,
        };
        tx.commit().await?;
        Ok(super::ReplyPosted::Saved { seq, notified })
    }
}

fn notice_query<'q>(
    n: &'q super::NewNotice,
    account_id: &'q str,
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    sqlx::query(super::notifications::NOTIFY_ACCOUNT_SQL)
        .bind(format!("{}:{account_id}", n.event_id))
        .bind(account_id)
        .bind(&n.kind)
        .bind(&n.circle_id)
        .bind(&n.target_id)
        .bind(&n.link)
        .bind(i64::from(n.urgent))
        .bind(n.created_at)
        .bind(super::notifications::muted_pattern(&n.kind))
        .bind(&n.note)
}

super::programmes::impl_programmes!(PostgresStore);
super::transfer::impl_transfer!(PostgresStore);
super::notifications::impl_notifications!(PostgresStore);
super::push::impl_push!(PostgresStore);
super::community::impl_community!(PostgresStore, sqlx::Postgres);
fn signals(s: &PostgresStore) -> Option<&Signals> {
    Some(&s.signals)
}

impl_store!(PostgresStore, "postgres", signals);

/// How many times an upsert meeting the slot race (see `write_upsert_record`)
/// runs in all; by the second try the other save has committed.
const SLOT_RACE_TRIES: u32 = 3;

/// Whether an upsert failed on the slot race: a unique violation that the
/// same statement, run again, turns into an update.
fn slot_race(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// [`super::INSERT_RECORD_SQL`] with a record's values bound: the plain
/// insert and the exactly-once one run the same statement.
fn insert_query(
    r: &super::RecordRow,
) -> sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments> {
    sqlx::query(super::INSERT_RECORD_SQL)
        .bind(&r.id)
        .bind(&r.account_id)
        .bind(&r.kind)
        .bind(&r.day)
        .bind(&r.slot)
        .bind(r.created_at)
        .bind(r.updated_at)
        .bind(r.version)
        .bind(&r.sealed)
}

/// [`super::UPSERT_RECORD_SQL`] with a record's values bound: the plain
/// upsert and the exactly-once one run the same statement.
fn upsert_query(
    r: &super::RecordRow,
) -> sqlx::query::QueryAs<'_, sqlx::Postgres, (i64,), sqlx::postgres::PgArguments> {
    sqlx::query_as(super::UPSERT_RECORD_SQL)
        .bind(&r.id)
        .bind(&r.account_id)
        .bind(&r.kind)
        .bind(&r.day)
        .bind(&r.slot)
        .bind(r.created_at)
        .bind(r.updated_at)
        .bind(&r.sealed)
}

/// One row of `REPLIES_SQL`, borrowed.
fn reply_ref(row: &sqlx::postgres::PgRow) -> Result<super::ReplyRef<'_>, sqlx::Error> {
    use sqlx::Row as _;
    Ok(super::ReplyRef {
        seq: row.try_get("seq")?,
        id: row.try_get("id")?,
        thread_id: row.try_get("thread_id")?,
        circle_id: row.try_get("circle_id")?,
        author_id: row.try_get("author_id")?,
        body: row.try_get("body")?,
        status: row.try_get("status")?,
        urgent: row.try_get("urgent")?,
        created_at: row.try_get("created_at")?,
        author_name: row.try_get("author_name")?,
        author_account: row.try_get("author_account")?,
        author_role: row.try_get("author_role")?,
    })
}
