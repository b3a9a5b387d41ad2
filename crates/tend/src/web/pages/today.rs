//! Today: one kind next step chosen from how the person is
//! (`domain::next_step`), the quick check-in, the week and the journal, and
//! every tool folded away below.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::today_for;
use crate::domain::Invalid;
use crate::domain::checkin::{CheckinInput, Meals};
use crate::domain::next_step::{NextStep, Signals, choose};
use crate::service::questionnaires::score_of;
use crate::service::summaries::{Suggestion, suggest_practice};
use crate::service::{Overview, Unlocked};
use crate::web::AppState;
use crate::web::components::checkin_form;
use crate::web::error::PageError;
use crate::web::extract::{CreateForm, Person};
use crate::web::helplines::{self, country_for};
use crate::web::layout;

/// Every tool of the guide, folded away under the next step.
const TOOLS: &[(&str, &str, &str)] = &[
    (
        "/critic/new",
        "Notice the critic",
        "catch the inner critic in a sentence",
    ),
    (
        "/critic",
        "Your critic log",
        "the thoughts you noticed, and kinder answers",
    ),
    (
        "/practices",
        "Practise",
        "breathing space, body scan, loving-kindness…",
    ),
    (
        "/kindness/break",
        "Self-compassion break",
        "two minutes, three steps",
    ),
    (
        "/debrief/new",
        "Mistake debrief",
        "for a hard day on the ward or a bad exam",
    ),
    (
        "/goals",
        "This week's goals",
        "checked against the hours you really have",
    ),
    (
        "/selfcare",
        "Self-care",
        "sleep, movement, meals and mood over time",
    ),
    (
        "/gratitude",
        "Three good things",
        "and a past one for a hard day",
    ),
    (
        "/questionnaires",
        "Questionnaires",
        "well-being, stress, self-compassion, every few weeks",
    ),
    (
        "/review",
        "Weekly review",
        "your week in one place, and a reflection",
    ),
    ("/support", "People and help lines", "who you can reach"),
    ("/safety-plan", "Safety plan", "ready for a hard moment"),
    (
        "/learn",
        "Learn",
        "the ten steps, and what the research shows",
    ),
];

#[derive(Debug, Default, Deserialize)]
pub struct TodayQuery {
    saved: Option<String>,
    welcome: Option<String>,
}

/// What Today shows, gathered once.
struct View {
    today: jiff::civil::Date,
    /// With the titles of the newest journal entries, not their bodies.
    overview: Overview<String>,
    suggestion: Option<Suggestion>,
    step: NextStep,
    /// Questionnaires due, shown beside the step unless it holds them back.
    due: Vec<(String, String)>,
    /// With the `Reach` step: the person's emergency number and first crisis
    /// line, to call from Today itself.
    help: Option<Markup>,
}

