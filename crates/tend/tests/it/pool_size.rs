//! `--db-pool-size` and `--worker-threads` (issue 18): the flags parse, a bad
//! value stops `tend serve` with a plain message, and a process given a pool
//! of N holds at most N PostgreSQL connections however many requests wait.

use std::process::Command;
use std::str::FromStr;
use std::time::Duration;

use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPool};

use crate::cluster::{Database, Process, browser, sign_up};
use crate::helpers::postgres_url;

const TEND: &str = env!("CARGO_BIN_EXE_tend");

/// `tend serve` with these flags and environment, expected to refuse them:
/// its error output.
fn refused(flags: &[&str], env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(TEND)
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .args(flags)
        .envs(env.iter().copied())
        .env("TEND_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success(), "{flags:?} {env:?} should be refused");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn bad_pool_sizes_and_thread_counts_are_refused_with_a_plain_message() {
    let pool = "the pool size must be a whole number from 2 to 256";
    for bad in ["0", "1", "257", "-1", "lots", ""] {
        let err = refused(&[&format!("--db-pool-size={bad}")], &[]);
        assert!(err.contains(pool), "--db-pool-size {bad:?}: {err}");
    }
    let err = refused(&[], &[("TEND_DB_POOL_SIZE", "1000")]);
    assert!(err.contains(pool), "{err}");

    let threads = "the number of worker threads must be a whole number from 1 to 256";
    for bad in ["0", "257", "two"] {
        let err = refused(&[&format!("--worker-threads={bad}")], &[]);
        assert!(err.contains(threads), "--worker-threads {bad:?}: {err}");
    }
    let err = refused(&[], &[("TEND_WORKER_THREADS", "0")]);
    assert!(err.contains(threads), "{err}");
}

/// Good values start the server (on SQLite the pool size is accepted and not
/// used: SQLite keeps its own pool).
#[tokio::test]
async fn good_pool_sizes_and_thread_counts_serve() {
    let p = Process::start_with(None, &["--db-pool-size", "2", "--worker-threads", "1"]);
    let res = reqwest::get(p.url("/healthz")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

/// Every request that reads a session is made to wait (the test holds the
/// sessions table locked), so each holds a pooled connection while it waits
/// and the pool grows as far as it may: to exactly 3 with `--db-pool-size 3`,
/// though 12 requests wait. The requests then all finish once the lock goes.
#[tokio::test]
async fn a_process_holds_no_more_postgres_connections_than_its_pool_size() {
    let Some(admin) = postgres_url() else { return };
    let db = Database::create(admin).await;
    let p = Process::start_with(
        Some(&db.url),
        &["--db-pool-size", "3", "--worker-threads", "2"],
    );
    let b = browser();
    sign_up(&p, &b, "poolsam").await;

    let watcher = PgPool::connect_with(PgConnectOptions::from_str(&db.url).unwrap())
        .await
        .unwrap();
    let count = |waiting: bool| {
        let watcher = watcher.clone();
        async move {
            let sql = if waiting {
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND application_name = 'tend' AND wait_event_type = 'Lock'"
            } else {
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND application_name = 'tend'"
            };
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&watcher)
                .await
                .unwrap()
        }
    };

    let mut lock = watcher.begin().await.unwrap();
    sqlx::query("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let requests: Vec<_> = (0..12)
        .map(|_| {
            let b = b.clone();
            let url = p.url("/today");
            tokio::spawn(async move { b.get(url).send().await.unwrap().status() })
        })
        .collect();
    // Wait (bounded) until the pool is full of waiting requests, then give a
    // pool that ignored its size a moment to grow past it.
    let mut waiting = 0;
    for _ in 0..300 {
        waiting = count(true).await;
        if waiting >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        waiting, 3,
        "requests waiting on the lock, each on a connection"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(count(true).await, 3);
    assert_eq!(count(false).await, 3, "tend's connections in all");

    lock.commit().await.unwrap();
    for r in requests {
        let status = r.await.unwrap();
        assert!(status.is_success() || status.is_redirection(), "{status}");
    }
    assert!(count(false).await <= 3);
    watcher.close().await;
}
