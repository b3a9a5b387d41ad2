//! `tend analyze --eval FILE`: read a labelled CSV and report metrics.
//!
//! Formats are recognised by their header:
//! * Therapist QA (`Patient Question`, `Dominant Distortion`, `Secondary Distortion (Optional)`);
//! * the synthetic set of Babacan et al. (`text,label`; every row distorted);
//! * the project's own sentences (`text,self_critical,pattern[,split]`);
//! * the project's own patient-identifier set (`text,phi[,kind][,split]`);
//! * the project's own risk-language set (`text,risk[,kind][,split]`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use super::metrics::{
    BinaryReport, ClassScore, Estimate, TypeItem, binary_report, bootstrap, per_class, weighted_f1,
};
use crate::{
    Detector, Pattern, map_label, patient_identifiers, risk_language, to_ten_label_scheme,
};

const OWN_SENTENCES: &str = include_str!("../../data/medstudent-sentences.csv");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum Format {
    TherapistQa,
    Synthetic,
    OwnSentences,
    PatientIdentifiers,
    RiskLanguage,
}

#[derive(Debug, Clone)]
pub(super) struct Item {
    pub(super) text: String,
    distorted: Option<bool>,
    /// Gold patterns, dominant first.
    pub(super) patterns: Vec<Pattern>,
    self_critical: Option<bool>,
    phi: Option<bool>,
    pub(super) split: Option<String>,
    /// The words of a distorted narrative that carry the pattern, when labelled.
    pub(super) distorted_part: Option<String>,
    /// Risk-language set: whether the writer expresses risk, and the row's kind.
    pub(super) risk: Option<bool>,
    kind: Option<String>,
}

