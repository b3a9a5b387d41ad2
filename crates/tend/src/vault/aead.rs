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
//!
//! One thing given up: ring offers no way to wipe a key, so the per-record
//! subkey inside its `LessSafeKey` is left in memory when dropped (the copy
//! made here is wiped). It opens only the one record or wrapped key its nonce
//! belongs to, and the data key it was derived from is in memory at the same
//! time anyway; `DataKey` itself is still wiped on drop.

use chacha20::cipher::consts::{U10, U32};
use chacha20::cipher::generic_array::GenericArray;
use rand::RngCore;
use rand::rngs::OsRng;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use zeroize::Zeroize;

use super::VaultError;

pub const KEY_LEN: usize = 32;
pub const NONCE_LEN: usize = 24;
pub const TAG_LEN: usize = 16;

/// HChaCha20 (the draft's section 2.2): 20 rounds, that is 10 double rounds.
fn hchacha20(key: &[u8; KEY_LEN], input: &[u8]) -> GenericArray<u8, U32> {
    chacha20::hchacha::<U10>(
        GenericArray::from_slice(key),
        GenericArray::from_slice(input),
    )
}

/// The ChaCha20-Poly1305 key and 12-byte nonce for one long nonce.
fn subkey(key: &[u8; KEY_LEN], nonce: &[u8]) -> Result<(LessSafeKey, Nonce), VaultError> {
    let (head, tail) = nonce.split_at(16);
    let mut sub = hchacha20(key, head);
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

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// draft-irtf-cfrg-xchacha-03, section 2.2.1: the HChaCha20 test vector.
    #[test]
    fn hchacha20_gives_the_drafts_subkey() {
        let key: [u8; 32] = std::array::from_fn(|i| i as u8);
        let input = hex("000000090000004a0000000031415927");
        assert_eq!(
            hchacha20(&key, &input).as_slice(),
            hex("82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc")
        );
    }

    /// draft-irtf-cfrg-xchacha-03, appendix A.3.1: the AEAD test vector, as
    /// `nonce || ciphertext || tag`.
    #[test]
    fn seals_the_drafts_example_to_its_ciphertext_and_tag() {
        let key: [u8; 32] = std::array::from_fn(|i| 0x80 + i as u8);
        let nonce: [u8; 24] = std::array::from_fn(|i| 0x40 + i as u8);
        let aad = hex("50515253c0c1c2c3c4c5c6c7");
        let plaintext = b"Ladies and Gentlemen of the class of '99: If I could offer you \
            only one tip for the future, sunscreen would be it.";
        let expected = [
            nonce.to_vec(),
            hex(concat!(
                "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb",
                "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452",
                "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9",
                "21f9664c97637da9768812f615c68b13b52e",
            )),
            hex("c0875924c1c7987947deafd8780acf49"),
        ]
        .concat();
        assert_eq!(
            seal_with_nonce(&key, &nonce, plaintext, &aad).unwrap(),
            expected
        );
        assert_eq!(open(&key, &expected, &aad).unwrap(), plaintext);
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
            assert_eq!(
                ours, theirs,
                "length {len}, key {key:02x?}, nonce {nonce:02x?}"
            );
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
