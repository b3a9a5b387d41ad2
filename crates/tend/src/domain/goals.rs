//! Weekly goals and the hours a week really has.
//!
//! A week has 168 hours. The person sets their fixed commitments once (sleep,
//! meals, rotations or classes, call, commute); what is left is the room for
//! goals. When the goals need more than that room, tend does not refuse them:
//! it says so gently and suggests which ones to shrink (see [`fit`]).

use std::fmt;

use jiff::civil::{Date, ISOWeekDate, Weekday};
use serde::{Deserialize, Serialize};

use super::{Invalid, bounded_text};

pub const HOURS_IN_WEEK: f32 = 168.0;
pub const TITLE_MAX: usize = 200;
pub const GOOD_ENOUGH_MAX: usize = 280;

/// An ISO 8601 week such as `2026-W48`: Monday to Sunday, the way rotations
/// and timetables are usually planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoWeek {
    year: i16,
    week: i8,
}

impl IsoWeek {
    pub fn of(date: Date) -> Self {
        let w = date.iso_week_date();
        Self {
            year: w.year(),
            week: w.week(),
        }
    }

    /// Parses `2026-W48` (also lower-case `w`); `None` for anything else,
    /// including week 53 of a year that has only 52.
    pub fn parse(s: &str) -> Option<Self> {
        let (y, w) = s.trim().split_once(['W', 'w'])?;
        let y = y.strip_suffix('-')?;
        if y.len() != 4 || w.len() != 2 {
            return None;
        }
        let year: i16 = y.parse().ok()?;
        let week: i8 = w.parse().ok()?;
        ISOWeekDate::new(year, week, Weekday::Monday).ok()?;
        Some(Self { year, week })
    }

    pub fn monday(self) -> Date {
        // Checked in `parse` and `of`; a fallback keeps this total.
        ISOWeekDate::new(self.year, self.week, Weekday::Monday)
            .map(|d| d.date())
            .unwrap_or_default()
    }

    pub fn sunday(self) -> Date {
        ISOWeekDate::new(self.year, self.week, Weekday::Sunday)
            .map(|d| d.date())
            .unwrap_or_default()
    }

    pub fn previous(self) -> Self {
        Self::of(self.monday().saturating_sub(jiff::Span::new().days(7)))
    }

    pub fn next(self) -> Self {
        Self::of(self.monday().saturating_add(jiff::Span::new().days(7)))
    }

    /// A stable number for rotating things week by week.
    pub fn ordinal(self) -> usize {
        usize::try_from(i32::from(self.year) * 53 + i32::from(self.week)).unwrap_or(0)
    }

    /// "24 – 30 November 2026", for headings.
    pub fn label(self) -> String {
        let (m, s) = (self.monday(), self.sunday());
        if m.month() == s.month() {
            format!("{} – {}", m.strftime("%-d"), s.strftime("%-d %B %Y"))
        } else if m.year() == s.year() {
            format!("{} – {}", m.strftime("%-d %B"), s.strftime("%-d %B %Y"))
        } else {
            format!("{} – {}", m.strftime("%-d %B %Y"), s.strftime("%-d %B %Y"))
        }
    }
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-W{:02}", self.year, self.week)
    }
}

