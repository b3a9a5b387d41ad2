//! Web Push on the notification settings page (issue 13): the plain words
//! about what the browser maker's push service sees, shown before the person
//! turns push on; the list of devices with a way to remove each; and the
//! form a small script fills with the browser's subscription.
//!
//! Subscribing needs JavaScript (only a script can ask the browser for a
//! push subscription); without it the page says so, and everything else on
//! the settings page works as before.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};

use crate::domain::Invalid;
use crate::domain::notifications::{Reminders, WEEKDAYS};
use crate::domain::push::{
    PushRemindersInput, ReminderKind, SubscriptionInput, endpoint_host, endpoint_tag, parse_kinds,
};
use crate::service::{ServiceError, Unlocked};
use crate::web::error::PageError;
use crate::web::extract::{NoFields, SignedForm};
use crate::web::layout::{self, csrf, error_summary};
use crate::web::{AppState, now};

const SCRIPT: &str = include_str!("../../../static/push.js");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications/push", post(subscribe))
        .route("/notifications/push/{id}/remove", post(remove))
        .route("/notifications/push/{id}/reminders", post(reminders))
        .route("/notifications/push/forget", post(forget))
        .route("/notifications/push.js", get(script))
}

/// The push part of the settings page.
pub async fn section(state: &AppState, who: &Unlocked) -> Result<Markup, PageError> {
    let key = state.services.push_public_key(now()).await?;
    let devices = state.services.push_devices(who).list().await?;
    let reminders = state.services.reminders_of(&who.account_id).await?;
    let tz = state
        .services
        .records(who)
        .profile()
        .await
        .map(|p| p.tz())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    Ok(html! {
        section id="push" aria-labelledby="push-heading" {
            h2 id="push-heading" { "Push notifications on this device" }
            @if let Some(key) = key {
                p { "Push shows a short notification on this phone or computer even when tend is closed." }
                p {
                    strong { "Before you turn it on: " }
                    "push messages travel through the push service of the company that makes your browser "
                    "(Google for Chrome, Mozilla for Firefox, Apple for Safari, Microsoft for Edge on Windows), not through tend alone. "
                    "So a push from tend only ever says “tend: something needs you” or “tend: something new for you”. "
                    "It never says which circle, who, or what anyone wrote. "
                    "The push service can still see that this device gets messages from this tend server, and when."
                }
                p class="hint" {
                    "Posts held because they may be about risk are pushed at once, day or night, if you get those. "
                    "Anything else that comes during your quiet hours (above), in this device's own time, waits and is pushed once when they end, one per kind; it also waits for you on your Notifications page. "
                    "Kinds you turned off above are never pushed, and each push has a button to turn its kind off."
                }
                p class="hint" {
                    "Once push is on, you can also choose, for each device, which of your reminders (above) come to it as a push. "
                    "They say only “tend: a reminder you asked for”. For that, tend keeps beside the device the times of day you chose above and the device's time zone, "
                    "never any words; removing the device (or signing out on it) deletes them."
                }
                noscript {
                    p class="hint" { "Turning on push needs JavaScript, which is off in this browser. Everything else on this page works without it." }
                }
                form id="push-form" method="post" action="/notifications/push" data-key=(key) hidden {
                    (csrf(who))
                    input type="hidden" name="endpoint" value="";
                    input type="hidden" name="p256dh" value="";
                    input type="hidden" name="auth" value="";
                    input type="hidden" name="time_zone" value="";
                    button type="button" id="push-on" { "Turn on push on this device" }
                }
                p id="push-status" role="status" {}
                @if devices.is_empty() {
                    p { "No device has push turned on." }
                } @else {
                    h3 { "Devices with push turned on" }
                    ul class="push-devices" {
                        @for d in &devices {
                            li data-device=(endpoint_tag(&d.endpoint)) {
                                "Through " (endpoint_host(&d.endpoint))
                                ", turned on " (crate::web::format::when(d.created_at, &tz))
                                ", quiet hours in " (d.time_zone)
                                (reminder_form(who, &d.id, &parse_kinds(&d.reminder_kinds), &reminders))
                                form method="post" action={ "/notifications/push/" (d.id) "/remove" } class="actions" {
                                    (csrf(who))
                                    button type="submit" class="secondary" { "Remove" }
                                }
                            }
                        }
                    }
                }
                script src="/notifications/push.js" defer {}
            } @else {
                p { "Push notifications are turned off on this server." }
            }
        }
    })
}