async fn gather(state: &AppState, who: &Unlocked) -> Result<View, PageError> {
    let today = today_for(state, who).await?;
    // Everything Today reads comes from one store call (see
    // `Summaries::today`); the newest entries come as titles only.
    let data = state
        .services
        .summaries(who)
        .today(&state.catalog, today, 3)
        .await?;
    let overview = data.overview;
    let suggestion = suggest_practice(&state.content, &data.practice_month, today);
    let questionnaires = data.due;
    let due: Vec<(String, String)> = questionnaires
        .offered()
        .into_iter()
        .filter_map(|s| {
            let name = state.catalog.get(&s.instrument)?.short_name.clone();
            Some((s.instrument.clone(), name))
        })
        .collect();
    let debrief = data.debrief;

    // The newest result of each questionnaire says how the person has been.
    let mut signals = Signals {
        today: Some(today),
        mood: overview.checkin.as_ref().map(|c| c.value.mood),
        energy: overview.checkin.as_ref().map(|c| c.value.energy),
        debrief,
        due: due.clone(),
        untried: suggestion
            .as_ref()
            .map(|s| (s.slug.clone(), s.title.clone())),
        ..Signals::default()
    };
    for r in questionnaires.latest.values() {
        let (Some(inst), Some(day)) = (state.catalog.get(&r.value.instrument), r.day) else {
            continue;
        };
        let Some(res) = score_of(inst, &r.value) else {
            continue;
        };
        let newest = |have: Option<jiff::civil::Date>| Some(have.map_or(day, |h| h.max(day)));
        if res.needs_crisis_help() {
            signals.crisis_result = newest(signals.crisis_result);
        }
        if res.needs_support() {
            signals.support_result = newest(signals.support_result);
        }
        if inst.id == "who5" && matches!(res.band_id(), Some("low" | "very-low")) {
            signals.low_wellbeing = newest(signals.low_wellbeing);
        }
    }
    let step = choose(&signals);
    let help = matches!(step, NextStep::Reach).then(|| {
        let country = country_for(&state.helplines, Some(who), &HeaderMap::new());
        let local = state.helplines.local(country.as_deref());
        html! {
            (helplines::emergency(&local))
            (helplines::compact(local.crisis_lines().take(1)))
        }
    });
    Ok(View {
        today,
        overview,
        suggestion,
        step,
        due,
        help,
    })
}

pub async fn page(
    State(state): State<AppState>,
    Person(who): Person,
    Query(q): Query<TodayQuery>,
) -> Result<Markup, PageError> {
    let v = gather(&state, &who).await?;
    let notice = if q.welcome.is_some() {
        Some("Welcome to tend. Below is one small thing to start with; everything else can wait.")
    } else if q.saved.as_deref() == Some("checkin") {
        Some("Check-in saved. Thank you for checking in with yourself.")
    } else {
        None
    };
    Ok(render(&who, &v, notice, &CheckinInput::default(), &[]))
}

/// The check-in on Today posts here, so a problem is shown on Today with
/// what was typed kept.
pub async fn save_checkin(
    State(state): State<AppState>,
    CreateForm {
        who,
        form,
        submission,
    }: CreateForm<CheckinInput>,
) -> Result<Response, PageError> {
    match form.validate() {
        Ok(checkin) => {
            let today = today_for(&state, &who).await?;
            checkin_form::store(&state, &who, today, &checkin, &submission).await?;
            Ok(Redirect::to("/today?saved=checkin").into_response())
        }
        Err(errors) => {
            let v = gather(&state, &who).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&who, &v, None, &form, &errors),
            )
                .into_response())
        }
    }
}

/// The step's words: a heading, a kind sentence, and where to go.
struct StepCopy {
    heading: &'static str,
    text: String,
    go: Option<(String, String)>,
    also: Vec<(&'static str, &'static str)>,
}

