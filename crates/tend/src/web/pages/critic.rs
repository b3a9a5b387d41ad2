//! Steps 1 and 3: notice the critic, the private log, and the guided reframe
//! ("what would you say to a friend?").

use crate::web::components::highlight;
use crate::web::extract::NoFields;
use crate::web::layout::ConfirmDelete;
use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use maud::{Markup, html};
use serde::Deserialize;
use tend_detector::Pattern;

use super::zone_of;
use crate::domain::Invalid;
use crate::domain::critic::{
    Place, REFRAME_MAX, THOUGHT_MAX, Thought, ThoughtFields, ThoughtInput, validate_reframe,
};
use crate::service::RecordFilter;
use crate::service::{ServiceError, Stored, Unlocked};
use crate::web::error::PageError;
use crate::web::extract::{Person, SignedForm};
use crate::web::format::when;
use crate::web::layout::{self, csrf, error_summary, field_error, has_error};
use crate::web::{AppState, now};

use highlight::{findings, marked_text, phi_notice, reframe_prompts, risk_help, spans_of};

/// The log lists this many newest thoughts.
const LIST_LIMIT: i64 = 50;
/// Weeks in the log's chart.
const WEEKS: i64 = 8;
/// An upper bound on thoughts read for the log's counts, so a very busy critic
/// cannot make the page slow; the counts say so when it is reached.
const WINDOW_LIMIT: i64 = 2_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/critic", get(log))
        .route("/critic/new", get(new_form).post(create))
        .route("/critic/{id}", get(show))
        .route("/critic/{id}/reframe", axum::routing::post(save_reframe))
        .route("/critic/{id}/edit", get(edit_form).post(update))
        .route("/critic/{id}/delete", get(confirm_delete).post(delete))
}

fn day_label(d: Date) -> String {
    crate::web::format::short(d)
}

/// Pattern ids as saved, sorted by the detector's confidence.
///
/// None for a thought with risk language: no pattern labels beside crisis
/// help, in the log and the weekly summary either.
fn detected(state: &AppState, text: &str) -> Vec<String> {
    if highlight::is_risky(&[text]) {
        return Vec::new();
    }
    let analysis = state.detector.analyze(text);
    highlight::distinct_findings(&analysis)
        .iter()
        .map(|f| f.pattern.id().to_owned())
        .collect()
}

fn thought_form(
    who: &Unlocked,
    action: &str,
    input: &ThoughtInput,
    version: Option<i64>,
    errors: &[Invalid],
    submit: &str,
) -> Markup {
    let described = |f: &str| has_error(errors, f).then(|| format!("{f}-error"));
    html! {
        (error_summary(errors))
        form method="post" action=(action) class="stack" novalidate {
            (csrf(who))
            @if let Some(v) = version { input type="hidden" name="version" value=(v); }
            div {
                label for="text" { "What is the critic saying?" (layout::required())
                    span class="hint" { "In its own words, the way it sounds in your head. Only you can read this." } }
                textarea id="text" name="text" rows="3" required maxlength=(THOUGHT_MAX)
                    aria-describedby=[described("text")] { (input.text) }
                (field_error(errors, "text"))
            }
            fieldset id="place" aria-describedby=[described("place")] {
                legend { "Where are you? " span class="hint" { "Optional." } }
                div class="scale" {
                    @for p in Place::ALL {
                        label { input type="radio" name="place" value=(p.id()) checked[input.place == p.id()]; (p.label()) }
                    }
                }
                (field_error(errors, "place"))
            }
            div {
                label for="intensity" { "How loud is it, from 0 to 10?" span class="hint" { "Optional. 0 is a whisper, 10 is as loud as it gets." } }
                input id="intensity" name="intensity" type="number" inputmode="numeric" min="0" max="10" step="1"
                    value=(input.intensity) aria-describedby=[described("intensity")];
                (field_error(errors, "intensity"))
            }
            div class="actions" {
                button type="submit" { (submit) }
                a href="/critic" { "Your critic log" }
            }
        }
    }
}

