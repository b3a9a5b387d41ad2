//! The Learn section: the guide in tend's own words, as short articles in
//! reading order. Open to everyone, signed in or not.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use maud::{Markup, PreEscaped, html};

use crate::content::Article;
use crate::web::AppState;
use crate::web::error::PageError;
use crate::web::extract::MaybePerson;
use crate::web::layout;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/learn", get(index))
        .route("/learn/{slug}", get(article))
}

fn item(a: &Article) -> Markup {
    html! {
        li {
            a href={ "/learn/" (a.meta.slug) } { (a.meta.title) }
            p { (a.meta.summary) }
            p class="muted" { (a.meta.minutes) "-minute read" }
        }
    }
}

pub async fn index(State(state): State<AppState>, MaybePerson(who): MaybePerson) -> Markup {
    let articles = &state.content.articles;
    layout::page(
        "Learn",
        who.as_ref(),
        html! {
            h1 { "Learn" }
            p { "Self-compassion is a skill, and these short articles walk through it one step at a time. "
                "Each one says what the research shows, no more strongly than the studies support, "
                "and links to the part of tend where you can try it." }
            section aria-labelledby="start-h" {
                h2 id="start-h" { "Start here" }
                ul class="entries articles" {
                    @for a in articles.iter().filter(|a| a.meta.step == 0) { (item(a)) }
                }
            }
            section aria-labelledby="steps-h" {
                h2 id="steps-h" { "The ten steps" }
                ol class="entries articles" {
                    @for a in articles.iter().filter(|a| a.meta.step > 0) { (item(a)) }
                }
            }
        },
    )
}

pub async fn article(
    State(state): State<AppState>,
    MaybePerson(who): MaybePerson,
    Path(slug): Path<String>,
) -> Result<Markup, PageError> {
    let articles = &state.content.articles;
    let i = articles
        .iter()
        .position(|a| a.meta.slug == slug)
        .ok_or(PageError::NotFound)?;
    let a = &articles[i];
    let prev = i.checked_sub(1).and_then(|j| articles.get(j));
    let next = articles.get(i + 1);
    Ok(layout::page(
        &a.meta.title,
        who.as_ref(),
        html! {
            article class="article" {
                p class="muted" {
                    a href="/learn" { "Learn" } " · "
                    @if a.meta.step == 0 { "Start here" } @else { "Step " (a.meta.step) " of 10" }
                    " · " (a.meta.minutes) "-minute read"
                }
                h1 { (a.meta.title) }
                // Rendered at start-up from tend's own Markdown, with raw HTML escaped.
                (PreEscaped(&a.html))
            }
            p class="actions feature-link" {
                a class="button" href=(a.meta.feature) { (a.meta.feature_label) }
                a href={ "/learn/" (a.meta.slug) "/replies" } { "Read and leave replies" }
            }
            nav aria-label="More articles" class="pager" {
                @if let Some(p) = prev {
                    a rel="prev" href={ "/learn/" (p.meta.slug) } { span class="hint" { "Previous" } (p.meta.title) }
                }
                @if let Some(n) = next {
                    a rel="next" href={ "/learn/" (n.meta.slug) } { span class="hint" { "Next" } (n.meta.title) }
                }
            }
        },
    ))
}
