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

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

JAVA_HOME="$("$root/scripts/find-jdk.sh")"
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk (Debian package)"
  if [[ $(id -u) -eq 0 ]]; then apt-get install -y wrk >/dev/null; else sudo apt-get install -y wrk >/dev/null; fi
fi
dist="$(ls -d "$root"/distribution/target/aisix-*/ 2>/dev/null | head -n1 || true)"
jar="$root/benchmarks/target/benchmarks.jar"
if $build || [[ -z "$dist" || ! -x "$dist/bin/aisix" || ! -f "$jar" ]]; then
  log "building the distribution and benchmarks.jar (mvn package, tests skipped)"
  (cd "$root" && mvn -B -ntp -q -DskipTests -Djmh.guard.skip=true -pl distribution,benchmarks -am package) || die "build failed"
  dist="$(ls -d "$root"/distribution/target/aisix-*/ | head -n1)"
fi
dist="${dist%/}"

work="$(mktemp -d -t aisix-soak.XXXXXX)"
pids=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if $keep; then log "work directory kept: $work"; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
await_line() { local i; for ((i = 0; i < $3 * 10; i++)); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }

log "starting the mock upstream"
java -Xms256m -Xmx256m -XX:+UseParallelGC -cp "$jar" io.aisix.bench.load.MockMain --deltas 64 --delta-ms 20 \
  > "$work/mock.out" 2> "$work/mock.err" &
pids+=($!)
await_line "$work/mock.out" MOCK_STREAM_PORT= 30 || die "mock upstream did not start: $(cat "$work/mock.err")"
mock_port="$(sed -n 's/^MOCK_PORT=//p' "$work/mock.out")"
mock_stream_port="$(sed -n 's/^MOCK_STREAM_PORT=//p' "$work/mock.out")"

admin_key="soak-admin-$RANDOM$RANDOM$RANDOM"
caller_key="sk-soak-$RANDOM$RANDOM$RANDOM$RANDOM"
# access log off: 30 minutes of load would write gigabytes; the connection limits are the defaults
cat > "$work/config.yaml" <<EOF
proxy: { addr: "127.0.0.1:0" }
admin: { addr: "127.0.0.1:0", admin_keys: ["$admin_key"] }
store: { backend: embedded, data_dir: "$work/data" }
logging: { level: INFO, access_log: false }
EOF
log "starting the gateway ($dist)"
JAVA_OPTS="$gw_java_opts" "$dist/bin/aisix" --config "$work/config.yaml" > "$work/gateway.out" 2> "$work/gateway.log" &
gw_pid=$!
pids+=("$gw_pid")
await_line "$work/gateway.out" " store " 60 || die "gateway did not start: $(tail -n 20 "$work/gateway.log")"
gw_port="$(sed -n 's/.* proxy listening on .*(port \([0-9]*\))$/\1/p' "$work/gateway.out")"
admin_port="$(sed -n 's/.* admin listening on .*(port \([0-9]*\))$/\1/p' "$work/gateway.out")"

admin() {
  local body
  body="$(curl -sS -f -X "$1" -H "Authorization: Bearer $admin_key" -H 'Content-Type: application/json' \
    --data "$3" "http://127.0.0.1:$admin_port/admin/v1/$2")" || die "admin $1 $2 failed"
  grep -o '"id":"[^"]*"' <<< "$body" | head -n1 | cut -d'"' -f4
}
pk="$(admin POST provider_keys '{"display_name":"mock","provider":"openai","api_key":"sk-mock-upstream-0123456789","api_base":"http://127.0.0.1:'"$mock_port"'/v1"}')"
admin POST models '{"display_name":"bench","provider_key_id":"'"$pk"'","model_name":"gpt-4o-mini"}' > /dev/null
pks="$(admin POST provider_keys '{"display_name":"mock-stream","provider":"openai","api_key":"sk-mock-upstream-0123456789","api_base":"http://127.0.0.1:'"$mock_stream_port"'/v1"}')"
admin POST models '{"display_name":"bench-stream","provider_key_id":"'"$pks"'","model_name":"gpt-4o-mini"}' > /dev/null
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
