//! Programme figures for those who lead a programme: the same handlers as
//! the pages' JSON and CSV downloads, here with their descriptions. The
//! response types (`FiguresOut` and the types in it) live beside the pages'
//! export, which writes the same JSON, so the document describes both.

use axum::extract::{Path, State};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ErrorBody;
use crate::web::AppState;
use crate::web::error::ApiError;
use crate::web::extract::ApiPerson;
use crate::web::pages::programmes as pages;
use crate::web::pages::programmes::dashboard::FiguresOut;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(led))
        .routes(routes!(figures))
        .routes(routes!(figures_csv))
        .routes(routes!(periods_csv))
}

/// The programmes the caller leads.
#[utoipa::path(get, path = "/programmes", tag = "programmes",
    responses((status = 200, description = "Programmes led: `{\"programmes\": [{id, name, k}]}`", body = Object)))]
async fn led(state: State<AppState>, who: ApiPerson) -> Result<Response, ApiError> {
    pages::api_led(state, who).await
}

/// A programme's anonymous figures (groups smaller than its `k` are withheld),
/// month by month, with the exam and rotation periods its staff marked.
#[utoipa::path(get, path = "/programmes/{id}/figures", tag = "programmes",
    params(("id" = String, Path, description = "The programme's id")),
    responses(
        (status = 200, description = "Figures, and the marked periods in `periods`", body = FiguresOut),
        (status = 404, description = "No such programme, or the caller does not lead it (`not_found`).", body = ErrorBody),
    ))]
async fn figures(
    state: State<AppState>,
    who: ApiPerson,
    id: Path<String>,
) -> Result<Response, ApiError> {
    pages::dashboard::api_json(state, who, id).await
}

/// The same figures as CSV, one row a month and cell. The marked periods are
/// a table of their own, at `periods.csv` (named in the `Link` header).
#[utoipa::path(get, path = "/programmes/{id}/figures.csv", tag = "programmes",
    params(("id" = String, Path, description = "The programme's id")),
    responses(
        (status = 200, description = "Figures as CSV", content_type = "text/csv", body = String,
            headers(("Link" = String, description = "`</api/v1/programmes/{id}/periods.csv>; rel=\"related\"`: the marked periods"))),
        (status = 404, description = "No such programme, or the caller does not lead it (`not_found`).", body = ErrorBody),
    ))]
async fn figures_csv(
    state: State<AppState>,
    who: ApiPerson,
    id: Path<String>,
) -> Result<Response, ApiError> {
    pages::dashboard::api_csv(state, who, id).await
}

/// The exam and rotation periods the programme's staff marked, as CSV: one
/// row a period, columns `kind,label,starts,ends,first_month,last_month`
/// (the months match the `period` column of `figures.csv`).
#[utoipa::path(get, path = "/programmes/{id}/periods.csv", tag = "programmes",
    params(("id" = String, Path, description = "The programme's id")),
    responses(
        (status = 200, description = "Marked periods as CSV", content_type = "text/csv", body = String),
        (status = 404, description = "No such programme, or the caller does not lead it (`not_found`).", body = ErrorBody),
    ))]
async fn periods_csv(
    state: State<AppState>,
    who: ApiPerson,
    id: Path<String>,
) -> Result<Response, ApiError> {
    pages::dashboard::api_periods_csv(state, who, id).await
}
