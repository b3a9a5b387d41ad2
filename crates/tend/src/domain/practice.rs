//! Finished mindfulness practices: what was practised, for how many minutes,
//! and the gentle totals built from them. Totals count minutes and days that
//! happened; nothing here ever counts a day without practice.

use std::collections::HashMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::Invalid;

/// The most minutes one sitting can log: generous (a long retreat-style sit)
/// but small enough that a typo like 5000 is caught.
pub const MINUTES_MAX: u16 = 180;

/// One finished (or partly finished) practice. Partial credit counts: the
/// person logs the minutes they actually practised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PracticeLog {
    /// The practice's slug from `content/practices`.
    pub slug: String,
    pub minutes: u16,
}

impl super::Kind for PracticeLog {
    const KIND: &'static str = "practice";
}

/// Parses the "minutes practised" field.
pub fn parse_minutes(input: &str) -> Result<u16, Invalid> {
    let text = input.trim();
    if text.is_empty() {
        return Err(Invalid::new(
            "minutes",
            "Enter the minutes you practised. One minute counts.",
        ));
    }
    match text.parse::<u16>() {
        Ok(n @ 1..=MINUTES_MAX) => Ok(n),
        Ok(0) => Err(Invalid::new(
            "minutes",
            "Enter at least 1 minute. Even one minute counts.",
        )),
        _ => Err(Invalid::new(
            "minutes",
            format!("Enter a whole number of minutes from 1 to {MINUTES_MAX}."),
        )),
    }
}

/// Parses a chosen length against the lengths a practice offers.
pub fn parse_length(input: &str, offered: &[u16]) -> Result<u16, Invalid> {
    match input.trim().parse::<u16>() {
        Ok(n) if offered.contains(&n) => Ok(n),
        _ => {
            let list = offered
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            Err(Invalid::new(
                "length",
                format!("Choose one of the lengths offered: {list} minutes."),
            ))
        }
    }
}

/// Minutes and days of practice in a window of days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub minutes: u32,
    /// Distinct days with any practice.
    pub days: usize,
    pub sessions: usize,
}

/// Adds up the logs whose day falls in `from..=to`.
pub fn totals(logs: &[(Date, &PracticeLog)], from: Date, to: Date) -> Totals {
    let mut days: Vec<Date> = Vec::new();
    let mut t = Totals::default();
    for (day, log) in logs.iter().filter(|(d, _)| *d >= from && *d <= to) {
        t.minutes += u32::from(log.minutes);
        t.sessions += 1;
        if !days.contains(day) {
            days.push(*day);
        }
    }
    t.days = days.len();
    t
}

/// The first day of an `n`-day window that ends on `today` (today included).
pub fn window_start(today: Date, n: i64) -> Date {
    today.saturating_sub(jiff::Span::new().days((n - 1).max(0)))
}

/// A rotation index that changes once a day and is the same all day.
pub fn day_number(day: Date) -> usize {
    let n = i32::from(day.year()) * 366 + i32::from(day.day_of_year());
    usize::try_from(n).unwrap_or(0)
}

/// Which practice to suggest: one never done lately first, otherwise the one
/// done longest ago. Ties rotate by day so the suggestion changes gently.
/// `slugs` are in content order; `logs` are the recent logs (any order).
pub fn pick_suggestion(slugs: &[&str], logs: &[(Date, &str)], today: Date) -> Option<usize> {
    if slugs.is_empty() {
        return None;
    }
    let mut last: HashMap<&str, Date> = HashMap::new();
    for (day, slug) in logs {
        let e = last.entry(*slug).or_insert(*day);
        if *day > *e {
            *e = *day;
        }
    }
    let offset = day_number(today) % slugs.len();
    (0..slugs.len())
        .map(|i| (i + offset) % slugs.len())
        // `None` sorts before any date: never-done practices come first.
        .min_by_key(|&i| last.get(slugs[i]).copied())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn minutes_are_whole_and_bounded() {
        assert_eq!(parse_minutes(" 5 "), Ok(5));
        assert_eq!(parse_minutes("180"), Ok(180));
        for bad in ["", "0", "-3", "2.5", "181", "five", "99999999"] {
            let e = parse_minutes(bad).unwrap_err();
            assert_eq!(e.field, "minutes", "{bad}");
        }
    }

    #[test]
    fn lengths_must_be_offered() {
        assert_eq!(parse_length("5", &[3, 5, 10]), Ok(5));
        let e = parse_length("7", &[3, 5, 10]).unwrap_err();
        assert!(e.message.contains("3, 5, 10"));
        assert!(parse_length("x", &[3]).is_err());
    }

    #[test]
    fn totals_count_minutes_and_distinct_days_in_the_window() {
        let a = PracticeLog {
            slug: "a".into(),
            minutes: 3,
        };
        let b = PracticeLog {
            slug: "b".into(),
            minutes: 10,
        };
        let today = date(2026, 3, 10);
        let logs = vec![
            (today, &a),
            (today, &b),
            (date(2026, 3, 4), &a),
            (date(2026, 3, 3), &b), // eight days ago
        ];
        let week = totals(&logs, window_start(today, 7), today);
        assert_eq!(
            week,
            Totals {
                minutes: 16,
                days: 2,
                sessions: 3
            }
        );
        let month = totals(&logs, window_start(today, 30), today);
        assert_eq!(month.minutes, 26);
        assert_eq!(month.days, 3);
        assert_eq!(
            totals(&[], window_start(today, 7), today),
            Totals::default()
        );
    }

    #[test]
    fn suggests_what_was_not_done_lately() {
        let today = date(2026, 3, 10);
        let slugs = ["a", "b", "c"];
        // b never done: suggested whatever the rotation.
        let logs = [(today, "a"), (date(2026, 3, 1), "c")];
        assert_eq!(pick_suggestion(&slugs, &logs, today), Some(1));
        // all done: the one done longest ago.
        let logs = [
            (today, "a"),
            (date(2026, 3, 1), "c"),
            (date(2026, 3, 5), "b"),
        ];
        assert_eq!(pick_suggestion(&slugs, &logs, today), Some(2));
        // nothing done: a rotation, different on different days.
        let picks: std::collections::HashSet<_> = (1..=3)
            .map(|d| pick_suggestion(&slugs, &[], date(2026, 3, d)))
            .collect();
        assert_eq!(picks.len(), 3);
        assert_eq!(pick_suggestion(&[], &[], today), None);
    }
}
