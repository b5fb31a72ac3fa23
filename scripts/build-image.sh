#!/usr/bin/env bash
# Builds the warmpool image with buildah, offline, from a release build.
#   scripts/build-image.sh [-b BUILD_DIR] [-t IMAGE] [-p PLUGIN_DIR]
# BUILD_DIR (default build-release) must hold bin/warmpool-controller,
# bin/warmpool-webhook and bin/warmpoolctl; plugin .so files found in
# PLUGIN_DIR (default BUILD_DIR/plugins, when present) go to
# /usr/lib/warmpool/plugins. Prints the image ID on success.
# Storage: --storage-driver vfs --isolation chroot (no daemon, no fuse);
# set BUILDAH_ROOT to use another storage root.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build-release
tag=localhost/warmpool:$(git -C "$here" describe --always --dirty 2>/dev/null || echo dev)
plugins=""
while getopts b:t:p: o; do
  case $o in
    b) build=$OPTARG ;;
    t) tag=$OPTARG ;;
    p) plugins=$OPTARG ;;
    *) echo "usage: $0 [-b BUILD_DIR] [-t IMAGE] [-p PLUGIN_DIR]" >&2; exit 2 ;;
  esac
done
programs=(warmpool-controller warmpool-webhook warmpoolctl)
for p in "${programs[@]}"; do
  [ -x "$build/bin/$p" ] || { echo "$0: $build/bin/$p missing (cmake --build $build first)" >&2; exit 1; }
done
[ -n "$plugins" ] || plugins=$build/plugins

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
root=$ctx/rootfs
mkdir -p "$root/usr/bin" "$root/usr/lib/warmpool/plugins" "$root/etc/ssl/certs" "$root/tmp"
chmod 1777 "$root/tmp"
bins=()
for p in "${programs[@]}"; do
  install -m 0755 -s "$build/bin/$p" "$root/usr/bin/$p"
  bins+=("$root/usr/bin/$p")
done
if [ -d "$plugins" ]; then
  while IFS= read -r so; do
    install -m 0644 "$so" "$root/usr/lib/warmpool/plugins/"
    bins+=("$root/usr/lib/warmpool/plugins/$(basename "$so")")
  done < <(find "$plugins" -maxdepth 2 -name '*.so' -type f)
fi

# Exactly the libraries the programs and plugins load, at the paths the
# loader looks for them (symlinks resolved: the copies are the files).
ldd "${bins[@]}" 2>/dev/null | awk '/=> \//{print $3} /^\t\/.*ld-linux/{print $1}' | sort -u |
  while IFS= read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
[ -f /etc/ssl/certs/ca-certificates.crt ] && cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
printf 'root:x:0:0:root:/:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$root/etc/group"
cp "$here/Containerfile" "$ctx/Containerfile"

buildah=(buildah --storage-driver vfs)
[ -n "${BUILDAH_ROOT:-}" ] && buildah+=(--root "$BUILDAH_ROOT" --runroot "$BUILDAH_ROOT/run")
"${buildah[@]}" bud --isolation chroot --quiet --layers=false \
  --timestamp 0 -f "$ctx/Containerfile" -t "$tag" "$ctx"
