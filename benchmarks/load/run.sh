#!/usr/bin/env bash
# AISIX-J load harness: direct to the mock, through nginx, through a bare Helidon hop, and through the
# gateway, in one run.
#
#   benchmarks/load/run.sh [--pin] [--no-nginx] [--no-helidon] [--gateway-cpus LIST] [--aux-cpus LIST]
#                          [--duration S] [--warmup S]
#                          [--concurrency "1 32 128"] [--streams "64 128 512"] [--cold-streams N]
#                          [--stream-rounds N] [--stall-ms MS] [--slow-retries N]
#                          [--chain full|issue] [--java-opts "..."] [--dist DIR]
#                          [--build] [--keep] [--serve]
#
# Starts (all on 127.0.0.1, a temp directory; every process but nginx binds port 0 and reports the
# port it got; nginx gets two free ports below the ephemeral range, and two others when a bind fails):
#   1. the mock upstream (testkit MockUpstream, io.aisix.bench.load.MockMain): OpenAI chat answers,
#      streams of 64 deltas 20 ms apart;
#   2. nginx (Debian nginx-light, installed with apt-get when missing; --no-nginx skips it) as the
#      reference proxy: one worker, HTTP/1.1 upstream keep-alive to the same mock (and to the stream
#      mock, unbuffered), pinned like the gateway, access log off;
#   3. the helidon hop (io.aisix.bench.load.HelidonHop; --no-helidon skips it), the second reference:
#      a Helidon SE 4.5 server with the gateway's proxy-listener settings that forwards to the same
#      mock (and stream mock, unbuffered) through the gateway's own upstream client, HTTP/1.1
#      keep-alive, and does nothing else (no auth, JSON, chain, metrics or access log); the
#      gateway's JVM and options (from its command line) without the AOT cache; pinned like the
#      gateway: what the gateway's stack costs before any of the gateway's own work;
#   4. the gateway distribution (distribution/target/aisix-*/bin/aisix) with a temp config (embedded
#      store, access log on, written to a file) and, through the Admin API, the full policy chain:
#      caller key (auth), alias, input guardrails (keyword + pii), a cache policy (every request
#      has a unique body, so every request misses and stores), rate limits far above the load,
#      metrics (always on); with --chain issue only the chain issue 20 names (caller key, alias,
#      keyword guardrail, rate limits; metrics and access log as always);
#   5. load: wrk (benchmarks/load/post.lua) at each concurrency, direct, through nginx, through the
#      helidon hop, then through the gateway, after a warm-up; then bursts of N concurrent streams
#      for each N of --streams (io.aisix.bench.load.StreamClient), the same four ways; the
#      gateway's VmRSS/VmHWM sampled every 100 ms throughout. Before any of that, right after the gateway was configured and had
#      served one stream, one "cold" burst of --cold-streams streams each way: what the first
#      callers of a freshly started gateway see.
# For every wrk phase of a proxy it logs (and stores under gateway_counts, helidon_counts and
# nginx_counts) that proxy's CPU (utime+stime; nginx: its worker process) and context switches per
# request completed, and for the two JVMs their JIT compiler threads' CPU, from /proc.
# Writes benchmarks/load/results/<UTC timestamp>.json and prints summary tables: at every point the
# latency the gateway adds over direct next to what nginx adds, and the gateway's throughput against
# nginx's; then every side with its throughput against nginx, its added latency and each proxy's CPU
# and context switches per request. Every process it started is stopped on exit (also on Ctrl-C).
#
# Options:
#   --pin               pin the gateway, nginx and the helidon hop to --gateway-cpus (default 1) and the
#                       mock, wrk and the stream client to --aux-cpus (default 0) with taskset
#   --no-nginx          leave nginx out (no reference columns)
#   --no-helidon        leave the helidon hop out
#   --duration S        seconds per measured wrk phase (default 10)
#   --warmup S          seconds of gateway (and helidon hop) warm-up at c=32 before measuring
#                       (default 30; the JIT needs about that long on 2 cores)
#   --streams LIST      sizes of the stream bursts, each measured on its own (default "64 128 512")
#   --cold-streams N    streams of the one burst sent to the freshly started gateway (default 64; 0: none)
#   --stream-rounds N   measured bursts of streams per side; the median one is reported (default 3)
#   --concurrency LIST  wrk connection counts (default "1 32 128")
#   --stall-ms MS       an inter-event gap above this is a stall (default 100)
#   --slow-retries N    repeat a wrk phase (c >= 2) up to N times (default 2) when a vCPU speed probe
#                       (python3 loops pinned beside the proxies and beside the mock and wrk, timed twice
#                       a second) says its vCPU ran 1.3 times slower than its median so far in the run:
#                       host contention, not the proxy
#   --chain full|issue  the gateway's policy chain: full (default) = caller key with limits, alias,
#                       keyword and pii input guardrails, a memory cache policy, a model-scoped
#                       rate-limit policy; issue = issue 20's chain: the same without the pii
#                       guardrail and the cache policy. Metrics and the access log are on in both
#   --java-opts "..."   extra JVM options for the gateway (JAVA_OPTS of bin/aisix); the helidon hop
#                       takes the gateway's options, these included (not -Xlog, JFR or agents)
#   --dist DIR          the extracted distribution to run (default distribution/target/aisix-*/)
#   --build             rebuild the distribution and benchmarks.jar first (done anyway when missing)
#   --keep              keep the temp directory (logs, raw outputs) and print its path
#   --serve             only start and configure the mock, the references and the gateway, print how
#                       to reach them, and wait until Ctrl-C (for profiling or trying other load generators)
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(cd "$here/../.." && pwd)"

