//! Which check-ins are due: pure, with today's date passed in.

use std::collections::BTreeMap;

use serde::Serialize;
use time::{Date, Duration};

use crate::catalog::Catalog;

/// A person's pause on all check-ins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "until")]
pub enum Pause {
    #[default]
    None,
    /// Paused up to and including the day before this date.
    Until(Date),
    Indefinitely,
}

/// The instruments a person has chosen, in the order they chose them, and any pause.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ScheduleChoice {
    pub instruments: Vec<String>,
    pub pause: Pause,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueStatus {
    pub instrument: String,
    pub due: bool,
    /// The first day it is (or was) due; `None` while paused indefinitely.
    pub next_due: Option<Date>,
    pub last_completed: Option<Date>,
}

/// The status of every chosen instrument. An instrument is due when it has never
/// been completed, or when at least its `min_interval_days` have passed since it
/// was last completed (14 for the two-week PHQ, GAD and WHO-5 forms; 30 for the
/// one-month PSS and for trait measures). Unknown ids in the choice are skipped,
/// so a retired instrument in an old choice does no harm.
pub fn schedule(
    catalog: &Catalog,
    choice: &ScheduleChoice,
    last_completed: &BTreeMap<String, Date>,
    today: Date,
) -> Vec<DueStatus> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for id in &choice.instruments {
        let Some(instrument) = catalog.get(id) else {
            continue;
        };
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        let last = last_completed.get(id).copied();
        let earliest = match last {
            None => Some(today),
            Some(d) => d.checked_add(Duration::days(i64::from(instrument.min_interval_days))),
        };
        let next_due = match choice.pause {
            Pause::None => earliest,
            Pause::Until(end) => earliest.map(|d| d.max(end)),
            Pause::Indefinitely => None,
        };
        out.push(DueStatus {
            instrument: id.clone(),
            due: next_due.is_some_and(|d| d <= today),
            next_due,
            last_completed: last,
        });
    }
    out
}

/// The ids of the chosen instruments that are due today.
pub fn due_today(
    catalog: &Catalog,
    choice: &ScheduleChoice,
    last_completed: &BTreeMap<String, Date>,
    today: Date,
) -> Vec<String> {
    schedule(catalog, choice, last_completed, today)
        .into_iter()
        .filter(|s| s.due)
        .map(|s| s.instrument)
        .collect()
}
