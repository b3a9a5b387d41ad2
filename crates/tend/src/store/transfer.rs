//! Storage for moving records between servers and for API tokens (issue 14).
//! One SQL text serves both backends, like the rest of the store.

use async_trait::async_trait;

use super::{RecordRow, SessionRow, StoreResult};

/// An API token as its owner's list shows it. `label` is sealed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiTokenRow {
    pub id_hash: Vec<u8>,
    pub label: Vec<u8>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// Ids are checked this many at a time (well under SQLite's parameter limit).
pub const ID_CHUNK: usize = 500;

/// `SELECT id FROM records WHERE account_id <> $1 AND id IN ($2, …)` for `n` ids.
pub fn foreign_ids_query(n: usize) -> String {
    let params: Vec<String> = (0..n).map(|i| format!("${}", i + 2)).collect();
    format!(
        "SELECT id FROM records WHERE account_id <> $1 AND id IN ({})",
        params.join(", ")
    )
}

#[async_trait]
pub trait TransferStore: Send + Sync {
    /// Which of `ids` already name a record of another account.
    async fn foreign_record_ids(
        &self,
        account_id: &str,
        ids: &[String],
    ) -> StoreResult<Vec<String>>;
    /// Inserts every row in one transaction, leaving a row out when the
    /// account already has it (same id, or the same slot). Returns, per row,
    /// whether it was inserted. If an id turns out to belong to another
    /// account (a race with the check above), nothing is written and the
    /// answer is `Conflict`.
    async fn import_records(&self, account_id: &str, rows: &[RecordRow]) -> StoreResult<Vec<bool>>;

    /// A session that is an API token: named (sealed `label`), and lasting
    /// until it is revoked (its `expires_at` is far away).
    async fn create_api_token(&self, session: &SessionRow, label: &[u8]) -> StoreResult<()>;
    /// The account's API tokens, oldest first.
    async fn api_tokens(&self, account_id: &str) -> StoreResult<Vec<ApiTokenRow>>;
    /// Revokes one of the account's tokens; false when there is none with that id.
    async fn revoke_api_token(&self, account_id: &str, id_hash: &[u8]) -> StoreResult<bool>;
    /// Notes a token's use, at most once per `every` seconds (one statement
    /// that writes nothing otherwise, and nothing for browser sessions).
    async fn touch_api_token(&self, id_hash: &[u8], now: i64, every: i64) -> StoreResult<()>;
}

/// Implements [`TransferStore`] for a backend, next to `impl_store!`.
macro_rules! impl_transfer {
    ($store:ty) => {
        const _: () = {
            use $crate::store::transfer::*;
            use $crate::store::{RecordRow, SessionRow, StoreError, StoreResult};

            #[async_trait::async_trait]
            impl $crate::store::TransferStore for $store {
                async fn foreign_record_ids(
                    &self,
                    account_id: &str,
                    ids: &[String],
                ) -> StoreResult<Vec<String>> {
                    let mut found = Vec::new();
                    for chunk in ids.chunks(ID_CHUNK) {
                        let sql = foreign_ids_query(chunk.len());
                        let mut q = sqlx::query_as::<_, (String,)>(&sql).bind(account_id);
                        for id in chunk {
                            q = q.bind(id);
                        }
                        found.extend(q.fetch_all(&self.pool).await?.into_iter().map(|(id,)| id));
                    }
                    Ok(found)
                }

                async fn import_records(
                    &self,
                    account_id: &str,
                    rows: &[RecordRow],
                ) -> StoreResult<Vec<bool>> {
                    let mut tx = self.pool.begin().await?;
                    if $crate::store::Store::backend(self) == "postgres" {
                        sqlx::query($crate::store::LOCK_ACCOUNT_SQL)
                            .bind(account_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    let mut inserted = Vec::with_capacity(rows.len());
                    for r in rows {
                        if r.account_id != account_id {
                            return Err(StoreError::Conflict);
                        }
                        let done = sqlx::query(concat!(
                            $crate::store::insert_record_sql!(),
                            " ON CONFLICT DO NOTHING"
                        ))
                        .bind(&r.id)
                        .bind(&r.account_id)
                        .bind(&r.kind)
                        .bind(&r.day)
                        .bind(&r.slot)
                        .bind(r.created_at)
                        .bind(r.updated_at)
                        .bind(r.version)
                        .bind(&r.sealed)
                        .execute(&mut *tx)
                        .await?;
                        if done.rows_affected() == 1 {
                            inserted.push(true);
                            continue;
                        }
                        let owner: Option<(String,)> =
                            sqlx::query_as("SELECT account_id FROM records WHERE id = $1")
                                .bind(&r.id)
                                .fetch_optional(&mut *tx)
                                .await?;
                        if owner.is_some_and(|(o,)| o != account_id) {
                            // Dropping the transaction rolls it back.
                            return Err(StoreError::Conflict);
                        }
                        inserted.push(false);
                    }
                    tx.commit().await?;
                    Ok(inserted)
                }

                async fn create_api_token(&self, s: &SessionRow, label: &[u8]) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO sessions (id_hash, account_id, handle, wrapped_key, created_at, expires_at, label) \
                         VALUES ($1, $2, (SELECT handle FROM accounts WHERE id = $2), $3, $4, $5, $6)",
                    )
                    .bind(&s.id_hash)
                    .bind(&s.account_id)
                    .bind(&s.wrapped_key)
                    .bind(s.created_at)
                    .bind(s.expires_at)
                    .bind(label)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::map_unique)?;
                    Ok(())
                }

                async fn api_tokens(&self, account_id: &str) -> StoreResult<Vec<ApiTokenRow>> {
                    Ok(sqlx::query_as(
                        "SELECT id_hash, label, created_at, last_used_at FROM sessions \
                         WHERE account_id = $1 AND label IS NOT NULL ORDER BY created_at, id_hash",
                    )
                    .bind(account_id)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn revoke_api_token(&self, account_id: &str, id_hash: &[u8]) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "DELETE FROM sessions WHERE account_id = $1 AND id_hash = $2 AND label IS NOT NULL",
                    )
                    .bind(account_id)
                    .bind(id_hash)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn touch_api_token(&self, id_hash: &[u8], now: i64, every: i64) -> StoreResult<()> {
                    sqlx::query(
                        "UPDATE sessions SET last_used_at = $2 WHERE id_hash = $1 AND label IS NOT NULL \
                         AND (last_used_at IS NULL OR last_used_at <= $2 - $3)",
                    )
                    .bind(id_hash)
                    .bind(now)
                    .bind(every)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }
            }
        };
    };
}

pub(crate) use impl_transfer;
