//! Programme insight (issue 17), on both databases: totals equal the
//! contributors' own records after any sequence of joins, answers, stops,
//! leaves and deletions; a lead sees nothing below k and never a student; and
//! the paths a lead can reach carry no account id or handle.

use std::collections::BTreeMap;

use jiff::civil::{Date, date};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tend::domain::checkin::{Checkin, Meals};
use tend::domain::programmes::{self, Contribution, Measure, Sums, Totals};
use tend::service::{Services, Unlocked};

use crate::helpers::{Backend, FAST_KDF, TestApp, csrf_of, get};

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn services(app: &TestApp) -> Services {
    Services {
        store: app.db.store.clone(),
        kdf: FAST_KDF,
        session_ttl: 3600,
        mailer: None,
        push: None,
        read_cache: Default::default(),
    }
}

async fn person(s: &Services, handle: &str) -> (Unlocked, String) {
    let acc = s
        .accounts()
        .sign_up(handle, "a long enough passphrase", "UTC", now())
        .await
        .unwrap();
    let token = acc.token.encode();
    let who = s
        .accounts()
        .authenticate(&token, now())
        .await
        .unwrap()
        .unwrap();
    (who, token)
}

async fn store_totals(s: &Services, programme: &str, period: &str) -> Totals {
    s.store
        .totals(programme, period)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| {
            r.n != 0
                || r.sx != 0
                || r.sxx != 0
                || r.sxy != 0
                || r.flagged != 0
                || r.sy != 0
                || r.syy != 0
        })
        .map(|r| {
            (
                r.cell,
                Sums {
                    n: r.n,
                    sx: r.sx,
                    sxx: r.sxx,
                    sy: r.sy,
                    syy: r.syy,
                    sxy: r.sxy,
                    flagged: r.flagged,
                },
            )
        })
        .collect()
}

fn checkin(mood: u8, sleep: f32) -> Checkin {
    Checkin {
        mood,
        energy: 3,
        sleep_hours: sleep,
        movement_minutes: 0,
        meals: Meals::Eaten,
        joy: String::new(),
        note: String::new(),
    }
}

async fn totals_equal_records_after_random_sequences(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let s = services(&app);
    let p = s
        .programmes()
        .create("Year 3", None, "", now())
        .await
        .unwrap();
    let other = s
        .programmes()
        .create("Year 4", None, "", now())
        .await
        .unwrap();
    let mut people = Vec::new();
    for i in 0..8 {
        people.push(Some(person(&s, &format!("student{i}")).await.0));
    }
    let days: [Date; 2] = [date(2026, 10, 14), date(2026, 11, 3)];
    let mut rng = StdRng::seed_from_u64(1717);
    for _ in 0..200 {
        let i = rng.gen_range(0..people.len());
        let Some(who) = people[i].as_ref() else {
            continue;
        };
        let day = days[rng.gen_range(0..2)];
        match rng.gen_range(0..12) {
            0 | 9 => {
                let code = if rng.gen_bool(0.8) {
                    &p.code
                } else {
                    &other.code
                };
                s.programmes().join(who, code, now()).await.unwrap();
                if rng.gen_bool(0.7) {
                    s.programmes()
                        .set_contributing(who, true, now())
                        .await
                        .unwrap();
                }
            }
            1 => {
                let _ = s.programmes().set_contributing(who, true, now()).await;
            }
            2..=4 | 10 => {
                let (inst, score) = match rng.gen_range(0..4) {
                    0 => ("who5", f64::from(rng.gen_range(0..=25) * 4)),
                    1 => ("scs-sf", f64::from(rng.gen_range(12..=60)) / 12.0),
                    2 => ("pss4", f64::from(rng.gen_range(0..=16))),
                    _ => ("burnout-single", f64::from(rng.gen_range(1..=5))),
                };
                s.programmes()
                    .after_questionnaire(who, day, inst, Some(score), now())
                    .await;
            }
            5 | 6 => {
                let c = checkin(
                    rng.gen_range(1..=5),
                    f32::from(rng.gen_range(0u8..=40)) / 4.0,
                );
                s.programmes().after_checkin(who, day, &c, now()).await;
            }
            7 => {
                s.programmes()
                    .after_use(who, day, Measure::Practice, now())
                    .await
            }
            8 => {
                if rng.gen_bool(0.7) {
                    let _ = s.programmes().set_contributing(who, false, now()).await;
                } else {
                    s.programmes().leave(who, now()).await.unwrap();
                }
            }
            _ => {
                if rng.gen_bool(0.3) {
                    s.accounts()
                        .delete(who, "a long enough passphrase")
                        .await
                        .unwrap();
                    people[i] = None;
                }
            }
        }
    }
    // Recompute from each remaining person's own sealed record.
    let mut expected: BTreeMap<(String, String), Totals> = BTreeMap::new();
    let mut contributors = 0;
    for who in people.iter().flatten() {
        if let Some((prog, m)) = s.programmes().mine(who).await.unwrap() {
            for (period, c) in &m.contributions {
                let t = expected
                    .entry((prog.id.clone(), period.clone()))
                    .or_default();
                programmes::apply(t, &programmes::cells(c));
                contributors += 1;
            }
        }
    }
    assert!(
        contributors > 3,
        "the sequence should leave some contributions"
    );
    for prog in [&p, &other] {
        for day in days {
            let period = programmes::period_of(day);
            let want = expected
                .remove(&(prog.id.clone(), period.clone()))
                .unwrap_or_default();
            assert_eq!(
                store_totals(&s, &prog.id, &period).await,
                want,
                "{} {period}",
                prog.name
            );
        }
    }
}

