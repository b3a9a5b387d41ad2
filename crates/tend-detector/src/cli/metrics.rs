//! Evaluation metrics with bootstrap confidence intervals.

use std::collections::BTreeMap;

use serde::Serialize;

/// Binary confusion counts.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Confusion {
    pub tp: usize,
    pub fp: usize,
    pub tn: usize,
    pub fn_: usize,
}

impl Confusion {
    pub fn from_pairs(pairs: &[(bool, bool)]) -> Confusion {
        let mut c = Confusion::default();
        for &(gold, pred) in pairs {
            match (gold, pred) {
                (true, true) => c.tp += 1,
                (false, true) => c.fp += 1,
                (false, false) => c.tn += 1,
                (true, false) => c.fn_ += 1,
            }
        }
        c
    }
    fn ratio(a: usize, b: usize) -> f64 {
        if b == 0 { 0.0 } else { a as f64 / b as f64 }
    }
    pub fn precision(&self) -> f64 {
        Self::ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> f64 {
        Self::ratio(self.tp, self.tp + self.fn_)
    }
    pub fn specificity(&self) -> f64 {
        Self::ratio(self.tn, self.tn + self.fp)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    pub fn balanced_accuracy(&self) -> f64 {
        (self.recall() + self.specificity()) / 2.0
    }
    pub fn mcc(&self) -> f64 {
        let (tp, fp, tn, fn_) = (
            self.tp as f64,
            self.fp as f64,
            self.tn as f64,
            self.fn_ as f64,
        );
        let d = ((tp + fp) * (tp + fn_) * (tn + fp) * (tn + fn_)).sqrt();
        if d == 0.0 {
            0.0
        } else {
            (tp * tn - fp * fn_) / d
        }
    }
}

/// A point estimate with a bootstrap 95% interval.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Estimate {
    pub value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

impl std::fmt::Display for Estimate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.3} [{:.3}, {:.3}]",
            self.value, self.ci_low, self.ci_high
        )
    }
}

/// Deterministic SplitMix64, so reported intervals are reproducible.
pub struct Rng(u64);
impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

pub const BOOTSTRAP_ROUNDS: usize = 1000;

/// Bootstrap a statistic over items (resampling items with replacement).
pub fn bootstrap<T: Clone>(items: &[T], stat: impl Fn(&[T]) -> f64) -> Estimate {
    let value = stat(items);
    if items.is_empty() {
        return Estimate {
            value,
            ci_low: value,
            ci_high: value,
        };
    }
    let mut rng = Rng::new(0x7e4d_2025);
    let mut vals = Vec::with_capacity(BOOTSTRAP_ROUNDS);
    let mut sample = Vec::with_capacity(items.len());
    for _ in 0..BOOTSTRAP_ROUNDS {
        sample.clear();
        for _ in 0..items.len() {
            sample.push(items[rng.below(items.len())].clone());
        }
        vals.push(stat(&sample));
    }
    vals.sort_by(|a, b| a.total_cmp(b));
    let q = |p: f64| vals[((p * (vals.len() - 1) as f64).round() as usize).min(vals.len() - 1)];
    Estimate {
        value,
        ci_low: q(0.025),
        ci_high: q(0.975),
    }
}

/// Binary metrics with intervals.
#[derive(Debug, Clone, Serialize)]
pub struct BinaryReport {
    pub n: usize,
    pub confusion: Confusion,
    pub precision: Estimate,
    pub recall: Estimate,
    pub f1: Estimate,
    pub specificity: Estimate,
    pub balanced_accuracy: Estimate,
    pub mcc: Estimate,
}

pub fn binary_report(pairs: &[(bool, bool)]) -> BinaryReport {
    let b = |f: fn(&Confusion) -> f64| bootstrap(pairs, |s| f(&Confusion::from_pairs(s)));
    BinaryReport {
        n: pairs.len(),
        confusion: Confusion::from_pairs(pairs),
        precision: b(Confusion::precision),
        recall: b(Confusion::recall),
        f1: b(Confusion::f1),
        specificity: b(Confusion::specificity),
        balanced_accuracy: b(Confusion::balanced_accuracy),
        mcc: b(Confusion::mcc),
    }
}

