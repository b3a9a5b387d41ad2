//! Three good things: one sealed record per day, with up to three notes.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::{Invalid, bounded_text};
use crate::domain::practice::day_number;

/// A sentence or a short paragraph each.
pub const THING_MAX: usize = 1_000;
/// The form's field names, in order.
pub const FIELDS: [&str; 3] = ["good1", "good2", "good3"];

/// One day's good things (one to three, blanks left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gratitude {
    pub things: Vec<String>,
}

impl super::Kind for Gratitude {
    const KIND: &'static str = "gratitude";
}

/// The form as sent: all strings, so a re-shown form keeps every word.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct GratitudeInput {
    #[serde(default)]
    pub good1: String,
    #[serde(default)]
    pub good2: String,
    #[serde(default)]
    pub good3: String,
    /// The version of today's record the form was shown with ("" when new).
    #[serde(default)]
    pub version: String,
}

impl GratitudeInput {
    pub fn from_gratitude(g: &Gratitude, version: i64) -> Self {
        let at = |i: usize| g.things.get(i).cloned().unwrap_or_default();
        Self {
            good1: at(0),
            good2: at(1),
            good3: at(2),
            version: version.to_string(),
        }
    }

    pub fn fields(&self) -> [&str; 3] {
        [&self.good1, &self.good2, &self.good3]
    }

    /// One good thing is enough; three is the invitation, not the rule.
    pub fn validate(&self) -> Result<Gratitude, Vec<Invalid>> {
        let mut errors = Vec::new();
        let mut things = Vec::new();
        for (i, (field, value)) in FIELDS.iter().zip(self.fields()).enumerate() {
            let label = format!("Good thing {}", i + 1);
            match bounded_text(field, &label, value, THING_MAX, false) {
                Ok(t) if !t.is_empty() => things.push(t),
                Ok(_) => {}
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() && things.is_empty() {
            errors.push(Invalid::new(
                "good1",
                "Write at least one good thing. One small thing is plenty.",
            ));
        }
        if errors.is_empty() {
            Ok(Gratitude { things })
        } else {
            Err(errors)
        }
    }
}

/// Three prompts for a day, rotating through the list so the same day always
/// shows the same three and the next day shows the next ones.
pub fn prompts_for(day: Date, all: &[String]) -> [&str; 3] {
    if all.is_empty() {
        return ["", "", ""];
    }
    let start = day_number(day) * 3;
    [0, 1, 2].map(|i| all[(start + i) % all.len()].as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn input(a: &str, b: &str, c: &str) -> GratitudeInput {
        GratitudeInput {
            good1: a.into(),
            good2: b.into(),
            good3: c.into(),
            version: String::new(),
        }
    }

    #[test]
    fn one_thing_is_enough_and_blanks_are_dropped() {
        let g = input("  ", " warm tea ", "").validate().unwrap();
        assert_eq!(g.things, vec!["warm tea"]);
        let e = input("", " ", "").validate().unwrap_err();
        assert_eq!(e[0].field, "good1");
        let e = input("ok", &"x".repeat(THING_MAX + 1), "")
            .validate()
            .unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, "good2");
    }

    #[test]
    fn prompts_rotate_by_day_and_stay_put_within_a_day() {
        let all: Vec<String> = (0..7).map(|i| format!("p{i}")).collect();
        let a = prompts_for(date(2026, 3, 10), &all);
        assert_eq!(a, prompts_for(date(2026, 3, 10), &all));
        assert_ne!(a, prompts_for(date(2026, 3, 11), &all));
        assert_ne!(a[0], a[1]);
    }
}
