//! Step 10: three good things, and a past note for a hard day.

use axum::Router;

use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