/// Hours, shown without needless decimals: `7.5`, `10`.
pub fn hours(h: f32) -> String {
    // Sums of quarter hours can land on -0.0, which would print as "-0".
    let h = if h.abs() < 0.005 { 0.0 } else { h };
    let s = format!("{h:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Parses hours typed by a person: a comma works as a decimal point, and the
/// value is rounded to the quarter hour so sums stay readable.
fn parse_hours(
    field: &'static str,
    label: &str,
    input: &str,
    max: f32,
    unit: &str,
) -> Result<f32, Invalid> {
    let t = input.trim();
    if t.is_empty() {
        return Err(Invalid::new(
            field,
            format!("{label}: please enter a number of hours, like 2 or 1.5."),
        ));
    }
    match t.replace(',', ".").parse::<f32>() {
        Ok(h) if !h.is_finite() => Err(Invalid::new(
            field,
            format!("{label} needs to be an ordinary number, like 2 or 1.5."),
        )),
        Ok(h) if h < 0.0 => Err(Invalid::new(
            field,
            format!("{label} can't be negative. Use 0 if it doesn't apply."),
        )),
        Ok(h) if h > max => Err(Invalid::new(
            field,
            format!(
                "{label} is {} hours, more than {unit} has ({} hours).",
                hours(h),
                hours(max)
            ),
        )),
        Ok(h) => Ok((h * 4.0).round() / 4.0),
        Err(_) => Err(Invalid::new(
            field,
            format!("{label} needs to be a number of hours, like 2 or 1.5."),
        )),
    }
}

/// The hours a week are already spoken for. Set once, changed any time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Commitments {
    pub sleep_per_night: f32,
    pub meals_per_day: f32,
    /// Rotations, placements or classes, hours per week.
    pub rotations_per_week: f32,
    pub call_per_week: f32,
    pub commute_per_day: f32,
}

impl Commitments {
    /// Hours per week the commitments take.
    pub fn weekly_hours(&self) -> f32 {
        7.0 * (self.sleep_per_night + self.meals_per_day + self.commute_per_day)
            + self.rotations_per_week
            + self.call_per_week
    }

    /// What is left of the week for goals (never below zero).
    pub fn room_for_goals(&self) -> f32 {
        (HOURS_IN_WEEK - self.weekly_hours()).max(0.0)
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct CommitmentsInput {
    #[serde(default)]
    pub sleep_per_night: String,
    #[serde(default)]
    pub meals_per_day: String,
    #[serde(default)]
    pub rotations_per_week: String,
    #[serde(default)]
    pub call_per_week: String,
    #[serde(default)]
    pub commute_per_day: String,
}

impl CommitmentsInput {
    /// Suggested starting values for a first visit; the person changes them.
    pub fn suggested() -> Self {
        Self {
            sleep_per_night: "7.5".into(),
            meals_per_day: "1.5".into(),
            rotations_per_week: "50".into(),
            call_per_week: "0".into(),
            commute_per_day: "1".into(),
        }
    }

    pub fn from_commitments(c: &Commitments) -> Self {
        Self {
            sleep_per_night: hours(c.sleep_per_night),
            meals_per_day: hours(c.meals_per_day),
            rotations_per_week: hours(c.rotations_per_week),
            call_per_week: hours(c.call_per_week),
            commute_per_day: hours(c.commute_per_day),
        }
    }

    pub fn validate(&self) -> Result<Commitments, Vec<Invalid>> {
        let mut errors = Vec::new();
        let mut get = |field, label, v: &str, max, unit| {
            parse_hours(field, label, v, max, unit)
                .map_err(|e| errors.push(e))
                .unwrap_or(0.0)
        };
        let c = Commitments {
            sleep_per_night: get(
                "sleep_per_night",
                "Sleep per night",
                &self.sleep_per_night,
                24.0,
                "a day",
            ),
            meals_per_day: get(
                "meals_per_day",
                "Meals per day",
                &self.meals_per_day,
                24.0,
                "a day",
            ),
            rotations_per_week: get(
                "rotations_per_week",
                "Rotations or classes",
                &self.rotations_per_week,
                HOURS_IN_WEEK,
                "a week",
            ),
            call_per_week: get(
                "call_per_week",
                "Call",
                &self.call_per_week,
                HOURS_IN_WEEK,
                "a week",
            ),
            commute_per_day: get(
                "commute_per_day",
                "Commute per day",
                &self.commute_per_day,
                24.0,
                "a day",
            ),
        };
        if errors.is_empty() && c.weekly_hours() > HOURS_IN_WEEK {
            errors.push(Invalid::new(
                "sleep_per_night",
                format!(
                    "Together these come to {} hours a week, more than the 168 a week has. \
                     Please check the numbers: sleep, meals and commute are per day.",
                    hours(c.weekly_hours())
                ),
            ));
        }
        if errors.is_empty() {
            Ok(c)
        } else {
            Err(errors)
        }
    }
}

/// How far along a goal is. "Good enough" is done: it counts exactly like "fully".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum GoalState {
    #[default]
    NotYet,
    GoodEnough,
    Fully,
}

impl GoalState {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "not_yet" => Some(Self::NotYet),
            "good_enough" => Some(Self::GoodEnough),
            "fully" => Some(Self::Fully),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotYet => "not_yet",
            Self::GoodEnough => "good_enough",
            Self::Fully => "fully",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::NotYet => "Not yet",
            Self::GoodEnough => "Good enough",
            Self::Fully => "Fully",
        }
    }

    pub fn is_done(self) -> bool {
        self != Self::NotYet
    }
}