duration=10
warmup=30
stream_rounds=3
streams="64 128 512"
cold_streams=64
deltas=64
delta_ms=20
stall_ms=100
concurrency="1 32 128"
pin=false
gateway_cpus=1
aux_cpus=0
slow_retries=2
gw_java_opts=""
dist=""
build=false
keep=false
serve=false
with_nginx=true
with_helidon=true
chain=full

while (($#)); do
  case "$1" in
    --pin) pin=true ;;
    --duration) duration="$2"; shift ;;
    --warmup) warmup="$2"; shift ;;
    --streams) streams="$2"; shift ;;
    --cold-streams) cold_streams="$2"; shift ;;
    --stream-rounds) stream_rounds="$2"; shift ;;
    --concurrency) concurrency="$2"; shift ;;
    --stall-ms) stall_ms="$2"; shift ;;
    --slow-retries) slow_retries="$2"; shift ;;
    --gateway-cpus) gateway_cpus="$2"; shift ;;
    --aux-cpus) aux_cpus="$2"; shift ;;
    --java-opts) gw_java_opts="$2"; shift ;;
    --dist) dist="$2"; shift ;;
    --chain) chain="$2"; shift ;;
    --build) build=true ;;
    --keep) keep=true ;;
    --serve) serve=true ;;
    --no-nginx) with_nginx=false ;;
    --no-helidon) with_helidon=false ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ $chain == full || $chain == issue ]] || { echo "run.sh: --chain is full or issue, not '$chain'" >&2; exit 2; }

. "$root/benchmarks/lib.sh"

