//! The learned layer: a multinomial logistic regression over the words of a
//! sentence, its word pairs and the rules that fired in it.
//!
//! The rules are precise on the short first-person self-talk they were written
//! for but know only the phrasings someone thought of. The model generalises
//! from examples to other wordings (and to distortions about other people),
//! and weighs the rules' own evidence against the rest of the sentence, so it
//! can also overrule a weak rule on a sentence that reads as ordinary.
//!
//! Every number in `data/model.txt` comes from `tend-detector train` (see
//! `train.rs`) on the allowed data: the MIT synthetic set and the project's own
//! sentences. The file is plain text (one feature per line) so a reader can see
//! why a word counts, and each prediction is explained by the span of words
//! that contributed most to it.

use std::collections::HashMap;

use crate::pattern::Pattern;
use crate::text::Token;

/// The embedded model (see `data/model.txt`).
pub const MODEL_SOURCE: &str = include_str!("../data/model.txt");

/// Classes: 0 is "no distortion", `1 + p as usize` is pattern `p`.
pub(crate) const N_CLASSES: usize = 1 + Pattern::ALL.len();

/// The class label written in the model file.
pub(crate) fn class_name(class: usize) -> &'static str {
    match class {
        0 => "none",
        c => Pattern::ALL[c - 1].id(),
    }
}

/// What the rules found in one sentence, in the form the model reads.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RuleEvidence {
    /// Noisy-or confidence per pattern, before softening.
    pub pattern: [f32; 13],
    /// Token span (first, last) of the strongest rule per pattern.
    pub span: [Option<(usize, usize)>; 13],
    /// Noisy-or of the self-critical rules.
    pub critic: f32,
    /// 1 − product of (1 − w) over kind self-talk rules.
    pub kind: f32,
    /// 1 − product of (1 − w) over concrete-reason rules.
    pub reason: f32,
}

/// Visit every feature of a sentence: its name in parts (joined with one space
/// they give the name in the model file), the token span it covers and its value.
///
/// The same walk serves training (which joins the parts into names) and
/// prediction (which hashes them), so the two can never disagree.
pub(crate) fn visit_features(
    toks: &[Token],
    rules: &RuleEvidence,
    mut f: impl FnMut(&[&str], Option<(usize, usize)>, f32),
) {
    let mut prev = "<s>";
    for (i, t) in toks.iter().enumerate() {
        f(&["w", &t.norm], Some((i, i)), 1.0);
        f(&["b", prev, &t.norm], Some((i.saturating_sub(1), i)), 1.0);
        prev = &t.norm;
    }
    if let Some(last) = toks.len().checked_sub(1) {
        f(&["b", prev, "</s>"], Some((last, last)), 1.0);
    }
    for p in Pattern::ALL {
        let v = rules.pattern[p as usize];
        if v > 0.0 {
            f(&["r", p.id()], rules.span[p as usize], v);
        }
    }
    for (name, v) in [
        ("critic", rules.critic),
        ("kind", rules.kind),
        ("reason", rules.reason),
    ] {
        if v > 0.0 {
            f(&["r", name], None, v);
        }
    }
}

/// 64-bit FNV-1a over the parts joined with single spaces.
pub(crate) fn feature_hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h ^= u64::from(b' ');
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        for &b in part.as_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// The model's reading of one sentence.
#[derive(Debug, Clone)]
pub(crate) struct Prediction {
    /// Class probabilities (index 0: no distortion).
    pub probs: [f32; N_CLASSES],
    /// Evidence for each class over "none", per token (for the span).
    contributions: Vec<[f32; N_CLASSES]>,
    /// Whether the model has a weight for the word itself, per token.
    known: Vec<bool>,
}

impl Prediction {
    /// Probability that the sentence shows some unhelpful pattern.
    pub fn distorted(&self) -> f32 {
        1.0 - self.probs[0]
    }

    /// The most probable pattern and its probability.
    pub fn top_pattern(&self) -> (Pattern, f32) {
        let (c, p) = self
            .probs
            .iter()
            .enumerate()
            .skip(1)
            .fold(
                (1, f32::MIN),
                |best, (c, &p)| {
                    if p > best.1 { (c, p) } else { best }
                },
            );
        (Pattern::ALL[c - 1], p)
    }

