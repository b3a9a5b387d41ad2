//! The storage conformance story: the same assertions on SQLite and PostgreSQL.

use tend::store::{
    AccountRow, CircleRow, InviteRow, JoinOutcome, MeetingRow, MembershipRow, ModChange, ModLogRow,
    NewNotice, NoticeSettingsRow, RecordFilter, RecordRow, ReplyRow, ReportRow, SessionRow, Store,
    StoreError, ThreadRow,
};

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

/// Records with no day (a profile, a safety plan) store `''` on both
/// databases since migration 0018; callers must still see `None`, ranges
/// must leave them out, and "newest day first" must put them last on both.
async fn records_without_a_day(s: &dyn Store) {
    s.create_account(&account("a1", "sam")).await.unwrap();
    let mut plan = record("plan", "a1", "note", "", Some("plan"), 1);
    plan.day = None;
    assert_eq!(s.upsert_record(&plan).await.unwrap(), 1);
    for (i, day) in ["2026-03-01", "2026-03-02"].iter().enumerate() {
        let r = record(&format!("n{i}"), "a1", "note", day, None, 10 + i as i64);
        s.insert_record(&r).await.unwrap();
    }

    let got = s.record("a1", "note", "plan").await.unwrap().unwrap();
    assert_eq!(got.day, None, "read back as no day");
    let all = s
        .records("a1", "note", &RecordFilter::default())
        .await
        .unwrap();
    assert_eq!(
        all.iter()
            .map(|r| (r.id.as_str(), r.day.as_deref()))
            .collect::<Vec<_>>(),
        [
            ("n1", Some("2026-03-02")),
            ("n0", Some("2026-03-01")),
            ("plan", None)
        ],
        "dated records newest first, the day-less one last"
    );
    let exported = s.account_records("a1").await.unwrap();
    assert!(
        exported.iter().any(|r| r.id == "plan" && r.day.is_none()),
        "the export says no day too"
    );

    // A range, even one with only an upper bound, holds dated records only.
    for filter in [
        RecordFilter {
            day_to: Some("2026-03-01".into()),
            ..RecordFilter::default()
        },
        RecordFilter {
            day_from: Some("2000-01-01".into()),
            ..RecordFilter::default()
        },
    ] {
        let ids: Vec<String> = s
            .records("a1", "note", &filter)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert!(!ids.contains(&"plan".to_owned()), "{filter:?} gave {ids:?}");
    }

    // The slot saves again in place...
    assert_eq!(s.upsert_record(&plan).await.unwrap(), 2);
    // ...but a slot fixes its day: another day is refused, and nothing changes.
    let mut moved = plan.clone();
    moved.day = Some("2026-03-05".into());
    moved.sealed = vec![9];
    assert!(matches!(
        s.upsert_record(&moved).await,
        Err(StoreError::Conflict)
    ));
    let kept = s.record("a1", "note", "plan").await.unwrap().unwrap();
    assert_eq!(
        (kept.version, kept.day, kept.sealed),
        (2, None, plan.sealed)
    );

    // An edit may move a record to another day, or to none, and back.
    let mut edit = s.record("a1", "note", "n0").await.unwrap().unwrap();
    edit.day = None;
    assert!(s.update_record(&edit, 1).await.unwrap());
    assert_eq!(
        s.record("a1", "note", "n0").await.unwrap().unwrap().day,
        None
    );
    edit.day = Some("2026-03-09".into());
    assert!(s.update_record(&edit, 2).await.unwrap());
    let first = s
        .records("a1", "note", &RecordFilter::default())
        .await
        .unwrap();
    assert_eq!(first[0].id, "n0", "moved to the newest day");
    assert_eq!(s.count_records("a1", "note").await.unwrap(), 3);
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

fn member(id: &str, circle: &str, account: &str, role: &str, name: &str) -> MembershipRow {
    MembershipRow {
        id: id.into(),
        circle_id: circle.into(),
        account_id: account.into(),
        role: role.into(),
        pseudonym: name.into(),
        joined_at: 10,
        suspended_until: None,
    }
}

fn thread(id: &str, author: &str, title: &str) -> ThreadRow {
    ThreadRow {
        id: id.into(),
        circle_id: "c1".into(),
        author_id: author.into(),
        title: title.into(),
        body: "Words".into(),
        status: "visible".into(),
        urgent: 0,
        locked: 0,
        reply_count: 0,
        created_at: 100,
        last_activity: 100,
    }
}

fn log_line(id: &str, action: &str, target: &str) -> ModLogRow {
    ModLogRow {
        id: id.into(),
        circle_id: "c1".into(),
        actor: "Calm Heron (moderator)".into(),
        action: action.into(),
        target_kind: "thread".into(),
        target_id: target.into(),
        reason: "Checked".into(),
        created_at: 500,
    }
}

/// Accounts with these ids and handles, and circle "c1" (returned) with the
/// first as its facilitator, member "m1".
async fn night_shift(s: &dyn Store, accounts: &[(&str, &str)]) -> CircleRow {
    for (id, h) in accounts {
        s.create_account(&account(id, h)).await.unwrap();
    }
    let circle = CircleRow {
        id: "c1".into(),
        name: "Night shift".into(),
        description: String::new(),
        guidelines: "Be kind.".into(),
        created_at: 1,
    };
    let (first, _) = accounts[0];
    s.create_circle(
        &circle,
        &member("m1", "c1", first, "facilitator", "Calm Heron"),
    )
    .await
    .unwrap();
    circle
}

/// Circles, invites, threads, replies, reports and moderation: the shared
/// (not encrypted) half of the store.
async fn community(s: &dyn Store) {
    let circle = night_shift(s, &[("a1", "sam"), ("a2", "kim"), ("a3", "lee")]).await;
    assert_eq!(s.circle("c1").await.unwrap(), Some(circle));
    assert!(!s.has_server_role("a1", "admin").await.unwrap());
    s.grant_server_role("a1", "admin").await.unwrap();
    s.grant_server_role("a1", "admin").await.unwrap();
    assert!(s.has_server_role("a1", "admin").await.unwrap());
    assert!(s.revoke_server_role("a1", "admin").await.unwrap());
    assert!(!s.revoke_server_role("a1", "admin").await.unwrap());

    // Invites: one use left, then used up; the same person twice is one member.
    s.create_invite(&InviteRow {
        code: "ABCD".into(),
        circle_id: "c1".into(),
        created_at: 1,
        expires_at: Some(1_000),
        max_uses: Some(1),
        uses: 0,
        revoked_at: None,
    })
    .await
    .unwrap();
    let kim = member("m2", "", "a2", "member", "Quiet Fox");
    assert_eq!(
        s.join_with_invite("ABCD", &kim, 50).await.unwrap(),
        (JoinOutcome::Joined, Some("c1".into()))
    );
    assert_eq!(
        s.join_with_invite("ABCD", &kim, 50).await.unwrap().0,
        JoinOutcome::AlreadyMember
    );
    let lee = member("m3", "", "a3", "member", "Quiet Fox");
    assert_eq!(
        s.join_with_invite("ABCD", &lee, 50).await.unwrap().0,
        JoinOutcome::UsedUp
    );
    assert_eq!(
        s.join_with_invite("NOPE", &lee, 50).await.unwrap().0,
        JoinOutcome::Unknown
    );
    s.create_invite(&InviteRow {
        code: "EFGH".into(),
        circle_id: "c1".into(),
        created_at: 1,
        expires_at: None,
        max_uses: None,
        uses: 0,
        revoked_at: None,
    })
    .await
    .unwrap();
    // A clashing pseudonym undoes the use, so a retry can still get in.
    assert_eq!(
        s.join_with_invite("EFGH", &lee, 50).await.unwrap().0,
        JoinOutcome::PseudonymTaken
    );
    let lee = member("m3", "", "a3", "member", "Bright Owl");
    assert_eq!(
        s.join_with_invite("EFGH", &lee, 50).await.unwrap().0,
        JoinOutcome::Joined
    );
    assert!(s.revoke_invite("c1", "EFGH", 60).await.unwrap());
    assert_eq!(
        s.join_with_invite("EFGH", &member("m4", "", "a1", "member", "X"), 70)
            .await
            .unwrap()
            .0,
        JoinOutcome::AlreadyMember
    );
    let codes: Vec<(String, i64)> = s
        .invites("c1")
        .await
        .unwrap()
        .into_iter()
        .map(|i| (i.code, i.uses))
        .collect();
    assert!(codes.contains(&("EFGH".into(), 1)) && codes.contains(&("ABCD".into(), 1)));
    assert!(s.set_member_role("c1", "a3", "moderator").await.unwrap());
    let mine = s.circles_of("a3").await.unwrap();
    assert_eq!(
        (
            mine.len(),
            mine[0].role.as_str(),
            mine[0].pseudonym.as_str()
        ),
        (1, "moderator", "Bright Owl")
    );

    s.create_meeting(&MeetingRow {
        id: "g1".into(),
        circle_id: "c1".into(),
        title: "Tea".into(),
        starts_local: "2030-01-07T19:00".into(),
        time_zone: "Europe/London".into(),
        weekly: 1,
        duration_minutes: 60,
        video_link: String::new(),
        note: String::new(),
        created_at: 1,
    })
    .await
    .unwrap();
    assert_eq!(
        s.meetings_for_account("a2").await.unwrap()[0].circle_name,
        "Night shift"
    );
    assert!(s.delete_meeting("c1", "g1").await.unwrap());
    assert!(s.meetings("c1").await.unwrap().is_empty());

    // Threads and replies, with their authors as the circle sees them.
    s.create_thread(&thread("t1", "m2", "Rough week"))
        .await
        .unwrap();
    let mut held = thread("t2", "m2", "Heavy night");
    held.status = "held".into();
    held.urgent = 1;
    s.create_thread(&held).await.unwrap();
    let seen: Vec<String> = s
        .threads("c1", "m3", false, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(
        seen,
        ["t1"],
        "a held thread is for its author and moderators"
    );
    assert_eq!(s.threads("c1", "m2", false, 10).await.unwrap().len(), 2);
    assert_eq!(s.held_threads("c1", 10).await.unwrap()[0].id, "t2");
    let seq = s
        .create_reply(&ReplyRow {
            id: "r1".into(),
            thread_id: "t1".into(),
            circle_id: "c1".into(),
            author_id: "m3".into(),
            body: "Same here".into(),
            status: "visible".into(),
            urgent: 0,
            created_at: 200,
        })
        .await
        .unwrap();
    let t = s.thread("c1", "t1").await.unwrap().unwrap();
    assert_eq!(
        (t.reply_count, t.last_activity, t.author_name.as_deref()),
        (1, 200, Some("Quiet Fox"))
    );
    let replies = s.replies("t1", 0, 10).await.unwrap();
    assert_eq!(
        (replies[0].seq, replies[0].author_account.as_deref()),
        (seq, Some("a3"))
    );
    assert!(s.replies("t1", seq, 10).await.unwrap().is_empty());
    assert!(
        s.thread("other", "t1").await.unwrap().is_none(),
        "threads stay in their circle"
    );

    // Moderation: the change, the reports and the log line together.
    s.create_report(&ReportRow {
        id: "p1".into(),
        circle_id: "c1".into(),
        target_kind: "thread".into(),
        target_id: "t1".into(),
        reporter_id: "m3".into(),
        reason: "Unkind".into(),
        created_at: 300,
        resolved_at: None,
    })
    .await
    .unwrap();
    assert_eq!(s.open_reports("c1", 10).await.unwrap().len(), 1);
    let hide = ModChange::ThreadStatus {
        id: "t1".into(),
        status: "hidden".into(),
    };
    assert!(
        s.moderate(&hide, "t1", &log_line("l1", "hid", "t1"))
            .await
            .unwrap()
    );
    assert_eq!(
        s.thread("c1", "t1").await.unwrap().unwrap().status,
        "hidden"
    );
    assert!(s.open_reports("c1", 10).await.unwrap().is_empty());
    let lock = ModChange::ThreadLocked {
        id: "t1".into(),
        locked: true,
    };
    assert!(
        s.moderate(&lock, "t1", &log_line("l2", "locked", "t1"))
            .await
            .unwrap()
    );
    assert_eq!(s.thread("c1", "t1").await.unwrap().unwrap().locked, 1);
    let pause = ModChange::Suspension {
        member_id: "m2".into(),
        until: Some(9_999),
    };
    assert!(
        s.moderate(&pause, "t1", &log_line("l3", "suspended", "t1"))
            .await
            .unwrap()
    );
    assert_eq!(
        s.membership("c1", "a2")
            .await
            .unwrap()
            .unwrap()
            .suspended_until,
        Some(9_999)
    );
    // What its author deleted stays deleted, and nothing is logged for it.
    assert!(s.delete_thread_text("c1", "t1").await.unwrap());
    let t = s.thread("c1", "t1").await.unwrap().unwrap();
    assert_eq!(
        (t.status.as_str(), t.title.as_str(), t.body.as_str()),
        ("deleted", "", "")
    );
    let restore = ModChange::ThreadStatus {
        id: "t1".into(),
        status: "visible".into(),
    };
    assert!(
        !s.moderate(&restore, "t1", &log_line("l4", "approved", "t1"))
            .await
            .unwrap()
    );
    assert_eq!(
        s.thread("c1", "t1").await.unwrap().unwrap().status,
        "deleted"
    );
    // A member of another circle (or nobody) cannot be suspended from here.
    let nobody = ModChange::Suspension {
        member_id: "m9".into(),
        until: None,
    };
    assert!(
        !s.moderate(&nobody, "t1", &log_line("l5", "ended", "t1"))
            .await
            .unwrap()
    );
    let log: Vec<String> = s
        .moderation_log("c1", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(log.len(), 3, "{log:?}");
    assert!(!log.contains(&"l4".to_owned()) && !log.contains(&"l5".to_owned()));
    // A duplicate log id fails the whole action: the change is undone.
    let approve = ModChange::ThreadStatus {
        id: "t2".into(),
        status: "visible".into(),
    };
    assert!(
        s.moderate(&approve, "t2", &log_line("l1", "approved", "t2"))
            .await
            .is_err()
    );
    assert_eq!(s.thread("c1", "t2").await.unwrap().unwrap().status, "held");

    // Leaving keeps the words, shown without a name.
    assert!(s.leave_circle("c1", "a3").await.unwrap());
    assert!(!s.leave_circle("c1", "a3").await.unwrap());
    let r = s.reply("c1", "r1").await.unwrap().unwrap();
    assert_eq!((r.body.as_str(), r.author_name), ("Same here", None));

    // The calendar link: one per account, replaced by a new one.
    s.set_calendar_feed("a2", "hash1", 1).await.unwrap();
    s.set_calendar_feed("a2", "hash2", 2).await.unwrap();
    assert_eq!(s.calendar_feed_account("hash1").await.unwrap(), None);
    assert_eq!(
        s.calendar_feed_account("hash2").await.unwrap().as_deref(),
        Some("a2")
    );
    assert!(s.delete_calendar_feed("a2").await.unwrap());
    assert!(!s.has_calendar_feed("a2").await.unwrap());
}

/// A private note to an author and its moderation log line are written
/// together or not at all; the line never holds the note's words.
async fn a_private_note_and_its_log_line(s: &dyn Store) {
    night_shift(s, &[("a1", "sam"), ("a2", "kim")]).await;
    let note = |event: &str| NewNotice {
        event_id: event.into(),
        kind: "reach_out".into(),
        circle_id: "c1".into(),
        target_id: "t1".into(),
        link: "/hard-moment".into(),
        urgent: false,
        created_at: 600,
        note: Some("Thinking of you tonight".into()),
    };
    let line = |id: &str| ModLogRow {
        reason: String::new(),
        ..log_line(id, "wrote privately to the author of", "t1")
    };
    let notes = async || s.notifications("a2", 10).await.unwrap();
    let lines = async || -> Vec<String> {
        s.moderation_log("c1", 10)
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.id)
            .collect()
    };

    // Both written.
    assert!(
        s.notify_account_logged(&note("e1"), "a2", &line("l1"))
            .await
            .unwrap()
    );
    let got = notes().await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].note.as_deref(), Some("Thinking of you tonight"));
    assert_eq!(lines().await, ["l1"]);
    let logged = s.moderation_log("c1", 10).await.unwrap();
    assert!(
        !format!("{logged:?}").contains("Thinking of you"),
        "the log never holds the words: {logged:?}"
    );

    // The second write fails (the log line's id is taken): the note that was
    // already written in the same transaction is gone too.
    assert!(
        s.notify_account_logged(&note("e2"), "a2", &line("l1"))
            .await
            .is_err()
    );
    assert_eq!(notes().await.len(), 1);
    assert_eq!(lines().await, ["l1"]);

    // The first write fails (this note was sent already): no log line.
    assert!(
        s.notify_account_logged(&note("e1"), "a2", &line("l2"))
            .await
            .is_err()
    );
    assert_eq!(notes().await.len(), 1);
    assert_eq!(lines().await, ["l1"]);

    // An author who turned these notes off gets none; the sender's act is
    // still logged.
    s.set_notification_settings(&NoticeSettingsRow {
        account_id: "a2".into(),
        muted: ",reach_out,".into(),
        reminders: "{}".into(),
        email: None,
        updated_at: 1,
    })
    .await
    .unwrap();
    assert!(
        !s.notify_account_logged(&note("e3"), "a2", &line("l3"))
            .await
            .unwrap()
    );
    assert_eq!(notes().await.len(), 1);
    let mut got = lines().await;
    got.sort();
    assert_eq!(got, ["l1", "l3"]);
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
    records_without_a_day,
    delete_account_removes_everything,
    community,
    a_private_note_and_its_log_line
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

/// A SQLite database with every migration before `number` applied, and a
/// pool on it; `apply` then runs that one migration.
struct OldDatabase {
    _dir: tempfile::TempDir,
    pool: sqlx::SqlitePool,
    number: &'static str,
}

impl OldDatabase {
    async fn before(number: &'static str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        for file in Self::migrations()
            .iter()
            .filter(|(n, _)| n.as_str() < number)
        {
            sqlx::raw_sql(&file.1).execute(&pool).await.unwrap();
        }
        Self {
            _dir: dir,
            pool,
            number,
        }
    }

    /// `(file name, SQL)` of every SQLite migration, in order.
    fn migrations() -> Vec<(String, String)> {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
        let mut files: Vec<_> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        files.sort();
        files
    }

    /// Applies migration `number` and every later one, as an upgrade does
    /// (the store's statements of today expect the whole schema).
    async fn apply(&self) {
        let later: Vec<_> = Self::migrations()
            .into_iter()
            .filter(|(n, _)| n.as_str() >= self.number)
            .collect();
        assert!(later[0].0.starts_with(self.number), "{}", later[0].0);
        for (_, sql) in later {
            sqlx::raw_sql(&sql).execute(&self.pool).await.unwrap();
        }
    }
}

/// Migration 0018 rebuilds SQLite's `records` as a table clustered by
/// person, kind and day. A database written before it must come through with
/// every record whole: day-less ones as `''`, titles kept, and the slot and
/// id rules still enforced afterwards.
#[tokio::test]
async fn sqlite_records_migration_keeps_every_record() {
    let old = OldDatabase::before("0018").await;
    let pool = &old.pool;
    sqlx::query("INSERT INTO accounts VALUES ('a1', 'sam', 'h', x'01', x'02', x'03', x'04', 0)")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO records (id, account_id, kind, day, slot, created_at, updated_at, version, sealed, title) VALUES \
         ('p', 'a1', 'profile', NULL, 'profile', 1, 2, 3, x'aa', NULL), \
         ('j', 'a1', 'journal', '2026-03-01', NULL, 4, 5, 1, x'bb', x'cc')",
    )
    .execute(pool)
    .await
    .unwrap();
    old.apply().await;

    type Row = (
        String,
        String,
        String,
        Option<String>,
        i64,
        i64,
        i64,
        Vec<u8>,
        Option<Vec<u8>>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, kind, day, slot, created_at, updated_at, version, sealed, title FROM records ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            (
                "j".into(),
                "journal".into(),
                "2026-03-01".into(),
                None,
                4,
                5,
                1,
                vec![0xbb],
                Some(vec![0xcc])
            ),
            (
                "p".into(),
                "profile".into(),
                "".into(),
                Some("profile".into()),
                1,
                2,
                3,
                vec![0xaa],
                None
            ),
        ]
    );
    // Still one record per slot, and ids still unique across the table.
    for clash in [
        "INSERT INTO records (id, account_id, kind, slot, created_at, updated_at, version, sealed) \
         VALUES ('p2', 'a1', 'profile', 'profile', 9, 9, 1, x'00')",
        "INSERT INTO records (id, account_id, kind, day, created_at, updated_at, version, sealed) \
         VALUES ('j', 'a1', 'note', '2026-03-02', 9, 9, 1, x'00')",
    ] {
        assert!(sqlx::query(clash).execute(pool).await.is_err(), "{clash}");
    }
    // The account's records still go with it (sqlx turns foreign keys on for
    // every connection it opens, as tend's own pool does).
    sqlx::query("DELETE FROM accounts")
        .execute(pool)
        .await
        .unwrap();
    let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM records")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

