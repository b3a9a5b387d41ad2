//! Encryption at rest for a person's records.
//!
//! Every account has a random 256-bit *data key*. Records are sealed with
//! XChaCha20-Poly1305 under that key, with associated data that binds the
//! ciphertext to its account, record id and kind, so a row cannot be moved
//! to another account or disguised as another record.
//!
//! The data key is never stored in the clear. It is stored *wrapped* three ways:
//! - under a key derived from the passphrase with Argon2id;
//! - under a key derived from the recovery code (shown once at sign-up);
//! - per session, under a key derived from a random secret that lives only in
//!   the person's cookie. The database holds only a hash of the session id, so a
//!   copy of the database is not enough to unwrap any of them.

mod aead;
mod keys;
mod recovery;

pub use keys::{
    DataKey, KdfParams, PassphraseHash, SessionToken, WrappedKey, hash_passphrase, open_record,
    seal_record, submission_tag, unwrap_with_passphrase, unwrap_with_session, verify_passphrase,
    wrap_with_passphrase, wrap_with_session,
};
pub use recovery::{RecoveryCode, unwrap_with_recovery, wrap_with_recovery};

/// Errors from the vault. Deliberately vague: a wrong key and a tampered
/// ciphertext look the same to the caller, and neither reveals anything.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VaultError {
    #[error("the key does not open this data")]
    WrongKey,
    #[error("the stored key material is malformed")]
    Malformed,
    #[error("key derivation failed")]
    Kdf,
}