#[derive(Debug, Clone)]
struct Prediction {
    distorted: bool,
    /// The text's score (highest sentence score), for the ROC curve.
    score: f32,
    self_critical: bool,
    /// Reported patterns, best first.
    patterns: Vec<Pattern>,
    /// All patterns ranked, for type classification given distortion.
    ranked: Vec<Pattern>,
    phi: bool,
    risk: bool,
    sentences: usize,
    /// Other readings of the text (see `Detector::score_variants`).
    variants: Vec<(&'static str, f32)>,
}

#[derive(Debug, Serialize)]
struct TypeReport {
    n_distorted_items: usize,
    scheme: &'static str,
    weighted_f1: Estimate,
    accuracy: f64,
    per_pattern: BTreeMap<String, ClassScore>,
}

#[derive(Debug, Serialize)]
struct Section {
    n: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    distorted: Option<BinaryReport>,
    /// Area under the ROC curve of the text score for distorted-or-not: how
    /// well the score ranks distorted texts above the others, at any threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    distorted_auc: Option<f64>,
    /// The same with a bootstrap 95% interval (item resamples).
    #[serde(skip_serializing_if = "Option::is_none")]
    distorted_auc_interval: Option<Estimate>,
    /// For reference only: the best F1 any threshold on the score reaches
    /// while keeping specificity ≥ 0.5, with the threshold chosen on this
    /// very set (an oracle, so not a result the detector achieves).
    #[serde(skip_serializing_if = "Option::is_none")]
    oracle_best_f1_at_specificity_half: Option<OraclePoint>,
    /// ROC AUC of other readings of the text: document or sentence level,
    /// each model alone or averaged (model scores without rule overrides).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    auc_by_reading: BTreeMap<String, f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    self_critical: Option<BinaryReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    patterns: Option<TypeReport>,
    /// Type as a classification task: the best-ranked pattern for each item
    /// labelled distorted, whether or not the detector would report it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pattern_classification: Option<TypeReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    patient_identifier_guard: Option<BinaryReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    risk_language: Option<BinaryReport>,
    /// Per labelled kind of row: [flagged, rows].
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    risk_by_kind: BTreeMap<String, [usize; 2]>,
}

#[derive(Debug, Serialize)]
struct Throughput {
    items: usize,
    sentences: usize,
    seconds: f64,
    items_per_second: f64,
    sentences_per_second: f64,
}

#[derive(Debug, Serialize)]
struct Report {
    file: String,
    format: Format,
    all: Section,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    splits: BTreeMap<String, Section>,
    throughput: Throughput,
}

pub(super) fn read_items(data: &[u8]) -> Result<(Format, Vec<Item>), String> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(data);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| format!("could not read CSV header: {e}"))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let format = if col("patient question").is_some() {
        Format::TherapistQa
    } else if col("text").is_some() && col("pattern").is_some() {
        Format::OwnSentences
    } else if col("text").is_some() && col("phi").is_some() {
        Format::PatientIdentifiers
    } else if col("text").is_some() && col("risk").is_some() {
        Format::RiskLanguage
    } else if col("text").is_some() && col("label").is_some() {
        Format::Synthetic
    } else {
        return Err(format!(
            "unrecognised CSV header {headers:?}: expected Therapist QA (Patient Question, Dominant Distortion, ...), \
             synthetic (text,label), the project's labelled files (text,pattern,...) patient identifiers (text,phi) or risk language (text,risk)"
        ));
    };
    let get = |rec: &csv::StringRecord, name: &str| -> String {
        col(name)
            .and_then(|i| rec.get(i))
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let yes = |s: &str, line: u64| -> Result<bool, String> {
        match s.to_ascii_lowercase().as_str() {
            "yes" | "y" | "true" | "1" => Ok(true),
            "no" | "n" | "false" | "0" => Ok(false),
            other => Err(format!("row {line}: expected yes/no, got {other:?}")),
        }
    };
    let mut items = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        let rec = rec.map_err(|e| format!("row {line}: {e}"))?;
        let split = col("split")
            .map(|_| get(&rec, "split"))
            .filter(|s| !s.is_empty());
        let item = match format {
            Format::TherapistQa => {
                let dom = map_label(&get(&rec, "dominant distortion"))
                    .map_err(|e| format!("row {line}: {e}"))?;
                let sec = map_label(&get(&rec, "secondary distortion (optional)"))
                    .map_err(|e| format!("row {line}: {e}"))?;
                Item {
                    text: get(&rec, "patient question"),
                    distorted: Some(dom.is_some()),
                    patterns: dom.into_iter().chain(sec).collect(),
                    self_critical: None,
                    phi: None,
                    split,
                    distorted_part: None,
                    risk: None,
                    kind: None,
                }
            }
            Format::Synthetic => {
                let p = map_label(&get(&rec, "label")).map_err(|e| format!("row {line}: {e}"))?;
                Item {
                    text: get(&rec, "text"),
                    distorted: Some(p.is_some()),
                    patterns: p.into_iter().collect(),
                    self_critical: None,
                    phi: None,
                    split,
                    distorted_part: None,
                    risk: None,
                    kind: None,
                }
            }
            Format::OwnSentences => {
                let p = map_label(&get(&rec, "pattern")).map_err(|e| format!("row {line}: {e}"))?;
                if col("distorted").is_some() && yes(&get(&rec, "distorted"), line)? != p.is_some()
                {
                    return Err(format!(
                        "row {line}: distorted and pattern disagree (pattern is `none` exactly when distorted is no)"
                    ));
                }
                let text = get(&rec, "text");
                let part = get(&rec, "distorted_part");
                if !part.is_empty() && !text.contains(&part) {
                    return Err(format!(
                        "row {line}: distorted_part is not part of the text"
                    ));
                }
                Item {
                    text,
                    distorted: Some(p.is_some()),
                    patterns: p.into_iter().collect(),
                    self_critical: match col("self_critical") {
                        Some(_) => Some(yes(&get(&rec, "self_critical"), line)?),
                        None => None,
                    },
                    phi: None,
                    split,
                    distorted_part: (!part.is_empty()).then_some(part),
                    risk: None,
                    kind: None,
                }
            }
            Format::PatientIdentifiers => Item {
                text: get(&rec, "text"),
                distorted: None,
                patterns: Vec::new(),
                self_critical: None,
                phi: Some(yes(&get(&rec, "phi"), line)?),
                split,
                distorted_part: None,
                risk: None,
                kind: None,
            },
            Format::RiskLanguage => Item {
                text: get(&rec, "text"),
                distorted: None,
                patterns: Vec::new(),
                self_critical: None,
                phi: None,
                split,
                distorted_part: None,
                risk: Some(yes(&get(&rec, "risk"), line)?),
                kind: col("kind")
                    .map(|_| get(&rec, "kind"))
                    .filter(|k| !k.is_empty()),
            },
        };
        if !item.text.is_empty() {
            items.push(item);
        }
    }
    Ok((format, items))
}

