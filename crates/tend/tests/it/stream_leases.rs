//! A live stream's place in `live_streams` is a lease, renewed while the
//! stream runs, so the places of streams held by a process that was killed
//! lapse within a minute and their people can reconnect (the crash soak,
//! bench/crash-soak.sh, kills processes every few seconds). Both databases.

use tend::store::{AccountRow, Store};

use crate::helpers::{Backend, TestDb};

async fn leases(s: &dyn Store) {
    s.create_account(&AccountRow {
        id: "lease1".into(),
        handle: "lease_holder".into(),
        passphrase_hash: "$argon2id$dummy".into(),
        passphrase_salt: vec![1; 16],
        key_by_passphrase: vec![2; 72],
        recovery_salt: vec![3; 16],
        key_by_recovery: vec![4; 72],
        created_at: 1,
    })
    .await
    .unwrap();
    let now = 1_000;
    // Two places at most here; both taken with a 60-second lease.
    assert!(
        s.open_live_stream("s1", "lease1", now, now + 60, 2)
            .await
            .unwrap()
    );
    assert!(
        s.open_live_stream("s2", "lease1", now, now + 60, 2)
            .await
            .unwrap()
    );
    assert!(
        !s.open_live_stream("s3", "lease1", now, now + 60, 2)
            .await
            .unwrap()
    );
    // s1's stream keeps running and renews; s2's process was killed.
    s.renew_live_stream("s1", now + 50 + 60).await.unwrap();
    // Past s2's lease its place is free again, s1's still held.
    let later = now + 61;
    assert!(
        s.open_live_stream("s3", "lease1", later, later + 60, 2)
            .await
            .unwrap()
    );
    assert!(
        !s.open_live_stream("s4", "lease1", later, later + 60, 2)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn stream_places_lapse_unless_renewed_on_sqlite() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    leases(db.store.as_ref()).await;
}

#[tokio::test]
async fn stream_places_lapse_unless_renewed_on_postgres() {
    let Some(db) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    leases(db.store.as_ref()).await;
}
