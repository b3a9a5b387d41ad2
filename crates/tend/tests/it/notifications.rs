//! Notifications and reminders (issue 13) over real HTTP, on SQLite and
//! PostgreSQL: who hears of what, that no notification carries anything
//! anyone wrote, marking as read, turning kinds off, bad input on every new
//! form, the live stream, and the calendar feed's reminders read back by an
//! independent iCalendar parser (the `icalendar` crate).

use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{Backend, Person, TestApp};

const RISKY: &str = "Honestly I want to kill myself after today.";

impl Person {
    /// The main part of the notifications page.
    async fn notices(&self, app: &TestApp) -> String {
        let page = self.page(app, "/notifications").await;
        let start = page.find("<main").unwrap();
        page[start..page.find("</main>").unwrap()].to_owned()
    }
}

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

fn thread_of(loc: &str) -> String {
    let rest = loc.split("/threads/").nth(1).unwrap();
    rest.split(['?', '#', '/']).next().unwrap().to_owned()
}

/// The id of the notification on a page that says `text`.
fn id_of(page: &str, text: &str) -> String {
    let at = page.find(text).unwrap();
    let start = page[..at].rfind("id=\"n-").unwrap() + "id=\"n-".len();
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

struct Circle {
    id: String,
    fac: Person,
    moderator: Person,
    member: Person,
    quiet: Person,
}

/// A circle with a facilitator, a moderator and two members.
async fn circle(app: &TestApp) -> Circle {
    let store = &app.db.store;
    let fac = Person::new(app, "fac_n").await;
    store
        .grant_server_role(&fac.account, "facilitator")
        .await
        .unwrap();
    let res = fac
        .post(
            app,
            "/circles/new",
            &[
                ("name", "Night shift"),
                ("description", "Third-years"),
                ("guidelines", "Be kind."),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let id = location(&res)
        .trim_start_matches("/circles/")
        .trim_end_matches("/invites?created=1")
        .to_owned();
    fac.post(
        app,
        &format!("/circles/{id}/invites"),
        &[("days", ""), ("uses", "")],
    )
    .await;
    let page = fac.page(app, &format!("/circles/{id}/invites")).await;
    let code = page
        .split("class=\"invite-code\">")
        .nth(1)
        .map(|s| s[..s.find('<').unwrap()].to_owned())
        .unwrap();
    let mut people = Vec::new();
    for h in ["mod_n", "member_n", "quiet_n"] {
        let p = Person::new(app, h).await;
        let res = p.post(app, "/circles/join", &[("code", &code)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        people.push(p);
    }
    let quiet = people.pop().unwrap();
    let member = people.pop().unwrap();
    let moderator = people.pop().unwrap();
    assert!(
        store
            .set_member_role(&id, &moderator.account, "moderator")
            .await
            .unwrap()
    );
    Circle {
        id,
        fac,
        moderator,
        member,
        quiet,
    }
}

async fn who_hears_what(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let c = circle(&app).await;
    let a = &c.id;
    // Three people joined: the facilitator heard of each (not urgent).
    let page = c.fac.notices(&app).await;
    assert_eq!(page.matches("Someone new joined Night shift.").count(), 3);
    assert!(!page.contains("Urgent"));
    // Members are not told about new members.
    assert!(!c.quiet.notices(&app).await.contains("Someone new joined"));
    c.fac
        .post(&app, "/notifications/read-all", &[])
        .await
        .error_for_status()
        .unwrap();
    assert!(c.fac.notices(&app).await.contains("Nothing new."));

    // A held risk post: every facilitator and moderator, urgent, at once;
    // never its words; never its author or plain members.
    let res = c
        .member
        .post(
            &app,
            &format!("/circles/{a}/threads"),
            &[("title", "Done"), ("body", RISKY)],
        )
        .await;
    assert!(location(&res).contains("held=risk"));
    let held = thread_of(&location(&res));
    for p in [&c.fac, &c.moderator] {
        let page = p.page(&app, "/notifications").await;
        assert!(
            page.contains("A post in Night shift is waiting for you.")
                && page.contains("Urgent")
                && page.contains("Waiting less than a minute"),
            "{page}"
        );
        assert!(!page.contains("kill myself") && !page.contains("Done</"));
        // The count in the navigation.
        assert!(page.contains("id=\"notice-count\" class=\"count\">"));
        assert!(page.contains(" 1<span class=\"visually-hidden\"> unread"));
    }
    for p in [&c.member, &c.quiet] {
        assert!(!p.notices(&app).await.contains("waiting for you"));
    }
    // The queue says how long it has waited.
    let queue = c.fac.page(&app, &format!("/circles/{a}/moderation")).await;
    assert!(queue.contains("waiting less than a minute"), "{queue}");

    // Urgent first: a report comes after it even though it is newer.
    let res = c
        .member
        .post(
            &app,
            &format!("/circles/{a}/threads"),
            &[("title", "Tea"), ("body", "Anyone for tea after rounds?")],
        )
        .await;
    let tea = thread_of(&location(&res));
    let res = c
        .quiet
        .post(
            &app,
            &format!("/circles/{a}/report"),
            &[
                ("kind", "thread"),
                ("id", &tea),
                ("reason", "Off topic, I think"),
            ],
        )
        .await;
    assert!(res.status().is_success() || res.status() == StatusCode::SEE_OTHER);
    let page = c.moderator.notices(&app).await;
    let held_at = page.find("is waiting for you").unwrap();
    let report_at = page
        .find("Someone in Night shift asked a moderator to look at a post.")
        .unwrap();
    assert!(held_at < report_at, "urgent first: {page}");
    assert!(!page.contains("Off topic"));

    // The facilitator approves the held post: the moderator's urgent notice
    // is settled, and the author hears it is visible now.
    let res = c
        .fac
        .post(
            &app,
            &format!("/circles/{a}/moderation"),
            &[
                ("target_kind", "thread"),
                ("target_id", &held),
                ("action", "approve"),
                ("reason", "Checked in with them"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, urgent) = app
        .db
        .store
        .unread_notifications(&c.moderator.account)
        .await
        .unwrap();
    assert_eq!(urgent, 0, "handled: settled for every moderator");
    assert!(!c.moderator.notices(&app).await.contains("Urgent"));
    let page = c.member.notices(&app).await;
    assert!(page.contains("Your post in Night shift was looked at and is visible now."));

    // A reply in the member's thread: they hear; opening it marks it read
    // and goes to the thread.
    let res = c
        .quiet
        .post(
            &app,
            &format!("/circles/{a}/threads/{tea}/replies"),
            &[("body", "Yes please, REPLYWORDS")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = c.member.notices(&app).await;
    assert!(page.contains("Someone replied in your thread in Night shift."));
    assert!(!page.contains("REPLYWORDS"));
    let first = id_of(&page, "Someone replied in your thread");
    let res = c
        .member
        .b
        .get(app.url(&format!("/notifications/{first}/open")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/circles/{a}/threads/{tea}"));
    // The author replying in their own thread is not told about it.
    c.member
        .post(
            &app,
            &format!("/circles/{a}/threads/{tea}/replies"),
            &[("body", "Lovely")],
        )
        .await;
    let (unread, _) = app
        .db
        .store
        .unread_notifications(&c.member.account)
        .await
        .unwrap();
    assert_eq!(unread, 1, "only the approval is unread");

    // Someone else's notification: not found, nothing changes.
    let res = c
        .quiet
        .post(&app, &format!("/notifications/{first}/read"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = c
        .quiet
        .b
        .get(app.url(&format!("/notifications/{first}/open")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // One click turns a kind off: no more replies notified.
    let res = c
        .member
        .post(&app, "/notifications/off", &[("kind", "reply")])
        .await;
    assert_eq!(location(&res), "/notifications?done=off");
    c.quiet
        .post(
            &app,
            &format!("/circles/{a}/threads/{tea}/replies"),
            &[("body", "Another")],
        )
        .await;
    let (unread, _) = app
        .db
        .store
        .unread_notifications(&c.member.account)
        .await
        .unwrap();
    assert_eq!(unread, 1);

    // A meeting: every member hears, the one who scheduled it does not.
    let res = c
        .fac
        .post(
            &app,
            &format!("/circles/{a}/meetings"),
            &[
                ("title", "Sunday circle"),
                ("date", "2030-03-03"),
                ("time", "18:00"),
                ("time_zone", "Europe/London"),
                ("repeat", "weekly"),
                ("duration", "60"),
                ("link", ""),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    for p in [&c.moderator, &c.member, &c.quiet] {
        assert!(
            p.notices(&app)
                .await
                .contains("The meetings in Night shift changed.")
        );
    }
    assert!(
        !c.fac
            .notices(&app)
            .await
            .contains("meetings in Night shift")
    );

    // Nothing in the table holds anything anyone wrote.
    for p in [&c.fac, &c.moderator, &c.member, &c.quiet] {
        for n in app.db.store.notifications(&p.account, 100).await.unwrap() {
            let all = format!("{n:?}");
            for words in ["kill myself", "REPLYWORDS", "Off topic", "Anyone for tea"] {
                assert!(!all.contains(words), "{all}");
            }
        }
    }

    // Deleting an account deletes its notifications and settings.
    assert!(
        app.db
            .store
            .delete_account(&c.member.account)
            .await
            .unwrap()
    );
    assert!(
        app.db
            .store
            .notifications(&c.member.account, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn who_hears_what_on_sqlite() {
    who_hears_what(Backend::Sqlite).await;
}

#[tokio::test]
async fn who_hears_what_on_postgres() {
    who_hears_what(Backend::Postgres).await;
}

async fn bad_input(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let p = Person::new(&app, "bad_n").await;
    let good = [
        ("want_reply", "on"),
        ("checkin", "08:30"),
        ("quiet_from", "22:00"),
        ("quiet_to", "07:00"),
    ];
    let res = p.post(&app, "/notifications/settings", &good).await;
    assert_eq!(location(&res), "/notifications/settings?saved=1");
    let long = "9".repeat(5000);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![("checkin", "25:00")],
            "Daily check-in: enter a time of day",
        ),
        (
            vec![("practice1", "noon")],
            "Practice time: enter a time of day",
        ),
        (
            vec![("practice2", "12:5")],
            "Practice time: enter a time of day",
        ),
        (
            vec![("review_day", "9"), ("review_time", "18:00")],
            "Choose a day of the week",
        ),
        (vec![("review_day", "2")], "choose both a day and a time"),
        (
            vec![("quiet_from", "22:00")],
            "give both a start and an end",
        ),
        (
            vec![("quiet_from", "22:00"), ("quiet_to", "22:00")],
            "different start and end",
        ),
        (
            vec![("checkin", long.as_str())],
            "Daily check-in: enter a time of day",
        ),
    ];
    for (form, message) in cases {
        let res = p.post(&app, "/notifications/settings", &form).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{form:?}");
        let page = res.text().await.unwrap();
        assert!(page.contains(message), "{form:?}: {page}");
        assert!(page.contains("role=\"alert\""));
    }
    // Nothing partial was saved: the good settings stand.
    let page = p.page(&app, "/notifications/settings").await;
    assert!(page.contains("value=\"08:30\"") && page.contains("value=\"22:00\""));
    assert!(page.contains("name=\"want_reply\" checked"));
    // Turning off something that does not exist.
    let res = p
        .post(&app, "/notifications/off", &[("kind", "everything")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = p
        .post(&app, "/notifications/off", &[("reminder", "sleep")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res =
        p.b.get(app.url("/notifications/off?reminder=sleep"))
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // Without the anti-forgery token: refused, nothing saved.
    let res =
        p.b.post(app.url("/notifications/settings"))
            .form(&[("checkin", "06:00")])
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        !p.page(&app, "/notifications/settings")
            .await
            .contains("06:00")
    );
    // Signed out: the pages ask to sign in.
    let anon = app.browser();
    let res = anon.get(app.url("/notifications")).send().await.unwrap();
    assert!(res.status().is_redirection() || res.status() == StatusCode::UNAUTHORIZED);
    // Marking an unknown id.
    let res = p.post(&app, "/notifications/nope/read", &[]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_input_on_sqlite() {
    bad_input(Backend::Sqlite).await;
}

#[tokio::test]
async fn bad_input_on_postgres() {
    bad_input(Backend::Postgres).await;
}

async fn live(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let c = circle(&app).await;
    let mut stream = c
        .moderator
        .b
        .get(app.url("/notifications/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let mut seen = String::new();
    // The first event is the state now.
    while !seen.contains("event: notices") {
        seen.push_str(&String::from_utf8_lossy(
            &stream.chunk().await.unwrap().unwrap(),
        ));
    }
    assert!(!seen.contains("waiting for you"));
    c.member
        .post(
            &app,
            &format!("/circles/{}/threads", c.id),
            &[("title", "Done"), ("body", RISKY)],
        )
        .await;
    let got = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = stream.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("waiting for you") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(
        got,
        Ok(true),
        "the held post reached the moderator live: {seen}"
    );
    assert!(seen.contains("\"urgent\":1") || seen.contains("\"urgent\":true"));
    assert!(!seen.contains("kill myself"));
}

#[tokio::test]
async fn held_posts_reach_moderators_live_on_sqlite() {
    live(Backend::Sqlite).await;
}

#[tokio::test]
async fn held_posts_reach_moderators_live_on_postgres() {
    live(Backend::Postgres).await;
}

async fn calendar(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let p = Person::new(&app, "cal_n").await;
    let res = p
        .post(
            &app,
            "/notifications/settings",
            &[
                ("checkin", "08:30"),
                ("practice1", "13:00"),
                // In quiet hours: left out.
                ("practice2", "23:15"),
                ("review_day", "6"),
                ("review_time", "18:00"),
                ("meetings", "on"),
                ("quiet_from", "22:00"),
                ("quiet_to", "07:00"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = p.post(&app, "/circles/calendar", &[]).await;
    let page = res.text().await.unwrap();
    let start = page.find("/calendar/").unwrap();
    let path = page[start..start + page[start..].find('<').unwrap()].to_owned();
    let ics = app
        .api()
        .get(app.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    // Read back by an independent parser.
    let unfolded = icalendar::parser::unfold(&ics);
    let cal = icalendar::parser::read_calendar(&unfolded).expect("the feed parses");
    let events: Vec<_> = cal
        .components
        .iter()
        .filter(|c| c.name.as_str() == "VEVENT")
        .collect();
    let prop = |e: &icalendar::parser::Component<'_>, name: &str| {
        e.properties
            .iter()
            .find(|p| p.name.as_str() == name)
            .map(|p| p.val.as_str().to_owned())
    };
    let found: Vec<(String, String, String)> = events
        .iter()
        .map(|e| {
            (
                prop(e, "SUMMARY").unwrap_or_default(),
                prop(e, "DTSTART").unwrap_or_default(),
                prop(e, "RRULE").unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(found.len(), 3, "{found:?}");
    let checkin = found.iter().find(|(s, ..)| s.contains("check in")).unwrap();
    assert!(
        checkin.1.ends_with("T083000") && checkin.2 == "FREQ=DAILY",
        "{checkin:?}"
    );
    let practice = found.iter().find(|(s, ..)| s.contains("practice")).unwrap();
    assert!(practice.1.ends_with("T130000"));
    let review = found.iter().find(|(s, ..)| s.contains("week")).unwrap();
    assert_eq!(review.2, "FREQ=WEEKLY;BYDAY=SU");
    assert!(review.1.ends_with("T180000"));
    // Every reminder rings, says kind things, never counts what was missed,
    // and carries a way to turn it off.
    for e in &events {
        assert!(e.components.iter().any(|a| a.name.as_str() == "VALARM"));
        let words = format!(
            "{} {}",
            prop(e, "SUMMARY").unwrap(),
            prop(e, "DESCRIPTION").unwrap()
        )
        .to_lowercase();
        for bad in ["missed", "streak", "haven't", "you didn"] {
            assert!(!words.contains(bad), "{words}");
        }
        assert!(words.contains("/notifications/off?reminder="), "{words}");
    }

    // One click from the reminder's link turns it off.
    let res = p
        .post(&app, "/notifications/off", &[("reminder", "checkin")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let ics = app
        .api()
        .get(app.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!ics.contains("check in") && ics.contains("practice"));
    // Revoked: the feed is gone.
    p.post(&app, "/circles/calendar/revoke", &[]).await;
    let res = app.api().get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

/// The day in the feed's questionnaire reminder (its UID holds it), if any.
fn questionnaire_day_in(ics: &str) -> Option<String> {
    let start = ics.find("questionnaires-")? + "questionnaires-".len();
    Some(ics.get(start..start + 8)?.to_owned())
}

/// Completing a questionnaire moves the calendar's questionnaire reminder to
/// the next day one is due, without the person opening their settings.
async fn questionnaire_reminder_moves(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let p = Person::new(&app, "cal_q").await;
    let res = p
        .post(
            &app,
            "/questionnaires/settings",
            &[("want-who5", "on"), ("pause", "none")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = p
        .post(
            &app,
            "/notifications/settings",
            &[
                ("questionnaires", "on"),
                ("quiet_from", ""),
                ("quiet_to", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = p
        .post(&app, "/circles/calendar", &[])
        .await
        .text()
        .await
        .unwrap();
    let start = page.find("/calendar/").unwrap();
    let path = page[start..start + page[start..].find('<').unwrap()].to_owned();
    let feed = || async {
        app.api()
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let before = questionnaire_day_in(&feed().await).expect("a questionnaire reminder");

    for i in 1..=5 {
        let res = p
            .post(
                &app,
                &format!("/questionnaires/who5/q/{i}"),
                &[("answer", "3")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "answer {i}");
    }
    let res = p.post(&app, "/questionnaires/who5/review", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Read straight away, with no visit to the settings page in between.
    let after = questionnaire_day_in(&feed().await).expect("still a reminder");
    assert!(after > before, "{before} then {after}");
}

#[tokio::test]
async fn completing_a_questionnaire_moves_its_reminder_on_sqlite() {
    questionnaire_reminder_moves(Backend::Sqlite).await;
}

#[tokio::test]
async fn completing_a_questionnaire_moves_its_reminder_on_postgres() {
    questionnaire_reminder_moves(Backend::Postgres).await;
}

#[tokio::test]
async fn the_calendar_feed_holds_the_chosen_reminders_on_sqlite() {
    calendar(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_calendar_feed_holds_the_chosen_reminders_on_postgres() {
    calendar(Backend::Postgres).await;
}

/// One delivered message: its recipients and its whole text.
type Delivered = (Vec<String>, String);

/// A real SMTP server inside the test (`mailin-embedded`): what arrives.
#[derive(Clone, Default)]
struct Inbox {
    /// (recipients, the whole message) of each delivered message.
    got: std::sync::Arc<std::sync::Mutex<Vec<Delivered>>>,
    /// This session's message so far.
    to: Vec<String>,
    data: Vec<u8>,
}

impl mailin_embedded::Handler for Inbox {
    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin_embedded::Response {
        self.to = to.to_vec();
        self.data.clear();
        mailin_embedded::response::OK
    }
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }
    fn data_end(&mut self) -> mailin_embedded::Response {
        let message = String::from_utf8_lossy(&self.data).into_owned();
        self.got
            .lock()
            .unwrap()
            .push((std::mem::take(&mut self.to), message));
        mailin_embedded::response::OK
    }
}

fn start_smtp() -> (u16, Inbox) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox = Inbox::default();
    let mut server = mailin_embedded::Server::new(inbox.clone());
    server
        .with_name("smtp.test")
        .with_ssl(mailin_embedded::SslConfig::None)
        .unwrap()
        .with_tcp_listener(listener);
    // Serves until the test process ends.
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    (port, inbox)
}

const ALL_KINDS: [(&str, &str); 7] = [
    ("want_held_post", "on"),
    ("want_report", "on"),
    ("want_new_member", "on"),
    ("want_meeting", "on"),
    ("want_reply", "on"),
    ("want_approved", "on"),
    ("want_reach_out", "on"),
];

async fn email(backend: Backend) {
    let (port, inbox) = start_smtp();
    let Some(app) = TestApp::spawn_with(backend, |c| {
        c.mail = Some(tend::config::MailConfig {
            host: "127.0.0.1".into(),
            port,
            from: "tend <tend@school.example>".into(),
            user: None,
            password: None,
            tls: tend::config::MailTls::None,
            public_url: "https://tend.school.example".into(),
        });
    })
    .await
    else {
        return;
    };
    let c = circle(&app).await;
    // Students never need one: a member may not give an address.
    let mut form = ALL_KINDS.to_vec();
    form.push(("email", "member@school.example"));
    let res = c.member.post(&app, "/notifications/settings", &form).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("only for facilitators"));
    assert!(
        !c.member
            .page(&app, "/notifications/settings")
            .await
            .contains("name=\"email\"")
    );
    // A facilitator may; a bad address is refused plainly.
    let settings = c.fac.page(&app, "/notifications/settings").await;
    assert!(settings.contains("name=\"email\"") && settings.contains("never which circle"));
    let mut form = ALL_KINDS.to_vec();
    form.push(("email", "fac at school"));
    let res = c.fac.post(&app, "/notifications/settings", &form).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Enter an e-mail address")
    );
    let mut form = ALL_KINDS.to_vec();
    form.push(("email", "fac@school.example"));
    let res = c.fac.post(&app, "/notifications/settings", &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // A held risk post: the facilitator's inbox gets one plain message at
    // once; the moderator, who gave no address, gets none.
    c.member
        .post(
            &app,
            &format!("/circles/{}/threads", c.id),
            &[("title", "Done tonight"), ("body", RISKY)],
        )
        .await;
    let got = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if let Some(m) = inbox.got.lock().unwrap().first().cloned() {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the message arrived at the SMTP server");
    let (to, message) = got;
    assert_eq!(to, vec!["fac@school.example".to_owned()]);
    assert!(
        message.contains("Subject: tend: something needs you"),
        "{message}"
    );
    assert!(message.contains("Something in tend needs you."));
    assert!(message.contains("https://tend.school.example/notifications"));
    assert!(message.contains("/notifications/off?reminder=email"));
    for private in [
        "Night shift",
        "kill myself",
        "Done tonight",
        "member_n",
        "mod_n",
    ] {
        assert!(!message.contains(private), "{private} in {message}");
    }
    // One click from the message turns e-mail off.
    let res = c
        .fac
        .post(&app, "/notifications/off", &[("reminder", "email")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let row = app
        .db
        .store
        .notification_settings(&c.fac.account)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.email, None);
}

#[tokio::test]
async fn held_posts_email_facilitators_who_asked_on_sqlite() {
    email(Backend::Sqlite).await;
}

#[tokio::test]
async fn held_posts_email_facilitators_who_asked_on_postgres() {
    email(Backend::Postgres).await;
}
