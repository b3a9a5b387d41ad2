//! Questionnaire responses as personal records (issue 3).
//!
//! Only the answers are stored (sealed); scores are recomputed by the engine in
//! `tend-instruments` every time they are shown, so a scoring fix reaches old
//! responses too and there is one source of truth for the numbers.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use tend_instruments::{Catalog, Instrument, Pause, ScheduleChoice, ScoreResult};

use super::Invalid;

/// Chosen for a new person: one well-being and one self-compassion check-in,
/// both gentle and neither a screen for illness. Everything else is opt-in.
pub const DEFAULT_CHOICE: [&str; 2] = ["who5", "scs-sf"];

/// One completed questionnaire: the published response codes, in item order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    pub instrument: String,
    pub answers: Vec<Option<u8>>,
    /// The unscored follow-up question (PHQ-9, GAD-7), as an option index.
    #[serde(default)]
    pub followup: Option<u8>,
    /// When it was sent, in milliseconds: orders two responses saved within the
    /// same second (the record's own timestamps are whole seconds).
    #[serde(default)]
    pub submitted_ms: i64,
}

impl Response {
    /// Sorts responses in the order they were given.
    pub fn order_key(day: Option<Date>, created_at: i64, r: &Response) -> (Option<Date>, i64, i64) {
        (day, created_at, r.submitted_ms)
    }
}

impl super::Kind for Response {
    const KIND: &'static str = "questionnaire-response";
}

/// A questionnaire in progress, one per instrument, so it can be left and resumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub instrument: String,
    pub answers: Vec<Option<u8>>,
    #[serde(default)]
    pub followup: Option<u8>,
}

/// Every questionnaire in progress, by instrument id, in one sealed record. One
/// record (not one per questionnaire) because a record's slot name is stored in
/// the clear and must not say which questionnaire someone has started.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Drafts {
    #[serde(default)]
    pub drafts: BTreeMap<String, Draft>,
}

impl super::Kind for Drafts {
    const KIND: &'static str = "questionnaire-drafts";
}

impl Draft {
    pub fn new(instrument: &Instrument) -> Self {
        Self {
            instrument: instrument.id.clone(),
            answers: vec![None; instrument.items.len()],
            followup: None,
        }
    }

    /// The first unanswered item (1-based), if any.
    pub fn first_unanswered(&self) -> Option<usize> {
        self.answers.iter().position(Option::is_none).map(|i| i + 1)
    }

    /// The first unanswered item after `n`, else the first unanswered at all.
    pub fn next_unanswered_after(&self, n: usize) -> Option<usize> {
        self.answers
            .iter()
            .enumerate()
            .skip(n)
            .find(|(_, a)| a.is_none())
            .map(|(i, _)| i + 1)
            .or_else(|| self.first_unanswered())
    }

    pub fn answered(&self) -> usize {
        self.answers.iter().filter(|a| a.is_some()).count()
    }

    /// A draft saved for an older version of a form (different item count)
    /// cannot be resumed safely; it is started afresh.
    pub fn fits(&self, instrument: &Instrument) -> bool {
        self.instrument == instrument.id && self.answers.len() == instrument.items.len()
    }
}

/// Which check-ins a person wants, and whether they are paused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    pub instruments: Vec<String>,
    /// `YYYY-MM-DD`: paused up to the day before this date.
    #[serde(default)]
    pub paused_until: Option<String>,
    /// Paused until the person resumes.
    #[serde(default)]
    pub paused: bool,
}

impl super::Kind for Preferences {
    const KIND: &'static str = "questionnaire-preferences";
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            instruments: DEFAULT_CHOICE.iter().map(|s| (*s).to_owned()).collect(),
            paused_until: None,
            paused: false,
        }
    }
}

/// The engine's dates are `time::Date`; tend's are `jiff::civil::Date`.
pub fn to_time(d: Date) -> Option<tend_instruments::time::Date> {
    let month = tend_instruments::time::Month::try_from(u8::try_from(d.month()).ok()?).ok()?;
    tend_instruments::time::Date::from_calendar_date(
        i32::from(d.year()),
        month,
        u8::try_from(d.day()).ok()?,
    )
    .ok()
}

pub fn from_time(d: tend_instruments::time::Date) -> Option<Date> {
    Date::new(
        i16::try_from(d.year()).ok()?,
        i8::try_from(u8::from(d.month())).ok()?,
        i8::try_from(d.day()).ok()?,
    )
    .ok()
}

