//! Step 8: the hard-moment page. One page, no sign-in, nothing to fill in:
//! people to call (the person's own country first), a two-minute self-compassion break and a grounding exercise,
//! all visible at once so nobody has to click through while struggling.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{Markup, html};

use crate::content::Guide;
use crate::web::AppState;
use crate::web::extract::{MaybePerson, pre_session_token};
use crate::web::helplines::{self, country_for};
use crate::web::layout;

pub fn routes() -> Router<AppState> {
    Router::new().route("/hard-moment", get(page))
}

fn guide(id: &str, g: &Guide) -> Markup {
    html! {
        section class="card calm" aria-labelledby={ (id) "-h" } id=(id) {
            h2 id={ (id) "-h" } { (g.title) }
            p { (g.summary) }
            ol class="guide-steps" {
                @for s in &g.steps {
                    li { strong { (s.title) } br; (s.text) }
                }
            }
            @if let Some(src) = &g.source { p class="muted source" { (src) } }
        }
    }
}

/// Reachable from the header of every page, signed in or not.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    MaybePerson(who): MaybePerson,
) -> Response {
    let c = &state.content;
    let h = &state.helplines;
    let country = country_for(h, who.as_ref(), &headers);
    let local = h.local(country.as_deref());
    let (token, set) = pre_session_token(&headers, state.secure_cookies);
    let mut res = layout::page(
        "A hard moment",
        who.as_ref(),
        html! {
            h1 { "A hard moment" }
            p class="lead" { "You did the right thing by opening this. Take one slow breath, longer on the way out." }
            @if who.is_some() {
                // One tap to the person's own plan, above everything else they might scroll past.
                p class="plan-link" { a class="button" href="/safety-plan" { "Open my safety plan" } }
            }
            section class="card talk" aria-labelledby="talk-h" id="talk" {
                h2 id="talk-h" { "Talk to someone now" }
                (helplines::emergency(&local))
                p { "These lines are free and confidential:" }
                (helplines::compact(local.crisis_lines()))
                @if who.is_none() {
                    (helplines::showing_for(&local, None))
                    (helplines::picker(h, country.as_deref(), "/hard-moment", &token))
                } @else {
                    (helplines::showing_for(&local, Some("/account#country-h")))
                }
                p class="muted" { "tend is not monitored and won't contact anyone for you. " a href="/help" { "Get help now" } " has every line for your country." }
            }
            p class="muted" { "This page is for getting through the next few minutes. If you might not be safe, call one of the lines above now." }
            (guide("break", &c.self_compassion_break))
            (guide("grounding", &c.grounding))
            p { "When you're ready, and only if you want to: "
                @if who.is_some() {
                    a href="/journal/new" { "write it down" } ", "
                    a href="/practices/self-compassion-break" { "a longer self-compassion break" } ", or "
                    a href="/today" { "back to Today" } "."
                } @else {
                    a href="/learn/hard-moments" { "read about hard moments" } ", or "
                    a href="/practices/self-compassion-break" { "a longer self-compassion break" } "."
                }
            }
        },
    )
    .into_response();
    if let Some(c) = set {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}
