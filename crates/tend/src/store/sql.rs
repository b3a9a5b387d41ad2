//! The SQL both backends share. `$1`-style parameters work in SQLite and
//! PostgreSQL alike, and the column types (TEXT, BIGINT, BLOB/BYTEA) map to the
//! same Rust types, so one text serves both; the macro instantiates it once per
//! backend so each is compiled against its own driver.

macro_rules! impl_store {
    ($store:ty, $backend:literal, $signals:path) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            fn signals(&self) -> Option<&$crate::store::Signals> {
                $signals(self)
            }

            fn pool_use(&self) -> (u32, u32) {
                (self.pool.size(), u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX))
            }

            async fn ping(&self) -> $crate::store::StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn create_account(&self, a: &$crate::store::AccountRow) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO accounts (id, handle, passphrase_hash, passphrase_salt, key_by_passphrase, \
                     recovery_salt, key_by_recovery, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&a.id)
                .bind(&a.handle)
                .bind(&a.passphrase_hash)
                .bind(&a.passphrase_salt)
                .bind(&a.key_by_passphrase)
                .bind(&a.recovery_salt)
                .bind(&a.key_by_recovery)
                .bind(a.created_at)
                .execute(&self.pool)
                .await
                .map_err($crate::store::map_unique)?;
                Ok(())
            }

            async fn account_by_handle(&self, handle: &str) -> $crate::store::StoreResult<Option<$crate::store::AccountRow>> {
                Ok(sqlx::query_as("SELECT * FROM accounts WHERE handle = $1")
                    .bind(handle)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn account_by_id(&self, id: &str) -> $crate::store::StoreResult<Option<$crate::store::AccountRow>> {
                Ok(sqlx::query_as("SELECT * FROM accounts WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn update_account_keys(&self, a: &$crate::store::AccountRow) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE accounts SET passphrase_hash = $2, passphrase_salt = $3, key_by_passphrase = $4, \
                     recovery_salt = $5, key_by_recovery = $6 WHERE id = $1",
                )
                .bind(&a.id)
                .bind(&a.passphrase_hash)
                .bind(&a.passphrase_salt)
                .bind(&a.key_by_passphrase)
                .bind(&a.recovery_salt)
                .bind(&a.key_by_recovery)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn delete_account(&self, id: &str) -> $crate::store::StoreResult<bool> {
                // Explicit deletes rather than trusting ON DELETE CASCADE alone:
                // "delete means delete" must not depend on a connection pragma.
                let mut tx = self.pool.begin().await?;
                if $backend == "postgres" {
                    sqlx::query($crate::store::LOCK_ACCOUNT_SQL).bind(id).execute(&mut *tx).await?;
                }
                sqlx::query("DELETE FROM records WHERE account_id = $1").bind(id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM submissions WHERE account_id = $1").bind(id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM sessions WHERE account_id = $1").bind(id).execute(&mut *tx).await?;
                // Peer support: the person's threads and replies lose their words,
                // also in circles they had left (the rows stay, marked deleted, so
                // other people's replies keep their place); then memberships,
                // server roles and the calendar link go.
                sqlx::query(
                    "UPDATE threads SET status = 'deleted', urgent = 0, title = '', body = '' \
                     WHERE author_account = $1 OR author_id IN (SELECT m.id FROM memberships m WHERE m.account_id = $1)",
                ).bind(id).execute(&mut *tx).await?;
                sqlx::query(
                    "UPDATE replies SET status = 'deleted', urgent = 0, body = '' \
                     WHERE author_account = $1 OR author_id IN (SELECT m.id FROM memberships m WHERE m.account_id = $1)",
                ).bind(id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM memberships WHERE account_id = $1").bind(id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM server_roles WHERE account_id = $1").bind(id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM calendar_feeds WHERE account_id = $1").bind(id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM notifications WHERE account_id = $1").bind(id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM notification_settings WHERE account_id = $1").bind(id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM push_subscriptions WHERE account_id = $1").bind(id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM programme_leads WHERE account_id = $1").bind(id).execute(&mut *tx).await?;
                let done = sqlx::query("DELETE FROM accounts WHERE id = $1").bind(id).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            async fn create_session(&self, s: &$crate::store::SessionRow) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO sessions (id_hash, account_id, handle, wrapped_key, created_at, expires_at) \
                     VALUES ($1, $2, (SELECT handle FROM accounts WHERE id = $2), $3, $4, $5)",
                )
                .bind(&s.id_hash)
                .bind(&s.account_id)
                .bind(&s.wrapped_key)
                .bind(s.created_at)
                .bind(s.expires_at)
                .execute(&self.pool)
                .await
                .map_err($crate::store::map_unique)?;
                Ok(())
            }

            async fn active_session(&self, id_hash: &[u8], now: i64) -> $crate::store::StoreResult<Option<$crate::store::ActiveSession>> {
                // Hot reads go through the backend's own read path (see
                // `sqlite.rs`, `postgres.rs`), with the SQL text from `mod.rs`.
                self.read_active_session(id_hash, now).await
            }

            async fn delete_session(&self, id_hash: &[u8]) -> $crate::store::StoreResult<()> {
                sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                    .bind(id_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn delete_sessions_of(&self, account_id: &str, keep: Option<&[u8]>) -> $crate::store::StoreResult<u64> {
                let done = sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND ($2 IS NULL OR id_hash <> $2)")
                    .bind(account_id)
                    .bind(keep)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn purge_expired_sessions(&self, now: i64) -> $crate::store::StoreResult<u64> {
                let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            // The hot writes go through the backend's own write path (see
            // `sqlite.rs`, `postgres.rs`), with the SQL text from `mod.rs`.
            async fn insert_record(&self, r: &$crate::store::RecordRow) -> $crate::store::StoreResult<()> {
                self.write_insert_record(r).await
            }

            async fn insert_record_once(&self, r: &$crate::store::RecordRow, key_hash: &[u8], now: i64) -> $crate::store::StoreResult<$crate::store::Once> {
                self.write_record_once(r, key_hash, now, false).await
            }

            async fn upsert_record_once(&self, r: &$crate::store::RecordRow, key_hash: &[u8], now: i64) -> $crate::store::StoreResult<$crate::store::Once> {
                self.write_record_once(r, key_hash, now, true).await
            }

            async fn purge_submissions(&self, before: i64) -> $crate::store::StoreResult<u64> {
                let done = sqlx::query("DELETE FROM submissions WHERE created_at < $1")
                    .bind(before)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn upsert_record(&self, r: &$crate::store::RecordRow) -> $crate::store::StoreResult<i64> {
                self.write_upsert_record(r).await
            }

            async fn update_record(&self, r: &$crate::store::RecordRow, expected_version: i64) -> $crate::store::StoreResult<bool> {
                self.write_update_record(r, expected_version).await
            }

            async fn record(&self, account_id: &str, kind: &str, id: &str) -> $crate::store::StoreResult<Option<$crate::store::RecordRow>> {
                let reads = [$crate::store::RecordRead::One { kind: kind.to_owned(), id: id.to_owned() }];
                Ok(self.read_record_sets(account_id, &reads).await?.into_iter().flat_map($crate::store::RecordSet::rows).next())
            }

            async fn records(&self, account_id: &str, kind: &str, f: &$crate::store::RecordFilter) -> $crate::store::StoreResult<Vec<$crate::store::RecordRow>> {
                let reads = [$crate::store::RecordRead::List { kind: kind.to_owned(), filter: f.clone() }];
                Ok(self.read_record_sets(account_id, &reads).await?.into_iter().flat_map($crate::store::RecordSet::rows).collect())
            }

            async fn read_records(&self, account_id: &str, reads: &[$crate::store::RecordRead]) -> $crate::store::StoreResult<Vec<$crate::store::RecordSet>> {
                if reads.is_empty() {
                    return Ok(Vec::new());
                }
                self.read_record_sets(account_id, reads).await
            }

            async fn set_record_titles(&self, account_id: &str, kind: &str, titles: &[(String, i64, Vec<u8>)]) -> $crate::store::StoreResult<()> {
                if titles.is_empty() {
                    return Ok(());
                }
                self.write_titles(account_id, kind, titles).await
            }

            async fn delete_record(&self, account_id: &str, kind: &str, id: &str) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query("DELETE FROM records WHERE id = $1 AND account_id = $2 AND kind = $3")
                    .bind(id)
                    .bind(account_id)
                    .bind(kind)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn account_records(&self, account_id: &str) -> $crate::store::StoreResult<Vec<$crate::store::RecordRow>> {
                Ok(sqlx::query_as(
                    "SELECT id, account_id, kind, NULLIF(day, '') AS day, slot, created_at, updated_at, version, sealed \
                     FROM records WHERE account_id = $1 ORDER BY kind, created_at, id",
                )
                    .bind(account_id)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn count_records(&self, account_id: &str, kind: &str) -> $crate::store::StoreResult<i64> {
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM records WHERE account_id = $1 AND kind = $2")
                    .bind(account_id)
                    .bind(kind)
                    .fetch_one(&self.pool)
                    .await?;
                Ok(n)
            }

            async fn add_attempt(&self, key_hash: &[u8], now: i64, window: i64) -> $crate::store::StoreResult<(i64, i64)> {
                self.write_attempt(key_hash, now, window).await
            }

            async fn attempts(&self, key_hash: &[u8], now: i64, window: i64) -> $crate::store::StoreResult<Option<(i64, i64)>> {
                Ok(sqlx::query_as(
                    "SELECT window_start, count FROM attempt_counts WHERE key_hash = $1 AND window_start > $2 - $3",
                )
                .bind(key_hash)
                .bind(now)
                .bind(window)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn purge_attempts(&self, before: i64) -> $crate::store::StoreResult<u64> {
                let done = sqlx::query("DELETE FROM attempt_counts WHERE window_start < $1")
                    .bind(before)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn open_live_stream(&self, id: &str, account_id: &str, now: i64, expires_at: i64, cap: i64) -> $crate::store::StoreResult<bool> {
                // Lapsed rows (a process that stopped abruptly) do not count.
                // One statement: concurrent opens in two processes can both
                // see room for the last one, so the cap may be passed by one
                // or two, never by many.
                let done = sqlx::query(
                    "INSERT INTO live_streams (id, account_id, expires_at) \
                     SELECT $1, $2, $3 WHERE (SELECT COUNT(*) FROM live_streams \
                     WHERE account_id = $2 AND expires_at > $4) < $5",
                )
                .bind(id)
                .bind(account_id)
                .bind(expires_at)
                .bind(now)
                .bind(cap)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn close_live_stream(&self, id: &str) -> $crate::store::StoreResult<()> {
                sqlx::query("DELETE FROM live_streams WHERE id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn renew_live_stream(&self, id: &str, expires_at: i64) -> $crate::store::StoreResult<()> {
                sqlx::query("UPDATE live_streams SET expires_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind(expires_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn purge_live_streams(&self, now: i64) -> $crate::store::StoreResult<u64> {
                let done = sqlx::query("DELETE FROM live_streams WHERE expires_at <= $1")
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn live_stream_allowed(&self, session_hash: &[u8], account_id: &str, circle_id: &str, admin_role: &str, now: i64) -> $crate::store::StoreResult<bool> {
                let (session, member): (i64, i64) = sqlx::query_as(
                    "SELECT \
                     (SELECT COUNT(*) FROM sessions WHERE id_hash = $1 AND account_id = $2 AND expires_at > $5), \
                     (SELECT COUNT(*) FROM memberships WHERE circle_id = $3 AND account_id = $2) \
                     + (SELECT COUNT(*) FROM server_roles WHERE account_id = $2 AND role = $4)",
                )
                .bind(session_hash)
                .bind(account_id)
                .bind(circle_id)
                .bind(admin_role)
                .bind(now)
                .fetch_one(&self.pool)
                .await?;
                Ok(session > 0 && member > 0)
            }

            async fn claim_job(&self, name: &str, now: i64, every: i64) -> $crate::store::StoreResult<bool> {
                // The update only happens when the last run is old enough; with
                // RETURNING, a caller that lost the race gets no row.
                let claimed: Option<(String,)> = sqlx::query_as(
                    "INSERT INTO job_runs (name, last_run) VALUES ($1, $2) \
                     ON CONFLICT (name) DO UPDATE SET last_run = $2 WHERE job_runs.last_run <= $2 - $3 \
                     RETURNING name",
                )
                .bind(name)
                .bind(now)
                .bind(every)
                .fetch_optional(&self.pool)
                .await?;
                Ok(claimed.is_some())
            }
        }
    };
}

pub(crate) use impl_store;
