//! The moderators' queue, their actions, and the log facilitators can read.

use crate::domain::notifications::waited;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::{circle_nav, viewer_tz, when};
use crate::domain::Invalid;
use crate::domain::circles::{self, Status};
use crate::service::circles::{
    Access, LEARN, Moderated, ModerationRequest, Queue, ReachOutRequest,
};
use crate::service::{ServiceError, Unlocked};
use crate::web::error::PageError;
use crate::web::extract::{Person, SignedForm};
use crate::web::layout::{self, csrf, error_summary};
use crate::web::{AppState, now};

const QUEUE_LIMIT: i64 = 100;
const LOG_LIMIT: i64 = 200;

/// What a moderator may do with one post in the queue, and what it is.
struct Target<'a> {
    kind: &'a str,
    id: &'a str,
    /// For labels: "the thread “Nights”", "the reply by Quiet Heron 42".
    label: &'a str,
    status: Status,
    /// Held because it may be about risk: the author may get a private note.
    urgent: bool,
    /// In the reports list (rather than waiting because it was held).
    reported: bool,
}

/// One button that sends one action, with no fields beyond the post it is
/// about (approve, unlock, dismiss, end a suspension).
fn button_form(who: &Unlocked, cid: &str, t: &Target<'_>, action: &str, text: &str) -> Markup {
    html! {
        form method="post" action={ "/circles/" (cid) "/moderation" } class="inline mod-button" {
            (csrf(who))
            input type="hidden" name="target_kind" value=(t.kind);
            input type="hidden" name="target_id" value=(t.id);
            input type="hidden" name="action" value=(action);
            button type="submit" class="secondary" { (text) span class="visually-hidden" { ": " (t.label) } }
        }
    }
}

/// The reason field, for the actions that take something away.
fn reason_field(fid: &str) -> Markup {
    html! {
        div {
            label for={ "reason-" (fid) } { "Why? " span class="hint" { "Goes in the moderation log, which facilitators and moderators read." } }
            input id={ "reason-" (fid) } name="reason" type="text" required maxlength=(circles::REASON_MAX);
        }
    }
}

