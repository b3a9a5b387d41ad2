//! The daily check-in: one per day, saving again replaces it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::today_for;
use crate::domain::Invalid;
use crate::domain::checkin::{Checkin, CheckinInput};
use crate::service::Unlocked;
use crate::web::AppState;
use crate::web::components::checkin_form::{form_fields, store};
use crate::web::error::PageError;
use crate::web::extract::{CreateForm, Person};
use crate::web::layout;

fn checkin_page(who: &Unlocked, input: &CheckinInput, errors: &[Invalid], editing: bool) -> Markup {
    layout::page(
        "Daily check-in",
        Some(who),
        html! {
            h1 { "Daily check-in" }
            p class="muted" { "About thirty seconds. Saving again today replaces today's check-in." }
            (form_fields(who, input, errors, editing))
        },
    )
}

pub async fn form(State(state): State<AppState>, Person(who): Person) -> Result<Markup, PageError> {
    let today = today_for(&state, &who).await?;
    let existing = state
        .services
        .records(&who)
        .slot::<Checkin>(&today.to_string())
        .await?;
    let input = existing
        .as_ref()
        .map(|s| CheckinInput::from_checkin(&s.value))
        .unwrap_or_default();
    Ok(checkin_page(&who, &input, &[], existing.is_some()))
}

pub async fn save(
    State(state): State<AppState>,
    CreateForm {
        who,
        form,
        submission,
    }: CreateForm<CheckinInput>,
) -> Result<Response, PageError> {
    let checkin = match form.validate() {
        Ok(c) => c,
        Err(errors) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                checkin_page(&who, &form, &errors, false),
            )
                .into_response());
        }
    };
    let today = today_for(&state, &who).await?;
    store(&state, &who, today, &checkin, &submission).await?;
    Ok(Redirect::to("/today?saved=checkin").into_response())
}