fn section(format: Format, items: &[(&Item, &Prediction)]) -> Section {
    let pairs = |f: fn(&Item, &Prediction) -> Option<(bool, bool)>| -> Option<BinaryReport> {
        let v: Vec<(bool, bool)> = items.iter().filter_map(|(i, p)| f(i, p)).collect();
        (!v.is_empty()).then(|| binary_report(&v))
    };
    let ten = matches!(format, Format::TherapistQa | Format::Synthetic);
    let type_items = |pick: fn(&Prediction) -> &[Pattern]| -> Vec<TypeItem> {
        items
            .iter()
            .filter(|(i, _)| i.distorted == Some(true) && !i.patterns.is_empty())
            .map(|(i, p)| {
                let pred = if ten {
                    pick(p).iter().find_map(|&q| to_ten_label_scheme(q))
                } else {
                    pick(p).first().copied()
                };
                TypeItem {
                    gold: i.patterns.iter().map(|g| g.id().to_string()).collect(),
                    pred: pred.map(|q| q.id().to_string()),
                }
            })
            .collect()
    };
    let report = |type_items: Vec<TypeItem>| -> Option<TypeReport> {
        if type_items.is_empty() {
            return None;
        }
        let right = type_items
            .iter()
            .filter(|t| t.pred.as_ref().is_some_and(|p| t.gold.contains(p)))
            .count();
        Some(TypeReport {
            n_distorted_items: type_items.len(),
            scheme: if ten {
                "ten-label (discounting-positive counted as mental-filter, blaming as personalizing)"
            } else {
                "tend's thirteen patterns"
            },
            weighted_f1: bootstrap(&type_items, weighted_f1),
            accuracy: right as f64 / type_items.len() as f64,
            per_pattern: per_class(&type_items),
        })
    };
    let patterns = report(type_items(|p| &p.patterns));
    let pattern_classification = report(type_items(|p| &p.ranked));
    let scored: Vec<(bool, f32)> = items
        .iter()
        .filter_map(|(i, p)| i.distorted.map(|d| (d, p.score)))
        .collect();
    Section {
        n: items.len(),
        // (on an all-positive set such as the synthetic one only recall is meaningful)
        distorted: pairs(|i, p| i.distorted.map(|d| (d, p.distorted))),
        distorted_auc: roc_auc(&scored),
        distorted_auc_interval: roc_auc(&scored)
            .map(|_| bootstrap(&scored, |s| roc_auc(s).unwrap_or(0.5))),
        oracle_best_f1_at_specificity_half: oracle_point(&scored, 0.5),
        auc_by_reading: {
            let mut m = BTreeMap::new();
            let names: Vec<&str> = items
                .first()
                .map(|(_, p)| p.variants.iter().map(|v| v.0).collect())
                .unwrap_or_default();
            for (k, name) in names.into_iter().enumerate() {
                let v: Vec<(bool, f32)> = items
                    .iter()
                    .filter_map(|(i, p)| Some((i.distorted?, p.variants.get(k)?.1)))
                    .collect();
                if let Some(auc) = roc_auc(&v) {
                    m.insert(name.to_string(), auc);
                }
            }
            m
        },
        self_critical: pairs(|i, p| i.self_critical.map(|d| (d, p.self_critical))),
        patterns,
        pattern_classification,
        patient_identifier_guard: pairs(|i, p| i.phi.map(|d| (d, p.phi))),
        risk_language: pairs(|i, p| i.risk.map(|d| (d, p.risk))),
        risk_by_kind: {
            let mut by_kind: BTreeMap<String, [usize; 2]> = BTreeMap::new();
            for (i, p) in items.iter().filter(|(i, _)| i.risk.is_some()) {
                if let Some(k) = &i.kind {
                    let e = by_kind.entry(k.clone()).or_default();
                    e[0] += usize::from(p.risk);
                    e[1] += 1;
                }
            }
            by_kind
        },
    }
}

