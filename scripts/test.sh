#!/usr/bin/env bash
# The whole test suite: formatting, lints, Rust tests (SQLite always, and
# PostgreSQL when TEND_TEST_POSTGRES_URL is set), schemathesis over the JSON
# API (scripts/schemathesis.sh), then the browser tests in
# Debian's Chromium. Run from anywhere: `scripts/test.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== layers"
scripts/check-layers.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== cargo test (SQLite${TEND_TEST_POSTGRES_URL:+ and PostgreSQL})"
cargo test --workspace --quiet

echo "== schemathesis over the JSON API"
# Every operation in the generated OpenAPI document, fuzzed against a fresh
# server; any failure fails the suite (docs/api.md).
scripts/schemathesis.sh

echo "== browser tests"
if [ ! -x /usr/bin/chromium ]; then
  echo "Chromium is missing: install Debian's package with 'apt-get install -y chromium'." >&2
  exit 1
fi
if [ ! -d e2e/node_modules/playwright-core ]; then
  (cd e2e && npm ci --no-audit --no-fund)
fi
cargo build --quiet --bin tend
# The browser tests start the binary just built, wherever CARGO_TARGET_DIR puts it.
TEND_BIN="${TEND_BIN:-$(realpath "${CARGO_TARGET_DIR:-target}")/debug/tend}"
export TEND_BIN
(cd e2e && node --test --test-concurrency=1 tests/)
