//! Two real `tend` processes on one PostgreSQL database, as behind a load
//! balancer: a session made on one works on the other, a reply posted through
//! one reaches a live viewer of the other (PostgreSQL `NOTIFY`, also after the
//! listener loses its connection), wrong
//! passphrases and circle replies spread over both meet one per-account limit
//! each, and signing out through one ends a live stream held by the other.
//!
//! Skipped unless `TEND_TEST_POSTGRES_URL` is set. Each run creates its own
//! database and drops it at the end.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::time::Duration;

use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPool};
use tend::store::{CommunityStore, PostgresStore, Store};

use crate::helpers::{csrf_of, postgres_url};

const TEND: &str = env!("CARGO_BIN_EXE_tend");
const PASS: &str = "kettle maple orbit";
/// Long enough for a loaded 2-core machine, far below the 30 s safety poll,
/// so a reply arriving within it came through NOTIFY.
const WAIT: Duration = Duration::from_secs(10);

/// A fresh database on the test server, dropped when this goes.
struct Database {
    admin_url: String,
    name: String,
    url: String,
}

impl Database {
    async fn create(admin_url: String) -> Self {
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
struct Process {
    child: Child,
    base: String,
    _data: tempfile::TempDir,
}

impl Process {
    fn start(database_url: &str) -> Self {
        let data = tempfile::tempdir().unwrap();
        let mut child = Command::new(TEND)
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--database-url",
                database_url,
            ])
            .arg("--data-dir")
            .arg(data.path())
            .args(["--argon2-memory-kib", "64"])
            .args(["--auth-attempts-per-minute", "1000"])
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
            _data: data,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn page(b: &reqwest::Client, url: String) -> (StatusCode, String) {
    let res = b.get(url).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn post(b: &reqwest::Client, url: String, form: &[(&str, &str)]) -> reqwest::Response {
    b.post(url).form(form).send().await.unwrap()
}

async fn sign_up(p: &Process, b: &reqwest::Client, handle: &str) {
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

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// Reads the stream until `needle` shows up, the stream ends, or `WAIT` has
/// passed. Returns what was read and whether the stream ended.
async fn read_until(stream: &mut reqwest::Response, needle: &str) -> (String, bool) {
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

#[tokio::test]
async fn two_processes_share_sessions_live_replies_limits_and_sign_out() {
    let Some(admin_url) = postgres_url() else {
        return;
    };
    let db = Database::create(admin_url).await;
    // One after the other: the first brings the schema up to date.
    let a = Process::start(&db.url);
    let b = Process::start(&db.url);
    let store = PostgresStore::connect(&db.url, None).await.unwrap();

    // A facilitator (granted by the operator) starts a circle and a thread
    // through A.
    let fac = browser();
    sign_up(&a, &fac, "fac_cluster").await;
    let fac_id = store
        .account_by_handle("fac_cluster")
        .await
        .unwrap()
        .unwrap()
        .id;
    store
        .grant_server_role(&fac_id, "facilitator")
        .await
        .unwrap();
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
    sign_up(&a, &member, "member_cluster").await;
    let m_csrf = csrf_of(&page(&member, a.url("/circles")).await.1);
    let res = post(
        &member,
        a.url("/circles/join"),
        &[("csrf", &m_csrf), ("code", &code)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
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
    drop(store);
    drop((a, b));
}
