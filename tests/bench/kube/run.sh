#!/usr/bin/env bash
# Runs the kube benchmarks from a build directory and prints their numbers.
#   tests/bench/kube/run.sh [build-dir] [--smoke]
# --smoke: small sizes, a few seconds in all (checks they run; numbers are
# not meaningful). Without it: 10,000 and 100,000 objects in-process and
# 100,000 Pods through the test API server (minutes; run on a quiet machine,
# from a release build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
smoke=${2:-}
export WP_APISERVER=${WP_APISERVER:-$here/../../apiserver/apiserver.py}
if [[ $smoke == --smoke ]]; then
  "$build/bin/bench_kube_cache" 2000
  "$build/bin/bench_kube_e2e" 1000 0.3
else
  "$build/bin/bench_kube_cache" 10000 100000
  "$build/bin/bench_kube_e2e" 100000 3
fi
