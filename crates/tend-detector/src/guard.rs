//! Patient-identifier guard: warn (never block) when text looks like it could
//! identify a patient.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::detector::truncate_to_boundary;
use crate::text;

/// What kind of identifier a warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PhiKind {
    /// A name together with an age in the same sentence.
    NameWithAge,
    /// A title and surname ("Mrs Okafor"), or "a patient called X".
    Name,
    /// A date of birth, or a full date that looks like one.
    DateOfBirth,
    /// A medical record, hospital, NHS or other ID number.
    RecordNumber,
    /// A room, bed or bay number.
    RoomAndBed,
    /// A phone number.
    Phone,
    /// An e-mail address.
    Email,
}

impl PhiKind {
    pub fn id(self) -> &'static str {
        match self {
            PhiKind::NameWithAge => "name-with-age",
            PhiKind::Name => "name",
            PhiKind::DateOfBirth => "date-of-birth",
            PhiKind::RecordNumber => "record-number",
            PhiKind::RoomAndBed => "room-and-bed",
            PhiKind::Phone => "phone",
            PhiKind::Email => "email",
        }
    }

    fn explanation(self) -> &'static str {
        match self {
            PhiKind::NameWithAge => {
                "A name together with an age could identify a patient. Consider initials-free wording like \"a patient in her 60s\"."
            }
            PhiKind::Name => {
                "This looks like a person's name. If it is a patient, consider leaving the name out."
            }
            PhiKind::DateOfBirth => {
                "This looks like a date of birth, which can identify a patient. Consider leaving it out."
            }
            PhiKind::RecordNumber => {
                "This looks like a record or ID number. Numbers like this can identify a patient."
            }
            PhiKind::RoomAndBed => {
                "A room or bed number can point to a specific patient. Consider leaving it out."
            }
            PhiKind::Phone => "This looks like a phone number. Consider leaving it out.",
            PhiKind::Email => "This looks like an e-mail address. Consider leaving it out.",
        }
    }
}

/// A warning that part of the text may identify a patient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhiWarning {
    pub kind: PhiKind,
    /// Byte span in the original text.
    pub start: usize,
    pub end: usize,
    pub explanation: String,
}

struct Patterns {
    honorific_name: Regex,
    called_name: Regex,
    capitalised_pair: Regex,
    name_comma_age: Regex,
    age: Regex,
    dob: Regex,
    old_date: Regex,
    record: Regex,
    long_number: Regex,
    ssn: Regex,
    room_bed: Regex,
    phone: Regex,
    email: Regex,
}

