#!/usr/bin/env python3
"""The client side of scripts/demo.sh: what an agent SDK does against the API
server, with timings. Talks to the server through the kubeconfig only (CA and
bearer token), like any Kubernetes client; standard library only.

    demo_client.py KUBECONFIG warm-pool NS TEMPLATE POOL REPLICAS
        creates the namespace, a SandboxTemplate and a SandboxWarmPool, then
        prints each member Pod as the simulated nodes schedule and start it,
        until the pool reports REPLICAS Ready.
    demo_client.py KUBECONFIG claim NS NAME POOL EXPECT [ENV=VALUE...]
        creates a SandboxClaim and waits (watch) for Ready=True; prints the
        time from create to Ready, status.sandbox.name/podIPs and the
        Sandbox's launch-type, which must be EXPECT (warm or cold).
    demo_client.py KUBECONFIG bad-claim NS NAME POOL
        creates an invalid SandboxClaim; prints the denial and its causes.

Exit status 0 when the step did what it says, 1 otherwise (with the reason
on stderr), so the demo fails loudly when the system does not work.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "apiserver"))
from fixture import KubeClient, read_kubeconfig  # noqa: E402

EXT = "/apis/extensions.agents.x-k8s.io/v1beta1"
SBX = "/apis/agents.x-k8s.io/v1beta1"
EXT_VERSION = "extensions.agents.x-k8s.io/v1beta1"
TIMEOUT_S = 30


class Failed(Exception):
    """A step did not do what the demo promises."""


def client(kubeconfig):
    server, ca, token = read_kubeconfig(kubeconfig)
    return KubeClient(server, ca, token)


def must(resp, *codes):
    if resp.status not in codes:
        raise Failed("HTTP %d: %s" % (resp.status, resp.body.decode(errors="replace")[:500]))
    return resp.json()


def condition(obj, ctype):
    for c in (obj or {}).get("status", {}).get("conditions") or []:
        if c.get("type") == ctype:
            return c
    return None


def next_event(stream, what):
    """The next watch event; Failed when none comes within TIMEOUT_S."""
    try:
        event = stream.next_event()
    except TimeoutError:
        raise Failed("%s: nothing happened for %d s" % (what, TIMEOUT_S)) from None
    if event is None:
        raise Failed("%s: the watch ended" % what)
    return event


def watch_from_now(kube, list_path, query=""):
    """Lists (to learn the current resourceVersion), then watches from there."""
    rv = must(kube.get(list_path + ("?" + query if query else "")), 200)["metadata"]["resourceVersion"]
    sep = "&" if query else ""
    return kube.watch("%s?watch=1&resourceVersion=%s%s%s" % (list_path, rv, sep, query), timeout=TIMEOUT_S)


def create_namespace(kube, ns):
    must(kube.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                          "metadata": {"name": ns}}), 201, 409)


def template_object(ns, name):
    return {"apiVersion": EXT_VERSION, "kind": "SandboxTemplate",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"envVarsInjectionPolicy": "Allowed",
                     "podTemplate": {"spec": {"containers": [{
                         "name": "python", "image": "python:3.12-slim",
                         "command": ["sleep", "infinity"],
                         "ports": [{"name": "http", "containerPort": 8888}]}]}}}}


def pool_object(ns, name, template, replicas):
    return {"apiVersion": EXT_VERSION, "kind": "SandboxWarmPool",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"replicas": replicas, "sandboxTemplateRef": {"name": template}}}


def warm_pool(kube, ns, template, pool, replicas):
    create_namespace(kube, ns)
    must(kube.post("%s/namespaces/%s/sandboxtemplates" % (EXT, ns), template_object(ns, template)), 201)
    print("created SandboxTemplate %s/%s (image python:3.12-slim, env injection Allowed)" % (ns, template))
    pods = watch_from_now(kube, "/api/v1/namespaces/%s/pods" % ns)  # a new namespace: only the pool's pods
    start = time.monotonic()
    must(kube.post("%s/namespaces/%s/sandboxwarmpools" % (EXT, ns), pool_object(ns, pool, template, replicas)), 201)
    print("created SandboxWarmPool %s/%s (replicas %d)" % (ns, pool, replicas))
    seen = {}
    ready = set()
    with pods:
        while len(ready) < replicas:
            if time.monotonic() - start > TIMEOUT_S:
                raise Failed("pool members not Ready after %d s (%d of %d)" % (TIMEOUT_S, len(ready), replicas))
            event = next_event(pods, "pool %s: %d of %d members Ready" % (pool, len(ready), replicas))
            pod = event["object"]
            name = pod["metadata"]["name"]
            state = pod_state(pod)
            if state and seen.get(name) != state:
                seen[name] = state
                print("  %+6.2fs  pod %-22s %s" % (time.monotonic() - start, name, state))
            if state.startswith("Ready"):
                ready.add(name)
    wait_pool_ready(kube, ns, pool, replicas, start)


def pod_state(pod):
    st = pod.get("status", {})
    node = pod.get("spec", {}).get("nodeName")
    ready = condition(pod, "Ready")
    if ready and ready.get("status") == "True":
        return "Ready    on %s, podIP %s" % (node, st.get("podIP"))
    if node:
        return "%-8s scheduled to %s" % (st.get("phase", "Pending"), node)
    return "Pending  (created by warmpool-controller)"


def wait_pool_ready(kube, ns, pool, replicas, start):
    path = "%s/namespaces/%s/sandboxwarmpools/%s" % (EXT, ns, pool)
    while time.monotonic() - start < TIMEOUT_S:
        status = must(kube.get(path), 200).get("status", {})
        if status.get("readyReplicas") == replicas:
            print("pool %s: %d/%d members Ready after %.2f s (status.readyReplicas)"
                  % (pool, replicas, replicas, time.monotonic() - start))
            return
        time.sleep(0.05)
    raise Failed("pool %s status never showed %d Ready" % (pool, replicas))


def claim_object(ns, name, pool, env=None, labels=None):
    spec = {"warmPoolRef": {"name": pool}}
    if env:
        spec["env"] = env
    meta = {"name": name, "namespace": ns}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": EXT_VERSION, "kind": "SandboxClaim", "metadata": meta, "spec": spec}


def claim(kube, ns, name, pool, expect, env_args):
    env = [dict(zip(("name", "value"), a.split("=", 1))) for a in env_args]
    claims = watch_from_now(kube, "%s/namespaces/%s/sandboxclaims" % (EXT, ns), "fieldSelector=metadata.name%3D" + name)
    with claims:
        start = time.monotonic()
        must(kube.post("%s/namespaces/%s/sandboxclaims" % (EXT, ns),
                       claim_object(ns, name, pool, env, {"agents.x-k8s.io/created-by": "demo"})), 201)
        while True:
            if time.monotonic() - start > TIMEOUT_S:
                raise Failed("claim %s not Ready after %d s" % (name, TIMEOUT_S))
            event = next_event(claims, "claim %s not Ready" % name)
            ready = condition(event["object"], "Ready")
            if ready and ready.get("status") == "True":
                elapsed_ms = (time.monotonic() - start) * 1000
                got = event["object"]
                break
    sandbox = got.get("status", {}).get("sandbox", {})
    sb = must(kube.get("%s/namespaces/%s/sandboxes/%s" % (SBX, ns, sandbox.get("name"))), 200)
    launch = sb["metadata"].get("labels", {}).get("agents.x-k8s.io/launch-type")
    print("claim %s: Ready in %.1f ms (create -> Ready, seen by a watch); reason %s"
          % (name, elapsed_ms, condition(got, "Ready").get("reason")))
    print("  status.sandbox.name=%s  status.sandbox.podIPs=%s  launch-type=%s"
          % (sandbox.get("name"), json.dumps(sandbox.get("podIPs")), launch))
    notes = got["metadata"].get("annotations", {})
    for key in ("agents.x-k8s.io/webhook-first-observed-at", "warmpool.io/cold-start-reason"):
        if key in notes:
            print("  annotation from warmpool-webhook /mutate: %s=%s" % (key, notes[key]))
    if launch != expect:
        raise Failed("claim %s: launch-type %s, expected %s" % (name, launch, expect))
    if not sandbox.get("podIPs"):
        raise Failed("claim %s: Ready without status.sandbox.podIPs" % name)


def bad_claim(kube, ns, name, pool):
    bad = claim_object(ns, name, pool, env=[{"name": "1BAD", "value": "x"}])
    bad["spec"]["additionalPodMetadata"] = {"labels": {"app": "sandbox-router"}}
    resp = kube.post("%s/namespaces/%s/sandboxclaims" % (EXT, ns), bad)
    if resp.status < 400:
        raise Failed("bad claim %s was admitted (HTTP %d)" % (name, resp.status))
    status = resp.json()
    print("claim %s: denied, HTTP %d %s" % (name, resp.status, status.get("reason")))
    causes = (status.get("details") or {}).get("causes") or []
    print("  message: %s: [...%d causes, each below]" % (status.get("message", "").split(": [")[0], len(causes)))
    for cause in causes:
        print("  cause: %-45s %s" % (cause.get("field"), cause.get("message")))
    if "denied the request" not in status.get("message", ""):
        raise Failed("bad claim %s was refused, but not by the webhook" % name)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    kube, cmd, args = client(argv[1]), argv[2], argv[3:]
    try:
        if cmd == "warm-pool" and len(args) == 4:
            warm_pool(kube, args[0], args[1], args[2], int(args[3]))
        elif cmd == "claim" and len(args) >= 4:
            claim(kube, args[0], args[1], args[2], args[3], args[4:])
        elif cmd == "bad-claim" and len(args) == 3:
            bad_claim(kube, *args)
        else:
            sys.stderr.write(__doc__)
            return 2
    except (Failed, OSError, ValueError) as e:
        sys.stderr.write("demo: %s: %s\n" % (cmd, e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
