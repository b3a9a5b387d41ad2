//! `tend analyze`: the command-line entry points. This is the only module
//! that does I/O (standard input/output, reading evaluation CSV files).

mod eval;
mod metrics;
mod train;

use std::io::{Read, Write};
use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::{
    Detector, Finding, MAX_INPUT_BYTES, PhiWarning, RiskMatch, patient_identifiers, risk_language,
};

pub use eval::{run_eval, run_threshold};
pub use train::run_train;

/// Arguments of `tend analyze`.
#[derive(Debug, Clone, Default)]
pub struct AnalyzeArgs {
    /// One JSON object per item instead of a readable summary.
    pub json: bool,
    /// Each input line is one item (otherwise all of standard input is one item).
    pub lines: bool,
    /// Evaluate against a labelled CSV instead of reading standard input.
    pub eval: Option<std::path::PathBuf>,
    /// Use the rules alone, without the learned layer (for comparison).
    pub rules_only: bool,
}

impl AnalyzeArgs {
    fn detector(&self) -> Detector {
        if self.rules_only {
            Detector::rules_only()
        } else {
            Detector::new()
        }
    }
}

/// The JSON object printed for one item.
#[derive(Debug, Serialize)]
struct ItemJson<'a> {
    distorted: bool,
    score: f32,
    self_critical: bool,
    patterns: &'a [Finding],
    risk: Option<RiskMatch>,
    patient_identifiers: Vec<PhiWarning>,
}

/// Run `tend analyze [--json] [--lines]` or `tend analyze --eval FILE`.
///
/// Items that are empty, not UTF-8 or over [`MAX_INPUT_BYTES`] get an error
/// of their own (`{"error": "..."}` with `--json`) and the others are still
/// analysed; the function then returns `Err` saying how many items failed, so
/// the command exits non-zero. I/O failures also return `Err`.
pub fn run_analyze(
    args: &AnalyzeArgs,
    input: &mut dyn Read,
    out: &mut dyn Write,
) -> Result<(), String> {
    if let Some(path) = &args.eval {
        return run_eval(path, args.json, &args.detector(), out);
    }
    let mut buf = Vec::new();
    input
        .read_to_end(&mut buf)
        .map_err(|e| format!("could not read standard input: {e}"))?;
    let items: Vec<&[u8]> = if args.lines {
        let mut v: Vec<&[u8]> = buf.split(|&b| b == b'\n').collect();
        if buf.ends_with(b"\n") {
            v.pop();
        }
        v.into_iter()
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
            .collect()
    } else {
        vec![buf.as_slice()]
    };
    let detector = args.detector();
    let mut failed = 0usize;
    let w = |e: std::io::Error| format!("could not write output: {e}");
    for (i, raw) in items.iter().enumerate() {
        let n = i + 1;
        let text = match check_item(raw) {
            Ok(t) => t,
            Err(msg) => {
                failed += 1;
                if args.json {
                    let v = serde_json::json!({ "error": msg });
                    writeln!(out, "{v}").map_err(w)?;
                } else {
                    writeln!(out, "item {n}: error: {msg}").map_err(w)?;
                }
                continue;
            }
        };
        let a = detector.analyze(text);
        let risk = risk_language(text);
        let phi = patient_identifiers(text);
        if args.json {
            let item = ItemJson {
                distorted: a.distorted,
                score: a.score,
                self_critical: a.self_critical,
                patterns: &a.patterns,
                risk,
                patient_identifiers: phi,
            };
            let s = serde_json::to_string(&item).map_err(|e| e.to_string())?;
            writeln!(out, "{s}").map_err(w)?;
        } else {
            write_human(out, n, items.len(), text, &a, risk.as_ref(), &phi).map_err(w)?;
        }
    }
    if failed > 0 {
        return Err(format!(
            "{failed} of {} item(s) could not be analysed",
            items.len()
        ));
    }
    Ok(())
}

fn check_item(raw: &[u8]) -> Result<&str, String> {
    if raw.len() > MAX_INPUT_BYTES {
        return Err(format!(
            "input is {} bytes, over the limit of {MAX_INPUT_BYTES} bytes",
            raw.len()
        ));
    }
    let text = std::str::from_utf8(raw)
        .map_err(|e| format!("input is not valid UTF-8 (at byte {})", e.valid_up_to()))?;
    if text.trim().is_empty() {
        return Err("empty input".to_string());
    }
    Ok(text)
}

fn write_human(
    out: &mut dyn Write,
    n: usize,
    total: usize,
    text: &str,
    a: &crate::Analysis,
    risk: Option<&RiskMatch>,
    phi: &[PhiWarning],
) -> std::io::Result<()> {
    if total > 1 {
        writeln!(out, "item {n}: {}", text.trim())?;
    }
    if let Some(r) = risk {
        writeln!(out, "  ! {}", r.explanation)?;
        writeln!(out, "    (\"{}\")", &text[r.start..r.end])?;
    }
    let verdict = match (a.self_critical, a.distorted) {
        (true, true) => "sounds like the inner critic, with an unhelpful thinking pattern",
        (true, false) => "sounds like the inner critic",
        (false, true) => "shows an unhelpful thinking pattern",
        (false, false) => "no self-critical language or thinking pattern found",
    };
    writeln!(out, "  {verdict} (score {:.2})", a.score)?;
    for f in &a.patterns {
        writeln!(
            out,
            "  - {} ({:.2}) at {}..{}: {}",
            f.pattern.id(),
            f.confidence,
            f.start,
            f.end,
            f.explanation
        )?;
        if let Some(p) = f.pattern.reframe_prompts().first() {
            writeln!(out, "      try: {p}")?;
        }
    }
    for w in phi {
        writeln!(
            out,
            "  * possible patient identifier ({}): \"{}\" - {}",
            w.kind.id(),
            &text[w.start..w.end],
            w.explanation
        )?;
    }
    Ok(())
}

