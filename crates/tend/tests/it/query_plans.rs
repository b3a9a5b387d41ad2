//! Ranged record queries must search by `(account_id, kind, day)` for the
//! range itself, on both databases, so a page that reads one week costs the
//! same with ten days of history as with five years: on SQLite that is the
//! table's own key (migration 0018), on PostgreSQL the `records_by_day` index.

use sqlx::Row;
use tend::store::{ReadParam, ReadsQuery, RecordFilter, RecordRead, RecordRow, Store};

use crate::helpers::{Backend, TestDb};

/// Five years of daily check-ins and some journal entries for one person, and
/// a little for someone else, so the planner has a reason to prefer the index.
async fn history(s: &dyn Store) {
    for account in ["a1", "a2"] {
        s.create_account(&tend::store::AccountRow {
            id: account.into(),
            handle: format!("h-{account}"),
            passphrase_hash: "$argon2id$dummy".into(),
            passphrase_salt: vec![1; 16],
            key_by_passphrase: vec![2; 72],
            recovery_salt: vec![3; 16],
            key_by_recovery: vec![4; 72],
            created_at: 0,
        })
        .await
        .unwrap();
    }
    let start = jiff::civil::date(2021, 1, 1);
    for n in 0..(5 * 365) {
        let day = start.checked_add(jiff::Span::new().days(n)).unwrap();
        for (kind, account) in [("checkin", "a1"), ("journal", "a1"), ("checkin", "a2")] {
            if kind == "journal" && n % 3 != 0 {
                continue;
            }
            s.insert_record(&RecordRow {
                id: format!("{account}-{kind}-{n}"),
                account_id: account.into(),
                kind: kind.into(),
                day: Some(day.to_string()),
                slot: Some(day.to_string()),
                created_at: n,
                updated_at: n,
                version: 1,
                sealed: vec![0; 40],
            })
            .await
            .unwrap();
        }
    }
}

/// A SQLite test database with [`history`], analysed, and a pool on its file.
async fn sqlite_with_history() -> (TestDb, sqlx::SqlitePool) {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    history(db.store.as_ref()).await;
    let url = format!("sqlite://{}", db.sqlite_file().display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    // Let the planner see the real shape of the table, as a long-lived
    // database would after `PRAGMA optimize`.
    sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    (db, pool)
}

/// As [`sqlite_with_history`] on PostgreSQL; `None` when it is not set up.
async fn postgres_with_history() -> Option<(TestDb, sqlx::PgPool)> {
    let db = TestDb::new(Backend::Postgres).await?;
    history(db.store.as_ref()).await;
    let (url, schema) = db.postgres_schema().unwrap();
    let options: sqlx::postgres::PgConnectOptions = url.parse().unwrap();
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options.options([("search_path", schema)]))
        .await
        .unwrap();
    sqlx::query("ANALYZE records").execute(&pool).await.unwrap();
    Some((db, pool))
}

/// The person's check-ins in a range, as the store reads them.
fn checkins(filter: &RecordFilter) -> RecordRead {
    RecordRead::List {
        kind: "checkin".into(),
        filter: filter.clone(),
    }
}

/// The statement the store runs for `reads`, with its parameters bound.
fn explain<'q, DB: sqlx::Database>(
    sql: &'q str,
    q: &'q ReadsQuery<'q>,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let mut query = sqlx::query(sql);
    for p in &q.params {
        query = match p {
            ReadParam::Text(s) => query.bind(*s),
            ReadParam::Int(n) => query.bind(*n),
        };
    }
    query
}

/// SQLite's plan for `reads`, one line per step.
async fn sqlite_plan(pool: &sqlx::SqlitePool, reads: &[RecordRead]) -> String {
    let q = ReadsQuery::new("a1", reads);
    let sql = format!("EXPLAIN QUERY PLAN {}", q.sql);
    let rows = explain::<sqlx::Sqlite>(&sql, &q)
        .fetch_all(pool)
        .await
        .unwrap();
    let plan: Vec<String> = rows.iter().map(|r| r.get::<String, _>("detail")).collect();
    plan.join("\n")
}

