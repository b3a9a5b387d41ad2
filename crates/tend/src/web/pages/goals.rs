//! Step 5: weekly goals checked against the hours a week really has.
//!
//! `/goals` shows one ISO week (this one, or `?week=2026-W48`): the week's
//! arithmetic, its goals with a "how did it go" choice each, and a form to add
//! one. Fixed commitments are one sealed settings record, set once.

use crate::web::extract::NoFields;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;

use super::today_for;
use crate::domain::Invalid;
use crate::domain::goals::{
    Commitments, CommitmentsInput, Fit, GOOD_ENOUGH_MAX, Goal, GoalInput, GoalState, IsoWeek,
    TITLE_MAX, fit, goals_met, hours,
};
use crate::service::summaries::MAX_GOALS_PER_WEEK;
use crate::service::{ServiceError, Stored, Unlocked};
use crate::web::error::PageError;
use crate::web::extract::{Person, SignedForm};
use crate::web::layout::{self, csrf, error_summary, field_error, has_error};
use crate::web::{AppState, now};

/// The most goals one week holds: plenty for a plan, small enough to stay fast.
const COMMITMENTS_SLOT: &str = "commitments";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/goals", get(page).post(create))
        .route(
            "/goals/commitments",
            get(commitments_page).post(save_commitments),
        )
        .route("/goals/{id}/edit", get(edit_form).post(update))
        .route("/goals/{id}/state", post(set_state))
        .route("/goals/{id}/delete", post(delete))
}

