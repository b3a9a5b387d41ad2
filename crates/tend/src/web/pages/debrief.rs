//! Step 4: the mistake debrief. Five parts in a fixed order (facts, feelings,
//! common humanity, one lesson, one kind sentence), ending on kindness.

use crate::web::extract::NoFields;
use crate::web::layout::ConfirmDelete;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;

use super::zone_of;
use crate::content::Prompt;
use crate::domain::Invalid;
use crate::domain::critic::{DEBRIEF_FIELD_MAX, Debrief, DebriefInput, KIND_SENTENCE_MAX};
use crate::service::RecordFilter;
use crate::service::{ServiceError, Stored, Unlocked};
use crate::web::components::highlight::{phi_notice, risk_help};
use crate::web::error::PageError;
use crate::web::extract::{Person, SignedForm};
use crate::web::format::when;
use crate::web::layout::{self, csrf, error_summary, field_error, has_error};
use crate::web::{AppState, now};

const LIST_LIMIT: i64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/debrief", get(list))
        .route("/debrief/new", get(new_form).post(create))
        .route("/debrief/{id}", get(show))
        .route("/debrief/{id}/edit", get(edit_form).post(update))
        .route("/debrief/{id}/delete", get(confirm_delete).post(delete))
}

/// The five parts in their order: (field, prompt, value, max, required).
fn parts<'a>(
    state: &'a AppState,
    d: &'a DebriefInput,
) -> [(&'static str, &'a Prompt, &'a str, usize, bool); 5] {
    let p = &state.content.prompts.debrief;
    [
        (
            "what_happened",
            &p.what_happened,
            &d.what_happened,
            DEBRIEF_FIELD_MAX,
            true,
        ),
        (
            "what_i_felt",
            &p.what_i_felt,
            &d.what_i_felt,
            DEBRIEF_FIELD_MAX,
            false,
        ),
        (
            "common_humanity",
            &p.common_humanity,
            &d.common_humanity,
            DEBRIEF_FIELD_MAX,
            false,
        ),
        (
            "one_lesson",
            &p.one_lesson,
            &d.one_lesson,
            DEBRIEF_FIELD_MAX,
            false,
        ),
        (
            "kind_sentence",
            &p.kind_sentence,
            &d.kind_sentence,
            KIND_SENTENCE_MAX,
            true,
        ),
    ]
}

fn input_of(d: &Debrief) -> DebriefInput {
    DebriefInput {
        what_happened: d.what_happened.clone(),
        what_i_felt: d.what_i_felt.clone(),
        common_humanity: d.common_humanity.clone(),
        one_lesson: d.one_lesson.clone(),
        kind_sentence: d.kind_sentence.clone(),
    }
}

/// Where an edit posts to, the version it started from, and a note when it
/// was changed elsewhere meanwhile.
struct Editing<'a> {
    id: &'a str,
    version: i64,
    note: Option<&'a str>,
}

fn form_page(
    state: &AppState,
    who: &Unlocked,
    input: &DebriefInput,
    errors: &[Invalid],
    editing: Option<&Editing<'_>>,
) -> Markup {
    let action = editing.map_or_else(
        || "/debrief/new".to_owned(),
        |e| format!("/debrief/{}/edit", e.id),
    );
    layout::page(
        "Mistake debrief",
        Some(who),
        html! {
            (risk_help(&state.helplines, who, &[&input.what_happened, &input.what_i_felt, &input.common_humanity, &input.one_lesson, &input.kind_sentence]))
            h1 { "Mistake debrief" }
            p { "For a clinical error, a near miss, a failed exam or being shamed on rounds. About five minutes. "
                "Only the first and the last part are needed; the rest can stay empty. Only you can read this." }
            (error_summary(errors))
            @if let Some(n) = editing.and_then(|e| e.note) { div class="errors" role="alert" { p { (n) } } }
            form method="post" action=(action) class="stack debrief" novalidate {
                (csrf(who))
                @if let Some(e) = editing { input type="hidden" name="version" value=(e.version); }
                @for (i, (field, prompt, value, max, required)) in parts(state, input).into_iter().enumerate() {
                    @let hint_id = format!("{field}-hint");
                    @let described = if has_error(errors, field) { format!("{hint_id} {field}-error") } else { hint_id.clone() };
                    div class={ "part" @if field == "kind_sentence" { " kind" } } {
                        label for=(field) {
                            (i + 1) ". " (prompt.label)
                            @if !required { " " span class="optional" { "(optional)" } }
                        }
                        p class="hint" id=(hint_id) { (prompt.hint) }
                        @if field == "kind_sentence" {
                            textarea id=(field) name=(field) rows="2" maxlength=(max) required aria-describedby=(described) { (value) }
                        } @else {
                            textarea id=(field) name=(field) rows="4" maxlength=(max) required[required] aria-describedby=(described) { (value) }
                        }
                        (field_error(errors, field))
                    }
                }
                div class="actions" { button type="submit" { "Save the debrief" } a href="/debrief" { "Cancel" } }
            }
        },
    )
}

pub async fn new_form(State(state): State<AppState>, Person(who): Person) -> Markup {
    form_page(&state, &who, &DebriefInput::default(), &[], None)
}

