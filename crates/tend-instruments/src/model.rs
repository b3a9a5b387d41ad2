//! The instrument data model, deserialised from `instruments/<id>.toml`.
//!
//! Every field is public and read-only in spirit: a [`crate::Catalog`] only hands out
//! instruments that passed validation, so the web layer can render them directly.

use serde::{Deserialize, Serialize};

/// One questionnaire, as described by its data file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    /// Stable id, equal to the file stem, e.g. `phq9`.
    pub id: String,
    /// Full published name.
    #[serde(default)]
    pub name: String,
    /// Short name for headings, e.g. `PHQ-9`.
    #[serde(default)]
    pub short_name: String,
    /// What the questionnaire measures, in plain words.
    #[serde(default)]
    pub measures: String,
    /// What it is not (never a diagnosis).
    #[serde(default)]
    pub not_a: String,
    /// The stem shown above the items ("Over the last two weeks, …").
    #[serde(default)]
    pub instructions: String,
    /// Whether the item text is the published wording, an adaptation, or our own words.
    pub wording: Wording,
    /// Why the wording is what it is, and every known difference from the published
    /// form (adaptations, instructions shortened for a screen, option order).
    #[serde(default)]
    pub wording_note: String,
    /// Where the item, option and instruction text was taken from, and whether it
    /// could be checked against a primary copy.
    #[serde(default)]
    pub text_source: String,
    /// The period the questions ask about, in days; `None` when the form names none.
    #[serde(default)]
    pub lookback_days: Option<u32>,
    /// The shortest sensible gap between two administrations, in days.
    #[serde(default)]
    pub min_interval_days: u32,
    /// Polarity of the headline score, used by charts and change descriptions.
    pub higher_is_better: bool,
    /// The scale reported as `score`.
    #[serde(default)]
    pub headline: String,
    /// Scales reported under `subscales`, in this order.
    #[serde(default)]
    pub subscales: Vec<String>,
    /// Item numbers (1-based, as printed on the form) that are reverse-scored.
    #[serde(default)]
    pub reverse_items: Vec<usize>,
    /// The missing-answer rule, in words, and where it comes from.
    #[serde(default)]
    pub missing_rule: String,
    /// Where the band cut-offs come from.
    #[serde(default)]
    pub band_source: String,
    /// A caveat about the bands (e.g. a boundary convention we chose), if any.
    #[serde(default)]
    pub band_note: String,
    /// Full citation of the instrument.
    #[serde(default)]
    pub citation: String,
    pub licence: Licence,
    /// Minimal important change for one person, where one is published.
    #[serde(default)]
    pub mic: Option<Mic>,
    #[serde(default)]
    pub response_sets: Vec<ResponseSet>,
    #[serde(default)]
    pub items: Vec<Item>,
    /// An unscored question shown after the items (e.g. the PHQ-9 difficulty question).
    #[serde(default)]
    pub followup: Option<Followup>,
    #[serde(default)]
    pub scales: Vec<Scale>,
    #[serde(default)]
    pub bands: Vec<Band>,
    #[serde(default)]
    pub flags: Vec<Flag>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Wording {
    /// The published item text, reproduced as the licence allows.
    Published,
    /// The published text with a documented adaptation (e.g. "work" → "studies").
    Adapted,
    /// The project's own words; the published wording is not reproduced.
    OwnWords,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Licence {
    pub status: LicenceStatus,
    #[serde(default)]
    pub note: String,
    /// Attribution text that must be shown with the questionnaire, if any.
    #[serde(default)]
    pub attribution: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LicenceStatus {
    /// Free for any use, no permission needed.
    Free,
    /// Free for research and education with citation; commercial use not stated.
    ResearchAndEducation,
    /// No licence text was found; terms unverified.
    Unverified,
    /// The licence forbids shipping it; a catalogue refuses such a file.
    NotPermitted,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Mic {
    /// Minimal important change in headline-score points.
    pub points: f64,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseSet {
    pub name: String,
    pub options: Vec<ResponseOption>,
}

impl ResponseSet {
    /// Smallest code (validated: codes are contiguous and ascending).
    pub fn min_code(&self) -> u8 {
        self.options.first().map_or(0, |o| o.code)
    }
    /// Largest code.
    pub fn max_code(&self) -> u8 {
        self.options.last().map_or(0, |o| o.code)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseOption {
    /// The semantic value of the option on the published form (never a column position).
    pub code: u8,
    #[serde(default)]
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    #[serde(default)]
    pub text: String,
    /// Name of the response set; defaults to the first one.
    #[serde(default)]
    pub response_set: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Followup {
    pub text: String,
    pub options: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScaleMethod {
    /// Sum of the item values; every item must be answered.
    Sum,
    /// Mean of the answered item values (at least `min_answered`).
    Mean,
    /// Mean of the group means; every group must be complete.
    MeanOfGroups,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    pub name: String,
    #[serde(default)]
    pub label: String,
    pub method: ScaleMethod,
    /// Items (1-based) for `sum` and `mean`.
    #[serde(default)]
    pub items: Vec<usize>,
    /// Item groups for `mean-of-groups`.
    #[serde(default)]
    pub groups: Vec<Vec<usize>>,
    /// Apply the instrument's reverse scoring (false = raw codes, e.g. SCS "UCS").
    #[serde(default = "yes")]
    pub reverse: bool,
    /// Fewest answered items for a `mean`; defaults to all of them.
    #[serde(default)]
    pub min_answered: Option<usize>,
    /// Integer factor applied to the result (WHO-5 ×4, CBI ×25).
    #[serde(default = "one")]
    pub multiplier: u32,
}

impl Scale {
    /// All items this scale reads, in order.
    pub fn all_items(&self) -> Vec<usize> {
        match self.method {
            ScaleMethod::MeanOfGroups => self.groups.iter().flatten().copied().collect(),
            ScaleMethod::Sum | ScaleMethod::Mean => self.items.clone(),
        }
    }
}

fn yes() -> bool {
    true
}
fn one() -> u32 {
    1
}

/// A score band. `min` is inclusive; the upper bound is either `max` (inclusive,
/// as most sources print it) or `below` (exclusive, for shared boundaries such as
/// the SCS rough guide).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// Stable id, e.g. `moderate`.
    pub id: String,
    pub min: f64,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub below: Option<f64>,
    /// The source's own term for the band.
    #[serde(default)]
    pub published: String,
    /// Plain, kind label shown to the person.
    #[serde(default)]
    pub label: String,
    /// One kind sentence on what it means (and does not).
    #[serde(default)]
    pub explanation: String,
}

impl Band {
    pub fn contains(&self, value: f64) -> bool {
        if value < self.min {
            return false;
        }
        match (self.max, self.below) {
            (Some(max), _) => value <= max,
            (None, Some(below)) => value < below,
            (None, None) => false,
        }
    }

    /// The upper bound for display and shading.
    pub fn upper(&self) -> f64 {
        self.max.or(self.below).unwrap_or(self.min)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlagKind {
    /// Show crisis help at once, before the score.
    Crisis,
    /// Show the support page prominently.
    Support,
}

/// A safety flag: fires on one item's code or on a scale's value.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Flag {
    pub name: String,
    pub kind: FlagKind,
    #[serde(default)]
    pub item: Option<usize>,
    #[serde(default)]
    pub scale: Option<String>,
    #[serde(default)]
    pub at_least: Option<f64>,
    #[serde(default)]
    pub at_most: Option<f64>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub source: String,
}

impl Flag {
    pub fn fires_on(&self, value: f64) -> bool {
        self.at_least.is_none_or(|t| value >= t) && self.at_most.is_none_or(|t| value <= t)
    }
}
