#!/usr/bin/env bash
# AISIX-J soak: mixed caller load plus abuse against the shipped distribution, RSS sampled.
#
#   benchmarks/soak/run.sh [--duration S] [--sample S] [--concurrency N] [--slow N] [--parallel N]
#                          [--java-opts "..."] [--build] [--keep]
#
# Starts (127.0.0.1, random ports, a temp directory) the mock upstream (io.aisix.bench.load.MockMain)
# and the gateway distribution with its default connection limits (header 10 s, body 30 s, idle
# 60 s), configures a provider key, two aliases (answers and 64-delta streams) and a caller key
# through the Admin API, then for --duration seconds at once:
#   - wrk at --concurrency connections: chat completions through the gateway (post.lua);
#   - one stream through the gateway every 2 s (curl), checked to end with [DONE];
#   - io.aisix.bench.load.Abuser: --slow half-sent (slowloris) connections held and reopened when
#     cut, and malformed requests (other versions, bad framing, oversized lines and headers, bad
#     JSON, stalled bodies, random mutations) --parallel at a time, on the proxy and admin listeners.
# The gateway's VmRSS/VmHWM, open file descriptors and threads are sampled every --sample seconds.
# At the end: the same PID still running, RSS after the first 5 minutes (or the first third of
# shorter runs) versus the last sample and after 15 s idle, wrk's totals and non-2xx count, stream
# failures and the abuser's counts (5xx and hung requests must be 0). Writes
# benchmarks/soak/results/<UTC timestamp>.txt (summary) and .tsv (samples).
#
# Options:
#   --duration S      seconds of load and abuse (default 1800)
#   --sample S        RSS sampling period (default 5)
#   --concurrency N   wrk connections (default 16)
#   --slow N          slowloris connections held (default 200)
#   --parallel N      malformed requests in flight (default 16)
#   --java-opts "..." extra JVM options for the gateway (JAVA_OPTS of bin/aisix)
#   --build           rebuild the distribution and benchmarks.jar first (done anyway when missing)
#   --keep            keep the temp directory (logs) and print its path
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(cd "$here/../.." && pwd)"
duration=1800 sample=5 concurrency=16 slow=200 parallel=16 gw_java_opts="" build=false keep=false
while (($#)); do
  case "$1" in
    --duration) duration="$2"; shift ;;
    --sample) sample="$2"; shift ;;
    --concurrency) concurrency="$2"; shift ;;
    --slow) slow="$2"; shift ;;
    --parallel) parallel="$2"; shift ;;
    --java-opts) gw_java_opts="$2"; shift ;;
    --build) build=true ;;
    --keep) keep=true ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

. "$root/benchmarks/lib.sh"
bench_toolchain
bench_artifacts
bench_workdir aisix-soak
start_mock 64 20
caller_key="sk-soak-$RANDOM$RANDOM$RANDOM$RANDOM"
# access log off: 30 minutes of load would write gigabytes; the connection limits are the defaults
start_gateway false "$gw_java_opts"
bench_aliases
admin POST api_keys '{"display_name":"soak","key":"'"$caller_key"'","allowed_models":["*"]}' > /dev/null
for _ in $(seq 1 100); do
  code="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $caller_key" -H 'Content-Type: application/json' \
    --data '{"model":"bench","messages":[{"role":"user","content":"probe"}]}' "http://127.0.0.1:$gw_port/v1/chat/completions")"
  [[ $code == 200 ]] && break
  sleep 0.1
done
[[ $code == 200 ]] || die "the gateway never answered 200"

(
  while [[ -r "/proc/$gw_pid/status" ]]; do
    rss=0 hwm=0 thr=0
    while read -r k v _; do case "$k" in VmRSS:) rss=$v ;; VmHWM:) hwm=$v ;; Threads:) thr=$v ;; esac; done \
      < "/proc/$gw_pid/status" 2>/dev/null || break
    fds="$(ls "/proc/$gw_pid/fd" 2>/dev/null | wc -l)"
    echo "$(date +%s) $rss $hwm $fds $thr"
    sleep "$sample"
  done
) > "$work/rss.tsv" 2>/dev/null &
pids+=($!)

