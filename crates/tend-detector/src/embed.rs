//! Static sentence embeddings: a word-piece table distilled from
//! all-MiniLM-L6-v2 (see `data/embeddings/NOTICE` and
//! `scripts/distill-embeddings.py`), read with the BERT uncased tokenizer.
//!
//! A text's embedding is the mean of the table rows of its word pieces,
//! L2-normalised, as model2vec computes it. No transformer runs here: every
//! vocabulary token was embedded once, offline, so embedding a sentence is a
//! few hundred additions per word piece. The tokenizer (basic BERT splitting
//! and greedy WordPiece over the shipped `vocab.txt`) is checked against the
//! original Python tokenizer's output on a committed fixture.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

/// Dimensions of the table.
pub(crate) const DIMS: usize = 256;

const TABLE_BYTES: &[u8] = include_bytes!("../data/embeddings/minilm-static.bin");
const VOCAB: &str = include_str!("../data/embeddings/vocab.txt");
const MAGIC: &[u8; 8] = b"TENDEMB1";
/// BERT's limit: a longer "word" is one unknown piece.
const MAX_CHARS_PER_WORD: usize = 100;

/// Word pieces by the 64-bit FNV-1a hash of their text (with the `##` of a
/// word-inner piece), so a lookup hashes the bytes once and allocates
/// nothing. The parser refuses a vocabulary with colliding hashes.
type Vocab = HashMap<u64, u32, BuildHasherDefault<PassThrough>>;

/// The keys are already well-mixed hashes: pass them through.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// The hash of a piece: `inner` pieces are looked up as `##` + text.
fn piece_hash(text: &str, inner: bool) -> u64 {
    let h = if inner {
        fnv(FNV_OFFSET, b"##")
    } else {
        FNV_OFFSET
    };
    fnv(h, text.as_bytes())
}

/// The table and the vocabulary, parsed on first use (a few milliseconds:
/// the rows themselves are read in place from the embedded bytes).
struct Table {
    vocab: Vocab,
    unk: Option<u32>,
    scales: Vec<f32>,
    /// Offset of the int8 rows in `TABLE_BYTES`.
    rows_at: usize,
}

static TABLE: LazyLock<Option<Table>> = LazyLock::new(|| Table::parse(TABLE_BYTES, VOCAB));

impl Table {
    fn parse(bytes: &'static [u8], vocab: &'static str) -> Option<Table> {
        let header = bytes.get(..16)?;
        if &header[..8] != MAGIC {
            return None;
        }
        let rows = u32::from_le_bytes(header[8..12].try_into().ok()?) as usize;
        let dims = u32::from_le_bytes(header[12..16].try_into().ok()?) as usize;
        let rows_at = 16 + 4 * rows;
        if dims != DIMS || bytes.len() != rows_at + rows * dims {
            return None;
        }
        let scales = bytes[16..rows_at]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let vocab: Vocab = vocab
            .lines()
            .enumerate()
            .map(|(i, t)| (piece_hash(t, false), i as u32))
            .collect();
        if vocab.len() != rows {
            // A collision (or a repeated line): refuse rather than misread.
            return None;
        }
        let unk = vocab.get(&piece_hash("[UNK]", false)).copied();
        Some(Table {
            vocab,
            unk,
            scales,
            rows_at,
        })
    }

    fn add_row(&self, id: u32, acc: &mut [f32; DIMS]) {
        let at = self.rows_at + id as usize * DIMS;
        let scale = self.scales[id as usize];
        for (a, &q) in acc.iter_mut().zip(&TABLE_BYTES[at..at + DIMS]) {
            *a += scale * f32::from(q as i8);
        }
    }
}

/// Whether the embedded table loaded (it always should; a unit test checks).
pub(crate) fn available() -> bool {
    TABLE.is_some()
}

/// The mean of the word-piece rows of `text`, L2-normalised; all zeros for a
/// text without known pieces (or if the table failed to load).
pub(crate) fn embed(text: &str) -> [f32; DIMS] {
    let mut acc = [0.0f32; DIMS];
    let Some(table) = TABLE.as_ref() else {
        return acc;
    };
    for_each_piece(text, &table.vocab, table.unk, |id| {
        if Some(id) != table.unk {
            table.add_row(id, &mut acc);
        }
    });
    // Mean then normalise is normalising the sum.
    let norm = acc.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for a in &mut acc {
            *a /= norm;
        }
    }
    acc
}

/// The word pieces of `text` as strings (for the tokenizer test).
#[cfg(test)]
pub(crate) fn pieces(text: &str) -> Vec<&'static str> {
    let table = TABLE.as_ref().expect("table loads");
    let by_id: Vec<&'static str> = VOCAB.lines().collect();
    assert_eq!(by_id.len(), table.scales.len());
    let mut out = Vec::new();
    for_each_piece(text, &table.vocab, table.unk, |id| {
        out.push(by_id[id as usize])
    });
    out
}

fn is_control(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r');
    }
    c.general_category_group() == GeneralCategoryGroup::Other
}

fn is_whitespace(c: char) -> bool {
    c.is_whitespace()
}

fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation() || c.general_category_group() == GeneralCategoryGroup::Punctuation
}

/// The CJK ideograph blocks BERT splits into single characters.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F | 0x2B820..=0x2CEAF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F)
}

