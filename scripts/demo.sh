#!/usr/bin/env bash
# See the admission webhook work: builds warmpool, generates certificates,
# starts warmpool-webhook on 127.0.0.1, sends it one good SandboxClaim and
# three bad ones over HTTPS, shows the mutating webhook's JSON Patch
# decoded, then a /metrics excerpt, and stops the webhook.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

build=${BUILD_DIR:-build}
cmake -S . -B "$build" >/dev/null
cmake --build "$build" -j"$(nproc)" --target warmpool-webhook >/dev/null
bin=$build/bin/warmpool-webhook

work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "certificates: a CA and a serving certificate for localhost (caBundle printed)"
"$bin" certs --out-dir "$work/certs" --dns-name localhost --ip 127.0.0.1 2>/dev/null | cut -c1-60 | sed 's/$/.../'

step "starting warmpool-webhook"
"$bin" --tls-cert-file "$work/certs/tls.crt" --tls-key-file "$work/certs/tls.key" \
  --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 --log-format text 2>"$work/webhook.log" &
pid=$!
for _ in $(seq 100); do grep -q ' serving ' "$work/webhook.log" 2>/dev/null && break; sleep 0.05; done
grep ' serving ' "$work/webhook.log"
port=$(grep -o 'admission=127.0.0.1:[0-9]*' "$work/webhook.log" | cut -d: -f2)
metrics_port=$(grep -o 'metrics=127.0.0.1:[0-9]*' "$work/webhook.log" | cut -d: -f2)

# Wraps a SandboxClaim spec (JSON) in the AdmissionReview the apiserver sends.
review() { # uid name spec-json
  cat <<EOF
{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{
 "uid":"$1","kind":{"group":"extensions.agents.x-k8s.io","version":"v1beta1","kind":"SandboxClaim"},
 "resource":{"group":"extensions.agents.x-k8s.io","version":"v1beta1","resource":"sandboxclaims"},
 "name":"$2","namespace":"demo","operation":"CREATE","userInfo":{"username":"alice"},
 "object":{"apiVersion":"extensions.agents.x-k8s.io/v1beta1","kind":"SandboxClaim",
   "metadata":{"name":"$2","namespace":"demo"},"spec":$3}}}
EOF
}

send() { # path file
  curl -sS --cacert "$work/certs/ca.crt" -H 'Content-Type: application/json' \
    --data-binary @"$2" "https://localhost:$port$1?timeout=10s"
}

review 0a-good good-claim '{"warmPoolRef":{"name":"python-pool"},"env":[{"name":"MODE","value":"fast"}]}' >"$work/good.json"
review 0b-legacy legacy-claim '{"sandboxTemplateRef":{"name":"python"},"warmpool":"default"}' >"$work/legacy.json"
review 0c-env bad-env '{"warmPoolRef":{"name":"python-pool"},"env":[{"name":"OK","value":"1"},{"name":"1BAD","value":"x"}]}' >"$work/env.json"
review 0d-label bad-label '{"warmPoolRef":{"name":"python-pool"},"additionalPodMetadata":{"labels":{"app":"sandbox-router"}}}' >"$work/label.json"

step "POST /validate: a good claim is admitted"
send /validate "$work/good.json" | python3 -m json.tool

step "POST /validate: legacy fields (spec.sandboxTemplateRef, spec.warmpool) are rejected"
send /validate "$work/legacy.json" | python3 -m json.tool

step "POST /validate: an invalid environment variable name is rejected"
send /validate "$work/env.json" | python3 -m json.tool

step "POST /validate: the reserved app=sandbox-router label is rejected"
send /validate "$work/label.json" | python3 -m json.tool

step "POST /mutate: the JSON Patch for the good claim, decoded"
send /mutate "$work/good.json" | python3 -c '
import base64, json, sys
response = json.load(sys.stdin)["response"]
print("patchType:", response.get("patchType"))
print(json.dumps(json.loads(base64.b64decode(response["patch"])), indent=2))'

step "GET /metrics (excerpt)"
curl -sS "http://127.0.0.1:$metrics_port/metrics" |
  grep -E '^warmpool_webhook_(requests_total|http_responses_total|request_duration_seconds_count|certificate_expiry)'

step "one log line per denial (fields only, never values)"
grep 'admission denied' "$work/webhook.log"

step "stopping (SIGTERM)"
kill -TERM "$pid"
wait "$pid" && echo "warmpool-webhook exited 0"
pid=