busy_cores() { # CPU cores kept busy by everything on the machine over 2 s (from /proc/stat)
  local a b
  read -r _ a1 a2 a3 a4 a5 a6 a7 a8 _ < /proc/stat
  sleep 2
  read -r _ b1 b2 b3 b4 b5 b6 b7 b8 _ < /proc/stat
  a=$((a1 + a2 + a3 + a6 + a7 + a8)) b=$((b1 + b2 + b3 + b6 + b7 + b8))
  awk -v d=$((b - a)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", d / hz / 2 }'
}

# ------------------------------------------------------------------ toolchain
bench_toolchain
if $with_nginx && [[ ! -x /usr/sbin/nginx ]]; then
  apt_install nginx nginx-light
fi
nginx_bin="$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)"
if $pin && ! command -v taskset >/dev/null 2>&1; then
  die "--pin needs taskset (util-linux)"
fi

bench_artifacts

# ------------------------------------------------------------------ processes and cleanup
background_before="$(busy_cores)"
log "other processes keep $background_before of $(nproc) cores busy"
bench_workdir aisix-load

gw_pin=() aux_pin=()
if $pin; then
  gw_pin=(taskset -c "$gateway_cpus")
  aux_pin=(taskset -c "$aux_cpus")
fi

# The vCPU speed probes: on this machine's VM a vCPU sometimes runs about half as fast for
# 10-60 s (host contention: an independent process on the same vCPU slows as much; benchmarks/README,
# "The slow mode is the host"), which would make one side's phase incomparable with the others'.
# Two python3 processes, one pinned like the proxies and one like the mock and wrk (a slowed mock
# starves the proxy, which then costs more per request too), time a fixed loop (~5-11 ms of CPU)
# every 0.5 s, in the wrk phases at c >= 2 and the 3 s at rest before them only (never at c=1, whose
# tail they would be), and write "<probe> <phase> <ms>" lines; a phase in which either probe's
# median is 1.3 times its median so far in the run (at rest and in the phases kept) is repeated.
probe_file="$work/probe.txt"
: > "$probe_file"
probe_loop='
import sys, time
phase_file, out = sys.argv[1], open(sys.argv[2], "a")
while True:
    try:
        ph = open(phase_file).read().strip()
    except OSError:
        ph = ""
    c = ph.rsplit("-c", 1)[-1]
    if ph == "probe" or ("-c" in ph and c.isdigit() and int(c) >= 2):
        t = time.process_time(); s = 0
        for i in range(100000):
            s += i
        out.write("%s %s %.3f\n" % (sys.argv[3], ph, (time.process_time() - t) * 1000)); out.flush()
    time.sleep(0.5)
'
if command -v python3 >/dev/null 2>&1; then
  "${gw_pin[@]}" python3 -c "$probe_loop" "$work/phase" "$probe_file" proxies &
  pids+=($!)
  "${aux_pin[@]}" python3 -c "$probe_loop" "$work/phase" "$probe_file" aux &
  pids+=($!)
else
  log "python3 not found: no vCPU speed probe (phases are not checked for a slowed vCPU)"
fi
median() { # numbers on stdin, one per line -> their median (the upper one of an even count), or nothing
  sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int(NR / 2) + 1] }'
}
probe_median() { # probe phase first-line -> the median time (ms) of that probe in that phase from that line on, or nothing
  tail -n +"$3" "$probe_file" | awk -v p="$1" -v ph="$2" '$1 == p && $2 == ph { print $3 }' | median
}

phase() { # the current phase, for the RSS sampler; and the load average when each phase began
  echo "$1" > "$work/phase"
  echo "$1 $(cut -d' ' -f1 /proc/loadavg)" >> "$work/phases.txt"
}
phase idle

start_mock "$deltas" "$delta_ms" "${aux_pin[@]}"

