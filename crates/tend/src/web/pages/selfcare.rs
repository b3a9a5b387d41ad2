//! Step 6: 7- and 30-day views of the daily check-ins.

use axum::Router;

use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
