//! Reply throughput and live fan-out through a running cluster (see
//! bench/cluster-bench.sh, which starts one with scripts/cluster.sh).
//!
//! 1. Sets up a circle with one thread: a facilitator (granted the role in the
//!    database), `--posters` posters and `--viewers` viewers, all signed up
//!    through the pages.
//! 2. Reply throughput: every poster posts replies back to back, as many as
//!    the per-person limit allows in a minute (20), so `--posters` clients
//!    in a closed loop. Prints replies/s and the round-trip p50/p99.
//! 3. Fan-out: every viewer holds the thread's live stream open (the load
//!    balancer spreads them over the processes); one member posts a reply
//!    every half second, and each arrival is timed from the moment the post
//!    returned. Prints deliveries and the p50/p99/max delay.
//!
//! With `--pids`, the CPU time the tend processes spent (from
//! /proc/PID/stat) is divided by the requests of each phase.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tend::store::{self, DatabaseUrl};
use tokio::sync::Mutex;

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_owned())
}

const PASS: &str = "kettle maple orbit";

fn csrf_of(html: &str) -> anyhow::Result<String> {
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

struct Person {
    b: reqwest::Client,
    csrf: String,
}

async fn sign_up(base: &str, handle: &str) -> anyhow::Result<Person> {
    let b = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
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
        csrf: csrf_of(&page)?,
        b,
    })
}

impl Person {
    async fn post(&self, url: String, form: &[(&str, &str)]) -> anyhow::Result<reqwest::Response> {
        let mut f = vec![("csrf", self.csrf.as_str())];
        f.extend_from_slice(form);
        Ok(self.b.post(url).form(&f).send().await?)
    }
}