/// A threshold on the text score and what it gives.
#[derive(Debug, Serialize)]
struct OraclePoint {
    threshold: f32,
    f1: f64,
    recall: f64,
    specificity: f64,
}

/// The threshold with the best F1 among those keeping specificity at or
/// above `min_specificity` (distorted when score ≥ threshold).
fn oracle_point(scored: &[(bool, f32)], min_specificity: f64) -> Option<OraclePoint> {
    let pos = scored.iter().filter(|s| s.0).count() as f64;
    let neg = scored.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return None;
    }
    let mut thresholds: Vec<f32> = scored.iter().map(|s| s.1).collect();
    thresholds.sort_by(f32::total_cmp);
    thresholds.dedup();
    thresholds.push(f32::INFINITY);
    let mut best: Option<OraclePoint> = None;
    for t in thresholds {
        let tp = scored.iter().filter(|s| s.0 && s.1 >= t).count() as f64;
        let fp = scored.iter().filter(|s| !s.0 && s.1 >= t).count() as f64;
        let specificity = (neg - fp) / neg;
        let recall = tp / pos;
        let f1 = if tp == 0.0 {
            0.0
        } else {
            2.0 * tp / (2.0 * tp + fp + (pos - tp))
        };
        if specificity >= min_specificity && best.as_ref().is_none_or(|b| f1 > b.f1) {
            best = Some(OraclePoint {
                threshold: t,
                f1,
                recall,
                specificity,
            });
        }
    }
    best
}

/// Probability that a random positive scores above a random negative (ties
/// count half); `None` without both classes.
fn roc_auc(scored: &[(bool, f32)]) -> Option<f64> {
    let pos: Vec<f32> = scored.iter().filter(|s| s.0).map(|s| s.1).collect();
    let neg: Vec<f32> = scored.iter().filter(|s| !s.0).map(|s| s.1).collect();
    if pos.is_empty() || neg.is_empty() {
        return None;
    }
    let mut wins = 0.0f64;
    for p in &pos {
        for n in &neg {
            wins += match p.total_cmp(n) {
                std::cmp::Ordering::Greater => 1.0,
                std::cmp::Ordering::Equal => 0.5,
                std::cmp::Ordering::Less => 0.0,
            };
        }
    }
    Some(wins / (pos.len() * neg.len()) as f64)
}

