//! Step 5: weekly goals, each with an hours estimate and a "good enough"
//! level, checked against the hours a week really has (the fixed
//! commitments). The same domain validation, per-week limit and records
//! service as the goals page (`web/pages/goals.rs`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{
    ApiQuery, ErrorBody, check, delete_record, raw_len, read_record, replace_record, today_of,
};
use crate::domain::Invalid;
use crate::domain::goals::{
    Commitments, CommitmentsInput, GOOD_ENOUGH_MAX, Goal, GoalInput, GoalState, IsoWeek, TITLE_MAX,
    fit,
};
use crate::service::summaries::MAX_GOALS_PER_WEEK;
use crate::service::{Stored, Unlocked};
use crate::web::error::ApiError;
use crate::web::extract::{ApiJson, ApiPerson};
use crate::web::{AppState, now};

/// Where the page keeps the fixed commitments.
const COMMITMENTS_SLOT: &str = "commitments";

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_goals, add_goal))
        .routes(routes!(get_commitments, save_commitments))
        .routes(routes!(get_goal, update_goal, delete_goal))
        .routes(routes!(set_state))
}

/// A week exactly as the document states it (`2026-W48`), and one the
/// calendar has (week 53 only in years that have it); `None` otherwise.
fn week_as_sent(s: &str) -> Option<IsoWeek> {
    let b = s.as_bytes();
    let shaped = b.len() == 8
        && b[..4].iter().all(u8::is_ascii_digit)
        && &b[4..6] == b"-W"
        && b[6..].iter().all(u8::is_ascii_digit);
    if shaped { IsoWeek::parse(s) } else { None }
}

fn no_such_week() -> ApiError {
    ApiError::Status(
        StatusCode::NOT_FOUND,
        "not_found",
        "No such week; send it like 2026-W48.".into(),
    )
}

async fn week_or_this(
    state: &AppState,
    who: &Unlocked,
    w: Option<&str>,
) -> Result<IsoWeek, ApiError> {
    match w {
        Some(w) => week_as_sent(w).ok_or_else(no_such_week),
        None => Ok(IsoWeek::of(today_of(state, who).await?)),
    }
}

/// How far along a goal is; `good_enough` counts exactly like `fully`.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum StateDoc {
    NotYet,
    GoodEnough,
    Fully,
}

impl StateDoc {
    fn of(s: GoalState) -> Self {
        match s {
            GoalState::NotYet => Self::NotYet,
            GoalState::GoodEnough => Self::GoodEnough,
            GoalState::Fully => Self::Fully,
        }
    }
    fn state(self) -> GoalState {
        match self {
            Self::NotYet => GoalState::NotYet,
            Self::GoodEnough => GoalState::GoodEnough,
            Self::Fully => GoalState::Fully,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct GoalOut {
    id: String,
    #[schema(example = "2026-W11")]
    week: String,
    /// Send back unchanged to update safely.
    version: i64,
    title: String,
    /// The estimate, rounded to the quarter hour.
    #[schema(example = 3.5)]
    hours: f32,
    good_enough: String,
    state: StateDoc,
}

fn goal_out(g: Stored<Goal>) -> GoalOut {
    GoalOut {
        week: g
            .day
            .map(|d| IsoWeek::of(d).to_string())
            .unwrap_or_default(),
        id: g.id,
        version: g.version,
        title: g.value.title,
        hours: g.value.hours,
        good_enough: g.value.good_enough,
        state: StateDoc::of(g.value.state),
    }
}

/// How the week adds up against the fixed commitments.
#[derive(Serialize, ToSchema)]
pub struct FitOut {
    /// Hours a week the commitments take.
    committed: f32,
    /// What is left of the 168 hours for goals.
    room: f32,
    /// The goals' estimates added up.
    planned: f32,
    /// Hours over the room; 0 when the plan fits.
    over: f32,
}

#[derive(Serialize, ToSchema)]
pub struct WeekGoals {
    #[schema(example = "2026-W11")]
    week: String,
    /// Oldest first, as on the page.
    goals: Vec<GoalOut>,
    /// Present once the fixed commitments are saved.
    fit: Option<FitOut>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WeekQuery {
    /// An ISO week like `2026-W48`; this week when left out. A week the
    /// calendar does not have answers 404.
    #[param(
        pattern = "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$",
        example = "2026-W11"
    )]
    week: Option<String>,
}

async fn commitments(state: &AppState, who: &Unlocked) -> Result<Option<Commitments>, ApiError> {
    Ok(state
        .services
        .records(who)
        .slot::<Commitments>(COMMITMENTS_SLOT)
        .await?
        .map(|s| s.value))
}

/// A week's goals and how they fit.
#[utoipa::path(get, path = "/goals", tag = "goals", params(WeekQuery),
    responses(
        (status = 200, description = "The week's goals", body = WeekGoals),
        (status = 404, description = "No such week (`not_found`).", body = ErrorBody),
    ))]
