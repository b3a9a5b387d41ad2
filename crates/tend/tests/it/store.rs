//! The storage conformance story: the same assertions on SQLite and PostgreSQL.

use tend::store::{AccountRow, RecordFilter, RecordRow, SessionRow, Store, StoreError};

use crate::helpers::{Backend, TestDb};

fn account(id: &str, handle: &str) -> AccountRow {
    AccountRow {
        id: id.into(),
        handle: handle.into(),
        passphrase_hash: "$argon2id$dummy".into(),
        passphrase_salt: vec![1; 16],
        key_by_passphrase: vec![2; 72],
        recovery_salt: vec![3; 16],
        key_by_recovery: vec![4; 72],
        created_at: 1_700_000_000,
    }
}

fn record(
    id: &str,
    account: &str,
    kind: &str,
    day: &str,
    slot: Option<&str>,
    created: i64,
) -> RecordRow {
    RecordRow {
        id: id.into(),
        account_id: account.into(),
        kind: kind.into(),
        day: Some(day.into()),
        slot: slot.map(Into::into),
        created_at: created,
        updated_at: created,
        version: 1,
        sealed: vec![0xAB; 40],
    }
}

async fn accounts_and_sessions(s: &dyn Store) {
    s.create_account(&account("a1", "sam")).await.unwrap();
    assert!(matches!(
        s.create_account(&account("a2", "sam")).await,
        Err(StoreError::Conflict)
    ));
    s.create_account(&account("a2", "kim")).await.unwrap();
    assert_eq!(s.account_by_handle("sam").await.unwrap().unwrap().id, "a1");
    assert!(s.account_by_handle("nobody").await.unwrap().is_none());

    let mut changed = account("a1", "sam");
    changed.passphrase_hash = "$argon2id$new".into();
    assert!(s.update_account_keys(&changed).await.unwrap());
    assert_eq!(
        s.account_by_id("a1")
            .await
            .unwrap()
            .unwrap()
            .passphrase_hash,
        "$argon2id$new"
    );

    for (hash, exp) in [
        (vec![1u8; 32], 2_000),
        (vec![2u8; 32], 2_000),
        (vec![3u8; 32], 1_000),
    ] {
        s.create_session(&SessionRow {
            id_hash: hash,
            account_id: "a1".into(),
            wrapped_key: vec![9; 72],
            created_at: 0,
            expires_at: exp,
        })
        .await
        .unwrap();
    }
    let live = s.active_session(&[1u8; 32], 1_500).await.unwrap().unwrap();
    assert_eq!(
        (live.account_id.as_str(), live.handle.as_str()),
        ("a1", "sam")
    );
    assert!(live.profile_sealed.is_none(), "no profile saved yet");
    s.upsert_record(&record(
        "p1",
        "a1",
        "profile",
        "2026-01-01",
        Some("profile"),
        1,
    ))
    .await
    .unwrap();
    let live = s.active_session(&[1u8; 32], 1_500).await.unwrap().unwrap();
    assert_eq!(
        live.profile_id.as_deref(),
        Some("p1"),
        "the profile comes with the session"
    );
    assert_eq!(live.profile_sealed, Some(vec![0xAB; 40]));
    assert!(
        s.active_session(&[3u8; 32], 1_500).await.unwrap().is_none(),
        "expired session must not count"
    );
    assert_eq!(s.purge_expired_sessions(1_500).await.unwrap(), 1);
    assert_eq!(
        s.delete_sessions_of("a1", Some(&[1u8; 32])).await.unwrap(),
        1
    );
    assert!(s.active_session(&[1u8; 32], 1_500).await.unwrap().is_some());
    assert!(s.active_session(&[2u8; 32], 1_500).await.unwrap().is_none());
    s.delete_session(&[1u8; 32]).await.unwrap();
    assert!(s.active_session(&[1u8; 32], 1_500).await.unwrap().is_none());
}

