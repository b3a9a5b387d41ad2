//! Step 2: guided mindfulness practices with timer, pacer and bell.
//!
//! Without JavaScript a practice is its text, a "Start" form that picks the
//! length, and a "Finish" form that logs the minutes. `practice.js` adds a
//! timer, a breathing pacer (still, with a text count, under reduced motion)
//! and an optional bell made with the Web Audio API.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;

use super::today_for;
use crate::content::{PRACTICE_OPT_OUT, Practice};
use crate::domain::Invalid;
use crate::domain::practice::{
    PracticeLog, Totals, parse_length, parse_minutes, totals, window_start,
};
use crate::service::Unlocked;
use crate::service::summaries::{Suggestion, suggest_practice};
use crate::web::components::week::dated;
use crate::web::error::PageError;
use crate::web::extract::{MaybePerson, SignedForm};
use crate::web::format::{days as days_word, minutes as minutes_word};
use crate::web::layout::{self, csrf, error_summary, field_error, has_error};
use crate::web::{AppState, now};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/practices", get(list))
        .route("/practices/{slug}", get(show))
        .route("/practices/{slug}/finish", post(finish))
}

/// "3, 5 or 10 minutes".
fn lengths_text(durations: &[u16]) -> String {
    let parts: Vec<String> = durations.iter().map(u16::to_string).collect();
    match parts.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last} minutes", rest.join(", ")),
        Some((only, _)) => format!("{only} minutes"),
        None => String::new(),
    }
}

/// "about 30 seconds", "about 2 minutes": steps are guides, not deadlines.
fn about(seconds: u32) -> String {
    if seconds < 55 {
        let s = (seconds.div_ceil(5) * 5).max(5);
        format!("about {s} seconds")
    } else {
        let m = ((seconds + 30) / 60).max(1);
        format!("about {}", minutes_word(m))
    }
}

fn step_seconds(share: f32, length: u16) -> u32 {
    // Shares are checked at start-up to lie in 0..=1, so this stays small.
    (share.clamp(0.0, 1.0) * f32::from(length) * 60.0).round() as u32
}

