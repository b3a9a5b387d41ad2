//! Times `POST /api/v1/import` (issue 14, docs/transfer.md "Speed") against
//! release `tend serve` processes that this program starts: one on SQLite,
//! and one on PostgreSQL when `--postgres URL` names an empty database.
//! Run it through `bench/import-bench.sh`, which builds the release binary,
//! makes a fresh PostgreSQL database and drops it afterwards.
//!
//! 1. The export: `--years` years of every feature for one person (a check-in
//!    and a practice every day, good things every other day, a journal entry
//!    every third day, a noticed thought every fourth, and so on, as in
//!    tests/it/transfer.rs but with journal entries of a realistic length),
//!    made through the services on a scratch SQLite database and exported by
//!    the same function `GET /api/v1/export` uses.
//! 2. `--rounds` rounds; each round visits every server (the order flips
//!    every round, so neither always goes first). On each server it signs up
//!    two people, then times, from the client, the whole request:
//!    - `first`: the export into the first person's account. Each round's
//!      file has fresh record ids, as a move to a new server would; the
//!      report must say every record but the profile was imported.
//!    - `again`: the same file into the same account (idempotent: the report
//!      must say nothing was imported).
//!    - `second account`: the same file into the second person's account on
//!      the same server, whose ids are taken, so each gets a derived id.
//! 3. The servers' peak memory: the kernel's high-water mark (`VmHWM`) is
//!    reset (`/proc/PID/clear_refs`) after the sign-ups, whose Argon2 would
//!    otherwise set it, and read after each import, so the largest reading
//!    is the peak during imports.
//!
//! Prints the export's size and a Markdown table. Exits non-zero if any
//! import answers other than as described.
// A tool that chooses the time it gives tend, like the tests.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use jiff::ToSpan;
use jiff::civil::{Date, date};
use serde_json::Value;
use tend::domain::checkin::{Checkin, Meals};
use tend::domain::critic::{BreakNote, Debrief, Letter, Place, Thought};
use tend::domain::goals::{Commitments, Goal, GoalState, IsoWeek};
use tend::domain::gratitude::Gratitude;
use tend::domain::journal::JournalEntry;
use tend::domain::practice::PracticeLog;
use tend::domain::profile::Profile;
use tend::domain::questionnaire::{Draft, Drafts, Preferences, Response};
use tend::domain::review::Reflection;
use tend::domain::safety_plan::SafetyPlan;
use tend::domain::selfcare::SelfcareSettings;
use tend::domain::support::SupportPerson;
use tend::service::{Records, Services};
use tend::store::{self, DatabaseUrl};
use tend::vault::KdfParams;

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_owned())
}

const PASS: &str = "kettle maple orbit";

/// The three imports timed on each server in each round.
const STEPS: [&str; 3] = ["first", "again", "second account"];

/// A `tend serve` child process, stopped when dropped.
struct TendServer {
    name: &'static str,
    base: String,
    child: Child,
}

impl Drop for TendServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl TendServer {
    async fn start(
        name: &'static str,
        tend: &Path,
        data_dir: &Path,
        database_url: Option<&str>,
    ) -> anyhow::Result<Self> {
        // A free port: bind, note it, let go (the server binds it a moment later).
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut cmd = Command::new(tend);
        cmd.arg("serve")
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--addr")
            .arg(format!("127.0.0.1:{port}"))
            // Every sign-up here comes from one address.
            .arg("--auth-attempts-per-minute")
            .arg("1000")
            .env("TEND_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        if let Some(url) = database_url {
            cmd.arg("--database-url").arg(url);
        }
        let child = cmd
            .spawn()
            .with_context(|| format!("starting {}", tend.display()))?;
        let server = Self {
            name,
            base: format!("http://127.0.0.1:{port}"),
            child,
        };
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(res) = client.get(format!("{}/healthz", server.base)).send().await
                && res.status().is_success()
            {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("the {name} server did not answer /healthz within 30 s")
    }

    fn status_kib(&self, field: &str) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let line = status
            .lines()
            .find(|l| l.starts_with(field))
            .with_context(|| format!("no {field} in /proc/PID/status"))?;
        Ok(line
            .split_whitespace()
            .nth(1)
            .context("bad status line")?
            .parse()?)
    }

    /// Sets the high-water mark back to the memory in use now (Linux 4.0+).
    fn reset_peak(&self) -> anyhow::Result<()> {
        std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5")
            .context("resetting VmHWM through /proc/PID/clear_refs")
    }

