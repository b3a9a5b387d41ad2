//! Validated questionnaires: due list, answering, results and charts (issue 3).
//!
//! Answers are sealed personal records; scores are recomputed by the engine on
//! display. Answering is one question per screen with plain forms, so it works
//! without JavaScript, by keyboard and with a screen reader, and a draft per
//! questionnaire lets a person leave and come back where they stopped.

use crate::web::extract::NoFields;
use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::civil::Date;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use serde_json::json;
use tend_instruments::{
    Change, FlagKind, Instrument, ScoreResult, describe_change, render_chart_svg,
    render_chart_table, schedule,
};

use super::today_for;
use crate::domain::Invalid;
use crate::domain::helplines::Local;
use crate::domain::questionnaire::{
    Draft, Drafts, Preferences, Response as Answers, check_answers, from_time, parse_answer,
    parse_followup, parse_settings, to_time,
};
use crate::service::{Stored, Unlocked};
use crate::store::RecordFilter;
use crate::web::error::{ApiError, PageError};
use crate::web::extract::{ApiJson, ApiPerson, Person, SignedForm};
use crate::web::helplines as web_helplines;
use crate::web::layout::{self, csrf, error_summary, field_error, has_error};
use crate::web::{AppState, now};

/// Charts and "last result" look back this far. A person taking every
/// questionnaire as often as the schedule allows makes about 360 responses a
/// year, so the limit keeps pages fast whatever is stored.
const HISTORY_DAYS: i64 = 366;
const HISTORY_LIMIT: i64 = 400;
const PREFS_SLOT: &str = "questionnaire-preferences";
const DRAFTS_SLOT: &str = "questionnaire-drafts";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/questionnaires", get(list))
        .route("/questionnaires/settings", post(save_settings))
        .route("/questionnaires/{id}", get(intro))
        .route("/questionnaires/{id}/q/{n}", get(question).post(answer))
        .route("/questionnaires/{id}/help", get(crisis_help))
        .route("/questionnaires/{id}/review", get(review).post(submit))
        .route("/questionnaires/{id}/restart", post(restart))
        .route("/questionnaires/{id}/results/{rid}", get(result))
}

pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/questionnaires", get(api_list))
        .route("/questionnaires/{id}", get(api_instrument))
        .route(
            "/questionnaires/{id}/responses",
            get(api_responses).post(api_respond),
        )
}

// ---------------------------------------------------------------- helpers

fn instrument<'a>(state: &'a AppState, id: &str) -> Result<&'a Instrument, PageError> {
    state.catalog.get(id).ok_or(PageError::NotFound)
}

/// A number with at most two decimals and no trailing zeros (`3.42`, `52`).
fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_owned() }
}

fn nice_date(d: Date) -> String {
    d.strftime("%-d %B %Y").to_string()
}

async fn preferences(state: &AppState, who: &Unlocked) -> Result<Preferences, PageError> {
    Ok(state
        .services
        .records(who)
        .slot::<Preferences>(PREFS_SLOT)
        .await?
        .map(|s| s.value)
        .unwrap_or_default())
}

async fn drafts(state: &AppState, who: &Unlocked) -> Result<Drafts, PageError> {
    Ok(state
        .services
        .records(who)
        .slot::<Drafts>(DRAFTS_SLOT)
        .await?
        .map(|s| s.value)
        .unwrap_or_default())
}

/// The draft for one questionnaire: the saved one if it still fits the form,
/// else a fresh one; with all drafts, to save it back into.
async fn draft(
    state: &AppState,
    who: &Unlocked,
    inst: &Instrument,
) -> Result<(Drafts, Draft), PageError> {
    let all = drafts(state, who).await?;
    let d = match all.drafts.get(&inst.id) {
        Some(d) if d.fits(inst) => d.clone(),
        _ => Draft::new(inst),
    };
    Ok((all, d))
}

async fn save_draft(
    state: &AppState,
    who: &Unlocked,
    mut all: Drafts,
    id: &str,
    d: Option<Draft>,
) -> Result<(), PageError> {
    match d {
        Some(d) => {
            all.drafts.insert(id.to_owned(), d);
        }
        None => {
            all.drafts.remove(id);
        }
    }
    state
        .services
        .records(who)
        .put_slot(DRAFTS_SLOT, None, all, now())
        .await?;
    Ok(())
}

fn key(r: &Stored<Answers>) -> (Option<Date>, i64, i64) {
    Answers::order_key(r.day, r.created_at, &r.value)
}

/// Responses of the last year, newest first.
async fn recent(
    state: &AppState,
    who: &Unlocked,
    today: Date,
) -> Result<Vec<Stored<Answers>>, crate::service::ServiceError> {
    let from = today.saturating_sub(jiff::Span::new().days(HISTORY_DAYS));
    state
        .services
        .records(who)
        .list::<Answers>(&RecordFilter {
            day_from: Some(from.to_string()),
            day_to: None,
            limit: Some(HISTORY_LIMIT),
        })
        .await
}

fn score_of(inst: &Instrument, r: &Answers) -> Option<ScoreResult> {
    inst.score(&r.answers).ok()
}

