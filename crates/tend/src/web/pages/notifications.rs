//! Notifications inside tend (issue 13): the list, marking as read, the
//! person's choice of kinds and calendar reminders, a live stream that keeps
//! the list and the count current, and the reminder events of the calendar
//! feed.
//!
//! Every notification's words are made from its kind and its circle's name;
//! none carries anything anyone wrote. Everything works without JavaScript:
//! the script only refreshes the list while the page is open.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::sse::Event;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;

use crate::domain::Invalid;
use crate::domain::notifications::{
    NoticeKind, PRACTICE_TIMES, Reminders, Settings, SettingsInput, TimeOfDay, WEEKDAYS, waited,
};
use crate::service::notifications::{Notice, NoticeWatch};
use crate::service::{ServiceError, Unlocked};
use crate::web::error::PageError;
use crate::web::extract::{NoFields, Person, SignedForm};
use crate::web::layout::{self, csrf, error_summary, field_error, has_error, notice};
use crate::web::sse;
use crate::web::{AppState, now};

/// How many notifications the page lists.
const LIST_LIMIT: i64 = 100;
/// How many the live stream sends each time.
const LIVE_LIMIT: i64 = 30;

const SCRIPT: &str = include_str!("../../../static/notifications.js");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/read-all", post(read_all))
        .route("/notifications/{id}/open", get(open))
        .route("/notifications/{id}/read", post(read_one))
        .route("/notifications/events", get(events))
        .route("/notifications/live.js", get(script))
        .route(
            "/notifications/settings",
            get(settings_page).post(settings_save),
        )
        .route("/notifications/off", get(off_page).post(off))
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    done: Option<String>,
}

fn notice_item(who: &Unlocked, n: &Notice, at: i64) -> Markup {
    html! {
        li class={ "notice-item" @if n.urgent && !n.read { " urgent" } @if n.read { " read" } } id={ "n-" (n.id) } {
            p {
                @if n.urgent && !n.read { strong class="tag" { "Urgent" } " " }
                @if !n.read { span class="visually-hidden" { "Unread: " } }
                a href={ "/notifications/" (n.id) "/open" } { (n.text) }
            }
            p class="meta" {
                @if n.urgent && !n.read { "Waiting " (waited(at - n.created_at)) } @else { (waited(at - n.created_at)) " ago" }
            }
            @if let Some(note) = &n.note {
                // A private note from someone who looks after the circle,
                // for this person alone, with help one tap away.
                blockquote class="reach-note post-body" { (layout::paragraphs(note)) }
                p { a href="/help" { "Help lines for where you are" } " · " a href="/hard-moment" { "A two-minute pause" } }
            }
            div class="actions" {
                @if !n.read {
                    form method="post" action={ "/notifications/" (n.id) "/read" } class="inline" {
                        (csrf(who))
                        button type="submit" class="link" { "Mark as read" }
                    }
                }
                // Never for held posts' urgent notices? They can be turned off
                // too: the person chooses, and the settings page says what it means.
                form method="post" action="/notifications/off" class="inline" {
                    (csrf(who))
                    input type="hidden" name="kind" value=(n.kind.as_str());
                    button type="submit" class="link" { "Turn off notifications like this" }
                }
            }
        }
    }
}

fn list_body(who: &Unlocked, items: &[Notice], unread: (i64, i64), done: Option<&str>) -> Markup {
    let at = now();
    html! {
        h1 { "Notifications" }
        @if let Some(d) = done { (notice(d)) }
        p id="notice-summary" role="status" {
            @if unread.0 == 0 { "Nothing new." }
            @else {
                (unread.0) " unread"
                @if unread.1 > 0 { ", " strong { (unread.1) " urgent" } }
                "."
            }
        }
        @if unread.0 > 0 {
            form method="post" action="/notifications/read-all" class="actions" {
                (csrf(who))
                button type="submit" class="secondary" { "Mark all as read" }
            }
        }
        ul id="notices" class="notices" data-events="/notifications/events" {
            @for n in items { (notice_item(who, n, at)) }
        }
        @if items.is_empty() {
            p id="notices-empty" { "When something in your circles needs you, it shows here. Nothing here includes what anyone wrote in a circle; only a private note written for you would." }
        }
        p { a href="/notifications/settings" { "Choose what you're told, and reminders for your calendar" } }
        script src="/notifications/live.js" defer {}
    }
}

