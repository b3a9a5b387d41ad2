//! Scoring, per instrument: worked examples, every reverse item, every band
//! boundary, missing answers and the pitfalls in instruments.md.

use crate::{answers, close, instrument, score};
use tend_instruments::ScoreError;

/// Answers with every item at `base` except item `n` (1-based) at `code`.
fn all_but(len: usize, base: u8, n: usize, code: u8) -> Vec<Option<u8>> {
    (1..=len)
        .map(|i| Some(if i == n { code } else { base }))
        .collect()
}

/// Item numbers whose raising lowers the headline score, found by scoring only
/// (so a mis-keyed data file fails against the published key below).
fn reversed_by_behaviour(id: &str) -> Vec<usize> {
    let ins = instrument(id);
    let n = ins.items.len();
    let (lo, hi) = ins.item_range(1).unwrap();
    let mid = (lo + hi) / 2;
    let base = ins.score(&vec![Some(mid); n]).unwrap().score.unwrap();
    (1..=n)
        .filter(|&i| {
            let s = ins.score(&all_but(n, mid, i, hi)).unwrap().score.unwrap();
            assert_ne!(s, base, "{id} item {i} does not move the score");
            s < base
        })
        .collect()
}

#[test]
fn reverse_keys_match_the_published_keys() {
    // Keys from instruments.md §0, keyed to the official item numbers.
    assert_eq!(reversed_by_behaviour("scs-sf"), [1, 4, 8, 9, 11, 12]);
    assert_eq!(
        reversed_by_behaviour("scs"),
        [1, 2, 4, 6, 8, 11, 13, 16, 18, 20, 21, 24, 25]
    );
    assert_eq!(reversed_by_behaviour("brs"), [2, 4, 6]);
    assert_eq!(reversed_by_behaviour("pss10"), [4, 5, 7, 8]);
    assert_eq!(reversed_by_behaviour("pss4"), [2, 3]);
    assert_eq!(reversed_by_behaviour("gq6"), [3, 6]);
    for id in ["who5", "phq2", "phq4", "phq9", "gad2", "gad7"] {
        assert!(reversed_by_behaviour(id).is_empty(), "{id}");
    }
}

#[test]
fn wrong_answer_counts_and_codes_are_errors() {
    let phq9 = instrument("phq9");
    assert_eq!(
        phq9.score(&answers("0 0 0")),
        Err(ScoreError::WrongCount {
            instrument: "phq9".into(),
            expected: 9,
            got: 3
        })
    );
    assert!(matches!(
        phq9.score(&answers("0 0 0 0 4 0 0 0 0")),
        Err(ScoreError::OutOfRange {
            item: 5,
            code: 4,
            ..
        })
    ));
    // SCS codes start at 1: a 0 is not an answer.
    assert!(
        instrument("scs-sf")
            .score(&answers("0 3 3 3 3 3 3 3 3 3 3 3"))
            .is_err()
    );
    assert!(instrument("who5").score(&answers("6 0 0 0 0")).is_err());
}

mod who5 {
    use super::*;

    #[test]
    fn index_is_raw_times_four() {
        let r = score("who5", "5 5 5 5 5");
        close(r.score, 100.0);
        close(r.subscales.get("raw").unwrap(), 25.0);
        close(score("who5", "0 0 0 0 0").score, 0.0);
        // Codes are values, not positions: one "All of the time" is 5 raw, 20 index.
        close(score("who5", "5 0 0 0 0").score, 20.0);
    }

    #[test]
    fn raw_13_is_52_not_32_and_not_poor() {
        // Pitfalls: (raw - 5) × 4 gives 32; "raw ≤ 13 is below 50" is wrong.
        let r = score("who5", "3 3 3 2 2");
        close(r.subscales.get("raw").unwrap(), 13.0);
        close(r.score, 52.0);
        assert_eq!(r.band_id(), Some("good"));
        let r = score("who5", "3 3 2 2 2");
        close(r.score, 48.0);
        assert_eq!(r.band_id(), Some("low"));
    }

    #[test]
    fn index_28_is_very_low_and_flags_support() {
        let r = score("who5", "2 2 1 1 1");
        close(r.score, 28.0);
        assert_eq!(r.band_id(), Some("very-low"));
        assert_eq!(r.flags, ["who5-low"]);
        assert!(r.needs_support());
        assert!(!r.needs_crisis_help());
        let r = score("who5", "2 2 2 1 1");
        close(r.score, 32.0);
        assert_eq!(r.band_id(), Some("low"));
        assert!(r.flags.is_empty());
        assert!(!r.needs_support());
    }

