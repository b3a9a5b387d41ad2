//! Accounts and sessions: sign up, sign in and out, recovery, a new
//! passphrase, deleting the account.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ErrorBody, check};
use crate::domain::Invalid;
use crate::service::{Credentials, Limit};
use crate::web::error::ApiError;
use crate::web::extract::{ApiJson, ApiPerson, ClientKey};
use crate::web::{AppState, now};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_up))
        .routes(routes!(sign_in))
        .routes(routes!(sign_out))
        .routes(routes!(recover))
        .routes(routes!(delete_account))
        .routes(routes!(change_passphrase))
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

/// The handle is matched exactly as the document states it (no spaces
/// around it): the pages trim, the API refuses, so the schema's pattern is
/// the whole rule for this part.
fn handle_as_sent(handle: &str) -> Result<(), ApiError> {
    let mut problems = Vec::new();
    if handle.trim() != handle {
        problems.push(Invalid::new(
            "handle",
            "A handle may use letters a–z, digits, and . _ - (no spaces).",
        ));
    }
    check(problems)
}

/// Every time zone name the server knows (its bundled database), or empty.
fn time_zones() -> utoipa::openapi::schema::Object {
    super::time_zone_names(true)
}

/// Refuses a time zone with spaces around it: the document lists the names
/// exactly (the page trims, the API does not).
fn time_zone_as_sent(tz: &str) -> Result<(), ApiError> {
    let mut problems = Vec::new();
    if tz.trim() != tz {
        problems.push(Invalid::new(
            "time_zone",
            "Choose a time zone from the list, like Europe/London.",
        ));
    }
    check(problems)
}

/// Runs `change` (which re-checks the passphrase in `field`) after the
/// per-account limit on passphrase checks: 204, 403 `wrong_passphrase`, or
/// 429. Changing the passphrase and deleting the account differ only in
/// the call.
async fn with_passphrase(
    state: &AppState,
    who: &crate::service::Unlocked,
    field: &str,
    change: impl std::future::Future<Output = crate::service::ServiceResult<()>>,
) -> Result<StatusCode, ApiError> {
    crate::web::pages::passphrase_limit(state, who).await?;
    change.await.map_err(|e| wrong_passphrase(e, field))?;
    Ok(StatusCode::NO_CONTENT)
}

/// A wrong passphrase when re-checking it (changing it, deleting the
/// account) is a refusal (403 `wrong_passphrase`), not a malformed field.
fn wrong_passphrase(e: crate::service::ServiceError, field: &str) -> ApiError {
    match e {
        crate::service::ServiceError::Invalid(v) if v.iter().any(|p| p.field == field) => {
            ApiError::Status(
                StatusCode::FORBIDDEN,
                "wrong_passphrase",
                v.into_iter()
                    .map(|p| p.message)
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        }
        e => e.into(),
    }
}

/// A new account. The passphrase is 10 to 256 characters and not one of the
/// most common passphrases (nor fewer than 4 different characters).
#[derive(Deserialize, ToSchema)]
pub struct SignUp {
    /// 3 to 32 of a–z, A–Z (stored lowercased), digits, `.`, `_` and `-`.
    #[schema(
        min_length = 3,
        max_length = 32,
        pattern = r"^[A-Za-z0-9._-]{3,32}$",
        example = "quiet-heron"
    )]
    handle: String,
    /// 10 to 256 characters; refused when it is one of the most common
    /// passphrases or has fewer than 4 different characters (`invalid`).
    #[schema(min_length = 10, max_length = 256, example = "lantern orchard pebble")]
    passphrase: String,
    /// An IANA time zone such as `Europe/London`; empty for UTC.
    #[serde(default)]
    #[schema(schema_with = time_zones, example = "Europe/London")]
    time_zone: String,
}

#[derive(Serialize, ToSchema)]
pub struct NewAccount {
    #[schema(example = "quiet-heron")]
    handle: String,
    /// Send as `Authorization: Bearer <token>`.
    token: String,
    /// Shown once: the only way back in without the passphrase.
    recovery_code: String,
}