/// PostgreSQL's plan for `reads`, one line per step.
async fn postgres_plan(pool: &sqlx::PgPool, reads: &[RecordRead]) -> String {
    let q = ReadsQuery::new("a1", reads);
    let sql = format!("EXPLAIN {}", q.sql);
    let rows = explain::<sqlx::Postgres>(&sql, &q)
        .fetch_all(pool)
        .await
        .unwrap();
    let plan: Vec<String> = rows.iter().map(|r| r.get::<String, _>(0)).collect();
    plan.join("\n")
}

fn filters() -> Vec<RecordFilter> {
    let week = |from: bool, to: bool| RecordFilter {
        day_from: from.then(|| "2025-12-01".to_owned()),
        day_to: to.then(|| "2025-12-07".to_owned()),
        limit: Some(50),
    };
    vec![week(true, true), week(true, false), week(false, true)]
}

#[tokio::test]
async fn sqlite_ranges_search_the_day_index() {
    let (_db, pool) = sqlite_with_history().await;
    for f in filters() {
        let plan = sqlite_plan(&pool, &[checkins(&f)]).await;
        // SQLite names the columns it searches the key by; the day must be
        // one of them, not only the (account, kind) prefix. An upper bound
        // alone comes with `day > ''` (no day-less records), so it is a
        // two-sided range too.
        let searched = if f.day_from.is_some() && f.day_to.is_none() {
            "PRIMARY KEY (account_id=? AND kind=? AND day>?)"
        } else {
            "PRIMARY KEY (account_id=? AND kind=? AND day>? AND day<?)"
        };
        assert!(
            plan.contains(searched),
            "expected a search of {searched}, got:\n{plan}"
        );
        // The key's order is the page's order: nothing is sorted.
        assert!(!plan.contains("TEMP B-TREE"), "a sort in:\n{plan}");
    }
}

#[tokio::test]
async fn postgres_ranges_search_the_day_index() {
    let Some((_db, pool)) = postgres_with_history().await else {
        return;
    };
    for f in filters() {
        let plan = postgres_plan(&pool, &[checkins(&f)]).await;
        let bound = if f.day_from.is_some() {
            "(day >="
        } else {
            "(day <="
        };
        assert!(
            plan.contains("records_by_day") && plan.contains(bound),
            "the range should be an index condition on records_by_day, got:\n{plan}"
        );
    }
}

/// Today's shape: a bounded week, a bounded month, titles with no bounds and
/// a single record, asked as one statement.
fn today_reads() -> Vec<RecordRead> {
    let ranged = |from: Option<&str>, to: Option<&str>, limit| RecordFilter {
        day_from: from.map(Into::into),
        day_to: to.map(Into::into),
        limit: Some(limit),
    };
    vec![
        RecordRead::List {
            kind: "checkin".into(),
            filter: ranged(Some("2025-12-01"), Some("2025-12-07"), 7),
        },
        RecordRead::Titles {
            kind: "journal".into(),
            filter: ranged(None, None, 3),
        },
        RecordRead::List {
            kind: "journal".into(),
            filter: ranged(Some("2025-11-01"), None, 400),
        },
        RecordRead::One {
            kind: "checkin".into(),
            id: "a1-checkin-3".into(),
        },
    ]
}

#[tokio::test]
async fn sqlite_reads_in_one_statement_search_an_index_in_every_arm() {
    let (_db, pool) = sqlite_with_history().await;
    let plan = sqlite_plan(&pool, &today_reads()).await;
    for searched in [
        "PRIMARY KEY (account_id=? AND kind=? AND day>? AND day<?)",
        "PRIMARY KEY (account_id=? AND kind=?)",
        "PRIMARY KEY (account_id=? AND kind=? AND day>?)",
    ] {
        assert!(
            plan.contains(searched),
            "expected a search of {searched}, got:\n{plan}"
        );
    }
    // The single record is found by its key, and nothing reads the whole table.
    assert!(
        plan.contains("(id=?)"),
        "the record by its id, got:\n{plan}"
    );
    assert!(!plan.contains("SCAN records"), "a full scan in:\n{plan}");
    assert!(!plan.contains("TEMP B-TREE"), "a sort in:\n{plan}");
}