    #[test]
    fn a_missing_item_means_no_score_and_no_flag() {
        let r = score("who5", "0 0 0 0 -");
        assert_eq!(r.score, None);
        assert_eq!(r.band, None);
        assert_eq!(r.subscales.get("raw"), Some(None));
        assert!(r.flags.is_empty());
    }
}

mod scs_sf {
    use super::*;

    #[test]
    fn most_compassionate_answers_score_5_not_3() {
        // Positives at 5, negatives (1,4,8,9,11,12) at 1. Forgetting reversal gives 3.0.
        let r = score("scs-sf", "1 5 5 1 5 5 5 1 1 5 1 1");
        close(r.score, 5.0);
        assert_eq!(r.band_id(), Some("high"));
        close(r.subscales.get("cs").unwrap(), 5.0);
        close(r.subscales.get("ucs").unwrap(), 1.0);
    }

    #[test]
    fn total_is_a_mean_not_a_sum() {
        let r = score("scs-sf", "3 3 3 3 3 3 3 3 3 3 3 3");
        close(r.score, 3.0);
        assert_eq!(r.band_id(), Some("moderate"));
    }

    #[test]
    fn band_boundaries_include_their_lower_bound() {
        // 30/12 = 2.5 exactly: moderate (our documented convention).
        let r = score("scs-sf", "3 2 2 3 2 2 2 3 3 2 3 3");
        close(r.score, 2.5);
        assert_eq!(r.band_id(), Some("moderate"));
        // 29/12: low.
        let r = score("scs-sf", "3 1 2 3 2 2 2 3 3 2 3 3");
        close(r.score, 29.0 / 12.0);
        assert_eq!(r.band_id(), Some("low"));
        // 42/12 = 3.5 exactly: high.
        let r = score("scs-sf", "3 4 4 3 4 4 4 3 3 4 3 3");
        close(r.score, 3.5);
        assert_eq!(r.band_id(), Some("high"));
        // 41/12: moderate.
        let r = score("scs-sf", "3 3 4 3 4 4 4 3 3 4 3 3");
        close(r.score, 41.0 / 12.0);
        assert_eq!(r.band_id(), Some("moderate"));
    }

    #[test]
    fn ucs_is_the_raw_mean_of_the_negative_items() {
        let r = score("scs-sf", "4 2 2 4 2 2 2 4 4 2 4 4");
        close(r.subscales.get("cs").unwrap(), 2.0);
        close(r.subscales.get("ucs").unwrap(), 4.0);
        close(r.score, 2.0);
        assert_eq!(r.band_id(), Some("low"));
    }

    #[test]
    fn each_reverse_item_is_scored_six_minus_x() {
        for n in 1..=12 {
            let r = instrument("scs-sf").score(&all_but(12, 3, n, 5)).unwrap();
            let expected = if [1, 4, 8, 9, 11, 12].contains(&n) {
                34.0
            } else {
                38.0
            };
            close(r.score, expected / 12.0);
        }
    }

    #[test]
    fn missing_answers_null_only_what_they_touch() {
        let r = score("scs-sf", "- 3 3 3 3 3 3 3 3 3 3 3");
        assert_eq!(r.score, None);
        assert_eq!(r.subscales.get("ucs"), Some(None));
        close(r.subscales.get("cs").unwrap(), 3.0);
    }

    #[test]
    fn the_six_unreliable_short_form_subscales_are_not_reported() {
        let r = score("scs-sf", "3 3 3 3 3 3 3 3 3 3 3 3");
        let names: Vec<_> = r.subscales.0.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["cs", "ucs"]);
    }
}

mod scs {
    use super::*;

