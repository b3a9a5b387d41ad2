//! Peer support over real HTTP: the authorisation matrix on both backends, bad
//! input, risk holds, moderation, meetings across time zones, the calendar
//! feed, live replies, and the Learn discussions.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{Backend, TestApp, account_id, csrf_of, sign_up_in_browser};

const PASS: &str = "kettle maple orbit";

struct Person {
    b: reqwest::Client,
    csrf: String,
    account: String,
}

async fn text(b: &reqwest::Client, url: String) -> String {
    b.get(url).send().await.unwrap().text().await.unwrap()
}

async fn person(app: &TestApp, handle: &str) -> Person {
    let b = app.browser();
    sign_up_in_browser(app, &b, handle, PASS).await;
    let csrf = csrf_of(&text(&b, app.url("/circles")).await);
    let account = account_id(app, handle).await;
    Person { b, csrf, account }
}

impl Person {
    async fn post(&self, app: &TestApp, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let mut f: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        f.extend_from_slice(form);
        self.b.post(app.url(path)).form(&f).send().await.unwrap()
    }
    async fn get(&self, app: &TestApp, path: &str) -> reqwest::Response {
        self.b.get(app.url(path)).send().await.unwrap()
    }
    async fn page(&self, app: &TestApp, path: &str) -> String {
        self.get(app, path).await.text().await.unwrap()
    }
}