/// One goal for one ISO week. The week is also the record's day (its Monday),
/// so a week's goals are fetched with a day range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    pub title: String,
    pub hours: f32,
    pub good_enough: String,
    #[serde(default)]
    pub state: GoalState,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct GoalInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub hours: String,
    #[serde(default)]
    pub good_enough: String,
}

impl GoalInput {
    pub fn from_goal(g: &Goal) -> Self {
        Self {
            title: g.title.clone(),
            hours: hours(g.hours),
            good_enough: g.good_enough.clone(),
        }
    }

    /// Checks the goal on its own and against the week's other goals:
    /// `others_hours` is what the week's other goals already add up to.
    pub fn validate(&self, state: GoalState, others_hours: f32) -> Result<Goal, Vec<Invalid>> {
        let mut errors = Vec::new();
        let title = bounded_text("title", "The goal", &self.title, TITLE_MAX, true)
            .map_err(|e| errors.push(e))
            .ok();
        let hours_est = parse_hours(
            "hours",
            "The hours estimate",
            &self.hours,
            HOURS_IN_WEEK,
            "a whole week",
        )
        .map_err(|e| errors.push(e))
        .ok();
        let good_enough = bounded_text(
            "good_enough",
            "The good-enough level",
            &self.good_enough,
            GOOD_ENOUGH_MAX,
            true,
        )
        .map_err(|e| errors.push(e))
        .ok();
        if let Some(h) = hours_est
            && h + others_hours > HOURS_IN_WEEK
        {
            errors.push(Invalid::new(
                    "hours",
                    format!(
                        "With this goal the week's goals would need {} hours, more than the 168 a whole week has. \
                         Try a smaller estimate, or move part of it to next week.",
                        hours(h + others_hours)
                    ),
                ));
        }
        match (title, hours_est, good_enough) {
            (Some(title), Some(hours), Some(good_enough)) if errors.is_empty() => Ok(Goal {
                title,
                hours,
                good_enough,
                state,
            }),
            _ => Err(errors),
        }
    }
}

/// A suggestion to shrink one goal.
#[derive(Debug, Clone, PartialEq)]
pub struct Shrink {
    /// Index into the goals given to [`fit`].
    pub index: usize,
    pub from: f32,
    pub to: f32,
}

/// How the week adds up.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub committed: f32,
    pub room: f32,
    pub planned: f32,
    /// Hours over the room; 0 when the plan fits.
    pub over: f32,
    pub suggestions: Vec<Shrink>,
    /// Hours still over after every suggestion (the plan needs a goal moved).
    pub still_over: f32,
}

impl Fit {
    pub fn fits(&self) -> bool {
        self.over <= 0.0
    }
}

