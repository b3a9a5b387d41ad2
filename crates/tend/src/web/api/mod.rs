//! The JSON API under `/api/v1`, for other clients and for automated tests.
//! Authenticated by bearer token only (never the cookie), so no anti-forgery
//! token is needed.
//!
//! Every route is registered through `utoipa_axum::routes!`, which puts the
//! handler in the router and its `#[utoipa::path]` description in the OpenAPI
//! document at once: one list serves both, so the document cannot miss a
//! route (`tests::every_route_is_registered_with_its_description` keeps it
//! that way). The document is served at `/api/openapi.json` and rendered as a
//! plain page at `/api/docs`.
//!
//! One file per feature; the shared pieces (error body, query extractor,
//! raw-length checks) are here.

mod accounts;
mod circles;
mod critic;
mod docs;
mod goals;
mod kindness;
mod practices;
mod programmes;
mod questionnaires;
mod records;
mod review;
mod safety_plan;
mod transfer;
mod wellbeing;

use std::sync::LazyLock;

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use jiff::civil::Date;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, RefOr};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use super::AppState;
use super::error::ApiError;
use crate::domain::{Invalid, Kind};
use crate::service::{Stored, Unlocked};

/// Where the API is mounted.
pub const PREFIX: &str = "/api/v1";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tend API",
        version = "1",
        description = "The JSON API of tend. Sign up or sign in to get a token, then send \
`Authorization: Bearer <token>`. Personal records are encrypted at rest; the API returns them only \
to their owner.\n\n\
Every error is one JSON object: `error` is a stable code a program can branch on, `message` is a \
plain sentence for a person, and `fields` (for `invalid`) names each field with its problem.\n\n\
Text limits (`maxLength`) count characters of the value exactly as sent, spaces included: the \
server refuses an over-long value even when trimming would make it fit, so the document and the \
server agree. Values are trimmed after that check, before they are stored. A required text field \
must contain a character that is not a space (`pattern: \\S`)."
    ),
    modifiers(&Security),
    components(schemas(ErrorBody, FieldProblem))
)]
struct ApiDoc;

/// The bearer scheme, and bearer auth as the default for every operation.
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        doc.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
}

/// One problem with one field of the request.
#[derive(Serialize, ToSchema)]
pub struct FieldProblem {
    #[schema(example = "title")]
    pub field: String,
    #[schema(example = "The title is 201 characters long; the most it can hold is 200.")]
    pub message: String,
}

/// The one error object every API failure answers with.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable code: `bad_request`, `bad_query`, `unauthorized`,
    /// `bad_credentials`, `wrong_passphrase`, `not_found`, `handle_taken`, `stale`,
    /// `conflict`, `too_large`, `unsupported_media_type`, `invalid`, `rate_limited`, `internal`;
    /// for circles also `forbidden` (a member whose role does not allow it),
    /// `closed` (a thread that takes no replies) and `might_identify_patient`.
    #[schema(example = "invalid")]
    pub error: String,
    /// A plain sentence for a person.
    #[schema(example = "The title is 201 characters long; the most it can hold is 200.")]
    pub message: String,
    /// For `invalid`: each field and its problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldProblem>>,
}

/// The API router and its document, built from one list of handlers.
fn parts() -> (Router<AppState>, Document) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(accounts::routes())
        .merge(records::routes())
        .merge(questionnaires::routes())
        .merge(programmes::routes())
        .merge(wellbeing::routes())
        .merge(safety_plan::routes())
        .merge(kindness::routes())
        .merge(critic::routes())
        .merge(practices::routes())
        .merge(review::routes())
        .merge(transfer::routes())
        .merge(goals::routes())
        .merge(circles::routes())
        .split_for_parts();
    prefix_paths(&mut doc);
    add_error_responses(&mut doc);
    (router, doc)
}

/// The routes, to nest under [`PREFIX`].
pub fn routes() -> Router<AppState> {
    parts().0.fallback(|| async {
        ApiError::Status(
            StatusCode::NOT_FOUND,
            "not_found",
            "No such API route.".into(),
        )
    })
}

/// The document, built once.
pub fn document() -> &'static Document {
    static DOC: LazyLock<Document> = LazyLock::new(|| parts().1);
    &DOC
}

static DOC_JSON: LazyLock<String> = LazyLock::new(|| {
    document()
        .to_pretty_json()
        .unwrap_or_else(|_| String::from("{}"))
});

