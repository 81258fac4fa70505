#!/usr/bin/env bash
# Builds the gateway's container image as an OCI archive without pulling anything from an image
# registry: a root file system from scratch holding a jlink-ed Java runtime (only the modules the
# gateway and its plugins need, found with jdeps), the shared libraries that runtime links (found
# with ldd, copied from this machine), and the distribution. Layers, config and manifest are
# written by hand in the OCI image layout, then archived.
#
#   scripts/build-image.sh [DIST_DIR] [OUT_TAR]
#
# DIST_DIR defaults to distribution/target/aisix-<version> (make dist), OUT_TAR to
# distribution/target/aisix-<version>-oci.tar. Load it with `podman load -i OUT_TAR` or
# `skopeo copy oci-archive:OUT_TAR docker-daemon:aisix:<version>`; it is tagged aisix:<version>.
#
# The image runs java itself as PID 1 (no shell in it), as uid 10001, in /var/lib/aisix (a volume:
# the embedded store's data), with /etc/aisix/config.yaml (replace it by mounting /etc/aisix).
# JVM options: JDK_JAVA_OPTIONS (read by the java launcher), since there is no shell for JAVA_OPTS.
set -euo pipefail

root_dir="$(cd "$(dirname "$0")/.." && pwd)"
JAVA_HOME="${JAVA_HOME:-$("$root_dir/scripts/find-jdk.sh")}"
export PATH="$JAVA_HOME/bin:$PATH"
version="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$root_dir/pom.xml" | head -n1)"
dist="$(cd "${1:-$root_dir/distribution/target/aisix-$version}" && pwd)"
out="${2:-$root_dir/distribution/target/aisix-$version-oci.tar}"
[[ -f "$dist/lib/aisix-kernel-$version.jar" ]] || { echo "no distribution in $dist (run make dist)" >&2; exit 1; }
for tool in jlink jdeps ldd tar gzip sha256sum zip; do
  command -v "$tool" >/dev/null || { echo "build-image: $tool is required (scripts/install-deps.sh)" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# every timestamp in the image: the last commit's, so the same sources give the same layers
epoch="${SOURCE_DATE_EPOCH:-$(git -C "$root_dir" log -1 --format=%ct 2>/dev/null || echo 0)}"
created="$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)"
uid=10001

# ---- 1. the Java modules: jdeps over every jar of lib/ and plugins/ ------------------------------
# jdeps stops at a modular jar whose module-info names a module it cannot find (Helidon's optional
# ones), so it reads copies without their module-info: class-path jars, as the gateway loads them.
mkdir -p "$work/jars"
for j in "$dist"/lib/*.jar "$dist"/plugins/*/*.jar; do
  copy="$work/jars/$(basename "$(dirname "$j")")-$(basename "$j")"
  cp "$j" "$copy"
  zip -q -d "$copy" module-info.class 'META-INF/versions/*/module-info.class' >/dev/null 2>&1 || true
done
jars=("$work"/jars/*.jar)
release="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = //p')"
modules="$(IFS=:; jdeps --ignore-missing-deps --print-module-deps --multi-release "$release" \
  --class-path "${jars[*]}" "${jars[@]}")"
# found at run time through ServiceLoader, which jdeps cannot see: EC keys and curves for TLS
modules="$modules,jdk.crypto.ec"
echo "modules: $modules"

# ---- 2. the root file system, one folder per layer ----------------------------------------------
os="$work/layers/1-runtime" libs="$work/layers/2-libraries" app="$work/layers/3-gateway"
# headless: java.desktop is there for java.beans, never for a window, sound or a splash screen,
# so the native libraries that would pull X11 and ALSA into the image stay out
jlink --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress zip-6 \
  --exclude-files='**/libawt_xawt.so,**/libjawt.so,**/libsplashscreen.so,**/libjsound.so' \
  --output "$os/opt/aisix/runtime"
# the shared libraries the runtime links, from this machine (the dynamic loader included)
mapfile -t sos < <(find "$os/opt/aisix/runtime" -type f \( -name '*.so' -o -path '*/bin/*' \))
# (a library ldd reports "not found" is one only AWT's X11 toolkit would load; the image is headless)
for lib in $(ldd "${sos[@]}" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $1 !~ /:$/ {print $1}' | sort -u); do
  [[ "$lib" == "$os"/* ]] || cp -L --parents "$lib" "$os/"   # the runtime's own libraries are in place
done
# dlopen-ed by glibc when a thread unwinds (ldd cannot list what is loaded at run time)
gcc_s="$(ldconfig -p | sed -n 's/.*libgcc_s.so.1 (libc6,x86-64) => //p' | head -n1)"
[[ -n "$gcc_s" ]] && cp -L --parents "$gcc_s" "$os/"
mkdir -p "$os/etc" "$os/tmp" "$os/var/lib/aisix"
chmod 1777 "$os/tmp"
chown "$uid:$uid" "$os/var/lib/aisix"
printf 'root:x:0:0:root:/root:/sbin/nologin\naisix:x:%s:%s:aisix:/var/lib/aisix:/sbin/nologin\n' $uid $uid \
  > "$os/etc/passwd"
printf 'root:x:0:\naisix:x:%s:\n' $uid > "$os/etc/group"
printf 'hosts: files dns\n' > "$os/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$os/etc/hosts"

mkdir -p "$libs/opt/aisix/lib" "$app/opt/aisix/lib" "$app/etc/aisix"
for j in "$dist"/lib/*.jar; do
  case "$(basename "$j")" in aisix-*) cp "$j" "$app/opt/aisix/lib/" ;; *) cp "$j" "$libs/opt/aisix/lib/" ;; esac
done
cp -r "$dist/plugins" "$dist/conf" "$app/opt/aisix/"
[[ -d "$dist/schemas" ]] && cp -r "$dist/schemas" "$app/opt/aisix/"
cp "$root_dir/deploy/container/config.yaml" "$app/etc/aisix/config.yaml"

# ---- 3. the entrypoint: exactly the java command bin/aisix would run -----------------------------
# bin/aisix is a bash script and the image has no shell; run it here against a stand-in java that
# records its arguments, so the JVM defaults and flags cannot drift from the script's.
stage="$work/stage/opt/aisix"
mkdir -p "$stage/bin" "$work/fakejava/bin"
cp "$dist/bin/aisix" "$stage/bin/"
cat > "$work/fakejava/bin/java" <<EOF
#!/usr/bin/env bash
if [[ "\$1" == "-version" ]]; then exec "$os/opt/aisix/runtime/bin/java" -version; fi
printf '%s\0' "\$@" > "$work/argv"
printf '%s\0' "AISIX_PLUGINS__DIR=\$AISIX_PLUGINS__DIR" "MALLOC_ARENA_MAX=\$MALLOC_ARENA_MAX" > "$work/env"
EOF
chmod +x "$work/fakejava/bin/java"
env -i PATH=/usr/bin:/bin JAVA_HOME="$work/fakejava" "$stage/bin/aisix" --config /etc/aisix/config.yaml
mapfile -d '' -t argv < "$work/argv"
mapfile -d '' -t envs < "$work/env"
entrypoint=(/opt/aisix/runtime/bin/java)
for a in "${argv[@]}"; do entrypoint+=("${a//$work\/stage/}"); done
environment=(PATH=/opt/aisix/runtime/bin JAVA_HOME=/opt/aisix/runtime)
for e in "${envs[@]}"; do environment+=("${e//$work\/stage/}"); done

# ---- 4. the OCI layout: a gzip-ed tar per layer, the config, the manifest, the index -----------
json_string() { local s="${1//\\/\\\\}"; s="${s//\"/\\\"}"; printf '"%s"' "$s"; }
json_array() { local first=1; printf '['; for x in "$@"; do ((first)) || printf ','; first=0; json_string "$x"; done; printf ']'; }
layout="$work/oci"
mkdir -p "$layout/blobs/sha256"
blob() { # file -> prints the digest, moves the file into blobs/
  local d; d="$(sha256sum "$1" | cut -d' ' -f1)"; mv "$1" "$layout/blobs/sha256/$d"; echo "$d"
}
layers_json="" diff_ids="" history=""
for dir in "$os" "$libs" "$app"; do
  tar --sort=name --mtime="@$epoch" --numeric-owner --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -C "$dir" -cf "$work/layer.tar" .
  diff_id="$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
  gzip -n -6 "$work/layer.tar"
  size="$(stat -c %s "$work/layer.tar.gz")"
  digest="$(blob "$work/layer.tar.gz")"
  layers_json+="${layers_json:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$digest\",\"size\":$size}"
  diff_ids+="${diff_ids:+,}\"sha256:$diff_id\""
  history+="${history:+,}{\"created\":\"$created\",\"created_by\":\"scripts/build-image.sh: $(basename "$dir")\"}"
done
printf '{"created":"%s","architecture":"amd64","os":"linux","config":{"User":"%s:%s","Entrypoint":%s,"Cmd":["run"],"Env":%s,"WorkingDir":"/var/lib/aisix","ExposedPorts":{"3000/tcp":{},"3001/tcp":{}},"Volumes":{"/var/lib/aisix":{}},"StopSignal":"SIGTERM","Labels":{"org.opencontainers.image.title":"aisix","org.opencontainers.image.version":"%s","org.opencontainers.image.description":"AISIX-J AI gateway"}},"rootfs":{"type":"layers","diff_ids":[%s]},"history":[%s]}' \
  "$created" $uid $uid "$(json_array "${entrypoint[@]}")" "$(json_array "${environment[@]}")" "$version" \
  "$diff_ids" "$history" > "$work/config.json"
config_size="$(stat -c %s "$work/config.json")"
config_digest="$(blob "$work/config.json")"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
  "$config_digest" "$config_size" "$layers_json" > "$work/manifest.json"
manifest_size="$(stat -c %s "$work/manifest.json")"
manifest_digest="$(blob "$work/manifest.json")"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"org.opencontainers.image.ref.name":"%s","io.containerd.image.name":"aisix:%s"}}]}' \
  "$manifest_digest" "$manifest_size" "$version" "$version" > "$layout/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
mkdir -p "$(dirname "$out")"
tar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner -C "$layout" -cf "$out" oci-layout index.json blobs
echo "image: $out ($(du -h "$out" | cut -f1), tag $version, manifest sha256:$manifest_digest)"