/// Adds up the week and, when it does not fit, suggests what to shrink.
///
/// The rule: only goals not yet done are candidates (hours already spent are
/// spent); the biggest estimates are shrunk first, because they have the most
/// room to give and small goals often keep a week feeling possible; no goal is
/// shrunk below half its estimate, so a suggestion stays a smaller version of
/// the same goal. Cuts are in half hours. If even that is not enough,
/// `still_over` says by how much, and the page suggests moving a goal.
pub fn fit(commitments: &Commitments, goals: &[Goal]) -> Fit {
    let committed = commitments.weekly_hours();
    let room = commitments.room_for_goals();
    let planned: f32 = goals.iter().map(|g| g.hours).sum();
    let over = (planned - room).max(0.0);
    let mut suggestions = Vec::new();
    let mut remaining = over;
    if over > 0.0 {
        let mut order: Vec<usize> = (0..goals.len())
            .filter(|&i| !goals[i].state.is_done())
            .collect();
        // Stable: equal estimates keep the order the person wrote them in.
        order.sort_by(|&a, &b| goals[b].hours.total_cmp(&goals[a].hours));
        for i in order {
            if remaining <= 0.0 {
                break;
            }
            let from = goals[i].hours;
            let most = (from / 2.0 * 2.0).floor() / 2.0; // half, in half hours
            let cut = ((remaining * 2.0).ceil() / 2.0).min(most);
            if cut <= 0.0 {
                continue;
            }
            suggestions.push(Shrink {
                index: i,
                from,
                to: from - cut,
            });
            remaining -= cut;
        }
    }
    Fit {
        committed,
        room,
        planned,
        over,
        suggestions,
        still_over: remaining.max(0.0),
    }
}

impl super::Kind for Goal {
    const KIND: &'static str = "goal";
}

impl super::Kind for Commitments {
    const KIND: &'static str = "goal-commitments";
}

