//! Threads and replies inside a circle, live updates, and reports.

use crate::web::extract::NoFields;
use std::convert::Infallible;
use std::sync::LazyLock;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use tokio::sync::broadcast;

use super::{Access, LIMITS, access, circle_nav, internal, new_id, slow_down, viewer_tz, when};
use crate::domain::Invalid;
use crate::domain::circles::{self, Status, ThreadInput};
use crate::service::Unlocked;
use crate::store::{ReplyRow, ReplyView, ReportRow, ThreadRow, ThreadView};
use crate::web::error::PageError;
use crate::web::extract::{Person, SignedForm};
use crate::web::layout::{self, csrf, error_summary, field_error, has_error};
use crate::web::{AppState, now};

/// The most replies a thread page shows at once; longer threads page on.
const REPLY_PAGE: i64 = 200;

/// Wakes live viewers of a thread in this process as soon as a reply is saved.
/// Other processes' viewers notice within `POLL` through the database.
static NEW_REPLY: LazyLock<broadcast::Sender<String>> = LazyLock::new(|| broadcast::channel(256).0);
const POLL: Duration = Duration::from_secs(2);

pub(crate) fn announce(thread_id: &str) {
    // No receivers is normal: nobody is watching.
    let _ = NEW_REPLY.send(thread_id.to_owned());
}

// Words with risk language wait for a moderator and show their author help:
// the same check that shows crisis help beside private writing.
use crate::web::helplines as web_helplines;
use crate::web::pages::critic::highlight::is_risky;

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
) -> Markup {
    html! {
        section aria-labelledby="new-h" {
            h2 id="new-h" { "Start a thread" }
            (error_summary(errors))
            form method="post" action={ "/circles/" (circle) "/threads" } class="stack" novalidate {
                (csrf(who))
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
                div class="actions" { button type="submit" { "Post thread" } }
            }
        }
    }
}

fn is_author(a: &Access, author_id: &str) -> bool {
    a.me.as_ref().is_some_and(|m| m.id == author_id)
}

/// Whether this person may open the thread at all.
fn may_see_thread(a: &Access, t: &ThreadView) -> bool {
    match Status::parse(&t.status) {
        Status::Visible | Status::Removed | Status::Deleted => true,
        Status::Held | Status::Hidden => a.moderates() || is_author(a, &t.author_id),
    }
}

/// Whether this person sees the thread's words and replies once it is open.
/// A removed thread is a neutral note for everyone but moderators (who may
/// restore it); a deleted one is a neutral note for everyone.
fn shows_thread(a: &Access, t: &ThreadView) -> bool {
    may_see_thread(a, t)
        && match Status::parse(&t.status) {
            Status::Removed => a.moderates(),
            Status::Deleted => false,
            _ => true,
        }
}

async fn load_thread(state: &AppState, a: &Access, tid: &str) -> Result<ThreadView, PageError> {
    let t = state
        .services
        .store
        .thread(&a.circle.id, tid)
        .await
        .map_err(internal)?
        .ok_or(PageError::NotFound)?;
    if !may_see_thread(a, &t) {
        return Err(PageError::NotFound);
    }
    Ok(t)
}

fn author(name: Option<&str>) -> &str {
    name.unwrap_or("a former member")
}