# Ports: the mock, the helidon hop and the gateway bind port 0 and report the port the OS gave them,
# which cannot race. nginx cannot report one, so it gets two ports nothing listens on, below the
# ephemeral range (where the machine's outgoing connections take their local ports), and when a
# bind fails all the same (another process took a port in between) it starts again on two others.
ephemeral_low="$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)"
free_port() { # a loopback port nothing listens on, below the ephemeral range when there is room
  local p lo=10000 hi=$ephemeral_low
  ((hi - lo >= 1000)) || { lo=1024; hi=65536; }
  while :; do
    p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo)))
    (exec 3<> "/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

# nginx: the reference proxy, one worker pinned like the gateway, keep-alive to both mock servers.
nginx_config() {
  cat <<EOF
$([[ $(id -u) -eq 0 ]] && echo "user root root;")
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  upstream mock { server 127.0.0.1:$mock_port; keepalive 256; }
  upstream mock_stream { server 127.0.0.1:$mock_stream_port; keepalive 1024; }
  server {
    listen 127.0.0.1:$nginx_port backlog=4096;
    location / { proxy_pass http://mock; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
  server {
    listen 127.0.0.1:$nginx_stream_port backlog=4096;
    location / { proxy_pass http://mock_stream; proxy_http_version 1.1; proxy_set_header Connection "";
                 proxy_buffering off; proxy_read_timeout 120s; }
  }
}
EOF
}
# Starts nginx on two free ports; sets nginx_port, nginx_stream_port and nginx_pid. nginx writes its
# pid file once it has bound both ports, so that (not a connect, which another process listening
# on the same port would also answer) says it is up.
start_nginx() {
  local attempt
  mkdir -p "$work/nginx/logs"
  log "starting nginx ($("$nginx_bin" -v 2>&1 | sed 's/.*: //'))"
  for attempt in 1 2 3 4 5; do
    nginx_port="$(free_port)"
    nginx_stream_port="$(free_port)"
    [[ $nginx_port != "$nginx_stream_port" ]] || continue
    nginx_config > "$work/nginx/nginx.conf"
    rm -f "$work/nginx/nginx.pid" "$work/nginx/logs/error.log"
    "${gw_pin[@]}" "$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' \
      > "$work/nginx/out" 2>&1 &
    nginx_pid=$!
    pids+=("$nginx_pid")
    for _ in $(seq 1 100); do
      [[ -s "$work/nginx/nginx.pid" ]] && (exec 3<> "/dev/tcp/127.0.0.1/$nginx_port") 2>/dev/null \
        && (exec 3<> "/dev/tcp/127.0.0.1/$nginx_stream_port") 2>/dev/null && return 0
      grep -qs 'Address already in use' "$work/nginx/out" "$work/nginx/logs/error.log" && break
      kill -0 "$nginx_pid" 2>/dev/null || break
      sleep 0.1
    done
    grep -qs 'Address already in use' "$work/nginx/out" "$work/nginx/logs/error.log" \
      || die "nginx did not start: $(cat "$work/nginx/out" "$work/nginx/logs/error.log" 2>/dev/null)"
    # nginx retries a taken port for ~2.5 s before it gives up: stop it and take two other ports
    log "nginx: port $nginx_port or $nginx_stream_port is taken (attempt $attempt), trying two others"
    kill -TERM "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
    unset 'pids[${#pids[@]}-1]'
  done
  die "nginx found no free pair of ports in 5 attempts"
}
if $with_nginx; then start_nginx; fi

# The gateway: the distribution as shipped, with a temp startup config.
caller_key="sk-bench-$RANDOM$RANDOM$RANDOM$RANDOM"
start_gateway true "$gw_java_opts" "${gw_pin[@]}"
gw_java="$(tr '\0' ' ' < "/proc/$gw_pid/cmdline" | sed 's/ -cp .*//')"

# The helidon hop (io.aisix.bench.load.HelidonHop): a bare Helidon SE forwarder on the gateway's
# stack, pinned like the gateway, run with the gateway's JVM and options as bin/aisix chose them
# (read from its command line), without what belongs to the gateway's installation or would
# collide with its files: the AOT cache, the logging config, -Xlog, JFR, agents.
if $with_helidon; then
  mapfile -d '' -t gw_args < "/proc/$gw_pid/cmdline"
  hop_args=()
  for a in "${gw_args[@]:1}"; do
    [[ $a == -cp || $a == -classpath ]] && break
    case "$a" in
      -XX:AOTCache=*|-XX:SharedArchiveFile=*|-Djava.util.logging.config.file=*|-Xlog*|-XX:StartFlightRecording*|-agentpath*|-agentlib*|-javaagent*) ;;
      *) hop_args+=("$a") ;;
    esac
  done
  log "starting the helidon hop"
  MALLOC_ARENA_MAX=2 "${gw_pin[@]}" "${gw_args[0]}" "${hop_args[@]}" -cp "$jar" io.aisix.bench.load.HelidonHop \
    --upstream-port "$mock_port" --stream-upstream-port "$mock_stream_port" > "$work/hop.out" 2> "$work/hop.err" &
  hop_pid=$!
  pids+=("$hop_pid")
  await_line "$work/hop.out" HOP_STREAM_PORT= 30 || die "the helidon hop did not start: $(cat "$work/hop.err")"
  hop_port="$(sed -n 's/^HOP_PORT=//p' "$work/hop.out")"
  hop_stream_port="$(sed -n 's/^HOP_STREAM_PORT=//p' "$work/hop.out")"
  hop_java="$(tr '\0' ' ' < "/proc/$hop_pid/cmdline" | sed 's/ -cp .*//')"
  [[ $(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    --data '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"probe"}]}' \
    "http://127.0.0.1:$hop_port/v1/chat/completions") == 200 ]] || die "the helidon hop did not answer 200"
  stream="$(curl -s -N -H 'Content-Type: application/json' \
    --data '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"probe"}]}' \
    "http://127.0.0.1:$hop_stream_port/v1/chat/completions")"
  [[ $(grep -c '^data: {' <<< "$stream") -ge $((deltas + 2)) && $stream == *'data: [DONE]'* ]] \
    || die "a stream through the helidon hop did not complete: $(head -c 500 <<< "$stream")"
