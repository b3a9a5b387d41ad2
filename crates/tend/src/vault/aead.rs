//! XChaCha20-Poly1305, the one cipher the vault seals with, as the IETF draft
//! defines it (draft-irtf-cfrg-xchacha-03, section 2.3): HChaCha20 turns the
//! key and the first 16 bytes of the 24-byte nonce into a subkey, and
//! ChaCha20-Poly1305 (RFC 8439) runs under that subkey with a 12-byte nonce of
//! four zero bytes and the last 8 bytes of the long one.
//!
//! Why not the `chacha20poly1305` crate's `XChaCha20Poly1305`, which sealed
//! every record before this module and which the tests below check this
//! against byte for byte: opening a 140-byte record took it 1.9 µs on this
//! project's machines, most of it in setting up and finishing its AVX2
//! Poly1305 (built for long messages), and Today opens about a dozen records.
//! ring's ChaCha20-Poly1305 (BoringSSL's assembly; ring is already linked for
//! TLS) with the `chacha20` crate's HChaCha20 takes 0.36 µs
//! (docs/benchmarks.md, "Opening records with ring"). The sealed format is
//! unchanged: `nonce || ciphertext || tag`.

use chacha20::cipher::consts::U10;
use chacha20::cipher::generic_array::GenericArray;
use rand::RngCore;
use rand::rngs::OsRng;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use zeroize::Zeroize;

use super::VaultError;

pub const KEY_LEN: usize = 32;
pub const NONCE_LEN: usize = 24;
pub const TAG_LEN: usize = 16;

/// The ChaCha20-Poly1305 key and 12-byte nonce for one long nonce.
fn subkey(key: &[u8; KEY_LEN], nonce: &[u8]) -> Result<(LessSafeKey, Nonce), VaultError> {
    let (head, tail) = nonce.split_at(16);
    // HChaCha20 with 10 double rounds: XChaCha20's.
    let mut sub = chacha20::hchacha::<U10>(
        GenericArray::from_slice(key),
        GenericArray::from_slice(head),
    );
    let unbound = UnboundKey::new(&CHACHA20_POLY1305, &sub);
    sub.zeroize();
    let key = LessSafeKey::new(unbound.map_err(|_| VaultError::Malformed)?);
    let mut short = [0u8; 12];
    short[4..].copy_from_slice(tail);
    Ok((key, Nonce::assume_unique_for_key(short)))
}

/// Seals `plaintext` under a fresh random nonce: `nonce || ciphertext || tag`.
pub fn seal(key: &[u8; KEY_LEN], plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, VaultError> {
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    seal_with_nonce(key, &nonce, plaintext, aad)
}

fn seal_with_nonce(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    plaintext: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>, VaultError> {
    let (key, short) = subkey(key, nonce)?;
    let mut out = Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN);
    out.extend_from_slice(nonce);
    out.extend_from_slice(plaintext);
    let tag = key
        .seal_in_place_separate_tag(short, Aad::from(aad), &mut out[NONCE_LEN..])
        .map_err(|_| VaultError::Malformed)?;
    out.extend_from_slice(tag.as_ref());
    Ok(out)
}

/// Opens `nonce || ciphertext || tag`. A wrong key, wrong associated data and
/// a changed byte all give [`VaultError::WrongKey`]; too short to hold a nonce
/// and a tag gives [`VaultError::Malformed`].
pub fn open(key: &[u8; KEY_LEN], sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, VaultError> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(VaultError::Malformed);
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let (key, short) = subkey(key, nonce)?;
    let mut buf = body.to_vec();
    let len = key
        .open_in_place(short, Aad::from(aad), &mut buf)
        .map_err(|_| VaultError::WrongKey)?
        .len();
    buf.truncate(len);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    use chacha20poly1305::{XChaCha20Poly1305, XNonce};

    /// The RustCrypto implementation, which sealed every record written
    /// before this module: both must read each other's output.
    fn reference_seal(key: &[u8; 32], nonce: &[u8; 24], msg: &[u8], aad: &[u8]) -> Vec<u8> {
        let ct = XChaCha20Poly1305::new(key.into())
            .encrypt(XNonce::from_slice(nonce), Payload { msg, aad })
            .expect("reference seals");
        [nonce.as_slice(), &ct].concat()
    }

    fn reference_open(key: &[u8; 32], sealed: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        XChaCha20Poly1305::new(key.into())
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad })
            .ok()
    }

    #[test]
    fn matches_the_reference_byte_for_byte_at_every_length() {
        let mut key = [0u8; 32];
        let mut nonce = [0u8; 24];
        for len in (0..300).chain([1023, 1024, 1025, 65_537]) {
            OsRng.fill_bytes(&mut key);
            OsRng.fill_bytes(&mut nonce);
            let msg: Vec<u8> = (0..len).map(|i| (i * 31 + len) as u8).collect();
            let aad = format!("tend-record-v1\0account\0record-{len}\0checkin");
            let ours = seal_with_nonce(&key, &nonce, &msg, aad.as_bytes()).unwrap();
            let theirs = reference_seal(&key, &nonce, &msg, aad.as_bytes());
            assert_eq!(ours, theirs, "length {len}");
            assert_eq!(open(&key, &theirs, aad.as_bytes()).unwrap(), msg);
            assert_eq!(reference_open(&key, &ours, aad.as_bytes()).unwrap(), msg);
        }
    }

    #[test]
    fn refuses_a_wrong_key_wrong_data_or_any_changed_byte() {
        let key = [7u8; 32];
        let sealed = seal(&key, b"a hard day on the ward", b"bound").unwrap();
        assert_eq!(
            open(&[8u8; 32], &sealed, b"bound"),
            Err(VaultError::WrongKey)
        );
        assert_eq!(open(&key, &sealed, b"other"), Err(VaultError::WrongKey));
        for i in 0..sealed.len() {
            let mut changed = sealed.clone();
            changed[i] ^= 0x01;
            assert_eq!(
                open(&key, &changed, b"bound"),
                Err(VaultError::WrongKey),
                "byte {i}"
            );
        }
        assert_eq!(
            open(&key, &sealed[..NONCE_LEN + TAG_LEN - 1], b"bound"),
            Err(VaultError::Malformed)
        );
        assert_eq!(
            open(&key, &sealed, b"bound").unwrap(),
            b"a hard day on the ward"
        );
    }

    #[test]
    fn every_seal_takes_a_fresh_nonce() {
        let key = [1u8; 32];
        let a = seal(&key, b"same", b"").unwrap();
        let b = seal(&key, b"same", b"").unwrap();
        assert_ne!(a[..NONCE_LEN], b[..NONCE_LEN]);
        assert_ne!(a, b);
    }
}
