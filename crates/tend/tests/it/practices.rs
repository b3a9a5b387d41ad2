//! Practices, hard moments, Learn and gratitude over real HTTP.

use reqwest::StatusCode;

use crate::helpers::{Backend, TestApp, csrf_of, get, sign_up_in_browser};

const PASS: &str = "kettle maple orbit";

fn database_bytes(app: &TestApp) -> Vec<u8> {
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(b) = std::fs::read(format!("{}{suffix}", app.db.sqlite_file().display())) {
            bytes.extend(b);
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn a_finished_practice_logs_its_minutes_and_shows_them_back() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = app.browser();
    sign_up_in_browser(&app, &b, "calm_one", PASS).await;

    let (status, list) = get(&b, app.url("/practices")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("Your minutes will add up here"));
    for slug in [
        "breathing-space",
        "body-scan",
        "affectionate-breathing",
        "loving-kindness",
        "rain",
    ] {
        assert!(
            list.contains(&format!("/practices/{slug}")),
            "{slug} listed"
        );
    }
    // A suggestion is offered, worded as an option.
    assert!(list.contains("class=\"suggestion\""));

    let (status, page) = get(&b, app.url("/practices/breathing-space")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("How long?") && page.contains("name=\"length\""));
    assert!(page.contains("id=\"player\"") && page.contains(" hidden"));
    assert!(page.contains("data-inhale=\"4\"") && page.contains("data-exhale=\"6\""));
    // The player script, under its content-hashed name (`practice.<hash>.js`).
    assert!(page.contains("src=\"/static/practice.") && page.contains(".js\" defer"));
    assert!(!page.contains("style=") && !page.contains("onclick"));
    assert!(page.contains("Finish and save minutes"));

    // Start without JavaScript: a GET with the length, then the finish form.
    let (status, started) = get(&b, app.url("/practices/breathing-space?length=5")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(started.contains("Started: 5 minutes"));
    assert!(started.contains(
        "id=\"minutes\" name=\"minutes\" type=\"text\" inputmode=\"numeric\" value=\"5\""
    ));

    let res = b
        .post(app.url("/practices/breathing-space/finish"))
        .form(&[
            ("csrf", csrf_of(&started).as_str()),
            ("minutes", "4"),
            ("length", "5"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        "/practices?saved=breathing-space"
    );
    let res = b
        .post(app.url("/practices/rain/finish"))
        .form(&[("csrf", csrf_of(&started).as_str()), ("minutes", "10")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let (_, list) = get(&b, app.url("/practices?saved=rain")).await;
    assert!(list.contains("Saved your time with RAIN"));
    assert!(list.contains("14 minutes, on 1 day"), "{list}");
    assert!(list.contains("Three-minute breathing space · 4 minutes"));
    let lower = list.to_lowercase();
    assert!(!lower.contains("streak") && !lower.contains("missed"));

    // Sealed: the slug of what was practised is not on disk in the clear.
    let bytes = database_bytes(&app);
    assert!(!contains(&bytes, "breathing-space"));
}

#[tokio::test]
async fn bad_minutes_lengths_and_slugs_are_refused_kindly() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = app.browser();
    sign_up_in_browser(&app, &b, "careful", PASS).await;
    let (_, page) = get(&b, app.url("/practices/body-scan")).await;
    let csrf = csrf_of(&page);

    for (bad, says) in [
        ("", "One minute counts"),
        ("0", "at least 1 minute"),
        ("2.5", "whole number"),
        ("181", "from 1 to 180"),
        ("lots", "whole number"),
    ] {
        let res = b
            .post(app.url("/practices/body-scan/finish"))
            .form(&[("csrf", csrf.as_str()), ("minutes", bad), ("length", "10")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        let html = res.text().await.unwrap();
        assert!(html.contains(says), "{bad:?}: {says}");
        assert!(html.contains("id=\"minutes-error\""));
        // The person's input is kept.
        assert!(html.contains(&format!("value=\"{bad}\"")));
    }
    let (_, list) = get(&b, app.url("/practices")).await;
    assert!(
        list.contains("Your minutes will add up here"),
        "nothing saved"
    );

    // A length the practice doesn't offer.
    let (status, html) = get(&b, app.url("/practices/body-scan?length=7")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("5, 10, 20 minutes"));

    // Unknown practices are 404s, to read and to finish.
    let (status, _) = get(&b, app.url("/practices/not-a-practice")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let res = b
        .post(app.url("/practices/not-a-practice/finish"))
        .form(&[("csrf", csrf.as_str()), ("minutes", "5")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // No token, no save.
    let res = b
        .post(app.url("/practices/body-scan/finish"))
        .form(&[("minutes", "5")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn hard_moment_and_learn_work_signed_out() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = app.browser();

    let (status, hm) = get(&b, app.url("/hard-moment")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(hm.contains("Two-minute self-compassion break"));
    assert!(hm.contains("5-4-3-2-1 grounding"));
    assert!(hm.contains("5 things you can see"));
    // Signed out and no country chosen: the lines for anywhere, and the
    // country picker (the only form). Before help lines had countries this
    // page showed the US lines to everyone.
    assert!(hm.contains("href=\"tel:112\"") && hm.contains("href=\"https://findahelpline.com\""));
    assert!(!hm.contains("tel:988"));
    assert_eq!(
        hm.matches("<form ").count(),
        1,
        "nothing to fill in but the country"
    );
    assert!(hm.contains("action=\"/help/country\""));
    // Every page links to it.
    let (_, learn) = get(&b, app.url("/learn")).await;
    assert!(learn.contains("href=\"/hard-moment\""));

    // Learn: in order, grouped.
    let start = learn.find("Start here").unwrap();
    let steps = learn.find("The ten steps").unwrap();
    let why = learn.find("/learn/why-self-compassion").unwrap();
    let critic = learn.find("/learn/notice-the-inner-critic").unwrap();
    let gratitude = learn.find("/learn/gratitude").unwrap();
    assert!(start < why && why < steps && steps < critic && critic < gratitude);

    let (status, a) = get(&b, app.url("/learn/mindfulness")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(a.contains("<h1>Step 2: Practise mindfulness</h1>"));
    assert!(a.contains("<h2>References</h2>"));
    assert!(a.contains("href=\"/practices\"") && a.contains("Try a practice"));
    assert!(a.contains("rel=\"prev\" href=\"/learn/notice-the-inner-critic\""));
    assert!(a.contains("rel=\"next\" href=\"/learn/talk-to-yourself-as-a-friend\""));
    let (_, first) = get(&b, app.url("/learn/why-self-compassion")).await;
    assert!(!first.contains("rel=\"prev\""));
    let (_, last) = get(&b, app.url("/learn/gratitude")).await;
    assert!(!last.contains("rel=\"next\"") && last.contains("href=\"/gratitude\""));

    let (status, missing) = get(&b, app.url("/learn/no-such-article")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(missing.contains("We couldn't find that page"));

    // Practices can be read signed out; logging asks to sign in.
    let (status, p) = get(&b, app.url("/practices/rain")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(p.contains("to keep a private log of your minutes"));
    let res = b
        .post(app.url("/practices/rain/finish"))
        .form(&[("minutes", "5")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/signin")
    );
    // Gratitude is personal: sign in first.
    let res = b.get(app.url("/gratitude")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn gratitude_saves_edits_and_reminds() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = app.browser();
    sign_up_in_browser(&app, &b, "thankful", PASS).await;

    // Nothing yet: remind me is kind.
    let (status, empty) = get(&b, app.url("/gratitude/remind")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(empty.contains("Nothing here yet"));

    let (_, page) = get(&b, app.url("/gratitude")).await;
    assert!(page.contains("Good thing 1") && page.contains("Good thing 3"));
    assert!(page.contains("Save good things"));
    let csrf = csrf_of(&page);

    // Empty and over-long: 422, words kept, nothing saved.
    let res = b
        .post(app.url("/gratitude"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("good1", " "),
            ("good2", ""),
            ("good3", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("One small thing is plenty")
    );
    let long = "y".repeat(1001);
    let res = b
        .post(app.url("/gratitude"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("good1", "KEEPME-4410"),
            ("good2", long.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("KEEPME-4410") && html.contains("id=\"good2-error\""));
    let (_, page) = get(&b, app.url("/gratitude")).await;
    assert!(!page.contains("KEEPME-4410") && page.contains("Save good things"));

    // Save, then edit the same day.
    let res = b
        .post(app.url("/gratitude"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("version", ""),
            ("good1", "GOOD-TEA-7781"),
            ("good2", ""),
            ("good3", "GOOD-SUN-1290"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/gratitude?saved=1");
    let (_, page) = get(&b, app.url("/gratitude?saved=1")).await;
    assert!(page.contains("Saved. Thank you"));
    assert!(page.contains("GOOD-TEA-7781") && page.contains("GOOD-SUN-1290"));
    assert!(page.contains("Update today's good things"));
    let version_marker = "name=\"version\" value=\"";
    let at = page.find(version_marker).unwrap() + version_marker.len();
    let version = page[at..].split('"').next().unwrap().to_owned();
    assert_eq!(version, "1");

    let res = b
        .post(app.url("/gratitude"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("version", version.as_str()),
            ("good1", "GOOD-TEA-7781 and toast"),
            ("good2", "GOOD-FRIEND-3321"),
            ("good3", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = get(&b, app.url("/gratitude")).await;
    assert!(page.contains("GOOD-TEA-7781 and toast") && page.contains("GOOD-FRIEND-3321"));
    assert!(!page.contains("GOOD-SUN-1290"), "the edit replaced the day");

    // A stale tab (old version) gets a 409 with its words kept, not a silent overwrite.
    let res = b
        .post(app.url("/gratitude"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("version", version.as_str()),
            ("good1", "STALE-TAB-5555"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("STALE-TAB-5555") && html.contains("another tab"));
    assert!(
        html.contains("GOOD-FRIEND-3321"),
        "the other version is shown"
    );

    // Remind me shows one of the saved things.
    let (status, r) = get(&b, app.url("/gratitude/remind")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(r.contains("A good thing from"));
    assert!(r.contains("GOOD-TEA-7781 and toast") || r.contains("GOOD-FRIEND-3321"));

    let bytes = database_bytes(&app);
    for marker in ["GOOD-TEA-7781", "GOOD-FRIEND-3321", "GOOD-SUN-1290"] {
        assert!(!contains(&bytes, marker), "{marker} on disk in the clear");
    }
}

#[tokio::test]
async fn others_cannot_see_or_remind_from_my_notes() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let a = app.browser();
    sign_up_in_browser(&app, &a, "alice_g", PASS).await;
    let (_, page) = get(&a, app.url("/gratitude")).await;
    let res = a
        .post(app.url("/gratitude"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("good1", "ALICE-ONLY-8080"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let b = app.browser();
    sign_up_in_browser(&app, &b, "bob_g", PASS).await;
    let (_, page) = get(&b, app.url("/gratitude/remind")).await;
    assert!(page.contains("Nothing here yet") && !page.contains("ALICE-ONLY-8080"));
    let (_, page) = get(&b, app.url("/gratitude")).await;
    assert!(!page.contains("ALICE-ONLY-8080"));
}

#[tokio::test]
async fn practice_and_gratitude_on_postgres() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let b = app.browser();
    sign_up_in_browser(&app, &b, "pg_calm", PASS).await;
    let (_, page) = get(&b, app.url("/practices/loving-kindness")).await;
    let csrf = csrf_of(&page);
    let res = b
        .post(app.url("/practices/loving-kindness/finish"))
        .form(&[("csrf", csrf.as_str()), ("minutes", "15")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, list) = get(&b, app.url("/practices")).await;
    assert!(list.contains("15 minutes, on 1 day"));
    let res = b
        .post(app.url("/gratitude"))
        .form(&[("csrf", csrf.as_str()), ("good1", "PG-GOOD-1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, r) = get(&b, app.url("/gratitude/remind")).await;
    assert!(r.contains("PG-GOOD-1"));
}
