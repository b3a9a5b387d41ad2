//! Crisis and support lines, read from a TOML file so each deployment can list
//! its own (a school's counselling number, a country's lines).

use serde::{Deserialize, Serialize};

/// The defaults that ship with tend (US lines plus pointers for everywhere else).
pub const DEFAULT_TOML: &str = include_str!("../../../../content/helplines.toml");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Helplines {
    pub intro: String,
    #[serde(rename = "line")]
    pub lines: Vec<Helpline>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Helpline {
    pub name: String,
    #[serde(default)]
    pub region: String,
    pub how: String,
    /// Digits only, for a `tel:` link.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tel: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sms: String,
    /// Shown as text only; tend never links out or loads anything from it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    #[serde(default)]
    pub note: String,
    /// Shown in the crisis box beside worrying words. `false` for lines that
    /// are not for that moment (a placeholder for the school's number, a
    /// directory); they stay on the Help page.
    #[serde(default = "shown_in_crisis")]
    pub crisis: bool,
}

fn shown_in_crisis() -> bool {
    true
}

impl Helplines {
    pub fn parse(source: &str) -> Result<Self, String> {
        let parsed: Helplines = toml::from_str(source).map_err(|e| e.to_string())?;
        if parsed.lines.is_empty() {
            return Err("the file lists no help lines; add at least one [[line]]".into());
        }
        for line in &parsed.lines {
            for (what, v) in [("tel", &line.tel), ("sms", &line.sms)] {
                if !v.chars().all(|c| c.is_ascii_digit() || c == '+') {
                    return Err(format!(
                        "{}: {what} must be digits only (it becomes a {what}: link)",
                        line.name
                    ));
                }
            }
        }
        Ok(parsed)
    }

    pub fn defaults() -> Result<Self, String> {
        Self::parse(DEFAULT_TOML)
    }

    /// The lines for the crisis box, in order.
    pub fn crisis_lines(&self) -> impl Iterator<Item = &Helpline> {
        self.lines.iter().filter(|l| l.crisis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_include_the_us_crisis_lines() {
        let h = Helplines::defaults().unwrap();
        assert!(h.lines.iter().any(|l| l.tel == "988" && l.sms == "988"));
        assert!(h.lines.iter().any(|l| l.how.contains("1-888-409-0141")));
        // The school placeholder stays off the crisis box.
        assert!(h.crisis_lines().all(|l| !l.how.contains("add its number")));
        assert!(h.crisis_lines().any(|l| l.tel == "988"));
        assert!(h.intro.contains("not monitored"));
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        assert!(Helplines::parse("intro = \"x\"\nline = []").is_err());
        let bad_tel = "intro = \"x\"\n[[line]]\nname = \"A\"\nhow = \"call\"\ntel = \"call me\"\n";
        assert!(Helplines::parse(bad_tel).unwrap_err().contains("digits"));
        assert!(Helplines::parse("intro = \"x\"\nsurprise = 1\n").is_err());
    }
}