fn step_copy(step: &NextStep) -> StepCopy {
    match step {
        NextStep::Reach => StepCopy {
            heading: "Please reach out today",
            text: "In a recent questionnaire you answered that you have had thoughts of being better off dead or of hurting yourself. \
                   You don't have to carry that alone: talking to someone now can help, and help lines answer day and night."
                .into(),
            go: Some(("/help".into(), "More people to call or text".into())),
            also: vec![
                ("/safety-plan", "Your safety plan"),
                ("/hard-moment", "Get through a hard moment"),
            ],
        },
        NextStep::Support => StepCopy {
            heading: "Be gentle with yourself this week",
            text: "Your last questionnaire suggests things are heavy right now. That is worth sharing with someone: \
                   a friend, your doctor or a counsellor. Resting counts as doing something."
                .into(),
            go: Some(("/support".into(), "Choose someone to talk to".into())),
            also: vec![
                ("/practices/breathing-space", "A three-minute breathing space"),
                ("/help", "Help lines"),
            ],
        },
        NextStep::Rest {
            mood_low,
            energy_low,
        } => StepCopy {
            heading: "Go easy on yourself today",
            text: match (mood_low, energy_low) {
                (true, true) => "Low mood and low energy: today sounds hard. Nothing needs fixing right now. \
                                 Two minutes of kindness to yourself may help more than anything on a list.",
                (true, false) => "Your mood is low today. That is allowed. \
                                  Two minutes of kindness to yourself may help more than anything on a list.",
                _ => "Your energy is low today. Rest is part of the work. \
                      If you can, take two slow minutes before the next thing.",
            }
            .into(),
            go: Some(("/kindness/break".into(), "Take a two-minute self-compassion break".into())),
            also: vec![
                ("/hard-moment", "If it's more than a low day"),
                ("/journal/new", "Write it down"),
            ],
        },
        NextStep::Gentle => StepCopy {
            heading: "Something gentle for today",
            text: "Your well-being questionnaire was low recently. Small, kind things help: \
                   a short practice, a proper meal, a message to someone you like."
                .into(),
            go: Some(("/practices/breathing-space".into(), "Try a three-minute breathing space".into())),
            also: vec![("/support", "People you can reach")],
        },
        NextStep::AfterDebrief => StepCopy {
            heading: "After a hard day",
            text: "You looked honestly at a hard moment recently. That takes courage. \
                   A short self-compassion break can help it settle."
                .into(),
            go: Some(("/kindness/break".into(), "Take a self-compassion break".into())),
            also: vec![("/debrief", "Your debriefs")],
        },
        NextStep::CheckIn => StepCopy {
            heading: "How are you, right now?",
            text: "Thirty seconds is enough. Your answer shapes what Today suggests.".into(),
            go: None,
            also: vec![],
        },
        NextStep::Questionnaire { id, name } => StepCopy {
            heading: "A questionnaire is ready",
            text: format!(
                "When you have five minutes, the {name} is ready. It shows how things have been lately. No rush; it will keep."
            ),
            go: Some((format!("/questionnaires/{id}"), format!("Start the {name}"))),
            also: vec![],
        },
        NextStep::Try { slug, title } => StepCopy {
            heading: "A practice for today",
            text: format!("You haven't tried {title} lately. It might fit a quiet moment."),
            go: Some((format!("/practices/{slug}"), format!("Start {title}"))),
            also: vec![],
        },
        NextStep::Enough => StepCopy {
            heading: "That's enough for today",
            text: "You have checked in. Anything more is a bonus, not a task.".into(),
            go: Some(("/journal/new".into(), "Write a line or two".into())),
            also: vec![("/gratitude", "Three good things")],
        },
    }
}