/// Chart points for one instrument, from responses in any order.
fn points(
    inst: &Instrument,
    responses: &[Stored<Answers>],
) -> Vec<(tend_instruments::time::Date, f64)> {
    responses
        .iter()
        .filter(|r| r.value.instrument == inst.id)
        .filter_map(|r| {
            let day = to_time(r.day?)?;
            let score = score_of(inst, &r.value)?.score?;
            Some((day, score))
        })
        .collect()
}

/// Where a person goes after answering item `n`: the next unanswered item, the
/// optional follow-up once every item is done, or the review.
fn next_step(inst: &Instrument, d: &Draft, n: usize) -> String {
    let base = format!("/questionnaires/{}", inst.id);
    let items = inst.items.len();
    if let Some(k) = d
        .answers
        .iter()
        .enumerate()
        .skip(n)
        .find(|(_, a)| a.is_none())
        .map(|(i, _)| i + 1)
    {
        return format!("{base}/q/{k}");
    }
    if inst.followup.is_some() && n <= items && d.first_unanswered().is_none() {
        return format!("{base}/q/{}", items + 1);
    }
    match d.first_unanswered() {
        Some(k) => format!("{base}/q/{k}"),
        None => format!("{base}/review"),
    }
}

/// Whether this answer alone makes a crisis flag fire (PHQ-9 item 9 above 0).
fn crisis_answer(inst: &Instrument, n: usize, code: u8) -> bool {
    inst.flags
        .iter()
        .any(|f| f.kind == FlagKind::Crisis && f.item == Some(n) && f.fires_on(f64::from(code)))
}

/// The crisis message and lines, shown before anything else.
fn crisis_block(h: &Local<'_>) -> Markup {
    html! {
        section class="q-crisis" aria-labelledby="crisis-h" {
            h2 id="crisis-h" { "You don't have to carry this alone" }
            p { "You said you have had thoughts of being better off dead or of hurting yourself. "
                "Thank you for being honest about something so hard. Thoughts like these are more common "
                "than people say, especially under pressure, and they deserve care, not silence." }
            // The emergency number and the person's own country's lines come
            // first, with their call buttons, before anything else on the page.
            (web_helplines::emergency(h))
            p { "Otherwise, please talk to someone today. These lines are free and confidential:" }
            (web_helplines::compact(h.crisis_lines()))
            p class="muted" { "tend can't see your answers and won't contact anyone for you. Nothing about this is sent anywhere." }
        }
    }
}

fn support_block(h: &Local<'_>) -> Markup {
    html! {
        section class="q-support" aria-labelledby="support-h" {
            h2 id="support-h" { "Support is here" }
            p { "Your answers suggest things have been heavy lately. You deserve support, and reaching out "
                "to a person, a counsellor or a doctor is a strong, sensible step." }
            p class="actions" {
                a class="button" href="/help" { "See help lines" }
                a class="button secondary" href="/hard-moment" { "Take a short pause" }
            }
            @if let Some(first) = h.crisis_lines().next() {
                p { strong { (first.name) } ": " (first.how) }
                (web_helplines::buttons(first))
            }
        }
    }
}

// ---------------------------------------------------------------- list and settings

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    saved: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    Person(who): Person,
    Query(q): Query<ListQuery>,
) -> Result<Markup, PageError> {
    let prefs = preferences(&state, &who).await?;
    list_page(&state, &who, &prefs, &[], q.saved.is_some()).await
}

