//! The load side of bench/crash-soak.sh: writes, replies and live viewers
//! through a running cluster (scripts/cluster.sh) while the script kills and
//! revives its processes, then checks that nothing acknowledged was lost.
//!
//! 1. Set-up (before any kill): a facilitator (granted the role in the
//!    database), a circle with one thread, `--writers` people with API tokens,
//!    `--posters` and `--viewers` members of the circle. Then it creates the
//!    file `--ready`.
//! 2. Until the file `--stop` appears: writers save journal entries back to
//!    back (`POST /api/v1/journal`); an entry counts as acknowledged only when
//!    its `201 Created` with the entry's id arrived, and its id is logged.
//!    Posters reply in the thread, each one every 3.5 s (under the 20 a
//!    minute limit); a reply is acknowledged by its `303`. Viewers hold the
//!    thread's live stream through the load balancer and, whenever it ends or
//!    fails, reconnect as a browser's `EventSource` does: after the stream's
//!    `retry:` hint (or 1 s) and with `Last-Event-ID`.
//! 3. Then: every acknowledged entry is read back with its writer's token;
//!    every viewer must have received every acknowledged reply, and no reply
//!    twice. Prints one line of Markdown and exits non-zero on any loss.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{Circle, PASS, Person, arg, client, take_events};
use reqwest::StatusCode;
use tokio::sync::Mutex;

/// An API token for `p`, as `Authorization` wants it.
async fn token(p: &Person, base: &str) -> anyhow::Result<String> {
    let res =
        p.b.post(format!("{base}/api/v1/sessions"))
            .json(&serde_json::json!({"handle": p.handle, "passphrase": PASS}))
            .send()
            .await?;
    anyhow::ensure!(
        res.status() == StatusCode::CREATED,
        "token: {}",
        res.status()
    );
    let v: serde_json::Value = res.json().await?;
    Ok(format!(
        "Bearer {}",
        v["token"].as_str().unwrap_or_default()
    ))
}

#[derive(Default)]
struct Counts {
    acked_entries: AtomicU64,
    failed_writes: AtomicU64,
    acked_replies: AtomicU64,
    failed_replies: AtomicU64,
    reconnections: AtomicU64,
    refused_streams: AtomicU64,
}

/// One viewer's stream, followed across reconnections.
#[derive(Default)]
struct Seen {
    /// Reply seq → body, and how many times each seq arrived.
    bodies: BTreeMap<i64, String>,
    times: BTreeMap<i64, u32>,
    last: Option<i64>,
    reconnected: u32,
}

/// Parses whole events out of `carry` into `seen`; returns a `retry:` hint.
fn take_into(carry: &mut String, seen: &mut Seen) -> Option<u64> {
    let mut retry = None;
    for e in take_events(carry) {
        retry = e.retry.or(retry);
        if let (Some(id), Some(body)) = (e.id, e.body) {
            *seen.times.entry(id).or_default() += 1;
            seen.bodies.insert(id, body);
            seen.last = Some(id);
        }
    }
    retry
}

