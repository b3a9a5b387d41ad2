//! The journal: write, list, read, edit (safely across tabs), delete.

use crate::web::extract::NoFields;
use crate::web::layout::ConfirmDelete;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::zone_of;
use crate::domain::Invalid;
use crate::domain::journal::{BODY_MAX, JournalEntry, JournalInput, TITLE_MAX};
use crate::service::RecordFilter;
use crate::service::{Created, ServiceError, Unlocked};
use crate::web::components::highlight;
use crate::web::error::PageError;
use crate::web::extract::{CreateForm, Person, SignedForm};
use crate::web::format::when;
use crate::web::layout::{self, csrf, error_summary, field_error};
use crate::web::{AppState, now};

/// The list shows this many newest entries.
const LIST_LIMIT: i64 = 100;

#[derive(Debug, Default, Deserialize)]
pub struct EditForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    version: String,
}

fn editor(
    who: &Unlocked,
    action: &str,
    input: &JournalInput,
    version: Option<i64>,
    errors: &[Invalid],
    note: Option<&str>,
) -> Markup {
    html! {
        (error_summary(errors))
        @if let Some(n) = note { div class="errors" role="alert" { p { (n) } } }
        form method="post" action=(action) class="stack" novalidate {
            (csrf(who))
            @if let Some(v) = version { input type="hidden" name="version" value=(v); } @else { (layout::submission()) }
            div {
                label for="title" { "Title" span class="hint" { "Optional." } }
                input id="title" name="title" type="text" maxlength=(TITLE_MAX) value=(input.title);
                (field_error(errors, "title"))
            }
            div {
                label for="body" { "What's on your mind?" (layout::required()) }
                textarea id="body" name="body" rows="12" required { (input.body) }
                (field_error(errors, "body"))
                p class="hint" { "Private and encrypted. Up to " (BODY_MAX) " characters." }
            }
            div class="actions" { button type="submit" { "Save entry" } a href="/journal" { "Cancel" } }
        }
    }
}

pub async fn list(State(state): State<AppState>, Person(who): Person) -> Result<Markup, PageError> {
    let tz = zone_of(&state, &who).await?;
    let records = state.services.records(&who);
    // Titles only: the bodies stay sealed (see `Records::titles`).
    let entries = records
        .titles::<JournalEntry>(&RecordFilter {
            limit: Some(LIST_LIMIT),
            ..RecordFilter::default()
        })
        .await?;
    let total = records.count::<JournalEntry>().await?;
    Ok(layout::page(
        "Journal",
        Some(&who),
        html! {
            h1 { "Journal" }
            p { a class="button" href="/journal/new" { "Write an entry" } }
            @if entries.is_empty() {
                p { "Your entries will appear here. Nobody but you can read them." }
            } @else {
                ul class="entries" {
                    @for e in &entries {
                        li {
                            a href={ "/journal/" (e.id) } { (e.value) }
                            br;
                            span class="muted" { (when(e.created_at, &tz)) }
                        }
                    }
                }
                @if total > LIST_LIMIT {
                    p class="muted" { "Showing your " (LIST_LIMIT) " newest entries of " (total) ". All of them are in "
                        a href="/account/export/journal.md" { "your journal download" } "." }
                }
            }
        },
    ))
}

pub async fn new_form(Person(who): Person) -> Markup {
    layout::page(
        "New entry",
        Some(&who),
        html! { h1 { "New entry" } (editor(&who, "/journal/new", &JournalInput::default(), None, &[], None)) },
    )
}