static P: LazyLock<Option<Patterns>> = LazyLock::new(|| {
    let date = r"(\d{1,2}[/.\-]\d{1,2}[/.\-](\d{4}|\d{2})|\d{4}-\d{2}-\d{2}|\d{1,2}(st|nd|rd|th)?\s+(of\s+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+\d{4}|(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(st|nd|rd|th)?,?\s+\d{4})";
    Some(Patterns {
        honorific_name: Regex::new(r"\b(Mr|Mrs|Ms|Miss|Mx|Mister|Master)\.?\s+[A-Z][A-Za-z'’\-]+").ok()?,
        called_name: Regex::new(
            r"\b(?i:named|called|patient|pt|name\s+is|name's)\s+[A-Z][a-z'’\-]+(\s+[A-Z][a-z'’\-]+)?",
        )
        .ok()?,
        capitalised_pair: Regex::new(r"\b[A-Z][a-z'’\-]+\s+[A-Z][a-z'’\-]{1,}\b").ok()?,
        name_comma_age: Regex::new(
            r"\b[A-Z][a-z'’\-]+(\s+[A-Z][a-z'’\-]+)?\s*(,\s*(a|an|aged)?\s*|\(\s*)\d{1,3}(\b|[MFmf]\b)",
        )
        .ok()?,
        age: Regex::new(
            r"(?i)\b(\d{1,3}\s*(-|\s)?\s*(years?|yrs?|y)\s*(-|\s)?\s*old|\d{1,3}\s*(yo|y/o|y\.o\.?|yr\s*old)|aged\s+\d{1,3}|age\s*:?\s*\d{1,3}|\d{1,3}\s*(m|f)\b(?:\s|,|\.|$)|\d{1,3}\s*-?\s*month\s*-?\s*old)",
        )
        .ok()?,
        dob: Regex::new(&format!(
            r"(?i)\b(dob|d\.o\.b\.?|date\s+of\s+birth|born(\s+on)?|birthday\s+is)\s*[:\-]?\s*{date}"
        ))
        .ok()?,
        old_date: Regex::new(&format!(r"(?i)\b{date}")).ok()?,
        record: Regex::new(
            r"(?i)\b(mrn|m\.r\.n\.?|medical\s+record(\s+(number|no\.?|#))?|record\s+(number|no\.?|#)|hospital\s+(number|no\.?|id)|nhs\s+(number|no\.?)|chart\s+(number|no\.?|#)|patient\s+(id|number|no\.?)|pt\s+(id|no\.?)|unit\s+number|ur\s+number|chi\s+number|health\s+card|insurance\s+(number|id)|ssn|social\s+security(\s+number)?)\s*(is|was|:|#|=)?\s*[A-Z]{0,3}[\s\-]?\d[\d\s\-]{3,}",
        )
        .ok()?,
        long_number: Regex::new(r"\b[A-Z]{0,3}\d{7,12}\b").ok()?,
        ssn: Regex::new(r"\b\d{3}-\d{2}-\d{4}\b").ok()?,
        room_bed: Regex::new(
            r"(?i)\b(room|rm|bed|bay|cubicle|cube|bed\s*space|side\s*room|isolation\s+room|resus|pod|stretcher|trolley|ward)\s*(no\.?|number|#)?\s*[A-Z]?\d{1,4}[A-Z]?\b",
        )
        .ok()?,
        phone: Regex::new(r"(\+\d{1,3}[\s\-]?)?\(?\b\d{2,5}\)?[\s\-]?\d{3,4}[\s\-]?\d{3,4}\b").ok()?,
        email: Regex::new(r"\b[\w.+\-]+@[\w\-]+\.[\w.\-]+\b").ok()?,
    })
});

/// Words that start with a capital but are not names.
const NOT_NAMES: &[&str] = &[
    "I",
    "The",
    "A",
    "An",
    "My",
    "Our",
    "His",
    "Her",
    "Their",
    "This",
    "That",
    "Today",
    "Yesterday",
    "Tomorrow",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Dr",
    "Doctor",
    "Professor",
    "Prof",
    "Nurse",
    "Sister",
    "Step",
    "Block",
    "Ward",
    "Room",
    "Bed",
    "Bay",
    "Patient",
    "Pt",
    "ICU",
    "ED",
    "OSCE",
    "He",
    "She",
    "They",
    "We",
    "It",
    "Mr",
    "Mrs",
    "Ms",
    "Miss",
    "When",
    "After",
    "Before",
    "Then",
    "And",
    "But",
    "So",
    "If",
    "On",
    "In",
    "At",
    "Emergency",
    "Department",
    "Internal",
    "Medicine",
    "Surgery",
    "Paediatrics",
    "Pediatrics",
    "Psychiatry",
    "Cardiology",
    "Neurology",
    "General",
    "Hospital",
    "Clinic",
    "Grand",
    "Rounds",
    "Morning",
    "Evening",
    "Night",
    "Also",
    "Still",
    "Just",
    "Only",
    "Every",
    "Everyone",
    "Nobody",
    "Not",
    "No",
    "Yes",
    "One",
    "Two",
    "Year",
    "Med",
    "Medical",
    "School",
    "Anatomy",
    "Pharmacology",
    "Physiology",
    "Pathology",
    "Christmas",
    "Easter",
    "Eid",
    "Diwali",
    "God",
    "English",
    "Spanish",
    "Mom",
    "Dad",
    "Mum",
];

