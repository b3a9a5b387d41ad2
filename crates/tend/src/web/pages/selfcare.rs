//! Step 6: self-care trends from the daily check-ins.
//!
//! Charts are plain server-rendered SVG (no script, no inline style: classes
//! only), each with a title and a description, and the same numbers as a
//! table. Days without a check-in are left out, never counted as missed.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::civil::Date;
use maud::{Markup, html};
use serde::Deserialize;

use super::today_for;
use crate::domain::Invalid;
use crate::domain::checkin::{Checkin, Meals};
use crate::domain::goals::hours;
use crate::domain::selfcare::{
    Comparison, MIN_DAYS_PER_SIDE, SelfcareSettings, SettingsInput, SleepDebt, ate_regular_meals,
    compare, mood, moved, sleep_debt, window,
};
use crate::service::RecordFilter;
use crate::service::Unlocked;
use crate::web::error::PageError;
use crate::web::extract::{Person, SignedForm};
use crate::web::layout::{self, csrf, error_summary, field_error, has_error};
use crate::web::{AppState, now};

const SETTINGS_SLOT: &str = "selfcare";
/// Comparisons always look at this many days, whatever the chart shows:
/// a week is never enough days on both sides.
const COMPARE_DAYS: u16 = 30;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/selfcare", get(page))
        .route("/selfcare/settings", post(save_settings))
}

#[derive(Debug, Default, Deserialize)]
pub struct ViewQuery {
    days: Option<String>,
    saved: Option<String>,
}

/// The person's check-ins of the last `days` days (today included), oldest first.
pub async fn recent_checkins(
    state: &AppState,
    who: &Unlocked,
    today: Date,
    days: u16,
) -> Result<Vec<(Date, Checkin)>, PageError> {
    let from = today.saturating_sub(jiff::Span::new().days(i64::from(days) - 1));
    let list = state
        .services
        .records(who)
        .list::<Checkin>(&RecordFilter {
            day_from: Some(from),
            day_to: Some(today),
            limit: Some(i64::from(days)),
        })
        .await?;
    let mut out: Vec<(Date, Checkin)> = list
        .into_iter()
        .filter_map(|s| s.day.map(|d| (d, s.value)))
        .collect();
    out.sort_by_key(|(d, _)| *d);
    Ok(out)
}

/// One bar chart: a bar per day of the window, a gap for days without a value.
struct Chart<'a> {
    id: &'a str,
    title: String,
    desc: String,
    class: &'a str,
    /// Top of the scale.
    max: f32,
    /// A dashed reference line (sleep need), with its label.
    line: Option<(f32, String)>,
    unit: &'a str,
}

const W: f32 = 320.0;
const H: f32 = 120.0;
const TOP: f32 = 18.0;
const BOTTOM: f32 = 18.0;

fn chart(c: &Chart<'_>, days: &[Date], values: &[(Date, f32)]) -> Markup {
    let n = days.len().max(1) as f32;
    let slot = W / n;
    let bar = (slot * 0.7).max(1.0);
    let plot = H - TOP - BOTTOM;
    let y = |v: f32| TOP + plot * (1.0 - (v / c.max).clamp(0.0, 1.0));
    let first = days
        .first()
        .map(|d| crate::web::format::short(*d))
        .unwrap_or_default();
    let last = days
        .last()
        .map(|d| crate::web::format::short(*d))
        .unwrap_or_default();
    // Dates are thinned to the first, the last and (for a long window) the
    // middle one, so none collide at a phone's width.
    let middle = days
        .get(days.len() / 2)
        .filter(|_| days.len() >= 14)
        .map(|d| {
            let i = (days.len() / 2) as f32;
            (i * slot + slot / 2.0, crate::web::format::short(*d))
        });
    html! {
        // The plain sentence comes first; the chart repeats it in pictures.
        p class="chart-sentence" id={ (c.id) "-desc" } { (c.desc) }
        figure class="chart" {
            svg id=(c.id) class={ "chart " (c.class) } viewBox={ "0 0 " (W) " " (H) } role="img"
                aria-labelledby={ (c.id) "-title" } aria-describedby={ (c.id) "-desc" } {
                title id={ (c.id) "-title" } { (c.title) }
                line class="axis" x1="0" x2=(W) y1=(H - BOTTOM) y2=(H - BOTTOM) {}
                @for (i, d) in days.iter().enumerate() {
                    @if let Some((_, v)) = values.iter().find(|(day, _)| day == d) {
                        @let top = y(*v);
                        rect class="bar" x=(format!("{:.1}", i as f32 * slot + (slot - bar) / 2.0)) y=(format!("{top:.1}"))
                            width=(format!("{bar:.1}")) height=(format!("{:.1}", (H - BOTTOM - top).max(0.5))) {}
                    }
                }
                @if let Some((v, _)) = &c.line {
                    line class="ref" x1="0" x2=(W) y1=(format!("{:.1}", y(*v))) y2=(format!("{:.1}", y(*v))) {}
                }
                text class="tick" x="2" y="13" { (hours(c.max)) " " (c.unit) }
                text class="tick" x="2" y=(H - 3.0) { (first) }
                @if let Some((x, label)) = &middle {
                    text class="tick mid" x=(format!("{x:.1}")) y=(H - 3.0) { (label) }
                }
                text class="tick end" x=(W - 2.0) y=(H - 3.0) { (last) }
            }
            @if let Some((_, label)) = &c.line { figcaption class="muted" { (label) } }
        }
    }
}