pub async fn list(
    State(state): State<AppState>,
    Person(who): Person,
    Query(q): Query<ListQuery>,
) -> Result<Markup, PageError> {
    let n = state.services.notifications(&who);
    let items = n.list(LIST_LIMIT).await?;
    let unread = n.unread().await?;
    let done = match q.done.as_deref() {
        Some("read") => Some("Marked as read."),
        Some("all") => Some("All marked as read."),
        Some("off") => Some("Turned off. You can turn it back on in your settings."),
        _ => None,
    };
    Ok(layout::page(
        "Notifications",
        Some(&who),
        list_body(&who, &items, unread, done),
    ))
}

/// Opening a notification marks it read and goes where it points.
pub async fn open(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let n = state.services.notifications(&who);
    let items = n.list(LIST_LIMIT).await?;
    let Some(item) = items.into_iter().find(|x| x.id == id) else {
        return Err(ServiceError::NotFound.into());
    };
    if !item.read {
        n.mark_read(&id, now()).await?;
    }
    // Links are written by tend itself, always a path inside it.
    let to = if item.link.starts_with('/') && !item.link.starts_with("//") {
        item.link
    } else {
        "/notifications".into()
    };
    Ok(Redirect::to(&to).into_response())
}

pub async fn read_one(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    state
        .services
        .notifications(&who)
        .mark_read(&id, now())
        .await?;
    Ok(Redirect::to("/notifications?done=read").into_response())
}

pub async fn read_all(
    State(state): State<AppState>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    state
        .services
        .notifications(&who)
        .mark_all_read(now())
        .await?;
    Ok(Redirect::to("/notifications?done=all").into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct OffForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    reminder: String,
}

fn reminder_label(which: &str) -> Option<&'static str> {
    Some(match which {
        "checkin" => "the daily check-in reminder",
        "practice" => "the practice reminders",
        "review" => "the weekly review reminder",
        "questionnaires" => "the questionnaire reminder",
        "meetings" => "the reminders before meetings",
        "email" => "e-mail when a post is held",
        _ => return None,
    })
}

/// The page a reminder's "turn this off" link opens: one button.
pub async fn off_page(
    Person(who): Person,
    Query(q): Query<OffForm>,
) -> Result<Response, PageError> {
    let what = match (NoticeKind::parse(&q.kind), reminder_label(&q.reminder)) {
        (Some(k), _) => format!("notifications about: {}", k.label().to_lowercase()),
        (None, Some(r)) => r.to_owned(),
        _ => {
            return Ok((
                StatusCode::BAD_REQUEST,
                layout::page(
                    "Turn off",
                    Some(&who),
                    html! {
                        h1 { "Nothing to turn off" }
                        p { "That link doesn't name a kind of notification or reminder tend has." }
                        p { a href="/notifications/settings" { "See all your choices" } }
                    },
                ),
            )
                .into_response());
        }
    };
    Ok(layout::page(
        "Turn off",
        Some(&who),
        html! {
            h1 { "Turn off " (what) "?" }
            form method="post" action="/notifications/off" class="actions" {
                (csrf(&who))
                input type="hidden" name="kind" value=(q.kind);
                input type="hidden" name="reminder" value=(q.reminder);
                button type="submit" { "Turn it off" }
            }
            p { a href="/notifications/settings" { "See all your choices" } }
        },
    )
    .into_response())
}

