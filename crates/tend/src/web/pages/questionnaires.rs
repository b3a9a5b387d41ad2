//! Validated questionnaires: due list, answering, results and charts (issue 3).

use axum::Router;

use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}

pub fn api_routes() -> Router<AppState> {
    Router::new()
}