    /// Token range (first, last) of at most `max_len` tokens with the most
    /// evidence for `pattern`, counting only spans in which some token for
    /// which `counts(index)` holds speaks for it (the detector requires a
    /// content word); `None` when there is no such span.
    pub fn evidence_span(
        &self,
        pattern: Pattern,
        max_len: usize,
        counts: impl Fn(usize) -> bool,
    ) -> Option<(usize, usize)> {
        let c = 1 + pattern as usize;
        let mut best: Option<(f32, usize, usize)> = None;
        for a in 0..self.contributions.len() {
            let mut sum = 0.0f32;
            let mut meaningful = false;
            for b in a..self.contributions.len().min(a + max_len) {
                sum += self.contributions[b][c];
                meaningful |= self.contributions[b][c] > 0.0 && counts(b);
                if meaningful && sum > 0.0 && best.is_none_or(|(s, _, _)| sum > s) {
                    best = Some((sum, a, b));
                }
            }
        }
        // Trim words at either end that argue against the pattern.
        best.map(|(_, mut a, mut b)| {
            while a < b && self.contributions[a][c] <= 0.0 {
                a += 1;
            }
            while b > a && self.contributions[b][c] <= 0.0 {
                b -= 1;
            }
            // A word the model has never seen right after the span ("is a
            // complete parasite") is usually what the span is about; show it.
            for _ in 0..2 {
                if b + 1 < self.known.len() && !self.known[b + 1] {
                    b += 1;
                } else {
                    break;
                }
            }
            (a, b)
        })
    }
}

/// Words that carry grammar rather than meaning. A span made only of these
/// ("he was", "it is a") explains nothing, so the model does not speak on it.
/// Words that often carry a pattern (always, never, everyone, should, must,
/// not, nothing, …) are deliberately not in this list.
const FUNCTION_WORDS: &[&str] = &[
    "a", "about", "after", "all", "am", "an", "and", "any", "are", "as", "at", "be", "been",
    "before", "being", "but", "by", "can", "could", "did", "do", "does", "for", "from", "had",
    "has", "have", "he", "her", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its",
    "just", "me", "my", "of", "on", "or", "our", "out", "she", "so", "some", "than", "that", "the",
    "their", "them", "then", "there", "they", "this", "to", "up", "us", "was", "we", "were",
    "what", "when", "where", "which", "who", "will", "with", "would", "you", "your",
];

/// Whether a normalised token carries meaning (is not a function word).
pub(crate) fn is_content_word(norm: &str) -> bool {
    !FUNCTION_WORDS.contains(&norm)
}

/// Weights read from the model file.
#[derive(Debug, Default)]
pub(crate) struct Model {
    bias: [f32; N_CLASSES],
    index: HashMap<u64, u32>,
    weights: Vec<[f32; N_CLASSES]>,
}

impl Model {
    /// Parse the model file: `#` comments, a `classes` line, a `bias` line and
    /// one `name<TAB>w0 w1 …` line per feature.
    pub fn parse(src: &str) -> Result<Model, String> {
        let mut model = Model::default();
        let mut saw_classes = false;
        for (n, line) in src.lines().enumerate() {
            let line_no = n + 1;
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, values) = line
                .split_once('\t')
                .ok_or_else(|| format!("model line {line_no}: expected name<TAB>values"))?;
            if name == "classes" {
                let names: Vec<&str> = values.split(' ').collect();
                let expected: Vec<&str> = (0..N_CLASSES).map(class_name).collect();
                if names != expected {
                    return Err(format!(
                        "model line {line_no}: classes {names:?} differ from {expected:?}"
                    ));
                }
                saw_classes = true;
                continue;
            }
            let mut w = [0.0f32; N_CLASSES];
            let mut count = 0;
            for (i, v) in values.split(' ').enumerate() {
                if i >= N_CLASSES {
                    return Err(format!("model line {line_no}: too many values"));
                }
                w[i] = v
                    .parse()
                    .map_err(|_| format!("model line {line_no}: {v:?} is not a number"))?;
                count += 1;
            }
            if count != N_CLASSES {
                return Err(format!(
                    "model line {line_no}: expected {N_CLASSES} values, got {count}"
                ));
            }
            if name == "bias" {
                model.bias = w;
            } else {
                let parts: Vec<&str> = name.split(' ').collect();
                let h = feature_hash(&parts);
                let idx = model.weights.len() as u32;
                if model.index.insert(h, idx).is_some() {
                    return Err(format!("model line {line_no}: feature {name:?} twice"));
                }
                model.weights.push(w);
            }
        }
        if !saw_classes {
            return Err("model has no classes line".to_string());
        }
        Ok(model)
    }

    /// Number of features with weights.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// Read one sentence.
    pub fn predict(&self, toks: &[Token], rules: &RuleEvidence) -> Prediction {
        let mut logits = self.bias;
        let mut contributions = vec![[0.0f32; N_CLASSES]; toks.len()];
        let mut known = vec![false; toks.len()];
        visit_features(toks, rules, |parts, span, value| {
            let Some(&idx) = self.index.get(&feature_hash(parts)) else {
                return;
            };
            if let (["w", _], Some((i, _))) = (parts, span) {
                known[i] = true;
            }
            let w = &self.weights[idx as usize];
            for (l, wc) in logits.iter_mut().zip(w) {
                *l += value * wc;
            }
            if let Some((a, b)) = span {
                let share = value / (b + 1 - a) as f32;
                for tok in contributions.iter_mut().take(b + 1).skip(a) {
                    for c in 1..N_CLASSES {
                        tok[c] += share * (w[c] - w[0]);
                    }
                }
            }
        });
        Prediction {
            probs: softmax(&logits),
            contributions,
            known,
        }
    }
}

