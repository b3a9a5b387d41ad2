#!/usr/bin/env bash
# CPU per request with 1, 2 and 3 tend processes on one PostgreSQL (issue 18),
# in alternating rounds, counting tend and the PostgreSQL backends separately.
#
#   bench/cluster-cpu.sh [ROUNDS] [SECONDS] [ACCOUNTS] [DAYS]   (default 3 10 200 60)
#
# One cluster of three processes (scripts/cluster.sh) on one seeded database
# (examples/bench_seed) serves every measurement; a measurement with N
# processes stops the others with SIGTERM (HAProxy's health check takes them
# out) and starts them again when needed (`scripts/cluster.sh revive`), so
# every process count reads the same data through the same HAProxy. Rounds
# alternate the order (1 2 3, then 3 2 1, ...) so a change in the machine's
# other load falls on every count alike.
#
# Loads, 64 connections each (wrk, Debian); TEND_CPU_LOADS chooses them
# (default "sat paced"):
#   sat    GET /today back to back: the machine saturated (2 cores run tend,
#          PostgreSQL, HAProxy and wrk), the issue's configuration;
#   paced  GET /today, each connection pausing PACE_MS (default 200 ms) before
#          each request (bench/cluster-paced.lua): the same offered load, about
#          64 × 1000 / PACE_MS requests a second, for every process count,
#          with the cores not saturated;
#   reply  a reply posted through the browser form (bench/reply.lua: session
#          cookie, form token) back to back, every seeded person in turn, in
#          one thread of one circle holding them all. Each person may post 20
#          replies a minute, so seed enough people for the rate (about 2,000
#          for a few hundred replies a second over a round); refused posts show
#          in the non-2xx column and make the row invalid.
#          TEND_REPLY_THREADS=N spreads the replies over N threads in turn
#          (default 1: every reply locks the same thread's row, as a thread
#          everyone answers at once would)
# For each it records requests/s, p50/p99, the CPU time (utime + stime from
# /proc/PID/stat) of the tend processes, of the PostgreSQL backends serving
# the database (from pg_stat_activity; the ones that existed at the start or
# the end) and of HAProxy, each divided by the requests served; the context
# switches of the tend processes per request (all threads); and how busy the
# whole machine was (/proc/stat), other people's work included.
#
# Settings (environment): PACE_MS; TEND_PERF=DIR, a perf profile (cpu-clock,
# call graphs) of the tend processes during each saturated measurement, into
# DIR (perf adds its own cost: use those runs for the profile, not the
# figures); TEND_PERF_LOADS, which loads to profile (default "sat"; e.g.
# "sat paced"); TEND_ENV, extra environment for the tend processes (e.g.
# "TEND_DB_POOL_SIZE=4 TEND_WORKER_THREADS=1"); TEND_CPU_COUNTS (default
# "1 2 3"); TEND_CLUSTER_REUSE=0, HAProxy opens a connection per request
# (the default, 1, keeps its connections to the processes open;
# scripts/cluster.sh).
# Needs PostgreSQL at 127.0.0.1:5432; wrk and haproxy are installed from
# Debian with apt-get if missing. Every loop here is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
SECS=${2:-10}
ACCOUNTS=${3:-200}
DAYS=${4:-60}
PACE_MS=${PACE_MS:-200}
COUNTS=${TEND_CPU_COUNTS:-1 2 3}
TARGET=${CARGO_TARGET_DIR:-target}
export TEND_CLUSTER_DIR=${TEND_CLUSTER_DIR:-/tmp/tend-cluster-cpu}
export TEND_CLUSTER_DB=${TEND_CLUSTER_DB:-tend_cluster_cpu}
export TEND_CLUSTER_PORT=${TEND_CLUSTER_PORT:-18300}
PORT=$TEND_CLUSTER_PORT
DB_URL="postgres://postgres@127.0.0.1:5432/$TEND_CLUSTER_DB"
WORK=$(mktemp -d)
trap 'scripts/cluster.sh stop >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
[ -n "${TEND_BENCH_NO_BUILD:-}" ] || cargo build --release --quiet -p tend --bin tend --example bench_seed
export TEND_BIN=${TEND_BIN:-$TARGET/release/tend}
export TEND_CLUSTER_FLAGS="--argon2-memory-kib 64 --auth-attempts-per-minute 1000000"
# shellcheck disable=SC2163
for kv in ${TEND_ENV:-}; do export "$kv"; done
export PACE_MS

