//! `/api/docs`: the document as a plain page (no scripts).

use axum::response::Response;
use axum::response::IntoResponse;

pub async fn page() -> Response {
    "todo".into_response()
}