pub async fn create(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<DebriefInput>,
) -> Result<Response, PageError> {
    let debrief = match form.validate() {
        Ok(d) => d,
        Err(errors) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                form_page(&state, &who, &form, &errors, None),
            )
                .into_response());
        }
    };
    let today = super::today_for(&state, &who).await?;
    let saved = state
        .services
        .records(&who)
        .create(Some(today), debrief, now())
        .await?;
    state
        .services
        .programmes()
        .after_use(
            &who,
            today,
            crate::domain::programmes::Measure::Debriefs,
            now(),
        )
        .await;
    Ok(Redirect::to(&format!("/debrief/{}?saved=1", saved.id)).into_response())
}

pub async fn list(State(state): State<AppState>, Person(who): Person) -> Result<Markup, PageError> {
    let tz = zone_of(&state, &who).await?;
    let items = state
        .services
        .records(&who)
        .list::<Debrief>(&RecordFilter {
            limit: Some(LIST_LIMIT),
            ..RecordFilter::default()
        })
        .await?;
    Ok(layout::page(
        "Mistake debriefs",
        Some(&who),
        html! {
            h1 { "Mistake debriefs" }
            p { "Mistakes are part of learning medicine, and so is the shame that can follow them. "
                "The debrief walks you from what happened to one kind sentence to yourself." }
            p { a class="button" href="/debrief/new" { "Start a debrief" } }
            @if items.is_empty() {
                p class="muted" { "Debriefs you write will be here. Nobody but you can read them." }
            } @else {
                ul class="entries" {
                    @for d in &items {
                        li {
                            a href={ "/debrief/" (d.id) } { (d.value.snippet()) }
                            br;
                            span class="muted" { (when(d.created_at, &tz)) " · “" (d.value.kind_sentence) "”" }
                        }
                    }
                }
            }
        },
    ))
}

async fn load(state: &AppState, who: &Unlocked, id: &str) -> Result<Stored<Debrief>, PageError> {
    state
        .services
        .records(who)
        .get::<Debrief>(id)
        .await?
        .ok_or(PageError::NotFound)
}

#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: String,
}

pub async fn show(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Markup, PageError> {
    let tz = zone_of(&state, &who).await?;
    let d = load(&state, &who, &id).await?;
    let input = input_of(&d.value);
    let v = &d.value;
    Ok(layout::page(
        "Your debrief",
        Some(&who),
        html! {
            @if q.saved == "1" { (layout::notice("Your debrief is saved. That took courage.")) }
            @if q.saved == "edit" { (layout::notice("Your changes are saved.")) }
            (risk_help(&state.helplines, &who, &[&v.what_happened, &v.what_i_felt, &v.common_humanity, &v.one_lesson, &v.kind_sentence]))
            h1 { "Your debrief" }
            p class="muted" { (when(d.created_at, &tz)) }
            (phi_notice(&[&v.what_happened], Some(&format!("/debrief/{}/edit", d.id))))
            // The first four parts, then the kind sentence last and on its own.
            dl class="debrief" {
                @for (field, prompt, value, _, _) in parts(&state, &input).into_iter().take(4) {
                    @if !value.is_empty() {
                        dt id={ (field) "-h" } { (prompt.label) }
                        dd { (layout::paragraphs(value)) }
                    }
                }
            }
            section class="kind-sentence" aria-labelledby="kind-h" {
                h2 id="kind-h" { (state.content.prompts.debrief.kind_sentence.label) }
                p class="kind-words" { (v.kind_sentence) }
            }
            p class="actions" {
                a href={ "/debrief/" (d.id) "/edit" } { "Edit" }
                a href={ "/debrief/" (d.id) "/delete" } { "Delete" }
                a href="/debrief" { "All debriefs" }
            }
        },
    ))
}

pub async fn edit_form(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    let d = load(&state, &who, &id).await?;
    let editing = Editing {
        id: &d.id,
        version: d.version,
        note: None,
    };
    Ok(form_page(
        &state,
        &who,
        &input_of(&d.value),
        &[],
        Some(&editing),
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct EditForm {
    #[serde(flatten)]
    input: DebriefInput,
    #[serde(default)]
    version: String,
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, form }: SignedForm<EditForm>,
) -> Result<Response, PageError> {
    let current = load(&state, &who, &id).await?;
    let version: i64 = form.version.trim().parse().unwrap_or(0);
    let debrief = match form.input.validate() {
        Ok(d) => d,
        Err(errors) => {
            let editing = Editing {
                id: &id,
                version,
                note: None,
            };
            let page = form_page(&state, &who, &form.input, &errors, Some(&editing));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    match state
        .services
        .records(&who)
        .update(&id, version, debrief, now())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/debrief/{id}?saved=edit")).into_response()),
        Err(ServiceError::Stale) => {
            let editing = Editing {
                id: &id,
                version: current.version,
                note: Some(
                    "This debrief was changed in another tab or device after you opened it. \
                     Your words are below, unchanged. Saving now will replace the other version.",
                ),
            };
            let page = form_page(&state, &who, &form.input, &[], Some(&editing));
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
    let d = load(&state, &who, &id).await?;
    let action = format!("/debrief/{}/delete", d.id);
    let keep = format!("/debrief/{}", d.id);
    Ok(layout::confirm_delete(
        &who,
        ConfirmDelete {
            title: "Delete the debrief",
            heading: html! { "Delete this debrief?" },
            detail: html! { p { "“" (d.value.snippet()) "” will be gone for good; there is no undo." } },
            action: &action,
            button: "Delete the debrief",
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
    state.services.records(&who).delete::<Debrief>(&id).await?;
    Ok(Redirect::to("/debrief").into_response())
}
