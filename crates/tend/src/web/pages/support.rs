//! Step 7: seek support. The deployment's help lines, the person's own list
//! of people to reach (sealed), and a place for the peer circles to come.

use crate::web::extract::NoFields;
use crate::web::helplines as web_helplines;
use crate::web::layout::ConfirmDelete;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;

use crate::domain::Invalid;
use crate::domain::support::{NAME_MAX, NOTE_MAX, REACH_MAX, SupportPerson, SupportPersonInput};
use crate::service::RecordFilter;
use crate::service::{ServiceError, Stored, Unlocked};
use crate::web::error::PageError;
use crate::web::extract::{Person, SignedForm};
use crate::web::layout::{self, csrf, error_summary, field_error, has_error};
use crate::web::{AppState, now};

/// The most people the list holds: far more than anyone keeps, and it stays fast.
const MAX_PEOPLE: i64 = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/support", get(page).post(create))
        .route("/support/people/{id}/edit", get(edit_form).post(update))
        .route(
            "/support/people/{id}/delete",
            get(confirm_delete).post(delete),
        )
}

#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct EditForm {
    #[serde(default)]
    version: String,
    #[serde(flatten)]
    person: SupportPersonInput,
}

async fn people(state: &AppState, who: &Unlocked) -> Result<Vec<Stored<SupportPerson>>, PageError> {
    let mut list = state
        .services
        .records(who)
        .list::<SupportPerson>(&RecordFilter {
            limit: Some(MAX_PEOPLE + 1),
            ..RecordFilter::default()
        })
        .await?;
    list.sort_by(|a, b| {
        a.value
            .name
            .to_lowercase()
            .cmp(&b.value.name.to_lowercase())
    });
    Ok(list)
}

async fn load(
    state: &AppState,
    who: &Unlocked,
    id: &str,
) -> Result<Stored<SupportPerson>, PageError> {
    state
        .services
        .records(who)
        .get::<SupportPerson>(id)
        .await?
        .ok_or(PageError::NotFound)
}

fn person_fields(input: &SupportPersonInput, errors: &[Invalid]) -> Markup {
    let described = |f: &'static str| has_error(errors, f).then(|| format!("{f}-error"));
    html! {
        div {
            label for="name" { "Name" span class="hint" { "A first name or a nickname is enough." } }
            input id="name" name="name" type="text" maxlength=(NAME_MAX) value=(input.name)
                aria-invalid=[has_error(errors, "name").then_some("true")] aria-describedby=[described("name")];
            (field_error(errors, "name"))
        }
        div {
            label for="reach" { "How to reach them" span class="hint" { "Optional. A number, “text first”, “after evening rounds”." } }
            input id="reach" name="reach" type="text" maxlength=(REACH_MAX) value=(input.reach)
                aria-invalid=[has_error(errors, "reach").then_some("true")] aria-describedby=[described("reach")];
            (field_error(errors, "reach"))
        }
        div {
            label for="note" { "Note" span class="hint" { "Optional. What they're good for: a laugh, a walk, advice on exams." } }
            textarea id="note" name="note" rows="3" maxlength=(NOTE_MAX)
                aria-invalid=[has_error(errors, "note").then_some("true")] aria-describedby=[described("note")] { (input.note) }
            (field_error(errors, "note"))
        }
    }
}

fn render(
    state: &AppState,
    who: &Unlocked,
    list: &[Stored<SupportPerson>],
    add: &SupportPersonInput,
    errors: &[Invalid],
    notice: Option<&str>,
) -> Markup {
    let h = &state.helplines;
    let local = web_helplines::for_person(h, who);
    layout::page(
        "Support",
        Some(who),
        html! {
            @if let Some(n) = notice { (layout::notice(n)) }
            h1 { "Support" }
            p { "Nobody gets through medical training alone. Reaching out is a skill doctors use every day, not a sign of weakness." }
            section class="card" aria-labelledby="people-h" {
                h2 id="people-h" { "Your people" }
                p class="muted" { "Private and encrypted: only you can see this list. tend never contacts anyone." }
                @if list.is_empty() {
                    p { "Who could you reach on a hard day? A friend, a classmate, a mentor, family. Add one person below." }
                } @else {
                    ul class="people" {
                        @for p in list {
                            li {
                                h3 { (p.value.name) }
                                @if !p.value.reach.is_empty() { p { (p.value.reach) } }
                                @if !p.value.note.is_empty() { p class="muted" { (p.value.note) } }
                                p class="actions" {
                                    a href={ "/support/people/" (p.id) "/edit" } { "Edit" span class="visually-hidden" { " " (p.value.name) } }
                                    a href={ "/support/people/" (p.id) "/delete" } { "Remove" span class="visually-hidden" { " " (p.value.name) } }
                                }
                            }
                        }
                    }
                }
                h3 id="add-h" { "Add someone" }
                (error_summary(errors))
                form method="post" action="/support" class="stack" novalidate aria-labelledby="add-h" {
                    (csrf(who))
                    (person_fields(add, errors))
                    div class="actions" { button type="submit" { "Add to my people" } }
                }
            }
            section class="card" aria-labelledby="lines-h" {
                h2 id="lines-h" { "Help lines" }
                p { (h.intro) }
                (web_helplines::emergency(&local))
                (web_helplines::compact(local.crisis_lines()))
                p { a href="/help" { "All help lines, with notes" } " · " a href="/learn/seek-support" { "Read: seeking support" } }
            }
            section class="card" aria-labelledby="plan-h" {
                h2 id="plan-h" { "Your safety plan" }
                p { "A short list, written while you feel steady, of what helps and who to reach when things get hard. "
                    a href="/safety-plan" { "Open your safety plan" } }
            }
            section class="card" aria-labelledby="circles-h" {
                h2 id="circles-h" { "Peer circles" }
                p { "Small, anonymous groups of medical students who meet with a trained facilitator, "
                    "in the spirit of the free peer-support groups run by Physicians Anonymous." }
                ul {
                    li { "You appear under a pseudonym in each circle: not even your handle is shown." }
                    li { "Meetings shown in your own time zone." }
                    li { "Threads and replies between meetings, with gentle moderation." }
                    li { "A clear path to help if someone is in crisis." }
                }
                p { a class="button secondary" href="/circles" { "Go to your circles" } }
                p class="muted" { "A facilitator will give you an invite code. Until you have one, the people on your list and the lines above are here for you." }
            }
        },
    )
}

