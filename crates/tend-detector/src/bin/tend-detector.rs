//! Development binary for tend-detector (the shipped CLI is `tend analyze`).
//!
//! * `tend-detector analyze [--json] [--lines] [--eval FILE]` — same as `tend analyze`.
//! * `tend-detector bench [FILE]` — throughput on one core (sentences per second).
//! * `tend-detector trace` — which rules fire on each line of standard input.
//! * `tend-detector threshold [--raw] [--without-embeddings]` — MCC of each decision threshold (the
//!   detector's own decision at each; `--raw`: the text score against each) on the
//!   project's own held-out rows (how the shipped threshold was chosen).

use std::io::{BufRead, Write};
use std::process::ExitCode;

use tend_detector::Detector;
use tend_detector::cli::{AnalyzeArgs, run_analyze, run_bench, run_threshold, run_train};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = match args.first().map(String::as_str) {
        Some("analyze") => {
            let mut a = AnalyzeArgs::default();
            let mut it = args.iter().skip(1);
            while let Some(x) = it.next() {
                match x.as_str() {
                    "--json" => a.json = true,
                    "--lines" => a.lines = true,
                    "--eval" => a.eval = it.next().map(Into::into),
                    "--rules-only" => a.rules_only = true,
                    other => {
                        eprintln!("unknown argument {other}");
                        return ExitCode::from(2);
                    }
                }
            }
            run_analyze(&a, &mut stdin.lock(), &mut out)
        }
        Some("train") => {
            let synthetic = args.get(1).map_or(
                "../shared/datasets/thinking-patterns/synthetic-babacan2025.csv",
                String::as_str,
            );
            let out_dir = args
                .get(2)
                .map_or("crates/tend-detector/data", String::as_str);
            run_train(
                std::path::Path::new(synthetic),
                std::path::Path::new(out_dir),
                &mut out,
            )
        }
        Some("threshold") => {
            let d = if args.iter().any(|a| a == "--without-embeddings") {
                Detector::without_embeddings()
            } else {
                Detector::new()
            };
            if args.iter().any(|a| a == "--raw") {
                // The text score at the uncalibrated threshold, compared with each threshold.
                run_threshold(d.with_decision_threshold(0.5), false, &mut out)
            } else {
                run_threshold(d, true, &mut out)
            }
        }
        Some("bench") => run_bench(args.get(1).map(std::path::Path::new), &mut out),
        Some("trace") => {
            let d = Detector::new();
            for line in stdin.lock().lines().map_while(Result::ok) {
                let _ = writeln!(out, "> {line}");
                for (l, k, w, s) in d.trace(&line) {
                    let _ = writeln!(out, "   rules.txt:{l:<4} {k:<22} {w:.2}  {s}");
                }
                let a = d.analyze(&line);
                let _ = writeln!(
                    out,
                    "   => distorted={} score={} self_critical={} patterns={:?}",
                    a.distorted,
                    a.score,
                    a.self_critical,
                    a.patterns
                        .iter()
                        .map(|f| (f.pattern.id(), f.confidence))
                        .collect::<Vec<_>>()
                );
            }
            Ok(())
        }
        _ => Err(
            "usage: tend-detector analyze [--json] [--lines] [--eval FILE] [--rules-only] | train [SYNTHETIC_CSV [OUT_DIR]] | bench [FILE] | trace | threshold [--raw] [--without-embeddings]"
                .to_string(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