/// Practice minutes and gratitude notes of `from..=to` together, under `h3`
/// headings. The weekly review shows the two parts as separate sections; this
/// combined view lets the tests check both against one seeded week.
#[cfg(test)]
pub(crate) async fn week_summary(
    state: &AppState,
    who: &Unlocked,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
) -> Result<Markup, PageError> {
    let summaries = state.services.summaries(who);
    use crate::web::components::week;
    let practice = week::practice(
        &state.content,
        &summaries.practice(from, to).await?,
        from,
        to,
    );
    let good = week::good_things(&summaries.good_things(from, to).await?);
    Ok(html! {
        div class="week-practice" {
            h3 { "Practice" }
            (practice)
            h3 { "Good things" }
            (good)
        }
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    saved: Option<String>,
}

fn totals_card(week: Totals, month: Totals) -> Markup {
    html! {
        section class="card" aria-labelledby="minutes-h" {
            h2 id="minutes-h" { "Minutes practised" }
            @if month.sessions == 0 {
                p { "Your minutes will add up here. One minute is a fine start." }
            } @else {
                dl class="summary" {
                    dt { "Last 7 days" }
                    dd { (minutes_word(week.minutes)) @if week.days > 0 { ", on " (days_word(week.days)) } }
                    dt { "Last 30 days" }
                    dd { (minutes_word(month.minutes)) ", on " (days_word(month.days)) }
                }
                p class="muted" { "Every minute counts, and so does every day you came back to it." }
            }
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    MaybePerson(who): MaybePerson,
    Query(q): Query<ListQuery>,
) -> Result<Markup, PageError> {
    let mut mine = None;
    if let Some(who) = &who {
        let today = today_for(&state, who).await?;
        let logs = state.services.summaries(who).practice_month(today).await?;
        let d = dated(&logs);
        let week = totals(&d, window_start(today, 7), today);
        let month = totals(&d, window_start(today, 30), today);
        let suggestion = suggest_practice(&state.content, &logs, today);
        mine = Some((week, month, suggestion, logs));
    }
    let saved = q
        .saved
        .as_deref()
        .and_then(|s| state.content.practice(s))
        .filter(|_| who.is_some());
    Ok(layout::page(
        "Practise",
        who.as_ref(),
        html! {
            @if let Some(p) = saved {
                (layout::notice(&format!("Saved your time with {}. Thank you for taking it for yourself.", p.title)))
            }
            h1 { "Practise" }
            p { "Short guided practices for a busy day. Pick one, choose a length, and follow along. "
                "Wandering attention is part of it: coming back is the practice." }
            @if let Some((week, month, suggestion, logs)) = &mine {
                @if let Some(Suggestion { slug, reason, .. }) = suggestion {
                    p class="suggestion" { a href={ "/practices/" (slug) } { (reason) } }
                }
                (totals_card(*week, *month))
                @if !logs.is_empty() {
                    section aria-labelledby="recent-h" {
                        h2 id="recent-h" { "Recent practice" }
                        ul class="entries" {
                            @for l in logs.iter().take(5) {
                                li {
                                    (state.content.practice(&l.value.slug).map_or(l.value.slug.as_str(), |p| p.title.as_str()))
                                    " · " (minutes_word(u32::from(l.value.minutes)))
                                    @if let Some(d) = l.day { br; span class="muted" { (crate::web::format::weekday(d)) } }
                                }
                            }
                        }
                    }
                }
            } @else {
                p class="muted" { a href="/signin" { "Sign in" } " to keep a private, encrypted log of your minutes." }
            }
            section aria-labelledby="all-h" {
                h2 id="all-h" { "Practices" }
                ul class="practice-list" {
                    @for p in &state.content.practices {
                        li class="card" {
                            h3 { a href={ "/practices/" (p.slug) } { (p.title) } }
                            p { (p.summary) }
                            p class="muted" { (lengths_text(&p.durations)) @if p.pacer.is_some() { " · with a breathing pacer" } }
                        }
                    }
                }
            }
            p { "Why these help, and what the research says: "
                a href="/learn/mindfulness" { "Step 2: Practise mindfulness" } "." }
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    length: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct FinishForm {
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    length: String,
}

fn practice_of<'a>(state: &'a AppState, slug: &str) -> Result<&'a Practice, PageError> {
    state.content.practice(slug).ok_or(PageError::NotFound)
}

fn first_length(p: &Practice) -> u16 {
    p.durations.first().copied().unwrap_or(3)
}

fn practice_page(
    p: &Practice,
    who: Option<&Unlocked>,
    length: u16,
    started: bool,
    minutes: &str,
    errors: &[Invalid],
) -> Markup {
    let action = format!("/practices/{}", p.slug);
    html! {
        (error_summary(errors))
        @if started && errors.is_empty() {
            p class="notice" role="status" id="started" {
                "Started: " (minutes_word(u32::from(length))) ". Follow the steps below at your own pace; "
                @if who.is_some() { "“Finish and save minutes” is at the bottom." } @else { "the Finish section is at the bottom." }
            }
        }
        h1 { (p.title) }
        p { (p.summary) }
        p class="opt-out" id="opt-out" { (PRACTICE_OPT_OUT) }
        form method="get" action=(action) class="card stack" id="start-form" {
            fieldset id="length" aria-describedby=[has_error(errors, "length").then_some("length-error")] {
                legend { "How long?" }
                div class="scale" {
                    @for d in &p.durations {
                        label { input type="radio" name="length" value=(d) checked[*d == length]; (minutes_word(u32::from(*d))) }
                    }
                }
                (field_error(errors, "length"))
            }
            div class="actions" { button type="submit" id="start" { "Start" } }
        }
        // Shown by practice.js; without JavaScript it stays hidden and the steps
        // and the finish form below are the whole practice.
        section id="player" class="card player" hidden aria-labelledby="player-h"
            data-length=(length)
            data-inhale=[p.pacer.as_ref().map(|x| x.inhale)]
            data-hold=[p.pacer.as_ref().map(|x| x.hold)]
            data-exhale=[p.pacer.as_ref().map(|x| x.exhale)] {
            h2 id="player-h" { "Timer" }
            p class="timer" role="timer" id="timer" aria-label="Time left" { (length) ":00" }
            @if p.pacer.is_some() {
                div class="pacer" id="pacer" {
                    div class="pacer-ring" { div class="circle" {} }
                    p class="pacer-text" id="pacer-text" { "Breathe at your own pace" }
                }
            }
            label class="check" { input type="checkbox" id="bell"; " Ring a soft bell at each step" }
            div class="actions" {
                button type="button" id="pause" hidden { "Pause" }
                button type="button" id="stop" class="secondary" hidden { "Finish now" }
            }
            p id="player-status" role="status" class="muted" {}
        }
        section aria-labelledby="steps-h" {
            h2 id="steps-h" { "Steps" }
            ol class="steps" id="steps" {
                @for s in &p.steps {
                    li data-share=(s.share) {
                        h3 { (s.title) }
                        p class="muted step-time" { (about(step_seconds(s.share, length))) }
                        p { (s.text) }
                    }
                }
            }
        }
        section class="card" aria-labelledby="finish-h" id="finish" {
            h2 id="finish-h" { "Finish" }
            @if let Some(who) = who {
                form method="post" action={ "/practices/" (p.slug) "/finish" } class="stack" novalidate {
                    (csrf(who))
                    input type="hidden" name="length" value=(length);
                    div {
                        label for="minutes" { "Minutes practised" span class="hint" { "Any amount counts, even one minute." } }
                        input id="minutes" name="minutes" type="text" inputmode="numeric" value=(minutes)
                            aria-describedby=[has_error(errors, "minutes").then_some("minutes-error")];
                        (field_error(errors, "minutes"))
                    }
                    div class="actions" { button type="submit" id="finish-button" { "Finish and save minutes" } }
                }
            } @else {
                p { "Well done for taking the time. " a href="/signin" { "Sign in" } " to keep a private log of your minutes." }
            }
        }
        p class="muted source" { (p.source) }
        p { a href="/practices" { "All practices" } }
        script src=(crate::web::assets::url("practice.js")) defer {}
    }
}

pub async fn show(
    State(state): State<AppState>,
    MaybePerson(who): MaybePerson,
    Path(slug): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, PageError> {
    let p = practice_of(&state, &slug)?;
    let (length, started, errors) = match q.length.as_deref() {
        None => (first_length(p), false, Vec::new()),
        Some(raw) => match parse_length(raw, &p.durations) {
            Ok(l) => (l, true, Vec::new()),
            Err(e) => (first_length(p), false, vec![e]),
        },
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = practice_page(
        p,
        who.as_ref(),
        length,
        started,
        &length.to_string(),
        &errors,
    );
    Ok((status, layout::page(&p.title, who.as_ref(), body)).into_response())
}

pub async fn finish(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    SignedForm { who, form }: SignedForm<FinishForm>,
) -> Result<Response, PageError> {
    let p = practice_of(&state, &slug)?;
    let minutes = match parse_minutes(&form.minutes) {
        Ok(m) => m,
        Err(e) => {
            let length = parse_length(&form.length, &p.durations).unwrap_or(first_length(p));
            let body = practice_page(p, Some(&who), length, false, &form.minutes, &[e]);
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                layout::page(&p.title, Some(&who), body),
            )
                .into_response());
        }
    };
    let today = today_for(&state, &who).await?;
    state
        .services
        .records(&who)
        .create(
            Some(today),
            PracticeLog {
                slug: p.slug.clone(),
                minutes,
            },
            now(),
        )
        .await?;
    state
        .services
        .programmes()
        .after_use(
            &who,
            today,
            crate::domain::programmes::Measure::Practice,
            now(),
        )
        .await;
    Ok(Redirect::to(&format!("/practices?saved={}", p.slug)).into_response())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use jiff::civil::date;

    use super::*;
    use crate::config::Config;
    use crate::domain::gratitude::Gratitude;
    use crate::vault::KdfParams;

    /// A real state on a fresh SQLite file, and one signed-in person.
    async fn state_and_person() -> (tempfile::TempDir, AppState, Unlocked) {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::for_data_dir(dir.path().to_path_buf()).unwrap();
        config.kdf = KdfParams {
            memory_kib: 64,
            iterations: 1,
        };
        let services = crate::service::Services::open(&config).await.unwrap();
        let state = AppState::new(&config, services).unwrap();
        let accounts = state.services.accounts();
        let made = accounts
            .sign_up("weekly", "kettle maple orbit", "UTC", now())
            .await
            .unwrap();
        let who = accounts
            .authenticate(&made.token.encode(), now())
            .await
            .unwrap()
            .unwrap();
        (dir, state, who)
    }

    /// Server time of these pages for a person with a year of data.
    /// `cargo test --release -p tend --lib -- --ignored --nocapture year_of_data`
    #[tokio::test]
    #[ignore = "a measurement, not a check; run by hand"]
    async fn year_of_data_pages_stay_fast() {
        use axum::body::Body;
        use axum::http::Request;
        use tower::ServiceExt;

        let (_dir, state, who) = state_and_person().await;
        let today = today_for(&state, &who).await.unwrap();
        let records = state.services.records(&who);
        for back in 0..365 {
            let day = today.saturating_sub(jiff::Span::new().days(back));
            for slug in ["rain", "breathing-space"] {
                let log = PracticeLog {
                    slug: slug.into(),
                    minutes: 5,
                };
                records.create(Some(day), log, now()).await.unwrap();
            }
            let g = Gratitude {
                things: vec!["a good thing that happened on this day".into(); 3],
            };
            records
                .put_slot(&day.to_string(), Some(day), g, now())
                .await
                .unwrap();
        }
        let made = state
            .services
            .accounts()
            .sign_in(
                crate::service::Credentials {
                    handle: "weekly",
                    passphrase: "kettle maple orbit",
                },
                now(),
            )
            .await
            .unwrap();
        let cookie = format!("tend_session={}", made.encode());
        let app = crate::web::router(state.clone());
        for path in [
            "/practices",
            "/practices/rain",
            "/gratitude",
            "/gratitude/remind",
            "/hard-moment",
            "/learn",
            "/learn/mindfulness",
        ] {
            let mut times = Vec::new();
            for _ in 0..30 {
                let req = Request::get(path)
                    .header("cookie", &cookie)
                    .body(Body::empty())
                    .unwrap();
                let start = std::time::Instant::now();
                let res = app.clone().oneshot(req).await.unwrap();
                let _ = axum::body::to_bytes(res.into_body(), usize::MAX)
                    .await
                    .unwrap();
                times.push(start.elapsed().as_secs_f64() * 1000.0);
            }
            times.sort_by(f64::total_cmp);
            println!(
                "{path}: median {:.2} ms, p90 {:.2} ms",
                times[times.len() / 2],
                times[times.len() * 9 / 10]
            );
        }
    }

    #[tokio::test]
    async fn week_summary_gathers_minutes_and_good_things_of_the_week_only() {
        let (_dir, state, who) = state_and_person().await;
        let html = week_summary(&state, &who, date(2026, 3, 4), date(2026, 3, 10))
            .await
            .unwrap()
            .into_string();
        assert!(html.contains("No practice logged this week"));
        let records = state.services.records(&who);
        for (day, slug, minutes) in [
            (date(2026, 3, 10), "rain", 10),
            (date(2026, 3, 10), "rain", 5),
            (date(2026, 3, 5), "body-scan", 20),
            (date(2026, 3, 3), "body-scan", 99), // the week before
        ] {
            let log = PracticeLog {
                slug: slug.into(),
                minutes,
            };
            records.create(Some(day), log, now()).await.unwrap();
        }
        let note = Gratitude {
            things: vec!["WEEK-GOOD-1".into()],
        };
        records
            .put_slot("2026-03-06", Some(date(2026, 3, 6)), note, now())
            .await
            .unwrap();
        let old = Gratitude {
            things: vec!["OLD-GOOD-2".into()],
        };
        records
            .put_slot("2026-02-01", Some(date(2026, 2, 1)), old, now())
            .await
            .unwrap();
        let html = week_summary(&state, &who, date(2026, 3, 4), date(2026, 3, 10))
            .await
            .unwrap()
            .into_string();
        assert!(html.contains("35 minutes of practice, on 2 days"), "{html}");
        assert!(html.contains("RAIN for a difficult feeling: 15 minutes"));
        assert!(html.contains("Body scan: 20 minutes"));
        assert!(html.contains("WEEK-GOOD-1") && !html.contains("OLD-GOOD-2"));
    }

    #[tokio::test]
    async fn the_suggestion_is_a_practice_not_done_lately_and_never_a_reproach() {
        let (_dir, state, who) = state_and_person().await;
        let today = today_for(&state, &who).await.unwrap();
        let records = state.services.records(&who);
        for p in state
            .content
            .practices
            .iter()
            .filter(|p| p.slug != "body-scan")
        {
            let log = PracticeLog {
                slug: p.slug.clone(),
                minutes: 3,
            };
            records.create(Some(today), log, now()).await.unwrap();
        }
        let month = state
            .services
            .summaries(&who)
            .practice_month(today)
            .await
            .unwrap();
        let Suggestion {
            slug,
            title,
            reason,
        } = suggest_practice(&state.content, &month, today).unwrap();
        assert_eq!(slug, "body-scan");
        assert_eq!(title, "Body scan");
        assert!(reason.contains("Body scan"));
        let lower = reason.to_lowercase();
        for word in ["missed", "streak", "days since", "haven't", "lately"] {
            assert!(!lower.contains(word), "{reason}");
        }
    }

    #[test]
    fn every_practice_says_it_can_be_stopped_before_the_first_step() {
        let content = crate::content::Content::embedded().unwrap();
        for p in &content.practices {
            let page = practice_page(p, None, first_length(p), false, "", &[]).into_string();
            let opt_out = page
                .find(PRACTICE_OPT_OUT)
                .expect("the opt-out line is shown");
            let first_step = page
                .find(&format!("<h3>{}</h3>", p.steps[0].title))
                .unwrap();
            assert!(
                opt_out < first_step,
                "{}: opt-out comes before the first step",
                p.slug
            );
            // Also before the timer starts, so nobody begins without seeing it.
            assert!(
                opt_out < page.find("id=\"start-form\"").unwrap(),
                "{}",
                p.slug
            );
        }
    }

    #[test]
    fn words_for_lengths_and_step_times() {
        assert_eq!(lengths_text(&[3, 5, 10]), "3, 5 or 10 minutes");
        assert_eq!(lengths_text(&[2]), "2 minutes");
        assert_eq!(about(27), "about 30 seconds");
        assert_eq!(about(59), "about 1 minute");
        assert_eq!(about(60), "about 1 minute");
        assert_eq!(about(200), "about 3 minutes");
        assert_eq!(step_seconds(0.5, 10), 300);
    }
}
