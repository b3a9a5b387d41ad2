use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::VaultError;

const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;
/// Bumped if the sealing format ever changes; part of every record's associated data.
const RECORD_FORMAT: &[u8] = b"tend-record-v1";

/// Argon2id cost. The defaults follow the OWASP password storage guidance
/// (19 MiB, 2 passes, 1 lane); tests may lower them to stay fast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
}

impl Default for KdfParams {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
        }
    }
}

impl KdfParams {
    fn argon2(&self) -> Result<Argon2<'static>, VaultError> {
        let params = Params::new(self.memory_kib, self.iterations, 1, Some(KEY_LEN))
            .map_err(|_| VaultError::Kdf)?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// A person's data key. No `Clone`, no `Debug` of its bytes, zeroised on drop.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct DataKey([u8; KEY_LEN]);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

impl DataKey {
    pub fn generate() -> Self {
        let mut k = [0u8; KEY_LEN];
        OsRng.fill_bytes(&mut k);
        Self(k)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&self.0).into())
    }
}

/// A data key sealed under some other key: `nonce || ciphertext`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey(pub Vec<u8>);

fn seal(key: &[u8; KEY_LEN], plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, VaultError> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    let ct = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| VaultError::Malformed)?;
    let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

fn open(key: &[u8; KEY_LEN], sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, VaultError> {
    if sealed.len() < NONCE_LEN + 16 {
        return Err(VaultError::Malformed);
    }
    let (nonce, ct) = sealed.split_at(NONCE_LEN);
    let cipher = XChaCha20Poly1305::new(key.into());
    cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad })
        .map_err(|_| VaultError::WrongKey)
}

pub(super) fn wrap_key(
    kek: &[u8; KEY_LEN],
    key: &DataKey,
    aad: &[u8],
) -> Result<WrappedKey, VaultError> {
    seal(kek, &key.0, aad).map(WrappedKey)
}

pub(super) fn unwrap_key(
    kek: &[u8; KEY_LEN],
    wrapped: &WrappedKey,
    aad: &[u8],
) -> Result<DataKey, VaultError> {
    let mut bytes = open(kek, &wrapped.0, aad)?;
    let result = <[u8; KEY_LEN]>::try_from(bytes.as_slice())
        .map(DataKey)
        .map_err(|_| VaultError::Malformed);
    bytes.zeroize();
    result
}

pub(super) fn derive_kek(
    params: KdfParams,
    secret: &[u8],
    salt: &[u8],
) -> Result<[u8; KEY_LEN], VaultError> {
    let mut out = [0u8; KEY_LEN];
    params
        .argon2()?
        .hash_password_into(secret, salt, &mut out)
        .map_err(|_| VaultError::Kdf)?;
    Ok(out)
}

/// Random salt for key derivation.
pub(super) fn random_salt() -> Vec<u8> {
    let mut s = vec![0u8; 16];
    OsRng.fill_bytes(&mut s);
    s
}

/// A PHC-format Argon2id hash of the passphrase, used only to check it.
#[derive(Clone, PartialEq, Eq)]
pub struct PassphraseHash(pub String);

impl std::fmt::Debug for PassphraseHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PassphraseHash(..)")
    }
}

pub fn hash_passphrase(params: KdfParams, passphrase: &str) -> Result<PassphraseHash, VaultError> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = params
        .argon2()?
        .hash_password(passphrase.as_bytes(), &salt)
        .map_err(|_| VaultError::Kdf)?;
    Ok(PassphraseHash(hash.to_string()))
}

