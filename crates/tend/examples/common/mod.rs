//! What the cluster clients (`cluster_fanout`, `crash_soak`) share: people
//! signed up through the pages, a circle with one thread and an open invite,
//! and the reading of a live stream's events. Each example uses a part of it.
#![allow(dead_code)]

use std::time::Duration;

use reqwest::StatusCode;
use tend::store::{self, DatabaseUrl, Store};

/// `--name value` from the command line, or `default`.
pub fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_owned())
}

/// `--base` (the load balancer) and `--database-url` of the cluster, with
/// `scripts/cluster.sh`'s defaults.
pub fn cluster_args() -> (String, String) {
    (
        arg("--base", "http://127.0.0.1:18100"),
        arg(
            "--database-url",
            "postgres://postgres@127.0.0.1:5432/tend_cluster",
        ),
    )
}

pub const PASS: &str = "kettle maple orbit";

pub fn csrf_of(html: &str) -> anyhow::Result<String> {
    let marker = "name=\"csrf\" value=\"";
    let start = html
        .find(marker)
        .ok_or_else(|| anyhow::anyhow!("no csrf field"))?
        + marker.len();
    let end = html[start..]
        .find('"')
        .ok_or_else(|| anyhow::anyhow!("bad csrf field"))?;
    Ok(html[start..start + end].to_owned())
}

/// A browser-like client: cookies kept, redirects not followed.
pub fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .build()?)
}

/// Someone signed in through the pages, with a form token.
pub struct Person {
    pub handle: String,
    pub b: reqwest::Client,
    pub csrf: String,
}

pub async fn sign_up(base: &str, handle: &str) -> anyhow::Result<Person> {
    let b = client()?;
    let page = b.get(format!("{base}/signup")).send().await?.text().await?;
    let res = b
        .post(format!("{base}/signup"))
        .form(&[
            ("csrf", csrf_of(&page)?.as_str()),
            ("handle", handle),
            ("passphrase", PASS),
            ("time_zone", "Europe/London"),
        ])
        .send()
        .await?;
    anyhow::ensure!(res.status() == StatusCode::OK, "sign-up: {}", res.status());
    let page = b
        .get(format!("{base}/circles"))
        .send()
        .await?
        .text()
        .await?;
    Ok(Person {
        handle: handle.to_owned(),
        csrf: csrf_of(&page)?,
        b,
    })
}

impl Person {
    /// Posts a form with the person's form token (15 s at most).
    pub async fn post(
        &self,
        url: String,
        form: &[(&str, &str)],
    ) -> anyhow::Result<reqwest::Response> {
        let mut f = vec![("csrf", self.csrf.as_str())];
        f.extend_from_slice(form);
        Ok(self
            .b
            .post(url)
            .timeout(Duration::from_secs(15))
            .form(&f)
            .send()
            .await?)
    }
}

/// A circle with one thread and an invite anyone may use, made through the
/// pages by a facilitator (granted the role in the database).
pub struct Circle {
    pub store: std::sync::Arc<dyn Store>,
    pub fac: Person,
    pub id: String,
    /// The thread's path, `/circles/{circle}/threads/{thread}`.
    pub thread: String,
    pub code: String,
}

impl Circle {
    pub async fn set_up(base: &str, db: String, run: &str, name: &str) -> anyhow::Result<Self> {
        let fac = sign_up(base, &format!("fac_{run}")).await?;
        let store = store::connect(&DatabaseUrl::Postgres(db)).await?;
        let fac_id = store
            .account_by_handle(&fac.handle)
            .await?
            .ok_or_else(|| anyhow::anyhow!("facilitator missing"))?
            .id;
        store.grant_server_role(&fac_id, "facilitator").await?;
        let res = fac
            .post(
                format!("{base}/circles/new"),
                &[
                    ("name", name),
                    ("description", "Load"),
                    ("guidelines", "Be kind."),
                ],
            )
            .await?;
        // `/circles/{id}/invites`, perhaps with a query.
        let id = res.headers()["location"]
            .to_str()?
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .trim_start_matches("/circles/")
            .trim_end_matches("/invites")
            .to_owned();
        let res = fac
            .post(
                format!("{base}/circles/{id}/threads"),
                &[("title", "Busy thread"), ("body", "Load test.")],
            )
            .await?;
        let thread = res.headers()["location"]
            .to_str()?
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_owned();
        fac.post(
            format!("{base}/circles/{id}/invites"),
            &[("days", ""), ("uses", "")],
        )
        .await?;
        let invites = fac
            .b
            .get(format!("{base}/circles/{id}/invites"))
            .send()
            .await?
            .text()
            .await?;
        let code = invites
            .split("class=\"invite-code\">")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .ok_or_else(|| anyhow::anyhow!("no invite code"))?
            .to_owned();
        Ok(Self {
            store,
            fac,
            id,
            thread,
            code,
        })
    }

    /// The thread's id (the last part of its path).
    pub fn thread_id(&self) -> &str {
        self.thread.rsplit('/').next().unwrap_or_default()
    }

    /// Signs up `n` people (`{prefix}{i}_{run}`), eight at a time; those
    /// for whom `joins(i)` is true join the circle.
    pub async fn sign_up_people(
        &self,
        base: &str,
        prefix: &str,
        run: &str,
        n: usize,
        joins: impl Fn(usize) -> bool,
    ) -> anyhow::Result<Vec<Person>> {
        let mut people = Vec::new();
        for chunk in (0..n).collect::<Vec<_>>().chunks(8) {
            let mut tasks = Vec::new();
            for &i in chunk {
                let (base, code, handle) = (
                    base.to_owned(),
                    self.code.clone(),
                    format!("{prefix}{i}_{run}"),
                );
                let join = joins(i);
                tasks.push(tokio::spawn(async move {
                    let p = sign_up(&base, &handle).await?;
                    if join {
                        let res = p
                            .post(format!("{base}/circles/join"), &[("code", &code)])
                            .await?;
                        anyhow::ensure!(
                            res.status().is_redirection(),
                            "joining the circle: {}",
                            res.status()
                        );
                    }
                    anyhow::Ok(p)
                }));
            }
            for t in tasks {
                people.push(t.await??);
            }
        }
        Ok(people)
    }
}

/// One server-sent event of a reply stream.
#[derive(Debug, Default)]
pub struct Event {
    pub id: Option<i64>,
    /// The reply's words (`data:` is JSON with a `body`).
    pub body: Option<String>,
    /// A `retry:` hint in milliseconds.
    pub retry: Option<u64>,
}

/// Takes the whole events (each ends with a blank line) out of `carry`.
pub fn take_events(carry: &mut String) -> Vec<Event> {
    let mut out = Vec::new();
    while let Some(end) = carry.find("\n\n") {
        let block: String = carry.drain(..end + 2).collect();
        let mut e = Event::default();
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("id: ") {
                e.id = v.trim().parse().ok();
            } else if let Some(v) = line.strip_prefix("data: ") {
                e.body = serde_json::from_str::<serde_json::Value>(v)
                    .ok()
                    .and_then(|d| d["body"].as_str().map(str::to_owned));
            } else if let Some(v) = line.strip_prefix("retry:") {
                e.retry = v.trim().parse().ok();
            }
        }
        out.push(e);
    }
    out
}

/// utime + stime of the processes, in clock ticks (100 a second on Linux).
pub fn cpu_ticks(pids: &[u32]) -> u64 {
    pids.iter()
        .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/stat")).ok())
        .filter_map(|s| {
            // Fields after the command name, which is in parentheses.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .sum()
}
