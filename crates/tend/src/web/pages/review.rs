//! Step 9: the weekly review. One ISO week at a time (`/review` is this week,
//! `/review/2026-W48` an earlier one): the week's check-ins, goals met, the
//! sections other features contribute, and a reflection (sealed, one per week).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;

use super::today_for;
use crate::domain::Invalid;
use crate::domain::checkin::Checkin;
use crate::domain::goals::{Goal, IsoWeek, goals_met, hours};
use crate::domain::review::{
    REFLECTION_MAX, Reflection, ReflectionInput, WeekCheckins, prompt_for, summarise,
};
use crate::service::RecordFilter;
use crate::service::{Stored, Unlocked};
use crate::web::components::week;
use crate::web::error::PageError;
use crate::web::extract::{Person, SignedForm};
use crate::web::format::{self, when};
use crate::web::layout::{self, csrf, error_summary, field_error, has_error};
use crate::web::{AppState, now};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/review", get(this_week))
        .route("/review/{week}", get(past_week).post(save))
}

/// A titled part of the review that another feature contributes.
pub struct ReviewSection {
    /// Used for the heading's id, so it must be unique on the page.
    pub id: &'static str,
    pub title: String,
    pub body: Markup,
}

/// The sections of the review that belong to other features, in page order.
///
/// Seams for the lead: each feature (built in parallel) adds one block here
/// that fetches only that week (`week.monday()..=week.sunday()` as a
/// `RecordFilter` day range, with a limit) and pushes a `ReviewSection`.
/// Sections with nothing that week should still say so kindly, never "missed".
pub async fn feature_sections(
    state: &AppState,
    who: &Unlocked,
    week: IsoWeek,
) -> Result<Vec<ReviewSection>, PageError> {
    let (from, to) = (week.monday(), week.sunday());
    let summaries = state.services.summaries(who);
    let mut sections: Vec<ReviewSection> = Vec::new();
    sections.push(ReviewSection {
        id: "noticing",
        title: "Noticing and kindness".into(),
        body: week::critic(&summaries.critic_week(from, to).await?),
    });
    sections.push(ReviewSection {
        id: "practice",
        title: "Practice".into(),
        body: week::practice(
            &state.content,
            &summaries.practice(from, to).await?,
            from,
            to,
        ),
    });
    sections.push(ReviewSection {
        id: "gratitude",
        title: "Good things".into(),
        body: week::good_things(&summaries.good_things(from, to).await?),
    });
    let results = state
        .services
        .questionnaires(who, &state.catalog)
        .week_results(from, to)
        .await?;
    sections.push(ReviewSection {
        id: "questionnaires",
        title: "Questionnaires".into(),
        body: html! {
            @if results.is_empty() {
                p { "No questionnaires this week. " a href="/questionnaires" { "See what's due" } "." }
            } @else {
                ul {
                    @for r in &results {
                        li {
                            strong { (r.short_name) } ": "
                            @match (r.score, &r.band) {
                                (Some(s), Some(b)) => { (format::number(s)) " (" (b) ")" }
                                (Some(s), None) => { (format::number(s)) }
                                (None, _) => { "Not scored: some questions were left unanswered." }
                            }
                            @if let Some(href) = r.step { " · " a href=(href) { "A step that may help" } }
                        }
                    }
                }
            }
        },
    });
    Ok(sections)
}

#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

fn review_url(week: IsoWeek) -> String {
    format!("/review/{week}")
}

struct View<'a> {
    who: &'a Unlocked,
    tz: jiff::tz::TimeZone,
    week: IsoWeek,
    current: IsoWeek,
    checkins: WeekCheckins,
    goals: Vec<Stored<Goal>>,
    sections: Vec<ReviewSection>,
    saved: Option<Stored<Reflection>>,
    prompt: String,
    input: ReflectionInput,
    errors: Vec<Invalid>,
    notice: Option<&'static str>,
}