async fn list_page(
    state: &AppState,
    who: &Unlocked,
    prefs: &Preferences,
    errors: &[Invalid],
    saved: bool,
) -> Result<Markup, PageError> {
    let today = today_for(state, who).await?;
    let responses = recent(state, who, today).await?;
    let mut latest: BTreeMap<&str, &Stored<Answers>> = BTreeMap::new();
    for r in &responses {
        let slot = latest.entry(r.value.instrument.as_str()).or_insert(r);
        if key(r) > key(slot) {
            *slot = r;
        }
    }
    let last_done: BTreeMap<String, tend_instruments::time::Date> = latest
        .iter()
        .filter_map(|(id, r)| Some(((*id).to_owned(), to_time(r.day?)?)))
        .collect();
    let today_t = to_time(today).ok_or_else(|| PageError::Internal("date out of range".into()))?;
    let statuses = schedule(&state.catalog, &prefs.choice(), &last_done, today_t);
    let due: Vec<_> = statuses.iter().filter(|s| s.due).collect();
    let paused = prefs.paused_on(today);
    let others: Vec<&Instrument> = state
        .catalog
        .instruments()
        .iter()
        .filter(|i| !prefs.instruments.contains(&i.id))
        .collect();
    let name = |id: &str| {
        state
            .catalog
            .get(id)
            .map_or_else(|| id.to_owned(), |i| i.short_name.clone())
    };

    Ok(layout::page(
        "Check-ins",
        Some(who),
        html! {
            h1 { "Check-ins" }
            @if saved { (layout::notice("Your choices are saved.")) }
            (error_summary(errors))
            p { "Short, well-studied questionnaires to notice how you are doing over time. "
                "They are never a diagnosis, your answers are encrypted, and nothing is sent anywhere." }
            section aria-labelledby="due-h" {
                h2 id="due-h" { "Ready for you" }
                @if paused {
                    p { "Your check-ins are paused"
                        @if let Some(until) = prefs.paused_until.as_deref().and_then(|d| d.parse::<Date>().ok()) {
                            " until " (nice_date(until))
                        }
                        ". Take all the time you need; you can still open any of them below." }
                } @else if due.is_empty() {
                    p { "Nothing is waiting for you right now. Each check-in comes back when enough time has passed for it to mean something." }
                } @else {
                    ul class="q-due" {
                        @for s in &due {
                            li { a class="button" href={ "/questionnaires/" (s.instrument) } { (name(&s.instrument)) } }
                        }
                    }
                }
            }
            section aria-labelledby="mine-h" {
                h2 id="mine-h" { "Your check-ins" }
                @if statuses.is_empty() {
                    p { "You haven't chosen any. Pick some below whenever you like." }
                }
                ul class="entries" {
                    @for s in &statuses {
                        @if let Some(inst) = state.catalog.get(&s.instrument) {
                            li {
                                a href={ "/questionnaires/" (inst.id) } { (inst.short_name) }
                                " · " span class="muted" { (inst.name) }
                                br;
                                @match latest.get(inst.id.as_str()) {
                                    Some(r) => {
                                        @let res = score_of(inst, &r.value);
                                        a href={ "/questionnaires/" (inst.id) "/results/" (r.id) } {
                                            "Last time"
                                            @if let Some(d) = r.day { " (" (nice_date(d)) ")" }
                                            ": "
                                            @match res.as_ref().and_then(|x| x.score) {
                                                Some(v) => { (num(v)) }
                                                None => { "not scored" }
                                            }
                                            @if let Some(b) = res.as_ref().and_then(|x| x.band.clone()) { ", " (b) }
                                        }
                                    }
                                    None => { span class="muted" { "Not taken yet." } }
                                }
                                @if !s.due && !paused {
                                    @if let Some(next) = s.next_due.and_then(from_time) {
                                        br; span class="muted" { "Back for you from " (nice_date(next)) "." }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if !others.is_empty() {
                section aria-labelledby="others-h" {
                    h2 id="others-h" { "Other questionnaires" }
                    p class="muted" { "You can take any of these now; add them below to have them come back on a schedule." }
                    ul class="entries" {
                        @for i in &others {
                            li { a href={ "/questionnaires/" (i.id) } { (i.short_name) } " · " span class="muted" { (i.name) } }
                        }
                    }
                }
            }
            section aria-labelledby="settings-h" {
                h2 id="settings-h" { "Choose your check-ins" }
                form method="post" action="/questionnaires/settings" class="stack" novalidate {
                    (csrf(who))
                    fieldset id="instruments" {
                        legend { "Which check-ins would you like to come back on a schedule?" }
                        div class="choice q-choices" {
                            @for i in state.catalog.instruments() {
                                label {
                                    input type="checkbox" name={ "want-" (i.id) } value="on" checked[prefs.instruments.contains(&i.id)];
                                    span { strong { (i.short_name) } " · " (i.name)
                                        span class="hint" { @if i.min_interval_days <= 14 { "At most every two weeks." } @else { "At most monthly." } } }
                                }
                            }
                        }
                        (field_error(errors, "instruments"))
                    }
                    fieldset id="pause" {
                        legend { "Pause" }
                        div class="choice" {
                            @if paused {
                                label { input type="radio" name="pause" value="keep" checked; " Keep my pause as it is" }
                            }
                            label { input type="radio" name="pause" value="none" checked[!paused]; " Not paused" }
                            label { input type="radio" name="pause" value="2w"; " Pause for two weeks" }
                            label { input type="radio" name="pause" value="4w"; " Pause for four weeks" }
                            label { input type="radio" name="pause" value="indefinitely"; " Pause until I come back" }
                        }
                        (field_error(errors, "pause"))
                    }
                    div class="actions" { button type="submit" { "Save my choices" } }
                }
            }
        },
    ))
}

async fn save_settings(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let current = preferences(&state, &who).await?;
    let today = today_for(&state, &who).await?;
    let form: BTreeMap<String, String> = form.into_iter().collect();
    match parse_settings(&state.catalog, &form, &current, today) {
        Ok(prefs) => {
            state
                .services
                .records(&who)
                .put_slot(PREFS_SLOT, None, prefs, now())
                .await?;
            Ok(Redirect::to("/questionnaires?saved=1").into_response())
        }
        Err(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            list_page(&state, &who, &current, &errors, false).await?,
        )
            .into_response()),
    }
}

// ---------------------------------------------------------------- answering

async fn intro(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    let inst = instrument(&state, &id)?;
    let (_, d) = draft(&state, &who, inst).await?;
    let started = d.answered() > 0;
    let start = match d.first_unanswered() {
        Some(k) => format!("/questionnaires/{id}/q/{k}"),
        None => format!("/questionnaires/{id}/review"),
    };
    let count = inst.items.len();
    Ok(layout::page(
        &inst.short_name,
        Some(&who),
        html! {
            h1 { (inst.name) }
            p { (inst.measures) }
            p { (inst.not_a) }
            p class="muted" { (count) " questions, one per screen. You can stop at any point and carry on later." }
            @if !inst.instructions.is_empty() { p { strong { (inst.instructions) } } }
            p class="actions" {
                @if started {
                    a class="button" href=(start) { "Carry on (" (d.answered()) " of " (count) " answered)" }
                } @else {
                    a class="button" href=(start) { "Start" }
                }
                a href="/questionnaires" { "Back to check-ins" }
            }
            @if started {
                form method="post" action={ "/questionnaires/" (id) "/restart" } class="inline" {
                    (csrf(&who))
                    button type="submit" class="link" { "Clear my answers and start over" }
                }
            }
            @if !inst.licence.attribution.is_empty() { p class="muted q-source" { (inst.licence.attribution) } }
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    answer: String,
}

fn parse_n(inst: &Instrument, n: &str) -> Result<usize, PageError> {
    let last = inst.items.len() + usize::from(inst.followup.is_some());
    match n.parse::<usize>() {
        Ok(n) if (1..=last).contains(&n) => Ok(n),
        _ => Err(PageError::NotFound),
    }
}

fn question_page(
    who: &Unlocked,
    inst: &Instrument,
    n: usize,
    selected: Option<u8>,
    errors: &[Invalid],
) -> Markup {
    let items = inst.items.len();
    let base = format!("/questionnaires/{}", inst.id);
    let back = if n > 1 {
        format!("{base}/q/{}", n - 1)
    } else {
        base.clone()
    };
    let is_followup = n > items;
    let title = format!("{}: question {n} of {items}", inst.short_name);
    let described = has_error(errors, "answer").then_some("answer-error");
    // (value, label) pairs: published codes for items, option indexes for the follow-up.
    let (legend, options): (String, Vec<(u8, String)>) = match (&inst.followup, is_followup) {
        (Some(f), true) => (
            f.text.clone(),
            f.options
                .iter()
                .enumerate()
                .filter_map(|(i, o)| Some((u8::try_from(i).ok()?, o.clone())))
                .collect(),
        ),
        _ => {
            let item = &inst.items[n - 1];
            let set = item
                .response_set
                .as_ref()
                .and_then(|name| inst.response_sets.iter().find(|s| &s.name == name))
                .or_else(|| inst.response_sets.first());
            (
                item.text.clone(),
                set.map(|s| {
                    s.options
                        .iter()
                        .map(|o| {
                            let label = if o.label.is_empty() || o.label == o.code.to_string() {
                                o.code.to_string()
                            } else {
                                format!("{} · {}", o.code, o.label)
                            };
                            (o.code, label)
                        })
                        .collect()
                })
                .unwrap_or_default(),
            )
        }
    };
    layout::page(
        &title,
        Some(who),
        html! {
            p class="q-progress" {
                (inst.short_name) " · "
                @if is_followup { "One last, optional question" } @else { "Question " (n) " of " (items) }
            }
            (error_summary(errors))
            @if !inst.instructions.is_empty() && !is_followup { p class="muted" { (inst.instructions) } }
            form method="post" action={ (base) "/q/" (n) } class="stack q-form" novalidate {
                (csrf(who))
                fieldset id="answer" aria-describedby=[described] {
                    legend { h1 class="q-item" { (legend) } }
                    div class="choice q-options" {
                        @for (value, label) in &options {
                            label {
                                input type="radio" name="answer" value=(value) checked[selected == Some(*value)] required[!is_followup];
                                " " (label)
                            }
                        }
                    }
                    @if is_followup { p class="hint" { "Optional: leave it blank if you prefer." } }
                    (field_error(errors, "answer"))
                }
                div class="actions" {
                    button type="submit" { @if n >= items { "Next: check my answers" } @else { "Next" } }
                    a href=(back) { "Back" }
                }
            }
            p { a href="/questionnaires" { "Leave for now" } span class="muted" { " (your answers are kept)" } }
        },
    )
}

async fn question(
    State(state): State<AppState>,
    Person(who): Person,
    Path((id, n)): Path<(String, String)>,
) -> Result<Markup, PageError> {
    let inst = instrument(&state, &id)?;
    let n = parse_n(inst, &n)?;
    let (_, d) = draft(&state, &who, inst).await?;
    let selected = if n > inst.items.len() {
        d.followup
    } else {
        d.answers[n - 1]
    };
    Ok(question_page(&who, inst, n, selected, &[]))
}

async fn answer(
    State(state): State<AppState>,
    Path((id, n)): Path<(String, String)>,
    SignedForm { who, form }: SignedForm<AnswerForm>,
) -> Result<Response, PageError> {
    let inst = instrument(&state, &id)?;
    let n = parse_n(inst, &n)?;
    let (all, mut d) = draft(&state, &who, inst).await?;
    let is_followup = n > inst.items.len();
    let parsed = if is_followup {
        parse_followup(inst, &form.answer).map(|f| (None, f))
    } else {
        parse_answer(inst, n, &form.answer).map(|c| (Some(c), None))
    };
    let (code, followup) = match parsed {
        Ok(v) => v,
        Err(e) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                question_page(&who, inst, n, None, &[e]),
            )
                .into_response());
        }
    };
    match code {
        Some(c) => d.answers[n - 1] = Some(c),
        None => d.followup = followup,
    }
    save_draft(&state, &who, all, &inst.id, Some(d.clone())).await?;
    // A risk answer shows help at once, before anything else happens.
    if code.is_some_and(|c| crisis_answer(inst, n, c)) {
        return Ok(Redirect::to(&format!("/questionnaires/{id}/help")).into_response());
    }
    Ok(Redirect::to(&next_step(inst, &d, n)).into_response())
}

async fn crisis_help(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    let inst = instrument(&state, &id)?;
    let Some(item) = inst
        .flags
        .iter()
        .find(|f| f.kind == FlagKind::Crisis)
        .and_then(|f| f.item)
    else {
        return Err(PageError::NotFound);
    };
    let (_, d) = draft(&state, &who, inst).await?;
    let next = next_step(inst, &d, item);
    Ok(layout::page(
        "Help is here",
        Some(&who),
        html! {
            h1 { "Before you go on" }
            (crisis_block(&web_helplines::for_person(&state.helplines, &who)))
            p class="actions" {
                a class="button" href="/help" { "See all help lines" }
                a class="button secondary" href=(next) { "Continue the questionnaire" }
            }
            p { a href="/hard-moment" { "Take a short, calming pause first" } }
        },
    ))
}

fn review_page(who: &Unlocked, inst: &Instrument, d: &Draft, errors: &[Invalid]) -> Markup {
    let base = format!("/questionnaires/{}", inst.id);
    let label_of = |n: usize, code: u8| -> String {
        let set = inst.items[n - 1]
            .response_set
            .as_ref()
            .and_then(|name| inst.response_sets.iter().find(|s| &s.name == name))
            .or_else(|| inst.response_sets.first());
        set.and_then(|s| s.options.iter().find(|o| o.code == code))
            .map_or_else(
                || code.to_string(),
                |o| {
                    if o.label.is_empty() || o.label == code.to_string() {
                        code.to_string()
                    } else {
                        format!("{code} · {}", o.label)
                    }
                },
            )
    };
    let missing = d.first_unanswered();
    layout::page(
        &format!("{}: check your answers", inst.short_name),
        Some(who),
        html! {
            h1 { "Check your answers" }
            (error_summary(errors))
            p class="muted" { (inst.short_name) ". Change any answer, then see your result." }
            ol class="q-review" {
                @for (i, item) in inst.items.iter().enumerate() {
                    li {
                        span { (item.text) }
                        br;
                        strong { @match d.answers[i] { Some(c) => { (label_of(i + 1, c)) } None => { "Not answered yet" } } }
                        " "
                        a href={ (base) "/q/" (i + 1) } { "Change" span class="visually-hidden" { " answer " (i + 1) } }
                    }
                }
            }
            @if let Some(f) = &inst.followup {
                p { (f.text) br; strong { @match d.followup.and_then(|i| f.options.get(usize::from(i))) {
                    Some(o) => { (o) } None => { "Not answered (optional)" } } }
                    " " a href={ (base) "/q/" (inst.items.len() + 1) } { "Change" span class="visually-hidden" { " the last answer" } } }
            }
            @if let Some(k) = missing {
                p { a class="button" href={ (base) "/q/" (k) } { "Answer the remaining questions" } }
            } @else {
                form method="post" action={ (base) "/review" } id="submit" {
                    (csrf(who))
                    div class="actions" { button type="submit" { "See my result" } }
                }
            }
            @if !inst.licence.attribution.is_empty() { p class="muted q-source" { (inst.licence.attribution) } }
        },
    )
}

async fn review(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    let inst = instrument(&state, &id)?;
    let (_, d) = draft(&state, &who, inst).await?;
    Ok(review_page(&who, inst, &d, &[]))
}

async fn submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    let inst = instrument(&state, &id)?;
    let (all, d) = draft(&state, &who, inst).await?;
    if d.first_unanswered().is_some() {
        let errors = [Invalid::new(
            "submit",
            "A few questions are still unanswered. Please answer them first.",
        )];
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            review_page(&who, inst, &d, &errors),
        )
            .into_response());
    }
    if let Err(errors) = check_answers(inst, &d.answers, d.followup) {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            review_page(&who, inst, &d, &errors),
        )
            .into_response());
    }
    let today = today_for(&state, &who).await?;
    let records = state.services.records(&who);
    let saved = records
        .create(
            Some(today),
            Answers {
                instrument: inst.id.clone(),
                answers: d.answers,
                followup: d.followup,
                submitted_ms: jiff::Timestamp::now().as_millisecond(),
            },
            now(),
        )
        .await?;
    state
        .services
        .programmes()
        .after_questionnaire(
            &who,
            today,
            &inst.id,
            score_of(inst, &saved.value).and_then(|s| s.score),
            now(),
        )
        .await;
    save_draft(&state, &who, all, &inst.id, None).await?;
    Ok(Redirect::to(&format!("/questionnaires/{id}/results/{}", saved.id)).into_response())
}

async fn restart(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    let inst = instrument(&state, &id)?;
    let (all, _) = draft(&state, &who, inst).await?;
    save_draft(&state, &who, all, &inst.id, None).await?;
    Ok(Redirect::to(&format!("/questionnaires/{id}")).into_response())
}

// ---------------------------------------------------------------- results

async fn result(
    State(state): State<AppState>,
    Person(who): Person,
    Path((id, rid)): Path<(String, String)>,
) -> Result<Markup, PageError> {
    let inst = instrument(&state, &id)?;
    let records = state.services.records(&who);
    let response = records
        .get::<Answers>(&rid)
        .await?
        .filter(|r| r.value.instrument == inst.id)
        .ok_or(PageError::NotFound)?;
    let Ok(res) = inst.score(&response.value.answers) else {
        // Only possible if a data file's items changed after this was saved: say
        // so kindly instead of failing, and keep the answers for export.
        return Ok(layout::page(
            &format!("{} result", inst.short_name),
            Some(&who),
            html! {
                h1 { "Your " (inst.short_name) " result" }
                p { "This response was saved for an earlier version of the questionnaire, so tend can't score it now. Your answers are kept." }
                p { a href="/questionnaires" { "Back to check-ins" } }
            },
        ));
    };
    let today = today_for(&state, &who).await?;
    let history = recent(&state, &who, today).await?;
    let pts = points(inst, &history);
    // The response just before this one, for the change since last time.
    let previous = history
        .iter()
        .filter(|r| r.value.instrument == inst.id && r.id != response.id)
        .filter(|r| key(r) < key(&response))
        .max_by_key(|r| key(r))
        .and_then(|r| score_of(inst, &r.value)?.score);
    let change = match (previous, res.score) {
        (Some(p), Some(c)) => Some(describe_change(inst, p, c)),
        _ => None,
    };
    let band = res.score.and_then(|s| inst.band_for(s));
    let (lo, hi) = inst.score_range();
    let when = response.day.map(nice_date).unwrap_or_default();

    Ok(layout::page(
        &format!("{} result", inst.short_name),
        Some(&who),
        html! {
            @if res.needs_crisis_help() { (crisis_block(&web_helplines::for_person(&state.helplines, &who))) }
            h1 { "Your " (inst.short_name) " result" }
            p class="muted" { (when) }
            @if res.needs_support() && !res.needs_crisis_help() { (support_block(&web_helplines::for_person(&state.helplines, &who))) }
            div class="card q-result" {
                @match res.score {
                    Some(s) => {
                        p class="q-score" { "Score " strong { (num(s)) } span class="muted" { " on a scale of " (num(lo)) " to " (num(hi)) } }
                        @if let Some(b) = band {
                            p class="q-band" { strong { (b.label) } }
                            p { (b.explanation) }
                        }
                    }
                    None => { p { "Some questions were left unanswered, so this one can't be scored. That's okay." } }
                }
                @if let Some(Change::Better { .. } | Change::Worse { .. }) = change {
                    @if let Some(c) = change { p class="q-change" { strong { "Since last time: " } (c.describe()) } }
                }
            }
            @let subs: Vec<_> = res.subscales.0.iter().filter(|(n, _)| *n != inst.headline).collect();
            @if !subs.is_empty() {
                h2 { "Parts of this score" }
                dl class="summary" {
                    @for (name, value) in subs {
                        dt { (inst.scale(name).map_or(name.as_str(), |s| if s.label.is_empty() { name.as_str() } else { s.label.as_str() })) }
                        dd { @match value { Some(v) => { (num(*v)) } None => { "not scored" } } }
                    }
                }
            }
            h2 { "Over time" }
            div class="q-chart" tabindex="0" role="group" aria-label="Chart; on a narrow screen it scrolls sideways" { (PreEscaped(render_chart_svg(inst, &pts))) }
            details class="q-table" open[pts.len() <= 3] {
                summary { "The same as a table" }
                (PreEscaped(render_chart_table(inst, &pts)))
            }
            h2 { "What this is, and isn't" }
            p { (inst.measures) }
            p { (inst.not_a) }
            p class="muted q-source" { (inst.citation)
                @if !inst.licence.attribution.is_empty() { " " (inst.licence.attribution) } }
            p class="actions" {
                a class="button" href="/questionnaires" { "Back to check-ins" }
                @if !res.needs_support() { a href="/help" { "Help lines" } }
            }
        },
    ))
}

// ---------------------------------------------------------------- weekly review

/// Where a weaker area in a result points: the step of the guide that helps.
fn step_for(inst: &Instrument, res: &ScoreResult) -> Option<&'static str> {
    if res.needs_support() {
        return Some("/help");
    }
    match (inst.id.as_str(), res.band_id()?) {
        // Low self-kindness → "what would you tell a friend?" (step 3, in the critic flow).
        ("scs" | "scs-sf", "low") => Some("/critic"),
        ("who5", "low" | "very-low") | ("pss10" | "pss4", "high") => Some("/practices"),
        ("brs", "low") => Some("/kindness"),
        ("gq6", "bottom-quarter") => Some("/gratitude"),
        ("cbi", "high") | ("burnout-single", "burning-out" | "persistent") => Some("/goals"),
        _ => None,
    }
}