    async fn sign_up(&self, client: &reqwest::Client, handle: &str) -> anyhow::Result<String> {
        let res = client
            .post(format!("{}/api/v1/accounts", self.base))
            .json(&serde_json::json!({"handle": handle, "passphrase": PASS, "time_zone": "UTC"}))
            .send()
            .await?;
        ensure!(res.status() == 201, "sign-up answered {}", res.status());
        let v: Value = res.json().await?;
        Ok(v["token"].as_str().context("no token")?.to_owned())
    }

    /// One import, timed from sending the request to reading the whole answer.
    async fn import(
        &self,
        client: &reqwest::Client,
        token: &str,
        body: &[u8],
    ) -> anyhow::Result<(Duration, Value)> {
        let started = Instant::now();
        let res = client
            .post(format!("{}/api/v1/import", self.base))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await?;
        let status = res.status();
        let text = res.text().await?;
        let took = started.elapsed();
        ensure!(status == 200, "import answered {status}: {text}");
        Ok((took, serde_json::from_str(&text)?))
    }
}

fn noon(d: Date) -> i64 {
    d.at(12, 0, 0, 0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp().as_second())
        .unwrap_or(0)
}

/// A journal entry of a few short paragraphs, different every day.
fn journal_body(n: i64) -> String {
    format!(
        "Day {n}. Ward round ran long and I was slow with the notes again; the registrar \
         sighed and I heard it as \"you're hopeless\". Later the patient in bed {bed} asked \
         me to explain her scan once more and thanked me for taking the time.\n\n\
         What I'd tell a friend: being slow at notes in week {week} is being new, not being \
         bad at this. Ünïcödé and emoji 🌱 too.\n\n\
         Tomorrow: ask how the registrar structures the plan, and eat lunch.",
        bed = n % 12 + 1,
        week = n / 7 + 1,
    )
}

