//! Training the learned layer (`data/model.txt`) from labelled examples.
//!
//! Pure computation: the CLI (`tend-detector train`) reads the allowed files
//! and writes the result. Training is deterministic (fixed seed, fixed order
//! of operations), so the same data gives the same file byte for byte and
//! anyone can check that the shipped weights come from the allowed data.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use crate::Detector;
use crate::embed;
use crate::model::{
    RISK_CLASSES, RuleEvidence, pattern_classes, softmax, visit_features, visit_rule_features,
};
use crate::pattern::Pattern;
use crate::text;

/// One labelled text.
#[derive(Debug, Clone)]
pub struct Example {
    pub text: String,
    /// `None`: no unhelpful pattern.
    pub pattern: Option<Pattern>,
}

/// Training settings. The defaults are the ones the shipped model was built with.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    pub epochs: usize,
    pub learning_rate: f32,
    /// L2 penalty per example step.
    pub l2: f32,
    /// A word or word pair must occur in at least this many examples.
    pub min_count: usize,
    pub seed: u64,
    /// Weight class 0 against all the others together. On for the pattern
    /// model (its two sides are of similar size and equally important); off
    /// for the risk model, whose positives are rare in writing and whose
    /// false alarms show crisis lines on ordinary text.
    pub balance_classes: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 30,
            learning_rate: 0.2,
            l2: 1e-4,
            min_count: 2,
            seed: 0x7e4d_2026,
            balance_classes: true,
        }
    }
}

