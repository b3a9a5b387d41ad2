//! `tend analyze --eval FILE`: read a labelled CSV and report metrics.
//!
//! Formats are recognised by their header:
//! * Therapist QA (`Patient Question`, `Dominant Distortion`, `Secondary Distortion (Optional)`);
//! * the synthetic set of Babacan et al. (`text,label`; every row distorted);
//! * the project's own sentences (`text,self_critical,pattern[,split]`);
//! * the project's own patient-identifier set (`text,phi[,kind][,split]`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use super::metrics::{
    BinaryReport, ClassScore, Estimate, TypeItem, binary_report, bootstrap, per_class, weighted_f1,
};
use crate::{Detector, Pattern, map_label, patient_identifiers, to_ten_label_scheme};

const OWN_SENTENCES: &str = include_str!("../../data/medstudent-sentences.csv");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Format {
    TherapistQa,
    Synthetic,
    OwnSentences,
    PatientIdentifiers,
}

#[derive(Debug, Clone)]
struct Item {
    text: String,
    distorted: Option<bool>,
    /// Gold patterns, dominant first.
    patterns: Vec<Pattern>,
    self_critical: Option<bool>,
    phi: Option<bool>,
    split: Option<String>,
}

#[derive(Debug, Clone)]
struct Prediction {
    distorted: bool,
    self_critical: bool,
    /// Predicted patterns, best first.
    patterns: Vec<Pattern>,
    phi: bool,
    sentences: usize,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    self_critical: Option<BinaryReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    patterns: Option<TypeReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    patient_identifier_guard: Option<BinaryReport>,
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

fn read_items(data: &[u8]) -> Result<(Format, Vec<Item>), String> {
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
    } else if col("text").is_some() && col("self_critical").is_some() {
        Format::OwnSentences
    } else if col("text").is_some() && col("phi").is_some() {
        Format::PatientIdentifiers
    } else if col("text").is_some() && col("label").is_some() {
        Format::Synthetic
    } else {
        return Err(format!(
            "unrecognised CSV header {headers:?}: expected Therapist QA (Patient Question, Dominant Distortion, ...), \
             synthetic (text,label), own sentences (text,self_critical,pattern) or patient identifiers (text,phi)"
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
                }
            }
            Format::OwnSentences => {
                let p = map_label(&get(&rec, "pattern")).map_err(|e| format!("row {line}: {e}"))?;
                Item {
                    text: get(&rec, "text"),
                    distorted: Some(p.is_some()),
                    patterns: p.into_iter().collect(),
                    self_critical: Some(yes(&get(&rec, "self_critical"), line)?),
                    phi: None,
                    split,
                }
            }
            Format::PatientIdentifiers => Item {
                text: get(&rec, "text"),
                distorted: None,
                patterns: Vec::new(),
                self_critical: None,
                phi: Some(yes(&get(&rec, "phi"), line)?),
                split,
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
    let type_items: Vec<TypeItem> = items
        .iter()
        .filter(|(i, _)| i.distorted == Some(true) && !i.patterns.is_empty())
        .map(|(i, p)| {
            let pred = if ten {
                p.patterns.iter().find_map(|&q| to_ten_label_scheme(q))
            } else {
                p.patterns.first().copied()
            };
            TypeItem {
                gold: i.patterns.iter().map(|g| g.id().to_string()).collect(),
                pred: pred.map(|q| q.id().to_string()),
            }
        })
        .collect();
    let patterns = (!type_items.is_empty()).then(|| {
        let right = type_items
            .iter()
            .filter(|t| t.pred.as_ref().is_some_and(|p| t.gold.contains(p)))
            .count();
        TypeReport {
            n_distorted_items: type_items.len(),
            scheme: if ten {
                "ten-label (discounting-positive counted as mental-filter, blaming as personalizing)"
            } else {
                "tend's thirteen patterns"
            },
            weighted_f1: bootstrap(&type_items, weighted_f1),
            accuracy: right as f64 / type_items.len() as f64,
            per_pattern: per_class(&type_items),
        }
    });
    Section {
        n: items.len(),
        // (on an all-positive set such as the synthetic one only recall is meaningful)
        distorted: pairs(|i, p| i.distorted.map(|d| (d, p.distorted))),
        self_critical: pairs(|i, p| i.self_critical.map(|d| (d, p.self_critical))),
        patterns,
        patient_identifier_guard: pairs(|i, p| i.phi.map(|d| (d, p.phi))),
    }
}

/// Evaluate the detector on a labelled CSV file and print the report.
pub fn run_eval(path: &Path, json: bool, out: &mut dyn Write) -> Result<(), String> {
    let data =
        std::fs::read(path).map_err(|e| format!("could not read {}: {e}", path.display()))?;
    let (format, items) = read_items(&data)?;
    if items.is_empty() {
        return Err(format!("{} has no labelled rows", path.display()));
    }
    let detector = Detector::new();
    let t = Instant::now();
    let preds: Vec<Prediction> = items
        .iter()
        .map(|i| {
            let a = detector.analyze(&i.text);
            Prediction {
                distorted: a.distorted,
                self_critical: a.self_critical,
                patterns: a.patterns.iter().map(|f| f.pattern).collect(),
                phi: format == Format::PatientIdentifiers
                    && !patient_identifiers(&i.text).is_empty(),
                sentences: a.sentences.len(),
            }
        })
        .collect();
    let seconds = t.elapsed().as_secs_f64();
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
    if let Some(r) = &s.self_critical {
        bin(out, "self-critical or not", r)?;
    }
    if let Some(r) = &s.patient_identifier_guard {
        bin(out, "patient-identifier guard", r)?;
    }
    if let Some(t) = &s.patterns {
        writeln!(
            out,
            "  patterns over {} distorted items ({}):",
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

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
