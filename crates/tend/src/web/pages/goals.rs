//! Step 5: weekly goals checked against the hours a week really has.

use axum::Router;

use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