pub async fn page(
    State(state): State<AppState>,
    Person(who): Person,
    Query(q): Query<SavedQuery>,
) -> Result<Markup, PageError> {
    let list = people(&state, &who).await?;
    let notice = match q.saved.as_deref() {
        Some("added") => Some("Added to your people."),
        Some("edited") => Some("Saved."),
        Some("removed") => Some("Removed from your people."),
        _ => None,
    };
    Ok(render(
        &state,
        &who,
        &list,
        &SupportPersonInput::default(),
        &[],
        notice,
    ))
}

pub async fn create(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<SupportPersonInput>,
) -> Result<Response, PageError> {
    let list = people(&state, &who).await?;
    let result = if list.len() as i64 >= MAX_PEOPLE {
        Err(vec![Invalid::new(
            "name",
            format!("Your list already has {MAX_PEOPLE} people, the most it holds."),
        )])
    } else {
        form.validate()
    };
    match result {
        Ok(p) => {
            state.services.records(&who).create(None, p, now()).await?;
            Ok(Redirect::to("/support?saved=added#people-h").into_response())
        }
        Err(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&state, &who, &list, &form, &errors, None),
        )
            .into_response()),
    }
}

fn edit_page(
    who: &Unlocked,
    id: &str,
    input: &SupportPersonInput,
    version: i64,
    errors: &[Invalid],
    note: Option<&str>,
) -> Markup {
    layout::page(
        "Edit a person",
        Some(who),
        html! {
            h1 { "Edit" }
            (error_summary(errors))
            @if let Some(n) = note { div class="errors" role="alert" { p { (n) } } }
            form method="post" action={ "/support/people/" (id) "/edit" } class="stack" novalidate {
                (csrf(who))
                input type="hidden" name="version" value=(version);
                (person_fields(input, errors))
                div class="actions" { button type="submit" { "Save" } a href="/support" { "Cancel" } }
            }
        },
    )
}

pub async fn edit_form(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    let p = load(&state, &who, &id).await?;
    Ok(edit_page(
        &who,
        &p.id,
        &SupportPersonInput::from_person(&p.value),
        p.version,
        &[],
        None,
    ))
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, form }: SignedForm<EditForm>,
) -> Result<Response, PageError> {
    let current = load(&state, &who, &id).await?;
    let version: i64 = form.version.trim().parse().unwrap_or(0);
    let person = match form.person.validate() {
        Ok(p) => p,
        Err(errors) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                edit_page(&who, &id, &form.person, version, &errors, None),
            )
                .into_response());
        }
    };
    match state
        .services
        .records(&who)
        .update(&id, version, person, now())
        .await
    {
        Ok(_) => Ok(Redirect::to("/support?saved=edited#people-h").into_response()),
        Err(ServiceError::Stale) => {
            let note = "This was changed in another tab or device after you opened it. \
                        Your version is below; saving again will replace the other one.";
            Ok((
                StatusCode::CONFLICT,
                edit_page(&who, &id, &form.person, current.version, &[], Some(note)),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn confirm_delete(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    let p = load(&state, &who, &id).await?;
    let action = format!("/support/people/{}/delete", p.id);
    Ok(layout::confirm_delete(
        &who,
        ConfirmDelete {
            title: "Remove a person",
            heading: html! { "Remove " (p.value.name) " from your list?" },
            detail: html! { p { "Only the entry in tend is removed, for good. Nobody is told." } },
            action: &action,
            button: "Remove",
            keep_href: "/support",
            keep_label: "Keep them",
        },
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    state
        .services
        .records(&who)
        .delete::<SupportPerson>(&id)
        .await?;
    Ok(Redirect::to("/support?saved=removed#people-h").into_response())
}