    /// instruments.md §2 worked case: grand mean 41/12 ≈ 3.417 (moderate) where the
    /// 26-item mean would be 46/13 ≈ 3.538 (high).
    #[test]
    fn total_is_the_grand_mean_of_subscale_means_not_the_item_mean() {
        let mut a = [0u8; 26];
        for i in [5, 12, 19, 23, 26] {
            a[i - 1] = 5; // self-kindness 5.0
        }
        for i in [1, 8, 11, 16, 21] {
            a[i - 1] = 1; // self-judgment raw 1 → reversed 5.0
        }
        for i in [3, 7, 10, 15, 9, 14, 17, 22] {
            a[i - 1] = 3; // common humanity and mindfulness 3.0
        }
        for g in [[4, 13, 18, 25], [2, 6, 20, 24]] {
            a[g[0] - 1] = 3;
            for i in &g[1..] {
                a[i - 1] = 4; // reversed 3,2,2,2 → 2.25
            }
        }
        let answers: Vec<_> = a.iter().map(|&c| Some(c)).collect();
        let r = instrument("scs").score(&answers).unwrap();
        close(r.score, 41.0 / 12.0);
        assert_eq!(r.band_id(), Some("moderate"));
        // The naive 26-item mean would have said "high".
        let reversed = [1, 2, 4, 6, 8, 11, 13, 16, 18, 20, 21, 24, 25];
        let sum: u32 = a
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                u32::from(if reversed.contains(&(i + 1)) {
                    6 - c
                } else {
                    c
                })
            })
            .sum();
        assert_eq!(sum, 92);
        let item_mean = f64::from(sum) / 26.0;
        assert_eq!(instrument("scs").band_for(item_mean).unwrap().id, "high");

        let sub = |n: &str| r.subscales.get(n).unwrap();
        close(sub("self-kindness"), 5.0);
        close(sub("self-judgment"), 1.0); // reported raw
        close(sub("common-humanity"), 3.0);
        close(sub("isolation"), 3.75);
        close(sub("mindfulness"), 3.0);
        close(sub("over-identification"), 3.75);
        close(sub("cs"), 49.0 / 13.0);
        close(sub("ucs"), 35.0 / 13.0);
    }

    #[test]
    fn most_compassionate_answers_score_5() {
        let reversed = [1, 2, 4, 6, 8, 11, 13, 16, 18, 20, 21, 24, 25];
        let a: Vec<_> = (1..=26)
            .map(|i| Some(if reversed.contains(&i) { 1 } else { 5 }))
            .collect();
        close(instrument("scs").score(&a).unwrap().score, 5.0);
    }

    #[test]
    fn an_incomplete_subscale_nulls_it_and_the_total() {
        let mut a = vec![Some(3); 26];
        a[4] = None; // item 5, self-kindness
        let r = instrument("scs").score(&a).unwrap();
        assert_eq!(r.score, None);
        assert_eq!(r.subscales.get("self-kindness"), Some(None));
        close(r.subscales.get("mindfulness").unwrap(), 3.0);
    }
}

mod phq9 {
    use super::*;

    /// Answers (item 9 = 0) summing to `total` ≤ 24.
    fn total_of(total: u8) -> Vec<Option<u8>> {
        let mut left = total;
        let mut a = Vec::new();
        for _ in 0..8 {
            let c = left.min(3);
            left -= c;
            a.push(Some(c));
        }
        a.push(Some(0));
        a
    }

    #[test]
    fn item_9_fires_at_a_minimal_total() {
        // instruments.md §4 worked case: total 1, band minimal, safety flag true.
        let r = score("phq9", "0 0 0 0 0 0 0 0 1");
        close(r.score, 1.0);
        assert_eq!(r.band_id(), Some("minimal"));
        assert_eq!(r.flags, ["phq9-item9"]);
        assert!(r.needs_crisis_help());
        assert!(r.needs_support());
    }

    #[test]
    fn item_9_fires_even_when_the_total_cannot_be_scored() {
        let r = score("phq9", "- - - - - - - - 2");
        assert_eq!(r.score, None);
        assert!(r.needs_crisis_help());
        let r = score("phq9", "3 3 3 3 3 3 3 3 -");
        assert_eq!(r.score, None);
        assert!(!r.needs_crisis_help());
        close(r.subscales.get("phq8").unwrap(), 24.0);
    }

    #[test]
    fn item_9_at_zero_never_fires() {
        let r = score("phq9", "3 3 3 3 3 3 3 3 0");
        assert!(!r.flags.contains(&"phq9-item9".to_owned()));
        assert!(!r.needs_crisis_help());
    }

