//! Request extractors: who is asking, what they sent, and whether the form
//! really came from a page tend showed them.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use super::error::{ApiError, PageError};
use super::{AppState, now};
use crate::service::Unlocked;

pub const SESSION_COOKIE: &str = "tend_session";
/// Anti-forgery cookie for forms shown before sign-in (sign-up, sign-in, recovery).
pub const PRE_COOKIE: &str = "tend_pre";

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Secure when configured.
/// `max_age` of 0 deletes the cookie.
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let s = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static("tend_invalid=1"))
}

/// A return address after sign-in, if it is a path on this site (never another
/// host: `//evil.example` and backslash tricks are refused).
pub fn local_path(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    ok.then_some(next)
}

pub fn tokens_match(a: &str, b: &str) -> bool {
    !a.is_empty() && a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

pub fn random_token() -> String {
    let mut b = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// The pre-session anti-forgery token, and a cookie to set when it is new.
pub fn pre_session_token(headers: &HeaderMap, secure: bool) -> (String, Option<HeaderValue>) {
    match cookie(headers, PRE_COOKIE) {
        Some(t) if t.len() >= 16 => (t.to_owned(), None),
        _ => {
            let t = random_token();
            let c = set_cookie(PRE_COOKIE, &t, 24 * 3600, secure);
            (t, Some(c))
        }
    }
}

/// The client address, for rate limits. Behind a proxy every client looks the
/// same (stricter, never looser) unless the proxy is named with
/// `--trusted-proxy`; then `web::serve` puts the address it forwarded here.
pub fn client_key(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Refuses unsafe requests that a browser marks as coming from another site.
pub(crate) fn cross_site(parts: &Parts) -> bool {
    if parts.method == Method::GET || parts.method == Method::HEAD {
        return false;
    }
    let site = parts
        .headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok());
    if site == Some("cross-site") {
        return true;
    }
    match (
        parts
            .headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok()),
        parts
            .headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok()),
    ) {
        (Some(origin), Some(host)) if origin != "null" => {
            let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
            origin_host != host
        }
        _ => false,
    }
}

async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(Option<Unlocked>, bool), PageError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok((None, false));
    };
    let who = state.services.accounts().authenticate(token, now()).await?;
    let had_cookie = who.is_none();
    Ok((who, had_cookie))
}

/// The signed-in person, if any.
pub struct MaybePerson(pub Option<Unlocked>);

impl FromRequestParts<AppState> for MaybePerson {
    type Rejection = PageError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(authenticate(state, &parts.headers).await?.0))
    }
}

/// A page that needs a signed-in person; others are sent to sign in.
pub struct Person(pub Unlocked);

impl FromRequestParts<AppState> for Person {
    type Rejection = PageError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match authenticate(state, &parts.headers).await? {
            (Some(who), _) => Ok(Self(who)),
            (None, expired) => Err(PageError::SignInNeeded {
                expired,
                kept: Vec::new(),
                next: (parts.method == Method::GET)
                    .then(|| parts.uri.path_and_query().map(|p| p.as_str().to_owned()))
                    .flatten(),
            }),
        }
    }
}

async fn read_form_map(body: Body, limit: usize) -> Result<Vec<(String, String)>, PageError> {
    let bytes = to_bytes(body, limit)
        .await
        .map_err(|_| PageError::TooLarge(limit))?;
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .map_err(|_| PageError::BadRequest("The form could not be read.".into()))
}

fn into_struct<T: DeserializeOwned>(pairs: &[(String, String)]) -> Result<T, PageError> {
    // Forms are decoded into structs whose fields are all strings with defaults,
    // so a malformed value reaches validation instead of failing here.
    let map: HashMap<&str, &str> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let encoded = serde_urlencoded::to_string(&map)
        .map_err(|_| PageError::BadRequest("The form could not be read.".into()))?;
    serde_urlencoded::from_str(&encoded)
        .map_err(|_| PageError::BadRequest("The form could not be read.".into()))
}

fn form_field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Text worth keeping when a form cannot be saved: anything long-form the person
/// typed (never passphrases or tokens).
fn keepable(pairs: &[(String, String)]) -> Vec<(String, String)> {
    const KEEP: &[(&str, &str)] = &[
        ("title", "Title"),
        ("body", "Entry"),
        ("note", "Note"),
        ("joy", "Joyful thing"),
        ("text", "Text"),
        ("good1", "Good thing"),
        ("good2", "Good thing"),
        ("good3", "Good thing"),
        ("thought", "Thought"),
        ("reframe", "Kinder answer"),
        ("letter", "Letter"),
        ("what_happened", "What happened"),
        ("what_i_felt", "What I felt"),
        ("common_humanity", "Who else has been here"),
        ("one_lesson", "One lesson"),
        ("kind_sentence", "Kind sentence"),
        ("warning_signs", "Warning signs"),
        ("on_my_own", "Things I can do on my own"),
        (
            "distractions",
            "People and places that take my mind off things",
        ),
        ("people", "People I can ask for help"),
        ("professionals", "Professionals and help lines"),
        ("environment", "Making where I am safer"),
        ("reasons", "My reasons to keep going"),
    ];
    KEEP.iter()
        .filter_map(|(field, label)| {
            let v = form_field(pairs, field).trim();
            (!v.is_empty()).then(|| ((*label).to_owned(), v.to_owned()))
        })
        .collect()
}

