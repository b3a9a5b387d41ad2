//! Exam and rotation periods (issue 17): a programme's lead marks them on the
//! dashboard, which then shows the cohort's signals beside them in words that
//! point at the timetable, never at the students; a server admin may mark
//! them too; anyone else is told "not found"; bad input gets a plain message
//! and writes nothing; the exports (page and API, JSON and CSV) carry the
//! marked periods; and the timetable table holds nothing about a person.
//! Both databases.

use reqwest::StatusCode;
use tend::service::Services;
use tend::service::programmes::Programme;

use crate::helpers::{Backend, FAST_KDF, TestApp, csrf_of, get, sign_in};

const PASS: &str = "a long enough passphrase";

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// A browser signed in as `handle` (a new account), the form token of its
/// pages, and an API token for the same account.
async fn signed_in(app: &TestApp, handle: &str) -> (reqwest::Client, String, String) {
    let (token, _) = app.api_account(handle, PASS).await;
    let b = app.browser();
    sign_in(app, &b, handle, PASS).await;
    let (_, page) = get(&b, app.url("/programmes")).await;
    (b, csrf_of(&page), token)
}

/// A server with the programme "Year 3" and its lead "dean", signed in.
struct WithLead {
    app: TestApp,
    s: Services,
    p: Programme,
    lead: reqwest::Client,
    csrf: String,
    token: String,
}

async fn with_lead(backend: Backend) -> Option<WithLead> {
    let app = TestApp::spawn(backend).await?;
    let s = Services {
        store: app.db.store.clone(),
        kdf: FAST_KDF,
        session_ttl: 3600,
        mailer: None,
        push: None,
        read_cache: Default::default(),
    };
    let p = s
        .programmes()
        .create("Year 3", None, "", now())
        .await
        .unwrap();
    let (lead, csrf, token) = signed_in(&app, "dean").await;
    s.programmes().appoint_lead("Year 3", "dean").await.unwrap();
    Some(WithLead {
        app,
        s,
        p,
        lead,
        csrf,
        token,
    })
}

/// The dashboard's form to mark a period, sent by `client`:
/// `[kind, label, starts, ends]`.
async fn mark(
    client: &reqwest::Client,
    app: &TestApp,
    p: &Programme,
    csrf: &str,
    [kind, label, starts, ends]: [&str; 4],
) -> reqwest::Response {
    client
        .post(app.url(&format!("/programmes/{}/periods", p.id)))
        .form(&[
            ("csrf", csrf),
            ("kind", kind),
            ("label", label),
            ("starts", starts),
            ("ends", ends),
        ])
        .send()
        .await
        .unwrap()
}