/// Everything a moderator can do with one post, each action with only the
/// fields it needs: one-click buttons for approving, unlocking, dismissing
/// and ending a suspension; a reason for hiding, removing and locking; a
/// reason and days for a suspension; a note for reaching out privately.
fn actions(who: &Unlocked, a: &Access, t: &Target<'_>, kept: Option<&Kept>) -> Markup {
    let cid = &a.circle.id;
    let fid = format!("{}-{}", t.kind, t.id);
    let kept = kept.filter(|k| k.target_id == t.id);
    let kept_note = kept.map(|k| k.note.as_str());
    html! {
        div class="mod-actions" {
            p class="actions" {
                @if t.status != Status::Visible {
                    (button_form(who, cid, t, "approve", if t.status == Status::Held { "Approve" } else { "Restore" }))
                }
                @if t.reported {
                    (button_form(who, cid, t, "dismiss", "Dismiss the reports"))
                }
                @if t.reported && t.kind == "thread" && t.status == Status::Visible {
                    (button_form(who, cid, t, "unlock", "Unlock"))
                }
            }
            @if t.urgent {
                details class="mod-more reach-out" open[kept_note.is_some()] {
                    summary { "Write to the author privately" span class="visually-hidden" { ": " (t.label) } }
                    form method="post" action={ "/circles/" (cid) "/moderation/reach-out" } class="stack" {
                        (csrf(who))
                        input type="hidden" name="target_kind" value=(t.kind);
                        input type="hidden" name="target_id" value=(t.id);
                        p class="hint" id={ "note-hint-" (fid) } {
                            "Only the author reads this, with links to help lines and a two-minute pause. "
                            "You won't learn anything new about them: not whether they read it, nor anything about their account."
                        }
                        div {
                            label for={ "note-" (fid) } { "Your note" }
                            @if let Some(k) = kept {
                                @for e in &k.errors { p class="field-error" id={ "note-error-" (fid) } { (e.message) } }
                            }
                            textarea id={ "note-" (fid) } name="note" rows="6" required maxlength=(circles::REACH_OUT_MAX)
                                aria-invalid=[kept.map(|_| "true")]
                                aria-describedby={ "note-hint-" (fid) @if kept.is_some() { " note-error-" (fid) } } {
                                (kept_note.map_or_else(|| circles::reach_out_template(&a.circle.name), str::to_owned))
                            }
                        }
                        div class="actions" { button type="submit" { "Send the note" } }
                    }
                }
            }
            @if t.status != Status::Removed {
                details class="mod-more" {
                    summary { @if t.status == Status::Hidden { "Remove" } @else { "Hide or remove" } span class="visually-hidden" { ": " (t.label) } }
                    form method="post" action={ "/circles/" (cid) "/moderation" } class="stack" {
                        (csrf(who))
                        input type="hidden" name="target_kind" value=(t.kind);
                        input type="hidden" name="target_id" value=(t.id);
                        p class="hint" { "Hidden words can be restored later; removed words show only “removed by a moderator”." }
                        (reason_field(&format!("hide-{fid}")))
                        div class="actions" {
                            @if t.status != Status::Hidden { button type="submit" name="action" value="hide" class="secondary" { "Hide" } }
                            button type="submit" name="action" value="remove" class="secondary" { "Remove" }
                        }
                    }
                }
            }
            @if t.reported && t.kind == "thread" && t.status == Status::Visible {
                details class="mod-more" {
                    summary { "Lock the thread" span class="visually-hidden" { ": " (t.label) } }
                    form method="post" action={ "/circles/" (cid) "/moderation" } class="stack" {
                        (csrf(who))
                        input type="hidden" name="target_kind" value=(t.kind);
                        input type="hidden" name="target_id" value=(t.id);
                        input type="hidden" name="action" value="lock";
                        p class="hint" { "A locked thread stays readable and takes no new replies." }
                        (reason_field(&format!("lock-{fid}")))
                        div class="actions" { button type="submit" class="secondary" { "Lock" } }
                    }
                }
            }
            @if t.status != Status::Deleted {
                details class="mod-more" {
                    summary { "Suspend the author" span class="visually-hidden" { ": " (t.label) } }
                    form method="post" action={ "/circles/" (cid) "/moderation" } class="stack" {
                        (csrf(who))
                        input type="hidden" name="target_kind" value=(t.kind);
                        input type="hidden" name="target_id" value=(t.id);
                        input type="hidden" name="action" value="suspend";
                        p class="hint" { "They can still read, but not post, until it ends." }
                        (reason_field(&format!("suspend-{fid}")))
                        div {
                            label for={ "days-" (fid) } { "For how many days? " span class="hint" { "1 to " (circles::SUSPEND_DAYS_MAX) "." } }
                            input id={ "days-" (fid) } name="days" type="text" inputmode="numeric" required value="7" size="4";
                        }
                        div class="actions" { button type="submit" class="secondary" { "Suspend" } }
                    }
                    p { "Or, if they are suspended now:" }
                    (button_form(who, cid, t, "unsuspend", "End their suspension"))
                }
            }
        }
    }
}

/// That someone already wrote privately to the author of a held post (who
/// and when, never the words), so nobody writes unaware.
fn notes_sent(q: &Queue, target_id: &str, tz: &jiff::tz::TimeZone) -> Markup {
    html! {
        @for n in q.notes_on(target_id) {
            p class="note-sent" {
                strong { "A private note was already sent" } " to the author by " (n.by) " · " (when(n.at, tz))
            }
        }
    }
}

/// The wait, in whole minutes and never less than one, for "try again in N minutes".
fn minutes(secs: u64) -> u64 {
    secs.div_ceil(60).max(1)
}

/// A note that was not sent, kept to try again.
struct Kept {
    target_id: String,
    note: String,
    /// Why it was not sent, shown beside the box too.
    errors: Vec<Invalid>,
}

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    done: Option<String>,
}

pub async fn queue(
    State(state): State<AppState>,
    Person(who): Person,
    Path(cid): Path<String>,
    Query(query): Query<QueueQuery>,
) -> Result<Markup, PageError> {
    let q = state
        .services
        .circles()
        .queue(&who, &cid, QUEUE_LIMIT, now())
        .await?;
    let done = match query.done.as_deref() {
        Some("note") => Some(
            "Your note was sent. Only the author can read it, and tend won't tell you whether or when they do.",
        ),
        Some("done") => Some("Done. It is in the moderation log."),
        _ => None,
    };
    render_queue(&state, &who, &q, &[], done, None).await
}

