//! Kindness notes (self-compassion breaks and compassionate letters) and
//! mistake debriefs, through the records service as their pages use it,
//! with the pages' limits.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{
    ApiQuery, ErrorBody, check, delete_record, limit_of, raw_len, read_record, replace_record,
    today_of,
};
use crate::domain::critic::BreakNote;
use crate::domain::critic::{
    BREAK_NOTE_MAX, DEBRIEF_FIELD_MAX, Debrief, DebriefInput, KIND_SENTENCE_MAX, LETTER_MAX,
    Letter, LetterInput, validate_break_note,
};
use crate::service::{RecordFilter, Stored};
use crate::web::error::ApiError;
use crate::web::extract::{ApiJson, ApiPerson};
use crate::web::{AppState, now};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_breaks, add_break))
        .routes(routes!(list_letters, add_letter))
        .routes(routes!(get_letter, delete_letter))
        .routes(routes!(list_debriefs, add_debrief))
        .routes(routes!(get_debrief, update_debrief, delete_debrief))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// How many, newest first: 1 to 400 (default 50). Outside that: 400.
    #[param(minimum = 1, maximum = 400, example = 20)]
    limit: Option<i64>,
}

impl ListQuery {
    pub fn limit(&self) -> Option<i64> {
        self.limit
    }
}

fn filter(limit: Option<i64>) -> Result<RecordFilter, ApiError> {
    Ok(RecordFilter {
        limit: Some(limit_of(limit, 50, 400)?),
        ..RecordFilter::default()
    })
}

#[derive(Serialize, ToSchema)]
pub struct BreakOut {
    id: String,
    #[schema(example = "2026-03-14")]
    day: Option<String>,
    /// Seconds since 1970.
    created_at: i64,
    note: String,
}

#[derive(Serialize, ToSchema)]
pub struct Breaks {
    breaks: Vec<BreakOut>,
}

fn break_out(s: Stored<BreakNote>) -> BreakOut {
    BreakOut {
        id: s.id,
        day: s.day.map(|d| d.to_string()),
        created_at: s.created_at,
        note: s.value.note,
    }
}

/// Self-compassion breaks taken, newest first.
#[utoipa::path(get, path = "/kindness/breaks", tag = "kindness", params(ListQuery),
    responses((status = 200, description = "Breaks", body = Breaks)))]
async fn list_breaks(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Breaks>, ApiError> {
    let list = state
        .services
        .records(&who)
        .list::<BreakNote>(&filter(q.limit)?)
        .await?;
    Ok(Json(Breaks {
        breaks: list.into_iter().map(break_out).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"note": "Hands on my chest for a minute before the viva."}))]
pub struct BreakBody {
    /// Optional: a break counts without a note.
    #[serde(default)]
    #[schema(max_length = 2000)]
    note: String,
}

/// Record a self-compassion break, with an optional note.
#[utoipa::path(post, path = "/kindness/breaks", tag = "kindness", request_body = BreakBody,
    responses((status = 201, description = "Saved", body = BreakOut)))]
async fn add_break(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiJson(b): ApiJson<BreakBody>,
) -> Result<(StatusCode, Json<BreakOut>), ApiError> {
    let mut problems = Vec::new();
    raw_len(&mut problems, "note", "The note", &b.note, BREAK_NOTE_MAX);
    check(problems)?;
    let value = validate_break_note(&b.note)?;
    let today = today_of(&state, &who).await?;
    let saved = state
        .services
        .records(&who)
        .create(Some(today), value, now())
        .await?;
    Ok((StatusCode::CREATED, Json(break_out(saved))))
}

#[derive(Serialize, ToSchema)]
pub struct LetterOut {
    id: String,
    #[schema(example = "2026-03-14")]
    day: Option<String>,
    created_at: i64,
    /// The prompt the letter answered.
    prompt: String,
    body: String,
}

#[derive(Serialize, ToSchema)]
pub struct Letters {
    letters: Vec<LetterOut>,
}

