//! The hot write path (issue 11), the same assertions on SQLite (one
//! `rusqlite` writer that commits queued writes together, each in its own
//! savepoint) and PostgreSQL (sqlx): a reply with its rate limit and its
//! notice is committed whole or not at all; a write that fails in a group
//! takes nobody else's writes with it; concurrent saves of one record keep
//! their versions straight.

use std::sync::Arc;

use tend::store::{
    AttemptLimit, CircleRow, NewNotice, NoticeSettingsRow, Once, RecordRow, ReplyPosted, ReplyRow,
    Store, StoreError, ThreadRow,
};

use crate::helpers::{Backend, TestDb, on_both_backends};
use crate::store_reads::{account, member};

on_both_backends!(
    a_reply_its_limit_and_its_notice_commit_together,
    a_failed_write_in_a_group_rolls_back_only_itself,
    concurrent_saves_keep_versions_straight,
);

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

fn notice(event: &str) -> NewNotice {
    NewNotice {
        event_id: event.into(),
        kind: "reply".into(),
        circle_id: "c1".into(),
        target_id: "t1".into(),
        link: "/circles/c1/threads/t1".into(),
        urgent: false,
        created_at: 10,
        note: None,
    }
}

/// Circle `c1` with members m1 (account a1) and m2 (a2), and m2's thread t1.
async fn circle_with_thread(s: &dyn Store) {
    for a in ["a1", "a2"] {
        s.create_account(&account(a)).await.unwrap();
    }
    let circle = CircleRow {
        id: "c1".into(),
        name: "Third years".into(),
        description: "d".into(),
        guidelines: "g".into(),
        created_at: 1,
    };
    s.create_circle(&circle, &member("m1", "a1", "facilitator"))
        .await
        .unwrap();
    s.add_member(&member("m2", "a2", "member")).await.unwrap();
    s.create_thread(&ThreadRow {
        id: "t1".into(),
        circle_id: "c1".into(),
        author_id: "m2".into(),
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
}

async fn a_reply_its_limit_and_its_notice_commit_together(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let s = db.store.as_ref();
    circle_with_thread(s).await;
    let limit = AttemptLimit {
        key_hash: vec![7; 32],
        now: 10,
        window: 60,
        allowed: 2,
    };
    let count = || async { s.attempts(&[7; 32], 10, 60).await.unwrap() };
    let notices = || async { s.notifications("a2", 50).await.unwrap().len() };
    let replies = || async { s.thread("c1", "t1").await.unwrap().unwrap().reply_count };

    // Posted: the reply, the thread's count, the notice and the limit's count.
    let first = s
        .post_reply(&limit, &reply("r1", "m1"), Some((&notice("e1"), "a2")))
        .await
        .unwrap();
    assert!(matches!(first, ReplyPosted::Saved { notified: true, .. }));
    assert_eq!((replies().await, notices().await), (1, 1));
    assert_eq!(count().await, Some((10, 1)));

    // A reply that fails (its id is taken) leaves nothing behind: not its
    // notice, not the thread's count, not the limit's count.
    let taken = s
        .post_reply(&limit, &reply("r1", "m1"), Some((&notice("e2"), "a2")))
        .await;
    assert!(matches!(taken, Err(StoreError::Conflict)), "{taken:?}");
    assert_eq!((replies().await, notices().await), (1, 1));
    assert_eq!(count().await, Some((10, 1)));

    // The notice's reader turned replies off: the reply goes in, no notice.
    s.set_notification_settings(&NoticeSettingsRow {
        account_id: "a2".into(),
        muted: ",reply,".into(),
        reminders: String::new(),
        email: None,
        updated_at: 10,
    })
    .await
    .unwrap();
    let muted = s
        .post_reply(&limit, &reply("r2", "m1"), Some((&notice("e3"), "a2")))
        .await
        .unwrap();
    assert!(matches!(
        muted,
        ReplyPosted::Saved {
            notified: false,
            ..
        }
    ));
    assert_eq!((replies().await, notices().await), (2, 1));

    // The allowance (2) is used up: only the attempt is counted.
    let refused = s
        .post_reply(&limit, &reply("r3", "m1"), None)
        .await
        .unwrap();
    assert_eq!(
        refused,
        ReplyPosted::SlowDown {
            window_start: 10,
            count: 3
        }
    );
    assert_eq!(replies().await, 2);
    assert!(s.reply("c1", "r3").await.unwrap().is_none());
    assert_eq!(count().await, Some((10, 3)));
}

fn record(id: &str, version: i64) -> RecordRow {
    RecordRow {
        id: id.into(),
        account_id: "a1".into(),
        kind: "checkin".into(),
        day: Some("2026-01-01".into()),
        slot: None,
        created_at: 1,
        updated_at: 1,
        version,
        sealed: vec![version as u8; 40],
    }
}

/// Many writes queued at once, some failing (a taken id). On SQLite another
/// connection holds the write lock while they are queued, so the writer
/// takes the first alone and the rest as one group when the lock is let go.
async fn a_failed_write_in_a_group_rolls_back_only_itself(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let s: Arc<dyn Store> = db.store.clone();
    s.create_account(&account("a1")).await.unwrap();
    s.insert_record(&record("taken", 1)).await.unwrap();
    let holder = if db.pg_schema().is_none() {
        let c = rusqlite::Connection::open(db.sqlite_file()).unwrap();
        c.execute_batch("BEGIN IMMEDIATE").unwrap();
        Some(c)
    } else {
        None
    };
    let mut writes = Vec::new();
    for n in 0..30 {
        let s = s.clone();
        let id = if n % 7 == 3 {
            "taken".to_owned()
        } else {
            format!("r{n}")
        };
        writes.push((
            id.clone(),
            tokio::spawn(async move { s.insert_record(&record(&id, 1)).await }),
        ));
    }
    // Let every spawned write reach the writer's queue (the test runtime has
    // one thread: the tasks run while this one yields).
    tokio::task::yield_now().await;
    if let Some(c) = holder {
        c.execute_batch("ROLLBACK").unwrap();
    }
    for (id, write) in writes {
        let out = write.await.unwrap();
        if id == "taken" {
            assert!(matches!(out, Err(StoreError::Conflict)), "{out:?}");
        } else {
            assert!(out.is_ok(), "{id}: {out:?}");
            assert!(
                s.record("a1", "checkin", &id).await.unwrap().is_some(),
                "{id} was committed"
            );
        }
    }
    assert_eq!(s.count_records("a1", "checkin").await.unwrap(), 1 + 30 - 4);
}

/// The check-in API answers 409 when `update_record` says false: of many
/// saves from one version at once exactly one lands; upserts of one slot
/// each get their own version.
async fn concurrent_saves_keep_versions_straight(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let s: Arc<dyn Store> = db.store.clone();
    s.create_account(&account("a1")).await.unwrap();
    s.insert_record(&record("c1", 1)).await.unwrap();
    let updates: Vec<_> = (0..12)
        .map(|n| {
            let s = s.clone();
            tokio::spawn(async move {
                let mut r = record("c1", 1);
                r.sealed = vec![n; 40];
                s.update_record(&r, 1).await.unwrap()
            })
        })
        .collect();
    let mut landed = 0;
    for u in updates {
        landed += usize::from(u.await.unwrap());
    }
    assert_eq!(
        landed, 1,
        "one save from version 1 lands, the rest are stale"
    );
    assert_eq!(
        s.record("a1", "checkin", "c1")
            .await
            .unwrap()
            .unwrap()
            .version,
        2
    );

    let upserts: Vec<_> = (0..12)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move {
                let mut r = record("slot", 1);
                r.slot = Some("2026-01-01".into());
                s.upsert_record(&r).await.unwrap()
            })
        })
        .collect();
    let mut versions = Vec::new();
    for u in upserts {
        versions.push(u.await.unwrap());
    }
    versions.sort_unstable();
    assert_eq!(versions, (1..=12).collect::<Vec<_>>());

    // The same race through the exactly-once path (a check-in sent from two
    // tabs with two submission keys): every first save of a new slot lands,
    // none fails, and each key is noted with the record it wrote.
    let once: Vec<_> = (0..12_u8)
        .map(|n| {
            let s = s.clone();
            tokio::spawn(async move {
                let mut r = record("slot-once", 1);
                r.slot = Some("2026-01-02".into());
                s.upsert_record_once(&r, &[n; 32], 100).await.unwrap()
            })
        })
        .collect();
    let mut versions = Vec::new();
    for u in once {
        match u.await.unwrap() {
            Once::Written(v) => versions.push(v),
            Once::Again(id) => panic!("a new key was taken as seen before ({id})"),
        }
    }
    versions.sort_unstable();
    assert_eq!(versions, (1..=12).collect::<Vec<_>>());
}