fn reply_item(who: &Unlocked, a: &Access, r: &ReplyView, tz: &jiff::tz::TimeZone) -> Markup {
    let status = Status::parse(&r.status);
    let mine = is_author(a, &r.author_id);
    let show_body = match status {
        Status::Visible => true,
        Status::Held | Status::Hidden => mine || a.moderates(),
        Status::Removed => a.moderates(),
        Status::Deleted => false,
    };
    let cid = &a.circle.id;
    html! {
        li id={ "r-" (r.id) } class="reply" {
            p class="meta" {
                strong { (author(r.author_name.as_deref())) } " · " (when(r.created_at, tz))
                @match status {
                    Status::Held => { " · " span class="tag" { @if mine { "only you can see this for now" } @else { "waiting for a moderator" } @if r.urgent == 1 && a.moderates() { " · urgent" } } }
                    Status::Hidden => { " · " span class="tag" { "hidden by a moderator" } }
                    Status::Removed => { " · " span class="tag" { "removed by a moderator" } }
                    _ => {}
                }
            }
            @if show_body { div class="post-body" { (layout::paragraphs(&r.body)) } }
            @else if status == Status::Removed { p class="muted" { "This reply was removed by a moderator." } }
            @if status == Status::Visible && !mine && a.me.is_some() && cid != super::LEARN {
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
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    who: &Unlocked,
    a: &Access,
    t: &ThreadView,
    reply_box: ReplyBox<'_>,
    held: bool,
    after: i64,
) -> Result<Markup, PageError> {
    if !shows_thread(a, t) {
        return Ok(gone_page(who, a, t, &reply_box));
    }
    let tz = viewer_tz(state, who).await?;
    let mut replies = state
        .services
        .store
        .replies(&t.id, after, REPLY_PAGE + 1)
        .await
        .map_err(internal)?;
    // One extra row says whether there is a newer page.
    let more = replies.len() as i64 > REPLY_PAGE;
    replies.truncate(REPLY_PAGE as usize);
    let last_seq = replies.last().map_or(after, |r| r.seq);
    let cid = &a.circle.id;
    let status = Status::parse(&t.status);
    let mine = is_author(a, &t.author_id);
    let show_body = match status {
        Status::Visible => true,
        Status::Held | Status::Hidden => mine || a.moderates(),
        Status::Removed => a.moderates(),
        Status::Deleted => false,
    };
    let at = now();
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
            @if held { (held_with_help(state, who, "the circle")) }
            p { a href={ "/circles/" (cid) } { "← " (a.circle.name) } }
            (circle_nav(a))
            article class="thread" {
                h1 { (t.title) }
                p class="meta" { strong { (author(t.author_name.as_deref())) } " · " (when(t.created_at, &tz))
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
                    @if status == Status::Visible && !mine && a.me.is_some() {
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
                    @for r in replies.iter().filter(|r| Status::parse(&r.status) != Status::Deleted) { (reply_item(who, a, r, &tz)) }
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
                } @else if let Some(until) = a.suspended_until(at) {
                    p class="notice" { "You can read here, and reply again from " (when(until, &tz)) "." }
                    @if reply_box.note.is_some() && !reply_box.body.trim().is_empty() {
                        label for="kept" { "Your words, to copy" }
                        textarea id="kept" readonly rows="4" { (reply_box.body) }
                    }
                } @else {
                    (error_summary(reply_box.errors))
                    form method="post" action=(action) class="stack" novalidate {
                        (csrf(who))
                        div {
                            label for="body" { "Your reply" }
                            textarea id="body" name="body" rows="4" aria-invalid=[has_error(reply_box.errors, "body").then_some("true")] { (reply_box.body) }
                            (field_error(reply_box.errors, "body"))
                        }
                        div class="actions" { button type="submit" { "Send reply" } }
                    }
                }
            }
            script src="/static/circles.js" defer {}
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

pub async fn show(
    State(state): State<AppState>,
    Person(who): Person,
    Path((id, tid)): Path<(String, String)>,
    Query(q): Query<ShowQuery>,
) -> Result<Markup, PageError> {
    if id == super::LEARN {
        return Err(PageError::NotFound);
    }
    let a = access(&state, &who, &id).await?;
    let t = load_thread(&state, &a, &tid).await?;
    render(
        &state,
        &who,
        &a,
        &t,
        ReplyBox {
            body: "",
            errors: &[],
            note: None,
        },
        q.held.is_some(),
        q.after
            .as_deref()
            .and_then(|a| a.parse::<i64>().ok())
            .unwrap_or(0)
            .max(0),
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, form }: SignedForm<ThreadInput>,
) -> Result<Response, PageError> {
    if id == super::LEARN {
        return Err(PageError::NotFound);
    }
    let a = access(&state, &who, &id).await?;
    let Some(me) = a.me.clone() else {
        return Err(PageError::NotFound);
    };
    let at = now();
    let invalid = |errors: Vec<Invalid>| {
        let page = layout::page(
            "Start a thread",
            Some(&who),
            html! {
                p { a href={ "/circles/" (id) } { "← " (a.circle.name) } }
                (new_thread_form(&who, &id, &form, &errors))
            },
        );
        Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    if a.suspended_until(at).is_some() {
        return invalid(vec![Invalid::new(
            "body",
            "You can't post in this circle right now; a moderator paused posting for you for a while.",
        )]);
    }
    let (title, body) = match form.validate() {
        Ok(v) => v,
        Err(errors) => return invalid(errors),
    };
    if let Err(secs) = LIMITS.threads.check(&who.account_id) {
        return Ok(slow_down(&who, "started a thread", secs, &body));
    }
    let held = is_risky(&[&title, &body]);
    let t = ThreadRow {
        id: new_id(),
        circle_id: id.clone(),
        author_id: me.id,
        title,
        body,
        status: if held { Status::Held } else { Status::Visible }
            .as_str()
            .into(),
        urgent: i64::from(held),
        locked: 0,
        reply_count: 0,
        created_at: at,
        last_activity: at,
    };
    state
        .services
        .store
        .create_thread(&t)
        .await
        .map_err(internal)?;
    let suffix = if held { "?held=risk#held" } else { "" };
    Ok(Redirect::to(&format!("/circles/{id}/threads/{}{suffix}", t.id)).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    body: String,
}

pub async fn reply(
    State(state): State<AppState>,
    Path((id, tid)): Path<(String, String)>,
    SignedForm { who, form }: SignedForm<ReplyForm>,
) -> Result<Response, PageError> {
    if id == super::LEARN {
        return Err(PageError::NotFound);
    }
    let a = access(&state, &who, &id).await?;
    let t = load_thread(&state, &a, &tid).await?;
    let Some(me) = a.me.clone() else {
        return Err(PageError::NotFound);
    };
    let at = now();
    let status = Status::parse(&t.status);
    let refused = match status {
        Status::Removed => Some(
            "This thread was removed by a moderator, so it can't take new replies. Your words are below if you'd like to keep them.",
        ),
        Status::Deleted => Some(
            "This thread was deleted by its author, so it can't take new replies. Your words are below if you'd like to keep them.",
        ),
        Status::Hidden | Status::Held => Some(
            "This thread can't take replies right now. Your words are below if you'd like to keep them.",
        ),
        Status::Visible if t.locked == 1 => Some(
            "This thread was locked, so it can't take new replies. Your words are below if you'd like to keep them.",
        ),
        Status::Visible if a.suspended_until(at).is_some() => Some(
            "A moderator paused posting for you for a while. Your words are below if you'd like to keep them.",
        ),
        Status::Visible => None,
    };
    let errors;
    let (errs, note): (&[Invalid], Option<&str>) = if let Some(msg) = refused {
        (&[], Some(msg))
    } else {
        match circles::post_body(&form.body) {
            Ok(body) => {
                if let Err(secs) = LIMITS.replies.check(&who.account_id) {
                    return Ok(slow_down(&who, "replied", secs, &body));
                }
                let held = is_risky(&[&body]);
                let r = ReplyRow {
                    id: new_id(),
                    thread_id: t.id.clone(),
                    circle_id: id.clone(),
                    author_id: me.id,
                    body,
                    status: if held { Status::Held } else { Status::Visible }
                        .as_str()
                        .into(),
                    urgent: i64::from(held),
                    created_at: at,
                };
                let seq = state
                    .services
                    .store
                    .create_reply(&r)
                    .await
                    .map_err(internal)?;
                // In a long thread, land on the page that shows the new reply.
                let page: String = if t.reply_count + 1 > REPLY_PAGE {
                    format!("?after={}", seq - 1)
                } else {
                    String::new()
                };
                if !held {
                    announce(&t.id);
                }
                let to = if held {
                    let page = page.replace('?', "&");
                    format!("/circles/{id}/threads/{}?held=risk{page}#held", t.id)
                } else {
                    format!("/circles/{id}/threads/{}{page}#r-{}", t.id, r.id)
                };
                return Ok(Redirect::to(&to).into_response());
            }
            Err(e) => {
                errors = vec![e];
                (&errors, None)
            }
        }
    };
    // A refusal keeps the person's words in the box so nothing is lost.
    let page = render(
        &state,
        &who,
        &a,
        &t,
        ReplyBox {
            body: &form.body,
            errors: errs,
            note,
        },
        false,
        0,
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct EventsQuery {
    #[serde(default)]
    after: Option<i64>,
}

/// Server-sent events: each new visible reply as JSON, for `circles.js`.
pub async fn events(
    State(state): State<AppState>,
    Person(who): Person,
    Path((id, tid)): Path<(String, String)>,
    Query(q): Query<EventsQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if id == super::LEARN {
        return Err(PageError::NotFound);
    }
    let a = access(&state, &who, &id).await?;
    let t = load_thread(&state, &a, &tid).await?;
    if !shows_thread(&a, &t) {
        // 204 tells a browser's EventSource to stop asking.
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let tz = viewer_tz(&state, &who).await?;
    // A reconnecting browser says where it got to.
    let mut cursor = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .or(q.after)
        .unwrap_or(0);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Event, Infallible>>(16);
    let store = state.services.store.clone();
    let account = who.account_id.clone();
    let mut wake = NEW_REPLY.subscribe();
    let thread_id = t.id.clone();
    tokio::spawn(async move {
        loop {
            // Someone who left, or was never let back in, stops receiving.
            let still_in = store
                .membership(&id, &account)
                .await
                .ok()
                .flatten()
                .is_some()
                || store
                    .has_server_role(&account, circles::SERVER_ADMIN)
                    .await
                    .unwrap_or(false);
            if !still_in {
                break;
            }
            // A thread removed, deleted or hidden meanwhile stops its feed too.
            let Ok(Some(now_t)) = store.thread(&id, &thread_id).await else {
                break;
            };
            if !shows_thread(&a, &now_t) {
                break;
            }
            let Ok(rows) = store.replies(&thread_id, cursor, 50).await else {
                break;
            };
            for r in rows {
                cursor = r.seq;
                if Status::parse(&r.status) != Status::Visible {
                    continue;
                }
                let data = serde_json::json!({
                    "id": r.id,
                    "author": author(r.author_name.as_deref()),
                    "when": when(r.created_at, &tz),
                    "body": r.body,
                    "mine": r.author_account.as_deref() == Some(account.as_str()),
                });
                let ev = Event::default()
                    .event("reply")
                    .id(r.seq.to_string())
                    .data(data.to_string());
                if tx.send(Ok(ev)).await.is_err() {
                    return;
                }
            }
            tokio::select! {
                () = wait_for(&mut wake, &thread_id) => {}
                () = tokio::time::sleep(POLL) => {}
                () = tx.closed() => return,
            }
        }
    });
    let stream = tokio_stream::wrappers::ReceiverStream::new(rx);
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

async fn wait_for(rx: &mut broadcast::Receiver<String>, thread_id: &str) {
    loop {
        match rx.recv().await {
            Ok(t) if t == thread_id => return,
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(_)) => return,
            Err(broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
        }
    }
}

pub async fn delete_own(
    State(state): State<AppState>,
    Path((id, tid)): Path<(String, String)>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    let a = access(&state, &who, &id).await?;
    let t = load_thread(&state, &a, &tid).await?;
    if !is_author(&a, &t.author_id) {
        return Err(PageError::NotFound);
    }
    state
        .services
        .store
        .delete_thread_text(&id, &tid)
        .await
        .map_err(internal)?;
    Ok(Redirect::to(&format!("/circles/{id}")).into_response())
}

/// Authors may take their own reply down; it disappears for everyone.
pub async fn delete_reply(
    State(state): State<AppState>,
    Path((id, rid)): Path<(String, String)>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    let a = access(&state, &who, &id).await?;
    let store = &state.services.store;
    let r = store
        .reply(&id, &rid)
        .await
        .map_err(internal)?
        .ok_or(PageError::NotFound)?;
    if !is_author(&a, &r.author_id) || id == super::LEARN {
        return Err(PageError::NotFound);
    }
    store.delete_reply_text(&id, &rid).await.map_err(internal)?;
    Ok(Redirect::to(&format!("/circles/{id}/threads/{}", r.thread_id)).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    id: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    reason: String,
}

/// The visible text a report is about, if this member may report it.
async fn report_target(
    state: &AppState,
    a: &Access,
    kind: &str,
    id: &str,
) -> Result<String, PageError> {
    let store = &state.services.store;
    let text = match kind {
        "thread" => store
            .thread(&a.circle.id, id)
            .await
            .map_err(internal)?
            .filter(|t| Status::parse(&t.status) == Status::Visible)
            .map(|t| t.title),
        "reply" => {
            let r = store
                .reply(&a.circle.id, id)
                .await
                .map_err(internal)?
                .filter(|r| Status::parse(&r.status) == Status::Visible);
            // The reply's thread must be one this person can read, as on its page.
            match r {
                Some(r) => store
                    .thread(&a.circle.id, &r.thread_id)
                    .await
                    .map_err(internal)?
                    .filter(|t| shows_thread(a, t))
                    .map(|_| r.body),
                None => None,
            }
        }
        _ => None,
    };
    text.ok_or(PageError::NotFound)
}

fn report_page(
    who: &Unlocked,
    a: &Access,
    kind: &str,
    id: &str,
    excerpt: &str,
    reason: &str,
    errors: &[Invalid],
) -> Markup {
    let short: String = excerpt.chars().take(200).collect();
    html! {
        h1 { "Report this " (if kind == "thread" { "thread" } else { "reply" }) }
        p { "Moderators of " (a.circle.name) " will see your report. The author won't see who sent it." }
        blockquote { (short) @if excerpt.chars().count() > 200 { "…" } }
        (error_summary(errors))
        form method="post" action={ "/circles/" (a.circle.id) "/report" } class="stack" novalidate {
            (csrf(who))
            input type="hidden" name="kind" value=(kind);
            input type="hidden" name="id" value=(id);
            div {
                label for="reason" { "What's the problem?" }
                textarea id="reason" name="reason" rows="4" aria-invalid=[has_error(errors, "reason").then_some("true")] { (reason) }
                (field_error(errors, "reason"))
            }
            div class="actions" { button type="submit" { "Send report" } a href={ "/circles/" (a.circle.id) } { "Cancel" } }
        }
    }
}

pub async fn report_form(
    State(state): State<AppState>,
    Person(who): Person,
    Path(cid): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Markup, PageError> {
    let a = access(&state, &who, &cid).await?;
    if a.me.is_none() || cid == super::LEARN {
        return Err(PageError::NotFound);
    }
    let excerpt = report_target(&state, &a, &q.kind, &q.id).await?;
    Ok(layout::page(
        "Report",
        Some(&who),
        report_page(&who, &a, &q.kind, &q.id, &excerpt, "", &[]),
    ))
}

pub async fn report(
    State(state): State<AppState>,
    Path(cid): Path<String>,
    SignedForm { who, form }: SignedForm<ReportForm>,
) -> Result<Response, PageError> {
    let a = access(&state, &who, &cid).await?;
    let Some(me) = a.me.clone() else {
        return Err(PageError::NotFound);
    };
    if cid == super::LEARN {
        return Err(PageError::NotFound);
    }
    let excerpt = report_target(&state, &a, &form.kind, &form.id).await?;
    let reason = match circles::reason(&form.reason) {
        Ok(r) => r,
        Err(e) => {
            let page = layout::page(
                "Report",
                Some(&who),
                report_page(&who, &a, &form.kind, &form.id, &excerpt, &form.reason, &[e]),
            );
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    if let Err(secs) = LIMITS.reports.check(&who.account_id) {
        return Ok(slow_down(&who, "sent a report", secs, &reason));
    }
    let r = ReportRow {
        id: new_id(),
        circle_id: cid.clone(),
        target_kind: form.kind.clone(),
        target_id: form.id.clone(),
        reporter_id: me.id,
        reason,
        created_at: now(),
        resolved_at: None,
    };
    state
        .services
        .store
        .create_report(&r)
        .await
        .map_err(internal)?;
    Ok(layout::page(
        "Report sent",
        Some(&who),
        html! {
            h1 { "Thank you" }
            (layout::notice("Your report was sent to the circle's moderators."))
            p { a href={ "/circles/" (cid) } { "Back to " (a.circle.name) } }
        },
    )
    .into_response())
}