pub async fn off(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<OffForm>,
) -> Result<Response, PageError> {
    let n = state.services.notifications(&who);
    let result = if form.reminder.is_empty() {
        n.mute(&form.kind, now()).await.map(|_| ())
    } else {
        n.stop_reminder(&form.reminder, now()).await
    };
    match result {
        Ok(()) => Ok(Redirect::to("/notifications?done=off").into_response()),
        Err(ServiceError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            layout::page(
                "Turn off",
                Some(&who),
                html! {
                    h1 { "Nothing was turned off" }
                    (error_summary(&errors))
                    p { a href="/notifications/settings" { "See all your choices" } }
                },
            ),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

/// The form's fields as they stand in saved settings.
fn input_from(s: &Settings) -> SettingsInput {
    let want = |k: NoticeKind| (!s.muted.contains(&k)).then(|| "on".to_owned());
    let t = |x: Option<TimeOfDay>| x.map(|t| t.to_string()).unwrap_or_default();
    let r = &s.reminders;
    SettingsInput {
        want_held_post: want(NoticeKind::HeldPost),
        want_report: want(NoticeKind::Report),
        want_new_member: want(NoticeKind::NewMember),
        want_meeting: want(NoticeKind::Meeting),
        want_reply: want(NoticeKind::Reply),
        want_approved: want(NoticeKind::Approved),
        want_reach_out: want(NoticeKind::ReachOut),
        checkin: t(r.checkin),
        practice1: t(r.practice.first().copied()),
        practice2: t(r.practice.get(1).copied()),
        practice3: t(r.practice.get(2).copied()),
        review_day: r.review.map(|(d, _)| d.to_string()).unwrap_or_default(),
        review_time: t(r.review.map(|(_, t)| t)),
        questionnaires: r.questionnaires.then(|| "on".into()),
        meetings: r.meetings.then(|| "on".into()),
        quiet_from: t(r.quiet.map(|(a, _)| a)),
        quiet_to: t(r.quiet.map(|(_, b)| b)),
        email: s.email.clone().unwrap_or_default(),
    }
}

fn wants(input: &SettingsInput, k: NoticeKind) -> bool {
    match k {
        NoticeKind::HeldPost => input.want_held_post.is_some(),
        NoticeKind::Report => input.want_report.is_some(),
        NoticeKind::NewMember => input.want_new_member.is_some(),
        NoticeKind::Meeting => input.want_meeting.is_some(),
        NoticeKind::Reply => input.want_reply.is_some(),
        NoticeKind::Approved => input.want_approved.is_some(),
        NoticeKind::ReachOut => input.want_reach_out.is_some(),
    }
}

fn time_field(errors: &[Invalid], name: &'static str, label: &str, value: &str) -> Markup {
    html! {
        div class="field" {
            label for=(name) { (label) }
            (field_error(errors, name))
            input type="time" id=(name) name=(name) value=(value)
                aria-invalid=[has_error(errors, name).then_some("true")]
                aria-describedby=[has_error(errors, name).then(|| format!("{name}-error"))];
        }
    }
}

fn settings_body(
    who: &Unlocked,
    input: &SettingsInput,
    errors: &[Invalid],
    saved: bool,
    may_email: bool,
    push: Markup,
) -> Markup {
    let practice = [
        ("practice1", &input.practice1),
        ("practice2", &input.practice2),
        ("practice3", &input.practice3),
    ];
    html! {
        h1 { "What you're told" }
        @if saved { (notice("Saved.")) }
        (error_summary(errors))
        form method="post" action="/notifications/settings" novalidate {
            (csrf(who))
            fieldset {
                legend { "Notifications inside tend" }
                p class="hint" { "They show on your Notifications page. They never include what anyone wrote in a circle: only which circle, and where to look. "
                    "The one exception is a private note written for you alone by someone who looks after your circle." }
                @for k in NoticeKind::ALL {
                    div class="check" {
                        input type="checkbox" id={ "want_" (k.as_str()) } name={ "want_" (k.as_str()) }
                            checked[wants(input, k)];
                        label for={ "want_" (k.as_str()) } {
                            (k.label())
                            @if k.for_moderators() { " (for facilitators and moderators)" }
                        }
                    }
                }
            }
            fieldset {
                legend { "Reminders in your calendar" }
                p class="hint" { "Each is off until you choose a time. They reach your calendar app through your private calendar link ("
                    a href="/circles/calendar" { "make or change it here" } "). They go by your phone's own time, wherever you are. "
                    "Each reminder has a link to turn it off." }
                (time_field(errors, "checkin", "A daily check-in at", &input.checkin))
                @for (i, (name, value)) in practice.iter().enumerate() {
                    (time_field(errors, name, &format!("Practice time {} of {PRACTICE_TIMES}", i + 1), value))
                }
                div class="field" {
                    label for="review_day" { "The weekly review on" }
                    (field_error(errors, "review_day"))
                    select id="review_day" name="review_day" {
                        option value="" selected[input.review_day.is_empty()] { "No weekly reminder" }
                        @for (i, d) in WEEKDAYS.iter().enumerate() {
                            option value=(i) selected[input.review_day == i.to_string()] { (d) }
                        }
                    }
                }
                (time_field(errors, "review_time", "The weekly review at", &input.review_time))
                div class="check" {
                    input type="checkbox" id="questionnaires" name="questionnaires" checked[input.questionnaires.is_some()];
                    label for="questionnaires" { "A reminder on the day a questionnaire you chose is ready" }
                }
                div class="check" {
                    input type="checkbox" id="meetings" name="meetings" checked[input.meetings.is_some()];
                    label for="meetings" { "A reminder 15 minutes before your circles' meetings" }
                }
            }
            fieldset {
                legend { "Quiet hours" }
                p class="hint" { "No reminders between these times, and no pushes except for posts held because they may be about risk. They may cross midnight, for example 22:00 to 07:00." }
                (time_field(errors, "quiet_from", "Quiet from", &input.quiet_from))
                (time_field(errors, "quiet_to", "Quiet until", &input.quiet_to))
            }
            @if may_email || !input.email.is_empty() {
                fieldset {
                    legend { "E-mail when a post is held (facilitators, moderators and leads)" }
                    p class="hint" { "If you give an address, tend e-mails you at once when a post in one of your circles is held because it may be about risk. "
                        "The e-mail says only that something in tend needs you, with a link: never which circle, who, or what was written, "
                        "because e-mail passes through servers tend does not control. Leave it empty for no e-mail. Students never need one." }
                    div class="field" {
                        label for="email" { "Your e-mail address" }
                        (field_error(errors, "email"))
                        input type="email" id="email" name="email" value=(input.email) autocomplete="email"
                            aria-invalid=[has_error(errors, "email").then_some("true")]
                            aria-describedby=[has_error(errors, "email").then_some("email-error")];
                    }
                }
            }
            button type="submit" { "Save" }
        }
        (push)
        p { a href="/notifications" { "Back to notifications" } }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
    /// After the push form: `on` or `removed`.
    #[serde(default)]
    push: Option<String>,
}

/// The next day a questionnaire the person chose is due (with their key).
async fn next_questionnaire_day(state: &AppState, who: &Unlocked) -> Option<String> {
    let today = state
        .services
        .records(who)
        .today(crate::web::clock())
        .await
        .ok()?;
    state
        .services
        .questionnaires(who, &state.catalog)
        .next_due_day(today)
        .await
        .ok()
        .flatten()
}

pub async fn settings_page(
    State(state): State<AppState>,
    Person(who): Person,
    Query(q): Query<SavedQuery>,
) -> Result<Markup, PageError> {
    let n = state.services.notifications(&who);
    let s = n.settings().await?;
    if s.reminders.questionnaires {
        let day = next_questionnaire_day(&state, &who).await;
        n.refresh_questionnaire_day(day, now()).await?;
    }
    let may_email = n.may_email().await?;
    let push = super::push::section(&state, &who).await?;
    let push = html! {
        @match q.push.as_deref() {
            Some("on") => (notice("Push is on for that device.")),
            Some("removed") => (notice("Removed. That device gets no more pushes from tend.")),
            Some("reminders") => (notice("Saved. Those reminders come to that device as a push.")),
            _ => {},
        }
        (push)
    };
    Ok(layout::page(
        "What you're told",
        Some(&who),
        settings_body(
            &who,
            &input_from(&s),
            &[],
            q.saved.is_some(),
            may_email,
            push,
        ),
    ))
}

pub async fn settings_save(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<SettingsInput>,
) -> Result<Response, PageError> {
    let day = if form.questionnaires.is_some() {
        next_questionnaire_day(&state, &who).await
    } else {
        None
    };
    let n = state.services.notifications(&who);
    match n.save(&form, day, now()).await {
        Ok(_) => Ok(Redirect::to("/notifications/settings?saved=1").into_response()),
        Err(ServiceError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            layout::page(
                "What you're told",
                Some(&who),
                settings_body(
                    &who,
                    &form,
                    &errors,
                    false,
                    n.may_email().await?,
                    super::push::section(&state, &who).await?,
                ),
            ),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        SCRIPT,
    )
        .into_response()
}

/// Server-sent events: the unread count and the newest notifications, sent
/// at once and whenever something new arrives for this person (in any
/// process), for `notifications.js`.
pub async fn events(
    State(state): State<AppState>,
    Person(who): Person,
) -> Result<Response, PageError> {
    let watch = match state.services.notifications(&who).watch(now()).await {
        Ok(w) => w,
        Err(ServiceError::TooManyAttempts(secs)) => return Ok(sse::too_many(secs)),
        Err(e) => return Err(e.into()),
    };
    Ok(sse::stream(&state, Notices(watch)))
}

/// The notifications stream's one kind of event: `event: notices` with the
/// unread and urgent counts and the newest [`LIVE_LIMIT`] notifications.
struct Notices(NoticeWatch);

impl sse::Feed for Notices {
    async fn read(&mut self) -> Option<Vec<Event>> {
        let ((unread, urgent), items) = self.0.next(LIVE_LIMIT).await?;
        let at = now();
        let list: Vec<_> = items
            .iter()
            .map(|n| {
                serde_json::json!({
                    "id": n.id,
                    "kind": n.kind.as_str(),
                    "text": n.text,
                    "urgent": n.urgent && !n.read,
                    "read": n.read,
                    "note": n.note,
                    "when": if n.urgent && !n.read {
                        format!("Waiting {}", waited(at - n.created_at))
                    } else {
                        format!("{} ago", waited(at - n.created_at))
                    },
                })
            })
            .collect();
        let data = serde_json::json!({ "unread": unread, "urgent": urgent, "items": list });
        Some(vec![
            Event::default().event("notices").data(data.to_string()),
        ])
    }

    async fn still_allowed(&mut self, now: i64) -> bool {
        self.0.still_allowed(now).await
    }

    async fn wait(&mut self) {
        self.0.wait().await;
    }
}

/// Escapes text for an iCalendar property value (RFC 5545 §3.3.11).
fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace(['\r', '\n'], "\\n")
}

const DAY_CODES: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// The reminder events of a person's calendar feed, as VEVENT blocks. Times
/// are floating local times (no time zone), so each reminder rings at the
/// chosen hour wherever the phone is, and quiet hours hold in the person's
/// own time. `base` is the site's address, for the links inside.
pub(crate) fn reminder_events(
    r: &Reminders,
    today: jiff::civil::Date,
    stamp: &str,
    base: &str,
) -> String {
    let mut out = String::new();
    let mut event = |uid: &str,
                     day: jiff::civil::Date,
                     t: TimeOfDay,
                     rrule: Option<String>,
                     title: &str,
                     desc: &str,
                     path: &str,
                     off: &str| {
        let start = format!("{}T{:02}{:02}00", day.strftime("%Y%m%d"), t.hour, t.minute);
        let description = format!(
            "{desc}\nOpen tend: {base}{path}\nTurn this reminder off: {base}/notifications/off?reminder={off}"
        );
        out.push_str("BEGIN:VEVENT\r\n");
        out.push_str(&format!("UID:reminder-{uid}@tend\r\n"));
        out.push_str(&format!("DTSTAMP:{stamp}\r\n"));
        out.push_str(&format!("DTSTART:{start}\r\n"));
        out.push_str("DURATION:PT10M\r\n");
        if let Some(rule) = rrule {
            out.push_str(&format!("RRULE:{rule}\r\n"));
        }
        super::circles::ics_line(&mut out, &format!("SUMMARY:{}", ics_text(title)));
        super::circles::ics_line(&mut out, &format!("DESCRIPTION:{}", ics_text(&description)));
        out.push_str("TRANSP:TRANSPARENT\r\n");
        out.push_str("BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:PT0M\r\n");
        super::circles::ics_line(&mut out, &format!("DESCRIPTION:{}", ics_text(title)));
        out.push_str("END:VALARM\r\nEND:VEVENT\r\n");
    };
    for rem in r.repeating() {
        let off = if rem.uid.starts_with("practice") {
            "practice"
        } else {
            rem.uid.as_str()
        };
        match rem.weekday {
            None => event(
                &rem.uid,
                today,
                rem.time,
                Some("FREQ=DAILY".into()),
                &rem.title,
                &rem.description,
                rem.path,
                off,
            ),
            Some(wd) => {
                let today_index = today.weekday().to_monday_zero_offset();
                let ahead = (i16::from(wd) - i16::from(today_index)).rem_euclid(7);
                let day = today
                    .checked_add(jiff::Span::new().days(i64::from(ahead)))
                    .unwrap_or(today);
                let code = DAY_CODES.get(usize::from(wd)).copied().unwrap_or("MO");
                event(
                    &rem.uid,
                    day,
                    rem.time,
                    Some(format!("FREQ=WEEKLY;BYDAY={code}")),
                    &rem.title,
                    &rem.description,
                    rem.path,
                    off,
                );
            }
        }
    }
    if r.questionnaires
        && let Some(day) = r
            .questionnaire_day
            .as_deref()
            .and_then(|d| d.parse::<jiff::civil::Date>().ok())
    {
        let mut t = r.checkin.unwrap_or(TimeOfDay { hour: 9, minute: 0 });
        if r.is_quiet(t)
            && let Some((_, end)) = r.quiet
        {
            t = end;
        }
        event(
            &format!("questionnaires-{}", day.strftime("%Y%m%d")),
            day.max(today),
            t,
            None,
            "tend: a questionnaire is ready, when you are",
            "A reminder you asked for. It takes a few minutes, and it can wait.",
            "/questionnaires",
            "questionnaires",
        );
    }
    out
}