/// The page's main content (the footer names the signed-in person to themselves).
fn main_of(page: &str) -> &str {
    let start = page.find("<main").unwrap();
    &page[start..page.find("</main>").unwrap()]
}

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// Starts a circle as `fac` (who must be a server facilitator) and returns its id.
async fn start_circle(app: &TestApp, fac: &Person, name: &str) -> String {
    let res = fac
        .post(
            app,
            "/circles/new",
            &[
                ("name", name),
                ("description", "Third-years"),
                ("guidelines", "Be kind."),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let loc = location(&res);
    loc.trim_start_matches("/circles/")
        .trim_end_matches("/invites?created=1")
        .to_owned()
}

async fn invite(app: &TestApp, fac: &Person, circle: &str, days: &str, uses: &str) -> String {
    let before = fac.page(app, &format!("/circles/{circle}/invites")).await;
    let res = fac
        .post(
            app,
            &format!("/circles/{circle}/invites"),
            &[("days", days), ("uses", uses)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = fac.page(app, &format!("/circles/{circle}/invites")).await;
    let code = codes(&page)
        .into_iter()
        .find(|c| !before.contains(c.as_str()))
        .unwrap();
    // A real link, so "copy link address" gives the whole address to share.
    assert!(page.contains(&format!("href=\"/circles/join/{code}\"")));
    code
}

fn codes(page: &str) -> Vec<String> {
    page.split("class=\"invite-code\">")
        .skip(1)
        .map(|s| s[..s.find('<').unwrap()].to_owned())
        .collect()
}

async fn join(app: &TestApp, p: &Person, code: &str) -> reqwest::Response {
    p.post(app, "/circles/join", &[("code", code)]).await
}

/// The id in `/circles/C/threads/ID...`.
fn thread_of(loc: &str) -> String {
    let rest = loc.split("/threads/").nth(1).unwrap();
    rest.split(['?', '#', '/']).next().unwrap().to_owned()
}

struct World {
    anon: reqwest::Client,
    people: HashMap<&'static str, Person>,
    a: String,
    thread: String,
    reply: String,
}

async fn world(app: &TestApp) -> World {
    let store = &app.db.store;
    let fac = person(app, "fac_one").await;
    store
        .grant_server_role(&fac.account, "facilitator")
        .await
        .unwrap();
    let a = start_circle(app, &fac, "Night shift").await;
    let b = start_circle(app, &fac, "Other circle").await;
    let code_a = invite(app, &fac, &a, "", "").await;
    let code_b = invite(app, &fac, &b, "", "").await;
    let member = person(app, "member_one").await;
    assert_eq!(
        join(app, &member, &code_a).await.status(),
        StatusCode::SEE_OTHER
    );
    let moderator = person(app, "mod_one").await;
    assert_eq!(
        join(app, &moderator, &code_a).await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(
        store
            .set_member_role(&a, &moderator.account, "moderator")
            .await
            .unwrap()
    );
    let other = person(app, "other_one").await;
    assert_eq!(
        join(app, &other, &code_b).await.status(),
        StatusCode::SEE_OTHER
    );
    // The facilitator of A is only a member of B, to keep roles per circle.
    let nonmember = person(app, "outsider").await;
    let admin = person(app, "admin_one").await;
    store
        .grant_server_role(&admin.account, "admin")
        .await
        .unwrap();

    let res = member
        .post(
            app,
            &format!("/circles/{a}/threads"),
            &[
                ("title", "Rough week"),
                ("body", "Surgery rotation is a lot."),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let thread = thread_of(&location(&res));
    let res = moderator
        .post(
            app,
            &format!("/circles/{a}/threads/{thread}/replies"),
            &[("body", "Same here, you're not alone.")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let reply = location(&res).split("#r-").nth(1).unwrap().to_owned();

    let mut people = HashMap::new();
    people.insert("nonmember", nonmember);
    people.insert("other", other);
    people.insert("member", member);
    people.insert("facilitator", fac);
    people.insert("moderator", moderator);
    people.insert("admin", admin);
    World {
        anon: app.browser(),
        people,
        a,
        thread,
        reply,
    }
}

/// One row of the matrix: method, path, form, and who may.
type Case<'a> = (&'a str, String, Vec<(&'a str, &'a str)>, Vec<&'a str>);

const WHO: [&str; 7] = [
    "anonymous",
    "nonmember",
    "other",
    "member",
    "facilitator",
    "moderator",
    "admin",
];

async fn authorisation_matrix(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let (a, t, r) = (w.a.clone(), w.thread.clone(), w.reply.clone());
    let members = ["member", "facilitator", "moderator"];
    let readers = ["member", "facilitator", "moderator", "admin"];
    let everyone = [
        "nonmember",
        "other",
        "member",
        "facilitator",
        "moderator",
        "admin",
    ];
    let meeting = [
        ("title", "Weekly check-in"),
        ("date", "2030-01-07"),
        ("time", "19:00"),
        ("time_zone", "Europe/London"),
        ("repeat", "weekly"),
        ("duration", "60"),
    ];
    // (method, path, form, who may)
    let cases: Vec<Case> = vec![
        ("GET", format!("/circles/{a}"), vec![], readers.to_vec()),
        (
            "GET",
            format!("/circles/{a}/threads/{t}"),
            vec![],
            readers.to_vec(),
        ),
        (
            "GET",
            format!("/circles/{a}/threads/{t}/events"),
            vec![],
            readers.to_vec(),
        ),
        (
            "GET",
            format!("/circles/{a}/meetings"),
            vec![],
            readers.to_vec(),
        ),
        (
            "GET",
            format!("/circles/{a}/invites"),
            vec![],
            vec!["facilitator", "admin"],
        ),
        (
            "GET",
            format!("/circles/{a}/moderation"),
            vec![],
            vec!["facilitator", "moderator", "admin"],
        ),
        (
            "GET",
            format!("/circles/{a}/log"),
            vec![],
            vec!["facilitator", "moderator", "admin"],
        ),
        (
            "GET",
            format!("/circles/{a}/report?kind=reply&id={r}"),
            vec![],
            members.to_vec(),
        ),
        (
            "GET",
            format!("/circles/{a}/leave"),
            vec![],
            members.to_vec(),
        ),
        (
            "GET",
            "/circles/new".into(),
            vec![],
            vec!["facilitator", "admin"],
        ),
        ("GET", "/circles".into(), vec![], everyone.to_vec()),
        ("GET", "/circles/calendar".into(), vec![], everyone.to_vec()),
        (
            "GET",
            "/learn/seek-support/replies".into(),
            vec![],
            everyone.to_vec(),
        ),
        ("GET", "/circles/learn".into(), vec![], vec![]),
        (
            "GET",
            "/circles/learn/moderation".into(),
            vec![],
            vec!["admin"],
        ),
        (
            "POST",
            format!("/circles/{a}/threads"),
            vec![("title", "Hello"), ("body", "First post")],
            members.to_vec(),
        ),
        (
            "POST",
            format!("/circles/{a}/threads/{t}/replies"),
            vec![("body", "A kind reply")],
            members.to_vec(),
        ),
        (
            "POST",
            format!("/circles/{a}/report"),
            vec![("kind", "reply"), ("id", &r), ("reason", "Unkind")],
            members.to_vec(),
        ),
        (
            "POST",
            format!("/circles/{a}/invites"),
            vec![("days", "3")],
            vec!["facilitator", "admin"],
        ),
        (
            "POST",
            format!("/circles/{a}/meetings"),
            meeting.to_vec(),
            vec!["facilitator", "admin"],
        ),
        (
            "POST",
            format!("/circles/{a}/moderation"),
            vec![
                ("target_kind", "thread"),
                ("target_id", &t),
                ("action", "dismiss"),
                ("reason", "Checked"),
            ],
            vec!["facilitator", "moderator", "admin"],
        ),
    ];
    for (method, path, form, allowed) in &cases {
        for who in WHO {
            let res = if who == "anonymous" {
                let req = if *method == "GET" {
                    w.anon.get(app.url(path))
                } else {
                    w.anon.post(app.url(path)).form(form)
                };
                req.send().await.unwrap()
            } else {
                let p = &w.people[who];
                if *method == "GET" {
                    p.get(&app, path).await
                } else {
                    p.post(&app, path, form).await
                }
            };
            let status = res.status();
            if who == "anonymous" {
                // Anonymous people are asked to sign in, whatever the address.
                assert!(
                    status == StatusCode::SEE_OTHER || status == StatusCode::UNAUTHORIZED,
                    "{method} {path} as anonymous: {status}"
                );
                if status == StatusCode::SEE_OTHER {
                    assert!(location(&res).starts_with("/signin"), "{method} {path}");
                }
            } else if allowed.contains(&who) {
                assert!(
                    status == StatusCode::OK || status == StatusCode::SEE_OTHER,
                    "{method} {path} as {who} should be allowed, got {status}"
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::NOT_FOUND,
                    "{method} {path} as {who} should be refused"
                );
            }
        }
    }
    // A refusal looks exactly like a missing circle or thread.
    let outsider = &w.people["nonmember"];
    for (real, fake) in [
        (format!("/circles/{a}"), "/circles/nope".to_owned()),
        (
            format!("/circles/{a}/threads/{t}"),
            format!("/circles/nope/threads/{t}"),
        ),
        (format!("/circles/{a}/log"), "/circles/nope/log".to_owned()),
    ] {
        let x = outsider.get(&app, &real).await;
        let y = outsider.get(&app, &fake).await;
        assert_eq!(x.status(), y.status());
        assert_eq!(x.text().await.unwrap(), y.text().await.unwrap(), "{real}");
    }
    // A member of A asking for an unknown thread, and for one in circle B, sees the same 404.
    let m = &w.people["member"];
    assert_eq!(
        m.get(&app, &format!("/circles/{a}/threads/unknown"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn authorisation_matrix_on_sqlite() {
    authorisation_matrix(Backend::Sqlite).await;
}

#[tokio::test]
async fn authorisation_matrix_on_postgres() {
    authorisation_matrix(Backend::Postgres).await;
}

async fn bad_input(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let (a, t) = (w.a.clone(), w.thread.clone());
    let fac = &w.people["facilitator"];
    let m = &w.people["member"];
    let newcomer = person(&app, "newcomer").await;
    let late = person(&app, "latecomer").await;

    // Codes: unknown, used up, withdrawn, expired. Each a clear 422, nobody let in.
    let res = join(&app, &newcomer, "NOPE-NOPE-23").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("recognise that code"));
    let once = invite(&app, fac, &a, "", "1").await;
    assert_eq!(
        join(&app, &newcomer, &once.to_lowercase()).await.status(),
        StatusCode::SEE_OTHER
    );
    let res = join(&app, &late, &once).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("used as many times as it allows")
    );
    let withdrawn = invite(&app, fac, &a, "", "").await;
    let res = fac
        .post(
            &app,
            &format!("/circles/{a}/invites/revoke"),
            &[("code", &withdrawn)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = join(&app, &late, &withdrawn).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("withdrawn"));
    app.db
        .store
        .create_invite(&tend::store::InviteRow {
            code: "EXPIRED234".into(),
            circle_id: a.clone(),
            created_at: 0,
            expires_at: Some(1),
            max_uses: None,
            uses: 0,
            revoked_at: None,
        })
        .await
        .unwrap();
    let res = join(&app, &late, "expired-234").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("expired"));
    assert!(
        app.db
            .store
            .membership(&a, &late.account)
            .await
            .unwrap()
            .is_none()
    );
    let res = fac
        .post(
            &app,
            &format!("/circles/{a}/invites"),
            &[("days", "0"), ("uses", "many")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("whole number of days") && page.contains("whole number of uses"));

    // Over-long and empty posts: the words come back, nothing saved.
    let long = "x".repeat(5_001);
    let res = m
        .post(
            &app,
            &format!("/circles/{a}/threads"),
            &[("title", "Long"), ("body", &long)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("the most it can hold is 5000")
    );
    let res = m
        .post(
            &app,
            &format!("/circles/{a}/threads/{t}/replies"),
            &[("body", "   ")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let before = app.db.store.replies(&t, 0, 1000).await.unwrap().len();

    // A locked thread takes no replies; the person's words are kept.
    let modr = &w.people["moderator"];
    let res = modr
        .post(
            &app,
            &format!("/circles/{a}/moderation"),
            &[
                ("target_kind", "thread"),
                ("target_id", &t),
                ("action", "lock"),
                ("reason", "Cooling off"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = m
        .post(
            &app,
            &format!("/circles/{a}/threads/{t}/replies"),
            &[("body", "KEEPME-1 one more thing")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("locked") && page.contains("KEEPME-1"));
    // Removed: also refused.
    let res = modr
        .post(
            &app,
            &format!("/circles/{a}/moderation"),
            &[
                ("target_kind", "thread"),
                ("target_id", &t),
                ("action", "remove"),
                ("reason", "Off topic"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = m
        .post(
            &app,
            &format!("/circles/{a}/threads/{t}/replies"),
            &[("body", "hello?")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("removed by a moderator"));
    assert_eq!(
        app.db.store.replies(&t, 0, 1000).await.unwrap().len(),
        before
    );

    // A moderation action needs a reason and a known action.
    let res = modr
        .post(
            &app,
            &format!("/circles/{a}/moderation"),
            &[
                ("target_kind", "thread"),
                ("target_id", &t),
                ("action", "explode"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A meeting in an unknown time zone, and other problems, all at once.
    let res = fac
        .post(
            &app,
            &format!("/circles/{a}/meetings"),
            &[
                ("title", "Check-in"),
                ("date", "someday"),
                ("time", "7pm"),
                ("time_zone", "Mars/Olympus_Mons"),
                ("repeat", "weekly"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("know that time zone")
            && page.contains("2026-03-14")
            && page.contains("19:30")
    );
    assert!(app.db.store.meetings(&a).await.unwrap().is_empty());

    // A form without its anti-forgery token is refused.
    let res =
        m.b.post(app.url(&format!("/circles/{a}/threads")))
            .form(&[("title", "x"), ("body", "y")])
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Rate limit on replies, with a clear message that keeps the words.
    let res = m
        .post(
            &app,
            &format!("/circles/{a}/threads"),
            &[("title", "Busy"), ("body", "Many replies")],
        )
        .await;
    let busy = thread_of(&location(&res));
    let mut last = StatusCode::OK;
    for i in 0..21 {
        let res = m
            .post(
                &app,
                &format!("/circles/{a}/threads/{busy}/replies"),
                &[("body", &format!("reply {i} RATEWORDS"))],
            )
            .await;
        last = res.status();
        if last == StatusCode::TOO_MANY_REQUESTS {
            let page = res.text().await.unwrap();
            assert!(page.contains("Please wait") && page.contains("RATEWORDS"));
            break;
        }
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn bad_input_is_refused_clearly_on_sqlite() {
    bad_input(Backend::Sqlite).await;
}

#[tokio::test]
async fn bad_input_is_refused_clearly_on_postgres() {
    bad_input(Backend::Postgres).await;
}

#[tokio::test]
async fn risk_language_is_held_with_help_and_urgent_for_moderators_on_sqlite() {
    risk_language_is_held_with_help_and_urgent_for_moderators(Backend::Sqlite).await;
}

#[tokio::test]
async fn risk_language_is_held_with_help_and_urgent_for_moderators_on_postgres() {
    risk_language_is_held_with_help_and_urgent_for_moderators(Backend::Postgres).await;
}

async fn risk_language_is_held_with_help_and_urgent_for_moderators(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let (a, t) = (&w.a, &w.thread);
    let m = &w.people["member"];
    let res = m
        .post(
            &app,
            &format!("/circles/{a}/threads/{t}/replies"),
            &[("body", "Honestly I want to kill myself after today.")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res);
    assert!(to.contains("held=risk"));
    let page = m.page(&app, &to).await;
    assert!(page.contains("Thank you for sharing this") && page.contains("988"));
    assert!(
        page.contains("You haven&#39;t done anything wrong")
            || page.contains("You haven't done anything wrong")
    );
    assert!(page.contains("only you can see this for now"));
    // Members of other circles don't see it; the moderator and the
    // facilitator (who moderates too, so a circle without a named moderator
    // still has someone to read it) see it, urgent.
    let other = w.people["other"]
        .get(&app, &format!("/circles/{a}/threads/{t}"))
        .await;
    assert!(!other.text().await.unwrap().contains("kill myself"));
    for who in ["moderator", "facilitator"] {
        let queue = w.people[who]
            .page(&app, &format!("/circles/{a}/moderation"))
            .await;
        assert!(
            queue.contains("Urgent") && queue.contains("kill myself"),
            "{who}: {queue}"
        );
    }
    // A new thread with risk words is held too.
    let res = m
        .post(
            &app,
            &format!("/circles/{a}/threads"),
            &[
                ("title", "Done"),
                ("body", "I don't want to be alive anymore."),
            ],
        )
        .await;
    assert!(location(&res).contains("held=risk"));
    let queue = w.people["facilitator"]
        .page(&app, &format!("/circles/{a}/moderation"))
        .await;
    assert!(
        queue.contains("I don&#39;t want to be alive")
            || queue.contains("I don't want to be alive"),
        "{queue}"
    );
}

#[tokio::test]
async fn a_facilitator_never_approves_their_own_held_post_on_sqlite() {
    a_facilitator_never_approves_their_own_held_post(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_facilitator_never_approves_their_own_held_post_on_postgres() {
    a_facilitator_never_approves_their_own_held_post(Backend::Postgres).await;
}

async fn a_facilitator_never_approves_their_own_held_post(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let (a, fac, modr) = (&w.a, &w.people["facilitator"], &w.people["moderator"]);
    let t = post_thread(
        &app,
        fac,
        a,
        "Heavy night",
        "I don't want to be alive anymore.",
    )
    .await;
    let res = moderate(&app, fac, a, "thread", &t, "approve").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("your own post"));
    let member_view = w.people["member"]
        .page(&app, &format!("/circles/{a}"))
        .await;
    assert!(!member_view.contains("Heavy night</a>"), "{member_view}");
    // Someone else can.
    let res = moderate(&app, modr, a, "thread", &t, "approve").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let member_view = w.people["member"]
        .page(&app, &format!("/circles/{a}"))
        .await;
    assert!(member_view.contains("Heavy night</a>"), "{member_view}");
}

#[tokio::test]
async fn a_reported_reply_is_hidden_and_the_log_shows_it_on_sqlite() {
    a_reported_reply_is_hidden_and_the_log_shows_it(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_reported_reply_is_hidden_and_the_log_shows_it_on_postgres() {
    a_reported_reply_is_hidden_and_the_log_shows_it(Backend::Postgres).await;
}

async fn a_reported_reply_is_hidden_and_the_log_shows_it(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let (a, t, r) = (&w.a, &w.thread, &w.reply);
    let m = &w.people["member"];
    let res = m
        .post(
            &app,
            &format!("/circles/{a}/report"),
            &[("kind", "reply"), ("id", r), ("reason", "Felt dismissive")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let modr = &w.people["moderator"];
    let queue = modr.page(&app, &format!("/circles/{a}/moderation")).await;
    assert!(queue.contains("Felt dismissive"));
    let res = modr
        .post(
            &app,
            &format!("/circles/{a}/moderation"),
            &[
                ("target_kind", "reply"),
                ("target_id", r),
                ("action", "hide"),
                ("reason", "Not in the spirit of the circle"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let view = m.page(&app, &format!("/circles/{a}/threads/{t}")).await;
    assert!(!view.contains("you&#39;re not alone") && !view.contains("you're not alone"));
    let log = w.people["facilitator"]
        .page(&app, &format!("/circles/{a}/log"))
        .await;
    assert!(log.contains("hid") && log.contains("Not in the spirit of the circle"));
    assert!(
        !modr
            .page(&app, &format!("/circles/{a}/moderation"))
            .await
            .contains("Felt dismissive")
    );
    // Restore brings it back; suspend stops the author posting for a while.
    modr.post(
        &app,
        &format!("/circles/{a}/moderation"),
        &[
            ("target_kind", "reply"),
            ("target_id", r),
            ("action", "approve"),
            ("reason", "On reflection, fine"),
        ],
    )
    .await;
    assert!(
        m.page(&app, &format!("/circles/{a}/threads/{t}"))
            .await
            .contains("not alone")
    );
    let res = modr
        .post(
            &app,
            &format!("/circles/{a}/moderation"),
            &[
                ("target_kind", "thread"),
                ("target_id", t),
                ("action", "suspend"),
                ("reason", "Cool-down"),
                ("days", "2"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = m
        .post(
            &app,
            &format!("/circles/{a}/threads/{t}/replies"),
            &[("body", "Can I still post?")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("paused posting"));
    assert!(
        w.people["facilitator"]
            .page(&app, &format!("/circles/{a}/log"))
            .await
            .contains("suspended for 2 days")
    );
}

#[tokio::test]
async fn leaving_and_deleting_an_account_leave_a_former_member_on_sqlite() {
    leaving_and_deleting_an_account_leave_a_former_member(Backend::Sqlite).await;
}

#[tokio::test]
async fn leaving_and_deleting_an_account_leave_a_former_member_on_postgres() {
    leaving_and_deleting_an_account_leave_a_former_member(Backend::Postgres).await;
}

async fn leaving_and_deleting_an_account_leave_a_former_member(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let (a, t) = (&w.a, &w.thread);
    let m = &w.people["member"];
    let home = m.page(&app, &format!("/circles/{a}")).await;
    assert!(
        !main_of(&home).contains("member_one"),
        "the handle never shows in a circle"
    );
    let res = m.post(&app, &format!("/circles/{a}/leave"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        m.get(&app, &format!("/circles/{a}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let view = w.people["moderator"]
        .page(&app, &format!("/circles/{a}/threads/{t}"))
        .await;
    assert!(view.contains("a former member") && view.contains("Surgery rotation is a lot."));
    // Deleting an account removes its memberships, and its posts with them.
    let modr = &w.people["moderator"];
    assert!(app.db.store.delete_account(&modr.account).await.unwrap());
    let view = w.people["facilitator"]
        .page(&app, &format!("/circles/{a}/threads/{t}"))
        .await;
    assert!(view.contains("a former member") && view.contains("Surgery rotation is a lot."));
    assert!(!view.contains("not alone"));
}

#[tokio::test]
async fn meetings_show_in_each_members_time_zone_and_reach_the_calendar_feed_on_sqlite() {
    meetings_show_in_each_members_time_zone_and_reach_the_calendar_feed(Backend::Sqlite).await;
}

#[tokio::test]
async fn meetings_show_in_each_members_time_zone_and_reach_the_calendar_feed_on_postgres() {
    meetings_show_in_each_members_time_zone_and_reach_the_calendar_feed(Backend::Postgres).await;
}

async fn meetings_show_in_each_members_time_zone_and_reach_the_calendar_feed(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let a = &w.a;
    let fac = &w.people["facilitator"];
    let res = fac
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
                ("link", "https://meet.example/abc"),
                ("note", "Camera optional"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Test people live in America/Chicago (set at sign-up): 18:00 London is
    // 12:00 in Chicago in early March 2030, before either side changes clocks.
    let page = w.people["member"]
        .page(&app, &format!("/circles/{a}/meetings"))
        .await;
    assert!(
        page.contains("America/Chicago"),
        "times are labelled with the viewer's zone"
    );
    assert!(page.contains("Sunday 3 March, 12:00"), "{page}");
    // US clocks change on 10 March, UK clocks on 31 March: 13:00 in between.
    assert!(page.contains("Sunday 10 March, 13:00"));
    // An http(s) address is a link members can open (issue 12); anything
    // else stays text (see `is_web_link`).
    assert!(page.contains("href=\"https://meet.example/abc\" rel=\"noopener noreferrer\""));

    let m = &w.people["member"];
    let res = m.post(&app, "/circles/calendar", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    let start = page.find("/calendar/").unwrap();
    let path = &page[start..start + page[start..].find('<').unwrap()];
    let feed = app.api().get(app.url(path)).send().await.unwrap();
    assert_eq!(feed.status(), StatusCode::OK);
    assert!(
        feed.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let ics = feed.text().await.unwrap();
    assert!(
        ics.contains("SUMMARY:Sunday circle (Night shift)")
            && ics.contains("DTSTART:20300303T180000Z")
    );
    // Revoked: the old link stops working.
    m.post(&app, "/circles/calendar/revoke", &[]).await;
    assert_eq!(
        app.api().get(app.url(path)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn replies_reach_other_viewers_live() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let w = world(&app).await;
    let (a, t) = (&w.a, &w.thread);
    let watcher = &w.people["facilitator"];
    let page = watcher
        .page(&app, &format!("/circles/{a}/threads/{t}"))
        .await;
    let start = page.find("data-events=\"").unwrap() + "data-events=\"".len();
    let events = page[start..start + page[start..].find('"').unwrap()].replace("&amp;", "&");
    let mut stream = watcher.get(&app, &events).await;
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let m = &w.people["member"];
    let res = m
        .post(
            &app,
            &format!("/circles/{a}/threads/{t}/replies"),
            &[("body", "LIVEMARKER <b>bold?</b>")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mut seen = String::new();
    let got = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(chunk) = stream.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("LIVEMARKER") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(got, Ok(true), "the reply reached the other viewer: {seen}");
    assert!(seen.contains("event: reply"));
    // The thread page never renders posted markup.
    let page = watcher
        .page(&app, &format!("/circles/{a}/threads/{t}"))
        .await;
    assert!(page.contains("LIVEMARKER &lt;b&gt;bold?&lt;/b&gt;"));
}

#[tokio::test]
async fn learn_replies_are_pre_moderated_and_pseudonymous_on_sqlite() {
    learn_replies_are_pre_moderated_and_pseudonymous(Backend::Sqlite).await;
}

#[tokio::test]
async fn learn_replies_are_pre_moderated_and_pseudonymous_on_postgres() {
    learn_replies_are_pre_moderated_and_pseudonymous(Backend::Postgres).await;
}

async fn learn_replies_are_pre_moderated_and_pseudonymous(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let reader = &w.people["nonmember"];
    assert_eq!(
        reader
            .get(&app, "/learn/no-such-article/replies")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let res = reader
        .post(
            &app,
            "/learn/seek-support/replies",
            &[("body", "This helped me ask for help. LEARNMARK")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mine = reader.page(&app, &location(&res)).await;
    assert!(mine.contains("LEARNMARK") && mine.contains("once a moderator has read it"));
    assert!(!main_of(&mine).contains("outsider"));
    let other = w.people["member"]
        .page(&app, "/learn/seek-support/replies")
        .await;
    assert!(!other.contains("LEARNMARK"));
    let admin = &w.people["admin"];
    let queue = admin.page(&app, "/circles/learn/moderation").await;
    assert!(queue.contains("LEARNMARK"));
    let id = app.db.store.held_replies("learn", 10).await.unwrap()[0]
        .id
        .clone();
    let res = admin
        .post(
            &app,
            "/circles/learn/moderation",
            &[
                ("target_kind", "reply"),
                ("target_id", &id),
                ("action", "approve"),
                ("reason", "Kind and on topic"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        w.people["member"]
            .page(&app, "/learn/seek-support/replies")
            .await
            .contains("LEARNMARK")
    );
    let res = reader
        .post(
            &app,
            "/learn/seek-support/replies",
            &[("body", &"y".repeat(5_001))],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = reader
        .post(
            &app,
            "/learn/seek-support/replies",
            &[("body", "I keep thinking about ending my life.")],
        )
        .await;
    let page = reader.page(&app, &location(&res)).await;
    assert!(page.contains("Thank you for sharing this") && page.contains("988"));
}

/// Actions that destroy something: everyone but the owner gets the same 404,
/// and nothing changes; then the owner's request works.
async fn destructive_actions_belong_to_their_owners(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let (a, t, r) = (w.a.clone(), w.thread.clone(), w.reply.clone());
    let store = &app.db.store;
    store
        .create_meeting(&tend::store::MeetingRow {
            id: "meet1".into(),
            circle_id: a.clone(),
            title: "Weekly".into(),
            starts_local: "2030-01-07T19:00".into(),
            time_zone: "UTC".into(),
            weekly: 1,
            duration_minutes: 60,
            video_link: String::new(),
            note: String::new(),
            created_at: 0,
        })
        .await
        .unwrap();
    let code = invite(&app, &w.people["facilitator"], &a, "", "").await;
    // (path, owner): the reply was written by the moderator, the thread by the member.
    let cases = [
        (
            format!("/circles/{a}/replies/{r}/delete"),
            vec!["moderator"],
        ),
        (
            format!("/circles/{a}/meetings/meet1/delete"),
            vec!["facilitator", "admin"],
        ),
        (
            format!("/circles/{a}/invites/revoke"),
            vec!["facilitator", "admin"],
        ),
        (format!("/circles/{a}/threads/{t}/delete"), vec!["member"]),
    ];
    for (path, owners) in &cases {
        for who in [
            "nonmember",
            "other",
            "member",
            "facilitator",
            "moderator",
            "admin",
        ] {
            if owners.contains(&who) {
                continue;
            }
            let res = w.people[who]
                .post(&app, path, &[("code", code.as_str())])
                .await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "POST {path} as {who}");
        }
        let res = w.people[owners[0]]
            .post(&app, path, &[("code", code.as_str())])
            .await;
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "POST {path} as {}",
            owners[0]
        );
    }
    assert!(store.meetings(&a).await.unwrap().is_empty());
    let thread = w.people["facilitator"]
        .page(&app, &format!("/circles/{a}/threads/{t}"))
        .await;
    assert!(thread.contains("deleted by its author") && !thread.contains("Surgery rotation"));
    assert!(!thread.contains("not alone"));
    // Leaving: only for members; the admin, not a member, gets a 404.
    assert_eq!(
        w.people["admin"]
            .post(&app, &format!("/circles/{a}/leave"), &[])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        w.people["other"]
            .post(&app, &format!("/circles/{a}/leave"), &[])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // A calendar link that was never made is a 404 like any other.
    assert_eq!(
        app.api()
            .get(app.url("/calendar/not-a-token.ics"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn destructive_actions_belong_to_their_owners_on_sqlite() {
    destructive_actions_belong_to_their_owners(Backend::Sqlite).await;
}

#[tokio::test]
async fn destructive_actions_belong_to_their_owners_on_postgres() {
    destructive_actions_belong_to_their_owners(Backend::Postgres).await;
}

/// A load check, not run by default (`cargo test --test it busy_thread -- --ignored --nocapture`):
/// 200 readers reloading a busy thread and 200 live viewers, while 20 members
/// reply every 4 seconds each. Prints requests per second, p99 latency, and how
/// long a reply takes to reach the live viewers.
async fn busy_thread(backend: Backend, label: &str) {
    use std::sync::Arc;
    use std::time::Instant;
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let app = Arc::new(app);
    let w = world(&app).await;
    let (a, t) = (w.a.clone(), w.thread.clone());
    let fac = &w.people["facilitator"];
    let code = invite(&app, fac, &a, "", "").await;
    let mut writers = Vec::new();
    for i in 0..20 {
        let p = person(&app, &format!("writer_{i}")).await;
        join(&app, &p, &code).await;
        writers.push(p);
    }
    let mut readers = Vec::new();
    for i in 0..20 {
        let p = person(&app, &format!("reader_{i}")).await;
        join(&app, &p, &code).await;
        readers.push(p.b);
    }
    // A thread with history: 300 replies.
    for i in 0..300 {
        store_reply(&app, &a, &t, &w.people["moderator"], i).await;
    }
    let secs = 10u64;
    let deadline = Instant::now() + Duration::from_secs(secs);
    let thread_url = app.url(&format!("/circles/{a}/threads/{t}"));
    let last = app
        .db
        .store
        .replies(&t, 0, 1000)
        .await
        .unwrap()
        .last()
        .unwrap()
        .seq;
    let events_url = app.url(&format!("/circles/{a}/threads/{t}/events?after={last}"));
    // Live viewers: record when each marker arrives.
    let arrivals = Arc::new(tokio::sync::Mutex::new(Vec::<(String, Instant)>::new()));
    let mut viewers = Vec::new();
    for i in 0..200 {
        let b = readers[i % readers.len()].clone();
        let url = events_url.clone();
        let arrivals = arrivals.clone();
        viewers.push(tokio::spawn(async move {
            let Ok(mut res) = b.get(url).send().await else {
                return;
            };
            while let Ok(Ok(Some(chunk))) =
                tokio::time::timeout(Duration::from_secs(secs + 3), res.chunk()).await
            {
                let s = String::from_utf8_lossy(&chunk).to_string();
                for m in s.split("LOADMARK-").skip(1) {
                    let id: String = m.chars().take_while(char::is_ascii_digit).collect();
                    arrivals.lock().await.push((id, Instant::now()));
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut tasks = Vec::new();
    for i in 0..200 {
        let b = readers[i % readers.len()].clone();
        let url = thread_url.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let t0 = Instant::now();
                let ok = b
                    .get(&url)
                    .send()
                    .await
                    .map(|r| r.status() == StatusCode::OK)
                    .unwrap_or(false);
                assert!(ok);
                lat.push(t0.elapsed());
            }
            lat
        }));
    }
    let sent = Arc::new(tokio::sync::Mutex::new(Vec::<(String, Instant)>::new()));
    let mut writer_tasks = Vec::new();
    for (i, p) in writers.into_iter().enumerate() {
        let app = app.clone();
        let sent = sent.clone();
        let path = format!("/circles/{a}/threads/{t}/replies");
        writer_tasks.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(200 * i as u64)).await;
            let mut n = 0;
            while Instant::now() + Duration::from_secs(2) < deadline {
                let id = format!("{i}{n:03}");
                let res = p
                    .post(&app, &path, &[("body", &format!("Reply LOADMARK-{id} x"))])
                    .await;
                assert_eq!(res.status(), StatusCode::SEE_OTHER);
                sent.lock().await.push((id, Instant::now()));
                n += 1;
                tokio::time::sleep(Duration::from_secs(4)).await;
            }
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    for t in writer_tasks {
        t.await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    for v in &viewers {
        v.abort();
    }
    lat.sort();
    let p = |q: f64| lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)];
    let sent = sent.lock().await.clone();
    let arrivals = arrivals.lock().await.clone();
    let mut fan: Vec<Duration> = Vec::new();
    for (id, at) in &arrivals {
        if let Some((_, s)) = sent.iter().find(|(x, _)| x == id) {
            fan.push(at.saturating_duration_since(*s));
        }
    }
    fan.sort();
    let expected = sent.len() * 200;
    let f = |q: f64| {
        fan.get(((fan.len() as f64 * q) as usize).min(fan.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "| {label} | {:.0} | {:?} | {:?} | {} | {}/{} | {:?} | {:?} | {:?} |",
        lat.len() as f64 / secs as f64,
        p(0.5),
        p(0.99),
        sent.len(),
        fan.len(),
        expected,
        f(0.5),
        f(0.99),
        fan.last().copied().unwrap_or_default(),
    );
}

async fn store_reply(app: &TestApp, circle: &str, thread: &str, author: &Person, i: usize) {
    let m = app
        .db
        .store
        .membership(circle, &author.account)
        .await
        .unwrap()
        .unwrap();
    app.db
        .store
        .create_reply(&tend::store::ReplyRow {
            id: format!("seed{i}"),
            thread_id: thread.into(),
            circle_id: circle.into(),
            author_id: m.id,
            body: format!("Seeded reply number {i}, a few sentences long to look like a real one. It was a long day."),
            status: "visible".into(),
            urgent: 0,
            created_at: 1_700_000_000 + i as i64,
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a load check; run on purpose"]
async fn busy_thread_load() {
    println!(
        "| backend | reads/s | p50 | p99 | replies | deliveries | fan-out p50 | fan-out p99 | fan-out max |"
    );
    busy_thread(Backend::Sqlite, "SQLite").await;
    busy_thread(Backend::Postgres, "PostgreSQL").await;
}

/// Five people race for a code with three uses: exactly three get in, the
/// others are told it's used up, and nobody sees an error.
async fn the_last_uses_of_a_code_are_shared_fairly(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let fac = person(&app, "racefac").await;
    app.db
        .store
        .grant_server_role(&fac.account, "facilitator")
        .await
        .unwrap();
    let circle = start_circle(&app, &fac, "Race").await;
    let code = invite(&app, &fac, &circle, "", "3").await;
    let mut people = Vec::new();
    for i in 0..5 {
        people.push(person(&app, &format!("racer_{i}")).await);
    }
    let results = futures_join(&app, &people, &code).await;
    let joined = results
        .iter()
        .filter(|s| **s == StatusCode::SEE_OTHER)
        .count();
    let refused = results
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    assert_eq!((joined, refused), (3, 2), "{results:?}");
    let page = fac.page(&app, &format!("/circles/{circle}/invites")).await;
    assert!(page.contains("used 3 of 3 times"));
}

async fn futures_join(app: &TestApp, people: &[Person], code: &str) -> Vec<StatusCode> {
    let mut handles = Vec::new();
    for p in people {
        let b = p.b.clone();
        let url = app.url("/circles/join");
        let form = vec![
            ("csrf".to_owned(), p.csrf.clone()),
            ("code".to_owned(), code.to_owned()),
        ];
        handles.push(tokio::spawn(async move {
            b.post(url).form(&form).send().await.unwrap().status()
        }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn the_last_uses_of_a_code_are_shared_fairly_on_sqlite() {
    the_last_uses_of_a_code_are_shared_fairly(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_last_uses_of_a_code_are_shared_fairly_on_postgres() {
    the_last_uses_of_a_code_are_shared_fairly(Backend::Postgres).await;
}

#[tokio::test]
async fn long_threads_page_on_and_only_the_last_page_is_live() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let w = world(&app).await;
    let (a, t) = (&w.a, &w.thread);
    for i in 0..205 {
        store_reply(&app, a, t, &w.people["facilitator"], i).await;
    }
    let m = &w.people["member"];
    let first = m.page(&app, &format!("/circles/{a}/threads/{t}")).await;
    assert_eq!(first.matches("class=\"reply\"").count(), 200);
    assert!(!first.contains("data-events"));
    let start = first.find("?after=").unwrap();
    let next = &first[start..start + first[start..].find('"').unwrap()];
    let second = m
        .page(&app, &format!("/circles/{a}/threads/{t}{next}"))
        .await;
    assert_eq!(second.matches("class=\"reply\"").count(), 6);
    assert!(second.contains("data-events") && second.contains("Seeded reply number 204"));
    assert!(second.contains("Back to the first replies"));
    // Nonsense paging falls back to the start instead of failing.
    let res = m
        .get(&app, &format!("/circles/{a}/threads/{t}?after=banana"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // A reply in a long thread lands on the page that shows it.
    let res = m
        .post(
            &app,
            &format!("/circles/{a}/threads/{t}/replies"),
            &[("body", "PAGEMARK")],
        )
        .await;
    let to = location(&res);
    assert!(to.contains("?after="), "{to}");
    assert!(m.page(&app, &to).await.contains("PAGEMARK"));
}

/// Posts a reply as `p` and returns its id.
async fn post_reply(app: &TestApp, p: &Person, circle: &str, thread: &str, body: &str) -> String {
    let res = p
        .post(
            app,
            &format!("/circles/{circle}/threads/{thread}/replies"),
            &[("body", body)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    location(&res).split("#r-").nth(1).unwrap().to_owned()
}

/// Starts a thread as `p` and returns its id.
async fn post_thread(app: &TestApp, p: &Person, circle: &str, title: &str, body: &str) -> String {
    let res = p
        .post(
            app,
            &format!("/circles/{circle}/threads"),
            &[("title", title), ("body", body)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    thread_of(&location(&res))
}

async fn moderate(
    app: &TestApp,
    modr: &Person,
    circle: &str,
    kind: &str,
    id: &str,
    action: &str,
) -> reqwest::Response {
    modr.post(
        app,
        &format!("/circles/{circle}/moderation"),
        &[
            ("target_kind", kind),
            ("target_id", id),
            ("action", action),
            ("reason", "Checked"),
        ],
    )
    .await
}

/// The `<title>` of a page.
fn title_of(page: &str) -> &str {
    let start = page.find("<title>").unwrap() + "<title>".len();
    &page[start..start + page[start..].find("</title>").unwrap()]
}

/// What an author deletes is gone: its words leave the database at once, the
/// moderators' queue drops its reports, and no moderator action brings it back.
async fn what_an_author_deletes_stays_deleted(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let a = &w.a;
    let (m, modr, fac) = (
        &w.people["member"],
        &w.people["moderator"],
        &w.people["facilitator"],
    );
    let store = &app.db.store;
    let t = post_thread(&app, m, a, "DELTITLE worry", "DELTBODY words").await;
    let r = post_reply(&app, m, a, &w.thread, "DELRBODY words").await;
    for (kind, id) in [("thread", t.as_str()), ("reply", r.as_str())] {
        let res = fac
            .post(
                &app,
                &format!("/circles/{a}/report"),
                &[("kind", kind), ("id", id), ("reason", "REPORTMARK")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let queue = modr.page(&app, &format!("/circles/{a}/moderation")).await;
    assert!(queue.contains("DELTBODY") && queue.contains("DELRBODY"));

    let res = m
        .post(&app, &format!("/circles/{a}/threads/{t}/delete"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = m
        .post(&app, &format!("/circles/{a}/replies/{r}/delete"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // The words are gone from the database, not just hidden.
    let row = store.thread(a, &t).await.unwrap().unwrap();
    assert_eq!(
        (row.status.as_str(), row.title.as_str(), row.body.as_str()),
        ("deleted", "", "")
    );
    let row = store.reply(a, &r).await.unwrap().unwrap();
    assert_eq!((row.status.as_str(), row.body.as_str()), ("deleted", ""));

    let queue = modr.page(&app, &format!("/circles/{a}/moderation")).await;
    assert!(!queue.contains("DELT") && !queue.contains("DELRBODY"));
    assert!(
        !queue.contains("REPORTMARK"),
        "reports on deleted posts leave the queue"
    );

    // "Approve / restore", or any other action, is refused plainly and changes nothing.
    for (kind, id) in [("thread", t.as_str()), ("reply", r.as_str())] {
        for action in ["approve", "hide", "lock"] {
            if action == "lock" && kind == "reply" {
                continue;
            }
            let res = moderate(&app, modr, a, kind, id, action).await;
            assert_eq!(
                res.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{kind} {action}"
            );
            assert!(
                res.text()
                    .await
                    .unwrap()
                    .contains("Its author deleted this")
            );
        }
    }
    assert_eq!(
        store.thread(a, &t).await.unwrap().unwrap().status,
        "deleted"
    );
    assert_eq!(store.reply(a, &r).await.unwrap().unwrap().status, "deleted");
    let log = fac.page(&app, &format!("/circles/{a}/log")).await;
    assert!(!log.contains("approved"));
    // Nobody sees the deleted words; the author's list no longer shows the thread.
    let view = fac
        .page(&app, &format!("/circles/{a}/threads/{}", w.thread))
        .await;
    assert!(!view.contains("DELRBODY"));
    assert!(
        !m.page(&app, &format!("/circles/{a}"))
            .await
            .contains(&format!("/threads/{t}\""))
    );
}

#[tokio::test]
async fn what_an_author_deletes_stays_deleted_on_sqlite() {
    what_an_author_deletes_stays_deleted(Backend::Sqlite).await;
}

#[tokio::test]
async fn what_an_author_deletes_stays_deleted_on_postgres() {
    what_an_author_deletes_stays_deleted(Backend::Postgres).await;
}

/// A removed or deleted thread's address shows members a neutral note: no
/// title, no words, no replies, and its live feed sends nothing.
async fn removed_and_deleted_threads_show_members_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let a = &w.a;
    let (m, modr, fac) = (
        &w.people["member"],
        &w.people["moderator"],
        &w.people["facilitator"],
    );
    let t = post_thread(&app, m, a, "REMOVEDTITLE", "REMOVEDBODY").await;
    post_reply(&app, modr, a, &t, "REMOVEDREPLY").await;
    let res = moderate(&app, modr, a, "thread", &t, "remove").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    for viewer in [m] {
        let res = viewer.get(&app, &format!("/circles/{a}/threads/{t}")).await;
        assert_eq!(res.status(), StatusCode::OK);
        let page = res.text().await.unwrap();
        assert!(page.contains("This thread was removed"), "{page}");
        assert!(!title_of(&page).contains("REMOVEDTITLE"));
        for word in ["REMOVEDTITLE", "REMOVEDBODY", "REMOVEDREPLY"] {
            assert!(!page.contains(word), "{word} leaked: {page}");
        }
        let res = viewer
            .get(&app, &format!("/circles/{a}/threads/{t}/events?after=0"))
            .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert!(!res.text().await.unwrap().contains("REMOVEDREPLY"));
    }
    // Moderators still see it, to restore it if that was a mistake.
    let page = modr.page(&app, &format!("/circles/{a}/threads/{t}")).await;
    assert!(page.contains("REMOVEDTITLE") && page.contains("REMOVEDREPLY"));
    // A reply sent to the removed thread is refused, and the words are kept to copy.
    let res = m
        .post(
            &app,
            &format!("/circles/{a}/threads/{t}/replies"),
            &[("body", "KEEPMYWORDS")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("KEEPMYWORDS") && !page.contains("REMOVEDREPLY"));

    let t = post_thread(&app, m, a, "DELETEDTITLE", "DELETEDBODY").await;
    post_reply(&app, modr, a, &t, "DELETEDREPLY").await;
    let res = m
        .post(&app, &format!("/circles/{a}/threads/{t}/delete"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    for viewer in [fac, m, modr] {
        let page = viewer
            .page(&app, &format!("/circles/{a}/threads/{t}"))
            .await;
        assert!(page.contains("deleted by its author"), "{page}");
        for word in ["DELETEDTITLE", "DELETEDBODY", "DELETEDREPLY"] {
            assert!(!page.contains(word), "{word} leaked: {page}");
        }
    }
    let res = fac
        .get(&app, &format!("/circles/{a}/threads/{t}/events?after=0"))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn removed_and_deleted_threads_show_members_nothing_on_sqlite() {
    removed_and_deleted_threads_show_members_nothing(Backend::Sqlite).await;
}

#[tokio::test]
async fn removed_and_deleted_threads_show_members_nothing_on_postgres() {
    removed_and_deleted_threads_show_members_nothing(Backend::Postgres).await;
}

/// Deleting an account deletes the person's circle threads and replies too,
/// Learn replies included: the words leave the database in the same step.
async fn deleting_an_account_deletes_its_circle_posts(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let (a, t) = (&w.a, &w.thread);
    let (m, fac) = (&w.people["member"], &w.people["facilitator"]);
    let store = &app.db.store;
    // A visible thread and reply, and a held one of each.
    let r = post_reply(&app, m, a, t, "ACCTREPLY words").await;
    let res = m
        .post(
            &app,
            &format!("/circles/{a}/threads"),
            &[
                ("title", "Held"),
                ("body", "I want to kill myself tonight."),
            ],
        )
        .await;
    let held_t = thread_of(&location(&res));
    let res = m
        .post(
            &app,
            "/learn/seek-support/replies",
            &[("body", "ACCTLEARN words")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let learn_r = location(&res).split("#r-").nth(1).unwrap().to_owned();
    let other = post_reply(&app, fac, a, t, "FACREPLY stays").await;

    let res = m
        .post(&app, "/account/delete", &[("passphrase", PASS)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    for id in [t.as_str(), held_t.as_str()] {
        let row = store.thread(a, id).await.unwrap().unwrap();
        assert_eq!(
            (row.status.as_str(), row.title.as_str(), row.body.as_str()),
            ("deleted", "", "")
        );
    }
    for (circle, id) in [(a.as_str(), r.as_str()), ("learn", learn_r.as_str())] {
        let row = store.reply(circle, id).await.unwrap().unwrap();
        assert_eq!((row.status.as_str(), row.body.as_str()), ("deleted", ""));
    }
    // Other people's words are theirs, and stay.
    let row = store.reply(a, &other).await.unwrap().unwrap();
    assert_eq!(
        (row.status.as_str(), row.body.as_str()),
        ("visible", "FACREPLY stays")
    );
    assert!(store.held_threads(a, 10).await.unwrap().is_empty());
    let page = fac.page(&app, &format!("/circles/{a}/threads/{t}")).await;
    assert!(page.contains("deleted by its author") && !page.contains("Rough week"));
    let learn = fac.page(&app, "/learn/seek-support/replies").await;
    assert!(!learn.contains("ACCTLEARN"));
}

#[tokio::test]
async fn deleting_an_account_deletes_its_circle_posts_on_sqlite() {
    deleting_an_account_deletes_its_circle_posts(Backend::Sqlite).await;
}

#[tokio::test]
async fn deleting_an_account_deletes_its_circle_posts_on_postgres() {
    deleting_an_account_deletes_its_circle_posts(Backend::Postgres).await;
}

/// Under a Learn article with more than 300 replies, the newest show, so a
/// new reply (and its author's own held reply) never vanishes.
async fn learn_shows_the_newest_replies(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let reader = &w.people["nonmember"];
    let res = reader
        .post(
            &app,
            "/learn/seek-support/replies",
            &[("body", "FIRSTLEARN")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    for i in 0..305 {
        store_reply(&app, "learn", "learn-seek-support", reader, i).await;
    }
    let res = reader
        .post(
            &app,
            "/learn/seek-support/replies",
            &[("body", "NEWESTLEARN")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mine = reader.page(&app, &location(&res)).await;
    assert!(mine.contains("NEWESTLEARN"), "my held reply shows");
    assert!(mine.contains("Seeded reply number 304"));
    let theirs = w.people["member"]
        .page(&app, "/learn/seek-support/replies")
        .await;
    assert_eq!(theirs.matches("class=\"reply\"").count(), 300);
    assert!(theirs.contains("Seeded reply number 304") && !theirs.contains("NEWESTLEARN"));
}

#[tokio::test]
async fn learn_shows_the_newest_replies_on_sqlite() {
    learn_shows_the_newest_replies(Backend::Sqlite).await;
}

#[tokio::test]
async fn learn_shows_the_newest_replies_on_postgres() {
    learn_shows_the_newest_replies(Backend::Postgres).await;
}

/// The report form shows a reply's words only where its thread can be read.
async fn the_report_form_does_not_open_hidden_threads(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let (a, t, r) = (&w.a, &w.thread, &w.reply);
    let modr = &w.people["moderator"];
    let code = invite(&app, &w.people["facilitator"], a, "", "").await;
    let newcomer = person(&app, "newcomer").await;
    assert_eq!(
        join(&app, &newcomer, &code).await.status(),
        StatusCode::SEE_OTHER
    );
    let form = format!("/circles/{a}/report?kind=reply&id={r}");
    assert_eq!(newcomer.get(&app, &form).await.status(), StatusCode::OK);
    for action in ["hide", "remove"] {
        let res = moderate(&app, modr, a, "thread", t, action).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = newcomer.get(&app, &form).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{action}");
        assert!(!res.text().await.unwrap().contains("not alone"));
        let res = newcomer
            .post(
                &app,
                &format!("/circles/{a}/report"),
                &[("kind", "reply"), ("id", r), ("reason", "Looking")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{action}");
    }
}

#[tokio::test]
async fn the_report_form_does_not_open_hidden_threads_on_sqlite() {
    the_report_form_does_not_open_hidden_threads(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_report_form_does_not_open_hidden_threads_on_postgres() {
    the_report_form_does_not_open_hidden_threads(Backend::Postgres).await;
}

/// Leaving a circle keeps a person's posts (as "a former member"); deleting the
/// account afterwards still removes their words.
async fn deleting_an_account_also_deletes_posts_in_circles_it_left(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let (a, t) = (&w.a, &w.thread);
    let m = &w.people["member"];
    let r = post_reply(&app, m, a, t, "LEFTREPLY words").await;
    let res = m.post(&app, &format!("/circles/{a}/leave"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let row = app.db.store.reply(a, &r).await.unwrap().unwrap();
    assert_eq!(row.body, "LEFTREPLY words", "leaving keeps the words");
    let res = m
        .post(&app, "/account/delete", &[("passphrase", PASS)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let row = app.db.store.reply(a, &r).await.unwrap().unwrap();
    assert_eq!((row.status.as_str(), row.body.as_str()), ("deleted", ""));
}

#[tokio::test]
async fn deleting_an_account_also_deletes_posts_in_circles_it_left_on_sqlite() {
    deleting_an_account_also_deletes_posts_in_circles_it_left(Backend::Sqlite).await;
}

#[tokio::test]
async fn deleting_an_account_also_deletes_posts_in_circles_it_left_on_postgres() {
    deleting_an_account_also_deletes_posts_in_circles_it_left(Backend::Postgres).await;
}

// ---- The circles service: one transaction per moderation action, the role
// hierarchy, and the patient-identifier check on shared words.

/// Makes every insert into the moderation log fail, as a full disk or a
/// broken connection would between the change and its log line.
async fn refuse_log_lines(app: &TestApp) {
    match app.db.postgres_schema() {
        Some((url, schema)) => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            sqlx::query(&format!(
                "CREATE FUNCTION \"{schema}\".refuse_log() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'log refused'; END $$ LANGUAGE plpgsql"
            ))
            .execute(&pool)
            .await
            .unwrap();
            sqlx::query(&format!(
                "CREATE TRIGGER refuse_log BEFORE INSERT ON \"{schema}\".moderation_log \
                 FOR EACH ROW EXECUTE FUNCTION \"{schema}\".refuse_log()"
            ))
            .execute(&pool)
            .await
            .unwrap();
        }
        None => {
            let url = format!("sqlite://{}", app.db.sqlite_file().display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            sqlx::query(
                "CREATE TRIGGER refuse_log BEFORE INSERT ON moderation_log \
                 BEGIN SELECT RAISE(ABORT, 'log refused'); END",
            )
            .execute(&pool)
            .await
            .unwrap();
        }
    }
}

async fn a_moderation_action_is_never_left_without_its_log_line(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let (a, t, r) = (&w.a, &w.thread, &w.reply);
    let (m, fac) = (&w.people["member"], &w.people["facilitator"]);
    // The member reports the moderator's reply; the facilitator acts on it.
    let res = m
        .post(
            &app,
            &format!("/circles/{a}/report"),
            &[("kind", "reply"), ("id", r), ("reason", "Unkind")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    refuse_log_lines(&app).await;
    let res = moderate(&app, fac, a, "reply", r, "hide").await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    // Nothing happened: the reply is still visible, the report still open,
    // and the log (which could not be written) has nothing to miss.
    let store = &app.db.store;
    assert_eq!(store.reply(a, r).await.unwrap().unwrap().status, "visible");
    let open = store.open_reports(a, 10).await.unwrap();
    assert_eq!(open.len(), 1, "{open:?}");
    assert!(store.moderation_log(a, 10).await.unwrap().is_empty());
    // A suspension is rolled back the same way.
    let res = fac
        .post(
            &app,
            &format!("/circles/{a}/moderation"),
            &[
                ("target_kind", "thread"),
                ("target_id", t),
                ("action", "suspend"),
                ("reason", "Cooling off"),
                ("days", "3"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let member = store.membership(a, &m.account).await.unwrap().unwrap();
    assert_eq!(member.suspended_until, None);
}

#[tokio::test]
async fn a_moderation_action_is_never_left_without_its_log_line_on_sqlite() {
    a_moderation_action_is_never_left_without_its_log_line(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_moderation_action_is_never_left_without_its_log_line_on_postgres() {
    a_moderation_action_is_never_left_without_its_log_line(Backend::Postgres).await;
}

async fn suspend(
    app: &TestApp,
    who: &Person,
    circle: &str,
    kind: &str,
    id: &str,
    action: &str,
) -> reqwest::Response {
    who.post(
        app,
        &format!("/circles/{circle}/moderation"),
        &[
            ("target_kind", kind),
            ("target_id", id),
            ("action", action),
            ("reason", "A break"),
            ("days", "3"),
        ],
    )
    .await
}

async fn moderators_act_on_members_not_on_the_facilitator_or_themselves(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let (a, own_reply) = (&w.a, &w.reply);
    let (fac, modr, m) = (
        &w.people["facilitator"],
        &w.people["moderator"],
        &w.people["member"],
    );
    let store = &app.db.store;
    let paused = |account: String| async move {
        store
            .membership(a, &account)
            .await
            .unwrap()
            .unwrap()
            .suspended_until
    };
    let fac_thread = post_thread(&app, fac, a, "Welcome", "Say hello when you're ready.").await;
    let res = suspend(&app, modr, a, "thread", &fac_thread, "suspend").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("circle's facilitator"));
    assert_eq!(paused(fac.account.clone()).await, None);
    // Nor themselves, through their own reply.
    let res = suspend(&app, modr, a, "reply", own_reply, "suspend").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(paused(modr.account.clone()).await, None);
    assert!(store.moderation_log(a, 10).await.unwrap().is_empty());
    // A member is theirs to pause; the facilitator may pause the moderator.
    let res = suspend(&app, modr, a, "thread", &w.thread, "suspend").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(paused(m.account.clone()).await.is_some());
    let res = suspend(&app, fac, a, "reply", own_reply, "suspend").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(paused(modr.account.clone()).await.is_some());
}

#[tokio::test]
async fn moderators_act_on_members_not_on_the_facilitator_or_themselves_on_sqlite() {
    moderators_act_on_members_not_on_the_facilitator_or_themselves(Backend::Sqlite).await;
}

#[tokio::test]
async fn moderators_act_on_members_not_on_the_facilitator_or_themselves_on_postgres() {
    moderators_act_on_members_not_on_the_facilitator_or_themselves(Backend::Postgres).await;
}

async fn nobody_lifts_their_own_suspension(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let (a, t, own_reply) = (&w.a, &w.thread, &w.reply);
    let (fac, modr) = (&w.people["facilitator"], &w.people["moderator"]);
    let store = &app.db.store;
    // The facilitator pauses the moderator, through the moderator's reply.
    let res = suspend(&app, fac, a, "reply", own_reply, "suspend").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let paused = || async {
        store
            .membership(a, &modr.account)
            .await
            .unwrap()
            .unwrap()
            .suspended_until
    };
    assert!(paused().await.is_some());
    // The moderator cannot end it themselves.
    let res = suspend(&app, modr, a, "reply", own_reply, "unsuspend").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("can't end your own suspension")
    );
    assert!(paused().await.is_some());
    let res = modr
        .post(
            &app,
            &format!("/circles/{a}/threads/{t}/replies"),
            &[("body", "Back again")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The facilitator can.
    let res = suspend(&app, fac, a, "reply", own_reply, "unsuspend").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(paused().await.is_none());
}

#[tokio::test]
async fn nobody_lifts_their_own_suspension_on_sqlite() {
    nobody_lifts_their_own_suspension(Backend::Sqlite).await;
}

#[tokio::test]
async fn nobody_lifts_their_own_suspension_on_postgres() {
    nobody_lifts_their_own_suspension(Backend::Postgres).await;
}

async fn words_that_might_identify_a_patient_get_a_second_look(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let (a, t, m) = (&w.a, &w.thread, &w.people["member"]);
    let words = "I messed up Mrs Okafor's meds in bed 12 today.";
    let before = app.db.store.replies(t, 0, 100).await.unwrap().len();
    let res = m
        .post(
            &app,
            &format!("/circles/{a}/threads/{t}/replies"),
            &[("body", words)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("This might identify a patient"), "{page}");
    assert!(page.contains("Mrs Okafor"), "the words are named: {page}");
    assert!(page.contains("name=\"identifiers_ok\""), "{page}");
    assert!(page.contains("Send as it is"));
    // Nothing was shared yet.
    assert_eq!(app.db.store.replies(t, 0, 100).await.unwrap().len(), before);
    // The author decides: as it is.
    let res = m
        .post(
            &app,
            &format!("/circles/{a}/threads/{t}/replies"),
            &[("body", words), ("identifiers_ok", "true")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // New threads get the same note, with the title checked too.
    let res = m
        .post(
            &app,
            &format!("/circles/{a}/threads"),
            &[("title", "Mrs Okafor in bed 12"), ("body", "A hard shift.")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("This might identify a patient"), "{page}");
    assert!(page.contains("Post as it is"));
    // And Learn replies.
    let res = m
        .post(&app, "/learn/seek-support/replies", &[("body", words)])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("This might identify a patient"), "{page}");
    assert!(page.contains("Send as it is"));
}

#[tokio::test]
async fn words_that_might_identify_a_patient_get_a_second_look_on_sqlite() {
    words_that_might_identify_a_patient_get_a_second_look(Backend::Sqlite).await;
}

#[tokio::test]
async fn words_that_might_identify_a_patient_get_a_second_look_on_postgres() {
    words_that_might_identify_a_patient_get_a_second_look(Backend::Postgres).await;
}

/// Reads a live stream until it ends or `wait` passes; true when it ended.
async fn stream_ends(stream: &mut reqwest::Response, wait: Duration) -> bool {
    tokio::time::timeout(wait, async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await
    .is_ok()
}

async fn live_streams_follow_membership_and_are_capped(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let (a, t) = (&w.a, &w.thread);
    let events = format!("/circles/{a}/threads/{t}/events");

    // Leaving the circle ends an open stream within seconds (it re-checks
    // every 5 s), not at the end of its 30-minute life.
    let m = &w.people["member"];
    let mut stream = m.get(&app, &events).await;
    assert_eq!(stream.status(), StatusCode::OK);
    let res = m.post(&app, &format!("/circles/{a}/leave"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        stream_ends(&mut stream, Duration::from_secs(15)).await,
        "leaving ended the live stream"
    );
    assert_eq!(m.get(&app, &events).await.status(), StatusCode::NOT_FOUND);

    // One account holds at most ten streams at once; the eleventh is told
    // to wait, and a place frees up when a stream closes.
    let f = &w.people["facilitator"];
    let mut open = Vec::new();
    for i in 0..10 {
        let s = f.get(&app, &events).await;
        assert_eq!(s.status(), StatusCode::OK, "stream {i}");
        open.push(s);
    }
    let refused = f.get(&app, &events).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));
    // Someone else is not affected.
    assert_eq!(
        w.people["moderator"].get(&app, &events).await.status(),
        StatusCode::OK
    );
    drop(open.pop());
    // The server notices the closed connection at its next write or check;
    // retry for a bounded time.
    let mut again = StatusCode::TOO_MANY_REQUESTS;
    for _ in 0..40 {
        again = f.get(&app, &events).await.status();
        if again == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(again, StatusCode::OK, "a closed stream gave its place back");
}

#[tokio::test]
async fn live_streams_follow_membership_and_are_capped_on_sqlite() {
    live_streams_follow_membership_and_are_capped(Backend::Sqlite).await;
}

#[tokio::test]
async fn live_streams_follow_membership_and_are_capped_on_postgres() {
    live_streams_follow_membership_and_are_capped(Backend::Postgres).await;
}

// Issue 12: a facilitator badge in threads, a private note to the author of a
// held post, and moderation forms that ask only for what each action needs.

async fn facilitators_wear_a_badge_in_threads(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let (a, t) = (&w.a, &w.thread);
    let (fac, member) = (&w.people["facilitator"], &w.people["member"]);
    post_reply(&app, fac, a, t, "Thank you for saying it here.").await;
    let own = post_thread(&app, fac, a, "Welcome", "Say hello when you like.").await;

    // The thread page (on SQLite, the one-query read pool) shows one badge,
    // beside the facilitator's reply, and none beside the moderator's or the
    // member's words.
    let page = member
        .page(&app, &format!("/circles/{a}/threads/{t}"))
        .await;
    let main = main_of(&page);
    assert_eq!(main.matches("class=\"role-badge\"").count(), 1, "{main}");
    let badge = main.find("class=\"role-badge\"").unwrap();
    let reply = main[..badge].rfind("<li id=\"r-").unwrap();
    assert!(main[reply..].contains("Thank you for saying it here."));
    // A word, not only a colour, and read as "…, facilitator".
    assert!(main[badge..].starts_with(
        "class=\"role-badge\"><span class=\"visually-hidden\">, </span>facilitator</span>"
    ));
    // The facilitator's own thread carries it in its byline and in the list.
    let page = member
        .page(&app, &format!("/circles/{a}/threads/{own}"))
        .await;
    assert_eq!(main_of(&page).matches("class=\"role-badge\"").count(), 1);
    let home = member.page(&app, &format!("/circles/{a}")).await;
    assert_eq!(main_of(&home).matches("class=\"role-badge\"").count(), 1);
    // The role comes from the membership join on both stores.
    let replies = app.db.store.replies(t, 0, 100).await.unwrap();
    let roles: Vec<_> = replies.iter().map(|r| r.author_role.as_deref()).collect();
    assert_eq!(roles, vec![Some("moderator"), Some("facilitator")]);
    let rows = app
        .db
        .store
        .thread_page(a, &member.account, "admin", t, 0, 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rows.thread.unwrap().author_role.as_deref(), Some("member"));
    assert_eq!(
        rows.replies.last().unwrap().author_role,
        Some("facilitator")
    );
    // A facilitator who leaves is "a former member", with no badge.
    let res = fac.post(&app, &format!("/circles/{a}/leave"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = member
        .page(&app, &format!("/circles/{a}/threads/{t}"))
        .await;
    assert!(!main_of(&page).contains("role-badge"));
}

#[tokio::test]
async fn facilitators_wear_a_badge_in_threads_on_sqlite() {
    facilitators_wear_a_badge_in_threads(Backend::Sqlite).await;
}

#[tokio::test]
async fn facilitators_wear_a_badge_in_threads_on_postgres() {
    facilitators_wear_a_badge_in_threads(Backend::Postgres).await;
}

async fn reach(
    app: &TestApp,
    p: &Person,
    circle: &str,
    kind: &str,
    id: &str,
    note: &str,
) -> reqwest::Response {
    p.post(
        app,
        &format!("/circles/{circle}/moderation/reach-out"),
        &[("target_kind", kind), ("target_id", id), ("note", note)],
    )
    .await
}

/// Posts a reply with risk words (so it is held) and returns its id.
async fn held_reply(app: &TestApp, p: &Person, circle: &str, thread: &str, body: &str) -> String {
    let res = p
        .post(
            app,
            &format!("/circles/{circle}/threads/{thread}/replies"),
            &[("body", body)],
        )
        .await;
    assert!(location(&res).contains("held=risk"));
    app.db
        .store
        .held_replies(circle, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.body == body)
        .unwrap()
        .id
}

async fn notes_of(app: &TestApp, p: &Person) -> Vec<String> {
    app.db
        .store
        .notifications(&p.account, 100)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|n| n.note)
        .collect()
}

async fn a_moderator_writes_privately_to_the_author_of_a_held_post(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let (a, t) = (&w.a, &w.thread);
    let (fac, member, modr) = (
        &w.people["facilitator"],
        &w.people["member"],
        &w.people["moderator"],
    );
    let held = held_reply(
        &app,
        member,
        a,
        t,
        "Honestly I want to kill myself after today.",
    )
    .await;

    // The queue offers a note, started from a kind template.
    let queue = fac.page(&app, &format!("/circles/{a}/moderation")).await;
    assert!(queue.contains("Write to the author privately"), "{queue}");
    assert!(queue.contains("/moderation/reach-out"));
    assert!(
        queue.contains("you haven&#39;t done anything wrong")
            || queue.contains("you haven't done anything wrong")
    );

    // Bad input: a plain message, the words kept, nothing written.
    let res = reach(&app, fac, a, "reply", &held, "   ").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("The note can&#39;t be empty") || body.contains("The note can't be empty"),
        "{body}"
    );
    let long = "x".repeat(1_001);
    let res = reach(&app, fac, a, "reply", &held, &long).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(body.contains("the most it can hold is 1000"), "{body}");
    assert!(body.contains(&long), "the note comes back to fix");
    // Not held (the visible thread): refused, plainly.
    let res = reach(&app, fac, a, "thread", t, "Hello").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("no longer waiting"));
    // Unknown posts and kinds are 404, as is anyone who may not moderate.
    assert_eq!(
        reach(&app, fac, a, "reply", "nope", "Hi").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        reach(&app, fac, a, "meeting", &held, "Hi").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        reach(&app, member, a, "reply", &held, "Hi").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        w.people["other"]
            .post(
                &app,
                &format!("/circles/{a}/moderation/reach-out"),
                &[
                    ("target_kind", "reply"),
                    ("target_id", &held),
                    ("note", "Hi")
                ]
            )
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert!(notes_of(&app, member).await.is_empty());

    // Sent: the author alone gets it, with help one tap away.
    let note = "Hi, I read what you shared. You're not alone; I'm around tonight.";
    let res = reach(&app, fac, a, "reply", &held, note).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/circles/{a}/moderation?done=note"));
    let done = fac.page(&app, &location(&res)).await;
    assert!(done.contains("Your note was sent"));
    assert_eq!(notes_of(&app, member).await, vec![note.to_owned()]);
    for who in ["facilitator", "moderator", "other", "admin"] {
        assert!(notes_of(&app, &w.people[who]).await.is_empty(), "{who}");
    }
    let inbox = member.page(&app, "/notifications").await;
    assert!(inbox.contains("wrote to you privately"), "{inbox}");
    assert!(inbox.contains("I&#39;m around tonight") || inbox.contains("I'm around tonight"));
    assert!(inbox.contains("href=\"/hard-moment\"") && inbox.contains("href=\"/help\""));
    // Nothing about it in the moderation log.
    let log = fac.page(&app, &format!("/circles/{a}/log")).await;
    assert!(!log.contains("around tonight"));

    // Someone who turned these notes off gets nothing, and the sender is told
    // exactly what they were told before: they learn nothing new.
    let res = member
        .post(&app, "/notifications/off", &[("kind", "reach_out")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = reach(&app, modr, a, "reply", &held, "Thinking of you.").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/circles/{a}/moderation?done=note"));
    assert_eq!(notes_of(&app, member).await, vec![note.to_owned()]);

    // Never to yourself.
    let own = held_reply(&app, fac, a, t, "I don't want to be alive anymore.").await;
    let res = reach(&app, fac, a, "reply", &own, "Hello me").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("your own post"));

    // Once handled, the post no longer takes notes.
    let res = moderate(&app, modr, a, "reply", &held, "approve").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = reach(&app, fac, a, "reply", &held, "Hello").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Deleting the account deletes the note with it.
    assert!(app.db.store.delete_account(&member.account).await.unwrap());
    assert!(notes_of(&app, member).await.is_empty());
}

#[tokio::test]
async fn a_moderator_writes_privately_to_the_author_of_a_held_post_on_sqlite() {
    a_moderator_writes_privately_to_the_author_of_a_held_post(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_moderator_writes_privately_to_the_author_of_a_held_post_on_postgres() {
    a_moderator_writes_privately_to_the_author_of_a_held_post(Backend::Postgres).await;
}

async fn each_moderation_action_asks_only_for_what_it_needs(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let (a, t) = (&w.a, &w.thread);
    let (member, modr) = (&w.people["member"], &w.people["moderator"]);
    let held = held_reply(&app, member, a, t, "I want to kill myself.").await;
    let queue = modr.page(&app, &format!("/circles/{a}/moderation")).await;
    let main = main_of(&queue);
    // No drop-down of every action: one small form per action.
    assert!(!main.contains("<select"), "{main}");
    assert!(!main.contains("Choose…"));
    // Approve is one button with no reason or days fields.
    let approve = main.find("name=\"action\" value=\"approve\"").unwrap();
    let form = &main[main[..approve].rfind("<form").unwrap()..];
    let form = &form[..form.find("</form>").unwrap()];
    assert!(
        !form.contains("name=\"reason\"") && !form.contains("name=\"days\""),
        "{form}"
    );
    // Days appear only in the suspension form.
    assert_eq!(
        main.matches("name=\"days\"").count(),
        1,
        "one held post, one suspension form"
    );

    // Hiding needs a reason; approving doesn't.
    let res = modr
        .post(
            &app,
            &format!("/circles/{a}/moderation"),
            &[
                ("target_kind", "reply"),
                ("target_id", &held),
                ("action", "hide"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("The reason can"));
    let res = modr
        .post(
            &app,
            &format!("/circles/{a}/moderation"),
            &[
                ("target_kind", "reply"),
                ("target_id", &held),
                ("action", "approve"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let log = modr.page(&app, &format!("/circles/{a}/log")).await;
    assert!(log.contains("approved / restored reply"));
    assert!(log.contains("no reason given"));
    // A reason that is too long is refused even where it is optional.
    let long = "r".repeat(501);
    let res = modr
        .post(
            &app,
            &format!("/circles/{a}/moderation"),
            &[
                ("target_kind", "reply"),
                ("target_id", &held),
                ("action", "approve"),
                ("reason", &long),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn each_moderation_action_asks_only_for_what_it_needs_on_sqlite() {
    each_moderation_action_asks_only_for_what_it_needs(Backend::Sqlite).await;
}

#[tokio::test]
async fn each_moderation_action_asks_only_for_what_it_needs_on_postgres() {
    each_moderation_action_asks_only_for_what_it_needs(Backend::Postgres).await;
}

/// The private notes' lines in the circle's log, oldest first.
async fn note_lines(app: &TestApp, circle: &str) -> Vec<tend::store::ModLogRow> {
    let mut lines: Vec<_> = app
        .db
        .store
        .moderation_log(circle, 1_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "wrote privately to the author of")
        .collect();
    lines.reverse();
    lines
}

async fn a_private_note_is_logged_without_its_words_and_limited_per_moderator(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = world(&app).await;
    let (a, t) = (&w.a, &w.thread);
    let (fac, member, modr) = (
        &w.people["facilitator"],
        &w.people["member"],
        &w.people["moderator"],
    );
    let store = &app.db.store;
    let fac_name = store
        .membership(a, &fac.account)
        .await
        .unwrap()
        .unwrap()
        .pseudonym;
    let held = held_reply(&app, member, a, t, "I want to end it all tonight.").await;

    // Nothing sent yet: the queue says nothing about notes.
    let queue = modr.page(&app, &format!("/circles/{a}/moderation")).await;
    assert!(
        !queue.contains("A private note was already sent"),
        "{queue}"
    );

    // Refused notes (empty; not held) leave no line and don't count.
    let res = reach(&app, fac, a, "reply", &held, "  ").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = reach(&app, fac, a, "thread", t, "Hello").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(note_lines(&app, a).await.is_empty());

    // Sent: one line, by the sender's pseudonym, about the post, no words.
    let words = "Thinking of you tonight; the crisis line is there too.";
    let res = reach(&app, fac, a, "reply", &held, words).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let lines = note_lines(&app, a).await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].actor.starts_with(&fac_name), "{lines:?}");
    assert_eq!(
        (lines[0].target_kind.as_str(), lines[0].target_id.as_str()),
        ("reply", held.as_str())
    );
    assert_eq!(lines[0].reason, "");
    let log = modr.page(&app, &format!("/circles/{a}/log")).await;
    assert!(
        log.contains("wrote privately to the author of reply"),
        "{log}"
    );
    assert!(log.contains(&fac_name));
    assert!(log.contains("the note stays private"));
    assert!(!log.contains("Thinking of you"), "never the words");

    // Another moderator sees in the queue that someone already wrote.
    let queue = modr.page(&app, &format!("/circles/{a}/moderation")).await;
    assert!(queue.contains("A private note was already sent"), "{queue}");
    assert!(
        queue.contains(&format!("to the author by {fac_name}")),
        "{queue}"
    );
    assert!(!queue.contains("Thinking of you"), "never the words");
    // The author's own view of their notes is unchanged.
    assert_eq!(notes_of(&app, member).await, vec![words.to_owned()]);

    // The limit: ten an hour per moderator, then a plain wait that keeps the
    // words, with nothing sent and nothing logged.
    for i in 2..=10 {
        let res = reach(&app, fac, a, "reply", &held, &format!("Note {i}")).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "note {i}");
    }
    let typed = "One more, typed with care.";
    let res = reach(&app, fac, a, "reply", &held, typed).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    let body = res.text().await.unwrap();
    assert!(body.contains("Please try again in "), "{body}");
    assert!(body.contains(" minute"), "{body}");
    assert!(body.contains(typed), "the words come back: {body}");
    assert_eq!(notes_of(&app, member).await.len(), 10);
    assert_eq!(note_lines(&app, a).await.len(), 10);
    // Per moderator: another one can still write, and both show in the queue.
    let res = reach(&app, modr, a, "reply", &held, "I'm here too.").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(note_lines(&app, a).await.len(), 11);
    let modr_name = store
        .membership(a, &modr.account)
        .await
        .unwrap()
        .unwrap()
        .pseudonym;
    let queue = fac.page(&app, &format!("/circles/{a}/moderation")).await;
    assert!(
        queue.contains(&format!("to the author by {modr_name}")),
        "{queue}"
    );

    // Once handled, the post leaves the queue and its notes with it; the log
    // keeps the lines.
    let res = moderate(&app, modr, a, "reply", &held, "approve").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let queue = fac.page(&app, &format!("/circles/{a}/moderation")).await;
    assert!(
        !queue.contains("A private note was already sent"),
        "{queue}"
    );
    assert_eq!(note_lines(&app, a).await.len(), 11);
}

#[tokio::test]
async fn a_private_note_is_logged_without_its_words_and_limited_per_moderator_on_sqlite() {
    a_private_note_is_logged_without_its_words_and_limited_per_moderator(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_private_note_is_logged_without_its_words_and_limited_per_moderator_on_postgres() {
    a_private_note_is_logged_without_its_words_and_limited_per_moderator(Backend::Postgres).await;
}
