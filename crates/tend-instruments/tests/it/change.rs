//! A change is called a change only where a MIC is published and reached.

use tend_instruments::{Change, describe_change};

use crate::instrument;

#[test]
fn phq9_uses_five_points_lower_is_better() {
    let phq9 = instrument("phq9");
    assert_eq!(
        describe_change(&phq9, 12.0, 7.0),
        Change::Better {
            by: -5.0,
            threshold: 5.0
        }
    );
    assert_eq!(
        describe_change(&phq9, 12.0, 8.0),
        Change::WithinUsualVariation {
            by: -4.0,
            threshold: 5.0
        }
    );
    assert_eq!(
        describe_change(&phq9, 7.0, 12.0),
        Change::Worse {
            by: 5.0,
            threshold: 5.0
        }
    );
}

#[test]
fn who5_uses_ten_points_higher_is_better() {
    let who5 = instrument("who5");
    assert!(matches!(
        describe_change(&who5, 52.0, 60.0),
        Change::WithinUsualVariation { .. }
    ));
    assert!(matches!(
        describe_change(&who5, 52.0, 64.0),
        Change::Better { .. }
    ));
    assert!(matches!(
        describe_change(&who5, 64.0, 52.0),
        Change::Worse { .. }
    ));
}

#[test]
fn gad7_and_pss10_thresholds() {
    assert!(matches!(
        describe_change(&instrument("gad7"), 10.0, 6.0),
        Change::Better { .. }
    ));
    assert!(matches!(
        describe_change(&instrument("gad7"), 10.0, 7.0),
        Change::WithinUsualVariation { .. }
    ));
    assert!(matches!(
        describe_change(&instrument("pss10"), 20.0, 30.0),
        Change::WithinUsualVariation { .. }
    ));
    assert!(matches!(
        describe_change(&instrument("pss10"), 20.0, 31.0),
        Change::Worse { .. }
    ));
}

#[test]
fn no_threshold_no_claim() {
    for id in [
        "scs-sf",
        "scs",
        "brs",
        "cbi",
        "gq6",
        "phq4",
        "burnout-single",
        "pss4",
    ] {
        let c = describe_change(&instrument(id), 1.0, 4.0);
        assert_eq!(c, Change::NoPublishedThreshold { by: 3.0 }, "{id}");
        assert!(c.describe().contains("don't call it a change"));
    }
}

#[test]
fn descriptions_are_plain_sentences() {
    let text = describe_change(&instrument("phq9"), 12.0, 8.0).describe();
    assert_eq!(
        text,
        "A difference of 4 points, within the usual variation (a meaningful change is 5 points or more)."
    );
}