fn looks_like_name(s: &str) -> bool {
    s.split_whitespace()
        .next()
        .is_some_and(|w| !NOT_NAMES.contains(&w.trim_end_matches([',', '.'])))
        && s.split_whitespace()
            .nth(1)
            .is_none_or(|w| !NOT_NAMES.contains(&w.trim_end_matches([',', '.', '('])))
}

/// Warnings for anything in `text` that looks like it could identify a
/// patient, in text order. Never blocks anything: the caller shows them.
pub fn patient_identifiers(text: &str) -> Vec<PhiWarning> {
    let text = truncate_to_boundary(text, crate::detector::MAX_INPUT_BYTES);
    let Some(p) = P.as_ref() else {
        return Vec::new();
    };
    let mut out: Vec<PhiWarning> = Vec::new();
    let push = |kind: PhiKind, start: usize, end: usize, out: &mut Vec<PhiWarning>| {
        if out
            .iter()
            .any(|w| w.start < end && start < w.end && w.kind == kind)
        {
            return;
        }
        out.push(PhiWarning {
            kind,
            start,
            end,
            explanation: kind.explanation().to_string(),
        });
    };
    for (s, e) in text::sentences(text) {
        let sent = &text[s..e];
        // names
        let mut names: Vec<(usize, usize, bool)> = Vec::new(); // (start, end, strong)
        for m in p.honorific_name.find_iter(sent) {
            names.push((m.start(), m.end(), true));
        }
        for m in p.called_name.find_iter(sent) {
            let tail = m
                .as_str()
                .split_whitespace()
                .skip(1)
                .collect::<Vec<_>>()
                .join(" ");
            if looks_like_name(&tail) {
                names.push((m.start(), m.end(), true));
            }
        }
        for m in p.capitalised_pair.find_iter(sent) {
            // not the first word of the sentence
            if m.start() > 0 && looks_like_name(m.as_str()) {
                names.push((m.start(), m.end(), false));
            }
        }
        let mut comma_age = Vec::new();
        for m in p.name_comma_age.find_iter(sent) {
            let first = m.as_str().split([' ', ',', '(']).next().unwrap_or("");
            if !NOT_NAMES.contains(&first) {
                comma_age.push((m.start(), m.end()));
            }
        }
        let ages: Vec<(usize, usize)> = p
            .age
            .find_iter(sent)
            .map(|m| (m.start(), m.end()))
            .collect();
        if let Some(&(as_, ae)) = ages.first() {
            if let Some(&(ns, ne, _)) = names.first() {
                push(
                    PhiKind::NameWithAge,
                    s + ns.min(as_),
                    s + ne.max(ae),
                    &mut out,
                );
            } else if let Some(&(cs, ce)) = comma_age.first() {
                push(
                    PhiKind::NameWithAge,
                    s + cs.min(as_),
                    s + ce.max(ae),
                    &mut out,
                );
            }
        } else if let Some(&(cs, ce)) = comma_age.first() {
            // "Jane Doe, 45," — a name directly followed by a bare number
            let named = names.iter().find(|&&(ns, ne, _)| ns <= cs && cs < ne);
            if let Some(&(ns, _, _)) = named {
                push(PhiKind::NameWithAge, s + ns, s + ce, &mut out);
            } else if comma_age_is_age(&sent[cs..ce]) {
                push(PhiKind::NameWithAge, s + cs, s + ce, &mut out);
            }
        }
        for &(ns, ne, strong) in &names {
            if strong {
                push(PhiKind::Name, s + ns, s + ne, &mut out);
            }
        }
        for m in p.dob.find_iter(sent) {
            push(PhiKind::DateOfBirth, s + m.start(), s + m.end(), &mut out);
        }
        for m in p.old_date.find_iter(sent) {
            if date_year(m.as_str()).is_some_and(|y| (1900..=2015).contains(&y)) {
                push(PhiKind::DateOfBirth, s + m.start(), s + m.end(), &mut out);
            }
        }
        for m in p.record.find_iter(sent) {
            push(PhiKind::RecordNumber, s + m.start(), s + m.end(), &mut out);
        }
        for m in p.ssn.find_iter(sent) {
            push(PhiKind::RecordNumber, s + m.start(), s + m.end(), &mut out);
        }
        for m in p.email.find_iter(sent) {
            push(PhiKind::Email, s + m.start(), s + m.end(), &mut out);
        }
        let mut phones = Vec::new();
        for m in p.phone.find_iter(sent) {
            let digits = m.as_str().chars().filter(|c| c.is_ascii_digit()).count();
            if (9..=15).contains(&digits) && !overlaps(&out, s + m.start(), s + m.end()) {
                phones.push((m.start(), m.end()));
                push(PhiKind::Phone, s + m.start(), s + m.end(), &mut out);
            }
        }
        for m in p.long_number.find_iter(sent) {
            if !overlaps(&out, s + m.start(), s + m.end()) {
                push(PhiKind::RecordNumber, s + m.start(), s + m.end(), &mut out);
            }
        }
        for m in p.room_bed.find_iter(sent) {
            let after = sent[m.end()..].trim_start().to_ascii_lowercase();
            let time_like = [
                "am", "pm", "hour", "hours", "hrs", "min", "minutes", "o'clock", ":", "h ",
            ]
            .iter()
            .any(|w| after.starts_with(w));
            let before = sent[..m.start()].to_ascii_lowercase();
            let went_to_bed =
                m.as_str().to_ascii_lowercase().starts_with("bed") && before.ends_with("to ");
            if !time_like && !went_to_bed {
                push(PhiKind::RoomAndBed, s + m.start(), s + m.end(), &mut out);
            }
        }
    }
    out.sort_by_key(|w| (w.start, w.end));
    out
}

