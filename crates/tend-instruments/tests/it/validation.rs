//! Malformed data files: each gives one line naming the file and the problem.

use tend_instruments::Catalog;

const PHQ9: &str = include_str!("../../instruments/phq9.toml");

fn load(file: &str, text: &str) -> Result<Catalog, String> {
    Catalog::from_sources([(file.to_owned(), text.to_owned())]).map_err(|e| e.to_string())
}

/// Loads phq9.toml with one textual change and returns the error line.
fn broken(from: &str, to: &str) -> String {
    assert!(PHQ9.contains(from), "fixture text not found: {from}");
    let err = load("instruments/phq9.toml", &PHQ9.replacen(from, to, 1)).unwrap_err();
    assert!(!err.contains('\n'), "message is one line: {err}");
    assert!(err.starts_with("instruments/phq9.toml: "), "{err}");
    err
}

#[test]
fn the_unchanged_file_loads() {
    load("instruments/phq9.toml", PHQ9).unwrap();
}

#[test]
fn item_without_text() {
    assert_eq!(
        broken(
            "text = \"Thoughts that you would be better off dead or of hurting yourself in some way\"",
            "text = \"  \""
        ),
        "instruments/phq9.toml: item 9 has no text"
    );
}

#[test]
fn reverse_item_out_of_range() {
    assert_eq!(
        broken("reverse_items = []", "reverse_items = [10]"),
        "instruments/phq9.toml: reverse item 10 is out of range (the form has items 1–9)"
    );
    assert!(broken("reverse_items = []", "reverse_items = [0]").contains("reverse item 0"));
    assert!(broken("reverse_items = []", "reverse_items = [2, 2]").contains("listed twice"));
}

#[test]
fn subscale_item_out_of_range() {
    assert_eq!(
        broken(
            "items = [1, 2, 3, 4, 5, 6, 7, 8]",
            "items = [1, 2, 3, 4, 5, 6, 7, 12]"
        ),
        "instruments/phq9.toml: scale \"phq8\": item 12 is out of range (the form has items 1–9)"
    );
    assert!(
        broken("items = [1, 2, 3, 4, 5, 6, 7, 8]", "items = [1, 1, 3]").contains("listed twice")
    );
}

#[test]
fn overlapping_bands() {
    assert_eq!(
        broken("min = 10\nmax = 14", "min = 9\nmax = 14"),
        "instruments/phq9.toml: bands \"mild\" and \"moderate\" overlap or are out of order"
    );
}

#[test]
fn gapped_bands() {
    assert_eq!(
        broken("min = 10\nmax = 14", "min = 11\nmax = 14"),
        "instruments/phq9.toml: bands leave a gap: score 10 falls in no band"
    );
    // A last band that stops short of the maximum is a gap too.
    assert!(
        broken("min = 20\nmax = 27", "min = 20\nmax = 26").contains("score 27 falls in no band")
    );
    // And a first band that starts above the minimum.
    assert!(broken("min = 0\nmax = 4", "min = 1\nmax = 4").contains("score 0 falls in no band"));
}

#[test]
fn band_without_kind_words() {
    let err = broken(
        "explanation = \"Few signs of low mood right now. This is a screening score, not a diagnosis.\"",
        "explanation = \"\"",
    );
    assert!(err.contains("band \"minimal\" explanation"), "{err}");
}

#[test]
fn duplicate_ids() {
    let err = Catalog::from_sources([
        ("a/phq9.toml".to_owned(), PHQ9.to_owned()),
        ("b/phq9.toml".to_owned(), PHQ9.to_owned()),
    ])
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "b/phq9.toml: duplicate instrument id \"phq9\""
    );
}

#[test]
fn id_must_match_the_file_name() {
    let err = load("instruments/phq8.toml", PHQ9).unwrap_err();
    assert_eq!(
        err,
        "instruments/phq8.toml: id \"phq9\" does not match the file name (expected \"phq8\")"
    );
}

