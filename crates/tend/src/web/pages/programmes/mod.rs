//! Programme insight pages (issue 17): joining with a code, the consent page,
//! the lead's dashboard, exports, and the admin page.
//!
//! Nothing here shows or sends a student's handle, id or answers: a lead sees
//! only released (noisy, thresholded) figures, and a student sees only their
//! programme's name and resources.

pub(crate) mod dashboard;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;

use crate::domain::Invalid;
use crate::service::{ServiceError, Unlocked};
use crate::web::error::{ApiError, PageError};
use crate::web::extract::{ApiPerson, NoFields, Person, SignedForm};
use crate::web::layout::{self, csrf, error_summary, field_error, has_error, notice};
use crate::web::{AppState, now};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/programmes", get(home))
        .route("/programmes/join", post(join))
        .route("/programmes/consent", get(consent).post(choose))
        .route("/programmes/stop", post(stop))
        .route("/programmes/leave", post(leave))
        .route("/programmes/admin", get(admin_page))
        .route("/programmes/admin/create", post(admin_create))
        .route("/programmes/admin/lead", post(admin_lead))
        .route("/programmes/admin/period", post(admin_period))
        .route("/programmes/{id}", get(dashboard::page))
        .route("/programmes/{id}/periods", post(mark_period))
        .route("/programmes/{id}/periods/{pid}/remove", post(unmark_period))
        .route("/programmes/{id}/figures.csv", get(dashboard::csv))
        .route("/programmes/{id}/figures.json", get(dashboard::json))
        .route("/programmes/{id}/periods.csv", get(dashboard::periods))
}

#[derive(Debug, Default, Deserialize)]
struct Flash {
    #[serde(default)]
    done: String,
}

async fn home(
    State(state): State<AppState>,
    Person(who): Person,
    axum::extract::Query(flash): axum::extract::Query<Flash>,
) -> Result<Markup, PageError> {
    home_page(&state, &who, "", &[], &flash.done).await
}