#[tokio::test]
async fn totals_equal_records_after_random_sequences_sqlite() {
    totals_equal_records_after_random_sequences(Backend::Sqlite).await;
}

#[tokio::test]
async fn totals_equal_records_after_random_sequences_postgres() {
    totals_equal_records_after_random_sequences(Backend::Postgres).await;
}

async fn joining_is_not_contributing_and_stopping_takes_it_back(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let s = services(&app);
    let p = s
        .programmes()
        .create("Year 2", Some(5), "Counselling: room 4", now())
        .await
        .unwrap();
    assert!(
        s.programmes()
            .create("Year 2b", Some(3), "", now())
            .await
            .is_err(),
        "k below 5 is refused"
    );
    let (who, _) = person(&s, "ana").await;
    let day = date(2026, 11, 20);
    let period = programmes::period_of(day);
    s.programmes()
        .join(&who, &p.code.to_lowercase(), now())
        .await
        .unwrap();
    s.programmes()
        .after_questionnaire(&who, day, "who5", Some(40.0), now())
        .await;
    assert!(
        store_totals(&s, &p.id, &period).await.is_empty(),
        "joined but not contributing"
    );

    s.programmes()
        .set_contributing(&who, true, now())
        .await
        .unwrap();
    s.programmes()
        .after_questionnaire(&who, day, "who5", Some(40.0), now())
        .await;
    s.programmes()
        .after_questionnaire(&who, day, "who5", Some(72.0), now())
        .await;
    let t = store_totals(&s, &p.id, &period).await;
    assert_eq!(
        t["who5"],
        Sums {
            n: 1,
            sx: 72,
            sxx: 72 * 72,
            ..Sums::default()
        },
        "the newer answer replaced the older"
    );
    let mine = s.programmes().mine(&who).await.unwrap().unwrap().1;
    assert_eq!(
        mine.contributions[&period],
        Contribution::default().with(Measure::Who5, 72)
    );

    s.programmes()
        .set_contributing(&who, false, now())
        .await
        .unwrap();
    assert!(
        store_totals(&s, &p.id, &period).await.is_empty(),
        "stopping takes it back out"
    );

    s.programmes()
        .set_contributing(&who, true, now())
        .await
        .unwrap();
    s.programmes()
        .after_checkin(&who, day, &checkin(4, 7.5), now())
        .await;
    assert_eq!(store_totals(&s, &p.id, &period).await["sleep"].sx, 30);
    s.accounts()
        .delete(&who, "a long enough passphrase")
        .await
        .unwrap();
    assert!(
        store_totals(&s, &p.id, &period).await.is_empty(),
        "deleting the account takes it back out"
    );
}

