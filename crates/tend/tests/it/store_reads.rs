//! The hot read path (issue 11), the same assertions on SQLite (direct
//! `rusqlite` reads) and PostgreSQL (sqlx): batched record reads, sealed list
//! titles, and a circle's access check with a thread page in one call. Each
//! answer is compared with what the older one-statement-per-call methods say.

use tend::store::{
    AccountRow, CircleRow, MembershipRow, RecordFilter, RecordRead, RecordRow, RecordSet, ReplyRow,
    Store, ThreadRow,
};

/// An account row for store-level tests (reply_order.rs uses it too).
pub(crate) fn account(id: &str) -> AccountRow {
    AccountRow {
        id: id.into(),
        handle: format!("h-{id}"),
        passphrase_hash: "$argon2id$dummy".into(),
        passphrase_salt: vec![1; 16],
        key_by_passphrase: vec![2; 72],
        recovery_salt: vec![3; 16],
        key_by_recovery: vec![4; 72],
        created_at: 0,
    }
}

fn record(id: &str, account: &str, kind: &str, day: &str, created: i64) -> RecordRow {
    RecordRow {
        id: id.into(),
        account_id: account.into(),
        kind: kind.into(),
        day: Some(day.into()),
        slot: None,
        created_at: created,
        updated_at: created,
        version: 1,
        sealed: vec![created as u8; 40],
    }
}

async fn batched_reads_match_single_reads(s: &dyn Store) {
    for a in ["a1", "a2"] {
        s.create_account(&account(a)).await.unwrap();
    }
    for (n, day) in ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"]
        .iter()
        .enumerate()
    {
        let n = n as i64;
        s.insert_record(&record(&format!("c{n}"), "a1", "checkin", day, n))
            .await
            .unwrap();
        s.insert_record(&record(&format!("j{n}"), "a1", "journal", day, 10 + n))
            .await
            .unwrap();
        s.insert_record(&record(&format!("x{n}"), "a2", "checkin", day, n))
            .await
            .unwrap();
    }
    let week = RecordFilter {
        day_from: Some("2026-01-02".into()),
        day_to: Some("2026-01-03".into()),
        limit: Some(7),
    };
    let newest = RecordFilter {
        limit: Some(2),
        ..RecordFilter::default()
    };
    let reads = [
        RecordRead::List {
            kind: "checkin".into(),
            filter: week.clone(),
        },
        RecordRead::One {
            kind: "journal".into(),
            id: "j1".into(),
        },
        RecordRead::One {
            kind: "checkin".into(),
            id: "j1".into(),
        },
        RecordRead::List {
            kind: "journal".into(),
            filter: newest.clone(),
        },
        RecordRead::Titles {
            kind: "journal".into(),
            filter: newest.clone(),
        },
    ];
    let mut sets = s.read_records("a1", &reads).await.unwrap().into_iter();
    let got = sets.next().unwrap().rows();
    assert_eq!(got, s.records("a1", "checkin", &week).await.unwrap());
    assert_eq!(
        got.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["c2", "c1"],
        "only a1's, inside the range, newest first"
    );
    assert_eq!(
        sets.next().unwrap().rows(),
        vec![s.record("a1", "journal", "j1").await.unwrap().unwrap()]
    );
    assert!(
        sets.next().unwrap().rows().is_empty(),
        "an id of another kind is not found"
    );
    let entries = sets.next().unwrap().rows();
    assert_eq!(entries, s.records("a1", "journal", &newest).await.unwrap());
    // No title stored yet: the list gets the body to make one from.
    let titles = sets.next().unwrap().titles();
    assert_eq!(titles.len(), 2);
    for (t, e) in titles.iter().zip(&entries) {
        assert_eq!((&t.id, t.version, &t.day), (&e.id, e.version, &e.day));
        assert_eq!(
            (t.title.as_deref(), t.sealed.as_deref()),
            (None, Some(&e.sealed[..]))
        );
    }

    // A stored title comes instead of the body, for the version it was made for.
    s.set_record_titles(
        "a1",
        "journal",
        &[("j3".into(), 1, vec![7; 30]), ("j2".into(), 5, vec![8; 30])],
    )
    .await
    .unwrap();
    let reads = [RecordRead::Titles {
        kind: "journal".into(),
        filter: newest.clone(),
    }];
    let titles = s
        .read_records("a1", &reads)
        .await
        .unwrap()
        .remove(0)
        .titles();
    assert_eq!(
        (titles[0].title.as_deref(), titles[0].sealed.as_deref()),
        (Some(&[7u8; 30][..]), None)
    );
    assert_eq!(
        titles[1].title, None,
        "a title made for another version is not stored"
    );
    // Changing the body clears the title in the same statement.
    let mut changed = record("j3", "a1", "journal", "2026-01-04", 13);
    changed.sealed = vec![9; 40];
    assert!(s.update_record(&changed, 1).await.unwrap());
    let titles = s
        .read_records("a1", &reads)
        .await
        .unwrap()
        .remove(0)
        .titles();
    assert_eq!(
        (titles[0].title.as_deref(), titles[0].sealed.as_deref()),
        (None, Some(&[9u8; 40][..]))
    );
    // Someone else's account sees none of it.
    let none = s.read_records("a2", &reads).await.unwrap();
    assert!(matches!(&none[..], [RecordSet::Titles(t)] if t.is_empty()));
    assert!(s.read_records("a1", &[]).await.unwrap().is_empty());
}

