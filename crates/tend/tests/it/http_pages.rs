//! The HTML pages over real HTTP: forms, anti-forgery, sessions, errors.

use reqwest::StatusCode;

use crate::helpers::{Backend, TestApp, csrf_of, sign_up_in_browser};

const PASS: &str = "kettle maple orbit";

async fn page(b: &reqwest::Client, url: String) -> String {
    b.get(url).send().await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn a_person_signs_up_checks_in_and_writes_without_plaintext_on_disk() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = app.browser();
    let code = sign_up_in_browser(&app, &b, "Night_Owl", PASS).await;
    assert_eq!(code.len(), 29);

    let today = page(&b, app.url("/today")).await;
    assert!(today.contains("Your week will take shape here"));
    assert!(!today.to_lowercase().contains("streak") && !today.to_lowercase().contains("missed"));
    let res = b
        .post(app.url("/checkin"))
        .form(&[
            ("csrf", csrf_of(&today).as_str()),
            ("mood", "3"),
            ("energy", "4"),
            ("sleep_hours", "5.5"),
            ("movement_minutes", "15"),
            ("meals", "skipped"),
            ("joy", "JOYMARKER-7731"),
            ("note", "NOTEMARKER-1187"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = b
        .post(app.url("/journal/new"))
        .form(&[
            ("csrf", csrf_of(&today).as_str()),
            ("title", "TITLEMARKER-2291"),
            ("body", "BODYMARKER-5520 I felt small on rounds."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let entry_url = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        page(&b, app.url(&entry_url))
            .await
            .contains("BODYMARKER-5520")
    );
    let today = page(&b, app.url("/today")).await;
    assert!(today.contains("JOYMARKER-7731") && today.contains("TITLEMARKER-2291"));
    assert!(today.contains("Days you checked in"));

    // Nothing the person wrote is in the database files in the clear.
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let p = format!("{}{suffix}", app.db.sqlite_file().display());
        if let Ok(b) = std::fs::read(&p) {
            bytes.extend(b);
        }
    }
    assert!(bytes.len() > 4096);
    for marker in [
        "JOYMARKER-7731",
        "NOTEMARKER-1187",
        "TITLEMARKER-2291",
        "BODYMARKER-5520",
        "America/Chicago",
        PASS,
    ] {
        assert!(
            !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
            "{marker} found in the database file"
        );
    }
    // The handle is the one thing stored in the clear, by design.
    assert!(bytes.windows(9).any(|w| w == b"night_owl"));
}

#[tokio::test]
async fn forms_without_the_right_token_or_from_another_site_are_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = app.browser();
    sign_up_in_browser(&app, &b, "guarded", PASS).await;
    let body = [("title", ""), ("body", "forged entry")];
    let res = b
        .post(app.url("/journal/new"))
        .form(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("This form expired"));
    let res = b
        .post(app.url("/journal/new"))
        .form(&[
            ("csrf", "wrong-token-value-0000000000000"),
            ("body", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let today = page(&b, app.url("/today")).await;
    let res = b
        .post(app.url("/journal/new"))
        .header("origin", "https://evil.example")
        .form(&[("csrf", csrf_of(&today).as_str()), ("body", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        page(&b, app.url("/journal"))
            .await
            .contains("Your entries will appear here"),
        "nothing was saved"
    );

    // Sign-in forms are protected too, with the pre-session cookie.
    let fresh = app.browser();
    let res = fresh
        .post(app.url("/signin"))
        .form(&[("handle", "guarded"), ("passphrase", PASS)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn cookies_and_headers_are_safe() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = app.browser();
    let res = b.get(app.url("/signup")).send().await.unwrap();
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'none'")
            && csp.contains("script-src 'self'")
            && !csp.contains("unsafe-inline")
    );
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let html = res.text().await.unwrap();
    let res = b
        .post(app.url("/signup"))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("handle", "cookie_check"),
            ("passphrase", PASS),
        ])
        .send()
        .await
        .unwrap();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("tend_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && !cookie.contains("Secure")
    );
    assert_eq!(res.headers()["cache-control"], "no-store");

    let tls = TestApp::spawn_with(Backend::Sqlite, |c| c.secure_cookies = true)
        .await
        .unwrap();
    let b = tls.browser();
    let res = b.get(tls.url("/signin")).send().await.unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure"));
}

#[tokio::test]
async fn an_ended_session_sends_people_to_sign_in_and_keeps_their_words() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = app.browser();
    sign_up_in_browser(&app, &b, "sleepy", PASS).await;
    let today = page(&b, app.url("/today")).await;
    let csrf = csrf_of(&today);
    // End the session from another device: sign out there.
    let res = b
        .post(app.url("/signout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Reusing the old cookie value: pages redirect to sign-in.
    let res = app.browser().get(app.url("/today")).send().await.unwrap();
    assert_eq!(
        res.headers()["location"],
        "/signin",
        "Today is the default after sign-in"
    );
    let stale = app.browser();
    let res = stale
        .get(app.url("/today"))
        .header("cookie", "tend_session=AAAA.BBBB")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = stale
        .post(app.url("/journal/new"))
        .header("cookie", "tend_session=AAAA.BBBB")
        .form(&[
            ("csrf", csrf.as_str()),
            ("body", "Words I must not lose 8812"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Words I must not lose 8812")
    );
}

#[tokio::test]
async fn bad_forms_are_shown_again_with_plain_messages() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.max_body_bytes = 64 * 1024)
        .await
        .unwrap();
    let b = app.browser();
    sign_up_in_browser(&app, &b, "formtest", PASS).await;
    let today = page(&b, app.url("/today")).await;
    let csrf = csrf_of(&today);
    let res = b
        .post(app.url("/checkin"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("mood", "7"),
            ("sleep_hours", "lots"),
            ("joy", "kept joy 4410"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Choose a mood from 1 to 5.") && html.contains("Hours slept is a number")
    );
    assert!(
        html.contains("kept joy 4410"),
        "what the person typed is kept"
    );
    assert!(
        page(&b, app.url("/today"))
            .await
            .contains("Your week will take shape"),
        "nothing saved"
    );

    let big = "x".repeat(100 * 1024);
    let res = b
        .post(app.url("/journal/new"))
        .form(&[("csrf", csrf.as_str()), ("body", big.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.text().await.unwrap().contains("too long to save"));
    let res = b
        .post(app.url("/journal/new"))
        .form(&[("csrf", csrf.as_str()), ("body", "  ")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page(&b, app.url("/journal"))
            .await
            .contains("Your entries will appear here")
    );

    // Someone else's entry, or one that does not exist: a 404 page, never the record.
    let res = b
        .get(app.url("/journal/00000000-0000-0000-0000-000000000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.unwrap().contains("couldn't find"));

    // Sign-up: taken handle and weak passphrase are explained; the handle is kept.
    let anon = app.browser();
    let form = page(&anon, app.url("/signup")).await;
    let res = anon
        .post(app.url("/signup"))
        .form(&[
            ("csrf", csrf_of(&form).as_str()),
            ("handle", "formtest"),
            ("passphrase", PASS),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("That handle is taken"));
    let res = anon
        .post(app.url("/signup"))
        .form(&[
            ("csrf", csrf_of(&form).as_str()),
            ("handle", "newbie"),
            ("passphrase", "short"),
        ])
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    assert!(html.contains("at least 10 characters") && html.contains("value=\"newbie\""));
}

#[tokio::test]
async fn editing_in_two_tabs_never_loses_words() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = app.browser();
    sign_up_in_browser(&app, &b, "twotabs", PASS).await;
    let csrf = csrf_of(&page(&b, app.url("/today")).await);
    let res = b
        .post(app.url("/journal/new"))
        .form(&[("csrf", csrf.as_str()), ("body", "first draft")])
        .send()
        .await
        .unwrap();
    let url = res.headers()["location"].to_str().unwrap().to_owned();
    let tab_a = page(&b, app.url(&format!("{url}/edit"))).await;
    let tab_b = page(&b, app.url(&format!("{url}/edit"))).await;
    assert!(
        tab_a.contains("name=\"version\" value=\"1\"")
            && tab_b.contains("name=\"version\" value=\"1\"")
    );
    let res = b
        .post(app.url(&format!("{url}/edit")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("body", "tab A words"),
            ("version", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = b
        .post(app.url(&format!("{url}/edit")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("body", "tab B words"),
            ("version", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("tab B words")
            && html.contains("tab A words")
            && html.contains("name=\"version\" value=\"2\"")
    );
    assert!(page(&b, app.url(&url)).await.contains("tab A words"));
}

#[tokio::test]
async fn help_is_one_click_from_every_page_signed_in_or_not() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let anon = app.browser();
    for path in [
        "/",
        "/signin",
        "/signup",
        "/recover",
        "/help",
        "/no-such-page",
    ] {
        let html = page(&anon, app.url(path)).await;
        assert!(
            html.contains("href=\"/help\""),
            "{path} lacks the help link"
        );
    }
    let help = page(&anon, app.url("/help")).await;
    assert!(help.contains("href=\"tel:988\"") && help.contains("href=\"sms:988\""));
    assert!(help.contains("1-888-409-0141") && help.contains("not monitored"));
    let b = app.browser();
    sign_up_in_browser(&app, &b, "helpful", PASS).await;
    for path in [
        "/today",
        "/checkin",
        "/journal",
        "/journal/new",
        "/account",
        "/account/delete",
    ] {
        let res = b.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(
            res.text().await.unwrap().contains("href=\"/help\""),
            "{path} lacks the help link"
        );
    }
}

#[tokio::test]
async fn deleting_the_account_in_the_browser_removes_everything() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = app.browser();
    sign_up_in_browser(&app, &b, "leaving", PASS).await;
    let csrf = csrf_of(&page(&b, app.url("/today")).await);
    b.post(app.url("/journal/new"))
        .form(&[("csrf", csrf.as_str()), ("body", "goodbye")])
        .send()
        .await
        .unwrap();
    let id = app
        .db
        .store
        .account_by_handle("leaving")
        .await
        .unwrap()
        .unwrap()
        .id;
    let res = b
        .post(app.url("/account/delete"))
        .form(&[("csrf", csrf.as_str()), ("passphrase", "not my passphrase")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.db.store.count_records(&id, "journal").await.unwrap(), 1);
    let res = b
        .post(app.url("/account/delete"))
        .form(&[("csrf", csrf.as_str()), ("passphrase", PASS)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/signin?deleted=1");
    assert_eq!(app.db.store.count_records(&id, "journal").await.unwrap(), 0);
    assert!(
        app.db
            .store
            .account_by_handle("leaving")
            .await
            .unwrap()
            .is_none()
    );
    sign_up_in_browser(&app, &app.browser(), "leaving", PASS).await;
}

#[tokio::test]
async fn everything_can_be_downloaded_in_open_formats_and_only_by_its_owner() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = app.browser();
    sign_up_in_browser(&app, &b, "exporter", PASS).await;
    let csrf = csrf_of(&page(&b, app.url("/today")).await);
    b.post(app.url("/checkin"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("mood", "4"),
            ("energy", "3"),
            ("sleep_hours", "7"),
            ("meals", "eaten"),
            ("joy", "tea, with \"Sam\""),
            ("note", ""),
        ])
        .send()
        .await
        .unwrap();
    b.post(app.url("/journal/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("title", "Night shift"),
            ("body", "Quiet, then not."),
        ])
        .send()
        .await
        .unwrap();

    let res = b.get(app.url("/account/export.json")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let doc: serde_json::Value = res.json().await.unwrap();
    assert_eq!(doc["handle"], "exporter");
    let kinds: Vec<&str> = doc["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"checkin") && kinds.contains(&"journal") && kinds.contains(&"profile"));
    let journal = doc["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "journal")
        .unwrap();
    assert_eq!(journal["value"]["body"], "Quiet, then not.");

    let csv = page(&b, app.url("/account/export/checkins.csv")).await;
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("day,mood,energy,sleep_hours,movement_minutes,meals,joy,note")
    );
    let row = lines.next().unwrap();
    assert!(
        row.ends_with(",4,3,7,0,eaten,\"tea, with \"\"Sam\"\"\","),
        "{row}"
    );
    let md = page(&b, app.url("/account/export/journal.md")).await;
    assert!(md.contains("## Night shift (") && md.contains("Quiet, then not."));

    // Signed out, the downloads send people to sign in; nothing leaks.
    let res = app
        .browser()
        .get(app.url("/account/export.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn signing_in_returns_people_to_the_page_they_asked_for_and_nowhere_else() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = app.browser();
    sign_up_in_browser(&app, &b, "returner", PASS).await;
    let anon = app.browser();
    let res = anon.get(app.url("/journal/new")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/signin?next=%2Fjournal%2Fnew");
    let html = page(&anon, app.url("/signin?next=%2Fjournal%2Fnew")).await;
    assert!(html.contains("name=\"next\" value=\"/journal/new\""));
    let res = anon
        .post(app.url("/signin"))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("next", "/journal/new"),
            ("handle", "returner"),
            ("passphrase", PASS),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/journal/new");
    for evil in [
        "//evil.example/x",
        "https://evil.example",
        "/\\evil.example",
    ] {
        let other = app.browser();
        let html = page(&other, app.url("/signin")).await;
        let res = other
            .post(app.url("/signin"))
            .form(&[
                ("csrf", csrf_of(&html).as_str()),
                ("next", evil),
                ("handle", "returner"),
                ("passphrase", PASS),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["location"], "/today", "{evil}");
    }
}

#[tokio::test]
async fn signing_out_everywhere_else_keeps_only_this_browser() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let phone = app.browser();
    sign_up_in_browser(&app, &phone, "two_devices", PASS).await;
    let laptop = app.browser();
    let html = page(&laptop, app.url("/signin")).await;
    laptop
        .post(app.url("/signin"))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("handle", "two_devices"),
            ("passphrase", PASS),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        laptop.get(app.url("/today")).send().await.unwrap().status(),
        StatusCode::OK
    );
    let csrf = csrf_of(&page(&phone, app.url("/account")).await);
    let res = phone
        .post(app.url("/account/sign-out-others"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/account?done=signed-out");
    assert_eq!(
        phone.get(app.url("/today")).send().await.unwrap().status(),
        StatusCode::OK
    );
    let res = laptop.get(app.url("/today")).send().await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "the other browser is signed out"
    );
}

#[tokio::test]
async fn a_new_person_following_a_link_lands_there_after_creating_an_account() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = app.browser();
    let signin = page(&b, app.url("/signin?next=%2Fjournal%2Fnew")).await;
    assert!(signin.contains("href=\"/signup?next=%2Fjournal%2Fnew\""));
    let form = page(&b, app.url("/signup?next=%2Fjournal%2Fnew")).await;
    assert!(form.contains("name=\"next\" value=\"/journal/new\""));
    let res = b
        .post(app.url("/signup"))
        .form(&[
            ("csrf", csrf_of(&form).as_str()),
            ("next", "/journal/new"),
            ("handle", "newcomer"),
            ("passphrase", PASS),
        ])
        .send()
        .await
        .unwrap();
    let code_page = res.text().await.unwrap();
    assert!(code_page.contains("name=\"next\" value=\"/journal/new\""));
    let res = b
        .post(app.url("/welcome"))
        .form(&[
            ("csrf", csrf_of(&code_page).as_str()),
            ("saved", "yes"),
            ("next", "/journal/new"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/journal/new");
    let res = b
        .post(app.url("/welcome"))
        .form(&[
            ("csrf", csrf_of(&code_page).as_str()),
            ("saved", "yes"),
            ("next", "//evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/today?welcome=1");
}

/// Journal and critic dates are the person's own day, not the server's (UTC).
/// The zone is picked so that its date differs from UTC's at the moment the
/// test runs (`zone_on_another_day`).
#[tokio::test]
async fn journal_and_critic_dates_show_in_the_persons_time_zone() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = app.browser();
    sign_up_in_browser(&app, &b, "far_away", PASS).await;
    let now = jiff::Timestamp::now();
    let utc_day = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let zone = crate::helpers::zone_on_another_day(now);
    let local = now.in_tz(zone).unwrap().date();
    let shown = |d: jiff::civil::Date| d.strftime("%-d %B %Y").to_string();

    let account = page(&b, app.url("/account")).await;
    let res = b
        .post(app.url("/account/time-zone"))
        .form(&[("csrf", csrf_of(&account).as_str()), ("time_zone", zone)])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success() || res.status().is_redirection());

    let form = page(&b, app.url("/journal/new")).await;
    b.post(app.url("/journal/new"))
        .form(&[
            ("csrf", csrf_of(&form).as_str()),
            ("title", "Late shift"),
            ("body", "Long day on the ward."),
        ])
        .send()
        .await
        .unwrap();
    let journal = page(&b, app.url("/journal")).await;
    assert!(journal.contains(&shown(local)), "{zone}: {journal}");
    assert!(!journal.contains(&shown(utc_day)), "{zone}: {journal}");

    let form = page(&b, app.url("/critic/new")).await;
    b.post(app.url("/critic/new"))
        .form(&[
            ("csrf", csrf_of(&form).as_str()),
            ("text", "I should have known that."),
            ("place", "ward"),
        ])
        .send()
        .await
        .unwrap();
    let log = page(&b, app.url("/critic")).await;
    assert!(log.contains(&shown(local)), "{zone}: {log}");
    assert!(!log.contains(&shown(utc_day)), "{zone}: {log}");
}