    #[test]
    fn band_boundaries() {
        let phq9 = instrument("phq9");
        for (total, band) in [
            (0, "minimal"),
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "moderately-severe"),
            (19, "moderately-severe"),
            (20, "severe"),
            (24, "severe"),
        ] {
            let r = phq9.score(&total_of(total)).unwrap();
            close(r.score, f64::from(total));
            assert_eq!(r.band_id(), Some(band), "total {total}");
            assert_eq!(
                r.flags.contains(&"phq9-high".to_owned()),
                total >= 15,
                "total {total}"
            );
        }
        let r = score("phq9", "3 3 3 3 3 3 3 3 3");
        close(r.score, 27.0);
        assert_eq!(r.band_id(), Some("severe"));
        assert_eq!(r.flags, ["phq9-item9", "phq9-high"]);
    }

    #[test]
    fn phq8_is_items_1_to_8() {
        let r = score("phq9", "1 2 3 0 1 2 3 0 2");
        close(r.score, 14.0);
        close(r.subscales.get("phq8").unwrap(), 12.0);
    }
}

mod gad {
    use super::*;

    #[test]
    fn gad7_band_boundaries_and_flag() {
        for (a, total, band) in [
            ("0 0 0 0 0 0 0", 0.0, "minimal"),
            ("1 1 1 1 0 0 0", 4.0, "minimal"),
            ("1 1 1 1 1 0 0", 5.0, "mild"),
            ("3 3 3 0 0 0 0", 9.0, "mild"),
            ("3 3 3 1 0 0 0", 10.0, "moderate"),
            ("3 3 3 3 2 0 0", 14.0, "moderate"),
            ("3 3 3 3 3 0 0", 15.0, "severe"),
            ("3 3 3 3 3 3 3", 21.0, "severe"),
        ] {
            let r = score("gad7", a);
            close(r.score, total);
            assert_eq!(r.band_id(), Some(band), "{a}");
            assert_eq!(r.flags.contains(&"gad7-high".to_owned()), total >= 15.0);
        }
        assert_eq!(score("gad7", "3 3 3 3 3 3 -").score, None);
    }

    #[test]
    fn two_item_screens_cut_at_3() {
        for id in ["phq2", "gad2"] {
            let r = score(id, "1 1");
            close(r.score, 2.0);
            assert_eq!(r.band_id(), Some("below-cutoff"));
            assert!(r.flags.is_empty());
            let r = score(id, "2 1");
            close(r.score, 3.0);
            assert_eq!(r.band_id(), Some("at-or-above-cutoff"));
            assert_eq!(r.flags, [format!("{id}-positive")]);
            assert!(r.needs_support());
            close(score(id, "3 3").score, 6.0);
            assert_eq!(score(id, "3 -").score, None);
        }
    }
}

mod phq4 {
    use super::*;

    #[test]
    fn items_1_and_2_are_anxiety_and_3_and_4_depression() {
        // Catches the swapped-pair pitfall (aaushi.info maps 1–2 to depression).
        let r = score("phq4", "3 0 0 0");
        close(r.subscales.get("anxiety").unwrap(), 3.0);
        close(r.subscales.get("depression").unwrap(), 0.0);
        assert_eq!(r.flags, ["phq4-anxiety"]);
        let r = score("phq4", "0 0 2 1");
        close(r.subscales.get("depression").unwrap(), 3.0);
        assert_eq!(r.flags, ["phq4-depression"]);
        let r = score("phq4", "1 1 1 1");
        assert!(r.flags.is_empty());
        assert!(!r.needs_support());
    }

    #[test]
    fn total_band_boundaries() {
        for (a, total, band) in [
            ("0 0 0 0", 0.0, "none"),
            ("1 1 0 0", 2.0, "none"),
            ("1 1 1 0", 3.0, "mild"),
            ("2 1 1 1", 5.0, "mild"),
            ("2 1 2 1", 6.0, "moderate"),
            ("2 2 2 2", 8.0, "moderate"),
            ("3 2 2 2", 9.0, "severe"),
            ("3 3 3 3", 12.0, "severe"),
        ] {
            let r = score("phq4", a);
            close(r.score, total);
            assert_eq!(r.band_id(), Some(band), "{a}");
        }
    }

    #[test]
    fn a_missing_item_nulls_the_total_and_its_own_subscale_only() {
        let r = score("phq4", "- 0 3 3");
        assert_eq!(r.score, None);
        assert_eq!(r.subscales.get("anxiety"), Some(None));
        close(r.subscales.get("depression").unwrap(), 6.0);
        assert_eq!(r.flags, ["phq4-depression"]);
    }
}

mod brs {
    use super::*;

    #[test]
    fn most_resilient_answers_score_5_not_3() {
        let r = score("brs", "5 1 5 1 5 1");
        close(r.score, 5.0);
        assert_eq!(r.band_id(), Some("high"));
    }

