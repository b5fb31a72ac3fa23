#!/usr/bin/env python3
"""Writes a corpus of Kubernetes manifests for benchmarking `warmpoolctl validate`.

Default: 100,000 documents in 10,000 files (10 per file), spread over
namespaces the way a GitOps repository is: per namespace a few
SandboxTemplates and SandboxWarmPools, many SandboxClaims, and the other
kinds such a repository holds (ConfigMaps, Deployments, Services,
Sandboxes). Deterministic for a given --seed, so runs compare.

    gen_corpus.py OUT_DIR [--files N] [--docs-per-file N] [--seed N]
"""
import argparse
import os
import random

NAMESPACES = 50
TEMPLATES_PER_NS = 4
POOLS_PER_TEMPLATE = 2


def template(ns, i, rng):
    policy = rng.choice(["Allowed", "Overrides", "Disallowed"])
    digest = "%064x" % rng.getrandbits(256)
    return f"""apiVersion: extensions.agents.x-k8s.io/v1beta1
kind: SandboxTemplate
metadata:
  name: tmpl-{i}
  namespace: {ns}
  labels:
    app.kubernetes.io/part-of: agents
spec:
  envVarsInjectionPolicy: {policy}
  volumeClaimTemplatesPolicy: Allowed
  networkPolicyManagement: Managed
  podTemplate:
    metadata:
      labels:
        sandbox.users.io/tier: "{rng.choice(['gold', 'silver'])}"
    spec:
      runtimeClassName: gvisor
      containers:
        - name: agent
          image: registry.example.com/agents/runner@sha256:{digest}
          args: ["serve", "--port", "8080"]
          resources:
            requests: {{cpu: 250m, memory: 512Mi}}
            limits: {{cpu: "1", memory: 1Gi}}
          env:
            - name: MODEL
              value: small
  networkPolicy:
    egress:
      - ports:
          - protocol: TCP
            port: 443
"""


def pool(ns, t, p, rng):
    return f"""apiVersion: extensions.agents.x-k8s.io/v1beta1
kind: SandboxWarmPool
metadata:
  name: pool-{t}-{p}
  namespace: {ns}
spec:
  replicas: {rng.randint(0, 20)}
  sandboxTemplateRef:
    name: tmpl-{t}
  updateStrategy:
    type: {rng.choice(['Recreate', 'OnReplenish'])}
"""


def claim(ns, n, rng):
    t = rng.randrange(TEMPLATES_PER_NS)
    p = rng.randrange(POOLS_PER_TEMPLATE)
    text = f"""# claim for user {n}
apiVersion: extensions.agents.x-k8s.io/v1beta1
kind: SandboxClaim
metadata:
  name: claim-{n}
  namespace: {ns}
  labels:
    team: agents
spec:
  warmPoolRef:
    name: pool-{t}-{p}
  additionalPodMetadata:
    labels:
      sandbox.users.io/user: user-{n}
    annotations:
      example.com/owner: "user-{n}@example.com"
  lifecycle:
    shutdownPolicy: {rng.choice(['Delete', 'Retain', 'DeleteForeground'])}
    ttlSecondsAfterFinished: {rng.randint(0, 3600)}
"""
    return text


def other(ns, n, rng):
    kind = rng.choice(["ConfigMap", "Service", "Deployment", "Sandbox"])
    if kind == "ConfigMap":
        return f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg-{n}
  namespace: {ns}
data:
  settings.json: '{{"retries": 3, "timeout": "30s"}}'
  mode: production
"""
    if kind == "Service":
        return f"""apiVersion: v1
kind: Service
metadata:
  name: svc-{n}
  namespace: {ns}
spec:
  selector:
    app: svc-{n}
  ports:
    - port: 80
      targetPort: 8080
"""
    if kind == "Deployment":
        return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: router-{n}
  namespace: {ns}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: router-{n}}}
  template:
    metadata:
      labels: {{app: router-{n}}}
    spec:
      containers:
        - name: router
          image: registry.example.com/router:1.4.2
          ports: [{{containerPort: 8080}}]
"""
    return f"""apiVersion: agents.x-k8s.io/v1beta1
kind: Sandbox
metadata:
  name: sandbox-{n}
  namespace: {ns}
spec:
  operatingMode: Running
  podTemplate:
    spec:
      containers:
        - name: main
          image: busybox:1.36
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--docs-per-file", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    # The fixed objects first: every namespace's templates and pools.
    fixed = []
    for k in range(NAMESPACES):
        ns = f"team-{k}"
        for t in range(TEMPLATES_PER_NS):
            fixed.append(template(ns, t, rng))
            for p in range(POOLS_PER_TEMPLATE):
                fixed.append(pool(ns, t, p, rng))
    total = a.files * a.docs_per_file
    docs = 0
    for f in range(a.files):
        sub = os.path.join(a.out, f"ns-{f % NAMESPACES:02d}")
        os.makedirs(sub, exist_ok=True)
        parts = []
        for _ in range(a.docs_per_file):
            if docs < len(fixed) and docs < total:
                parts.append(fixed[docs])
            else:
                ns = f"team-{rng.randrange(NAMESPACES)}"
                parts.append(claim(ns, docs, rng) if rng.random() < 0.7 else other(ns, docs, rng))
            docs += 1
        with open(os.path.join(sub, f"manifests-{f:05d}.yaml"), "w") as fh:
            fh.write("---\n".join(parts))
    print(f"wrote {docs} documents in {a.files} files under {a.out}")


if __name__ == "__main__":
    main()
