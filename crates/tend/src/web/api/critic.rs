//! The critic log: a harsh thought, where it came up, how loud it was, the
//! patterns the detector saw in it (none beside risk language, as on the
//! page), and the kinder answer a friend would get.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::kindness::ListQuery;
use super::{
    ApiQuery, ErrorBody, check, delete_record, limit_of, raw_len, read_record, replace_record,
    today_of,
};
use crate::domain::critic::{
    Place, REFRAME_MAX, THOUGHT_MAX, Thought, ThoughtFields, ThoughtInput, validate_reframe,
};
use crate::domain::programmes::Measure;
use crate::service::{RecordFilter, Stored};
use crate::web::components::highlight;
use crate::web::error::ApiError;
use crate::web::extract::{ApiJson, ApiPerson};
use crate::web::{AppState, now};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_thoughts, add_thought))
        .routes(routes!(get_thought, update_thought, delete_thought))
}

/// Where the thought came up.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum PlaceDoc {
    Exam,
    Ward,
    Clinic,
    Lecture,
    Home,
    Other,
}

impl PlaceDoc {
    fn id(self) -> &'static str {
        match self {
            Self::Exam => "exam",
            Self::Ward => "ward",
            Self::Clinic => "clinic",
            Self::Lecture => "lecture",
            Self::Home => "home",
            Self::Other => "other",
        }
    }

    fn of(p: Place) -> Self {
        match p {
            Place::Exam => Self::Exam,
            Place::Ward => Self::Ward,
            Place::Clinic => Self::Clinic,
            Place::Lecture => Self::Lecture,
            Place::Home => Self::Home,
            Place::Other => Self::Other,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ThoughtOut {
    id: String,
    #[schema(example = "2026-03-14")]
    day: Option<String>,
    created_at: i64,
    updated_at: i64,
    /// Send back unchanged to update safely.
    version: i64,
    text: String,
    place: Option<PlaceDoc>,
    #[schema(minimum = 0, maximum = 10)]
    intensity: Option<u8>,
    /// Thinking-pattern ids the detector saw (empty beside risk language).
    #[schema(example = json!(["all-or-nothing"]))]
    patterns: Vec<String>,
    /// The kinder answer, once written.
    reframe: String,
}

#[derive(Serialize, ToSchema)]
pub struct Thoughts {
    thoughts: Vec<ThoughtOut>,
}

fn thought_out(s: Stored<Thought>) -> ThoughtOut {
    ThoughtOut {
        id: s.id,
        day: s.day.map(|d| d.to_string()),
        created_at: s.created_at,
        updated_at: s.updated_at,
        version: s.version,
        text: s.value.text,
        place: s.value.place.map(PlaceDoc::of),
        intensity: s.value.intensity,
        patterns: s.value.patterns,
        reframe: s.value.reframe,
    }
}

/// The pattern ids as the page saves them.
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

/// A harsh thought, and optionally the kinder answer to it.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"text": "I always get everything wrong on rounds.", "place": "ward", "intensity": 7, "reframe": "One hard question is not everything."}))]
pub struct ThoughtBody {
    #[schema(min_length = 1, max_length = 1000, pattern = r"[^\s\u0085]")]
    text: String,
    place: Option<PlaceDoc>,
    /// How loud it was, 0 to 10.
    #[schema(minimum = 0, maximum = 10)]
    intensity: Option<u8>,
    /// What you would say to a friend.
    #[serde(default)]
    #[schema(max_length = 5000)]
    reframe: String,
}

fn thought_of(state: &AppState, b: ThoughtBody) -> Result<Thought, ApiError> {
    let mut problems = Vec::new();
    raw_len(&mut problems, "text", "The thought", &b.text, THOUGHT_MAX);
    raw_len(
        &mut problems,
        "reframe",
        "What you would say to a friend",
        &b.reframe,
        REFRAME_MAX,
    );
    check(problems)?;
    let ThoughtFields {
        text,
        place,
        intensity,
    } = ThoughtInput {
        text: b.text,
        place: b.place.map(|p| p.id().to_owned()).unwrap_or_default(),
        intensity: b.intensity.map(|i| i.to_string()).unwrap_or_default(),
    }
    .validate()?;
    let reframe = if b.reframe.trim().is_empty() {
        String::new()
    } else {
        validate_reframe(&b.reframe)?
    };
    Ok(Thought {
        patterns: detected(state, &text),
        text,
        place,
        intensity,
        reframe,
    })
}

/// Thoughts in the critic log, newest first.
#[utoipa::path(get, path = "/critic/thoughts", tag = "critic log", params(ListQuery),
    responses((status = 200, description = "Thoughts", body = Thoughts)))]
async fn list_thoughts(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Thoughts>, ApiError> {
    let list = state
        .services
        .records(&who)
        .list::<Thought>(&RecordFilter {
            limit: Some(limit_of(q.limit(), 50, 400)?),
            ..RecordFilter::default()
        })
        .await?;
    Ok(Json(Thoughts {
        thoughts: list.into_iter().map(thought_out).collect(),
    }))
}

/// Log a harsh thought, dated today.
#[utoipa::path(post, path = "/critic/thoughts", tag = "critic log", request_body = ThoughtBody,
    responses((status = 201, description = "Saved", body = ThoughtOut)))]
async fn add_thought(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiJson(b): ApiJson<ThoughtBody>,
) -> Result<(StatusCode, Json<ThoughtOut>), ApiError> {
    let thought = thought_of(&state, b)?;
    let today = today_of(&state, &who).await?;
    let saved = state
        .services
        .records(&who)
        .create(Some(today), thought, now())
        .await?;
    state
        .services
        .programmes()
        .after_use(&who, today, Measure::Thoughts, now())
        .await;
    Ok((StatusCode::CREATED, Json(thought_out(saved))))
}

/// One thought.
#[utoipa::path(get, path = "/critic/thoughts/{id}", tag = "critic log",
    params(("id" = String, Path, description = "The thought's id")),
    responses((status = 200, description = "The thought", body = ThoughtOut)))]
async fn get_thought(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<Json<ThoughtOut>, ApiError> {
    read_record(&state, &who, &id, thought_out).await
}

#[derive(Deserialize, ToSchema)]
pub struct ThoughtUpdate {
    #[serde(flatten)]
    thought: ThoughtBody,
    /// The `version` last read; a different one answers 409 `stale`.
    version: i64,
}

/// Change a thought or write its kinder answer (the whole thought is sent).
#[utoipa::path(put, path = "/critic/thoughts/{id}", tag = "critic log",
    params(("id" = String, Path, description = "The thought's id")),
    request_body = ThoughtUpdate,
    responses(
        (status = 200, description = "Saved", body = ThoughtOut),
        (status = 409, description = "Changed since that version was read (`stale`).", body = ErrorBody),
    ))]
async fn update_thought(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ThoughtUpdate>,
) -> Result<Json<ThoughtOut>, ApiError> {
    let thought = thought_of(&state, b.thought)?;
    replace_record(&state, &who, &id, b.version, thought, thought_out).await
}

/// Delete a thought.
#[utoipa::path(delete, path = "/critic/thoughts/{id}", tag = "critic log",
    params(("id" = String, Path, description = "The thought's id")),
    responses((status = 204, description = "Deleted")))]
async fn delete_thought(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    delete_record::<Thought>(&state, &who, &id).await
}
