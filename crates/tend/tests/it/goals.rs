//! Goals, self-care, support and the weekly review over real HTTP.

use jiff::civil::Date;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, HeaderMap, HeaderValue};
use tend::domain::checkin::{Checkin, Meals};
use tend::service::{Services, Unlocked};

use crate::helpers::{Backend, FAST_KDF, TestApp, csrf_of, get, on_both_backends};

on_both_backends!(
    the_week_adds_up_and_a_plan_that_does_not_fit_gets_a_gentle_suggestion,
    bad_goal_input_is_explained_and_nothing_is_saved,
    another_persons_goals_and_people_are_not_found,
    the_support_list_adds_edits_and_removes_people,
    self_care_shows_trends_sleep_debt_and_honest_comparisons,
    the_weekly_review_gathers_the_week_and_keeps_a_reflection
);

const PASS: &str = "kettle maple orbit";

/// A signed-in browser for a new person (time zone UTC), and that person
/// unlocked, to seed records the way the pages would save them.
async fn person(app: &TestApp, handle: &str) -> (reqwest::Client, Unlocked) {
    let (token, _) = app.api_account(handle, PASS).await;
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
    let who = services(app)
        .accounts()
        .authenticate(&token, now())
        .await
        .unwrap()
        .unwrap();
    (b, who)
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

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn today() -> Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

async fn post(
    b: &reqwest::Client,
    url: String,
    form: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let res = b.post(url).form(form).send().await.unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, res.text().await.unwrap())
}

/// The ids in links like `/goals/{id}/edit` on a page, in order.
fn ids(html: &str, prefix: &str, suffix: &str) -> Vec<String> {
    html.match_indices(prefix)
        .filter_map(|(i, _)| {
            let rest = &html[i + prefix.len()..];
            let end = rest.find(suffix)?;
            let id = &rest[..end];
            (id.len() == 36 && !id.contains('"')).then(|| id.to_owned())
        })
        .collect()
}

/// The id in the first link like `/goals/{id}/edit` after `marker` on a page.
fn id_after(html: &str, marker: &str, prefix: &str, suffix: &str) -> String {
    let at = html.find(marker).expect("marker on the page");
    ids(&html[at..], prefix, suffix).remove(0)
}

fn week_of(d: Date) -> String {
    let w = d.iso_week_date();
    format!("{:04}-W{:02}", w.year(), w.week())
}

