//! The thinking-pattern detector.

use serde::Serialize;

use crate::pattern::Pattern;
use crate::rules::{Hit, RuleKind, RuleSet};
use crate::text;

/// The embedded rule file (see `data/rules.txt`).
pub const RULES_SOURCE: &str = include_str!("../data/rules.txt");

/// A finding is reported (and makes a sentence "distorted") at or above this confidence.
pub const REPORT_THRESHOLD: f32 = 0.5;

/// Largest text [`Detector::analyze`] looks at; longer input is analysed
/// only up to this many bytes (the CLI rejects it instead).
pub const MAX_INPUT_BYTES: usize = 64 * 1024;

/// One pattern found in the text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub pattern: Pattern,
    /// 0..1; only findings at or above [`REPORT_THRESHOLD`] are returned.
    pub confidence: f32,
    /// Byte span in the original text of the words that triggered it.
    pub start: usize,
    pub end: usize,
    /// Short, gentle, human explanation, worded as a question.
    pub explanation: String,
}

/// What the detector says about one sentence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentenceAnalysis {
    /// Byte span of the sentence in the original text.
    pub start: usize,
    pub end: usize,
    pub distorted: bool,
    pub score: f32,
    pub self_critical: bool,
    /// Byte span of the self-critical words, when `self_critical`.
    pub critic_span: Option<(usize, usize)>,
    pub patterns: Vec<Finding>,
}

/// What the detector says about a whole text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// At least one pattern was found with enough confidence.
    pub distorted: bool,
    /// The highest pattern confidence in the text (0 when none fired at all).
    pub score: f32,
    /// At least one sentence sounds like the inner critic.
    pub self_critical: bool,
    pub sentences: Vec<SentenceAnalysis>,
    /// Every finding of every sentence, highest confidence first.
    pub patterns: Vec<Finding>,
}

/// The detector. Cheap to share (`Send + Sync`); build once and keep it in an `Arc`.
#[derive(Debug)]
pub struct Detector {
    rules: RuleSet,
}

impl Default for Detector {
    fn default() -> Self {
        Detector::new()
    }
}

impl Detector {
    /// The detector with the embedded rules.
    pub fn new() -> Detector {
        // The embedded rules are checked by a unit test; an (impossible) parse
        // error falls back to an empty rule set rather than panicking.
        Detector::from_rules(RULES_SOURCE).unwrap_or_else(|_| Detector {
            rules: RuleSet::default(),
        })
    }

    /// A detector from rule text in the `data/rules.txt` language.
    pub fn from_rules(src: &str) -> Result<Detector, String> {
        Ok(Detector {
            rules: RuleSet::parse(src)?,
        })
    }

    /// Number of rules loaded.
    pub fn rule_count(&self) -> usize {
        self.rules.rules.len()
    }

    /// Which rules fired, for debugging and for documenting a decision:
    /// `(rule line in data/rules.txt, kind, weight, matched words)`.
    pub fn trace(&self, text: &str) -> Vec<(usize, String, f32, String)> {
        let text = truncate_to_boundary(text, MAX_INPUT_BYTES);
        let mut out = Vec::new();
        let mut hits = Vec::new();
        for (s, e) in text::sentences(text) {
            let toks = text::tokens(text, s, e);
            hits.clear();
            self.rules.hits(&toks, &mut hits);
            for h in &hits {
                let r = &self.rules.rules[h.rule];
                let kind = match r.kind {
                    RuleKind::Pattern(p) => p.id().to_string(),
                    RuleKind::Critic => "critic".to_string(),
                    RuleKind::Kind => "kind".to_string(),
                    RuleKind::Reason => "reason".to_string(),
                };
                let span = text[toks[h.first].start..toks[h.last].end].to_string();
                out.push((r.line, kind, r.weight, span));
            }
        }
        out
    }

    /// Analyse a text: a sentence or a whole entry.
    pub fn analyze(&self, text: &str) -> Analysis {
        let text = truncate_to_boundary(text, MAX_INPUT_BYTES);
        let mut sentences = Vec::new();
        let mut hits = Vec::new();
        for (s, e) in text::sentences(text) {
            let toks = text::tokens(text, s, e);
            hits.clear();
            self.rules.hits(&toks, &mut hits);
            sentences.push(self.score_sentence(text, s, e, &toks, &hits));
        }
        let mut patterns: Vec<Finding> = sentences
            .iter()
            .flat_map(|s| s.patterns.iter().cloned())
            .collect();
        sort_findings(&mut patterns);
        let score = sentences.iter().map(|s| s.score).fold(0.0f32, f32::max);
        Analysis {
            distorted: sentences.iter().any(|s| s.distorted),
            score,
            self_critical: sentences.iter().any(|s| s.self_critical),
            sentences,
            patterns,
        }
    }

