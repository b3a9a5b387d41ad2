//! Step 3: the self-compassion break and the compassionate letter.

use axum::Router;

use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
