#!/usr/bin/env bash
# Several tend processes on one PostgreSQL behind HAProxy (issue 18): for 1, 2
# and 3 processes started with scripts/cluster.sh,
#   - GET /today at 64 clients with wrk (ACCOUNTS people with DAYS days of
#     check-ins and journal entries, seeded by examples/bench_seed), and the
#     CPU time the tend processes spent per request (utime + stime from
#     /proc/PID/stat, before and after);
#   - reply throughput (64 members posting back to back, each up to the
#     20-a-minute limit) and the fan-out delay of a reply to VIEWERS live
#     streams (default 200, two per person) spread over the processes
#     (examples/cluster_fanout).
#   bench/cluster-bench.sh [ACCOUNTS] [DAYS] [SECONDS] [VIEWERS]
# TEND_BENCH_COUNTS (default "1 2 3") chooses the process counts, e.g. "3"
# for the issue's fan-out figure alone. CPU per request over alternating
# rounds, with PostgreSQL's share: bench/cluster-cpu.sh.
# Needs wrk and haproxy (installed from Debian with apt-get if missing) and
# PostgreSQL at 127.0.0.1:5432. Prints Markdown tables.
set -euo pipefail
cd "$(dirname "$0")/.."
ACCOUNTS=${1:-200}
DAYS=${2:-90}
SECS=${3:-10}
VIEWERS=${4:-200}
COUNTS=${TEND_BENCH_COUNTS:-1 2 3}
TARGET=${CARGO_TARGET_DIR:-target}
export TEND_CLUSTER_DIR=${TEND_CLUSTER_DIR:-/tmp/tend-cluster-bench}
export TEND_CLUSTER_DB=${TEND_CLUSTER_DB:-tend_cluster_bench}
PORT=${TEND_CLUSTER_PORT:-18100}
DB_URL="postgres://postgres@127.0.0.1:5432/$TEND_CLUSTER_DB"
WORK=$(mktemp -d)
trap 'scripts/cluster.sh stop >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
[ -n "${TEND_BENCH_NO_BUILD:-}" ] || cargo build --release --quiet -p tend --bin tend --example bench_seed --example cluster_fanout
export TEND_BIN=${TEND_BIN:-$TARGET/release/tend}
# Cheap key derivation for the many sign-ups of the set-up; a high address
# limit because every client comes through HAProxy's one address.
export TEND_CLUSTER_FLAGS="--argon2-memory-kib 64 --auth-attempts-per-minute 1000000"

ticks() { # total utime+stime of the given pids
  local t=0 p f
  for p in "$@"; do
    f=$(sed 's/.*) //' "/proc/$p/stat")
    t=$((t + $(awk '{print $12 + $13}' <<<"$f")))
  done
  echo "$t"
}

TODAY="$WORK/today.md"
FAN="$WORK/fan.md"
for n in $COUNTS; do
  scripts/cluster.sh start "$n" >/dev/null
  pids=()
  for i in $(seq 1 "$n"); do pids+=("$(cat "$TEND_CLUSTER_DIR/tend-$i.pid")"); done
  "$TARGET/release/examples/bench_seed" --database-url "$DB_URL" --data-dir "$WORK/unused" \
    --accounts "$ACCOUNTS" --days "$DAYS" --tokens "$WORK/tokens.txt" >/dev/null
  # Warm up (connections, caches), then measure.
  TEND_TOKENS="$WORK/tokens.txt" wrk -t2 -c64 -d2s -s bench/today.lua "http://127.0.0.1:$PORT" >/dev/null
  before=$(ticks "${pids[@]}")
  declare -A each=()
  for p in "${pids[@]}"; do each[$p]=$(ticks "$p"); done
  out=$(TEND_TOKENS="$WORK/tokens.txt" wrk -t2 -c64 -d"${SECS}s" --latency -s bench/today.lua "http://127.0.0.1:$PORT")
  after=$(ticks "${pids[@]}")
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errs=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  per=""
  for p in "${pids[@]}"; do
    per+="$(awk -v a="${each[$p]}" -v b="$(ticks "$p")" -v r="$reqs" 'BEGIN {printf "%.2f", (b - a) * 10 / r}') "
  done
  total=$(awk -v a="$before" -v b="$after" -v r="$reqs" 'BEGIN {printf "%.2f", (b - a) * 10 / r}')
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$rps" "$p50" "$p99" "${errs:-0}" "$total" "$per" >>"$TODAY"
  unset each
  "$TARGET/release/examples/cluster_fanout" --base "http://127.0.0.1:$PORT" --database-url "$DB_URL" \
    --viewers "$VIEWERS" --posters 64 --label "$n" --pids "$(IFS=,; echo "${pids[*]}")" >>"$FAN"
  scripts/cluster.sh stop >/dev/null
done

echo "GET /today, 64 clients, ${SECS} s, $ACCOUNTS people with $DAYS days each"
echo
echo "| processes | requests/s | p50 | p99 | non-2xx | tend CPU ms/request (all) | per process |"
echo "|---|---|---|---|---|---|---|"
cat "$TODAY"
echo
echo "Replies and fan-out ($VIEWERS viewers)"
echo
echo "| processes | what | rate / delivered | p50 | p99 | saved / max | CPU per reply |"
echo "|---|---|---|---|---|---|---|"
cat "$FAN"
echo
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