fn describe(what: &str, unit: &str, window_days: u16, values: &[f32]) -> String {
    if values.is_empty() {
        return format!("No check-ins in the last {window_days} days yet.");
    }
    let lo = values.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let avg = values.iter().sum::<f32>() / values.len() as f32;
    if values.len() == 1 {
        return format!(
            "{what} on the one day with a check-in in the last {window_days} days: {} {unit}.",
            hours(lo)
        );
    }
    format!(
        "{what} on the {} {} with a check-in in the last {window_days} days: from {} to {} {unit}, average {:.1}.",
        values.len(),
        plural(values.len(), "day"),
        hours(lo),
        hours(hi),
        avg
    )
}

fn comparison(c: &Comparison, with: &str, without: &str, what: &str) -> Markup {
    match c {
        Comparison::TooFew {
            with: a,
            without: b,
        } => html! {
            p { "Too few days to tell yet: " (a) " " (plural(*a, "day")) " " (with) " and " (b) " " (without) ". "
                span class="muted" { "tend compares once each side has at least " (MIN_DAYS_PER_SIDE) " days." } }
        },
        Comparison::Compared {
            with: a,
            without: b,
            with_mean,
            without_mean,
            difference,
            low,
            high,
        } => html! {
            p {
                (what) " averaged " (format!("{with_mean:.1}")) " of 5 on the " (a) " days " (with)
                ", and " (format!("{without_mean:.1}")) " on the " (b) " days " (without) ". "
            }
            p {
                @if c.can_tell_apart() {
                    "The difference, " (format!("{difference:+.1}")) ", is bigger than the uncertainty of so few days "
                    "(roughly " (format!("{low:+.1}")) " to " (format!("{high:+.1}")) "). "
                } @else {
                    "The difference, " (format!("{difference:+.1}")) ", is within the uncertainty of so few days "
                    "(roughly " (format!("{low:+.1}")) " to " (format!("{high:+.1}")) "), so these days can't be told apart yet. "
                }
                span class="muted" { "This is what happened on your days; it can't show that one caused the other." }
            }
        },
    }
}

/// The page in one plain sentence, before any chart or number.
fn in_short(shown: &[(Date, Checkin)], days: u16, meals_days: usize) -> String {
    if shown.is_empty() {
        return format!(
            "No check-ins in the last {days} days yet, so there is nothing to show. That is fine."
        );
    }
    let n = shown.len();
    let sleep = shown.iter().map(|(_, c)| c.sleep_hours).sum::<f32>() / n as f32;
    let sleep = hours((sleep * 2.0).round() / 2.0);
    let moved = shown.iter().filter(|(_, c)| c.movement_minutes > 0).count();
    let of_them = |k: usize, all: &str, none: &str, some: &str| -> String {
        if k == n {
            all.to_owned()
        } else if k == 0 {
            none.to_owned()
        } else {
            format!("{some} on {k} of them")
        }
    };
    if n == 1 {
        return format!(
            "On the one day you checked in, you slept about {sleep} hours, {} and {}.",
            if moved == 1 {
                "moved"
            } else {
                "recorded no movement"
            },
            if meals_days == 1 {
                "ate regular meals"
            } else {
                "skipped some meals"
            },
        );
    }
    format!(
        "On the {n} days you checked in, you slept about {sleep} hours a night, {} and {}.",
        of_them(moved, "moved every day", "recorded no movement", "moved"),
        of_them(
            meals_days,
            "ate regular meals every day",
            "skipped some meals each day",
            "ate regular meals"
        ),
    )
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

fn debt_section(d: &SleepDebt, window_days: u16) -> Markup {
    html! {
        @if d.nights == 0 {
            p { "Sleep debt shows here once you've checked in." }
        } @else if d.short_nights == 0 {
            p { "No short nights among the " (d.nights) " you recorded in the last " (window_days) " days. Your body thanks you." }
        } @else {
            p { strong { (hours(d.hours)) " hours" } " of sleep debt over the last " (window_days) " days, from "
                (d.short_nights) " short " (plural(d.short_nights, "night")) " of the " (d.nights) " you recorded." }
            p { "Short nights come with training; they are not a failing. When you can, an earlier night or a rest helps." }
        }
    }
}

struct View<'a> {
    who: &'a Unlocked,
    today: Date,
    days: u16,
    checkins: Vec<(Date, Checkin)>,
    settings: SelfcareSettings,
    settings_input: SettingsInput,
    errors: Vec<Invalid>,
    notice: Option<&'static str>,
}