/// Evaluate the detector on a labelled CSV file and print the report.
pub fn run_eval(
    path: &Path,
    json: bool,
    detector: &Detector,
    out: &mut dyn Write,
) -> Result<(), String> {
    let data =
        std::fs::read(path).map_err(|e| format!("could not read {}: {e}", path.display()))?;
    let (format, items) = read_items(&data)?;
    if items.is_empty() {
        return Err(format!("{} has no labelled rows", path.display()));
    }
    let t = Instant::now();
    let preds: Vec<Prediction> = items
        .iter()
        .map(|i| {
            let a = detector.analyze(&i.text);
            Prediction {
                distorted: a.distorted,
                score: a.score,
                self_critical: a.self_critical,
                patterns: a.patterns.iter().map(|f| f.pattern).collect(),
                ranked: Vec::new(),
                phi: format == Format::PatientIdentifiers
                    && !patient_identifiers(&i.text).is_empty(),
                risk: format == Format::RiskLanguage && risk_language(&i.text).is_some(),
                sentences: a.sentences.len(),
                variants: Vec::new(),
            }
        })
        .collect();
    let seconds = t.elapsed().as_secs_f64();
    // Outside the timed loop: ranking is a second reading used only here.
    let mut preds = preds;
    for (i, p) in items.iter().zip(preds.iter_mut()) {
        if i.distorted == Some(true) {
            p.ranked = detector.pattern_ranking(&i.text);
        }
        if i.distorted.is_some() {
            p.variants = detector.score_variants(&i.text);
        }
    }
    let sentences: usize = preds.iter().map(|p| p.sentences).sum();
    let pairs: Vec<(&Item, &Prediction)> = items.iter().zip(preds.iter()).collect();
    let mut splits = BTreeMap::new();
    let names: std::collections::BTreeSet<&str> =
        items.iter().filter_map(|i| i.split.as_deref()).collect();
    for name in names {
        let sub: Vec<(&Item, &Prediction)> = pairs
            .iter()
            .copied()
            .filter(|(i, _)| i.split.as_deref() == Some(name))
            .collect();
        splits.insert(name.to_string(), section(format, &sub));
    }
    let report = Report {
        file: path.display().to_string(),
        format,
        all: section(format, &pairs),
        splits,
        throughput: Throughput {
            items: items.len(),
            sentences,
            seconds,
            items_per_second: items.len() as f64 / seconds.max(1e-9),
            sentences_per_second: sentences as f64 / seconds.max(1e-9),
        },
    };
    let w = |e: std::io::Error| format!("could not write output: {e}");
    if json {
        let s = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        writeln!(out, "{s}").map_err(w)?;
    } else {
        write_human(out, &report).map_err(w)?;
    }
    Ok(())
}

fn write_section(out: &mut dyn Write, title: &str, s: &Section) -> std::io::Result<()> {
    writeln!(out, "{title} ({} items)", s.n)?;
    let bin = |out: &mut dyn Write, name: &str, r: &BinaryReport| -> std::io::Result<()> {
        let c = r.confusion;
        writeln!(
            out,
            "  {name}: tp {} fp {} tn {} fn {}",
            c.tp, c.fp, c.tn, c.fn_
        )?;
        writeln!(out, "    precision          {}", r.precision)?;
        writeln!(out, "    recall             {}", r.recall)?;
        writeln!(out, "    F1                 {}", r.f1)?;
        writeln!(out, "    specificity        {}", r.specificity)?;
        writeln!(out, "    balanced accuracy  {}", r.balanced_accuracy)?;
        writeln!(out, "    MCC                {}", r.mcc)
    };
    if let Some(r) = &s.distorted {
        bin(out, "distorted or not", r)?;
    }
    if let Some(auc) = &s.distorted_auc_interval {
        writeln!(out, "    ROC AUC of score   {auc}")?;
    }
    if let Some(o) = &s.oracle_best_f1_at_specificity_half {
        writeln!(
            out,
            "    oracle reference: best F1 with specificity >= 0.50 at any threshold chosen on this set: \
             F1 {:.3} (recall {:.3}, specificity {:.3}, score >= {:.3})",
            o.f1, o.recall, o.specificity, o.threshold
        )?;
    }
    for (name, auc) in &s.auc_by_reading {
        writeln!(out, "    ROC AUC, {name:<25} {auc:.3}")?;
    }
    if let Some(r) = &s.self_critical {
        bin(out, "self-critical or not", r)?;
    }
    if let Some(r) = &s.patient_identifier_guard {
        bin(out, "patient-identifier guard", r)?;
    }
    if let Some(r) = &s.risk_language {
        bin(out, "risk language", r)?;
        for (kind, [flagged, n]) in &s.risk_by_kind {
            writeln!(out, "    {kind:<18} flagged {flagged:>3} of {n:>3}")?;
        }
    }
    let types = [
        ("patterns reported", &s.patterns),
        (
            "pattern type as classification (best-ranked pattern, no threshold)",
            &s.pattern_classification,
        ),
    ];
    for (title, t) in types {
        let Some(t) = t else { continue };
        writeln!(
            out,
            "  {title}, over {} distorted items ({}):",
            t.n_distorted_items, t.scheme
        )?;
        writeln!(out, "    weighted F1        {}", t.weighted_f1)?;
        writeln!(out, "    accuracy           {:.3}", t.accuracy)?;
        for (k, c) in &t.per_pattern {
            writeln!(
                out,
                "    {k:<22} F1 {:.3}  P {:.3}  R {:.3}  support {:>4}  predicted {:>4}",
                c.f1, c.precision, c.recall, c.support, c.predicted
            )?;
        }
    }
    Ok(())
}