/// `GET /api/openapi.json`.
pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOC_JSON.as_str(),
    )
        .into_response()
}

pub use docs::page as docs_page;

/// Handlers describe paths relative to the API root; the document names them
/// as a client calls them.
fn prefix_paths(doc: &mut Document) {
    let paths = std::mem::take(&mut doc.paths.paths);
    doc.paths.paths = paths
        .into_iter()
        .map(|(p, item)| (format!("{PREFIX}{p}"), item))
        .collect();
}

/// The answers every operation of a kind can give, added to each so none is
/// forgotten: a bearer-token operation can answer 401; one with a JSON body
/// 400 (not JSON), 413 (too long), 415 (not `application/json`) and 422 (a
/// field the wrong type or out of its rules); one with a query string or a
/// path parameter 400; one with a path parameter 404.
fn add_error_responses(doc: &mut Document) {
    use utoipa::openapi::ResponseBuilder;
    use utoipa::openapi::content::ContentBuilder;
    let global_bearer = doc.security.as_ref().is_some_and(|s| !s.is_empty());
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                        "ErrorBody",
                    ))))
                    .build(),
            )
            .build()
    };
    for item in doc.paths.paths.values_mut() {
        let ops = [
            item.get.as_mut(),
            item.put.as_mut(),
            item.post.as_mut(),
            item.delete.as_mut(),
            item.patch.as_mut(),
        ];
        for op in ops.into_iter().flatten() {
            let bearer = match &op.security {
                Some(s) => s
                    .iter()
                    .any(|r| serde_json::to_value(r).is_ok_and(|v| v.get("bearer").is_some())),
                None => global_bearer,
            };
            let params = op.parameters.as_deref().unwrap_or_default();
            let has_path = params
                .iter()
                .any(|p| matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Path));
            let has_query = params
                .iter()
                .any(|p| matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query));
            let has_body = op.request_body.is_some();
            let mut add = |code: &str, description: &str| {
                op.responses
                    .responses
                    .entry(code.to_owned())
                    .or_insert_with(|| RefOr::T(error(description)));
            };
            if bearer {
                add("401", "No token, or a token that ended (`unauthorized`).");
            }
            if has_body {
                add("400", "The body is not JSON (`bad_request`).");
                add("413", "The body is over the server's limit (`too_large`).");
                add(
                    "415",
                    "The body was not sent as `application/json` (`unsupported_media_type`).",
                );
                add(
                    "422",
                    "A field is missing, the wrong type, or outside its rules (`invalid`).",
                );
            }
            if has_query {
                add(
                    "400",
                    "A query parameter is malformed or out of range (`bad_query`).",
                );
            }
            if has_path {
                add("404", "No such record, or not yours (`not_found`).");
            }
        }
    }
}

/// The query string, with malformed values answered by the API's error
/// object (axum's own `Query` answers with plain text).
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(Self(v)),
            Err(e) => Err(ApiError::Status(
                StatusCode::BAD_REQUEST,
                "bad_query",
                format!("The query string could not be read: {}", e.body_text()),
            )),
        }
    }
}

/// A 400 `bad_query` for a query parameter outside its documented range.
pub fn bad_query(message: impl Into<String>) -> ApiError {
    ApiError::Status(StatusCode::BAD_REQUEST, "bad_query", message.into())
}

/// Refuses a text over `max` characters as sent, before any trimming: the
/// document states `maxLength` of the value as sent (see the module docs).
pub fn raw_len(
    problems: &mut Vec<Invalid>,
    field: &'static str,
    label: &str,
    value: &str,
    max: usize,
) {
    let count = value.chars().count();
    if count > max {
        problems.push(Invalid::new(
            field,
            format!("{label} is {count} characters long; the most it can hold is {max}."),
        ));
    }
}

/// Turns raw-length problems into the `invalid` answer.
pub fn check(problems: Vec<Invalid>) -> Result<(), ApiError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(problems))
    }
}

/// An array of at most `max_items` strings of at most `max_length`
/// characters each (utoipa's derive has no attribute for the items' rules).
pub fn strings(
    max_items: usize,
    max_length: usize,
    pattern: Option<&str>,
) -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(max_length))
                .pattern(pattern),
        )
        .max_items(Some(max_items))
        .build()
}