fn render(v: &View<'_>) -> Markup {
    let days = window(v.today, v.days);
    let from = days.first().copied().unwrap_or(v.today);
    let shown: Vec<(Date, Checkin)> = v
        .checkins
        .iter()
        .filter(|(d, _)| *d >= from)
        .cloned()
        .collect();
    let series = |f: fn(&Checkin) -> f32| -> Vec<(Date, f32)> {
        shown.iter().map(|(d, c)| (*d, f(c))).collect()
    };
    let sleep = series(|c| c.sleep_hours);
    let moods = series(mood);
    let movement = series(|c| f32::from(c.movement_minutes));
    let only = |s: &[(Date, f32)]| s.iter().map(|(_, v)| *v).collect::<Vec<_>>();
    let movement_max = movement.iter().map(|(_, v)| *v).fold(60.0_f32, f32::max);
    let need = v.settings.sleep_need;
    let meals_days = shown
        .iter()
        .filter(|(_, c)| c.meals == Meals::Eaten)
        .count();
    let debt = sleep_debt(&shown, need);
    let by_movement = compare(&v.checkins, moved, mood);
    let by_meals = compare(&v.checkins, ate_regular_meals, mood);
    layout::page(
        "Self-care",
        Some(v.who),
        html! {
            @if let Some(n) = v.notice { (layout::notice(n)) }
            h1 { "Self-care" }
            p class="in-short" { (in_short(&shown, v.days, meals_days)) }
            nav class="actions" aria-label="Time span" {
                @for d in [7u16, 30] {
                    @if d == v.days {
                        span class="button" aria-current="page" { "Last " (d) " days" }
                    } @else {
                        a class="button secondary" href={ "/selfcare?days=" (d) } { "Last " (d) " days" }
                    }
                }
            }
            @if shown.is_empty() {
                p class="card" { "Your trends will take shape here as you check in. "
                    a href="/checkin" { "Check in now" } " if you like; thirty seconds is enough." }
            } @else {
                p { "You checked in on " (shown.len()) " " (plural(shown.len(), "day")) " in the last " (v.days) " days. "
                    span class="muted" { "Days without a check-in are simply left out." } }
            }
            div class="grid-2 wide" {
            section class="card" aria-labelledby="sleep-h" {
                h2 id="sleep-h" { "Sleep" }
                (chart(&Chart {
                    id: "chart-sleep",
                    title: format!("Hours slept, last {} days", v.days),
                    desc: describe("Sleep", "hours", v.days, &only(&sleep)),
                    class: "sleep",
                    max: 12.0,
                    line: Some((need, format!("The dashed line is your sleep need, {} hours.", hours(need)))),
                    unit: "h",
                }, &days, &sleep))
                (debt_section(&debt, v.days))
                details class="more" open[!v.errors.is_empty()] {
                summary { "Your sleep need, and how sleep debt is counted" }
                p class="muted" { "How it's counted: on each night you recorded, the hours under your need of "
                    (hours(debt.need)) " hours are added up. Longer nights are not subtracted, and nights without a check-in are left out. "
                    "It's a simple tally to notice a pattern, not a health measure." }
                (error_summary(&v.errors))
                form method="post" action="/selfcare/settings" class="inline-form" novalidate {
                    (csrf(v.who))
                    input type="hidden" name="days" value=(v.days);
                    label for="sleep_need" { "Your sleep need, in hours" span class="hint" { "Most adults need 7 to 9. 7.5 is the starting point." } }
                    input id="sleep_need" name="sleep_need" type="text" inputmode="decimal" value=(v.settings_input.sleep_need)
                        aria-invalid=[has_error(&v.errors, "sleep_need").then_some("true")]
                        aria-describedby=[has_error(&v.errors, "sleep_need").then_some("sleep_need-error")];
                    (field_error(&v.errors, "sleep_need"))
                    button type="submit" class="secondary" { "Save sleep need" }
                }
                }
            }
            section class="card" aria-labelledby="mood-h" {
                h2 id="mood-h" { "Mood" }
                (chart(&Chart {
                    id: "chart-mood",
                    title: format!("Mood from 1 to 5, last {} days", v.days),
                    desc: describe("Mood", "of 5", v.days, &only(&moods)),
                    class: "mood",
                    max: 5.0,
                    line: None,
                    unit: "of 5",
                }, &days, &moods))
            }
            section class="card" aria-labelledby="move-h" {
                h2 id="move-h" { "Movement" }
                (chart(&Chart {
                    id: "chart-movement",
                    title: format!("Minutes of movement, last {} days", v.days),
                    desc: describe("Movement", "minutes", v.days, &only(&movement)),
                    class: "movement",
                    max: movement_max,
                    line: None,
                    unit: "min",
                }, &days, &movement))
            }
            section class="card" aria-labelledby="meals-h" {
                h2 id="meals-h" { "Meals" }
                @if shown.is_empty() {
                    p { "Meals show here once you've checked in." }
                } @else {
                    p { "Regular meals on " (meals_days) " of the " (shown.len()) " " (plural(shown.len(), "day")) " you checked in." }
                }
            }
            }
            details class="card" {
                summary { "Mood with and without movement, and with and without regular meals" }
                p class="muted" { "Over the last " (COMPARE_DAYS) " days. A day with movement is any day with at least one minute recorded. "
                    "The range is a rough 95% interval for the difference (Welch's t), and it is wide when there are few days." }
                h3 { "Mood on days with and without movement" }
                (comparison(&by_movement, "with movement", "without", "Your mood"))
                h3 { "Mood on days with regular meals and days with skipped meals" }
                (comparison(&by_meals, "with regular meals", "with skipped meals", "Your mood"))
            }
            @if !shown.is_empty() {
                details class="card" {
                    summary { "The same numbers as a table" }
                    table {
                        caption { "Your check-ins, last " (v.days) " days" }
                        thead { tr { th scope="col" { "Day" } th scope="col" { "Sleep (h)" } th scope="col" { "Mood (1–5)" } th scope="col" { "Moved (min)" } th scope="col" { "Meals" } } }
                        tbody {
                            @for (d, c) in shown.iter().rev() {
                                tr {
                                    th scope="row" { (crate::web::format::short_weekday(*d)) }
                                    td { (hours(c.sleep_hours)) }
                                    td { (c.mood) }
                                    td { (c.movement_minutes) }
                                    td { @match c.meals { Meals::Eaten => "Regular", Meals::Skipped => "Skipped some" } }
                                }
                            }
                        }
                    }
                }
            }
            p { a href="/checkin" { "Today's check-in" } " · " a href="/review" { "Weekly review" } " · " a href="/goals" { "Goals" } " · " a href="/learn/self-care" { "Read: self-care" } }
        },
    )
}

