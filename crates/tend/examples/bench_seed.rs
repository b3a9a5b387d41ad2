//! Seeds a tend database for the load benchmark (see bench/run.sh): N accounts,
//! each with D days of check-ins and one journal entry a day, all sealed exactly
//! as the app seals them. Writes one session token per line to `--tokens`.
//!
//! Key derivation runs at a low cost here: the benchmark measures serving
//! pages, not sign-up, and a year of data for 1,000 people should seed in
//! about a minute rather than an hour.
// Tests and tools choose the time they give tend, so they may read the clock.
#![allow(clippy::disallowed_methods)]

use std::sync::Arc;

use jiff::ToSpan;
use tend::domain::checkin::{Checkin, Meals};
use tend::domain::critic::{Place, Thought};
use tend::domain::goals::{Goal, GoalState};
use tend::domain::gratitude::Gratitude;
use tend::domain::journal::JournalEntry;
use tend::domain::practice::PracticeLog;
use tend::service::{Services, Unlocked};
use tend::store::{self, DatabaseUrl};
use tend::vault::KdfParams;

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_owned())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let data_dir = std::path::PathBuf::from(arg("--data-dir", "bench-data"));
    let accounts: usize = arg("--accounts", "1000").parse()?;
    let days: i32 = arg("--days", "365").parse()?;
    let tokens_file = arg("--tokens", "bench-tokens.txt");
    // With `--every-feature`, each day also gets a noticed thought, a practice and
    // three good things, and each week three goals: a year of the whole app.
    let every_feature = std::env::args().any(|a| a == "--every-feature");
    // `--circle FILE` (bench/compare.sh) also puts every account in one circle
    // with a thread of `--replies` replies to read and an empty one to reply
    // in; FILE gets "circle read-thread post-thread", FILE.csrf each
    // account's form token (same order as the tokens).
    let circle_file = arg("--circle", "");
    let replies: usize = arg("--replies", "100").parse()?;
    // `--repliers N` adds N circle members with no history, whose tokens and
    // form tokens go to FILE.repliers and FILE.repliers.csrf: the reply load
    // posts as them, so a year of data for 1,000 people does not also have
    // to cover the reply rate within each person's limit of 20 a minute.
    let repliers: usize = arg("--repliers", "0").parse()?;
    // `--post-threads N` makes N empty threads to reply in (default 1), their
    // ids one per line in FILE.threads: a reply load spread over them does
    // not queue on one thread's row as a load on one thread does.
    let post_threads: usize = arg("--post-threads", "1").parse::<usize>()?.max(1);
    // Records are written day by day across everyone, as they arrive in real
    // use; `--by-person` writes each person's whole history at once instead
    // (the order of runs before 2026-12-05, to compare with them).
    let by_person = std::env::args().any(|a| a == "--by-person");
    std::fs::create_dir_all(&data_dir)?;
    // `--database-url postgres://...` seeds a PostgreSQL database instead
    // (bench/cluster-bench.sh).
    let database_url = arg("--database-url", "");
    let url = match DatabaseUrl::resolve(Some(database_url.as_str()), &data_dir)? {
        // Seeding needs no durability (a crash means seeding again), and with
        // a sync of the log at every commit a year for 1,000 people took 20
        // minutes instead of 2. `tend serve` opens the file as usual.
        DatabaseUrl::Sqlite(u) if database_url.is_empty() => {
            DatabaseUrl::Sqlite(format!("{u}?synchronous=normal"))
        }
        other => other,
    };
    let store = store::connect(&url).await?;
    let services = Arc::new(Services {
        store,
        kdf: KdfParams {
            memory_kib: 256,
            iterations: 1,
        },
        session_ttl: 30 * 24 * 3600,
        mailer: None,
        push: None,
        read_cache: Default::default(),
    });
    let today = jiff::Zoned::now().date();
    let now = jiff::Timestamp::now().as_second();
    let started = std::time::Instant::now();
    // Every account first (a few at a time: enough to keep both cores and
    // the database busy), then their history.
    let mut people = Vec::with_capacity(accounts + repliers);
    for chunk in (0..accounts + repliers).collect::<Vec<_>>().chunks(8) {
        let mut tasks = Vec::new();
        for &i in chunk {
            let services = services.clone();
            tasks.push(tokio::spawn(async move {
                let created = services
                    .accounts()
                    .sign_up(
                        &format!("bench{i}"),
                        &format!("bench passphrase number {i}"),
                        "UTC",
                        now,
                    )
                    .await?;
                let token = created.token.encode();
                let csrf = created.token.csrf_token();
                let who = services
                    .accounts()
                    .authenticate(&token, now)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("fresh session did not authenticate"))?;
                anyhow::Ok((token, csrf, Arc::new(who)))
            }));
        }
        for t in tasks {
            people.push(t.await??);
        }
    }
    // Shared by the eight lanes of every day below, not copied for each.
    let writers: Arc<[Arc<Unlocked>]> = people[..accounts.min(people.len())]
        .iter()
        .map(|p| p.2.clone())
        .collect();
    if by_person {
        // Each person's whole history at once, newest day first, a few
        // people at a time: the order of earlier runs, which leaves a
        // person's rows side by side in any table layout and so flatters a
        // table kept in write order.
        for chunk in writers.chunks(8) {
            let mut tasks = Vec::new();
            for who in chunk {
                let (services, who) = (services.clone(), who.clone());
                tasks.push(tokio::spawn(async move {
                    for d in 0..days {
                        seed_day(&services, &who, d, today, now, every_feature).await?;
                    }
                    anyhow::Ok(())
                }));
            }
            for t in tasks {
                t.await??;
            }
        }
    } else {
        // Day by day, oldest first, everyone's day before the next: the order
        // a real database is written in, one person's rows among everyone's.
        for d in (0..days).rev() {
            let mut tasks = Vec::new();
            for lane in 0..8 {
                let (services, writers) = (services.clone(), writers.clone());
                tasks.push(tokio::spawn(async move {
                    for who in writers.iter().skip(lane).step_by(8) {
                        seed_day(&services, who, d, today, now, every_feature).await?;
                    }
                    anyhow::Ok(())
                }));
            }
            for t in tasks {
                t.await??;
            }
        }
    }
    let mut tokens: Vec<(String, String, String)> = people
        .into_iter()
        .map(|(token, csrf, who)| (token, csrf, who.account_id.clone()))
        .collect();
    if !circle_file.is_empty() {
        seed_circle(&services, &tokens, &circle_file, replies, post_threads, now).await?;
    }
    let extra = tokens.split_off(accounts.min(tokens.len()));
    let csrf: Vec<String> = tokens.iter().map(|t| t.1.clone()).collect();
    let tokens: Vec<String> = tokens.into_iter().map(|t| t.0).collect();
    if !circle_file.is_empty() {
        std::fs::write(format!("{circle_file}.csrf"), csrf.join("\n") + "\n")?;
        if !extra.is_empty() {
            let lines = |f: fn(&(String, String, String)) -> &String| {
                extra.iter().map(f).cloned().collect::<Vec<_>>().join("\n") + "\n"
            };
            std::fs::write(format!("{circle_file}.repliers"), lines(|t| &t.0))?;
            std::fs::write(format!("{circle_file}.repliers.csrf"), lines(|t| &t.1))?;
        }
    }
    std::fs::write(&tokens_file, tokens.join("\n") + "\n")?;
    println!(
        "seeded {accounts} accounts x {days} days (and {repliers} repliers) in {:.1} s; tokens in {tokens_file}",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// One person's records of day `d` days before `today`.
async fn seed_day(
    services: &Services,
    who: &Unlocked,
    d: i32,
    today: jiff::civil::Date,
    now: i64,
    every_feature: bool,
) -> anyhow::Result<()> {
    let records = services.records(who);
    let day = today.checked_sub(d.days())?;
    let at = now - i64::from(d) * 86_400;
    let checkin = Checkin {
        mood: (1 + (d % 5)) as u8,
        energy: (1 + ((d + 2) % 5)) as u8,
        sleep_hours: 5.0 + (d % 4) as f32,
        movement_minutes: ((d * 7) % 60) as u16,
        meals: if d % 6 == 0 {
            Meals::Skipped
        } else {
            Meals::Eaten
        },
        joy: "a kind word from a resident".into(),
        note: String::new(),
    };
    records
        .put_slot(&day.to_string(), Some(day), checkin, at)
        .await?;
    let entry = JournalEntry {
        title: format!("Day {d}"),
        body: "Long shift on the ward. I was slow with the notes and felt behind, \
                   but the patient in bed four thanked me for explaining things. "
            .repeat(3),
    };
    records.create(Some(day), entry, at).await?;
    if every_feature {
        let thought = Thought {
            text: "I'm so slow, everyone else finishes their notes before me.".into(),
            place: Some(Place::Ward),
            intensity: Some((d % 11) as u8),
            patterns: vec!["comparing".into(), "labeling".into()],
            reframe: if d % 2 == 0 {
                "You are learning; speed comes.".into()
            } else {
                String::new()
            },
        };
        records.create(Some(day), thought, at).await?;
        let slug = ["breathing-space", "body-scan", "loving-kindness"][(d % 3) as usize];
        records
            .create(
                Some(day),
                PracticeLog {
                    slug: slug.into(),
                    minutes: 5,
                },
                at,
            )
            .await?;
        let good = Gratitude {
            things: vec![
                "coffee".into(),
                "a patient's thanks".into(),
                "sunlight".into(),
            ],
        };
        records
            .put_slot(&day.to_string(), Some(day), good, at)
            .await?;
        if d % 7 == 0 {
            for g in 0..3 {
                let goal = Goal {
                    title: format!("Goal {g}"),
                    hours: 3.0,
                    good_enough: "half of it".into(),
                    state: GoalState::GoodEnough,
                };
                records.create(Some(day), goal, at).await?;
            }
        }
    }
    Ok(())
}

/// One circle holding every seeded account, a thread with `replies` replies
/// (authors taking turns) and an empty thread for new replies.
async fn seed_circle(
    services: &Services,
    people: &[(String, String, String)],
    file: &str,
    replies: usize,
    post_threads: usize,
    now: i64,
) -> anyhow::Result<()> {
    use tend::store::{CircleRow, MembershipRow, ReplyRow, ThreadRow};
    let store = &services.store;
    let member = |i: usize, account: &str| MembershipRow {
        id: format!("benchm{i}"),
        circle_id: "benchcircle".into(),
        account_id: account.to_owned(),
        role: if i == 0 { "facilitator" } else { "member" }.into(),
        pseudonym: format!("Member {i}"),
        joined_at: now,
        suspended_until: None,
    };
    let first = people
        .first()
        .ok_or_else(|| anyhow::anyhow!("no accounts to put in the circle"))?;
    store
        .create_circle(
            &CircleRow {
                id: "benchcircle".into(),
                name: "Bench circle".into(),
                description: "For the load benchmark".into(),
                guidelines: "Be kind.".into(),
                created_at: now,
            },
            &member(0, &first.2),
        )
        .await?;
    for (i, p) in people.iter().enumerate().skip(1) {
        store.add_member(&member(i, &p.2)).await?;
    }
    let posts: Vec<String> = (0..post_threads)
        .map(|i| match i {
            0 => "benchpost".to_owned(),
            i => format!("benchpost{i}"),
        })
        .collect();
    let threads = std::iter::once(("benchread", "A long thread"))
        .chain(posts.iter().map(|id| (id.as_str(), "Replies go here")));
    for (id, title) in threads {
        store
            .create_thread(&ThreadRow {
                id: id.into(),
                circle_id: "benchcircle".into(),
                author_id: "benchm0".into(),
                title: title.into(),
                body: "How do you all cope with the first weeks on the ward?".into(),
                status: "visible".into(),
                urgent: 0,
                locked: 0,
                reply_count: 0,
                created_at: now,
                last_activity: now,
            })
            .await?;
    }
    for r in 0..replies {
        store
            .create_reply(&ReplyRow {
                id: format!("benchr{r}"),
                thread_id: "benchread".into(),
                circle_id: "benchcircle".into(),
                author_id: format!("benchm{}", r % people.len()),
                body: format!(
                    "Reply {r}: it gets easier. Write things down, ask early, and eat lunch \
                     even when it is late."
                ),
                status: "visible".into(),
                urgent: 0,
                created_at: now + r as i64,
            })
            .await?;
    }
    std::fs::write(file, "benchcircle benchread benchpost\n")?;
    std::fs::write(format!("{file}.threads"), posts.join("\n") + "\n")?;
    Ok(())
}
