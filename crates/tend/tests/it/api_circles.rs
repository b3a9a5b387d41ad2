//! Circles and goals over the JSON API, over real HTTP on SQLite and
//! PostgreSQL: who may see and do what (404 outside a circle, 403 inside
//! it for what a role does not allow), the risk hold and the identifier
//! check as on the pages, moderation, meetings, and the live reply stream
//! resumed with `Last-Event-ID`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api_features::call;
use crate::helpers::{Backend, TestApp};

/// A signed-up account: its bearer header and its account id.
async fn person(app: &TestApp, handle: &str) -> (String, String) {
    let (token, _) = app.api_account(handle, "kettle maple orbit").await;
    let account = app
        .db
        .store
        .account_by_handle(handle)
        .await
        .unwrap()
        .unwrap()
        .id;
    (format!("Bearer {token}"), account)
}

fn is_error(v: &Value, code: &str) -> bool {
    v["error"] == code && v["message"].as_str().is_some_and(|m| !m.is_empty())
}

async fn circles(app: TestApp) {
    let (fac, fac_id) = person(&app, "fac_api").await;
    let (member, _) = person(&app, "member_api").await;
    let (second, _) = person(&app, "second_api").await;
    let (moderator, mod_id) = person(&app, "mod_api").await;
    let (outsider, outsider_id) = person(&app, "outsider_api").await;

    // Only server facilitators start circles.
    let body = json!({"name": "Night shift", "guidelines": "Be kind."});
    let (s, e) = call(
        &app,
        &member,
        Method::POST,
        "/api/v1/circles",
        Some(body.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(is_error(&e, "forbidden"), "{e}");
    app.db
        .store
        .grant_server_role(&fac_id, "facilitator")
        .await
        .unwrap();
    let (s, c) = call(&app, &fac, Method::POST, "/api/v1/circles", Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let cid = c["id"].as_str().unwrap().to_owned();
    let at = |p: &str| format!("/api/v1/circles/{cid}{p}");

    // Invites and joining.
    let (s, inv) = call(&app, &fac, Method::POST, &at("/invites"), Some(json!({}))).await;
    assert_eq!(s, StatusCode::CREATED, "{inv}");
    let code = inv["code"].as_str().unwrap().to_owned();
    for who in [&member, &second, &moderator] {
        let (s, j) = call(
            &app,
            who,
            Method::POST,
            "/api/v1/circles/join",
            Some(json!({"code": code.to_lowercase()})),
        )
        .await;
        assert_eq!((s, &j["circle_id"]), (StatusCode::OK, &json!(cid)), "{j}");
        assert_eq!(j["joined"], true);
    }
    let (s, j) = call(
        &app,
        &member,
        Method::POST,
        "/api/v1/circles/join",
        Some(json!({"code": code})),
    )
    .await;
    assert_eq!((s, j["joined"].clone()), (StatusCode::OK, json!(false)));
    let (s, e) = call(
        &app,
        &outsider,
        Method::POST,
        "/api/v1/circles/join",
        Some(json!({"code": "NOPE-NOPE-NO"})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["fields"][0]["field"], "code");
    assert!(
        app.db
            .store
            .set_member_role(&cid, &mod_id, "moderator")
            .await
            .unwrap()
    );

    // My circles; one circle and what I may do there.
    let (_, mine) = call(&app, &member, Method::GET, "/api/v1/circles", None).await;
    assert_eq!(mine["circles"][0]["id"], json!(cid));
    assert_eq!(mine["circles"][0]["role"], "member");
    assert_eq!(mine["may_create"], false);
    let (_, one) = call(&app, &member, Method::GET, &at(""), None).await;
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
        let (s, e) = call(&app, &outsider, m, &p, b).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{p}");
        assert!(is_error(&e, "not_found"), "{e}");
    }

    // A thread, a reply, and paging.
    let (s, t) = call(
        &app,
        &member,
        Method::POST,
        &at("/threads"),
        Some(json!({"title": "First week of nights", "body": "How do you all sleep?"})),
    )
    .await;
    assert_eq!((s, t["held"].clone()), (StatusCode::CREATED, json!(false)));
    assert!(t.get("help").is_none());
    let tid = t["id"].as_str().unwrap().to_owned();
    let thread = |p: &str| at(&format!("/threads/{tid}{p}"));
    for body in ["Blackout curtains.", "A fan helps."] {
        let (s, r) = call(
            &app,
            &second,
            Method::POST,
            &thread("/replies"),
            Some(json!({ "body": body })),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
    }
    let (_, page) = call(&app, &member, Method::GET, &thread("?limit=1"), None).await;
    assert_eq!(page["thread"]["title"], "First week of nights");
    assert_eq!(page["replies"][0]["body"], "Blackout curtains.");
    let next = page["next_after"].as_i64().unwrap();
    let (_, page) = call(
        &app,
        &member,
        Method::GET,
        &thread(&format!("?after={next}&limit=1")),
        None,
    )
    .await;
    assert_eq!(page["replies"][0]["body"], "A fan helps.");
    assert!(page["next_after"].is_null());
    let (s, e) = call(&app, &member, Method::GET, &thread("?limit=500"), None).await;
    assert_eq!(
        (s, e["error"].clone()),
        (StatusCode::BAD_REQUEST, json!("bad_query"))
    );

    // Words that might identify a patient: nothing shared until the author
    // says so.
    let words = "I messed up Mrs Okafor's meds in bed 12 today.";
    let (s, e) = call(
        &app,
        &member,
        Method::POST,
        &thread("/replies"),
        Some(json!({ "body": words })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(is_error(&e, "might_identify_patient"), "{e}");
    assert!(e["fields"].to_string().contains("Okafor"), "{e}");
    let (_, page) = call(&app, &member, Method::GET, &thread(""), None).await;
    assert_eq!(
        page["replies"].as_array().unwrap().len(),
        2,
        "nothing saved"
    );
    let (s, _) = call(
        &app,
        &member,
        Method::POST,
        &thread("/replies"),
        Some(json!({ "body": words, "identifiers_ok": true })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);

    // Risk language is held, the answer says so and carries help.
    let (s, held) = call(
        &app,
        &member,
        Method::POST,
        &thread("/replies"),
        Some(json!({"body": "Honestly I want to kill myself after today."})),
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
    let (_, page) = call(&app, &second, Method::GET, &thread(""), None).await;
    let r = reply_of(&page, &held_id);
    assert_eq!(
        (r["status"].as_str(), r["body"].as_str()),
        (Some("held"), Some(""))
    );
    let (_, page) = call(&app, &member, Method::GET, &thread(""), None).await;
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
        let (s, e) = call(&app, &member, m, &at("/moderation"), b).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(is_error(&e, "forbidden"), "{e}");
    }
    let (s, q) = call(&app, &moderator, Method::GET, &at("/moderation"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(q["replies"][0]["id"], json!(held_id));
    let (s, _) = call(
        &app,
        &moderator,
        Method::POST,
        &at("/moderation"),
        Some(approve),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, page) = call(&app, &second, Method::GET, &thread(""), None).await;
    assert_eq!(reply_of(&page, &held_id)["status"], "visible");
    let (_, log) = call(&app, &moderator, Method::GET, &at("/moderation/log"), None).await;
    assert_eq!(log["entries"][0]["action"], "approved / restored");

    // A held thread, and the facilitator may not approve their own.
    let (_, ht) = call(
        &app,
        &fac,
        Method::POST,
        &at("/threads"),
        Some(json!({"title": "Done", "body": "I don't want to be alive anymore."})),
    )
    .await;
    assert_eq!(ht["held"], true);
    let (s, e) = call(
        &app,
        &fac,
        Method::POST,
        &at("/moderation"),
        Some(json!({"target_kind": "thread", "target_id": ht["id"], "action": "approve", "reason": "Fine"})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(
        e["message"].as_str().unwrap().contains("your own post"),
        "{e}"
    );
    let (_, list) = call(&app, &second, Method::GET, &at("/threads"), None).await;
    assert_eq!(
        list["threads"].as_array().unwrap().len(),
        1,
        "held thread unseen"
    );

    // Reports reach the queue.
    let (s, _) = call(
        &app,
        &second,
        Method::POST,
        &at("/reports"),
        Some(json!({"target_kind": "thread", "target_id": tid, "reason": "Just checking."})),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, q) = call(&app, &moderator, Method::GET, &at("/moderation"), None).await;
    assert_eq!(q["reported"][0]["target_id"], json!(tid));

    // A suspended member may read but not post: 403.
    let (s, _) = call(
        &app,
        &moderator,
        Method::POST,
        &at("/moderation"),
        Some(json!({"target_kind": "thread", "target_id": tid, "action": "suspend", "days": 2, "reason": "Cooling off"})),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, e) = call(
        &app,
        &member,
        Method::POST,
        &at("/threads"),
        Some(json!({"title": "Hi", "body": "Hello"})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (s, _) = call(&app, &member, Method::GET, &thread(""), None).await;
    assert_eq!(s, StatusCode::OK);

    // Meetings: facilitators schedule and cancel, members read, 403 otherwise.
    let meeting = json!({"title": "Tuesday check-in", "date": "2030-03-19", "time": "19:30", "time_zone": "Europe/London", "repeat": "weekly"});
    let (s, e) = call(
        &app,
        &second,
        Method::POST,
        &at("/meetings"),
        Some(meeting.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(is_error(&e, "forbidden"));
    let (s, e) = call(
        &app,
        &fac,
        Method::POST,
        &at("/meetings"),
        Some(json!({"title": "x", "date": "2030-03-19", "time": "7:30", "time_zone": "Europe/London"})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["fields"][0]["field"], "time");
    let (s, m) = call(&app, &fac, Method::POST, &at("/meetings"), Some(meeting)).await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    assert_eq!(m["next"][0], "2030-03-19T19:30:00Z");
    assert_eq!(m["duration_minutes"], 60);
    let (_, list) = call(&app, &second, Method::GET, &at("/meetings"), None).await;
    assert_eq!(list["meetings"][0]["title"], "Tuesday check-in");
    let mid = m["id"].as_str().unwrap();
    let (s, _) = call(
        &app,
        &second,
        Method::DELETE,
        &at(&format!("/meetings/{mid}")),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = call(
        &app,
        &fac,
        Method::DELETE,
        &at(&format!("/meetings/{mid}")),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);

    // Leaving: the circle is then as closed as to anyone outside it.
    let (s, _) = call(&app, &second, Method::DELETE, &at("/membership"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = call(&app, &second, Method::GET, &at("/threads"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A server admin reads and moderates every circle, but posts only where
    // a member.
    app.db
        .store
        .grant_server_role(&outsider_id, "admin")
        .await
        .unwrap();
    let (s, _) = call(&app, &outsider, Method::GET, &at("/moderation"), None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, e) = call(
        &app,
        &outsider,
        Method::POST,
        &at("/threads"),
        Some(json!({"title": "Hi", "body": "Hello"})),
    )
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
    let (fac, fac_id) = person(&app, "fac_live").await;
    app.db
        .store
        .grant_server_role(&fac_id, "facilitator")
        .await
        .unwrap();
    let (_, c) = call(
        &app,
        &fac,
        Method::POST,
        "/api/v1/circles",
        Some(json!({"name": "Live"})),
    )
    .await;
    let cid = c["id"].as_str().unwrap().to_owned();
    let (_, t) = call(
        &app,
        &fac,
        Method::POST,
        &format!("/api/v1/circles/{cid}/threads"),
        Some(json!({"title": "Hello", "body": "Anyone here?"})),
    )
    .await;
    let tid = t["id"].as_str().unwrap().to_owned();
    let replies = format!("/api/v1/circles/{cid}/threads/{tid}/replies");
    let (_, first) = call(
        &app,
        &fac,
        Method::POST,
        &replies,
        Some(json!({"body": "one"})),
    )
    .await;
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
        .header("authorization", &fac)
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
    let (s, _) = call(
        &app,
        &fac,
        Method::POST,
        &replies,
        Some(json!({"body": "two"})),
    )
    .await;
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
    let (token, _) = app.api_account("goal_api", "kettle maple orbit").await;
    let auth = format!("Bearer {token}");
    let (s, g) = call(
        &app,
        &auth,
        Method::POST,
        "/api/v1/goals",
        Some(json!({"week": "2026-W11", "title": "Cardiology notes", "hours": 100, "good_enough": "One pass"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{g}");
    assert_eq!(
        (g["week"].as_str(), g["state"].as_str()),
        (Some("2026-W11"), Some("not_yet"))
    );
    let id = g["id"].as_str().unwrap().to_owned();
    let (s, e) = call(
        &app,
        &auth,
        Method::POST,
        "/api/v1/goals",
        Some(json!({"week": "2026-W11", "title": "More", "hours": 70, "good_enough": "Some"})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["fields"][0]["field"], "hours");
    let (s, e) = call(
        &app,
        &auth,
        Method::POST,
        "/api/v1/goals",
        Some(json!({"title": "x".repeat(200) + " ", "hours": 1, "good_enough": "Some"})),
    )
    .await;
    assert_eq!(
        (s, e["fields"][0]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("title"))
    );
    let (s, _) = call(
        &app,
        &auth,
        Method::GET,
        "/api/v1/goals?week=2025-W53",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, u) = call(
        &app,
        &auth,
        Method::PUT,
        &format!("/api/v1/goals/{id}"),
        Some(json!({"title": "Cardiology", "hours": 2.3, "good_enough": "Half", "version": g["version"]})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{u}");
    assert_eq!(
        u["hours"], 2.25,
        "rounded to the quarter hour, as on the page"
    );
    let (s, e) = call(
        &app,
        &auth,
        Method::PUT,
        &format!("/api/v1/goals/{id}"),
        Some(json!({"title": "Again", "hours": 2, "good_enough": "Half", "version": g["version"]})),
    )
    .await;
    assert_eq!(
        (s, e["error"].clone()),
        (StatusCode::CONFLICT, json!("stale"))
    );
    let (s, st) = call(
        &app,
        &auth,
        Method::PUT,
        &format!("/api/v1/goals/{id}/state"),
        Some(json!({"state": "good_enough"})),
    )
    .await;
    assert_eq!(
        (s, st["state"].clone()),
        (StatusCode::OK, json!("good_enough"))
    );

    let (s, _) = call(&app, &auth, Method::GET, "/api/v1/goals/commitments", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, e) = call(
        &app,
        &auth,
        Method::PUT,
        "/api/v1/goals/commitments",
        Some(json!({"sleep_per_night": 20, "meals_per_day": 3, "rotations_per_week": 0, "call_per_week": 0, "commute_per_day": 2})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "over 168 a week: {e}");
    let (s, _) = call(
        &app,
        &auth,
        Method::PUT,
        "/api/v1/goals/commitments",
        Some(json!({"sleep_per_night": 7.5, "meals_per_day": 1.5, "rotations_per_week": 50, "call_per_week": 0, "commute_per_day": 1})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, week) = call(
        &app,
        &auth,
        Method::GET,
        "/api/v1/goals?week=2026-W11",
        None,
    )
    .await;
    assert_eq!(week["goals"][0]["title"], "Cardiology");
    assert_eq!(week["fit"]["committed"], 120.0);
    assert_eq!(week["fit"]["planned"], 2.25);

    let (s, _) = call(
        &app,
        &auth,
        Method::DELETE,
        &format!("/api/v1/goals/{id}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = call(
        &app,
        &auth,
        Method::GET,
        &format!("/api/v1/goals/{id}"),
        None,
    )
    .await;
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
