#!/usr/bin/env bash
# Several tend processes on one PostgreSQL database behind HAProxy, all on
# loopback: what docs/operations.md calls the multi-process shape, small
# enough for one machine. Used by bench/cluster-bench.sh and by hand.
#
#   scripts/cluster.sh start [N]   start N tend processes (default 3) and HAProxy;
#                                  prints the address to open
#   scripts/cluster.sh stop        stop them all and drop the database
#   scripts/cluster.sh status      what is running
#   scripts/cluster.sh kill I      kill -9 process I (1..N), as a crash would
#   scripts/cluster.sh revive I    start process I again, as it was started
#
# Settings (environment):
#   TEND_BIN             the tend binary (default: release build if present,
#                        else the debug build; built if neither exists)
#   TEND_CLUSTER_PG      an admin URL of the PostgreSQL server
#                        (default postgres://postgres@127.0.0.1:5432/postgres)
#   TEND_CLUSTER_DB      the database to create, fresh (default tend_cluster)
#   TEND_CLUSTER_PORT    HAProxy's port (default 18100; tend uses the next N)
#   TEND_CLUSTER_DIR     pid files, logs and haproxy.cfg (default /tmp/tend-cluster)
#   TEND_CLUSTER_FLAGS   extra flags for every `tend serve`
#   TEND_CLUSTER_REUSE   1 (the default): HAProxy keeps its connections to
#                        the processes open between requests (`http-reuse
#                        safe`); 0: one connection per request
#                        (`http-server-close`, the default before 2026-12-04).
#                        Reuse costs less CPU per request and passed the crash
#                        soak and the fan-out; see docs/benchmarks.md, issue 18
#
# HAProxy comes from Debian (installed with apt-get if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

export PGOPTIONS="-c client_min_messages=warning"
PG=${TEND_CLUSTER_PG:-postgres://postgres@127.0.0.1:5432/postgres}
DB=${TEND_CLUSTER_DB:-tend_cluster}
PORT=${TEND_CLUSTER_PORT:-18100}
DIR=${TEND_CLUSTER_DIR:-/tmp/tend-cluster}
TARGET=${CARGO_TARGET_DIR:-target}

case "$DB" in
  *[!a-z0-9_]* | "") echo "TEND_CLUSTER_DB must be lower-case letters, digits and _" >&2; exit 2 ;;
esac
DB_URL="${PG%/*}/$DB"

find_bin() {
  if [ -n "${TEND_BIN:-}" ]; then echo "$TEND_BIN"; return; fi
  for b in "$TARGET/release/tend" "$TARGET/debug/tend"; do
    if [ -x "$b" ]; then echo "$b"; return; fi
  done
  cargo build --quiet --bin tend >&2
  echo "$TARGET/debug/tend"
}

stop() {
  if [ -f "$DIR/haproxy.pid" ]; then
    kill "$(cat "$DIR/haproxy.pid")" 2>/dev/null || true
    rm -f "$DIR/haproxy.pid"
  fi
  for f in "$DIR"/tend-*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    # SIGTERM: tend drains its connections (bounded) and exits.
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$f"
  done
  rm -f "$DIR/settings"
  psql -q "$PG" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  echo "cluster stopped"
}

status() {
  for f in "$DIR"/tend-*.pid "$DIR"/haproxy.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then echo "$(basename "$f" .pid): running (pid $pid)"; else echo "$(basename "$f" .pid): gone"; fi
  done
}

# Starts tend process $1 on port PORT+$1 with the settings saved by `start`.
start_one() {
  local i=$1
  # shellcheck source=/dev/null
  . "$DIR/settings"
  # shellcheck disable=SC2086
  TEND_LOG=$LOG "$BIN" serve --addr "127.0.0.1:$((PORT + i))" --database-url "$DB_URL" \
    --data-dir "$DIR/data-$i" --trusted-proxy 127.0.0.1 $FLAGS >>"$DIR/tend-$i.log" 2>&1 &
  echo $! >"$DIR/tend-$i.pid"
}

