//! Noticed thoughts, reframes, self-compassion breaks, letters and debriefs.
//! Pure types and validation; every one of them is sealed in the vault.

use serde::{Deserialize, Serialize};

use super::{Invalid, bounded_text};

/// A thought is a sentence or two, captured in seconds.
pub const THOUGHT_MAX: usize = 1_000;
/// The kinder answer to a thought.
pub const REFRAME_MAX: usize = 5_000;
/// The optional note after a self-compassion break.
pub const BREAK_NOTE_MAX: usize = 2_000;
/// A compassionate letter: a few pages at most.
pub const LETTER_MAX: usize = 20_000;
/// Each part of the mistake debrief.
pub const DEBRIEF_FIELD_MAX: usize = 5_000;
/// The kind sentence is meant to be one sentence; this leaves room for a long one.
pub const KIND_SENTENCE_MAX: usize = 500;

/// Where the critic spoke up. Coarse on purpose: enough to see a pattern,
/// never enough to place a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    Exam,
    Ward,
    Clinic,
    Lecture,
    Home,
    Other,
}

impl Place {
    pub const ALL: [Place; 6] = [
        Place::Exam,
        Place::Ward,
        Place::Clinic,
        Place::Lecture,
        Place::Home,
        Place::Other,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Place::Exam => "exam",
            Place::Ward => "ward",
            Place::Clinic => "clinic",
            Place::Lecture => "lecture",
            Place::Home => "home",
            Place::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Place::Exam => "Exam or studying",
            Place::Ward => "Ward",
            Place::Clinic => "Clinic",
            Place::Lecture => "Lecture or teaching",
            Place::Home => "Home",
            Place::Other => "Somewhere else",
        }
    }

    pub fn from_id(id: &str) -> Option<Place> {
        Place::ALL.into_iter().find(|p| p.id() == id)
    }
}

/// A noticed self-critical thought, with the kinder answer once written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thought {
    pub text: String,
    #[serde(default)]
    pub place: Option<Place>,
    /// 0 (barely there) to 10 (as loud as it gets).
    #[serde(default)]
    pub intensity: Option<u8>,
    /// Pattern ids the detector found when the text was saved, kept so the log
    /// and the weekly review need not re-read every thought.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// What the person would say to a friend; empty until written.
    #[serde(default)]
    pub reframe: String,
}

impl Thought {
    /// The first words, for lists.
    pub fn snippet(&self) -> String {
        snippet(&self.text, 80)
    }
}

/// The first `max` characters of the first line, with an ellipsis when cut.
pub fn snippet(text: &str, max: usize) -> String {
    let first = text.lines().next().unwrap_or_default();
    let mut out: String = first.chars().take(max).collect();
    if first.chars().count() > max || text.lines().nth(1).is_some() {
        out.push('…');
    }
    out
}

/// The capture form, all strings so a bad value is shown back, not lost.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ThoughtInput {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub intensity: String,
}

/// What a valid capture form holds; the detector adds the patterns.
#[derive(Debug, Clone, PartialEq)]
pub struct ThoughtFields {
    pub text: String,
    pub place: Option<Place>,
    pub intensity: Option<u8>,
}

impl ThoughtInput {
    pub fn from_thought(t: &Thought) -> Self {
        Self {
            text: t.text.clone(),
            place: t.place.map(|p| p.id().to_owned()).unwrap_or_default(),
            intensity: t.intensity.map(|i| i.to_string()).unwrap_or_default(),
        }
    }

    pub fn validate(&self) -> Result<ThoughtFields, Vec<Invalid>> {
        let mut errors = Vec::new();
        let text = bounded_text("text", "The thought", &self.text, THOUGHT_MAX, true)
            .map_err(|e| errors.push(e))
            .ok();
        let place = match self.place.trim() {
            "" => None,
            p => {
                let place = Place::from_id(p);
                if place.is_none() {
                    errors.push(Invalid::new("place", "Choose one of the places listed."));
                }
                place
            }
        };
        let intensity = match self.intensity.trim() {
            "" => None,
            i => match i.parse::<u8>() {
                Ok(n) if n <= 10 => Some(n),
                _ => {
                    errors.push(Invalid::new(
                        "intensity",
                        "How loud it was is a whole number from 0 to 10.",
                    ));
                    None
                }
            },
        };
        match text {
            Some(text) if errors.is_empty() => Ok(ThoughtFields {
                text,
                place,
                intensity,
            }),
            _ => Err(errors),
        }
    }
}

pub fn validate_reframe(input: &str) -> Result<String, Vec<Invalid>> {
    bounded_text(
        "reframe",
        "What you would say to a friend",
        input,
        REFRAME_MAX,
        true,
    )
    .map_err(|e| vec![e])
}

/// One self-compassion break, with an optional note. Saved even without a
/// note, so the weekly review can count the moments someone was kind to themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakNote {
    #[serde(default)]
    pub note: String,
}

