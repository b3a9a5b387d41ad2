#!/usr/bin/env bash
# Side by side (issue 11): tend against a bare axum + SQLite server
# (bench/baseline) and against Isso 0.14, on this machine, in alternating
# rounds, so a busy machine slows both sides of a ratio alike.
#
#   bench/compare.sh [ROUNDS] [SECONDS] [ACCOUNTS] [DAYS]
#
# - tend: release build, SQLite, ACCOUNTS people x DAYS days of check-ins and
#   journal entries (examples/bench_seed), every one of them in one circle with
#   a 100-reply thread.
# - baseline: the same number of people x days of rows; one indexed row read
#   and a small rendered page; one durable insert (WAL, synchronous=FULL).
# - Isso 0.14 from PyPI in a virtual environment (kept in $TEND_BENCH_CACHE),
#   under gunicorn with 2 sync workers, moderation and guard off, a thread of
#   100 comments.
# Pairs (tend first on odd rounds, second on even ones), SECONDS each:
#   Today at 16 and 64 clients vs the baseline page; check-in save (PUT
#   /api/v1/checkins/today) vs the baseline insert; the thread page vs Isso's
#   thread; a reply (the browser form, risk hold and identifier check on) vs an
#   Isso comment. Then peak memory after a burst of 200 sign-ups, then 200
#   sign-ins, at the real Argon2 cost, and (unless TEND_HISTORY_CHECK=0) Today at one client with
#   10 days against 5 years of history.
# Needs wrk (installed from Debian with apt-get if missing) and python3 with
# venv. Prints Markdown; keeps the raw rows in $TEND_BENCH_OUT (default
# /tmp/tend-compare.tsv).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
ROUNDS=${1:-3}
SECS=${2:-10}
ACCOUNTS=${3:-1000}
DAYS=${4:-365}
TARGET=$(realpath -m "${CARGO_TARGET_DIR:-target}")
CACHE=${TEND_BENCH_CACHE:-/tmp/tend-bench}
# Replies are posted by this many extra circle members with no history, so
# that each one's limit of 20 replies a minute covers tend's reply rate at any
# ACCOUNTS (a refused reply is a cheap page and would flatter the ratio).
REPLIERS=${TEND_BENCH_REPLIERS:-2500}
OUT=${TEND_BENCH_OUT:-/tmp/tend-compare.tsv}
# Ports: TEND_BENCH_PORTS="TEND BASELINE ISSO" to move them (another bench or
# cluster on this machine may hold the defaults). A port already in use stops
# the run: a health check answered by someone else's server would be measured.
read -r TEND_PORT BASE_PORT ISSO_PORT <<<"${TEND_BENCH_PORTS:-18099 18300 18200}"
ports_free "$TEND_PORT" "$BASE_PORT" "$ISSO_PORT"

# --- tools and builds -------------------------------------------------------
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
if [ ! -x "$CACHE/isso-venv/bin/gunicorn" ]; then
  mkdir -p "$CACHE"
  python3 -m venv "$CACHE/isso-venv"
  "$CACHE/isso-venv/bin/pip" install -q isso==0.14.0 gunicorn
fi
cargo build --release --quiet -p tend --bin tend --example bench_seed
BASE_TARGET=$(realpath -m "${TEND_BASELINE_TARGET:-$TARGET}")
CARGO_TARGET_DIR="$BASE_TARGET" cargo build --release --quiet --manifest-path bench/baseline/Cargo.toml

wait_up() { # url [tries, 0.2 s apart]
  for _ in $(seq 1 "${2:-100}"); do curl -fs -o /dev/null "$1" && return 0; sleep 0.2; done
  echo "did not start: $1" >&2
  exit 1
}

# --- tend -------------------------------------------------------------------
"$TARGET/release/examples/bench_seed" --data-dir "$WORK/tend" --accounts "$ACCOUNTS" --days "$DAYS" \
  --tokens "$WORK/tokens.txt" --circle "$WORK/circle.txt" --replies 100 --repliers "$REPLIERS" >&2
