"""Object builders and checks shared by the SandboxClaim integration tests
(test_claim*.py): templates, pools with hand-made warm members (so a test
controls exactly which members exist and when they are Ready), claims, and
API-write counting from the test API server's request log.

The claim tests run the controller with --controllers=claim: no pool
reconciler refills, no Sandbox reconciler makes Pods, so every object a test
checks was written by the claim reconciler or by the test itself.
"""
import time

import harness
from harness import fnv

EXT = "extensions.agents.x-k8s.io/v1beta1"
SBX = "agents.x-k8s.io/v1beta1"
NOW = lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())  # noqa: E731


def template(name, ns="default", pod_labels=None, pod_annotations=None, containers=None, **spec):
    """harness.template with pod template labels and annotations."""
    t = harness.template(name, ns, containers, **spec)
    meta = {}
    if pod_labels:
        meta["labels"] = pod_labels
    if pod_annotations:
        meta["annotations"] = pod_annotations
    if meta:
        t["spec"]["podTemplate"]["metadata"] = meta
    return t


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


def warm_pool(c, ns, members):
    """Namespace ns with template "tmpl", pool "pool" (replicas 0: nothing
    refills it) and `members` Ready members; returns the member names."""
    c.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    c.create(template("tmpl", ns))
    p = c.create(pool("pool", "tmpl", ns))
    names = seed_members(c, p, "tmpl", members)
    harness.wait_for(lambda: len(c.list("Sandbox", ns)) == members, 10, what="members")
    return names


def seed_members(c, pool_obj, template_name, count, prefix="m-", threads=8):
    """`count` Ready members with pod IPs on four nodes: bulk-created, then
    their status set (the bulk endpoint drops status like any create)."""
    from concurrent.futures import ThreadPoolExecutor
    ns = pool_obj["metadata"]["namespace"]
    names = ["%s%05d" % (prefix, i) for i in range(count)]
    c.control.bulk(objects=[member_object(pool_obj, template_name, n) for n in names])

    def ready(i):
        kube = c.server.client()
        body = ready_status("10.%d.%d.%d" % (1 + i // 65536, (i // 256) % 256, i % 256), "node-%d" % (i % 4))
        from harness import path
        r = kube.patch(path("Sandbox", ns, names[i], "status"), body)
        assert r.status == 200, r.body
    with ThreadPoolExecutor(threads) as ex:
        list(ex.map(ready, range(count)))
    return names


def bulk_claims(c, ns, pool_name, count, prefix="c-"):
    names = ["%s%05d" % (prefix, i) for i in range(count)]
    c.control.bulk(objects=[claim(n, pool_name, ns) for n in names])
    return names


def check_bindings(test, c, ns, claim_names, members):
    """The race invariants: every claim holds exactly one Sandbox, which it
    controls and names in its status; no Sandbox has two owners or two
    claims. Returns (warm, cold) counts."""
    claims = {o["metadata"]["name"]: o for o in c.list("SandboxClaim", ns)}
    sandboxes = c.list("Sandbox", ns)
    by_uid = {o["metadata"]["uid"]: n for n, o in claims.items()}
    held = {}
    for sb in sandboxes:
        refs = sb["metadata"].get("ownerReferences", [])
        test.assertLessEqual(len(refs), 1, "sandbox %s has owners %r" % (sb["metadata"]["name"], refs))
        ctl = [r for r in refs if r.get("controller")]
        if ctl and ctl[0]["kind"] == "SandboxClaim":
            owner = by_uid.get(ctl[0]["uid"])
            test.assertIsNotNone(owner, "sandbox %s owned by an unknown claim" % sb["metadata"]["name"])
            held.setdefault(owner, []).append(sb["metadata"]["name"])
    warm = cold = 0
    member_set = set(members)
    for n in claim_names:
        test.assertEqual(len(held.get(n, [])), 1, "claim %s holds %r" % (n, held.get(n)))
        name = claims[n]["status"].get("sandbox", {}).get("name")
        test.assertEqual(name, held[n][0], "claim %s status names %r" % (n, name))
        if name in member_set:
            warm += 1
        else:
            test.assertEqual(name, n)
            cold += 1
    names = [x[0] for x in held.values()]
    test.assertEqual(len(names), len(set(names)))
    return warm, cold