    fn score_sentence(
        &self,
        text: &str,
        start: usize,
        end: usize,
        toks: &[text::Token],
        hits: &[Hit],
    ) -> SentenceAnalysis {
        // Noisy-or of rule weights per pattern; softeners multiply down.
        let mut conf = [0.0f32; 13];
        let mut best: [Option<(f32, usize, usize)>; 13] = [None; 13];
        let mut critic = 0.0f32;
        let mut critic_best: Option<(f32, usize, usize)> = None;
        let mut soften = 1.0f32;
        let mut reason = 1.0f32;
        for h in hits {
            let rule = &self.rules.rules[h.rule];
            let w = rule.weight.clamp(0.0, 0.99);
            let (bs, be) = (toks[h.first].start, toks[h.last].end);
            match rule.kind {
                RuleKind::Pattern(p) => {
                    let i = p as usize;
                    conf[i] = 1.0 - (1.0 - conf[i]) * (1.0 - w);
                    if best[i].is_none_or(|(bw, _, _)| w > bw) {
                        best[i] = Some((w, bs, be));
                    }
                }
                RuleKind::Critic => {}
                RuleKind::Kind => soften *= 1.0 - w,
                RuleKind::Reason => reason *= 1.0 - w,
            }
            if rule.self_critical {
                critic = 1.0 - (1.0 - critic) * (1.0 - w);
                if critic_best.is_none_or(|(bw, _, _)| w > bw) {
                    critic_best = Some((w, bs, be));
                }
            }
        }
        let mut patterns = Vec::new();
        let mut score = 0.0f32;
        for p in Pattern::ALL {
            let i = p as usize;
            let Some((_, bs, be)) = best[i] else { continue };
            let mut c = conf[i] * soften;
            if matches!(p, Pattern::FortuneTelling | Pattern::Catastrophizing) {
                c *= reason;
            }
            let c = c.min(0.99);
            score = score.max(c);
            if c >= REPORT_THRESHOLD {
                patterns.push(Finding {
                    pattern: p,
                    confidence: round3(c),
                    start: bs,
                    end: be,
                    explanation: explain(p, &text[bs..be]),
                });
            }
        }
        sort_findings(&mut patterns);
        let critic = critic * soften;
        let self_critical = critic >= REPORT_THRESHOLD;
        SentenceAnalysis {
            start,
            end,
            distorted: !patterns.is_empty(),
            score: round3(score),
            self_critical,
            critic_span: if self_critical {
                critic_best.map(|(_, s, e)| (s, e))
            } else {
                None
            },
            patterns,
        }
    }
}

fn sort_findings(v: &mut [Finding]) {
    v.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
            .then(a.start.cmp(&b.start))
    });
}

fn round3(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}

fn explain(p: Pattern, trigger: &str) -> String {
    let desc = p.description();
    let mut d = desc.chars();
    let lowered = match d.next() {
        Some(c) => c.to_lowercase().collect::<String>() + d.as_str(),
        None => String::new(),
    };
    format!(
        "\u{201c}{trigger}\u{201d} sounds like it might be {}: {lowered}",
        p.name().to_lowercase()
    )
}

/// The longest prefix of `s` of at most `max` bytes ending on a char boundary.
pub(crate) fn truncate_to_boundary(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det() -> Detector {
        Detector::from_rules(RULES_SOURCE).unwrap()
    }

    fn ids(text: &str) -> Vec<&'static str> {
        det()
            .analyze(text)
            .patterns
            .iter()
            .map(|f| f.pattern.id())
            .collect()
    }

    #[test]
    fn embedded_rules_parse() {
        assert!(det().rule_count() > 100);
    }

    #[test]
    fn detector_is_send_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Detector>();
    }

    #[test]
    fn finds_labeling_with_span() {
        let t = "I missed the murmur again. I'm such an idiot.";
        let a = det().analyze(t);
        assert!(a.distorted && a.self_critical, "{a:?}");
        let f = a
            .patterns
            .iter()
            .find(|f| f.pattern == Pattern::Labeling)
            .unwrap();
        assert_eq!(&t[f.start..f.end], "I'm such an idiot");
        assert!(f.explanation.contains("labeling"));
        assert_eq!(a.sentences.len(), 2);
    }

    #[test]
    fn should_statements_but_not_plans() {
        assert!(ids("I should have known that dose by now").contains(&"should-statements"));
        assert!(ids("I should review the ECG chapter tonight").is_empty());
    }

    #[test]
    fn justified_worry_and_clinical_text_are_quiet() {
        for t in [
            "I'm worried about my exam on Friday because I haven't finished cardiology",
            "The patient is a 67-year-old man with crushing chest pain radiating to the left arm.",
            "Patient with suicidal ideation was admitted overnight.",
            "She presented with the worst headache of her life.",
        ] {
            let a = det().analyze(t);
            assert!(!a.distorted && !a.self_critical, "{t}: {a:?}");
        }
    }

    #[test]
    fn findings_sorted_and_in_range() {
        let t = "Everyone else is smarter than me and I'll never match. I always mess up.";
        let a = det().analyze(t);
        assert!(a.patterns.len() >= 2, "{a:?}");
        for w in a.patterns.windows(2) {
            assert!(w[0].confidence >= w[1].confidence);
        }
        for f in &a.patterns {
            assert!(f.start < f.end && f.end <= t.len());
            assert!((0.0..=1.0).contains(&f.confidence));
        }
    }

    #[test]
    fn empty_and_huge_input_do_not_panic() {
        assert!(!det().analyze("").distorted);
        let big = "é".repeat(MAX_INPUT_BYTES);
        let _ = det().analyze(&big);
    }
}