/// A membership of circle `c1` (suspended until 99, which the reads ignore).
pub(crate) fn member(id: &str, account: &str, role: &str) -> MembershipRow {
    MembershipRow {
        id: id.into(),
        circle_id: "c1".into(),
        account_id: account.into(),
        role: role.into(),
        pseudonym: format!("Name {id}"),
        joined_at: 1,
        suspended_until: Some(99),
    }
}

async fn thread_page_in_one_call(s: &dyn Store) {
    for a in ["a1", "a2", "a3"] {
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
    s.grant_server_role("a3", "admin").await.unwrap();
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
    for n in 0..5 {
        s.create_reply(&ReplyRow {
            id: format!("r{n}"),
            thread_id: "t1".into(),
            circle_id: "c1".into(),
            author_id: if n % 2 == 0 { "m1" } else { "m2" }.into(),
            body: format!("reply {n}"),
            status: "visible".into(),
            urgent: 0,
            created_at: 10 + n,
        })
        .await
        .unwrap();
    }

    // A member: their membership, not an admin.
    let a = s.circle_access("c1", "a2", "admin").await.unwrap().unwrap();
    assert_eq!(a.circle, circle);
    assert_eq!(a.me, s.membership("c1", "a2").await.unwrap());
    assert!(!a.admin);
    // An admin who is not a member; someone who is neither; no such circle.
    let a = s.circle_access("c1", "a3", "admin").await.unwrap().unwrap();
    assert_eq!((a.me, a.admin), (None, true));
    let a = s.circle_access("c1", "a9", "admin").await.unwrap().unwrap();
    assert_eq!((a.me, a.admin), (None, false));
    assert!(
        s.circle_access("nope", "a2", "admin")
            .await
            .unwrap()
            .is_none()
    );

    // The thread page: the same thread and replies as the separate reads.
    let page = s
        .thread_page("c1", "a2", "admin", "t1", 0, 3)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(page.access.me, s.membership("c1", "a2").await.unwrap());
    assert_eq!(page.thread, s.thread("c1", "t1").await.unwrap());
    assert_eq!(
        page.replies.to_views(),
        s.replies("t1", 0, 3).await.unwrap()
    );
    assert_eq!(page.replies.len(), 3);
    let after = page.replies.get(2).unwrap().seq;
    let rest = s
        .thread_page("c1", "a2", "admin", "t1", after, 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        rest.replies.to_views(),
        s.replies("t1", after, 10).await.unwrap()
    );
    assert_eq!(rest.replies.len(), 2);
    // The author's name and account as the circle sees them, also after
    // the author left (the thread keeps its place, nameless).
    assert_eq!(
        page.thread.as_ref().unwrap().author_name.as_deref(),
        Some("Name m2")
    );
    assert!(s.leave_circle("c1", "a2").await.unwrap());
    let gone = s
        .thread_page("c1", "a1", "admin", "t1", 0, 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(gone.thread, s.thread("c1", "t1").await.unwrap());
    assert_eq!(
        gone.replies.to_views(),
        s.replies("t1", 0, 10).await.unwrap()
    );
    assert_eq!(gone.thread.unwrap().author_account, None);
    // A thread of another circle, or none, is not there; the access still is.
    let missing = s
        .thread_page("c1", "a1", "admin", "t-none", 0, 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((missing.thread, missing.replies.len()), (None, 0));
    assert!(missing.access.me.is_some());
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = crate::helpers::TestDb::new(crate::helpers::Backend::Sqlite).await.unwrap();
                    super::$name(db.store.as_ref()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(db) = crate::helpers::TestDb::new(crate::helpers::Backend::Postgres).await else { return };
                    super::$name(db.store.as_ref()).await;
                }
            )*
        }
    };
}

both!(batched_reads_match_single_reads, thread_page_in_one_call);

