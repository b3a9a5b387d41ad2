//! Storage for programme insight (issue 17): programmes, their leads, group
//! totals per month and the released figures. No table here holds a
//! student's account id: membership and contributions live in the student's
//! own sealed records. One SQL text serves both backends.

use async_trait::async_trait;

use super::StoreResult;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProgrammeRow {
    pub id: String,
    pub name: String,
    pub code: String,
    pub k: i64,
    pub resources: String,
    pub created_at: i64,
}

/// One cell's sums for a month (see `domain::programmes::Sums`).
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct TotalsRow {
    pub cell: String,
    pub n: i64,
    pub sx: i64,
    pub sxx: i64,
    pub sy: i64,
    pub syy: i64,
    pub sxy: i64,
    pub flagged: i64,
}

/// An exam or rotation period marked on a programme's timetable (dates as
/// `YYYY-MM-DD`; see `domain::programmes::TimetablePeriod`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TimetableRow {
    pub id: String,
    pub programme_id: String,
    pub kind: String,
    pub label: String,
    pub starts: String,
    pub ends: String,
    pub created_at: i64,
}

#[async_trait]
pub trait ProgrammeStore: Send + Sync {
    async fn create_programme(&self, p: &ProgrammeRow) -> StoreResult<()>;
    async fn programme(&self, id: &str) -> StoreResult<Option<ProgrammeRow>>;
    async fn programme_by_name(&self, name: &str) -> StoreResult<Option<ProgrammeRow>>;
    async fn programme_by_code(&self, code: &str) -> StoreResult<Option<ProgrammeRow>>;
    async fn programmes(&self) -> StoreResult<Vec<ProgrammeRow>>;
    async fn add_programme_lead(&self, programme_id: &str, account_id: &str) -> StoreResult<()>;
    async fn is_programme_lead(&self, programme_id: &str, account_id: &str) -> StoreResult<bool>;
    async fn programmes_led_by(&self, account_id: &str) -> StoreResult<Vec<ProgrammeRow>>;
    /// Adds signed changes to a month's totals, all cells in one transaction.
    async fn add_to_totals(
        &self,
        programme_id: &str,
        period: &str,
        changes: &[TotalsRow],
    ) -> StoreResult<()>;
    async fn totals(&self, programme_id: &str, period: &str) -> StoreResult<Vec<TotalsRow>>;
    async fn add_timetable_period(&self, r: &TimetableRow) -> StoreResult<()>;
    /// A programme's marked periods, earliest first.
    async fn timetable(&self, programme_id: &str) -> StoreResult<Vec<TimetableRow>>;
    /// Removes one; false if this programme has no such period.
    async fn remove_timetable_period(&self, programme_id: &str, id: &str) -> StoreResult<bool>;
    /// Months that have totals, oldest first.
    async fn programme_periods(&self, programme_id: &str) -> StoreResult<Vec<String>>;
    /// Stores a release unless one exists for this month and stage, and returns
    /// the stored one (so two first requests at once agree).
    async fn keep_release(
        &self,
        programme_id: &str,
        period: &str,
        stage: &str,
        body: &str,
    ) -> StoreResult<String>;
    async fn release(
        &self,
        programme_id: &str,
        period: &str,
        stage: &str,
    ) -> StoreResult<Option<String>>;
}

