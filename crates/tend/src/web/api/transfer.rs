//! Moving records and API tokens (issue 14): `POST /import` takes a tend
//! export as the body; `/tokens` lists, creates and revokes the named keys a
//! second client keeps instead of the passphrase.

use axum::Json;
use axum::body::to_bytes;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ErrorBody, check, raw_len};
use crate::service::tokens::{NAME_MAX, TokenInfo};
use crate::service::transfer::ImportReport;
use crate::web::error::ApiError;
use crate::web::extract::{ApiJson, ApiPerson};
use crate::web::pages::transfer::{IMPORT_MAX_BYTES, import_turn};
use crate::web::{AppState, now};

pub fn routes() -> OpenApiRouter<AppState> {
    // The import has its own body limit: a year of every feature is about
    // 300 KB, over the default limit every other route keeps.
    let import = OpenApiRouter::new()
        .routes(routes!(import))
        .layer(DefaultBodyLimit::max(IMPORT_MAX_BYTES));
    OpenApiRouter::new()
        .merge(import)
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

/// How many records of one kind were added, and how many were here already.
#[derive(Serialize, ToSchema)]
pub struct KindOut {
    #[schema(example = "checkin")]
    kind: String,
    #[schema(example = "Daily check-ins")]
    label: String,
    imported: usize,
    already_here: usize,
}

/// Records of a kind that stay on the old server (programme memberships).
#[derive(Serialize, ToSchema)]
pub struct LeftOut {
    kind: String,
    label: String,
    count: usize,
}

/// What an import did.
#[derive(Serialize, ToSchema)]
pub struct ImportOut {
    #[schema(example = "tend-export-v2")]
    format: String,
    from_handle: String,
    imported: usize,
    already_here: usize,
    kinds: Vec<KindOut>,
    left_behind: Vec<LeftOut>,
}

impl From<ImportReport> for ImportOut {
    fn from(r: ImportReport) -> Self {
        Self {
            format: r.format,
            from_handle: r.from_handle,
            imported: r.imported,
            already_here: r.already_here,
            kinds: r
                .kinds
                .into_iter()
                .map(|k| KindOut {
                    kind: k.kind,
                    label: k.label,
                    imported: k.imported,
                    already_here: k.already_here,
                })
                .collect(),
            left_behind: r
                .left_behind
                .into_iter()
                .map(|l| LeftOut {
                    kind: l.kind,
                    label: l.label,
                    count: l.count,
                })
                .collect(),
        }
    }
}

/// Imports a tend export (`tend-export-v1` or `tend-export-v2`, the body as
/// `GET /export` gave it) into this account: all or nothing, and running it
/// twice adds nothing the second time. Records the account already has are
/// never changed. Up to 16 MiB; split a bigger export into several.
#[utoipa::path(post, path = "/import", tag = "export and import",
    request_body(content = Object, content_type = "application/json",
        description = "A tend export file, exactly as exported."),
    responses(
        (status = 200, description = "Imported; what was added per kind", body = ImportOut),
        (status = 422, description = "Not a tend export, or a record that does not fit its kind (`invalid`); nothing was imported.", body = ErrorBody),
    ))]
async fn import(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    req: Request,
) -> Result<Json<ImportOut>, ApiError> {
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
    Ok(Json(report.into()))
}

/// A token as its owner's list shows it (never the token itself).
#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    /// Names the token for revoking; not enough to use it.
    #[schema(example = "3f1c…")]
    id: String,
    #[schema(example = "My phone")]
    name: String,
    /// Unix seconds.
    created_at: i64,
    /// Unix seconds, written at most once a minute; null before first use.
    last_used_at: Option<i64>,
}

impl From<TokenInfo> for TokenOut {
    fn from(t: TokenInfo) -> Self {
        Self {
            id: t.id,
            name: t.name,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TokenList {
    tokens: Vec<TokenOut>,
}

/// This account's API tokens, oldest first.
#[utoipa::path(get, path = "/tokens", tag = "tokens",
    responses((status = 200, description = "The tokens", body = TokenList)))]
async fn list_tokens(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
) -> Result<Json<TokenList>, ApiError> {
    let tokens = state.services.tokens(&who).list().await?;
    Ok(Json(TokenList {
        tokens: tokens.into_iter().map(TokenOut::from).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"name": "My phone"}))]
pub struct NewTokenBody {
    /// What the token is for.
    #[schema(min_length = 1, max_length = 60, pattern = r"[^\s\u0085]")]
    name: String,
}

/// The new token: in this answer only, tend keeps its hash.
#[derive(Serialize, ToSchema)]
pub struct NewTokenOut {
    /// Send as `Authorization: Bearer <token>`.
    #[schema(example = "tend_pat_…")]
    token: String,
    id: String,
    name: String,
    created_at: i64,
    last_used_at: Option<i64>,
}

/// Creates a named token for a second client. An account holds at most 20;
/// a 21st is refused with 422 `invalid` until one is revoked.
#[utoipa::path(post, path = "/tokens", tag = "tokens", request_body = NewTokenBody,
    responses((status = 201, description = "Created; the token is shown only here", body = NewTokenOut)))]
async fn create_token(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiJson(body): ApiJson<NewTokenBody>,
) -> Result<Response, ApiError> {
    let mut problems = Vec::new();
    raw_len(
        &mut problems,
        "name",
        "The token's name",
        &body.name,
        NAME_MAX,
    );
    check(problems)?;
    let new = state
        .services
        .tokens(&who)
        .create(&body.name, now())
        .await?;
    let out = NewTokenOut {
        token: new.token,
        id: new.info.id,
        name: new.info.name,
        created_at: new.info.created_at,
        last_used_at: new.info.last_used_at,
    };
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// Revokes a token: a client using it is signed out at once.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens",
    params(("id" = String, Path, description = "The token's `id` from the list")),
    responses((status = 204, description = "Revoked")))]
async fn revoke_token(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.services.tokens(&who).revoke(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}
