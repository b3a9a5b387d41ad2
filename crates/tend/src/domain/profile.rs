//! Personal settings, sealed like any other record.

use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::Invalid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// IANA name, e.g. `America/Chicago`. Decides which day "today" is.
    pub time_zone: String,
}

impl super::Kind for Profile {
    const KIND: &'static str = "profile";
}

impl Default for Profile {
    fn default() -> Self {
        Self {
            time_zone: "UTC".into(),
        }
    }
}

impl Profile {
    pub fn parse_time_zone(input: &str) -> Result<String, Invalid> {
        let name = input.trim();
        if name.is_empty() {
            return Ok("UTC".into());
        }
        TimeZone::get(name).map(|_| name.to_owned()).map_err(|_| {
            Invalid::new(
                "time_zone",
                "Choose a time zone from the list, like Europe/London.",
            )
        })
    }

    pub fn tz(&self) -> TimeZone {
        TimeZone::get(&self.time_zone).unwrap_or(TimeZone::UTC)
    }
}
