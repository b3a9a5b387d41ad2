//! Peer support (issue 5): circles with pseudonymous members, invites,
//! threads and replies (live over server-sent events), moderation, meetings in
//! every member's own time zone with a calendar feed, and the moderated
//! discussions under Learn articles.
//!
//! Each handler parses its input, makes one call to `service::circles` (which
//! asks the access policy and talks to the store), and renders. Anything a
//! person may not see answers with the same 404 as something that does not
//! exist, so nothing leaks.

mod invites;
mod learn;
mod live;
mod meetings;
pub(crate) use meetings::ics_line;
mod moderation;
mod reports;
mod threads;

use crate::web::extract::NoFields;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;

use crate::domain::Invalid;
use crate::domain::circles::{self, CircleInput, Role};
use crate::service::circles::{Access, Action, Identifier, JoinOutcome};
use crate::service::{ServiceError, Unlocked};
use crate::web::error::PageError;
use crate::web::extract::{Person, SignedForm};
use crate::web::layout::{self, csrf, error_summary, field_error, has_error};
use crate::web::{AppState, now};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/circles", get(list))
        .route("/circles/new", get(new_form).post(create))
        .route("/circles/join", get(join_form).post(join))
        .route("/circles/join/{code}", get(join_link))
        .route(
            "/circles/calendar",
            get(meetings::calendar_page).post(meetings::calendar_new),
        )
        .route("/circles/calendar/revoke", post(meetings::calendar_revoke))
        .route("/calendar/{token}", get(meetings::feed))
        .route("/circles/{id}", get(home))
        .route("/circles/{id}/leave", get(leave_form).post(leave))
        .route(
            "/circles/{id}/invites",
            get(invites::invites).post(invites::create),
        )
        .route("/circles/{id}/invites/revoke", post(invites::revoke))
        .route(
            "/circles/{id}/meetings",
            get(meetings::page).post(meetings::create),
        )
        .route(
            "/circles/{id}/meetings/{mid}/delete",
            post(meetings::delete),
        )
        .route("/circles/{id}/threads", post(threads::create))
        .route("/circles/{id}/threads/{tid}", get(threads::show))
        .route("/circles/{id}/threads/{tid}/replies", post(threads::reply))
        .route("/circles/{id}/threads/{tid}/events", get(live::events))
        .route(
            "/circles/{id}/threads/{tid}/delete",
            post(threads::delete_own),
        )
        .route(
            "/circles/{id}/replies/{rid}/delete",
            post(threads::delete_reply),
        )
        .route(
            "/circles/{id}/report",
            get(reports::form).post(reports::send),
        )
        .route(
            "/circles/{id}/moderation",
            get(moderation::queue).post(moderation::act),
        )
        .route(
            "/circles/{id}/moderation/reach-out",
            post(moderation::reach_out),
        )
        .route("/circles/{id}/log", get(moderation::log))
        .route("/learn/{slug}/replies", get(learn::page).post(learn::reply))
}

/// A kind 429 page that keeps the person's words.
pub(crate) fn slow_down(who: &Unlocked, what: &str, secs: u64, kept: &str) -> Response {
    let mut res = (
        StatusCode::TOO_MANY_REQUESTS,
        layout::page(
            "Please wait a moment",
            Some(who),
            html! {
                h1 { "Please wait a moment" }
                p { "You've " (what) " several times in the last minute. To keep circles calm, please wait "
                    (secs) " seconds, then send it again. Nothing was lost." }
                @if !kept.is_empty() {
                    label for="kept" { "Your words, to copy" }
                    textarea id="kept" readonly rows="6" { (kept) }
                }
            },
        ),
    )
        .into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&secs.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// A gentle note, before words are shared, that they might identify a
/// patient; the form below it can send them as they are.
pub(crate) fn identifiers_note(found: &[Identifier]) -> Markup {
    html! {
        @if !found.is_empty() {
            div class="phi-notice" role="note" aria-labelledby="phi-h" {
                h2 id="phi-h" { "This might identify a patient" }
                p { "Members of the circle will read this. It's kinder to your patients, "
                    "and safer for you, to leave out details that could point to a person." }
                ul {
                    @for w in found {
                        li { "“" (w.words) "”: " (w.why) }
                    }
                }
                p { "Change the words below, or send them as they are." }
            }
        }
    }
}

/// Date and time for a person, in their zone: "4 Mar 2026, 21:05". Nothing
/// for a time outside what a timestamp can hold.
pub(crate) fn when(ts: i64, tz: &jiff::tz::TimeZone) -> When<'_> {
    When { ts, tz }
}