#[test]
fn toml_errors_name_the_file_and_line() {
    let err = broken(
        "higher_is_better = false",
        "higher_is_better = false\ncolour = \"red\"",
    );
    assert!(err.contains("unknown field `colour`"), "{err}");
    // The added line comes right after `higher_is_better`.
    let line = PHQ9
        .lines()
        .position(|l| l == "higher_is_better = false")
        .unwrap()
        + 2;
    assert!(err.contains(&format!("(line {line})")), "{err}");
    let err = broken("headline = \"total\"", "headline = ");
    assert!(err.contains("(line 1"), "{err}");
}

#[test]
fn response_codes_must_run_up_by_one() {
    let err = broken(
        "{ code = 2, label = \"More than half the days\" }",
        "{ code = 5, label = \"More than half the days\" }",
    );
    assert!(err.contains("codes must run up by one"), "{err}");
}

#[test]
fn flags_must_point_inside_the_form() {
    let err = broken("item = 9\nat_least = 1", "item = 10\nat_least = 1");
    assert!(
        err.contains("flag \"phq9-item9\": item 10 is out of range"),
        "{err}"
    );
    let err = broken("item = 9\nat_least = 1", "item = 9\nat_least = 4");
    assert!(
        err.contains("threshold 4 is outside the possible range 0–3"),
        "{err}"
    );
    let err = broken(
        "scale = \"total\"\nat_least = 15",
        "scale = \"sum\"\nat_least = 15",
    );
    assert!(err.contains("scale \"sum\" is not defined"), "{err}");
}

#[test]
fn other_structural_rules() {
    assert!(
        broken("headline = \"total\"", "headline = \"tot\"").contains("headline scale \"tot\"")
    );
    assert!(
        broken("subscales = [\"phq8\"]", "subscales = [\"phq7\"]").contains("subscale \"phq7\"")
    );
    assert!(
        broken("min_interval_days = 14", "min_interval_days = 7")
            .contains("shorter than the look-back")
    );
    assert!(broken("status = \"free\"", "status = \"not-permitted\"").contains("does not permit"));
    assert!(
        broken(
            "method = \"sum\"\nitems = [1, 2, 3, 4, 5, 6, 7, 8]\n",
            "method = \"sum\"\nitems = [1, 2, 3, 4, 5, 6, 7, 8]\nmin_answered = 7\n"
        )
        .contains("sums are never prorated")
    );
    assert!(broken("citation = \"Kroenke", "citation = \"\"\nx = \"").contains("unknown field"));
    assert!(
        broken("name = \"Patient Health Questionnaire-9\"", "name = \"\"")
            .contains("name is missing")
    );
}

#[test]
fn load_dir_reports_the_bad_file_by_path() {
    let dir = std::env::temp_dir().join(format!("tend-instruments-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("phq9.toml"),
        PHQ9.replacen("reverse_items = []", "reverse_items = [10]", 1),
    )
    .unwrap();
    let err = Catalog::load_dir(&dir).unwrap_err().to_string();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        err.starts_with(&dir.join("phq9.toml").display().to_string()),
        "{err}"
    );
    assert!(err.ends_with("reverse item 10 is out of range (the form has items 1–9)"));

    let missing = Catalog::load_dir(std::path::Path::new("/nonexistent/tend")).unwrap_err();
    assert_eq!(missing.file, "/nonexistent/tend");
}

#[test]
fn a_file_without_its_text_source_or_wording_note_is_refused() {
    let line = PHQ9
        .lines()
        .find(|l| l.starts_with("text_source = "))
        .expect("phq9.toml names its text source");
    assert_eq!(
        broken(line, ""),
        "instruments/phq9.toml: text_source (where the wording comes from) is missing or empty"
    );
    let line = PHQ9
        .lines()
        .find(|l| l.starts_with("wording_note = "))
        .expect("phq9.toml has a wording note");
    assert!(broken(line, "").contains("wording_note"));
}
