//! The JSON API under `/api/v1`, for other clients and for automated tests.
//! Authenticated by bearer token only (never the cookie), so no anti-forgery
//! token is needed. Described by `openapi.json`.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::error::ApiError;
use super::extract::{ApiJson, ApiPerson, ClientKey};
use super::{AppState, now};
use crate::domain::checkin::{Checkin, CheckinInput, Meals};
use crate::domain::journal::{JournalEntry, JournalInput};
use crate::service::RecordFilter;
use crate::service::{Credentials, Limit, Stored, Unlocked};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts", post(sign_up))
        .route("/sessions", post(sign_in))
        .route("/sessions/current", axum::routing::delete(sign_out))
        .route("/recovery", post(recover))
        .route("/account", axum::routing::delete(delete_account))
        .route("/account/passphrase", put(change_passphrase))
        .route("/today", get(today))
        .route("/checkins", get(list_checkins))
        .route("/checkins/today", put(save_checkin).get(get_today_checkin))
        .route("/journal", get(list_entries).post(create_entry))
        .route(
            "/journal/{id}",
            get(get_entry).put(update_entry).delete(delete_entry),
        )
        .route("/helplines", get(helplines))
        .route("/export", get(export))
        .fallback(|| async {
            ApiError::Status(
                StatusCode::NOT_FOUND,
                "not_found",
                "No such API route.".into(),
            )
        })
}

pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
        .into_response()
}

async fn limited(state: &AppState, client: &str) -> Result<(), ApiError> {
    let limit = Limit::Address {
        per_minute: state.auth_attempts_per_minute,
    };
    Ok(state
        .services
        .limits()
        .attempt(limit, client, now())
        .await?)
}

async fn today_of(state: &AppState, who: &Unlocked) -> Result<Date, ApiError> {
    Ok(state
        .services
        .records(who)
        .today(crate::web::clock())
        .await?)
}

#[derive(Deserialize)]
struct SignUp {
    handle: String,
    passphrase: String,
    #[serde(default)]
    time_zone: String,
}

async fn sign_up(
    State(state): State<AppState>,
    ClientKey(client): ClientKey,
    ApiJson(body): ApiJson<SignUp>,
) -> Result<Response, ApiError> {
    limited(&state, &client).await?;
    let created = state
        .services
        .accounts()
        .sign_up(&body.handle, &body.passphrase, &body.time_zone, now())
        .await?;
    let token = created.token.encode();
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "handle": created.handle,
            "token": token,
            "recovery_code": created.recovery_code.as_str(),
        })),
    )
        .into_response())
}

#[derive(Deserialize)]
struct SignIn {
    handle: String,
    passphrase: String,
}

async fn sign_in(
    State(state): State<AppState>,
    ClientKey(client): ClientKey,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<Response, ApiError> {
    limited(&state, &client).await?;
    let token = state
        .services
        .accounts()
        .sign_in(
            Credentials {
                handle: &body.handle,
                passphrase: &body.passphrase,
            },
            now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "token": token.encode() })),
    )
        .into_response())
}

