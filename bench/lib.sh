# Shared by the side-by-side benchmarks (compare.sh, ab.sh): a scratch
# folder and the servers to stop on exit; CPU time and context switches of a
# server read from /proc around one wrk run, written as one tab-separated row
# to $OUT. Callers set SECS and OUT, and cd to the
# repository root (wrk scripts are read from bench/).

# ports_free PORT...: stops the run if any port already answers (a health
# check answered by someone else's server would be measured). Set
# TEND_BENCH_PORTS to move them.
ports_free() {
  local port
  for port in "$@"; do
    if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; then
      echo "port $port is already in use; set TEND_BENCH_PORTS" >&2
      exit 1
    fi
  done
}
# A scratch folder, $WORK, and the servers started, $PIDS: both gone on exit.
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
ticks() { # utime+stime of a process and its children (gunicorn's workers)
  local t=0 p
  for p in "$1" $(pgrep -P "$1" || true); do
    [ -r "/proc/$p/stat" ] && t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
  done
  echo "$t"
}
switches() { # context switches of every thread of a process and its children
  local p
  for p in "$1" $(pgrep -P "$1" || true); do cat /proc/"$p"/task/*/status 2>/dev/null; done |
    awk '/ctxt_switches/ { s += $2 } END { print s + 0 }'
}
HZ=$(getconf CLK_TCK)
# measure ROUND PAIR SIDE PID CLIENTS URL SCRIPT [ENV...]
measure() {
  local round=$1 pair=$2 side=$3 pid=$4 c=$5 url=$6 script=$7
  shift 7
  local load before out after sw0 sw1
  load=$(cut -d' ' -f1 /proc/loadavg)
  before=$(ticks "$pid")
  sw0=$(switches "$pid")
  out=$(env "$@" wrk -t"$(( c < 2 ? 1 : 2 ))" -c"$c" -d"${SECS}s" --latency -s "bench/$script" "$url")
  after=$(ticks "$pid")
  sw1=$(switches "$pid")
  awk -v round="$round" -v pair="$pair" -v side="$side" -v la="$load" -v b="$before" -v a="$after" -v hz="$HZ" \
    -v s0="$sw0" -v s1="$sw1" '
    /requests in/ { n = $1 }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = $2 }
    $1 == "99%" { p99 = $2 }
    /Non-2xx/ { errs = $5 }
    END { printf "%s\t%s\t%s\t%s\t%s\t%s\t%.3f\t%d\t%s\t%.1f\n", round, pair, side, rps, p50, p99,
            (a - b) * 1000 / hz / (n > 0 ? n : 1), errs + 0, la, (s1 - s0) / (n > 0 ? n : 1) }' <<<"$out" >>"$OUT"
}
# pair_table LEFT RIGHT PAIR...: a Markdown table of the rows in $OUT, one
# line per pair: each side's median requests/s, the median of the per-round
# ratios LEFT/RIGHT and their range, p50/p99 by round, CPU and context
# switches per request, and the non-2xx/3xx answers summed over the rounds.
pair_table() {
  local left=$1 right=$2 pair
  shift 2
  echo "| measure | $left req/s (median) | $right req/s (median) | ratio median | ratio range | $left p50 / p99 by round | $right p50 / p99 by round | $left CPU ms/req | $right CPU ms/req | context switches/req $left / $right | non-2xx/3xx $left / $right |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for pair in "$@"; do
    awk -F'\t' -v pair="$pair" -v left="$left" -v right="$right" '
      function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                     return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
      $2 == pair && $3 == left { t[$1] = $4; tp = tp " " $5 "/" $6; tc[++nt] = $7; te += $8; ts[nt] = $10 }
      $2 == pair && $3 == right { o[$1] = $4; op = op " " $5 "/" $6; oc[++no] = $7; oe += $8; os[no] = $10 }
      END {
        n = 0; lo = 1e18; hi = 0
        for (r in t) if (r in o && o[r] > 0) { x = t[r] / o[r]; ratio[++n] = x; if (x < lo) lo = x; if (x > hi) hi = x }
        k = 0; for (r in t) tr[++k] = t[r]; k2 = 0; for (r in o) orr[++k2] = o[r]
        printf "| %s | %.0f | %.0f | %.2f× | %.2f–%.2f× | %s | %s | %.3f | %.3f | %.1f / %.1f | %d / %d |\n", pair, med(tr, k), med(orr, k2),
          med(ratio, n), lo, hi, tp, op, med(tc, nt), med(oc, no), med(ts, nt), med(os, no), te, oe
      }' "$OUT"
  done
}