start="$(date +%s)"
log "soak: ${duration} s of wrk c=$concurrency, a stream every 2 s, $slow slowloris connections and $parallel malformed requests in flight"
BENCH_MODEL=bench BENCH_KEY=$caller_key BENCH_OUT="$work/wrk.json" wrk -t2 -c"$concurrency" -d"${duration}s" --timeout 10s \
  -s "$root/benchmarks/load/post.lua" "http://127.0.0.1:$gw_port/v1/chat/completions" > "$work/wrk.txt" 2>&1 &
wrk_pid=$!
pids+=("$wrk_pid")
java -Xms64m -Xmx256m -cp "$jar" io.aisix.bench.load.Abuser --proxy "$gw_port" --admin "$admin_port" \
  --admin-key "$admin_key" --seconds "$duration" --slow "$slow" --parallel "$parallel" > "$work/abuser.json" 2> "$work/abuser.err" &
abuser_pid=$!
pids+=("$abuser_pid")
streams_ok=0 streams_bad=0
while (( $(date +%s) - start < duration )); do
  out="$(curl -s -N --max-time 30 -H "Authorization: Bearer $caller_key" -H 'Content-Type: application/json' \
    --data '{"model":"bench-stream","stream":true,"messages":[{"role":"user","content":"soak"}]}' \
    "http://127.0.0.1:$gw_port/v1/chat/completions" || true)"
  if [[ $out == *'data: [DONE]'* ]]; then streams_ok=$((streams_ok + 1)); else streams_bad=$((streams_bad + 1)); fi
  sleep 2
done
wait "$wrk_pid" || true
wait "$abuser_pid" || true
log "idle 15 s, then the post-load RSS"
sleep 15
post_rss="$(awk '/^VmRSS:/{print $2}' "/proc/$gw_pid/status" 2>/dev/null || echo gone)"
alive=no; kill -0 "$gw_pid" 2>/dev/null && alive=yes

mkdir -p "$here/results"
ts="$(date -u +%Y-%m-%dT%H-%M-%SZ)"
cp "$work/rss.tsv" "$here/results/$ts.tsv"
warm_at=$((start + (duration < 900 ? duration / 3 : 300)))
summary="$(awk -v w="$warm_at" '
  NR == 1 { first = $2 } { if ($2 > max) max = $2; if (min == "" || $2 < min) min = $2; last = $2; fds = $4; if ($4 > maxfd) maxfd = $4 }
  $1 >= w && warm == "" { warm = $2 }
  END { printf "rss_kib first=%d warm=%d max=%d last=%d; fds max=%d last=%d", first, warm, max, last, maxfd, fds }' "$work/rss.tsv")"
{
  echo "soak $ts, commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null), $(nproc) cores, $(java -version 2>&1 | head -n1)"
  echo "duration ${duration} s, wrk c=$concurrency, slowloris $slow, malformed in flight $parallel, sample ${sample} s"
  echo "gateway pid $gw_pid alive at the end: $alive"
  echo "$summary; after 15 s idle: $post_rss KiB"
  echo "wrk: $(grep -E 'requests in|Non-2xx|Socket errors|Requests/sec' "$work/wrk.txt" | tr -s ' ' | tr '\n' ';')"
  echo "streams: $streams_ok ended with [DONE], $streams_bad did not"
  echo "abuser: $(cat "$work/abuser.json")"
} | tee "$here/results/$ts.txt"
[[ $alive == yes ]] || die "the gateway died: $(tail -n 30 "$work/gateway.log")"
grep -q '"status_5xx":0,"hung":0' "$work/abuser.json" || die "5xx or hung requests under abuse: $(cat "$work/abuser.json")"