/// Throughput benchmark: analyse short sentences on one thread and print
/// sentences per second. With no file, uses the project's own sentences.
pub fn run_bench(file: Option<&Path>, out: &mut dyn Write) -> Result<(), String> {
    let t0 = Instant::now();
    let detector = Detector::new();
    let load = t0.elapsed();
    let t1 = Instant::now();
    let _ = risk_language("warm up");
    let _ = patient_identifiers("warm up");
    let lazy = t1.elapsed();
    let texts: Vec<String> = match file {
        Some(p) => eval::load_texts(p)?,
        None => eval::own_sentence_texts()?,
    };
    if texts.is_empty() {
        return Err("no texts to benchmark".to_string());
    }
    let target = 200_000usize;
    let rounds = target.div_ceil(texts.len()).max(1);
    let mut n = 0usize;
    let mut bytes = 0usize;
    let mut sink = 0usize;
    let t = Instant::now();
    for _ in 0..rounds {
        for s in &texts {
            let a = detector.analyze(s);
            sink += a.patterns.len();
            n += 1;
            bytes += s.len();
        }
    }
    let secs = t.elapsed().as_secs_f64();
    // The same texts without the embedding model, for comparison on the
    // same machine at the same moment.
    let words_only = Detector::without_embeddings();
    let t = Instant::now();
    for _ in 0..rounds {
        for s in &texts {
            sink += words_only.analyze(s).patterns.len();
        }
    }
    let secs_words = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut m = 0usize;
    for s in texts.iter().take(20_000) {
        sink += usize::from(risk_language(s).is_some()) + patient_identifiers(s).len();
        m += 1;
    }
    let secs_extra = t.elapsed().as_secs_f64();
    let w = |e: std::io::Error| e.to_string();
    writeln!(
        out,
        "without the embedding model: {:.0} texts/s (the embedding model costs {:.1} µs per text)",
        n as f64 / secs_words.max(1e-9),
        (secs - secs_words) / n.max(1) as f64 * 1e6
    )
    .map_err(w)?;
    writeln!(
        out,
        "detector load: {:.2} ms ({} rules); risk+guard patterns compile: {:.2} ms",
        load.as_secs_f64() * 1e3,
        detector.rule_count(),
        lazy.as_secs_f64() * 1e3
    )
    .map_err(w)?;
    writeln!(
        out,
        "analyze: {n} texts ({:.1} bytes avg) in {secs:.3} s on one thread = {:.0} texts/s",
        bytes as f64 / n as f64,
        n as f64 / secs
    )
    .map_err(w)?;
    writeln!(
        out,
        "risk_language + patient_identifiers: {m} texts in {secs_extra:.3} s = {:.0} texts/s",
        m as f64 / secs_extra
    )
    .map_err(w)?;
    writeln!(out, "(checksum {sink})").map_err(w)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &AnalyzeArgs, input: &[u8]) -> (Result<(), String>, String) {
        let mut out = Vec::new();
        let r = run_analyze(args, &mut &input[..], &mut out);
        (r, String::from_utf8(out).unwrap())
    }

    #[test]
    fn json_lines_with_per_item_errors() {
        let args = AnalyzeArgs {
            json: true,
            lines: true,
            ..Default::default()
        };
        let mut input = b"I'm such an idiot\n\nI reviewed the ECG\n".to_vec();
        input.extend_from_slice(&[0xff, 0xfe, b'\n']);
        let (r, out) = run(&args, &input);
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0]["self_critical"], true);
        assert_eq!(lines[0]["patterns"][0]["pattern"], "labeling");
        assert!(lines[0]["patterns"][0]["start"].is_u64());
        assert_eq!(lines[1]["error"], "empty input");
        assert_eq!(lines[2]["distorted"], false);
        assert!(lines[3]["error"].as_str().unwrap().contains("UTF-8"));
        assert!(r.unwrap_err().contains("2 of 4"));
    }

    #[test]
    fn whole_input_is_one_item_and_oversize_is_rejected() {
        let args = AnalyzeArgs {
            json: true,
            ..Default::default()
        };
        let (r, out) = run(&args, b"I should have known.\nI'm the worst.\n");
        assert!(r.is_ok());
        assert_eq!(out.lines().count(), 1);
        let big = vec![b'a'; MAX_INPUT_BYTES + 1];
        let (r, out) = run(&args, &big);
        assert!(r.is_err());
        assert!(out.contains("over the limit"));
    }

    #[test]
    fn human_summary_reads_well() {
        let (r, out) = run(
            &AnalyzeArgs::default(),
            "Everyone else is smarter than me.".as_bytes(),
        );
        assert!(r.is_ok());
        assert!(out.contains("comparing"), "{out}");
        assert!(out.contains("try:"), "{out}");
    }

    #[test]
    fn empty_stdin_is_an_error() {
        let (r, out) = run(&AnalyzeArgs::default(), b"   \n");
        assert!(r.is_err());
        assert!(out.contains("empty input"));
    }
}
