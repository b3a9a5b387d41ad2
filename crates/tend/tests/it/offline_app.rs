//! The installable app: manifest, icons, service worker, the content policy
//! that lets them load, and the lock for shared computers.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Backend, TestApp, csrf_of, get, sign_up_in_browser};

fn header<'a>(res: &'a reqwest::Response, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

#[tokio::test]
async fn the_manifest_and_its_icons_are_served() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let c = app.api();
    let res = c
        .get(app.url("/manifest.webmanifest"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), "application/manifest+json");
    let m: Value = res.json().await.unwrap();
    assert_eq!(m["start_url"], "/today");
    assert_eq!(m["display"], "standalone");
    assert!(m["theme_color"].as_str().unwrap().starts_with('#'));
    let icons = m["icons"].as_array().unwrap();
    assert!(icons.iter().any(|i| i["sizes"] == "512x512"));
    assert!(icons.iter().any(|i| i["sizes"] == "192x192"));
    for icon in icons {
        let res = c
            .get(app.url(icon["src"].as_str().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{icon}");
        assert_eq!(header(&res, "content-type"), icon["type"].as_str().unwrap());
        let bytes = res.bytes().await.unwrap();
        if icon["type"] == "image/png" {
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{icon}");
            // The size in the PNG header matches what the manifest says.
            let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
            assert_eq!(format!("{w}x{w}"), icon["sizes"].as_str().unwrap());
        }
    }
}

/// The list the worker keeps from the start.
fn precache_of(sw: &str) -> Vec<String> {
    let marker = "const PRECACHE = ";
    let start = sw.find(marker).expect("precache list") + marker.len();
    let end = start + sw[start..].find(";\n").unwrap();
    serde_json::from_str(&sw[start..end]).unwrap()
}

#[tokio::test]
async fn the_worker_keeps_public_help_and_never_personal_pages_from_the_start() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let c = app.api();
    let res = c.get(app.url("/sw.js")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(header(&res, "content-type").starts_with("text/javascript"));
    assert_eq!(header(&res, "cache-control"), "no-cache");
    let sw = res.text().await.unwrap();
    assert!(!sw.contains("__VERSION__") && !sw.contains("__PRECACHE__"));
    let list = precache_of(&sw);
    for must in [
        "/help",
        "/hard-moment",
        "/practices",
        "/practices/self-compassion-break",
        "/offline",
        "/static/tend.css",
    ] {
        assert!(list.iter().any(|u| u == must), "{must} not in {list:?}");
    }
    for never in [
        "/safety-plan",
        "/journal",
        "/today",
        "/account",
        "/checkin",
        "/unsent",
    ] {
        assert!(
            !list.iter().any(|u| u.starts_with(never)),
            "{never} kept for anyone"
        );
    }
    // The forms people write in offline are kept only after a signed-in visit.
    let personal = {
        let marker = "const PERSONAL = ";
        let start = sw.find(marker).expect("personal list") + marker.len();
        let end = start + sw[start..].find(";\n").unwrap();
        sw[start..end].to_owned()
    };
    for form in ["'/checkin'", "'/journal/new'", "'/safety-plan'"] {
        assert!(personal.contains(form), "{form} not in {personal}");
    }
    // Every page it keeps is there for someone signed out.
    for url in &list {
        let res = c.get(app.url(url)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{url}");
    }
    // The same server gives the same worker (browsers only reinstall on change).
    let again = c
        .get(app.url("/sw.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(sw, again);
}

#[tokio::test]
async fn pages_allow_the_manifest_and_worker_and_still_no_inline_script() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let res = app.api().get(app.url("/help")).send().await.unwrap();
    let csp = header(&res, "content-security-policy").to_owned();
    for part in [
        "default-src 'none'",
        "script-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
    ] {
        assert!(csp.contains(part), "{part} missing from {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    let html = res.text().await.unwrap();
    assert!(html.contains("<link rel=\"manifest\" href=\"/manifest.webmanifest\">"));
    // The script is linked under its content-hashed name (`web::assets`).
    assert!(html.contains("<script src=\"/static/app.") && html.contains(".js\" defer></script>"));
    assert!(!html.contains("<script>"), "no inline script");

    // The offline fallback is a plain signed-out page.
    let (status, offline) = get(&app.api(), app.url("/offline")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(offline.contains("href=\"/hard-moment\""));
    assert!(!offline.contains("Sign out"));
    // Without a worker nothing is ever kept, and the page says so.
    let (status, unsent) = get(&app.api(), app.url("/unsent")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(unsent.contains("Nothing is waiting on this device"));
    assert!(!unsent.contains("Sign out"));
}

#[tokio::test]
async fn lock_now_ends_the_session_and_clears_the_browser_cache() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = app.browser();
    sign_up_in_browser(&app, &b, "ward_pc", "kettle maple orbit").await;
    let (status, today) = get(&b, app.url("/today")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        today.contains("action=\"/lock\""),
        "lock button on every page"
    );
    let csrf = csrf_of(&today);

    // Without the anti-forgery token nothing happens.
    let res = b.post(app.url("/lock")).send().await.unwrap();
    assert!(res.status().is_client_error());
    assert_eq!(get(&b, app.url("/today")).await.0, StatusCode::OK);

    let res = b
        .post(app.url("/lock"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(header(&res, "location"), "/locked");
    assert_eq!(header(&res, "clear-site-data"), "\"cache\"");
    let (status, locked) = get(&b, app.url("/locked")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(locked.contains("tend is locked"));
    // The session is over on the server, not just forgotten by this browser.
    let res = b.get(app.url("/today")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(header(&res, "location").starts_with("/signin"));
}

#[tokio::test]
async fn sign_out_clears_the_browser_cache_and_the_idle_lock_is_a_device_setting() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = app.browser();
    sign_up_in_browser(&app, &b, "idle_pc", "kettle maple orbit").await;
    let (status, page) = get(&b, app.url("/account/lock")).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_of(&page);

    let res = b
        .post(app.url("/account/lock"))
        .form(&[("csrf", csrf.as_str()), ("minutes", "15")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = header(&res, "set-cookie").to_owned();
    assert!(cookie.starts_with("tend_idle_lock=15;"), "{cookie}");
    // app.js reads it, so it is not HttpOnly; it holds only the minutes.
    assert!(!cookie.contains("HttpOnly"));
    let (_, page) = get(&b, app.url("/account/lock")).await;
    assert!(
        page.contains("<option value=\"15\" selected>"),
        "choice shown"
    );

    for bad in ["7", "-1", "lots", ""] {
        let res = b
            .post(app.url("/account/lock"))
            .form(&[("csrf", csrf.as_str()), ("minutes", bad)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(res.headers().get("set-cookie").is_none());
    }

    let res = b
        .post(app.url("/signout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(header(&res, "clear-site-data"), "\"cache\"");
}

async fn post_journal(
    b: &reqwest::Client,
    app: &TestApp,
    csrf: &str,
    body: &str,
) -> reqwest::Response {
    b.post(app.url("/journal/new"))
        .form(&[("csrf", csrf), ("title", ""), ("body", body)])
        .send()
        .await
        .unwrap()
}

/// What the worker's replay of a queued entry relies on: it is sent exactly as
/// written, token included, and the server's usual rules decide. A token from
/// a session that has ended never files the words under whoever is signed in
/// now; the words come back to the person instead of being lost.
async fn replayed_forms_follow_the_session_rules(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let b = app.browser();
    sign_up_in_browser(&app, &b, "replay_pc", "kettle maple orbit").await;
    let (_, form) = get(&b, app.url("/journal/new")).await;
    let old = csrf_of(&form);
    // The form was kept offline; meanwhile the person signed out elsewhere.
    let res = b
        .post(app.url("/signout"))
        .form(&[("csrf", old.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = post_journal(&b, &app, &old, "REPLAY-words after sign-out").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("REPLAY-words after sign-out")
    );

    // Signed in again (a new session): the old token is refused, nothing saved.
    let (_, signin) = get(&b, app.url("/signin")).await;
    let res = b
        .post(app.url("/signin"))
        .form(&[
            ("csrf", csrf_of(&signin).as_str()),
            ("handle", "replay_pc"),
            ("passphrase", "kettle maple orbit"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = post_journal(&b, &app, &old, "REPLAY-words old token").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (_, list) = get(&b, app.url("/journal")).await;
    assert!(!list.contains("REPLAY-words"), "nothing saved");
    // "Send again" on the worker's page takes this session's token from the form.
    let (_, form) = get(&b, app.url("/journal/new")).await;
    let res = post_journal(&b, &app, &csrf_of(&form), "REPLAY-words sent again").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, list) = get(&b, app.url("/journal")).await;
    assert!(list.contains("REPLAY-words sent again"));
}

#[tokio::test]
async fn replayed_forms_follow_the_session_rules_on_sqlite() {
    replayed_forms_follow_the_session_rules(Backend::Sqlite).await;
}

#[tokio::test]
async fn replayed_forms_follow_the_session_rules_on_postgres() {
    replayed_forms_follow_the_session_rules(Backend::Postgres).await;
}