async fn home_page(
    state: &AppState,
    who: &Unlocked,
    code: &str,
    errors: &[Invalid],
    done: &str,
) -> Result<Markup, PageError> {
    let programmes = state.services.programmes();
    let mine = programmes.mine(who).await?;
    let led = programmes.led_by(who).await?;
    let admin = programmes.is_server_admin(&who.account_id).await?;
    let message = match done {
        "joined" => Some("You joined. You are not contributing anything unless you choose to."),
        "contributing" => {
            Some("Thank you. From now on your answers are added to the group totals.")
        }
        "stopped" => Some("Stopped. Your contributions have been taken back out of the totals."),
        "left" => Some("You left the programme. Nothing of yours is in its totals."),
        _ => None,
    };
    Ok(layout::page(
        "Programme",
        Some(who),
        html! {
            h1 { "Your programme" }
            @if let Some(m) = message { (notice(m)) }
            @if let Some((p, m)) = &mine {
                h2 { (p.name) }
                @if !p.resources.is_empty() {
                    h3 { "Resources from your programme" }
                    (layout::paragraphs(&p.resources))
                }
                h3 { "Contributing to the group picture" }
                @if m.contributing {
                    p { "You are contributing. Only group totals are kept, and only figures for groups of "
                        (p.k) " or more people are ever shown to your programme's leads." }
                    form method="post" action="/programmes/stop" class="actions" {
                        (csrf(who))
                        button type="submit" { "Stop contributing and take my answers back out" }
                    }
                } @else {
                    p { "You are not contributing. Your programme sees nothing from you, not even that you joined." }
                    p { a class="button" href="/programmes/consent" { "Read what contributing means" } }
                }
                form method="post" action="/programmes/leave" class="actions" {
                    (csrf(who))
                    button type="submit" class="secondary" { "Leave this programme" }
                }
            } @else {
                p { "If your school or course runs a tend programme, you can join it with the code they gave you. "
                    "Joining only shows you the programme's name and its resources. Sharing anything is a separate choice, and it is off unless you turn it on." }
                (error_summary(errors))
                form method="post" action="/programmes/join" class="stack" novalidate {
                    (csrf(who))
                    div {
                        label for="code" { "Programme code" }
                        input id="code" name="code" type="text" autocomplete="off" value=(code)
                            aria-invalid=[has_error(errors, "code").then_some("true")]
                            aria-describedby=[has_error(errors, "code").then_some("code-error")];
                        (field_error(errors, "code"))
                    }
                    div class="actions" { button type="submit" { "Join" } }
                }
            }
            @if !led.is_empty() {
                h2 { "Programmes you lead" }
                ul {
                    @for p in &led {
                        li { a href={ "/programmes/" (p.id) } { (p.name) " dashboard" } }
                    }
                }
            }
            @if admin {
                p { a href="/programmes/admin" { "Create programmes and appoint leads" } }
            }
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
struct JoinForm {
    #[serde(default)]
    code: String,
}

async fn join(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<JoinForm>,
) -> Result<Response, PageError> {
    match state
        .services
        .programmes()
        .join(&who, &form.code, now())
        .await
    {
        Ok(_) => Ok(Redirect::to("/programmes?done=joined").into_response()),
        Err(ServiceError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            home_page(&state, &who, &form.code, &errors, "").await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

async fn consent(State(state): State<AppState>, Person(who): Person) -> Result<Markup, PageError> {
    let Some((p, m)) = state.services.programmes().mine(&who).await? else {
        return Err(PageError::NotFound);
    };
    Ok(layout::page(
        "Contributing to your programme",
        Some(&who),
        html! {
            h1 { "Contributing to " (p.name) }
            p { "Your programme's leads would like to see how students are doing as a group, so they can change what the course asks of you. "
                "You can help by adding your answers to group totals. It is entirely up to you, and nothing changes for you either way." }
            h2 { "What is shared" }
            ul {
                li { "Your scores on these questionnaires, when you complete them: WHO-5 well-being, the Self-Compassion Scale short form, the 4-question Perceived Stress Scale, and the single burnout question." }
                li { "From your daily check-ins: your mood (1 to 5) and hours of sleep." }
                li { "From the goals step: how many hours a week your rotations, placements, classes and call take." }
                li { "How many practice sessions, noticed thoughts and debriefs you do each month (counts only)." }
                li { "Only as group totals for each month. Your newest answer in a month counts once; the totals never hold a row for you." }
            }
            h2 { "What is never shared" }
            ul {
                li { "Anything you write: journal entries, notes, thoughts, reframes, letters, debriefs." }
                li { "Your circles and anything in them." }
                li { "Your handle, or anything else that says who you are, or even that you joined." }
            }
            h2 { "What your leads see" }
            p { "Figures for a month only when at least " (p.k) " people contributed, rounded, with a little random noise added to every number so that no one person's answers can be worked out, even by comparing two months." }
            h2 { "Stopping" }
            p { "Stopping is one click on your programme page. It takes your answers back out of the totals. "
                "(Figures already shown for a month are kept as they were shown; they are group figures with noise, and nothing in them is yours alone.)" }
            @if m.contributing {
                p { strong { "You are contributing now." } }
            }
            form method="post" action="/programmes/consent" class="actions" {
                (csrf(&who))
                button type="submit" name="choice" value="yes" { "Yes, add my answers to the group totals" }
                button type="submit" name="choice" value="no" class="secondary" { "No, don't share anything" }
            }
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
struct Choice {
    #[serde(default)]
    choice: String,
}

async fn choose(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<Choice>,
) -> Result<Response, PageError> {
    let yes = match form.choice.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            return Err(PageError::BadRequest(
                "Please choose one of the two buttons.".into(),
            ));
        }
    };
    state
        .services
        .programmes()
        .set_contributing(&who, yes, now())
        .await?;
    Ok(Redirect::to(if yes {
        "/programmes?done=contributing"
    } else {
        "/programmes?done=stopped"
    })
    .into_response())
}

async fn stop(
    State(state): State<AppState>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    state
        .services
        .programmes()
        .set_contributing(&who, false, now())
        .await?;
    Ok(Redirect::to("/programmes?done=stopped").into_response())
}

async fn leave(
    State(state): State<AppState>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    state.services.programmes().leave(&who, now()).await?;
    Ok(Redirect::to("/programmes?done=left").into_response())
}

// ------------------------------------------------------------------ admin

async fn require_admin(state: &AppState, who: &Unlocked) -> Result<(), PageError> {
    if state
        .services
        .programmes()
        .is_server_admin(&who.account_id)
        .await?
    {
        Ok(())
    } else {
        Err(PageError::NotFound)
    }
}

async fn admin_page(
    State(state): State<AppState>,
    Person(who): Person,
) -> Result<Markup, PageError> {
    require_admin(&state, &who).await?;
    admin_view(&state, &who, &[], None).await
}

async fn admin_view(
    state: &AppState,
    who: &Unlocked,
    errors: &[Invalid],
    done: Option<String>,
) -> Result<Markup, PageError> {
    let all = state.services.programmes().all().await?;
    Ok(layout::page(
        "Programmes",
        Some(who),
        html! {
            h1 { "Programmes" }
            @if let Some(d) = &done { (notice(d)) }
            (error_summary(errors))
            @if !all.is_empty() {
                table {
                    caption { "Programmes on this server" }
                    thead { tr { th scope="col" { "Name" } th scope="col" { "Join code" } th scope="col" { "Smallest group shown" } } }
                    tbody {
                        @for p in &all {
                            tr { td { (p.name) } td { code { (p.code) } } td { (p.k) } }
                        }
                    }
                }
            }
            h2 { "Create a programme" }
            form method="post" action="/programmes/admin/create" class="stack" novalidate {
                (csrf(who))
                div {
                    label for="name" { "Name" }
                    input id="name" name="name" type="text" aria-invalid=[has_error(errors, "name").then_some("true")];
                    (field_error(errors, "name"))
                }
                div {
                    label for="k" { "Smallest group shown" span class="hint" { "At least 5. Leave empty for 10." } }
                    input id="k" name="k" type="text" inputmode="numeric" aria-invalid=[has_error(errors, "k").then_some("true")];
                    (field_error(errors, "k"))
                }
                div {
                    label for="resources" { "Resources for members" span class="hint" { "Plain text, shown to everyone who joins." } }
                    textarea id="resources" name="resources" rows="4" {}
                }
                div class="actions" { button type="submit" { "Create programme" } }
            }
            h2 { "Appoint a lead" }
            p { "A lead sees the programme's dashboard of group figures and nothing of any student." }
            form method="post" action="/programmes/admin/lead" class="stack" novalidate {
                (csrf(who))
                div {
                    label for="programme" { "Programme name" }
                    input id="programme" name="programme" type="text" aria-invalid=[has_error(errors, "programme").then_some("true")];
                    (field_error(errors, "programme"))
                }
                div {
                    label for="handle" { "Lead's handle" }
                    input id="handle" name="handle" type="text" autocomplete="off";
                }
                div class="actions" { button type="submit" { "Appoint" } }
            }
            @if !all.is_empty() {
                h2 { "Exam and rotation periods" }
                p { "A programme's leads mark these on its dashboard; you can mark them here too. The dashboard shows the cohort's signals beside them." }
                (dashboard::period_form(who, "/programmes/admin/period", errors, html! {
                    div {
                        label for="programme_id" { "Programme" }
                        select id="programme_id" name="programme_id" {
                            @for p in &all { option value=(p.id) { (p.name) } }
                        }
                    }
                }))
            }
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    k: String,
    #[serde(default)]
    resources: String,
}

async fn admin_create(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<CreateForm>,
) -> Result<Response, PageError> {
    require_admin(&state, &who).await?;
    let k = match form.k.trim() {
        "" => None,
        v => match v.parse::<i64>() {
            Ok(k) => Some(k),
            Err(_) => {
                let e = [Invalid::new(
                    "k",
                    "Write the smallest group as a whole number, such as 10.",
                )];
                return Ok((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    admin_view(&state, &who, &e, None).await?,
                )
                    .into_response());
            }
        },
    };
    match state
        .services
        .programmes()
        .create(&form.name, k, &form.resources, now())
        .await
    {
        Ok(p) => Ok(admin_view(
            &state,
            &who,
            &[],
            Some(format!(
                "Created {}. Students join with the code {}.",
                p.name, p.code
            )),
        )
        .await?
        .into_response()),
        Err(ServiceError::Invalid(e)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            admin_view(&state, &who, &e, None).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
struct LeadForm {
    #[serde(default)]
    programme: String,
    #[serde(default)]
    handle: String,
}

async fn admin_lead(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<LeadForm>,
) -> Result<Response, PageError> {
    require_admin(&state, &who).await?;
    let handle = form.handle.trim().to_lowercase();
    match state
        .services
        .programmes()
        .appoint_lead(&form.programme, &handle)
        .await
    {
        Ok(()) => Ok(admin_view(
            &state,
            &who,
            &[],
            Some(format!("{handle} now leads {}.", form.programme.trim())),
        )
        .await?
        .into_response()),
        Err(ServiceError::NotFound) => {
            let e = [Invalid::new(
                "programme",
                "There is no programme with that name, or no account with that handle.",
            )];
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                admin_view(&state, &who, &e, None).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn api_led(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
) -> Result<Response, ApiError> {
    let led = state.services.programmes().led_by(&who).await?;
    let list: Vec<_> = led
        .iter()
        .map(|p| serde_json::json!({ "id": p.id, "name": p.name, "k": p.k }))
        .collect();
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({ "programmes": list })),
    )
        .into_response())
}

/// The programme, if this person leads it.
async fn led(
    state: &AppState,
    who: &Unlocked,
    id: &str,
) -> Result<crate::service::programmes::Programme, ServiceError> {
    state.services.programmes().led(who, id).await
}

#[derive(Debug, Default, Deserialize)]
struct PeriodForm {
    #[serde(default)]
    programme_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    starts: String,
    #[serde(default)]
    ends: String,
}

impl PeriodForm {
    fn fields(&self) -> crate::service::programmes::PeriodFields<'_> {
        crate::service::programmes::PeriodFields {
            kind: &self.kind,
            label: &self.label,
            starts: &self.starts,
            ends: &self.ends,
        }
    }
}

/// A lead marks an exam or rotation period from the dashboard (a server
/// admin may too); back to the timetable, or the form with what to fix.
async fn mark_period(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, form }: SignedForm<PeriodForm>,
) -> Result<Response, PageError> {
    let programmes = state.services.programmes();
    match programmes
        .mark_period(&who, &id, form.fields(), now())
        .await
    {
        Ok(p) => Ok(back_to_timetable(&state, &who, &p.id).await?),
        Err(ServiceError::Invalid(e)) => {
            let p = led(&state, &who, &id).await;
            match p {
                Ok(p) => Ok((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    dashboard::dashboard_for(&state, &who, &p, &e).await?,
                )
                    .into_response()),
                // A server admin who does not lead it: the admin page.
                Err(_) => Ok((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    admin_view(&state, &who, &e, None).await?,
                )
                    .into_response()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

async fn admin_period(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<PeriodForm>,
) -> Result<Response, PageError> {
    require_admin(&state, &who).await?;
    match state
        .services
        .programmes()
        .mark_period(&who, &form.programme_id, form.fields(), now())
        .await
    {
        Ok(p) => Ok(admin_view(
            &state,
            &who,
            &[],
            Some(format!("Marked {} for {}.", form.label.trim(), p.name)),
        )
        .await?
        .into_response()),
        Err(ServiceError::Invalid(e)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            admin_view(&state, &who, &e, None).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

async fn unmark_period(
    State(state): State<AppState>,
    Path((id, pid)): Path<(String, String)>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    let p = state
        .services
        .programmes()
        .unmark_period(&who, &id, &pid)
        .await?;
    back_to_timetable(&state, &who, &p.id).await
}

/// A lead goes back to the dashboard's timetable; an admin who does not
/// lead the programme, to the admin page.
async fn back_to_timetable(
    state: &AppState,
    who: &Unlocked,
    id: &str,
) -> Result<Response, PageError> {
    if state.services.programmes().leads(who, id).await? {
        Ok(Redirect::to(&format!("/programmes/{id}#timetable")).into_response())
    } else {
        Ok(Redirect::to("/programmes/admin").into_response())
    }
}
