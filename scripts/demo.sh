#!/usr/bin/env bash
# The whole warmpool system on one machine, in about half a minute once built.
#
# There is no real cluster here: the test Kubernetes API server
# (tests/apiserver/, Python) with its node simulator (simulated nodes that
# schedule pods, start them and give them IPs; no containers run) stands in
# for one. Everything else is the real thing, on 127.0.0.1 with free ports:
#   warmpool-webhook     registered with the API server as its admission webhook (TLS)
#   warmpool-controller  all four reconcilers, talking to the API server through its kubeconfig
# Then: a SandboxTemplate and a SandboxWarmPool warm up, a warm claim is bound
# (time from create to Ready printed), an env claim is cold-started, a bad
# claim is rejected by the webhook, kubectl shows the result, and both
# programs' /metrics are excerpted.
#
#   scripts/demo.sh              install missing Debian packages, build, run
#   scripts/demo.sh --no-build   run with the programs already built
# Environment: WP_DEMO_BUILD_DIR (default build/) holds bin/warmpool-webhook
# and bin/warmpool-controller. Exit status 0 only if every step worked; every
# process started here is stopped on exit, whatever happened.
set -Eeuo pipefail
trap 'echo "demo: FAILED at line $LINENO: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."

build_programs=1
for arg in "$@"; do
  case $arg in
    --no-build) build_programs=0 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown argument $arg (use --no-build or --help)" >&2; exit 2 ;;
  esac
done
build=${WP_DEMO_BUILD_DIR:-build}
ns=demo
started=$(date +%s.%N)

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { echo "demo: FAILED: $*" >&2; exit 1; }

if [ "$build_programs" = 1 ]; then
  bash scripts/install-deps.sh
  step "building warmpool-webhook and warmpool-controller into $build/"
  cmake -S . -B "$build" >/dev/null
  cmake --build "$build" -j"$(nproc)" --target warmpool-webhook warmpool-controller >/dev/null
  started=$(date +%s.%N)
fi
webhook=$build/bin/warmpool-webhook
controller=$build/bin/warmpool-controller
for p in "$webhook" "$controller"; do [ -x "$p" ] || fail "$p is not built (run without --no-build)"; done

