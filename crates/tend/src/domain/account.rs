//! Handles and passphrases: the whole of an anonymous account.

use super::Invalid;

/// A public-facing name chosen by the person. Not an e-mail, not a real name.
/// Stored lowercased so that `Sam` and `sam` cannot both exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handle(String);

impl Handle {
    pub const MIN: usize = 3;
    pub const MAX: usize = 32;

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let h = input.trim().to_lowercase();
        let len = h.chars().count();
        if !(Self::MIN..=Self::MAX).contains(&len) {
            return Err(Invalid::new(
                "handle",
                format!(
                    "A handle is {} to {} characters long.",
                    Self::MIN,
                    Self::MAX
                ),
            ));
        }
        if !h
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        {
            return Err(Invalid::new(
                "handle",
                "A handle may use letters a–z, digits, and . _ - (no spaces).",
            ));
        }
        if h.contains('@') {
            return Err(Invalid::new(
                "handle",
                "Please don't use an e-mail address.",
            ));
        }
        Ok(Self(h))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A passphrase that is long enough and not one of the most common ones.
/// The length rule follows NIST SP 800-63B: length over composition rules.
pub struct Passphrase(String);

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(..)")
    }
}

/// The most common passwords and phrases that pass the length rule. A short
/// list on purpose: the length rule does most of the work.
const COMMON: &[&str] = &[
    "password123",
    "password1234",
    "1234567890",
    "12345678910",
    "123456789012",
    "qwertyuiop",
    "qwerty12345",
    "iloveyou123",
    "passwordpassword",
    "letmeinplease",
    "correcthorsebatterystaple",
    "medicalstudent",
    "medicalschool",
    "abcdefghij",
    "0000000000",
    "1111111111",
    "aaaaaaaaaa",
    "football123",
    "baseball123",
    "sunshine123",
    "princess123",
    "welcome123",
    "trustno1trustno1",
    "administrator",
    "changeme123",
];

impl Passphrase {
    pub const MIN: usize = 10;
    pub const MAX: usize = 256;

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let len = input.chars().count();
        if len < Self::MIN {
            return Err(Invalid::new(
                "passphrase",
                format!(
                    "Please use at least {} characters. A few ordinary words in a row works well.",
                    Self::MIN
                ),
            ));
        }
        if len > Self::MAX {
            return Err(Invalid::new(
                "passphrase",
                format!("Please keep the passphrase under {} characters.", Self::MAX),
            ));
        }
        let folded: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect();
        let distinct = {
            let mut cs: Vec<char> = folded.chars().collect();
            cs.sort_unstable();
            cs.dedup();
            cs.len()
        };
        if COMMON.contains(&folded.as_str()) || distinct < 4 {
            return Err(Invalid::new(
                "passphrase",
                "That passphrase is too common and easy to guess. Try a few unrelated words.",
            ));
        }
        Ok(Self(input.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_folded_and_checked() {
        assert_eq!(Handle::parse("  Quiet_Fox ").unwrap().as_str(), "quiet_fox");
        assert!(Handle::parse("ab").is_err());
        assert!(Handle::parse("has space").is_err());
        assert!(Handle::parse("me@school.edu").is_err());
        assert!(Handle::parse(&"x".repeat(33)).is_err());
    }

    #[test]
    fn passphrases_need_length_and_variety() {
        assert!(Passphrase::parse("short").is_err());
        assert!(Passphrase::parse("Password123").is_err());
        assert!(Passphrase::parse("aaaaaaaaaaaa").is_err());
        assert!(Passphrase::parse("correct horse battery staple").is_err());
        assert!(Passphrase::parse("kettle maple orbit").is_ok());
        assert!(Passphrase::parse(&"ab1c".repeat(80)).is_err());
    }
}