read -r CIRCLE READ_T POST_T <"$WORK/circle.txt"
TEND_LOG=warn "$TARGET/release/tend" serve --data-dir "$WORK/tend" --addr "127.0.0.1:$TEND_PORT" \
  --auth-attempts-per-minute 1000000 >"$WORK/tend.log" 2>&1 &
TEND_PID=$!
PIDS+=("$TEND_PID")
wait_up "http://127.0.0.1:$TEND_PORT/healthz"

# --- baseline ---------------------------------------------------------------
"$BASE_TARGET/release/tend-bench-baseline" seed "$WORK/base.db" "$ACCOUNTS" "$DAYS"
"$BASE_TARGET/release/tend-bench-baseline" serve "$WORK/base.db" "127.0.0.1:$BASE_PORT" &
BASE_PID=$!
PIDS+=("$BASE_PID")
wait_up "http://127.0.0.1:$BASE_PORT/healthz"

# --- Isso -------------------------------------------------------------------
cat >"$WORK/isso.cfg" <<EOF
[general]
dbpath = $WORK/isso.db
host = http://127.0.0.1:$ISSO_PORT/
[moderation]
enabled = false
[guard]
enabled = false
[server]
listen = http://127.0.0.1:$ISSO_PORT/
EOF
ISSO_SETTINGS="$WORK/isso.cfg" "$CACHE/isso-venv/bin/gunicorn" -w 2 -b "127.0.0.1:$ISSO_PORT" \
  --log-level warning isso.run >"$WORK/isso.log" 2>&1 &
ISSO_PID=$!
PIDS+=("$ISSO_PID")
# Each Isso worker first tries to reach the site it serves (itself) and waits
# for a time-out when it cannot; on a loaded machine that takes well over 20 s,
# and a first run on a new machine (2026-12-05) once took over two minutes.
wait_up "http://127.0.0.1:$ISSO_PORT/?uri=%2Fnone" 1500
isso_post() { # uri text [title]
  local extra=""
  [ -n "${3:-}" ] && extra=",\"title\":\"$3\""
  curl -fs -o /dev/null -X POST -H 'Content-Type: application/json' -H "Origin: http://127.0.0.1:$ISSO_PORT" \
    "http://127.0.0.1:$ISSO_PORT/new?uri=$1" -d "{\"text\":\"$2\",\"author\":\"bench\"$extra}"
}
isso_post %2Fthread "How do you all cope with the first weeks on the ward?" "A long thread"
for r in $(seq 1 99); do
  isso_post %2Fthread "Reply $r: it gets easier. Write things down, ask early, and eat lunch even when it is late."
done
isso_post %2Fpost "Replies go here" "Replies go here"

# --- measuring --------------------------------------------------------------
: >"$OUT"
T="http://127.0.0.1:$TEND_PORT"
B="http://127.0.0.1:$BASE_PORT"
I="http://127.0.0.1:$ISSO_PORT"
TOK="TEND_TOKENS=$WORK/tokens.txt"
if [ "$REPLIERS" -gt 0 ]; then
  REPLY_TOK="TEND_TOKENS=$WORK/circle.txt.repliers TEND_CSRF=$WORK/circle.txt.repliers.csrf"
else
  REPLY_TOK="$TOK TEND_CSRF=$WORK/circle.txt.csrf"
