//! The questionnaire pages: each handler parses the request, asks the
//! questionnaires service, and renders a view.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use serde::Deserialize;
use tend_instruments::{FlagKind, Instrument, describe_change};

use super::views;
use crate::domain::Invalid;
use crate::domain::questionnaire::{Draft, parse_answer, parse_followup, parse_settings};
use crate::service::Unlocked;
use crate::service::questionnaires::{Questionnaires, order_key, score_of};
use crate::web::error::PageError;
use crate::web::extract::{NoFields, Person, SignedForm};
use crate::web::pages::today_for;
use crate::web::{AppState, clock, now};

fn service<'a>(state: &'a AppState, who: &'a Unlocked) -> Questionnaires<'a> {
    state.services.questionnaires(who, &state.catalog)
}

fn instrument<'a>(state: &'a AppState, id: &str) -> Result<&'a Instrument, PageError> {
    state.catalog.get(id).ok_or(PageError::NotFound)
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

// ---------------------------------------------------------------- list and settings

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    saved: Option<String>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    Person(who): Person,
    Query(q): Query<ListQuery>,
) -> Result<Markup, PageError> {
    let today = today_for(&state, &who).await?;
    let due = service(&state, &who).due(today).await?;
    Ok(views::list(
        &state.catalog,
        &who,
        &due,
        &[],
        q.saved.is_some(),
    ))
}

pub(super) async fn save_settings(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let q = service(&state, &who);
    let today = today_for(&state, &who).await?;
    let due = q.due(today).await?;
    let form: BTreeMap<String, String> = form.into_iter().collect();
    match parse_settings(&state.catalog, &form, &due.preferences, today) {
        Ok(prefs) => {
            q.save_preferences(prefs, now()).await?;
            Ok(Redirect::to("/questionnaires?saved=1").into_response())
        }
        Err(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            views::list(&state.catalog, &who, &due, &errors, false),
        )
            .into_response()),
    }
}

// ---------------------------------------------------------------- answering

pub(super) async fn intro(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    let inst = instrument(&state, &id)?;
    let (_, d) = service(&state, &who).draft(inst).await?;
    Ok(views::intro(&who, inst, &d))
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

pub(super) async fn question(
    State(state): State<AppState>,
    Person(who): Person,
    Path((id, n)): Path<(String, String)>,
) -> Result<Markup, PageError> {
    let inst = instrument(&state, &id)?;
    let n = parse_n(inst, &n)?;
    let (_, d) = service(&state, &who).draft(inst).await?;
    let selected = if n > inst.items.len() {
        d.followup
    } else {
        d.answers[n - 1]
    };
    Ok(views::question_page(&who, inst, n, selected, &[]))
}

pub(super) async fn answer(
    State(state): State<AppState>,
    Path((id, n)): Path<(String, String)>,
    SignedForm { who, form }: SignedForm<AnswerForm>,
) -> Result<Response, PageError> {
    let inst = instrument(&state, &id)?;
    let n = parse_n(inst, &n)?;
    let q = service(&state, &who);
    let (all, mut d) = q.draft(inst).await?;
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
                views::question_page(&who, inst, n, None, &[e]),
            )
                .into_response());
        }
    };
    match code {
        Some(c) => d.answers[n - 1] = Some(c),
        None => d.followup = followup,
    }
    q.save_draft(all, &inst.id, Some(d.clone()), now()).await?;
    // A risk answer shows help at once, before anything else happens.
    if code.is_some_and(|c| crisis_answer(inst, n, c)) {
        return Ok(Redirect::to(&format!("/questionnaires/{id}/help")).into_response());
    }
    Ok(Redirect::to(&next_step(inst, &d, n)).into_response())
}

pub(super) async fn crisis_help(
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
    let (_, d) = service(&state, &who).draft(inst).await?;
    let next = next_step(inst, &d, item);
    Ok(views::crisis_help(
        &who,
        &crate::web::helplines::for_person(&state.helplines, &who),
        &next,
    ))
}

pub(super) async fn review(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    let inst = instrument(&state, &id)?;
    let (_, d) = service(&state, &who).draft(inst).await?;
    Ok(views::review_page(&who, inst, &d, &[]))
}

pub(super) async fn submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    let inst = instrument(&state, &id)?;
    let q = service(&state, &who);
    let (all, d) = q.draft(inst).await?;
    if d.first_unanswered().is_some() {
        let errors = [Invalid::new(
            "submit",
            "A few questions are still unanswered. Please answer them first.",
        )];
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            views::review_page(&who, inst, &d, &errors),
        )
            .into_response());
    }
    let today = today_for(&state, &who).await?;
    let saved = match q
        .submit(inst, d.answers.clone(), d.followup, today, clock())
        .await
    {
        Ok(saved) => saved,
        Err(crate::service::ServiceError::Invalid(errors)) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                views::review_page(&who, inst, &d, &errors),
            )
                .into_response());
        }
        Err(e) => return Err(e.into()),
    };
    q.save_draft(all, &inst.id, None, now()).await?;
    Ok(Redirect::to(&format!("/questionnaires/{id}/results/{}", saved.id)).into_response())
}

pub(super) async fn restart(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    let inst = instrument(&state, &id)?;
    let q = service(&state, &who);
    let (all, _) = q.draft(inst).await?;
    q.save_draft(all, &inst.id, None, now()).await?;
    Ok(Redirect::to(&format!("/questionnaires/{id}")).into_response())
}

// ---------------------------------------------------------------- results

pub(super) async fn result(
    State(state): State<AppState>,
    Person(who): Person,
    Path((id, rid)): Path<(String, String)>,
) -> Result<Markup, PageError> {
    let inst = instrument(&state, &id)?;
    let q = service(&state, &who);
    let response = q.response(inst, &rid).await?.ok_or(PageError::NotFound)?;
    let Ok(res) = inst.score(&response.value.answers) else {
        // Only possible if a data file's items changed after this was saved: say
        // so kindly instead of failing, and keep the answers for export.
        return Ok(views::unscorable(&who, inst));
    };
    let today = today_for(&state, &who).await?;
    let history = q.history(today).await?;
    let pts = views::points(inst, &history);
    // The response just before this one, for the change since last time.
    let previous = history
        .iter()
        .filter(|r| r.value.instrument == inst.id && r.id != response.id)
        .filter(|r| order_key(r) < order_key(&response))
        .max_by_key(|r| order_key(r))
        .and_then(|r| score_of(inst, &r.value)?.score);
    let change = match (previous, res.score) {
        (Some(p), Some(c)) => Some(describe_change(inst, p, c)),
        _ => None,
    };
    Ok(views::result(
        &who,
        &crate::web::helplines::for_person(&state.helplines, &who),
        inst,
        &response,
        &res,
        change,
        &pts,
    ))
}
