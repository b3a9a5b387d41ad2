//! tend's questionnaire engine: validated check-in instruments as data files,
//! exact scoring, safety flags, schedules, change detection and accessible charts.
//!
//! Everything here is pure: no clock, no network, no database. The only I/O is
//! [`Catalog::load_dir`], meant for tests and for developing new data files; the
//! shipped catalogue is compiled in with `include_str!` ([`Catalog::embedded`]).
//!
//! ```
//! let catalog = tend_instruments::Catalog::embedded().expect("valid data files");
//! let phq9 = catalog.get("phq9").expect("shipped");
//! let result = phq9
//!     .score(&[Some(0), Some(0), Some(0), Some(0), Some(0), Some(0), Some(0), Some(0), Some(1)])
//!     .expect("valid answers");
//! assert_eq!(result.score, Some(1.0));
//! assert!(result.needs_crisis_help());
//! ```

mod catalog;
mod change;
mod chart;
mod cli;
mod model;
mod schedule;
mod score;

pub use catalog::{Catalog, LoadError};
pub use change::{Change, describe_change};
pub use chart::{chart_sentence, render_chart_svg, render_chart_svg_narrow, render_chart_table};
pub use cli::run_score_command;
pub use model::{
    Band, Flag, FlagKind, Followup, Instrument, Item, Licence, LicenceStatus, Mic, ResponseOption,
    ResponseSet, Scale, ScaleMethod, Wording,
};
pub use schedule::{DueStatus, Pause, ScheduleChoice, due_today, schedule};
pub use score::{ScoreError, ScoreResult, Subscales};
/// Re-exported so callers can build the `time::Date`s that schedules and charts
/// take without depending on `time` themselves.
pub use time;
