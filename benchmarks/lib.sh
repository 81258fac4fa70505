# Set-up shared by benchmarks/load/run.sh and benchmarks/soak/run.sh; sourced once their options
# are read. Expects `root` (the repository) and, for bench_artifacts, `build` (and `dist`, empty for
# the default); for bench_workdir, `keep`. Everything on 127.0.0.1, random ports, one temp folder.

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# apt_install COMMAND PACKAGE: installs the Debian package when COMMAND is not on PATH.
apt_install() {
  command -v "$1" >/dev/null 2>&1 && return 0
  log "installing $2 (Debian package)"
  if [[ $(id -u) -eq 0 ]]; then apt-get install -y "$2" >/dev/null; else sudo apt-get install -y "$2" >/dev/null; fi
}

# The JDK of scripts/find-jdk.sh on PATH, and wrk.
bench_toolchain() {
  JAVA_HOME="$("$root/scripts/find-jdk.sh")"
  export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
  apt_install wrk wrk
}

# Sets `dist` (the extracted distribution: $dist, else distribution/target/aisix-*/) and `jar`
# (benchmarks.jar), building both first with build=true or when one is missing.
bench_artifacts() {
  [[ -n "${dist:-}" ]] || dist="$(ls -d "$root"/distribution/target/aisix-*/ 2>/dev/null | head -n1 || true)"
  jar="$root/benchmarks/target/benchmarks.jar"
  if $build || [[ -z "$dist" || ! -x "$dist/bin/aisix" || ! -f "$jar" ]]; then
    log "building the distribution and benchmarks.jar (mvn package, tests skipped)"
    (cd "$root" && mvn -B -ntp -q -DskipTests -Djmh.guard.skip=true -pl distribution,benchmarks -am package) \
      || die "build failed"
    dist="$(ls -d "$root"/distribution/target/aisix-*/ | head -n1)"
  fi
  dist="${dist%/}"
}

# bench_workdir PREFIX: sets `work` (a new temp folder) and `pids`; on exit (Ctrl-C included) every
# process in `pids` is stopped (TERM, KILL after 10 s) and the folder removed unless keep=true.
bench_workdir() {
  work="$(mktemp -d -t "$1.XXXXXX")"
  pids=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

bench_cleanup() {
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

# await_line FILE PATTERN TIMEOUT_S: waits until FILE has a line matching PATTERN.
await_line() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# start_mock DELTAS DELTA_MS [PREFIX...]: the mock upstream (io.aisix.bench.load.MockMain, a JVM of
# its own with a fixed heap, so its GC does not grow into the gateway's share), run under PREFIX
# (taskset ...) when given; its answers on `mock_port`, its streams of DELTAS deltas DELTA_MS apart
# on `mock_stream_port`.
start_mock() {
  local deltas=$1 delta_ms=$2
  shift 2
  log "starting the mock upstream"
  "$@" java -Xms256m -Xmx256m -XX:+UseParallelGC -cp "$jar" io.aisix.bench.load.MockMain \
    --deltas "$deltas" --delta-ms "$delta_ms" > "$work/mock.out" 2> "$work/mock.err" &
  pids+=($!)
  await_line "$work/mock.out" MOCK_STREAM_PORT= 30 || die "mock upstream did not start: $(cat "$work/mock.err")"
  mock_port="$(sed -n 's/^MOCK_PORT=//p' "$work/mock.out")"
  mock_stream_port="$(sed -n 's/^MOCK_STREAM_PORT=//p' "$work/mock.out")"
}

# start_gateway ACCESS_LOG JAVA_OPTS [PREFIX...]: the distribution's bin/aisix with a temp startup
# config (embedded store, a fresh admin key, access log true|false), run under PREFIX when given.
# Sets `admin_key`, `gw_pid`, `gw_port` and `admin_port`.
start_gateway() {
  local access_log=$1 java_opts=$2
  shift 2
  admin_key="bench-admin-$RANDOM$RANDOM$RANDOM"
  cat > "$work/config.yaml" <<EOF
proxy: { addr: "127.0.0.1:0" }
admin: { addr: "127.0.0.1:0", admin_keys: ["$admin_key"] }
store: { backend: embedded, data_dir: "$work/data" }
logging: { level: INFO, access_log: $access_log }
EOF
  log "starting the gateway ($dist)"
  JAVA_OPTS="$java_opts" "$@" "$dist/bin/aisix" --config "$work/config.yaml" > "$work/gateway.out" 2> "$work/gateway.log" &
  gw_pid=$!
  pids+=("$gw_pid")
  # start-up lines: one per listener, "... <listener> listening on <url> ... (port N)", the store's last
  await_line "$work/gateway.out" " store " 60 || die "gateway did not start: $(tail -n 20 "$work/gateway.log")"
  gw_port="$(sed -n 's/.* proxy listening on .*(port \([0-9]*\))$/\1/p' "$work/gateway.out")"
  admin_port="$(sed -n 's/.* admin listening on .*(port \([0-9]*\))$/\1/p' "$work/gateway.out")"
  [[ -n "$gw_port" && -n "$admin_port" ]] || die "could not read the gateway ports: $(cat "$work/gateway.out")"
}

# admin METHOD KIND JSON: an Admin API call; prints the id of what it created.
admin() {
  local body
  body="$(curl -sS -f -X "$1" -H "Authorization: Bearer $admin_key" -H 'Content-Type: application/json' \
    --data "$3" "http://127.0.0.1:$admin_port/admin/v1/$2")" || die "admin $1 $2 failed"
  grep -o '"id":"[^"]*"' <<< "$body" | head -n1 | cut -d'"' -f4
}

# The aliases on the mock: bench (answers, mock_port) and bench-stream (streams, on the mock's stream
# server: its own port, paced by one thread), each on a provider key of its own.
bench_aliases() {
  local pk pks
  pk="$(admin POST provider_keys '{"display_name":"mock","provider":"openai","api_key":"sk-mock-upstream-0123456789","api_base":"http://127.0.0.1:'"$mock_port"'/v1"}')"
  admin POST models '{"display_name":"bench","provider_key_id":"'"$pk"'","model_name":"gpt-4o-mini"}' > /dev/null
  pks="$(admin POST provider_keys '{"display_name":"mock-stream","provider":"openai","api_key":"sk-mock-upstream-0123456789","api_base":"http://127.0.0.1:'"$mock_stream_port"'/v1"}')"
  admin POST models '{"display_name":"bench-stream","provider_key_id":"'"$pks"'","model_name":"gpt-4o-mini"}' > /dev/null
}

# serve_field LOG FIELD: what a `run.sh --serve` log says about the processes it started; FIELD is
# gateway-pid, gateway-port, caller-key, hop-pid or hop-port (empty when the log does not say).
serve_field() {
  local ip='127\.0\.0\.1'
  case $2 in
    gateway-pid) sed -n "s/.*gateway http:\/\/$ip:[0-9]* (pid \([0-9]*\)).*/\1/p" "$1" ;;
    gateway-port) sed -n "s/.*gateway http:\/\/$ip:\([0-9]*\) (pid.*/\1/p" "$1" ;;
    caller-key) sed -n 's/.*caller key \([^ ,]*\),.*/\1/p' "$1" ;;
    hop-pid) sed -n 's/.*helidon hop (pid \([0-9]*\)).*/\1/p' "$1" ;;
    hop-port) sed -n "s/.*helidon hop (pid [0-9]*) http:\/\/$ip:\([0-9]*\).*/\1/p" "$1" ;;
  esac | head -1
}
