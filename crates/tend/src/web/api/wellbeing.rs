//! The features beyond the journal: gratitude, support people, kindness
//! notes and the rest, each through the same services as its page.

use utoipa_axum::router::OpenApiRouter;

use crate::web::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