/// Every time zone name the server knows (its bundled database), with the
/// empty name (for UTC) when `empty` is allowed.
pub fn time_zone_names(empty: bool) -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let mut names: Vec<String> = jiff::tz::db()
        .available()
        .map(|n| n.as_str().to_owned())
        .collect();
    names.sort();
    if empty {
        names.insert(0, String::new());
    }
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(names))
        .description(Some(if empty {
            "An IANA time zone such as `Europe/London`; empty for UTC."
        } else {
            "An IANA time zone such as `Europe/London`."
        }))
        .build()
}

/// One of the caller's records, shaped by `out`: 404 `not_found` when there
/// is none (someone else's is none too). The read handlers of every record
/// kind are this call with their own type and shape.
pub async fn read_record<T: Kind, O>(
    state: &AppState,
    who: &Unlocked,
    id: &str,
    out: impl FnOnce(Stored<T>) -> O,
) -> Result<Json<O>, ApiError> {
    state
        .services
        .records(who)
        .get::<T>(id)
        .await?
        .map(|s| Json(out(s)))
        .ok_or_else(ApiError::not_found)
}

/// Replaces a record's value if it is still at `version` (409 `stale`
/// otherwise), and answers with the saved record shaped by `out`.
pub async fn replace_record<T: Kind, O>(
    state: &AppState,
    who: &Unlocked,
    id: &str,
    version: i64,
    value: T,
    out: impl FnOnce(Stored<T>) -> O,
) -> Result<Json<O>, ApiError> {
    let saved = state
        .services
        .records(who)
        .update(id, version, value, crate::web::now())
        .await?;
    Ok(Json(out(saved)))
}

/// Deletes one of the caller's records: 204, or 404 when there is none.
pub async fn delete_record<T: Kind>(
    state: &AppState,
    who: &Unlocked,
    id: &str,
) -> Result<StatusCode, ApiError> {
    state.services.records(who).delete::<T>(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's today, in their time zone.
pub async fn today_of(state: &AppState, who: &Unlocked) -> Result<Date, ApiError> {
    Ok(state
        .services
        .records(who)
        .today(crate::web::clock())
        .await?)
}

/// A `YYYY-MM-DD` query parameter.
pub fn parse_day(field: &'static str, v: Option<String>) -> Result<Option<Date>, ApiError> {
    match v {
        None => Ok(None),
        Some(s) => s
            .parse::<Date>()
            .map(Some)
            .map_err(|_| bad_query(format!("`{field}` must be a date like 2026-03-14."))),
    }
}

/// A list's `limit` parameter: refused with 400 outside `1..=max`, never clamped.
pub fn limit_of(limit: Option<i64>, default: i64, max: i64) -> Result<i64, ApiError> {
    match limit {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(bad_query(format!(
            "`limit` is {n}; it must be from 1 to {max}."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every API route is added with `routes!` (handler and description
    /// together); a plain `.route(` here would add one the document misses.
    #[test]
    fn every_route_is_registered_with_its_description() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/api");
        // Spelled in two parts so this test does not find itself.
        let plain = [concat!(".rou", "te("), concat!(".ne", "st(")];
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).expect("api folder") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source");
                for (n, line) in text.lines().enumerate() {
                    let code = line.trim_start();
                    assert!(
                        code.starts_with("//") || !plain.iter().any(|p| code.contains(p)),
                        "{}:{}: register API routes with `.routes(routes!(handler))` so the \
                         document describes them",
                        path.display(),
                        n + 1
                    );
                }
                checked += 1;
            }
        }
        assert!(checked > 3);
        // And nothing else is mounted under the API prefix.
        let web = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/mod.rs"),
        )
        .expect("web/mod.rs");
        for line in web.lines().filter(|l| l.contains("\"/api")) {
            assert!(
                line.contains("api::"),
                "web/mod.rs mounts something under /api that is not in web::api: {line}"
            );
        }
    }

    #[test]
    fn the_document_is_openapi_3_1_with_prefixed_paths() {
        let doc = serde_json::to_value(document()).expect("json");
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = doc["paths"].as_object().expect("paths");
        assert!(paths.keys().all(|p| p.starts_with(PREFIX)), "{paths:?}");
        assert!(paths.contains_key("/api/v1/journal/{id}"));
    }

    #[test]
    fn limits_are_refused_not_clamped() {
        assert_eq!(limit_of(None, 100, 1000).ok(), Some(100));
        assert_eq!(limit_of(Some(1000), 100, 1000).ok(), Some(1000));
        assert!(limit_of(Some(1001), 100, 1000).is_err());
        assert!(limit_of(Some(0), 100, 1000).is_err());
    }
}