fn capture_page(
    state: &AppState,
    who: &Unlocked,
    input: &ThoughtInput,
    errors: &[Invalid],
) -> Markup {
    layout::page(
        "Notice the critic",
        Some(who),
        html! {
            // Shown even when the form has a problem: help must never wait for valid input.
            (risk_help(&state.helplines, who, &[&input.text]))
            h1 { "Notice the critic" }
            p class="muted" { "Catching the critic in the act is a skill. Write the thought down as it is; you don't have to argue with it yet." }
            (thought_form(who, "/critic/new", input, None, errors, "Save the thought"))
        },
    )
}

pub async fn new_form(State(state): State<AppState>, Person(who): Person) -> Markup {
    capture_page(&state, &who, &ThoughtInput::default(), &[])
}

pub async fn create(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<ThoughtInput>,
) -> Result<Response, PageError> {
    let fields = match form.validate() {
        Ok(f) => f,
        Err(errors) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                capture_page(&state, &who, &form, &errors),
            )
                .into_response());
        }
    };
    let thought = new_thought(&state, fields, String::new());
    let today = super::today_for(&state, &who).await?;
    let saved = state
        .services
        .records(&who)
        .create(Some(today), thought, now())
        .await?;
    state
        .services
        .programmes()
        .after_use(
            &who,
            today,
            crate::domain::programmes::Measure::Thoughts,
            now(),
        )
        .await;
    Ok(Redirect::to(&format!("/critic/{}?saved=thought", saved.id)).into_response())
}

fn new_thought(state: &AppState, f: ThoughtFields, reframe: String) -> Thought {
    Thought {
        patterns: detected(state, &f.text),
        text: f.text,
        place: f.place,
        intensity: f.intensity,
        reframe,
    }
}

async fn load(state: &AppState, who: &Unlocked, id: &str) -> Result<Stored<Thought>, PageError> {
    state
        .services
        .records(who)
        .get::<Thought>(id)
        .await?
        .ok_or(PageError::NotFound)
}