#[derive(Debug, Default, Deserialize)]
pub struct WeekQuery {
    week: Option<String>,
    saved: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct NewGoalForm {
    #[serde(default)]
    week: String,
    #[serde(flatten)]
    goal: GoalInput,
}

#[derive(Debug, Default, Deserialize)]
pub struct EditGoalForm {
    #[serde(default)]
    version: String,
    #[serde(flatten)]
    goal: GoalInput,
}

#[derive(Debug, Default, Deserialize)]
pub struct StateForm {
    #[serde(default)]
    state: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct CommitmentsForm {
    #[serde(default)]
    week: String,
    #[serde(flatten)]
    input: CommitmentsInput,
}

fn week_url(week: IsoWeek) -> String {
    format!("/goals?week={week}")
}

async fn commitments(state: &AppState, who: &Unlocked) -> Result<Option<Commitments>, PageError> {
    Ok(state
        .services
        .records(who)
        .slot::<Commitments>(COMMITMENTS_SLOT)
        .await?
        .map(|s| s.value))
}

async fn load_goal(state: &AppState, who: &Unlocked, id: &str) -> Result<Stored<Goal>, PageError> {
    state
        .services
        .records(who)
        .get::<Goal>(id)
        .await?
        .ok_or(PageError::NotFound)
}

fn goal_week(g: &Stored<Goal>) -> Option<IsoWeek> {
    g.day.map(IsoWeek::of)
}

fn text_field(
    id: &'static str,
    label: &str,
    hint: Option<&str>,
    value: &str,
    max: Option<usize>,
    numeric: bool,
    errors: &[Invalid],
) -> Markup {
    html! {
        div {
            label for=(id) { (label) (layout::required()) @if let Some(h) = hint { span class="hint" { (h) } } }
            input id=(id) name=(id) type="text" value=(value) required
                inputmode=[numeric.then_some("decimal")]
                maxlength=[max]
                aria-invalid=[has_error(errors, id).then_some("true")]
                aria-describedby=[has_error(errors, id).then(|| format!("{id}-error"))];
            (field_error(errors, id))
        }
    }
}

fn goal_fields(input: &GoalInput, errors: &[Invalid]) -> Markup {
    html! {
        (text_field("title", "Goal", Some("Something you'd like to do this week."), &input.title, Some(TITLE_MAX), false, errors))
        (text_field("hours", "Hours it might take", Some("Your honest estimate for the week, like 3 or 1.5."), &input.hours, None, true, errors))
        (text_field("good_enough", "Good enough looks like", Some("The smaller version that still counts, like “one pass through the cardiology notes”."), &input.good_enough, Some(GOOD_ENOUGH_MAX), false, errors))
    }
}

fn commitments_fields(input: &CommitmentsInput, errors: &[Invalid]) -> Markup {
    html! {
        (text_field("sleep_per_night", "Sleep, hours per night", None, &input.sleep_per_night, None, true, errors))
        (text_field("meals_per_day", "Meals, hours per day", Some("Cooking and eating, roughly."), &input.meals_per_day, None, true, errors))
        (text_field("rotations_per_week", "Rotations or classes, hours per week", None, &input.rotations_per_week, None, true, errors))
        (text_field("call_per_week", "Call, hours per week", Some("0 if you have none this week."), &input.call_per_week, None, true, errors))
        (text_field("commute_per_day", "Commute, hours per day", None, &input.commute_per_day, None, true, errors))
    }
}

fn commitments_form(
    who: &Unlocked,
    week: IsoWeek,
    input: &CommitmentsInput,
    errors: &[Invalid],
) -> Markup {
    html! {
        form method="post" action="/goals/commitments#errors" class="stack" novalidate {
            (csrf(who))
            input type="hidden" name="week" value=(week);
            (commitments_fields(input, errors))
            div class="actions" { button type="submit" { "Save my fixed hours" } }
        }
    }
}

/// Whether the week fits, in one sentence, as the page opens. Before the
/// person has set their own fixed hours the suggested ones stand in, and the
/// sentence says so.
fn fit_sentence(c: Option<&Commitments>, goals: &[Goal]) -> String {
    let suggested = CommitmentsInput::suggested().validate().ok();
    let (c, own) = match (c, suggested.as_ref()) {
        (Some(c), _) => (c, true),
        (None, Some(s)) => (s, false),
        (None, None) => return String::new(),
    };
    let f = fit(c, goals);
    let assumed = if own {
        ""
    } else {
        " (with a typical week's fixed hours, until you set yours below)"
    };
    if goals.is_empty() {
        format!(
            "No goals yet: the week has about {} hours of room for them{assumed}.",
            hours(f.room)
        )
    } else if f.fits() {
        format!(
            "Your week fits: {} hours of goals in {} hours of room{assumed}.",
            hours(f.planned),
            hours(f.room)
        )
    } else {
        format!(
            "Your week doesn't fit yet: the goals need {} hours more than there is room for{assumed}.",
            hours(f.over)
        )
    }
}

fn fit_section(c: &Commitments, goals: &[Stored<Goal>], f: &Fit) -> Markup {
    html! {
        dl class="summary" {
            dt { "Hours in a week" } dd { "168" }
            dt { "Fixed commitments" } dd { (hours(f.committed)) }
            dt { "Room for goals" } dd { (hours(f.room)) }
            dt { "Goals planned" } dd { (hours(f.planned)) }
        }
        p class="muted" {
            "Fixed: sleep " (hours(c.sleep_per_night)) " h a night, meals " (hours(c.meals_per_day)) " h and commute "
            (hours(c.commute_per_day)) " h a day, rotations or classes " (hours(c.rotations_per_week)) " h and call "
            (hours(c.call_per_week)) " h a week. "
            a href="/goals/commitments" { "Change your fixed hours" }
        }
        @if f.fits() {
            p class="fit-ok" {
                "Your plan fits. "
                @if f.room - f.planned >= 0.25 {
                    (hours(f.room - f.planned)) " hours are left unplanned, and rest counts too."
                }
            }
        } @else {
            div class="fit-over" id="fit" {
                p { strong { "This plan asks for " (hours(f.over)) " more hours than the week has room for." } }
                p { "That happens to almost everyone who cares about their work. A plan that fits is kinder, and more of it gets done." }
                @if !f.suggestions.is_empty() {
                    p { "One way to make it fit:" }
                    ul {
                        @for s in &f.suggestions {
                            @if let Some(g) = goals.get(s.index) {
                                li {
                                    "Shrink “" (g.value.title) "” from " (hours(s.from)) " to " (hours(s.to)) " hours. "
                                    span class="muted" { "Good enough was: " (g.value.good_enough) }
                                }
                            }
                        }
                    }
                }
                @if f.still_over > 0.0 {
                    p { "Even then it is " (hours(f.still_over)) " hours over. Moving one goal to next week may be the kindest choice." }
                }
                details {
                    summary { "How tend chooses what to shrink" }
                    p { "Only goals not yet done are suggested. The biggest estimates come first, because they have the most room to give, "
                        "and none is cut below half its estimate, so each stays a smaller version of the same goal. Cuts are in half hours." }
                }
            }
        }
    }
}

fn state_form(who: &Unlocked, g: &Stored<Goal>) -> Markup {
    html! {
        form method="post" action={ "/goals/" (g.id) "/state" } class="goal-state" {
            (csrf(who))
            fieldset {
                legend { "How did it go?" span class="visually-hidden" { " " (g.value.title) } }
                div class="scale" {
                    @for s in [GoalState::NotYet, GoalState::GoodEnough, GoalState::Fully] {
                        label {
                            input type="radio" name="state" value=(s.as_str()) checked[g.value.state == s];
                            (s.label())
                        }
                    }
                }
            }
            button type="submit" class="secondary" { "Save" span class="visually-hidden" { " how “" (g.value.title) "” went" } }
        }
    }
}

struct View<'a> {
    who: &'a Unlocked,
    week: IsoWeek,
    current: IsoWeek,
    commitments: Option<Commitments>,
    goals: Vec<Stored<Goal>>,
    add: GoalInput,
    add_errors: Vec<Invalid>,
    notice: Option<&'static str>,
}

fn render(v: &View<'_>) -> Markup {
    let values: Vec<Goal> = v.goals.iter().map(|g| g.value.clone()).collect();
    let (done, total) = goals_met(&values);
    let title = if v.week == v.current {
        "Goals for this week".to_owned()
    } else {
        format!("Goals for {}", v.week.label())
    };
    layout::page(
        &title,
        Some(v.who),
        html! {
            @if let Some(n) = v.notice { (layout::notice(n)) }
            h1 { (title) }
            p class="in-short" { (fit_sentence(v.commitments.as_ref(), &values)) }
            p class="muted" { (v.week.label()) " · week " (v.week) }
            nav class="week-nav actions" aria-label="Weeks" {
                a href=(week_url(v.week.previous())) { "Previous week" }
                @if v.week != v.current { a href="/goals" { "This week" } }
                a href=(week_url(v.week.next())) { "Next week" }
            }
            section class="card" aria-labelledby="fit-h" {
                h2 id="fit-h" { "How the week adds up" }
                @match &v.commitments {
                    Some(c) => { (fit_section(c, &v.goals, &fit(c, &values))) }
                    None => {
                        p { "First, the hours that are already spoken for. You set these once; tend takes them from the 168 hours of a week to see how much room is left for goals." }
                        (commitments_form(v.who, v.week, &CommitmentsInput::suggested(), &[]))
                    }
                }
            }
            section aria-labelledby="goals-h" {
                h2 id="goals-h" { "Goals" }
                @if v.goals.is_empty() {
                    p { "No goals for this week yet. One or two is plenty." }
                } @else {
                    @if done == 0 {
                        p { "When a goal reaches good enough, tick it: that counts as done." }
                    } @else {
                        p { (done) " of " (total) " done. " span class="muted" { "Good enough counts as done." } }
                    }
                    ul class="goals" {
                        @for g in &v.goals {
                            li class="card goal" {
                                h3 { (g.value.title) }
                                p { (hours(g.value.hours)) " hours · good enough: " (g.value.good_enough) }
                                @if g.value.state.is_done() {
                                    p class="done" { "Done: " (g.value.state.label().to_lowercase()) "." }
                                }
                                (state_form(v.who, g))
                                p { a href={ "/goals/" (g.id) "/edit" } { "Edit or remove" span class="visually-hidden" { " “" (g.value.title) "”" } } }
                            }
                        }
                    }
                }
            }
            section class="card" aria-labelledby="add-h" {
                h2 id="add-h" { "Add a goal" }
                (error_summary(&v.add_errors))
                // "#errors": when the answer is the form again with a message,
                // the browser lands on the message, not at the top of a long page.
                form method="post" action="/goals#errors" class="stack" novalidate {
                    (csrf(v.who))
                    input type="hidden" name="week" value=(v.week);
                    (goal_fields(&v.add, &v.add_errors))
                    div class="actions" { button type="submit" { "Add goal" } }
                }
            }
            p { a href="/learn/realistic-expectations" { "Read: realistic expectations" } }
        },
    )
}

async fn view<'a>(
    state: &AppState,
    who: &'a Unlocked,
    week: IsoWeek,
) -> Result<View<'a>, PageError> {
    let current = IsoWeek::of(today_for(state, who).await?);
    Ok(View {
        who,
        week,
        current,
        commitments: commitments(state, who).await?,
        goals: state.services.summaries(who).week_goals(week).await?,
        add: GoalInput::default(),
        add_errors: Vec::new(),
        notice: None,
    })
}

