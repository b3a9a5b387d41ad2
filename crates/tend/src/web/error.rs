//! One error type per boundary: pages get a kind HTML page, the API gets
//! `{"error": code, "message": ...}`. Internals are logged, never shown.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde_json::json;

use super::layout;
use crate::domain::Invalid;
use crate::service::ServiceError;

#[derive(Debug)]
pub enum PageError {
    NotFound,
    BadRequest(String),
    /// A missing or wrong anti-forgery token, or a cross-site post.
    Forbidden,
    TooLarge(usize),
    RateLimited(u64),
    /// Not signed in. `kept` holds text the person had typed into a form that
    /// arrived after their session ended, shown back so nothing is lost.
    SignInNeeded {
        expired: bool,
        /// Where to return after signing in (a local path), for page visits.
        next: Option<String>,
        kept: Vec<(String, String)>,
    },
    /// Something failed that the person can do nothing about; the cause is
    /// kept for the log (never shown).
    Unexpected(anyhow::Error),
}

impl PageError {
    /// An unexpected failure with its cause.
    pub fn unexpected(e: impl Into<anyhow::Error>) -> Self {
        Self::Unexpected(e.into())
    }
}

/// Failures inside tend's own code (a record that won't serialise), with
/// their cause.
impl From<serde_json::Error> for PageError {
    fn from(e: serde_json::Error) -> Self {
        Self::unexpected(e)
    }
}

impl From<ServiceError> for PageError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => Self::NotFound,
            ServiceError::Invalid(v) => Self::BadRequest(
                v.into_iter()
                    .map(|i| i.message)
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            ServiceError::BadCredentials => {
                Self::BadRequest("Handle or passphrase not recognised.".into())
            }
            ServiceError::HandleTaken => Self::BadRequest("That handle is taken.".into()),
            ServiceError::Stale => {
                Self::BadRequest("This changed in another tab or device. Please reload.".into())
            }
            ServiceError::TooManyAttempts(secs) => Self::RateLimited(secs),
            other => Self::unexpected(other),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, body) = match self {
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found",
                html! {
                    h1 { "We couldn't find that page" }
                    p { "It may have been deleted, or the link may be mistyped." }
                    p { a href="/" { "Go to the start page" } }
                },
            ),
            Self::BadRequest(msg) => (
                StatusCode::BAD_REQUEST,
                "Something needs a change",
                html! { h1 { "Something needs a change" } p { (msg) } p { "Please go back and try again." } },
            ),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                "This form expired",
                html! {
                    h1 { "This form expired" }
                    p { "For your safety, tend only accepts forms it has just shown you. Nothing was saved." }
                    p { "Go back, reload the page, and send it again. Any text you typed is usually still there when you go back." }
                },
            ),
            Self::TooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too long to save",
                html! {
                    h1 { "That was too long to save" }
                    p { "tend accepts up to " (limit / 1024) " KB at a time. Nothing was saved." }
                    p { "Go back: what you typed is usually still in the form there. Then split it into two entries, "
                        "or copy it somewhere safe first." }
                },
            ),
            Self::RateLimited(secs) => {
                let mut res = (
                    StatusCode::TOO_MANY_REQUESTS,
                    layout::bare(
                        "Please wait a moment",
                        html! {
                            h1 { "Please wait a moment" }
                            p { "There have been many attempts. You can try again in " (wait_in_words(secs)) "." }
                            p { "This pause protects your account from guessing; nothing is locked for good." }
                        },
                    ),
                )
                    .into_response();
                if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                    res.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return res;
            }
            Self::SignInNeeded {
                expired,
                kept,
                next,
            } if kept.is_empty() => {
                let mut query: Vec<(&str, &str)> = Vec::new();
                if expired {
                    query.push(("expired", "1"));
                }
                if let Some(n) = next.as_deref().filter(|n| *n != "/today") {
                    query.push(("next", n));
                }
                let to = match serde_urlencoded::to_string(&query) {
                    Ok(q) if !q.is_empty() => format!("/signin?{q}"),
                    _ => "/signin".to_owned(),
                };
                return Redirect::to(&to).into_response();
            }
            Self::SignInNeeded { kept, .. } => (
                StatusCode::UNAUTHORIZED,
                "Please sign in again",
                html! {
                    h1 { "Your sign-in ended before this was saved" }
                    p { "Nothing was saved, but your words are below. Copy them, then "
                        a href="/signin" target="_blank" { "sign in in a new tab" } " and paste them back." }
                    @for (label, text) in &kept {
                        label { (label)
                            textarea readonly rows="8" { (text) }
                        }
                    }
                },
            ),
            Self::Unexpected(e) => {
                // `{:#}` prints the whole chain of causes on one line.
                tracing::error!(error = format!("{e:#}"), "request failed");
                apology()
            }
        };
        (status, layout::bare(title, body)).into_response()
    }
}

