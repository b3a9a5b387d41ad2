//! Regression tests on the project's own labelled data, and smoke tests of
//! the evaluation command on the public data sets when they are present.

use std::path::PathBuf;

use tend_detector::cli::{AnalyzeArgs, run_analyze};

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/datasets/thinking-patterns` relative to the repository root.
fn shared_data(file: &str) -> Option<PathBuf> {
    let p = manifest()
        .join("../../../shared/datasets/thinking-patterns")
        .join(file);
    if p.is_file() {
        Some(p)
    } else {
        println!(
            "SKIPPED: {} not found (the public data sets live in ../shared relative to the repository root)",
            p.display()
        );
        None
    }
}

fn eval_json(path: PathBuf) -> serde_json::Value {
    eval_json_with(path, false)
}

fn eval_json_with(path: PathBuf, rules_only: bool) -> serde_json::Value {
    let args = AnalyzeArgs {
        json: true,
        lines: false,
        eval: Some(path),
        rules_only,
    };
    let mut out = Vec::new();
    run_analyze(&args, &mut std::io::empty(), &mut out).expect("eval runs");
    serde_json::from_slice(&out).expect("eval prints JSON")
}

fn f(v: &serde_json::Value) -> f64 {
    v.as_f64().expect("number")
}

#[test]
fn own_sentences_self_critical_f1_at_least_0_90() {
    let r = eval_json(manifest().join("data/medstudent-sentences.csv"));
    assert!(f(&r["all"]["n"]) >= 300.0);
    let all = f(&r["all"]["self_critical"]["f1"]["value"]);
    let heldout = f(&r["splits"]["heldout"]["self_critical"]["f1"]["value"]);
    let dev = f(&r["splits"]["dev"]["self_critical"]["f1"]["value"]);
    println!("self-critical F1: all {all:.3}, dev {dev:.3}, held-out {heldout:.3}");
    assert!(all >= 0.90, "self-critical F1 {all}");
    // The held-out third was never used to write or adjust rules.
    assert!(heldout >= 0.85, "held-out self-critical F1 {heldout}");
    // Hard negatives must stay quiet: specificity of the distorted flag.
    let spec = f(&r["all"]["distorted"]["specificity"]["value"]);
    assert!(spec >= 0.85, "specificity {spec}");
}

#[test]
fn patient_identifier_guard_recall_at_least_0_95() {
    let r = eval_json(manifest().join("data/patient-identifiers.csv"));
    let g = &r["all"]["patient_identifier_guard"];
    let recall = f(&g["recall"]["value"]);
    let spec = f(&g["specificity"]["value"]);
    println!("guard: recall {recall:.3}, specificity {spec:.3}");
    assert!(recall >= 0.95, "guard recall {recall}");
    assert!(spec >= 0.90, "guard specificity {spec}");
}

#[test]
fn therapist_qa_dev_eval_runs() {
    let Some(p) = shared_data("therapistqa-dev.csv") else {
        return;
    };
    let r = eval_json(p);
    let d = &r["all"]["distorted"];
    println!(
        "Therapist QA dev: F1 {:.3}, specificity {:.3}, weighted type F1 {:.3}",
        f(&d["f1"]["value"]),
        f(&d["specificity"]["value"]),
        f(&r["all"]["patterns"]["weighted_f1"]["value"])
    );
    assert_eq!(f(&r["all"]["n"]), 352.0);
    for k in ["precision", "recall", "f1", "specificity"] {
        let v = f(&d[k]["value"]);
        assert!((0.0..=1.0).contains(&v));
        assert!(f(&d[k]["ci_low"]) <= v && v <= f(&d[k]["ci_high"]));
    }
}

#[test]
fn synthetic_eval_runs() {
    let Some(p) = shared_data("synthetic-babacan2025.csv") else {
        return;
    };
    let r = eval_json(p);
    let recall = f(&r["all"]["distorted"]["recall"]["value"]);
    println!(
        "synthetic: recall {recall:.3}, weighted type F1 {:.3}",
        f(&r["all"]["patterns"]["weighted_f1"]["value"])
    );
    assert!(recall > 0.5);
}

#[test]
fn detector_builds_with_its_rules_and_model() {
    // Load time is measured by `tend-detector bench` (docs/detector.md), not here.
    let d = tend_detector::Detector::new();
    assert!(d.rule_count() > 100);
    assert!(d.has_model(), "the embedded model failed to parse");
    assert!(
        d.has_embeddings(),
        "the embedding table or embedding model failed to load"
    );
}

/// The product's promise for everyday writing: at most one ordinary
/// sentence in twenty is flagged (held-out rows; the decision threshold was
/// chosen to keep this, see docs/detector.md).
#[test]
fn everyday_ordinary_sentences_stay_quiet() {
    for file in ["everyday-statements.csv", "plain-descriptions.csv"] {
        let r = eval_json(manifest().join("data").join(file));
        let spec = f(&r["splits"]["heldout"]["distorted"]["specificity"]["value"]);
        println!("{file} held-out specificity {spec:.3}");
        assert!(spec >= 0.95, "{file}: held-out specificity {spec}");
    }
}

/// The held-out thirds of the project-written files, which the model never
/// trained on: ordinary text must stay quiet, distortions must be found, and
/// the learned layer must rank texts better than the rules alone.
#[test]
fn held_out_project_data_is_read_well_and_better_than_rules_alone() {
    for (file, min_f1, min_spec) in [
        ("everyday-statements.csv", 0.80, 0.90),
        ("short-statements.csv", 0.70, 0.90),
        ("life-narratives.csv", 0.75, 0.90),
        ("medstudent-sentences.csv", 0.80, 0.90),
    ] {
        let path = manifest().join("data").join(file);
        let r = eval_json(path.clone());
        let rules = eval_json_with(path, true);
        let held = &r["splits"]["heldout"];
        assert!(f(&held["n"]) >= 100.0, "{file}: held-out third too small");
        let f1 = f(&held["distorted"]["f1"]["value"]);
        let spec = f(&held["distorted"]["specificity"]["value"]);
        let auc = f(&held["distorted_auc"]);
        let rules_auc = f(&rules["splits"]["heldout"]["distorted_auc"]);
        println!(
            "{file} held-out: F1 {f1:.3}, specificity {spec:.3}, AUC {auc:.3} (rules alone {rules_auc:.3})"
        );
        assert!(f1 >= min_f1, "{file}: held-out distorted F1 {f1}");
        assert!(spec >= min_spec, "{file}: held-out specificity {spec}");
        assert!(
            auc > rules_auc,
            "{file}: model AUC {auc} vs rules {rules_auc}"
        );
    }
    // Plain descriptions ("my sister is a nurse") are all ordinary.
    let r = eval_json(manifest().join("data/plain-descriptions.csv"));
    let spec = f(&r["splits"]["heldout"]["distorted"]["specificity"]["value"]);
    println!("plain-descriptions.csv held-out: specificity {spec:.3}");
    assert!(
        spec >= 0.95,
        "plain descriptions held-out specificity {spec}"
    );
}

#[test]
fn shipped_model_is_what_the_train_command_builds() {
    let Some(synthetic) = shared_data("synthetic-babacan2025.csv") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("tend-models-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut log = Vec::new();
    tend_detector::cli::run_train(&synthetic, &dir, &mut log).expect("training runs");
    for file in ["model.txt", "embed-model.txt", "risk-model.txt"] {
        let rebuilt = std::fs::read_to_string(dir.join(file)).expect("model written");
        let shipped = std::fs::read_to_string(manifest().join("data").join(file)).expect("model");
        assert!(
            rebuilt == shipped,
            "data/{file} differs from what `tend-detector train` builds; run scripts/train-detector.sh"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Risk language on the independent test set (written without seeing the
/// detector or the set its phrases were written from): most thoughts of not
/// wanting to be alive must show help, clinical talk and idioms mostly not.
#[test]
fn risk_language_on_the_independent_test_set() {
    let r = eval_json(manifest().join("data/risk-language-test.csv"));
    let g = &r["all"]["risk_language"];
    let (recall, spec) = (f(&g["recall"]["value"]), f(&g["specificity"]["value"]));
    println!("risk test set: recall {recall:.3}, specificity {spec:.3}");
    assert!(f(&r["all"]["n"]) >= 250.0);
    assert!(recall >= 0.50, "risk recall {recall}");
    assert!(spec >= 0.90, "risk specificity {spec}");
    assert_eq!(
        r["all"]["risk_by_kind"]["clinical"][0], 0,
        "clinical talk flagged"
    );
}

/// Ordinary writing (the held-out rows of the thinking-pattern files, none
/// about risk) must rarely bring up crisis lines.
#[test]
fn risk_language_rarely_fires_on_ordinary_writing() {
    let mut rows = 0usize;
    let mut flagged = Vec::new();
    for file in [
        "medstudent-sentences.csv",
        "everyday-statements.csv",
        "short-statements.csv",
        "life-narratives.csv",
        "plain-descriptions.csv",
    ] {
        let mut rdr = csv::Reader::from_path(manifest().join("data").join(file)).expect("csv");
        let headers = rdr.headers().expect("header").clone();
        let text = headers
            .iter()
            .position(|h| h == "text")
            .expect("text column");
        let split = headers
            .iter()
            .position(|h| h == "split")
            .expect("split column");
        for rec in rdr.records() {
            let rec = rec.expect("row");
            if &rec[split] != "heldout" {
                continue;
            }
            rows += 1;
            if tend_detector::risk_language(&rec[text]).is_some() {
                flagged.push(rec[text].to_string());
            }
        }
    }
    let rate = flagged.len() as f64 / rows as f64;
    println!(
        "risk false alarms on ordinary writing: {} of {rows} ({rate:.3})",
        flagged.len()
    );
    assert!(rows > 800);
    assert!(rate <= 0.01, "false alarms: {flagged:?}");
}

/// The text score is the models' reading (issue 15): it must rank the
/// held-out thirds as well as that reading does (strong rule findings used
/// to lift it to their own confidence, which ranked worse), and it must
/// still agree with the decision: `score >= 0.5` exactly when distorted.
#[test]
fn text_score_ranks_as_the_model_reading_and_agrees_with_the_decision() {
    let d = tend_detector::Detector::new();
    for file in [
        "everyday-statements.csv",
        "short-statements.csv",
        "life-narratives.csv",
        "medstudent-sentences.csv",
        "plain-descriptions.csv",
    ] {
        let path = manifest().join("data").join(file);
        if file != "plain-descriptions.csv" {
            let r = eval_json(path.clone());
            let held = &r["splits"]["heldout"];
            let auc = f(&held["distorted_auc"]);
            let hybrid = f(&held["auc_by_reading"]["hybrid"]);
            println!("{file} held-out: AUC of score {auc:.4}, of the model reading {hybrid:.4}");
            assert!(
                auc >= hybrid - 0.001,
                "{file}: score AUC {auc} below the model reading's {hybrid}"
            );
        }
        let mut rdr = csv::Reader::from_path(&path).expect("csv");
        let text = rdr
            .headers()
            .expect("header")
            .iter()
            .position(|h| h == "text")
            .expect("text column");
        for rec in rdr.records() {
            let rec = rec.expect("row");
            let a = d.analyze(&rec[text]);
            assert_eq!(
                a.distorted,
                a.score >= tend_detector::REPORT_THRESHOLD,
                "{file}: {:?} score {} distorted {}",
                &rec[text],
                a.score,
                a.distorted
            );
        }
    }
}
