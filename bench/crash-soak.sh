#!/usr/bin/env bash
# Crash soak (issue 18): three tend processes on one PostgreSQL behind HAProxy
# (scripts/cluster.sh), under load from examples/crash_soak (journal writes,
# circle replies, live viewers), while one process at a time is killed with
# kill -9 and started again, CYCLES times. Then the client checks that every
# write it was told had succeeded is there, and that every viewer received
# every acknowledged reply exactly once (reconnecting with Last-Event-ID).
#
#   bench/crash-soak.sh [CYCLES] [VIEWERS] [WRITERS]     (default 50 30 8)
#
# Each cycle: pick a process at random, kill -9 it, leave it down DOWN
# seconds (default 1) under load, start it again, wait until it answers
# /healthz and HAProxy has had time to see it (UP seconds, default 3).
# Uses the debug build unless TEND_BIN says otherwise: this is a correctness
# soak, not a speed test. Needs haproxy (from Debian, installed if missing)
# and PostgreSQL at 127.0.0.1:5432. Exits non-zero if anything was lost.
# Every loop here is bounded (CYCLES, and the client's own deadlines).
set -euo pipefail
cd "$(dirname "$0")/.."
CYCLES=${1:-50}
VIEWERS=${2:-30}
WRITERS=${3:-8}
DOWN=${DOWN:-1}
UP=${UP:-3}
TARGET=${CARGO_TARGET_DIR:-target}
export TEND_CLUSTER_DIR=${TEND_CLUSTER_DIR:-/tmp/tend-crash-soak}
export TEND_CLUSTER_DB=${TEND_CLUSTER_DB:-tend_crash_soak}
export TEND_CLUSTER_PORT=${TEND_CLUSTER_PORT:-18200}
PORT=$TEND_CLUSTER_PORT
DB_URL="postgres://postgres@127.0.0.1:5432/$TEND_CLUSTER_DB"
WORK=$(mktemp -d)
client=""
cleanup() {
  if [ -n "$client" ]; then kill "$client" 2>/dev/null || true; fi
  scripts/cluster.sh stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

cargo build --quiet -p tend --bin tend --example crash_soak
export TEND_BIN=${TEND_BIN:-$TARGET/debug/tend}
# Cheap key derivation for the set-up's sign-ups; a high address limit
# because every client comes through HAProxy's one address.
export TEND_CLUSTER_FLAGS="--argon2-memory-kib 64 --auth-attempts-per-minute 1000000"
scripts/cluster.sh start 3 >/dev/null

"$TARGET/debug/examples/crash_soak" --base "http://127.0.0.1:$PORT" --database-url "$DB_URL" \
  --viewers "$VIEWERS" --writers "$WRITERS" --posters 4 \
  --ready "$WORK/ready" --stop "$WORK/stop" --acked "$WORK/acked" >"$WORK/result" 2>"$WORK/client.log" &
client=$!
for _ in $(seq 1 1200); do
  [ -f "$WORK/ready" ] && break
  kill -0 "$client" 2>/dev/null || { cat "$WORK/client.log" >&2; exit 1; }
  sleep 0.5
done
[ -f "$WORK/ready" ] || { echo "the client's set-up did not finish" >&2; exit 1; }

start=$(date +%s)
declare -a kills=(0 0 0 0)
for c in $(seq 1 "$CYCLES"); do
  i=$((RANDOM % 3 + 1))
  kills[i]=$((kills[i] + 1))
  scripts/cluster.sh kill "$i"
  sleep "$DOWN"
  scripts/cluster.sh revive "$i"
  sleep "$UP"
  printf '\rcycle %s/%s' "$c" "$CYCLES" >&2
done
echo >&2
elapsed=$(($(date +%s) - start))
touch "$WORK/stop"
status=0
wait "$client" || status=$?
client=""

echo "$CYCLES kill -9 cycles in $elapsed s (process 1: ${kills[1]}, 2: ${kills[2]}, 3: ${kills[3]}), $VIEWERS viewers, $WRITERS writers, 4 posters"
echo
echo "| ran | journal entries | lost | replies | deliveries due | viewers that reconnected | reconnections | replies missed | duplicates |"
echo "|---|---|---|---|---|---|---|---|---|"
cat "$WORK/result"
grep -v '^$' "$WORK/client.log" | head -20 >&2 || true
echo
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