impl Preferences {
    /// The choice in the engine's terms. A pause that has ended is no pause.
    pub fn choice(&self) -> ScheduleChoice {
        let pause = if self.paused {
            Pause::Indefinitely
        } else {
            match self
                .paused_until
                .as_deref()
                .and_then(|d| d.parse::<Date>().ok())
                .and_then(to_time)
            {
                Some(until) => Pause::Until(until),
                None => Pause::None,
            }
        };
        ScheduleChoice {
            instruments: self.instruments.clone(),
            pause,
        }
    }

    /// Whether a pause is in force today.
    pub fn paused_on(&self, today: Date) -> bool {
        self.paused
            || self
                .paused_until
                .as_deref()
                .and_then(|d| d.parse::<Date>().ok())
                .is_some_and(|until| today < until)
    }
}

/// Reads the settings form: one checkbox per instrument (`want-<id>`) and a
/// `pause` choice. Field names are per instrument because a form field may
/// appear only once.
pub fn parse_settings(
    catalog: &Catalog,
    form: &BTreeMap<String, String>,
    current: &Preferences,
    today: Date,
) -> Result<Preferences, Vec<Invalid>> {
    let mut errors = Vec::new();
    let mut instruments = Vec::new();
    for (key, _) in form.iter().filter(|(_, v)| !v.is_empty()) {
        if let Some(id) = key.strip_prefix("want-") {
            if catalog.get(id).is_some() {
                instruments.push(id.to_owned());
            } else {
                errors.push(Invalid::new(
                    "instruments",
                    "One of the chosen check-ins isn't one tend offers. Please choose from the list.",
                ));
            }
        }
    }
    // Keep catalogue order, so the list reads the same way every time.
    instruments.sort_by_key(|id| catalog.ids().iter().position(|c| c == id));
    let pause = form.get("pause").map_or("", |s| s.trim());
    let (paused_until, paused) = match pause {
        "" | "none" => (None, false),
        "keep" => (current.paused_until.clone(), current.paused),
        "2w" => (Some(in_days(today, 14)), false),
        "4w" => (Some(in_days(today, 28)), false),
        "indefinitely" => (None, true),
        _ => {
            errors.push(Invalid::new(
                "pause",
                "Please choose one of the pause options.",
            ));
            (None, false)
        }
    };
    if errors.is_empty() {
        Ok(Preferences {
            instruments,
            paused_until,
            paused,
        })
    } else {
        Err(errors)
    }
}

fn in_days(today: Date, days: i64) -> String {
    today
        .saturating_add(jiff::Span::new().days(days))
        .to_string()
}

/// Checks one answer from the answering form against the item's published codes.
pub fn parse_answer(instrument: &Instrument, item: usize, raw: &str) -> Result<u8, Invalid> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Invalid::new(
            "answer",
            "Please choose the answer closest to how it has been for you.",
        ));
    }
    let (min, max) = instrument
        .item_range(item)
        .ok_or_else(|| Invalid::new("answer", "This question isn't part of the questionnaire."))?;
    match raw.parse::<u8>() {
        Ok(code) if (min..=max).contains(&code) => Ok(code),
        _ => Err(Invalid::new(
            "answer",
            "That answer isn't one of the options. Please choose one from the list.",
        )),
    }
}

/// Checks an optional answer to the unscored follow-up question.
pub fn parse_followup(instrument: &Instrument, raw: &str) -> Result<Option<u8>, Invalid> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let count = instrument.followup.as_ref().map_or(0, |f| f.options.len());
    match raw.parse::<u8>() {
        Ok(i) if usize::from(i) < count => Ok(Some(i)),
        _ => Err(Invalid::new(
            "answer",
            "That answer isn't one of the options. Please choose one from the list.",
        )),
    }
}