#[tokio::test]
async fn postgres_reads_in_one_statement_search_an_index_in_every_arm() {
    let Some((_db, pool)) = postgres_with_history().await else {
        return;
    };
    let plan = postgres_plan(&pool, &today_reads()).await;
    assert!(!plan.contains("Seq Scan"), "a full scan in:\n{plan}");
    assert!(
        plan.matches("records_by_day").count() >= 3,
        "each ranged arm should search records_by_day, got:\n{plan}"
    );
    assert!(
        plan.contains("(day >=") && plan.contains("(day <="),
        "the ranges should be index conditions, got:\n{plan}"
    );
}

/// A session of `a1` (made through the store, so with its handle copied),
/// found by the hash `[7; 32]`.
async fn session_of_a1(s: &dyn Store) {
    s.create_session(&tend::store::SessionRow {
        id_hash: vec![7; 32],
        account_id: "a1".into(),
        wrapped_key: vec![1; 72],
        created_at: 0,
        expires_at: i64::MAX,
    })
    .await
    .unwrap();
}

/// Every signed-in page starts with [`tend::store::ACTIVE_SESSION_SQL`]. On
/// SQLite it is three searches of the big tables, each on a key: the session
/// by its hash (with the handle; migration 0019), the profile by the records
/// table's own key rather than through the slot index and back, and the
/// unread count from its covering index. `accounts`, a small table, is
/// searched by its key for the records count (migration 0020), and for the
/// handle only as the fallback for a session made without one: each in its
/// own scalar subquery, never a join.
#[tokio::test]
async fn sqlite_session_lookup_searches_only_by_keys() {
    let (db, pool) = sqlite_with_history().await;
    session_of_a1(db.store.as_ref()).await;
    let sql = format!("EXPLAIN QUERY PLAN {}", tend::store::ACTIVE_SESSION_SQL);
    let rows = sqlx::query(&sql)
        .bind(vec![7u8; 32])
        .bind(0i64)
        .fetch_all(&pool)
        .await
        .unwrap();
    let plan: Vec<String> = rows.iter().map(|r| r.get::<String, _>("detail")).collect();
    let joined = plan.join("\n");
    for searched in [
        "SEARCH s USING PRIMARY KEY (id_hash=?)",
        "SEARCH p USING PRIMARY KEY (account_id=? AND kind=?)",
        "SEARCH n USING COVERING INDEX notifications_by_account (account_id=? AND read_at=?)",
    ] {
        assert!(
            plan.iter().any(|l| l.starts_with(searched)),
            "expected {searched}, got:\n{joined}"
        );
    }
    // Nothing scans, and the only other searches are of `accounts` by its
    // key, each inside its own scalar subquery.
    assert!(!joined.contains("SCAN"), "{joined}");
    let others: Vec<usize> = (0..plan.len())
        .filter(|&i| {
            let l = &plan[i];
            l.starts_with("SEARCH")
                && !l.starts_with("SEARCH s ")
                && !l.starts_with("SEARCH p ")
                && !l.starts_with("SEARCH n ")
        })
        .collect();
    assert_eq!(others.len(), 2, "{joined}");
    for i in others {
        assert!(
            plan[i].starts_with("SEARCH a ") || plan[i].starts_with("SEARCH g "),
            "{joined}"
        );
        assert!(plan[i].contains("(id=?)"), "{joined}");
        assert!(plan[i - 1].contains("SCALAR SUBQUERY"), "{joined}");
    }
}