fn parse_days(s: Option<&str>) -> u16 {
    match s {
        Some("30") => 30,
        _ => 7,
    }
}

async fn settings(state: &AppState, who: &Unlocked) -> Result<SelfcareSettings, PageError> {
    Ok(state
        .services
        .records(who)
        .slot::<SelfcareSettings>(SETTINGS_SLOT)
        .await?
        .map(|s| s.value)
        .unwrap_or_default())
}

async fn view<'a>(state: &AppState, who: &'a Unlocked, days: u16) -> Result<View<'a>, PageError> {
    let today = today_for(state, who).await?;
    let settings = settings(state, who).await?;
    Ok(View {
        who,
        today,
        days,
        checkins: recent_checkins(state, who, today, COMPARE_DAYS).await?,
        settings_input: SettingsInput {
            sleep_need: hours(settings.sleep_need),
        },
        settings,
        errors: Vec::new(),
        notice: None,
    })
}

pub async fn page(
    State(state): State<AppState>,
    Person(who): Person,
    Query(q): Query<ViewQuery>,
) -> Result<Markup, PageError> {
    let mut v = view(&state, &who, parse_days(q.days.as_deref())).await?;
    if q.saved.as_deref() == Some("settings") {
        v.notice = Some("Your sleep need is saved.");
    }
    Ok(render(&v))
}

#[derive(Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    days: String,
    #[serde(flatten)]
    input: SettingsInput,
}

pub async fn save_settings(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<SettingsForm>,
) -> Result<Response, PageError> {
    let days = parse_days(Some(form.days.as_str()));
    match form.input.validate() {
        Ok(s) => {
            state
                .services
                .records(&who)
                .put_slot(SETTINGS_SLOT, None, s, now())
                .await?;
            Ok(Redirect::to(&format!("/selfcare?days={days}&saved=settings")).into_response())
        }
        Err(errors) => {
            let mut v = view(&state, &who, days).await?;
            v.settings_input = form.input;
            v.errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&v)).into_response())
        }
    }
}