fn letter_out(s: Stored<Letter>) -> LetterOut {
    LetterOut {
        id: s.id,
        day: s.day.map(|d| d.to_string()),
        created_at: s.created_at,
        prompt: s.value.prompt,
        body: s.value.body,
    }
}

/// Compassionate letters, newest first.
#[utoipa::path(get, path = "/kindness/letters", tag = "kindness", params(ListQuery),
    responses((status = 200, description = "Letters", body = Letters)))]
async fn list_letters(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Letters>, ApiError> {
    let list = state
        .services
        .records(&who)
        .list::<Letter>(&filter(q.limit)?)
        .await?;
    Ok(Json(Letters {
        letters: list.into_iter().map(letter_out).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"prompt": "What would a friend say about this week?", "body": "Dear me, you did more than you think."}))]
pub struct LetterBody {
    /// The prompt it answers (kept to its first 500 characters).
    #[serde(default)]
    #[schema(max_length = 500)]
    prompt: String,
    #[schema(min_length = 1, max_length = 20000, pattern = r"[^\s\u0085]")]
    body: String,
}

/// Write a compassionate letter to yourself.
#[utoipa::path(post, path = "/kindness/letters", tag = "kindness", request_body = LetterBody,
    responses((status = 201, description = "Saved", body = LetterOut)))]
async fn add_letter(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiJson(b): ApiJson<LetterBody>,
) -> Result<(StatusCode, Json<LetterOut>), ApiError> {
    let mut problems = Vec::new();
    raw_len(&mut problems, "prompt", "The prompt", &b.prompt, 500);
    raw_len(&mut problems, "body", "The letter", &b.body, LETTER_MAX);
    check(problems)?;
    let letter = LetterInput {
        prompt: b.prompt,
        body: b.body,
    }
    .validate()?;
    let today = today_of(&state, &who).await?;
    let saved = state
        .services
        .records(&who)
        .create(Some(today), letter, now())
        .await?;
    Ok((StatusCode::CREATED, Json(letter_out(saved))))
}

/// One letter.
#[utoipa::path(get, path = "/kindness/letters/{id}", tag = "kindness",
    params(("id" = String, Path, description = "The letter's id")),
    responses((status = 200, description = "The letter", body = LetterOut)))]
async fn get_letter(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<Json<LetterOut>, ApiError> {
    read_record(&state, &who, &id, letter_out).await
}

/// Delete a letter.
#[utoipa::path(delete, path = "/kindness/letters/{id}", tag = "kindness",
    params(("id" = String, Path, description = "The letter's id")),
    responses((status = 204, description = "Deleted")))]
async fn delete_letter(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    delete_record::<Letter>(&state, &who, &id).await
}

#[derive(Serialize, ToSchema)]
pub struct DebriefOut {
    id: String,
    #[schema(example = "2026-03-14")]
    day: Option<String>,
    created_at: i64,
    updated_at: i64,
    /// Send back unchanged to update safely.
    version: i64,
    what_happened: String,
    what_i_felt: String,
    common_humanity: String,
    one_lesson: String,
    kind_sentence: String,
}

#[derive(Serialize, ToSchema)]
pub struct Debriefs {
    debriefs: Vec<DebriefOut>,
}

fn debrief_out(s: Stored<Debrief>) -> DebriefOut {
    DebriefOut {
        id: s.id,
        day: s.day.map(|d| d.to_string()),
        created_at: s.created_at,
        updated_at: s.updated_at,
        version: s.version,
        what_happened: s.value.what_happened,
        what_i_felt: s.value.what_i_felt,
        common_humanity: s.value.common_humanity,
        one_lesson: s.value.one_lesson,
        kind_sentence: s.value.kind_sentence,
    }
}

/// Mistake debriefs, newest first.
#[utoipa::path(get, path = "/debriefs", tag = "debriefs", params(ListQuery),
    responses((status = 200, description = "Debriefs", body = Debriefs)))]
