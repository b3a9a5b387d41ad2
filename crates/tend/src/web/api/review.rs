//! The weekly review's reflection (one a week, as on the page) and the
//! self-care settings (how much sleep a person needs).

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ErrorBody, check, raw_len, today_of};
use crate::domain::goals::IsoWeek;
use crate::domain::review::{REFLECTION_MAX, Reflection, ReflectionInput};
use crate::domain::selfcare::{SelfcareSettings, SettingsInput};
use crate::service::Stored;
use crate::web::error::ApiError;
use crate::web::extract::{ApiJson, ApiPerson};
use crate::web::{AppState, now};

/// Where the page keeps the settings.
const SETTINGS_SLOT: &str = "selfcare";

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_reflection, save_reflection))
        .routes(routes!(get_settings, save_settings))
}

/// The week, refused (404) when malformed or still to come, as on the page.
async fn week_of(
    state: &AppState,
    who: &crate::service::Unlocked,
    w: &str,
) -> Result<IsoWeek, ApiError> {
    let week = IsoWeek::parse(w).ok_or_else(ApiError::not_found)?;
    if week > IsoWeek::of(today_of(state, who).await?) {
        return Err(ApiError::not_found());
    }
    Ok(week)
}

#[derive(Serialize, ToSchema)]
pub struct ReflectionOut {
    #[schema(example = "2026-W11")]
    week: String,
    version: i64,
    prompt: String,
    text: String,
}

fn reflection_out(week: IsoWeek, s: Stored<Reflection>) -> ReflectionOut {
    ReflectionOut {
        week: week.to_string(),
        version: s.version,
        prompt: s.value.prompt,
        text: s.value.text,
    }
}

/// A week's reflection.
#[utoipa::path(get, path = "/review/{week}/reflection", tag = "weekly review",
    params(("week" = String, Path, description = "An ISO week, `2026-W11`; not one still to come", example = "2026-W11")),
    responses((status = 200, description = "The reflection", body = ReflectionOut)))]
async fn get_reflection(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(w): Path<String>,
) -> Result<Json<ReflectionOut>, ApiError> {
    let week = week_of(&state, &who, &w).await?;
    state
        .services
        .records(&who)
        .slot::<Reflection>(&week.to_string())
        .await?
        .map(|s| Json(reflection_out(week, s)))
        .ok_or_else(ApiError::not_found)
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"prompt": "What helped this week?", "text": "Walking home with Sam."}))]
pub struct ReflectionBody {
    /// The prompt it answers (kept to its first 300 characters).
    #[serde(default)]
    #[schema(max_length = 300)]
    prompt: String,
    #[schema(min_length = 1, max_length = 10000, pattern = r"[^\s\u0085]")]
    text: String,
}

/// Write (or replace) a week's reflection.
#[utoipa::path(put, path = "/review/{week}/reflection", tag = "weekly review",
    params(("week" = String, Path, description = "An ISO week, `2026-W11`; not one still to come", example = "2026-W11")),
    request_body = ReflectionBody,
    responses((status = 200, description = "Saved", body = ReflectionOut)))]
async fn save_reflection(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(w): Path<String>,
    ApiJson(b): ApiJson<ReflectionBody>,
) -> Result<Json<ReflectionOut>, ApiError> {
    let mut problems = Vec::new();
    raw_len(&mut problems, "prompt", "The prompt", &b.prompt, 300);
    raw_len(
        &mut problems,
        "text",
        "The reflection",
        &b.text,
        REFLECTION_MAX,
    );
    check(problems)?;
    let r = ReflectionInput {
        text: b.text,
        prompt: b.prompt,
    }
    .validate()?;
    let week = week_of(&state, &who, &w).await?;
    let saved = state
        .services
        .records(&who)
        .put_slot(&week.to_string(), Some(week.monday()), r, now())
        .await?;
    Ok(Json(reflection_out(week, saved)))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"sleep_need": 7.5}))]
pub struct Settings {
    /// Hours of sleep needed a night, 4 to 12 (to the quarter hour).
    #[schema(minimum = 4, maximum = 12)]
    sleep_need: f32,
}

/// Self-care settings (the defaults until first saved).
#[utoipa::path(get, path = "/selfcare/settings", tag = "self-care",
    responses((status = 200, description = "Settings", body = Settings)))]
async fn get_settings(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
) -> Result<Json<Settings>, ApiError> {
    let s = state
        .services
        .records(&who)
        .slot::<SelfcareSettings>(SETTINGS_SLOT)
        .await?
        .map(|s| s.value)
        .unwrap_or_default();
    Ok(Json(Settings {
        sleep_need: s.sleep_need,
    }))
}

/// Save the self-care settings.
#[utoipa::path(put, path = "/selfcare/settings", tag = "self-care", request_body = Settings,
    responses(
        (status = 200, description = "Saved", body = Settings),
        (status = 422, description = "Outside its range (`invalid`).", body = ErrorBody),
    ))]
async fn save_settings(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiJson(b): ApiJson<Settings>,
) -> Result<Json<Settings>, ApiError> {
    let s = SettingsInput {
        sleep_need: b.sleep_need.to_string(),
    }
    .validate()?;
    let saved = state
        .services
        .records(&who)
        .put_slot(SETTINGS_SLOT, None, s, now())
        .await?;
    Ok(Json(Settings {
        sleep_need: saved.value.sleep_need,
    }))
}
