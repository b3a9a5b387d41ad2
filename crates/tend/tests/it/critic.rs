//! Notice the critic, the reframe, the self-compassion break, letters and the
//! mistake debrief, over real HTTP.

use reqwest::StatusCode;

use crate::helpers::{Backend, TestApp, csrf_of, get, sign_up_in_browser};

const PASS: &str = "kettle maple orbit";

async fn post(b: &reqwest::Client, url: String, form: &[(&str, &str)]) -> reqwest::Response {
    b.post(url).form(form).send().await.unwrap()
}

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

async fn signed_in(app: &TestApp, handle: &str) -> (reqwest::Client, String) {
    let b = app.browser();
    sign_up_in_browser(app, &b, handle, PASS).await;
    let (_, page) = get(&b, app.url("/critic/new")).await;
    let csrf = csrf_of(&page);
    (b, csrf)
}

#[tokio::test]
async fn a_thought_is_captured_highlighted_logged_and_answered_kindly() {
    capture_log_and_reframe(TestApp::spawn(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test]
async fn a_thought_is_captured_highlighted_logged_and_answered_kindly_postgres() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    capture_log_and_reframe(app).await;
}

async fn capture_log_and_reframe(app: TestApp) {
    let (b, csrf) = signed_in(&app, "noticer").await;
    let (status, form) = get(&b, app.url("/critic/new")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("What is the critic saying?") && form.contains("href=\"/critic/new\""));

    let text = "I froze when the attending asked me. I'm such an idiot.";
    let res = post(
        &b,
        app.url("/critic/new"),
        &[
            ("csrf", &csrf),
            ("text", text),
            ("place", "ward"),
            ("intensity", "7"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let url = location(&res);
    assert!(url.starts_with("/critic/") && url.ends_with("?saved=thought"));
    let (status, page) = get(&b, app.url(&url)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<mark>I&#39;m such an idiot</mark>")
            || page.contains("<mark>I'm such an idiot</mark>"),
        "{page}"
    );
    assert!(page.contains("Could this be labeling?"));
    assert!(page.contains("sounds like it might be"));
    assert!(page.contains("Ward") && page.contains("loudness 7 of 10"));
    // Prompts that fit labeling.
    assert!(page.contains("Would you call a friend that word"));
    assert!(
        !page.contains("You don&#39;t have to carry this alone")
            && !page.contains("carry this alone")
    );

    // The kinder answer, saved with the thought and shown back.
    let id = url
        .trim_start_matches("/critic/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let res = post(
        &b,
        app.url(&format!("/critic/{id}/reframe")),
        &[
            ("csrf", &csrf),
            ("reframe", "You froze once. REFRAMEMARKER-4410"),
            ("version", "1"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = get(&b, app.url(&location(&res))).await;
    assert!(page.contains("Your kinder answer is saved"));
    assert!(page.contains("REFRAMEMARKER-4410"));
    // Editable: a second answer replaces the first.
    let res = post(
        &b,
        app.url(&format!("/critic/{id}/reframe")),
        &[
            ("csrf", &csrf),
            ("reframe", "Second answer REFRAME-2"),
            ("version", "2"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = get(&b, app.url(&format!("/critic/{id}"))).await;
    assert!(page.contains("REFRAME-2") && !page.contains("REFRAMEMARKER-4410"));
    // A stale version keeps the words and says why.
    let res = post(
        &b,
        app.url(&format!("/critic/{id}/reframe")),
        &[
            ("csrf", &csrf),
            ("reframe", "from an old tab"),
            ("version", "1"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("from an old tab"));

    // The log: by week, by place, the list.
    let (_, log) = get(&b, app.url("/critic")).await;
    assert!(log.contains("By week") && log.contains("Where"));
    assert!(
        log.contains("<th scope=\"row\">Ward</th><td>1</td>"),
        "{log}"
    );
    assert!(log.contains(&format!("href=\"/critic/{id}\"")));
    assert!(log.contains("answered kindly"));
    assert!(log.contains("Labeling: 1"));
    let lower = log.to_lowercase();
    assert!(!lower.contains("streak") && !lower.contains("you missed"));

    // Editing the thought re-reads it and keeps the answer.
    let res = post(
        &b,
        app.url(&format!("/critic/{id}/edit")),
        &[
            ("csrf", &csrf),
            ("text", "I should have known that dose by now"),
            ("place", "exam"),
            ("intensity", ""),
            ("version", "3"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = get(&b, app.url(&format!("/critic/{id}"))).await;
    assert!(page.contains("Could this be should statements?"), "{page}");
    assert!(page.contains("REFRAME-2") && page.contains("Exam or studying"));

    // The kindness hub shows the week in kind words.
    let (_, hub) = get(&b, app.url("/kindness")).await;
    assert!(
        hub.contains("You noticed 1 thought from the inner critic, and answered 1 of them"),
        "{hub}"
    );

    // Delete means delete.
    let res = post(
        &b,
        app.url(&format!("/critic/{id}/delete")),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        get(&b, app.url(&format!("/critic/{id}"))).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn bad_input_is_refused_kindly_and_nothing_is_saved() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let (b, csrf) = signed_in(&app, "carefulone").await;
    let long = "x".repeat(1_001);
    for form in [
        vec![("csrf", csrf.as_str()), ("text", "   ")],
        vec![("csrf", csrf.as_str()), ("text", long.as_str())],
        vec![("csrf", csrf.as_str()), ("text", "ok"), ("intensity", "11")],
        vec![("csrf", csrf.as_str()), ("text", "ok"), ("place", "moon")],
    ] {
        let res = post(&b, app.url("/critic/new"), &form).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("class=\"field-error\""), "{html}");
    }
    // Help never waits for valid input.
    let risky = format!("I want to die. {}", "x".repeat(1_000));
    let res = post(
        &b,
        app.url("/critic/new"),
        &[("csrf", &csrf), ("text", &risky)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("carry this alone"));
    let (_, log) = get(&b, app.url("/critic")).await;
    assert!(log.contains("Thoughts you notice will appear here"));

    // The debrief needs what happened and the kind sentence; the words are kept.
    let res = post(
        &b,
        app.url("/debrief/new"),
        &[
            ("csrf", &csrf),
            ("what_i_felt", "KEPTFEELING"),
            ("kind_sentence", ""),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("What happened can&#39;t be empty")
            || html.contains("What happened can't be empty"),
        "{html}"
    );
    assert!(html.contains("KEPTFEELING") && html.contains("The kind sentence can"));
    let long_kind = "k".repeat(501);
    let res = post(
        &b,
        app.url("/debrief/new"),
        &[
            ("csrf", &csrf),
            ("what_happened", "a"),
            ("kind_sentence", &long_kind),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        get(&b, app.url("/debrief"))
            .await
            .1
            .contains("Debriefs you write will be here")
    );

    // Letters and break notes.
    let res = post(
        &b,
        app.url("/kindness/letter"),
        &[("csrf", &csrf), ("body", " ")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let long_letter = "l".repeat(20_001);
    let res = post(
        &b,
        app.url("/kindness/letter"),
        &[("csrf", &csrf), ("body", &long_letter)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        get(&b, app.url("/kindness/letter"))
            .await
            .1
            .contains("Letters you save will be here")
    );
    let long_note = "n".repeat(2_001);
    let res = post(
        &b,
        app.url("/kindness/break"),
        &[("csrf", &csrf), ("note", &long_note)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        get(&b, app.url("/kindness"))
            .await
            .1
            .contains("Nothing noted here this week")
    );

    // An empty reframe is refused and the thought is unchanged.
    let res = post(
        &b,
        app.url("/critic/new"),
        &[("csrf", &csrf), ("text", "I'm useless")],
    )
    .await;
    let url = location(&res);
    let id = url
        .trim_start_matches("/critic/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let res = post(
        &b,
        app.url(&format!("/critic/{id}/reframe")),
        &[("csrf", &csrf), ("reframe", "  "), ("version", "1")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        !get(&b, app.url(&format!("/critic/{id}")))
            .await
            .1
            .contains("Your kinder answer</p>")
    );
    // Forms without the token are refused.
    let res = post(&b, app.url("/critic/new"), &[("text", "forged")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // An odd prompt number still shows a page.
    assert_eq!(
        get(&b, app.url("/kindness/letter?prompt=zz")).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn other_peoples_records_are_not_found() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let (alice, a_csrf) = signed_in(&app, "alice_c").await;
    let t = location(
        &post(
            &alice,
            app.url("/critic/new"),
            &[("csrf", &a_csrf), ("text", "I always fail")],
        )
        .await,
    );
    let t = t.split('?').next().unwrap().to_owned();
    let d = location(
        &post(
            &alice,
            app.url("/debrief/new"),
            &[
                ("csrf", &a_csrf),
                ("what_happened", "x"),
                ("kind_sentence", "y"),
            ],
        )
        .await,
    );
    let d = d.split('?').next().unwrap().to_owned();
    let l = location(
        &post(
            &alice,
            app.url("/kindness/letter"),
            &[("csrf", &a_csrf), ("body", "Dear me")],
        )
        .await,
    );
    let l = l.split('?').next().unwrap().to_owned();

    let (bob, b_csrf) = signed_in(&app, "bob_c").await;
    for path in [
        t.clone(),
        format!("{t}/edit"),
        format!("{t}/delete"),
        d.clone(),
        format!("{d}/edit"),
        format!("{d}/delete"),
        l.clone(),
        format!("{l}/delete"),
        "/critic/not-an-id".into(),
    ] {
        assert_eq!(
            get(&bob, app.url(&path)).await.0,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for (path, form) in [
        (
            format!("{t}/reframe"),
            vec![
                ("csrf", b_csrf.as_str()),
                ("reframe", "hi"),
                ("version", "1"),
            ],
        ),
        (
            format!("{t}/edit"),
            vec![("csrf", b_csrf.as_str()), ("text", "hi"), ("version", "1")],
        ),
        (format!("{t}/delete"), vec![("csrf", b_csrf.as_str())]),
        (format!("{d}/delete"), vec![("csrf", b_csrf.as_str())]),
        (
            format!("{d}/edit"),
            vec![
                ("csrf", b_csrf.as_str()),
                ("what_happened", "x"),
                ("kind_sentence", "y"),
                ("version", "1"),
            ],
        ),
        (format!("{l}/delete"), vec![("csrf", b_csrf.as_str())]),
    ] {
        assert_eq!(
            post(&bob, app.url(&path), &form).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // Alice still has everything.
    for path in [&t, &d, &l] {
        assert_eq!(get(&alice, app.url(path)).await.0, StatusCode::OK);
    }
}

#[tokio::test]
async fn risk_language_shows_help_at_once_and_patient_details_get_a_gentle_warning() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let (b, csrf) = signed_in(&app, "hardday").await;
    let res = post(
        &b,
        app.url("/critic/new"),
        &[("csrf", &csrf), ("text", "I'm a failure and I want to die")],
    )
    .await;
    let (_, page) = get(&b, app.url(&location(&res))).await;
    assert!(page.contains("carry this alone"), "{page}");
    assert!(page.contains("href=\"tel:988\"") && page.contains("href=\"/help\""));
    // Next to crisis help, no thinking-pattern labels or highlights, and no
    // placeholder line the programme has not filled in.
    assert!(
        !page.contains("Could this be") && !page.contains("<mark>"),
        "{page}"
    );
    assert!(!page.contains("add its number here"), "{page}");
    assert!(page.contains("you matter more than any thinking pattern"));

    // A patient's identifiers: saved (never blocked), warned, easy to edit.
    let res = post(
        &b,
        app.url("/critic/new"),
        &[
            ("csrf", &csrf),
            (
                "text",
                "I messed up Mrs Okafor's meds in bed 12. I'm hopeless.",
            ),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let url = location(&res);
    let (_, page) = get(&b, app.url(&url)).await;
    assert!(page.contains("This might identify a patient"), "{page}");
    let id = url
        .trim_start_matches("/critic/")
        .split('?')
        .next()
        .unwrap();
    assert!(page.contains(&format!("href=\"/critic/{id}/edit\"")));
    assert!(!page.contains("carry this alone"));

    // The debrief warns on "what happened" and ends on the kind sentence.
    let res = post(
        &b,
        app.url("/debrief/new"),
        &[
            ("csrf", &csrf),
            (
                "what_happened",
                "Missed a low potassium for the patient in room 4 bed 2",
            ),
            ("what_i_felt", "Shame, hot face"),
            ("common_humanity", "Every resident I know"),
            ("one_lesson", "Check the overnight labs first"),
            ("kind_sentence", "KINDMARKER I'm learning."),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let debrief = location(&res);
    let (_, page) = get(&b, app.url(&debrief)).await;
    assert!(page.contains("This might identify a patient"));
    let order: Vec<usize> = [
        "Missed a low potassium",
        "Shame, hot face",
        "Every resident",
        "Check the overnight",
        "KINDMARKER",
    ]
    .iter()
    .map(|m| page.find(m).unwrap_or_else(|| panic!("{m} missing")))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(page.contains("class=\"kind-words\">KINDMARKER"));
    // Easy to edit, e.g. to take the room and bed out.
    let (status, edit) = get(
        &b,
        app.url(&format!("{}/edit", debrief.split('?').next().unwrap())),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(edit.contains("room 4 bed 2") && edit.contains("name=\"version\" value=\"1\""));
    let res = post(
        &b,
        app.url(&format!("{}/edit", debrief.split('?').next().unwrap())),
        &[
            ("csrf", &csrf),
            (
                "what_happened",
                "Missed a low potassium on the morning bloods",
            ),
            ("kind_sentence", "KINDMARKER I'm learning."),
            ("version", "1"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = get(&b, app.url(&location(&res))).await;
    assert!(
        !page.contains("This might identify a patient") && page.contains("Your changes are saved")
    );

    // Journal entries get the same help and highlights.
    let res = post(
        &b,
        app.url("/journal/new"),
        &[
            ("csrf", &csrf),
            ("title", ""),
            (
                "body",
                "Rounds were long. I'm such an idiot. Part of me wants to die.",
            ),
        ],
    )
    .await;
    let (_, page) = get(&b, app.url(&location(&res))).await;
    assert!(page.contains("carry this alone"), "{page}");
    assert!(
        !page.contains("Could this be") && !page.contains("<mark>"),
        "{page}"
    );

    // Without risk language, an entry gets its highlights and gentle guesses.
    let res = post(
        &b,
        app.url("/journal/new"),
        &[
            ("csrf", &csrf),
            ("title", ""),
            ("body", "Rounds were long. I'm such an idiot."),
        ],
    )
    .await;
    let (_, page) = get(&b, app.url(&location(&res))).await;
    assert!(
        page.contains("<mark>") && page.contains("Could this be labeling?"),
        "{page}"
    );
    assert!(!page.contains("carry this alone"));
}

#[tokio::test]
async fn the_break_and_letters_are_saved_and_shown_back() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let (b, csrf) = signed_in(&app, "kindone").await;
    let (_, page) = get(&b, app.url("/kindness/break")).await;
    assert!(
        page.contains("Remember: I&#39;m not alone") || page.contains("Remember: I'm not alone")
    );
    let res = post(
        &b,
        app.url("/kindness/break"),
        &[("csrf", &csrf), ("note", "BREAKNOTE-1")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = get(&b, app.url(&location(&res))).await;
    assert!(page.contains("BREAKNOTE-1") && page.contains("Thank you for being kind"));
    // A break without a note still counts.
    let res = post(
        &b,
        app.url("/kindness/break"),
        &[("csrf", &csrf), ("note", "")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let (_, page) = get(&b, app.url("/kindness/letter?prompt=1")).await;
    let prompt = "Write to yourself the letter you would send a classmate";
    assert!(page.contains(prompt));
    assert!(page.contains("href=\"/kindness/letter?prompt=2\""));
    let res = post(
        &b,
        app.url("/kindness/letter"),
        &[
            ("csrf", &csrf),
            ("prompt", prompt),
            ("body", "Dear me,\n\nLETTERMARKER-88"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let url = location(&res);
    let (_, page) = get(&b, app.url(&url)).await;
    assert!(page.contains("LETTERMARKER-88") && page.contains(prompt));
    let (_, list) = get(&b, app.url("/kindness/letter")).await;
    assert!(list.contains("Dear me"));
    let (_, hub) = get(&b, app.url("/kindness")).await;
    assert!(
        hub.contains("1 compassionate letter") && hub.contains("2 self-compassion breaks"),
        "{hub}"
    );

    let id_path = url.split('?').next().unwrap();
    let res = post(
        &b,
        app.url(&format!("{id_path}/delete")),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        get(&b, app.url("/kindness/letter"))
            .await
            .1
            .contains("Letters you save will be here")
    );

    // None of it is in the database in the clear.
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(b) = std::fs::read(format!("{}{suffix}", app.db.sqlite_file().display())) {
            bytes.extend(b);
        }
    }
    assert!(!bytes.windows(11).any(|w| w == b"BREAKNOTE-1"));
}

/// A year of noticing: every page still answers with its content. Timings are
/// printed for a reader; speed is measured by the benchmarks, not here.
#[tokio::test]
async fn pages_answer_with_a_year_of_critic_data() {
    use tend::domain::critic::{BreakNote, Debrief, Letter, Place, Thought};
    use tend::service::Services;

    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let (token, _) = app.api_account("busy_year", PASS).await;
    let services = Services {
        store: app.db.store.clone(),
        kdf: crate::helpers::FAST_KDF,
        session_ttl: 3600,
        mailer: None,
        push: None,
        read_cache: Default::default(),
    };
    let now = jiff::Timestamp::now().as_second();
    let who = services
        .accounts()
        .authenticate(&token, now)
        .await
        .unwrap()
        .unwrap();
    let records = services.records(&who);
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let mut some_id = String::new();
    for back in 0..365i64 {
        let day = today.checked_sub(jiff::Span::new().days(back)).unwrap();
        let ts = now - back * 86_400;
        for i in 0..3 {
            let t = Thought {
                text: format!("I'm such an idiot, I always get this wrong ({back}/{i})"),
                place: Some(Place::ALL[(back as usize + i) % 6]),
                intensity: Some(5),
                patterns: vec!["labeling".into(), "overgeneralizing".into()],
                reframe: if i == 0 {
                    "You are learning.".into()
                } else {
                    String::new()
                },
            };
            some_id = records.create(Some(day), t, ts).await.unwrap().id;
        }
        if back % 7 == 0 {
            let d = Debrief {
                what_happened: "A hard round".into(),
                what_i_felt: "Shame".into(),
                common_humanity: String::new(),
                one_lesson: String::new(),
                kind_sentence: "I'm learning.".into(),
            };
            records.create(Some(day), d, ts).await.unwrap();
            let l = Letter {
                prompt: String::new(),
                body: "Dear me".into(),
            };
            records.create(Some(day), l, ts).await.unwrap();
        }
        if back % 2 == 0 {
            let n = BreakNote {
                note: "breathed".into(),
            };
            records.create(Some(day), n, ts).await.unwrap();
        }
    }
    // To time a release build against the same data: copy it out, then run
    // `tend serve --data-dir DIR` and send the printed cookie.
    if let Ok(dir) = std::env::var("TEND_PERF_COPY_TO") {
        std::fs::create_dir_all(&dir).unwrap();
        for suffix in ["", "-wal", "-shm"] {
            let from = format!("{}{suffix}", app.db.sqlite_file().display());
            if std::path::Path::new(&from).exists() {
                std::fs::copy(&from, format!("{dir}/tend.db{suffix}")).unwrap();
            }
        }
        eprintln!("copied to {dir}; cookie tend_session={token}; a thought: /critic/{some_id}");
    }
    let client = app.api();
    let cookie = format!("tend_session={token}");
    for path in [
        "/critic".to_owned(),
        format!("/critic/{some_id}"),
        "/kindness".into(),
        "/kindness/break".into(),
        "/kindness/letter".into(),
        "/debrief".into(),
    ] {
        let mut times = Vec::new();
        for _ in 0..7 {
            let start = std::time::Instant::now();
            let res = client
                .get(app.url(&path))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            let _ = res.text().await.unwrap();
            times.push(start.elapsed());
        }
        times.sort();
        // Printed for a reader, not asserted: speed is measured by the
        // benchmarks (docs/benchmarks.md), never by a timed test.
        eprintln!("{path}: median {:?} (debug build, over HTTP)", times[3]);
    }
}
