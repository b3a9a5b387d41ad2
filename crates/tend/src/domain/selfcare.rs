//! Self-care trends from the daily check-ins: sleep, movement, meals, mood.
//!
//! Days without a check-in are simply absent: they are never counted as
//! "missed", and never pull an average down. Comparisons say how many days
//! each side has and how uncertain they are, and refuse to guess when there
//! are too few days.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::Invalid;
use super::checkin::{Checkin, Meals};

/// A common adult sleep need; each person can set their own.
pub const DEFAULT_SLEEP_NEED: f32 = 7.5;
/// Fewer days than this on either side and a comparison says "too few to tell".
pub const MIN_DAYS_PER_SIDE: usize = 5;

/// The person's own settings for these views (sealed like every record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelfcareSettings {
    pub sleep_need: f32,
}

impl Default for SelfcareSettings {
    fn default() -> Self {
        Self {
            sleep_need: DEFAULT_SLEEP_NEED,
        }
    }
}

impl super::Kind for SelfcareSettings {
    const KIND: &'static str = "selfcare-settings";
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SettingsInput {
    #[serde(default)]
    pub sleep_need: String,
}

impl SettingsInput {
    pub fn validate(&self) -> Result<SelfcareSettings, Vec<Invalid>> {
        match self.sleep_need.trim().replace(',', ".").parse::<f32>() {
            Ok(h) if h.is_finite() && (4.0..=12.0).contains(&h) => Ok(SelfcareSettings {
                sleep_need: (h * 4.0).round() / 4.0,
            }),
            _ => Err(vec![Invalid::new(
                "sleep_need",
                "Your sleep need is a number of hours from 4 to 12, like 7.5.",
            )]),
        }
    }
}

/// The days of a window of `days` days ending on `today`, oldest first.
pub fn window(today: Date, days: u16) -> Vec<Date> {
    (0..i64::from(days))
        .rev()
        .map(|back| today.saturating_sub(jiff::Span::new().days(back)))
        .collect()
}

/// Sleep debt over a window.
#[derive(Debug, Clone, PartialEq)]
pub struct SleepDebt {
    pub need: f32,
    /// Nights with a check-in in the window.
    pub nights: usize,
    /// Of those, nights under the need.
    pub short_nights: usize,
    /// Sum of the hours under the need on the short nights.
    pub hours: f32,
}

/// The rule: on each night recorded in the window, the hours slept under
/// the person's need are added up. Longer nights are not subtracted (this is
/// a simple tally to notice a pattern, not a measure of health), and nights
/// without a check-in are left out rather than guessed.
pub fn sleep_debt(days: &[(Date, Checkin)], need: f32) -> SleepDebt {
    let short: Vec<f32> = days
        .iter()
        .map(|(_, c)| need - c.sleep_hours)
        .filter(|d| *d > 0.0)
        .collect();
    SleepDebt {
        need,
        nights: days.len(),
        short_nights: short.len(),
        hours: short.iter().sum(),
    }
}

/// Mean of a list; `None` when empty.
pub fn mean(values: &[f32]) -> Option<f32> {
    (!values.is_empty()).then(|| values.iter().sum::<f32>() / values.len() as f32)
}

/// "With vs without" on the person's own days.
#[derive(Debug, Clone, PartialEq)]
pub enum Comparison {
    /// Not enough days on one side or both to say anything.
    TooFew { with: usize, without: usize },
    Compared {
        with: usize,
        without: usize,
        with_mean: f32,
        without_mean: f32,
        /// `with_mean - without_mean`.
        difference: f32,
        /// A rough 95% interval for the difference (Welch's t).
        low: f32,
        high: f32,
    },
}

impl Comparison {
    /// True when the interval leaves out zero: the two sides look different
    /// beyond the noise of so few days. It never says why.
    pub fn can_tell_apart(&self) -> bool {
        match self {
            Self::TooFew { .. } => false,
            Self::Compared { low, high, .. } => *low > 0.0 || *high < 0.0,
        }
    }
}

/// Two-sided 95% critical values of Student's t for 1 to 30 degrees of freedom.
const T95: [f32; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

fn t95(df: f32) -> f32 {
    // Rounding the degrees of freedom down makes the interval a little wider, never narrower.
    let d = df.floor().max(1.0);
    if d <= 30.0 {
        T95[d as usize - 1]
    } else if d < 60.0 {
        2.021
    } else {
        1.96
    }
}

fn variance(values: &[f32], mean: f32) -> f32 {
    values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / (values.len() as f32 - 1.0)
}

/// Compares `metric` on days where `split` holds against days where it does not.
pub fn compare(
    days: &[(Date, Checkin)],
    split: impl Fn(&Checkin) -> bool,
    metric: impl Fn(&Checkin) -> f32,
) -> Comparison {
    let (yes, no): (Vec<&Checkin>, Vec<&Checkin>) =
        days.iter().map(|(_, c)| c).partition(|c| split(c));
    let a: Vec<f32> = yes.iter().map(|c| metric(c)).collect();
    let b: Vec<f32> = no.iter().map(|c| metric(c)).collect();
    let (Some(ma), Some(mb)) = (mean(&a), mean(&b)) else {
        return Comparison::TooFew {
            with: a.len(),
            without: b.len(),
        };
    };
    if a.len() < MIN_DAYS_PER_SIDE || b.len() < MIN_DAYS_PER_SIDE {
        return Comparison::TooFew {
            with: a.len(),
            without: b.len(),
        };
    }
    let (na, nb) = (a.len() as f32, b.len() as f32);
    let (qa, qb) = (variance(&a, ma) / na, variance(&b, mb) / nb);
    let se = (qa + qb).sqrt();
    let df = if qa + qb > 0.0 {
        (qa + qb).powi(2) / (qa.powi(2) / (na - 1.0) + qb.powi(2) / (nb - 1.0))
    } else {
        na + nb - 2.0
    };
    let difference = ma - mb;
    let margin = t95(df) * se;
    Comparison::Compared {
        with: a.len(),
        without: b.len(),
        with_mean: ma,
        without_mean: mb,
        difference,
        low: difference - margin,
        high: difference + margin,
    }
}

/// A day "with movement" is any day with at least one minute recorded.
pub fn moved(c: &Checkin) -> bool {
    c.movement_minutes > 0
}

pub fn ate_regular_meals(c: &Checkin) -> bool {
    c.meals == Meals::Eaten
}

pub fn mood(c: &Checkin) -> f32 {
    f32::from(c.mood)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(n: i8, mood: u8, sleep: f32, movement: u16) -> (Date, Checkin) {
        (
            jiff::civil::date(2026, 11, n),
            Checkin {
                mood,
                energy: 3,
                sleep_hours: sleep,
                movement_minutes: movement,
                meals: Meals::Eaten,
                joy: String::new(),
                note: String::new(),
            },
        )
    }

    #[test]
    fn windows_end_today_and_run_oldest_first() {
        let w = window(jiff::civil::date(2026, 3, 2), 7);
        assert_eq!(w.len(), 7);
        assert_eq!(w[0].to_string(), "2026-02-24");
        assert_eq!(w[6].to_string(), "2026-03-02");
    }

    #[test]
    fn sleep_debt_adds_the_hours_under_the_need_on_recorded_nights() {
        let days = [day(1, 3, 5.0, 0), day(2, 3, 9.0, 0), day(4, 3, 7.0, 0)];
        let d = sleep_debt(&days, 7.5);
        // 2.5 + 0.5; the long night is not subtracted; day 3 is simply absent.
        assert_eq!(d.hours, 3.0);
        assert_eq!((d.nights, d.short_nights), (3, 2));
        assert_eq!(sleep_debt(&[], 7.5).hours, 0.0);
    }

    #[test]
    fn too_few_days_on_a_side_says_so_with_the_counts() {
        let days: Vec<_> = (1..=8)
            .map(|n| day(n, 4, 7.0, if n <= 6 { 30 } else { 0 }))
            .collect();
        assert_eq!(
            compare(&days, moved, mood),
            Comparison::TooFew {
                with: 6,
                without: 2
            }
        );
        assert!(!compare(&days, moved, mood).can_tell_apart());
        assert_eq!(
            compare(&[], moved, mood),
            Comparison::TooFew {
                with: 0,
                without: 0
            }
        );
    }

    #[test]
    fn a_clear_difference_is_told_apart_and_noise_is_not() {
        // Moved: moods 4,5,4,5,4,5; still: 2,3,2,3,2.
        let mut days: Vec<_> = (1..=6)
            .map(|n| day(n, 4 + (n as u8 % 2), 7.0, 20))
            .collect();
        days.extend((7..=11).map(|n| day(n, 2 + (n as u8 % 2), 7.0, 0)));
        let c = compare(&days, moved, mood);
        let Comparison::Compared {
            with,
            without,
            with_mean,
            without_mean,
            difference,
            low,
            high,
        } = c.clone()
        else {
            panic!("expected a comparison");
        };
        assert_eq!((with, without), (6, 5));
        assert!((with_mean - 4.5).abs() < 1e-6);
        assert!((without_mean - 2.6).abs() < 1e-6);
        assert!((difference - 1.9).abs() < 1e-5);
        assert!(low > 0.0 && high > low && low < difference && high > difference);
        assert!(c.can_tell_apart());

        // Same moods on both sides, mixed: nothing to tell.
        let mixed: Vec<_> = (1..=12)
            .map(|n| day(n, 2 + (n as u8 % 3), 7.0, if n % 2 == 0 { 20 } else { 0 }))
            .collect();
        let c = compare(&mixed, moved, mood);
        assert!(matches!(c, Comparison::Compared { .. }));
        assert!(!c.can_tell_apart());
    }

    #[test]
    fn welch_interval_matches_a_hand_computation() {
        // a = 4,5,4,5,4,5 (mean 4.5, var 0.3); b = 3,2,3,2,3 (mean 2.6, var 0.3).
        // se = sqrt(0.3/6 + 0.3/5) = 0.33166; df ≈ 8.68 → t(8) = 2.306.
        let mut days: Vec<_> = (1..=6)
            .map(|n| day(n, 4 + (n as u8 % 2), 7.0, 20))
            .collect();
        days.extend((7..=11).map(|n| day(n, 2 + (n as u8 % 2), 7.0, 0)));
        let Comparison::Compared { low, high, .. } = compare(&days, moved, mood) else {
            panic!("expected a comparison");
        };
        let margin = 2.306 * (0.3f32 / 6.0 + 0.3 / 5.0).sqrt();
        assert!((low - (1.9 - margin)).abs() < 1e-4, "{low}");
        assert!((high - (1.9 + margin)).abs() < 1e-4, "{high}");
    }

    #[test]
    fn sleep_need_is_a_sensible_number() {
        assert_eq!(
            SettingsInput {
                sleep_need: "8,25".into()
            }
            .validate()
            .unwrap()
            .sleep_need,
            8.25
        );
        for bad in ["", "3", "13", "lots", "NaN"] {
            assert!(
                SettingsInput {
                    sleep_need: bad.into()
                }
                .validate()
                .is_err(),
                "{bad}"
            );
        }
    }
}