pub fn verify_passphrase(hash: &PassphraseHash, passphrase: &str) -> bool {
    match PasswordHash::new(&hash.0) {
        // The parameters are read from the PHC string, so older hashes keep working
        // if the defaults change.
        Ok(parsed) => Argon2::default()
            .verify_password(passphrase.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

fn account_aad(purpose: &str, account_id: &str) -> Vec<u8> {
    format!("tend-wrap-v1|{purpose}|{account_id}").into_bytes()
}

/// Wrap the data key under a passphrase; returns the salt used and the wrapped key.
pub fn wrap_with_passphrase(
    params: KdfParams,
    account_id: &str,
    passphrase: &str,
    key: &DataKey,
) -> Result<(Vec<u8>, WrappedKey), VaultError> {
    let salt = random_salt();
    let mut kek = derive_kek(params, passphrase.as_bytes(), &salt)?;
    let wrapped = wrap_key(&kek, key, &account_aad("passphrase", account_id));
    kek.zeroize();
    Ok((salt, wrapped?))
}

pub fn unwrap_with_passphrase(
    params: KdfParams,
    account_id: &str,
    passphrase: &str,
    salt: &[u8],
    wrapped: &WrappedKey,
) -> Result<DataKey, VaultError> {
    let mut kek = derive_kek(params, passphrase.as_bytes(), salt)?;
    let key = unwrap_key(&kek, wrapped, &account_aad("passphrase", account_id));
    kek.zeroize();
    key
}

/// The opaque value a browser or API client holds: a session id and a secret.
/// Only `sha256(id)` is stored; the secret never reaches the database.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct SessionToken {
    id: [u8; 32],
    secret: [u8; 32],
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(..)")
    }
}

impl SessionToken {
    pub fn generate() -> Self {
        let mut id = [0u8; 32];
        let mut secret = [0u8; 32];
        OsRng.fill_bytes(&mut id);
        OsRng.fill_bytes(&mut secret);
        Self { id, secret }
    }

    /// The string placed in the cookie or bearer header.
    pub fn encode(&self) -> String {
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(self.id),
            URL_SAFE_NO_PAD.encode(self.secret)
        )
    }

    pub fn parse(s: &str) -> Option<Self> {
        let (id, secret) = s.split_once('.')?;
        let id: [u8; 32] = URL_SAFE_NO_PAD.decode(id).ok()?.try_into().ok()?;
        let secret: [u8; 32] = URL_SAFE_NO_PAD.decode(secret).ok()?.try_into().ok()?;
        Some(Self { id, secret })
    }

    /// What the database stores to find the session.
    pub fn lookup_hash(&self) -> Vec<u8> {
        Sha256::digest(self.id).to_vec()
    }

    fn kek(&self) -> Result<[u8; KEY_LEN], VaultError> {
        let hk = Hkdf::<Sha256>::new(Some(b"tend-session-v1"), &self.secret);
        let mut out = [0u8; KEY_LEN];
        hk.expand(b"session key wrap", &mut out)
            .map_err(|_| VaultError::Kdf)?;
        Ok(out)
    }

    /// A per-session anti-forgery token, derived so it needs no storage.
    pub fn csrf_token(&self) -> String {
        let hk = Hkdf::<Sha256>::new(Some(b"tend-session-v1"), &self.secret);
        let mut out = [0u8; 24];
        // 24 bytes is far below HKDF-SHA256's output limit, so this cannot fail.
        let _ = hk.expand(b"csrf", &mut out);
        URL_SAFE_NO_PAD.encode(out)
    }
}

pub fn wrap_with_session(token: &SessionToken, key: &DataKey) -> Result<WrappedKey, VaultError> {
    let mut kek = token.kek()?;
    let wrapped = wrap_key(&kek, key, &token.lookup_hash());
    kek.zeroize();
    wrapped
}

pub fn unwrap_with_session(
    token: &SessionToken,
    wrapped: &WrappedKey,
) -> Result<DataKey, VaultError> {
    let mut kek = token.kek()?;
    let key = unwrap_key(&kek, wrapped, &token.lookup_hash());
    kek.zeroize();
    key
}

fn record_aad(account_id: &str, record_id: &str, kind: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(64 + account_id.len() + record_id.len() + kind.len());
    aad.extend_from_slice(RECORD_FORMAT);
    for part in [account_id, record_id, kind] {
        aad.push(0);
        aad.extend_from_slice(part.as_bytes());
    }
    aad
}

