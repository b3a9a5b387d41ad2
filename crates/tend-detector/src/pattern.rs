//! The thirteen unhelpful thinking patterns, with gentle words for each.

use serde::{Deserialize, Serialize};

/// An unhelpful thinking pattern. The serialised form is the fixed id
/// (`all-or-nothing`, `should-statements`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pattern {
    AllOrNothing,
    Overgeneralizing,
    MentalFilter,
    DiscountingPositive,
    MindReading,
    FortuneTelling,
    Catastrophizing,
    EmotionalReasoning,
    ShouldStatements,
    Labeling,
    Personalizing,
    Blaming,
    Comparing,
}

impl Pattern {
    /// Every pattern, in the documented order.
    pub const ALL: [Pattern; 13] = [
        Pattern::AllOrNothing,
        Pattern::Overgeneralizing,
        Pattern::MentalFilter,
        Pattern::DiscountingPositive,
        Pattern::MindReading,
        Pattern::FortuneTelling,
        Pattern::Catastrophizing,
        Pattern::EmotionalReasoning,
        Pattern::ShouldStatements,
        Pattern::Labeling,
        Pattern::Personalizing,
        Pattern::Blaming,
        Pattern::Comparing,
    ];

    /// The fixed, stable id.
    pub fn id(self) -> &'static str {
        match self {
            Pattern::AllOrNothing => "all-or-nothing",
            Pattern::Overgeneralizing => "overgeneralizing",
            Pattern::MentalFilter => "mental-filter",
            Pattern::DiscountingPositive => "discounting-positive",
            Pattern::MindReading => "mind-reading",
            Pattern::FortuneTelling => "fortune-telling",
            Pattern::Catastrophizing => "catastrophizing",
            Pattern::EmotionalReasoning => "emotional-reasoning",
            Pattern::ShouldStatements => "should-statements",
            Pattern::Labeling => "labeling",
            Pattern::Personalizing => "personalizing",
            Pattern::Blaming => "blaming",
            Pattern::Comparing => "comparing",
        }
    }

    /// Parse a fixed id (exactly as returned by [`Pattern::id`]).
    pub fn from_id(id: &str) -> Option<Pattern> {
        Pattern::ALL.into_iter().find(|p| p.id() == id)
    }

    /// A human name.
    pub fn name(self) -> &'static str {
        match self {
            Pattern::AllOrNothing => "All-or-nothing thinking",
            Pattern::Overgeneralizing => "Overgeneralizing",
            Pattern::MentalFilter => "Mental filter",
            Pattern::DiscountingPositive => "Discounting the positive",
            Pattern::MindReading => "Mind reading",
            Pattern::FortuneTelling => "Fortune telling",
            Pattern::Catastrophizing => "Catastrophizing",
            Pattern::EmotionalReasoning => "Emotional reasoning",
            Pattern::ShouldStatements => "Should statements",
            Pattern::Labeling => "Labeling",
            Pattern::Personalizing => "Personalizing",
            Pattern::Blaming => "Blaming",
            Pattern::Comparing => "Comparing",
        }
    }

    /// One gentle line saying what the pattern is.
    pub fn description(self) -> &'static str {
        match self {
            Pattern::AllOrNothing => {
                "Seeing things in only two boxes, perfect or a total failure, with nothing in between."
            }
            Pattern::Overgeneralizing => {
                "Taking one hard moment and treating it as proof that it always or never goes well."
            }
            Pattern::MentalFilter => {
                "Letting one painful detail colour the whole picture, so the rest fades from view."
            }
            Pattern::DiscountingPositive => {
                "Waving away the good things, as if they were luck or did not count."
            }
            Pattern::MindReading => {
                "Feeling sure you know what others think of you, without them having said it."
            }
            Pattern::FortuneTelling => {
                "Predicting that things will turn out badly, as if the future were already settled."
            }
            Pattern::Catastrophizing => {
                "Picturing the worst possible outcome and treating it as the likely one."
            }
            Pattern::EmotionalReasoning => {
                "Taking a feeling as a fact: because it feels true, it must be true."
            }
            Pattern::ShouldStatements => {
                "Holding yourself to rigid rules about how you should or must be, with no room to be human."
            }
            Pattern::Labeling => {
                "Summing up a whole person, often yourself, with one harsh word after one event."
            }
            Pattern::Personalizing => {
                "Taking the blame for something that had many causes, most of them outside your control."
            }
            Pattern::Blaming => {
                "Putting all of the fault on someone else, which can leave you feeling stuck."
            }
            Pattern::Comparing => {
                "Measuring yourself against others in a way that only ever finds you lacking."
            }
        }
    }

    /// Two or three prompts for the "what would you tell a friend?" step.
    pub fn reframe_prompts(self) -> &'static [&'static str] {
        match self {
            Pattern::AllOrNothing => &[
                "Is there a middle ground between perfect and failure here? What would 'partly went well' look like?",
                "If a friend did 70% of this, would you call it a failure?",
                "What is one small thing that did go okay?",
            ],
            Pattern::Overgeneralizing => &[
                "Is it really every time, or does it just feel that way right now? Can you remember one time it went differently?",
                "What would you tell a friend who said 'I always mess this up' after one hard day?",
            ],
            Pattern::MentalFilter => &[
                "If you stepped back and looked at the whole day, what else happened besides this one part?",
                "What would a kind friend who was there notice that you might be skipping over?",
            ],
            Pattern::DiscountingPositive => &[
                "If a friend had done this, would you say it was only luck?",
                "What did you do, even a little, that helped it go well?",
                "Could you let this good thing count, just for today?",
            ],
            Pattern::MindReading => &[
                "What do you actually know they think, and what are you guessing?",
                "What are two other reasons they might have acted that way?",
                "If a friend told you this worry, how would you help them check it?",
            ],
            Pattern::FortuneTelling => &[
                "What is the evidence for this prediction, and what is the evidence against it?",
                "How have similar worries turned out in the past?",
                "What would you say to a friend who was sure it would go badly?",
            ],
            Pattern::Catastrophizing => &[
                "What is the most likely outcome, not the worst one?",
                "If the hard thing did happen, how might you get through it, and who could help?",
                "Will this matter in a year the way it feels like it matters today?",
            ],
            Pattern::EmotionalReasoning => &[
                "Feelings are real, but are they facts? What would the facts alone say?",
                "If a friend felt like a fraud, would that make them one?",
            ],
            Pattern::ShouldStatements => &[
                "What would change if you said 'I'd like to' instead of 'I should'?",
                "Whose rule is this, and would you hold a friend to it?",
                "What would a kinder, more realistic expectation sound like?",
            ],
            Pattern::Labeling => &[
                "Would you call a friend that word for the same thing? What would you say instead?",
                "Can you describe what happened without a label about who you are?",
                "One moment is something you did, not all of who you are. What else is true about you?",
            ],
            Pattern::Personalizing => &[
                "What other things, people or circumstances played a part in this?",
                "If a friend were in your place, how much of this would you say was truly theirs to carry?",
            ],
            Pattern::Blaming => &[
                "What part of this is within your reach to change, however small?",
                "Could more than one thing be true: they played a part, and there is still something you can do?",
            ],
            Pattern::Comparing => &[
                "You are seeing their outside and your inside. What might they be struggling with that you cannot see?",
                "Compared with where you were a year ago, what have you learned?",
                "What would you tell a friend who measured themselves against the best person in the room?",
            ],
        }
    }
}

