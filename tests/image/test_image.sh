#!/usr/bin/env bash
# The image (issue 11): built by scripts/build-image.sh, pushed to a real
# docker-registry on loopback, pulled back through the registry's HTTP API
# (manifest, config, layers), unpacked, and each program started from the
# unpacked root (chroot, as the image's numeric user) must print its
# --version: that proves the image holds every library the programs load.
# Prints the image's compressed and unpacked sizes.
#   tests/image/test_image.sh BUILD_DIR SOURCE_DIR
# Exit 77 (skip) without root, buildah or docker-registry.
set -euo pipefail
build=$1 src=$2
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (buildah vfs storage, chroot)"
command -v buildah >/dev/null || skip "needs buildah"
command -v docker-registry >/dev/null || skip "needs docker-registry"
command -v python3 >/dev/null || skip "needs python3"

work=$(mktemp -d)
reg_pid=""
cleanup() {
  if [ -n "$reg_pid" ]; then
    kill "$reg_pid" 2>/dev/null || true
    wait "$reg_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/registry.yml" <<YAML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $work/registry}, delete: {enabled: false}}
http: {addr: 127.0.0.1:$port}
YAML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
reg_pid=$!
for _ in $(seq 50); do
  curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null || fail "registry did not start: $(cat "$work/registry.log")"

export BUILDAH_ROOT=$work/storage
tag=localhost/warmpool:test
"$src/scripts/build-image.sh" -b "$build" -t "$tag" >/dev/null
buildah --storage-driver vfs --root "$BUILDAH_ROOT" --runroot "$BUILDAH_ROOT/run" \
  push --quiet --tls-verify=false "$tag" "docker://127.0.0.1:$port/warmpool:test"

# Pull through the registry API.
api=http://127.0.0.1:$port/v2/warmpool
accept='application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json'
curl -fsS -H "Accept: $accept" "$api/manifests/test" >"$work/manifest.json" || fail "no manifest"
python3 - "$work" "$api" <<'PY'
import hashlib, json, os, sys, urllib.request
work, api = sys.argv[1], sys.argv[2]
m = json.load(open(os.path.join(work, "manifest.json")))
def blob(d):
    data = urllib.request.urlopen(f"{api}/blobs/{d['digest']}").read()
    assert hashlib.sha256(data).hexdigest() == d["digest"].split(":")[1], "digest mismatch"
    assert len(data) == d["size"], "size mismatch"
    return data
cfg = json.loads(blob(m["config"]))
user = cfg["config"].get("User", "")
uid = user.split(":")[0]
assert uid.isdigit() and int(uid) != 0, f"image user {user!r} is not a numeric non-root user"
for i, l in enumerate(m["layers"]):
    open(os.path.join(work, f"layer{i}"), "wb").write(blob(l))
print("compressed", sum(l["size"] for l in m["layers"]) + m["config"]["size"], "layers", len(m["layers"]), "user", user)
PY
mkdir "$work/root"
for l in "$work"/layer*; do tar -xf "$l" -C "$work/root"; done
echo "unpacked $(du -sb "$work/root" | cut -f1) bytes"

version=$(sed -n 's/^project(warmpool VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
for p in warmpool-controller warmpool-webhook warmpoolctl; do
  out=$(chroot --userspec=65532:65532 "$work/root" "/usr/bin/$p" --version 2>&1) || fail "$p --version in the image: $out"
  [ "$out" = "$p ${version:-0.1.0}" ] || fail "$p --version printed '$out'"
  echo "ok $p: $out"
done
# The plugins the build made are in the image, with their libraries.
for so in "$build"/plugins/*.so; do
  [ -e "$so" ] || continue
  f="$work/root/usr/lib/warmpool/plugins/$(basename "$so")"
  [ -f "$f" ] || fail "plugin $(basename "$so") missing from the image"
  for lib in $(ldd "$so" | awk '/=> \//{print $3}'); do
    [ -e "$work/root$lib" ] || fail "$(basename "$so") needs $lib, not in the image"
  done
  echo "ok plugin $(basename "$so")"
done
# Nothing in the image but the programs, their libraries, and /etc files.
extra=$(cd "$work/root" && find . -type f ! -path './usr/bin/*' ! -path './usr/lib/warmpool/plugins/*' \
  ! -name '*.so*' ! -path './etc/*' | head)
[ -z "$extra" ] || fail "unexpected files in the image: $extra"
echo "PASS"