fn overlaps(out: &[PhiWarning], start: usize, end: usize) -> bool {
    out.iter().any(|w| w.start < end && start < w.end)
}

fn comma_age_is_age(s: &str) -> bool {
    // "Jane, 45" is only an age if the number is plausible and the name has two parts
    let n: Option<u32> = s
        .rsplit(|c: char| !c.is_ascii_digit())
        .find(|x| !x.is_empty())
        .and_then(|x| x.parse().ok());
    let two_words = s
        .split([',', '('])
        .next()
        .is_some_and(|n| n.split_whitespace().count() == 2);
    two_words && n.is_some_and(|n| (1..=110).contains(&n))
}

fn date_year(s: &str) -> Option<u32> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter(|x| x.len() == 4)
        .find_map(|x| x.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(t: &str) -> Vec<&'static str> {
        patient_identifiers(t).iter().map(|w| w.kind.id()).collect()
    }

    #[test]
    fn warns_on_identifiers() {
        assert!(kinds("Mr. Patel, 67, in bed 4 coded today").contains(&"name-with-age"));
        assert!(kinds("Mr. Patel, 67, in bed 4 coded today").contains(&"room-and-bed"));
        assert_eq!(
            kinds("DOB 03/04/1956, she was so scared"),
            vec!["date-of-birth"]
        );
        assert_eq!(
            kinds("MRN 00482913 had the wrong label"),
            vec!["record-number"]
        );
        assert!(kinds("Sarah Jenkins, a 45-year-old teacher, cried").contains(&"name-with-age"));
        assert!(kinds("room 12, bed 3 was my patient").contains(&"room-and-bed"));
    }

    #[test]
    fn quiet_on_ordinary_text() {
        for t in [
            "A 67-year-old man with chest pain taught me a lot today.",
            "I went to bed at 2 and woke at 6.",
            "Dr. Lee explained the murmur really kindly.",
            "My exam is on Friday and I haven't finished cardiology.",
            "I studied for 3 hours in Room A of the library.",
        ] {
            assert!(
                patient_identifiers(t).is_empty(),
                "{t}: {:?}",
                patient_identifiers(t)
            );
        }
    }

    #[test]
    fn spans_are_in_text() {
        let t = "Ugh. Mrs Okafor in room 5 asked for me.";
        for w in patient_identifiers(t) {
            assert!(w.start < w.end && w.end <= t.len());
            assert!(t.is_char_boundary(w.start) && t.is_char_boundary(w.end));
        }
    }
}