/// One distorted item for type scoring: the gold labels (dominant first) and
/// the predicted label, if any.
#[derive(Debug, Clone)]
pub struct TypeItem {
    pub gold: Vec<String>,
    pub pred: Option<String>,
}

impl TypeItem {
    /// The protocol: a prediction is right if it matches any gold label;
    /// otherwise the item counts against the dominant label.
    fn effective_gold(&self) -> &str {
        match &self.pred {
            Some(p) if self.gold.iter().any(|g| g == p) => p,
            _ => self.gold.first().map(String::as_str).unwrap_or(""),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ClassScore {
    pub support: usize,
    pub predicted: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

pub fn per_class(items: &[TypeItem]) -> BTreeMap<String, ClassScore> {
    let mut tp: BTreeMap<String, usize> = BTreeMap::new();
    let mut support: BTreeMap<String, usize> = BTreeMap::new();
    let mut predicted: BTreeMap<String, usize> = BTreeMap::new();
    for it in items {
        let g = it.effective_gold().to_string();
        *support.entry(g.clone()).or_default() += 1;
        if let Some(p) = &it.pred {
            *predicted.entry(p.clone()).or_default() += 1;
            if *p == g {
                *tp.entry(g).or_default() += 1;
            }
        }
    }
    let mut out = BTreeMap::new();
    for class in support.keys().chain(predicted.keys()) {
        let t = tp.get(class).copied().unwrap_or(0) as f64;
        let s = support.get(class).copied().unwrap_or(0);
        let pr = predicted.get(class).copied().unwrap_or(0);
        let precision = if pr == 0 { 0.0 } else { t / pr as f64 };
        let recall = if s == 0 { 0.0 } else { t / s as f64 };
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        out.insert(
            class.clone(),
            ClassScore {
                support: s,
                predicted: pr,
                precision,
                recall,
                f1,
            },
        );
    }
    out
}

/// Support-weighted F1 over gold classes (as scikit-learn's `average="weighted"`).
pub fn weighted_f1(items: &[TypeItem]) -> f64 {
    let pc = per_class(items);
    let total: usize = pc.values().map(|c| c.support).sum();
    if total == 0 {
        return 0.0;
    }
    pc.values().map(|c| c.f1 * c.support as f64).sum::<f64>() / total as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_metrics_match_hand_computation() {
        // tp=3 fp=1 tn=4 fn=2
        let mut pairs = vec![(true, true); 3];
        pairs.push((false, true));
        pairs.extend(vec![(false, false); 4]);
        pairs.extend(vec![(true, false); 2]);
        let c = Confusion::from_pairs(&pairs);
        assert!((c.precision() - 0.75).abs() < 1e-9);
        assert!((c.recall() - 0.6).abs() < 1e-9);
        assert!((c.specificity() - 0.8).abs() < 1e-9);
        assert!((c.f1() - 2.0 * 0.75 * 0.6 / 1.35).abs() < 1e-9);
        let mcc = (3.0 * 4.0 - 1.0 * 2.0) / ((4.0f64 * 5.0 * 5.0 * 6.0).sqrt());
        assert!((c.mcc() - mcc).abs() < 1e-9);
        let r = binary_report(&pairs);
        assert!(r.f1.ci_low <= r.f1.value && r.f1.value <= r.f1.ci_high);
    }

    #[test]
    fn secondary_label_counts_as_right() {
        let items = vec![
            TypeItem {
                gold: vec!["a".into(), "b".into()],
                pred: Some("b".into()),
            },
            TypeItem {
                gold: vec!["a".into()],
                pred: Some("a".into()),
            },
            TypeItem {
                gold: vec!["c".into()],
                pred: None,
            },
        ];
        let pc = per_class(&items);
        assert_eq!(pc["b"].f1, 1.0);
        assert_eq!(pc["a"].f1, 1.0);
        assert_eq!(pc["c"].f1, 0.0);
        assert!((weighted_f1(&items) - 2.0 / 3.0).abs() < 1e-9);
    }
}