fi
sides="direct"
$with_nginx && sides+=" nginx"
$with_helidon && sides+=" helidon"
sides+=" gateway"

# RSS sampler: VmRSS and VmHWM of the gateway every 100 ms, tagged with the current phase.
(
  while [[ -r "/proc/$gw_pid/status" ]]; do
    rss=0 hwm=0
    while read -r k v _; do
      case "$k" in VmRSS:) rss=$v ;; VmHWM:) hwm=$v ;; esac
    done < "/proc/$gw_pid/status" 2>/dev/null || break
    read -r ph < "$work/phase" || ph=unknown
    echo "${EPOCHREALTIME/./} $ph $rss $hwm"
    sleep 0.1
  done
) >> "$work/rss.tsv" 2>/dev/null &
pids+=($!)

# ------------------------------------------------------------------ configuration through the Admin API
if [[ $chain == full ]]; then
  log "configuring (chain full): provider key, alias, caller key with rate limits, guardrails, cache policy"
else
  log "configuring (chain issue): provider key, alias, caller key with rate limits, keyword guardrail"
fi
bench_aliases
admin POST api_keys '{"display_name":"bench","key":"'"$caller_key"'","allowed_models":["*"],"rate_limit":{"rpm":1000000000,"tpm":1000000000000,"concurrency":100000}}' > /dev/null
admin POST rate_limit_policies '{"name":"bench-model","scope":"model","window":"minute","max_requests":1000000000}' > /dev/null
admin POST guardrails '{"name":"bench-keywords","kind":"keyword","hook_point":"input","patterns":[{"kind":"literal","value":"ignore all previous instructions"},{"kind":"literal","value":"system prompt"},{"kind":"literal","value":"developer mode"},{"kind":"regex","value":"(?i)\\bjail ?break\\b"}]}' > /dev/null
if [[ $chain == full ]]; then
  admin POST guardrails '{"name":"bench-pii","kind":"pii","hook_point":"input","detectors":[{"type":"email"},{"type":"phone"},{"type":"credit_card"},{"type":"us_ssn"},{"type":"api_key"}]}' > /dev/null
  admin POST cache_policies '{"name":"bench","backend":"memory","ttl_seconds":300,"applies_to":"all","scope":"api_key"}' > /dev/null
fi

probe='{"model":"bench","messages":[{"role":"user","content":"probe"}]}'
ready=false
for _ in $(seq 1 100); do
  if curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $caller_key" -H 'Content-Type: application/json' \
      -H 'Cache-Control: no-store' --data "$probe" "http://127.0.0.1:$gw_port/v1/chat/completions" | grep -q 200; then
    ready=true; break
  fi
  sleep 0.1
done
$ready || die "the gateway never answered 200 through the chain"
headers="$(curl -s -D - -o /dev/null -H "Authorization: Bearer $caller_key" -H 'Content-Type: application/json' \
  --data '{"model":"bench","messages":[{"role":"user","content":"probe 2"}]}' "http://127.0.0.1:$gw_port/v1/chat/completions")"
if [[ $chain == full ]]; then
  grep -qi '^x-aisix-cache: miss' <<< "$headers" || die "the cache policy is not active: $headers"
else
  ! grep -qi '^x-aisix-cache:' <<< "$headers" || die "a cache policy is active in the issue chain: $headers"
fi
grep -qi '^x-ratelimit-limit-requests' <<< "$headers" || die "the rate limits are not active: $headers"
stream="$(curl -s -N -H "Authorization: Bearer $caller_key" -H 'Content-Type: application/json' \
  --data '{"model":"bench-stream","stream":true,"messages":[{"role":"user","content":"probe 3"}]}' \
  "http://127.0.0.1:$gw_port/v1/chat/completions")"
