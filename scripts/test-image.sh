#!/usr/bin/env bash
# Tests the container image that scripts/build-image.sh makes: builds it, inspects the archive with
# skopeo (entrypoint, user, ports, layers, size), unpacks it with umoci, and runs the image's own
# entrypoint from the unpacked root file system (unshare: private mount and PID namespaces, the
# image's root, user and working directory; the host's loopback network) until /livez answers,
# then stops it with SIGTERM and expects a clean drain (exit 0). Podman cannot start containers
# on this kind of machine (crun's setrlimit is denied), so the runtime is played by unshare.
# Every wait is bounded; the processes and folders it made are removed on exit.
#
#   scripts/test-image.sh [OUT_TAR]     (make image-test)
set -euo pipefail

root_dir="$(cd "$(dirname "$0")/.." && pwd)"
version="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$root_dir/pom.xml" | head -n1)"
archive="${1:-$root_dir/distribution/target/aisix-$version-oci.tar}"
max_mib=120   # the archive; it was 76 MiB when this bound was set
for tool in skopeo umoci jq unshare curl; do
  command -v "$tool" >/dev/null || { echo "test-image: $tool is required (scripts/install-deps.sh)" >&2; exit 1; }
done

failures=0 passed=0
jqe() { jq -e "$@" >/dev/null; }
check() { # description, then a command that must succeed
  local what="$1"; shift
  if "$@"; then passed=$((passed + 1)); echo "  ok   $what"; else failures=$((failures + 1)); echo "  FAIL $what"; fi
}

work="$(mktemp -d)"
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

start=$(date +%s)
"$root_dir/scripts/build-image.sh" "$root_dir/distribution/target/aisix-$version" "$archive" | tail -n1
echo "test-image: built in $(( $(date +%s) - start )) s"

echo "inspect (skopeo)"
config="$(skopeo inspect --config "oci-archive:$archive")"
manifest="$(skopeo inspect --raw "oci-archive:$archive")"
size=$(stat -c %s "$archive")
check "runs as uid 10001, not root" test "$(jq -r .config.User <<<"$config")" = "10001:10001"
check "entrypoint is the jlink-ed java running io.aisix.kernel.Main" \
  jqe '.config.Entrypoint[0] == "/opt/aisix/runtime/bin/java" and (.config.Entrypoint | index("io.aisix.kernel.Main")) != null' <<<"$config"
check "config from /etc/aisix, command run" \
  jqe '(.config.Entrypoint[-2:] == ["--config", "/etc/aisix/config.yaml"]) and .config.Cmd == ["run"]' <<<"$config"
check "exposes the proxy (3000) and admin (3001) ports" \
  jqe '.config.ExposedPorts | has("3000/tcp") and has("3001/tcp")' <<<"$config"
check "three layers: runtime, libraries, gateway" jqe '.layers | length == 3' <<<"$manifest"
check "the data folder is a volume and the working directory" \
  jqe '.config.WorkingDir == "/var/lib/aisix" and (.config.Volumes | has("/var/lib/aisix"))' <<<"$config"
check "archive under $max_mib MiB ($((size / 1048576)) MiB)" test "$size" -lt $((max_mib * 1048576))

echo "unpack (umoci)"
mkdir -p "$work/layout"
tar -xf "$archive" -C "$work/layout"
umoci unpack --image "$work/layout:$version" "$work/bundle" >/dev/null
rootfs="$work/bundle/rootfs"
check "no shell in the image" test ! -e "$rootfs/bin/sh"
check "the java runtime is jlink-ed (no jdk.compiler, no javac)" \
  bash -c "! grep -q '^jdk.compiler' <('$rootfs/opt/aisix/runtime/bin/java' --list-modules) && test ! -e '$rootfs/opt/aisix/runtime/bin/javac'"
check "schemas are shipped" test -f "$rootfs/opt/aisix/schemas/resources.schema.json"

echo "run the entrypoint from the root file system (unshare)"
free_port() { python3 - 2>/dev/null <<'EOF' || shuf -i 20000-60000 -n 1
import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])
EOF
}
proxy_port=$(free_port) admin_port=$(free_port)
mapfile -t cmd < <(jq -r '.config.Entrypoint[], .config.Cmd[]' <<<"$config")
mapfile -t envs < <(jq -r '.config.Env[]' <<<"$config")
mkdir -p "$rootfs/proc" "$rootfs/dev"
log="$work/gateway.log"
unshare_bin="$(command -v unshare)" mount_bin="$(command -v mount)"
# only the image's environment (plus loopback ports and an admin key) reaches the JVM
env -i "${envs[@]}" AISIX_PROXY__ADDR="127.0.0.1:$proxy_port" AISIX_ADMIN__ADDR="127.0.0.1:$admin_port" \
  AISIX_ADMIN_KEY=image-test-admin-key \
  "$unshare_bin" --mount --propagation private /bin/sh -c '
    root=$0 mount=$1 unshare=$2; shift 2
    "$mount" --rbind /dev "$root/dev" &&
    exec "$unshare" --pid --fork --kill-child --root="$root" --wd=/var/lib/aisix --mount-proc=/proc \
      --setuid 10001 --setgid 10001 "$@"' "$rootfs" "$mount_bin" "$unshare_bin" "${cmd[@]}" >"$log" 2>&1 &
pid=$!
up=false
for _ in $(seq 1 120); do
  if curl -fsS -m 2 "http://127.0.0.1:$proxy_port/livez" >/dev/null 2>&1; then up=true; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
check "/livez answers on the proxy port" $up
check "/readyz answers once the configuration is applied" curl -fsS -m 5 "http://127.0.0.1:$proxy_port/readyz" -o /dev/null
check "the admin listener serves the schemas" \
  curl -fsS -m 5 "http://127.0.0.1:$admin_port/admin/schemas/kinds/models.schema.json" -o /dev/null
# $pid is the inner unshare (env, unshare and sh exec into one another); the JVM is its child
java_pid="$(pgrep -P "$pid" || true)"
check "the JVM runs as uid 10001" bash -c "ps -o uid= -p '$java_pid' | grep -qw 10001"
check "an Admin API write lands in the data volume" bash -c "curl -fsS -m 5 -o /dev/null \
  -H 'Authorization: Bearer image-test-admin-key' -d '{\"display_name\":\"p\",\"provider\":\"openai\",\"api_key\":\"sk-x\"}' \
  'http://127.0.0.1:$admin_port/admin/v1/provider_keys' && test -f '$rootfs/var/lib/aisix/data/store.json'"
# SIGTERM to the JVM (PID 1 of its namespace): it drains and exits 0
kill -TERM "$java_pid" 2>/dev/null || true
status=0
for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$pid" 2>/dev/null; then status=124; else wait "$pid" || status=$?; fi
pid=""
check "SIGTERM drains and exits 0 (got $status)" test "$status" -eq 0
if ((failures)); then
  echo "--- gateway output"; cat "$log"
fi
echo "test-image: $passed checks passed, $failures failed"
exit $((failures > 0))
