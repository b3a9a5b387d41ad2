//! The safety plan (issue 13): seven short steps written ahead of a hard time,
//! read in one during it. One plain form, no script; a calm read view that
//! prints on paper; sealed like every personal record.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;

use crate::domain::Invalid;
use crate::domain::helplines::{Local, dial_digits};
use crate::domain::safety_plan::{LINE_MAX, LINES_MAX, SafetyPlan, SafetyPlanInput, Step};
use crate::service::{ServiceError, Stored, Unlocked};
use crate::web::error::PageError;
use crate::web::extract::{Person, SignedForm};
use crate::web::helplines as web_helplines;
use crate::web::layout::{self, csrf, error_summary, field_error};
use crate::web::{AppState, now};

/// One plan per person, kept in a slot so it always has the same record id.
const SLOT: &str = "safety-plan";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/safety-plan", get(page).post(save))
        .route("/safety-plan/edit", get(edit_form))
}

#[derive(Debug, Default, Deserialize)]
pub struct PlanForm {
    #[serde(flatten)]
    plan: SafetyPlanInput,
    /// The version the form was opened at; 0 when there was no plan yet.
    #[serde(default)]
    version: String,
}

fn when(ts: i64) -> String {
    jiff::Timestamp::from_second(ts)
        .map(|t| t.strftime("%-d %B %Y").to_string())
        .unwrap_or_default()
}

/// Help lines as plan lines ("Samaritans: call 116 123"), the person's
/// country first, for a plan's first draft. Editable like anything typed.
fn suggested_lines(local: &Local<'_>) -> String {
    let mut out = Vec::new();
    for line in local.emergency.into_iter().chain(local.crisis_lines()) {
        let mut how = Vec::new();
        if let Some(n) = line.call.first() {
            how.push(format!("call {n}"));
        }
        if let Some(n) = line.text.first() {
            if line.text_word.is_empty() {
                how.push(format!("text {n}"));
            } else {
                how.push(format!("text {} to {n}", line.text_word));
            }
        }
        if how.is_empty() && !line.web.is_empty() {
            how.push(line.web.clone());
        }
        out.push(format!("{}: {}", line.name, how.join(" or ")));
        if out.len() >= 4 {
            break;
        }
    }
    out.join("\n")
}

/// Where phone numbers are in a line of the plan: runs of digits (spaces and
/// dashes allowed between them, a leading `+`) of at least three digits. Four
/// digits alone read as a year ("qualifying in 2027"), so they are left as text.
fn number_spans(line: &str) -> Vec<(usize, usize)> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts =
            b[i].is_ascii_digit() || (b[i] == b'+' && b.get(i + 1).is_some_and(u8::is_ascii_digit));
        if !starts || (i > 0 && b[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let mut j = i + usize::from(b[i] == b'+');
        let mut end = j;
        let mut digits = 0;
        while j < b.len() {
            if b[j].is_ascii_digit() {
                digits += 1;
                j += 1;
                end = j;
            } else if matches!(b[j], b' ' | b'-') && b.get(j + 1).is_some_and(u8::is_ascii_digit) {
                j += 1;
            } else {
                break;
            }
        }
        let glued = b.get(end).is_some_and(u8::is_ascii_alphabetic);
        if digits >= 3 && digits != 4 && !glued {
            out.push((i, end));
        }
        i = end.max(i + 1);
    }
    out
}

/// A line of the plan with its phone numbers as links, so a number the person
/// wrote down is one tap away: a text link after the word "text", else a call.
fn tappable(line: &str) -> Markup {
    let mut parts = Vec::new();
    let mut at = 0;
    for (s, e) in number_spans(line) {
        let scheme = if line[..s].to_lowercase().contains("text") {
            "sms:"
        } else {
            "tel:"
        };
        parts.push((&line[at..s], &line[s..e], scheme));
        at = e;
    }
    html! {
        @for (before, number, scheme) in parts {
            (before) a href={ (scheme) (dial_digits(number)) } { (number) }
        }
        (&line[at..])
    }
}

