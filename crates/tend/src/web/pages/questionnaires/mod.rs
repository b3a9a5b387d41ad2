//! Validated questionnaires: due list, answering, results and charts (issue 3).
//!
//! Answers are sealed personal records; scores are recomputed by the engine on
//! display. Answering is one question per screen with plain forms, so it works
//! without JavaScript, by keyboard and with a screen reader, and a draft per
//! questionnaire lets a person leave and come back where they stopped.
//!
//! The use cases ("what is due", submitting, history) are in
//! `service::questionnaires`, shared with the JSON API, Today and the weekly
//! review. Here: `handlers` (pages) and `views` (HTML); the JSON
//! API is in `web::api::questionnaires`.

mod handlers;
mod views;

use axum::Router;
use axum::routing::{get, post};

use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/questionnaires", get(handlers::list))
        .route("/questionnaires/settings", post(handlers::save_settings))
        .route("/questionnaires/{id}", get(handlers::intro))
        .route(
            "/questionnaires/{id}/q/{n}",
            get(handlers::question).post(handlers::answer),
        )
        .route("/questionnaires/{id}/help", get(handlers::crisis_help))
        .route(
            "/questionnaires/{id}/review",
            get(handlers::review).post(handlers::submit),
        )
        .route("/questionnaires/{id}/restart", post(handlers::restart))
        .route("/questionnaires/{id}/results/{rid}", get(handlers::result))
}
