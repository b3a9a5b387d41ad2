//! Today: the hub. Today's check-in (or its form), recent entries, and a gentle
//! summary of the week that counts showing up, never absence.

use axum::extract::{Query, State};
use maud::{Markup, html};
use serde::Deserialize;

use super::today_for;
use crate::domain::checkin::{CheckinInput, Meals};
use crate::domain::journal::JournalEntry;
use crate::service::Stored;
use crate::service::summaries::{Suggestion, suggest_practice};
use crate::web::AppState;
use crate::web::components::checkin_form;
use crate::web::error::PageError;
use crate::web::extract::Person;
use crate::web::layout;

/// Every step of the guide, one tap from Today.
const TOOLS: &[(&str, &str, &str)] = &[
    (
        "/critic/new",
        "Notice a thought",
        "catch the inner critic in a sentence",
    ),
    (
        "/critic",
        "Your critic log",
        "when and where it shows up, and kinder answers",
    ),
    (
        "/practices",
        "Practise",
        "breathing space, body scan, loving-kindness…",
    ),
    (
        "/kindness/break",
        "Self-compassion break",
        "two minutes, three steps",
    ),
    (
        "/debrief/new",
        "Mistake debrief",
        "for a hard day on the ward or a bad exam",
    ),
    (
        "/goals",
        "This week's goals",
        "checked against the hours you really have",
    ),
    (
        "/selfcare",
        "Self-care trends",
        "sleep, movement, meals and mood over time",
    ),
    (
        "/gratitude",
        "Three good things",
        "and a past one for a hard day",
    ),
    (
        "/questionnaires",
        "Check in with a questionnaire",
        "well-being, stress, self-compassion",
    ),
    (
        "/review",
        "Weekly review",
        "your week in one place, and a reflection",
    ),
    ("/support", "People and help lines", "who you can reach"),
    (
        "/learn",
        "Learn",
        "the ten steps, and what the research shows",
    ),
];

#[derive(Debug, Default, Deserialize)]
pub struct TodayQuery {
    saved: Option<String>,
    welcome: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    Person(who): Person,
    Query(q): Query<TodayQuery>,
) -> Result<Markup, PageError> {
    let today = today_for(&state, &who).await?;
    // Everything Today reads comes from one store call (see
    // `Summaries::today`); the newest entries come as titles only.
    let data = state
        .services
        .summaries(&who)
        .today(&state.catalog, today, 3)
        .await?;
    let overview = data.overview;
    let summary = &overview.summary;
    // Titles in the shape the markup below reads (`display_title()` of a
    // stored title gives the title back).
    let entries: Vec<Stored<JournalEntry>> = overview
        .recent_entries
        .iter()
        .map(|t| Stored {
            id: t.id.clone(),
            day: t.day,
            created_at: t.created_at,
            updated_at: t.updated_at,
            version: t.version,
            value: JournalEntry {
                title: t.value.clone(),
                body: String::new(),
            },
        })
        .collect();
    let entries = entries.as_slice();
    let suggestion = suggest_practice(&state.content, &data.practice_month, today);
    let due: Vec<(String, String)> = data
        .due
        .offered()
        .into_iter()
        .filter_map(|s| {
            let name = state.catalog.get(&s.instrument)?.short_name.clone();
            Some((s.instrument.clone(), name))
        })
        .collect();
    let todays = overview.checkin.as_ref().map(|s| &s.value);

    Ok(layout::page(
        "Today",
        Some(&who),
        html! {
            @if q.welcome.is_some() { (layout::notice("Welcome to tend. This is your Today page: start wherever feels right.")) }
            @if q.saved.as_deref() == Some("checkin") { (layout::notice("Check-in saved. Thank you for checking in with yourself.")) }
            h1 { "Today, " (crate::web::format::weekday(today)) }
            section aria-labelledby="checkin-h" class="card" {
                h2 id="checkin-h" { "Check-in" }
                @if let Some(c) = todays {
                    dl class="summary" {
                        dt { "Mood" } dd { (c.mood) " of 5" }
                        dt { "Energy" } dd { (c.energy) " of 5" }
                        dt { "Sleep" } dd { (c.sleep_hours) " hours" }
                        dt { "Movement" } dd { (c.movement_minutes) " minutes" }
                        dt { "Meals" } dd { @match c.meals { Meals::Eaten => "Regular meals", Meals::Skipped => "Skipped some" } }
                        @if !c.joy.is_empty() { dt { "Joyful thing" } dd { (c.joy) } }
                    }
                    p { a href="/checkin" { "Change today's check-in" } }
                } @else {
                    p class="muted" { "How are you, right now? Thirty seconds is enough." }
                    (checkin_form::form_fields(&who, &CheckinInput::default(), &[], false))
                }
            }
            section aria-labelledby="week-h" class="card" {
                h2 id="week-h" { "Your week" }
                @if summary.days_checked_in == 0 {
                    p { "Your week will take shape here as you check in. Any day is a good day to start." }
                } @else {
                    dl class="summary" {
                        dt { "Days you checked in" } dd { (summary.days_checked_in) }
                        @if let Some(s) = summary.average_sleep {
                            dt { "Average sleep on those days" } dd { (format!("{s:.1}")) " hours" }
                        }
                        @if let Some(m) = summary.average_mood {
                            dt { "Average mood" } dd { (format!("{m:.1}")) " of 5" }
                        }
                    }
                }
            }
            section aria-labelledby="journal-h" class="card" {
                h2 id="journal-h" { "Journal" }
                @if entries.is_empty() {
                    p { "Nothing written yet. A line or two is plenty." }
                } @else {
                    ul class="entries" {
                        @for e in entries {
                            li { a href={ "/journal/" (e.id) } { (e.value.display_title()) } }
                        }
                    }
                }
                p class="actions" {
                    a class="button" href="/journal/new" { "Write an entry" }
                    a href="/journal" { "All entries" }
                }
            }
            @if let Some(Suggestion { slug, title, reason }) = &suggestion {
                section aria-labelledby="suggest-h" class="card" {
                    h2 id="suggest-h" { "A practice for today" }
                    p { (reason) }
                    p { a class="button" href={ "/practices/" (slug) } { "Start " (title) } }
                }
            }
            @if !due.is_empty() {
                section aria-labelledby="due-h" class="card" {
                    h2 id="due-h" { "A check-in questionnaire is ready" }
                    p { "When you have a few minutes: "
                        @for (i, (id, name)) in due.iter().enumerate() {
                            @if i > 0 { ", " }
                            a href={ "/questionnaires/" (id) } { (name) }
                        }
                        ". No rush; it will keep." }
                }
            }
            section aria-labelledby="tools-h" class="card" {
                h2 id="tools-h" { "Your tools" }
                p class="muted" { "Pick whatever fits the moment. There is no order and no score." }
                ul class="tools" {
                    @for (href, label, hint) in TOOLS {
                        li { a href=(href) { (label) } " " span class="muted" { (hint) } }
                    }
                }
                p { a class="button secondary" href="/hard-moment" { "Having a hard moment?" } }
            }
        },
    ))
}