/// The journal list and Today show titles from the small sealed title field;
/// entries written before it existed (or whose title failed to save) get
/// theirs the first time their owner lists them.
async fn journal_titles(backend: crate::helpers::Backend) {
    use crate::helpers::{TestApp, csrf_of, sign_up_in_browser};
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let b = app.browser();
    sign_up_in_browser(&app, &b, "titles", "a long enough passphrase here").await;
    let get = |path: &str| {
        let (b, url) = (b.clone(), app.url(path));
        async move { b.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let csrf = csrf_of(&get("/today").await);
    for (title, body) in [
        ("Night shift", "Long night."),
        ("", "First line here\nmore"),
    ] {
        let res = b
            .post(app.url("/journal/new"))
            .form(&[("csrf", csrf.as_str()), ("title", title), ("body", body)])
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success() || res.status().is_redirection());
    }
    let store = app.db.store.clone();
    let id = store.account_by_handle("titles").await.unwrap().unwrap().id;
    let newest = RecordFilter {
        limit: Some(10),
        ..RecordFilter::default()
    };
    let titles = || {
        let (store, id, filter) = (store.clone(), id.clone(), newest.clone());
        async move {
            let reads = [RecordRead::Titles {
                kind: "journal".into(),
                filter,
            }];
            store
                .read_records(&id, &reads)
                .await
                .unwrap()
                .remove(0)
                .titles()
        }
    };
    let stored = titles().await;
    assert_eq!(stored.len(), 2);
    assert!(
        stored
            .iter()
            .all(|t| t.title.is_some() && t.sealed.is_none()),
        "titles are sealed beside new entries, and the list gets no bodies"
    );
    let title = stored[0].title.clone().unwrap();
    assert!(
        !title.windows(5).any(|w| w == b"First"),
        "the title is sealed, not stored in the clear"
    );
    // Clear both titles the way a body change does (the same sealed body,
    // one version on), as for entries written before titles were stored.
    for t in &stored {
        let row = store.record(&id, "journal", &t.id).await.unwrap().unwrap();
        assert!(store.update_record(&row, row.version).await.unwrap());
    }
    assert!(titles().await.iter().all(|t| t.title.is_none()));
    for path in ["/journal", "/today"] {
        let html = get(path).await;
        assert!(html.contains("Night shift"), "{path}");
        assert!(html.contains("First line here"), "{path}");
    }
    assert!(
        titles().await.iter().all(|t| t.title.is_some()),
        "listing filled the missing titles"
    );
    assert!(get("/journal").await.contains("Night shift"));
}

#[tokio::test]
async fn journal_titles_on_sqlite() {
    journal_titles(crate::helpers::Backend::Sqlite).await;
}

#[tokio::test]
async fn journal_titles_on_postgres() {
    journal_titles(crate::helpers::Backend::Postgres).await;
}

/// SQLite runs bounded reads on the async worker and the rest in the
/// blocking pool (`SqliteReads`, docs/benchmarks.md "Reads on the async
/// worker"); `TEND_SQLITE_READS=blocking` sends every read to the pool. The
/// choice must never change an answer: the same reads through a store in
/// each mode, on one file, agree, and only reads with a small row limit run
/// on the worker.
#[tokio::test]
async fn sqlite_read_modes_agree() {
    use tend::store::{SqliteReads, SqliteStore};
    let db = crate::helpers::TestDb::new(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let s = db.store.as_ref();
    s.create_account(&account("a1")).await.unwrap();
    for n in 0..30i64 {
        let day = format!("2026-01-{:02}", n + 1);
        s.insert_record(&record(&format!("c{n}"), "a1", "checkin", &day, n))
            .await
            .unwrap();
    }
    let list = |limit: Option<i64>| RecordRead::List {
        kind: "checkin".into(),
        filter: RecordFilter {
            limit,
            ..RecordFilter::default()
        },
    };
    let one = RecordRead::One {
        kind: "checkin".into(),
        id: "c3".into(),
    };
    let bounded = [list(Some(7)), one.clone()];
    let open = [list(None), one];

    assert!(SqliteReads::Bounded.inline_records(&bounded));
    assert!(
        !SqliteReads::Bounded.inline_records(&open),
        "a read without a limit goes to the blocking pool"
    );
    assert!(
        !SqliteReads::Bounded.inline_records(&[list(Some(100_000))]),
        "a very large limit goes to the blocking pool"
    );
    assert!(!SqliteReads::Blocking.inline_records(&bounded));

    let url = format!("sqlite://{}", db.sqlite_file().display());
    let pooled = SqliteStore::connect_with_reads(&url, SqliteReads::Blocking)
        .await
        .unwrap();
    for reads in [&bounded[..], &open[..]] {
        let inline = s.read_records("a1", reads).await.unwrap();
        let blocking = pooled.read_records("a1", reads).await.unwrap();
        let ids = |sets: Vec<RecordSet>| -> Vec<Vec<String>> {
            sets.into_iter()
                .map(|set| set.rows().into_iter().map(|r| r.id).collect())
                .collect()
        };
        let (inline, blocking) = (ids(inline), ids(blocking));
        assert_eq!(inline, blocking);
        assert_eq!(inline[1], ["c3"]);
    }
    let all = ids_len(s.read_records("a1", &open).await.unwrap());
    assert_eq!(all, 30, "the unbounded read returns every row");
}

fn ids_len(sets: Vec<RecordSet>) -> usize {
    sets.into_iter().next().map_or(0, |s| s.rows().len())
}