async fn the_week_adds_up_and_a_plan_that_does_not_fit_gets_a_gentle_suggestion(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (b, _) = person(&app, "planner").await;
    let (status, html) = get(&b, app.url("/goals")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("the hours that are already spoken for"));
    let csrf = csrf_of(&html);
    let week = week_of(today());

    // Fixed hours: 7 × (7 + 1 + 1) + 60 + 12 = 135, leaving 33.
    let (status, location, _) = post(
        &b,
        app.url("/goals/commitments"),
        &[
            ("csrf", &csrf),
            ("week", &week),
            ("sleep_per_night", "7"),
            ("meals_per_day", "1"),
            ("rotations_per_week", "60"),
            ("call_per_week", "12"),
            ("commute_per_day", "1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.contains("saved=commitments"));

    for (title, hours, good) in [
        ("Anki cards", "20", "200 cards"),
        ("Research draft", "10", "one section"),
        ("Gym", "4,5", "two short sessions"),
    ] {
        let (status, _, _) = post(
            &b,
            app.url("/goals"),
            &[
                ("csrf", &csrf),
                ("week", &week),
                ("title", title),
                ("hours", hours),
                ("good_enough", good),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{title}");
    }
    let (_, html) = get(&b, app.url("/goals")).await;
    assert!(
        html.contains("<dt>Fixed commitments</dt><dd>135</dd>"),
        "{html}"
    );
    assert!(html.contains("<dt>Room for goals</dt><dd>33</dd>"));
    assert!(html.contains("<dt>Goals planned</dt><dd>34.5</dd>"));
    assert!(html.contains("This plan asks for 1.5 more hours than the week has room for."));
    // The biggest open goal gives first, by exactly what is needed.
    assert!(html.contains("Shrink “Anki cards” from 20 to 18.5 hours."));
    assert!(html.contains("How tend chooses what to shrink"));
    assert!(html.contains("When a goal reaches good enough, tick it"));

    // Ticking Anki at "good enough" counts as done, and done goals are not asked to shrink.
    assert_eq!(ids(&html, "/goals/", "/edit").len(), 3);
    let goal_ids: Vec<String> = ["Anki cards", "Research draft", "Gym"]
        .iter()
        .map(|t| id_after(&html, &format!("<h3>{t}</h3>"), "/goals/", "/edit"))
        .collect();
    let (status, location, _) = post(
        &b,
        app.url(&format!("/goals/{}/state", goal_ids[0])),
        &[("csrf", &csrf), ("state", "good_enough")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.contains("saved=state"));
    let (_, html) = get(&b, app.url("/goals")).await;
    assert!(html.contains("1 of 3 done."));
    assert!(html.contains("Done: good enough."));
    assert!(html.contains("Shrink “Research draft” from 10 to 8.5 hours."));

    // Editing the research goal down makes the plan fit.
    let (_, edit) = get(&b, app.url(&format!("/goals/{}/edit", goal_ids[1]))).await;
    assert!(edit.contains("value=\"one section\""));
    let (status, _, _) = post(
        &b,
        app.url(&format!("/goals/{}/edit", goal_ids[1])),
        &[
            ("csrf", &csrf),
            ("version", "1"),
            ("title", "Research draft"),
            ("hours", "8"),
            ("good_enough", "one section"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = get(&b, app.url("/goals")).await;
    assert!(html.contains("Your plan fits."), "{html}");
    assert!(html.contains("0.5 hours are left unplanned"));

    // Removing a goal.
    let (status, _, _) = post(
        &b,
        app.url(&format!("/goals/{}/delete", goal_ids[2])),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = get(&b, app.url("/goals")).await;
    assert!(!html.contains("two short sessions") && html.contains("1 of 2 done."));

    // Other weeks are reachable; nonsense weeks are not.
    let (status, html) = get(&b, app.url("/goals?week=2020-W10")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No goals for this week yet"));
    assert_eq!(
        get(&b, app.url("/goals?week=2020-W99")).await.0,
        StatusCode::NOT_FOUND
    );
}

async fn bad_goal_input_is_explained_and_nothing_is_saved(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (b, who) = person(&app, "careful").await;
    let (_, html) = get(&b, app.url("/goals")).await;
    let csrf = csrf_of(&html);
    let week = week_of(today());
    for (hours, words) in [
        ("-2", "can't be negative"),
        ("lots", "needs to be a number of hours"),
        ("200", "more than a whole week has (168 hours)"),
        ("", "please enter a number of hours"),
    ] {
        let (status, _, html) = post(
            &b,
            app.url("/goals"),
            &[
                ("csrf", &csrf),
                ("week", &week),
                ("title", "KEEPME goal"),
                ("hours", hours),
                ("good_enough", "some"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{hours}");
        assert!(html.contains(words), "{hours}: {html}");
        assert!(html.contains("value=\"KEEPME goal\""), "input kept");
    }
    // Empty fields are all reported at once.
    let (status, _, html) = post(
        &b,
        app.url("/goals"),
        &[
            ("csrf", &csrf),
            ("week", &week),
            ("title", " "),
            ("hours", "1"),
            ("good_enough", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("The goal can't be empty.")
            && html.contains("The good-enough level can't be empty.")
    );
    // Goals that each fit but together need more than a week.
    let (status, _, _) = post(
        &b,
        app.url("/goals"),
        &[
            ("csrf", &csrf),
            ("week", &week),
            ("title", "Big"),
            ("hours", "100"),
            ("good_enough", "half"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, html) = post(
        &b,
        app.url("/goals"),
        &[
            ("csrf", &csrf),
            ("week", &week),
            ("title", "Bigger"),
            ("hours", "80"),
            ("good_enough", "half"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("would need 180 hours, more than the 168 a whole week has"));
    let records = services(&app);
    let goals = records
        .records(&who)
        .list::<tend::domain::goals::Goal>(&Default::default())
        .await
        .unwrap();
    assert_eq!(goals.len(), 1, "only the valid goal was saved");

    // Fixed hours: each field checked, then the sum; nothing saved on error.
    let (status, _, html) = post(
        &b,
        app.url("/goals/commitments"),
        &[
            ("csrf", &csrf),
            ("week", &week),
            ("sleep_per_night", "25"),
            ("meals_per_day", "x"),
            ("rotations_per_week", "-1"),
            ("call_per_week", "0"),
            ("commute_per_day", "1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Please check 3 things"));
    assert!(html.contains("value=\"25\""));
    let (status, _, html) = post(
        &b,
        app.url("/goals/commitments"),
        &[
            ("csrf", &csrf),
            ("week", &week),
            ("sleep_per_night", "9"),
            ("meals_per_day", "2"),
            ("rotations_per_week", "80"),
            ("call_per_week", "20"),
            ("commute_per_day", "2"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Together these come to 191 hours a week"));
    let (_, html) = get(&b, app.url("/goals")).await;
    assert!(
        html.contains("the hours that are already spoken for"),
        "still not set"
    );

    // A state that isn't one of the three changes nothing.
    let id = ids(&html, "/goals/", "/edit").remove(0);
    let (status, _, _) = post(
        &b,
        app.url(&format!("/goals/{id}/state")),
        &[("csrf", &csrf), ("state", "done!")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn another_persons_goals_and_people_are_not_found(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (owner, _) = person(&app, "owner").await;
    let (other, _) = person(&app, "other").await;
    let (_, html) = get(&owner, app.url("/goals")).await;
    let csrf = csrf_of(&html);
    let week = week_of(today());
    post(
        &owner,
        app.url("/goals"),
        &[
            ("csrf", &csrf),
            ("week", &week),
            ("title", "Mine"),
            ("hours", "2"),
            ("good_enough", "1"),
        ],
    )
    .await;
    post(
        &owner,
        app.url("/support"),
        &[
            ("csrf", &csrf),
            ("name", "Ana"),
            ("reach", "text"),
            ("note", ""),
        ],
    )
    .await;
    let (_, goals) = get(&owner, app.url("/goals")).await;
    let goal = ids(&goals, "/goals/", "/edit").remove(0);
    let (_, support) = get(&owner, app.url("/support")).await;
    let friend = ids(&support, "/support/people/", "/edit").remove(0);

    let (_, theirs) = get(&other, app.url("/goals")).await;
    let csrf2 = csrf_of(&theirs);
    for url in [
        format!("/goals/{goal}/edit"),
        format!("/support/people/{friend}/edit"),
        format!("/support/people/{friend}/delete"),
        "/goals/not-an-id/edit".to_owned(),
    ] {
        assert_eq!(
            get(&other, app.url(&url)).await.0,
            StatusCode::NOT_FOUND,
            "{url}"
        );
    }
    for (url, form) in [
        (
            format!("/goals/{goal}/state"),
            vec![("csrf", csrf2.as_str()), ("state", "fully")],
        ),
        (
            format!("/goals/{goal}/edit"),
            vec![
                ("csrf", csrf2.as_str()),
                ("version", "1"),
                ("title", "x"),
                ("hours", "1"),
                ("good_enough", "y"),
            ],
        ),
        (
            format!("/goals/{goal}/delete"),
            vec![("csrf", csrf2.as_str())],
        ),
        (
            format!("/support/people/{friend}/edit"),
            vec![("csrf", csrf2.as_str()), ("version", "1"), ("name", "x")],
        ),
        (
            format!("/support/people/{friend}/delete"),
            vec![("csrf", csrf2.as_str())],
        ),
    ] {
        assert_eq!(
            post(&other, app.url(&url), &form).await.0,
            StatusCode::NOT_FOUND,
            "{url}"
        );
    }
    // Untouched for the owner.
    let (_, goals) = get(&owner, app.url("/goals")).await;
    assert!(goals.contains("Mine") && goals.contains("When a goal reaches good enough"));
    assert!(get(&owner, app.url("/support")).await.1.contains("Ana"));
}

async fn the_support_list_adds_edits_and_removes_people(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (b, _) = person(&app, "connected").await;
    let (status, html) = get(&b, app.url("/support")).await;
    assert_eq!(status, StatusCode::OK);
    // This person signed up in UTC, so no country: the lines for anywhere.
    // (Until help lines had countries this asserted the US's 988.)
    assert!(
        html.contains("href=\"https://findahelpline.com\"") && html.contains("href=\"tel:112\""),
        "help lines from configuration"
    );
    assert!(
        !html.contains("tel:988"),
        "no US line for someone who is not in the US"
    );
    assert!(html.contains("Peer circles") && html.contains("href=\"/circles\""));
    let csrf = csrf_of(&html);

    let (status, _, html) = post(
        &b,
        app.url("/support"),
        &[
            ("csrf", &csrf),
            ("name", ""),
            ("reach", "KEPT-REACH"),
            ("note", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("The name can't be empty.") && html.contains("KEPT-REACH"));
    let long = "x".repeat(501);
    let (status, _, _) = post(
        &b,
        app.url("/support"),
        &[("csrf", &csrf), ("name", "Sam"), ("note", &long)],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        !get(&b, app.url("/support")).await.1.contains("Sam"),
        "nothing saved"
    );

    let (status, location, _) = post(
        &b,
        app.url("/support"),
        &[
            ("csrf", &csrf),
            ("name", "Dr Okafor"),
            ("reach", "office hours Tue"),
            ("note", "kind about exams"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with("/support?saved=added"));
    let (_, html) = get(&b, app.url("/support")).await;
    assert!(
        html.contains("Dr Okafor")
            && html.contains("office hours Tue")
            && html.contains("kind about exams")
    );
    let id = ids(&html, "/support/people/", "/edit").remove(0);

    let (status, _, html) = post(
        &b,
        app.url(&format!("/support/people/{id}/edit")),
        &[("csrf", &csrf), ("version", "1"), ("name", " ")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("The name can't be empty."));
    let (status, _, _) = post(
        &b,
        app.url(&format!("/support/people/{id}/edit")),
        &[
            ("csrf", &csrf),
            ("version", "1"),
            ("name", "Dr Okafor"),
            ("reach", "email via school"),
            ("note", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // A second save from an old page is refused, not silently lost.
    let (status, _, html) = post(
        &b,
        app.url(&format!("/support/people/{id}/edit")),
        &[
            ("csrf", &csrf),
            ("version", "1"),
            ("name", "Old tab"),
            ("reach", ""),
            ("note", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("changed in another tab"));
    let (_, html) = get(&b, app.url("/support")).await;
    assert!(html.contains("email via school") && !html.contains("office hours Tue"));

    let (status, confirm) = get(&b, app.url(&format!("/support/people/{id}/delete"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(confirm.contains("Remove Dr Okafor from your list?"));
    let (status, _, _) = post(
        &b,
        app.url(&format!("/support/people/{id}/delete")),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(!get(&b, app.url("/support")).await.1.contains("Dr Okafor"));
    let (status, _, _) = post(
        &b,
        app.url(&format!("/support/people/{id}/delete")),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

fn checkin(mood: u8, sleep: f32, movement: u16, meals: Meals) -> Checkin {
    Checkin {
        mood,
        energy: 3,
        sleep_hours: sleep,
        movement_minutes: movement,
        meals,
        joy: String::new(),
        note: String::new(),
    }
}

async fn self_care_shows_trends_sleep_debt_and_honest_comparisons(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (b, who) = person(&app, "rested").await;
    let (_, html) = get(&b, app.url("/selfcare")).await;
    assert!(html.contains("Your trends will take shape here"));
    assert!(html.contains("Too few days to tell yet: 0 days with movement and 0 without."));
    assert!(!html.to_lowercase().contains("missed"));

    // Twenty check-ins over the last thirty days: moving days feel better here.
    let svc = services(&app);
    let records = svc.records(&who);
    let today = today();
    for back in 0..20i64 {
        let day = today.saturating_sub(jiff::Span::new().days(back));
        let moved = back % 2 == 0;
        let c = checkin(
            if moved {
                4 + (back % 4 == 0) as u8
            } else {
                2 + (back % 3 == 0) as u8
            },
            if back < 7 && back % 3 == 0 { 5.5 } else { 8.0 },
            if moved { 30 } else { 0 },
            if back == 1 {
                Meals::Skipped
            } else {
                Meals::Eaten
            },
        );
        records
            .put_slot(&day.to_string(), Some(day), c, now())
            .await
            .unwrap();
    }
    // One older than thirty days is left out of every view.
    let old = today.saturating_sub(jiff::Span::new().days(40));
    records
        .put_slot(
            &old.to_string(),
            Some(old),
            checkin(1, 1.0, 0, Meals::Skipped),
            now(),
        )
        .await
        .unwrap();

    let (status, html) = get(&b, app.url("/selfcare")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("You checked in on 7 days in the last 7 days."));
    // Short nights in the last week: days 0, 3 and 6 at 5.5 h under a 7.5 h need.
    assert!(html.contains("<strong>6 hours</strong> of sleep debt over the last 7 days, from 3 short nights of the 7 you recorded."), "{html}");
    assert!(html.contains("<title id=\"chart-sleep-title\">Hours slept, last 7 days</title>"));
    assert!(html.contains("role=\"img\""));
    assert!(html.contains("<caption>Your check-ins, last 7 days</caption>"));
    assert!(!html.contains("style="), "no inline styles (CSP)");
    // Ten days each side: the comparison is made and states its numbers.
    assert!(html.contains("on the 10 days with movement"), "{html}");
    assert!(html.contains("on the 10 days without"));
    assert!(html.contains("is bigger than the uncertainty of so few days"));
    assert!(html.contains("it can't show that one caused the other"));
    // Meals: one skipped day is too few to compare.
    assert!(html.contains(
        "Too few days to tell yet: 19 days with regular meals and 1 with skipped meals."
    ));

    let (_, html) = get(&b, app.url("/selfcare?days=30")).await;
    assert!(html.contains("You checked in on 20 days in the last 30 days."));
    assert!(html.contains("Hours slept, last 30 days"));

    // A personal sleep need changes the tally; nonsense is refused.
    let csrf = csrf_of(&html);
    let (status, _, html) = post(
        &b,
        app.url("/selfcare/settings"),
        &[("csrf", &csrf), ("days", "7"), ("sleep_need", "20")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("from 4 to 12") && html.contains("value=\"20\""));
    let (status, location, _) = post(
        &b,
        app.url("/selfcare/settings"),
        &[("csrf", &csrf), ("days", "7"), ("sleep_need", "8,5")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = get(&b, app.url(&location)).await;
    assert!(html.contains("Your sleep need is saved."));
    // 3 × 3 h + 4 nights at 8 h × 0.5 h = 11 h from all 7 nights.
    assert!(
        html.contains(
            "<strong>11 hours</strong> of sleep debt over the last 7 days, from 7 short nights"
        ),
        "{html}"
    );
}

async fn the_weekly_review_gathers_the_week_and_keeps_a_reflection(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (b, who) = person(&app, "reflective").await;
    let today = today();
    let week = week_of(today);
    let records = services(&app);
    let mut c = checkin(4, 7.0, 25, Meals::Eaten);
    c.joy = "JOY-sunrise".into();
    records
        .records(&who)
        .put_slot(&today.to_string(), Some(today), c, now())
        .await
        .unwrap();

    let (status, html) = get(&b, app.url("/review")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("This week's review"));
    assert!(html.contains("<dt>Days you checked in</dt><dd>1</dd>"));
    assert!(html.contains("JOY-sunrise"));
    assert!(html.contains("No goals were set for this week."));
    let csrf = csrf_of(&html);

    post(
        &b,
        app.url("/goals"),
        &[
            ("csrf", &csrf),
            ("week", &week),
            ("title", "Anki"),
            ("hours", "3"),
            ("good_enough", "100 cards"),
        ],
    )
    .await;
    let (_, goals) = get(&b, app.url("/goals")).await;
    let id = ids(&goals, "/goals/", "/edit").remove(0);
    post(
        &b,
        app.url(&format!("/goals/{id}/state")),
        &[("csrf", &csrf), ("state", "good_enough")],
    )
    .await;

    let (status, _, html) = post(
        &b,
        app.url(&format!("/review/{week}")),
        &[("csrf", &csrf), ("prompt", "p"), ("text", "  ")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("The reflection can't be empty."));
    let (status, location, _) = post(
        &b,
        app.url(&format!("/review/{week}")),
        &[
            ("csrf", &csrf),
            ("prompt", "What helped?"),
            ("text", "REFLECT-1 It was a lot, and I slept."),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = get(&b, app.url(&location)).await;
    assert!(html.contains("Reflection saved."));
    assert!(html.contains("REFLECT-1 It was a lot, and I slept."));
    assert!(html.contains("1 of 1 goals done"));
    assert!(html.contains("Update reflection"));
    // Editing replaces it.
    post(
        &b,
        app.url(&format!("/review/{week}")),
        &[
            ("csrf", &csrf),
            ("prompt", "What helped?"),
            ("text", "REFLECT-2 Better."),
        ],
    )
    .await;
    let (_, html) = get(&b, app.url("/review")).await;
    assert!(html.contains("REFLECT-2 Better.") && !html.contains("REFLECT-1"));

    // A past week is its own page; a week to come and nonsense are not found.
    let last = today.saturating_sub(jiff::Span::new().days(7));
    let (status, html) = get(&b, app.url(&format!("/review/{}", week_of(last)))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No check-ins this week.") && !html.contains("REFLECT-2"));
    let next = today.saturating_add(jiff::Span::new().days(7));
    assert_eq!(
        get(&b, app.url(&format!("/review/{}", week_of(next))))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&b, app.url("/review/last-week")).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, _, _) = post(
        &b,
        app.url(&format!("/review/{}", week_of(next))),
        &[("csrf", &csrf), ("text", "too early")],
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "no reflection for a week to come"
    );

    // Reflections are sealed: not in the database file in the clear.
    let bytes = std::fs::read(app.db.sqlite_file()).unwrap_or_default();
    let wal = std::fs::read(format!("{}-wal", app.db.sqlite_file().display())).unwrap_or_default();
    for marker in ["REFLECT-2", "JOY-sunrise", "100 cards"] {
        for file in [&bytes, &wal] {
            assert!(
                !file.windows(marker.len()).any(|w| w == marker.as_bytes()),
                "{marker}"
            );
        }
    }
}

#[tokio::test]
async fn pages_need_sign_in() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = app.browser();
    for url in [
        "/goals",
        "/goals/commitments",
        "/selfcare",
        "/support",
        "/review",
    ] {
        let res = b.get(app.url(url)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{url}");
        let to = res.headers()["location"].to_str().unwrap().to_owned();
        assert!(to.starts_with("/signin?next=%2F"), "{url} -> {to}");
    }
}

/// A person with a year of data: every page still answers with its content.
/// Prints the timings (debug build, over real HTTP, median of 5) for a reader;
/// speed itself is measured by the benchmarks (docs/benchmarks.md), never by a
/// timed assertion on a shared machine.
#[tokio::test]
async fn pages_answer_with_a_year_of_data() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let (b, who) = person(&app, "busy_year").await;
    let svc = services(&app);
    let records = svc.records(&who);
    let today = today();
    for back in 0..365i64 {
        let day = today.saturating_sub(jiff::Span::new().days(back));
        let c = checkin(3, 7.0, (back % 40) as u16, Meals::Eaten);
        records
            .put_slot(&day.to_string(), Some(day), c, now())
            .await
            .unwrap();
        if back % 7 == 0 {
            let monday = tend::domain::goals::IsoWeek::of(day).monday();
            for g in 0..4 {
                let goal = tend::domain::goals::Goal {
                    title: format!("goal {g}"),
                    hours: 3.0,
                    good_enough: "some".into(),
                    state: tend::domain::goals::GoalState::GoodEnough,
                };
                records.create(Some(monday), goal, now()).await.unwrap();
            }
            let r = tend::domain::review::Reflection {
                prompt: String::new(),
                text: "a week".into(),
            };
            records
                .put_slot(&week_of(day), Some(monday), r, now())
                .await
                .unwrap();
        }
    }
    for i in 0..30 {
        let p = tend::domain::support::SupportPerson {
            name: format!("friend {i}"),
            reach: "text".into(),
            note: String::new(),
        };
        records.create(None, p, now()).await.unwrap();
    }
    let old_week = week_of(today.saturating_sub(jiff::Span::new().days(200)));
    for url in [
        "/goals".to_owned(),
        "/selfcare?days=30".to_owned(),
        "/support".to_owned(),
        "/review".to_owned(),
        format!("/review/{old_week}"),
    ] {
        let mut times = Vec::new();
        for _ in 0..5 {
            let start = std::time::Instant::now();
            let (status, _) = get(&b, app.url(&url)).await;
            times.push(start.elapsed());
            assert_eq!(status, StatusCode::OK, "{url}");
        }
        times.sort();
        eprintln!("{url}: median {:?}", times[2]);
    }
}
