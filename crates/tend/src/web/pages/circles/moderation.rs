//! The moderators' queue, their actions, and the log facilitators can read.

use crate::domain::notifications::waited;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::{circle_nav, viewer_tz, when};
use crate::domain::Invalid;
use crate::domain::circles;
use crate::service::Unlocked;
use crate::service::circles::{Access, LEARN, Moderated, ModerationRequest, Queue};
use crate::web::error::PageError;
use crate::web::extract::{Person, SignedForm};
use crate::web::layout::{self, csrf, error_summary};
use crate::web::{AppState, now};

const QUEUE_LIMIT: i64 = 100;
const LOG_LIMIT: i64 = 200;

/// One moderation form: which action, why, and for how long (suspensions).
fn action_form(who: &Unlocked, a: &Access, kind: &str, id: &str, label: &str) -> Markup {
    let cid = &a.circle.id;
    let fid = format!("{kind}-{id}");
    html! {
        form method="post" action={ "/circles/" (cid) "/moderation" } class="stack mod-form" {
            (csrf(who))
            input type="hidden" name="target_kind" value=(kind);
            input type="hidden" name="target_id" value=(id);
            div {
                label for={ "action-" (fid) } { "Action for " (label) }
                select id={ "action-" (fid) } name="action" {
                    // No default: a slip of the thumb must not approve a held post.
                    option value="" { "Choose…" }
                    option value="approve" { "Approve / restore" }
                    option value="hide" { "Hide" }
                    option value="remove" { "Remove" }
                    @if kind == "thread" {
                        option value="lock" { "Lock thread" }
                        option value="unlock" { "Unlock thread" }
                    }
                    option value="suspend" { "Suspend the author" }
                    option value="unsuspend" { "End a suspension" }
                    option value="dismiss" { "Dismiss the reports" }
                }
            }
            div {
                label for={ "reason-" (fid) } { "Reason (goes in the moderation log)" }
                input id={ "reason-" (fid) } name="reason" type="text" maxlength=(circles::REASON_MAX);
            }
            div {
                label for={ "days-" (fid) } { "Days of suspension" span class="hint" { "Only for a suspension." } }
                input id={ "days-" (fid) } name="days" type="text" inputmode="numeric" value="7";
            }
            div class="actions" { button type="submit" { "Apply" } }
        }
    }
}

pub async fn queue(
    State(state): State<AppState>,
    Person(who): Person,
    Path(cid): Path<String>,
) -> Result<Markup, PageError> {
    let q = state
        .services
        .circles()
        .queue(&who, &cid, QUEUE_LIMIT, now())
        .await?;
    render_queue(&state, &who, &q, &[], None).await
}