/// Seal one record's plaintext (JSON) under the data key.
pub fn seal_record(
    key: &DataKey,
    account_id: &str,
    record_id: &str,
    kind: &str,
    plaintext: &[u8],
) -> Result<Vec<u8>, VaultError> {
    let cipher = key.cipher();
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    let aad = record_aad(account_id, record_id, kind);
    let ct = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| VaultError::Malformed)?;
    let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

pub fn open_record(
    key: &DataKey,
    account_id: &str,
    record_id: &str,
    kind: &str,
    sealed: &[u8],
) -> Result<Vec<u8>, VaultError> {
    if sealed.len() < NONCE_LEN + 16 {
        return Err(VaultError::Malformed);
    }
    let (nonce, ct) = sealed.split_at(NONCE_LEN);
    let aad = record_aad(account_id, record_id, kind);
    key.cipher()
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: &aad })
        .map_err(|_| VaultError::WrongKey)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: KdfParams = KdfParams {
        memory_kib: 64,
        iterations: 1,
    };

    #[test]
    fn record_round_trips_and_is_bound_to_its_place() {
        let key = DataKey::generate();
        let sealed = seal_record(&key, "acct", "rec", "journal", b"dear diary").unwrap();
        assert!(!sealed.windows(5).any(|w| w == b"diary"));
        assert_eq!(
            open_record(&key, "acct", "rec", "journal", &sealed).unwrap(),
            b"dear diary"
        );
        assert_eq!(
            open_record(&key, "other", "rec", "journal", &sealed),
            Err(VaultError::WrongKey)
        );
        assert_eq!(
            open_record(&key, "acct", "rec2", "journal", &sealed),
            Err(VaultError::WrongKey)
        );
        assert_eq!(
            open_record(&key, "acct", "rec", "checkin", &sealed),
            Err(VaultError::WrongKey)
        );
        let other = DataKey::generate();
        assert_eq!(
            open_record(&other, "acct", "rec", "journal", &sealed),
            Err(VaultError::WrongKey)
        );
    }

    #[test]
    fn passphrase_wrap_needs_the_right_passphrase_and_account() {
        let key = DataKey::generate();
        let (salt, wrapped) = wrap_with_passphrase(FAST, "a1", "correct horse", &key).unwrap();
        let back = unwrap_with_passphrase(FAST, "a1", "correct horse", &salt, &wrapped).unwrap();
        assert_eq!(back.0, key.0);
        assert!(unwrap_with_passphrase(FAST, "a1", "wrong horse", &salt, &wrapped).is_err());
        assert!(unwrap_with_passphrase(FAST, "a2", "correct horse", &salt, &wrapped).is_err());
    }

    #[test]
    fn session_token_round_trips_and_unwraps_only_with_its_secret() {
        let token = SessionToken::generate();
        let parsed = SessionToken::parse(&token.encode()).unwrap();
        assert_eq!(parsed.lookup_hash(), token.lookup_hash());
        let key = DataKey::generate();
        let wrapped = wrap_with_session(&token, &key).unwrap();
        assert_eq!(unwrap_with_session(&parsed, &wrapped).unwrap().0, key.0);
        let stranger = SessionToken::generate();
        assert!(unwrap_with_session(&stranger, &wrapped).is_err());
        assert!(SessionToken::parse("garbage").is_none());
        assert!(SessionToken::parse("a.b").is_none());
        assert_ne!(token.csrf_token(), stranger.csrf_token());
        assert_eq!(token.csrf_token(), parsed.csrf_token());
    }

    #[test]
    fn passphrase_hash_verifies_only_the_same_passphrase() {
        let h = hash_passphrase(FAST, "a long passphrase").unwrap();
        assert!(verify_passphrase(&h, "a long passphrase"));
        assert!(!verify_passphrase(&h, "a long passphrasf"));
        assert!(!verify_passphrase(&PassphraseHash("nonsense".into()), "x"));
    }
}
