//! Check-in questionnaires over real HTTP: due lists and settings, answering one
//! question per screen with resume, results with charts, the safety path, bad
//! input, other people's responses, and the JSON API.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, csrf_of, sign_up_in_browser};

const PASS: &str = "kettle maple orbit";

async fn get(b: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = b.get(app.url(path)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// Posts a form with the page's anti-forgery token; returns status and Location.
async fn post(
    b: &reqwest::Client,
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let (_, page) = get(b, app, "/questionnaires").await;
    let token = csrf_of(&page);
    let mut form: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
    form.extend_from_slice(fields);
    let res = b.post(app.url(path)).form(&form).send().await.unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, res.text().await.unwrap())
}

/// Answers every item of a questionnaire and submits it; returns the result path.
async fn complete(b: &reqwest::Client, app: &TestApp, id: &str, answers: &[&str]) -> String {
    for (i, a) in answers.iter().enumerate() {
        let (status, _, _) = post(
            b,
            app,
            &format!("/questionnaires/{id}/q/{}", i + 1),
            &[("answer", a)],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "answer {} of {id}", i + 1);
    }
    let (status, location, _) = post(b, app, &format!("/questionnaires/{id}/review"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        location.starts_with(&format!("/questionnaires/{id}/results/")),
        "{location}"
    );
    location
}

async fn signed_in(app: &TestApp, handle: &str) -> reqwest::Client {
    let b = app.browser();
    sign_up_in_browser(app, &b, handle, PASS).await;
    b
}

#[tokio::test]
async fn the_due_list_follows_choices_schedules_and_pauses() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = signed_in(&app, "due_list").await;

    let (status, page) = get(&b, &app, "/questionnaires").await;
    assert_eq!(status, StatusCode::OK);
    let ready =
        &page[page.find("Ready for you").unwrap()..page.find("Your questionnaires").unwrap()];
    assert!(
        ready.contains("WHO-5") && ready.contains("SCS-SF"),
        "defaults are due at first"
    );
    assert!(!ready.contains("PHQ-9"));
    assert!(!page.to_lowercase().contains("missed") && !page.to_lowercase().contains("streak"));

    // Choose PHQ-9 and WHO-5.
    let (status, location, _) = post(
        &b,
        &app,
        "/questionnaires/settings",
        &[("want-phq9", "on"), ("want-who5", "on"), ("pause", "none")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/questionnaires?saved=1")
    );
    let (_, page) = get(&b, &app, "/questionnaires?saved=1").await;
    assert!(page.contains("Your choices are saved."));
    let ready =
        &page[page.find("Ready for you").unwrap()..page.find("Your questionnaires").unwrap()];
    assert!(ready.contains("PHQ-9") && ready.contains("WHO-5") && !ready.contains("SCS-SF"));

    // Once WHO-5 is done it is not due again for two weeks (its look-back period).
    complete(&b, &app, "who5", &["3", "3", "3", "3", "3"]).await;
    let (_, page) = get(&b, &app, "/questionnaires").await;
    let ready =
        &page[page.find("Ready for you").unwrap()..page.find("Your questionnaires").unwrap()];
    assert!(ready.contains("PHQ-9") && !ready.contains("WHO-5"));
    assert!(page.contains("Back for you from"));
    assert!(page.contains("Last time"));

    // A pause holds everything, kindly.
    let (status, _, _) = post(
        &b,
        &app,
        "/questionnaires/settings",
        &[("want-phq9", "on"), ("pause", "2w")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = get(&b, &app, "/questionnaires").await;
    assert!(page.contains("Your questionnaires are paused until"));
    assert!(page.contains("value=\"keep\" checked"));

    // Bad settings: 422, a plain message, nothing changed.
    let (status, _, body) = post(
        &b,
        &app,
        "/questionnaires/settings",
        &[("want-nope", "on"), ("pause", "none")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("isn&#39;t one tend offers") || body.contains("isn't one tend offers"));
    let (status, _, body) = post(
        &b,
        &app,
        "/questionnaires/settings",
        &[("want-who5", "on"), ("pause", "forever")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("Please choose one of the pause options."));
    let (_, page) = get(&b, &app, "/questionnaires").await;
    assert!(
        page.contains("Your questionnaires are paused until"),
        "the bad forms changed nothing"
    );

    // The same, over the API the page shares its schedule with.
    let (_, page) = get(&b, &app, "/questionnaires").await;
    assert!(page.contains("name=\"want-phq9\" value=\"on\" checked"));
}

#[tokio::test]
async fn answering_moves_on_goes_back_and_resumes_sqlite() {
    answering_moves_on_goes_back_and_resumes_where_it_stopped(
        TestApp::spawn(Backend::Sqlite).await.unwrap(),
    )
    .await;
}

#[tokio::test]
async fn answering_moves_on_goes_back_and_resumes_postgres() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    answering_moves_on_goes_back_and_resumes_where_it_stopped(app).await;
}

async fn answering_moves_on_goes_back_and_resumes_where_it_stopped(app: TestApp) {
    let b = signed_in(&app, "resumer").await;

    let (status, page) = get(&b, &app, "/questionnaires/who5").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(">Start<") && page.contains("href=\"/questionnaires/who5/q/1\""));

    let (status, page) = get(&b, &app, "/questionnaires/who5/q/1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<legend>") && page.contains("I have felt cheerful and in good spirits"));
    assert!(page.contains("type=\"radio\" name=\"answer\" value=\"5\""));
    assert!(page.contains("Question 1 of 5"));

    let (status, location, _) =
        post(&b, &app, "/questionnaires/who5/q/1", &[("answer", "4")]).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/questionnaires/who5/q/2")
    );
    let (_, location, _) = post(&b, &app, "/questionnaires/who5/q/2", &[("answer", "2")]).await;
    assert_eq!(location, "/questionnaires/who5/q/3");

    // Leaving and coming back resumes at the first unanswered question.
    let (_, page) = get(&b, &app, "/questionnaires/who5").await;
    assert!(page.contains("Carry on (2 of 5 answered)"));
    assert!(page.contains("href=\"/questionnaires/who5/q/3\""));
    // "Back" shows the saved answer, and changing it keeps the rest.
    let (_, page) = get(&b, &app, "/questionnaires/who5/q/2").await;
    assert!(page.contains("value=\"2\" checked"));
    assert!(page.contains("href=\"/questionnaires/who5/q/1\">Back<"));
    let (_, location, _) = post(&b, &app, "/questionnaires/who5/q/1", &[("answer", "3")]).await;
    assert_eq!(
        location, "/questionnaires/who5/q/3",
        "skips what is already answered"
    );

    for n in 3..=5 {
        post(
            &b,
            &app,
            &format!("/questionnaires/who5/q/{n}"),
            &[("answer", "3")],
        )
        .await;
    }
    let (_, page) = get(&b, &app, "/questionnaires/who5/review").await;
    assert!(page.contains("Check your answers") && page.contains("See my result"));

    let (_, location, _) = post(&b, &app, "/questionnaires/who5/review", &[]).await;
    let (status, page) = get(&b, &app, &location).await;
    assert_eq!(status, StatusCode::OK);
    // 3+2+3+3+3 = 14 raw, index 56.
    assert!(page.contains("<strong>56</strong>"), "{page}");
    assert!(page.contains("Good well-being"));
    assert!(
        page.contains("<svg") && page.contains("role=\"img\"") && page.contains("WHO-5 over time")
    );
    assert!(page.contains("<table class=\"chart-table"));
    assert!(page.contains("not a diagnosis"));
    assert!(
        !page.contains("Since last time"),
        "no change on a first result"
    );
    assert!(!page.contains("Support is here"));

    // The draft is gone: the next round starts afresh.
    let (_, page) = get(&b, &app, "/questionnaires/who5").await;
    assert!(page.contains(">Start<"));

    // A second, much lower result: a change past the published 10 points, and support shown.
    let location = complete(&b, &app, "who5", &["0", "1", "1", "1", "1"]).await;
    let (_, page) = get(&b, &app, &location).await;
    assert!(page.contains("<strong>16</strong>"));
    assert!(page.contains("Very low well-being"));
    assert!(page.contains("Support is here") && page.contains("href=\"/help\""));
    assert!(page.contains("Since last time") && page.contains("things look harder"));
    assert!(page.contains("2 check-ins"), "the chart shows both");

    // Which questionnaire someone took, or has in progress, is sealed too.
    post(&b, &app, "/questionnaires/phq9/q/1", &[("answer", "2")]).await;
    let mut bytes = Vec::new();
    for suffix in ["", "-wal"] {
        if let Ok(b) = std::fs::read(format!("{}{suffix}", app.db.sqlite_file().display())) {
            bytes.extend(b);
        }
    }
    for marker in ["who5", "phq9", "WHO-5"] {
        assert!(
            !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
            "{marker} in the clear"
        );
    }

    // A small difference is not called a change (WHO-5 MIC is 10).
    let location = complete(&b, &app, "who5", &["1", "1", "1", "1", "1"]).await;
    let (_, page) = get(&b, &app, &location).await;
    assert!(page.contains("<strong>20</strong>") && !page.contains("Since last time"));
}

#[tokio::test]
async fn wrong_and_out_of_range_answers_are_refused_and_nothing_is_saved() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = signed_in(&app, "careful").await;

    for bad in ["6", "-1", "abc", "", "3.5", "256"] {
        let (status, _, body) =
            post(&b, &app, "/questionnaires/who5/q/1", &[("answer", bad)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "answer {bad:?}");
        assert!(body.contains("class=\"field-error\" id=\"answer-error\""));
        assert!(body.contains("aria-describedby=\"answer-error\""));
    }
    // SCS-SF codes start at 1.
    let (status, _, _) = post(&b, &app, "/questionnaires/scs-sf/q/1", &[("answer", "0")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Nothing was saved: both still start from the beginning.
    for id in ["who5", "scs-sf"] {
        let (_, page) = get(&b, &app, &format!("/questionnaires/{id}")).await;
        assert!(page.contains(">Start<"), "{id} has no draft");
    }
    // A follow-up option that doesn't exist.
    let (status, _, _) = post(&b, &app, "/questionnaires/phq9/q/10", &[("answer", "4")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Unknown questionnaires and questions are 404, never a 500.
    for path in [
        "/questionnaires/nope",
        "/questionnaires/who5/q/0",
        "/questionnaires/who5/q/6",
        "/questionnaires/who5/q/x",
        "/questionnaires/who5/results/nope",
        "/questionnaires/who5/help",
    ] {
        let (status, _) = get(&b, &app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _, _) = post(&b, &app, "/questionnaires/who5/q/9", &[("answer", "1")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Submitting before every question is answered: 422 and no result.
    post(&b, &app, "/questionnaires/who5/q/1", &[("answer", "1")]).await;
    let (status, _, body) = post(&b, &app, "/questionnaires/who5/review", &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("still unanswered"));
    let (_, page) = get(&b, &app, "/questionnaires").await;
    assert!(!page.contains("Last time"));

    // A form without the anti-forgery token is refused.
    let res = b
        .post(app.url("/questionnaires/who5/q/2"))
        .form(&[("answer", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Signed out: sent to sign in.
    let res = app
        .browser()
        .get(app.url("/questionnaires"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_phq9_item9_answer_shows_help_at_once_and_before_the_score() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = signed_in(&app, "safety").await;
    for n in 1..=8 {
        post(
            &b,
            &app,
            &format!("/questionnaires/phq9/q/{n}"),
            &[("answer", "0")],
        )
        .await;
    }
    let (status, location, _) =
        post(&b, &app, "/questionnaires/phq9/q/9", &[("answer", "1")]).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/questionnaires/phq9/help")
    );
    let (status, page) = get(&b, &app, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("You don&#39;t have to carry this alone")
            || page.contains("You don't have to carry this alone")
    );
    assert!(page.contains("href=\"tel:988\""), "crisis lines are listed");
    assert!(page.contains("emergency number"));
    assert!(!page.contains("Score"));
    // Then the optional follow-up, then the review.
    assert!(page.contains("href=\"/questionnaires/phq9/q/10\""));
    let (_, location, _) = post(&b, &app, "/questionnaires/phq9/q/10", &[("answer", "")]).await;
    assert_eq!(location, "/questionnaires/phq9/review");

    let (_, location, _) = post(&b, &app, "/questionnaires/phq9/review", &[]).await;
    let (_, page) = get(&b, &app, &location).await;
    // Total 1 ("Minimal"), and still the help comes first.
    let help = page.find("crisis-h").unwrap();
    let score = page.find("Score ").unwrap();
    assert!(help < score, "help before the score");
    assert!(page.find("tel:988").unwrap() < score);
    assert!(page.contains("<strong>1</strong>") && page.contains("Minimal"));

    // Item 9 answered 0 shows no help screen.
    for n in 1..=8 {
        post(
            &b,
            &app,
            &format!("/questionnaires/phq9/q/{n}"),
            &[("answer", "1")],
        )
        .await;
    }
    let (_, location, _) = post(&b, &app, "/questionnaires/phq9/q/9", &[("answer", "0")]).await;
    assert_eq!(location, "/questionnaires/phq9/q/10");
}

#[tokio::test]
async fn other_peoples_responses_are_not_found() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let alice = signed_in(&app, "alice_q").await;
    let result = complete(&alice, &app, "who5", &["5", "5", "5", "5", "5"]).await;
    let (status, _) = get(&alice, &app, &result).await;
    assert_eq!(status, StatusCode::OK);
    // The same id under another questionnaire is not hers either.
    let other = result.replace("/who5/", "/phq9/");
    assert_eq!(get(&alice, &app, &other).await.0, StatusCode::NOT_FOUND);

    let bob = signed_in(&app, "bob_q").await;
    let (status, page) = get(&bob, &app, &result).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!page.contains("<strong>100</strong>"));
    let (_, page) = get(&bob, &app, "/questionnaires").await;
    assert!(!page.contains("Last time"));
    // Bob's draft is his own.
    post(&alice, &app, "/questionnaires/gad7/q/1", &[("answer", "2")]).await;
    let (_, page) = get(&bob, &app, "/questionnaires/gad7").await;
    assert!(page.contains(">Start<"));
}

#[tokio::test]
async fn the_api_sqlite() {
    the_api_lists_due_scores_and_stores_responses(TestApp::spawn(Backend::Sqlite).await.unwrap())
        .await;
}

#[tokio::test]
async fn the_api_postgres() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    the_api_lists_due_scores_and_stores_responses(app).await;
}

async fn the_api_lists_due_scores_and_stores_responses(app: TestApp) {
    let (token, _) = app.api_account("api_q", PASS).await;
    let api = app.api();
    let auth = format!("Bearer {token}");

    let v: Value = api
        .get(app.url("/api/v1/questionnaires"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["due"], json!(["who5", "scs-sf"]));
    assert_eq!(v["instruments"].as_array().unwrap().len(), 14);
    let v: Value = api
        .get(app.url("/api/v1/questionnaires/phq9"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 9);

    let respond = |body: Value, id: &'static str| {
        api.post(app.url(&format!("/api/v1/questionnaires/{id}/responses")))
            .header("authorization", &auth)
            .json(&body)
            .send()
    };
    let res = respond(
        json!({"answers": [0, 0, 0, 0, 0, 0, 0, 0, 2], "followup": 1}),
        "phq9",
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["result"]["score"], json!(2));
    assert_eq!(v["result"]["flags"], json!(["phq9-item9"]));
    assert_eq!(v["needs_crisis_help"], json!(true));
    assert!(
        v["helplines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["tel"] == "988")
    );

    // Bad input: wrong count, out of range, not a code, bad follow-up: 422; unknown id: 404.
    for body in [
        json!({"answers": [0, 0]}),
        json!({"answers": [0, 0, 0, 0, 0, 0, 0, 0, 4]}),
        json!({"answers": [0, 0, 0, 0, 0, 0, 0, 0, 300]}),
        json!({"answers": [0, 0, 0, 0, 0, 0, 0, 0, -1]}),
        json!({"answers": [0, 0, 0, 0, 0, 0, 0, 0, 0], "followup": 7}),
    ] {
        let res = respond(body.clone(), "phq9").await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let e: Value = res.json().await.unwrap();
        assert_eq!(e["error"], "invalid");
    }
    assert_eq!(
        respond(json!({"answers": [1]}), "nope")
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        respond(json!({"nothing": 1}), "who5")
            .await
            .unwrap()
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Missing answers are allowed and give a null score, never a guess.
    let v: Value = respond(json!({"answers": [3, null, 3, 3, 3]}), "who5")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["result"]["score"], Value::Null);

    let v: Value = api
        .get(app.url("/api/v1/questionnaires/phq9/responses"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = v["responses"].as_array().unwrap();
    assert_eq!(list.len(), 1, "only the valid response was stored");
    assert_eq!(list[0]["answers"], json!([0, 0, 0, 0, 0, 0, 0, 0, 2]));
    let v: Value = api
        .get(app.url("/api/v1/questionnaires"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["due"], json!(["scs-sf"]), "WHO-5 was just done");

    let res = api
        .get(app.url("/api/v1/questionnaires"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

/// A year of responses: the list and a result still render. Timings are
/// printed, not asserted (docs/benchmarks.md measures speed).
#[tokio::test]
async fn pages_answer_with_a_year_of_responses() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = signed_in(&app, "busy_year").await;
    // Every questionnaire as often as its schedule allows for a year is about 360
    // responses; they go in through the pages' own store via the API of a second
    // session of the same person.
    let res = app
        .api()
        .post(app.url("/api/v1/sessions"))
        .json(&json!({"handle": "busy_year", "passphrase": PASS}))
        .send()
        .await
        .unwrap();
    let token = res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let auth = format!("Bearer {token}");
    let mut last = String::new();
    for i in 0..360 {
        let v: Value = app
            .api()
            .post(app.url("/api/v1/questionnaires/who5/responses"))
            .header("authorization", &auth)
            .json(&json!({"answers": [i % 6, 3, 3, 2, 1]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        last = v["id"].as_str().unwrap().to_owned();
    }
    for path in [
        "/questionnaires".to_owned(),
        format!("/questionnaires/who5/results/{last}"),
    ] {
        get(&b, &app, &path).await;
        let start = std::time::Instant::now();
        let (status, page) = get(&b, &app, &path).await;
        let took = start.elapsed();
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("WHO-5"));
        eprintln!("{path}: {took:?} over HTTP");
    }
}
