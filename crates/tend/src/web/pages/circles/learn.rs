//! "Leave a Reply" under Learn articles: pseudonymous, pre-moderated by
//! default, with the same risk hold as circles. The replies live in the
//! built-in `learn` circle, so its moderators use the usual queue and log.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::threads::held_with_help;
use super::{identifiers_note, slow_down, viewer_tz, when};
use crate::domain::Invalid;
use crate::domain::circles::{self, Status};
use crate::service::Unlocked;
use crate::service::circles::{Identifier, LEARN, LearnReply, learn_premoderated};
use crate::web::error::PageError;
use crate::web::extract::{Person, SignedForm};
use crate::web::layout::{self, csrf, error_summary, field_error, has_error};
use crate::web::{AppState, now};

/// The most replies shown under an article: the newest ones.
const REPLY_LIMIT: i64 = 300;

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    sent: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    body: String,
    /// Sent after the patient-identifier note: post the words as they are.
    #[serde(default)]
    identifiers_ok: bool,
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    who: &Unlocked,
    slug: &str,
    title: &str,
    body: &str,
    errors: &[Invalid],
    found: &[Identifier],
    sent: Option<&str>,
) -> Result<Markup, PageError> {
    let tz = viewer_tz(state, who).await?;
    // The newest replies this person may read, so a new one never falls off the end.
    let page = state
        .services
        .circles()
        .learn_page(who, slug, REPLY_LIMIT)
        .await?;
    let (moderator, shown) = (page.moderator, page.replies);
    Ok(layout::page(
        &format!("Replies: {title}"),
        Some(who),
        html! {
            @if sent == Some("risk") { (held_with_help(state, who, "other readers")) }
            @if sent == Some("held") { (layout::notice("Thank you. Your reply is saved and will appear once a moderator has read it.")) }
            p { a href={ "/learn/" (slug) } { "← Back to the article" } }
            h1 { "Replies to “" (title) "”" }
            p { "Replies appear under a pseudonym, never your handle"
                @if learn_premoderated() { ", once a moderator has read them" } ". No votes, no rankings: just people sharing." }
            @if moderator { p { a href={ "/circles/" (LEARN) "/moderation" } { "Moderation queue for Learn replies" } } }
            @if shown.is_empty() { p { "No replies yet." } }
            ol class="replies" {
                @for r in &shown {
                    li id={ "r-" (r.id) } class="reply" {
                        p class="meta" { strong { (r.author_name.as_deref().unwrap_or("a former reader")) } " · " (when(r.created_at, &tz))
                            @if Status::parse(&r.status) == Status::Held { " · " span class="tag" { "only you can see this until a moderator has read it" } } }
                        div class="post-body" { (layout::paragraphs(&r.body)) }
                    }
                }
            }
            (error_summary(errors))
            (identifiers_note(found))
            form method="post" action={ "/learn/" (slug) "/replies" } class="stack" novalidate {
                (csrf(who))
                @if !found.is_empty() { input type="hidden" name="identifiers_ok" value="true"; }
                div {
                    label for="body" { "Leave a reply" }
                    textarea id="body" name="body" rows="5" aria-invalid=[has_error(errors, "body").then_some("true")] { (body) }
                    (field_error(errors, "body"))
                    p class="hint" { "Plain text, up to " (circles::POST_MAX) " characters." }
                }
                div class="actions" { button type="submit" { @if found.is_empty() { "Send reply" } @else { "Send as it is" } } }
            }
        },
    ))
}

fn article_title(state: &AppState, slug: &str) -> Result<String, PageError> {
    state
        .content
        .article(slug)
        .map(|a| a.meta.title.clone())
        .ok_or(PageError::NotFound)
}

pub async fn page(
    State(state): State<AppState>,
    Person(who): Person,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Markup, PageError> {
    let title = article_title(&state, &slug)?;
    render(&state, &who, &slug, &title, "", &[], &[], q.sent.as_deref()).await
}

pub async fn reply(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    SignedForm { who, form }: SignedForm<ReplyForm>,
) -> Result<Response, PageError> {
    let title = article_title(&state, &slug)?;
    let outcome = state
        .services
        .circles()
        .learn_reply(&who, &slug, &title, &form.body, form.identifiers_ok, now())
        .await?;
    let (errors, found) = match outcome {
        LearnReply::Saved { id, urgent, held } => {
            let to = match (urgent, held) {
                (true, _) => format!("/learn/{slug}/replies?sent=risk#held"),
                (false, true) => format!("/learn/{slug}/replies?sent=held#r-{id}"),
                _ => format!("/learn/{slug}/replies#r-{id}"),
            };
            return Ok(Redirect::to(&to).into_response());
        }
        LearnReply::SlowDown { secs, kept } => return Ok(slow_down(&who, "replied", secs, &kept)),
        LearnReply::Invalid(errors) => (errors, Vec::new()),
        LearnReply::Paused(until) => {
            let e = Invalid::new(
                "body",
                format!(
                    "A moderator paused your replies until {}.",
                    when(until, &viewer_tz(&state, &who).await?)
                ),
            );
            (vec![e], Vec::new())
        }
        LearnReply::CheckIdentifiers(found) => (Vec::new(), found),
    };
    let page = render(
        &state, &who, &slug, &title, &form.body, &errors, &found, None,
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
