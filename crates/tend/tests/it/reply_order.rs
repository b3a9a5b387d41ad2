//! Replies to one thread become visible in `seq` order, even when two
//! processes post at once (PostgreSQL). A live viewer resumes after the last
//! `seq` it saw, so a reply that commits with a smaller `seq` than one already
//! visible is never delivered to it: the bug the crash soak found
//! (`docs/benchmarks.md`, "Crash soak").
//!
//! The interleaving that lost a reply is forced with locks, not timing:
//!
//! 1. A third connection ("the holder") inserts, in a transaction it keeps
//!    open, a row with the id reply A will use. A's insert must then wait for
//!    the holder to finish, to know whether the id is taken: A stops *inside*
//!    its insert, after the row's `seq` default was drawn.
//! 2. Reply B is posted through a second store (another process's pool).
//!    Before the fix, B drew a larger `seq`, took the thread's row lock that
//!    A had not reached yet, and committed: B visible, A (smaller `seq`)
//!    still to come. With the fix, A took the thread's row lock before its
//!    `seq`, so B waits behind A.
//! 3. A viewer reads what is visible now, then resumes after the last `seq`
//!    it saw once the holder rolls back and both replies are in. Together
//!    the two reads must hold both replies.
//!
//! Each step waits for a state PostgreSQL reports (`pg_blocking_pids`), with a
//! generous bound only so a broken build fails instead of hanging. Skipped
//! unless `TEND_TEST_POSTGRES_URL` is set.

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tend::store::{CircleRow, MembershipRow, PostgresStore, ReplyRow, Store, ThreadRow};

use crate::helpers::{Backend, TestDb};
use crate::store_reads::account;

/// Only a guard against hanging: every wait below ends as soon as
/// PostgreSQL reports the state it waits for.
const GUARD: Duration = Duration::from_secs(120);

/// A plain membership of circle `c1`: the store-read fixture, not suspended.
fn member(id: &str, account: &str, role: &str) -> MembershipRow {
    MembershipRow {
        suspended_until: None,
        ..crate::store_reads::member(id, account, role)
    }
}

fn reply(id: &str, author: &str) -> ReplyRow {
    ReplyRow {
        id: id.into(),
        thread_id: "t1".into(),
        circle_id: "c1".into(),
        author_id: author.into(),
        body: format!("words of {id}"),
        status: "visible".into(),
        urgent: 0,
        created_at: 10,
    }
}

/// Waits until a backend is blocked by `blocker` and returns its pid, or
/// returns `None` as soon as `done()` says there is nothing to wait for.
async fn blocked_by(
    admin: &sqlx::PgPool,
    blocker: i32,
    mut done: impl FnMut() -> bool,
) -> Option<i32> {
    let start = Instant::now();
    loop {
        let pid: Option<(i32,)> = sqlx::query_as(
            "SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid)) LIMIT 1",
        )
        .bind(blocker)
        .fetch_optional(admin)
        .await
        .unwrap();
        if let Some((pid,)) = pid {
            return Some(pid);
        }
        if done() {
            return None;
        }
        assert!(start.elapsed() < GUARD, "nothing was blocked by {blocker}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn replies_posted_at_once_through_two_processes_become_visible_in_seq_order() {
    let Some(db) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let (url, schema) = db.postgres_schema().unwrap();
    let first = db.store.clone();
    // A second process: its own pool on the same database.
    let second: Arc<dyn Store> = Arc::new(PostgresStore::connect(url, Some(schema)).await.unwrap());

    for a in ["a1", "a2", "a3"] {
        first.create_account(&account(a)).await.unwrap();
    }
    let circle = CircleRow {
        id: "c1".into(),
        name: "Third years".into(),
        description: "d".into(),
        guidelines: "g".into(),
        created_at: 1,
    };
    first
        .create_circle(&circle, &member("m1", "a1", "facilitator"))
        .await
        .unwrap();
    first
        .add_member(&member("m2", "a2", "member"))
        .await
        .unwrap();
    first
        .add_member(&member("m3", "a3", "member"))
        .await
        .unwrap();
    first
        .create_thread(&ThreadRow {
            id: "t1".into(),
            circle_id: "c1".into(),
            author_id: "m1".into(),
            title: "Rough week".into(),
            body: "b".into(),
            status: "visible".into(),
            urgent: 0,
            locked: 0,
            reply_count: 0,
            created_at: 5,
            last_activity: 5,
        })
        .await
        .unwrap();
    first.create_reply(&reply("r0", "m1")).await.unwrap();
    let before = first.replies("t1", 0, 100).await.unwrap();
    let viewer_at = before.last().unwrap().seq;

    // Plain connections: the holder, and one to watch the locks.
    let options = PgConnectOptions::from_str(url)
        .unwrap()
        .options([("search_path", schema)]);
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await
        .unwrap();
    let mut holder = pool.begin().await.unwrap();
    let (holder_pid,): (i32,) = sqlx::query_as("SELECT pg_backend_pid()")
        .fetch_one(&mut *holder)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO replies (id, thread_id, circle_id, author_id, body, status, urgent, created_at) \
         VALUES ('rA', 't1', 'c1', 'm3', 'placeholder', 'visible', 0, 1)",
    )
    .execute(&mut *holder)
    .await
    .unwrap();

    // Reply A, through the first process: stops inside its insert.
    let a = tokio::spawn({
        let first = first.clone();
        async move { first.create_reply(&reply("rA", "m2")).await }
    });
    let a_pid = blocked_by(&pool, holder_pid, || false).await.unwrap();

    // Reply B, through the second process: either it finishes (the bug) or
    // it waits behind A (the fix). Both are states to wait for, not times.
    let b = tokio::spawn(async move { second.create_reply(&reply("rB", "m3")).await });
    let b_waits = blocked_by(&pool, a_pid, || b.is_finished()).await.is_some();

    // A viewer reads now, while A is still held up.
    let seen_now = first.replies("t1", viewer_at, 100).await.unwrap();

    holder.rollback().await.unwrap();
    let seq_a = a.await.unwrap().unwrap();
    let seq_b = b.await.unwrap().unwrap();
    assert!(seq_a < seq_b, "A drew its seq first ({seq_a}, {seq_b})");

    // The viewer resumes after the last seq it saw, as Last-Event-ID does.
    let resume_at = seen_now.last().map_or(viewer_at, |r| r.seq);
    let seen_later = first.replies("t1", resume_at, 100).await.unwrap();
    let seen: Vec<&str> = seen_now
        .iter()
        .chain(&seen_later)
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(
        seen,
        ["rA", "rB"],
        "the viewer saw {seen:?} (B waited behind A: {b_waits}); \
         a reply committed after one with a larger seq is never delivered"
    );
    assert!(
        b_waits,
        "B committed while A, with a smaller seq, was pending"
    );

    // Both processes agree on the thread as a whole.
    let all: Vec<String> = first
        .replies("t1", 0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(all, ["r0", "rA", "rB"]);
    pool.close().await;
}