fn write_human(out: &mut dyn Write, r: &Report) -> std::io::Result<()> {
    writeln!(out, "evaluation of {} (format: {:?})", r.file, r.format)?;
    writeln!(
        out,
        "95% intervals: bootstrap, {} resamples, fixed seed",
        super::metrics::BOOTSTRAP_ROUNDS
    )?;
    write_section(out, "all", &r.all)?;
    for (name, s) in &r.splits {
        write_section(out, &format!("split {name}"), s)?;
    }
    let t = &r.throughput;
    writeln!(
        out,
        "throughput: {} items, {} sentences in {:.3} s = {:.0} items/s, {:.0} sentences/s (one thread)",
        t.items, t.sentences, t.seconds, t.items_per_second, t.sentences_per_second
    )
}

/// Texts of a CSV with a text column (any supported format), or the lines of a plain file.
pub(crate) fn load_texts(path: &Path) -> Result<Vec<String>, String> {
    let data =
        std::fs::read(path).map_err(|e| format!("could not read {}: {e}", path.display()))?;
    match read_items(&data) {
        Ok((_, items)) => Ok(items.into_iter().map(|i| i.text).collect()),
        Err(_) => {
            let s = String::from_utf8(data).map_err(|_| "file is not UTF-8".to_string())?;
            Ok(s.lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string)
                .collect())
        }
    }
}

/// Texts of the project's own sentences (embedded).
pub(crate) fn own_sentence_texts() -> Result<Vec<String>, String> {
    read_items(OWN_SENTENCES.as_bytes())
        .map(|(_, items)| items.into_iter().map(|i| i.text).collect())
}

