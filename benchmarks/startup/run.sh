#!/usr/bin/env bash
# Start-up timing: from exec of bin/aisix to the first 200 of GET /livez (or /readyz) on the proxy,
# for one or more installations, runs interleaved (A B C A B C ...) so that machine load hits them alike.
#
#   benchmarks/startup/run.sh [-n RUNS] [--probe livez|readyz] LABEL=INSTALL_DIR[:VAR=VALUE...] ...
#   e.g. benchmarks/startup/run.sh -n 10 before=/tmp/old/aisix-0.1.0 after=/tmp/new/aisix-0.1.0 \
#          no-cache=/tmp/new/aisix-0.1.0:AISIX_AOT_CACHE=off
#
# Each run: a fresh embedded store in a temp folder, fixed loopback ports, all built-in plugins
# (whatever plugins/ holds), the probe (default /livez; /readyz: the configuration applied, the
# store's readiness included) polled every 5 ms with curl, then SIGTERM. Per label it prints
# the median and p90 of the wall time and of the process's CPU time (user + system, from
# /proc/<pid>/stat at the moment the probe answered: less sensitive to other load than wall time),
# and the 1-minute load average before and after. Lines the JVM itself printed (unified logging,
# e.g. an AOT cache it refused) are reported.
set -uo pipefail
n=10 probe=livez
while [[ ${1:-} == -* ]]; do
  case $1 in
    -n) n=$2 ;;
    --probe) probe=$2; [[ $probe == livez || $probe == readyz ]] || { echo "--probe: livez or readyz" >&2; exit 2; } ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
(( $# > 0 )) || { sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 2; }
w=$(mktemp -d -t aisix-startup.XXXXXX)
trap 'rm -rf "$w"' EXIT
# below the ephemeral range (32768+ on Linux), so no outgoing connection takes a port between runs
port=$((20000 + RANDOM % 12000))
cat > "$w/config.yaml" <<EOC
proxy: { addr: "127.0.0.1:$port" }
admin: { addr: "127.0.0.1:$((port + 1))", admin_keys: ["startup-bench-admin-key-0123"] }
store: { backend: embedded, data_dir: "$w/data" }
EOC
declare -A wall cpu
echo "probe: /$probe; load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
for i in $(seq 1 "$n"); do
  for spec in "$@"; do
    label=${spec%%=*} rest=${spec#*=} envs=()
    dir=${rest%%:*}
    [[ $rest == *:* ]] && read -r -a envs <<< "${rest#*:}"
    rm -rf "$w/data"
    t0=$(date +%s%N)
    env ${envs[@]+"${envs[@]}"} "$dir/bin/aisix" --config "$w/config.yaml" > "$w/out" 2> "$w/err" &
    pid=$!
    until curl -s -o /dev/null -f "http://127.0.0.1:$port/$probe"; do
      kill -0 "$pid" 2>/dev/null || { echo "$label: the gateway exited: $(tail -n 3 "$w/err")"; exit 1; }
      sleep 0.005
    done
    t1=$(date +%s%N)
    read -r -a st < "/proc/$pid/stat"
    kill -TERM "$pid"; wait "$pid" 2>/dev/null
    grep -q '^\[' "$w/out" && echo "$label: the JVM printed: $(grep '^\[' "$w/out" | head -n 2)"
    wall[$label]+="$(( (t1 - t0) / 1000000 )) "
    cpu[$label]+="$(( (st[13] + st[14]) * 1000 / $(getconf CLK_TCK) )) "
  done
done
stats() { local a k; a=($(printf '%s\n' $1 | sort -n)); k=${#a[@]}; echo "median ${a[$(( (k - 1) / 2 ))]} ms, p90 ${a[$(( (k * 9 + 9) / 10 - 1 ))]} ms (runs: $1)"; }
for spec in "$@"; do
  label=${spec%%=*}
  echo "$label: wall $(stats "${wall[$label]}")"
  echo "$label: cpu  $(stats "${cpu[$label]}")"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
