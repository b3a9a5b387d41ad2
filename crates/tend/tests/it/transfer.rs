//! Moving records between servers and API tokens (issue 14), over real HTTP
//! on real databases: a year of every feature made through the services,
//! exported from one server and imported into another (SQLite → PostgreSQL
//! and back when `TEND_TEST_POSTGRES_URL` is set), read back identical;
//! bad files refused whole; tokens created, used, listed and revoked.

use std::collections::BTreeMap;

use jiff::ToSpan;
use jiff::civil::{Date, date};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
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
use tend::service::Services;

use crate::helpers::{Backend, FAST_KDF, TestApp, csrf_of, get, on_both_backends};

const PASS: &str = "kettle maple orbit";

/// The services over a test server's own database, for making records as
/// the pages would (the server and these share the database).
fn services_of(app: &TestApp) -> Services {
    let mut config = tend::config::Config::for_data_dir(app.db.dir.path().to_path_buf()).unwrap();
    config.kdf = FAST_KDF;
    Services::new(app.db.store.clone(), &config)
}

fn noon(d: Date) -> i64 {
    d.at(12, 0, 0, 0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
        .as_second()
}

/// A year of every feature, made through the services, day by day.
/// Returns how many records it made.
async fn a_year_of_everything(app: &TestApp, token: &str) -> usize {
    let services = services_of(app);
    let now = jiff::Timestamp::now().as_second();
    let who = services
        .accounts()
        .authenticate(token, now)
        .await
        .unwrap()
        .unwrap();
    let r = services.records(&who);
    let start = date(2025, 9, 1);
    let mut made = 0;
    for n in 0..365 {
        let day = start.checked_add(n.days()).unwrap();
        let t = noon(day);
        r.put_slot(
            &day.to_string(),
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
                joy: format!("a small joy on day {n}"),
                note: if n % 3 == 0 {
                    format!("note {n}, with \"quotes\" and, commas\nand a second line")
                } else {
                    String::new()
                },
            },
            t,
        )
        .await
        .unwrap();
        made += 1;
        r.create(
            Some(day),
            PracticeLog {
                slug: "breathing-space".into(),
                minutes: 3 + (n % 10) as u16,
            },
            t + 60,
        )
        .await
        .unwrap();
        made += 1;
        if n % 2 == 0 {
            r.put_slot(
                &day.to_string(),
                Some(day),
                Gratitude {
                    things: vec![
                        format!("tea {n}"),
                        "a kind registrar".into(),
                        "sunlight".into(),
                    ],
                },
                t + 120,
            )
            .await
            .unwrap();
            made += 1;
        }
        if n % 3 == 0 {
            r.create(
                Some(day),
                JournalEntry {
                    title: format!("Day {n} on the ward"),
                    body: format!("What happened on day {n}.\n\nÜnïcödé and emoji 🌱 too."),
                },
                t + 180,
            )
            .await
            .unwrap();
            made += 1;
        }
        if n % 4 == 0 {
            r.create(
                Some(day),
                Thought {
                    text: format!("I should have known the answer ({n})"),
                    place: Some(Place::Ward),
                    intensity: Some((n % 11) as u8),
                    patterns: vec!["should".into()],
                    reframe: if n % 8 == 0 {
                        "Nobody knows everything on day one.".into()
                    } else {
                        String::new()
                    },
                },
                t + 240,
            )
            .await
            .unwrap();
            made += 1;
        }
        if n % 7 == 0 {
            r.create(
                Some(day),
                BreakNote {
                    note: format!("break {n}"),
                },
                t + 300,
            )
            .await
            .unwrap();
            made += 1;
            let week = IsoWeek::of(day);
            r.put_slot(
                &week.to_string(),
                Some(week.monday()),
                Reflection {
                    prompt: "What went well?".into(),
                    text: format!("week of day {n}"),
                },
                t + 360,
            )
            .await
            .unwrap();
            made += 1;
            r.create(
                Some(week.monday()),
                Goal {
                    title: format!("Goal {n}"),
                    hours: 2.5,
                    good_enough: "twice".into(),
                    state: GoalState::GoodEnough,
                },
                t + 420,
            )
            .await
            .unwrap();
            made += 1;
        }
        if n % 30 == 0 {
            r.create(
                Some(day),
                Letter {
                    prompt: "To a friend".into(),
                    body: format!("Dear me, month {}", n / 30),
                },
                t + 480,
            )
            .await
            .unwrap();
            r.create(
                Some(day),
                Debrief {
                    what_happened: "Missed a result".into(),
                    what_i_felt: "Hot shame".into(),
                    common_humanity: "Every doctor has".into(),
                    one_lesson: "Check twice".into(),
                    kind_sentence: "You are learning.".into(),
                },
                t + 540,
            )
            .await
            .unwrap();
            r.create(
                Some(day),
                Response {
                    instrument: "who5".into(),
                    answers: vec![Some(3), Some(2), None, Some(4), Some(1)],
                    followup: Some(1),
                    submitted_ms: t * 1000,
                },
                t + 600,
            )
            .await
            .unwrap();
            made += 3;
        }
    }
    let t = noon(start);
    for (i, name) in ["Sam", "Dr Okafor", "Student wellbeing"]
        .into_iter()
        .enumerate()
    {
        r.create(
            None,
            SupportPerson {
                name: name.into(),
                reach: format!("07700 90000{i}"),
                note: "evenings".into(),
            },
            t + i as i64,
        )
        .await
        .unwrap();
        made += 1;
    }
    r.put_slot(
        "safety-plan",
        None,
        SafetyPlan {
            warning_signs: vec!["not sleeping".into()],
            reasons: vec!["my sister".into(), "the sea".into()],
            ..SafetyPlan::default()
        },
        t,
    )
    .await
    .unwrap();
    r.put_slot(
        "commitments",
        None,
        Commitments {
            sleep_per_night: 7.5,
            meals_per_day: 1.5,
            rotations_per_week: 45.0,
            call_per_week: 8.0,
            commute_per_day: 1.0,
        },
        t,
    )
    .await
    .unwrap();
    r.put_slot("selfcare", None, SelfcareSettings { sleep_need: 8.0 }, t)
        .await
        .unwrap();
    r.put_slot(
        "questionnaire-preferences",
        None,
        Preferences {
            instruments: vec!["who5".into(), "phq9".into()],
            paused_until: None,
            paused: false,
        },
        t,
    )
    .await
    .unwrap();
    let mut drafts = Drafts::default();
    drafts.drafts.insert(
        "phq9".into(),
        Draft {
            instrument: "phq9".into(),
            answers: vec![Some(1), None, None, None, None, None, None, None, None],
            followup: None,
        },
    );
    r.put_slot("questionnaire-drafts", None, drafts, t)
        .await
        .unwrap();
    r.put_slot(
        "profile",
        None,
        Profile {
            time_zone: "Europe/London".into(),
            country: Some("GB".into()),
        },
        t,
    )
    .await
    .unwrap();
    made += 6;
    made
}