async fn list_debriefs(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Debriefs>, ApiError> {
    let list = state
        .services
        .records(&who)
        .list::<Debrief>(&filter(q.limit)?)
        .await?;
    Ok(Json(Debriefs {
        debriefs: list.into_iter().map(debrief_out).collect(),
    }))
}

/// A debrief: what happened and the kind sentence are needed; the middle three may stay empty.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"what_happened": "I mixed up two drug doses on the quiz.", "what_i_felt": "Hot, ashamed", "common_humanity": "Everyone in my year has done this", "one_lesson": "Check units twice", "kind_sentence": "I am learning, and learning includes this."}))]
pub struct DebriefBody {
    #[schema(min_length = 1, max_length = 5000, pattern = r"[^\s\u0085]")]
    what_happened: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    what_i_felt: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    common_humanity: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    one_lesson: String,
    #[schema(min_length = 1, max_length = 500, pattern = r"[^\s\u0085]")]
    kind_sentence: String,
}

fn debrief_input(b: DebriefBody) -> Result<Debrief, ApiError> {
    let mut problems = Vec::new();
    for (field, label, v) in [
        ("what_happened", "What happened", &b.what_happened),
        ("what_i_felt", "What you felt", &b.what_i_felt),
        (
            "common_humanity",
            "Who else has been here",
            &b.common_humanity,
        ),
        ("one_lesson", "The lesson", &b.one_lesson),
    ] {
        raw_len(&mut problems, field, label, v, DEBRIEF_FIELD_MAX);
    }
    raw_len(
        &mut problems,
        "kind_sentence",
        "The kind sentence",
        &b.kind_sentence,
        KIND_SENTENCE_MAX,
    );
    check(problems)?;
    Ok(DebriefInput {
        what_happened: b.what_happened,
        what_i_felt: b.what_i_felt,
        common_humanity: b.common_humanity,
        one_lesson: b.one_lesson,
        kind_sentence: b.kind_sentence,
    }
    .validate()?)
}

/// Write a mistake debrief, dated today.
#[utoipa::path(post, path = "/debriefs", tag = "debriefs", request_body = DebriefBody,
    responses((status = 201, description = "Saved", body = DebriefOut)))]
async fn add_debrief(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiJson(b): ApiJson<DebriefBody>,
) -> Result<(StatusCode, Json<DebriefOut>), ApiError> {
    let debrief = debrief_input(b)?;
    let today = today_of(&state, &who).await?;
    let saved = state
        .services
        .records(&who)
        .create(Some(today), debrief, now())
        .await?;
    Ok((StatusCode::CREATED, Json(debrief_out(saved))))
}

/// One debrief.
#[utoipa::path(get, path = "/debriefs/{id}", tag = "debriefs",
    params(("id" = String, Path, description = "The debrief's id")),
    responses((status = 200, description = "The debrief", body = DebriefOut)))]
async fn get_debrief(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<Json<DebriefOut>, ApiError> {
    read_record(&state, &who, &id, debrief_out).await
}

#[derive(Deserialize, ToSchema)]
pub struct DebriefUpdate {
    #[serde(flatten)]
    debrief: DebriefBody,
    /// The `version` last read; a different one answers 409 `stale`.
    version: i64,
}

/// Change a debrief.
#[utoipa::path(put, path = "/debriefs/{id}", tag = "debriefs",
    params(("id" = String, Path, description = "The debrief's id")),
    request_body = DebriefUpdate,
    responses(
        (status = 200, description = "Saved", body = DebriefOut),
        (status = 409, description = "Changed since that version was read (`stale`).", body = ErrorBody),
    ))]
async fn update_debrief(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DebriefUpdate>,
) -> Result<Json<DebriefOut>, ApiError> {
    let debrief = debrief_input(b.debrief)?;
    replace_record(&state, &who, &id, b.version, debrief, debrief_out).await
}

/// Delete a debrief.
#[utoipa::path(delete, path = "/debriefs/{id}", tag = "debriefs",
    params(("id" = String, Path, description = "The debrief's id")),
    responses((status = 204, description = "Deleted")))]
async fn delete_debrief(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    delete_record::<Debrief>(&state, &who, &id).await
}
