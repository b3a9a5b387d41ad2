#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Integration tests for tend-instruments: scoring from published worked examples
//! and hand-computed cases, data-file validation, CLI, schedules, change, charts.

mod change;
mod chart;
mod cli;
mod schedule;
mod scoring;
mod sources;
mod validation;

use tend_instruments::{Catalog, Instrument, ScoreResult};

pub fn catalog() -> Catalog {
    Catalog::embedded().expect("embedded instruments are valid")
}

pub fn instrument(id: &str) -> Instrument {
    catalog().get(id).expect("instrument shipped").clone()
}

/// Parses "1 2 - 3" into answers (`-` = unanswered).
pub fn answers(s: &str) -> Vec<Option<u8>> {
    s.split_whitespace()
        .map(|w| {
            if w == "-" {
                None
            } else {
                Some(w.parse().unwrap())
            }
        })
        .collect()
}

pub fn score(id: &str, s: &str) -> ScoreResult {
    instrument(id).score(&answers(s)).expect("valid answers")
}

/// Asserts two floats agree to 1e-9 (far beyond the 4 decimals required).
#[track_caller]
pub fn close(actual: Option<f64>, expected: f64) {
    let a = actual.expect("a score, not null");
    assert!((a - expected).abs() < 1e-9, "expected {expected}, got {a}");
}

#[test]
fn embedded_catalog_has_every_required_instrument() {
    let c = catalog();
    let ids = c.ids();
    for id in [
        "who5",
        "scs-sf",
        "scs",
        "phq2",
        "phq4",
        "phq9",
        "gad2",
        "gad7",
        "brs",
        "pss10",
        "pss4",
        "cbi",
        "burnout-single",
        "gq6",
    ] {
        assert!(ids.contains(&id), "{id} missing");
    }
    assert_eq!(ids.len(), 14);
}

#[test]
fn shipped_folder_loads_the_same_as_the_embedded_copy() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("instruments");
    let from_disk = Catalog::load_dir(&dir).unwrap();
    let embedded = catalog();
    let mut a: Vec<_> = from_disk.instruments().to_vec();
    let mut b: Vec<_> = embedded.instruments().to_vec();
    a.sort_by(|x, y| x.id.cmp(&y.id));
    b.sort_by(|x, y| x.id.cmp(&y.id));
    assert_eq!(a, b);
}

#[test]
fn every_band_has_kind_words_and_every_instrument_says_what_it_is_not() {
    for ins in catalog().instruments() {
        assert!(!ins.not_a.is_empty(), "{}", ins.id);
        for band in &ins.bands {
            assert!(!band.label.is_empty() && !band.explanation.is_empty());
            let text = format!("{} {}", band.label, band.explanation).to_lowercase();
            for word in [
                "you have depression",
                "you have anxiety",
                "disorder",
                "diagnosed",
            ] {
                assert!(
                    !text.contains(word),
                    "{} band {} says {word:?}",
                    ins.id,
                    band.id
                );
            }
        }
    }
}

#[test]
fn score_result_serialises_to_exactly_the_documented_shape() {
    let r = score("phq9", "0 0 0 0 0 0 0 0 1");
    assert_eq!(
        r.to_json(),
        r#"{"instrument":"phq9","score":1,"band":"Minimal","subscales":{"phq8":0},"flags":["phq9-item9"]}"#
    );
    let v: serde_json::Value = serde_json::to_value(&r).unwrap();
    let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys.len(), 5);
    let unscored = score("phq9", "- 0 0 0 0 0 0 0 0");
    assert_eq!(
        unscored.to_json(),
        r#"{"instrument":"phq9","score":null,"band":null,"subscales":{"phq8":null},"flags":[]}"#
    );
}

#[test]
fn the_doc_covers_every_instrument_and_flag() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/instruments.md"),
    )
    .unwrap();
    for ins in catalog().instruments() {
        assert!(
            doc.contains(&format!("### `{}`", ins.id)),
            "{} not documented",
            ins.id
        );
        for flag in &ins.flags {
            assert!(
                doc.contains(&format!("| `{}` |", flag.name)),
                "{} not in the flag table",
                flag.name
            );
        }
    }
}
