//! Circles and goals over the JSON API, over real HTTP on SQLite and
//! PostgreSQL: who may see and do what (404 outside a circle, 403 inside
//! it for what a role does not allow), the risk hold and the identifier
//! check as on the pages, moderation, meetings, and the live reply stream
//! resumed with `Last-Event-ID`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{ApiUser, Backend, TestApp, call};

fn is_error(v: &Value, code: &str) -> bool {
    v["error"] == code && v["message"].as_str().is_some_and(|m| !m.is_empty())
}

async fn circles(app: TestApp) {
    let fac = ApiUser::new(&app, "fac_api").await;
    let member = ApiUser::new(&app, "member_api").await;
    let second = ApiUser::new(&app, "second_api").await;
    let moderator = ApiUser::new(&app, "mod_api").await;
    let outsider = ApiUser::new(&app, "outsider_api").await;

    // Only server facilitators start circles.
    let body = json!({"name": "Night shift", "guidelines": "Be kind."});
    let (s, e) = member.post("/api/v1/circles", body.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(is_error(&e, "forbidden"), "{e}");
    app.db
        .store
        .grant_server_role(&fac.account, "facilitator")
        .await
        .unwrap();
    let (s, c) = fac.post("/api/v1/circles", body).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let cid = c["id"].as_str().unwrap().to_owned();
    let at = |p: &str| format!("/api/v1/circles/{cid}{p}");

    // Invites and joining.
    let (s, inv) = fac.post(&at("/invites"), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{inv}");
    let code = inv["code"].as_str().unwrap().to_owned();
    for who in [&member, &second, &moderator] {
        let (s, j) = who
            .post("/api/v1/circles/join", json!({"code": code.to_lowercase()}))
            .await;
        assert_eq!((s, &j["circle_id"]), (StatusCode::OK, &json!(cid)), "{j}");
        assert_eq!(j["joined"], true);
    }
    let (s, j) = member
        .post("/api/v1/circles/join", json!({"code": code}))
        .await;
    assert_eq!((s, j["joined"].clone()), (StatusCode::OK, json!(false)));
    let (s, e) = outsider
        .post("/api/v1/circles/join", json!({"code": "NOPE-NOPE-NO"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["fields"][0]["field"], "code");
    assert!(
        app.db
            .store
            .set_member_role(&cid, &moderator.account, "moderator")
            .await
            .unwrap()
    );

    // My circles; one circle and what I may do there.
    let (_, mine) = member.get("/api/v1/circles").await;
    assert_eq!(mine["circles"][0]["id"], json!(cid));
    assert_eq!(mine["circles"][0]["role"], "member");
    assert_eq!(mine["may_create"], false);
    let (_, one) = member.get(&at("")).await;
    assert_eq!(one["guidelines"], "Be kind.");
    assert_eq!(one["may"]["post"], true);
    assert_eq!(one["may"]["moderate"], false);

    // Outside the circle nothing is there: 404, the same as no circle.
    for (m, p, b) in [
        (Method::GET, at(""), None),
        (Method::GET, at("/threads"), None),
        (Method::GET, at("/meetings"), None),
        (Method::GET, at("/moderation"), None),
        (
            Method::POST,
            at("/threads"),
            Some(json!({"title": "Hi", "body": "Hello"})),
        ),
    ] {
        let (s, e) = outsider.call(m, &p, b).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{p}");
        assert!(is_error(&e, "not_found"), "{e}");
    }

    // A thread, a reply, and paging.
    let (s, t) = member
        .post(
            &at("/threads"),
            json!({"title": "First week of nights", "body": "How do you all sleep?"}),
        )
        .await;
    assert_eq!((s, t["held"].clone()), (StatusCode::CREATED, json!(false)));
    assert!(t.get("help").is_none());
    let tid = t["id"].as_str().unwrap().to_owned();
    let thread = |p: &str| at(&format!("/threads/{tid}{p}"));
    for body in ["Blackout curtains.", "A fan helps."] {
        let (s, r) = second
            .post(&thread("/replies"), json!({ "body": body }))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
    }
    let (_, page) = member.get(&thread("?limit=1")).await;
    assert_eq!(page["thread"]["title"], "First week of nights");
    assert_eq!(page["replies"][0]["body"], "Blackout curtains.");
    let next = page["next_after"].as_i64().unwrap();
    let (_, page) = member.get(&thread(&format!("?after={next}&limit=1"))).await;
    assert_eq!(page["replies"][0]["body"], "A fan helps.");
    assert!(page["next_after"].is_null());
    let (s, e) = member.get(&thread("?limit=500")).await;
    assert_eq!(
        (s, e["error"].clone()),
        (StatusCode::BAD_REQUEST, json!("bad_query"))
    );

    // Words that might identify a patient: nothing shared until the author
    // says so.
    let words = "I messed up Mrs Okafor's meds in bed 12 today.";
    let (s, e) = member
        .post(&thread("/replies"), json!({ "body": words }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(is_error(&e, "might_identify_patient"), "{e}");
    assert!(e["fields"].to_string().contains("Okafor"), "{e}");
    let (_, page) = member.get(&thread("")).await;
    assert_eq!(
        page["replies"].as_array().unwrap().len(),
        2,
        "nothing saved"
    );
    let (s, _) = member
        .post(
            &thread("/replies"),
            json!({ "body": words, "identifiers_ok": true }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);

    // Risk language is held, the answer says so and carries help.
    let (s, held) = member
        .post(
            &thread("/replies"),
            json!({"body": "Honestly I want to kill myself after today."}),
        )
        .await;
    assert_eq!(
        (s, held["held"].clone()),
        (StatusCode::CREATED, json!(true))
    );
    assert!(held["help"].is_object(), "{held}");
    assert!(held["message"].as_str().unwrap().contains("moderator"));
    let held_id = held["id"].as_str().unwrap().to_owned();
    let reply_of = |page: &Value, id: &str| {
        page["replies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap()
    };
    let (_, page) = second.get(&thread("")).await;
    let r = reply_of(&page, &held_id);
    assert_eq!(
        (r["status"].as_str(), r["body"].as_str()),
        (Some("held"), Some(""))
    );
    let (_, page) = member.get(&thread("")).await;
    assert!(
        reply_of(&page, &held_id)["body"]
            .as_str()
            .unwrap()
            .contains("kill myself")
    );

    // Moderation: 403 with the error object for a member; the moderator
    // sees the held reply, urgent, and approves it.
    let approve = json!({"target_kind": "reply", "target_id": held_id, "action": "approve", "reason": "Checked in; they are safe."});
    for (m, b) in [(Method::GET, None), (Method::POST, Some(approve.clone()))] {
        let (s, e) = member.call(m, &at("/moderation"), b).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(is_error(&e, "forbidden"), "{e}");
    }
    let (s, q) = moderator.get(&at("/moderation")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(q["replies"][0]["id"], json!(held_id));
    let (s, _) = moderator.post(&at("/moderation"), approve).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, page) = second.get(&thread("")).await;
    assert_eq!(reply_of(&page, &held_id)["status"], "visible");
    let (_, log) = moderator.get(&at("/moderation/log")).await;
    assert_eq!(log["entries"][0]["action"], "approved / restored");

    // A held thread, and the facilitator may not approve their own.
    let (_, ht) = fac
        .post(
            &at("/threads"),
            json!({"title": "Done", "body": "I don't want to be alive anymore."}),
        )
        .await;
    assert_eq!(ht["held"], true);
    let (s, e) = fac.post(&at("/moderation"), json!({"target_kind": "thread", "target_id": ht["id"], "action": "approve", "reason": "Fine"}))
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(
        e["message"].as_str().unwrap().contains("your own post"),
        "{e}"
    );
    let (_, list) = second.get(&at("/threads")).await;
    assert_eq!(
        list["threads"].as_array().unwrap().len(),
        1,
        "held thread unseen"
    );

    // Reports reach the queue.
    let (s, _) = second
        .post(
            &at("/reports"),
            json!({"target_kind": "thread", "target_id": tid, "reason": "Just checking."}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, q) = moderator.get(&at("/moderation")).await;
    assert_eq!(q["reported"][0]["target_id"], json!(tid));

    // A suspended member may read but not post: 403.
    let (s, _) = moderator.post(&at("/moderation"), json!({"target_kind": "thread", "target_id": tid, "action": "suspend", "days": 2, "reason": "Cooling off"}))
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, e) = member
        .post(&at("/threads"), json!({"title": "Hi", "body": "Hello"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (s, _) = member.get(&thread("")).await;
    assert_eq!(s, StatusCode::OK);

    // Meetings: facilitators schedule and cancel, members read, 403 otherwise.
    let meeting = json!({"title": "Tuesday check-in", "date": "2030-03-19", "time": "19:30", "time_zone": "Europe/London", "repeat": "weekly"});
    let (s, e) = second.post(&at("/meetings"), meeting.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(is_error(&e, "forbidden"));
    let (s, e) = fac.post(&at("/meetings"), json!({"title": "x", "date": "2030-03-19", "time": "7:30", "time_zone": "Europe/London"}))
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["fields"][0]["field"], "time");
    let (s, m) = fac.post(&at("/meetings"), meeting).await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    assert_eq!(m["next"][0], "2030-03-19T19:30:00Z");
    assert_eq!(m["duration_minutes"], 60);
    let (_, list) = second.get(&at("/meetings")).await;
    assert_eq!(list["meetings"][0]["title"], "Tuesday check-in");
    let mid = m["id"].as_str().unwrap();
    let (s, _) = second.delete(&at(&format!("/meetings/{mid}"))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = fac.delete(&at(&format!("/meetings/{mid}"))).await;
    assert_eq!(s, StatusCode::NO_CONTENT);

    // Leaving: the circle is then as closed as to anyone outside it.
    let (s, _) = second.delete(&at("/membership")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = second.get(&at("/threads")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A server admin reads and moderates every circle, but posts only where
    // a member.
    app.db
        .store
        .grant_server_role(&outsider.account, "admin")
        .await
        .unwrap();
    let (s, _) = outsider.get(&at("/moderation")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, e) = outsider
        .post(&at("/threads"), json!({"title": "Hi", "body": "Hello"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(
        e["message"].as_str().unwrap().contains("Only members"),
        "{e}"
    );
}

/// The live stream under the API: bearer auth, one event per new visible
/// reply, resumed after `Last-Event-ID`.
async fn live(app: TestApp) {
    let fac = ApiUser::new(&app, "fac_live").await;
    app.db
        .store
        .grant_server_role(&fac.account, "facilitator")
        .await
        .unwrap();
    let (_, c) = fac.post("/api/v1/circles", json!({"name": "Live"})).await;
    let cid = c["id"].as_str().unwrap().to_owned();
    let (_, t) = fac
        .post(
            &format!("/api/v1/circles/{cid}/threads"),
            json!({"title": "Hello", "body": "Anyone here?"}),
        )
        .await;
    let tid = t["id"].as_str().unwrap().to_owned();
    let replies = format!("/api/v1/circles/{cid}/threads/{tid}/replies");
    let (_, first) = fac.post(&replies, json!({"body": "one"})).await;
    let seen = first["seq"].as_i64().unwrap();

    let (s, e) = call(
        &app,
        "Bearer nope",
        Method::GET,
        &format!("/api/v1/circles/{cid}/threads/{tid}/events"),
        None,
    )
    .await;
    assert_eq!(
        (s, e["error"].clone()),
        (StatusCode::UNAUTHORIZED, json!("unauthorized"))
    );

    let mut res = app
        .api()
        .get(app.url(&format!("/api/v1/circles/{cid}/threads/{tid}/events")))
        .header("authorization", &fac.auth)
        .header("last-event-id", seen.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let (s, _) = fac.post(&replies, json!({"body": "two"})).await;
    assert_eq!(s, StatusCode::CREATED);
    // Read until the reply arrives; a stuck stream fails the test after a
    // generous bound instead of hanging the suite.
    let got = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        let mut text = String::new();
        while let Some(chunk) = res.chunk().await.unwrap() {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if text.contains("\"two\"") {
                break;
            }
        }
        text
    })
    .await
    .expect("the new reply arrives on the stream");
    assert!(got.contains("event: reply"), "{got}");
    assert!(
        !got.contains("\"one\""),
        "resumed after Last-Event-ID: {got}"
    );
    assert!(got.contains(&format!("id: {}", seen + 1)), "{got}");
}

/// Goals: the page's rules (a week holds at most 168 hours of goals),
/// versions guard changes, and the state is a plain choice.
async fn goals(app: TestApp) {
    let me = ApiUser::new(&app, "goal_api").await;
    let (s, g) = me.post("/api/v1/goals", json!({"week": "2026-W11", "title": "Cardiology notes", "hours": 100, "good_enough": "One pass"}))
    .await;
    assert_eq!(s, StatusCode::CREATED, "{g}");
    assert_eq!(
        (g["week"].as_str(), g["state"].as_str()),
        (Some("2026-W11"), Some("not_yet"))
    );
    let id = g["id"].as_str().unwrap().to_owned();
    let (s, e) = me
        .post(
            "/api/v1/goals",
            json!({"week": "2026-W11", "title": "More", "hours": 70, "good_enough": "Some"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["fields"][0]["field"], "hours");
    let (s, e) = me
        .post(
            "/api/v1/goals",
            json!({"title": "x".repeat(200) + " ", "hours": 1, "good_enough": "Some"}),
        )
        .await;
    assert_eq!(
        (s, e["fields"][0]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("title"))
    );
    let (s, _) = me.get("/api/v1/goals?week=2025-W53").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, u) = me.put(&format!("/api/v1/goals/{id}"), json!({"title": "Cardiology", "hours": 2.3, "good_enough": "Half", "version": g["version"]}))
    .await;
    assert_eq!(s, StatusCode::OK, "{u}");
    assert_eq!(
        u["hours"], 2.25,
        "rounded to the quarter hour, as on the page"
    );
    let (s, e) = me
        .put(
            &format!("/api/v1/goals/{id}"),
            json!({"title": "Again", "hours": 2, "good_enough": "Half", "version": g["version"]}),
        )
        .await;
    assert_eq!(
        (s, e["error"].clone()),
        (StatusCode::CONFLICT, json!("stale"))
    );
    let (s, st) = me
        .put(
            &format!("/api/v1/goals/{id}/state"),
            json!({"state": "good_enough"}),
        )
        .await;
    assert_eq!(
        (s, st["state"].clone()),
        (StatusCode::OK, json!("good_enough"))
    );

    let (s, _) = me.get("/api/v1/goals/commitments").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, e) = me.put("/api/v1/goals/commitments", json!({"sleep_per_night": 20, "meals_per_day": 3, "rotations_per_week": 0, "call_per_week": 0, "commute_per_day": 2}))
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "over 168 a week: {e}");
    let (s, _) = me.put("/api/v1/goals/commitments", json!({"sleep_per_night": 7.5, "meals_per_day": 1.5, "rotations_per_week": 50, "call_per_week": 0, "commute_per_day": 1}))
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, week) = me.get("/api/v1/goals?week=2026-W11").await;
    assert_eq!(week["goals"][0]["title"], "Cardiology");
    assert_eq!(week["fit"]["committed"], 120.0);
    assert_eq!(week["fit"]["planned"], 2.25);

    let (s, _) = me.delete(&format!("/api/v1/goals/{id}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = me.get(&format!("/api/v1/goals/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn circles_over_the_api_on_sqlite() {
    circles(TestApp::spawn(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test]
async fn circles_over_the_api_on_postgres() {
    if let Some(app) = TestApp::spawn(Backend::Postgres).await {
        circles(app).await;
    }
}

#[tokio::test]
async fn live_replies_over_the_api_on_sqlite() {
    live(TestApp::spawn(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test]
async fn live_replies_over_the_api_on_postgres() {
    if let Some(app) = TestApp::spawn(Backend::Postgres).await {
        live(app).await;
    }
}

#[tokio::test]
async fn goals_over_the_api_on_sqlite() {
    goals(TestApp::spawn(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test]
async fn goals_over_the_api_on_postgres() {
    if let Some(app) = TestApp::spawn(Backend::Postgres).await {
        goals(app).await;
    }
}
