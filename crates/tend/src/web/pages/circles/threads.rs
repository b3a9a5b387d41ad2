//! Threads and replies inside a circle, live updates, and reports.

use crate::web::extract::NoFields;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, Render, html};
use serde::Deserialize;

use super::{circle_nav, identifiers_note, slow_down, viewer_tz, when};
use crate::domain::Invalid;
use crate::domain::circles::{self, Status, ThreadInput};
use crate::service::Unlocked;
use crate::service::circles::{
    Access, Action, Identifier, Posted, ReplyOutcome, ThreadPage, ThreadView,
};
use crate::web::error::PageError;
use crate::web::extract::{Person, SignedForm};
use crate::web::helplines as web_helplines;
use crate::web::layout::{self, csrf, error_summary, field_error, has_error};
use crate::web::{AppState, now};

/// The most replies a thread page shows at once; longer threads page on.
const REPLY_PAGE: i64 = 200;

/// Shown at once to someone whose words were held: warm, never a rejection.
/// `audience` names who would otherwise see the words ("the circle",
/// "other readers").
pub(crate) fn held_with_help(state: &AppState, who: &Unlocked, audience: &str) -> Markup {
    let local = web_helplines::for_person(&state.helplines, who);
    html! {
        section class="held-help" role="alert" aria-labelledby="held-h" tabindex="-1" id="held" {
            h2 id="held-h" { "Thank you for sharing this" }
            p { "Your words are saved. Because they sound like you may be going through something really hard, "
                "a moderator will read them before they are shown to " (audience) ". You haven't done anything wrong." }
            p { "You don't have to wait to talk to someone. These people are there right now:" }
            (web_helplines::emergency(&local))
            (web_helplines::compact(local.crisis_lines().take(4)))
            p { a href="/help" { "See all help lines" } " · " a href="/hard-moment" { "A two-minute pause" } }
        }
    }
}

pub(crate) fn new_thread_form(
    who: &Unlocked,
    circle: &str,
    input: &ThreadInput,
    errors: &[Invalid],
    found: &[Identifier],
) -> Markup {
    html! {
        section aria-labelledby="new-h" {
            h2 id="new-h" { "Start a thread" }
            (error_summary(errors))
            (identifiers_note(found))
            form method="post" action={ "/circles/" (circle) "/threads" } class="stack" novalidate {
                (csrf(who))
                @if !found.is_empty() { input type="hidden" name="identifiers_ok" value="true"; }
                div {
                    label for="title" { "Title" }
                    input id="title" name="title" type="text" maxlength=(circles::TITLE_MAX) value=(input.title)
                        aria-invalid=[has_error(errors, "title").then_some("true")];
                    (field_error(errors, "title"))
                }
                div {
                    label for="body" { "What would you like to share?" }
                    textarea id="body" name="body" rows="6" aria-describedby="body-hint"
                        aria-invalid=[has_error(errors, "body").then_some("true")] { (input.body) }
                    (field_error(errors, "body"))
                    p class="hint" id="body-hint" { "Plain text, up to " (circles::POST_MAX) " characters. Members see it under your pseudonym." }
                }
                div class="actions" { button type="submit" { @if found.is_empty() { "Post thread" } @else { "Post as it is" } } }
            }
        }
    }
}

pub(super) fn author(name: Option<&str>) -> &str {
    name.unwrap_or("a former member")
}

/// Whether an author's role in the circle earns the facilitator badge.
pub(super) fn is_facilitator(role: Option<&str>) -> bool {
    role.and_then(circles::Role::parse) == Some(circles::Role::Facilitator)
}

/// An author's pseudonym, with a "facilitator" badge when they facilitate
/// this circle. The badge is a word, not only a colour, and a screen reader
/// hears "Quiet Heron 42, facilitator". Nothing else about the person shows.
pub(super) fn byline<'a>(name: Option<&'a str>, role: Option<&str>) -> Byline<'a> {
    Byline {
        name: author(name),
        facilitator: is_facilitator(role),
    }
}

/// [`byline`], written straight into the page (one per reply).
pub(super) struct Byline<'a> {
    name: &'a str,
    facilitator: bool,
}

impl Render for Byline<'_> {
    fn render_to(&self, out: &mut String) {
        out.push_str("<strong>");
        layout::escape_into(self.name, out);
        out.push_str("</strong>");
        if self.facilitator {
            out.push_str(
                r#" <span class="role-badge"><span class="visually-hidden">, </span>facilitator</span>"#,
            );
        }
    }
}