/// [`when`], formatted where it is written: into the page being built when
/// spliced into `html!`, without a string of its own (a thread page shows a
/// hundred of them).
pub(crate) struct When<'a> {
    ts: i64,
    tz: &'a jiff::tz::TimeZone,
}

impl std::fmt::Display for When<'_> {
    /// `strftime("%-d %b %Y, %H:%M")`, written out: with a hundred replies
    /// to a page, jiff's general formatter (and a `Zoned` holding a clone of
    /// the zone) was 3% of the thread page's time.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let Ok(t) = jiff::Timestamp::from_second(self.ts) else {
            return Ok(());
        };
        let local = self.tz.to_datetime(t);
        let month = usize::try_from(local.month() - 1)
            .ok()
            .and_then(|m| MONTHS.get(m))
            .copied()
            .unwrap_or_default();
        write!(
            f,
            "{} {month} {:04}, {:02}:{:02}",
            local.day(),
            local.year(),
            local.hour(),
            local.minute()
        )
    }
}

pub(crate) async fn viewer_tz(
    state: &AppState,
    who: &Unlocked,
) -> Result<jiff::tz::TimeZone, PageError> {
    Ok(state.services.records(who).profile().await?.tz())
}

/// The circle's own navigation, showing only what this person may open.
pub(crate) fn circle_nav(a: &Access) -> Markup {
    let id = &a.circle.id;
    html! {
        nav class="circle-nav" aria-label="Circle" {
            @if a.may(Action::Read) {
                a href={ "/circles/" (id) } { "Threads" }
                a href={ "/circles/" (id) "/meetings" } { "Meetings" }
            }
            @if a.may(Action::Invite) { a href={ "/circles/" (id) "/invites" } { "Invites" } }
            @if a.may(Action::Moderate) { a href={ "/circles/" (id) "/moderation" } { "Moderation" } }
            @if a.may(Action::ReadLog) { a href={ "/circles/" (id) "/log" } { "Moderation log" } }
        }
    }
}

async fn list(State(state): State<AppState>, Person(who): Person) -> Result<Markup, PageError> {
    let mine = state.services.circles().mine(&who).await?;
    let creator = mine.may_create;
    let mine = mine.circles;
    Ok(layout::page(
        "Circles",
        Some(&who),
        html! {
            h1 { "Circles" }
            p { "Circles are small peer-support groups. Inside a circle you appear under a pseudonym, never your handle. "
                "What you write in a circle is seen by its members; your journal and check-ins never are." }
            @if mine.is_empty() {
                p { "You're not in a circle yet. If someone gave you an invite code, enter it below." }
            } @else {
                ul class="entries" {
                    @for c in &mine {
                        li {
                            a href={ "/circles/" (c.id) } { (c.name) }
                            br;
                            span class="muted" { "You are " (c.pseudonym) " here"
                                @if let Some(r) = Role::parse(&c.role) { @if r != Role::Member { " · " (r.label()) } } }
                        }
                    }
                }
            }
            (join_box(&who, "", &[]))
            p class="actions" {
                a href="/circles/calendar" { "Meetings in your calendar app" }
                @if creator { a class="button secondary" href="/circles/new" { "Start a circle" } }
            }
        },
    ))
}

