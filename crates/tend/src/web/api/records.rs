//! Today, check-ins, the journal, help lines and the export.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{
    ApiQuery, ErrorBody, check, delete_record, limit_of, parse_day, raw_len, read_record,
    replace_record, today_of,
};
use crate::domain::checkin::{Checkin, CheckinInput, JOY_MAX, Meals, NOTE_MAX};
use crate::domain::journal::{BODY_MAX, JournalEntry, JournalInput, TITLE_MAX};
use crate::service::{Created, RecordFilter, Stored, submission_key};
use crate::web::error::ApiError;
use crate::web::extract::{ApiJson, ApiPerson};
use crate::web::{AppState, now};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(today))
        .routes(routes!(list_checkins))
        .routes(routes!(save_checkin, get_today_checkin))
        .routes(routes!(list_entries, create_entry))
        .routes(routes!(get_entry, update_entry, delete_entry))
        .routes(routes!(helplines))
        .routes(routes!(export))
}

/// How a meal day went: coarse on purpose.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum MealsDoc {
    Eaten,
    Skipped,
}

impl From<MealsDoc> for Meals {
    fn from(m: MealsDoc) -> Self {
        match m {
            MealsDoc::Eaten => Meals::Eaten,
            MealsDoc::Skipped => Meals::Skipped,
        }
    }
}

impl From<Meals> for MealsDoc {
    fn from(m: Meals) -> Self {
        match m {
            Meals::Eaten => MealsDoc::Eaten,
            Meals::Skipped => MealsDoc::Skipped,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CheckinOut {
    #[schema(example = "2026-03-14")]
    day: Option<String>,
    /// Send back unchanged to update safely.
    version: i64,
    #[schema(minimum = 1, maximum = 5)]
    mood: u8,
    #[schema(minimum = 1, maximum = 5)]
    energy: u8,
    #[schema(minimum = 0, maximum = 24)]
    sleep_hours: f32,
    #[schema(minimum = 0, maximum = 1440)]
    movement_minutes: u16,
    meals: MealsDoc,
    joy: String,
    note: String,
}

fn checkin_out(s: Stored<Checkin>) -> CheckinOut {
    CheckinOut {
        day: s.day.map(|d| d.to_string()),
        version: s.version,
        mood: s.value.mood,
        energy: s.value.energy,
        sleep_hours: s.value.sleep_hours,
        movement_minutes: s.value.movement_minutes,
        meals: s.value.meals.into(),
        joy: s.value.joy,
        note: s.value.note,
    }
}

#[derive(Serialize, ToSchema)]
pub struct EntryOut {
    #[schema(example = "0d6f8f0e-3b7a-4c1e-9f1e-2a4b6c8d0e1f")]
    id: String,
    #[schema(example = "2026-03-14")]
    day: Option<String>,
    /// Seconds since 1970.
    created_at: i64,
    updated_at: i64,
    /// Send back unchanged to update safely.
    version: i64,
    title: String,
    body: String,
}

fn entry_out(s: Stored<JournalEntry>) -> EntryOut {
    EntryOut {
        id: s.id,
        day: s.day.map(|d| d.to_string()),
        created_at: s.created_at,
        updated_at: s.updated_at,
        version: s.version,
        title: s.value.title,
        body: s.value.body,
    }
}

#[derive(Serialize, ToSchema)]
pub struct Week {
    /// Days of the last seven with a check-in.
    days_checked_in: usize,
    average_sleep: Option<f32>,
    average_mood: Option<f32>,
}

#[derive(Serialize, ToSchema)]
pub struct TodayOut {
    #[schema(example = "2026-03-14")]
    day: String,
    checkin: Option<CheckinOut>,
    week: Week,
    recent_entries: Vec<EntryOut>,
}

/// Today: the check-in, the last seven days in brief, and recent journal entries.
#[utoipa::path(get, path = "/today", tag = "today",
    responses((status = 200, description = "Today", body = TodayOut)))]
async fn today(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
) -> Result<Json<TodayOut>, ApiError> {
    let records = state.services.records(&who);
    let o = records
        .overview(records.today(crate::web::clock()).await?, 3)
        .await?;
    Ok(Json(TodayOut {
        day: o.today.to_string(),
        checkin: o.checkin.map(checkin_out),
        week: Week {
            days_checked_in: o.summary.days_checked_in,
            average_sleep: o.summary.average_sleep,
            average_mood: o.summary.average_mood,
        },
        recent_entries: o.recent_entries.into_iter().map(entry_out).collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DayRange {
    /// First day, `YYYY-MM-DD`.
    #[param(format = Date, example = "2026-03-01")]
    from: Option<String>,
    /// Last day, `YYYY-MM-DD`.
    #[param(format = Date, example = "2026-03-31")]
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Checkins {
    checkins: Vec<CheckinOut>,
}

/// Check-ins between two days (at most 400), newest first.
#[utoipa::path(get, path = "/checkins", tag = "checkins", params(DayRange),
    responses((status = 200, description = "Check-ins", body = Checkins)))]
async fn list_checkins(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiQuery(range): ApiQuery<DayRange>,
) -> Result<Json<Checkins>, ApiError> {
    let filter = RecordFilter {
        day_from: parse_day("from", range.from)?,
        day_to: parse_day("to", range.to)?,
        limit: Some(400),
    };
    let list = state
        .services
        .records(&who)
        .list::<Checkin>(&filter)
        .await?;
    Ok(Json(Checkins {
        checkins: list.into_iter().map(checkin_out).collect(),
    }))
}

/// Today's check-in.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"mood": 3, "energy": 2, "sleep_hours": 6.5, "movement_minutes": 20, "meals": "eaten", "joy": "Sun on the walk in", "note": ""}))]
pub struct CheckinBody {
    /// 1 (very low) to 5 (very good).
    #[schema(minimum = 1, maximum = 5)]
    mood: u8,
    /// 1 (drained) to 5 (full of energy).
    #[schema(minimum = 1, maximum = 5)]
    energy: u8,
    /// Hours slept, rounded to the quarter hour.
    // Read at full precision and checked before it is narrowed to the stored
    // f32: 24.000000000000004 rounds to 24.0 as an f32 and would pass the
    // range check after narrowing, though the schema says at most 24
    // (schemathesis found it).
    #[schema(minimum = 0, maximum = 24)]
    sleep_hours: f64,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1440)]
    movement_minutes: u16,
    meals: MealsDoc,
    #[serde(default)]
    #[schema(max_length = 280)]
    joy: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    note: String,
}

/// Save today's check-in (creates or replaces it).
#[utoipa::path(put, path = "/checkins/today", tag = "checkins", request_body = CheckinBody,
    responses((status = 200, description = "Saved", body = CheckinOut)))]
