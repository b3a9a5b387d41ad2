#!/usr/bin/env bash
# Peer-support load check (issue 5): 200 viewers hold a busy thread open over
# server-sent events and keep reading it while a steady stream of replies is
# posted, on SQLite and on PostgreSQL. Prints reads/s, p50/p99 read latency, and
# how long each reply takes to reach every viewer (fan-out).
# Release build; PostgreSQL at TEND_TEST_POSTGRES_URL (default: the local test db).
set -euo pipefail
cd "$(dirname "$0")/.."
export TEND_TEST_POSTGRES_URL=${TEND_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
cargo test --release -q -p tend --test it busy_thread_load -- --ignored --nocapture --test-threads=1 2>&1 \
  | grep -E '^\|'
