#!/usr/bin/env bash
# Builds chartcheck (Go, offline, from Debian's golang-* packages) into $1
# (Go's cache makes rebuilds instant) and runs one of its checks:
#   tests/chart/run.sh BUILD_DIR SOURCE_DIR check            (ctest chart_render)
#   tests/chart/run.sh BUILD_DIR SOURCE_DIR crds REFERENCE   (ctest chart_crds)
set -euo pipefail
out=$1 src=$2 what=${3:-check}
gocode=/usr/share/gocode/src
if ! command -v go >/dev/null || [ ! -d "$gocode/github.com/Masterminds/sprig" ] || [ ! -d "$gocode/gopkg.in/yaml.v3" ]; then
  echo "SKIP: needs golang-go, golang-github-masterminds-sprig-dev, golang-gopkg-yaml.v2-dev, golang-gopkg-yaml.v3-dev"
  exit 77
fi
# A private GOPATH of links: GOPATH mode does not resolve /v3 module
# paths, so sprig/v3 and semver/v3 get a link of their own.
gp=$out/gopath
if [ ! -e "$gp/.done" ]; then
  rm -rf "$gp"
  for d in $(cd "$gocode" && ls -d */*/*); do
    mkdir -p "$gp/src/$(dirname "$d")"
    ln -s "$gocode/$d" "$gp/src/$d"
  done
  for m in sprig semver; do
    rm -f "$gp/src/github.com/Masterminds/$m"
    mkdir -p "$gp/src/github.com/Masterminds/$m"
    ln -s "$gocode/github.com/Masterminds/$m" "$gp/src/github.com/Masterminds/$m/v3"
  done
  touch "$gp/.done"
fi
export GO111MODULE=off GOPATH=$gp GOFLAGS= GOCACHE=$out/gocache
(cd "$src" && nice -n 10 go build -o "$out/chartcheck" ./tests/chart/chartcheck)
cd "$src"
case $what in
  check)
    bin=$(cd "$out/../.." && pwd)/bin   # the build's programs, when built
    [ -x "$bin/warmpool-controller" ] || bin=""
    exec "$out/chartcheck" check -chart charts/warmpool -src . -bin "$bin" ;;
  crds) exec "$out/chartcheck" crds charts/warmpool/crds "$4" ;;
esac
echo "unknown check $what" >&2
exit 2
