#!/usr/bin/env bash
# Import speed (issue 14, docs/transfer.md "Speed"): times POST /api/v1/import of
# YEARS years of every feature for one person into a release tend server on
# SQLite and on PostgreSQL, ROUNDS alternating rounds (first import, the same
# file again, the same file into a second account), and the servers' peak memory.
#   bench/import-bench.sh [ROUNDS] [YEARS]
# Needs PostgreSQL at 127.0.0.1:5432 (TEND_BENCH_PG_HOST/USER to change); makes
# the database tend_importbench afresh and drops it at the end. TEND_BENCH_PG=0
# times SQLite only. Prints Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-7}
YEARS=${2:-1}
TARGET=${CARGO_TARGET_DIR:-target}
PG_HOST=${TEND_BENCH_PG_HOST:-127.0.0.1}
PG_USER=${TEND_BENCH_PG_USER:-postgres}
DB=tend_importbench

cargo build --release --quiet -p tend --bin tend --example import_bench
PG_ARGS=()
if [ "${TEND_BENCH_PG:-1}" != 0 ]; then
  dropdb -h "$PG_HOST" -U "$PG_USER" --if-exists "$DB"
  createdb -h "$PG_HOST" -U "$PG_USER" "$DB"
  trap 'dropdb -h "$PG_HOST" -U "$PG_USER" --if-exists "$DB"' EXIT
  PG_ARGS=(--postgres "postgres://$PG_USER@$PG_HOST:5432/$DB")
fi
"$TARGET/release/examples/import_bench" --tend "$TARGET/release/tend" \
  --rounds "$ROUNDS" --years "$YEARS" "${PG_ARGS[@]}"
