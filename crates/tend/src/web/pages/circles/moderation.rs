//! The moderators' queue, their actions, and the log facilitators can read.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::{Access, access, circle_nav, internal, new_id, viewer_tz, when};
use crate::domain::Invalid;
use crate::domain::circles::{self, Status};
use crate::service::Unlocked;
use crate::store::ModLogRow;
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
    let a = access(&state, &who, &cid).await?;
    if !a.moderates() {
        return Err(PageError::NotFound);
    }
    render_queue(&state, &who, &a, &[], None).await
}

async fn render_queue(
    state: &AppState,
    who: &Unlocked,
    a: &Access,
    errors: &[Invalid],
    done: Option<&str>,
) -> Result<Markup, PageError> {
    let store = &state.services.store;
    let cid = &a.circle.id;
    let tz = viewer_tz(state, who).await?;
    let threads = store
        .held_threads(cid, QUEUE_LIMIT)
        .await
        .map_err(internal)?;
    let replies = store
        .held_replies(cid, QUEUE_LIMIT)
        .await
        .map_err(internal)?;
    let reports = store
        .open_reports(cid, QUEUE_LIMIT)
        .await
        .map_err(internal)?;
    // The reported text, fetched per report (the queue is short by nature).
    let mut reported = Vec::with_capacity(reports.len());
    for r in &reports {
        let (text, author, status) = match r.target_kind.as_str() {
            "thread" => match store.thread(cid, &r.target_id).await.map_err(internal)? {
                Some(t) => (format!("{}: {}", t.title, t.body), t.author_name, t.status),
                None => continue,
            },
            _ => match store.reply(cid, &r.target_id).await.map_err(internal)? {
                Some(x) => (x.body, x.author_name, x.status),
                None => continue,
            },
        };
        // Deleted by its author: gone for moderators too.
        if Status::parse(&status) == Status::Deleted {
            continue;
        }
        reported.push((r, text, author, status));
    }
    let urgent = threads.iter().filter(|t| t.urgent == 1).count()
        + replies.iter().filter(|r| r.urgent == 1).count();
    let learn = cid == super::LEARN;
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
                    @for t in &threads {
                        li class={ "queue-item" @if t.urgent == 1 { " urgent" } } {
                            p { @if t.urgent == 1 { strong class="tag" { "Urgent" } " " } "Thread by " (t.author_name.as_deref().unwrap_or("a former member")) " · " (when(t.created_at, &tz)) }
                            p { strong { (t.title) } }
                            div class="post-body" { (layout::paragraphs(&t.body)) }
                            (action_form(who, a, "thread", &t.id, &t.title))
                        }
                    }
                    @for r in &replies {
                        li class={ "queue-item" @if r.urgent == 1 { " urgent" } } {
                            p { @if r.urgent == 1 { strong class="tag" { "Urgent" } " " }
                                @if learn { "Reply on article " } @else { "Reply by " }
                                (r.author_name.as_deref().unwrap_or("a former member")) " · " (when(r.created_at, &tz)) }
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
                        @for (r, text, author, status) in &reported {
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
    let a = access(&state, &who, &cid).await?;
    if !a.moderates() {
        return Err(PageError::NotFound);
    }
    let store = &state.services.store;
    // The target must be in this circle.
    let (author_id, thread_id, status) = match form.target_kind.as_str() {
        "thread" => {
            let t = store
                .thread(&cid, &form.target_id)
                .await
                .map_err(internal)?
                .ok_or(PageError::NotFound)?;
            (t.author_id, t.id, t.status)
        }
        "reply" => {
            let r = store
                .reply(&cid, &form.target_id)
                .await
                .map_err(internal)?
                .ok_or(PageError::NotFound)?;
            (r.author_id, r.thread_id, r.status)
        }
        _ => return Err(PageError::NotFound),
    };
    // What its author deleted stays deleted: no action brings it back.
    if Status::parse(&status) == Status::Deleted {
        let errors = [Invalid::new(
            "action",
            "Its author deleted this, so there is nothing left to act on.",
        )];
        let page = render_queue(&state, &who, &a, &errors, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    // Whoever moderates never approves their own held words (a facilitator
    // moderates too): someone else has to read them.
    if form.action == "approve"
        && Status::parse(&status) == Status::Held
        && a.me.as_ref().is_some_and(|m| m.id == author_id)
    {
        let errors = [Invalid::new(
            "action",
            "This is your own post, so someone else needs to read it first. \
             If it is about how you feel, please reach out to one of the help lines.",
        )];
        let page = render_queue(&state, &who, &a, &errors, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let mut errors = Vec::new();
    let reason = circles::reason(&form.reason)
        .map_err(|e| errors.push(e))
        .ok();
    let days = if form.action == "suspend" {
        match form.days.trim().parse::<i64>() {
            Ok(d) if (1..=circles::SUSPEND_DAYS_MAX).contains(&d) => Some(d),
            _ => {
                errors.push(Invalid::new(
                    "days",
                    format!(
                        "Enter the days of suspension, from 1 to {}.",
                        circles::SUSPEND_DAYS_MAX
                    ),
                ));
                None
            }
        }
    } else {
        None
    };
    let valid_action = matches!(
        (form.action.as_str(), form.target_kind.as_str()),
        (
            "approve" | "hide" | "remove" | "suspend" | "unsuspend" | "dismiss",
            _
        ) | ("lock" | "unlock", "thread")
    );
    if !valid_action {
        errors.push(Invalid::new(
            "action",
            "Choose one of the actions in the list.",
        ));
    }
    let Some(reason) = reason.filter(|_| errors.is_empty()) else {
        let page = render_queue(&state, &who, &a, &errors, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let at = now();
    let kind = form.target_kind.as_str();
    let id = form.target_id.as_str();
    let circle = cid.as_str();
    let set = |status: Status| async move {
        if kind == "thread" {
            store.set_thread_status(circle, id, status.as_str()).await
        } else {
            store.set_reply_status(circle, id, status.as_str()).await
        }
    };
    let (logged_action, target_kind, target_id) = match form.action.as_str() {
        "approve" => {
            set(Status::Visible).await.map_err(internal)?;
            if kind == "reply" {
                super::threads::announce(&thread_id);
            }
            ("approved / restored", kind, id.to_owned())
        }
        "hide" => {
            set(Status::Hidden).await.map_err(internal)?;
            ("hid", kind, id.to_owned())
        }
        "remove" => {
            set(Status::Removed).await.map_err(internal)?;
            ("removed", kind, id.to_owned())
        }
        "lock" => {
            store
                .set_thread_locked(&cid, id, true)
                .await
                .map_err(internal)?;
            ("locked", kind, id.to_owned())
        }
        "unlock" => {
            store
                .set_thread_locked(&cid, id, false)
                .await
                .map_err(internal)?;
            ("unlocked", kind, id.to_owned())
        }
        "suspend" | "unsuspend" => {
            let until = days.map(|d| at + d * 86_400);
            let name = store
                .membership_by_id(&author_id)
                .await
                .map_err(internal)?
                .map(|m| m.pseudonym);
            if name.is_none()
                || !store
                    .suspend_member(&author_id, until)
                    .await
                    .map_err(internal)?
            {
                let errors = [Invalid::new(
                    "action",
                    "The author has left the circle, so there is nobody to suspend.",
                )];
                let page = render_queue(&state, &who, &a, &errors, None).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
            let label = match days {
                Some(d) => format!("suspended for {d} days"),
                None => "ended the suspension of".to_owned(),
            };
            let entry = ModLogRow {
                id: new_id(),
                circle_id: cid.clone(),
                actor: a.actor(),
                action: label,
                target_kind: "member".into(),
                target_id: name.unwrap_or_default(),
                reason,
                created_at: at,
            };
            store.log_action(&entry).await.map_err(internal)?;
            store
                .resolve_reports(&cid, id, at)
                .await
                .map_err(internal)?;
            return Ok(Redirect::to(&format!("/circles/{cid}/moderation")).into_response());
        }
        _ => ("dismissed the reports on", kind, id.to_owned()),
    };
    store
        .resolve_reports(&cid, id, at)
        .await
        .map_err(internal)?;
    let entry = ModLogRow {
        id: new_id(),
        circle_id: cid.clone(),
        actor: a.actor(),
        action: logged_action.into(),
        target_kind: target_kind.into(),
        target_id,
        reason,
        created_at: at,
    };
    store.log_action(&entry).await.map_err(internal)?;
    Ok(Redirect::to(&format!("/circles/{cid}/moderation")).into_response())
}

pub async fn log(
    State(state): State<AppState>,
    Person(who): Person,
    Path(cid): Path<String>,
) -> Result<Markup, PageError> {
    let a = access(&state, &who, &cid).await?;
    if !a.reads_log() {
        return Err(PageError::NotFound);
    }
    let tz = viewer_tz(&state, &who).await?;
    let entries = state
        .services
        .store
        .moderation_log(&cid, LOG_LIMIT)
        .await
        .map_err(internal)?;
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
                                        @if e.target_kind == "thread" && cid != super::LEARN {
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
