#!/usr/bin/env bash
# Two builds' CPU per request, each gateway measured against its own helidon hop in the windows
# beside it, so that a step in how fast the vCPU runs shows in the hop and not as a difference.
#
#   benchmarks/load/ab-windows.sh BASE_DIST NEW_DIST [ROUNDS] [SECONDS]
#
# Starts two `run.sh --serve --pin --no-nginx --cold-streams 0 --chain issue` set-ups side by side
# (each with its own mock and hop; the gateways and hops of both on CPU 1), warms each gateway 30 s
# and each hop 15 s at c=32, then runs ROUNDS (default 8) rounds of four windows of SECONDS
# (default 8) in turn: base gateway, base hop, new gateway, new hop (`taskset -c 0 wrk -t2 -c32`),
# and prints utime+stime of /proc/<pid>/stat per request and the gateway-to-hop ratio of each
# build. Stops everything at the end (benchmarks/README, "the evening's cuts").
set -uo pipefail
[[ $# -ge 2 ]] || { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
base=$1 new=$2 rounds=${3:-8} secs=${4:-8}
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../lib.sh"
work="$(mktemp -d -t aisix-abwin.XXXXXX)"
groups=()
trap 'for g in "${groups[@]}"; do kill -- -"$g" 2>/dev/null; done; sleep 2; rm -rf "$work"' EXIT
declare -A pid port key
serve() { # name dist
  mkdir -p "$work/$1"
  TMPDIR=$work/$1 setsid "$here/run.sh" --serve --pin --chain issue --cold-streams 0 --no-nginx --dist "$2" \
    > "$work/$1.log" 2>&1 &
  groups+=($!)
  local log=$work/$1.log
  for _ in $(seq 1 90); do grep -q "Ctrl-C stops" "$log" && break; sleep 2; done
  grep -q "Ctrl-C stops" "$log" || { cat "$log" >&2; exit 1; }
  pid[$1-gw]=$(serve_field "$log" gateway-pid)
  port[$1-gw]=$(serve_field "$log" gateway-port)
  key[$1-gw]=$(serve_field "$log" caller-key)
  pid[$1-hop]=$(serve_field "$log" hop-pid)
  port[$1-hop]=$(serve_field "$log" hop-port)
  key[$1-hop]=""
}
serve base "$base"
serve new "$new"
hz=$(getconf CLK_TCK)
ticks() { sed 's/.*) //' /proc/"$1"/stat | awk '{print $12 + $13}'; }
window() { # side seconds: prints "requests-per-second µs-per-request"
  local side=$1 model=bench a b out n
  [[ $side == *hop ]] && model=gpt-4o-mini
  a=$(ticks "${pid[$side]}")
  out=$(BENCH_MODEL=$model BENCH_KEY=${key[$side]} taskset -c 0 wrk -t2 -c32 -d"$2"s -s "$here/post.lua" \
    "http://127.0.0.1:${port[$side]}/v1/chat/completions")
  b=$(ticks "${pid[$side]}")
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  awk -v n="$n" -v d=$((b - a)) -v hz="$hz" -v s="$2" 'BEGIN {printf "%.0f %.1f", n / s, d / hz * 1e6 / n}'
}
for side in base-gw new-gw; do window "$side" 30 > /dev/null; done
for side in base-hop new-hop; do window "$side" 15 > /dev/null; done
echo "round  base gateway / hop µs (ratio)  |  new gateway / hop µs (ratio)  |  rps base / new"
for r in $(seq 1 "$rounds"); do
  read -r r1 c1 < <(window base-gw "$secs"); read -r _ c2 < <(window base-hop "$secs")
  read -r r3 c3 < <(window new-gw "$secs"); read -r _ c4 < <(window new-hop "$secs")
  awk -v r="$r" -v c1="$c1" -v c2="$c2" -v c3="$c3" -v c4="$c4" -v r1="$r1" -v r3="$r3" \
    'BEGIN {printf "%5d  %.1f / %.1f (%.2f)  |  %.1f / %.1f (%.2f)  |  %d / %d\n", r, c1, c2, c1 / c2, c3, c4, c3 / c4, r1, r3}'
done
