//! The practice log: guided practices (tend's own content) and the minutes
//! a person spent on one, through the records service as the page uses it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::kindness::ListQuery;
use super::{ApiQuery, limit_of, today_of};
use crate::domain::practice::{PracticeLog, parse_minutes};
use crate::domain::programmes::Measure;
use crate::service::{RecordFilter, Stored};
use crate::web::error::ApiError;
use crate::web::extract::{ApiJson, ApiPerson};
use crate::web::{AppState, now};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_practices))
        .routes(routes!(list_logs))
        .routes(routes!(log_practice))
}

#[derive(Serialize, ToSchema)]
pub struct PracticeOut {
    #[schema(example = "breathing-space")]
    slug: String,
    title: String,
    /// Lengths offered, in minutes.
    durations: Vec<u16>,
}

#[derive(Serialize, ToSchema)]
pub struct Practices {
    practices: Vec<PracticeOut>,
}

/// The guided practices tend offers. Needs no token.
#[utoipa::path(get, path = "/practices", tag = "practice log", security(()),
    responses((status = 200, description = "Practices", body = Practices)))]
async fn list_practices(State(state): State<AppState>) -> Json<Practices> {
    Json(Practices {
        practices: state
            .content
            .practices
            .iter()
            .map(|p| PracticeOut {
                slug: p.slug.clone(),
                title: p.title.clone(),
                durations: p.durations.clone(),
            })
            .collect(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct LogOut {
    id: String,
    #[schema(example = "2026-03-14")]
    day: Option<String>,
    created_at: i64,
    #[schema(example = "breathing-space")]
    slug: String,
    #[schema(minimum = 1, maximum = 180)]
    minutes: u16,
}

#[derive(Serialize, ToSchema)]
pub struct Logs {
    logs: Vec<LogOut>,
}

fn log_out(s: Stored<PracticeLog>) -> LogOut {
    LogOut {
        id: s.id,
        day: s.day.map(|d| d.to_string()),
        created_at: s.created_at,
        slug: s.value.slug,
        minutes: s.value.minutes,
    }
}

/// Practice sessions logged, newest first.
#[utoipa::path(get, path = "/practice-log", tag = "practice log", params(ListQuery),
    responses((status = 200, description = "Sessions", body = Logs)))]
async fn list_logs(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Logs>, ApiError> {
    let list = state
        .services
        .records(&who)
        .list::<PracticeLog>(&RecordFilter {
            limit: Some(limit_of(q.limit(), 50, 400)?),
            ..RecordFilter::default()
        })
        .await?;
    Ok(Json(Logs {
        logs: list.into_iter().map(log_out).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"minutes": 3}))]
pub struct LogBody {
    /// Minutes practised, 1 to 180. One minute counts.
    #[schema(minimum = 1, maximum = 180)]
    minutes: u16,
}

/// Log minutes spent on a practice today.
#[utoipa::path(post, path = "/practices/{slug}/log", tag = "practice log",
    params(("slug" = String, Path, description = "The practice's slug", example = "breathing-space")),
    request_body = LogBody,
    responses(
        (status = 201, description = "Logged", body = LogOut),
        (status = 404, description = "No such practice (`not_found`).", body = super::ErrorBody),
    ))]
async fn log_practice(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(slug): Path<String>,
    ApiJson(b): ApiJson<LogBody>,
) -> Result<(StatusCode, Json<LogOut>), ApiError> {
    let p = state
        .content
        .practice(&slug)
        .ok_or_else(ApiError::not_found)?;
    let minutes = parse_minutes(&b.minutes.to_string()).map_err(|e| vec![e])?;
    let today = today_of(&state, &who).await?;
    let saved = state
        .services
        .records(&who)
        .create(
            Some(today),
            PracticeLog {
                slug: p.slug.clone(),
                minutes,
            },
            now(),
        )
        .await?;
    state
        .services
        .programmes()
        .after_use(&who, today, Measure::Practice, now())
        .await;
    Ok((StatusCode::CREATED, Json(log_out(saved))))
}
