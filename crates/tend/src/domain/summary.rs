//! The gentle seven-day summary on the Today page. It counts days a person
//! showed up; it never counts days they did not.

use jiff::civil::Date;

use super::checkin::Checkin;

#[derive(Debug, Clone, PartialEq)]
pub struct WeekSummary {
    /// Days in the last seven (today included) with a check-in.
    pub days_checked_in: usize,
    /// Mean hours slept over the days with a check-in; `None` with no check-ins.
    pub average_sleep: Option<f32>,
    pub average_mood: Option<f32>,
}

/// The first day of the seven-day window that ends on `today`.
pub fn window_start(today: Date) -> Date {
    today.saturating_sub(jiff::Span::new().days(6))
}

pub fn summarise_week(today: Date, checkins: &[(Date, Checkin)]) -> WeekSummary {
    let start = window_start(today);
    let in_window: Vec<&Checkin> = checkins
        .iter()
        .filter(|(d, _)| *d >= start && *d <= today)
        .map(|(_, c)| c)
        .collect();
    let n = in_window.len();
    let mean = |f: fn(&Checkin) -> f32| {
        (n > 0).then(|| in_window.iter().map(|c| f(c)).sum::<f32>() / n as f32)
    };
    WeekSummary {
        days_checked_in: n,
        average_sleep: mean(|c| c.sleep_hours),
        average_mood: mean(|c| f32::from(c.mood)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checkin::Meals;
    use jiff::civil::date;

    fn c(sleep: f32, mood: u8) -> Checkin {
        Checkin {
            mood,
            energy: 3,
            sleep_hours: sleep,
            movement_minutes: 0,
            meals: Meals::Eaten,
            joy: String::new(),
            note: String::new(),
        }
    }

    #[test]
    fn counts_only_the_last_seven_days() {
        let today = date(2026, 3, 10);
        let data = vec![
            (date(2026, 3, 10), c(6.0, 4)),
            (date(2026, 3, 4), c(8.0, 2)),
            (date(2026, 3, 3), c(2.0, 1)), // eight days ago: outside
        ];
        let s = summarise_week(today, &data);
        assert_eq!(s.days_checked_in, 2);
        assert_eq!(s.average_sleep, Some(7.0));
        assert_eq!(s.average_mood, Some(3.0));
        let empty = summarise_week(today, &[]);
        assert_eq!(empty.days_checked_in, 0);
        assert_eq!(empty.average_sleep, None);
    }
}