/// The reminder times a person set, in words, for a label.
fn when_set(kind: ReminderKind, r: &Reminders) -> Option<String> {
    let times = |ts: &[crate::domain::notifications::TimeOfDay]| {
        ts.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match kind {
        ReminderKind::Checkin => r.checkin.map(|t| t.to_string()),
        ReminderKind::Practice => (!r.practice.is_empty()).then(|| times(&r.practice)),
        ReminderKind::Review => r.review.map(|(d, t)| {
            format!(
                "{} {t}",
                WEEKDAYS.get(usize::from(d)).copied().unwrap_or("")
            )
        }),
        ReminderKind::Questionnaires => r.questionnaires.then(|| "when due".to_owned()),
        ReminderKind::Meetings => r.meetings.then(|| "15 minutes before".to_owned()),
    }
}

/// Which reminders come to one device as a push: a checkbox each. One not
/// set up above is shown, unticked, with a hint.
fn reminder_form(who: &Unlocked, id: &str, chosen: &[ReminderKind], r: &Reminders) -> Markup {
    html! {
        form method="post" action={ "/notifications/push/" (id) "/reminders" } class="stack push-reminders" {
            (csrf(who))
            fieldset {
                legend { "Reminders pushed to this device" }
                @for kind in ReminderKind::ALL {
                    label class="check" {
                        input type="checkbox" name=(kind.as_str()) checked[chosen.contains(&kind) && kind.is_set(r)];
                        span {
                            (kind.label())
                            @match when_set(kind, r) {
                                Some(w) => { " (" (w) ")" }
                                None => { " (not set up above yet)" }
                            }
                        }
                    }
                }
                button type="submit" class="secondary" { "Save reminders for this device" }
            }
        }
    }
}

/// The subscription the script read from the browser.
pub async fn subscribe(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<SubscriptionInput>,
) -> Result<Response, PageError> {
    match state.services.push_devices(&who).add(&form, now()).await {
        Ok(_) => Ok(Redirect::to("/notifications/settings?push=on#push").into_response()),
        Err(ServiceError::Invalid(errors)) => Ok(refused(&who, &errors)),
        Err(e) => Err(e.into()),
    }
}

fn refused(who: &Unlocked, errors: &[Invalid]) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        layout::page(
            "Push was not turned on",
            Some(who),
            html! {
                h1 { "Push was not turned on" }
                (error_summary(errors))
                p { "Nothing was saved." }
                p { a href="/notifications/settings#push" { "Back to your settings" } }
            },
        ),
    )
        .into_response()
}

/// Which reminders come to one device as a push.
pub async fn reminders(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, form }: SignedForm<PushRemindersInput>,
) -> Result<Response, PageError> {
    match state
        .services
        .push_devices(&who)
        .set_reminders(&id, &form, now())
        .await
    {
        Ok(_) => Ok(Redirect::to("/notifications/settings?push=reminders#push").into_response()),
        Err(ServiceError::Invalid(errors)) => Ok(not_saved(&who, &errors)),
        Err(e) => Err(e.into()),
    }
}

fn not_saved(who: &Unlocked, errors: &[Invalid]) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        layout::page(
            "Reminders were not saved",
            Some(who),
            html! {
                h1 { "Reminders were not saved" }
                (error_summary(errors))
                p { "Nothing was saved." }
                p { a href="/notifications/settings#push" { "Back to your settings" } }
            },
        ),
    )
        .into_response()
}

/// The endpoint of this browser's subscription, which the service worker
/// sends when the person signs out or locks (before unsubscribing).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ForgetInput {
    pub endpoint: String,
}

/// Removes this browser's device (sign-out, lock). Answers 204 whether or
/// not there was one: the browser unsubscribes either way.
pub async fn forget(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<ForgetInput>,
) -> Result<Response, PageError> {
    state
        .services
        .push_devices(&who)
        .forget_endpoint(&form.endpoint)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    state.services.push_devices(&who).remove(&id).await?;
    Ok(Redirect::to("/notifications/settings?push=removed#push").into_response())
}

pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        SCRIPT,
    )
        .into_response()
}
