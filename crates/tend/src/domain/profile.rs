//! Personal settings, sealed like any other record.

use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::Invalid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// IANA name, e.g. `America/Chicago`. Decides which day "today" is.
    pub time_zone: String,
    /// ISO 3166 code of the country whose help lines come first, as the person
    /// chose it. `None` (and every record written before countries existed):
    /// suggested from the time zone instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl super::Kind for Profile {
    const KIND: &'static str = "profile";
}

impl Default for Profile {
    fn default() -> Self {
        Self {
            time_zone: "UTC".into(),
            country: None,
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

    /// The country for help lines: the one chosen, else the time zone's.
    pub fn help_country(&self) -> Option<&str> {
        self.country
            .as_deref()
            .or_else(|| super::helplines::country_for_time_zone(&self.time_zone))
    }

    pub fn tz(&self) -> TimeZone {
        TimeZone::get(&self.time_zone).unwrap_or(TimeZone::UTC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_from_before_countries_still_open_and_suggest_from_the_zone() {
        let old: Profile = serde_json::from_str(r#"{"time_zone":"Europe/London"}"#).unwrap();
        assert_eq!(old.country, None);
        assert_eq!(old.help_country(), Some("GB"));
        let chose = Profile {
            time_zone: "Europe/London".into(),
            country: Some("IE".into()),
        };
        assert_eq!(chose.help_country(), Some("IE"));
        let json = serde_json::to_string(&chose).unwrap();
        assert_eq!(serde_json::from_str::<Profile>(&json).unwrap(), chose);
        // Nothing new is written for people who have not chosen.
        assert!(!serde_json::to_string(&old).unwrap().contains("country"));
    }
}