/// BERT uncased: drop control characters, isolate CJK ideographs, strip
/// accents (NFD without non-spacing marks), lower-case, split on white space
/// and punctuation; then greedy longest-match WordPiece with `##` for
/// word-inner pieces. Calls `f` with each piece's id (the unknown id for a
/// word that cannot be split).
fn for_each_piece(text: &str, vocab: &Vocab, unk: Option<u32>, mut f: impl FnMut(u32)) {
    let mut word = String::new();
    let flush = |word: &mut String, f: &mut dyn FnMut(u32)| {
        if !word.is_empty() {
            wordpiece(word, vocab, unk, f);
            word.clear();
        }
    };
    for c in text.chars() {
        if c == '\0' || c == '\u{fffd}' || is_control(c) {
            continue;
        }
        if is_whitespace(c) {
            flush(&mut word, &mut f);
            continue;
        }
        if c.is_ascii() {
            // Fast path: no accents to strip, ASCII punctuation only.
            let l = c.to_ascii_lowercase();
            if l.is_ascii_punctuation() {
                flush(&mut word, &mut f);
                word.push(l);
                flush(&mut word, &mut f);
            } else {
                word.push(l);
            }
            continue;
        }
        if is_cjk(c) {
            flush(&mut word, &mut f);
            word.push(c);
            flush(&mut word, &mut f);
            continue;
        }
        for d in c.nfd() {
            if d.general_category() == GeneralCategory::NonspacingMark {
                continue;
            }
            for l in d.to_lowercase() {
                if is_punctuation(l) {
                    flush(&mut word, &mut f);
                    word.push(l);
                    flush(&mut word, &mut f);
                } else {
                    word.push(l);
                }
            }
        }
    }
    flush(&mut word, &mut f);
}

fn wordpiece(word: &str, vocab: &Vocab, unk: Option<u32>, f: &mut dyn FnMut(u32)) {
    let unknown = |f: &mut dyn FnMut(u32)| {
        if let Some(u) = unk {
            f(u);
        }
    };
    if word.chars().count() > MAX_CHARS_PER_WORD {
        unknown(f);
        return;
    }
    // Most words are one piece: look the whole word up first.
    if let Some(&id) = vocab.get(&piece_hash(word, false)) {
        f(id);
        return;
    }
    let mut ids = Vec::new();
    let mut start = 0;
    while start < word.len() {
        let mut end = word.len();
        let mut found = None;
        while end > start {
            if let Some(&id) = vocab.get(&piece_hash(&word[start..end], start > 0)) {
                found = Some(id);
                break;
            }
            // Step back one character.
            end = word[..end]
                .char_indices()
                .next_back()
                .map_or(start, |(i, _)| i);
        }
        match found {
            Some(id) => {
                ids.push(id);
                start = end;
            }
            None => {
                unknown(f);
                return;
            }
        }
    }
    for id in ids {
        f(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = include_str!("../data/embeddings/tokenizer-fixture.tsv");
    const REFERENCE: &str = include_str!("../data/embeddings/reference-embeddings.json");

    #[test]
    fn table_loads() {
        assert!(available());
    }

    #[test]
    fn shipped_files_are_the_ones_the_distill_script_recorded() {
        use sha2::{Digest, Sha256};
        let sums = include_str!("../data/embeddings/SHA256SUMS");
        let files: [(&str, &[u8]); 4] = [
            ("minilm-static.bin", TABLE_BYTES),
            ("vocab.txt", VOCAB.as_bytes()),
            ("tokenizer-fixture.tsv", FIXTURE.as_bytes()),
            ("reference-embeddings.json", REFERENCE.as_bytes()),
        ];
        for (name, bytes) in files {
            let want = sums
                .lines()
                .find_map(|l| l.strip_suffix(name)?.strip_suffix("  "))
                .unwrap_or_else(|| panic!("{name} not in SHA256SUMS"));
            let got: String = Sha256::digest(bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(got, want, "{name} differs from SHA256SUMS");
        }
    }

    #[test]
    fn tokenizer_matches_the_python_bert_tokenizer() {
        let mut n = 0;
        for line in FIXTURE.lines() {
            let (text, want) = line.split_once('\t').expect("fixture line has a tab");
            let want: Vec<&str> = want.split(' ').filter(|s| !s.is_empty()).collect();
            assert_eq!(pieces(text), want, "{text:?}");
            n += 1;
        }
        assert!(n >= 200, "only {n} fixture lines");
    }

    #[test]
    fn embedding_matches_model2vec() {
        let refs: Vec<Vec<f32>> = serde_json::from_str(REFERENCE).expect("reference parses");
        for (line, want) in FIXTURE.lines().zip(&refs) {
            let text = line.split_once('\t').map_or(line, |(t, _)| t);
            let got = embed(text);
            let cos: f32 = got.iter().zip(want).map(|(a, b)| a * b).sum();
            // int8 rows: the direction is kept to well within 1%.
            assert!(cos > 0.995, "{text:?}: cosine {cos}");
        }
    }

    #[test]
    fn similar_sentences_are_closer_than_unrelated_ones() {
        let a = embed("I am a complete failure");
        let b = embed("I'm such a loser at everything");
        let c = embed("The train leaves at nine tomorrow");
        let dot =
            |x: &[f32; DIMS], y: &[f32; DIMS]| x.iter().zip(y).map(|(p, q)| p * q).sum::<f32>();
        assert!(dot(&a, &b) > dot(&a, &c) + 0.1);
        assert_eq!(embed("").iter().copied().fold(0.0f32, f32::max), 0.0);
    }
}
