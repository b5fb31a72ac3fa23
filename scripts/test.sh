#!/usr/bin/env bash
# Builds warmpool and runs the whole test suite: once with -Werror, once under
# AddressSanitizer + UndefinedBehaviorSanitizer, then the fuzzers briefly.
# Exits non-zero when any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

jobs=$(nproc)
run_suite() { # name, build dir, extra cmake args...
  local name=$1 dir=$2; shift 2
  echo "=== $name ==="
  cmake -S . -B "$dir" -DWP_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
  (cd "$dir" && ctest --output-on-failure -j"$jobs" --timeout 600)
}

run_suite "release build" build
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite "ASan + UBSan" build-asan -DCMAKE_BUILD_TYPE=Debug -DWP_SANITIZE=ON
echo "=== ThreadSanitizer (tests labeled tsan) ==="
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DWP_TSAN=ON >/dev/null
cmake --build build-tsan -j"$jobs"
(cd build-tsan && ctest --output-on-failure -L tsan --no-tests=ignore --timeout 600)
if command -v clang >/dev/null; then
  echo "=== fuzzers (brief) ==="
  CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DWP_FUZZ=ON -DWP_WERROR=ON >/dev/null
  cmake --build build-fuzz -j"$jobs"
  (cd build-fuzz && ctest --output-on-failure -L fuzz --timeout 600)
fi
echo "all suites passed"
