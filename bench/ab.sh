#!/usr/bin/env bash
# Two tend variants side by side (issue 11): two binaries, or one binary with
# two settings, on copies of one seeded database, measured in alternating
# rounds (A first in odd rounds, B first in even ones) so a busy machine slows
# both alike. Prints the median ratio B/A and its range per measure.
#
#   TEND_A="BINARY [VAR=VALUE...]" TEND_B="BINARY [VAR=VALUE...]" \
#     bench/ab.sh [ROUNDS] [SECONDS] [ACCOUNTS] [DAYS]
#
# Both default to $CARGO_TARGET_DIR/release/tend with no settings: that null
# run says how far two identical servers drift apart on this machine, which
# is the least a real difference must exceed. Seeds with the bench_seed next
# to A's binary (TEND_SEED to choose another). Measures Today at 16 and 64
# clients, the 100-reply thread page, check-in save and a reply posted
# through the form. Needs wrk. Raw rows in $TEND_BENCH_OUT (default
# /tmp/tend-ab.tsv). Builds nothing. TEND_AB_PREPARE=COMMAND runs
# `COMMAND a DIR` and `COMMAND b DIR` on the two copies of the data folder
# before the servers start (to try a change to the database itself, say a
# table's layout, with one binary). TEND_SEED_ARGS adds words to the seed's
# command (say --by-person).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
ROUNDS=${1:-5}
SECS=${2:-5}
ACCOUNTS=${3:-200}
DAYS=${4:-90}
TARGET=$(realpath -m "${CARGO_TARGET_DIR:-target}")
OUT=${TEND_BENCH_OUT:-/tmp/tend-ab.tsv}
read -r -a A <<<"${TEND_A:-$TARGET/release/tend}"
read -r -a B <<<"${TEND_B:-$TARGET/release/tend}"
SEED=${TEND_SEED:-$(dirname "${A[0]}")/examples/bench_seed}
REPLIERS=${TEND_BENCH_REPLIERS:-2500}
read -r A_PORT B_PORT <<<"${TEND_BENCH_PORTS:-18401 18402}"
ports_free "$A_PORT" "$B_PORT"
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null

"$SEED" --data-dir "$WORK/a" --accounts "$ACCOUNTS" --days "$DAYS" --tokens "$WORK/tokens.txt" \
  --circle "$WORK/circle.txt" --replies 100 --repliers "$REPLIERS" ${TEND_SEED_ARGS:-} >&2
read -r CIRCLE READ_T POST_T <"$WORK/circle.txt"
cp -a "$WORK/a" "$WORK/b"
if [ -n "${TEND_AB_PREPARE:-}" ]; then
  "$TEND_AB_PREPARE" a "$WORK/a" >&2
  "$TEND_AB_PREPARE" b "$WORK/b" >&2
fi

start() { # side port binary [VAR=VALUE...]
  local side=$1 port=$2
  shift 2
  env TEND_LOG=warn "${@:2}" "$1" serve --data-dir "$WORK/$side" --addr "127.0.0.1:$port" \
    --auth-attempts-per-minute 1000000 >"$WORK/$side.log" 2>&1 &
  PIDS+=("$!")
  for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && return 0; sleep 0.2; done
  echo "variant $side did not start; its log:" >&2
  cat "$WORK/$side.log" >&2
  exit 1
}
start a "$A_PORT" "${A[@]}"
A_PID=${PIDS[-1]}
start b "$B_PORT" "${B[@]}"
B_PID=${PIDS[-1]}

: >"$OUT"
TOK="TEND_TOKENS=$WORK/tokens.txt"
REPLY_TOK="TEND_TOKENS=$WORK/circle.txt.repliers TEND_CSRF=$WORK/circle.txt.repliers.csrf"
[ "$REPLIERS" -gt 0 ] || REPLY_TOK="$TOK TEND_CSRF=$WORK/circle.txt.csrf"
# each measure: NAME CLIENTS SCRIPT ENV... (the path is relative to the server)
MEASURES=(
  "today-16 16 today.lua $TOK TEND_PATH=/today"
  "today-64 64 today.lua $TOK TEND_PATH=/today"
  "thread-read 16 today.lua $TOK TEND_PATH=/circles/$CIRCLE/threads/$READ_T"
  "checkin-save 16 checkin.lua $TOK"
  "reply-post 16 reply.lua $REPLY_TOK TEND_PATH=/circles/$CIRCLE/threads/$POST_T/replies"
)
for port in "$A_PORT" "$B_PORT"; do # warm both: connections, page caches
  env "$TOK" wrk -t2 -c16 -d2s -s bench/today.lua "http://127.0.0.1:$port" >/dev/null
done
for r in $(seq 1 "$ROUNDS"); do
  echo "round $r of $ROUNDS (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  for m in "${MEASURES[@]}"; do
    read -r name clients script env <<<"$m"
    # shellcheck disable=SC2086 # env holds several VAR=VALUE words
    if [ $((r % 2)) -eq 1 ]; then
      measure "$r" "$name" A "$A_PID" "$clients" "http://127.0.0.1:$A_PORT" "$script" $env
      measure "$r" "$name" B "$B_PID" "$clients" "http://127.0.0.1:$B_PORT" "$script" $env
    else
      measure "$r" "$name" B "$B_PID" "$clients" "http://127.0.0.1:$B_PORT" "$script" $env
      measure "$r" "$name" A "$A_PID" "$clients" "http://127.0.0.1:$A_PORT" "$script" $env
    fi
  done
done

echo "bench/ab.sh $ROUNDS $SECS $ACCOUNTS $DAYS — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"
echo "- A: ${A[*]}"
echo "- B: ${B[*]}"
echo
pair_table B A today-16 today-64 thread-read checkin-save reply-post
echo
echo "Load average (1 min) when each measurement started, by round:"
awk -F'\t' '{ l[$1] = l[$1] " " $9 } END { for (r in l) print "- round " r ":" l[r] }' "$OUT" | sort -V
echo
echo "Peak memory (VmHWM): A $(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$A_PID/status") MB, B $(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$B_PID/status") MB"