/// Migration 0019 rebuilds SQLite's `sessions` clustered on the hash, with
/// the account's handle copied in. Sessions and API tokens made before it
/// must still sign in as the same person, and still go with their account.
#[tokio::test]
async fn sqlite_sessions_migration_keeps_every_session() {
    let old = OldDatabase::before("0019").await;
    let pool = &old.pool;
    for sql in [
        "INSERT INTO accounts VALUES ('a1', 'sam', 'h', x'01', x'02', x'03', x'04', 0)",
        "INSERT INTO accounts VALUES ('a2', 'kit', 'h', x'01', x'02', x'03', x'04', 0)",
        "INSERT INTO sessions (id_hash, account_id, wrapped_key, created_at, expires_at) \
         VALUES (x'01', 'a1', x'aa', 1, 100), (x'02', 'a2', x'bb', 2, 200)",
        "INSERT INTO sessions (id_hash, account_id, wrapped_key, created_at, expires_at, label, last_used_at) \
         VALUES (x'03', 'a1', x'cc', 3, 300, x'dd', 4)",
    ] {
        sqlx::query(sql).execute(pool).await.unwrap();
    }
    old.apply().await;

    type Row = (
        Vec<u8>,
        String,
        String,
        Vec<u8>,
        i64,
        i64,
        Option<Vec<u8>>,
        Option<i64>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id_hash, account_id, handle, wrapped_key, created_at, expires_at, label, last_used_at \
         FROM sessions ORDER BY id_hash",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            (
                vec![1],
                "a1".into(),
                "sam".into(),
                vec![0xaa],
                1,
                100,
                None,
                None
            ),
            (
                vec![2],
                "a2".into(),
                "kit".into(),
                vec![0xbb],
                2,
                200,
                None,
                None
            ),
            (
                vec![3],
                "a1".into(),
                "sam".into(),
                vec![0xcc],
                3,
                300,
                Some(vec![0xdd]),
                Some(4)
            ),
        ]
    );
    // Clustered on the hash, with both indexes back.
    let (table,): (String,) =
        sqlx::query_as("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'sessions'")
            .fetch_one(pool)
            .await
            .unwrap();
    assert!(table.contains("WITHOUT ROWID"), "{table}");
    let indexes: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sessions' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        indexes,
        [
            ("sessions_by_account".into(),),
            ("sessions_by_expiry".into(),)
        ]
    );
    // The session lookup finds them as the people they were.
    for (hash, handle) in [(1u8, "sam"), (2, "kit"), (3, "sam")] {
        let row = sqlx::query(tend::store::ACTIVE_SESSION_SQL)
            .bind(vec![hash])
            .bind(0i64)
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(sqlx::Row::get::<String, _>(&row, "handle"), handle);
    }
    // The hash is still the key, and an account's sessions still go with it.
    assert!(
        sqlx::query(
            "INSERT INTO sessions (id_hash, account_id, handle, wrapped_key, created_at, expires_at) \
             VALUES (x'01', 'a2', 'kit', x'00', 5, 500)"
        )
        .execute(pool)
        .await
        .is_err()
    );
    sqlx::query("DELETE FROM accounts WHERE id = 'a1'")
        .execute(pool)
        .await
        .unwrap();
    let (left,): (Vec<u8>,) = sqlx::query_as("SELECT id_hash FROM sessions")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(left, vec![2]);
}
