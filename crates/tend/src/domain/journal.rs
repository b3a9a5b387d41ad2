//! Free-text journal entries.

use serde::{Deserialize, Serialize};

use super::{Invalid, bounded_text};

pub const TITLE_MAX: usize = 200;
/// About 20 pages of text: generous for a journal, small enough to stay fast.
pub const BODY_MAX: usize = 50_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    #[serde(default)]
    pub title: String,
    pub body: String,
}

impl super::Kind for JournalEntry {
    const KIND: &'static str = "journal";
    fn list_title(&self) -> Option<String> {
        Some(self.display_title())
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct JournalInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
}

impl JournalInput {
    pub fn validate(&self) -> Result<JournalEntry, Vec<Invalid>> {
        let mut errors = Vec::new();
        let title = bounded_text("title", "The title", &self.title, TITLE_MAX, false)
            .map_err(|e| errors.push(e))
            .ok();
        let body = bounded_text("body", "The entry", &self.body, BODY_MAX, true)
            .map_err(|e| errors.push(e))
            .ok();
        match (title, body) {
            (Some(title), Some(body)) => Ok(JournalEntry { title, body }),
            _ => Err(errors),
        }
    }
}

impl JournalEntry {
    /// The title, or the first words of the entry when it has none.
    pub fn display_title(&self) -> String {
        if !self.title.is_empty() {
            return self.title.clone();
        }
        let first_line = self.body.lines().next().unwrap_or_default();
        let mut out: String = first_line.chars().take(60).collect();
        if first_line.chars().count() > 60 {
            out.push('…');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_required_and_bounded() {
        assert!(
            JournalInput {
                title: "t".into(),
                body: "   ".into()
            }
            .validate()
            .is_err()
        );
        assert!(
            JournalInput {
                title: String::new(),
                body: "x".repeat(BODY_MAX + 1)
            }
            .validate()
            .is_err()
        );
        let e = JournalInput {
            title: String::new(),
            body: "A long day on the ward.\nMore".into(),
        }
        .validate()
        .unwrap();
        assert_eq!(e.display_title(), "A long day on the ward.");
    }
}
