//! Reply throughput and live fan-out through a running cluster (see
//! bench/cluster-bench.sh, which starts one with scripts/cluster.sh).
//!
//! 1. Sets up a circle with one thread: a facilitator (granted the role in the
//!    database), `--posters` posters and `--viewers` viewers, all signed up
//!    through the pages.
//! 2. Reply throughput: every poster posts replies back to back, as many as
//!    the per-person limit allows in a minute (20), so `--posters` clients
//!    in a closed loop. Prints replies/s and the round-trip p50/p99.
//! 3. Fan-out: `--viewers` live streams of the thread (default 200), held by
//!    `--viewers-per-account` streams per person (default 2, under the cap of
//!    10 per account), spread over the processes by the load balancer; one
//!    member posts `--replies` replies (default 20), one every half second,
//!    and each arrival is timed from the moment the post was sent (so the
//!    delay includes the post's own round trip; a viewer can have the reply
//!    before the poster has the answer). Prints how
//!    many of the replies × streams arrived (and any twice), and the
//!    p50/p99/max delay.
//!
//! With `--pids`, the CPU time the tend processes spent (from
//! /proc/PID/stat) is divided by the requests of each phase; the fan-out
//! phase also counts the PostgreSQL backends serving the database.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Circle, Person, arg, cpu_ticks, take_events};
use reqwest::StatusCode;
use tokio::sync::Mutex;

fn pct(v: &[Duration], q: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v[((v.len() as f64 * q) as usize).min(v.len() - 1)]
}

/// The PostgreSQL backends serving the database (every connection of every
/// tend process, and this client's), for their CPU time.
async fn pg_backends(db: &str) -> anyhow::Result<Vec<u32>> {
    let pool = sqlx::PgPool::connect(db).await?;
    let pids: Vec<(i32,)> = sqlx::query_as(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&pool)
    .await?;
    pool.close().await;
    Ok(pids
        .into_iter()
        .filter_map(|(p,)| u32::try_from(p).ok())
        .collect())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (base, db) = common::cluster_args();
    let viewers_n: usize = arg("--viewers", "200").parse()?;
    // Streams per account: a person with the thread open on a phone and a
    // laptop. At most the per-account cap (10).
    let per_account: usize = arg("--viewers-per-account", "2").parse::<usize>()?.max(1);
    let posters_n: usize = arg("--posters", "64").parse()?;
    let replies_n: usize = arg("--replies", "20").parse()?;
    let label = arg("--label", "");
    let pids: Vec<u32> = arg("--pids", "")
        .split(',')
        .filter_map(|p| p.trim().parse().ok())
        .collect();
    let run = uuid::Uuid::new_v4().simple().to_string()[..6].to_owned();

    // Set-up.
    let circle = Circle::set_up(&base, db.clone(), &run, "Bench").await?;
    let accounts = viewers_n.div_ceil(per_account);
    let mut people = circle
        .sign_up_people(&base, "p", &run, posters_n + accounts, |_| true)
        .await?;
    let viewers = people.split_off(posters_n);
    let posters = people;

    // Reply throughput: closed loop, each poster up to its 20 a minute.
    let replies_url = format!("{base}{}/replies", circle.thread);
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
                    other => {
                        if refused == 0 {
                            eprintln!("reply refused: {other}");
                        }
                        refused += 1;
                    }
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
    // Arrivals of each marked reply, per viewer stream.
    type Arrivals = BTreeMap<(usize, String), Vec<Instant>>;
    let arrivals = Arc::new(Mutex::new(Arrivals::new()));
    let after = circle
        .store
        .replies(circle.thread_id(), 0, 100_000)
        .await?
        .last()
        .map_or(0, |r| r.seq);
    let events = format!("{base}{}/events?after={after}", circle.thread);
    let mut streams = Vec::new();
    let mut open = 0;
    let mut refused_streams = 0;
    for v in 0..viewers_n {
        let person: &Person = &viewers[v / per_account];
        let res = person.b.get(&events).send().await?;
        match res.status() {
            StatusCode::OK => open += 1,
            other => {
                if refused_streams == 0 {
                    eprintln!("stream refused: {other}");
                }
                refused_streams += 1;
                continue;
            }
        }
        let arrivals = arrivals.clone();
        streams.push(tokio::spawn(async move {
            let mut res = res;
            let mut carry = String::new();
            while let Ok(Some(chunk)) = res.chunk().await {
                let at = Instant::now();
                carry.push_str(&String::from_utf8_lossy(&chunk));
                for e in take_events(&mut carry) {
                    if let Some(mark) = e.body.as_deref().and_then(|b| b.strip_prefix("FANMARK-")) {
                        let id: String = mark.chars().take_while(char::is_ascii_digit).collect();
                        arrivals.lock().await.entry((v, id)).or_default().push(at);
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let poster = circle
        .sign_up_people(&base, "fan", &run, 1, |_| true)
        .await?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("no poster"))?;
    let pg = pg_backends(&db).await.unwrap_or_default();
    let cpu0 = cpu_ticks(&pids);
    let pg0 = cpu_ticks(&pg);
    let mut sent = Vec::new();
    for k in 0..replies_n {
        let t0 = Instant::now();
        let res = poster
            .post(
                replies_url.clone(),
                &[("body", &format!("FANMARK-{k:03} x"))],
            )
            .await?;
        if res.status() == StatusCode::SEE_OTHER {
            sent.push((format!("{k:03}"), t0));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Stragglers.
    let expected = sent.len() * open;
    for _ in 0..100 {
        if arrivals.lock().await.len() >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let cpu = cpu_ticks(&pids).saturating_sub(cpu0);
    let pg_cpu = cpu_ticks(&pg).saturating_sub(pg0);
    for s in &streams {
        s.abort();
    }
    let arrivals = arrivals.lock().await.clone();
    let mut delays = Vec::new();
    let mut duplicates = 0;
    for (id, at) in &sent {
        for v in 0..open {
            if let Some(times) = arrivals.get(&(v, id.clone())) {
                duplicates += times.len() - 1;
                delays.push(times[0].saturating_duration_since(*at));
            }
        }
    }
    delays.sort();
    println!(
        "| {label} | fan-out to {open} viewers ({accounts} accounts, {refused_streams} refused) | {}/{expected} delivered, {duplicates} twice | p50 {:?} | p99 {:?} | max {:?} | {:.1} ms tend, {:.1} ms PostgreSQL CPU per reply |",
        delays.len(),
        pct(&delays, 0.5),
        pct(&delays, 0.99),
        delays.last().copied().unwrap_or_default(),
        cpu as f64 * 10.0 / (sent.len().max(1) as f64),
        pg_cpu as f64 * 10.0 / (sent.len().max(1) as f64),
    );
    Ok(())
}