    #[test]
    fn each_reverse_item_is_scored_six_minus_x() {
        for n in 1..=6 {
            let r = instrument("brs").score(&all_but(6, 3, n, 5)).unwrap();
            let expected = if [2, 4, 6].contains(&n) { 16.0 } else { 20.0 };
            close(r.score, expected / 6.0);
        }
    }

    #[test]
    fn band_boundaries_are_on_the_mean() {
        let r = score("brs", "3 3 3 3 3 3");
        close(r.score, 3.0);
        assert_eq!(r.band_id(), Some("normal"));
        let r = score("brs", "2 3 3 3 3 3");
        close(r.score, 17.0 / 6.0);
        assert_eq!(r.band_id(), Some("low"));
        let r = score("brs", "5 2 4 2 4 2");
        close(r.score, 25.0 / 6.0);
        assert_eq!(r.band_id(), Some("normal"));
        let r = score("brs", "5 1 4 2 4 2");
        close(r.score, 26.0 / 6.0);
        assert_eq!(r.band_id(), Some("high"));
        let r = score("brs", "1 5 1 5 1 5");
        close(r.score, 1.0);
        assert_eq!(r.band_id(), Some("low"));
    }

    #[test]
    fn five_of_six_answered_is_prorated_four_is_not() {
        close(score("brs", "5 1 5 1 5 -").score, 5.0);
        close(score("brs", "4 - 4 2 4 2").score, 4.0);
        let r = score("brs", "4 - 4 - 4 2");
        assert_eq!(r.score, None);
        assert_eq!(r.band, None);
    }
}

mod pss {
    use super::*;

    #[test]
    fn all_never_is_16_not_0() {
        close(score("pss10", "0 0 0 0 0 0 0 0 0 0").score, 16.0);
        close(score("pss10", "4 4 4 4 4 4 4 4 4 4").score, 24.0);
        close(score("pss10", "0 0 0 4 4 0 4 4 0 0").score, 0.0);
        close(score("pss10", "4 4 4 0 0 4 0 0 4 4").score, 40.0);
    }

    #[test]
    fn each_pss10_reverse_item_is_four_minus_x() {
        for n in 1..=10 {
            let r = instrument("pss10").score(&all_but(10, 2, n, 4)).unwrap();
            let expected = if [4, 5, 7, 8].contains(&n) {
                18.0
            } else {
                22.0
            };
            close(r.score, expected);
        }
    }

    #[test]
    fn pss10_common_guide_boundaries() {
        for (a, total, band) in [
            ("1 1 1 2 2 1 2 3 1 1", 13.0, "low"),
            ("1 1 1 2 2 1 2 2 1 1", 14.0, "moderate"),
            ("3 3 3 2 2 3 2 2 3 3", 26.0, "moderate"),
            ("3 3 3 2 2 3 2 2 3 4", 27.0, "high"),
        ] {
            let r = score("pss10", a);
            close(r.score, total);
            assert_eq!(r.band_id(), Some(band), "{a}");
        }
        assert_eq!(score("pss10", "0 0 0 0 0 0 0 0 0 -").score, None);
    }

    #[test]
    fn pss4_reverses_2_and_3_and_has_no_bands() {
        let r = score("pss4", "0 0 0 0");
        close(r.score, 8.0);
        assert_eq!(r.band, None);
        close(score("pss4", "0 4 4 0").score, 0.0);
        close(score("pss4", "4 0 0 4").score, 16.0);
        for n in 1..=4 {
            let r = instrument("pss4").score(&all_but(4, 2, n, 4)).unwrap();
            close(r.score, if [2, 3].contains(&n) { 6.0 } else { 10.0 });
        }
    }
}

mod cbi {
    use super::*;

    #[test]
    fn options_are_weighted_0_25_50_75_100() {
        let r = score("cbi", "0 1 2 3 4 4 - - - - - - -");
        close(r.score, 350.0 / 6.0);
        close(r.subscales.get("personal").unwrap(), 350.0 / 6.0);
        assert_eq!(r.subscales.get("study"), Some(None));
        close(score("cbi", "1 1 1 1 1 1 1 1 1 1 1 1 3").score, 25.0);
        close(score("cbi", "4 4 4 4 4 4 0 0 0 0 0 0 4").score, 100.0);
        close(score("cbi", "0 0 0 0 0 0 0 0 0 0 0 0 4").score, 0.0);
    }

