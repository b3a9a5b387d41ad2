//! Step 7: help lines, the person's own people to reach, peer circles later.

use axum::Router;

use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
