use axum::extract::State;
use maud::{Markup, html};

use crate::web::AppState;
use crate::web::extract::MaybePerson;
use crate::web::layout;

/// Crisis help, reachable from every page, signed in or not.
pub async fn page(State(state): State<AppState>, MaybePerson(who): MaybePerson) -> Markup {
    let h = &state.helplines;
    layout::page(
        "Get help now",
        who.as_ref(),
        html! {
            h1 { "Get help now" }
            p { (h.intro) }
            ul class="lines" {
                @for line in &h.lines {
                    li class="card" {
                        h2 { (line.name) }
                        @if !line.region.is_empty() { p class="muted" { (line.region) } }
                        p {
                            strong { (line.how) }
                        }
                        @if !line.tel.is_empty() || !line.sms.is_empty() {
                            p class="actions" {
                                @if !line.tel.is_empty() { a class="button" href={ "tel:" (line.tel) } { "Call " (line.tel) } }
                                @if !line.sms.is_empty() { a class="button secondary" href={ "sms:" (line.sms) } { "Text " (line.sms) } }
                            }
                        }
                        @if !line.url.is_empty() { p { "Web: " (line.url) } }
                        @if !line.note.is_empty() { p { (line.note) } }
                    }
                }
            }
            p { "tend can't see what you write and won't contact anyone for you. It never diagnoses. "
                "Reaching out to a person is a strong, sensible thing to do." }
        },
    )
}
