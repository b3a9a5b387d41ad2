//! tend-detector: an explainable, fast detector of unhelpful thinking patterns,
//! self-critical language, risk language and patient identifiers.
//!
//! Everything in the library is pure computation on a `&str`, except the
//! [`cli`] module, which implements `tend analyze` (standard input, eval files).
//!
//! ```
//! use tend_detector::{Detector, Pattern};
//! let d = Detector::new();
//! let a = d.analyze("I froze when the attending asked me. I'm such an idiot.");
//! assert!(a.self_critical);
//! assert_eq!(a.patterns[0].pattern, Pattern::Labeling);
//! ```

pub mod cli;
mod detector;
mod embed;
mod guard;
mod model;
mod pattern;
mod risk;
mod rules;
mod text;
pub mod train;

pub use detector::{
    Analysis, Detector, Finding, MAX_INPUT_BYTES, REPORT_THRESHOLD, SentenceAnalysis,
};
pub use guard::{PhiKind, PhiWarning, patient_identifiers};
pub use pattern::{Pattern, map_label, to_ten_label_scheme};
pub use risk::{RiskMatch, risk_language};
