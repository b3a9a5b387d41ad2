//! Every data file says where its words come from and how they differ from the
//! published form (issue 16), and the words the safety flags rest on are the
//! published ones. One test per file, so a failure names the file.

use super::instrument;
use tend_instruments::{Instrument, LicenceStatus, Wording};

/// The file's own record of its text: a named source that says whether it was
/// checked against a primary copy, and a wording note.
#[track_caller]
fn has_source_and_note(id: &str) -> Instrument {
    let ins = instrument(id);
    assert!(
        ins.text_source.trim().len() > 40,
        "{id}: text_source should name where the wording comes from"
    );
    assert!(
        ins.text_source.contains("primary copy"),
        "{id}: text_source should say whether the wording was checked against a primary copy"
    );
    assert!(
        ins.wording_note.trim().len() > 20,
        "{id}: wording_note should say how the wording compares with the published form"
    );
    if ins.wording == Wording::Adapted {
        assert!(
            ins.wording_note.to_lowercase().contains("adapt")
                || ins.wording_note.contains("declared change"),
            "{id}: an adapted form names its adaptation"
        );
    }
    ins
}

macro_rules! per_file {
    ($($name:ident => $id:literal),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                has_source_and_note($id);
            }
        )*

        #[test]
        fn every_shipped_file_has_a_source_test() {
            let tested = [$($id),*];
            for ins in super::catalog().instruments() {
                assert!(tested.contains(&ins.id.as_str()), "{} has no source test", ins.id);
            }
        }
    };
}

per_file! {
    who5_source_and_note => "who5",
    scs_sf_source_and_note => "scs-sf",
    scs_source_and_note => "scs",
    phq2_source_and_note => "phq2",
    phq4_source_and_note => "phq4",
    phq9_source_and_note => "phq9",
    gad2_source_and_note => "gad2",
    gad7_source_and_note => "gad7",
    brs_source_and_note => "brs",
    pss10_source_and_note => "pss10",
    pss4_source_and_note => "pss4",
    cbi_source_and_note => "cbi",
    burnout_single_source_and_note => "burnout-single",
    gq6_source_and_note => "gq6",
}

#[test]
fn burnout_single_uses_the_published_statements() {
    let ins = instrument("burnout-single");
    assert_eq!(ins.wording, Wording::Adapted);
    assert_eq!(
        ins.items[0].text,
        "Overall, based on your definition of burnout, how would you rate your level of burnout?"
    );
    let labels: Vec<&str> = ins.response_sets[0]
        .options
        .iter()
        .map(|o| o.label.as_str())
        .collect();
    // The phrases the paraphrase had changed, and the one the support flag rests on.
    assert!(labels[1].contains("I don't always have as much energy as I once did"));
    assert!(labels[2].contains("physical and emotional exhaustion"));
    assert!(labels[3].contains("won't go away"));
    assert!(labels[4].contains("may need to seek some sort of help"));
    // The only change is work → studies, and the note declares it.
    assert!(labels[0].starts_with("I enjoy my studies."));
    assert!(!labels.iter().any(|l| l.contains("work")));
    assert!(ins.wording_note.contains("\"work\" becomes \"studies\""));
    // No time period added to the question or the instruction.
    let asked = format!("{} {}", ins.instructions, ins.items[0].text).to_lowercase();
    for added in ["right now", "today", "this week", "last month"] {
        assert!(!asked.contains(added), "the stem adds {added:?}");
    }
}

#[test]
fn who5_says_higher_numbers_mean_better_well_being_and_records_its_changes() {
    let ins = instrument("who5");
    assert!(
        ins.instructions
            .ends_with("Notice that higher numbers mean better well-being.")
    );
    // The order deviation is recorded, not hidden.
    assert!(ins.wording_note.contains("ascending code order"));
    assert!(ins.wording_note.contains("5 (All of the time) on the left"));
}

#[test]
fn cbi_says_the_study_scale_is_adapted_and_where_50_comes_from() {
    let ins = instrument("cbi");
    assert_eq!(ins.wording, Wording::Adapted);
    // Shown on the result page ("What this is, and isn't").
    assert!(ins.measures.contains("adaptation"));
    assert!(ins.scale("study").unwrap().label.contains("adapted"));
    // Each band shown beside a score names where the mark of 50 comes from.
    for band in &ins.bands {
        assert!(
            band.explanation.contains("Danish") && band.explanation.contains("not students"),
            "band {} does not say where its cut-off comes from",
            band.id
        );
    }
    assert!(ins.wording_note.contains("highest weight"));
}

#[test]
fn licences_record_the_terms_found_and_their_source() {
    for id in [
        "pss10",
        "pss4",
        "brs",
        "gq6",
        "cbi",
        "scs",
        "scs-sf",
        "burnout-single",
    ] {
        let note = &instrument(id).licence.note;
        assert!(note.starts_with("Terms found:"), "{id}: {note}");
    }
    // Where commercial or hosted use is not clearly allowed, the file says so.
    for id in ["pss10", "pss4", "brs", "gq6"] {
        let ins = instrument(id);
        assert_eq!(
            ins.licence.status,
            LicenceStatus::ResearchAndEducation,
            "{id}"
        );
        assert!(
            ins.licence
                .note
                .contains("commercial, app or hosted use was found"),
            "{id}"
        );
    }
}

/// The examples in docs/instruments.md were written from the engine before the
/// wording changes; they must still come out byte for byte, so scores, band
/// labels and flags are unchanged.
#[test]
fn the_documented_examples_still_score_exactly_as_written() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/instruments.md"),
    )
    .unwrap();
    let lines: Vec<&str> = doc.lines().collect();
    let mut checked = 0;
    for pair in lines.windows(2) {
        let Some(rest) = pair[0].strip_prefix("- **Example:** `tend score ") else {
            continue;
        };
        let command = rest.split('`').next().unwrap();
        let expected = pair[1].trim().trim_matches('`');
        let args: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
        let got = tend_instruments::run_score_command(&args).unwrap();
        assert_eq!(got.trim(), expected, "tend score {command}");
        checked += 1;
    }
    assert_eq!(checked, 14, "one example per instrument");
}