fn render(
    who: &Unlocked,
    v: &View,
    notice: Option<&str>,
    input: &CheckinInput,
    errors: &[Invalid],
) -> Markup {
    let summary = &v.overview.summary;
    let entries = v.overview.recent_entries.as_slice();
    let todays = v.overview.checkin.as_ref().map(|s| &s.value);
    let copy = step_copy(&v.step);
    // A reason in the practice suggestion beats our generic sentence.
    let text = match (&v.step, &v.suggestion) {
        (NextStep::Try { .. }, Some(Suggestion { reason, .. })) => reason.clone(),
        _ => copy.text.clone(),
    };
    let urgent = matches!(v.step, NextStep::Reach);
    // The check-in is the step when none is saved; a failed save shows it there too.
    let form_in_step = todays.is_none() || !errors.is_empty();
    layout::page(
        "Today",
        Some(who),
        html! {
            @if let Some(n) = notice { (layout::notice(n)) }
            h1 class="today-h" { "Today" span class="date" { (crate::web::format::weekday(v.today)) } }
            div class="today-grid wide" {
                div class="today-main" {
                    section aria-labelledby="step-h" class={ "card next-step" @if urgent { " urgent" } } {
                        p class="kicker" { "Your next step" }
                        h2 id="step-h" { (copy.heading) }
                        p class="lead" { (text) }
                        @if let Some(h) = &v.help { (h) }
                        @if let Some((href, label)) = &copy.go {
                            p { a class={ "button" @if urgent { " help" } } href=(href) { (label) } }
                        }
                        @if !copy.also.is_empty() {
                            ul class="also" {
                                @for (href, label) in &copy.also { li { a href=(href) { (label) } } }
                            }
                        }
                        @if form_in_step && matches!(v.step, NextStep::CheckIn) {
                            (checkin_form::quick_form(who, input, errors))
                        }
                    }
                    @if form_in_step && !matches!(v.step, NextStep::CheckIn) {
                        section aria-labelledby="checkin-h" class="card" {
                            h2 id="checkin-h" { "Daily check-in" }
                            (checkin_form::quick_form(who, input, errors))
                        }
                    }
                    @if let (Some(c), false) = (todays, form_in_step) {
                        section aria-labelledby="checkin-h" class="card checkin-done" {
                            h2 id="checkin-h" { "Today's check-in" }
                            ul class="chips" {
                                li { "Mood " b { (c.mood) } "/5" }
                                li { "Energy " b { (c.energy) } "/5" }
                                li { b { (c.sleep_hours) } " h sleep" }
                                @if c.movement_minutes > 0 { li { b { (c.movement_minutes) } " min moving" } }
                                li { @match c.meals { Meals::Eaten => "Regular meals", Meals::Skipped => "Skipped some meals" } }
                            }
                            @if !c.joy.is_empty() { p class="joy" { "Joyful thing: " (c.joy) } }
                            p class="small" { a href="/checkin" { "Change today's check-in" } }
                        }
                    }
                }
                div class="today-side" {
                    section aria-labelledby="week-h" class="card" {
                        h2 id="week-h" { "Your week" }
                        @if summary.days_checked_in == 0 {
                            p { "Your week will take shape here as you check in. Any day is a good day to start." }
                        } @else {
                            dl class="summary" {
                                dt { "Days you checked in" } dd { (summary.days_checked_in) }
                                @if let Some(s) = summary.average_sleep {
                                    dt { "Average sleep" } dd { (format!("{s:.1}")) " hours" }
                                }
                                @if let Some(m) = summary.average_mood {
                                    dt { "Average mood" } dd { (format!("{m:.1}")) " of 5" }
                                }
                            }
                            p class="small" { a href="/review" { "Weekly review" } " · " a href="/selfcare" { "Self-care" } }
                        }
                    }
                    @if !v.due.is_empty() && !v.step.holds_questionnaires() && !matches!(v.step, NextStep::Questionnaire { .. }) {
                        section aria-labelledby="due-h" class="card" {
                            h2 id="due-h" { "A questionnaire is ready" }
                            p { "When you have a few minutes: "
                                @for (i, (id, name)) in v.due.iter().enumerate() {
                                    @if i > 0 { ", " }
                                    a href={ "/questionnaires/" (id) } { (name) }
                                }
                                ". No rush; it will keep." }
                        }
                    }
                    section aria-labelledby="journal-h" class="card" {
                        h2 id="journal-h" { "Journal" }
                        @if entries.is_empty() {
                            p { "Nothing written yet. A line or two is plenty." }
                        } @else {
                            ul class="entries" {
                                @for e in entries {
                                    li { a href={ "/journal/" (e.id) } { (e.value) } }
                                }
                            }
                        }
                        p class="actions" {
                            a class="button secondary" href="/journal/new" { "Write an entry" }
                            @if !entries.is_empty() { a href="/journal" { "All entries" } }
                        }
                    }
                }
            }
            details class="card tools-fold" {
                summary { "All tools" span class="muted" { " · there is no order and no score" } }
                ul class="tools" {
                    @for (href, label, hint) in TOOLS {
                        li { a href=(href) { (label) } span class="muted" { (hint) } }
                    }
                }
            }
        },
    )
}
