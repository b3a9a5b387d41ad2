use rand::Rng;
use rand::rngs::OsRng;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::VaultError;
use super::keys::{DataKey, KdfParams, WrappedKey, derive_kek, random_salt, unwrap_key, wrap_key};

/// Crockford's base32 alphabet: no I, L, O or U, so the code is easy to copy by hand.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const GROUPS: usize = 5;
const GROUP_LEN: usize = 5;

/// The recovery code shown once at sign-up: 25 symbols, 125 bits of entropy,
/// written as five groups of five (`7KQ2M-...`).
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct RecoveryCode(String);

impl std::fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryCode(..)")
    }
}

impl RecoveryCode {
    pub fn generate() -> Self {
        let mut rng = OsRng;
        let mut s = String::with_capacity(GROUPS * (GROUP_LEN + 1));
        for g in 0..GROUPS {
            if g > 0 {
                s.push('-');
            }
            for _ in 0..GROUP_LEN {
                s.push(char::from(ALPHABET[rng.gen_range(0..32)]));
            }
        }
        Self(s)
    }

    /// Accepts what a person types: any case, spaces or dashes anywhere,
    /// and the look-alikes O→0, I/L→1 that Crockford's scheme folds.
    pub fn parse(input: &str) -> Option<Self> {
        let mut symbols = String::with_capacity(GROUPS * GROUP_LEN);
        for c in input.chars() {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' | '\t' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !ALPHABET.contains(&(c as u8)) || !c.is_ascii() {
                return None;
            }
            symbols.push(c);
        }
        if symbols.len() != GROUPS * GROUP_LEN {
            return None;
        }
        let grouped = symbols
            .as_bytes()
            .chunks(GROUP_LEN)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-");
        Some(Self(grouped))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn canonical_bytes(&self) -> Vec<u8> {
        self.0.bytes().filter(|b| *b != b'-').collect()
    }
}

fn aad(account_id: &str) -> Vec<u8> {
    format!("tend-wrap-v1|recovery|{account_id}").into_bytes()
}

pub fn wrap_with_recovery(
    params: KdfParams,
    account_id: &str,
    code: &RecoveryCode,
    key: &DataKey,
) -> Result<(Vec<u8>, WrappedKey), VaultError> {
    let salt = random_salt();
    let mut kek = derive_kek(params, &code.canonical_bytes(), &salt)?;
    let wrapped = wrap_key(&kek, key, &aad(account_id));
    kek.zeroize();
    Ok((salt, wrapped?))
}

pub fn unwrap_with_recovery(
    params: KdfParams,
    account_id: &str,
    code: &RecoveryCode,
    salt: &[u8],
    wrapped: &WrappedKey,
) -> Result<DataKey, VaultError> {
    let mut kek = derive_kek(params, &code.canonical_bytes(), salt)?;
    let key = unwrap_key(&kek, wrapped, &aad(account_id));
    kek.zeroize();
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_parse_back_even_when_typed_loosely() {
        let code = RecoveryCode::generate();
        assert_eq!(code.as_str().len(), 29);
        let typed = code.as_str().to_lowercase().replace('-', " ");
        assert_eq!(RecoveryCode::parse(&typed).unwrap().as_str(), code.as_str());
        assert_eq!(
            RecoveryCode::parse("oooo0-11111-22222-33333-44444")
                .unwrap()
                .as_str(),
            "00000-11111-22222-33333-44444"
        );
        assert!(RecoveryCode::parse("too-short").is_none());
        assert!(RecoveryCode::parse("UUUUU-11111-22222-33333-44444").is_none());
        assert!(RecoveryCode::parse("ééééé-11111-22222-33333-44444").is_none());
    }

    #[test]
    fn recovery_wrap_opens_only_with_the_code() {
        let params = KdfParams {
            memory_kib: 64,
            iterations: 1,
        };
        let key = DataKey::generate();
        let code = RecoveryCode::generate();
        let (salt, wrapped) = wrap_with_recovery(params, "a", &code, &key).unwrap();
        assert!(unwrap_with_recovery(params, "a", &code, &salt, &wrapped).is_ok());
        let other = RecoveryCode::generate();
        assert!(unwrap_with_recovery(params, "a", &other, &salt, &wrapped).is_err());
    }
}
