//! `tend-detector train`: rebuild `data/model.txt` from the allowed data.
//!
//! Trains on (1) the synthetic set of Babacan et al. (MIT; read from
//! `../shared`, never copied into the repository) and (2) the `dev` rows of
//! the project's own labelled files, which are embedded in the binary. The
//! `heldout` rows and the Therapist QA files are never read here: the first
//! are kept for an honest measurement, the second may not be used to build
//! anything.

use std::io::Write;
use std::path::Path;

use super::eval::{Format, read_items};
use crate::Detector;
use crate::text::sentences;
use crate::train::{Example, TrainConfig, train, train_embedded, train_risk};

pub(super) const OWN_FILES: [(&str, &str); 5] = [
    (
        "data/medstudent-sentences.csv",
        include_str!("../../data/medstudent-sentences.csv"),
    ),
    (
        "data/everyday-statements.csv",
        include_str!("../../data/everyday-statements.csv"),
    ),
    (
        "data/short-statements.csv",
        include_str!("../../data/short-statements.csv"),
    ),
    (
        "data/life-narratives.csv",
        include_str!("../../data/life-narratives.csv"),
    ),
    (
        "data/plain-descriptions.csv",
        include_str!("../../data/plain-descriptions.csv"),
    ),
];

/// The risk-language sets that train the risk model: the first was used
/// while writing the risk phrases, the second was written for training.
/// `risk-language-test.csv` is never read here.
const RISK_FILES: [(&str, &str); 2] = [
    (
        "data/risk-language.csv",
        include_str!("../../data/risk-language.csv"),
    ),
    (
        "data/risk-language-more.csv",
        include_str!("../../data/risk-language-more.csv"),
    ),
];

/// Train both models and write `model.txt` and `risk-model.txt` into `out_dir`.
pub fn run_train(synthetic: &Path, out_dir: &Path, out: &mut dyn Write) -> Result<(), String> {
    let data = std::fs::read(synthetic).map_err(|e| {
        format!(
            "could not read the synthetic set at {}: {e} (it lives in ../shared/datasets/thinking-patterns/)",
            synthetic.display()
        )
    })?;
    let (format, items) = read_items(&data)?;
    if format != Format::Synthetic {
        return Err(format!(
            "{} is not the synthetic set (expected a text,label header)",
            synthetic.display()
        ));
    }
    let mut examples: Vec<Example> = items
        .iter()
        .map(|i| Example {
            text: i.text.clone(),
            pattern: i.patterns.first().copied(),
        })
        .collect();
    let mut about = vec![format!(
        "{} rows of the synthetic set (Babacan et al. 2025, MIT)",
        examples.len()
    )];
    for (name, text) in OWN_FILES {
        let (_, items) = read_items(text.as_bytes()).map_err(|e| format!("{name}: {e}"))?;
        let before = examples.len();
        for item in items
            .iter()
            .filter(|i| i.split.as_deref() != Some("heldout"))
        {
            let pattern = item.patterns.first().copied();
            if pattern.is_none() {
                // Every sentence of an ordinary text is ordinary, so a
                // negative narrative gives one clean example per sentence,
                // which is also how the detector reads text.
                examples.extend(sentences(&item.text).into_iter().map(|(s, e)| Example {
                    text: item.text[s..e].to_string(),
                    pattern: None,
                }));
            } else if let Some(part) = item.distorted_part.as_deref() {
                // A labelled narrative: the sentences holding the distorted
                // part are the positive example, the others are ordinary.
                // `read_items` has checked that the part is in the text.
                let from = item.text.find(part).unwrap_or(0);
                let to = from + part.len();
                let mut carrying = String::new();
                for (s, e) in sentences(&item.text) {
                    let sentence = &item.text[s..e];
                    if s < to && from < e {
                        carrying.push_str(sentence);
                        carrying.push(' ');
                    } else {
                        examples.push(Example {
                            text: sentence.to_string(),
                            pattern: None,
                        });
                    }
                }
                examples.push(Example {
                    text: carrying.trim_end().to_string(),
                    pattern,
                });
            } else {
                // Otherwise only some sentence of a distorted narrative
                // carries the pattern and we don't know which: kept whole.
                examples.push(Example {
                    text: item.text.clone(),
                    pattern,
                });
            }
        }
        about.push(format!(
            "{} examples from the dev rows of {name} (project's own; ordinary texts split into sentences)",
            examples.len() - before
        ));
    }
    let rules = Detector::rules_only();
    let model = train(&rules, &examples, &TrainConfig::default(), &about);
    write_model(
        out,
        &out_dir.join("model.txt"),
        &model,
        examples.len(),
        &about,
    )?;
    // The embedding model reads the same examples through the static
    // embedding; the detector averages the two readings.
    let embed_model = train_embedded(&rules, &examples, &TrainConfig::default(), &about);
    write_model(
        out,
        &out_dir.join("embed-model.txt"),
        &embed_model,
        examples.len(),
        &about,
    )?;

    // The risk model: the risk set's rows, against every ordinary or
    // distorted-but-safe sentence the pattern model trained on.
    let mut risk_examples: Vec<(String, bool)> = Vec::new();
    let mut risk_about = Vec::new();
    for (name, text) in RISK_FILES {
        let (_, items) = read_items(text.as_bytes()).map_err(|e| format!("{name}: {e}"))?;
        risk_about.push(format!("{} rows of {name} (project's own)", items.len()));
        risk_examples.extend(items.iter().map(|i| (i.text.clone(), i.risk == Some(true))));
    }
    risk_about.push(format!(
        "{} texts without risk: the pattern model's training examples",
        examples.len()
    ));
    risk_examples.extend(examples.iter().map(|e| (e.text.clone(), false)));
    let risk_config = TrainConfig {
        balance_classes: false,
        ..TrainConfig::default()
    };
    let risk_model = train_risk(&risk_examples, &risk_config, &risk_about);
    write_model(
        out,
        &out_dir.join("risk-model.txt"),
        &risk_model,
        risk_examples.len(),
        &risk_about,
    )
}

fn write_model(
    out: &mut dyn Write,
    path: &Path,
    model: &str,
    examples: usize,
    about: &[String],
) -> Result<(), String> {
    std::fs::write(path, model).map_err(|e| format!("could not write {}: {e}", path.display()))?;
    let features = model
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .count()
        .saturating_sub(2);
    writeln!(
        out,
        "trained on {examples} examples ({}); {features} features, {} bytes written to {}",
        about.join("; "),
        model.len(),
        path.display()
    )
    .map_err(|e| format!("could not write output: {e}"))
}