/// The records count the session lookup reads (migration 0020) moves with
/// every insert, update and delete of the account's records, whichever code
/// writes them, and not with another account's: Today's kept rows
/// (`service::read_cache`) are only as right as this. On both databases.
#[tokio::test]
async fn the_records_count_moves_with_every_change_to_the_accounts_records() {
    async fn check(db: &TestDb) {
        let s = db.store.as_ref();
        session_of_a1(s).await;
        let count = async || {
            s.active_session(&[7; 32], 1)
                .await
                .unwrap()
                .unwrap()
                .records_gen
        };
        let start = count().await;
        let row = RecordRow {
            id: "a1-gen-1".into(),
            account_id: "a1".into(),
            kind: "gratitude".into(),
            day: Some("2026-01-01".into()),
            slot: None,
            created_at: 1,
            updated_at: 1,
            version: 1,
            sealed: vec![5; 40],
        };
        s.insert_record(&row).await.unwrap();
        let inserted = count().await;
        assert!(inserted > start, "insert: {start} -> {inserted}");
        let changed = RecordRow {
            sealed: vec![6; 40],
            version: 2,
            ..row.clone()
        };
        assert!(s.update_record(&changed, 1).await.unwrap());
        let updated = count().await;
        assert!(updated > inserted, "update: {inserted} -> {updated}");
        // Another person's records leave a1's count alone.
        s.insert_record(&RecordRow {
            id: "a2-gen-1".into(),
            account_id: "a2".into(),
            ..row.clone()
        })
        .await
        .unwrap();
        assert_eq!(count().await, updated);
        assert!(
            s.delete_record("a1", "gratitude", "a1-gen-1")
                .await
                .unwrap()
        );
        let deleted = count().await;
        assert!(deleted > updated, "delete: {updated} -> {deleted}");
        // Reading moves nothing.
        s.record("a1", "gratitude", "a1-gen-1").await.unwrap();
        assert_eq!(count().await, deleted);
    }
    check(&sqlite_with_history().await.0).await;
    if let Some((db, _pool)) = postgres_with_history().await {
        check(&db).await;
    }
}

/// The handle comes from the session's own copy (so the lookup need not read
/// `accounts`), and a session made without one, as a tend process older than
/// migration 0019 still running beside a newer one makes it, signs in with
/// the account's handle. On both databases.
#[tokio::test]
async fn sessions_sign_in_with_their_copied_handle_or_the_accounts() {
    async fn check(db: &TestDb, raw: impl AsyncFn(&str)) {
        let s = db.store.as_ref();
        session_of_a1(s).await;
        raw(
            "INSERT INTO sessions (id_hash, account_id, wrapped_key, created_at, expires_at) \
             VALUES ($1, 'a2', $1, 0, 9223372036854775807)",
        )
        .await;
        let handle = async |hash: u8| {
            s.active_session(&[hash; 32], 1)
                .await
                .unwrap()
                .unwrap()
                .handle
        };
        assert_eq!(handle(7).await, "h-a1");
        assert_eq!(handle(8).await, "h-a2");
        // Only the copy is read: were the account's handle different (it
        // never is), the session would still show the one it was made with.
        raw("UPDATE accounts SET handle = 'elsewhere' WHERE id = 'a1'").await;
        assert_eq!(handle(7).await, "h-a1");
    }
    // The same statements run on either pool: the insert binds its hash, the
    // update binds nothing.
    macro_rules! raw_on {
        ($pool:expr) => {
            async |sql: &str| {
                let q = sqlx::query(sql);
                let q = if sql.contains('$') {
                    q.bind(vec![8u8; 32])
                } else {
                    q
                };
                q.execute($pool).await.unwrap();
            }
        };
    }
    let (db, pool) = sqlite_with_history().await;
    check(&db, raw_on!(&pool)).await;
    if let Some((db, pool)) = postgres_with_history().await {
        check(&db, raw_on!(&pool)).await;
    }
}