pub async fn create(
    State(state): State<AppState>,
    CreateForm {
        who,
        form,
        submission,
    }: CreateForm<JournalInput>,
) -> Result<Response, PageError> {
    let entry = match form.validate() {
        Ok(e) => e,
        Err(errors) => {
            let page = layout::page(
                "New entry",
                Some(&who),
                html! { h1 { "New entry" } (editor(&who, "/journal/new", &form, None, &errors, None)) },
            );
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let today = super::today_for(&state, &who).await?;
    // Sent twice (a double click, the offline queue replaying it), the
    // second answers like the first: the entry it saved.
    let saved = state
        .services
        .records(&who)
        .create_once(Some(today), entry, now(), Some(&submission))
        .await?;
    Ok(match saved {
        Created::Again { record: None, .. } => Redirect::to("/journal"),
        saved => Redirect::to(&format!("/journal/{}", saved.id())),
    }
    .into_response())
}

async fn load(
    state: &AppState,
    who: &Unlocked,
    id: &str,
) -> Result<crate::service::Entry, PageError> {
    state
        .services
        .records(who)
        .get::<JournalEntry>(id)
        .await?
        .ok_or(PageError::NotFound)
}

pub async fn show(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    let tz = zone_of(&state, &who).await?;
    let e = load(&state, &who, &id).await?;
    // The detector runs on the person's own words, in this process, on each
    // view: nothing it finds is stored, so the entry stays the only record.
    let analysis = state.detector.analyze(&e.value.body);
    let risky = highlight::is_risky(&[&e.value.title, &e.value.body]);
    let marks = if risky {
        Vec::new()
    } else {
        highlight::spans_of(&analysis)
    };
    let edit = format!("/journal/{}/edit", e.id);
    Ok(layout::page(
        &e.value.display_title(),
        Some(&who),
        html! {
            (highlight::crisis_help(&state.helplines, &who, risky))
            article {
                h1 { (e.value.display_title()) }
                p class="muted" { (when(e.created_at, &tz))
                    @if e.updated_at != e.created_at { " · edited " (when(e.updated_at, &tz)) } }
                (highlight::marked_paragraphs(&e.value.body, &marks))
            }
            (highlight::phi_notice(&[&e.value.title, &e.value.body], Some(&edit)))
            @if risky {
                (highlight::findings(&analysis, true, 3))
            } @else if !analysis.patterns.is_empty() {
                (highlight::findings(&analysis, false, 3))
                p { "If one of these thoughts is weighing on you, you could "
                    a href="/critic/new" { "write it down on its own" } " and answer it as you would a friend." }
            }
            p class="actions" {
                a class="button" href={ "/journal/" (e.id) "/edit" } { "Edit" }
                a class="button secondary" href={ "/journal/" (e.id) "/delete" } { "Delete" }
                a href="/journal" { "Back to journal" }
            }
        },
    ))
}

pub async fn edit_form(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    let e = load(&state, &who, &id).await?;
    let input = JournalInput {
        title: e.value.title.clone(),
        body: e.value.body.clone(),
    };
    let action = format!("/journal/{}/edit", e.id);
    Ok(layout::page(
        "Edit entry",
        Some(&who),
        html! { h1 { "Edit entry" } (editor(&who, &action, &input, Some(e.version), &[], None)) },
    ))
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, form }: SignedForm<EditForm>,
) -> Result<Response, PageError> {
    let input = JournalInput {
        title: form.title.clone(),
        body: form.body.clone(),
    };
    let action = format!("/journal/{id}/edit");
    let version: i64 = form.version.trim().parse().unwrap_or(0);
    let entry = match input.validate() {
        Ok(e) => e,
        Err(errors) => {
            let page = layout::page(
                "Edit entry",
                Some(&who),
                html! { h1 { "Edit entry" } (editor(&who, &action, &input, Some(version), &errors, None)) },
            );
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    match state
        .services
        .records(&who)
        .update(&id, version, entry, now())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/journal/{id}")).into_response()),
        Err(ServiceError::Stale) => {
            // Someone saved this entry in another tab. Keep the person's words and
            // let them choose: saving again replaces the other version.
            let current = load(&state, &who, &id).await?;
            let note = "This entry was changed in another tab or device after you opened it. Your words are below, \
                        unchanged. Saving now will replace the other version.";
            let page = layout::page(
                "Edit entry",
                Some(&who),
                html! {
                    h1 { "Edit entry" }
                    (editor(&who, &action, &input, Some(current.version), &[], Some(note)))
                    details { summary { "See the other version" } (layout::paragraphs(&current.value.body)) }
                },
            );
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn confirm_delete(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    let e = load(&state, &who, &id).await?;
    let action = format!("/journal/{}/delete", e.id);
    let keep = format!("/journal/{}", e.id);
    Ok(layout::confirm_delete(
        &who,
        ConfirmDelete {
            title: "Delete entry",
            heading: html! { "Delete “" (e.value.display_title()) "”?" },
            detail: html! { p { "It will be gone for good; there is no undo." } },
            action: &action,
            button: "Delete entry",
            keep_href: &keep,
            keep_label: "Keep it",
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
        .delete::<JournalEntry>(&id)
        .await?;
    Ok(Redirect::to("/journal").into_response())
}