async fn records(s: &dyn Store) {
    s.create_account(&account("a1", "sam")).await.unwrap();
    s.create_account(&account("a2", "kim")).await.unwrap();
    for (i, day) in ["2026-03-01", "2026-03-02", "2026-03-03"]
        .iter()
        .enumerate()
    {
        s.insert_record(&record(
            &format!("j{i}"),
            "a1",
            "journal",
            day,
            None,
            i as i64,
        ))
        .await
        .unwrap();
    }
    s.insert_record(&record("k1", "a2", "journal", "2026-03-02", None, 5))
        .await
        .unwrap();
    assert!(matches!(
        s.insert_record(&record("j0", "a2", "journal", "2026-03-02", None, 5))
            .await,
        Err(StoreError::Conflict)
    ));

    let all = s
        .records("a1", "journal", &RecordFilter::default())
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["j2", "j1", "j0"],
        "newest day first"
    );
    let window = RecordFilter {
        day_from: Some("2026-03-02".into()),
        day_to: Some("2026-03-02".into()),
        limit: None,
    };
    assert_eq!(s.records("a1", "journal", &window).await.unwrap().len(), 1);
    let limited = RecordFilter {
        limit: Some(2),
        ..RecordFilter::default()
    };
    assert_eq!(s.records("a1", "journal", &limited).await.unwrap().len(), 2);
    assert_eq!(s.count_records("a1", "journal").await.unwrap(), 3);

    // Another account's record is invisible, cannot be changed or deleted.
    assert!(s.record("a1", "journal", "k1").await.unwrap().is_none());
    assert!(
        s.record("a2", "checkin", "k1").await.unwrap().is_none(),
        "kind is part of the key"
    );
    assert!(!s.delete_record("a1", "journal", "k1").await.unwrap());
    let mut hijack = record("k1", "a1", "journal", "2026-03-02", None, 5);
    assert!(!s.update_record(&hijack, 1).await.unwrap());

    // Optimistic concurrency: the second writer with the old version loses.
    hijack.account_id = "a2".into();
    hijack.sealed = vec![1, 2, 3];
    assert!(s.update_record(&hijack, 1).await.unwrap());
    assert!(!s.update_record(&hijack, 1).await.unwrap());
    let now = s.record("a2", "journal", "k1").await.unwrap().unwrap();
    assert_eq!((now.version, now.sealed), (2, vec![1, 2, 3]));

    // Slot records replace themselves and count versions.
    let slot = record("c1", "a1", "checkin", "2026-03-03", Some("2026-03-03"), 10);
    assert_eq!(s.upsert_record(&slot).await.unwrap(), 1);
    assert_eq!(s.upsert_record(&slot).await.unwrap(), 2);
    assert_eq!(s.count_records("a1", "checkin").await.unwrap(), 1);
    // ...but never across accounts.
    let foreign = record("c1", "a2", "checkin", "2026-03-03", Some("x"), 10);
    assert!(matches!(
        s.upsert_record(&foreign).await,
        Err(StoreError::Conflict)
    ));

    assert!(s.delete_record("a1", "journal", "j0").await.unwrap());
    assert_eq!(s.count_records("a1", "journal").await.unwrap(), 2);
}

async fn delete_account_removes_everything(s: &dyn Store) {
    s.create_account(&account("a1", "sam")).await.unwrap();
    s.create_account(&account("a2", "kim")).await.unwrap();
    s.insert_record(&record("r1", "a1", "journal", "2026-01-01", None, 1))
        .await
        .unwrap();
    s.insert_record(&record("r2", "a2", "journal", "2026-01-01", None, 1))
        .await
        .unwrap();
    s.create_session(&SessionRow {
        id_hash: vec![7; 32],
        account_id: "a1".into(),
        wrapped_key: vec![1; 72],
        created_at: 0,
        expires_at: 10,
    })
    .await
    .unwrap();
    assert!(s.delete_account("a1").await.unwrap());
    assert!(s.account_by_handle("sam").await.unwrap().is_none());
    assert_eq!(s.count_records("a1", "journal").await.unwrap(), 0);
    assert!(s.active_session(&[7; 32], 0).await.unwrap().is_none());
    assert_eq!(
        s.count_records("a2", "journal").await.unwrap(),
        1,
        "others keep their data"
    );
    // The handle is free again.
    s.create_account(&account("a3", "sam")).await.unwrap();
    assert!(!s.delete_account("a1").await.unwrap());
}

macro_rules! conformance {
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

conformance!(
    accounts_and_sessions,
    records,
    delete_account_removes_everything
);

#[tokio::test]
async fn sqlite_runs_in_wal_mode_and_migrations_are_idempotent() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let url = format!("sqlite://{}", db.sqlite_file().display());
    // Connecting again re-runs the embedded migrations: nothing to do, no error.
    tend::store::SqliteStore::connect(&url).await.unwrap();
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
}
