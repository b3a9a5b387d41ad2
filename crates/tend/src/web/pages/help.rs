use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use crate::web::AppState;
use crate::web::extract::{AnonForm, MaybePerson, pre_session_token};
use crate::web::helplines::{self, country_cookie, country_for, known_country};
use crate::web::layout;

/// Crisis help, reachable from every page, signed in or not: the lines of the
/// person's country first, then the lines for anywhere, then other countries.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    MaybePerson(who): MaybePerson,
) -> Response {
    let h = &state.helplines;
    let country = country_for(h, who.as_ref(), &headers);
    let local = h.local(country.as_deref());
    let (token, set) = pre_session_token(&headers, state.secure_cookies);
    // Signed out with no country, the picker comes straight after.
    let change = match (&who, &country) {
        (Some(_), _) => Some("/account#country-h"),
        (None, Some(_)) => Some("#country"),
        (None, None) => None,
    };
    let picker = || {
        html! {
            @if who.is_none() {
                section class="card" aria-label="Your country" {
                    (helplines::picker(h, country.as_deref(), "/help", &token))
                }
            }
        }
    };
    let mut res = layout::page(
        "Get help now",
        who.as_ref(),
        html! {
            h1 { "Get help now" }
            (helplines::showing_for(&local, change))
            (helplines::emergency(&local))
            // Someone whose country tend does not know yet chooses it first.
            @if local.country.is_none() { (picker()) }
            (helplines::cards(&local.lines))
            p { "Safe, but having a rough time? " a href="/hard-moment" { "A hard moment" } " walks you through the next few minutes, one slow breath at a time." }
            p { (h.intro) }
            p { "tend can't see what you write and won't contact anyone for you. It never diagnoses. "
                "Reaching out to a person is a strong, sensible thing to do." }
            @if local.country.is_some() { (picker()) }
            (helplines::other_countries(h, &local))
        },
    )
    .into_response();
    if let Some(c) = set {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

#[derive(Debug, Default, Deserialize)]
pub struct CountryForm {
    #[serde(default)]
    country: String,
    #[serde(default)]
    back: String,
}

/// The signed-out country picker: remember the choice in a cookie that holds
/// only the country code, and go back to the page it was chosen on.
pub async fn choose_country(
    State(state): State<AppState>,
    AnonForm { form, .. }: AnonForm<CountryForm>,
) -> Response {
    let back = match form.back.as_str() {
        "/hard-moment" => "/hard-moment",
        _ => "/help",
    };
    let mut res = Redirect::to(back).into_response();
    // An unknown code is ignored: the page shows what it showed before.
    if let Some(code) = known_country(&state.helplines, &form.country) {
        res.headers_mut().append(
            header::SET_COOKIE,
            country_cookie(&code, state.secure_cookies),
        );
    }
    res
}
