use std::sync::Mutex;

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::VaultError;

use super::aead::{self, KEY_LEN};
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

/// Argon2's working memory (19 MiB at the default cost), kept between runs.
///
/// The argon2 crate allocates it afresh for every run and frees it after. With
/// glibc's allocator that cost gigabytes: after the first 19 MiB block is
/// freed, glibc raises its mmap threshold above 19 MiB, so every later run is
/// carved out of the calling thread's malloc arena (up to 8 per core), and
/// each arena keeps what was freed. A burst of 200 sign-ups, at most two
/// Argon2 runs at a time, left tend at 3.2 GB (docs/benchmarks.md, "Peak
/// memory"). Reusing the blocks means they are allocated at most once per
/// concurrent run, ever: peak memory is the number of runs at once times the
/// memory cost, whatever the allocator does.
static SCRATCH: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// How many blocks of working memory are kept for reuse: one per core, as
/// many as `service::blocking` lets run at once.
fn scratch_kept() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Runs `f` on `blocks` blocks of Argon2 working memory, reused if a free
/// one of that size is kept, and wiped before it is kept again.
fn with_scratch<T>(blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
    let kept = SCRATCH.lock().ok().and_then(|mut v| {
        let i = v.iter().position(|b| b.len() == blocks)?;
        Some(v.swap_remove(i))
    });
    let mut memory = kept.unwrap_or_else(|| vec![Block::default(); blocks]);
    let out = f(&mut memory);
    // The blocks hold values derived from the passphrase: wipe them rather
    // than leave them until the next run.
    memory.fill(Block::default());
    if let Ok(mut v) = SCRATCH.lock()
        && v.len() < scratch_kept()
    {
        v.push(memory);
    }
    out
}

/// Argon2 of `secret` and `salt` into `out`, on reused working memory.
fn argon2_into(
    argon2: &Argon2<'_>,
    params: &Params,
    secret: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), VaultError> {
    with_scratch(params.block_count(), |memory| {
        argon2
            .hash_password_into_with_memory(secret, salt, out, memory)
            .map_err(|_| VaultError::Kdf)
    })
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
}

/// A data key sealed under some other key: `nonce || ciphertext || tag`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey(pub Vec<u8>);

pub(super) fn wrap_key(
    kek: &[u8; KEY_LEN],
    key: &DataKey,
    aad: &[u8],
) -> Result<WrappedKey, VaultError> {
    aead::seal(kek, &key.0, aad).map(WrappedKey)
}

pub(super) fn unwrap_key(
    kek: &[u8; KEY_LEN],
    wrapped: &WrappedKey,
    aad: &[u8],
) -> Result<DataKey, VaultError> {
    let mut bytes = aead::open(kek, &wrapped.0, aad)?;
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
    let argon2 = params.argon2()?;
    argon2_into(&argon2, argon2.params(), secret, salt, &mut out)?;
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

/// The PHC string of Argon2id over `passphrase`, as the argon2 crate's own
/// `PasswordHasher` writes it, computed on reused working memory.
pub fn hash_passphrase(params: KdfParams, passphrase: &str) -> Result<PassphraseHash, VaultError> {
    let salt = SaltString::generate(&mut OsRng);
    let argon2 = params.argon2()?;
    let p = argon2.params();
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .map_err(|_| VaultError::Kdf)?;
    let mut out = [0u8; KEY_LEN];
    argon2_into(&argon2, p, passphrase.as_bytes(), salt_bytes, &mut out)?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(p).map_err(|_| VaultError::Kdf)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|_| VaultError::Kdf)?),
    };
    Ok(PassphraseHash(hash.to_string()))
}

pub fn verify_passphrase(hash: &PassphraseHash, passphrase: &str) -> bool {
    verify(hash, passphrase).unwrap_or(false)
}

