//! The check-in form, on its own page and, compact, on Today; and the one way
//! both save it.

use jiff::civil::Date;
use maud::{Markup, html};

use crate::domain::Invalid;
use crate::domain::checkin::{Checkin, CheckinInput, JOY_MAX, NOTE_MAX};
use crate::service::Unlocked;
use crate::web::AppState;
use crate::web::error::PageError;
use crate::web::layout::{csrf, error_summary, field_error, has_error, required, submission};

const MOODS: [&str; 5] = ["Very low", "Low", "Okay", "Good", "Very good"];
const ENERGY: [&str; 5] = ["Drained", "Low", "Steady", "Good", "Full"];

/// A 1–5 scale as a row of segmented buttons. Each is a real radio button
/// (hidden visually, never from the keyboard or a screen reader), so arrow
/// keys, forms without JavaScript and assistive technology work as usual.
fn scale(name: &str, legend: &str, labels: &[&str; 5], value: &str, errors: &[Invalid]) -> Markup {
    html! {
        fieldset id=(name) class="segmented" aria-describedby=[has_error(errors, name).then(|| format!("{name}-error"))] {
            legend { (legend) (required()) }
            div class="seg seg-5" {
                @for (i, label) in labels.iter().enumerate() {
                    @let v = (i + 1).to_string();
                    label {
                        input type="radio" name=(name) value=(v) checked[value == v] required;
                        span { b { (v) } i { " · " } (label) }
                    }
                }
            }
            (field_error(errors, name))
        }
    }
}

fn meals(input: &CheckinInput, errors: &[Invalid]) -> Markup {
    html! {
        fieldset id="meals" class="segmented" aria-describedby=[has_error(errors, "meals").then_some("meals-error")] {
            legend { "Meals today" (required()) }
            div class="seg seg-2" {
                label { input type="radio" name="meals" value="eaten" checked[input.meals == "eaten"] required; span { "I ate regular meals" } }
                label { input type="radio" name="meals" value="skipped" checked[input.meals == "skipped"] required; span { "I skipped some" } }
            }
            (field_error(errors, "meals"))
        }
    }
}

fn sleep(input: &CheckinInput, errors: &[Invalid]) -> Markup {
    html! {
        div class="field-sleep" {
            label for="sleep_hours" { "Hours slept last night" (required()) span class="hint" { "Like 6.5" } }
            input id="sleep_hours" name="sleep_hours" type="text" inputmode="decimal" required value=(input.sleep_hours)
                autocomplete="off" size="5"
                aria-describedby=[has_error(errors, "sleep_hours").then_some("sleep_hours-error")];
            (field_error(errors, "sleep_hours"))
        }
    }
}

fn optional_fields(input: &CheckinInput, errors: &[Invalid]) -> Markup {
    html! {
        div {
            label for="movement_minutes" { "Minutes of movement" span class="hint" { "Optional. Walking between wards counts." } }
            input id="movement_minutes" name="movement_minutes" type="text" inputmode="numeric" value=(input.movement_minutes)
                autocomplete="off" size="5"
                aria-describedby=[has_error(errors, "movement_minutes").then_some("movement_minutes-error")];
            (field_error(errors, "movement_minutes"))
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
    }
}

/// The whole check-in form, on its own page.
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
            (submission())
            (scale("mood", "Mood", &MOODS, &input.mood, errors))
            (scale("energy", "Energy", &ENERGY, &input.energy, errors))
            (sleep(input, errors))
            (meals(input, errors))
            (optional_fields(input, errors))
            div class="actions" {
                button type="submit" { @if editing { "Update today's check-in" } @else { "Save check-in" } }
            }
        }
    }
}

/// The compact check-in on Today: what is needed in view, the optional fields
/// folded away (opened when one of them needs fixing). It posts to Today, so
/// a problem is shown on Today.
pub fn quick_form(who: &Unlocked, input: &CheckinInput, errors: &[Invalid]) -> Markup {
    let open_more = ["movement_minutes", "joy", "note"]
        .iter()
        .any(|f| has_error(errors, f))
        || !input.joy.is_empty()
        || !input.note.is_empty();
    html! {
        (error_summary(errors))
        form method="post" action="/today" class="stack quick" novalidate {
            (csrf(who))
            (submission())
            (scale("mood", "Mood", &MOODS, &input.mood, errors))
            (scale("energy", "Energy", &ENERGY, &input.energy, errors))
            div class="quick-row" {
                (sleep(input, errors))
                (meals(input, errors))
            }
            details class="more" open[open_more] {
                summary { "Add movement, a joyful thing or a note" span class="muted" { " (optional)" } }
                div class="stack" { (optional_fields(input, errors)) }
            }
            div class="actions" {
                button type="submit" { "Save check-in" }
            }
        }
    }
}

/// Saves today's check-in (replacing one saved earlier today) and lets a
/// programme the person contributes to count it. Both check-in forms save
/// here, with the form's submission id: the same form sent twice (a double
/// click, the offline queue replaying it) is saved once, and a repeat changes
/// nothing, not even a check-in corrected since.
pub async fn store(
    state: &AppState,
    who: &Unlocked,
    today: Date,
    checkin: &Checkin,
    submission: &str,
) -> Result<(), PageError> {
    let saved = state
        .services
        .records(who)
        .put_slot_once(
            &today.to_string(),
            Some(today),
            checkin.clone(),
            crate::web::now(),
            Some(submission),
        )
        .await?;
    if !saved.is_repeat() {
        state
            .services
            .programmes()
            .after_checkin(who, today, checkin, crate::web::now())
            .await;
    }
    Ok(())
}
