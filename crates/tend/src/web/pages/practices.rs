//! Step 2: guided mindfulness practices with timer, pacer and bell.

use axum::Router;

use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