/// Choose the decision threshold from the project's own held-out rows
/// (pooled over its four labelled files), never from a public set: every
/// threshold in 0.05 … 0.95 with MCC, F1 and the specificity on the everyday
/// and plain-description sentences labelled ordinary (which must stay
/// ≥ 0.95). With the embedding model and `exact`, each row is analysed
/// again at each threshold and the detector's own decision counts (so the
/// rule that a finding must point at a word is in the table); otherwise the
/// text score is compared with the threshold.
pub fn run_threshold(detector: Detector, exact: bool, out: &mut dyn Write) -> Result<(), String> {
    let mut rows: Vec<(bool, String, bool)> = Vec::new();
    for (name, text) in super::train::OWN_FILES {
        let (_, items) = read_items(text.as_bytes()).map_err(|e| format!("{name}: {e}"))?;
        let everyday = name.contains("everyday") || name.contains("plain");
        for i in items
            .iter()
            .filter(|i| i.split.as_deref() == Some("heldout"))
        {
            if let Some(d) = i.distorted {
                rows.push((d, i.text.clone(), everyday && !d));
            }
        }
    }
    let exact = exact && detector.has_embeddings();
    let w = |e: std::io::Error| format!("could not write output: {e}");
    writeln!(
        out,
        "{} held-out rows ({}); threshold  MCC  F1  specificity  everyday specificity (flagged of ordinary everyday rows)",
        rows.len(),
        if exact {
            "the detector's decision at each threshold"
        } else {
            "text score >= threshold"
        }
    )
    .map_err(w)?;
    let scores: Vec<f32> = if exact {
        Vec::new()
    } else {
        rows.iter().map(|r| detector.analyze(&r.1).score).collect()
    };
    let mut detector = detector;
    let mut best = (f64::MIN, 0.0f32);
    for step in 1..20 {
        let t = step as f32 * 0.05;
        let flagged: Vec<bool> = if exact {
            detector = detector.with_decision_threshold(t);
            rows.iter()
                .map(|r| detector.analyze(&r.1).distorted)
                .collect()
        } else {
            scores.iter().map(|&s| s >= t).collect()
        };
        let pairs: Vec<(bool, bool)> = rows.iter().zip(&flagged).map(|(r, &f)| (r.0, f)).collect();
        let c = super::metrics::Confusion::from_pairs(&pairs);
        let everyday: Vec<(bool, bool)> = rows
            .iter()
            .zip(&flagged)
            .filter(|(r, _)| r.2)
            .map(|(_, &f)| (false, f))
            .collect();
        let ec = super::metrics::Confusion::from_pairs(&everyday);
        if c.mcc() > best.0 {
            best = (c.mcc(), t);
        }
        writeln!(
            out,
            "  {t:.2}  {:.3}  {:.3}  {:.3}  {:.4} ({} of {})",
            c.mcc(),
            c.f1(),
            c.specificity(),
            ec.specificity(),
            ec.fp,
            ec.fp + ec.tn
        )
        .map_err(w)?;
    }
    writeln!(out, "MCC-best threshold: {:.2} (MCC {:.3})", best.1, best.0).map_err(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roc_auc_ranks_and_counts_ties_half() {
        assert_eq!(roc_auc(&[(true, 0.9), (false, 0.1)]), Some(1.0));
        assert_eq!(roc_auc(&[(true, 0.1), (false, 0.9)]), Some(0.0));
        assert_eq!(roc_auc(&[(true, 0.5), (false, 0.5)]), Some(0.5));
        assert_eq!(roc_auc(&[(true, 0.5)]), None);
    }

    #[test]
    fn reads_all_formats() {
        let tqa = "Id_Number,Patient Question,Distorted part,Dominant Distortion,Secondary Distortion (Optional)\n1,\"I am a failure, I always mess up\",x,Labeling,Overgeneralization\n2,What is the dose?,,No Distortion,\n";
        let (f, items) = read_items(tqa.as_bytes()).unwrap();
        assert_eq!(f, Format::TherapistQa);
        assert_eq!(
            items[0].patterns,
            vec![Pattern::Labeling, Pattern::Overgeneralizing]
        );
        assert_eq!(items[1].distorted, Some(false));
        let syn = "text,label\nI'm useless with tools,Labelling\n";
        let (f, items) = read_items(syn.as_bytes()).unwrap();
        assert_eq!(f, Format::Synthetic);
        assert_eq!(items[0].patterns, vec![Pattern::Labeling]);
        let (f, items) = read_items(OWN_SENTENCES.as_bytes()).unwrap();
        assert_eq!(f, Format::OwnSentences);
        assert!(items.len() >= 300);
        assert!(read_items(b"foo,bar\n1,2\n").is_err());
        let risk = "text,risk,kind,split\nI keep thinking everyone would be better off without me,yes,indirect,dev\n";
        let (f, items) = read_items(risk.as_bytes()).unwrap();
        assert_eq!(f, Format::RiskLanguage);
        assert_eq!(items[0].risk, Some(true));
        assert_eq!(items[0].kind.as_deref(), Some("indirect"));
    }

    #[test]
    fn project_files_keep_their_promises() {
        // distorted must agree with pattern, and a distorted part must be in the text.
        let bad = "text,distorted,pattern\nI'm a failure,no,labeling\n";
        assert!(read_items(bad.as_bytes()).unwrap_err().contains("disagree"));
        let bad = "text,distorted,pattern,distorted_part\nI tried. I'm a failure.,yes,labeling,I'm useless.\n";
        assert!(
            read_items(bad.as_bytes())
                .unwrap_err()
                .contains("not part of the text")
        );
    }
}
