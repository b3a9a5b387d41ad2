//! How the summaries of `service::summaries` read: shown by the weekly review,
//! Today and the feature pages alike.

use jiff::civil::Date;
use maud::{Markup, html};
use tend_detector::Pattern;

use crate::content::Content;
use crate::domain::gratitude::Gratitude;
use crate::domain::practice::{PracticeLog, totals};
use crate::service::Stored;
use crate::service::summaries::CriticWeek;
use crate::web::format::{days, minutes};

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Practice logs with their day, for the totals.
pub fn dated(logs: &[Stored<PracticeLog>]) -> Vec<(Date, &PracticeLog)> {
    logs.iter()
        .filter_map(|s| s.day.map(|d| (d, &s.value)))
        .collect()
}

/// The week's noticing and kindness: thoughts noticed and their patterns,
/// kinder answers written, debriefs, letters and self-compassion breaks, in
/// kind words. Without a heading: the weekly review puts it under its own `h2`.
pub fn critic(w: &CriticWeek) -> Markup {
    html! {
        @if w.is_empty() {
            p { "Nothing noted here this week, and that's okay. "
                a href="/critic/new" { "Notice the critic" } " whenever the critic speaks up." }
        } @else {
            ul {
                @if w.thoughts > 0 {
                    li {
                        "You noticed " (plural(w.thoughts, "thought", "thoughts")) " from the inner critic"
                        @if w.answered > 0 { ", and answered " (w.answered) " of them as you would a friend" }
                        "."
                    }
                }
                @if !w.patterns.is_empty() {
                    li {
                        "Patterns that may have come up: "
                        @for (i, (id, n)) in w.patterns.iter().take(3).enumerate() {
                            @if i > 0 { ", " }
                            (Pattern::from_id(id).map_or(id.as_str(), |p| p.name())) " (" (n) ")"
                        }
                        "."
                    }
                }
                @if w.debriefs > 0 { li { "You worked through " (plural(w.debriefs, "hard moment", "hard moments")) " with the mistake debrief." } }
                @if w.letters > 0 { li { "You wrote " (plural(w.letters, "compassionate letter", "compassionate letters")) " to yourself." } }
                @if w.breaks > 0 { li { "You took " (plural(w.breaks, "self-compassion break", "self-compassion breaks")) "." } }
            }
            p { a href="/critic" { "See your critic log" } }
        }
    }
}

/// The same summary inside its own titled section, for pages that show it alone.
pub fn critic_section(w: &CriticWeek) -> Markup {
    html! {
        section class="critic-week" aria-labelledby="critic-week-h" {
            h2 id="critic-week-h" { "Noticing and kindness" }
            (critic(w))
        }
    }
}

/// Practice minutes of `from..=to` (days in the person's time zone), by
/// practice, without a heading.
pub fn practice(content: &Content, logs: &[Stored<PracticeLog>], from: Date, to: Date) -> Markup {
    let t = totals(&dated(logs), from, to);
    let mut by_practice: Vec<(&str, u32)> = Vec::new();
    for log in logs {
        let title = content
            .practice(&log.value.slug)
            .map_or(log.value.slug.as_str(), |p| p.title.as_str());
        match by_practice.iter_mut().find(|(t, _)| *t == title) {
            Some((_, m)) => *m += u32::from(log.value.minutes),
            None => by_practice.push((title, u32::from(log.value.minutes))),
        }
    }
    html! {
        @if t.sessions == 0 {
            p { "No practice logged this week. Whenever you like, "
                a href="/practices" { "a three-minute practice" } " is a fine place to start." }
        } @else {
            p { (minutes(t.minutes)) " of practice, on " (days(t.days)) "." }
            ul {
                @for (title, m) in &by_practice { li { (title) ": " (minutes(*m)) } }
            }
        }
    }
}

/// The good things written down, oldest first, without a heading; `notes`
/// come newest first as the service lists them.
pub fn good_things(notes: &[Stored<Gratitude>]) -> Markup {
    html! {
        @if notes.is_empty() {
            p { "No good things written down this week. "
                a href="/gratitude" { "One small thing" } " is plenty, whenever you're ready." }
        } @else {
            ul class="entries" {
                @for n in notes.iter().rev() {
                    @if let Some(d) = n.day {
                        li {
                            span class="muted" { (crate::web::format::weekday(d)) }
                            ul { @for thing in &n.value.things { li { (thing) } } }
                        }
                    }
                }
            }
        }
    }
}