pub fn validate_break_note(input: &str) -> Result<BreakNote, Vec<Invalid>> {
    bounded_text("note", "The note", input, BREAK_NOTE_MAX, false)
        .map(|note| BreakNote { note })
        .map_err(|e| vec![e])
}

/// A compassionate letter to oneself, with the prompt it answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Letter {
    #[serde(default)]
    pub prompt: String,
    pub body: String,
}

impl Letter {
    pub fn snippet(&self) -> String {
        snippet(&self.body, 60)
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct LetterInput {
    #[serde(default)]
    pub prompt: String,
    #[serde(default)]
    pub body: String,
}

impl LetterInput {
    pub fn validate(&self) -> Result<Letter, Vec<Invalid>> {
        let body = bounded_text("body", "The letter", &self.body, LETTER_MAX, true)
            .map_err(|e| vec![e])?;
        // The prompt comes from a hidden field; an odd one is trimmed, not refused.
        let prompt: String = self.prompt.trim().chars().take(500).collect();
        Ok(Letter { prompt, body })
    }
}

/// The mistake debrief: facts, feelings, common humanity, one lesson, and the
/// kind sentence it ends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Debrief {
    pub what_happened: String,
    #[serde(default)]
    pub what_i_felt: String,
    #[serde(default)]
    pub common_humanity: String,
    #[serde(default)]
    pub one_lesson: String,
    pub kind_sentence: String,
}

impl Debrief {
    pub fn snippet(&self) -> String {
        snippet(&self.what_happened, 60)
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct DebriefInput {
    #[serde(default)]
    pub what_happened: String,
    #[serde(default)]
    pub what_i_felt: String,
    #[serde(default)]
    pub common_humanity: String,
    #[serde(default)]
    pub one_lesson: String,
    #[serde(default)]
    pub kind_sentence: String,
}

impl DebriefInput {
    /// "What happened" and the kind sentence are needed; the middle three may
    /// stay empty, because a debrief half done still counts.
    pub fn validate(&self) -> Result<Debrief, Vec<Invalid>> {
        let mut errors = Vec::new();
        let mut field = |name: &'static str, label: &str, v: &str, max: usize, req: bool| {
            bounded_text(name, label, v, max, req)
                .map_err(|e| errors.push(e))
                .unwrap_or_default()
        };
        let d = Debrief {
            what_happened: field(
                "what_happened",
                "What happened",
                &self.what_happened,
                DEBRIEF_FIELD_MAX,
                true,
            ),
            what_i_felt: field(
                "what_i_felt",
                "What you felt",
                &self.what_i_felt,
                DEBRIEF_FIELD_MAX,
                false,
            ),
            common_humanity: field(
                "common_humanity",
                "Who else has been here",
                &self.common_humanity,
                DEBRIEF_FIELD_MAX,
                false,
            ),
            one_lesson: field(
                "one_lesson",
                "The lesson",
                &self.one_lesson,
                DEBRIEF_FIELD_MAX,
                false,
            ),
            kind_sentence: field(
                "kind_sentence",
                "The kind sentence",
                &self.kind_sentence,
                KIND_SENTENCE_MAX,
                true,
            ),
        };
        if errors.is_empty() {
            Ok(d)
        } else {
            Err(errors)
        }
    }
}

impl super::Kind for Thought {
    const KIND: &'static str = "critic-thought";
}
impl super::Kind for BreakNote {
    const KIND: &'static str = "kindness-break";
}
impl super::Kind for Letter {
    const KIND: &'static str = "kindness-letter";
}
impl super::Kind for Debrief {
    const KIND: &'static str = "debrief";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thought_needs_words_and_accepts_optional_context() {
        let ok = ThoughtInput {
            text: "  I'm such an idiot  ".into(),
            place: "ward".into(),
            intensity: "7".into(),
        }
        .validate()
        .unwrap();
        assert_eq!(ok.text, "I'm such an idiot");
        assert_eq!(ok.place, Some(Place::Ward));
        assert_eq!(ok.intensity, Some(7));
        let bad = ThoughtInput {
            text: " ".into(),
            place: "moon".into(),
            intensity: "11".into(),
        }
        .validate()
        .unwrap_err();
        let fields: Vec<_> = bad.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["text", "place", "intensity"]);
        assert!(
            ThoughtInput {
                text: "x".repeat(THOUGHT_MAX + 1),
                ..Default::default()
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn a_debrief_needs_what_happened_and_the_kind_sentence() {
        let errs = DebriefInput::default().validate().unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["what_happened", "kind_sentence"]);
        let d = DebriefInput {
            what_happened: "Missed a potassium result".into(),
            kind_sentence: "I'm learning.".into(),
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!(d.what_i_felt, "");
    }

    #[test]
    fn snippets_are_cut_on_characters() {
        assert_eq!(snippet("ééé", 2), "éé…");
        assert_eq!(snippet("one\ntwo", 10), "one…");
        assert_eq!(snippet("short", 10), "short");
    }
}
