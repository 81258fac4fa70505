#!/usr/bin/env bash
# Installs what the test suite needs and a fresh machine may lack: etcd and redis-server
# (Debian packages; the tests start them themselves on random loopback ports), Maven,
# Chromium with its chromedriver (the browser tests of /admin/ui/ and /playground/ drive them
# headless through Selenium), Node.js and npm (McpTypeScriptSdkDistIT installs the official MCP
# TypeScript SDK from the npm registry and runs it as a caller; it needs Node 18 or later), and the tools of the container image's build and test.
set -euo pipefail

missing=()
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || missing+=(etcd-client)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
[[ -x /usr/bin/chromedriver ]] || missing+=(chromium-driver)
# a Node.js from elsewhere (NodeSource, nvm) usually brings its own npm: only what is missing is installed
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# the container image (make image, make test): built with jlink, jdeps, zip and tar; checked with
# skopeo, umoci and jq; run with unshare (util-linux) and probed with curl
command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
command -v umoci >/dev/null 2>&1 || missing+=(umoci)
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v zip >/dev/null 2>&1 || missing+=(zip)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts none of them as a service here; make sure no packaged instance holds the default ports.
for svc in etcd redis-server; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
  fi
done
# the MCP TypeScript SDK needs Node 18 or later (Debian 12 ships 18)
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)'; then
  echo "Node.js $(node --version) is older than 18, which the MCP TypeScript SDK test needs" >&2
  exit 1
fi