pub(crate) fn softmax(logits: &[f32; N_CLASSES]) -> [f32; N_CLASSES] {
    let max = logits.iter().copied().fold(f32::MIN, f32::max);
    let mut out = [0.0f32; N_CLASSES];
    let mut sum = 0.0f32;
    for (o, &l) in out.iter_mut().zip(logits) {
        *o = (l - max).exp();
        sum += *o;
    }
    for o in &mut out {
        *o /= sum;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_model_parses_and_has_weights() {
        let m = Model::parse(MODEL_SOURCE).unwrap();
        assert!(m.len() > 100, "only {} features", m.len());
    }

    #[test]
    fn hash_matches_joined_name() {
        assert_eq!(
            feature_hash(&["b", "i", "am"]),
            feature_hash(&["b i", "am"])
        );
        assert_ne!(feature_hash(&["w", "am"]), feature_hash(&["w", "i"]));
    }

    #[test]
    fn rejects_malformed_files() {
        assert!(Model::parse("bias\t0 0").is_err());
        let classes: Vec<&str> = (0..N_CLASSES).map(class_name).collect();
        let header = format!("classes\t{}\n", classes.join(" "));
        let zeros = vec!["0"; N_CLASSES].join(" ");
        assert!(Model::parse(&format!("{header}w x\t{zeros}\nw x\t{zeros}\n")).is_err());
        assert!(Model::parse(&format!("{header}w x\tone two\n")).is_err());
        let m = Model::parse(&format!("{header}bias\t{zeros}\nw x\t{zeros}\n")).unwrap();
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn evidence_span_covers_the_words_that_count() {
        let classes: Vec<&str> = (0..N_CLASSES).map(class_name).collect();
        let mut w = vec!["0"; N_CLASSES];
        w[1 + Pattern::Labeling as usize] = "2";
        let zeros = vec!["0"; N_CLASSES].join(" ");
        let mut src = format!("classes\t{}\nw idiot\t{}\n", classes.join(" "), w.join(" "));
        for known in ["honestly", "i", "am", "an", "today"] {
            src.push_str(&format!("w {known}\t{zeros}\n"));
        }
        let m = Model::parse(&src).unwrap();
        let span_of = |text: &str, counts: &dyn Fn(&str) -> bool| {
            let toks = crate::text::tokens(text, 0, text.len());
            let p = m.predict(&toks, &RuleEvidence::default());
            assert_eq!(p.top_pattern().0, Pattern::Labeling);
            p.evidence_span(Pattern::Labeling, 6, |i| counts(&toks[i].norm))
                .map(|(a, b)| text[toks[a].start..toks[b].end].to_string())
        };
        let any = |_: &str| true;
        assert_eq!(
            span_of("honestly I am an idiot today", &any).as_deref(),
            Some("idiot")
        );
        // A word the model has never seen right after the span is shown with it.
        assert_eq!(
            span_of("I am an idiot zorblax", &any).as_deref(),
            Some("idiot zorblax")
        );
        // When the one word with evidence may not count, there is no span.
        let not_idiot = |w: &str| w != "idiot";
        assert_eq!(span_of("honestly I am an idiot today", &not_idiot), None);
    }
}
