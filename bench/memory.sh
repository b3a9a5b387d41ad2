#!/usr/bin/env bash
# Peak memory of tend under a burst of sign-ups and sign-ins (issue 11: "peak
# memory <= 100 MB including a burst of 200 sign-ins").
#
#   bench/memory.sh [BURST] [ACCOUNTS] [DAYS]
#
# Release build, SQLite, ACCOUNTS people x DAYS days seeded (examples/bench_seed).
# Starts `tend serve`, reads VmHWM / VmRSS / threads from /proc, sends BURST
# sign-ups at once (POST /api/v1/accounts, the real Argon2 cost: 19 MiB, 2
# passes, three runs per sign-up), then BURST sign-ins at once to those new
# accounts (POST /api/v1/sessions, two Argon2 runs each), reading /proc again
# after each. Extra environment (for example MALLOC_ARENA_MAX=2) is passed to
# the server as given, so allocator settings can be compared:
#
#   TEND_SERVER_ENV="MALLOC_ARENA_MAX=1" bench/memory.sh
#
# TEND_BIN=path runs that tend binary instead of building this tree's (to
# compare an older build; the seed is still this tree's bench_seed).
# TEND_MEMORY_LOAD=SECS first puts the server under wrk load, as
# bench/compare.sh's rounds do (Today at 16 and 64 clients, check-in saves,
# a circle thread page, replies; SECS seconds each), so the burst lands on a
# server whose caches have already been filled.
# RssAnon is heap and stacks; RssFile is file pages mapped in (the binary,
# SQLite's shared-memory index): counted in VmRSS/VmHWM but not heap.
#
# Prints one Markdown table row per phase.
set -euo pipefail
cd "$(dirname "$0")/.."
BURST=${1:-200}
ACCOUNTS=${2:-100}
DAYS=${3:-30}
TARGET=$(realpath -m "${CARGO_TARGET_DIR:-target}")
PORT=${TEND_PORT:-18098}
WORK=$(mktemp -d)
PID=
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

LOAD=${TEND_MEMORY_LOAD:-0}
cargo build --release --quiet -p tend --bin tend --example bench_seed
BIN=${TEND_BIN:-$TARGET/release/tend}
"$TARGET/release/examples/bench_seed" --data-dir "$WORK/data" --accounts "$ACCOUNTS" --days "$DAYS" \
  --tokens "$WORK/tokens.txt" --circle "$WORK/circle.txt" --replies 100 >&2
read -r CIRCLE READ_T POST_T <"$WORK/circle.txt"
# shellcheck disable=SC2086 # TEND_SERVER_ENV is a list of NAME=VALUE words
env ${TEND_SERVER_ENV:-} TEND_LOG=warn "$BIN" serve --data-dir "$WORK/data" \
  --addr "127.0.0.1:$PORT" --auth-attempts-per-minute 1000000 >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.2; done

row() { # phase seconds ok
  awk -v phase="$1" -v secs="$2" -v ok="$3" '
    /^VmHWM/ { hwm = $2 } /^VmRSS/ { rss = $2 } /^RssAnon/ { anon = $2 } /^RssFile/ { file = $2 }
    /^Threads/ { th = $2 }
    END { printf "| %s | %d MB | %d MB | %d MB | %d MB | %d | %s | %s |\n", phase, hwm / 1024, rss / 1024,
            anon / 1024, file / 1024, th, secs, ok }' \
    "/proc/$PID/status"
}
burst() { # path body-template (with {} for the number) -> "seconds ok"
  local t0 t1
  t0=$(date +%s.%N)
  seq 1 "$BURST" | xargs -P "$BURST" -I{} curl -s -o /dev/null -w '%{http_code}\n' -X POST \
    -H 'Content-Type: application/json' "http://127.0.0.1:$PORT$1" -d "$2" >"$WORK/codes.txt"
  t1=$(date +%s.%N)
  printf '%.1fs %s/%s\n' "$(echo "$t1 - $t0" | bc)" "$(grep -c '^201$' "$WORK/codes.txt" || true)" "$BURST"
}

echo "| phase | VmHWM (peak) | VmRSS (now) | RssAnon | RssFile | threads | burst took | 201s |"
echo "|---|---|---|---|---|---|---|---|"
row "started (${ACCOUNTS} people × ${DAYS} days)" - -
if [ "$LOAD" -gt 0 ]; then
  T="http://127.0.0.1:$PORT"
  export TEND_TOKENS="$WORK/tokens.txt"
  TEND_PATH=/today wrk -t2 -c16 -d"${LOAD}s" -s bench/today.lua "$T" >/dev/null
  TEND_PATH=/today wrk -t2 -c64 -d"${LOAD}s" -s bench/today.lua "$T" >/dev/null
  wrk -t2 -c16 -d"${LOAD}s" -s bench/checkin.lua "$T" >/dev/null
  TEND_PATH="/circles/$CIRCLE/threads/$READ_T" wrk -t2 -c16 -d"${LOAD}s" -s bench/today.lua "$T" >/dev/null
  TEND_CSRF="$WORK/circle.txt.csrf" TEND_PATH="/circles/$CIRCLE/threads/$POST_T/replies" \
    wrk -t2 -c16 -d"${LOAD}s" -s bench/reply.lua "$T" >/dev/null
  row "after wrk load (5 × ${LOAD} s)" - -
fi
read -r secs ok <<<"$(burst /api/v1/accounts '{"handle":"burst{}","passphrase":"a long enough passphrase {}","time_zone":"UTC"}')"
row "after $BURST sign-ups at once" "$secs" "$ok"
read -r secs ok <<<"$(burst /api/v1/sessions '{"handle":"burst{}","passphrase":"a long enough passphrase {}"}')"
row "after $BURST sign-ins at once" "$secs" "$ok"
sleep 12
row "12 s later" - -
echo
echo "bench/memory.sh $BURST $ACCOUNTS $DAYS ${TEND_SERVER_ENV:-} (load phase ${LOAD} s, $BIN) — $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