async fn render_queue(
    state: &AppState,
    who: &Unlocked,
    q: &Queue,
    errors: &[Invalid],
    done: Option<&str>,
) -> Result<Markup, PageError> {
    let (a, threads, replies, reported) = (&q.access, &q.threads, &q.replies, &q.reported);
    let cid = &a.circle.id;
    let tz = viewer_tz(state, who).await?;
    let urgent = threads.iter().filter(|t| t.urgent == 1).count()
        + replies.iter().filter(|r| r.urgent == 1).count();
    let learn = cid == LEARN;
    Ok(layout::page(
        "Moderation",
        Some(who),
        html! {
            h1 { "Moderation · " (a.circle.name) }
            (circle_nav(a))
            @if let Some(d) = done { (layout::notice(d)) }
            (error_summary(errors))
            @if urgent > 0 {
                p class="urgent" role="status" { strong { (urgent) " urgent" } ": words that sound like risk of self-harm. "
                    "The author has already been shown crisis lines. Consider reaching out kindly, and follow your circle's safety plan." }
            }
            section aria-labelledby="held-h" {
                h2 id="held-h" { "Waiting for a moderator" }
                @if threads.is_empty() && replies.is_empty() { p { "Nothing is waiting." } }
                ul class="entries" {
                    @for t in threads {
                        li class={ "queue-item" @if t.urgent == 1 { " urgent" } } {
                            p { @if t.urgent == 1 { strong class="tag" { "Urgent" } " " } "Thread by " (t.author_name.as_deref().unwrap_or("a former member")) " · " (when(t.created_at, &tz))
                                " · " span class="waited" { "waiting " (waited(crate::web::now() - t.created_at)) } }
                            p { strong { (t.title) } }
                            div class="post-body" { (layout::paragraphs(&t.body)) }
                            (action_form(who, a, "thread", &t.id, &t.title))
                        }
                    }
                    @for r in replies {
                        li class={ "queue-item" @if r.urgent == 1 { " urgent" } } {
                            p { @if r.urgent == 1 { strong class="tag" { "Urgent" } " " }
                                @if learn { "Reply on article " } @else { "Reply by " }
                                (r.author_name.as_deref().unwrap_or("a former member")) " · " (when(r.created_at, &tz))
                                " · " span class="waited" { "waiting " (waited(crate::web::now() - r.created_at)) } }
                            div class="post-body" { (layout::paragraphs(&r.body)) }
                            (action_form(who, a, "reply", &r.id, &format!("the reply by {}", r.author_name.as_deref().unwrap_or("a former member"))))
                        }
                    }
                }
            }
            @if !learn {
                section aria-labelledby="reports-h" {
                    h2 id="reports-h" { "Reports" }
                    @if reported.is_empty() { p { "No open reports." } }
                    ul class="entries" {
                        @for x in reported {
                            @let (r, text, author, status) = (&x.report, &x.text, &x.author, &x.status);
                            li class="queue-item" {
                                p { "Reported " (r.target_kind) " by " (author.as_deref().unwrap_or("a former member"))
                                    " · now " (status) " · " (when(r.created_at, &tz)) }
                                p { "Reason: " (r.reason) }
                                div class="post-body" { (layout::paragraphs(text)) }
                                (action_form(who, a, &r.target_kind, &r.target_id, &format!("the reported {}", r.target_kind)))
                            }
                        }
                    }
                }
            }
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct ActForm {
    #[serde(default)]
    target_kind: String,
    #[serde(default)]
    target_id: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    days: String,
}

pub async fn act(
    State(state): State<AppState>,
    Path(cid): Path<String>,
    SignedForm { who, form }: SignedForm<ActForm>,
) -> Result<Response, PageError> {
    let circles = state.services.circles();
    let req = ModerationRequest {
        target_kind: form.target_kind,
        target_id: form.target_id,
        action: form.action,
        reason: form.reason,
        days: form.days,
    };
    match circles.moderate(&who, &cid, &req, now()).await? {
        Moderated::Done => Ok(Redirect::to(&format!("/circles/{cid}/moderation")).into_response()),
        Moderated::Refused(errors) => {
            let q = circles.queue(&who, &cid, QUEUE_LIMIT, now()).await?;
            let page = render_queue(&state, &who, &q, &errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub async fn log(
    State(state): State<AppState>,
    Person(who): Person,
    Path(cid): Path<String>,
) -> Result<Markup, PageError> {
    let (a, entries) = state
        .services
        .circles()
        .log(&who, &cid, LOG_LIMIT, now())
        .await?;
    let tz = viewer_tz(&state, &who).await?;
    Ok(layout::page(
        "Moderation log",
        Some(&who),
        html! {
            h1 { "Moderation log · " (a.circle.name) }
            (circle_nav(&a))
            p { "Every moderation action in this circle, newest first, with its reason." }
            @if entries.is_empty() { p { "No actions yet." } }
            @else {
                table {
                    thead { tr { th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "What" } th scope="col" { "Reason" } } }
                    tbody {
                        @for e in &entries {
                            tr {
                                td { (when(e.created_at, &tz)) }
                                td { (e.actor) }
                                td { (e.action) " " (e.target_kind)
                                    @if e.target_kind != "member" {
                                        @if e.target_kind == "thread" && cid != LEARN {
                                            " " a href={ "/circles/" (cid) "/threads/" (e.target_id) } { "(open)" }
                                        }
                                    } @else { " " (e.target_id) } }
                                td { (e.reason) }
                            }
                        }
                    }
                }
            }
        },
    ))
}