/// The check-ins completed between `from` and `to` (inclusive), oldest first:
/// the questionnaire's name, its result in plain words, and a link to the step
/// of the guide that matches a weaker area, if any.
pub(crate) async fn week_results(
    state: &AppState,
    who: &Unlocked,
    from: Date,
    to: Date,
) -> Result<Vec<(String, String, Option<&'static str>)>, PageError> {
    let mut responses = state
        .services
        .records(who)
        .list::<Answers>(&RecordFilter {
            day_from: Some(from.to_string()),
            day_to: Some(to.to_string()),
            limit: Some(HISTORY_LIMIT),
        })
        .await?;
    responses.sort_by_key(key);
    Ok(responses
        .iter()
        .filter_map(|r| {
            let inst = state.catalog.get(&r.value.instrument)?;
            let res = score_of(inst, &r.value)?;
            let words = match (res.score, &res.band) {
                (Some(s), Some(b)) => format!("{} ({b})", num(s)),
                (Some(s), None) => num(s),
                (None, _) => "Not scored: some questions were left unanswered.".into(),
            };
            Some((inst.short_name.clone(), words, step_for(inst, &res)))
        })
        .collect())
}

// ---------------------------------------------------------------- JSON API

async fn api_today(state: &AppState, who: &Unlocked) -> Result<Date, ApiError> {
    let profile = state.services.records(who).profile().await?;
    Ok(jiff::Timestamp::now().to_zoned(profile.tz()).date())
}