fn editor(
    who: &Unlocked,
    input: &SafetyPlanInput,
    version: i64,
    errors: &[Invalid],
    note: Option<&str>,
) -> Markup {
    html! {
        (error_summary(errors))
        @if let Some(n) = note { div class="errors" role="alert" { p { (n) } } }
        form method="post" action="/safety-plan" class="stack safety-form" novalidate {
            (csrf(who))
            input type="hidden" name="version" value=(version);
            @for (i, step) in Step::ALL.iter().enumerate() {
                @let f = step.field();
                fieldset class="step" id={ "step-" (f) } {
                    legend { span class="step-number" { "Step " (i + 1) " of 7" } br; (step.title()) }
                    label for=(f) class="hint" { (step.question()) }
                    textarea id=(f) name=(f) rows="4" aria-describedby={ (f) "-hint" } { (input.text(*step)) }
                    p class="hint" id={ (f) "-hint" } { "One thing on each line. Leave it empty for now if nothing comes." }
                    (field_error(errors, f))
                }
            }
            p class="hint" { "Up to " (LINES_MAX) " lines a step, " (LINE_MAX) " characters a line. "
                "Private and encrypted: only you can read it." }
            div class="actions" { button type="submit" { "Save my plan" } a href="/hard-moment" { "Not now" } }
        }
    }
}

fn form_page(
    who: &Unlocked,
    input: &SafetyPlanInput,
    version: i64,
    errors: &[Invalid],
    note: Option<&str>,
    first: bool,
) -> Markup {
    layout::page(
        "My safety plan",
        Some(who),
        html! {
            h1 { @if first { "Write your safety plan" } @else { "Edit your safety plan" } }
            @if first {
                // Someone may arrive here from the hard-moment page, in the middle of one.
                p class="notice" { "Having a hard time right now? You don't need to write anything first: "
                    a href="/hard-moment" { "go back to the hard-moment page" } " or " a href="/help" { "call a help line" } "." }
                p class="lead" { "A safety plan is a short list you write while you feel steady, for a moment when you don't. "
                    "When things get hard you read it from the top and go one step further each time, until you feel safer." }
                p { "Take it slowly, and stop whenever you like: whatever you save is kept, and you can add to it later. "
                    "It can help to write it with someone you trust." }
            }
            (editor(who, input, version, errors, note))
        },
    )
}

fn read_view(who: &Unlocked, plan: &Stored<SafetyPlan>, local: &Local<'_>) -> Markup {
    layout::page(
        "My safety plan",
        Some(who),
        html! {
            article class="safety-plan" {
                h1 { "My safety plan" }
                p class="lead" { "Start at step 1. If you still don't feel safe, go on to the next step." }
                ol class="plan-steps" {
                    @for step in Step::ALL {
                        li id=(step.field()) {
                            h2 { (step.title()) }
                            @let lines = plan.value.step(step);
                            @if lines.is_empty() {
                                p class="muted" { "Nothing here yet." }
                            } @else {
                                ul { @for l in lines { li { (tappable(l)) } } }
                            }
                            @if step == Step::Professionals {
                                // Whatever the plan says, the emergency number is here too.
                                div class="plan-lines" {
                                    (web_helplines::emergency(local))
                                    p class="no-print" { a href="/help" { "All help lines" } " (they open without a connection too)" }
                                }
                            }
                        }
                    }
                }
                p class="muted" { "Last changed " (when(plan.updated_at)) "." }
            }
            div class="actions no-print" {
                a class="button" href="/safety-plan/edit" { "Edit my plan" }
                button type="button" class="secondary" data-print hidden { "Print" }
                a class="button secondary" href="/hard-moment" { "Hard moment page" }
            }
            p class="muted no-print" { "To keep a copy on paper, use your browser's Print. "
                "Once you have opened this page, it also opens without a connection on this device, until you sign out or lock." }
        },
    )
}

