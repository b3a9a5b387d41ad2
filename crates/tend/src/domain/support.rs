//! The person's own list of people to reach: a friend, a mentor, a counsellor.
//! Sealed like every personal record; tend never contacts anyone.

use serde::{Deserialize, Serialize};

use super::{Invalid, bounded_text};

pub const NAME_MAX: usize = 100;
pub const REACH_MAX: usize = 200;
pub const NOTE_MAX: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportPerson {
    pub name: String,
    /// How to reach them, in the person's own words ("text her", a number).
    #[serde(default)]
    pub reach: String,
    #[serde(default)]
    pub note: String,
}

impl super::Kind for SupportPerson {
    const KIND: &'static str = "support-person";
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SupportPersonInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub reach: String,
    #[serde(default)]
    pub note: String,
}

impl SupportPersonInput {
    pub fn from_person(p: &SupportPerson) -> Self {
        Self {
            name: p.name.clone(),
            reach: p.reach.clone(),
            note: p.note.clone(),
        }
    }

    pub fn validate(&self) -> Result<SupportPerson, Vec<Invalid>> {
        let mut errors = Vec::new();
        let name = bounded_text("name", "The name", &self.name, NAME_MAX, true)
            .map_err(|e| errors.push(e))
            .ok();
        let reach = bounded_text("reach", "How to reach them", &self.reach, REACH_MAX, false)
            .map_err(|e| errors.push(e))
            .ok();
        let note = bounded_text("note", "The note", &self.note, NOTE_MAX, false)
            .map_err(|e| errors.push(e))
            .ok();
        match (name, reach, note) {
            (Some(name), Some(reach), Some(note)) => Ok(SupportPerson { name, reach, note }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_needed_and_every_field_is_bounded() {
        let ok = SupportPersonInput {
            name: " Ana ".into(),
            reach: "text".into(),
            note: String::new(),
        }
        .validate()
        .unwrap();
        assert_eq!(ok.name, "Ana");
        let bad = SupportPersonInput {
            name: " ".into(),
            reach: "r".repeat(REACH_MAX + 1),
            note: "n".repeat(NOTE_MAX + 1),
        };
        let fields: Vec<_> = bad
            .validate()
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["name", "reach", "note"]);
    }
}