#[tokio::test]
async fn joining_is_not_contributing_and_stopping_takes_it_back_sqlite() {
    joining_is_not_contributing_and_stopping_takes_it_back(Backend::Sqlite).await;
}

#[tokio::test]
async fn joining_is_not_contributing_and_stopping_takes_it_back_postgres() {
    joining_is_not_contributing_and_stopping_takes_it_back(Backend::Postgres).await;
}

async fn post_form(
    b: &reqwest::Client,
    url: String,
    form: &[(&str, &str)],
) -> (reqwest::StatusCode, String) {
    let res = b.post(url).form(form).send().await.unwrap();
    let status = res.status();
    let loc = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, loc)
}

async fn a_lead_sees_groups_only(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let s = services(&app);
    let p = s
        .programmes()
        .create("Year 1", None, "", now())
        .await
        .unwrap();
    let (lead_token, _) = app.api_account("lead", "a long enough passphrase").await;
    s.programmes().appoint_lead("Year 1", "lead").await.unwrap();

    let mut secrets = Vec::new();
    let mut students = Vec::new();
    for i in 0..10 {
        let handle = format!("pupil{i:02}");
        let (token, _) = app.api_account(&handle, "a long enough passphrase").await;
        let who = s
            .accounts()
            .authenticate(&token, now())
            .await
            .unwrap()
            .unwrap();
        secrets.push(handle);
        secrets.push(who.account_id.clone());
        students.push((token, who));
    }
    let api = app.api();
    let lead_figures = || async {
        let res = api
            .get(app.url(&format!("/api/v1/programmes/{}/figures", p.id)))
            .bearer_auth(&lead_token)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body = res.text().await.unwrap();
        assert_eq!(status, 200, "{body}");
        body
    };
    for (n, (token, who)) in students.iter().enumerate() {
        s.programmes().join(who, &p.code, now()).await.unwrap();
        s.programmes()
            .set_contributing(who, true, now())
            .await
            .unwrap();
        // Through the real API, so the hook in the questionnaire handler runs.
        let res = api
            .post(app.url("/api/v1/questionnaires/who5/responses"))
            .bearer_auth(token)
            .json(&serde_json::json!({ "answers": [3, 3, 2, 2, 3] }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        if n < 9 {
            let v: serde_json::Value = serde_json::from_str(&lead_figures().await).unwrap();
            assert!(
                v["months"][0]["release"].is_null(),
                "nothing released with {} people",
                n + 1
            );
        }
    }
    let first = lead_figures().await;
    let v: serde_json::Value = serde_json::from_str(&first).unwrap();
    let release = &v["months"][0]["release"];
    assert_eq!(release["enough"], true);
    let who5 = release["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["cell"] == "who5")
        .unwrap();
    assert!(who5["mean"].as_f64().is_some());
    assert_eq!(
        who5["contributors"].as_i64().unwrap() % 5,
        0,
        "counts are rounded"
    );
    assert_eq!(
        lead_figures().await,
        first,
        "asking twice gives the same answer"
    );

    // The lead's pages and downloads.
    let b = app.browser();
    let signin = b
        .get(app.url("/signin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (status, _) = post_form(
        &b,
        app.url("/signin"),
        &[
            ("csrf", &csrf_of(&signin)),
            ("handle", "lead"),
            ("passphrase", "a long enough passphrase"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (status, dash) = get(&b, app.url(&format!("/programmes/{}", p.id))).await;
    assert_eq!(status, 200);
    assert!(dash.contains("WHO-5 well-being index"));
    assert!(dash.contains("learning and work environment"));
    let (_, csv) = get(&b, app.url(&format!("/programmes/{}/figures.csv", p.id))).await;
    assert!(csv.starts_with("period,stage,cell,"));
    let (_, json) = get(&b, app.url(&format!("/programmes/{}/figures.json", p.id))).await;
    let (_, home) = get(&b, app.url("/programmes")).await;
    let mut reachable = vec![first, dash, csv, json, home];
    for period in s.store.programme_periods(&p.id).await.unwrap() {
        reachable.push(format!(
            "{:?}",
            s.store.totals(&p.id, &period).await.unwrap()
        ));
        for stage in ["so_far", "final"] {
            reachable.push(
                s.store
                    .release(&p.id, &period, stage)
                    .await
                    .unwrap()
                    .unwrap_or_default(),
            );
        }
    }
    for text in &reachable {
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "a lead could see {secret}");
        }
    }

    // Students (and anyone not a lead) cannot open the dashboard or the API.
    let res = api
        .get(app.url(&format!("/api/v1/programmes/{}/figures", p.id)))
        .bearer_auth(&students[0].0)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn a_lead_sees_groups_only_sqlite() {
    a_lead_sees_groups_only(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_lead_sees_groups_only_postgres() {
    a_lead_sees_groups_only(Backend::Postgres).await;
}

#[tokio::test]
async fn the_totals_tables_have_no_column_for_a_person() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", app.db.sqlite_file().display()))
        .await
        .unwrap();
    for table in ["programme_totals", "programme_releases", "programmes"] {
        let cols: Vec<(String,)> =
            sqlx::query_as(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(&pool)
                .await
                .unwrap();
        assert!(!cols.is_empty());
        for (c,) in cols {
            assert!(
                !c.contains("account") && !c.contains("handle") && !c.ends_with("_at")
                    || table == "programmes",
                "{table}.{c}"
            );
        }
    }
}

#[tokio::test]
async fn students_join_and_consent_through_the_pages() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let s = services(&app);
    let p = s
        .programmes()
        .create(
            "Year 5",
            None,
            "Wellbeing service: ask at the front desk",
            now(),
        )
        .await
        .unwrap();
    let b = app.browser();
    crate::helpers::sign_up_in_browser(&app, &b, "bea", "a long enough passphrase").await;
    let (_, page) = get(&b, app.url("/programmes")).await;
    let token = csrf_of(&page);
    let (status, _) = post_form(
        &b,
        app.url("/programmes/join"),
        &[("csrf", &token), ("code", "NOPE")],
    )
    .await;
    assert_eq!(status, 422);
    let (status, loc) = post_form(
        &b,
        app.url("/programmes/join"),
        &[("csrf", &token), ("code", &p.code)],
    )
    .await;
    assert_eq!(
        (status, loc.as_str()),
        (reqwest::StatusCode::SEE_OTHER, "/programmes?done=joined")
    );
    let (_, page) = get(&b, app.url("/programmes?done=joined")).await;
    assert!(
        page.contains("Year 5")
            && page.contains("front desk")
            && page.contains("You are not contributing")
    );
    let (status, consent) = get(&b, app.url("/programmes/consent")).await;
    assert_eq!(status, 200);
    assert!(consent.contains("What is never shared"));
    let (status, loc) = post_form(
        &b,
        app.url("/programmes/consent"),
        &[("csrf", &token), ("choice", "yes")],
    )
    .await;
    assert_eq!(
        (status, loc.as_str()),
        (
            reqwest::StatusCode::SEE_OTHER,
            "/programmes?done=contributing"
        )
    );
    let (_, page) = get(&b, app.url("/programmes")).await;
    assert!(page.contains("You are contributing"));
    // A student is not a lead: the dashboard is "not found".
    let (status, _) = get(&b, app.url(&format!("/programmes/{}", p.id))).await;
    assert_eq!(status, 404);
    let (status, _) = get(&b, app.url("/programmes/admin")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_command_line_creates_programmes_and_appoints_leads() {
    let tend = env!("CARGO_BIN_EXE_tend");
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tend.db").display());
    let store: std::sync::Arc<dyn tend::store::Store> =
        std::sync::Arc::new(tend::store::SqliteStore::connect(&url).await.unwrap());
    let s = Services {
        store: store.clone(),
        kdf: FAST_KDF,
        session_ttl: 3600,
        mailer: None,
        push: None,
        read_cache: Default::default(),
    };
    let (lead, _) = person(&s, "dean").await;
    let run = |args: &[&str]| {
        let mut all = vec!["admin", "programme"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--data-dir", dir.path().to_str().unwrap()]);
        std::process::Command::new(tend)
            .args(&all)
            .output()
            .unwrap()
    };
    let out = run(&["create", "Year 6", "--k", "3"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 5"));
    let out = run(&["create", "Year 6"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Students join with the code"));
    let out = run(&["lead", "Year 6", "nobody"]);
    assert!(!out.status.success());
    let out = run(&["lead", "Year 6", "dean"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let led = s.programmes().led_by(&lead).await.unwrap();
    assert_eq!(led.len(), 1);
    assert_eq!(led[0].name, "Year 6");
    assert_eq!(led[0].k, 10, "the default smallest group");
}

async fn saves_at_once_keep_totals_and_record_in_step(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let s = services(&app);
    let p = s
        .programmes()
        .create("Year 7", None, "", now())
        .await
        .unwrap();
    let (who, _) = person(&s, "cyrus").await;
    s.programmes().join(&who, &p.code, now()).await.unwrap();
    s.programmes()
        .set_contributing(&who, true, now())
        .await
        .unwrap();
    let day = date(2026, 9, 9);
    let ps = s.programmes();
    // Four saves from "different tabs" at once, plus a practice session.
    let tired = checkin(2, 5.0);
    tokio::join!(
        ps.after_questionnaire(&who, day, "who5", Some(20.0), now()),
        ps.after_questionnaire(&who, day, "who5", Some(84.0), now()),
        ps.after_checkin(&who, day, &tired, now()),
        ps.after_questionnaire(&who, day, "pss4", Some(9.0), now()),
        ps.after_use(&who, day, Measure::Practice, now()),
    );
    let (_, m) = s.programmes().mine(&who).await.unwrap().unwrap();
    let period = programmes::period_of(day);
    let mut want = Totals::new();
    programmes::apply(&mut want, &programmes::cells(&m.contributions[&period]));
    assert_eq!(store_totals(&s, &p.id, &period).await, want);
    assert_eq!(want["who5"].n, 1, "one WHO-5 answer per person per month");
    assert_eq!(want["participation"].n, 1);
}

#[tokio::test]
async fn saves_at_once_keep_totals_and_record_in_step_sqlite() {
    saves_at_once_keep_totals_and_record_in_step(Backend::Sqlite).await;
}

#[tokio::test]
async fn saves_at_once_keep_totals_and_record_in_step_postgres() {
    saves_at_once_keep_totals_and_record_in_step(Backend::Postgres).await;
}

/// Issue 12: an admin command pointed at a folder with no tend in it says so
/// and creates nothing (no folder, no empty database).
#[test]
fn admin_commands_without_a_database_say_so_and_create_nothing() {
    let tend = env!("CARGO_BIN_EXE_tend");
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("not-here");
    let data_dir = missing.to_str().unwrap();
    for args in [
        vec![
            "admin",
            "grant-role",
            "someone",
            "admin",
            "--data-dir",
            data_dir,
        ],
        vec![
            "admin",
            "programme",
            "create",
            "Year 6",
            "--data-dir",
            data_dir,
        ],
    ] {
        let out = std::process::Command::new(tend)
            .args(&args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no tend database at"), "{args:?}: {err}");
        assert!(err.contains("nothing was created"), "{err}");
        assert!(!missing.exists(), "{args:?} created {}", missing.display());
    }
}