/// Checks a whole set of answers (the API): right count, codes in range.
pub fn check_answers(
    instrument: &Instrument,
    answers: &[Option<u8>],
    followup: Option<u8>,
) -> Result<(), Vec<Invalid>> {
    let mut errors = Vec::new();
    if let Err(e) = instrument.score(answers) {
        errors.push(Invalid::new("answers", e.to_string()));
    }
    if let Some(f) = followup {
        let count = instrument.followup.as_ref().map_or(0, |f| f.options.len());
        if usize::from(f) >= count {
            errors.push(Invalid::new(
                "followup",
                format!(
                    "followup is {f}, but {} takes an option index below {count}",
                    instrument.id
                ),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Where a weaker area in a result points: the step of the guide that helps.
pub fn step_for(inst: &Instrument, res: &ScoreResult) -> Option<&'static str> {
    if res.needs_support() {
        return Some("/help");
    }
    match (inst.id.as_str(), res.band_id()?) {
        // Low self-kindness → "what would you tell a friend?" (step 3, in the critic flow).
        ("scs" | "scs-sf", "low") => Some("/critic"),
        ("who5", "low" | "very-low") | ("pss10" | "pss4", "high") => Some("/practices"),
        ("brs", "low") => Some("/kindness"),
        ("gq6", "bottom-quarter") => Some("/gratitude"),
        ("cbi", "high") | ("burnout-single", "burning-out" | "persistent") => Some("/goals"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::embedded().unwrap()
    }

    #[test]
    fn drafts_resume_at_the_first_unanswered_item() {
        let c = catalog();
        let mut d = Draft::new(c.get("who5").unwrap());
        assert_eq!(d.first_unanswered(), Some(1));
        d.answers[0] = Some(3);
        d.answers[2] = Some(3);
        assert_eq!(d.first_unanswered(), Some(2));
        assert_eq!(d.next_unanswered_after(3), Some(4));
        assert_eq!(d.next_unanswered_after(5), Some(2));
        assert!(d.fits(c.get("who5").unwrap()));
        assert!(!d.fits(c.get("phq9").unwrap()));
    }

    #[test]
    fn answers_are_checked_against_the_published_codes() {
        let c = catalog();
        let who5 = c.get("who5").unwrap();
        assert_eq!(parse_answer(who5, 1, "5"), Ok(5));
        assert!(parse_answer(who5, 1, "6").is_err());
        assert!(parse_answer(who5, 1, "-1").is_err());
        assert!(parse_answer(who5, 1, "").is_err());
        assert!(parse_answer(who5, 9, "1").is_err());
        let scs = c.get("scs-sf").unwrap();
        assert!(parse_answer(scs, 1, "0").is_err());
        let phq9 = c.get("phq9").unwrap();
        assert_eq!(parse_followup(phq9, ""), Ok(None));
        assert_eq!(parse_followup(phq9, "3"), Ok(Some(3)));
        assert!(parse_followup(phq9, "4").is_err());
        assert!(check_answers(phq9, &[Some(0); 8], None).is_err());
        assert!(check_answers(phq9, &[Some(0); 9], Some(9)).is_err());
        assert!(check_answers(phq9, &[Some(0); 9], Some(1)).is_ok());
    }

    #[test]
    fn settings_keep_catalogue_order_and_refuse_unknown_ids() {
        let c = catalog();
        let today: Date = "2026-03-01".parse().unwrap();
        let form: BTreeMap<String, String> =
            [("want-phq9", "on"), ("want-who5", "on"), ("pause", "2w")]
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
        let p = parse_settings(&c, &form, &Preferences::default(), today).unwrap();
        assert_eq!(p.instruments, ["who5", "phq9"]);
        assert_eq!(p.paused_until.as_deref(), Some("2026-03-15"));
        assert!(p.paused_on(today));
        assert!(!p.paused_on("2026-03-15".parse().unwrap()));
        let mut bad = form.clone();
        bad.insert("want-nope".into(), "on".into());
        assert!(parse_settings(&c, &bad, &p, today).is_err());
        let mut bad = form;
        bad.insert("pause".into(), "forever-and-ever".into());
        assert!(parse_settings(&c, &bad, &p, today).is_err());
    }

    #[test]
    fn dates_convert_both_ways() {
        let d: Date = "2024-02-29".parse().unwrap();
        assert_eq!(from_time(to_time(d).unwrap()), Some(d));
    }

    #[test]
    fn weaker_areas_point_at_the_matching_step() {
        let c = tend_instruments::Catalog::embedded().unwrap();
        let step = |id: &str, answers: &[u8]| {
            let inst = c.get(id).unwrap();
            let a: Vec<Option<u8>> = answers.iter().map(|x| Some(*x)).collect();
            step_for(inst, &inst.score(&a).unwrap())
        };
        // SCS-SF all "almost never" on positive items, "almost always" on negative: low.
        assert_eq!(
            step("scs-sf", &[5, 1, 1, 5, 1, 1, 1, 5, 5, 1, 5, 5]),
            Some("/critic")
        );
        assert_eq!(step("scs-sf", &[1, 5, 5, 1, 5, 5, 5, 1, 1, 5, 1, 1]), None);
        assert_eq!(step("who5", &[2, 2, 2, 2, 2]), Some("/practices"));
        assert_eq!(
            step("who5", &[1, 1, 1, 1, 1]),
            Some("/help"),
            "index 20: support"
        );
        assert_eq!(step("who5", &[4, 4, 4, 4, 4]), None);
        assert_eq!(step("burnout-single", &[5]), Some("/help"));
        assert_eq!(step("burnout-single", &[3]), Some("/goals"));
        assert_eq!(
            step("phq9", &[0, 0, 0, 0, 0, 0, 0, 0, 1]),
            Some("/help"),
            "item 9 always points at help"
        );
    }
}