/// `years` years of every feature, made through the services day by day.
async fn make_years(r: &Records<'_>, start: Date, years: i64) -> anyhow::Result<usize> {
    let mut made = 0;
    for n in 0..365 * years {
        let day = start.checked_add(n.days())?;
        let t = noon(day);
        let slot = day.to_string();
        r.put_slot(
            &slot,
            Some(day),
            Checkin {
                mood: (n % 5 + 1) as u8,
                energy: ((n + 2) % 5 + 1) as u8,
                sleep_hours: 5.5 + (n % 7) as f32 * 0.5,
                movement_minutes: (n % 4 * 15) as u16,
                meals: if n % 6 == 0 {
                    Meals::Skipped
                } else {
                    Meals::Eaten
                },
                joy: format!("a small joy on day {n}: tea with Sam after the shift"),
                note: if n % 3 == 0 {
                    "Tired but steadier than yesterday.".into()
                } else {
                    String::new()
                },
            },
            t,
        )
        .await?;
        let slug = ["breathing-space", "body-scan", "loving-kindness", "rain"][(n % 4) as usize];
        r.create(
            Some(day),
            PracticeLog {
                slug: slug.into(),
                minutes: 3 + (n % 10) as u16,
            },
            t + 60,
        )
        .await?;
        made += 2;
        if n % 2 == 0 {
            let things = vec![
                format!("the nurse who showed me the drug chart on day {n}"),
                "a kind registrar".into(),
                "sunlight on the walk home".into(),
            ];
            r.put_slot(&slot, Some(day), Gratitude { things }, t + 120)
                .await?;
            made += 1;
        }
        if n % 3 == 0 {
            let entry = JournalEntry {
                title: format!("Day {n} on the ward"),
                body: journal_body(n),
            };
            r.create(Some(day), entry, t + 180).await?;
            made += 1;
        }
        if n % 4 == 0 {
            let thought = Thought {
                text: format!("I should have known the answer on the round ({n})"),
                place: Some(Place::Ward),
                intensity: Some((n % 11) as u8),
                patterns: vec!["should".into(), "labeling".into()],
                reframe: if n % 8 == 0 {
                    "Nobody knows everything in their first months; I asked, and I learned it."
                        .into()
                } else {
                    String::new()
                },
            };
            r.create(Some(day), thought, t + 240).await?;
            made += 1;
        }
        if n % 7 == 0 {
            let note = BreakNote {
                note: format!("a two-minute break after a hard conversation ({n})"),
            };
            r.create(Some(day), note, t + 300).await?;
            let week = IsoWeek::of(day);
            let reflection = Reflection {
                prompt: "What went well this week?".into(),
                text: format!("I kept showing up. Week of day {n}: three check-ins and a walk."),
            };
            r.put_slot(&week.to_string(), Some(week.monday()), reflection, t + 360)
                .await?;
            for g in 0..2 {
                let goal = Goal {
                    title: format!("Goal {g} for the week of day {n}"),
                    hours: 2.5,
                    good_enough: "twice, even briefly".into(),
                    state: GoalState::GoodEnough,
                };
                r.create(Some(week.monday()), goal, t + 420 + g).await?;
            }
            made += 4;
        }
        if n % 30 == 0 {
            let letter = Letter {
                prompt: "To a friend who made the same mistake".into(),
                body: format!(
                    "Dear me, month {}. You are tired and you are still kind to patients. \
                     That counts for more than the notes.",
                    n / 30
                ),
            };
            r.create(Some(day), letter, t + 480).await?;
            let debrief = Debrief {
                what_happened: "Missed a potassium result until the evening.".into(),
                what_i_felt: "Hot shame, then dread.".into(),
                common_humanity: "Every doctor I admire has a story like this.".into(),
                one_lesson: "Check results before the afternoon handover.".into(),
                kind_sentence: "You caught it, you told someone, you are learning.".into(),
            };
            r.create(Some(day), debrief, t + 540).await?;
            let response = Response {
                instrument: "who5".into(),
                answers: vec![Some(3), Some(2), None, Some(4), Some(1)],
                followup: Some(1),
                submitted_ms: t * 1000,
            };
            r.create(Some(day), response, t + 600).await?;
            made += 3;
        }
    }
    let t = noon(start);
    for (i, name) in ["Sam", "Dr Okafor", "Student wellbeing"]
        .into_iter()
        .enumerate()
    {
        let person = SupportPerson {
            name: name.into(),
            reach: format!("07700 90000{i}"),
            note: "evenings".into(),
        };
        r.create(None, person, t + i as i64).await?;
        made += 1;
    }
    let plan = SafetyPlan {
        warning_signs: vec!["not sleeping".into(), "skipping meals".into()],
        reasons: vec!["my sister".into(), "the sea".into()],
        ..SafetyPlan::default()
    };
    r.put_slot("safety-plan", None, plan, t).await?;
    let commitments = Commitments {
        sleep_per_night: 7.5,
        meals_per_day: 1.5,
        rotations_per_week: 45.0,
        call_per_week: 8.0,
        commute_per_day: 1.0,
    };
    r.put_slot("commitments", None, commitments, t).await?;
    r.put_slot("selfcare", None, SelfcareSettings { sleep_need: 8.0 }, t)
        .await?;
    let prefs = Preferences {
        instruments: vec!["who5".into(), "phq9".into()],
        paused_until: None,
        paused: false,
    };
    r.put_slot("questionnaire-preferences", None, prefs, t)
        .await?;
    let mut drafts = Drafts::default();
    drafts.drafts.insert(
        "phq9".into(),
        Draft {
            instrument: "phq9".into(),
            answers: vec![Some(1), None, None, None, None, None, None, None, None],
            followup: None,
        },
    );
    r.put_slot("questionnaire-drafts", None, drafts, t).await?;
    let profile = Profile {
        time_zone: "Europe/London".into(),
        country: Some("GB".into()),
    };
    r.put_slot("profile", None, profile, t).await?;
    made += 6;
    Ok(made)
}

/// The export of `years` years of every feature, as `GET /api/v1/export`
/// writes it, and its record count.
async fn make_export(scratch: &Path, years: i64) -> anyhow::Result<(Value, usize)> {
    std::fs::create_dir_all(scratch)?;
    let url = DatabaseUrl::resolve(None, scratch)?;
    let services = Services {
        store: store::connect(&url).await?,
        // The scratch account's key derivation is not what is measured.
        kdf: KdfParams {
            memory_kib: 64,
            iterations: 1,
        },
        session_ttl: 3600,
        mailer: None,
        push: None,
        read_cache: Default::default(),
    };
    let now = jiff::Timestamp::now().as_second();
    let created = services
        .accounts()
        .sign_up("moving-otter", PASS, "UTC", now)
        .await?;
    let who = services
        .accounts()
        .authenticate(&created.token.encode(), now)
        .await?
        .context("a fresh session did not authenticate")?;
    let records = services.records(&who);
    let made = make_years(&records, date(2025, 9, 1), years).await?;
    let doc = records.export(now).await?;
    let n = doc["records"].as_array().map_or(0, Vec::len);
    ensure!(n == made, "the export holds {n} records, {made} were made");
    Ok((doc, made))
}

/// The export with fresh ids for every record that is not one-per-slot (those
/// take their id from the slot), as if this person had never been here.
fn with_fresh_ids(doc: &Value) -> anyhow::Result<Vec<u8>> {
    let mut doc = doc.clone();
    for r in doc["records"]
        .as_array_mut()
        .context("no records in the export")?
    {
        if r["slot"].is_null() {
            r["id"] = Value::String(uuid::Uuid::new_v4().to_string());
        }
    }
    Ok(serde_json::to_vec(&doc)?)
}

