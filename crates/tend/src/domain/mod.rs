//! Types and rules of tend. No I/O here: no SQL, no HTTP, no clock.
//! Input is parsed into these types at the edge, so invalid states cannot travel further.

pub mod account;
pub mod checkin;
pub mod circles;
pub mod helplines;
pub mod journal;
pub mod profile;
pub mod summary;

// Feature domains (issues 3 and 6).
pub mod critic;
pub mod goals;
pub mod gratitude;
pub mod practice;
pub mod programmes;
pub mod questionnaire;
pub mod review;
pub mod selfcare;
pub mod support;

/// A problem with what a person entered, in words meant for them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    /// The form field the problem is about, so pages can show it next to it.
    pub field: &'static str,
    pub message: String,
}

impl Invalid {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// Trims and checks the length of a free-text field (counted in characters).
pub fn bounded_text(
    field: &'static str,
    label: &str,
    input: &str,
    max_chars: usize,
    required: bool,
) -> Result<String, Invalid> {
    let text = input.trim();
    if required && text.is_empty() {
        return Err(Invalid::new(field, format!("{label} can't be empty.")));
    }
    let count = text.chars().count();
    if count > max_chars {
        return Err(Invalid::new(
            field,
            format!("{label} is {count} characters long; the most it can hold is {max_chars}."),
        ));
    }
    Ok(text.to_owned())
}