/// The page for an unexpected failure: no internals, no blame.
fn apology() -> (StatusCode, &'static str, maud::Markup) {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        html! {
            h1 { "Something went wrong on our side" }
            p { "It wasn't anything you did. Please try again in a moment." }
        },
    )
}

#[derive(Debug)]
pub enum ApiError {
    Status(StatusCode, &'static str, String),
    Invalid(Vec<Invalid>),
    RateLimited(u64),
}

impl ApiError {
    pub fn not_found() -> Self {
        Self::Status(StatusCode::NOT_FOUND, "not_found", "No such record.".into())
    }
    pub fn unauthorized() -> Self {
        Self::Status(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Sign in first, and send the token as `Authorization: Bearer <token>`.".into(),
        )
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::Status(StatusCode::BAD_REQUEST, "bad_request", message.into())
    }
}

/// What a domain parser refused, with a message per field.
impl From<Vec<Invalid>> for ApiError {
    fn from(problems: Vec<Invalid>) -> Self {
        Self::Invalid(problems)
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(v) => Self::Invalid(v),
            ServiceError::NotFound => Self::not_found(),
            ServiceError::BadCredentials => Self::Status(
                StatusCode::UNAUTHORIZED,
                "bad_credentials",
                "Handle or passphrase not recognised.".into(),
            ),
            ServiceError::HandleTaken => Self::Status(
                StatusCode::CONFLICT,
                "handle_taken",
                "That handle is taken.".into(),
            ),
            ServiceError::Stale => Self::Status(
                StatusCode::CONFLICT,
                "stale",
                "The record changed since you read it; read it again and retry.".into(),
            ),
            ServiceError::TooManyAttempts(secs) => Self::RateLimited(secs),
            other => {
                tracing::error!(
                    error = format!("{:#}", anyhow::Error::from(other)),
                    "api request failed"
                );
                Self::Status(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Something went wrong on our side.".into(),
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Status(status, code, message) => {
                (status, Json(json!({ "error": code, "message": message }))).into_response()
            }
            Self::Invalid(problems) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({
                    "error": "invalid",
                    "message": problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join(" "),
                    "fields": problems.iter().map(|p| json!({"field": p.field, "message": p.message})).collect::<Vec<_>>(),
                })),
            )
                .into_response(),
            Self::RateLimited(secs) => {
                let mut res = (
                    StatusCode::TOO_MANY_REQUESTS,
                    Json(json!({ "error": "rate_limited", "message": format!("Too many attempts; try again in {}.", wait_in_words(secs)) })),
                )
                    .into_response();
                if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                    res.headers_mut().insert(header::RETRY_AFTER, v);
                }
                res
            }
        }
    }
}

/// "45 seconds", "1 minute", "15 minutes": how long to wait, as people say it.
fn wait_in_words(secs: u64) -> String {
    match secs {
        0..=1 => "a second".to_owned(),
        2..=90 => format!("{secs} seconds"),
        _ => {
            let minutes = secs.div_ceil(60);
            format!("{minutes} minutes")
        }
    }
}

#[cfg(test)]
mod wait_tests {
    use super::wait_in_words;

    #[test]
    fn waits_read_as_people_say_them() {
        assert_eq!(wait_in_words(1), "a second");
        assert_eq!(wait_in_words(45), "45 seconds");
        assert_eq!(wait_in_words(14 * 60 + 1), "15 minutes");
    }
}