fn checkins_section(c: &WeekCheckins) -> Markup {
    html! {
        @if c.days == 0 {
            p { "No check-ins this week. That's all right: the review works with whatever you have." }
        } @else {
            dl class="summary" {
                dt { "Days you checked in" } dd { (c.days) }
                @if let Some(m) = c.average_mood { dt { "Average mood" } dd { (format!("{m:.1}")) " of 5" } }
                @if let Some(e) = c.average_energy { dt { "Average energy" } dd { (format!("{e:.1}")) " of 5" } }
                @if let Some(s) = c.average_sleep { dt { "Average sleep" } dd { (format!("{s:.1}")) " hours" } }
                dt { "Days with movement" } dd { (c.movement_days) " (" (c.movement_minutes) " minutes in all)" }
                dt { "Days with regular meals" } dd { (c.regular_meal_days) }
            }
            @if !c.joys.is_empty() {
                h3 { "Joyful things" }
                ul { @for j in &c.joys { li { (j) } } }
            }
            p { a href="/selfcare" { "See your self-care trends" } }
        }
    }
}

fn goals_section(goals: &[Stored<Goal>], week: IsoWeek) -> Markup {
    let values: Vec<Goal> = goals.iter().map(|g| g.value.clone()).collect();
    let (done, total) = goals_met(&values);
    html! {
        @if total == 0 {
            p { "No goals were set for this week. " a href={ "/goals?week=" (week) } { "Plan some" } " if it would help." }
        } @else {
            p { (done) " of " (total) " goals done " span class="muted" { "(good enough counts as done)" } "." }
            ul {
                @for g in goals {
                    li { (g.value.title) " · " (hours(g.value.hours)) " h · " strong { (g.value.state.label()) } }
                }
            }
            p { a href={ "/goals?week=" (week) } { "Open these goals" } }
        }
    }
}

fn render(v: &View<'_>) -> Markup {
    let title = if v.week == v.current {
        "This week's review".to_owned()
    } else {
        format!("Review of {}", v.week.label())
    };
    let action = review_url(v.week);
    html! {
        (layout::page(&title, Some(v.who), html! {
            @if let Some(n) = v.notice { (layout::notice(n)) }
            h1 { (title) }
            p class="muted" { (v.week.label()) " · week " (v.week) }
            nav class="week-nav actions" aria-label="Weeks" {
                a href=(review_url(v.week.previous())) { "Previous week" }
                @if v.week != v.current {
                    @if v.week.next() != v.current { a href=(review_url(v.week.next())) { "Next week" } }
                    a href="/review" { "This week" }
                }
            }
            section class="card" aria-labelledby="checkins-h" {
                h2 id="checkins-h" { "Daily check-ins" }
                (checkins_section(&v.checkins))
            }
            section class="card" aria-labelledby="goals-h" {
                h2 id="goals-h" { "Goals" }
                (goals_section(&v.goals, v.week))
            }
            @for s in &v.sections {
                section class="card" aria-labelledby={ (s.id) "-h" } {
                    h2 id={ (s.id) "-h" } { (s.title) }
                    (s.body)
                }
            }
            section class="card" aria-labelledby="reflection-h" {
                h2 id="reflection-h" { "Reflection" }
                @if let Some(r) = &v.saved {
                    div class="reflection" {
                        @if !r.value.prompt.is_empty() { p class="muted" { (r.value.prompt) } }
                        (layout::paragraphs(&r.value.text))
                        p class="muted" { "Saved " (when(r.updated_at, &v.tz)) "." }
                    }
                }
                (error_summary(&v.errors))
                form method="post" action=(action) class="stack" novalidate {
                    (csrf(v.who))
                    input type="hidden" name="prompt" value=(v.prompt);
                    div {
                        label for="text" {
                            @if v.saved.is_some() { "Edit your reflection" } @else { "Your reflection" }
                            span class="hint" { (v.prompt) }
                        }
                        textarea id="text" name="text" rows="6" maxlength=(REFLECTION_MAX)
                            aria-invalid=[has_error(&v.errors, "text").then_some("true")]
                            aria-describedby=[has_error(&v.errors, "text").then_some("text-error")] { (v.input.text) }
                        (field_error(&v.errors, "text"))
                        p class="hint" { "Private and encrypted. A sentence is enough." }
                    }
                    div class="actions" {
                        button type="submit" { @if v.saved.is_some() { "Update reflection" } @else { "Save reflection" } }
                    }
                }
            }
            p { a href="/learn/check-in-and-reflect" { "Read: checking in and reflecting" } }
        }))
    }
}