pub async fn page(
    State(state): State<AppState>,
    Person(who): Person,
    Query(q): Query<WeekQuery>,
) -> Result<Markup, PageError> {
    let week = match q.week.as_deref() {
        Some(w) => IsoWeek::parse(w).ok_or(PageError::NotFound)?,
        None => IsoWeek::of(today_for(&state, &who).await?),
    };
    let mut v = view(&state, &who, week).await?;
    v.notice = match q.saved.as_deref() {
        Some("goal") => Some("Goal added."),
        Some("state") => Some("Saved. Good enough is done."),
        Some("edited") => Some("Goal changed."),
        Some("deleted") => Some("Goal removed."),
        Some("commitments") => Some("Your fixed hours are saved."),
        _ => None,
    };
    Ok(render(&v))
}

fn others_hours(goals: &[Stored<Goal>], except: Option<&str>) -> f32 {
    goals
        .iter()
        .filter(|g| Some(g.id.as_str()) != except)
        .map(|g| g.value.hours)
        .sum()
}

pub async fn create(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<NewGoalForm>,
) -> Result<Response, PageError> {
    let week = IsoWeek::parse(&form.week)
        .ok_or_else(|| PageError::BadRequest("The form did not say which week.".into()))?;
    let mut v = view(&state, &who, week).await?;
    let mut result = form
        .goal
        .validate(GoalState::NotYet, others_hours(&v.goals, None));
    if v.goals.len() >= MAX_GOALS_PER_WEEK {
        result = Err(vec![Invalid::new(
            "title",
            format!(
                "This week already has {MAX_GOALS_PER_WEEK} goals, the most tend keeps for one week."
            ),
        )]);
    }
    match result {
        Ok(goal) => {
            state
                .services
                .records(&who)
                .create(Some(week.monday()), goal, now())
                .await?;
            Ok(Redirect::to(&format!("{}&saved=goal", week_url(week))).into_response())
        }
        Err(errors) => {
            v.add = form.goal;
            v.add_errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&v)).into_response())
        }
    }
}

