//! The weekly review: a look back at one ISO week, and a reflection on it.

use serde::{Deserialize, Serialize};

use super::checkin::{Checkin, Meals};
use super::goals::IsoWeek;
use super::selfcare::mean;
use super::{Invalid, bounded_text};

pub const REFLECTION_MAX: usize = 10_000;

/// One reflection per week, kept in the week's slot (its ISO name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reflection {
    /// The prompt shown when it was written, so it reads back in context.
    #[serde(default)]
    pub prompt: String,
    pub text: String,
}

impl super::Kind for Reflection {
    const KIND: &'static str = "review-reflection";
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ReflectionInput {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub prompt: String,
}

impl ReflectionInput {
    pub fn validate(&self) -> Result<Reflection, Vec<Invalid>> {
        let text = bounded_text("text", "The reflection", &self.text, REFLECTION_MAX, true)
            .map_err(|e| vec![e])?;
        // The prompt comes back from a hidden field: keep it short and plain.
        let prompt: String = self.prompt.trim().chars().take(300).collect();
        Ok(Reflection { prompt, text })
    }
}

/// This week's prompt: the same all week, a different one next week.
pub fn prompt_for(week: IsoWeek, prompts: &[String]) -> Option<&str> {
    if prompts.is_empty() {
        return None;
    }
    prompts
        .get(week.ordinal() % prompts.len())
        .map(String::as_str)
}

/// The week's check-ins, summed up in what they show, never in what is absent.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekCheckins {
    pub days: usize,
    pub average_mood: Option<f32>,
    pub average_energy: Option<f32>,
    pub average_sleep: Option<f32>,
    pub movement_days: usize,
    pub movement_minutes: u32,
    pub regular_meal_days: usize,
    /// The joyful things written that week, oldest first.
    pub joys: Vec<String>,
}

pub fn summarise(checkins: &[Checkin]) -> WeekCheckins {
    let of = |f: fn(&Checkin) -> f32| mean(&checkins.iter().map(f).collect::<Vec<_>>());
    WeekCheckins {
        days: checkins.len(),
        average_mood: of(|c| f32::from(c.mood)),
        average_energy: of(|c| f32::from(c.energy)),
        average_sleep: of(|c| c.sleep_hours),
        movement_days: checkins.iter().filter(|c| c.movement_minutes > 0).count(),
        movement_minutes: checkins.iter().map(|c| u32::from(c.movement_minutes)).sum(),
        regular_meal_days: checkins.iter().filter(|c| c.meals == Meals::Eaten).count(),
        joys: checkins
            .iter()
            .filter(|c| !c.joy.is_empty())
            .map(|c| c.joy.clone())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_rotate_by_week_and_stay_put_within_it() {
        let prompts: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let w = IsoWeek::parse("2026-W48").unwrap();
        let this = prompt_for(w, &prompts).unwrap();
        assert_eq!(prompt_for(w, &prompts), Some(this));
        assert_ne!(prompt_for(w.next(), &prompts), Some(this));
        assert_eq!(prompt_for(w, &[]), None);
    }

    #[test]
    fn a_week_sums_up_what_was_there() {
        let c = |mood, movement, meals, joy: &str| Checkin {
            mood,
            energy: 3,
            sleep_hours: 6.0,
            movement_minutes: movement,
            meals,
            joy: joy.into(),
            note: String::new(),
        };
        let s = summarise(&[c(2, 0, Meals::Skipped, ""), c(4, 30, Meals::Eaten, "sun")]);
        assert_eq!(s.days, 2);
        assert_eq!(s.average_mood, Some(3.0));
        assert_eq!(
            (s.movement_days, s.movement_minutes, s.regular_meal_days),
            (1, 30, 1)
        );
        assert_eq!(s.joys, ["sun"]);
        assert_eq!(summarise(&[]).average_mood, None);
    }

    #[test]
    fn an_empty_reflection_is_refused() {
        assert!(ReflectionInput::default().validate().is_err());
        let r = ReflectionInput {
            text: " It was a lot. ".into(),
            prompt: "p".repeat(500),
        }
        .validate()
        .unwrap();
        assert_eq!(r.text, "It was a lot.");
        assert_eq!(r.prompt.len(), 300);
    }
}
