#!/usr/bin/env bash
# Webhook benchmark: admission reviews over TLS keep-alive with wrk.
#
# The server is pinned to one CPU (default 0) and wrk to another (default
# 1), 64 connections. Runs, for /validate with a ~2.8 KB SandboxClaim and a
# ~30 KB SandboxTemplate, and /mutate with the claim:
#   1. full speed: requests/s and latency percentiles;
#   2. for the claim on /validate, a fixed rate of half of that: each
#      connection pauses between requests (wrk's delay() hook; wrk2 is not in
#      Debian). The pause is calibrated with a short run first (a
#      connection's cycle is pause + latency), the achieved rate is printed
#      with the latencies, which wrk measures from send to response.
# Then the server's peak RSS (VmHWM) with the 64 connections.
#
# Usage: bench.sh [BUILD_DIR]   (default: build-release, built if missing)
# Env:   DURATION=10s CONNECTIONS=64 SERVER_CPU=0 CLIENT_CPU=1 THREADS=1
# Prints numbers; it is not a pass/fail test.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=${1:-$root/build-release}
duration=${DURATION:-10s}
conns=${CONNECTIONS:-64}
server_cpu=${SERVER_CPU:-0}
client_cpu=${CLIENT_CPU:-1}
threads=${THREADS:-1}

for tool in wrk taskset python3; do
  command -v $tool >/dev/null || { echo "bench.sh: $tool is required" >&2; exit 2; }
done
if [ ! -x "$build/bin/warmpool-webhook" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j2 --target warmpool-webhook >/dev/null
fi
bin=$build/bin/warmpool-webhook

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" certs --out-dir "$work/certs" --dns-name localhost --ip 127.0.0.1 >/dev/null 2>&1
python3 "$here/make_reviews.py" "$work" 2>/dev/null

taskset -c "$server_cpu" "$bin" --tls-cert-file "$work/certs/tls.crt" --tls-key-file "$work/certs/tls.key" \
  --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 --threads "$threads" --log-level warn \
  --idle-timeout 5m 2>"$work/server.log" &
server_pid=$!
port=
for _ in $(seq 100); do
  port=$(grep -o '"admission":"127.0.0.1:[0-9]*"' "$work/server.log" 2>/dev/null | grep -o '[0-9]*"$' | tr -d '"' || true)
  [ -z "$port" ] && { sleep 0.05; continue; }
  break
done
# The serving line is logged at info; with --log-level warn, find the port from /proc.
if [ -z "$port" ]; then
  for _ in $(seq 100); do
    port=$(ss -ltnp 2>/dev/null | grep "pid=$server_pid," | awk '{print $4}' | sed 's/.*://' | head -1 || true)
    [ -n "$port" ] && break
    sleep 0.05
  done
fi
[ -n "$port" ] || { echo "bench.sh: server did not start" >&2; cat "$work/server.log" >&2; exit 1; }

run() { # label path body delay_ms
  local out
  out=$(WP_BENCH_BODY="$3" WP_BENCH_DELAY_MS="$4" taskset -c "$client_cpu" \
    wrk -t1 -c"$conns" -d"$duration" --latency -s "$here/post.lua" "https://127.0.0.1:$port$2" | grep '^RESULT')
  printf '%-34s %s\n' "$1" "${out#RESULT }"
}

echo "warmpool-webhook benchmark: server on CPU $server_cpu ($threads thread), wrk on CPU $client_cpu, $conns connections, $duration each"
echo "bodies: claim $(wc -c <"$work/claim.json") bytes, template $(wc -c <"$work/template.json") bytes"
full=$(run "validate claim (full speed)" /validate "$work/claim.json" 0)
echo "$full"
run "mutate claim (full speed)" /mutate "$work/claim.json" 0
run "validate template (full speed)" /validate "$work/template.json" 0
rps=$(echo "$full" | grep -o 'rps=[0-9]*' | cut -d= -f2)
if [ -n "$rps" ] && [ "$rps" -gt 0 ]; then
  target=$((rps / 2))
  # First guess: all of a connection's cycle is the pause. Then measure,
  # subtract the latency that showed, and run for real.
  pause=$(python3 -c "print(max($conns * 1000 / $target, 0.001))")
  probe=$(WP_BENCH_BODY="$work/claim.json" WP_BENCH_DELAY_MS="$pause" taskset -c "$client_cpu" \
    wrk -t1 -c"$conns" -d2s -s "$here/post.lua" "https://127.0.0.1:$port/validate" | grep '^RESULT')
  got=$(echo "$probe" | grep -o 'rps=[0-9]*' | cut -d= -f2)
  pause=$(python3 -c "c=$conns*1000/$target; print(round(max(c - ($conns*1000/max($got,1) - $pause), 0.001), 3))")
  run "validate claim (half rate: $target/s target, ${pause}ms pause)" /validate "$work/claim.json" "$pause"
fi
echo "server peak RSS (VmHWM): $(grep VmHWM /proc/$server_pid/status | awk '{print $2, $3}')"
