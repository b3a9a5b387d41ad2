//! Two real `tend` processes on one PostgreSQL database, as behind a load
//! balancer: a session made on one works on the other, a reply posted through
//! one reaches a live viewer of the other (PostgreSQL `NOTIFY`, also after the
//! listener loses its connection), wrong
//! passphrases and circle replies spread over both meet one per-account limit
//! each, and signing out through one ends a live stream held by the other.
//!
//! A second test stands in for a PostgreSQL restart (every connection to the
//! database ended at once, the listener's and the pools' alike; the shared
//! test server itself is never stopped) and checks that a viewer resuming
//! with `Last-Event-ID` misses no reply and sees none twice.
//!
//! Skipped unless `TEND_TEST_POSTGRES_URL` is set. Each run creates its own
//! database and drops it at the end.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::time::Duration;

use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPool};

use crate::helpers::{csrf_of, postgres_url};

const TEND: &str = env!("CARGO_BIN_EXE_tend");
const PASS: &str = "kettle maple orbit";
/// Long enough for a loaded 2-core machine, far below the 30 s safety poll,
/// so a reply arriving within it came through NOTIFY.
const WAIT: Duration = Duration::from_secs(10);

/// A fresh database on the test server, dropped when this goes.
pub(crate) struct Database {
    admin_url: String,
    name: String,
    pub(crate) url: String,
}

impl Database {
    pub(crate) async fn create(admin_url: String) -> Self {
        let name = format!("tend_it_{}", uuid::Uuid::new_v4().simple());
        let admin = PgPool::connect_with(PgConnectOptions::from_str(&admin_url).unwrap())
            .await
            .unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
        let (base, query) = match admin_url.split_once('?') {
            Some((b, q)) => (b, format!("?{q}")),
            None => (admin_url.as_str(), String::new()),
        };
        let server = base.rsplit_once('/').map_or(base, |(s, _)| s);
        let url = format!("{server}/{name}{query}");
        Self {
            admin_url,
            name,
            url,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Its own runtime: this may run while the test's is shutting down.
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(async {
                    if let Ok(admin) = PgPool::connect(&url).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&admin)
                                .await;
                        admin.close().await;
                    }
                });
            }
        })
        .join();
    }
}

/// A `tend serve` process; killed when this goes.
pub(crate) struct Process {
    pub(crate) child: Child,
    pub(crate) base: String,
    /// Its database: the given PostgreSQL one, or SQLite in its data folder.
    pub(crate) database_url: String,
    _data: tempfile::TempDir,
}

impl Process {
    fn start(database_url: &str) -> Self {
        Self::start_on(Some(database_url))
    }

    /// On PostgreSQL at `database_url`, or (`None`) on SQLite in a fresh folder.
    pub(crate) fn start_on(database_url: Option<&str>) -> Self {
        Self::start_with(database_url, &[])
    }

