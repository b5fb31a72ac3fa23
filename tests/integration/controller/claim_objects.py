"""Object builders and checks shared by the SandboxClaim integration tests
(test_claim*.py): templates, pools with hand-made warm members (so a test
controls exactly which members exist and when they are Ready), claims, and
API-write counting from the test API server's request log.

The claim tests run the controller with --controllers=claim: no pool
reconciler refills, no Sandbox reconciler makes Pods, so every object a test
checks was written by the claim reconciler or by the test itself.
"""
import time

from harness import fnv

EXT = "extensions.agents.x-k8s.io/v1beta1"
SBX = "agents.x-k8s.io/v1beta1"
NOW = lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())  # noqa: E731


def template(name, ns="default", pod_labels=None, pod_annotations=None, containers=None, **spec):
    s = {"podTemplate": {"spec": {"containers": containers or [{"name": "main", "image": "busybox:1.36"}]}}}
    meta = {}
    if pod_labels:
        meta["labels"] = pod_labels
    if pod_annotations:
        meta["annotations"] = pod_annotations
    if meta:
        s["podTemplate"]["metadata"] = meta
    s.update(spec)
    return {"apiVersion": EXT, "kind": "SandboxTemplate", "metadata": {"name": name, "namespace": ns}, "spec": s}


def pool(name, template_name, ns="default", replicas=0, strategy=None):
    spec = {"replicas": replicas, "sandboxTemplateRef": {"name": template_name}}
    if strategy:
        spec["updateStrategy"] = {"type": strategy}
    return {"apiVersion": EXT, "kind": "SandboxWarmPool", "metadata": {"name": name, "namespace": ns}, "spec": spec}


def claim(name, pool_name, ns="default", labels=None, annotations=None, **spec):
    s = {"warmPoolRef": {"name": pool_name}}
    s.update(spec)
    meta = {"name": name, "namespace": ns}
    if labels:
        meta["labels"] = labels
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": EXT, "kind": "SandboxClaim", "metadata": meta, "spec": s}


def member_object(pool_obj, template_name, name):
    """A warm pool member as the pool reconciler makes it (UPSTREAM.md §4)."""
    pm = pool_obj["metadata"]
    warm = {"agents.x-k8s.io/warm-pool-sandbox": fnv(pm["name"]),
            "agents.x-k8s.io/sandbox-template-ref-hash": fnv(template_name)}
    labels = dict(warm, **{"agents.x-k8s.io/launch-type": "warm", "agents.x-k8s.io/created-by": "controller",
                           "agents.x-k8s.io/sandbox-template-hash": "0badc0de",
                           "agents.x-k8s.io/sandbox-pod-template-hash": "0badf00d"})
    pod_labels = dict(warm, **{"agents.x-k8s.io/sandbox-template-hash": "0badc0de",
                               "agents.x-k8s.io/sandbox-pod-template-hash": "0badf00d"})
    return {"apiVersion": SBX, "kind": "Sandbox",
            "metadata": {"name": name, "namespace": pm["namespace"], "labels": labels,
                         "annotations": {"agents.x-k8s.io/sandbox-template-ref": template_name},
                         "ownerReferences": [{"apiVersion": EXT, "kind": "SandboxWarmPool", "name": pm["name"],
                                              "uid": pm["uid"], "controller": True, "blockOwnerDeletion": True}]},
            "spec": {"podTemplate": {"metadata": {"labels": pod_labels, "annotations": {
                "cluster-autoscaler.kubernetes.io/safe-to-evict": "true"}},
                "spec": {"containers": [{"name": "main", "image": "busybox:1.36"}]}}}}


def ready_status(ip, node="node-1", ready=True):
    cond = {"type": "Ready", "status": "True" if ready else "False",
            "reason": "DependenciesReady" if ready else "DependenciesNotReady",
            "message": "Pod is Ready" if ready else "Pod is Running but not Ready",
            "lastTransitionTime": NOW(), "observedGeneration": 1}
    st = {"conditions": [cond], "nodeName": node}
    if ip:
        st["podIPs"] = [ip]
    return {"status": st}


def add_member(c, pool_obj, template_name, name, ip="10.244.0.10", node="node-1", ready=True):
    """Creates a member and sets its status (Ready with a pod IP by default)."""
    c.create(member_object(pool_obj, template_name, name))
    return c.patch("Sandbox", pool_obj["metadata"]["namespace"], name, ready_status(ip, node, ready), sub="status")


def bulk_members(c, pool_obj, template_name, names, ips=None):
    """Many Ready members at once through /_test/bulk (one watch event each)."""
    objs = []
    for i, n in enumerate(names):
        o = member_object(pool_obj, template_name, n)
        o.update(ready_status(ips[i] if ips else "10.244.%d.%d" % (i // 250, i % 250 + 1), "node-%d" % (i % 4)))
        objs.append(o)
    c.control.bulk(objects=objs)


def writes(c, since=0.0):
    """The controller's API writes (POST/PUT/PATCH/DELETE sent with its user
    agent) in the request log after `since`, events excluded:
    [(method, path, code)]."""
    out = []
    for r in c.control.requests():
        if r.get("time", 0) < since or r["method"] not in ("POST", "PUT", "PATCH", "DELETE"):
            continue
        if not r.get("userAgent", "").startswith("warmpool"):
            continue
        if "/events" in r["path"] or "/leases" in r["path"]:
            continue
        out.append((r["method"], r["path"], r["code"]))
    return out