pub async fn set_state(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, form }: SignedForm<StateForm>,
) -> Result<Response, PageError> {
    let g = load_goal(&state, &who, &id).await?;
    let new_state = GoalState::parse(&form.state).ok_or_else(|| {
        PageError::BadRequest("Choose not yet, good enough or fully. Nothing was changed.".into())
    })?;
    let week = goal_week(&g).ok_or(PageError::NotFound)?;
    let mut goal = g.value;
    goal.state = new_state;
    // Ticking is a plain choice: the latest one wins, even across tabs.
    state
        .services
        .records(&who)
        .update(&id, g.version, goal, now())
        .await?;
    Ok(Redirect::to(&format!("{}&saved=state#goals-h", week_url(week))).into_response())
}

fn edit_page(
    who: &Unlocked,
    g: &Stored<Goal>,
    input: &GoalInput,
    version: i64,
    errors: &[Invalid],
    note: Option<&str>,
) -> Markup {
    let back = goal_week(g)
        .map(week_url)
        .unwrap_or_else(|| "/goals".into());
    layout::page(
        "Edit goal",
        Some(who),
        html! {
            h1 { "Edit goal" }
            (error_summary(errors))
            @if let Some(n) = note { div class="errors" role="alert" { p { (n) } } }
            form method="post" action={ "/goals/" (g.id) "/edit" } class="stack" novalidate {
                (csrf(who))
                input type="hidden" name="version" value=(version);
                (goal_fields(input, errors))
                div class="actions" { button type="submit" { "Save goal" } a href=(back) { "Cancel" } }
            }
            h2 { "Remove this goal" }
            p { "Plans change; removing a goal is fine. It is deleted for good." }
            form method="post" action={ "/goals/" (g.id) "/delete" } {
                (csrf(who))
                button type="submit" class="danger" { "Remove goal" }
            }
        },
    )
}