async fn load(state: &AppState, who: &Unlocked) -> Result<Option<Stored<SafetyPlan>>, PageError> {
    // The profile holds the country whose lines come first.
    state.services.records(who).profile().await?;
    Ok(state.services.records(who).slot::<SafetyPlan>(SLOT).await?)
}

pub async fn page(State(state): State<AppState>, Person(who): Person) -> Result<Markup, PageError> {
    let local = web_helplines::for_person(&state.helplines, &who);
    match load(&state, &who).await? {
        Some(plan) if !plan.value.is_empty() => Ok(read_view(&who, &plan, &local)),
        current => {
            let local = web_helplines::for_person(&state.helplines, &who);
            let input = SafetyPlanInput {
                professionals: suggested_lines(&local),
                ..SafetyPlanInput::default()
            };
            let version = current.map_or(0, |c| c.version);
            Ok(form_page(&who, &input, version, &[], None, true))
        }
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    Person(who): Person,
) -> Result<Markup, PageError> {
    let current = load(&state, &who).await?;
    let (input, version) = match &current {
        Some(c) => (c.value.to_input(), c.version),
        None => (SafetyPlanInput::default(), 0),
    };
    let first = current.is_none_or(|c| c.value.is_empty());
    Ok(form_page(&who, &input, version, &[], None, first))
}

pub async fn save(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<PlanForm>,
) -> Result<Response, PageError> {
    let version: i64 = form.version.trim().parse().unwrap_or(0);
    let plan = match form.plan.validate() {
        Ok(p) => p,
        Err(errors) => {
            let page = form_page(&who, &form.plan, version, &errors, None, false);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let records = state.services.records(&who);
    let current = records.slot::<SafetyPlan>(SLOT).await?;
    let saved = match &current {
        // The first save. (Two tabs racing on the very first save is the one
        // case where the later one wins; both started from an empty plan.)
        None => records.put_slot(SLOT, None, plan, now()).await.map(|_| ()),
        Some(c) if c.version == version => records
            .update(&c.id, version, plan, now())
            .await
            .map(|_| ()),
        Some(_) => Err(ServiceError::Stale),
    };
    match saved {
        Ok(()) => Ok(Redirect::to("/safety-plan").into_response()),
        Err(ServiceError::Stale) => {
            // Changed in another tab or device since this form was opened: keep
            // the person's words and show what is saved; saving again wins.
            let current = records
                .slot::<SafetyPlan>(SLOT)
                .await?
                .ok_or(PageError::NotFound)?;
            let note = "Your plan was changed in another tab or device after you opened this form. \
                        Your words are below, unchanged. Saving now will replace the other version.";
            let page = layout::page(
                "My safety plan",
                Some(&who),
                html! {
                    h1 { "Edit your safety plan" }
                    (editor(&who, &form.plan, current.version, &[], Some(note)))
                    details {
                        summary { "See the other version" }
                        @for step in Step::ALL {
                            @let lines = current.value.step(step);
                            @if !lines.is_empty() {
                                h3 { (step.title()) }
                                ul { @for l in lines { li { (l) } } }
                            }
                        }
                    }
                },
            );
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_a_line_become_call_or_text_links() {
        assert_eq!(
            tappable("Amira 07700 900123, or +44 20-7946 0000").into_string(),
            "Amira <a href=\"tel:07700900123\">07700 900123</a>, or <a href=\"tel:+442079460000\">+44 20-7946 0000</a>"
        );
        assert_eq!(
            tappable("Shout: text SHOUT to 85258").into_string(),
            "Shout: text SHOUT to <a href=\"sms:85258\">85258</a>"
        );
        // Years, short counts, words with digits and escaping stay as text.
        assert_eq!(
            tappable("Qualifying in 2027, 3rd floor <b>").into_string(),
            "Qualifying in 2027, 3rd floor &lt;b&gt;"
        );
        assert_eq!(
            tappable("Samaritans: call 116 123").into_string(),
            "Samaritans: call <a href=\"tel:116123\">116 123</a>"
        );
        assert_eq!(
            tappable("ward B12 ext 999x").into_string(),
            "ward B12 ext 999x"
        );
    }
}