/// Goals done this week ("good enough" counts), and how many there are.
pub fn goals_met(goals: &[Goal]) -> (usize, usize) {
    (
        goals.iter().filter(|g| g.state.is_done()).count(),
        goals.len(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_print_without_needless_decimals_or_a_minus_zero() {
        assert_eq!(hours(7.5), "7.5");
        assert_eq!(hours(10.0), "10");
        assert_eq!(hours(0.25), "0.25");
        assert_eq!(hours(-0.0), "0");
        assert_eq!(hours(1.0 - 1.0 - 0.001), "0");
    }

    fn commitments(sleep: f32, rotations: f32) -> Commitments {
        Commitments {
            sleep_per_night: sleep,
            meals_per_day: 1.5,
            rotations_per_week: rotations,
            call_per_week: 10.0,
            commute_per_day: 1.0,
        }
    }

    fn goal(title: &str, hours: f32, state: GoalState) -> Goal {
        Goal {
            title: title.into(),
            hours,
            good_enough: "some".into(),
            state,
        }
    }

    #[test]
    fn iso_weeks_parse_print_and_step() {
        let w = IsoWeek::parse("2026-W48").unwrap();
        assert_eq!(w.to_string(), "2026-W48");
        assert_eq!(w.monday().to_string(), "2026-11-23");
        assert_eq!(w.sunday().to_string(), "2026-11-29");
        assert_eq!(w.next().to_string(), "2026-W49");
        assert_eq!(
            IsoWeek::parse("2027-W01").unwrap().previous().to_string(),
            "2026-W53"
        );
        assert_eq!(
            IsoWeek::of("2026-12-31".parse().unwrap()).to_string(),
            "2026-W53"
        );
        for bad in [
            "2025-W53",
            "2026-W00",
            "2026-48",
            "x",
            "2026-W4",
            "99999-W01",
            "",
        ] {
            assert!(IsoWeek::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(w.label(), "23 – 29 November 2026");
    }

    #[test]
    fn the_week_adds_up_from_168_hours() {
        let c = commitments(7.5, 50.0);
        // 7 × (7.5 + 1.5 + 1) + 50 + 10 = 130
        assert_eq!(c.weekly_hours(), 130.0);
        assert_eq!(c.room_for_goals(), 38.0);
        let goals = [
            goal("Anki", 10.0, GoalState::NotYet),
            goal("Gym", 4.0, GoalState::NotYet),
        ];
        let f = fit(&c, &goals);
        assert!(f.fits());
        assert_eq!(f.planned, 14.0);
        assert!(f.suggestions.is_empty());
    }

    #[test]
    fn a_plan_that_does_not_fit_shrinks_the_biggest_open_goals_first() {
        let c = commitments(7.5, 50.0); // room 38
        let goals = [
            goal("Research", 30.0, GoalState::GoodEnough), // done: not a candidate
            goal("Anki", 12.0, GoalState::NotYet),
            goal("Reading", 8.0, GoalState::NotYet),
            goal("Gym", 3.0, GoalState::NotYet),
        ];
        let f = fit(&c, &goals);
        assert_eq!(f.planned, 53.0);
        assert_eq!(f.over, 15.0);
        // Anki at most halves (6), Reading halves (4), Gym 1.5: 11.5 < 15.
        assert_eq!(
            f.suggestions,
            vec![
                Shrink {
                    index: 1,
                    from: 12.0,
                    to: 6.0
                },
                Shrink {
                    index: 2,
                    from: 8.0,
                    to: 4.0
                },
                Shrink {
                    index: 3,
                    from: 3.0,
                    to: 1.5
                },
            ]
        );
        assert_eq!(f.still_over, 3.5);

        // A small overage takes only what is needed, rounded up to the half hour.
        let goals = [
            goal("Anki", 30.0, GoalState::NotYet),
            goal("Gym", 8.25, GoalState::NotYet),
        ];
        let f = fit(&c, &goals);
        assert_eq!(f.over, 0.25);
        assert_eq!(
            f.suggestions,
            vec![Shrink {
                index: 0,
                from: 30.0,
                to: 29.5
            }]
        );
        assert_eq!(f.still_over, 0.0);
    }

    #[test]
    fn good_enough_counts_as_done() {
        let goals = [
            goal("a", 1.0, GoalState::GoodEnough),
            goal("b", 1.0, GoalState::Fully),
            goal("c", 1.0, GoalState::NotYet),
        ];
        assert_eq!(goals_met(&goals), (2, 3));
        assert_eq!(GoalState::parse("good_enough"), Some(GoalState::GoodEnough));
        assert_eq!(GoalState::parse("done!"), None);
    }

    #[test]
    fn bad_hours_are_explained() {
        let g = |h: &str| GoalInput {
            title: "Anki".into(),
            hours: h.into(),
            good_enough: "200 cards".into(),
        };
        assert_eq!(
            g("2,5").validate(GoalState::NotYet, 0.0).unwrap().hours,
            2.5
        );
        for (bad, words) in [
            ("-1", "negative"),
            ("lots", "number"),
            ("", "number"),
            ("NaN", "ordinary number"),
            ("200", "more than a whole week"),
        ] {
            let e = g(bad).validate(GoalState::NotYet, 0.0).unwrap_err();
            assert_eq!(e[0].field, "hours");
            assert!(e[0].message.contains(words), "{bad}: {}", e[0].message);
        }
        // Each goal fits, but together they would need more than a week.
        let e = g("100").validate(GoalState::NotYet, 80.0).unwrap_err();
        assert!(e[0].message.contains("180 hours"));
        let empty = GoalInput::default()
            .validate(GoalState::NotYet, 0.0)
            .unwrap_err();
        let fields: Vec<_> = empty.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["title", "hours", "good_enough"]);
    }

    #[test]
    fn commitments_are_checked_one_by_one_and_together() {
        let ok = CommitmentsInput::suggested().validate().unwrap();
        assert_eq!(ok.weekly_hours(), 7.0 * 10.0 + 50.0);
        let mut bad = CommitmentsInput::suggested();
        bad.sleep_per_night = "25".into();
        bad.call_per_week = "-3".into();
        let fields: Vec<_> = bad
            .validate()
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["sleep_per_night", "call_per_week"]);
        let mut too_much = CommitmentsInput::suggested();
        too_much.rotations_per_week = "120".into();
        let e = too_much.validate().unwrap_err();
        assert!(e[0].message.contains("190 hours"));
    }
}
