#!/usr/bin/env bash
# Benchmark: documents per second and peak RSS of `warmpoolctl validate` on
# one core, over a generated corpus (gen_corpus.py: by default 100,000
# documents in 10,000 files). Prints numbers; never pass/fail.
#
#   bench_validate.sh WARMPOOLCTL [CORPUS_DIR] [RUNS]
#
# CORPUS_DIR is generated when missing (and reused afterwards). Set FILES
# and DOCS_PER_FILE to change its size; CPU (default 0) is the core the
# run is pinned to. Use a release build: sanitizers distort the numbers.
set -euo pipefail
bin=${1:?usage: bench_validate.sh WARMPOOLCTL [CORPUS_DIR] [RUNS]}
corpus=${2:-${TMPDIR:-/tmp}/warmpoolctl-bench-corpus}
runs=${3:-3}
cpu=${CPU:-0}
here=$(cd "$(dirname "$0")" && pwd)

if [ ! -d "$corpus" ]; then
  python3 "$here/gen_corpus.py" "$corpus" --files "${FILES:-10000}" --docs-per-file "${DOCS_PER_FILE:-10}"
fi
# Read the files once so the first run does not pay for the disk.
cat $(find "$corpus" -type f -name '*.yaml') >/dev/null

echo "warmpoolctl validate on $corpus, pinned to CPU $cpu, $runs runs"
for i in $(seq "$runs"); do
  stats=$(mktemp)
  start=$(date +%s.%N)
  summary=$(taskset -c "$cpu" /usr/bin/time -v "$bin" validate "$corpus" 2>"$stats" | tail -n 1) || true
  end=$(date +%s.%N)
  docs=$(echo "$summary" | sed -n 's/^[0-9]* files, \([0-9]*\) objects.*/\1/p')
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$stats")
  cpu_s=$(awk -F': ' '/User time|System time/ {t += $2} END {print t}' "$stats")
  python3 - "$docs" "$start" "$end" "$rss" "$cpu_s" <<'PY'
import sys
docs, start, end, rss, cpu = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
secs = end - start
# On a shared machine the wall clock counts other jobs' time too; the CPU
# time (user + system) is this process's own work.
print(f"  {docs} documents in {secs:.2f} s wall ({docs / secs:,.0f}/s), {cpu:.2f} s CPU ({docs / cpu:,.0f} "
      f"documents per CPU second), peak RSS {rss / 1024:.1f} MiB")
PY
  rm -f "$stats"
done
echo "  summary line: $summary"
