//! Step 1 and 3: notice the critic, the private log, and the guided reframe.

use axum::Router;

use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