/// Implements [`ProgrammeStore`] for a backend, next to `impl_store!`.
macro_rules! impl_programmes {
    ($store:ty) => {
        const _: () = {
            use $crate::store::StoreResult;
            use $crate::store::programmes::*;

            #[async_trait::async_trait]
            impl $crate::store::ProgrammeStore for $store {
                async fn create_programme(&self, p: &ProgrammeRow) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO programmes (id, name, code, k, resources, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&p.id)
                    .bind(&p.name)
                    .bind(&p.code)
                    .bind(p.k)
                    .bind(&p.resources)
                    .bind(p.created_at)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::map_unique)?;
                    Ok(())
                }

                async fn programme(&self, id: &str) -> StoreResult<Option<ProgrammeRow>> {
                    Ok(sqlx::query_as("SELECT * FROM programmes WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn programme_by_name(&self, name: &str) -> StoreResult<Option<ProgrammeRow>> {
                    Ok(sqlx::query_as("SELECT * FROM programmes WHERE name = $1")
                        .bind(name)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn programme_by_code(&self, code: &str) -> StoreResult<Option<ProgrammeRow>> {
                    Ok(sqlx::query_as("SELECT * FROM programmes WHERE code = $1")
                        .bind(code)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn programmes(&self) -> StoreResult<Vec<ProgrammeRow>> {
                    Ok(sqlx::query_as("SELECT * FROM programmes ORDER BY name")
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn add_programme_lead(&self, programme_id: &str, account_id: &str) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO programme_leads (programme_id, account_id) VALUES ($1, $2) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(programme_id)
                    .bind(account_id)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn is_programme_lead(&self, programme_id: &str, account_id: &str) -> StoreResult<bool> {
                    let row: Option<(String,)> = sqlx::query_as(
                        "SELECT programme_id FROM programme_leads WHERE programme_id = $1 AND account_id = $2",
                    )
                    .bind(programme_id)
                    .bind(account_id)
                    .fetch_optional(&self.pool)
                    .await?;
                    Ok(row.is_some())
                }

                async fn programmes_led_by(&self, account_id: &str) -> StoreResult<Vec<ProgrammeRow>> {
                    Ok(sqlx::query_as(
                        "SELECT p.* FROM programmes p JOIN programme_leads l ON l.programme_id = p.id \
                         WHERE l.account_id = $1 ORDER BY p.name",
                    )
                    .bind(account_id)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn add_to_totals(&self, programme_id: &str, period: &str, changes: &[TotalsRow]) -> StoreResult<()> {
                    let mut tx = self.pool.begin().await?;
                    for c in changes {
                        // One statement per cell: the database adds, so two
                        // contributions saved at once both land.
                        sqlx::query(
                            "INSERT INTO programme_totals (programme_id, period, cell, n, sx, sxx, sy, syy, sxy, flagged) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                             ON CONFLICT (programme_id, period, cell) DO UPDATE SET \
                             n = programme_totals.n + excluded.n, sx = programme_totals.sx + excluded.sx, \
                             sxx = programme_totals.sxx + excluded.sxx, sy = programme_totals.sy + excluded.sy, \
                             syy = programme_totals.syy + excluded.syy, sxy = programme_totals.sxy + excluded.sxy, \
                             flagged = programme_totals.flagged + excluded.flagged",
                        )
                        .bind(programme_id)
                        .bind(period)
                        .bind(&c.cell)
                        .bind(c.n)
                        .bind(c.sx)
                        .bind(c.sxx)
                        .bind(c.sy)
                        .bind(c.syy)
                        .bind(c.sxy)
                        .bind(c.flagged)
                        .execute(&mut *tx)
                        .await?;
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn totals(&self, programme_id: &str, period: &str) -> StoreResult<Vec<TotalsRow>> {
                    Ok(sqlx::query_as(
                        "SELECT cell, n, sx, sxx, sy, syy, sxy, flagged FROM programme_totals \
                         WHERE programme_id = $1 AND period = $2 ORDER BY cell",
                    )
                    .bind(programme_id)
                    .bind(period)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn add_timetable_period(&self, r: &TimetableRow) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO programme_timetable (id, programme_id, kind, label, starts, ends, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(&r.id)
                    .bind(&r.programme_id)
                    .bind(&r.kind)
                    .bind(&r.label)
                    .bind(&r.starts)
                    .bind(&r.ends)
                    .bind(r.created_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn timetable(&self, programme_id: &str) -> StoreResult<Vec<TimetableRow>> {
                    Ok(sqlx::query_as(
                        "SELECT id, programme_id, kind, label, starts, ends, created_at FROM programme_timetable \
                         WHERE programme_id = $1 ORDER BY starts, ends, id",
                    )
                    .bind(programme_id)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn remove_timetable_period(&self, programme_id: &str, id: &str) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM programme_timetable WHERE programme_id = $1 AND id = $2")
                        .bind(programme_id)
                        .bind(id)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn programme_periods(&self, programme_id: &str) -> StoreResult<Vec<String>> {
                    let rows: Vec<(String,)> = sqlx::query_as(
                        "SELECT DISTINCT period FROM programme_totals WHERE programme_id = $1 ORDER BY period",
                    )
                    .bind(programme_id)
                    .fetch_all(&self.pool)
                    .await?;
                    Ok(rows.into_iter().map(|(p,)| p).collect())
                }

                async fn keep_release(&self, programme_id: &str, period: &str, stage: &str, body: &str) -> StoreResult<String> {
                    sqlx::query(
                        "INSERT INTO programme_releases (programme_id, period, stage, body) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(programme_id)
                    .bind(period)
                    .bind(stage)
                    .bind(body)
                    .execute(&self.pool)
                    .await?;
                    let (kept,): (String,) = sqlx::query_as(
                        "SELECT body FROM programme_releases WHERE programme_id = $1 AND period = $2 AND stage = $3",
                    )
                    .bind(programme_id)
                    .bind(period)
                    .bind(stage)
                    .fetch_one(&self.pool)
                    .await?;
                    Ok(kept)
                }

                async fn release(&self, programme_id: &str, period: &str, stage: &str) -> StoreResult<Option<String>> {
                    let row: Option<(String,)> = sqlx::query_as(
                        "SELECT body FROM programme_releases WHERE programme_id = $1 AND period = $2 AND stage = $3",
                    )
                    .bind(programme_id)
                    .bind(period)
                    .bind(stage)
                    .fetch_optional(&self.pool)
                    .await?;
                    Ok(row.map(|(b,)| b))
                }
            }
        };
    };
}

pub(crate) use impl_programmes;
