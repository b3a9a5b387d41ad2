#!/usr/bin/env bash
# Rebuild crates/tend-detector/data/model.txt (the detector's learned layer),
# data/embed-model.txt (the same classes over the static embedding and the rules)
# and data/risk-model.txt (the risk-language model)
# from the allowed data: the MIT synthetic set in ../shared and the dev rows
# of the project's own labelled files. Deterministic: the same data gives the
# same file, and a test checks that the committed file is exactly this output.
# The Therapist QA files are never read here (evaluation only).
set -euo pipefail
cd "$(dirname "$0")/.."
synthetic="${1:-../shared/datasets/thinking-patterns/synthetic-babacan2025.csv}"
cargo run --quiet --release -p tend-detector --bin tend-detector -- \
  train "$synthetic" crates/tend-detector/data
# The model is embedded in the binaries, so rebuild them.
cargo build --quiet --release -p tend-detector
