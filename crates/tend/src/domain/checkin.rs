//! The 30-second daily check-in.

use serde::{Deserialize, Serialize};

use super::{Invalid, bounded_text};

pub const NOTE_MAX: usize = 2_000;
pub const JOY_MAX: usize = 280;

/// Whether meals happened today, kept coarse on purpose: this is a nudge, not a food diary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Meals {
    Eaten,
    Skipped,
}

/// One day's check-in. Sealed as JSON in the vault; only its day is stored in the clear.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkin {
    /// 1 (very low) to 5 (very good).
    pub mood: u8,
    /// 1 (drained) to 5 (full of energy).
    pub energy: u8,
    /// Hours slept last night, to the quarter hour.
    pub sleep_hours: f32,
    pub movement_minutes: u16,
    pub meals: Meals,
    #[serde(default)]
    pub joy: String,
    #[serde(default)]
    pub note: String,
}

impl super::Kind for Checkin {
    const KIND: &'static str = "checkin";
}

/// What a form or API call sends before validation. All strings, so nothing is lost
/// when a field is malformed and the form is shown again.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct CheckinInput {
    #[serde(default)]
    pub mood: String,
    #[serde(default)]
    pub energy: String,
    #[serde(default)]
    pub sleep_hours: String,
    #[serde(default)]
    pub movement_minutes: String,
    #[serde(default)]
    pub meals: String,
    #[serde(default)]
    pub joy: String,
    #[serde(default)]
    pub note: String,
}

fn scale(field: &'static str, label: &str, v: &str) -> Result<u8, Invalid> {
    match v.trim().parse::<u8>() {
        Ok(n @ 1..=5) => Ok(n),
        _ => Err(Invalid::new(field, format!("Choose {label} from 1 to 5."))),
    }
}

impl CheckinInput {
    pub fn from_checkin(c: &Checkin) -> Self {
        Self {
            mood: c.mood.to_string(),
            energy: c.energy.to_string(),
            sleep_hours: format!("{}", c.sleep_hours),
            movement_minutes: c.movement_minutes.to_string(),
            meals: match c.meals {
                Meals::Eaten => "eaten".into(),
                Meals::Skipped => "skipped".into(),
            },
            joy: c.joy.clone(),
            note: c.note.clone(),
        }
    }

    /// Checks every field and reports all problems at once, so a person fixes them in one go.
    pub fn validate(&self) -> Result<Checkin, Vec<Invalid>> {
        let mut errors = Vec::new();
        let mood = scale("mood", "a mood", &self.mood)
            .map_err(|e| errors.push(e))
            .ok();
        let energy = scale("energy", "an energy level", &self.energy)
            .map_err(|e| errors.push(e))
            .ok();
        let sleep_hours = match self.sleep_hours.trim().replace(',', ".").parse::<f32>() {
            Ok(h) if h.is_finite() && (0.0..=24.0).contains(&h) => Some((h * 4.0).round() / 4.0),
            _ => {
                errors.push(Invalid::new(
                    "sleep_hours",
                    "Hours slept is a number from 0 to 24, like 6.5.",
                ));
                None
            }
        };
        let movement_minutes = match self.movement_minutes.trim() {
            "" => Some(0),
            m => match m.parse::<u16>() {
                Ok(n) if n <= 1440 => Some(n),
                _ => {
                    errors.push(Invalid::new(
                        "movement_minutes",
                        "Minutes of movement is a whole number from 0 to 1440.",
                    ));
                    None
                }
            },
        };
        let meals = match self.meals.trim() {
            "eaten" => Some(Meals::Eaten),
            "skipped" => Some(Meals::Skipped),
            _ => {
                errors.push(Invalid::new(
                    "meals",
                    "Say whether you ate regular meals today.",
                ));
                None
            }
        };
        let joy = bounded_text("joy", "The joyful thing", &self.joy, JOY_MAX, false)
            .map_err(|e| errors.push(e))
            .ok();
        let note = bounded_text("note", "The note", &self.note, NOTE_MAX, false)
            .map_err(|e| errors.push(e))
            .ok();
        match (
            mood,
            energy,
            sleep_hours,
            movement_minutes,
            meals,
            joy,
            note,
        ) {
            (
                Some(mood),
                Some(energy),
                Some(sleep_hours),
                Some(movement_minutes),
                Some(meals),
                Some(joy),
                Some(note),
            ) if errors.is_empty() => Ok(Checkin {
                mood,
                energy,
                sleep_hours,
                movement_minutes,
                meals,
                joy,
                note,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> CheckinInput {
        CheckinInput {
            mood: "4".into(),
            energy: "2".into(),
            sleep_hours: "6,6".into(),
            movement_minutes: "".into(),
            meals: "eaten".into(),
            joy: " coffee with Ana ".into(),
            note: "".into(),
        }
    }

    #[test]
    fn a_valid_check_in_is_normalised() {
        let c = input().validate().unwrap();
        assert_eq!(c.sleep_hours, 6.5);
        assert_eq!(c.movement_minutes, 0);
        assert_eq!(c.joy, "coffee with Ana");
        let back = CheckinInput::from_checkin(&c).validate().unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = CheckinInput {
            mood: "6".into(),
            energy: "x".into(),
            sleep_hours: "25".into(),
            movement_minutes: "-3".into(),
            meals: "".into(),
            joy: "j".repeat(JOY_MAX + 1),
            note: "n".repeat(NOTE_MAX + 1),
        };
        let errs = bad.validate().unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "mood",
                "energy",
                "sleep_hours",
                "movement_minutes",
                "meals",
                "joy",
                "note"
            ]
        );
        let mut nan = input();
        nan.sleep_hours = "NaN".into();
        assert!(nan.validate().is_err());
    }
}