wait_healthy() {
  local i=$1
  for _ in $(seq 1 200); do
    if curl -fs "http://127.0.0.1:$((PORT + i))/healthz" >/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "tend $i did not start; see $DIR/tend-$i.log" >&2
  return 1
}

crash() {
  local f="$DIR/tend-$1.pid"
  [ -f "$f" ] || { echo "no process $1" >&2; exit 1; }
  kill -9 "$(cat "$f")" 2>/dev/null || true
  # Reaped by whoever started it; wait until it is gone.
  for _ in $(seq 1 100); do kill -0 "$(cat "$f")" 2>/dev/null || break; sleep 0.05; done
}

revive() {
  [ -f "$DIR/settings" ] || { echo "no cluster is running" >&2; exit 1; }
  start_one "$1"
  wait_healthy "$1"
}

start() {
  local n=${1:-3}
  if ls "$DIR"/tend-*.pid >/dev/null 2>&1; then
    echo "a cluster is already running (scripts/cluster.sh stop first)" >&2
    exit 1
  fi
  if ! command -v haproxy >/dev/null; then
    apt-get install -y haproxy >/dev/null
  fi
  local bin
  bin=$(find_bin)
  mkdir -p "$DIR"
  # If anything below fails, leave nothing running.
  trap 'stop >/dev/null 2>&1' ERR

  psql -q "$PG" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
  psql -q "$PG" -c "CREATE DATABASE $DB" >/dev/null
  # Bring the schema up to date once, before several processes start.
  "$bin" migrate --database-url "$DB_URL" >/dev/null

  # What `revive` needs to start a process again the same way.
  {
    printf 'BIN=%q\nDB_URL=%q\nPORT=%q\nLOG=%q\nFLAGS=%q\n' \
      "$bin" "$DB_URL" "$PORT" "${TEND_LOG:-warn}" "${TEND_CLUSTER_FLAGS:-}"
  } >"$DIR/settings"
  local servers=""
  for i in $(seq 1 "$n"); do
    : >"$DIR/tend-$i.log"
    start_one "$i"
    servers+="    server tend$i 127.0.0.1:$((PORT + i)) check inter 2s fall 2 rise 1"$'\n'
  done
  for i in $(seq 1 "$n"); do
    wait_healthy "$i"
  done

  local server_side="http-reuse safe"
  if [ "${TEND_CLUSTER_REUSE:-1}" = 0 ]; then server_side="option http-server-close"; fi
  cat >"$DIR/haproxy.cfg" <<EOF
global
    # Within the usual open-file limit (each connection needs two).
    maxconn 4096
    pidfile $DIR/haproxy.pid

defaults
    mode http
    $server_side
    # Live events are small writes that must leave at once, not wait to be
    # coalesced with the next one (without this a reply reached viewers
    # about 200 ms late through HAProxy).
    option http-no-delay
    timeout connect 5s
    timeout client 60s
    # Live streams stay open for up to 30 minutes; tend sends a comment every
    # 15 s, so 60 s without a byte means the server is gone.
    timeout server 60s
    timeout tunnel 1h
    timeout http-request 10s
    # A request whose connection to a process fails (it crashed or is
    # restarting) is tried again on another before any answer has started.
    retries 3
    option redispatch

frontend tend
    bind 127.0.0.1:$PORT
    # tend sees HAProxy's address; the real client's is in this header.
    option forwardfor
    default_backend tends

backend tends
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
$servers
EOF
  haproxy -D -f "$DIR/haproxy.cfg"
  for _ in $(seq 1 50); do
    curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break
    sleep 0.1
  done
  trap - ERR
  echo "tend ($n processes, PostgreSQL database $DB) is running at http://127.0.0.1:$PORT"
  echo "processes: $(for i in $(seq 1 "$n"); do printf '127.0.0.1:%s pid %s; ' $((PORT + i)) "$(cat "$DIR/tend-$i.pid")"; done)"
  echo "stop with: scripts/cluster.sh stop"
}

case "${1:-}" in
  start) start "${2:-3}" ;;
  stop) stop ;;
  status) status ;;
  kill) crash "${2:?which process}" ;;
  revive) revive "${2:?which process}" ;;
  *) sed -n '2,27p' "$0"; exit 2 ;;
esac