fn api_instrument_of<'a>(state: &'a AppState, id: &str) -> Result<&'a Instrument, ApiError> {
    state.catalog.get(id).ok_or_else(|| {
        ApiError::Status(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("No questionnaire called \"{id}\"."),
        )
    })
}

async fn api_list(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
) -> Result<Response, ApiError> {
    let today = api_today(&state, &who).await?;
    let prefs = state
        .services
        .records(&who)
        .slot::<Preferences>(PREFS_SLOT)
        .await?
        .map(|s| s.value)
        .unwrap_or_default();
    let responses = recent(&state, &who, today).await?;
    let mut last: BTreeMap<String, tend_instruments::time::Date> = BTreeMap::new();
    for r in &responses {
        if let Some(d) = r.day.and_then(to_time) {
            last.entry(r.value.instrument.clone()).or_insert(d);
        }
    }
    let today_t = to_time(today).ok_or_else(|| ApiError::bad_request("date out of range"))?;
    let statuses = schedule(&state.catalog, &prefs.choice(), &last, today_t);
    let instruments: Vec<_> = state
        .catalog
        .instruments()
        .iter()
        .map(|i| {
            let s = statuses.iter().find(|s| s.instrument == i.id);
            json!({
                "id": i.id,
                "name": i.name,
                "short_name": i.short_name,
                "items": i.items.len(),
                "chosen": s.is_some(),
                "due": s.is_some_and(|s| s.due),
                "next_due": s.and_then(|s| s.next_due).and_then(from_time).map(|d| d.to_string()),
                "last_completed": last.get(&i.id).copied().and_then(from_time).map(|d| d.to_string()),
            })
        })
        .collect();
    Ok(Json(json!({
        "paused": prefs.paused_on(today),
        "due": statuses.iter().filter(|s| s.due).map(|s| s.instrument.clone()).collect::<Vec<_>>(),
        "instruments": instruments,
    }))
    .into_response())
}

