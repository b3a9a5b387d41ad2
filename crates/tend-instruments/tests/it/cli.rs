//! `tend score <id> <answer>...`

use tend_instruments::run_score_command;

fn run(line: &str) -> Result<String, String> {
    let args: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
    run_score_command(&args)
}

#[test]
fn scores_a_form() {
    assert_eq!(
        run("who5 3 3 3 2 2").unwrap(),
        r#"{"instrument":"who5","score":52,"band":"Good well-being","subscales":{"raw":13},"flags":[]}"#
    );
    assert_eq!(
        run("cbi 2 2 2 2 2 1 - - - - - - -").unwrap(),
        r#"{"instrument":"cbi","score":45.833333333333336,"band":"Below the high-burnout mark","subscales":{"personal":45.833333333333336,"study":null},"flags":[]}"#
    );
    let out = run("phq9 0 0 0 0 0 0 0 0 1").unwrap();
    assert!(out.contains(r#""flags":["phq9-item9"]"#));
}

#[test]
fn dash_marks_unanswered() {
    assert_eq!(
        run("phq2 - 1").unwrap(),
        r#"{"instrument":"phq2","score":null,"band":null,"subscales":{},"flags":[]}"#
    );
}

#[test]
fn bad_input_gives_one_line_messages() {
    let cases = [
        ("", "usage: tend score"),
        (
            "nope 1 2",
            "unknown instrument \"nope\"; known instruments: who5, scs-sf, scs, phq2",
        ),
        (
            "phq9 0 0",
            "phq9 has 9 items, so it needs 9 answers (codes 0–3, or '-' for unanswered); got 2",
        ),
        ("phq2 0 4", "answer 2 is 4, but phq2 item 2 takes codes 0–3"),
        (
            "phq2 0 x",
            "answer 2 (\"x\") is not a response code; phq2 takes codes 0–3",
        ),
        ("phq2 0 -1", "answer 2 (\"-1\") is not a response code"),
        ("phq2 0 1.5", "is not a response code"),
        (
            "scs-sf 0 3 3 3 3 3 3 3 3 3 3 3",
            "answer 1 is 0, but scs-sf item 1 takes codes 1–5",
        ),
        ("burnout-single 999", "not a response code"),
    ];
    for (line, expected) in cases {
        let err = run(line).unwrap_err();
        assert!(err.contains(expected), "{line:?}: {err}");
        assert!(!err.contains('\n'), "{err}");
    }
}
