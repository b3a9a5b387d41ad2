//! Today over real HTTP, on both databases. Its reads are tuned for speed
//! (issue 11: six reads in one store call, bounded reads on the async
//! worker): everything it shows must still come from the person's own
//! records, on the person's own day, and a cookie that is no longer a
//! session must be sent to sign in exactly as every other page does.

use reqwest::StatusCode;
use tend::store::{CircleRow, MembershipRow, NewNotice};

use crate::helpers::{
    Backend, TestApp, account_id, csrf_of, get, on_both_backends, sign_in, sign_up_in_browser,
    zone_on_another_day,
};

const PASS: &str = "kettle maple orbit";

/// The heading of Today's next step.
fn step(page: &str) -> &str {
    let start = page.find("id=\"step-h\">").expect("a next step") + "id=\"step-h\">".len();
    let len = page[start..].find('<').unwrap();
    &page[start..start + len]
}

/// The practice the next step offers, from its button.
fn offered_practice(page: &str) -> &str {
    let marker = "class=\"button\" href=\"/practices/";
    let start = page.find(marker).expect("a practice offered") + marker.len();
    let len = page[start..].find('"').unwrap();
    &page[start..start + len]
}

/// Posts a form with the session's anti-forgery token (from Today); where
/// the answer sends the browser.
async fn post(b: &reqwest::Client, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> String {
    post_at(b, &app.base, path, fields).await
}

/// [`post`] to the server at `base`.
async fn post_at(b: &reqwest::Client, base: &str, path: &str, fields: &[(&str, &str)]) -> String {
    let (_, page) = get(b, format!("{base}/today")).await;
    let csrf = csrf_of(&page);
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let res = b
        .post(format!("{base}{path}"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// Today keeps a person's sealed rows between requests while their records
/// are unchanged (`service::read_cache`). Behind a load balancer the change
/// may come through another process: a check-in saved, changed the same day,
/// and a journal entry written through one server all show at once on
/// Today from the other, which had kept the rows from before.
async fn today_shows_what_another_process_wrote(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (other, other_run) = app.second_server().await;
    let b = app.browser();
    sign_up_in_browser(&app, &b, "today_two", PASS).await;
    // The first server reads, and keeps, the empty week twice over.
    for _ in 0..2 {
        let (_, page) = get(&b, app.url("/today")).await;
        assert!(page.contains("Your week will take shape here"));
        assert!(page.contains("Nothing written yet."));
    }
    let checkin = |joy: &'static str| {
        [
            ("mood", "4"),
            ("energy", "3"),
            ("sleep_hours", "7"),
            ("meals", "eaten"),
            ("joy", joy),
        ]
    };
    post_at(&b, &other, "/today", &checkin("JOYMARK-FIRST")).await;
    let (_, page) = get(&b, app.url("/today")).await;
    assert!(page.contains("Joyful thing: JOYMARK-FIRST"), "{page}");
    // The same day's check-in again: the record is changed, not added.
    post_at(&b, &other, "/today", &checkin("JOYMARK-SECOND")).await;
    let (_, page) = get(&b, app.url("/today")).await;
    assert!(page.contains("Joyful thing: JOYMARK-SECOND"), "{page}");
    assert!(!page.contains("JOYMARK-FIRST"), "{page}");
    post_at(
        &b,
        &other,
        "/journal/new",
        &[
            ("title", "TITLEMARK-ELSEWHERE"),
            ("body", "Written on the other one."),
        ],
    )
    .await;
    let (_, page) = get(&b, app.url("/today")).await;
    assert!(page.contains("TITLEMARK-ELSEWHERE"), "{page}");
    assert!(!page.contains("Nothing written yet."));
    other_run.abort();
}

/// Every part of Today, built from what each kind of record says, as it
/// changes: the day in the person's time zone, notices, the check-in and the
/// week, questionnaires due (and paused), the practice suggestion, journal
/// titles, a debrief, a questionnaire result, and the unread count.
async fn today_shows_each_part_from_the_persons_records(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let b = app.browser();
    sign_up_in_browser(&app, &b, "today_parts", PASS).await;
    // A zone on another day than UTC's right now: Today's reads are planned
    // from the profile that comes with the session, so the day shown proves
    // which zone they were planned in.
    let now = jiff::Timestamp::now();
    let zone = zone_on_another_day(now);
    post(&b, &app, "/account/time-zone", &[("time_zone", zone)]).await;
    // Read after the request, so a test running across a local midnight
    // still finds one of the two days.
    let (status, page) = get(&b, app.url("/today?welcome=1")).await;
    assert_eq!(status, StatusCode::OK);
    let local = jiff::Timestamp::now().in_tz(zone).unwrap().date();
    let shown = local.strftime("%A %-d %B").to_string();
    assert!(page.contains(&shown), "{zone}: {page}");
    assert!(page.contains("Welcome to tend."));
    assert_eq!(step(&page), "How are you, right now?");
    assert!(page.contains("Your week will take shape here"));
    assert!(page.contains("Nothing written yet."));
    // The defaults are due at first, beside the check-in step.
    assert!(page.contains("id=\"due-h\">A questionnaire is ready"));
    assert!(page.contains("href=\"/questionnaires/who5\""));
    assert!(page.contains("id=\"notice-count\" class=\"count\" hidden"));

    // A check-in, saved on Today: shown back, and the week takes shape.
    let to = post(
        &b,
        &app,
        "/today",
        &[
            ("mood", "4"),
            ("energy", "4"),
            ("sleep_hours", "7"),
            ("meals", "eaten"),
            ("joy", "JOYMARK-5521"),
        ],
    )
    .await;
    assert_eq!(to, "/today?saved=checkin");
    let (_, page) = get(&b, app.url(&to)).await;
    assert!(page.contains("Check-in saved."));
    assert!(page.contains("Joyful thing: JOYMARK-5521"), "{page}");
    assert!(page.contains("Days you checked in"));
    // Checked in: the questionnaire is the step now.
    assert_eq!(step(&page), "A questionnaire is ready");

    // Paused questionnaires (the preferences read): a practice is offered.
    post(
        &b,
        &app,
        "/questionnaires/settings",
        &[("want-who5", "on"), ("pause", "2w")],
    )
    .await;
    let (_, page) = get(&b, app.url("/today")).await;
    assert_eq!(step(&page), "A practice for today");
    assert!(!page.contains("id=\"due-h\""));
    let first = offered_practice(&page).to_owned();

    // Once done (the month's practice read), another is offered.
    let path = format!("/practices/{first}/finish");
    post(&b, &app, &path, &[("minutes", "5")]).await;
    let (_, page) = get(&b, app.url("/today")).await;
    assert_eq!(step(&page), "A practice for today");
    assert_ne!(offered_practice(&page), first);

    // The newest journal entries, by title.
    post(
        &b,
        &app,
        "/journal/new",
        &[("title", "TITLEMARK-3390"), ("body", "A long day.")],
    )
    .await;
    let (_, page) = get(&b, app.url("/today")).await;
    assert!(page.contains("TITLEMARK-3390"));
    assert!(!page.contains("A long day."), "titles only");

    // A debrief of today.
    post(
        &b,
        &app,
        "/debrief/new",
        &[
            ("what_happened", "A hard handover"),
            ("kind_sentence", "I'm learning."),
        ],
    )
    .await;
    let (_, page) = get(&b, app.url("/today")).await;
    assert_eq!(step(&page), "After a hard day");

    // A very low WHO-5 (the questionnaire history read) comes before it.
    for (i, a) in ["0", "1", "1", "1", "1"].iter().enumerate() {
        post(
            &b,
            &app,
            &format!("/questionnaires/who5/q/{}", i + 1),
            &[("answer", a)],
        )
        .await;
    }
    post(&b, &app, "/questionnaires/who5/review", &[]).await;
    let (_, page) = get(&b, app.url("/today")).await;
    assert_ne!(step(&page), "After a hard day", "{page}");
    assert!(
        [
            "Be gentle with yourself this week",
            "Something gentle for today"
        ]
        .contains(&step(&page)),
        "{}",
        step(&page)
    );

    // The unread count comes with the session (a notice of a circle the
    // person is in, written straight to the store).
    let account = account_id(&app, "today_parts").await;
    app.db
        .store
        .create_circle(
            &CircleRow {
                id: "today-circle".into(),
                name: "Ward 4".into(),
                description: String::new(),
                guidelines: String::new(),
                created_at: now.as_second(),
            },
            &MembershipRow {
                id: "today-member".into(),
                circle_id: "today-circle".into(),
                account_id: account.clone(),
                role: "member".into(),
                pseudonym: "Owl".into(),
                joined_at: now.as_second(),
                suspended_until: None,
            },
        )
        .await
        .unwrap();
    let notice = NewNotice {
        event_id: "today-test".into(),
        kind: "reply".into(),
        circle_id: "today-circle".into(),
        target_id: String::new(),
        link: "/notifications".into(),
        urgent: false,
        created_at: now.as_second(),
        note: None,
    };
    assert!(
        app.db
            .store
            .notify_account(&notice, &account)
            .await
            .unwrap()
    );
    let (_, page) = get(&b, app.url("/today")).await;
    assert!(
        page.contains("id=\"notice-count\" class=\"count\"> 1<"),
        "{page}"
    );
}

/// Where a refused Today sends the person.
fn sent_to(res: &reqwest::Response) -> String {
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// A GET with a session cookie sent by hand, as by a browser that kept it.
async fn with_cookie(app: &TestApp, path: &str, session: &str) -> reqwest::Response {
    app.browser()
        .get(app.url(path))
        .header("cookie", format!("tend_session={session}"))
        .send()
        .await
        .unwrap()
}

/// Signs `handle` in anew and returns that session's cookie value.
async fn session_cookie(app: &TestApp, handle: &str) -> String {
    let res = sign_in(app, &app.browser(), handle, PASS).await;
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("tend_session="))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_owned()
}

/// Today answers a request without a valid session as every page does:
/// to sign in, coming back to what was asked for, and saying the sign-in
/// ended when a cookie came that is no session (any more).
async fn today_without_a_valid_session_sends_people_to_sign_in(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let anon = app.browser();
    let res = anon.get(app.url("/today")).send().await.unwrap();
    assert_eq!(sent_to(&res), "/signin");
    let res = anon
        .get(app.url("/today?saved=checkin"))
        .send()
        .await
        .unwrap();
    assert_eq!(sent_to(&res), "/signin?next=%2Ftoday%3Fsaved%3Dcheckin");
    // The query is read after the session: a signed-out person is sent to
    // sign in whatever it says.
    let res = anon
        .get(app.url("/today?saved=a&saved=b"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        sent_to(&res),
        "/signin?next=%2Ftoday%3Fsaved%3Da%26saved%3Db"
    );

    sign_up_in_browser(&app, &app.browser(), "today_session", PASS).await;
    let session = session_cookie(&app, "today_session").await;
    let res = with_cookie(&app, "/today", &session).await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    // Not a token at all, an unknown one, and a known id with a secret that
    // does not fit its key: each is an ended sign-in.
    for bad in [
        "AAAA.BBBB".to_owned(),
        format!("{}.{}", "A".repeat(43), "B".repeat(43)),
        format!("{}.{}", session.split_once('.').unwrap().0, "B".repeat(43)),
    ] {
        let res = with_cookie(&app, "/today", &bad).await;
        assert_eq!(sent_to(&res), "/signin?expired=1", "{bad}");
    }
    let res = with_cookie(&app, "/today?welcome=1", "AAAA.BBBB").await;
    assert_eq!(
        sent_to(&res),
        "/signin?expired=1&next=%2Ftoday%3Fwelcome%3D1"
    );

    // Signed out: the old cookie reads nothing.
    let res = app
        .browser()
        .post(app.url("/signout"))
        .header("cookie", format!("tend_session={session}"))
        .form(&[("csrf", csrf_of(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = with_cookie(&app, "/today", &session).await;
    assert_eq!(sent_to(&res), "/signin?expired=1");
    assert!(!res.text().await.unwrap().contains("Your next step"));
}

/// A session past its time reads no Today.
async fn an_expired_session_reads_no_today(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| c.session_ttl_seconds = 0).await else {
        return;
    };
    // Every session expires as it starts (its cookie too, so it is sent by
    // hand, as by a browser whose clock is behind).
    sign_up_in_browser(&app, &app.browser(), "today_brief", PASS).await;
    let expired = session_cookie(&app, "today_brief").await;
    let res = with_cookie(&app, "/today", &expired).await;
    assert_eq!(sent_to(&res), "/signin?expired=1");
}

/// Deleting an account ends its sessions on other devices too: their
/// cookies read no Today.
async fn a_deleted_accounts_session_reads_no_today(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let b = app.browser();
    sign_up_in_browser(&app, &b, "today_gone", PASS).await;
    let other_device = session_cookie(&app, "today_gone").await;
    let to = post(&b, &app, "/account/delete", &[("passphrase", PASS)]).await;
    assert_eq!(to, "/signin?deleted=1");
    let res = with_cookie(&app, "/today", &other_device).await;
    assert_eq!(sent_to(&res), "/signin?expired=1");
}

on_both_backends!(
    today_shows_each_part_from_the_persons_records,
    today_shows_what_another_process_wrote,
    today_without_a_valid_session_sends_people_to_sign_in,
    an_expired_session_reads_no_today,
    a_deleted_accounts_session_reads_no_today,
);