async fn api_instrument(
    State(state): State<AppState>,
    ApiPerson(_who): ApiPerson,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let inst = api_instrument_of(&state, &id)?;
    let items: Vec<_> = (1..=inst.items.len())
        .map(|n| {
            let (min, max) = inst.item_range(n).unwrap_or((0, 0));
            json!({ "n": n, "text": inst.items[n - 1].text, "min": min, "max": max })
        })
        .collect();
    Ok(Json(json!({
        "id": inst.id,
        "name": inst.name,
        "short_name": inst.short_name,
        "measures": inst.measures,
        "not_a": inst.not_a,
        "instructions": inst.instructions,
        "response_sets": inst.response_sets,
        "items": items,
        "followup": inst.followup,
        "citation": inst.citation,
        "attribution": inst.licence.attribution,
    }))
    .into_response())
}

#[derive(Debug, Deserialize)]
struct ResponseBody {
    answers: Vec<Option<i64>>,
    #[serde(default)]
    followup: Option<i64>,
}

fn response_json(state: &AppState, inst: &Instrument, r: &Stored<Answers>) -> serde_json::Value {
    let res = score_of(inst, &r.value);
    let support = res.as_ref().is_some_and(ScoreResult::needs_support);
    json!({
        "id": r.id,
        "instrument": inst.id,
        "day": r.day.map(|d| d.to_string()),
        "answers": r.value.answers,
        "followup": r.value.followup,
        "result": res,
        "needs_crisis_help": res.as_ref().is_some_and(ScoreResult::needs_crisis_help),
        "needs_support": support,
        "helplines": if support { Some(&state.helplines.lines) } else { None },
    })
}

