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
# The same burst with a history-sqlite store (spool on disk): the claim path
# pays one spooled append per record, the store is written off-thread.
if [[ -f $build/plugins/history_sqlite.so ]]; then
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
  printf 'plugins:\n  - name: history\n    kind: history-store\n    path: %s\n    spool: %s/spool\n    config:\n      path: %s/history.db\n' \
    "$(cd "$build/plugins" && pwd)/history_sqlite.so" "$dir" "$dir" >"$dir/plugins.yaml"
  n=$([[ ${2:-} == --smoke ]] && echo 100 || echo 1000)
  WP_BENCH_PLUGIN_CONFIG=$dir/plugins.yaml "$build/bin/bench_claims" "$n" "$n"
fi