/// Create an anonymous account; returns a session token and the one-time recovery code.
#[utoipa::path(post, path = "/accounts", tag = "accounts", security(()),
    request_body = SignUp,
    responses(
        (status = 201, description = "Created", body = NewAccount),
        (status = 409, description = "That handle is taken (`handle_taken`).", body = ErrorBody),
        (status = 429, description = "Too many attempts from this address (`rate_limited`).", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn sign_up(
    State(state): State<AppState>,
    ClientKey(client): ClientKey,
    ApiJson(body): ApiJson<SignUp>,
) -> Result<(StatusCode, Json<NewAccount>), ApiError> {
    handle_as_sent(&body.handle)?;
    time_zone_as_sent(&body.time_zone)?;
    limited(&state, &client).await?;
    let created = state
        .services
        .accounts()
        .sign_up(&body.handle, &body.passphrase, &body.time_zone, now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(NewAccount {
            handle: created.handle,
            token: created.token.encode(),
            recovery_code: created.recovery_code.as_str().to_owned(),
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct SignIn {
    #[schema(min_length = 1, max_length = 256, example = "quiet-heron")]
    handle: String,
    #[schema(min_length = 1, max_length = 1024, example = "lantern orchard pebble")]
    passphrase: String,
}

#[derive(Serialize, ToSchema)]
pub struct Token {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
}

/// Sign in; returns a new session token.
#[utoipa::path(post, path = "/sessions", tag = "accounts", security(()),
    request_body = SignIn,
    responses(
        (status = 201, description = "Signed in", body = Token),
        (status = 401, description = "Handle or passphrase not recognised (`bad_credentials`).", body = ErrorBody),
        (status = 429, description = "Too many attempts (`rate_limited`).", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn sign_in(
    State(state): State<AppState>,
    ClientKey(client): ClientKey,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<(StatusCode, Json<Token>), ApiError> {
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
        Json(Token {
            token: token.encode(),
        }),
    ))
}

/// Sign out: ends this token.
#[utoipa::path(delete, path = "/sessions/current", tag = "accounts",
    responses((status = 204, description = "Signed out")))]
async fn sign_out(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
) -> Result<StatusCode, ApiError> {
    state.services.accounts().sign_out(&who).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct Recover {
    #[schema(min_length = 1, max_length = 256, example = "quiet-heron")]
    handle: String,
    /// 25 symbols of `0-9`, `A-Z` without `U` (any case; `O`, `I` and `L`
    /// read as `0`, `1`, `1`), with any spaces, tabs or dashes between.
    #[schema(
        max_length = 256,
        pattern = r"^[ \t-]*(?:[0-9A-TV-Za-tv-z][ \t-]*){25}$",
        example = "7KQ2M-0XH4T-9PB3R-CD6WZ-1NM5F"
    )]
    recovery_code: String,
    /// The same rules as at sign-up.
    #[schema(min_length = 10, max_length = 256, example = "new lantern orchard")]
    new_passphrase: String,
}

#[derive(Serialize, ToSchema)]
pub struct Recovered {
    token: String,
    /// A new one-time recovery code; the old one no longer works.
    recovery_code: String,
}

/// Set a new passphrase with the recovery code; ends all sessions and returns a new token and a new recovery code.
#[utoipa::path(post, path = "/recovery", tag = "accounts", security(()),
    request_body = Recover,
    responses(
        (status = 200, description = "Recovered", body = Recovered),
        (status = 401, description = "Handle or recovery code not recognised (`bad_credentials`).", body = ErrorBody),
        (status = 429, description = "Too many attempts (`rate_limited`).", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn recover(
    State(state): State<AppState>,
    ClientKey(client): ClientKey,
    ApiJson(body): ApiJson<Recover>,
) -> Result<Json<Recovered>, ApiError> {
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
    Ok(Json(Recovered {
        token: created.token.encode(),
        recovery_code: created.recovery_code.as_str().to_owned(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct ChangePassphrase {
    #[schema(min_length = 1, max_length = 1024)]
    current_passphrase: String,
    /// The same rules as at sign-up.
    #[schema(min_length = 10, max_length = 256, example = "another quiet orchard")]
    new_passphrase: String,
}

/// Change the passphrase (other sessions end).
#[utoipa::path(put, path = "/account/passphrase", tag = "accounts",
    request_body = ChangePassphrase,
    responses(
        (status = 204, description = "Changed"),
        (status = 403, description = "The current passphrase is wrong (`wrong_passphrase`).", body = ErrorBody),
        (status = 429, description = "Too many passphrase checks (`rate_limited`).", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn change_passphrase(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiJson(body): ApiJson<ChangePassphrase>,
) -> Result<StatusCode, ApiError> {
    let accounts = state.services.accounts();
    let change = accounts.change_passphrase(&who, &body.current_passphrase, &body.new_passphrase);
    with_passphrase(&state, &who, "current_passphrase", change).await
}

#[derive(Deserialize, ToSchema)]
pub struct DeleteAccount {
    #[schema(min_length = 1, max_length = 1024)]
    passphrase: String,
}

/// Delete the account and everything in it, for good.
#[utoipa::path(delete, path = "/account", tag = "accounts",
    request_body = DeleteAccount,
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "The passphrase is wrong (`wrong_passphrase`); nothing was deleted.", body = ErrorBody),
        (status = 429, description = "Too many passphrase checks (`rate_limited`).", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn delete_account(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiJson(body): ApiJson<DeleteAccount>,
) -> Result<StatusCode, ApiError> {
    let accounts = state.services.accounts();
    let delete = accounts.delete(&who, &body.passphrase);
    with_passphrase(&state, &who, "passphrase", delete).await
}
