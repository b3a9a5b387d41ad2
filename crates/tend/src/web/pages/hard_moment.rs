//! Step 8: the hard-moment page. One page, no sign-in, nothing to fill in:
//! people to call, a two-minute self-compassion break and a grounding exercise,
//! all visible at once so nobody has to click through while struggling.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use maud::{Markup, html};

use crate::content::Guide;
use crate::web::AppState;
use crate::web::extract::MaybePerson;
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
pub async fn page(State(state): State<AppState>, MaybePerson(who): MaybePerson) -> Markup {
    let c = &state.content;
    let h = &state.helplines;
    layout::page(
        "A hard moment",
        who.as_ref(),
        html! {
            h1 { "A hard moment" }
            p class="lead" { "You did the right thing by opening this. Take one slow breath, longer on the way out. "
                "Everything is on this page: nothing to sign in to, nothing to fill in." }
            section class="card talk" aria-labelledby="talk-h" id="talk" {
                h2 id="talk-h" { "Talk to someone now" }
                p { "If you might hurt yourself, or you are not safe right now, call your local emergency number now. "
                    "These lines are free and confidential:" }
                ul class="lines compact" {
                    @for line in h.crisis_lines() {
                        li {
                            strong { (line.name) }
                            @if !line.region.is_empty() { " " span class="muted" { "(" (line.region) ")" } }
                            br; (line.how)
                            @if !line.tel.is_empty() || !line.sms.is_empty() {
                                span class="actions" {
                                    @if !line.tel.is_empty() { a class="button" href={ "tel:" (line.tel) } { "Call " (line.name) } }
                                    @if !line.sms.is_empty() { a class="button secondary" href={ "sms:" (line.sms) } { "Text " (line.name) } }
                                }
                            }
                        }
                    }
                }
                p class="muted" { "tend is not monitored and won't contact anyone for you. " a href="/help" { "More about these lines" } "." }
            }
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
}