    /// As [`Self::start_on`], with more `tend serve` flags.
    pub(crate) fn start_with(database_url: Option<&str>, flags: &[&str]) -> Self {
        let data = tempfile::tempdir().unwrap();
        let database_url = database_url.map_or_else(
            || format!("sqlite://{}", data.path().join("tend.db").display()),
            str::to_owned,
        );
        let mut child = Command::new(TEND)
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--database-url",
                &database_url,
            ])
            .arg("--data-dir")
            .arg(data.path())
            .args(["--argon2-memory-kib", "64"])
            .args(["--auth-attempts-per-minute", "1000"])
            .args(flags)
            .env("TEND_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim()
            .strip_prefix("tend is running at ")
            .unwrap_or_else(|| panic!("unexpected first line: {line}"))
            .to_owned();
        Self {
            child,
            base,
            database_url,
            _data: data,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Grants a server role with `tend admin grant-role`, as an operator would.
    pub(crate) fn grant(&self, handle: &str, role: &str) {
        let out = Command::new(TEND)
            .args(["admin", "grant-role", "--database-url"])
            .arg(&self.database_url)
            .args([handle, role])
            .env("TEND_LOG", "warn")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub(crate) async fn page(b: &reqwest::Client, url: String) -> (StatusCode, String) {
    let res = b.get(url).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

pub(crate) async fn post(
    b: &reqwest::Client,
    url: String,
    form: &[(&str, &str)],
) -> reqwest::Response {
    b.post(url).form(form).send().await.unwrap()
}

pub(crate) async fn sign_up(p: &Process, b: &reqwest::Client, handle: &str) {
    let csrf = csrf_of(&page(b, p.url("/signup")).await.1);
    let res = post(
        b,
        p.url("/signup"),
        &[
            ("csrf", &csrf),
            ("handle", handle),
            ("passphrase", PASS),
            ("time_zone", "Europe/London"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK, "sign-up of {handle}");
}

pub(crate) fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// Reads the stream until `needle` shows up, the stream ends, or `WAIT` has
/// passed. Returns what was read and whether the stream ended.
pub(crate) async fn read_until(stream: &mut reqwest::Response, needle: &str) -> (String, bool) {
    let mut seen = String::new();
    let mut ended = false;
    let _ = tokio::time::timeout(WAIT, async {
        loop {
            match stream.chunk().await {
                Ok(Some(chunk)) => {
                    seen.push_str(&String::from_utf8_lossy(&chunk));
                    if !needle.is_empty() && seen.contains(needle) {
                        return;
                    }
                }
                Ok(None) | Err(_) => {
                    ended = true;
                    return;
                }
            }
        }
    })
    .await;
    (seen, ended)
}

/// A facilitator's circle with one thread, and a member in it; everything
/// done through `a`.
pub(crate) struct Scene {
    pub(crate) fac: reqwest::Client,
    pub(crate) csrf: String,
    pub(crate) member: reqwest::Client,
    pub(crate) m_csrf: String,
    /// `/circles/ID/threads/ID`.
    pub(crate) thread_path: String,
}

pub(crate) async fn scene(a: &Process) -> Scene {
    // A facilitator (granted by the operator) starts a circle and a thread
    // through A.
    let fac = browser();
    sign_up(a, &fac, "fac_cluster").await;
    a.grant("fac_cluster", "facilitator");
    let csrf = csrf_of(&page(&fac, a.url("/circles")).await.1);
    let res = post(
        &fac,
        a.url("/circles/new"),
        &[
            ("csrf", &csrf),
            ("name", "Nights"),
            ("description", "Night shifts"),
            ("guidelines", "Be kind."),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let circle = location(&res)
        .trim_start_matches("/circles/")
        .trim_end_matches("/invites?created=1")
        .to_owned();
    let res = post(
        &fac,
        a.url(&format!("/circles/{circle}/threads")),
        &[
            ("csrf", &csrf),
            ("title", "How do you rest?"),
            ("body", "After a run of nights I can't sleep."),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let thread_path = location(&res);
    let thread_path = thread_path.split(['?', '#']).next().unwrap().to_owned();
    let res = post(
        &fac,
        a.url(&format!("/circles/{circle}/invites")),
        &[("csrf", &csrf), ("days", ""), ("uses", "")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let invites = page(&fac, a.url(&format!("/circles/{circle}/invites")))
        .await
        .1;
    let code = invites
        .split("class=\"invite-code\">")
        .nth(1)
        .map(|s| s[..s.find('<').unwrap()].to_owned())
        .unwrap();

    // A member signs up and joins through A, then reads through B with the
    // same session.
    let member = browser();
    sign_up(a, &member, "member_cluster").await;
    let m_csrf = csrf_of(&page(&member, a.url("/circles")).await.1);
    let res = post(
        &member,
        a.url("/circles/join"),
        &[("csrf", &m_csrf), ("code", &code)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    Scene {
        fac,
        csrf,
        member,
        m_csrf,
        thread_path,
    }
}

#[tokio::test]
async fn two_processes_share_sessions_live_replies_limits_and_sign_out() {
    let Some(admin_url) = postgres_url() else {
        return;
    };
    let db = Database::create(admin_url).await;
    // One after the other: the first brings the schema up to date.
    let a = Process::start(&db.url);
    let b = Process::start(&db.url);
    let Scene {
        fac,
        csrf,
        member,
        m_csrf,
        thread_path,
    } = scene(&a).await;
    let (status, thread_page) = page(&member, b.url(&thread_path)).await;
    assert_eq!(status, StatusCode::OK, "the session made on A works on B");
    assert!(thread_page.contains("How do you rest?"));

    // The member watches live through B; the facilitator replies through A.
    let mut stream = member
        .get(b.url(&format!("{thread_path}/events")))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let res = post(
        &fac,
        a.url(&format!("{thread_path}/replies")),
        &[("csrf", &csrf), ("body", "CROSSMARK try a dark room")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (seen, _) = read_until(&mut stream, "CROSSMARK").await;
    assert!(
        seen.contains("CROSSMARK"),
        "the reply posted through A reached the viewer on B: {seen:?}"
    );
    // Each event carries its position, so a reconnecting browser can resume.
    assert!(
        seen.contains("\nid: ") || seen.starts_with("id: "),
        "{seen:?}"
    );

    // The listeners lose their database connections (as in a database
    // restart): they reconnect by themselves and the next reply still
    // arrives well within the safety poll.
    let admin = PgPool::connect(&db.url).await.unwrap();
    let ended: Vec<(bool,)> = sqlx::query_as(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .fetch_all(&admin)
    .await
    .unwrap();
    admin.close().await;
    assert!(!ended.is_empty(), "B's listener was connected");
    let res = post(
        &fac,
        a.url(&format!("{thread_path}/replies")),
        &[("csrf", &csrf), ("body", "AFTERCUT still here")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (seen, _) = read_until(&mut stream, "AFTERCUT").await;
    assert!(
        seen.contains("AFTERCUT"),
        "a reply after the listener lost its connection arrived: {seen:?}"
    );

    // Circle posting limits are shared too: 20 replies a minute per person,
    // whichever process takes them (two were posted above).
    for i in 2..20 {
        let p = if i % 2 == 0 { &a } else { &b };
        let body = format!("reply number {i}");
        let res = post(
            &fac,
            p.url(&format!("{thread_path}/replies")),
            &[("csrf", &csrf), ("body", &body)],
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "reply {i}");
    }
    for p in [&a, &b] {
        let res = post(
            &fac,
            p.url(&format!("{thread_path}/replies")),
            &[("csrf", &csrf), ("body", "one too many")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{}", p.base);
        assert!(res.text().await.unwrap().contains("one too many"));
    }

    // Signing out through A ends the stream held by B within seconds.
    let res = post(&member, a.url("/signout"), &[("csrf", &m_csrf)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, ended) = read_until(&mut stream, "").await;
    assert!(ended, "signing out on A ended the live stream on B");

    // Wrong passphrases for one handle, alternating between A and B, meet one
    // limit: the count lives in the database.
    let guesser = reqwest::Client::new();
    for i in 0..tend::service::ACCOUNT_FAILURES {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        let res = guesser
            .post(format!("{base}/api/v1/sessions"))
            .json(&serde_json::json!({"handle": "member_cluster", "passphrase": "not it at all"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "guess {i}");
    }
    for base in [&a.base, &b.base] {
        let res = guesser
            .post(format!("{base}/api/v1/sessions"))
            .json(&serde_json::json!({"handle": "member_cluster", "passphrase": PASS}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{base}");
    }
    drop((a, b));
}

/// The replies in a stretch of an event stream, as (id, body) in order.
pub(crate) fn replies_in(raw: &str) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    for block in raw.split("\n\n") {
        let mut id = None;
        let mut data = None;
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("id: ") {
                id = v.trim().parse::<i64>().ok();
            } else if let Some(v) = line.strip_prefix("data: ") {
                data = serde_json::from_str::<serde_json::Value>(v).ok();
            }
        }
        if let (Some(id), Some(d)) = (id, data) {
            out.push((id, d["body"].as_str().unwrap_or_default().to_owned()));
        }
    }
    out
}

/// Opens a live stream from `p`, resuming after `last` as a browser does.
pub(crate) async fn resume(
    b: &reqwest::Client,
    p: &Process,
    thread_path: &str,
    last: Option<i64>,
) -> reqwest::Response {
    let mut req = b.get(p.url(&format!("{thread_path}/events")));
    if let Some(id) = last {
        req = req.header("Last-Event-ID", id.to_string());
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res
}

/// Reads a viewer's replies until one contains `needle`, reconnecting with
/// `Last-Event-ID` (to `p`) whenever the stream ends, as `EventSource` does.
/// Everything seen is appended to `log`.
async fn follow(
    b: &reqwest::Client,
    p: &Process,
    thread_path: &str,
    stream: &mut reqwest::Response,
    log: &mut Vec<(i64, String)>,
    needle: &str,
) {
    for _ in 0..5 {
        let (raw, ended) = read_until(stream, needle).await;
        log.extend(replies_in(&raw));
        if log.iter().any(|(_, body)| body.contains(needle)) {
            return;
        }
        assert!(
            ended,
            "{needle} did not arrive and the stream is still open: {log:?}"
        );
        let last = log.last().map(|(id, _)| *id);
        *stream = resume(b, p, thread_path, last).await;
    }
    panic!("{needle} never arrived after five reconnections: {log:?}");
}

#[tokio::test]
async fn after_a_database_restart_a_resuming_viewer_misses_no_reply() {
    let Some(admin_url) = postgres_url() else {
        return;
    };
    let db = Database::create(admin_url).await;
    let a = Process::start(&db.url);
    let b = Process::start(&db.url);
    let Scene {
        fac,
        csrf,
        member,
        thread_path,
        ..
    } = scene(&a).await;
    let reply = |body: &'static str| {
        let (fac, csrf, url) = (&fac, &csrf, a.url(&format!("{thread_path}/replies")));
        async move {
            let res = post(fac, url, &[("csrf", csrf), ("body", body)]).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{body}");
        }
    };
    let mut log = Vec::new();

    // The member watches through B; a first reply arrives.
    let mut stream = resume(&member, &b, &thread_path, None).await;
    reply("FIRST before the restart").await;
    follow(&member, &b, &thread_path, &mut stream, &mut log, "FIRST").await;

    // What a restart does to tend: every connection to the database ends at
    // once, B's listener and both pools alike.
    let admin = PgPool::connect(&db.url).await.unwrap();
    let ended: Vec<(bool, String)> = sqlx::query_as(
        "SELECT pg_terminate_backend(pid), query FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&admin)
    .await
    .unwrap();
    admin.close().await;
    assert!(
        ended.iter().any(|(_, q)| q.starts_with("LISTEN")),
        "B's listener was among the connections ended: {ended:?}"
    );

    // A reply right after: A's pool reconnects to save it; B's listener may
    // not be back yet, so its NOTIFY can be lost. The viewer gets it anyway,
    // from the listener's wake-up on reconnecting or by resuming.
    reply("SECOND right after the restart").await;
    follow(&member, &b, &thread_path, &mut stream, &mut log, "SECOND").await;

    // The viewer's connection drops (its process went away, the network
    // blinked); a reply is posted while nobody is connected; the browser
    // comes back with Last-Event-ID and gets exactly what it missed.
    drop(stream);
    reply("THIRD while the viewer was away").await;
    let last = log.last().map(|(id, _)| *id);
    assert!(last.is_some());
    let mut stream = resume(&member, &b, &thread_path, last).await;
    follow(&member, &b, &thread_path, &mut stream, &mut log, "THIRD").await;

    // And B's listener is back: the next reply arrives on the open stream
    // well within the 30-second safety poll, so through NOTIFY.
    reply("FOURTH after it resumed").await;
    let (raw, ended) = read_until(&mut stream, "FOURTH").await;
    assert!(!ended, "the resumed stream stayed open");
    log.extend(replies_in(&raw));

    let bodies: Vec<&str> = log
        .iter()
        .map(|(_, b)| b.split(' ').next().unwrap_or_default())
        .collect();
    assert_eq!(
        bodies,
        ["FIRST", "SECOND", "THIRD", "FOURTH"],
        "every reply exactly once, in order: {log:?}"
    );
    let ids: Vec<i64> = log.iter().map(|(id, _)| *id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    drop((a, b));
}
