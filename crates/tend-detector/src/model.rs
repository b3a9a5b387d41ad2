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

use crate::embed::DIMS;
use crate::pattern::Pattern;
use crate::text::Token;

/// The embedded model (see `data/model.txt`).
pub const MODEL_SOURCE: &str = include_str!("../data/model.txt");

/// The embedded embedding model (see `data/embed-model.txt`): the same
/// classes over the sentence's static embedding and the rule features.
pub const EMBED_MODEL_SOURCE: &str = include_str!("../data/embed-model.txt");

/// The risk-language model's classes.
pub(crate) const RISK_CLASSES: [&str; 2] = ["none", "risk"];

/// The pattern model's classes: 0 is "no distortion", `1 + p as usize` is pattern `p`.
pub(crate) fn pattern_classes() -> Vec<&'static str> {
    std::iter::once("none")
        .chain(Pattern::ALL.iter().map(|p| p.id()))
        .collect()
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
    /// The same, over only the critic rules that name no pattern ("I
    /// embarrassed myself again"); not a model feature.
    pub critic_plain: f32,
    /// 1 − product of (1 − w) over kind self-talk rules.
    pub kind: f32,
    /// 1 − product of (1 − w) over concrete-reason rules.
    pub reason: f32,
}

impl RuleEvidence {
    /// The rules' confidence in `pattern` after the pull-downs: kind
    /// self-talk lowers every pattern, a concrete reason lowers the two
    /// patterns about the future.
    pub fn confidence(&self, pattern: Pattern) -> f32 {
        let mut c = self.pattern[pattern as usize] * (1.0 - self.kind);
        if matches!(pattern, Pattern::FortuneTelling | Pattern::Catastrophizing) {
            c *= 1.0 - self.reason;
        }
        c
    }
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
    visit_rule_features(rules, f);
}

/// Visit the rule features alone (shared by both learned models).
pub(crate) fn visit_rule_features(
    rules: &RuleEvidence,
    mut f: impl FnMut(&[&str], Option<(usize, usize)>, f32),
) {
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
    /// Class probabilities, in the model file's class order (0: "none").
    pub probs: Vec<f32>,
    /// Evidence for each class over class 0, per token (row-major, tokens × classes).
    contributions: Vec<f32>,
    /// Whether the model has a weight for the word itself, per token.
    known: Vec<bool>,
}

impl Prediction {
    /// Probability of anything but class 0 ("none").
    pub fn something(&self) -> f32 {
        1.0 - self.probs[0]
    }

    /// For the pattern model: the most probable pattern and its probability.
    pub fn top_pattern(&self) -> (Pattern, f32) {
        let (c, p) = self
            .probs
            .iter()
            .enumerate()
            .skip(1)
            .take(Pattern::ALL.len())
            .fold(
                (1, f32::MIN),
                |best, (c, &p)| {
                    if p > best.1 { (c, p) } else { best }
                },
            );
        (Pattern::ALL[c - 1], p)
    }

    fn contribution(&self, token: usize, class: usize) -> f32 {
        self.contributions[token * self.probs.len() + class]
    }