fn join_box(who: &Unlocked, code: &str, errors: &[Invalid]) -> Markup {
    html! {
        section aria-labelledby="join-h" {
            h2 id="join-h" { "Join with a code" }
            (error_summary(errors))
            form method="post" action="/circles/join" class="stack" novalidate {
                (csrf(who))
                div {
                    label for="code" { "Invite code" }
                    input id="code" name="code" type="text" autocomplete="off" autocapitalize="characters"
                        value=(code) aria-invalid=[has_error(errors, "code").then_some("true")];
                    (field_error(errors, "code"))
                }
                div class="actions" { button type="submit" { "Join circle" } }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    pub(crate) code: String,
}

async fn join_form(Person(who): Person) -> Markup {
    layout::page(
        "Join a circle",
        Some(&who),
        html! { h1 { "Join a circle" } (join_box(&who, "", &[])) },
    )
}

async fn join_link(Person(who): Person, Path(code): Path<String>) -> Markup {
    let code = circles::normalise_code(&code);
    layout::page(
        "Join a circle",
        Some(&who),
        html! {
            h1 { "Join a circle" }
            p { "You were invited to a circle. You'll appear there under a pseudonym; your handle stays private." }
            (join_box(&who, &code, &[]))
        },
    )
}

async fn join(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<JoinForm>,
) -> Result<Response, PageError> {
    let code = circles::normalise_code(&form.code);
    let problem = |msg: &str| {
        let errors = vec![Invalid::new("code", msg)];
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            layout::page(
                "Join a circle",
                Some(&who),
                html! { h1 { "Join a circle" } (join_box(&who, &code, &errors)) },
            ),
        )
            .into_response()
    };
    if code.is_empty() {
        return Ok(problem("Enter the invite code you were given."));
    }
    let (outcome, circle) = match state.services.circles().join(&who, &code, now()).await {
        Ok(joined) => joined,
        Err(ServiceError::TooManyAttempts(secs)) => {
            return Ok(slow_down(&who, "tried a code", secs, ""));
        }
        Err(e) => return Err(e.into()),
    };
    let to = circle
        .map(|c| format!("/circles/{c}?joined=1"))
        .unwrap_or_default();
    Ok(match outcome {
        JoinOutcome::Joined | JoinOutcome::AlreadyMember => Redirect::to(&to).into_response(),
        JoinOutcome::Unknown => {
            problem("We don't recognise that code. Check it with the person who shared it.")
        }
        JoinOutcome::Revoked => {
            problem("That invite was withdrawn. Ask the facilitator for a new one.")
        }
        JoinOutcome::Expired => {
            problem("That invite has expired. Ask the facilitator for a new one.")
        }
        JoinOutcome::UsedUp => problem(
            "That invite has been used as many times as it allows. Ask the facilitator for a new one.",
        ),
        // The service draws again on a clash; reaching here means it gave up.
        JoinOutcome::PseudonymTaken => {
            return Err(PageError::unexpected(anyhow::anyhow!(
                "could not draw a free pseudonym"
            )));
        }
    })
}

fn circle_editor(who: &Unlocked, input: &CircleInput, errors: &[Invalid]) -> Markup {
    html! {
        (error_summary(errors))
        form method="post" action="/circles/new" class="stack" novalidate {
            (csrf(who))
            div {
                label for="name" { "Name" }
                input id="name" name="name" type="text" maxlength=(circles::NAME_MAX) value=(input.name)
                    aria-invalid=[has_error(errors, "name").then_some("true")];
                (field_error(errors, "name"))
            }
            div {
                label for="description" { "What the circle is for" span class="hint" { "Optional." } }
                textarea id="description" name="description" rows="3" { (input.description) }
                (field_error(errors, "description"))
            }
            div {
                label for="guidelines" { "Guidelines" span class="hint" { "Shown to every member. Optional." } }
                textarea id="guidelines" name="guidelines" rows="6" { (input.guidelines) }
                (field_error(errors, "guidelines"))
            }
            div class="actions" { button type="submit" { "Create circle" } a href="/circles" { "Cancel" } }
        }
    }
}

async fn new_form(State(state): State<AppState>, Person(who): Person) -> Result<Markup, PageError> {
    if !state.services.circles().may_create(&who).await? {
        return Err(PageError::NotFound);
    }
    let input = CircleInput {
        guidelines: "Be kind. Speak from your own experience. What is shared here stays here. \
                     No medical advice or diagnosis. If you are in danger, use Get help now."
            .into(),
        ..CircleInput::default()
    };
    Ok(layout::page(
        "Start a circle",
        Some(&who),
        html! { h1 { "Start a circle" } (circle_editor(&who, &input, &[])) },
    ))
}

async fn create(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<CircleInput>,
) -> Result<Response, PageError> {
    match state.services.circles().create(&who, &form, now()).await {
        Ok(id) => Ok(Redirect::to(&format!("/circles/{id}/invites?created=1")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let page = layout::page(
                "Start a circle",
                Some(&who),
                html! { h1 { "Start a circle" } (circle_editor(&who, &form, &errors)) },
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct HomeQuery {
    #[serde(default)]
    joined: Option<String>,
}

async fn home(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<HomeQuery>,
) -> Result<Markup, PageError> {
    let home = state.services.circles().home(&who, &id, 100, now()).await?;
    let tz = viewer_tz(&state, &who).await?;
    let (a, list) = (&home.access, &home.threads);
    let upcoming = meetings::upcoming_lines(&home.meetings, &tz, 1);
    Ok(layout::page(
        &a.circle.name,
        Some(&who),
        html! {
            @if q.joined.is_some() { (layout::notice("Welcome. You're in.")) }
            h1 { (a.circle.name) }
            (circle_nav(a))
            @if !a.circle.description.is_empty() { (layout::paragraphs(&a.circle.description)) }
            @if let Some(m) = &a.me {
                p class="muted" { "Here you are " strong { (m.pseudonym) } ". Nobody in the circle sees your handle." }
            }
            @if !a.circle.guidelines.is_empty() {
                details class="card" { summary { "Circle guidelines" } (layout::paragraphs(&a.circle.guidelines)) }
            }
            @if !upcoming.is_empty() {
                section aria-labelledby="next-h" {
                    h2 id="next-h" { "Next meetings" }
                    ul { @for line in &upcoming { li { (line) } } }
                }
            }
            section aria-labelledby="threads-h" {
                h2 id="threads-h" { "Threads" }
                @if list.is_empty() {
                    p { "No threads yet. You could start one: a question, a hard day, a small win." }
                } @else {
                    ul class="entries" {
                        @for t in list {
                            li {
                                a href={ "/circles/" (id) "/threads/" (t.id) } { (t.title) }
                                br;
                                span class="muted" {
                                    (t.author_name.as_deref().unwrap_or("a former member"))
                                    @if threads::is_facilitator(t.author_role.as_deref()) { " " span class="role-badge" { span class="visually-hidden" { ", " } "facilitator" } }
                                    " · "
                                    (t.reply_count) @if t.reply_count == 1 { " reply" } @else { " replies" }
                                    " · " (when(t.last_activity, &tz))
                                    @if t.locked == 1 { " · locked" }
                                    @match circles::Status::parse(&t.status) {
                                        circles::Status::Held => { " · waiting for a moderator" }
                                        circles::Status::Hidden => { " · hidden" }
                                        circles::Status::Removed => { " · removed" }
                                        _ => {}
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if a.me.is_some() {
                @if let Some(until) = a.suspended_until() {
                    p class="notice" { "You can read here, and post again from " (when(until, &tz)) "." }
                } @else {
                    (threads::new_thread_form(&who, &id, &circles::ThreadInput::default(), &[], &[]))
                }
                p { a href={ "/circles/" (id) "/leave" } { "Leave this circle" } }
            }
        },
    ))
}

async fn leave_form(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    let a = state
        .services
        .circles()
        .open(&who, &id, Action::Leave, now())
        .await?;
    Ok(layout::page(
        "Leave circle",
        Some(&who),
        html! {
            h1 { "Leave “" (a.circle.name) "”?" }
            p { "You can leave at any time. What you posted stays, shown as written by “a former member”. "
                "To rejoin you'd need a new invite, and you'd get a new pseudonym." }
            form method="post" action={ "/circles/" (id) "/leave" } class="actions" {
                (csrf(&who))
                button type="submit" class="danger" { "Leave circle" }
                a href={ "/circles/" (id) } { "Stay" }
            }
        },
    ))
}

async fn leave(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    state.services.circles().leave(&who, &id, now()).await?;
    Ok(Redirect::to("/circles").into_response())
}

#[cfg(test)]
mod tests {
    use super::when;

    #[test]
    fn when_is_the_time_in_the_viewers_zone() {
        let london = jiff::tz::TimeZone::get("Europe/London").expect("bundled zone");
        // 2026-07-04 20:05 UTC is 21:05 in London's summer time.
        let ts = 1_783_195_500;
        assert_eq!(when(ts, &london).to_string(), "4 Jul 2026, 21:05");
        assert_eq!(
            when(ts, &jiff::tz::TimeZone::UTC).to_string(),
            "4 Jul 2026, 20:05"
        );
        // Spliced into a page it is the same words, with nothing to escape.
        assert_eq!(
            maud::html! { (when(ts, &london)) }.into_string(),
            "4 Jul 2026, 21:05"
        );
    }

    #[test]
    fn when_reads_as_jiffs_strftime_across_zones_and_years() {
        let zones = [
            "UTC",
            "Europe/London",
            "Asia/Kolkata",
            "America/St_Johns",
            "Pacific/Kiritimati",
        ];
        for zone in zones {
            let tz = jiff::tz::TimeZone::get(zone).expect("bundled zone");
            // Every 37 hours and 13 minutes from 1969 to 2031: each month,
            // day and hour, both sides of every change of clocks.
            // And the years 924, 5 and 9999, which strftime pads to four digits.
            let far = [-33_000_000_000, -62_000_000_000, 253_402_200_000];
            for ts in (-40_000_000..1_950_000_000_i64).step_by(133_980).chain(far) {
                let expected = jiff::Timestamp::from_second(ts)
                    .expect("in range")
                    .to_zoned(tz.clone())
                    .strftime("%-d %b %Y, %H:%M")
                    .to_string();
                assert_eq!(when(ts, &tz).to_string(), expected, "{ts} in {zone}");
            }
        }
    }

    #[test]
    fn when_says_nothing_for_a_time_no_calendar_holds() {
        assert_eq!(when(i64::MAX, &jiff::tz::TimeZone::UTC).to_string(), "");
    }
}