[[ $(grep -c '^data: {' <<< "$stream") -ge $((deltas + 2)) && $stream == *'data: [DONE]'* ]] \
  || die "a stream through the gateway did not complete: $(head -c 500 <<< "$stream")"

if $serve; then
  log "serving: mock http://127.0.0.1:$mock_port/v1 (pid ${pids[0]}), stream mock port $mock_stream_port, gateway http://127.0.0.1:$gw_port (pid $gw_pid),"
  log "admin http://127.0.0.1:$admin_port (key $admin_key), caller key $caller_key, model aliases bench and bench-stream, work dir $work"
  $with_nginx && log "nginx (the reference) http://127.0.0.1:$nginx_port/v1, streams http://127.0.0.1:$nginx_stream_port/v1"
  $with_helidon && log "helidon hop (pid $hop_pid) http://127.0.0.1:$hop_port/v1, streams http://127.0.0.1:$hop_stream_port/v1"
  log "e.g. BENCH_KEY=$caller_key wrk -t2 -c32 -d10s -s $here/post.lua http://127.0.0.1:$gw_port/v1/chat/completions"
  log "Ctrl-C stops everything"
  while kill -0 "$gw_pid" 2>/dev/null; do sleep 1; done
  exit 0
fi

# ------------------------------------------------------------------ load
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
load_before="$(loadavg)"
log "load average before: $load_before"

run_wrk() { # side concurrency seconds out
  local side=$1 c=$2 secs=$3 out=$4 port model key threads
  case $side in
    direct) port=$mock_port model=gpt-4o-mini key="" ;;
    nginx) port=$nginx_port model=gpt-4o-mini key="" ;;
    helidon) port=$hop_port model=gpt-4o-mini key="" ;;
    *) port=$gw_port model=bench key=$caller_key ;;
  esac
  threads=$((c < 2 ? 1 : 2))
  BENCH_MODEL=$model BENCH_KEY=$key BENCH_OUT=$out "${aux_pin[@]}" wrk -t"$threads" -c"$c" -d"${secs}s" --timeout 10s \
    -s "$here/post.lua" "http://127.0.0.1:$port/v1/chat/completions" > "$out.txt" 2>&1 || die "wrk failed: $(cat "$out.txt")"
}

stream_client() { # side out warmup-rounds streams [measured-rounds]
  local port key=()
  case $1 in
    direct) port=$mock_stream_port; model=gpt-4o-mini ;;
    nginx) port=$nginx_stream_port; model=gpt-4o-mini ;;
    helidon) port=$hop_stream_port; model=gpt-4o-mini ;;
    *) port=$gw_port; model=bench-stream; key=(--key "$caller_key") ;;
  esac
  "${aux_pin[@]}" java -Xms256m -Xmx512m -XX:+UseParallelGC -cp "$jar" io.aisix.bench.load.StreamClient \
    --port "$port" --model "$model" "${key[@]}" --streams "$4" --stall-ms "$stall_ms" \
    --warmup "$4" --warmup-rounds "$3" --rounds "${5:-$stream_rounds}" > "$2" 2> "$2.err" \
    || die "stream client failed: $(cat "$2.err")"
}
# The cold burst: the gateway has started, was configured and served one stream (the probe). The
# client JVM is as cold on every side; direct runs once unmeasured first so the mock is warm.
if ((cold_streams > 0)); then
  stream_client direct "$work/cold-warm-mock.json" 0 "$cold_streams" 1
  for side in $sides; do
    phase "cold-$side"
    log "cold burst: $cold_streams streams, $side"
    stream_client "$side" "$work/cold-$side-$cold_streams.json" 0 "$cold_streams" 1
    phase pause
    sleep 1
  done
fi

phase warmup
log "warm-up: direct 5 s,$($with_nginx && echo " nginx 5 s,")$($with_helidon && echo " helidon hop ${warmup} s,") gateway ${warmup} s at c=32"
run_wrk direct 32 5 "$work/warmup-direct.json"
if $with_nginx; then run_wrk nginx 32 5 "$work/warmup-nginx.json"; fi
if $with_helidon; then run_wrk helidon 32 "$warmup" "$work/warmup-helidon.json"; fi
run_wrk gateway 32 "$warmup" "$work/warmup-gateway.json"
sleep 1