/// What a member sees at the address of a removed or deleted thread: no title,
/// no words, no replies. A refused reply's words stay, to copy.
fn gone_page(who: &Unlocked, a: &Access, t: &ThreadView, reply_box: &ReplyBox<'_>) -> Markup {
    let cid = &a.circle.id;
    let (title, said) = if Status::parse(&t.status) == Status::Deleted {
        ("Thread deleted", "This thread was deleted by its author.")
    } else {
        ("Thread removed", "This thread was removed by a moderator.")
    };
    layout::page(
        title,
        Some(who),
        html! {
            p { a href={ "/circles/" (cid) } { "← " (a.circle.name) } }
            (circle_nav(a))
            h1 { (said) }
            p { "There is nothing to read here any more." }
            @if let Some(note) = reply_box.note { div class="errors" role="alert" { p { (note) } } }
            @if reply_box.note.is_some() && !reply_box.body.trim().is_empty() {
                label for="kept" { "Your words, to copy" }
                textarea id="kept" readonly rows="4" { (reply_box.body) }
            }
            p { a href={ "/circles/" (cid) } { "Back to " (a.circle.name) } }
        },
    )
}

pub(crate) struct ReplyBox<'a> {
    pub body: &'a str,
    pub errors: &'a [Invalid],
    pub note: Option<&'a str>,
    /// Words that might identify a patient, when the reply was sent back
    /// for a second look.
    pub found: &'a [Identifier],
}