/// For forms whose only field is the anti-forgery token (delete, sign out).
#[derive(Debug, Default, serde::Deserialize)]
pub struct NoFields {}

/// A form from a signed-in person, checked against their session's anti-forgery token.
pub struct SignedForm<T> {
    pub who: Unlocked,
    pub form: T,
}

/// The checks every signed-in form passes (same site, a session, its
/// anti-forgery token); returns the person and the form's fields.
async fn signed_pairs(
    req: Request,
    state: &AppState,
) -> Result<(Unlocked, Vec<(String, String)>), PageError> {
    let (parts, body) = req.into_parts();
    if cross_site(&parts) {
        return Err(PageError::Forbidden);
    }
    let pairs = read_form_map(body, state.max_body_bytes).await?;
    let (who, expired) = authenticate(state, &parts.headers).await?;
    let Some(who) = who else {
        return Err(PageError::SignInNeeded {
            expired,
            kept: keepable(&pairs),
            next: None,
        });
    };
    if !tokens_match(form_field(&pairs, "csrf"), &who.csrf) {
        return Err(PageError::Forbidden);
    }
    Ok((who, pairs))
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for SignedForm<T> {
    type Rejection = PageError;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (who, pairs) = signed_pairs(req, state).await?;
        Ok(Self {
            who,
            form: into_struct(&pairs)?,
        })
    }
}

/// A [`SignedForm`] that creates a record, with its submission id (the
/// hidden `submission` field, see [`crate::web::layout::submission`]), for
/// `Records::create_once`: sent twice (a double click, the offline queue
/// replaying it), it creates one record.
pub struct CreateForm<T> {
    pub who: Unlocked,
    pub form: T,
    pub submission: String,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CreateForm<T> {
    type Rejection = PageError;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (who, pairs) = signed_pairs(req, state).await?;
        Ok(Self {
            who,
            form: into_struct(&pairs)?,
            submission: form_field(&pairs, "submission").to_owned(),
        })
    }
}

/// A form sent before sign-in, checked against the pre-session cookie.
pub struct AnonForm<T> {
    pub form: T,
    pub client: String,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for AnonForm<T> {
    type Rejection = PageError;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        if cross_site(&parts) {
            return Err(PageError::Forbidden);
        }
        let pairs = read_form_map(body, state.max_body_bytes).await?;
        let expected = cookie(&parts.headers, PRE_COOKIE).unwrap_or_default();
        if !tokens_match(form_field(&pairs, "csrf"), expected) {
            return Err(PageError::Forbidden);
        }
        Ok(Self {
            form: into_struct(&pairs)?,
            client: client_key(&parts),
        })
    }
}

/// An API caller authenticated by `Authorization: Bearer <token>`. The API never
/// reads the session cookie, so a browser cannot be tricked into calling it.
pub struct ApiPerson(pub Unlocked);

impl FromRequestParts<AppState> for ApiPerson {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(ApiError::unauthorized)?;
        match state
            .services
            .accounts()
            .authenticate(token.trim(), now())
            .await
        {
            Ok(Some(who)) => Ok(Self(who)),
            Ok(None) => Err(ApiError::unauthorized()),
            Err(e) => Err(e.into()),
        }
    }
}

/// A JSON body with a size limit and plain error messages.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(ApiError::Status(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send JSON with `Content-Type: application/json`.".into(),
            ));
        }
        let limit = state.max_body_bytes;
        let bytes = to_bytes(req.into_body(), limit).await.map_err(|_| {
            ApiError::Status(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("The body is over the limit of {limit} bytes; nothing was saved."),
            )
        })?;
        // Not JSON at all: 400.
        let mut value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::Status(
                axum::http::StatusCode::BAD_REQUEST,
                "bad_request",
                format!("The body is not valid JSON: {e}"),
            )
        })?;
        if !value.is_object() {
            return Err(ApiError::Invalid(vec![crate::domain::Invalid::new(
                "body",
                "The body must be a JSON object.",
            )]));
        }
        whole_numbers(&mut value);
        // JSON of the wrong shape (a missing field, a string where a number
        // goes, a number out of its type): 422, like a value outside its rules.
        serde_json::from_value(value).map(Self).map_err(|e| {
            ApiError::Invalid(vec![crate::domain::Invalid::new(
                "body",
                format!("A field is missing or has the wrong type: {e}"),
            )])
        })
    }
}

/// `3.0` is the integer 3 in JSON Schema (and so in the API's document):
/// numbers with no fraction become integers before the body is read into a
/// type with integer fields. Fractions and numbers beyond 2^53 stay as they are.
fn whole_numbers(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() <= 9_007_199_254_740_992.0
            {
                #[allow(clippy::cast_possible_truncation)]
                let i = f as i64;
                *v = Value::from(i);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// The client key for rate limits, as an extractor.
pub struct ClientKey(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientKey {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(client_key(parts)))
    }
}