async fn render_queue(
    state: &AppState,
    who: &Unlocked,
    q: &Queue,
    errors: &[Invalid],
    done: Option<&str>,
    kept: Option<&Kept>,
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
                    "The author has already been shown crisis lines. Consider reaching out kindly (“Write to the author privately” below), and follow your circle's safety plan." }
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
                            (notes_sent(q, &t.id, &tz))
                            (actions(who, a, &Target { kind: "thread", id: &t.id, label: &format!("the thread “{}”", t.title),
                                status: Status::parse(&t.status), urgent: t.urgent == 1, reported: false }, kept))
                        }
                    }
                    @for r in replies {
                        li class={ "queue-item" @if r.urgent == 1 { " urgent" } } {
                            p { @if r.urgent == 1 { strong class="tag" { "Urgent" } " " }
                                @if learn { "Reply on article " } @else { "Reply by " }
                                (r.author_name.as_deref().unwrap_or("a former member")) " · " (when(r.created_at, &tz))
                                " · " span class="waited" { "waiting " (waited(crate::web::now() - r.created_at)) } }
                            div class="post-body" { (layout::paragraphs(&r.body)) }
                            (notes_sent(q, &r.id, &tz))
                            (actions(who, a, &Target { kind: "reply", id: &r.id,
                                label: &format!("the reply by {}", r.author_name.as_deref().unwrap_or("a former member")),
                                status: Status::parse(&r.status), urgent: r.urgent == 1, reported: false }, kept))
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
                                (actions(who, a, &Target { kind: &r.target_kind, id: &r.target_id,
                                    label: &format!("the reported {}", r.target_kind), status: Status::parse(status), urgent: false, reported: true }, kept))
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
        Moderated::Done => {
            Ok(Redirect::to(&format!("/circles/{cid}/moderation?done=done")).into_response())
        }
        Moderated::Refused(errors) => {
            let q = circles.queue(&who, &cid, QUEUE_LIMIT, now()).await?;
            let page = render_queue(&state, &who, &q, &errors, None, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ReachOutForm {
    #[serde(default)]
    target_kind: String,
    #[serde(default)]
    target_id: String,
    #[serde(default)]
    note: String,
}

/// Sends a private note to the author of a post held for risk. A refused
/// note comes back in its box, to fix or copy; so does one sent past the
/// hourly limit, with a 429 and how many minutes to wait.
pub async fn reach_out(
    State(state): State<AppState>,
    Path(cid): Path<String>,
    SignedForm { who, form }: SignedForm<ReachOutForm>,
) -> Result<Response, PageError> {
    let circles = state.services.circles();
    let req = ReachOutRequest {
        target_kind: form.target_kind,
        target_id: form.target_id,
        note: form.note,
    };
    let (status, errors, wait) = match circles.reach_out(&who, &cid, &req, now()).await {
        Ok(Moderated::Done) => {
            return Ok(
                Redirect::to(&format!("/circles/{cid}/moderation?done=note")).into_response(),
            );
        }
        Ok(Moderated::Refused(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
        Err(ServiceError::TooManyAttempts(secs)) => {
            let n = minutes(secs);
            let message = format!(
                "You've sent {} private notes in the last hour, the most tend sends for one person. \
                 Please try again in {n} minute{}. Your note is kept below; nothing was sent.",
                crate::service::limits::NOTES_PER_HOUR,
                if n == 1 { "" } else { "s" },
            );
            (
                StatusCode::TOO_MANY_REQUESTS,
                vec![Invalid::new("note", message)],
                Some(secs),
            )
        }
        Err(e) => return Err(e.into()),
    };
    let q = circles.queue(&who, &cid, QUEUE_LIMIT, now()).await?;
    let kept = Kept {
        target_id: req.target_id,
        note: req.note,
        errors: errors.clone(),
    };
    let page = render_queue(&state, &who, &q, &errors, None, Some(&kept)).await?;
    let mut res = (status, page).into_response();
    if let Some(v) = wait.and_then(|s| axum::http::HeaderValue::from_str(&s.to_string()).ok()) {
        res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    Ok(res)
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
            p { "Every moderation action in this circle, newest first, with its reason. "
                "A private note to an author is logged only as sent, by whom and when: its words stay with the author." }
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
                                td { @if e.action == Queue::NOTE_LOGGED { span class="muted" { "the note stays private" } }
                                    @else if e.reason.is_empty() { span class="muted" { "no reason given" } } @else { (e.reason) } }
                            }
                        }
                    }
                }
            }
        },
    ))
}