    /// Token range (first, last) of at most `max_len` tokens with the most
    /// evidence for `class`, counting only spans in which some token for
    /// which `counts(index)` holds speaks for it (the detector requires a
    /// content word); `None` when there is no such span.
    pub fn evidence_span(
        &self,
        class: usize,
        max_len: usize,
        counts: impl Fn(usize) -> bool,
    ) -> Option<(usize, usize)> {
        let n = self.known.len();
        let mut best: Option<(f32, usize, usize)> = None;
        for a in 0..n {
            let mut sum = 0.0f32;
            let mut meaningful = false;
            for b in a..n.min(a + max_len) {
                let c = self.contribution(b, class);
                sum += c;
                meaningful |= c > 0.0 && counts(b);
                if meaningful && sum > 0.0 && best.is_none_or(|(s, _, _)| sum > s) {
                    best = Some((sum, a, b));
                }
            }
        }
        // Trim words at either end that argue against the class.
        best.map(|(_, mut a, mut b)| {
            while a < b && self.contribution(a, class) <= 0.0 {
                a += 1;
            }
            while b > a && self.contribution(b, class) <= 0.0 {
                b -= 1;
            }
            // A word the model has never seen right after the span ("is a
            // complete parasite") is usually what the span is about; show it.
            for _ in 0..2 {
                if b + 1 < n && !self.known[b + 1] {
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

/// Weights read from a model file.
#[derive(Debug, Default)]
pub(crate) struct Model {
    n_classes: usize,
    bias: Vec<f32>,
    index: HashMap<u64, u32>,
    /// Row-major: features × classes.
    weights: Vec<f32>,
    /// Weights of the embedding dimensions (`e 0` … `e 255`), row-major
    /// dims × classes, when the file has them.
    dense: Option<Vec<f32>>,
}

impl Model {
    /// Parse a model file: `#` comments, a `classes` line (which must equal
    /// `expected`), a `bias` line and one `name<TAB>w0 w1 …` line per feature.
    pub fn parse(src: &str, expected: &[&str]) -> Result<Model, String> {
        let k = expected.len();
        let mut model = Model {
            n_classes: k,
            bias: vec![0.0; k],
            ..Model::default()
        };
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
                if names != expected {
                    return Err(format!(
                        "model line {line_no}: classes {names:?} differ from {expected:?}"
                    ));
                }
                saw_classes = true;
                continue;
            }
            let row: Vec<f32> = values
                .split(' ')
                .map(|v| {
                    v.parse()
                        .map_err(|_| format!("model line {line_no}: {v:?} is not a number"))
                })
                .collect::<Result<_, _>>()?;
            if row.len() != k {
                return Err(format!(
                    "model line {line_no}: expected {k} values, got {}",
                    row.len()
                ));
            }
            if name == "bias" {
                model.bias = row;
            } else {
                let parts: Vec<&str> = name.split(' ').collect();
                let idx = (model.weights.len() / k) as u32;
                if model.index.insert(feature_hash(&parts), idx).is_some() {
                    return Err(format!("model line {line_no}: feature {name:?} twice"));
                }
                model.weights.extend(row);
            }
        }
        if !saw_classes {
            return Err("model has no classes line".to_string());
        }
        // Embedding dimensions are read densely, without hashing per sentence.
        let mut dense = vec![0.0f32; DIMS * k];
        let mut any = false;
        for d in 0..DIMS {
            if let Some(&idx) = model.index.get(&feature_hash(&["e", &d.to_string()])) {
                let idx = idx as usize;
                dense[d * k..(d + 1) * k].copy_from_slice(&model.weights[idx * k..(idx + 1) * k]);
                any = true;
            }
        }
        if any {
            model.dense = Some(dense);
        }
        Ok(model)
    }

    /// Number of features with weights.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.weights.len() / self.n_classes.max(1)
    }

    /// Read one sentence.
    pub fn predict(&self, toks: &[Token], rules: &RuleEvidence) -> Prediction {
        let k = self.n_classes;
        let mut logits = self.bias.clone();
        let mut contributions = vec![0.0f32; toks.len() * k];
        let mut known = vec![false; toks.len()];
        visit_features(toks, rules, |parts, span, value| {
            let Some(&idx) = self.index.get(&feature_hash(parts)) else {
                return;
            };
            if let (["w", _], Some((i, _))) = (parts, span) {
                known[i] = true;
            }
            let w = &self.weights[idx as usize * k..(idx as usize + 1) * k];
            for (l, wc) in logits.iter_mut().zip(w) {
                *l += value * wc;
            }
            if let Some((a, b)) = span {
                let share = value / (b + 1 - a) as f32;
                for t in a..=b {
                    for c in 1..k {
                        contributions[t * k + c] += share * (w[c] - w[0]);
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

impl Model {
    /// Class probabilities from a sentence embedding and the rule features
    /// (the embedding model). The embedding's own weights are dense.
    pub fn predict_embedded(&self, emb: &[f32; DIMS], rules: &RuleEvidence) -> Vec<f32> {
        let k = self.n_classes;
        let mut logits = self.bias.clone();
        if let Some(dense) = &self.dense {
            for (x, row) in emb.iter().zip(dense.chunks_exact(k)) {
                for (l, w) in logits.iter_mut().zip(row) {
                    *l += x * w;
                }
            }
        }
        visit_rule_features(rules, |parts, _, value| {
            if let Some(&idx) = self.index.get(&feature_hash(parts)) {
                let w = &self.weights[idx as usize * k..(idx as usize + 1) * k];
                for (l, wc) in logits.iter_mut().zip(w) {
                    *l += value * wc;
                }
            }
        });
        softmax(&logits)
    }
}

/// Two readings combined as a product of experts: the average of their
/// log-probabilities, renormalised (for two classes this is the average of
/// the log-odds).
pub(crate) fn combine(a: &[f32], b: &[f32]) -> Vec<f32> {
    let logits: Vec<f32> = a
        .iter()
        .zip(b)
        .map(|(x, y)| 0.5 * (x.max(1e-12).ln() + y.max(1e-12).ln()))
        .collect();
    softmax(&logits)
}

pub(crate) fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::MIN, f32::max);
    let mut out: Vec<f32> = logits.iter().map(|&l| (l - max).exp()).collect();
    let sum: f32 = out.iter().sum();
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
        let m = Model::parse(MODEL_SOURCE, &pattern_classes()).unwrap();
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
        let classes = pattern_classes();
        assert!(Model::parse("bias\t0 0", &classes).is_err());
        let header = format!("classes\t{}\n", classes.join(" "));
        let zeros = vec!["0"; classes.len()].join(" ");
        let parse = |body: &str| Model::parse(&format!("{header}{body}"), &classes);
        assert!(parse(&format!("w x\t{zeros}\nw x\t{zeros}\n")).is_err());
        assert!(parse("w x\tone two\n").is_err());
        assert!(Model::parse(&header, &["none", "risk"]).is_err());
        let m = parse(&format!("bias\t{zeros}\nw x\t{zeros}\n")).unwrap();
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn evidence_span_covers_the_words_that_count() {
        let classes = pattern_classes();
        let mut w = vec!["0"; classes.len()];
        w[1 + Pattern::Labeling as usize] = "2";
        let zeros = vec!["0"; classes.len()].join(" ");
        let mut src = format!("classes\t{}\nw idiot\t{}\n", classes.join(" "), w.join(" "));
        for known in ["honestly", "i", "am", "an", "today"] {
            src.push_str(&format!("w {known}\t{zeros}\n"));
        }
        let m = Model::parse(&src, &classes).unwrap();
        let labeling = 1 + Pattern::Labeling as usize;
        let span_of = |text: &str, counts: &dyn Fn(&str) -> bool| {
            let toks = crate::text::tokens(text, 0, text.len());
            let p = m.predict(&toks, &RuleEvidence::default());
            assert_eq!(p.top_pattern().0, Pattern::Labeling);
            p.evidence_span(labeling, 6, |i| counts(&toks[i].norm))
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