    #[test]
    fn study_item_7_of_the_scale_is_reversed() {
        // Item 13 = work/study item 7 (energy for family and friends).
        let r = score("cbi", "0 0 0 0 0 0 4 4 4 4 4 4 0");
        close(r.subscales.get("study").unwrap(), 100.0);
        let r = score("cbi", "0 0 0 0 0 0 4 4 4 4 4 4 4");
        close(r.subscales.get("study").unwrap(), 600.0 / 7.0);
        let r = score("cbi", "0 0 0 0 0 0 0 0 0 0 0 0 0");
        close(r.subscales.get("study").unwrap(), 100.0 / 7.0);
    }

    #[test]
    fn missing_rules_are_3_of_6_and_4_of_7() {
        let r = score("cbi", "2 2 2 - - - 2 2 2 2 - - -");
        close(r.score, 50.0);
        close(r.subscales.get("study").unwrap(), 50.0);
        let r = score("cbi", "2 2 - - - - 2 2 2 - - - -");
        assert_eq!(r.score, None);
        assert_eq!(r.band, None);
        assert_eq!(r.subscales.get("personal"), Some(None));
        assert_eq!(r.subscales.get("study"), Some(None));
    }

    #[test]
    fn high_burnout_starts_at_50() {
        let r = score("cbi", "2 2 2 2 2 2 - - - - - - -");
        close(r.score, 50.0);
        assert_eq!(r.band_id(), Some("high"));
        let r = score("cbi", "2 2 2 2 2 1 - - - - - - -");
        close(r.score, 275.0 / 6.0);
        assert_eq!(r.band_id(), Some("below-high"));
    }

    #[test]
    fn item_response_sets_follow_puma() {
        let cbi = instrument("cbi");
        let sets: Vec<_> = cbi
            .items
            .iter()
            .map(|i| i.response_set.clone().unwrap())
            .collect();
        let mut expected = vec!["frequency"; 6];
        expected.extend(["intensity"; 3]);
        expected.extend(["frequency"; 4]);
        assert_eq!(sets, expected);
    }
}

mod burnout_single {
    use super::*;

    #[test]
    fn the_score_is_the_code_and_5_asks_for_support() {
        for code in 1..=5u8 {
            let r = instrument("burnout-single").score(&[Some(code)]).unwrap();
            close(r.score, f64::from(code));
            assert_eq!(r.flags.contains(&"burnout-high".to_owned()), code == 5);
            assert_eq!(r.needs_support(), code == 5);
        }
        let band = |c: u8| {
            instrument("burnout-single")
                .score(&[Some(c)])
                .unwrap()
                .band_id()
                .map(str::to_owned)
        };
        assert_eq!(band(2).as_deref(), Some("stress"));
        assert_eq!(band(3).as_deref(), Some("burning-out"));
    }

    #[test]
    fn zero_based_codes_are_rejected() {
        // Pitfall: mapping the options to 0–4 moves the ≥3 threshold.
        assert!(instrument("burnout-single").score(&[Some(0)]).is_err());
        assert!(instrument("burnout-single").score(&[Some(6)]).is_err());
        assert_eq!(score("burnout-single", "-").score, None);
    }
}

mod gq6 {
    use super::*;

    #[test]
    fn reverse_items_3_and_6_range_6_to_42() {
        close(score("gq6", "7 7 1 7 7 1").score, 42.0);
        close(score("gq6", "1 1 7 1 1 7").score, 6.0);
        close(score("gq6", "4 4 4 4 4 4").score, 24.0);
        for n in 1..=6 {
            let r = instrument("gq6").score(&all_but(6, 4, n, 7)).unwrap();
            close(r.score, if [3, 6].contains(&n) { 21.0 } else { 27.0 });
        }
    }

    #[test]
    fn percentile_bands() {
        for (a, total, band) in [
            ("7 7 4 7 5 4", 34.0, "bottom-quarter"),
            ("7 7 4 7 6 4", 35.0, "lower-half"),
            ("7 7 3 7 7 4", 37.0, "lower-half"),
            ("7 7 3 7 7 3", 38.0, "upper-half"),
            ("7 7 2 7 7 2", 40.0, "upper-half"),
            ("7 7 1 7 7 2", 41.0, "top-quarter"),
            ("7 7 1 7 7 1", 42.0, "top-quarter"),
        ] {
            let r = score("gq6", a);
            close(r.score, total);
            assert_eq!(r.band_id(), Some(band), "{a}");
        }
        assert_eq!(score("gq6", "7 7 1 7 7 -").score, None);
    }
}