async fn api_respond(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ResponseBody>,
) -> Result<Response, ApiError> {
    let inst = api_instrument_of(&state, &id)?;
    let to_code = |v: i64, what: String| {
        u8::try_from(v).map_err(|_| {
            ApiError::Invalid(vec![Invalid::new(
                "answers",
                format!("{what} is {v}, which is not a response code of {id}"),
            )])
        })
    };
    let mut answers = Vec::with_capacity(body.answers.len());
    for (i, a) in body.answers.iter().enumerate() {
        answers.push(match a {
            Some(v) => Some(to_code(*v, format!("answer {}", i + 1))?),
            None => None,
        });
    }
    let followup = match body.followup {
        Some(v) => Some(to_code(v, "followup".into())?),
        None => None,
    };
    check_answers(inst, &answers, followup).map_err(ApiError::Invalid)?;
    let today = api_today(&state, &who).await?;
    let saved = state
        .services
        .records(&who)
        .create(
            Some(today),
            Answers {
                instrument: inst.id.clone(),
                answers,
                followup,
                submitted_ms: jiff::Timestamp::now().as_millisecond(),
            },
            now(),
        )
        .await?;
    state
        .services
        .programmes()
        .after_questionnaire(
            &who,
            today,
            &inst.id,
            score_of(inst, &saved.value).and_then(|s| s.score),
            now(),
        )
        .await;
    Ok((
        StatusCode::CREATED,
        Json(response_json(&state, inst, &saved)),
    )
        .into_response())
}

