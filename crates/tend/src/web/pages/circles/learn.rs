//! "Leave a Reply" under Learn articles: pseudonymous, pre-moderated by
//! default, with the same risk hold as circles. The replies live in the
//! built-in `learn` circle, so its moderators use the usual queue and log.

use std::sync::LazyLock;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::threads::{announce, held_with_help};
use super::{LEARN, LIMITS, internal, new_id, random_pseudonym, slow_down, viewer_tz, when};
use crate::domain::Invalid;
use crate::domain::circles::{self, Role, SERVER_ADMIN, Status};
use crate::service::Unlocked;
use crate::store::{MembershipRow, ReplyRow, StoreError, ThreadRow};
use crate::web::error::PageError;
use crate::web::extract::{Person, SignedForm};
use crate::web::layout::{self, csrf, error_summary, field_error, has_error};
use crate::web::pages::critic::highlight::is_risky;
use crate::web::{AppState, now};

/// Replies wait for a moderator unless the deployment sets
/// `TEND_LEARN_PREMODERATION=off`.
static PREMODERATED: LazyLock<bool> = LazyLock::new(|| {
    !matches!(
        std::env::var("TEND_LEARN_PREMODERATION").as_deref(),
        Ok("off" | "0" | "false")
    )
});

/// The most replies shown under an article: the newest ones.
const REPLY_LIMIT: i64 = 300;

fn thread_id(slug: &str) -> String {
    format!("learn-{slug}")
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    sent: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    body: String,
}

async fn render(
    state: &AppState,
    who: &Unlocked,
    slug: &str,
    title: &str,
    body: &str,
    errors: &[Invalid],
    sent: Option<&str>,
) -> Result<Markup, PageError> {
    let store = &state.services.store;
    let tz = viewer_tz(state, who).await?;
    let me = store
        .membership(LEARN, &who.account_id)
        .await
        .map_err(internal)?;
    let moderator = me
        .as_ref()
        .is_some_and(|m| m.role == Role::Moderator.as_str())
        || store
            .has_server_role(&who.account_id, SERVER_ADMIN)
            .await
            .map_err(internal)?;
    let my_id = me.as_ref().map(|m| m.id.clone()).unwrap_or_default();
    // The newest replies this person may read, so a new one never falls off the end.
    let shown = store
        .recent_replies(&thread_id(slug), &my_id, REPLY_LIMIT)
        .await
        .map_err(internal)?;
    Ok(layout::page(
        &format!("Replies: {title}"),
        Some(who),
        html! {
            @if sent == Some("risk") { (held_with_help(state, who, "other readers")) }
            @if sent == Some("held") { (layout::notice("Thank you. Your reply is saved and will appear once a moderator has read it.")) }
            p { a href={ "/learn/" (slug) } { "← Back to the article" } }
            h1 { "Replies to “" (title) "”" }
            p { "Replies appear under a pseudonym, never your handle"
                @if *PREMODERATED { ", once a moderator has read them" } ". No votes, no rankings: just people sharing." }
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
            form method="post" action={ "/learn/" (slug) "/replies" } class="stack" novalidate {
                (csrf(who))
                div {
                    label for="body" { "Leave a reply" }
                    textarea id="body" name="body" rows="5" aria-invalid=[has_error(errors, "body").then_some("true")] { (body) }
                    (field_error(errors, "body"))
                    p class="hint" { "Plain text, up to " (circles::POST_MAX) " characters." }
                }
                div class="actions" { button type="submit" { "Send reply" } }
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
    render(&state, &who, &slug, &title, "", &[], q.sent.as_deref()).await
}

/// The person's pseudonym for Learn replies, made on their first reply.
async fn learn_member(state: &AppState, who: &Unlocked) -> Result<MembershipRow, PageError> {
    let store = &state.services.store;
    for _ in 0..5 {
        if let Some(m) = store
            .membership(LEARN, &who.account_id)
            .await
            .map_err(internal)?
        {
            return Ok(m);
        }
        let m = MembershipRow {
            id: new_id(),
            circle_id: LEARN.into(),
            account_id: who.account_id.clone(),
            role: Role::Member.as_str().into(),
            pseudonym: random_pseudonym(),
            joined_at: now(),
            suspended_until: None,
        };
        match store.add_member(&m).await {
            Ok(()) => return Ok(m),
            // A clashing pseudonym, or the same person in another tab: look again.
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(internal(e)),
        }
    }
    Err(PageError::Internal(
        "could not draw a free pseudonym".into(),
    ))
}

pub async fn reply(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    SignedForm { who, form }: SignedForm<ReplyForm>,
) -> Result<Response, PageError> {
    let title = article_title(&state, &slug)?;
    let body = match circles::post_body(&form.body) {
        Ok(b) => b,
        Err(e) => {
            let page = render(&state, &who, &slug, &title, &form.body, &[e], None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let me = learn_member(&state, &who).await?;
    let at = now();
    if me.suspended_until.is_some_and(|u| u > at) {
        let e = Invalid::new(
            "body",
            format!(
                "A moderator paused your replies until {}.",
                when(
                    me.suspended_until.unwrap_or(at),
                    &viewer_tz(&state, &who).await?
                )
            ),
        );
        let page = render(&state, &who, &slug, &title, &form.body, &[e], None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    if let Err(secs) = LIMITS.replies.check(&who.account_id) {
        return Ok(slow_down(&who, "replied", secs, &body));
    }
    let store = &state.services.store;
    store
        .ensure_thread(&ThreadRow {
            id: thread_id(&slug),
            circle_id: LEARN.into(),
            author_id: "tend".into(),
            title: title.clone(),
            body: String::new(),
            status: Status::Visible.as_str().into(),
            urgent: 0,
            locked: 0,
            reply_count: 0,
            created_at: at,
            last_activity: at,
        })
        .await
        .map_err(internal)?;
    let urgent = is_risky(&[&body]);
    let held = urgent || *PREMODERATED;
    let r = ReplyRow {
        id: new_id(),
        thread_id: thread_id(&slug),
        circle_id: LEARN.into(),
        author_id: me.id,
        body,
        status: if held { Status::Held } else { Status::Visible }
            .as_str()
            .into(),
        urgent: i64::from(urgent),
        created_at: at,
    };
    store.create_reply(&r).await.map_err(internal)?;
    if !held {
        announce(&r.thread_id);
    }
    let to = match (urgent, held) {
        (true, _) => format!("/learn/{slug}/replies?sent=risk#held"),
        (false, true) => format!("/learn/{slug}/replies?sent=held#r-{}", r.id),
        _ => format!("/learn/{slug}/replies#r-{}", r.id),
    };
    Ok(Redirect::to(&to).into_response())
}