work=$(mktemp -d)
pids=()
cleanup() {
  local status=$? pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$status" != 0 ]; then
    for log in "$work"/*.log; do
      [ -s "$log" ] && { echo "--- last lines of $(basename "$log")" >&2; tail -n 15 "$log" >&2; }
    done
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for_line FILE REGEX WHAT: waits (20 s at most: a busy CI machine) for a line in a log.
wait_for_line() {
  for _ in $(seq 400); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  fail "$3 did not start (see $(basename "$1") below)"
}

step "the stand-in cluster: NOT a real Kubernetes cluster"
echo "tests/apiserver/apiserver.py is a test Kubernetes API server (Python); its node"
echo "simulator plays 3 nodes that schedule pods, 'start' them after 0.3-0.6 s and give"
echo "them pod IPs. No containers run. The webhook and controller below are the real"
echo "programs and would talk to a real kube-apiserver the same way (see README)."

step "warmpool-webhook: a fresh CA and serving certificate, then TLS on 127.0.0.1"
"$webhook" certs --out-dir "$work/certs" --dns-name localhost --ip 127.0.0.1 >/dev/null 2>&1 ||
  fail "warmpool-webhook certs"
"$webhook" --tls-cert-file "$work/certs/tls.crt" --tls-key-file "$work/certs/tls.key" \
  --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 --log-format text 2>"$work/webhook.log" &
pids+=($!)
wait_for_line "$work/webhook.log" ' admission=127\.0\.0\.1:[0-9]+ ' warmpool-webhook
webhook_port=$(grep -o 'admission=127.0.0.1:[0-9]*' "$work/webhook.log" | head -1 | cut -d: -f2)
webhook_metrics=$(grep -o 'metrics=127.0.0.1:[0-9]*' "$work/webhook.log" | head -1 | cut -d= -f2)
echo "admission https://localhost:$webhook_port (/mutate, /validate), metrics http://$webhook_metrics/metrics"

step "test API server + node simulator, calling the webhook for every SandboxTemplate/WarmPool/Claim write"
python3 tests/apiserver/apiserver.py --listen 127.0.0.1:0 --kubeconfig-out "$work/kubeconfig" \
  --nodes 3 --pod-start-delay 0.3-0.6 --pod-delete-delay 0.2 \
  --webhook-url "https://localhost:$webhook_port" --webhook-ca-file "$work/certs/ca.crt" \
  >"$work/apiserver.out" 2>"$work/apiserver.log" &
pids+=($!)
wait_for_line "$work/apiserver.out" '^READY ' "the test API server"
echo "$(cat "$work/apiserver.out") (kubeconfig: $work/kubeconfig)"
export KUBECONFIG=$work/kubeconfig KUBECACHEDIR=$work/kube-cache

step "warmpool-controller --kubeconfig (all four reconcilers, leader election on)"
"$controller" --kubeconfig "$work/kubeconfig" --metrics-listen 127.0.0.1:0 --health-listen 127.0.0.1:0 \
  --log-format json 2>"$work/controller.log" &
pids+=($!)
wait_for_line "$work/controller.log" '"flag":"metrics-listen"' warmpool-controller
wait_for_line "$work/controller.log" '"flag":"health-listen"' warmpool-controller
controller_metrics=$(grep -o '"flag":"metrics-listen","addr":"[^"]*"' "$work/controller.log" | head -1 | cut -d'"' -f8)
health=$(grep -o '"flag":"health-listen","addr":"[^"]*"' "$work/controller.log" | head -1 | cut -d'"' -f8)
for _ in $(seq 400); do curl -sf "http://$health/readyz" >/dev/null && break; sleep 0.05; done
curl -sf "http://$health/readyz" >/dev/null || fail "warmpool-controller never became ready (/readyz)"
echo "ready (/readyz on $health), metrics http://$controller_metrics/metrics"

client() { python3 scripts/demo_client.py "$work/kubeconfig" "$@"; }

step "a SandboxTemplate and a SandboxWarmPool of 3 warming up on the simulated nodes"
client warm-pool "$ns" python python-pool 3 || fail "the pool did not warm up"

step "a warm claim: adopts a Ready member"
client claim "$ns" agent-1 python-pool warm || fail "warm claim"
echo "result: warm claim bound"

step "a claim with env: a warm member cannot take env, so it is cold-started"
client claim "$ns" agent-env python-pool cold "MODE=analysis" || fail "cold claim"
echo "result: env claim cold-started"

step "a bad claim: rejected by warmpool-webhook before it is stored, every cause listed"
client bad-claim "$ns" agent-bad python-pool || fail "bad claim"
echo "warmpool-webhook's log line for it (field names, never values):"
grep 'admission denied' "$work/webhook.log" | cut -c29- || fail "no denial in the webhook's log"
echo "result: bad claim denied"

step "kubectl get sandboxtemplates,sandboxwarmpools,sandboxclaims,sandboxes,pods -o wide"
if command -v kubectl >/dev/null; then
  # the pool refills in the background; give it a moment so the table shows it
  sleep 1
  kubectl -n "$ns" get sandboxtemplates,sandboxwarmpools,sandboxclaims,sandboxes,pods -o wide ||
    fail "kubectl get"
else
  echo "(kubectl is not installed: skipped; the objects are the same with any client)"
fi

step "warmpool-controller /metrics (excerpt: upstream's agent_sandbox_* series, claim latency histogram)"
curl -sSf "http://$controller_metrics/metrics" >"$work/controller.metrics" || fail "controller /metrics"
grep -E '^agent_sandboxes\{|^agent_sandbox_claim_creation_total|^agent_sandbox_(claim|claim_controller)_startup_latency_ms_(count|sum)|^agent_sandbox_claim_startup_latency_ms_bucket\{launch_type="warm".*le="(100|250|1000)"' \
  "$work/controller.metrics" || fail "no agent_sandbox_* series"

step "warmpool-webhook /metrics (excerpt)"
curl -sSf "http://$webhook_metrics/metrics" >"$work/webhook.metrics" || fail "webhook /metrics"
grep -E '^warmpool_webhook_(requests_total|request_duration_seconds_count)' "$work/webhook.metrics" ||
  fail "no warmpool_webhook_* series"

step "stopping everything (SIGTERM)"
names=(warmpool-webhook apiserver.py warmpool-controller)
for i in 2 1 0; do
  kill -TERM "${pids[$i]}"
  if wait "${pids[$i]}"; then echo "${names[$i]} exited 0"; else fail "${names[$i]} exited $?"; fi
done
pids=()
python3 -c 'import sys; print("demo finished in %.1f s (build not counted)" % (float(sys.argv[1]) - float(sys.argv[2])))' \
  "$(date +%s.%N)" "$started"