impl std::fmt::Display for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// Map a label name from a public data set (or the project's own CSV) to a
/// pattern. `Ok(None)` means an explicit "no distortion" label.
///
/// Handles the spellings in `synthetic-babacan2025.csv` (`Labelling`,
/// `Magnification`, `All-or-Nothing Thinking`, ...) and in the Therapist QA
/// files (`Labeling`, `Mental filter`, `Should statements`, ...).
pub fn map_label(label: &str) -> Result<Option<Pattern>, String> {
    let norm: String = label
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let p = match norm.as_str() {
        "" | "none" | "nodistortion" | "no" | "notdistorted" => return Ok(None),
        "allornothing" | "allornothingthinking" | "blackandwhitethinking" => Pattern::AllOrNothing,
        "overgeneralization" | "overgeneralizing" | "overgeneralisation" | "overgeneralising" => {
            Pattern::Overgeneralizing
        }
        "mentalfilter" | "mentalfiltering" => Pattern::MentalFilter,
        "discountingpositive" | "discountingthepositive" | "disqualifyingthepositive" => {
            Pattern::DiscountingPositive
        }
        "mindreading" => Pattern::MindReading,
        "fortunetelling" => Pattern::FortuneTelling,
        "catastrophizing"
        | "catastrophising"
        | "magnification"
        | "magnificationandminimization" => Pattern::Catastrophizing,
        "emotionalreasoning" => Pattern::EmotionalReasoning,
        "shouldstatements" | "shouldstatement" => Pattern::ShouldStatements,
        "labeling" | "labelling" | "mislabeling" => Pattern::Labeling,
        "personalizing" | "personalization" | "personalisation" => Pattern::Personalizing,
        "blaming" | "blame" => Pattern::Blaming,
        "comparing" | "comparison" => Pattern::Comparing,
        _ => return Err(format!("unknown pattern label {label:?}")),
    };
    Ok(Some(p))
}

/// The Therapist QA / Burns ten-label scheme folds some of tend's patterns
/// into others: "disqualifying the positive" into mental filter and
/// "blame" into personalization. Used only when scoring against that scheme.
pub fn to_ten_label_scheme(p: Pattern) -> Option<Pattern> {
    match p {
        Pattern::DiscountingPositive => Some(Pattern::MentalFilter),
        Pattern::Blaming => Some(Pattern::Personalizing),
        Pattern::Comparing => None,
        other => Some(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_serialise() {
        for p in Pattern::ALL {
            assert_eq!(Pattern::from_id(p.id()), Some(p));
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.id()));
            assert!(!p.name().is_empty());
            assert!(!p.description().is_empty());
            let n = p.reframe_prompts().len();
            assert!((2..=3).contains(&n), "{p}: {n} prompts");
        }
    }

    #[test]
    fn maps_public_label_names() {
        assert_eq!(map_label("Labelling").unwrap(), Some(Pattern::Labeling));
        assert_eq!(map_label("Labeling").unwrap(), Some(Pattern::Labeling));
        assert_eq!(
            map_label("Magnification").unwrap(),
            Some(Pattern::Catastrophizing)
        );
        assert_eq!(
            map_label("All-or-Nothing Thinking").unwrap(),
            Some(Pattern::AllOrNothing)
        );
        assert_eq!(
            map_label("All-or-nothing thinking").unwrap(),
            Some(Pattern::AllOrNothing)
        );
        assert_eq!(
            map_label("Mental filter").unwrap(),
            Some(Pattern::MentalFilter)
        );
        assert_eq!(
            map_label("Fortune-telling").unwrap(),
            Some(Pattern::FortuneTelling)
        );
        assert_eq!(
            map_label("Personalization").unwrap(),
            Some(Pattern::Personalizing)
        );
        assert_eq!(
            map_label("Overgeneralization").unwrap(),
            Some(Pattern::Overgeneralizing)
        );
        assert_eq!(map_label("No Distortion").unwrap(), None);
        assert_eq!(map_label("").unwrap(), None);
        assert!(map_label("Telepathy").is_err());
    }
}