fi
# pair NAME: the two sides as "pid clients url script env..." strings
run_pair() { # round name tend-args other-args
  local round=$1 name=$2 tend=$3 other=$4
  if [ $((round % 2)) -eq 1 ]; then
    measure "$round" "$name" tend $tend
    measure "$round" "$name" other $other
  else
    measure "$round" "$name" other $other
    measure "$round" "$name" tend $tend
  fi
}
# Warm up every server (connections, page caches), not measured.
TEND_TOKENS="$WORK/tokens.txt" wrk -t2 -c16 -d2s -s bench/today.lua "$T" >/dev/null
BASE_MODE=page BASE_PEOPLE="$ACCOUNTS" wrk -t2 -c16 -d2s -s bench/baseline.lua "$B" >/dev/null
ISSO_MODE=read wrk -t2 -c16 -d2s -s bench/isso.lua "$I" >/dev/null
for r in $(seq 1 "$ROUNDS"); do
  echo "round $r of $ROUNDS (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  run_pair "$r" "today-16" "$TEND_PID 16 $T today.lua $TOK TEND_PATH=/today" \
    "$BASE_PID 16 $B baseline.lua BASE_MODE=page BASE_PEOPLE=$ACCOUNTS"
  run_pair "$r" "today-64" "$TEND_PID 64 $T today.lua $TOK TEND_PATH=/today" \
    "$BASE_PID 64 $B baseline.lua BASE_MODE=page BASE_PEOPLE=$ACCOUNTS"
  run_pair "$r" "checkin-save" "$TEND_PID 16 $T checkin.lua $TOK" \
    "$BASE_PID 16 $B baseline.lua BASE_MODE=save BASE_PEOPLE=$ACCOUNTS"
  run_pair "$r" "thread-read" "$TEND_PID 16 $T today.lua $TOK TEND_PATH=/circles/$CIRCLE/threads/$READ_T" \
    "$ISSO_PID 16 $I isso.lua ISSO_MODE=read ISSO_ORIGIN=$I"
  run_pair "$r" "reply-post" "$TEND_PID 16 $T reply.lua $REPLY_TOK TEND_PATH=/circles/$CIRCLE/threads/$POST_T/replies" \
    "$ISSO_PID 16 $I isso.lua ISSO_MODE=post ISSO_ORIGIN=$I"