async fn sign_out(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
) -> Result<StatusCode, ApiError> {
    state.services.accounts().sign_out(&who).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct Recover {
    handle: String,
    recovery_code: String,
    new_passphrase: String,
}

async fn recover(
    State(state): State<AppState>,
    ClientKey(client): ClientKey,
    ApiJson(body): ApiJson<Recover>,
) -> Result<Json<serde_json::Value>, ApiError> {
    limited(&state, &client).await?;
    let created = state
        .services
        .accounts()
        .recover(
            &body.handle,
            &body.recovery_code,
            &body.new_passphrase,
            now(),
        )
        .await?;
    Ok(Json(json!({
        "token": created.token.encode(),
        "recovery_code": created.recovery_code.as_str(),
    })))
}

#[derive(Deserialize)]
struct ChangePassphrase {
    current_passphrase: String,
    new_passphrase: String,
}

async fn change_passphrase(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiJson(body): ApiJson<ChangePassphrase>,
) -> Result<StatusCode, ApiError> {
    super::pages::passphrase_limit(&state, &who).await?;
    state
        .services
        .accounts()
        .change_passphrase(&who, &body.current_passphrase, &body.new_passphrase)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct DeleteAccount {
    passphrase: String,
}

async fn delete_account(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiJson(body): ApiJson<DeleteAccount>,
) -> Result<StatusCode, ApiError> {
    super::pages::passphrase_limit(&state, &who).await?;
    state
        .services
        .accounts()
        .delete(&who, &body.passphrase)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
struct CheckinOut {
    day: Option<String>,
    version: i64,
    #[serde(flatten)]
    checkin: Checkin,
}

fn checkin_out(s: Stored<Checkin>) -> CheckinOut {
    CheckinOut {
        day: s.day.map(|d| d.to_string()),
        version: s.version,
        checkin: s.value,
    }
}

#[derive(Serialize)]
struct EntryOut {
    id: String,
    day: Option<String>,
    created_at: i64,
    updated_at: i64,
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

async fn today(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
) -> Result<Json<serde_json::Value>, ApiError> {
    let records = state.services.records(&who);
    let o = records
        .overview(records.today(crate::web::clock()).await?, 3)
        .await?;
    Ok(Json(json!({
        "day": o.today.to_string(),
        "checkin": o.checkin.map(checkin_out),
        "week": {
            "days_checked_in": o.summary.days_checked_in,
            "average_sleep": o.summary.average_sleep,
            "average_mood": o.summary.average_mood,
        },
        "recent_entries": o.recent_entries.into_iter().map(entry_out).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
struct DayRange {
    from: Option<String>,
    to: Option<String>,
}

fn parse_day(field: &'static str, v: Option<String>) -> Result<Option<Date>, ApiError> {
    match v {
        None => Ok(None),
        Some(s) => s.parse::<Date>().map(Some).map_err(|_| {
            ApiError::bad_request(format!("`{field}` must be a date like 2026-03-14."))
        }),
    }
}

async fn list_checkins(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Query(range): Query<DayRange>,
) -> Result<Json<serde_json::Value>, ApiError> {
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
    Ok(Json(
        json!({ "checkins": list.into_iter().map(checkin_out).collect::<Vec<_>>() }),
    ))
}

#[derive(Deserialize)]
struct CheckinBody {
    mood: u8,
    energy: u8,
    sleep_hours: f32,
    #[serde(default)]
    movement_minutes: u16,
    meals: Meals,
    #[serde(default)]
    joy: String,
    #[serde(default)]
    note: String,
}

async fn save_checkin(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiJson(b): ApiJson<CheckinBody>,
) -> Result<Json<CheckinOut>, ApiError> {
    let input = CheckinInput::from_checkin(&Checkin {
        mood: b.mood,
        energy: b.energy,
        sleep_hours: b.sleep_hours,
        movement_minutes: b.movement_minutes,
        meals: b.meals,
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

#[derive(Deserialize)]
struct EntryList {
    limit: Option<i64>,
}

async fn list_entries(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Query(q): Query<EntryList>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let list = state
        .services
        .records(&who)
        .list::<JournalEntry>(&RecordFilter {
            limit: Some(limit),
            ..RecordFilter::default()
        })
        .await?;
    Ok(Json(
        json!({ "entries": list.into_iter().map(entry_out).collect::<Vec<_>>() }),
    ))
}

#[derive(Deserialize)]
struct EntryBody {
    #[serde(default)]
    title: String,
    body: String,
}

async fn create_entry(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiJson(b): ApiJson<EntryBody>,
) -> Result<Response, ApiError> {
    let entry = JournalInput {
        title: b.title,
        body: b.body,
    }
    .validate()?;
    let day = today_of(&state, &who).await?;
    let saved = state
        .services
        .records(&who)
        .create(Some(day), entry, now())
        .await?;
    Ok((StatusCode::CREATED, Json(entry_out(saved))).into_response())
}

async fn get_entry(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<Json<EntryOut>, ApiError> {
    let found = state
        .services
        .records(&who)
        .get::<JournalEntry>(&id)
        .await?;
    found
        .map(|s| Json(entry_out(s)))
        .ok_or_else(ApiError::not_found)
}

#[derive(Deserialize)]
struct EntryUpdate {
    #[serde(default)]
    title: String,
    body: String,
    version: i64,
}

async fn update_entry(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<EntryUpdate>,
) -> Result<Json<EntryOut>, ApiError> {
    let entry = JournalInput {
        title: b.title,
        body: b.body,
    }
    .validate()?;
    let saved = state
        .services
        .records(&who)
        .update(&id, b.version, entry, now())
        .await?;
    Ok(Json(entry_out(saved)))
}

async fn delete_entry(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .records(&who)
        .delete::<JournalEntry>(&id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn helplines(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(json!(state.helplines.as_ref()))
}

async fn export(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(state.services.records(&who).export(now()).await?))
}