async fn api_responses(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let inst = api_instrument_of(&state, &id)?;
    let today = api_today(&state, &who).await?;
    let responses = recent(&state, &who, today).await?;
    let list: Vec<_> = responses
        .iter()
        .filter(|r| r.value.instrument == inst.id)
        .map(|r| response_json(&state, inst, r))
        .collect();
    Ok(Json(json!({ "responses": list })).into_response())
}

/// The chosen check-ins that are due today, as `(id, short name)`, for the
/// Today page; empty while paused.
pub(crate) async fn due_now(
    state: &AppState,
    who: &Unlocked,
) -> Result<Vec<(String, String)>, PageError> {
    let prefs = preferences(state, who).await?;
    let today = today_for(state, who).await?;
    if prefs.paused_on(today) || prefs.instruments.is_empty() {
        return Ok(Vec::new());
    }
    let mut last: BTreeMap<String, tend_instruments::time::Date> = BTreeMap::new();
    for r in recent(state, who, today).await? {
        if let Some(d) = r.day.and_then(to_time) {
            last.entry(r.value.instrument).or_insert(d);
        }
    }
    let today_t = to_time(today).ok_or_else(|| PageError::Internal("date out of range".into()))?;
    Ok(schedule(&state.catalog, &prefs.choice(), &last, today_t)
        .into_iter()
        .filter(|s| s.due)
        .filter_map(|s| {
            let name = state.catalog.get(&s.instrument)?.short_name.clone();
            Some((s.instrument, name))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_without_trailing_zeros() {
        assert_eq!(num(52.0), "52");
        assert_eq!(num(3.5), "3.5");
        assert_eq!(num(3.41666), "3.42");
        assert_eq!(num(-0.0), "0");
    }

    #[test]
    fn weaker_areas_point_at_the_matching_step() {
        let c = tend_instruments::Catalog::embedded().unwrap();
        let step = |id: &str, answers: &[u8]| {
            let inst = c.get(id).unwrap();
            let a: Vec<Option<u8>> = answers.iter().map(|x| Some(*x)).collect();
            step_for(inst, &inst.score(&a).unwrap())
        };
        // SCS-SF all "almost never" on positive items, "almost always" on negative: low.
        assert_eq!(
            step("scs-sf", &[5, 1, 1, 5, 1, 1, 1, 5, 5, 1, 5, 5]),
            Some("/critic")
        );
        assert_eq!(step("scs-sf", &[1, 5, 5, 1, 5, 5, 5, 1, 1, 5, 1, 1]), None);
        assert_eq!(step("who5", &[2, 2, 2, 2, 2]), Some("/practices"));
        assert_eq!(
            step("who5", &[1, 1, 1, 1, 1]),
            Some("/help"),
            "index 20: support"
        );
        assert_eq!(step("who5", &[4, 4, 4, 4, 4]), None);
        assert_eq!(step("burnout-single", &[5]), Some("/help"));
        assert_eq!(step("burnout-single", &[3]), Some("/goals"));
        assert_eq!(
            step("phq9", &[0, 0, 0, 0, 0, 0, 0, 0, 1]),
            Some("/help"),
            "item 9 always points at help"
        );
    }
}
