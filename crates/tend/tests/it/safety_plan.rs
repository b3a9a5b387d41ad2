//! The safety plan over real HTTP: written through the form, read back,
//! reachable from the hard-moment page, safe across two tabs, in the export,
//! and never on disk in the clear.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, HeaderMap, HeaderValue};
use serde_json::Value;

use crate::helpers::{Backend, TestApp, csrf_of, get, on_both_backends};

on_both_backends!(
    a_plan_is_written_read_exported_and_sealed,
    two_tabs_do_not_overwrite_each_other_silently,
    bad_input_is_explained_and_the_words_are_kept,
);

const PASS: &str = "kettle maple orbit";

/// A person in London (so the UK's lines come first), signed in as a browser
/// would be; also returns the API token.
async fn person(app: &TestApp, handle: &str) -> (reqwest::Client, String) {
    let res = app
        .api()
        .post(app.url("/api/v1/accounts"))
        .json(&serde_json::json!({ "handle": handle, "passphrase": PASS, "time_zone": "Europe/London" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let token = res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut headers = HeaderMap::new();
    headers.insert(
        COOKIE,
        HeaderValue::from_str(&format!("tend_session={token}")).unwrap(),
    );
    let b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap();
    (b, token)
}

async fn post(b: &reqwest::Client, app: &TestApp, form: &[(&str, &str)]) -> (StatusCode, String) {
    let res = b
        .post(app.url("/safety-plan"))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let body = res.text().await.unwrap();
    (status, location.unwrap_or(body))
}

/// The `value` of the hidden version field on a form.
fn version_of(html: &str) -> String {
    let marker = "name=\"version\" value=\"";
    let start = html.find(marker).expect("form has a version") + marker.len();
    let end = html[start..].find('"').unwrap();
    html[start..start + end].to_owned()
}

async fn a_plan_is_written_read_exported_and_sealed(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    // Signed out: the plan is personal, so sign in first.
    let (status, _) = get(&app.browser(), app.url("/safety-plan")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let (b, token) = person(&app, "planner").await;
    // The hard-moment page leads to the plan in one tap.
    let (status, hard) = get(&b, app.url("/hard-moment")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(hard.contains("href=\"/safety-plan\""), "{hard}");

    // No plan yet: the form, with the help lines of the person's country
    // already in step 5 (emergency number first, then Samaritans).
    let (status, form) = get(&b, app.url("/safety-plan")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("Write your safety plan"));
    assert_eq!(version_of(&form), "0");
    let pro_start = form.find("name=\"professionals\"").unwrap();
    let pro = &form[pro_start..pro_start + form[pro_start..].find("</textarea>").unwrap()];
    let emergency = pro.find("call 999").expect("emergency number suggested");
    let samaritans = pro.find("Samaritans: call 116 123").expect("Samaritans");
    assert!(emergency < samaritans, "{pro}");
    assert!(
        !pro.contains("988"),
        "no US line for someone in London: {pro}"
    );

    let csrf = csrf_of(&form);
    let (status, to) = post(
        &b,
        &app,
        &[
            ("csrf", &csrf),
            ("version", "0"),
            (
                "warning_signs",
                "WARN-lying awake\n\n  WARN-skipping lunch  ",
            ),
            ("on_my_own", "OWN-cold water on my face"),
            ("distractions", "DIST-the library café"),
            ("people", "PEOPLE-Amira 07700 900123"),
            ("professionals", "PRO-Dr Okafor, student health"),
            ("environment", "ENV-give my tablets to Amira"),
            ("reasons", "REASON-my little brother"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to, "/safety-plan");

    // The read view: every step in order, blank lines gone, and the lines
    // that are always there under step 5.
    let (status, view) = get(&b, app.url("/safety-plan")).await;
    assert_eq!(status, StatusCode::OK);
    let order = [
        "WARN-lying awake",
        "WARN-skipping lunch",
        "OWN-cold",
        "DIST-the",
        "PEOPLE-Amira",
        "PRO-Dr Okafor",
        "tel:999",
        "ENV-give",
        "REASON-my",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|m| view.find(m).unwrap_or_else(|| panic!("{m} missing")))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "steps in order: {at:?}");
    assert!(view.contains("href=\"/safety-plan/edit\""));
    // A number the person wrote down is one tap away.
    assert!(view.contains("PEOPLE-Amira <a href=\"tel:07700900123\">07700 900123</a>"));

    // Editing starts from what is saved, one item a line.
    let (_, edit) = get(&b, app.url("/safety-plan/edit")).await;
    assert!(edit.contains("WARN-lying awake\nWARN-skipping lunch</textarea>"));
    assert_eq!(version_of(&edit), "1");

    // In the export, as lists, under its own kind.
    let export: Value = app
        .api()
        .get(app.url("/api/v1/export"))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let plan = export["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "safety_plan")
        .expect("safety plan exported");
    assert_eq!(
        plan["value"]["warning_signs"],
        serde_json::json!(["WARN-lying awake", "WARN-skipping lunch"])
    );
    assert_eq!(plan["value"]["reasons"][0], "REASON-my little brother");
    let (status, page_export) = get(&b, app.url("/account/export.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page_export.contains("REASON-my little brother"));

    // Sealed: none of it is in the SQLite files in the clear.
    if app.db.postgres_schema().is_none() {
        for suffix in ["", "-wal"] {
            let file = std::fs::read(format!("{}{suffix}", app.db.sqlite_file().display()))
                .unwrap_or_default();
            for marker in ["WARN-lying", "PEOPLE-Amira", "REASON-my", "ENV-give"] {
                assert!(
                    !file.windows(marker.len()).any(|w| w == marker.as_bytes()),
                    "{marker} in tend.db{suffix}"
                );
            }
        }
    }

    // Someone else sees their own (empty) plan, never this one.
    let (other, _) = person(&app, "someone_else").await;
    let (_, theirs) = get(&other, app.url("/safety-plan")).await;
    assert!(theirs.contains("Write your safety plan"));
    assert!(!theirs.contains("WARN-lying"));
}

async fn two_tabs_do_not_overwrite_each_other_silently(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (b, _) = person(&app, "two_tabs").await;
    let (_, form) = get(&b, app.url("/safety-plan")).await;
    let csrf = csrf_of(&form);
    let first = [
        ("csrf", csrf.as_str()),
        ("version", "0"),
        ("reasons", "FIRST-reason"),
    ];
    assert_eq!(post(&b, &app, &first).await.0, StatusCode::SEE_OTHER);

    // Two tabs open the form at version 1.
    let (_, tab_a) = get(&b, app.url("/safety-plan/edit")).await;
    let (_, tab_b) = get(&b, app.url("/safety-plan/edit")).await;
    let v = version_of(&tab_a);
    assert_eq!(v, version_of(&tab_b));
    let a = [
        ("csrf", csrf.as_str()),
        ("version", v.as_str()),
        ("reasons", "TAB-A reason"),
    ];
    assert_eq!(post(&b, &app, &a).await.0, StatusCode::SEE_OTHER);
    let b_form = [
        ("csrf", csrf.as_str()),
        ("version", v.as_str()),
        ("reasons", "TAB-B reason"),
    ];
    let (status, page) = post(&b, &app, &b_form).await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(page.contains("changed in another tab"));
    assert!(page.contains("TAB-B reason</textarea>"), "words kept");
    assert!(page.contains("TAB-A reason"), "the other version shown");
    // What is saved is still tab A's.
    let (_, view) = get(&b, app.url("/safety-plan")).await;
    assert!(view.contains("TAB-A reason") && !view.contains("TAB-B reason"));

    // A stale first save (a form opened before any plan existed) conflicts too.
    let stale = [
        ("csrf", csrf.as_str()),
        ("version", "0"),
        ("reasons", "STALE reason"),
    ];
    assert_eq!(post(&b, &app, &stale).await.0, StatusCode::CONFLICT);

    // Saving again from the conflict page (it carries the newer version) wins.
    let newer = version_of(&page);
    let again = [
        ("csrf", csrf.as_str()),
        ("version", newer.as_str()),
        ("reasons", "TAB-B reason"),
    ];
    assert_eq!(post(&b, &app, &again).await.0, StatusCode::SEE_OTHER);
    let (_, view) = get(&b, app.url("/safety-plan")).await;
    assert!(view.contains("TAB-B reason") && !view.contains("TAB-A reason"));
}

async fn bad_input_is_explained_and_the_words_are_kept(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (b, _) = person(&app, "too_much").await;
    let (_, form) = get(&b, app.url("/safety-plan")).await;
    let csrf = csrf_of(&form);
    let many = (1..=13)
        .map(|i| format!("friend {i}"))
        .collect::<Vec<_>>()
        .join("\n");
    let long = format!("KEEP-me\n{}", "x".repeat(301));
    let (status, page) = post(
        &b,
        &app,
        &[
            ("csrf", &csrf),
            ("version", "0"),
            ("people", &many),
            ("reasons", &long),
            ("on_my_own", "KEEP-a walk <b>outside</b>"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("has 13 lines; it can hold 12"), "{page}");
    assert!(page.contains("Line 2 of “My reasons to keep going” is 301 characters"));
    // Everything typed is still there, escaped.
    assert!(page.contains("friend 13</textarea>"));
    assert!(page.contains("KEEP-a walk &lt;b&gt;outside&lt;/b&gt;</textarea>"));
    assert!(page.contains("KEEP-me\n"));
    // Nothing was saved.
    let (_, view) = get(&b, app.url("/safety-plan")).await;
    assert!(view.contains("Write your safety plan"));

    // A mangled version number is treated as "no plan yet", never a 500.
    let (status, _) = post(
        &b,
        &app,
        &[
            ("csrf", &csrf),
            ("version", "not-a-number"),
            ("reasons", "ok"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Without the anti-forgery token nothing is saved.
    let (status, _) = post(&b, &app, &[("version", "1"), ("reasons", "forged")]).await;
    assert!(status.is_client_error(), "{status}");
    let (_, view) = get(&b, app.url("/safety-plan")).await;
    assert!(!view.contains("forged"));
}