/// Recomputes the hash with the algorithm, version and parameters the PHC
/// string names (so older hashes keep working if the defaults change) and
/// compares in constant time (`Output`'s equality).
fn verify(hash: &PassphraseHash, passphrase: &str) -> Option<bool> {
    let parsed = PasswordHash::new(&hash.0).ok()?;
    let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
    let version = parsed
        .version
        .map_or(Ok(Version::default()), Version::try_from)
        .ok()?;
    let params = Params::try_from(&parsed).ok()?;
    let (salt, expected) = (parsed.salt?, parsed.hash?);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).ok()?;
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    argon2_into(
        &argon2,
        &params,
        passphrase.as_bytes(),
        salt_bytes,
        &mut out,
    )
    .ok()?;
    let computed = Output::new(&out).ok()?;
    out.zeroize();
    Some(computed == expected)
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
    aead::seal(&key.0, plaintext, &record_aad(account_id, record_id, kind))
}

/// A tag naming one submission of a form or API call (exactly-once creation,
/// `Records::create_once`): HMAC-SHA256 under the data key (HKDF-Expand) of
/// the parts, each length-prefixed. Keyed, so the database alone cannot test
/// a guess of what was written against it.
pub fn submission_tag(key: &DataKey, parts: &[&[u8]]) -> Result<[u8; 32], VaultError> {
    let mut info = b"tend submission".to_vec();
    for part in parts {
        info.extend_from_slice(&(part.len() as u64).to_be_bytes());
        info.extend_from_slice(part);
    }
    let mut out = [0u8; 32];
    Hkdf::<Sha256>::new(None, &key.0)
        .expand(&info, &mut out)
        .map_err(|_| VaultError::Malformed)?;
    Ok(out)
}

pub fn open_record(
    key: &DataKey,
    account_id: &str,
    record_id: &str,
    kind: &str,
    sealed: &[u8],
) -> Result<Vec<u8>, VaultError> {
    aead::open(&key.0, sealed, &record_aad(account_id, record_id, kind))
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

    #[test]
    fn hashes_match_the_argon2_crates_own_phc_strings() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        // Ours verifies with the crate's verifier, and the crate's hash with ours,
        // at the default parameters too, so hashes stored before this change
        // keep working.
        for params in [FAST, KdfParams::default()] {
            let ours = hash_passphrase(params, "a long passphrase").unwrap();
            let parsed = PasswordHash::new(&ours.0).unwrap();
            assert!(
                Argon2::default()
                    .verify_password(b"a long passphrase", &parsed)
                    .is_ok()
            );
            let salt = SaltString::generate(&mut OsRng);
            let theirs = params
                .argon2()
                .unwrap()
                .hash_password(b"a long passphrase", &salt)
                .unwrap()
                .to_string();
            assert!(theirs.starts_with("$argon2id$v=19$"));
            assert!(verify_passphrase(
                &PassphraseHash(theirs.clone()),
                "a long passphrase"
            ));
            assert!(!verify_passphrase(
                &PassphraseHash(theirs),
                "another passphrase"
            ));
        }
    }

    #[test]
    fn working_memory_is_reused_and_kept_within_bounds() {
        for _ in 0..3 * scratch_kept() {
            hash_passphrase(FAST, "a long passphrase").unwrap();
        }
        let kept = SCRATCH.lock().unwrap();
        assert!(kept.len() <= scratch_kept());
        assert!(
            kept.iter()
                .flatten()
                .all(|b| b.as_ref().iter().all(|&x| x == 0))
        );
    }

    #[test]
    fn a_submission_tag_depends_on_the_key_and_every_part() {
        let (k1, k2) = (DataKey::generate(), DataKey::generate());
        let tag = |k: &DataKey, parts: &[&[u8]]| submission_tag(k, parts).unwrap();
        assert_eq!(tag(&k1, &[b"a", b"bc"]), tag(&k1, &[b"a", b"bc"]));
        assert_ne!(tag(&k1, &[b"a", b"bc"]), tag(&k2, &[b"a", b"bc"]));
        // Parts are length-prefixed: moving a boundary is another tag.
        assert_ne!(tag(&k1, &[b"a", b"bc"]), tag(&k1, &[b"ab", b"c"]));
        assert_ne!(tag(&k1, &[b"a", b"bc"]), tag(&k1, &[b"a", b"bd"]));
    }
}