/// A test server with one account on it, and that account's API token.
async fn server_with_account(backend: Backend, handle: &str) -> Option<(TestApp, String)> {
    let app = TestApp::spawn(backend).await?;
    let (token, _) = app.api_account(handle, PASS).await;
    Some((app, token))
}

/// One API request as `token`'s account, with a JSON body when given.
async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.api().request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

/// A journal entry written over the API.
async fn write_journal(app: &TestApp, token: &str, title: &str, body: &str) {
    let res = call(
        app,
        Method::POST,
        "/api/v1/journal",
        token,
        Some(json!({"title": title, "body": body})),
    )
    .await;
    assert_eq!(res.status(), 201);
}

async fn export(app: &TestApp, token: &str) -> Value {
    let res = call(app, Method::GET, "/api/v1/export", token, None).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn import(app: &TestApp, token: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let res = app
        .api()
        .post(app.url("/api/v1/import"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap())
}

/// Every record but the profile, keyed the way a person finds it: by slot for
/// one-per-slot kinds (their ids come from the account), by id otherwise.
fn contents(doc: &Value) -> BTreeMap<(String, String), Value> {
    doc["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] != "profile")
        .map(|r| {
            let key = match r["slot"].as_str() {
                Some(s) => format!("slot:{s}"),
                None => r["id"].as_str().unwrap().to_owned(),
            };
            let mut v = r.clone();
            let o = v.as_object_mut().unwrap();
            o.remove("id");
            ((r["kind"].as_str().unwrap().to_owned(), key), v)
        })
        .collect()
}

fn kind_count(report: &Value, kind: &str, field: &str) -> u64 {
    report["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == kind)
        .map(|k| k[field].as_u64().unwrap())
        .unwrap_or(0)
}

/// A year moves from one server to another and back, reading back identical;
/// importing twice adds nothing twice.
/// `back` is the same kind of database as `from`.
async fn a_year_moves_and_reads_back_identical(from: Backend, to: Backend, back: Backend) {
    let Some(a) = TestApp::spawn(from).await else {
        return;
    };
    let Some(b) = TestApp::spawn(to).await else {
        return;
    };
    let Some(c) = TestApp::spawn(back).await else {
        return;
    };
    let (token_a, _) = a.api_account("moving-otter", PASS).await;
    let made = a_year_of_everything(&a, &token_a).await;
    let exported = export(&a, &token_a).await;
    assert_eq!(exported["format"], "tend-export-v2");
    let records = exported["records"].as_array().unwrap();
    assert_eq!(records.len(), made, "the export holds every record made");
    let mut kinds: Vec<&str> = records
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    // Every kind that can move is in this year (a new kind must be added to
    // the year, and to `domain::transfer`, or this fails).
    let movable: Vec<&str> = {
        let mut m: Vec<&str> = tend::domain::transfer::movable_kinds().collect();
        m.sort_unstable();
        m
    };
    assert_eq!(kinds, movable);
    let body = serde_json::to_vec(&exported).unwrap();
    eprintln!(
        "a year of every feature exports to {} bytes ({} records)",
        body.len(),
        made
    );

    // To the second server: everything but the profile, which the new
    // account already has (chosen at sign-up) and keeps.
    let (token_b, _) = b.api_account("moving-otter", PASS).await;
    let (status, report) = import(&b, &token_b, body.clone()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["imported"].as_u64().unwrap() as usize, made - 1);
    assert_eq!(report["already_here"], 1);
    assert_eq!(kind_count(&report, "profile", "already_here"), 1);
    assert_eq!(kind_count(&report, "checkin", "imported"), 365);
    let on_b = export(&b, &token_b).await;
    assert_eq!(
        contents(&on_b),
        contents(&exported),
        "B reads back what A exported"
    );

    // The pages show it too.
    let res = call(&b, Method::GET, "/api/v1/journal", &token_b, None).await;
    let list: Value = res.json().await.unwrap();
    assert!(list.to_string().contains("Day 363 on the ward"), "{list}");

    // Twice: nothing new.
    let (status, again) = import(&b, &token_b, body).await;
    assert_eq!(status, 200);
    assert_eq!(again["imported"], 0);
    assert_eq!(again["already_here"].as_u64().unwrap() as usize, made);
    assert_eq!(contents(&export(&b, &token_b).await), contents(&exported));

    // And back, to a fresh account on the first kind of database.
    let (token_c, _) = c.api_account("home-again", PASS).await;
    let (status, report_c) = import(&c, &token_c, serde_json::to_vec(&on_b).unwrap()).await;
    assert_eq!(status, 200, "{report_c}");
    assert_eq!(report_c["imported"].as_u64().unwrap() as usize, made - 1);
    assert_eq!(contents(&export(&c, &token_c).await), contents(&exported));

    // A → B → A lands on itself: nothing doubles in the original account.
    let (status, home) = import(&a, &token_a, serde_json::to_vec(&on_b).unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(home["imported"], 0, "{home}");
    assert_eq!(
        export(&a, &token_a).await["records"]
            .as_array()
            .unwrap()
            .len(),
        made
    );
}

#[tokio::test]
async fn a_year_moves_sqlite_to_sqlite() {
    a_year_moves_and_reads_back_identical(Backend::Sqlite, Backend::Sqlite, Backend::Sqlite).await;
}

#[tokio::test]
async fn a_year_moves_sqlite_to_postgres_and_back() {
    a_year_moves_and_reads_back_identical(Backend::Sqlite, Backend::Postgres, Backend::Sqlite)
        .await;
}

#[tokio::test]
async fn a_year_moves_postgres_to_sqlite_and_back() {
    a_year_moves_and_reads_back_identical(Backend::Postgres, Backend::Sqlite, Backend::Postgres)
        .await;
}

on_both_backends!(
    bad_files_are_refused_whole_with_a_plain_message,
    a_second_account_on_the_same_server_gets_its_own_copies,
    the_account_page_imports_an_uploaded_file,
    api_tokens_are_made_used_listed_and_revoked,
    the_account_page_makes_lists_and_revokes_tokens,
);

fn small_export(records: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "format": "tend-export-v1", "handle": "someone", "exported_at": 1_760_000_000,
        "records": records,
    }))
    .unwrap()
}

fn journal_record(id: &str, title: &str) -> Value {
    json!({"kind": "journal", "id": id, "day": "2026-01-05", "created_at": 1_760_000_000,
           "updated_at": 1_760_000_000, "value": {"title": title, "body": "words"}})
}

async fn record_count(app: &TestApp, token: &str) -> usize {
    export(app, token).await["records"]
        .as_array()
        .unwrap()
        .len()
}

async fn bad_files_are_refused_whole_with_a_plain_message(backend: Backend) {
    let Some((app, token)) = server_with_account(backend, "careful-heron").await else {
        return;
    };
    let before = record_count(&app, &token).await;

    // Ten good records, then one of the wrong shape: none of them land.
    let mut recs: Vec<Value> = (0..10)
        .map(|i| journal_record(&format!("j{i}"), "fine"))
        .collect();
    recs.push(
        json!({"kind": "checkin", "id": "c", "day": "2026-01-05", "created_at": 1, "updated_at": 1,
                     "value": {"mood": "very", "energy": 3}}),
    );
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"this is not json".to_vec(), "isn't JSON"),
        (
            serde_json::to_vec(&json!({"format": "tend-export-v7", "records": []})).unwrap(),
            "doesn't know yet",
        ),
        (
            serde_json::to_vec(&json!({"format": "something-else", "records": []})).unwrap(),
            "isn't a tend export",
        ),
        (
            serde_json::to_vec(
                &json!({"format": "tend-export-v1", "handle": 5, "exported_at": 1, "records": []}),
            )
            .unwrap(),
            "damaged",
        ),
        (small_export(Value::Array(recs)), "Record 11"),
        (
            small_export(
                json!([{"kind": "checkin", "id": "c", "day": "yesterday", "created_at": 1, "updated_at": 1, "value": {}}]),
            ),
            "isn't a date",
        ),
    ];
    for (body, says) in cases {
        let (status, v) = import(&app, &token, body).await;
        assert_eq!(status, 422, "{v}");
        assert_eq!(v["error"], "invalid");
        assert!(
            v["message"].as_str().unwrap().contains(says),
            "{v} should say {says}"
        );
        assert!(
            !v["message"].as_str().unwrap().contains("words"),
            "never echoes contents"
        );
    }
    assert_eq!(
        record_count(&app, &token).await,
        before,
        "nothing was imported"
    );

    // Not sent as JSON; too big; no token.
    let res = app
        .api()
        .post(app.url("/api/v1/import"))
        .bearer_auth(&token)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    let huge = vec![b' '; 16 * 1024 * 1024 + 1];
    let res = app
        .api()
        .post(app.url("/api/v1/import"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"], "too_large");
    let res = app
        .api()
        .post(app.url("/api/v1/import"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(record_count(&app, &token).await, before);
}

async fn a_second_account_on_the_same_server_gets_its_own_copies(backend: Backend) {
    let Some((app, first)) = server_with_account(backend, "first-wren").await else {
        return;
    };
    write_journal(&app, &first, "mine", "first's words").await;
    let doc = serde_json::to_vec(&export(&app, &first).await).unwrap();

    // The same file into another account here: its ids are taken by the
    // first account, so the copies get ids of their own, once.
    let (second, _) = app.api_account("second-wren", PASS).await;
    let (status, report) = import(&app, &second, doc.clone()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(kind_count(&report, "journal", "imported"), 1);
    let (_, again) = import(&app, &second, doc).await;
    assert_eq!(again["imported"], 0, "{again}");
    let mine: Value = call(&app, Method::GET, "/api/v1/journal", &second, None)
        .await
        .json()
        .await
        .unwrap();
    assert!(mine.to_string().contains("first's words"));
    // The first account still has exactly its own one entry.
    let theirs: Value = call(&app, Method::GET, "/api/v1/journal", &first, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        theirs.to_string().matches("first's words").count(),
        1,
        "{theirs}"
    );
}

/// A multipart body as a browser sends a form with a file.
fn multipart(csrf: &str, file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----tendTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"export\"; filename=\"tend-export.json\"\r\nContent-Type: application/json\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn the_account_page_imports_an_uploaded_file(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let b = app.browser();
    crate::helpers::sign_up_in_browser(&app, &b, "upload-finch", PASS).await;
    let (status, page) = get(&b, app.url("/account")).await;
    assert_eq!(status, 200);
    assert!(page.contains("enctype=\"multipart/form-data\""));
    let csrf = csrf_of(&page);
    let file = small_export(json!([journal_record("from-elsewhere-1", "Brought along")]));

    let send = |body: (String, Vec<u8>)| {
        b.post(app.url("/account/import"))
            .header("content-type", body.0)
            .body(body.1)
            .send()
    };
    let res = send(multipart(&csrf, &file)).await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Imported 1 record"), "{html}");
    assert!(html.contains("journal entries"));
    let res = send(multipart(&csrf, &file)).await.unwrap();
    assert!(res.text().await.unwrap().contains("already here"));

    // A bad file: the form again, a plain sentence, 422, nothing written.
    let res = send(multipart(
        &csrf,
        b"{\"format\": \"tend-export-v1\", \"records\": 3}",
    ))
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Nothing was imported"), "{html}");
    assert!(html.contains("damaged"));
    // Without the form's token: refused.
    let res = send(multipart("not-the-token", &file)).await.unwrap();
    assert_eq!(res.status(), 403);
    let (_, list) = get(&b, app.url("/journal")).await;
    assert_eq!(list.matches("Brought along").count(), 1);
}

async fn api_tokens_are_made_used_listed_and_revoked(backend: Backend) {
    let Some((app, session)) = server_with_account(backend, "token-lark").await else {
        return;
    };
    let res = call(
        &app,
        Method::POST,
        "/api/v1/tokens",
        &session,
        Some(json!({"name": "  my phone  "})),
    )
    .await;
    assert_eq!(res.status(), 201);
    let made: Value = res.json().await.unwrap();
    let token = made["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("tend_pat_"));
    assert_eq!(made["name"], "my phone");
    assert!(made["last_used_at"].is_null());

    // The second client never needs the passphrase: the token reads records.
    let res = call(&app, Method::GET, "/api/v1/today", &token, None).await;
    assert_eq!(res.status(), 200);
    let list: Value = call(&app, Method::GET, "/api/v1/tokens", &session, None)
        .await
        .json()
        .await
        .unwrap();
    let t = &list["tokens"][0];
    assert_eq!(t["name"], "my phone");
    assert_eq!(t["id"], made["id"]);
    assert!(t["last_used_at"].as_i64().is_some(), "{list}");
    assert!(t.get("token").is_none(), "the list never shows the token");

    // Bad names; unknown ids.
    let res = call(
        &app,
        Method::POST,
        "/api/v1/tokens",
        &session,
        Some(json!({"name": "   "})),
    )
    .await;
    assert_eq!(res.status(), 422);
    let res = call(
        &app,
        Method::POST,
        "/api/v1/tokens",
        &session,
        Some(json!({"name": "x".repeat(61)})),
    )
    .await;
    assert_eq!(res.status(), 422);
    let res = call(&app, Method::DELETE, "/api/v1/tokens/nope", &session, None).await;
    assert_eq!(res.status(), 404);

    // Someone else cannot revoke it.
    let (other, _) = app.api_account("other-lark", PASS).await;
    let id = made["id"].as_str().unwrap();
    let res = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/tokens/{id}"),
        &other,
        None,
    )
    .await;
    assert_eq!(res.status(), 404);

    let res = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/tokens/{id}"),
        &session,
        None,
    )
    .await;
    assert_eq!(res.status(), 204);
    let res = call(&app, Method::GET, "/api/v1/today", &token, None).await;
    assert_eq!(res.status(), 401, "a revoked token is refused");
    let list: Value = call(&app, Method::GET, "/api/v1/tokens", &session, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["tokens"].as_array().unwrap().len(), 0);
}

async fn the_account_page_makes_lists_and_revokes_tokens(backend: Backend) {
    let is_sqlite = matches!(backend, Backend::Sqlite);
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let b = app.browser();
    crate::helpers::sign_up_in_browser(&app, &b, "page-token-owl", PASS).await;
    let (_, page) = get(&b, app.url("/account")).await;
    assert!(page.contains("You have no API tokens."));
    let res = b
        .post(app.url("/account/tokens"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("name", "Laptop script zebra"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let shown = res.text().await.unwrap();
    let marker = "id=\"new-token\" type=\"text\" readonly value=\"";
    let start = shown.find(marker).expect("token shown once") + marker.len();
    let token = &shown[start..start + shown[start..].find('"').unwrap()];
    assert!(token.starts_with("tend_pat_"));
    let res = call(&app, Method::GET, "/api/v1/today", token, None).await;
    assert_eq!(res.status(), 200);

    let (_, page) = get(&b, app.url("/account")).await;
    assert!(page.contains("Laptop script zebra"));
    assert!(
        !page.contains(token),
        "the account page never shows the token again"
    );
    // The name is sealed: not in the database file in the clear.
    if is_sqlite {
        let mut raw = std::fs::read(app.db.sqlite_file()).unwrap();
        raw.extend(
            std::fs::read(app.db.sqlite_file().with_extension("db-wal")).unwrap_or_default(),
        );
        assert!(!raw.windows(19).any(|w| w == b"Laptop script zebra"));
    }
    let action_at = page.find("/account/tokens/").unwrap();
    let action = &page[action_at..action_at + page[action_at..].find('"').unwrap()];
    let res = b
        .post(app.url(action))
        .form(&[("csrf", csrf_of(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, page) = get(&b, app.url("/account?done=token-revoked")).await;
    assert!(page.contains("Token revoked"));
    assert!(!page.contains("Laptop script zebra"));
    let res = call(&app, Method::GET, "/api/v1/today", token, None).await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn export_open_prints_an_export_without_a_server() {
    let Some((app, token)) = server_with_account(Backend::Sqlite, "reader-crane").await else {
        return;
    };
    write_journal(&app, &token, "Night shift", "first line\nsecond line").await;
    let doc = export(&app, &token).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tend-export.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tend"))
        .arg("export-open")
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("tend export of reader-crane"), "{text}");
    assert!(text.contains("== Journal entries (1) =="), "{text}");
    assert!(text.contains("title: Night shift"), "{text}");
    assert!(text.contains("| second line"), "{text}");

    std::fs::write(&file, b"not an export").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tend"))
        .arg("export-open")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}
