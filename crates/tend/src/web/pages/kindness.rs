//! Step 3: the self-compassion break and the compassionate letter.

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
use crate::domain::Invalid;
use crate::domain::critic::{
    BREAK_NOTE_MAX, BreakNote, LETTER_MAX, Letter, LetterInput, validate_break_note,
};
use crate::service::RecordFilter;
use crate::service::{Stored, Unlocked};
use crate::web::components::highlight::{phi_notice, risk_help};
use crate::web::components::week;
use crate::web::error::PageError;
use crate::web::extract::{Person, SignedForm};
use crate::web::format::when;
use crate::web::layout::{self, csrf, error_summary, field_error, has_error};
use crate::web::{AppState, now};

/// Recent break notes shown under the break.
const NOTES_SHOWN: i64 = 5;
/// Letters listed.
const LETTERS_SHOWN: i64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/kindness", get(hub))
        .route("/kindness/break", get(break_page).post(save_break))
        .route("/kindness/letter", get(letters).post(create_letter))
        .route("/kindness/letter/{id}", get(show_letter))
        .route(
            "/kindness/letter/{id}/delete",
            get(confirm_delete_letter).post(delete_letter),
        )
}

pub async fn hub(State(state): State<AppState>, Person(who): Person) -> Result<Markup, PageError> {
    let today = super::today_for(&state, &who).await?;
    let week_ago = today
        .checked_sub(jiff::Span::new().days(6))
        .unwrap_or(today);
    let this_week = week::critic_section(
        &state
            .services
            .summaries(&who)
            .critic_week(week_ago, today)
            .await?,
    );
    Ok(layout::page(
        "Self-kindness",
        Some(&who),
        html! {
            h1 { "Self-kindness" }
            p { "Ways to speak to yourself the way you would speak to a friend." }
            ul class="entries" {
                li { a href="/critic" { "Answer a thought kindly" } br; span class="muted" { "Pick a thought you noticed and write what you'd say to a friend." } }
                li { a href="/kindness/break" { "Two-minute self-compassion break" } br; span class="muted" { "For a hard moment, right now." } }
                li { a href="/kindness/letter" { "A compassionate letter" } br; span class="muted" { "A few minutes of writing to yourself, from a kind friend's point of view." } }
                li { a href="/debrief" { "Mistake debrief" } br; span class="muted" { "After an error, a near miss, a bad exam or a hard round." } }
            }
            p class="muted" { "Your last seven days:" }
            (this_week)
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct BreakQuery {
    #[serde(default)]
    saved: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct BreakForm {
    #[serde(default)]
    note: String,
}

async fn break_view(
    state: &AppState,
    who: &Unlocked,
    note: &str,
    errors: &[Invalid],
    saved: bool,
) -> Result<Markup, PageError> {
    let tz = zone_of(state, who).await?;
    let recent = state
        .services
        .records(who)
        .list::<BreakNote>(&RecordFilter {
            limit: Some(NOTES_SHOWN),
            ..RecordFilter::default()
        })
        .await?;
    let guide = &state.content.self_compassion_break;
    let latest_note = recent.first().map(|r| r.value.note.as_str()).unwrap_or("");
    Ok(layout::page(
        &guide.title,
        Some(who),
        html! {
            @if saved { (layout::notice("Saved. Thank you for being kind to yourself just now.")) }
            (risk_help(&state.helplines, who, &[note, if saved { latest_note } else { "" }]))
            h1 { (guide.title) }
            p { (guide.summary) }
            ol class="break-steps" {
                @for step in &guide.steps {
                    li { h2 { (step.title) } p { (step.text) } }
                }
            }
            @if let Some(src) = &guide.source { p class="muted" { (src) } }
            (error_summary(errors))
            form method="post" action="/kindness/break" class="stack" novalidate {
                (csrf(who))
                div {
                    label for="note" { "A note for yourself" span class="hint" { "Optional. What did you notice? What did you say to yourself?" } }
                    textarea id="note" name="note" rows="3" maxlength=(BREAK_NOTE_MAX)
                        aria-describedby=[has_error(errors, "note").then_some("note-error")] { (note) }
                    (field_error(errors, "note"))
                }
                div class="actions" { button type="submit" { "I took the break" } }
            }
            p { a href="/help" { "Help lines, if it's still too much" } }
            @let with_notes: Vec<&Stored<BreakNote>> = recent.iter().filter(|r| !r.value.note.is_empty()).collect();
            @if !with_notes.is_empty() {
                section aria-labelledby="notes-h" {
                    h2 id="notes-h" { "Your recent notes" }
                    ul class="entries" {
                        @for r in with_notes {
                            li { span class="muted" { (when(r.created_at, &tz)) } (layout::paragraphs(&r.value.note)) }
                        }
                    }
                }
            }
        },
    ))
}

pub async fn break_page(
    State(state): State<AppState>,
    Person(who): Person,
    Query(q): Query<BreakQuery>,
) -> Result<Markup, PageError> {
    break_view(&state, &who, "", &[], q.saved == "1").await
}

pub async fn save_break(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<BreakForm>,
) -> Result<Response, PageError> {
    let value = match validate_break_note(&form.note) {
        Ok(v) => v,
        Err(errors) => {
            let page = break_view(&state, &who, &form.note, &errors, false).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let today = super::today_for(&state, &who).await?;
    state
        .services
        .records(&who)
        .create(Some(today), value, now())
        .await?;
    Ok(Redirect::to("/kindness/break?saved=1").into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct LetterQuery {
    #[serde(default)]
    prompt: String,
}

/// The prompt at `i`, wrapping, so any number in the link still works.
fn prompt_at(state: &AppState, i: usize) -> (usize, &str) {
    let all = &state.content.prompts.compassionate_letter;
    let i = i % all.len().max(1);
    (i, all.get(i).map_or("", String::as_str))
}

async fn letters_view(
    state: &AppState,
    who: &Unlocked,
    prompt_index: usize,
    input: &LetterInput,
    errors: &[Invalid],
) -> Result<Markup, PageError> {
    let tz = zone_of(state, who).await?;
    let list = state
        .services
        .records(who)
        .list::<Letter>(&RecordFilter {
            limit: Some(LETTERS_SHOWN),
            ..RecordFilter::default()
        })
        .await?;
    let (i, prompt) = prompt_at(state, prompt_index);
    let prompt = if input.prompt.is_empty() {
        prompt
    } else {
        input.prompt.as_str()
    };
    Ok(layout::page(
        "A compassionate letter",
        Some(who),
        html! {
            (risk_help(&state.helplines, who, &[&input.body]))
            h1 { "A compassionate letter" }
            p { "Write to yourself as a kind, wise friend would: someone who sees your struggles and loves you anyway. "
                "A few minutes is enough. Only you can read it." }
            (error_summary(errors))
            form method="post" action="/kindness/letter" class="stack" novalidate {
                (csrf(who))
                input type="hidden" name="prompt" value=(prompt);
                div class="card prompt" {
                    p class="muted" { "A prompt, if it helps" }
                    p id="letter-prompt" { (prompt) }
                    p { a href={ "/kindness/letter?prompt=" (i + 1) } { "Show another prompt" } }
                }
                div {
                    label for="body" { "Your letter" span class="hint" { "Start with “Dear …”, or however feels right." } }
                    textarea id="body" name="body" rows="12" required maxlength=(LETTER_MAX)
                        aria-describedby={ "letter-prompt" @if has_error(errors, "body") { " body-error" } } { (input.body) }
                    (field_error(errors, "body"))
                }
                div class="actions" { button type="submit" { "Save the letter" } }
            }
            section aria-labelledby="letters-h" {
                h2 id="letters-h" { "Letters you have written" }
                @if list.is_empty() {
                    p class="muted" { "Letters you save will be here, to read again on a hard day." }
                } @else {
                    ul class="entries" {
                        @for l in &list {
                            li {
                                a href={ "/kindness/letter/" (l.id) } { (l.value.snippet()) }
                                br;
                                span class="muted" { (when(l.created_at, &tz)) }
                            }
                        }
                    }
                }
            }
        },
    ))
}

pub async fn letters(
    State(state): State<AppState>,
    Person(who): Person,
    Query(q): Query<LetterQuery>,
) -> Result<Markup, PageError> {
    // Without a choice, the prompt changes from day to day.
    let index = match q.prompt.trim().parse::<usize>() {
        Ok(i) => i,
        Err(_) => usize::try_from(super::today_for(&state, &who).await?.day_of_year()).unwrap_or(0),
    };
    letters_view(&state, &who, index, &LetterInput::default(), &[]).await
}

pub async fn create_letter(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<LetterInput>,
) -> Result<Response, PageError> {
    let letter = match form.validate() {
        Ok(l) => l,
        Err(errors) => {
            let page = letters_view(&state, &who, 0, &form, &errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let today = super::today_for(&state, &who).await?;
    let saved = state
        .services
        .records(&who)
        .create(Some(today), letter, now())
        .await?;
    Ok(Redirect::to(&format!("/kindness/letter/{}?saved=1", saved.id)).into_response())
}

async fn load(state: &AppState, who: &Unlocked, id: &str) -> Result<Stored<Letter>, PageError> {
    state
        .services
        .records(who)
        .get::<Letter>(id)
        .await?
        .ok_or(PageError::NotFound)
}

#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: String,
}

pub async fn show_letter(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Markup, PageError> {
    let tz = zone_of(&state, &who).await?;
    let l = load(&state, &who, &id).await?;
    Ok(layout::page(
        "Your letter",
        Some(&who),
        html! {
            @if q.saved == "1" { (layout::notice("Your letter is saved. Come back to it whenever you need it.")) }
            (risk_help(&state.helplines, &who, &[&l.value.body]))
            h1 { "Your letter" }
            p class="muted" { (when(l.created_at, &tz)) }
            @if !l.value.prompt.is_empty() { p class="muted" { "Prompt: " (l.value.prompt) } }
            (phi_notice(&[&l.value.body], None))
            article class="card letter" { (layout::paragraphs(&l.value.body)) }
            p class="actions" {
                a href={ "/kindness/letter/" (l.id) "/delete" } { "Delete" }
                a href="/kindness/letter" { "All letters" }
            }
        },
    ))
}

pub async fn confirm_delete_letter(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    let l = load(&state, &who, &id).await?;
    let action = format!("/kindness/letter/{}/delete", l.id);
    let keep = format!("/kindness/letter/{}", l.id);
    Ok(layout::confirm_delete(
        &who,
        ConfirmDelete {
            title: "Delete the letter",
            heading: html! { "Delete this letter?" },
            detail: html! { p { "“" (l.value.snippet()) "” will be gone for good; there is no undo." } },
            action: &action,
            button: "Delete the letter",
            keep_href: &keep,
            keep_label: "Keep it",
        },
    ))
}

pub async fn delete_letter(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    state.services.records(&who).delete::<Letter>(&id).await?;
    Ok(Redirect::to("/kindness/letter").into_response())
}
