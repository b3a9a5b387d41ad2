//! Whether a difference between two scores may be called a change.

use serde::Serialize;

use crate::model::Instrument;

/// How two headline scores compare. Only where a minimal important change (MIC)
/// is published, and the difference reaches it, is the result `Better` or `Worse`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Change {
    /// Moved in the better direction by at least the MIC.
    Better { by: f64, threshold: f64 },
    /// Moved in the worse direction by at least the MIC.
    Worse { by: f64, threshold: f64 },
    /// Moved by less than the MIC: within the usual variation.
    WithinUsualVariation { by: f64, threshold: f64 },
    /// No MIC is published for this measure, so no change is claimed.
    NoPublishedThreshold { by: f64 },
}

impl Change {
    /// One plain sentence for the results page.
    pub fn describe(&self) -> String {
        let n = |v: f64| crate::chart::fmt_num(v.abs());
        match *self {
            Change::Better { by, threshold } => format!(
                "A change of {} points, at least the {} points published as a meaningful change: a real move in a better direction.",
                n(by),
                n(threshold)
            ),
            Change::Worse { by, threshold } => format!(
                "A change of {} points, at least the {} points published as a meaningful change: things look harder than last time.",
                n(by),
                n(threshold)
            ),
            Change::WithinUsualVariation { by, threshold } => format!(
                "A difference of {} points, within the usual variation (a meaningful change is {} points or more).",
                n(by),
                n(threshold)
            ),
            Change::NoPublishedThreshold { by } => format!(
                "A difference of {} points. No meaningful-change threshold is published for this measure, so we don't call it a change.",
                n(by)
            ),
        }
    }
}

/// Compares two headline scores of the same instrument. A difference that reaches
/// the published MIC counts (a MIC is by definition the smallest change that
/// matters, so reaching it is enough).
pub fn describe_change(instrument: &Instrument, previous: f64, current: f64) -> Change {
    let by = current - previous;
    let Some(mic) = &instrument.mic else {
        return Change::NoPublishedThreshold { by };
    };
    let threshold = mic.points;
    // Guard against representation error (e.g. 3.1 - 2.0) at the threshold itself.
    if by.abs() + 1e-9 < threshold {
        return Change::WithinUsualVariation { by, threshold };
    }
    if (by > 0.0) == instrument.higher_is_better {
        Change::Better { by, threshold }
    } else {
        Change::Worse { by, threshold }
    }
}