/// utime + stime of the processes, in clock ticks (100 a second on Linux).
fn cpu_ticks(pids: &[u32]) -> u64 {
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

fn pct(v: &[Duration], q: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v[((v.len() as f64 * q) as usize).min(v.len() - 1)]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let base = arg("--base", "http://127.0.0.1:18100");
    let db = arg(
        "--database-url",
        "postgres://postgres@127.0.0.1:5432/tend_cluster",
    );
    let viewers_n: usize = arg("--viewers", "100").parse()?;
    let posters_n: usize = arg("--posters", "64").parse()?;
    let label = arg("--label", "");
    let pids: Vec<u32> = arg("--pids", "")
        .split(',')
        .filter_map(|p| p.trim().parse().ok())
        .collect();
    let run = uuid::Uuid::new_v4().simple().to_string()[..6].to_owned();

    // Set-up.
    let fac = sign_up(&base, &format!("fac_{run}")).await?;
    let store = store::connect(&DatabaseUrl::Postgres(db)).await?;
    let fac_id = store
        .account_by_handle(&format!("fac_{run}"))
        .await?
        .ok_or_else(|| anyhow::anyhow!("facilitator missing"))?
        .id;
    store.grant_server_role(&fac_id, "facilitator").await?;
    let res = fac
        .post(
            format!("{base}/circles/new"),
            &[
                ("name", "Bench"),
                ("description", "Load"),
                ("guidelines", "Be kind."),
            ],
        )
        .await?;
    let circle = res.headers()["location"]
        .to_str()?
        .trim_start_matches("/circles/")
        .trim_end_matches("/invites")
        .to_owned();
    let res = fac
        .post(
            format!("{base}/circles/{circle}/threads"),
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
        format!("{base}/circles/{circle}/invites"),
        &[("days", ""), ("uses", "")],
    )
    .await?;
    let invites = fac
        .b
        .get(format!("{base}/circles/{circle}/invites"))
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
    let mut people = Vec::new();
    for chunk in (0..posters_n + viewers_n).collect::<Vec<_>>().chunks(8) {
        let mut tasks = Vec::new();
        for &i in chunk {
            let (base, code, run) = (base.clone(), code.clone(), run.clone());
            tasks.push(tokio::spawn(async move {
                let p = sign_up(&base, &format!("p{i}_{run}")).await?;
                p.post(format!("{base}/circles/join"), &[("code", &code)])
                    .await?;
                anyhow::Ok(p)
            }));
        }
        for t in tasks {
            people.push(t.await??);
        }
    }
    let viewers = people.split_off(posters_n);
    let posters = people;

    // Reply throughput: closed loop, each poster up to its 20 a minute.
    let replies_url = format!("{base}{thread}/replies");
    let cpu0 = cpu_ticks(&pids);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, p) in posters.into_iter().enumerate() {
        let url = replies_url.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut refused = 0;
            for k in 0..20 {
                let t0 = Instant::now();
                let res = p
                    .post(
                        url.clone(),
                        &[("body", &format!("Reply {i}-{k}, a few words."))],
                    )
                    .await?;
                match res.status() {
                    StatusCode::SEE_OTHER => lat.push(t0.elapsed()),
                    _ => refused += 1,
                }
            }
            anyhow::Ok((lat, refused))
        }));
    }
    let mut lat = Vec::new();
    let mut refused = 0;
    for t in tasks {
        let (l, r) = t.await??;
        lat.extend(l);
        refused += r;
    }
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu_ticks(&pids).saturating_sub(cpu0);
    lat.sort();
    let n = lat.len();
    println!(
        "| {label} | replies, {posters_n} clients | {:.0}/s | {:?} | {:?} | {n} saved, {refused} refused | {:.2} ms |",
        n as f64 / secs,
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        cpu as f64 * 10.0 / (n.max(1) as f64),
    );

    // Fan-out: viewers hold streams; one member posts every half second.
    let arrivals = Arc::new(Mutex::new(Vec::<(String, Instant)>::new()));
    let after = store
        .replies(thread.rsplit('/').next().unwrap_or_default(), 0, 100_000)
        .await?
        .last()
        .map_or(0, |r| r.seq);
    let events = format!("{base}{thread}/events?after={after}");
    let mut streams = Vec::new();
    let mut open = 0;
    for v in &viewers {
        let res = v.b.get(&events).send().await?;
        if res.status() == StatusCode::OK {
            open += 1;
        }
        let arrivals = arrivals.clone();
        streams.push(tokio::spawn(async move {
            let mut res = res;
            let mut carry = String::new();
            while let Ok(Some(chunk)) = res.chunk().await {
                let at = Instant::now();
                carry.push_str(&String::from_utf8_lossy(&chunk));
                // Whole events only: each ends with a blank line.
                while let Some(i) = carry.find("\n\n") {
                    let event: String = carry.drain(..i + 2).collect();
                    if let Some(m) = event.split("FANMARK-").nth(1) {
                        let id: String = m.chars().take_while(char::is_ascii_digit).collect();
                        arrivals.lock().await.push((id, at));
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let poster = sign_up(&base, &format!("fan_{run}")).await?;
    poster
        .post(format!("{base}/circles/join"), &[("code", &code)])
        .await?;
    let cpu0 = cpu_ticks(&pids);
    let mut sent = Vec::new();
    for k in 0..20 {
        let res = poster
            .post(
                replies_url.clone(),
                &[("body", &format!("FANMARK-{k:03} x"))],
            )
            .await?;
        if res.status() == StatusCode::SEE_OTHER {
            sent.push((format!("{k:03}"), Instant::now()));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Stragglers.
    let expected = sent.len() * open;
    for _ in 0..50 {
        if arrivals.lock().await.len() >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let cpu = cpu_ticks(&pids).saturating_sub(cpu0);
    for s in &streams {
        s.abort();
    }
    let arrivals = arrivals.lock().await.clone();
    let mut delays: Vec<Duration> = arrivals
        .iter()
        .filter_map(|(id, at)| {
            sent.iter()
                .find(|(x, _)| x == id)
                .map(|(_, s)| at.saturating_duration_since(*s))
        })
        .collect();
    delays.sort();
    println!(
        "| {label} | fan-out to {open} viewers | {}/{expected} delivered | p50 {:?} | p99 {:?} | max {:?} | {:.1} ms CPU per reply |",
        delays.len(),
        pct(&delays, 0.5),
        pct(&delays, 0.99),
        delays.last().copied().unwrap_or_default(),
        cpu as f64 * 10.0 / (sent.len().max(1) as f64),
    );
    Ok(())
}