async fn save_checkin(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiJson(b): ApiJson<CheckinBody>,
) -> Result<Json<CheckinOut>, ApiError> {
    let mut problems = Vec::new();
    raw_len(&mut problems, "joy", "The joyful thing", &b.joy, JOY_MAX);
    raw_len(&mut problems, "note", "The note", &b.note, NOTE_MAX);
    check(problems)?;
    // Out of range, even by less than an f32 can tell, becomes a value the
    // check-in's own validation refuses, so the answer lists it with the
    // other fields' problems, in order.
    let sleep_hours = if (0.0..=24.0).contains(&b.sleep_hours) {
        b.sleep_hours as f32
    } else {
        f32::NAN
    };
    let input = CheckinInput::from_checkin(&Checkin {
        mood: b.mood,
        energy: b.energy,
        sleep_hours,
        movement_minutes: b.movement_minutes,
        meals: b.meals.into(),
        joy: b.joy,
        note: b.note,
    });
    let checkin = input.validate()?;
    let day = today_of(&state, &who).await?;
    let saved = state
        .services
        .records(&who)
        .put_slot(&day.to_string(), Some(day), checkin, now())
        .await?;
    state
        .services
        .programmes()
        .after_checkin(&who, day, &saved.value, now())
        .await;
    Ok(Json(checkin_out(saved)))
}

/// Today's check-in, if there is one.
#[utoipa::path(get, path = "/checkins/today", tag = "checkins",
    responses(
        (status = 200, description = "Today's check-in", body = CheckinOut),
        (status = 404, description = "No check-in today yet (`not_found`).", body = ErrorBody),
    ))]
async fn get_today_checkin(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
) -> Result<Json<CheckinOut>, ApiError> {
    let day = today_of(&state, &who).await?;
    let found = state
        .services
        .records(&who)
        .slot::<Checkin>(&day.to_string())
        .await?;
    found
        .map(|s| Json(checkin_out(s)))
        .ok_or_else(ApiError::not_found)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntryList {
    /// How many, newest first: 1 to 1000 (default 100). Outside that: 400.
    #[param(minimum = 1, maximum = 1000, example = 20)]
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Entries {
    entries: Vec<EntryOut>,
}

/// Journal entries, newest first.
#[utoipa::path(get, path = "/journal", tag = "journal", params(EntryList),
    responses((status = 200, description = "Entries", body = Entries)))]
async fn list_entries(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiQuery(q): ApiQuery<EntryList>,
) -> Result<Json<Entries>, ApiError> {
    let limit = limit_of(q.limit, 100, 1000)?;
    let list = state
        .services
        .records(&who)
        .list::<JournalEntry>(&RecordFilter {
            limit: Some(limit),
            ..RecordFilter::default()
        })
        .await?;
    Ok(Json(Entries {
        entries: list.into_iter().map(entry_out).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"title": "A long shift", "body": "I was kinder to myself than last week."}))]
