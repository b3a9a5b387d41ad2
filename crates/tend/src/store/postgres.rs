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
    /// missing); tests use it to get a fresh database cheaply.
    pub async fn connect(url: &str, schema: Option<&str>) -> StoreResult<Self> {
        let mut options = PgConnectOptions::from_str(url)?;
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
            .max_connections(16)
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

super::programmes::impl_programmes!(PostgresStore);
super::transfer::impl_transfer!(PostgresStore);
super::notifications::impl_notifications!(PostgresStore);
super::community::impl_community!(PostgresStore, sqlx::Postgres);
fn signals(s: &PostgresStore) -> Option<&Signals> {
    Some(&s.signals)
}

impl_store!(PostgresStore, "postgres", signals);
