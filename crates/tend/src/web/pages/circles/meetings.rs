//! Meetings, shown in each member's own time zone, and a private calendar feed.

use crate::web::extract::NoFields;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::{circle_nav, viewer_tz};
use crate::domain::Invalid;
use crate::domain::circles::{MeetingInput, Schedule};
use crate::service::circles::{Access, Action, FeedMeetingRow, MeetingRow};
use crate::service::{ServiceError, Unlocked};
use crate::web::error::PageError;
use crate::web::extract::{Person, SignedForm, random_token};
use crate::web::layout::{self, csrf, error_summary, field_error, has_error};
use crate::web::{AppState, now};

/// How far ahead the calendar feed lists weekly meetings.
const FEED_WEEKS: usize = 26;

fn schedule(m: &MeetingRow) -> Option<Schedule> {
    Schedule::parse(
        &m.starts_local,
        &m.time_zone,
        m.weekly == 1,
        m.duration_minutes,
    )
}

/// "Monday 3 November, 19:00 (your time)" for the next `n` occurrences.
fn local_times(m: &MeetingRow, tz: &jiff::tz::TimeZone, n: usize) -> Vec<String> {
    schedule(m)
        .map(|s| {
            s.upcoming(crate::web::clock(), n)
                .into_iter()
                .map(|z| {
                    z.with_time_zone(tz.clone())
                        .strftime("%A %-d %B, %H:%M")
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// "Every Sunday at 19:00, America/New_York time, from 6 January 2030 · 60 minutes".
fn describe(m: &MeetingRow) -> String {
    let Ok(start) = m.starts_local.parse::<jiff::civil::DateTime>() else {
        return String::new();
    };
    let zone = &m.time_zone;
    let length = m.duration_minutes;
    if m.weekly == 1 {
        format!(
            "Every {} at {}, {zone} time, from {} · {length} minutes",
            start.strftime("%A"),
            start.strftime("%H:%M"),
            start.strftime("%-d %B %Y"),
        )
    } else {
        format!(
            "{} at {}, {zone} time · {length} minutes",
            start.strftime("%A %-d %B %Y"),
            start.strftime("%H:%M"),
        )
    }
}

/// One line per meeting for the circle's home page.
pub(crate) fn upcoming_lines(
    meetings: &[MeetingRow],
    tz: &jiff::tz::TimeZone,
    n: usize,
) -> Vec<String> {
    meetings
        .iter()
        .filter_map(|m| {
            local_times(m, tz, n)
                .into_iter()
                .next()
                .map(|t| format!("{}: {t}", m.title))
        })
        .collect()
}

fn meeting_form(who: &Unlocked, cid: &str, input: &MeetingInput, errors: &[Invalid]) -> Markup {
    let field = |name: &'static str, label: &str, hint: &str, value: &str, kind: &str| {
        html! {
            div {
                label for=(name) { (label) @if !hint.is_empty() { span class="hint" { (hint) } } }
                input id=(name) name=(name) type=(kind) value=(value)
                    aria-invalid=[has_error(errors, name).then_some("true")];
                (field_error(errors, name))
            }
        }
    };
    html! {
        h2 { "Schedule a meeting" }
        (error_summary(errors))
        form method="post" action={ "/circles/" (cid) "/meetings" } class="stack" novalidate {
            (csrf(who))
            (field("title", "Title", "", &input.title, "text"))
            (field("date", "Date", "The first date, like 2026-03-14.", &input.date, "date"))
            (field("time", "Start time", "In the meeting's time zone, like 19:30.", &input.time, "time"))
            (field("time_zone", "Meeting time zone", "Like Europe/London or America/Chicago. Members see it in their own.", &input.time_zone, "text"))
            fieldset {
                legend { "How often" }
                div class="choice" {
                    label { input type="radio" name="repeat" value="once" checked[input.repeat != "weekly"]; "Once" }
                    label { input type="radio" name="repeat" value="weekly" checked[input.repeat == "weekly"]; "Every week" }
                }
                (field_error(errors, "repeat"))
            }
            (field("duration", "Length in minutes", "", &input.duration, "text"))
            (field("link", "Video-call link", "Optional. A web address (https://…) becomes a link members can open.", &input.link, "text"))
            div {
                label for="note" { "Note" span class="hint" { "Optional." } }
                textarea id="note" name="note" rows="3" { (input.note) }
                (field_error(errors, "note"))
            }
            div class="actions" { button type="submit" { "Save meeting" } }
        }
    }
}

async fn render(
    state: &AppState,
    who: &Unlocked,
    a: &Access,
    list: &[MeetingRow],
    input: &MeetingInput,
    errors: &[Invalid],
) -> Result<Markup, PageError> {
    let cid = &a.circle.id;
    let tz = viewer_tz(state, who).await?;
    let zone_name = tz.iana_name().unwrap_or("UTC").to_owned();
    Ok(layout::page(
        "Meetings",
        Some(who),
        html! {
            h1 { "Meetings · " (a.circle.name) }
            (circle_nav(a))
            p { "Times are shown in your time zone, " strong { (zone_name) } ". "
                a href="/account" { "Change it in your account" } "." }
            @if list.is_empty() { p { "No meetings are scheduled yet." } }
            ul class="entries meetings" {
                @for m in list {
                    @let times = local_times(m, &tz, 3);
                    li {
                        h2 { (m.title) }
                        p class="muted" { (describe(m)) }
                        @if times.is_empty() { p { "This meeting has taken place." } }
                        @else {
                            p { "Your time:" }
                            ul class="meeting-times" { @for t in &times { li { (t) } } }
                        }
                        @if !m.video_link.is_empty() {
                            p { "Video call: "
                                @if is_web_link(&m.video_link) {
                                    a href=(m.video_link) rel="noopener noreferrer" class="meeting-link" { (m.video_link) }
                                } @else { code { (m.video_link) } }
                            }
                        }
                        @if !m.note.is_empty() { (layout::paragraphs(&m.note)) }
                        @if a.may(Action::Schedule) {
                            form method="post" action={ "/circles/" (cid) "/meetings/" (m.id) "/delete" } class="inline" {
                                (csrf(who))
                                button type="submit" class="link" { "Cancel this meeting" }
                            }
                        }
                    }
                }
            }
            p { a href="/circles/calendar" { "Add your circles' meetings to your calendar app" } }
            @if a.may(Action::Schedule) { (meeting_form(who, cid, input, errors)) }
        },
    ))
}

pub async fn page(
    State(state): State<AppState>,
    Person(who): Person,
    Path(cid): Path<String>,
) -> Result<Markup, PageError> {
    let (a, list) = state.services.circles().meetings(&who, &cid, now()).await?;
    let input = MeetingInput {
        time_zone: viewer_tz(&state, &who)
            .await?
            .iana_name()
            .unwrap_or("UTC")
            .to_owned(),
        duration: "60".into(),
        repeat: "weekly".into(),
        ..MeetingInput::default()
    };
    render(&state, &who, &a, &list, &input, &[]).await
}

pub async fn create(
    State(state): State<AppState>,
    Path(cid): Path<String>,
    SignedForm { who, form }: SignedForm<MeetingInput>,
) -> Result<Response, PageError> {
    let circles = state.services.circles();
    match circles.schedule(&who, &cid, &form, now()).await {
        Ok(()) => Ok(Redirect::to(&format!("/circles/{cid}/meetings")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let (a, list) = circles.meetings(&who, &cid, now()).await?;
            let page = render(&state, &who, &a, &list, &form, &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Path((cid, mid)): Path<(String, String)>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    state
        .services
        .circles()
        .cancel_meeting(&who, &cid, &mid, now())
        .await?;
    Ok(Redirect::to(&format!("/circles/{cid}/meetings")).into_response())
}

fn calendar_body(who: &Unlocked, has: bool, fresh: Option<&str>) -> Markup {
    html! {
        h1 { "Meetings in your calendar app" }
        p { "A private link your calendar app can subscribe to. It lists the meetings of every circle you're in, "
            "in the right time for wherever you are. Anyone with the link can see those meeting times, so keep it to yourself." }
        @if let Some(url) = fresh {
            div class="card" role="status" {
                p { strong { "Your new calendar link:" } }
                p { code class="feed-url" { (url) } }
                p { "Copy it now: for your privacy tend keeps only a fingerprint of it and can't show it again." }
            }
        }
        form method="post" action="/circles/calendar" class="actions" {
            (csrf(who))
            button type="submit" { @if has { "Make a new link (the old one stops working)" } @else { "Make a calendar link" } }
        }
        @if has {
            form method="post" action="/circles/calendar/revoke" class="actions" {
                (csrf(who))
                button type="submit" class="secondary" { "Turn the link off" }
            }
        }
        p { a href="/circles" { "Back to circles" } }
    }
}

pub async fn calendar_page(
    State(state): State<AppState>,
    Person(who): Person,
) -> Result<Markup, PageError> {
    let has = state.services.circles().has_calendar_link(&who).await?;
    Ok(layout::page(
        "Calendar link",
        Some(&who),
        calendar_body(&who, has, None),
    ))
}

pub async fn calendar_new(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Markup, PageError> {
    let token = random_token();
    state
        .services
        .circles()
        .set_calendar_link(&who, &token, now())
        .await?;
    let url = format!("{}/calendar/{token}.ics", site_base(&state, &headers));
    Ok(layout::page(
        "Calendar link",
        Some(&who),
        calendar_body(&who, true, Some(&url)),
    ))
}

pub async fn calendar_revoke(
    State(state): State<AppState>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    state.services.circles().end_calendar_link(&who).await?;
    Ok(Redirect::to("/circles/calendar").into_response())
}

/// The site's address as the browser (or calendar app) reached it.
fn site_base(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    // Deployments that mark cookies Secure are served over HTTPS.
    let scheme = if state.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// Escapes text for an iCalendar property value (RFC 5545 §3.3.11).
/// Every line break (CRLF, LF or a lone CR) becomes `\n`.
fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace(['\r', '\n'], "\\n")
}

/// Longest content line in octets, without its CRLF (RFC 5545 §3.1).
const ICS_LINE_MAX: usize = 75;

/// Writes one content line, folded so no physical line passes 75 octets. Folds
/// fall between characters, never inside one; each continuation starts with a
/// space, which counts towards its 75.
pub(crate) fn ics_line(out: &mut String, line: &str) {
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > ICS_LINE_MAX {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
}

/// The feed: the meetings, and the reminders the person chose (issue 13,
/// `web::pages::notifications`); `alarms` adds a reminder before meetings.
fn ics(
    meetings: &[FeedMeetingRow],
    now_ts: jiff::Timestamp,
    alarms: bool,
    reminders: &str,
) -> String {
    let stamp = now_ts.strftime("%Y%m%dT%H%M%SZ").to_string();
    let mut out = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tend//circles//EN\r\nCALSCALE:GREGORIAN\r\nX-WR-CALNAME:tend circles\r\n",
    );
    for m in meetings {
        let Some(s) = Schedule::parse(
            &m.starts_local,
            &m.time_zone,
            m.weekly == 1,
            m.duration_minutes,
        ) else {
            continue;
        };
        // Each occurrence as its own event in UTC: correct across daylight-saving
        // changes in any calendar app, with no time-zone tables to ship.
        for z in s.upcoming(now_ts, if m.weekly == 1 { FEED_WEEKS } else { 1 }) {
            let start = z.timestamp();
            let end = jiff::Timestamp::from_second(start.as_second() + m.duration_minutes * 60)
                .unwrap_or(start);
            let mut desc = String::new();
            if !m.video_link.is_empty() {
                desc.push_str(&format!("Video call: {}\n", m.video_link));
            }
            desc.push_str(&m.note);
            out.push_str("BEGIN:VEVENT\r\n");
            out.push_str(&format!("UID:{}-{}@tend\r\n", m.id, start.as_second()));
            out.push_str(&format!("DTSTAMP:{stamp}\r\n"));
            out.push_str(&format!("DTSTART:{}\r\n", start.strftime("%Y%m%dT%H%M%SZ")));
            out.push_str(&format!("DTEND:{}\r\n", end.strftime("%Y%m%dT%H%M%SZ")));
            ics_line(
                &mut out,
                &format!(
                    "SUMMARY:{}",
                    ics_text(&format!("{} ({})", m.title, m.circle_name))
                ),
            );
            if !desc.is_empty() {
                ics_line(
                    &mut out,
                    &format!("DESCRIPTION:{}", ics_text(desc.trim_end())),
                );
            }
            if alarms {
                out.push_str("BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:A circle meeting soon\r\nEND:VALARM\r\n");
            }
            out.push_str("END:VEVENT\r\n");
        }
    }
    out.push_str(reminders);
    out.push_str("END:VCALENDAR\r\n");
    out
}

/// The feed itself: no session, the secret in the URL is the key.
pub async fn feed(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let token = token.strip_suffix(".ics").unwrap_or(&token);
    let meetings = state.services.circles().calendar(token).await?;
    let reminders = state.services.reminders_for_link(token).await?;
    let now_ts = crate::web::clock();
    let base = site_base(&state, &headers);
    let extra = crate::web::pages::notifications::reminder_events(
        &reminders,
        now_ts.to_zoned(jiff::tz::TimeZone::UTC).date(),
        &now_ts.strftime("%Y%m%dT%H%M%SZ").to_string(),
        &base,
    );
    Ok((
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        ics(&meetings, now_ts, reminders.meetings, &extra),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_escapes_text_and_lists_occurrences_in_utc() {
        let m = FeedMeetingRow {
            id: "m1".into(),
            circle_name: "Night shift".into(),
            title: "Check-in; all welcome".into(),
            starts_local: "2030-01-07T19:00".into(),
            time_zone: "Europe/London".into(),
            weekly: 1,
            duration_minutes: 60,
            video_link: "https://meet.example/x".into(),
            note: "Bring tea, or not".into(),
        };
        let out = ics(&[m], "2030-01-01T00:00Z".parse().unwrap(), false, "");
        assert!(out.contains("SUMMARY:Check-in\\; all welcome (Night shift)\r\n"));
        assert!(out.contains("DTSTART:20300107T190000Z\r\n"));
        assert_eq!(out.matches("BEGIN:VEVENT").count(), FEED_WEEKS);
        assert!(out.contains("Bring tea\\, or not"));
    }

    #[test]
    fn a_lone_carriage_return_is_escaped() {
        assert_eq!(
            ics_text("one\rtwo\r\nthree\nfour"),
            "one\\ntwo\\nthree\\nfour"
        );
    }

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        // Two-, three- and four-byte characters, so a fold can't land on a boundary by luck.
        let text = "Résumé ☕ peer support 🌱 for third-years; ".repeat(8);
        let mut out = String::new();
        ics_line(&mut out, &format!("DESCRIPTION:{}", ics_text(&text)));
        assert!(out.ends_with("\r\n"));
        let lines: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(lines.len() > 4, "{lines:?}");
        let last = lines.len() - 1;
        for (i, l) in lines.iter().enumerate() {
            assert!(l.len() <= 75, "line {i} is {} octets: {l:?}", l.len());
            assert!(i == last || l.len() >= 72, "folds fill the line: {l:?}");
            assert_eq!(i > 0, l.starts_with(' '), "{l:?}");
        }
        // Unfolding (drop each CRLF and the space after it) gives back the line.
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, format!("DESCRIPTION:{}", ics_text(&text)));
        // A short line is left alone.
        let mut short = String::new();
        ics_line(&mut short, "SUMMARY:Tea");
        assert_eq!(short, "SUMMARY:Tea\r\n");
    }

    #[test]
    fn the_feed_folds_long_lines_and_escapes_lone_carriage_returns() {
        let m = FeedMeetingRow {
            id: "m2".into(),
            circle_name: "A circle with a rather long name, for the sake of it".into(),
            title: "Évening check-in for everyone on nights".into(),
            starts_local: "2030-01-07T19:00".into(),
            time_zone: "Europe/London".into(),
            weekly: 0,
            duration_minutes: 60,
            video_link: String::new(),
            note: "Line one\rline two".into(),
        };
        let out = ics(&[m], "2030-01-01T00:00Z".parse().unwrap(), false, "");
        assert!(out.split("\r\n").all(|l| l.len() <= 75), "{out}");
        assert!(out.contains("DESCRIPTION:Line one\\nline two\r\n"), "{out}");
        assert!(!out.replace("\r\n", "").contains('\r'));
    }
}

/// Only plain web addresses become links; anything else (a `javascript:` URL,
/// a phone number, a room name) stays text to copy.
fn is_web_link(s: &str) -> bool {
    let lower = s.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod link_tests {
    use super::is_web_link;

    #[test]
    fn only_http_and_https_addresses_become_links() {
        assert!(is_web_link("https://meet.example/abc"));
        assert!(is_web_link("HTTP://meet.example/abc"));
        assert!(!is_web_link("javascript:alert(1)"));
        assert!(!is_web_link("data:text/html,hi"));
        assert!(!is_web_link("meet.example/abc"));
        assert!(!is_web_link("https://meet.example/a b"));
    }
}
