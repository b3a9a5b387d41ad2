#!/usr/bin/env bash
# Load benchmark for tend (issue 2): release build, SQLite, 1,000 accounts with a
# year of daily check-ins and journal entries each; wrk from a second process on
# loopback at 1, 16 and 64 connections; the server's peak memory from /proc.
#   bench/run.sh [ACCOUNTS] [DAYS] [SECONDS]
# TEND_SEED_FLAGS=--every-feature also seeds a year of thoughts, practice,
# gratitude and goals; TEND_EXTRA_PAGES="/critic /review ..." times more pages
# at one client.
# Needs wrk (apt-get install -y wrk). Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
ACCOUNTS=${1:-1000}
DAYS=${2:-365}
SECS=${3:-10}
WORK=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

cargo build --release --quiet --bin tend --example bench_seed
./target/release/examples/bench_seed --data-dir "$WORK/data" --accounts "$ACCOUNTS" --days "$DAYS" --tokens "$WORK/tokens.txt" ${TEND_SEED_FLAGS:-}
PORT=18099
TEND_LOG=warn ./target/release/tend serve --data-dir "$WORK/data" --addr "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
export TEND_TOKENS="$WORK/tokens.txt"

run() { # name script connections [path]
  local out
  out=$(TEND_PATH=${4:-/today} wrk -t"$(( $3 < 2 ? 1 : 2 ))" -c"$3" -d"${SECS}s" --latency -s "bench/$2" "http://127.0.0.1:$PORT")
  local rps p50 p99 errs
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errs=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$3" "$rps" "$p50" "$p99" "${errs:-0}"
}

echo "| request | clients | requests/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|---|"
for c in 1 16 64; do run "GET /today" today.lua "$c"; done
for c in 1 16 64; do run "PUT check-in" checkin.lua "$c"; done
for p in ${TEND_EXTRA_PAGES:-}; do run "GET $p" today.lua 1 "$p"; done
echo
echo "Peak server memory (VmHWM): $(awk '/VmHWM/ {print $2, $3}' "/proc/$PID/status")"
echo "Database size: $(du -sh "$WORK/data" | cut -f1)"