/// Median, smallest and largest, in milliseconds.
fn spread(ms: &mut [f64]) -> (f64, f64, f64) {
    ms.sort_by(f64::total_cmp);
    let mid = ms.len() / 2;
    let median = if ms.len().is_multiple_of(2) {
        (ms[mid - 1] + ms[mid]) / 2.0
    } else {
        ms[mid]
    };
    (median, ms[0], ms[ms.len() - 1])
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let tend = PathBuf::from(arg("--tend", "target/release/tend"));
    let postgres = arg("--postgres", "");
    let rounds: usize = arg("--rounds", "5").parse()?;
    let years: i64 = arg("--years", "1").parse()?;
    ensure!(
        rounds > 0 && years > 0,
        "--rounds and --years must be at least 1"
    );
    let work = tempfile::tempdir()?;

    let started = Instant::now();
    let (doc, records) = make_export(&work.path().join("scratch"), years).await?;
    let size = serde_json::to_vec(&doc)?.len();
    println!(
        "export: {years} year(s) of every feature, {records} records, {size} bytes \
         ({} bytes a record; made in {:.1} s)",
        size / records,
        started.elapsed().as_secs_f64()
    );
    let kinds: std::collections::BTreeMap<&str, usize> = doc["records"]
        .as_array()
        .context("no records")?
        .iter()
        .filter_map(|r| r["kind"].as_str())
        .fold(Default::default(), |mut m, k| {
            *m.entry(k).or_default() += 1;
            m
        });
    println!("kinds: {kinds:?}");

    let mut servers =
        vec![TendServer::start("SQLite", &tend, &work.path().join("sqlite"), None).await?];
    if !postgres.is_empty() {
        servers.push(
            TendServer::start(
                "PostgreSQL",
                &tend,
                &work.path().join("pg"),
                Some(&postgres),
            )
            .await?,
        );
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()?;

    // times[server][step] in ms; peak[server] in KiB; rss[server] before imports.
    let mut times = vec![vec![Vec::new(); STEPS.len()]; servers.len()];
    let mut peak = vec![0u64; servers.len()];
    let mut before = vec![0u64; servers.len()];
    for round in 0..rounds {
        let mut order: Vec<usize> = (0..servers.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for &s in &order {
            let server = &servers[s];
            let first = server.sign_up(&client, &format!("mover-{round}-a")).await?;
            let second = server.sign_up(&client, &format!("mover-{round}-b")).await?;
            let body = with_fresh_ids(&doc)?;
            if round == 0 {
                before[s] = server.status_kib("VmRSS:")?;
            }
            server.reset_peak()?;
            for (step, token) in [&first, &first, &second].into_iter().enumerate() {
                let (took, report) = server.import(&client, token, &body).await?;
                let (imported, already) = (
                    report["imported"].as_u64().unwrap_or(u64::MAX) as usize,
                    report["already_here"].as_u64().unwrap_or(u64::MAX) as usize,
                );
                // The new account's profile (chosen at sign-up) is already there.
                let expected = if step == 1 {
                    (0, records)
                } else {
                    (records - 1, 1)
                };
                ensure!(
                    (imported, already) == expected,
                    "{} round {round} {}: imported {imported}, already here {already}, expected {expected:?}",
                    server.name,
                    STEPS[step]
                );
                times[s][step].push(took.as_secs_f64() * 1000.0);
                peak[s] = peak[s].max(server.status_kib("VmHWM:")?);
            }
        }
    }

    println!();
    println!(
        "{rounds} rounds, alternating servers; wall time per import from the client \
         (median, min–max); records/s = {records} / median"
    );
    println!();
    println!("| database | import | median ms | min–max ms | records/s |");
    println!("|---|---|---|---|---|");
    for (s, server) in servers.iter().enumerate() {
        for (step, name) in STEPS.iter().enumerate() {
            let (median, min, max) = spread(&mut times[s][step]);
            println!(
                "| {} | {name} | {median:.0} | {min:.0}–{max:.0} | {:.0} |",
                server.name,
                records as f64 / (median / 1000.0)
            );
        }
    }
    println!();
    for (s, server) in servers.iter().enumerate() {
        println!(
            "{} server memory: {:.1} MiB resident before the imports, peak {:.1} MiB during them (VmHWM)",
            server.name,
            before[s] as f64 / 1024.0,
            peak[s] as f64 / 1024.0
        );
    }
    Ok(())
}