ticks() { # utime + stime of the given pids, summed (gone ones count 0)
  local t=0 p
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] || continue
    t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
  done
  echo "$t"
}
switches() { # context switches of every thread of the given pids
  local t=0 p
  for p in "$@"; do
    t=$((t + $(cat /proc/"$p"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s + 0}')))
  done
  echo "$t"
}
busy() { # all CPUs' busy ticks and total ticks, from /proc/stat
  awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat
}
backends() {
  psql -Atq "$DB_URL" -c "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
}
pid_of() { cat "$TEND_CLUSTER_DIR/tend-$1.pid"; }
running() { kill -0 "$(pid_of "$1")" 2>/dev/null; }

scripts/cluster.sh start 3 >/dev/null
"$TARGET/release/examples/bench_seed" --database-url "$DB_URL" --data-dir "$WORK/unused" \
  --accounts "$ACCOUNTS" --days "$DAYS" --tokens "$WORK/tokens.txt" --circle "$WORK/circle.txt" \
  --post-threads "${TEND_REPLY_THREADS:-1}" >/dev/null
export TEND_TOKENS="$WORK/tokens.txt"
LOADS=${TEND_CPU_LOADS:-sat paced}
read -r CIRCLE _ POST_THREAD <"$WORK/circle.txt"
REPLY_PATH="/circles/$CIRCLE/threads/$POST_THREAD/replies"
HAPROXY_PID=$(cat "$TEND_CLUSTER_DIR/haproxy.pid")

use() { # exactly processes 1..$1 running
  local n=$1 i changed=0
  for i in 1 2 3; do
    if [ "$i" -le "$n" ] && ! running "$i"; then
      scripts/cluster.sh revive "$i" >/dev/null
      changed=1
    elif [ "$i" -gt "$n" ] && running "$i"; then
      local p
      p=$(pid_of "$i")
      kill "$p"
      for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
      changed=1
    fi
  done
  # HAProxy checks every 2 s; two failures take a process out, one success
  # puts it back.
  if [ "$changed" = 1 ]; then sleep 6; fi
}

ROWS="$WORK/rows"
: >"$ROWS"
measure() { # $1 round, $2 processes, $3 load (sat|paced|reply)
  local round=$1 n=$2 load=$3 script=bench/today.lua threads=2
  local -a env=()
  [ "$load" = paced ] && script=bench/cluster-paced.lua
  if [ "$load" = reply ]; then
    # One wrk thread: each thread walks the people from the first, so two
    # would post as the same person twice as often against the limit.
    script=bench/reply.lua threads=1
    env=(TEND_CSRF="$WORK/circle.txt.csrf" TEND_PATH="$REPLY_PATH")
    if [ "${TEND_REPLY_THREADS:-1}" -gt 1 ]; then
      env+=(TEND_THREADS="$WORK/circle.txt.threads" TEND_CIRCLE="$CIRCLE")
    fi
  fi
  local pids=() i
  for i in $(seq 1 "$n"); do pids+=("$(pid_of "$i")"); done
  env "${env[@]}" wrk -t"$threads" -c64 -d2s -s "$script" "http://127.0.0.1:$PORT" >/dev/null
  # The backends at the start, and their CPU then.
  local -A pg0=()
  local p
  for p in $(backends); do pg0[$p]=$(ticks "$p"); done
  local t0 s0 h0 b0 c0
  t0=$(ticks "${pids[@]}"); s0=$(switches "${pids[@]}"); h0=$(ticks "$HAPROXY_PID")
  read -r b0 c0 < <(busy)
  local load1
  load1=$(cut -d' ' -f1 /proc/loadavg)
  local out prof=""
  if [ -n "${TEND_PERF:-}" ] && [[ " ${TEND_PERF_LOADS:-sat} " == *" $load "* ]]; then
    mkdir -p "$TEND_PERF"
    perf record -q -F 499 -g -e cpu-clock -o "$TEND_PERF/r$round-n$n-$load.data" \
      -p "$(IFS=,; echo "${pids[*]}")" -- sleep "$SECS" 2>/dev/null &
    prof=$!
  fi
  out=$(env "${env[@]}" wrk -t"$threads" -c64 -d"${SECS}s" --latency -s "$script" "http://127.0.0.1:$PORT")
  if [ -n "$prof" ]; then wait "$prof" || true; fi
  local t1 s1 h1 b1 c1
  t1=$(ticks "${pids[@]}"); s1=$(switches "${pids[@]}"); h1=$(ticks "$HAPROXY_PID")
  read -r b1 c1 < <(busy)
  # The backends at the end: what each spent since the start (all of it for
  # one that connected meanwhile). The pools keep their connections, so
  # backends rarely end within a measurement.
  local pgd=0 nb=0
  for p in $(backends); do
    nb=$((nb + 1))
    pgd=$((pgd + $(ticks "$p") - ${pg0[$p]:-0}))
  done
  local reqs rps p50 p99 errs
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errs=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  awk -v r="$round" -v n="$n" -v l="$load" -v q="$reqs" -v rps="$rps" -v p50="$p50" -v p99="$p99" \
    -v e="${errs:-0}" -v t=$((t1 - t0)) -v pg="$pgd" -v h=$((h1 - h0)) -v s=$((s1 - s0)) \
    -v busy=$((b1 - b0)) -v all=$((c1 - c0)) -v la="$load1" -v nb="$nb" 'BEGIN {
      # No request finished (a very slow build): the row shows 0 requests.
      if (q == 0) q = 1e-9
      printf "%s %s %s %s %s %s %s %s %.3f %.3f %.3f %.1f %.0f %s %s\n", r, n, l, q, rps, p50, p99, e,
        t * 10 / q, pg * 10 / q, h * 10 / q, s / q, busy * 100 / all, la, nb
    }' >>"$ROWS"
  tail -1 "$ROWS" >&2
}

for round in $(seq 1 "$ROUNDS"); do
  order=$COUNTS
  if [ $((round % 2)) = 0 ]; then order=$(tr ' ' '\n' <<<"$COUNTS" | tac | tr '\n' ' '); fi
  for n in $order; do
    use "$n"
    for load in $LOADS; do measure "$round" "$n" "$load"; done
  done
done

echo "loads: $LOADS; 64 connections, ${SECS} s per measurement, $ROUNDS rounds (order alternating), $ACCOUNTS people × $DAYS days; paced: ${PACE_MS} ms pause per request per connection${TEND_ENV:+; tend environment: $TEND_ENV}; HAProxy connection reuse: ${TEND_CLUSTER_REUSE:-1}; reply threads: ${TEND_REPLY_THREADS:-1}"
echo
echo "| round | processes | load | requests/s | p50 | p99 | non-2xx | tend CPU ms/req | PostgreSQL CPU ms/req | HAProxy CPU ms/req | tend context switches/req | machine busy | load avg at start | PG backends |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
awk '{printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s%% | %s | %s |\n", $1, $2, $3, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15}' "$ROWS"
echo
echo "Median (min–max) over the rounds, and the change against 1 process (medians):"
echo
echo "| load | processes | tend CPU ms/req | vs 1 | PostgreSQL CPU ms/req | vs 1 | tend + PostgreSQL | vs 1 | requests/s |"
echo "|---|---|---|---|---|---|---|---|---|"
for load in $LOADS; do
  for n in $COUNTS; do
    awk -v n="$n" -v l="$load" '$2 == n && $3 == l {print $9, $10, $9 + $10, $5}' "$ROWS" >"$WORK/sel"
    med() { sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
    rng() { sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%s–%s", lo, hi}'; }
    for c in 1 2 3 4; do
      m[c]=$(cut -d' ' -f"$c" "$WORK/sel" | med)
      r[c]=$(cut -d' ' -f"$c" "$WORK/sel" | rng)
    done
    if [ "$n" = "$(cut -d' ' -f1 <<<"$COUNTS")" ]; then base1=${m[1]}; base2=${m[2]}; base3=${m[3]}; fi
    vs() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%+.0f%%", (a / b - 1) * 100; else print "-"}'; }
    printf '| %s | %s | %s (%s) | %s | %s (%s) | %s | %s (%s) | %s | %s (%s) |\n' "$load" "$n" \
      "${m[1]}" "${r[1]}" "$(vs "${m[1]}" "$base1")" "${m[2]}" "${r[2]}" "$(vs "${m[2]}" "$base2")" \
      "${m[3]}" "${r[3]}" "$(vs "${m[3]}" "$base3")" "${m[4]}" "${r[4]}"
  done
done
echo
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
