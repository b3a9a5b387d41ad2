//! Server-rendered pages. Every page works without JavaScript.

mod account;
mod app;

pub(crate) use account::passphrase_limit;
mod auth;
mod checkin;
mod circles;
mod help;
mod journal;
mod notifications;
mod push;
mod today;

// Feature modules: each owns its routes, merged below.
mod critic;
mod debrief;
mod goals;
mod gratitude;
mod hard_moment;
mod kindness;
mod learn;
mod practices;
pub(crate) mod programmes;
mod questionnaires;
mod review;
mod safety_plan;
mod selfcare;
mod support;
pub(crate) mod transfer;

use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::html;

use super::AppState;
use super::error::PageError;
use super::extract::MaybePerson;
use super::layout;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/help", get(help::page))
        .route("/help/country", post(help::choose_country))
        .route("/signup", get(auth::signup_form).post(auth::signup))
        .route("/welcome", post(auth::welcome))
        .route("/signin", get(auth::signin_form).post(auth::signin))
        .route("/signout", post(auth::signout))
        .route("/recover", get(auth::recover_form).post(auth::recover))
        .route("/today", get(today::page).post(today::save_checkin))
        .route("/checkin", get(checkin::form).post(checkin::save))
        .route("/journal", get(journal::list))
        .route("/journal/new", get(journal::new_form).post(journal::create))
        .route("/journal/{id}", get(journal::show))
        .route(
            "/journal/{id}/edit",
            get(journal::edit_form).post(journal::update),
        )
        .route(
            "/journal/{id}/delete",
            get(journal::confirm_delete).post(journal::delete),
        )
        .route("/account", get(account::page))
        .route("/account/time-zone", post(account::time_zone))
        .route("/account/country", post(account::country))
        .route("/account/sign-out-others", post(account::sign_out_others))
        .route("/account/export.json", get(account::export_json))
        .route(
            "/account/export/checkins.csv",
            get(account::export_checkins_csv),
        )
        .route(
            "/account/export/journal.md",
            get(account::export_journal_md),
        )
        .route("/account/passphrase", post(account::passphrase))
        .route(
            "/account/delete",
            get(account::confirm_delete).post(account::delete),
        )
        .merge(questionnaires::routes())
        .merge(critic::routes())
        .merge(kindness::routes())
        .merge(debrief::routes())
        .merge(practices::routes())
        .merge(hard_moment::routes())
        .merge(learn::routes())
        .merge(gratitude::routes())
        .merge(goals::routes())
        .merge(selfcare::routes())
        .merge(support::routes())
        .merge(review::routes())
        .merge(safety_plan::routes())
        .merge(app::routes())
        .merge(circles::routes())
        .merge(notifications::routes())
        .merge(push::routes())
        .merge(programmes::routes())
        .merge(transfer::routes())
}

async fn home(MaybePerson(who): MaybePerson) -> Response {
    if who.is_some() {
        return Redirect::to("/today").into_response();
    }
    layout::bare(
        "Welcome",
        html! {
            h1 { "A kinder place to land" }
            p { "tend is a private companion for medical students: a two-minute daily check-in, "
                "a journal, and practices for answering your inner critic the way you'd answer a friend." }
            ul {
                li { "No e-mail, no real name: just a handle and a passphrase." }
                li { "What you write is encrypted with a key only your passphrase opens. Not even the people running this server can read it." }
                li { "No streaks, no red badges. Every day you show up counts; days you don't, don't count against you." }
            }
            p class="actions" {
                a class="button" href="/signup" { "Create an anonymous account" }
                a class="button secondary" href="/signin" { "Sign in" }
            }
        },
    )
    .into_response()
}

pub async fn not_found() -> PageError {
    PageError::NotFound
}

/// A signed-in person's time zone, from their sealed profile: the times of
/// their records are shown in it.
pub(super) async fn zone_of(
    state: &AppState,
    who: &crate::service::Unlocked,
) -> Result<jiff::tz::TimeZone, PageError> {
    Ok(state.services.records(who).profile().await?.tz())
}

/// Today's date for a signed-in person, in their time zone.
pub(super) async fn today_for(
    state: &AppState,
    who: &crate::service::Unlocked,
) -> Result<jiff::civil::Date, PageError> {
    Ok(state
        .services
        .records(who)
        .today(crate::web::clock())
        .await?)
}