done
# With TEND_PERF=DIR: a CPU profile of tend (perf, call graphs) under Today and
# the thread page at 16 clients, the top of each written to DIR.
if [ -n "${TEND_PERF:-}" ] && command -v perf >/dev/null; then
  mkdir -p "$TEND_PERF"
  for what in "today:/today" "thread:/circles/$CIRCLE/threads/$READ_T"; do
    name=${what%%:*}
    TEND_TOKENS="$WORK/tokens.txt" TEND_PATH=${what#*:} wrk -t2 -c16 -d12s -s bench/today.lua "$T" >"$TEND_PERF/$name-wrk.txt" &
    wp=$!
    sleep 1
    perf record -q -F 999 -g -p "$TEND_PID" -o "$TEND_PERF/$name.data" -- sleep 8 2>/dev/null || true
    wait "$wp"
    perf report -q -i "$TEND_PERF/$name.data" --no-children --sort dso,sym --percent-limit 0.7 --stdio -g none \
      >"$TEND_PERF/$name-top.txt" 2>/dev/null || true
    perf report -q -i "$TEND_PERF/$name.data" --no-children --sort dso --stdio -g none \
      >"$TEND_PERF/$name-dso.txt" 2>/dev/null || true
  done
  grep -E "ctxt|voluntary" "/proc/$TEND_PID/status" >"$TEND_PERF/switches.txt" || true
fi
HWM_BEFORE=$(awk '/VmHWM/ {print $2}' "/proc/$TEND_PID/status")
# A burst of 200 sign-ups at once, at the server's real Argon2 cost.
seq 1 200 | xargs -P 200 -I{} curl -s -o /dev/null -w '%{http_code}\n' -X POST \
  -H 'Content-Type: application/json' "$T/api/v1/accounts" \
  -d '{"handle":"burst{}","passphrase":"a long enough passphrase {}","time_zone":"UTC"}' >"$WORK/burst.txt"
BURST_OK=$(grep -c '^201$' "$WORK/burst.txt" || true)
# Then 200 sign-ins at once to those accounts (two Argon2 runs each).
seq 1 200 | xargs -P 200 -I{} curl -s -o /dev/null -w '%{http_code}\n' -X POST \
  -H 'Content-Type: application/json' "$T/api/v1/sessions" \
  -d '{"handle":"burst{}","passphrase":"a long enough passphrase {}"}' >"$WORK/signin.txt"
SIGNIN_OK=$(grep -c '^201$' "$WORK/signin.txt" || true)
HWM_AFTER=$(awk '/VmHWM/ {print $2}' "/proc/$TEND_PID/status")
BASE_HWM=$(awk '/VmHWM/ {print $2}' "/proc/$BASE_PID/status")
ISSO_HWM=0
for p in "$ISSO_PID" $(pgrep -P "$ISSO_PID" || true); do
  ISSO_HWM=$((ISSO_HWM + $(awk '/VmHWM/ {print $2}' "/proc/$p/status")))
done

# --- Today with 10 days vs 5 years of history (one client) -------------------
if [ "${TEND_HISTORY_CHECK:-1}" != 0 ]; then
  # Wait for it to be gone: a server still shutting down would answer the
  # next one's health check on the same port (and the next could not bind).
  kill "$TEND_PID" 2>/dev/null || true
  wait "$TEND_PID" 2>/dev/null || true
  for d in 10 1825; do
    "$TARGET/release/examples/bench_seed" --data-dir "$WORK/h$d" --accounts 20 --days "$d" \
      --tokens "$WORK/h$d.txt" >&2
  done
  for r in $(seq 1 "$ROUNDS"); do
    for d in 10 1825; do
      TEND_LOG=warn "$TARGET/release/tend" serve --data-dir "$WORK/h$d" --addr "127.0.0.1:$TEND_PORT" >/dev/null 2>&1 &
      hp=$!
      PIDS+=("$hp")
      wait_up "$T/healthz"
      TEND_TOKENS="$WORK/h$d.txt" wrk -t1 -c1 -d2s -s bench/today.lua "$T" >/dev/null
      measure "$r" "history-$d" tend "$hp" 1 "$T" today.lua "TEND_TOKENS=$WORK/h$d.txt" TEND_PATH=/today
      kill "$hp" 2>/dev/null || true
      wait "$hp" 2>/dev/null || true
    done
  done
fi

# --- report -------------------------------------------------------------------
echo "bench/compare.sh $ROUNDS $SECS $ACCOUNTS $DAYS — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"
echo
pair_table tend other today-16 today-64 checkin-save thread-read reply-post
echo
echo "Load average (1 min) when each measurement started, by round:"
awk -F'\t' '{ l[$1] = l[$1] " " $9 } END { for (r in l) print "- round " r ":" l[r] }' "$OUT" | sort
echo
if grep -q history "$OUT"; then
  awk -F'\t' '$2 ~ /^history/ { n[$2]++; s[$2] = s[$2] " " $5 "/" $6 " (" $4 "/s)" }
    END { for (k in s) print "- Today, one client, " k " days, p50/p99 by round:" s[k] }' "$OUT" | sort
  # The goal: 5 years within 10% of 10 days (throughput ratio, per round).
  awk -F'\t' '$2 == "history-10" { a[$1] = $4 } $2 == "history-1825" { b[$1] = $4 }
    END { line = ""; for (r in a) if (r in b && a[r] > 0) line = line sprintf(" %.2f", b[r] / a[r])
          print "- 5 years / 10 days, requests per second, by round:" line }' "$OUT"
  echo
fi
echo "Peak memory (VmHWM): tend $((HWM_BEFORE / 1024)) MB after the rounds, $((HWM_AFTER / 1024)) MB after a burst of 200 sign-ups ($BURST_OK created) and then 200 sign-ins ($SIGNIN_OK signed in); baseline $((BASE_HWM / 1024)) MB; Isso (master + 2 workers) $((ISSO_HWM / 1024)) MB"
