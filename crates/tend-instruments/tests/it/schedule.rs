//! Which check-ins are due.

use std::collections::BTreeMap;

use tend_instruments::{Pause, ScheduleChoice, due_today, schedule};
use time::macros::date;

use crate::catalog;

fn choice(ids: &[&str], pause: Pause) -> ScheduleChoice {
    ScheduleChoice {
        instruments: ids.iter().map(|s| (*s).to_owned()).collect(),
        pause,
    }
}

#[test]
fn never_completed_is_due_today() {
    let today = date!(2025 - 03 - 10);
    let due = due_today(
        &catalog(),
        &choice(&["who5", "scs-sf"], Pause::None),
        &BTreeMap::new(),
        today,
    );
    assert_eq!(due, ["who5", "scs-sf"]);
}

#[test]
fn two_week_forms_wait_fourteen_days() {
    let today = date!(2025 - 03 - 15);
    let c = choice(&["phq9", "who5", "gad7"], Pause::None);
    let last = BTreeMap::from([
        ("phq9".to_owned(), date!(2025 - 03 - 02)), // 13 days ago
        ("who5".to_owned(), date!(2025 - 03 - 01)), // 14 days ago
        ("gad7".to_owned(), date!(2025 - 02 - 01)),
    ]);
    let s = schedule(&catalog(), &c, &last, today);
    assert!(!s[0].due);
    assert_eq!(s[0].next_due, Some(date!(2025 - 03 - 16)));
    assert_eq!(s[0].last_completed, Some(date!(2025 - 03 - 02)));
    assert!(s[1].due);
    assert!(s[2].due);
    assert_eq!(due_today(&catalog(), &c, &last, today), ["who5", "gad7"]);
}

#[test]
fn trait_measures_wait_a_month() {
    let today = date!(2025 - 03 - 31);
    for id in ["scs-sf", "scs", "brs", "gq6", "pss10", "cbi"] {
        let c = choice(&[id], Pause::None);
        let recent = BTreeMap::from([(id.to_owned(), date!(2025 - 03 - 02))]); // 29 days
        assert!(due_today(&catalog(), &c, &recent, today).is_empty(), "{id}");
        let month = BTreeMap::from([(id.to_owned(), date!(2025 - 03 - 01))]); // 30 days
        assert_eq!(due_today(&catalog(), &c, &month, today), [id], "{id}");
    }
}

#[test]
fn every_instrument_waits_at_least_its_look_back_period() {
    for ins in catalog().instruments() {
        assert!(ins.min_interval_days >= ins.lookback_days.unwrap_or(0));
        assert!(ins.min_interval_days >= 14, "{}", ins.id);
    }
}

#[test]
fn a_pause_holds_everything() {
    let today = date!(2025 - 03 - 10);
    let none = BTreeMap::new();
    let c = choice(&["who5"], Pause::Until(date!(2025 - 03 - 20)));
    let s = schedule(&catalog(), &c, &none, today);
    assert!(!s[0].due);
    assert_eq!(s[0].next_due, Some(date!(2025 - 03 - 20)));
    assert_eq!(
        due_today(&catalog(), &c, &none, date!(2025 - 03 - 20)),
        ["who5"]
    );
    let c = choice(&["who5"], Pause::Indefinitely);
    let s = schedule(&catalog(), &c, &none, today);
    assert!(!s[0].due);
    assert_eq!(s[0].next_due, None);
}

#[test]
fn only_chosen_known_instruments_once_each() {
    let today = date!(2025 - 03 - 10);
    let c = choice(&["gq6", "retired-form", "gq6"], Pause::None);
    assert_eq!(due_today(&catalog(), &c, &BTreeMap::new(), today), ["gq6"]);
    assert!(
        due_today(
            &catalog(),
            &choice(&[], Pause::None),
            &BTreeMap::new(),
            today
        )
        .is_empty()
    );
}
