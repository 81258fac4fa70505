#!/usr/bin/env bash
# CPU per request of one gateway, window after window, by thread class: the carriers, the
# collector, C1/C2, the access-log writer and the rest, from /proc/<pid>/task/*; G1's young
# collections from jstat; context switches among the carriers.
#
#   benchmarks/load/cpu-windows.sh DIST [WINDOWS] [JAVA_OPTS]
#
# Starts `run.sh --serve --pin --no-nginx --no-helidon --cold-streams 0 --chain issue` with the
# extracted distribution DIST, then runs WINDOWS (default 8) windows of wrk at c=32 for 12 s on
# CPU 0 and prints each window's figures; stops everything at the end. The access-log thread's
# work per line is fixed, so its µs per request is a yardstick of how fast the vCPU ran in that
# window (benchmarks/README, "CPU per request moves in steps").
set -euo pipefail
[[ $# -ge 1 ]] || { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
dist=$1 windows=${2:-8} opts=${3:-}
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d -t aisix-cpuwin.XXXXXX)"
log=$work/serve.log
extra=()
[[ -n $opts ]] && extra=(--java-opts "$opts")
TMPDIR=$work setsid "$here/run.sh" --serve --pin --no-nginx --no-helidon --cold-streams 0 --chain issue \
  --dist "$dist" "${extra[@]}" > "$log" 2>&1 &
serve=$!
trap 'kill -- -$serve 2>/dev/null || true; sleep 2; rm -rf "$work"' EXIT
for _ in $(seq 1 150); do grep -q "Ctrl-C stops" "$log" && break; sleep 2; done
grep -q "Ctrl-C stops" "$log" || { cat "$log" >&2; exit 1; }
source "$here/../lib.sh"
pid=$(serve_field "$log" gateway-pid)
port=$(serve_field "$log" gateway-port)
key=$(serve_field "$log" caller-key)

ticks() { # thread class and its utime+stime ticks
  for t in /proc/"$pid"/task/*; do
    echo "$(tr ' ' _ < "$t/comm") $(sed 's/.*) //' "$t/stat" | awk '{print $12 + $13}')"
  done | awk '{n = $1; c = "other"
    if (n ~ /^GC_Thread|^G1/) c = "gc"; else if (n ~ /^C2_/) c = "c2"; else if (n ~ /^C1_/) c = "c1"
    else if (n ~ /^ForkJoinPool/) c = "carriers"; else if (n ~ /^aisix-access-lo/) c = "access-log"
    t[c] += $2} END {for (c in t) print c, t[c]}' | sort
}
switches() { # voluntary and involuntary switches of the carriers, summed
  cat /proc/"$pid"/task/*/status 2>/dev/null | awk '/^Name:/ {carrier = ($2 ~ /^ForkJoinPool/)}
    carrier && /^voluntary_ctxt/ {v += $2} carrier && /^nonvoluntary_ctxt/ {n += $2} END {print v, n}'
}
jdk="$("$here/../../scripts/find-jdk.sh")"
young() { "$jdk/bin/jstat" -gc "$pid" | awk 'NR == 2 {print $13}'; }
hz=$(getconf CLK_TCK)
for w in $(seq 1 "$windows"); do
  ticks > "$work/a"; read -r v1 n1 < <(switches); y1=$(young)
  BENCH_MODEL=bench BENCH_KEY=$key taskset -c 0 wrk -t2 -c32 -d12s -s "$here/post.lua" \
    "http://127.0.0.1:$port/v1/chat/completions" > "$work/wrk.txt" 2>&1
  ticks > "$work/b"; read -r v2 n2 < <(switches); y2=$(young)
  req=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$work/wrk.txt")
  printf 'window %d: %d requests, %d young collections, carriers switch %.3f / %.3f times per request (voluntary / not)\n' \
    "$w" "$req" $((y2 - y1)) "$(echo "($v2 - $v1) / $req" | bc -l)" "$(echo "($n2 - $n1) / $req" | bc -l)"
  join "$work/a" "$work/b" | awk -v r="$req" -v hz="$hz" '{d = ($3 - $2) * 1e6 / hz / r; tot += d
    printf "  %-10s %6.1f µs per request\n", $1, d} END {printf "  %-10s %6.1f µs per request\n", "total", tot}'
done
