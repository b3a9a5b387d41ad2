//! JSON API for moving records and for API tokens (issue 14), nested under
//! `/api/v1` beside `api.rs`: `POST /import`, `GET`/`POST /tokens`,
//! `DELETE /tokens/{id}`. Bearer token only, like the rest of the API.

use axum::Json;
use axum::Router;
use axum::body::to_bytes;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::Deserialize;
use serde_json::json;

use super::error::ApiError;
use super::extract::{ApiJson, ApiPerson};
use super::pages::transfer::{IMPORT_MAX_BYTES, import_turn};
use super::{AppState, now};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/import",
            post(import).layer(DefaultBodyLimit::max(IMPORT_MAX_BYTES)),
        )
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}", delete(revoke_token))
}

/// The body is the export file itself (`Content-Type: application/json`),
/// up to [`IMPORT_MAX_BYTES`]. All or nothing; the answer is the report.
async fn import(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    req: Request,
) -> Result<Response, ApiError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return Err(ApiError::Status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the export file as the body, with `Content-Type: application/json`.".into(),
        ));
    }
    let _turn = import_turn().await;
    let bytes = to_bytes(req.into_body(), IMPORT_MAX_BYTES)
        .await
        .map_err(|_| {
            ApiError::Status(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!(
                    "The export is over the {IMPORT_MAX_BYTES} bytes one import takes; nothing was imported. Send it in parts (each a valid export with some of the records)."
                ),
            )
        })?;
    let report = state.services.transfer(&who).import(&bytes).await?;
    Ok((StatusCode::OK, Json(report)).into_response())
}

async fn list_tokens(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
) -> Result<Response, ApiError> {
    let tokens = state.services.tokens(&who).list().await?;
    Ok(Json(json!({ "tokens": tokens })).into_response())
}

#[derive(Deserialize)]
struct NewToken {
    name: String,
}

/// The token is in this answer only; tend keeps its hash.
async fn create_token(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<Response, ApiError> {
    let new = state
        .services
        .tokens(&who)
        .create(&body.name, now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "token": new.token,
            "id": new.info.id,
            "name": new.info.name,
            "created_at": new.info.created_at,
            "last_used_at": new.info.last_used_at,
        })),
    )
        .into_response())
}

async fn revoke_token(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state.services.tokens(&who).revoke(&id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
