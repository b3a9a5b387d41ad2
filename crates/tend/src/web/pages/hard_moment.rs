//! Step 8: the hard-moment page, usable without signing in.

use axum::Router;

use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
