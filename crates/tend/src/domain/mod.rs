//! Types and rules of tend. No I/O here: no SQL, no HTTP, no clock.
//! Input is parsed into these types at the edge, so invalid states cannot travel further.

pub mod account;
pub mod checkin;
pub mod circles;
pub mod helplines;
pub mod journal;
pub mod next_step;
pub mod notifications;
pub mod profile;
pub mod push;
pub mod summary;

// Feature domains (issues 3 and 6).
pub mod critic;
pub mod goals;
pub mod gratitude;
pub mod practice;
pub mod programmes;
pub mod questionnaire;
pub mod review;
pub mod safety_plan;
pub mod selfcare;
pub mod support;
pub mod transfer;

/// A kind of personal record. Its value is sealed as JSON; `KIND` is stored in
/// the clear (the `kind` column) and bound into the ciphertext, so two types
/// sharing a name could open each other's records: the names must be unique.
pub trait Kind: serde::Serialize + serde::de::DeserializeOwned {
    const KIND: &'static str;
    /// What a list of this kind shows for a record, when a list shows only
    /// that: stored sealed beside the record so lists need not open bodies.
    fn list_title(&self) -> Option<String> {
        None
    }
}

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

/// Bytes as lowercase hexadecimal, two digits each (ids and names derived
/// from digests). Written into one string: a `format!` per byte was a
/// visible part of Today's profile, where a slot's id is derived on every
/// request.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    /// Every `Kind` name in the domain, read from the source so that a new kind
    /// cannot be forgotten here: two types with one name would share rows.
    #[test]
    fn kind_names_are_unique() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain");
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut count = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines() {
                let Some(rest) = line.trim().strip_prefix("const KIND: &'static str = \"") else {
                    continue;
                };
                let name = rest.trim_end_matches("\";").to_owned();
                count += 1;
                let file = path.display().to_string();
                if let Some(other) = seen.insert(name.clone(), file.clone()) {
                    panic!("kind {name:?} is named in both {other} and {file}");
                }
            }
        }
        // The trait's own declaration has no value; fifteen kinds exist today.
        assert!(count >= 15, "found only {count} kinds in {}", dir.display());
    }

    #[test]
    fn hex_is_two_lowercase_digits_per_byte() {
        assert_eq!(super::hex(&[]), "");
        assert_eq!(super::hex(&[0x00, 0x0f, 0xa0, 0xff, 0x12]), "000fa0ff12");
        let all: Vec<u8> = (0..=255).collect();
        let expected: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(super::hex(&all), expected);
    }
}