pub async fn edit_form(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    let g = load_goal(&state, &who, &id).await?;
    Ok(edit_page(
        &who,
        &g,
        &GoalInput::from_goal(&g.value),
        g.version,
        &[],
        None,
    ))
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, form }: SignedForm<EditGoalForm>,
) -> Result<Response, PageError> {
    let g = load_goal(&state, &who, &id).await?;
    let week = goal_week(&g).ok_or(PageError::NotFound)?;
    let version: i64 = form.version.trim().parse().unwrap_or(0);
    let goals = state.services.summaries(&who).week_goals(week).await?;
    let goal = match form
        .goal
        .validate(g.value.state, others_hours(&goals, Some(&id)))
    {
        Ok(goal) => goal,
        Err(errors) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                edit_page(&who, &g, &form.goal, version, &errors, None),
            )
                .into_response());
        }
    };
    match state
        .services
        .records(&who)
        .update(&id, version, goal, now())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}&saved=edited", week_url(week))).into_response()),
        Err(ServiceError::Stale) => {
            let note = "This goal was changed in another tab or device after you opened it. \
                        Your version is below; saving again will replace the other one.";
            Ok((
                StatusCode::CONFLICT,
                edit_page(&who, &g, &form.goal, g.version, &[], Some(note)),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    let g = load_goal(&state, &who, &id).await?;
    state.services.records(&who).delete::<Goal>(&id).await?;
    let to = goal_week(&g)
        .map(week_url)
        .unwrap_or_else(|| "/goals?".into());
    Ok(Redirect::to(&format!("{to}&saved=deleted")).into_response())
}

fn commitments_view(
    who: &Unlocked,
    week: IsoWeek,
    input: &CommitmentsInput,
    errors: &[Invalid],
) -> Markup {
    layout::page(
        "Your fixed hours",
        Some(who),
        html! {
            h1 { "Your fixed hours" }
            p { "The hours a usual week already asks of you. tend takes them from the 168 hours of a week "
                "to see how much room is left for goals. Rough numbers are fine." }
            (error_summary(errors))
            (commitments_form(who, week, input, errors))
            p { a href=(week_url(week)) { "Back to goals" } }
        },
    )
}

pub async fn commitments_page(
    State(state): State<AppState>,
    Person(who): Person,
) -> Result<Markup, PageError> {
    let week = IsoWeek::of(today_for(&state, &who).await?);
    let input = commitments(&state, &who)
        .await?
        .map(|c| CommitmentsInput::from_commitments(&c))
        .unwrap_or_else(CommitmentsInput::suggested);
    Ok(commitments_view(&who, week, &input, &[]))
}

pub async fn save_commitments(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<CommitmentsForm>,
) -> Result<Response, PageError> {
    let week = match IsoWeek::parse(&form.week) {
        Some(w) => w,
        None => IsoWeek::of(today_for(&state, &who).await?),
    };
    match form.input.validate() {
        Ok(c) => {
            let (rotations, call) = (c.rotations_per_week, c.call_per_week);
            state
                .services
                .records(&who)
                .put_slot(COMMITMENTS_SLOT, None, c, now())
                .await?;
            state
                .services
                .programmes()
                .after_commitments(&who, today_for(&state, &who).await?, rotations, call, now())
                .await;
            Ok(Redirect::to(&format!("{}&saved=commitments", week_url(week))).into_response())
        }
        Err(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            commitments_view(&who, week, &form.input, &errors),
        )
            .into_response()),
    }
}