/// What a model reads.
#[derive(Clone, Copy)]
enum Features<'a> {
    /// Words and word pairs, plus the rules' findings when given a detector.
    Words(Option<&'a Detector>),
    /// The text's static embedding (`e 0` … `e 255`) and the rules' findings.
    Embedding(&'a Detector),
}

/// The features of a whole example, by name: words, pairs and rule findings
/// summed over its sentences; the embedding of the whole text.
fn example_features(features: Features, text: &str) -> BTreeMap<String, f32> {
    let mut out = BTreeMap::new();
    let rules = match features {
        Features::Words(rules) => rules,
        Features::Embedding(rules) => Some(rules),
    };
    for (s, e) in text::sentences(text) {
        let toks = text::tokens(text, s, e);
        let evidence = rules.map_or_else(RuleEvidence::default, |d| d.rule_evidence(&toks));
        let mut add = |parts: &[&str], _: Option<(usize, usize)>, value: f32| {
            *out.entry(parts.join(" ")).or_insert(0.0) += value;
        };
        match features {
            Features::Words(_) => visit_features(&toks, &evidence, add),
            Features::Embedding(_) => visit_rule_features(&evidence, &mut add),
        }
    }
    if let Features::Embedding(_) = features {
        for (d, v) in embed::embed(text).iter().enumerate() {
            if *v != 0.0 {
                out.insert(format!("e {d}"), *v);
            }
        }
    }
    out
}

/// Train the pattern model on `examples` and return the model file's text.
///
/// `about` lines are written into the file's header (where the data came from).
pub fn train(
    detector: &Detector,
    examples: &[Example],
    config: &TrainConfig,
    about: &[String],
) -> String {
    let labelled: Vec<(&str, usize)> = examples
        .iter()
        .map(|e| (e.text.as_str(), e.pattern.map_or(0, |p| 1 + p as usize)))
        .collect();
    fit(
        Features::Words(Some(detector)),
        &labelled,
        &pattern_classes(),
        config,
        "tend-detector learned layer: multinomial logistic regression over words, word pairs and rules",
        about,
    )
}

/// Train the embedding model (same classes as the pattern model, over the
/// text's static embedding and the rule features) and return its file's text.
pub fn train_embedded(
    detector: &Detector,
    examples: &[Example],
    config: &TrainConfig,
    about: &[String],
) -> String {
    let labelled: Vec<(&str, usize)> = examples
        .iter()
        .map(|e| (e.text.as_str(), e.pattern.map_or(0, |p| 1 + p as usize)))
        .collect();
    fit(
        Features::Embedding(detector),
        &labelled,
        &pattern_classes(),
        config,
        "tend-detector embedding model: multinomial logistic regression over the static embedding (all-MiniLM-L6-v2 distilled) and rules",
        about,
    )
}

/// Train the risk-language model (`none` / `risk`, words and word pairs
/// only) and return the model file's text.
pub fn train_risk(examples: &[(String, bool)], config: &TrainConfig, about: &[String]) -> String {
    let labelled: Vec<(&str, usize)> = examples
        .iter()
        .map(|(t, risk)| (t.as_str(), usize::from(*risk)))
        .collect();
    fit(
        Features::Words(None),
        &labelled,
        &RISK_CLASSES,
        config,
        "tend-detector risk-language model: logistic regression over words and word pairs",
        about,
    )
}

/// Fit a multinomial logistic regression and write it in the model format.
fn fit(
    features: Features,
    examples: &[(&str, usize)],
    classes: &[&str],
    config: &TrainConfig,
    title: &str,
    about: &[String],
) -> String {
    let k = classes.len();
    // Featurise and keep features seen in enough examples (rule features always).
    let featurised: Vec<BTreeMap<String, f32>> = examples
        .iter()
        .map(|(text, _)| example_features(features, text))
        .collect();
    let mut doc_freq: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &featurised {
        for name in f.keys() {
            *doc_freq.entry(name.as_str()).or_insert(0) += 1;
        }
    }
    let vocab: Vec<&str> = doc_freq
        .iter()
        .filter(|&(name, &n)| {
            n >= config.min_count || name.starts_with("r ") || name.starts_with("e ")
        })
        .map(|(&name, _)| name)
        .collect();
    let index: HashMap<&str, usize> = vocab.iter().enumerate().map(|(i, &n)| (n, i)).collect();
    let rows: Vec<Vec<(usize, f32)>> = featurised
        .iter()
        .map(|f| {
            f.iter()
                .filter_map(|(name, &v)| index.get(name.as_str()).map(|&i| (i, v)))
                .collect()
        })
        .collect();
    let labels: Vec<usize> = examples.iter().map(|(_, c)| *c).collect();

    // Optionally balance class 0 ("none") against all the other classes
    // together, so the decision at 0.5 does not simply follow which kind of
    // example was more plentiful.
    let n_none = labels.iter().filter(|&&c| c == 0).count() as f32;
    let n_some = (labels.len() as f32 - n_none).max(1.0);
    let n_none = n_none.max(1.0);
    let weight_of = |c: usize| {
        if c == 0 && config.balance_classes {
            n_some / n_none
        } else {
            1.0
        }
    };

    // AdaGrad SGD on the weighted multinomial log loss.
    let mut w = vec![0.0f32; vocab.len() * k];
    let mut g2 = vec![1e-8f32; vocab.len() * k];
    // Without balancing, a rare class would leave the intercept near zero
    // and let ordinary words ("i", "my") soak up the base rate; start it at
    // the log of each class's share instead.
    let mut bias = vec![0.0f32; k];
    if !config.balance_classes {
        for (c, b) in bias.iter_mut().enumerate() {
            let n = labels.iter().filter(|&&l| l == c).count().max(1);
            *b = (n as f32 / labels.len().max(1) as f32).ln();
        }
    }
    let mut bias_g2 = vec![1e-8f32; k];
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let mut rng = config.seed.max(1);
    for _ in 0..config.epochs {
        shuffle(&mut order, &mut rng);
        for &i in &order {
            let mut logits = bias.clone();
            for &(f, v) in &rows[i] {
                for (l, wc) in logits.iter_mut().zip(&w[f * k..(f + 1) * k]) {
                    *l += v * wc;
                }
            }
            let probs = softmax(&logits);
            let ew = weight_of(labels[i]);
            for c in 0..k {
                let target = if c == labels[i] { 1.0 } else { 0.0 };
                let grad = ew * (probs[c] - target);
                bias_g2[c] += grad * grad;
                bias[c] -= config.learning_rate * grad / bias_g2[c].sqrt();
                for &(f, v) in &rows[i] {
                    let j = f * k + c;
                    let g = grad * v + config.l2 * w[j];
                    g2[j] += g * g;
                    w[j] -= config.learning_rate * g / g2[j].sqrt();
                }
            }
        }
    }

    // Write the file: rounded weights, features that round to all zeros dropped.
    let mut out = String::new();
    let _ = writeln!(out, "# {title}.");
    out.push_str(
        "# Generated by `tend-detector train` (scripts/train-detector.sh); do not edit by hand.\n",
    );
    for line in about {
        let _ = writeln!(out, "# {line}");
    }
    let _ = writeln!(
        out,
        "# {} examples, {} features kept of {}; epochs {}, learning rate {}, l2 {}, min count {}, seed {:#x}, classes balanced: {}",
        examples.len(),
        vocab.len(),
        doc_freq.len(),
        config.epochs,
        config.learning_rate,
        config.l2,
        config.min_count,
        config.seed,
        config.balance_classes
    );
    let _ = writeln!(out, "classes\t{}", classes.join(" "));
    let _ = writeln!(out, "bias\t{}", format_row(&bias));
    for (f, name) in vocab.iter().enumerate() {
        let row = &w[f * k..(f + 1) * k];
        if row.iter().all(|x| x.abs() < 0.0005) {
            continue;
        }
        let _ = writeln!(out, "{name}\t{}", format_row(row));
    }
    out
}

fn format_row(row: &[f32]) -> String {
    row.iter()
        .map(|x| {
            let s = format!("{x:.3}");
            if s == "-0.000" {
                "0.000".to_string()
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Fisher–Yates with xorshift64: reproducible on every platform.
fn shuffle(v: &mut [usize], state: &mut u64) {
    for i in (1..v.len()).rev() {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        let j = (*state % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;

    fn toy() -> Vec<Example> {
        let mut v = Vec::new();
        for (t, p) in [
            ("I am such an idiot", Some(Pattern::Labeling)),
            ("I am an idiot for forgetting", Some(Pattern::Labeling)),
            ("honestly I am an idiot", Some(Pattern::Labeling)),
            ("I went for a walk after lunch", None),
            ("I went to the library after lunch", None),
            ("we had lunch and went for a walk", None),
        ] {
            v.push(Example {
                text: t.to_string(),
                pattern: p,
            });
        }
        v
    }

    #[test]
    fn training_is_deterministic_and_learns_the_toy_task() {
        let d = Detector::new();
        let cfg = TrainConfig::default();
        let a = train(&d, &toy(), &cfg, &[]);
        let b = train(&d, &toy(), &cfg, &[]);
        assert_eq!(a, b);
        let m = Model::parse(&a, &pattern_classes()).unwrap();
        let text = "I am an idiot";
        let toks = text::tokens(text, 0, text.len());
        let p = m.predict(&toks, &d.rule_evidence(&toks));
        assert!(p.something() > 0.5, "{:?}", p.probs);
        assert_eq!(p.top_pattern().0, Pattern::Labeling);
        let text = "I went for lunch";
        let toks = text::tokens(text, 0, text.len());
        let p = m.predict(&toks, &d.rule_evidence(&toks));
        assert!(p.something() < 0.5, "{:?}", p.probs);
    }
}