async fn view(
    p: Arc<Person>,
    events: String,
    seen: Arc<Mutex<Seen>>,
    done: Arc<AtomicBool>,
    counts: Arc<Counts>,
) {
    let mut first = true;
    while !done.load(Ordering::Relaxed) {
        let last = seen.lock().await.last;
        let mut req = p.b.get(&events);
        if let Some(id) = last {
            req = req.header("Last-Event-ID", id.to_string());
        }
        let mut wait = Duration::from_secs(1);
        match req.send().await {
            Ok(mut res) if res.status() == StatusCode::OK => {
                let mut carry = String::new();
                // Ends when the process is killed (connection reset), shuts
                // down (after a retry hint), or the stream's life is over.
                loop {
                    let chunk = tokio::select! {
                        c = res.chunk() => c,
                        () = async { while !done.load(Ordering::Relaxed) { tokio::time::sleep(Duration::from_millis(200)).await } } => break,
                    };
                    match chunk {
                        Ok(Some(c)) => {
                            carry.push_str(&String::from_utf8_lossy(&c));
                            let mut s = seen.lock().await;
                            if let Some(ms) = take_into(&mut carry, &mut s) {
                                wait = Duration::from_millis(ms);
                            }
                        }
                        Ok(None) | Err(_) => break,
                    }
                }
            }
            Ok(res) if res.status() == StatusCode::TOO_MANY_REQUESTS => {
                counts.refused_streams.fetch_add(1, Ordering::Relaxed);
                wait = Duration::from_secs(5);
            }
            _ => {}
        }
        if done.load(Ordering::Relaxed) {
            break;
        }
        if !first {
            counts.reconnections.fetch_add(1, Ordering::Relaxed);
        }
        first = false;
        seen.lock().await.reconnected += 1;
        tokio::time::sleep(wait).await;
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (base, db) = common::cluster_args();
    let viewers_n: usize = arg("--viewers", "30").parse()?;
    let writers_n: usize = arg("--writers", "8").parse()?;
    let posters_n: usize = arg("--posters", "4").parse()?;
    let ready = arg("--ready", "/tmp/crash-soak.ready");
    let stop = arg("--stop", "/tmp/crash-soak.stop");
    let acked_log = arg("--acked", "/tmp/crash-soak.acked");
    let run = uuid::Uuid::new_v4().simple().to_string()[..6].to_owned();

    // Set-up, before any process is killed.
    let circle = Circle::set_up(&base, db, &run, "Soak").await?;
    let mut people: Vec<Arc<Person>> = circle
        .sign_up_people(&base, "s", &run, writers_n + posters_n + viewers_n, |i| {
            i >= writers_n
        })
        .await?
        .into_iter()
        .map(Arc::new)
        .collect();
    let viewers = people.split_off(writers_n + posters_n);
    let posters = people.split_off(writers_n);
    let writers = people;
    let mut tokens = Vec::new();
    for w in &writers {
        tokens.push(token(w, &base).await?);
    }

    let done = Arc::new(AtomicBool::new(false));
    let counts = Arc::new(Counts::default());
    let events = format!("{base}{}/events", circle.thread);
    let mut seen = Vec::new();
    let mut viewer_tasks = Vec::new();
    for v in &viewers {
        let s = Arc::new(Mutex::new(Seen::default()));
        seen.push(s.clone());
        viewer_tasks.push(tokio::spawn(view(
            v.clone(),
            events.clone(),
            s,
            done.clone(),
            counts.clone(),
        )));
    }
    // Acknowledged entries: (writer, id, body), also logged to a file.
    let acked: Arc<Mutex<Vec<(usize, String, String)>>> = Arc::default();
    let stopping = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let (base, token, acked, stopping, counts, c) = (
            base.clone(),
            token.clone(),
            acked.clone(),
            stopping.clone(),
            counts.clone(),
            client()?,
        );
        let log = acked_log.clone();
        load.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stopping.load(Ordering::Relaxed) {
                n += 1;
                let body = format!("soak entry {i}-{n}");
                let res = c
                    .post(format!("{base}/api/v1/journal"))
                    .timeout(Duration::from_secs(15))
                    .header("authorization", &token)
                    .json(&serde_json::json!({"title": "soak", "body": body}))
                    .send()
                    .await;
                let id = match res {
                    Ok(r) if r.status() == StatusCode::CREATED => r
                        .json::<serde_json::Value>()
                        .await
                        .ok()
                        .and_then(|v| v["id"].as_str().map(str::to_owned)),
                    _ => None,
                };
                match id {
                    Some(id) => {
                        counts.acked_entries.fetch_add(1, Ordering::Relaxed);
                        use std::io::Write;
                        if let Ok(mut f) = std::fs::OpenOptions::new()
                            .create(true)
                            .append(true)
                            .open(&log)
                        {
                            let _ = writeln!(f, "{i} {id}");
                        }
                        acked.lock().await.push((i, id, body));
                    }
                    None => {
                        counts.failed_writes.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }));
    }
    let acked_replies: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    for (i, p) in posters.iter().enumerate() {
        let (p, url, acked_replies, stopping, counts) = (
            p.clone(),
            format!("{base}{}/replies", circle.thread),
            acked_replies.clone(),
            stopping.clone(),
            counts.clone(),
        );
        load.push(tokio::spawn(async move {
            let mut n = 0u64;
            // Spread the posters over the 3.5 s.
            tokio::time::sleep(Duration::from_millis(875 * i as u64)).await;
            while !stopping.load(Ordering::Relaxed) {
                n += 1;
                let body = format!("soak reply {i}-{n}");
                match p.post(url.clone(), &[("body", &body)]).await {
                    Ok(r) if r.status() == StatusCode::SEE_OTHER => {
                        counts.acked_replies.fetch_add(1, Ordering::Relaxed);
                        acked_replies.lock().await.insert(body);
                    }
                    _ => {
                        counts.failed_replies.fetch_add(1, Ordering::Relaxed);
                    }
                }
                tokio::time::sleep(Duration::from_millis(3_500)).await;
            }
        }));
    }

    std::fs::write(&ready, "ready\n")?;
    let started = Instant::now();
    while !Path::new(&stop).exists() {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let ran = started.elapsed();
    stopping.store(true, Ordering::Relaxed);
    for t in load {
        let _ = t.await;
    }

    // Viewers catch up: every acknowledged reply must reach every viewer
    // (through a wake-up, a reconnection, or at worst the 30 s safety poll).
    let want = acked_replies.lock().await.clone();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let mut behind = 0;
        for s in &seen {
            let s = s.lock().await;
            let got: BTreeSet<&String> = s.bodies.values().collect();
            if want.iter().any(|b| !got.contains(b)) {
                behind += 1;
            }
        }
        if behind == 0 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    done.store(true, Ordering::Relaxed);
    for t in viewer_tasks {
        let _ = t.await;
    }

    // Every acknowledged entry is there, with its words (32 reads at a time).
    let acked = acked.lock().await.clone();
    let c = client()?;
    let tokens = Arc::new(tokens);
    let mut lost = 0;
    for chunk in acked.chunks(32) {
        let mut reads = Vec::new();
        for (i, id, body) in chunk.iter().cloned() {
            let (c, base, tokens) = (c.clone(), base.clone(), tokens.clone());
            reads.push(tokio::spawn(async move {
                for _ in 0..5 {
                    let res = c
                        .get(format!("{base}/api/v1/journal/{id}"))
                        .header("authorization", &tokens[i])
                        .send()
                        .await;
                    match res {
                        Ok(r) if r.status() == StatusCode::OK => {
                            let v: serde_json::Value = r.json().await.unwrap_or_default();
                            return (id, v["body"].as_str() == Some(body.as_str()));
                        }
                        Ok(r) if r.status() == StatusCode::NOT_FOUND => return (id, false),
                        _ => tokio::time::sleep(Duration::from_millis(500)).await,
                    }
                }
                (id, false)
            }));
        }
        for r in reads {
            let (id, ok) = r.await?;
            if !ok {
                lost += 1;
                eprintln!("LOST acknowledged entry {id}");
            }
        }
    }

    let mut missed = 0usize;
    let mut viewers_missing = 0;
    let mut duplicates = 0u32;
    let mut viewers_reconnected = 0;
    for s in &seen {
        let s = s.lock().await;
        let got: BTreeSet<&String> = s.bodies.values().collect();
        let gone: Vec<&String> = want.iter().filter(|b| !got.contains(b)).collect();
        let m = gone.len();
        if m > 0 {
            eprintln!(
                "a viewer missed {gone:?}; it saw seqs {:?}",
                s.times.keys().collect::<Vec<_>>()
            );
        }
        missed += m;
        if m > 0 {
            viewers_missing += 1;
        }
        duplicates += s.times.values().map(|t| t - 1).sum::<u32>();
        if s.reconnected >= 1 {
            viewers_reconnected += 1;
        }
    }
    let n = |a: &AtomicU64| a.load(Ordering::Relaxed);
    println!(
        "| {:.0} s | {} acknowledged ({} failed, not acknowledged) | {lost} | {} acknowledged ({} failed) | {} | {viewers_reconnected} / {} | {} ({} refused) | {missed} ({viewers_missing} viewers) | {duplicates} |",
        ran.as_secs_f64(),
        n(&counts.acked_entries),
        n(&counts.failed_writes),
        n(&counts.acked_replies),
        n(&counts.failed_replies),
        want.len() * viewers.len(),
        viewers.len(),
        n(&counts.reconnections),
        n(&counts.refused_streams),
    );
    anyhow::ensure!(
        lost == 0 && missed == 0 && duplicates == 0,
        "lost {lost} entries, {missed} replies missed, {duplicates} duplicates"
    );
    Ok(())
}