async fn list_goals(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiQuery(q): ApiQuery<WeekQuery>,
) -> Result<Json<WeekGoals>, ApiError> {
    let week = week_or_this(&state, &who, q.week.as_deref()).await?;
    let goals = state.services.summaries(&who).week_goals(week).await?;
    let values: Vec<Goal> = goals.iter().map(|g| g.value.clone()).collect();
    let fit = commitments(&state, &who).await?.map(|c| {
        let f = fit(&c, &values);
        FitOut {
            committed: f.committed,
            room: f.room,
            planned: f.planned,
            over: f.over,
        }
    });
    Ok(Json(WeekGoals {
        week: week.to_string(),
        goals: goals.into_iter().map(goal_out).collect(),
        fit,
    }))
}

/// A goal as sent.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"title": "Review cardiology notes", "hours": 3.5, "good_enough": "One pass through the notes"}))]
pub struct GoalBody {
    #[schema(min_length = 1, max_length = 200, pattern = r"[^\s\u0085]")]
    title: String,
    /// Hours it may take, rounded to the quarter hour. All of a week's goals
    /// together may take at most 168 hours (a rule across goals, so the
    /// server checks it: 422 `invalid` on `hours`).
    #[schema(minimum = 0, maximum = 168)]
    hours: f64,
    /// The smaller version that still counts.
    #[schema(min_length = 1, max_length = 280, pattern = r"[^\s\u0085]")]
    good_enough: String,
}

/// The page's input, after the lengths as sent are checked.
fn goal_input(b: GoalBody) -> Result<GoalInput, ApiError> {
    let mut problems = Vec::new();
    raw_len(&mut problems, "title", "The goal", &b.title, TITLE_MAX);
    raw_len(
        &mut problems,
        "good_enough",
        "The good-enough level",
        &b.good_enough,
        GOOD_ENOUGH_MAX,
    );
    check(problems)?;
    Ok(GoalInput {
        title: b.title,
        hours: b.hours.to_string(),
        good_enough: b.good_enough,
    })
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"week": "2026-W11", "title": "Review cardiology notes", "hours": 3.5, "good_enough": "One pass through the notes"}))]
pub struct NewGoal {
    /// The ISO week; this week when left out.
    #[schema(
        pattern = "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$",
        example = "2026-W11"
    )]
    week: Option<String>,
    #[serde(flatten)]
    goal: GoalBody,
}

fn sum_except(goals: &[Stored<Goal>], except: Option<&str>) -> f32 {
    goals
        .iter()
        .filter(|g| Some(g.id.as_str()) != except)
        .map(|g| g.value.hours)
        .sum()
}

/// Add a goal to a week (at most 50 a week, as on the page).
#[utoipa::path(post, path = "/goals", tag = "goals", request_body = NewGoal,
    responses(
        (status = 201, description = "Saved", body = GoalOut),
        (status = 404, description = "No such week (`not_found`).", body = ErrorBody),
    ))]
async fn add_goal(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiJson(b): ApiJson<NewGoal>,
) -> Result<(StatusCode, Json<GoalOut>), ApiError> {
    let input = goal_input(b.goal)?;
    let week = match b.week.as_deref() {
        Some(w) => week_as_sent(w).ok_or_else(|| {
            ApiError::Invalid(vec![Invalid::new(
                "week",
                "No such week; send it like 2026-W48.",
            )])
        })?,
        None => IsoWeek::of(today_of(&state, &who).await?),
    };
    let goals = state.services.summaries(&who).week_goals(week).await?;
    let mut result = input.validate(GoalState::NotYet, sum_except(&goals, None));
    if goals.len() >= MAX_GOALS_PER_WEEK {
        result = Err(vec![Invalid::new(
            "title",
            format!(
                "This week already has {MAX_GOALS_PER_WEEK} goals, the most tend keeps for one week."
            ),
        )]);
    }
    let saved = state
        .services
        .records(&who)
        .create(Some(week.monday()), result?, now())
        .await?;
    Ok((StatusCode::CREATED, Json(goal_out(saved))))
}

async fn load(state: &AppState, who: &Unlocked, id: &str) -> Result<Stored<Goal>, ApiError> {
    state
        .services
        .records(who)
        .get::<Goal>(id)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// One goal.
#[utoipa::path(get, path = "/goals/{id}", tag = "goals",
    params(("id" = String, Path, description = "The goal's id")),
    responses((status = 200, description = "The goal", body = GoalOut)))]
async fn get_goal(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<Json<GoalOut>, ApiError> {
    read_record(&state, &who, &id, goal_out).await
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"title": "Review cardiology notes", "hours": 2, "good_enough": "Half the notes", "version": 1}))]
pub struct GoalUpdate {
    #[serde(flatten)]
    goal: GoalBody,
    /// The `version` last read; a different one answers 409 `stale`.
    version: i64,
}

/// Change a goal's words and estimate (its state is kept; see `/state`).
#[utoipa::path(put, path = "/goals/{id}", tag = "goals",
    params(("id" = String, Path, description = "The goal's id")),
    request_body = GoalUpdate,
    responses(
        (status = 200, description = "Saved", body = GoalOut),
        (status = 409, description = "Changed since that version was read (`stale`).", body = ErrorBody),
    ))]