async fn view<'a>(
    state: &AppState,
    who: &'a Unlocked,
    week: IsoWeek,
) -> Result<View<'a>, PageError> {
    let tz = state.services.records(who).profile().await?.tz();
    let current = IsoWeek::of(crate::web::clock().to_zoned(tz.clone()).date());
    // Weeks still to come have nothing to review yet.
    if week > current {
        return Err(PageError::NotFound);
    }
    let records = state.services.records(who);
    let checkins: Vec<Checkin> = records
        .list::<Checkin>(&RecordFilter {
            day_from: Some(week.monday()),
            day_to: Some(week.sunday()),
            limit: Some(7),
        })
        .await?
        .into_iter()
        .rev() // oldest first
        .map(|s| s.value)
        .collect();
    let saved = records.slot::<Reflection>(&week.to_string()).await?;
    let prompt = saved
        .as_ref()
        .map(|r| r.value.prompt.clone())
        .filter(|p| !p.is_empty())
        .or_else(|| prompt_for(week, &state.content.prompts.reflection).map(str::to_owned))
        .unwrap_or_else(|| "How was this week, for you?".to_owned());
    let input = ReflectionInput {
        text: saved
            .as_ref()
            .map(|r| r.value.text.clone())
            .unwrap_or_default(),
        prompt: prompt.clone(),
    };
    Ok(View {
        who,
        tz,
        week,
        current,
        checkins: summarise(&checkins),
        goals: state.services.summaries(who).week_goals(week).await?,
        sections: feature_sections(state, who, week).await?,
        saved,
        prompt,
        input,
        errors: Vec::new(),
        notice: None,
    })
}

pub async fn this_week(
    State(state): State<AppState>,
    Person(who): Person,
    Query(q): Query<SavedQuery>,
) -> Result<Markup, PageError> {
    let week = IsoWeek::of(today_for(&state, &who).await?);
    let mut v = view(&state, &who, week).await?;
    if q.saved.is_some() {
        v.notice = Some("Reflection saved.");
    }
    Ok(render(&v))
}

pub async fn past_week(
    State(state): State<AppState>,
    Person(who): Person,
    Path(week): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Markup, PageError> {
    let week = IsoWeek::parse(&week).ok_or(PageError::NotFound)?;
    let mut v = view(&state, &who, week).await?;
    if q.saved.is_some() {
        v.notice = Some("Reflection saved.");
    }
    Ok(render(&v))
}

pub async fn save(
    State(state): State<AppState>,
    Path(week): Path<String>,
    SignedForm { who, form }: SignedForm<ReflectionInput>,
) -> Result<Response, PageError> {
    let week = IsoWeek::parse(&week).ok_or(PageError::NotFound)?;
    match form.validate() {
        Ok(r) => {
            let current = IsoWeek::of(today_for(&state, &who).await?);
            if week > current {
                return Err(PageError::NotFound);
            }
            state
                .services
                .records(&who)
                .put_slot(&week.to_string(), Some(week.monday()), r, now())
                .await?;
            Ok(Redirect::to(&format!("{}?saved=1#reflection-h", review_url(week))).into_response())
        }
        Err(errors) => {
            let mut v = view(&state, &who, week).await?;
            v.input = form;
            v.errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&v)).into_response())
        }
    }
}
