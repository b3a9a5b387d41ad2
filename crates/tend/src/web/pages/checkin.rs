//! The daily check-in: one per day, saving again replaces it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::today_for;
use crate::domain::Invalid;
use crate::domain::checkin::{Checkin, CheckinInput, JOY_MAX, NOTE_MAX};
use crate::service::Unlocked;
use crate::web::AppState;
use crate::web::error::PageError;
use crate::web::extract::{Person, SignedForm};
use crate::web::layout::{self, csrf, error_summary, field_error, has_error};

const MOODS: [&str; 5] = ["Very low", "Low", "Okay", "Good", "Very good"];
const ENERGY: [&str; 5] = ["Drained", "Low", "Steady", "Good", "Full"];

fn scale(name: &str, legend: &str, labels: &[&str; 5], value: &str, errors: &[Invalid]) -> Markup {
    html! {
        fieldset id=(name) aria-describedby=[has_error(errors, name).then(|| format!("{name}-error"))] {
            legend { (legend) }
            div class="scale" {
                @for (i, label) in labels.iter().enumerate() {
                    @let v = (i + 1).to_string();
                    label {
                        input type="radio" name=(name) value=(v) checked[value == v] required;
                        (v) " · " (label)
                    }
                }
            }
            (field_error(errors, name))
        }
    }
}

/// The check-in form; also embedded on the Today page.
pub fn form_fields(
    who: &Unlocked,
    input: &CheckinInput,
    errors: &[Invalid],
    editing: bool,
) -> Markup {
    html! {
        (error_summary(errors))
        form method="post" action="/checkin" class="stack" novalidate {
            (csrf(who))
            (scale("mood", "Mood", &MOODS, &input.mood, errors))
            (scale("energy", "Energy", &ENERGY, &input.energy, errors))
            div {
                label for="sleep_hours" { "Hours slept last night" }
                input id="sleep_hours" name="sleep_hours" type="text" inputmode="decimal" required value=(input.sleep_hours)
                    aria-describedby=[has_error(errors, "sleep_hours").then_some("sleep_hours-error")];
                (field_error(errors, "sleep_hours"))
            }
            div {
                label for="movement_minutes" { "Minutes of movement" span class="hint" { "Walking between wards counts." } }
                input id="movement_minutes" name="movement_minutes" type="text" inputmode="numeric" value=(input.movement_minutes)
                    aria-describedby=[has_error(errors, "movement_minutes").then_some("movement_minutes-error")];
                (field_error(errors, "movement_minutes"))
            }
            fieldset id="meals" {
                legend { "Meals today" }
                div class="scale" {
                    label { input type="radio" name="meals" value="eaten" checked[input.meals == "eaten"]; " I ate regular meals" }
                    label { input type="radio" name="meals" value="skipped" checked[input.meals == "skipped"]; " I skipped some" }
                }
                (field_error(errors, "meals"))
            }
            div {
                label for="joy" { "One joyful thing" span class="hint" { "Optional. Small counts: a warm coffee, a kind patient." } }
                input id="joy" name="joy" type="text" maxlength=(JOY_MAX) value=(input.joy);
                (field_error(errors, "joy"))
            }
            div {
                label for="note" { "A note" span class="hint" { "Optional, private." } }
                textarea id="note" name="note" rows="3" maxlength=(NOTE_MAX) { (input.note) }
                (field_error(errors, "note"))
            }
            div class="actions" {
                button type="submit" { @if editing { "Update today's check-in" } @else { "Save check-in" } }
            }
        }
    }
}

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
    SignedForm { who, form }: SignedForm<CheckinInput>,
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
    state
        .services
        .records(&who)
        .put_slot(
            &today.to_string(),
            Some(today),
            checkin.clone(),
            crate::web::now(),
        )
        .await?;
    state
        .services
        .programmes()
        .after_checkin(&who, today, &checkin, crate::web::now())
        .await;
    Ok(Redirect::to("/today?saved=checkin").into_response())
}