#[derive(Debug, Default, Deserialize)]
pub struct Saved {
    #[serde(default)]
    saved: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ReframeForm {
    #[serde(default)]
    reframe: String,
    #[serde(default)]
    version: String,
}

#[allow(clippy::too_many_arguments)]
fn thought_page(
    state: &AppState,
    who: &Unlocked,
    tz: &TimeZone,
    t: &Stored<Thought>,
    draft: &str,
    errors: &[Invalid],
    flash: Option<&str>,
    stale_note: Option<&str>,
) -> Markup {
    let analysis = state.detector.analyze(&t.value.text);
    let risky = highlight::is_risky(&[&t.value.text, &t.value.reframe, draft]);
    // Next to crisis help, only the general prompts: pattern-specific ones
    // ("is it really every time?") would read as arguing with the person.
    let patterns: Vec<Pattern> = if risky {
        Vec::new()
    } else {
        highlight::distinct_findings(&analysis)
            .iter()
            .take(2)
            .map(|f| f.pattern)
            .collect()
    };
    let marks = if risky {
        Vec::new()
    } else {
        spans_of(&analysis)
    };
    let edit = format!("/critic/{}/edit", t.id);
    let v = &t.value;
    layout::page(
        "A thought you noticed",
        Some(who),
        html! {
            @if let Some(f) = flash { (layout::notice(f)) }
            (highlight::crisis_help(&state.helplines, who, risky))
            h1 { "A thought you noticed" }
            p class="muted" {
                (when(t.created_at, tz))
                @if let Some(p) = v.place { " · " (p.label()) }
                @if let Some(i) = v.intensity { " · loudness " (i) " of 10" }
            }
            div class="thought card" { (marked_text(&v.text, &marks)) }
            (phi_notice(&[&v.text], Some(&edit)))
            (findings(&analysis, risky, 2))
            section aria-labelledby="reframe-h" {
                h2 id="reframe-h" { "What would you say to a friend?" }
                @if !v.reframe.is_empty() {
                    div class="reframe card" {
                        p class="muted" { "Your kinder answer" }
                        (layout::paragraphs(&v.reframe))
                    }
                }
                p { "Imagine a friend you care about told you they had this thought. Some questions that might help:" }
                ul class="prompts" {
                    @for p in reframe_prompts(&patterns) { li { (p) } }
                }
                (error_summary(errors))
                @if let Some(n) = stale_note { div class="errors" role="alert" { p { (n) } } }
                form method="post" action={ "/critic/" (t.id) "/reframe" } class="stack" novalidate {
                    (csrf(who))
                    input type="hidden" name="version" value=(t.version);
                    div {
                        label for="reframe" {
                            @if v.reframe.is_empty() { "Your kinder answer" } @else { "Change your kinder answer" }
                            span class="hint" { "Write it the way you'd say it to them, then read it as if it were for you." }
                        }
                        textarea id="reframe" name="reframe" rows="6" required maxlength=(REFRAME_MAX)
                            aria-describedby=[has_error(errors, "reframe").then_some("reframe-error")] { (draft) }
                        (field_error(errors, "reframe"))
                    }
                    div class="actions" { button type="submit" { "Save my kinder answer" } }
                }
            }
            p class="actions" {
                a href=(edit) { "Edit the thought" }
                a href={ "/critic/" (t.id) "/delete" } { "Delete" }
                a href="/critic" { "Your critic log" }
            }
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
    Query(q): Query<Saved>,
) -> Result<Markup, PageError> {
    let t = load(&state, &who, &id).await?;
    let flash = match q.saved.as_str() {
        "thought" => Some("Saved. Only you can read it."),
        "reframe" => Some("Your kinder answer is saved."),
        "edit" => Some("Your changes are saved."),
        _ => None,
    };
    Ok(thought_page(
        &state,
        &who,
        &zone_of(&state, &who).await?,
        &t,
        &t.value.reframe,
        &[],
        flash,
        None,
    ))
}

pub async fn save_reframe(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, form }: SignedForm<ReframeForm>,
) -> Result<Response, PageError> {
    let current = load(&state, &who, &id).await?;
    let reframe = match validate_reframe(&form.reframe) {
        Ok(r) => r,
        Err(errors) => {
            let page = thought_page(
                &state,
                &who,
                &zone_of(&state, &who).await?,
                &current,
                &form.reframe,
                &errors,
                None,
                None,
            );
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let version: i64 = form.version.trim().parse().unwrap_or(0);
    let mut thought = current.value.clone();
    thought.reframe = reframe;
    match state
        .services
        .records(&who)
        .update(&id, version, thought, now())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/critic/{id}?saved=reframe")).into_response()),
        Err(ServiceError::Stale) => {
            let note = "This thought was changed in another tab or device after you opened it. \
                        Your words are below, unchanged. Saving now will replace the other version.";
            let page = thought_page(
                &state,
                &who,
                &zone_of(&state, &who).await?,
                &current,
                &form.reframe,
                &[],
                None,
                Some(note),
            );
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct EditForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    intensity: String,
    #[serde(default)]
    version: String,
}

fn edit_page(
    state: &AppState,
    who: &Unlocked,
    id: &str,
    input: &ThoughtInput,
    version: i64,
    errors: &[Invalid],
    note: Option<&str>,
) -> Markup {
    layout::page(
        "Edit the thought",
        Some(who),
        html! {
            (risk_help(&state.helplines, who, &[&input.text]))
            h1 { "Edit the thought" }
            @if let Some(n) = note { div class="errors" role="alert" { p { (n) } } }
            (thought_form(who, &format!("/critic/{id}/edit"), input, Some(version), errors, "Save changes"))
        },
    )
}

pub async fn edit_form(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    let t = load(&state, &who, &id).await?;
    Ok(edit_page(
        &state,
        &who,
        &t.id,
        &ThoughtInput::from_thought(&t.value),
        t.version,
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
    let input = ThoughtInput {
        text: form.text,
        place: form.place,
        intensity: form.intensity,
    };
    let version: i64 = form.version.trim().parse().unwrap_or(0);
    let fields = match input.validate() {
        Ok(f) => f,
        Err(errors) => {
            let page = edit_page(&state, &who, &id, &input, version, &errors, None);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let thought = new_thought(&state, fields, current.value.reframe.clone());
    match state
        .services
        .records(&who)
        .update(&id, version, thought, now())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/critic/{id}?saved=edit")).into_response()),
        Err(ServiceError::Stale) => {
            let note = "This thought was changed in another tab or device after you opened it. \
                        Your words are below, unchanged. Saving now will replace the other version.";
            let page = edit_page(&state, &who, &id, &input, current.version, &[], Some(note));
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
    let t = load(&state, &who, &id).await?;
    let action = format!("/critic/{}/delete", t.id);
    let keep = format!("/critic/{}", t.id);
    Ok(layout::confirm_delete(
        &who,
        ConfirmDelete {
            title: "Delete the thought",
            heading: html! { "Delete this thought?" },
            detail: html! {
                blockquote { (t.value.text) }
                p { "It will be gone for good, with your kinder answer; there is no undo." }
            },
            action: &action,
            button: "Delete the thought",
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
    state.services.records(&who).delete::<Thought>(&id).await?;
    Ok(Redirect::to("/critic").into_response())
}

/// The Monday of the week holding `d`.
fn week_start(d: Date) -> Date {
    let back = i64::from(d.weekday().to_monday_zero_offset());
    d.checked_sub(jiff::Span::new().days(back)).unwrap_or(d)
}

/// A bar for a count, drawn as SVG (no inline styles under the CSP); hidden
/// from screen readers, which get the number itself.
fn bar(count: usize, max: usize) -> Markup {
    let width = (count * 100).checked_div(max).unwrap_or(0);
    html! {
        svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" width="100%" height="12" aria-hidden="true" focusable="false" {
            rect x="0" y="0" width=(width) height="10" rx="2" {}
        }
    }
}

fn thought_list(items: &[Stored<Thought>], tz: &TimeZone) -> Markup {
    html! {
        ul class="entries" {
            @for t in items {
                li {
                    a href={ "/critic/" (t.id) } { (t.value.snippet()) }
                    br;
                    span class="muted" {
                        (when(t.created_at, tz))
                        @if let Some(p) = t.value.place { " · " (p.label()) }
                        @if !t.value.reframe.is_empty() { " · answered kindly" }
                    }
                }
            }
        }
    }
}

pub async fn log(State(state): State<AppState>, Person(who): Person) -> Result<Markup, PageError> {
    let tz = zone_of(&state, &who).await?;
    let today = super::today_for(&state, &who).await?;
    let first_week = week_start(today)
        .checked_sub(jiff::Span::new().weeks(WEEKS - 1))
        .unwrap_or(today);
    let records = state.services.records(&who);
    let window = records
        .list::<Thought>(&RecordFilter {
            day_from: Some(first_week),
            day_to: Some(today),
            limit: Some(WINDOW_LIMIT),
        })
        .await?;
    // The list usually comes from the window already; only a quiet two months
    // needs a second look further back.
    let recent = if window.len() as i64 >= LIST_LIMIT {
        window.iter().take(LIST_LIMIT as usize).cloned().collect()
    } else {
        records
            .list::<Thought>(&RecordFilter {
                limit: Some(LIST_LIMIT),
                ..RecordFilter::default()
            })
            .await?
    };

    let mut by_week: Vec<(Date, usize)> = (0..WEEKS)
        .filter_map(|i| {
            first_week
                .checked_add(jiff::Span::new().weeks(i))
                .ok()
                .map(|d| (d, 0))
        })
        .collect();
    let mut by_place: HashMap<Option<Place>, usize> = HashMap::new();
    let mut by_pattern: HashMap<&str, usize> = HashMap::new();
    for t in &window {
        if let Some(day) = t.day {
            let ws = week_start(day);
            if let Some(slot) = by_week.iter_mut().find(|(d, _)| *d == ws) {
                slot.1 += 1;
            }
        }
        *by_place.entry(t.value.place).or_default() += 1;
        for p in &t.value.patterns {
            *by_pattern.entry(p.as_str()).or_default() += 1;
        }
    }
    by_week.reverse();
    let week_max = by_week.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let mut places: Vec<(Option<Place>, usize)> = by_place.into_iter().collect();
    places.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(a.0.map(|p| p.id()).cmp(&b.0.map(|p| p.id())))
    });
    let place_max = places.first().map_or(0, |p| p.1);
    let mut patterns: Vec<(&str, usize)> = by_pattern.into_iter().collect();
    patterns.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));

    Ok(layout::page(
        "Your critic log",
        Some(&who),
        html! {
            h1 { "Your critic log" }
            p { "When and where the inner critic shows up, so you can see it coming and meet it kindly. Only you can see this." }
            p { a class="button" href="/critic/new" { "Notice the critic" } }
            @if recent.is_empty() {
                p { "Thoughts you notice will appear here. There's no right number: noticing even one is the skill." }
            } @else {
                @if !window.is_empty() {
                    section aria-labelledby="weeks-h" {
                        h2 id="weeks-h" { "By week" }
                        table class="counts" {
                            caption class="muted" { "Thoughts noticed in each of the last " (WEEKS) " weeks, newest first" }
                            thead { tr { th scope="col" { "Week of" } th scope="col" { "Thoughts" } th scope="col" { span class="visually-hidden" { "Bar" } } } }
                            tbody {
                                @for (d, n) in &by_week {
                                    tr { th scope="row" { (day_label(*d)) } td { (n) } td class="bar-cell" { (bar(*n, week_max)) } }
                                }
                            }
                        }
                    }
                    section aria-labelledby="places-h" {
                        h2 id="places-h" { "Where" }
                        table class="counts" {
                            caption class="muted" { "Where the thoughts came, over the same weeks" }
                            thead { tr { th scope="col" { "Place" } th scope="col" { "Thoughts" } th scope="col" { span class="visually-hidden" { "Bar" } } } }
                            tbody {
                                @for (p, n) in &places {
                                    tr {
                                        th scope="row" { (p.map_or("Not said", |p| p.label())) }
                                        td { (n) }
                                        td class="bar-cell" { (bar(*n, place_max)) }
                                    }
                                }
                            }
                        }
                    }
                    @if !patterns.is_empty() {
                        section aria-labelledby="patterns-h" {
                            h2 id="patterns-h" { "Patterns that may have come up" }
                            ul {
                                @for (id, n) in patterns.iter().take(5) {
                                    @if let Some(p) = Pattern::from_id(id) {
                                        li { (p.name()) ": " (n) }
                                    }
                                }
                            }
                        }
                    }
                    @if window.len() as i64 >= WINDOW_LIMIT {
                        p class="muted" { "The counts above include your " (WINDOW_LIMIT) " most recent thoughts." }
                    }
                }
                section aria-labelledby="list-h" {
                    h2 id="list-h" { "What the critic said" }
                    (thought_list(&recent, &tz))
                    @if recent.len() as i64 >= LIST_LIMIT {
                        p class="muted" { "Showing your " (LIST_LIMIT) " newest thoughts. All of them are in your export." }
                    }
                }
            }
        },
    ))
}