async fn periods_are_marked_by_staff_only(backend: Backend) {
    let Some(WithLead {
        app,
        s,
        p,
        lead,
        csrf: lead_csrf,
        ..
    }) = with_lead(backend).await
    else {
        return;
    };
    let periods = format!("/programmes/{}/periods", p.id);

    // Before anyone contributes the dashboard already offers the timetable.
    let (status, dash) = get(&lead, app.url(&format!("/programmes/{}", p.id))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(dash.contains("Not enough people yet"));
    assert!(dash.contains("Mark an exam or rotation period"));

    // The lead marks finals.
    let res = mark(
        &lead,
        &app,
        &p,
        &lead_csrf,
        ["exams", "Year 3 finals", "2027-05-24", "2027-06-04"],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        format!("/programmes/{}#timetable", p.id).as_str()
    );
    let (_, dash) = get(&lead, app.url(&format!("/programmes/{}", p.id))).await;
    assert!(
        dash.contains("Exams: Year 3 finals, 2027-05-24 to 2027-06-04"),
        "{dash}"
    );
    assert!(dash.contains("not a failing of theirs"));

    // Bad input: a plain message beside the field, nothing written.
    let res = mark(
        &lead,
        &app,
        &p,
        &lead_csrf,
        ["exams", "Backwards", "2027-06-04", "2027-05-24"],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("The end is before the start.")
    );
    assert_eq!(s.store.timetable(&p.id).await.unwrap().len(), 1);

    // Anyone who does not lead it (a student, say) cannot mark or remove.
    let (student, student_csrf, _) = signed_in(&app, "pupil").await;
    let res = mark(
        &student,
        &app,
        &p,
        &student_csrf,
        ["rotation", "Sneaky", "2027-01-01", "2027-01-02"],
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let marked = s.store.timetable(&p.id).await.unwrap();
    let remove = format!("{periods}/{}/remove", marked[0].id);
    let res = student
        .post(app.url(&remove))
        .form(&[("csrf", student_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(s.store.timetable(&p.id).await.unwrap().len(), 1);

    // A server admin marks a rotation from the admin page.
    let (admin, admin_csrf, _) = signed_in(&app, "operator").await;
    let admin_id = s
        .store
        .account_by_handle("operator")
        .await
        .unwrap()
        .unwrap()
        .id;
    s.store.grant_server_role(&admin_id, "admin").await.unwrap();
    let res = admin
        .post(app.url("/programmes/admin/period"))
        .form(&[
            ("csrf", admin_csrf.as_str()),
            ("programme_id", p.id.as_str()),
            ("kind", "rotation"),
            ("label", "Surgery block"),
            ("starts", "2027-02-01"),
            ("ends", "2027-03-12"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Marked Surgery block for Year 3.")
    );
    let marked = s.store.timetable(&p.id).await.unwrap();
    assert_eq!(
        marked.iter().map(|m| m.label.as_str()).collect::<Vec<_>>(),
        ["Surgery block", "Year 3 finals"]
    );

    // The lead removes one.
    let res = lead
        .post(app.url(&format!("{periods}/{}/remove", marked[0].id)))
        .form(&[("csrf", lead_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.store.timetable(&p.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn periods_are_marked_by_staff_only_sqlite() {
    periods_are_marked_by_staff_only(Backend::Sqlite).await;
}

#[tokio::test]
async fn periods_are_marked_by_staff_only_postgres() {
    periods_are_marked_by_staff_only(Backend::Postgres).await;
}

async fn periods_are_in_the_exports(backend: Backend) {
    let Some(WithLead {
        app,
        p,
        lead,
        csrf,
        token,
        ..
    }) = with_lead(backend).await
    else {
        return;
    };
    let page = |path: &str| app.url(&format!("/programmes/{}/{path}", p.id));
    let api = |path: &str| app.url(&format!("/api/v1/programmes/{}/{path}", p.id));
    let bearer = |url: String| app.api().get(url).bearer_auth(&token).send();

    // Nothing marked yet: an empty list and a CSV of just its header.
    let json: serde_json::Value = bearer(api("figures")).await.unwrap().json().await.unwrap();
    assert_eq!(json["periods"], serde_json::json!([]), "{json}");
    let (status, csv) = get(&lead, page("periods.csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(csv, "kind,label,starts,ends,first_month,last_month\n");

    // Two periods, one with a name a spreadsheet would take for a formula.
    for fields in [
        ["exams", "Year 3 finals", "2027-05-24", "2027-06-04"],
        [
            "rotation",
            "=Surgery, \"block\"",
            "2027-02-01",
            "2027-03-12",
        ],
    ] {
        let res = mark(&lead, &app, &p, &csrf, fields).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let expected_periods = serde_json::json!([
        {"kind": "rotation", "label": "=Surgery, \"block\"", "starts": "2027-02-01",
         "ends": "2027-03-12", "months": ["2027-02", "2027-03"]},
        {"kind": "exams", "label": "Year 3 finals", "starts": "2027-05-24",
         "ends": "2027-06-04", "months": ["2027-05", "2027-06"]},
    ]);
    let expected_csv = "kind,label,starts,ends,first_month,last_month\n\
        rotation,\"'=Surgery, \"\"block\"\"\",2027-02-01,2027-03-12,2027-02,2027-03\n\
        exams,Year 3 finals,2027-05-24,2027-06-04,2027-05,2027-06\n";

    // The page downloads: JSON with the periods (exact, as typed) beside the
    // months; the periods as a CSV of their own, named by the figures CSV.
    let res = lead.get(page("figures.json")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("programme-figures.json")
    );
    let json: serde_json::Value = res.json().await.unwrap();
    assert_eq!(json["periods"], expected_periods);
    assert!(json["months"].is_array());
    let res = lead.get(page("periods.csv")).send().await.unwrap();
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert_eq!(res.text().await.unwrap(), expected_csv);
    let res = lead.get(page("figures.csv")).send().await.unwrap();
    assert_eq!(
        res.headers()["link"],
        format!("</programmes/{}/periods.csv>; rel=\"related\"", p.id).as_str()
    );
    assert!(res.text().await.unwrap().starts_with("period,stage,cell,"));
    let (_, dash) = get(&lead, app.url(&format!("/programmes/{}", p.id))).await;
    assert!(dash.contains(&format!("href=\"/programmes/{}/periods.csv\"", p.id)));

    // The API gives the same.
    let json: serde_json::Value = bearer(api("figures")).await.unwrap().json().await.unwrap();
    assert_eq!(json["periods"], expected_periods);
    let res = bearer(api("periods.csv")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), expected_csv);
    let res = bearer(api("figures.csv")).await.unwrap();
    assert_eq!(
        res.headers()["link"],
        format!("</api/v1/programmes/{}/periods.csv>; rel=\"related\"", p.id).as_str()
    );

    // Anyone who does not lead it is told "not found", on the page and the API.
    let (student, _, student_token) = signed_in(&app, "pupil").await;
    let (status, _) = get(&student, page("periods.csv")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let res = app
        .api()
        .get(api("periods.csv"))
        .bearer_auth(&student_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn periods_are_in_the_exports_sqlite() {
    periods_are_in_the_exports(Backend::Sqlite).await;
}

#[tokio::test]
async fn periods_are_in_the_exports_postgres() {
    periods_are_in_the_exports(Backend::Postgres).await;
}

/// The API document names the new field and the new download.
#[tokio::test]
async fn the_api_document_describes_the_periods() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let doc: serde_json::Value = app
        .api()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let figures = &doc["paths"]["/api/v1/programmes/{id}/figures"]["get"]["responses"]["200"];
    assert_eq!(
        figures["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/FiguresOut"
    );
    let schemas = &doc["components"]["schemas"];
    assert!(
        schemas["FiguresOut"]["required"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("periods")),
        "{}",
        schemas["FiguresOut"]
    );
    let period = &schemas["MarkedPeriodOut"]["properties"];
    for field in ["kind", "label", "starts", "ends", "months"] {
        assert!(period.get(field).is_some(), "{field}: {period}");
    }
    assert!(doc["paths"]["/api/v1/programmes/{id}/periods.csv"]["get"].is_object());
}

#[tokio::test]
async fn the_timetable_table_has_no_column_for_a_person() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", app.db.sqlite_file().display()))
        .await
        .unwrap();
    let cols: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM pragma_table_info('programme_timetable')")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(!cols.is_empty());
    for (c,) in cols {
        assert!(!c.contains("account") && !c.contains("handle"), "{c}");
    }
}
