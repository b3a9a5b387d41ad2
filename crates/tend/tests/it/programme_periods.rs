//! Exam and rotation periods (issue 17): a programme's lead marks them on the
//! dashboard, which then shows the cohort's signals beside them in words that
//! point at the timetable, never at the students; a server admin may mark
//! them too; anyone else is told "not found"; bad input gets a plain message
//! and writes nothing; and the timetable table holds nothing about a person.
//! Both databases.

use reqwest::StatusCode;
use tend::service::Services;

use crate::helpers::{Backend, FAST_KDF, TestApp, csrf_of, get};

const PASS: &str = "a long enough passphrase";

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

async fn signed_in(app: &TestApp, handle: &str) -> (reqwest::Client, String) {
    app.api_account(handle, PASS).await;
    let b = app.browser();
    let (_, signin) = get(&b, app.url("/signin")).await;
    let res = b
        .post(app.url("/signin"))
        .form(&[
            ("csrf", csrf_of(&signin).as_str()),
            ("handle", handle),
            ("passphrase", PASS),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = get(&b, app.url("/programmes")).await;
    (b, csrf_of(&page))
}

async fn periods_are_marked_by_staff_only(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let s = Services {
        store: app.db.store.clone(),
        kdf: FAST_KDF,
        session_ttl: 3600,
        mailer: None,
        push: None,
    };
    let p = s
        .programmes()
        .create("Year 3", None, "", now())
        .await
        .unwrap();
    let (lead, lead_csrf) = signed_in(&app, "dean").await;
    s.programmes().appoint_lead("Year 3", "dean").await.unwrap();
    let periods = format!("/programmes/{}/periods", p.id);

    // Before anyone contributes the dashboard already offers the timetable.
    let (status, dash) = get(&lead, app.url(&format!("/programmes/{}", p.id))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(dash.contains("Not enough people yet"));
    assert!(dash.contains("Mark an exam or rotation period"));

    // The lead marks finals.
    let res = lead
        .post(app.url(&periods))
        .form(&[
            ("csrf", lead_csrf.as_str()),
            ("kind", "exams"),
            ("label", "Year 3 finals"),
            ("starts", "2027-05-24"),
            ("ends", "2027-06-04"),
        ])
        .send()
        .await
        .unwrap();
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
    let res = lead
        .post(app.url(&periods))
        .form(&[
            ("csrf", lead_csrf.as_str()),
            ("kind", "exams"),
            ("label", "Backwards"),
            ("starts", "2027-06-04"),
            ("ends", "2027-05-24"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("The end is before the start.")
    );
    assert_eq!(s.store.timetable(&p.id).await.unwrap().len(), 1);

    // Anyone who does not lead it (a student, say) cannot mark or remove.
    let (student, student_csrf) = signed_in(&app, "pupil").await;
    let res = student
        .post(app.url(&periods))
        .form(&[
            ("csrf", student_csrf.as_str()),
            ("kind", "rotation"),
            ("label", "Sneaky"),
            ("starts", "2027-01-01"),
            ("ends", "2027-01-02"),
        ])
        .send()
        .await
        .unwrap();
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
    let (admin, admin_csrf) = signed_in(&app, "operator").await;
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