async fn update_goal(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<GoalUpdate>,
) -> Result<Json<GoalOut>, ApiError> {
    let input = goal_input(b.goal)?;
    let g = load(&state, &who, &id).await?;
    let week = g.day.map(IsoWeek::of).ok_or_else(ApiError::not_found)?;
    let goals = state.services.summaries(&who).week_goals(week).await?;
    let goal = input.validate(g.value.state, sum_except(&goals, Some(&id)))?;
    replace_record(&state, &who, &id, b.version, goal, goal_out).await
}

/// Remove a goal for good.
#[utoipa::path(delete, path = "/goals/{id}", tag = "goals",
    params(("id" = String, Path, description = "The goal's id")),
    responses((status = 204, description = "Deleted")))]
async fn delete_goal(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    delete_record::<Goal>(&state, &who, &id).await
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"state": "good_enough"}))]
pub struct StateBody {
    state: StateDoc,
}

/// How it went. A plain choice: the latest one wins, with no version, as
/// on the page.
#[utoipa::path(put, path = "/goals/{id}/state", tag = "goals",
    params(("id" = String, Path, description = "The goal's id")),
    request_body = StateBody,
    responses((status = 200, description = "Saved", body = GoalOut)))]
async fn set_state(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<StateBody>,
) -> Result<Json<GoalOut>, ApiError> {
    let g = load(&state, &who, &id).await?;
    let mut goal = g.value;
    goal.state = b.state.state();
    let saved = state
        .services
        .records(&who)
        .update(&id, g.version, goal, now())
        .await?;
    Ok(Json(goal_out(saved)))
}

/// The hours a usual week already asks for.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"sleep_per_night": 7.5, "meals_per_day": 1.5, "rotations_per_week": 50, "call_per_week": 0, "commute_per_day": 1}))]
pub struct CommitmentsDoc {
    #[schema(minimum = 0, maximum = 24)]
    sleep_per_night: f64,
    #[schema(minimum = 0, maximum = 24)]
    meals_per_day: f64,
    /// Rotations, placements or classes.
    #[schema(minimum = 0, maximum = 168)]
    rotations_per_week: f64,
    #[schema(minimum = 0, maximum = 168)]
    call_per_week: f64,
    /// Together these may come to at most 168 hours a week (sleep, meals and
    /// commute count seven times); the server checks that sum.
    #[schema(minimum = 0, maximum = 24)]
    commute_per_day: f64,
}

fn commitments_doc(c: &Commitments) -> CommitmentsDoc {
    CommitmentsDoc {
        sleep_per_night: f64::from(c.sleep_per_night),
        meals_per_day: f64::from(c.meals_per_day),
        rotations_per_week: f64::from(c.rotations_per_week),
        call_per_week: f64::from(c.call_per_week),
        commute_per_day: f64::from(c.commute_per_day),
    }
}

/// The fixed commitments (404 until they are saved).
#[utoipa::path(get, path = "/goals/commitments", tag = "goals",
    responses(
        (status = 200, description = "The fixed hours", body = CommitmentsDoc),
        (status = 404, description = "Not saved yet (`not_found`).", body = ErrorBody),
    ))]
async fn get_commitments(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
) -> Result<Json<CommitmentsDoc>, ApiError> {
    commitments(&state, &who)
        .await?
        .map(|c| Json(commitments_doc(&c)))
        .ok_or_else(ApiError::not_found)
}

/// Save the fixed commitments (the whole set).
#[utoipa::path(put, path = "/goals/commitments", tag = "goals", request_body = CommitmentsDoc,
    responses((status = 200, description = "Saved", body = CommitmentsDoc)))]
async fn save_commitments(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiJson(b): ApiJson<CommitmentsDoc>,
) -> Result<Json<CommitmentsDoc>, ApiError> {
    let c = CommitmentsInput {
        sleep_per_night: b.sleep_per_night.to_string(),
        meals_per_day: b.meals_per_day.to_string(),
        rotations_per_week: b.rotations_per_week.to_string(),
        call_per_week: b.call_per_week.to_string(),
        commute_per_day: b.commute_per_day.to_string(),
    }
    .validate()?;
    let (rotations, call) = (c.rotations_per_week, c.call_per_week);
    let out = commitments_doc(&c);
    state
        .services
        .records(&who)
        .put_slot(COMMITMENTS_SLOT, None, c, now())
        .await?;
    let today = today_of(&state, &who).await?;
    state
        .services
        .programmes()
        .after_commitments(&who, today, rotations, call, now())
        .await;
    Ok(Json(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_are_read_exactly_as_the_document_states_them() {
        assert!(week_as_sent("2026-W11").is_some());
        assert!(week_as_sent("2026-w11").is_none());
        assert!(week_as_sent(" 2026-W11").is_none());
        assert!(week_as_sent("-001-W11").is_none());
        // 2026 has 53 ISO weeks; 2025 has 52.
        assert!(week_as_sent("2026-W53").is_some());
        assert!(week_as_sent("2025-W53").is_none());
    }
}