pub struct EntryBody {
    #[serde(default)]
    #[schema(max_length = 200)]
    title: String,
    #[schema(min_length = 1, max_length = 50000, pattern = r"[^\s\u0085]")]
    body: String,
}

fn entry_input(title: String, body: String) -> Result<JournalEntry, ApiError> {
    let mut problems = Vec::new();
    raw_len(&mut problems, "title", "The title", &title, TITLE_MAX);
    raw_len(&mut problems, "body", "The entry", &body, BODY_MAX);
    check(problems)?;
    Ok(JournalInput { title, body }.validate()?)
}

/// Write a journal entry, dated today.
///
/// With an `Idempotency-Key` header (16 to 200 visible ASCII characters, a
/// fresh random one per entry), sending the same entry again with the same
/// key (a retry after a lost answer) writes nothing and answers like the
/// first: 201 with that entry as it is now (404 if it has been deleted since).
/// The key is kept for seven days. The same key with other words is a new
/// entry. A key outside that shape is ignored: the entry is saved without
/// the guarantee. (Refusing it would be clearer, but the document cannot
/// state "visible ASCII" so that every generated header agrees with the
/// transport's own trimming, and a schema that says less than the server
/// checks would refuse requests the document calls valid.)
#[utoipa::path(post, path = "/journal", tag = "journal", request_body = EntryBody,
    params(("Idempotency-Key" = Option<String>, Header,
        description = "Optional: 16 to 200 visible ASCII characters (a fresh UUID will do); the same entry sent again with it is saved once. A key outside that shape is ignored: the entry is saved without the guarantee.")),
    responses((status = 201, description = "Created (or, for a repeat, the entry the first made)", body = EntryOut)))]
async fn create_entry(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    headers: HeaderMap,
    ApiJson(b): ApiJson<EntryBody>,
) -> Result<(StatusCode, Json<EntryOut>), ApiError> {
    let key = idempotency_key(&headers);
    let entry = entry_input(b.title, b.body)?;
    let day = today_of(&state, &who).await?;
    let saved = match state
        .services
        .records(&who)
        .create_once(Some(day), entry, now(), key)
        .await?
    {
        Created::New(saved)
        | Created::Again {
            record: Some(saved),
            ..
        } => saved,
        Created::Again { record: None, .. } => return Err(ApiError::not_found()),
    };
    Ok((StatusCode::CREATED, Json(entry_out(saved))))
}

/// The `Idempotency-Key` header when it has [`submission_key`]'s shape;
/// absent or out of shape is `None` (saved without the guarantee).
fn idempotency_key(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .and_then(submission_key)
}

/// One journal entry.
#[utoipa::path(get, path = "/journal/{id}", tag = "journal",
    params(("id" = String, Path, description = "The entry's id")),
    responses((status = 200, description = "The entry", body = EntryOut)))]
async fn get_entry(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<Json<EntryOut>, ApiError> {
    read_record(&state, &who, &id, entry_out).await
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"title": "A long shift", "body": "Rewritten, more kindly.", "version": 1}))]
pub struct EntryUpdate {
    #[serde(default)]
    #[schema(max_length = 200)]
    title: String,
    #[schema(min_length = 1, max_length = 50000, pattern = r"[^\s\u0085]")]
    body: String,
    /// The `version` last read; a different one answers 409 `stale`.
    version: i64,
}

/// Replace a journal entry's title and text.
#[utoipa::path(put, path = "/journal/{id}", tag = "journal",
    params(("id" = String, Path, description = "The entry's id")),
    request_body = EntryUpdate,
    responses(
        (status = 200, description = "Saved", body = EntryOut),
        (status = 409, description = "Changed since that version was read (`stale`).", body = ErrorBody),
    ))]
async fn update_entry(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<EntryUpdate>,
) -> Result<Json<EntryOut>, ApiError> {
    let entry = entry_input(b.title, b.body)?;
    replace_record(&state, &who, &id, b.version, entry, entry_out).await
}

/// Delete a journal entry.
#[utoipa::path(delete, path = "/journal/{id}", tag = "journal",
    params(("id" = String, Path, description = "The entry's id")),
    responses((status = 204, description = "Deleted")))]
async fn delete_entry(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    delete_record::<JournalEntry>(&state, &who, &id).await
}

/// Help lines for the configured region, with their sources. Needs no token.
#[utoipa::path(get, path = "/helplines", tag = "help", security(()),
    responses((status = 200, description = "Help lines", body = Object)))]
async fn helplines(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!(state.helplines.as_ref()))
}

/// Everything the account holds, decrypted, as `tend-export-v1` JSON.
#[utoipa::path(get, path = "/export", tag = "export",
    responses((status = 200, description = "The export", body = Object)))]
async fn export(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(state.services.records(&who).export(now()).await?))
}