async fn render(
    state: &AppState,
    who: &Unlocked,
    page: &ThreadPage,
    reply_box: ReplyBox<'_>,
    held: bool,
    after: i64,
) -> Result<Markup, PageError> {
    let (a, t, replies, more) = (&page.access, &page.thread, &page.replies, page.more);
    if !a.shows_thread(t) {
        return Ok(gone_page(who, a, t, &reply_box));
    }
    let tz = viewer_tz(state, who).await?;
    let last_seq = replies.last().map_or(after, |r| r.seq);
    let cid = &a.circle.id;
    let status = Status::parse(&t.status);
    let mine = a.is_author(&t.author_id);
    let show_body = a.shows_body(status, &t.author_id);
    let closed_reason = match status {
        Status::Removed => {
            Some("This thread was removed by a moderator, so it can't take new replies.")
        }
        Status::Deleted => {
            Some("This thread was deleted by its author, so it can't take new replies.")
        }
        Status::Hidden => {
            Some("This thread is hidden by a moderator for now, so it can't take new replies.")
        }
        Status::Held => Some("Replies open once a moderator has looked at this thread."),
        Status::Visible if t.locked == 1 => {
            Some("This thread is locked: you can read it, but it can't take new replies.")
        }
        Status::Visible => None,
    };
    let action = format!("/circles/{cid}/threads/{}/replies", t.id);
    Ok(layout::page(
        &t.title,
        Some(who),
        html! {
            // Room for the replies up front, so a long thread is not copied as
            // its buffer doubles: a reply's markup is its words and about 300
            // bytes around them.
            (layout::Reserve(4096 + replies.iter().map(|r| r.body.len() + 384).sum::<usize>()))
            @if held { (held_with_help(state, who, "the circle")) }
            p { a href={ "/circles/" (cid) } { "← " (a.circle.name) } }
            (circle_nav(a))
            article class="thread" {
                h1 { (t.title) }
                p class="meta" { (byline(t.author_name.as_deref(), t.author_role.as_deref())) " · " (when(t.created_at, &tz))
                    @if t.locked == 1 { " · " span class="tag" { "locked" } }
                    @match status {
                        Status::Held => { " · " span class="tag" { @if mine { "only you can see this for now" } @else { "waiting for a moderator" } } }
                        Status::Hidden => { " · " span class="tag" { "hidden by a moderator" } }
                        Status::Removed => { " · " span class="tag" { "removed by a moderator" } }
                        _ => {}
                    }
                }
                @if show_body { div class="post-body" { (layout::paragraphs(&t.body)) } }
                @else if status == Status::Removed { p class="muted" { "This thread was removed by a moderator." } }
                @else if status == Status::Deleted { p class="muted" { "This thread was deleted by its author." } }
                p class="post-actions" {
                    @if status == Status::Visible && !mine && a.may(Action::Report) {
                        a href={ "/circles/" (cid) "/report?kind=thread&id=" (t.id) } { "Report" span class="visually-hidden" { " this thread" } }
                    }
                    @if mine && status != Status::Deleted {
                        form method="post" action={ "/circles/" (cid) "/threads/" (t.id) "/delete" } class="inline" {
                            (csrf(who))
                            button type="submit" class="link" { "Delete my thread" }
                        }
                    }
                }
            }
            section aria-labelledby="replies-h" {
                h2 id="replies-h" { "Replies" }
                @if after > 0 {
                    p { a href={ "/circles/" (cid) "/threads/" (t.id) } { "Back to the first replies" } }
                }
                // Live updates only where the newest replies are on the page.
                ol id="replies" class="replies"
                    data-events=[(!more).then(|| format!("/circles/{cid}/threads/{}/events?after={last_seq}", t.id))]
                    data-circle=(cid) {
                    // Each reply is written straight into the page, not into a
                    // string of its own (a function returning `html!`): with the
                    // replies' rows in one block of text, this and the rest of
                    // the page's direct writing measured 1.28x (docs/benchmarks.md).
                    @for r in replies.iter().filter(|r| Status::parse(r.status) != Status::Deleted) {
                        @let status = Status::parse(r.status);
                        @let mine = a.is_author(r.author_id);
                        @let show_body = a.shows_body(status, r.author_id);
                        li id={ "r-" (r.id) } class="reply" {
                            p class="meta" {
                                (byline(r.author_name, r.author_role)) " · " (when(r.created_at, &tz))
                                @match status {
                                    Status::Held => { " · " span class="tag" { @if mine { "only you can see this for now" } @else { "waiting for a moderator" } @if r.urgent == 1 && a.moderates() { " · urgent" } } }
                                    Status::Hidden => { " · " span class="tag" { "hidden by a moderator" } }
                                    Status::Removed => { " · " span class="tag" { "removed by a moderator" } }
                                    _ => {}
                                }
                            }
                            @if show_body { div class="post-body" { (layout::paragraphs(r.body)) } }
                            @else if status == Status::Removed { p class="muted" { "This reply was removed by a moderator." } }
                            @if status == Status::Visible && !mine && a.may(Action::Report) {
                                p class="post-actions" { a href={ "/circles/" (cid) "/report?kind=reply&id=" (r.id) } { "Report" span class="visually-hidden" { " this reply" } } }
                            }
                            @if mine && status != Status::Removed {
                                form method="post" action={ "/circles/" (cid) "/replies/" (r.id) "/delete" } class="post-actions" {
                                    (csrf(who))
                                    button type="submit" class="link" { "Delete my reply" }
                                }
                            }
                        }
                    }
                }
                p id="live" class="visually-hidden" aria-live="polite" {}
                @if more {
                    p { a class="button secondary" href={ "/circles/" (cid) "/threads/" (t.id) "?after=" (last_seq) } { "Newer replies" } }
                }
                p class="muted" { a href={ "/circles/" (cid) "/threads/" (t.id) } { "Check for new replies" }
                    " (new replies also appear here by themselves)" }
            }
            @if let Some(note) = reply_box.note { div class="errors" role="alert" { p { (note) } } }
            @if a.me.is_some() {
                @if let Some(reason) = closed_reason {
                    p class="notice" { (reason) }
                    @if reply_box.note.is_some() && !reply_box.body.trim().is_empty() {
                        label for="kept" { "Your words, to copy" }
                        textarea id="kept" readonly rows="4" { (reply_box.body) }
                    }
                } @else if let Some(until) = a.suspended_until() {
                    p class="notice" { "You can read here, and reply again from " (when(until, &tz)) "." }
                    @if reply_box.note.is_some() && !reply_box.body.trim().is_empty() {
                        label for="kept" { "Your words, to copy" }
                        textarea id="kept" readonly rows="4" { (reply_box.body) }
                    }
                } @else {
                    (error_summary(reply_box.errors))
                    (identifiers_note(reply_box.found))
                    form method="post" action=(action) class="stack" novalidate {
                        (csrf(who))
                        @if !reply_box.found.is_empty() { input type="hidden" name="identifiers_ok" value="true"; }
                        div {
                            label for="body" { "Your reply" }
                            textarea id="body" name="body" rows="4" aria-invalid=[has_error(reply_box.errors, "body").then_some("true")] { (reply_box.body) }
                            (field_error(reply_box.errors, "body"))
                        }
                        div class="actions" { button type="submit" { @if reply_box.found.is_empty() { "Send reply" } @else { "Send as it is" } } }
                    }
                }
            }
            script src=(crate::web::assets::url("circles.js")) defer {}
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    held: Option<String>,
    /// Show replies after this position (paging); anything unreadable means the start.
    #[serde(default)]
    after: Option<String>,
}

const NO_BOX: ReplyBox<'static> = ReplyBox {
    body: "",
    errors: &[],
    note: None,
    found: &[],
};

pub async fn show(
    State(state): State<AppState>,
    Person(who): Person,
    Path((id, tid)): Path<(String, String)>,
    Query(q): Query<ShowQuery>,
) -> Result<Markup, PageError> {
    let after = q
        .after
        .as_deref()
        .and_then(|a| a.parse::<i64>().ok())
        .unwrap_or(0)
        .max(0);
    let page = state
        .services
        .circles()
        .thread_page(&who, &id, &tid, after, REPLY_PAGE, now())
        .await?;
    render(&state, &who, &page, NO_BOX, q.held.is_some(), after).await
}

pub async fn create(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, form }: SignedForm<ThreadInput>,
) -> Result<Response, PageError> {
    let outcome = state
        .services
        .circles()
        .start_thread(&who, &id, &form, now())
        .await?;
    let back_with = |errors: &[Invalid], found: &[Identifier], circle: &str| {
        let page = layout::page(
            "Start a thread",
            Some(&who),
            html! {
                p { a href={ "/circles/" (id) } { "← " (circle) } }
                (new_thread_form(&who, &id, &form, errors, found))
            },
        );
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    };
    Ok(match outcome {
        Posted::Saved { id: tid, held } => {
            let suffix = if held { "?held=risk#held" } else { "" };
            Redirect::to(&format!("/circles/{id}/threads/{tid}{suffix}")).into_response()
        }
        Posted::Invalid { errors, circle } => back_with(&errors, &[], &circle),
        Posted::CheckIdentifiers { found, circle } => back_with(&[], &found, &circle),
        Posted::SlowDown { secs, kept } => slow_down(&who, "started a thread", secs, &kept),
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    body: String,
    /// Sent after the patient-identifier note: post the words as they are.
    #[serde(default)]
    identifiers_ok: bool,
}

pub async fn reply(
    State(state): State<AppState>,
    Path((id, tid)): Path<(String, String)>,
    SignedForm { who, form }: SignedForm<ReplyForm>,
) -> Result<Response, PageError> {
    let circles = state.services.circles();
    let outcome = circles
        .reply(&who, &id, &tid, &form.body, form.identifiers_ok, now())
        .await?;
    let (errors, note, found) = match outcome {
        ReplyOutcome::Saved {
            id: rid,
            seq,
            before,
            held,
        } => {
            // In a long thread, land on the page that shows the new reply.
            let page: String = if before + 1 > REPLY_PAGE {
                format!("?after={}", seq - 1)
            } else {
                String::new()
            };
            let to = if held {
                let page = page.replace('?', "&");
                format!("/circles/{id}/threads/{tid}?held=risk{page}#held")
            } else {
                format!("/circles/{id}/threads/{tid}{page}#r-{rid}")
            };
            return Ok(Redirect::to(&to).into_response());
        }
        ReplyOutcome::SlowDown { secs, kept } => {
            return Ok(slow_down(&who, "replied", secs, &kept));
        }
        ReplyOutcome::Refused(note) => (Vec::new(), Some(note), Vec::new()),
        ReplyOutcome::Invalid(errors) => (errors, None, Vec::new()),
        ReplyOutcome::CheckIdentifiers(found) => (Vec::new(), None, found),
    };
    // Sent back: the person's words stay in the box so nothing is lost.
    let thread = circles
        .thread_page(&who, &id, &tid, 0, REPLY_PAGE, now())
        .await?;
    let page = render(
        &state,
        &who,
        &thread,
        ReplyBox {
            body: &form.body,
            errors: &errors,
            note,
            found: &found,
        },
        false,
        0,
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn delete_own(
    State(state): State<AppState>,
    Path((id, tid)): Path<(String, String)>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    state
        .services
        .circles()
        .delete_thread(&who, &id, &tid, now())
        .await?;
    Ok(Redirect::to(&format!("/circles/{id}")).into_response())
}

/// Authors may take their own reply down; it disappears for everyone.
pub async fn delete_reply(
    State(state): State<AppState>,
    Path((id, rid)): Path<(String, String)>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    let thread = state
        .services
        .circles()
        .delete_reply(&who, &id, &rid, now())
        .await?;
    Ok(Redirect::to(&format!("/circles/{id}/threads/{thread}")).into_response())
}