# Each proxy's CPU time (ticks), its JIT compiler threads' share, and the context switches of all
# its threads, from /proc: per request, these say how a phase's time was spent on a shared
# machine (hand-offs between threads, compiles still running) where latencies cannot. For nginx,
# its worker process (the master only waits).
proc_counts() { # pid -> "cpu_ticks compiler_ticks switches"
  local pid=$1 t comm ticks comp=0 sw=0
  for t in /proc/"$pid"/task/*; do
    { read -r comm < "$t/comm"
      ticks=$(cut -d')' -f2- "$t/stat" | awk '{ print $12 + $13 }')
      sw=$((sw + $(awk '/ctxt_switches/ { s += $2 } END { print s + 0 }' "$t/status")))
    } 2>/dev/null || continue
    [[ $comm == C[12]" CompilerThre"* ]] && comp=$((comp + ticks))
  done
  echo "$(cut -d')' -f2- "/proc/$pid/stat" | awk '{ print $12 + $13 }') $comp $sw"
}
counted_pid() { # side -> the pid whose counts stand for it (none for direct)
  case $1 in
    nginx) pgrep -P "$nginx_pid" | head -n1 ;;
    helidon) echo "$hop_pid" ;;
    gateway) echo "$gw_pid" ;;
  esac
}
: > "$work/counts.txt"
phase probe
sleep 3
declare -A probe_seen   # per probe, its medians so far: at rest, then in every phase kept
for p in proxies aux; do
  probe_seen[$p]="$(probe_median $p probe 1)"
done
[[ -n ${probe_seen[proxies]} ]] && log "vCPU speed probe: ${probe_seen[proxies]} ms per loop at rest on the proxies' CPUs, ${probe_seen[aux]} ms on the others"
for c in $concurrency; do
  for side in $sides; do
    for attempt in $(seq 0 "$slow_retries"); do
      phase "$side-c$c"
      log "$side, c=$c, ${duration} s"
      from=$(($(wc -l < "$probe_file") + 1))
      cpid="$(counted_pid "$side")"
      [[ -n $cpid ]] && read -r cpu0 comp0 sw0 < <(proc_counts "$cpid")
      run_wrk "$side" "$c" "$duration" "$work/wrk-$side-c$c.json"
      [[ -n $cpid ]] && read -r cpu1 comp1 sw1 < <(proc_counts "$cpid")
      phase pause
      slow=1.00
      declare -A med=()
      for p in proxies aux; do
        med[$p]="$(probe_median $p "$side-c$c" "$from")"
        if [[ -n ${med[$p]} && -n ${probe_seen[$p]} ]]; then
          slow=$(awk -v m="${med[$p]}" -v ref="$(tr ' ' '\n' <<< "${probe_seen[$p]}" | median)" -v s="$slow" \
            'BEGIN { r = m / ref; printf "%.2f", (r > s ? r : s) }')
        fi
      done
      if awk -v s="$slow" 'BEGIN { exit !(s >= 1.3) }' && ((attempt < slow_retries)); then
        log "$side, c=$c: a vCPU ran ${slow} times slower than its median in this run (the probes, host contention): repeating the phase"
        sleep 1
        continue
      fi
      break
    done
    for p in proxies aux; do
      [[ -n ${med[$p]} ]] && probe_seen[$p]+=" ${med[$p]}"
    done
    if [[ -n $cpid ]]; then
      reqs=$(grep -o '"requests":[0-9]*' "$work/wrk-$side-c$c.json" | cut -d: -f2)
      echo "$side $c $reqs $((cpu1 - cpu0)) $((comp1 - comp0)) $((sw1 - sw0)) $slow" >> "$work/counts.txt"
      awk -v hz="$(getconf CLK_TCK)" -v side="$side" -v c="$c" -v n="$reqs" -v cpu=$((cpu1 - cpu0)) \
        -v comp=$((comp1 - comp0)) -v sw=$((sw1 - sw0)) -v slow="$slow" 'BEGIN {
          printf "%s c=%d: %.0f us of CPU and %.2f context switches per request", side, c, cpu * 1e6 / hz / n, sw / n
          if (side != "nginx") printf "; JIT compiler threads %d ms", comp * 1000 / hz
          if (c > 1) printf "; vCPUs up to %.2f times slower than their median", slow
          printf "\n" }' | while read -r line; do log "$line"; done
    fi
    sleep 1
  done
done

# Warm-up rounds of full size run in the client's JVM before the measured bursts, so neither the
# client's code nor the gateway's stream path (SSE read, rewrite, chunked writes: code the wrk
# phases never ran) is still being compiled in a measured burst; the gateway's JIT settles after
# about four rounds of 512 (the cold burst, before the warm-up, shows what the first callers see).
for n in $streams; do
  for side in $sides; do
    rounds=1; [[ $side == gateway || $side == helidon ]] && rounds=2
    [[ $n -ge 512 ]] && rounds=$((rounds * 2))
    phase "streams-$side-$n"
    log "streams: $n concurrent, $side ($rounds warm-up rounds, then $stream_rounds measured)"
    stream_client "$side" "$work/streams-$side-$n.json" "$rounds" "$n"
    phase pause
    sleep 1
  done
done

phase post
log "idle 15 s, then post-load RSS"
sleep 15
awk '/^VmRSS:/{r=$2} /^VmHWM:/{h=$2} END{print r, h}' "/proc/$gw_pid/status" > "$work/rss-post.txt"
load_after="$(loadavg)"
log "load average after: $load_after"
for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
for p in "${pids[@]}"; do
  for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
done
background_after="$(busy_cores)"
log "after stopping the gateway and the mock, other processes keep $background_after cores busy"

# ------------------------------------------------------------------ report
ts="$(date -u +%Y-%m-%dT%H-%M-%SZ)"
cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
mem_mib=$(( $(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) / 1024 ))
jdk="$(java -version 2>&1 | head -n1)"
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty="$(git -C "$root" status --porcelain 2>/dev/null | grep -v '^??' | head -n1 || true)"
counts_json() { # side -> "c<N>": {...} for each of its wrk phases in counts.txt
  awk -v hz="$(getconf CLK_TCK)" -v side="$1" '$1 == side { printf "%s\"c%s\": {\"requests\": %d, \"cpu_us_per_request\": %.1f, \"context_switches_per_request\": %.3f, \"jit_compiler_ms\": %d, \"vcpu_slowdown\": %.2f}",
    (n++ ? ", " : ""), $2, $3, $4 * 1e6 / hz / $3, $6 / $3, $5 * 1000 / hz, $7 }' "$work/counts.txt"
}
json_str() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }
cat > "$work/meta.json" <<EOF
{
  "timestamp": $(json_str "$ts"),
  "commit": $(json_str "$commit${dirty:+ (modified)}"),
  "machine": {"nproc": $(nproc), "cpu": $(json_str "$cpu"), "memory_mib": $mem_mib, "jdk": $(json_str "$jdk"),
              "kernel": $(json_str "$(uname -r)")},
  "load": {"before": $(json_str "$load_before"), "after": $(json_str "$load_after"),
           "other_busy_cores_before": $background_before, "other_busy_cores_after": $background_after},
  "options": {"duration_s": $duration, "warmup_s": $warmup, "streams": $(json_str "$streams"), "cold_streams": $cold_streams, "stream_rounds": $stream_rounds, "deltas": $deltas,
              "delta_ms": $delta_ms, "stall_ms": $stall_ms, "concurrency": $(json_str "$concurrency"),
              "nginx": $(json_str "$($with_nginx && "$nginx_bin" -v 2>&1 | sed 's/.*: //' || echo none)"),
              "pinned": $pin, "gateway_cpus": $(json_str "$($pin && echo "$gateway_cpus" || echo all)"),
              "aux_cpus": $(json_str "$($pin && echo "$aux_cpus" || echo all)"),
              "helidon": $with_helidon, "chain": $(json_str "$chain"),
              "gateway_command": $(json_str "$gw_java"),
              "helidon_command": $(json_str "${hop_java:-}")},
  "gateway_counts": {$(counts_json gateway)},
  "nginx_counts": {$(counts_json nginx)},
  "helidon_counts": {$(counts_json helidon)}
}
EOF
mkdir -p "$here/results"
java -cp "$jar" io.aisix.bench.load.Report "$work" "$here/results/$ts.json"
echo
echo "results: $here/results/$ts.json"
