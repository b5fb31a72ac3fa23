#!/usr/bin/env bash
# Runs the controller benchmarks from a (release) build directory.
#   tests/bench/controller/run.sh [build-dir] [--smoke]
# Default: 1,000 claims on 1,000 Ready members, with and without the deferred
# claim annotations. --smoke: 100 on 100 (checks it runs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
export WP_APISERVER=${WP_APISERVER:-$here/../../apiserver/apiserver.py}
if [[ ${2:-} == --smoke ]]; then
  "$build/bin/bench_claims" 100 100
else
  "$build/bin/bench_claims" 1000 1000
  "$build/bin/bench_claims" 1000 1000 --lean
fi
