"""SandboxWarmPool reconciler against the test API server (UPSTREAM.md §4).

Only the pool reconciler runs (--controllers pool), so the tests play the
Sandbox controller's part themselves: they mark members Ready through the
status subresource and create the pods the unschedulable cases need. Every
test checks the resulting objects field by field, and counts the writes the
controller sent (the API server's request log).
"""
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Cluster, condition, fnv, template, wait_for  # noqa: E402

NS = "default"
POOL_LABEL = "agents.x-k8s.io/warm-pool-sandbox"
CTL = ["--controllers", "pool", "--leader-elect=false"]


def pool(name, replicas=None, tmpl="py", strategy=None):
    spec = {"sandboxTemplateRef": {"name": tmpl}}
    if replicas is not None:
        spec["replicas"] = replicas
    if strategy:
        spec["updateStrategy"] = {"type": strategy}
    return {"apiVersion": "extensions.agents.x-k8s.io/v1beta1", "kind": "SandboxWarmPool",
            "metadata": {"name": name, "namespace": NS}, "spec": spec}


def members(c, name):
    return c.list("Sandbox", NS, selector="%s=%s" % (POOL_LABEL, fnv(name)))


def wait_members(c, name, n, timeout=10):
    return wait_for(lambda: (lambda m: (m,) if len(m) == n else None)(members(c, name)), timeout,
                    what="%d members of %s" % (n, name))[0]


def set_ready(c, sb, ready=True):
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    cond = {"type": "Ready", "status": "True" if ready else "False", "reason": "DependenciesReady",
            "message": "Pod is Ready", "lastTransitionTime": now, "observedGeneration": 1}
    return c.patch("Sandbox", NS, sb["metadata"]["name"], {"status": {"conditions": [cond]}}, sub="status")


def writes(c, method, fragment):
    """How many requests of `method` whose path contains `fragment` the controller sent."""
    return sum(1 for r in c.control.requests()
               if r.get("method") == method and fragment in r.get("path", "")
               and "warmpool" in (r.get("userAgent") or "warmpool"))


def image_of(sb):
    return sb["spec"]["podTemplate"]["spec"]["containers"][0]["image"]


def wait_status(c, name, **want):
    def ok():
        st = (c.get("SandboxWarmPool", NS, name) or {}).get("status", {})
        got = {k: st.get(k, 0) for k in want}
        return st if got == want else None
    return wait_for(ok, 10, what="pool %s status %r" % (name, want))


class PoolTest(unittest.TestCase):
    def cluster(self, *extra, nodes=2):
        return Cluster(nodes=nodes, controller_args=CTL + list(extra))

    def test_warms_to_replicas_with_upstream_members_and_status(self):
        with self.cluster() as c:
            c.create(template("py", containers=[{"name": "main", "image": "python:3.12"}]))
            c.create(pool("pool-a", 3))
            got = wait_members(c, "pool-a", 3)
            p = c.get("SandboxWarmPool", NS, "pool-a")
            t = c.get("SandboxTemplate", NS, "py")
            for sb in got:
                m = sb["metadata"]
                self.assertTrue(m["name"].startswith("pool-a-") and len(m["name"]) == len("pool-a-") + 5, m["name"])
                self.assertEqual(m["generateName"], "pool-a-")
                labels = m["labels"]
                self.assertEqual(set(labels), {
                    "agents.x-k8s.io/warm-pool-sandbox", "agents.x-k8s.io/sandbox-template-ref-hash",
                    "agents.x-k8s.io/launch-type", "agents.x-k8s.io/sandbox-pod-template-hash",
                    "agents.x-k8s.io/sandbox-template-hash", "agents.x-k8s.io/created-by"})
                self.assertEqual(labels["agents.x-k8s.io/warm-pool-sandbox"], fnv("pool-a"))
                self.assertEqual(labels["agents.x-k8s.io/sandbox-template-ref-hash"], fnv("py"))
                self.assertEqual(labels["agents.x-k8s.io/launch-type"], "warm")
                self.assertEqual(labels["agents.x-k8s.io/created-by"], "controller")
                self.assertRegex(labels["agents.x-k8s.io/sandbox-template-hash"], "^[0-9a-f]{8}$")
                self.assertRegex(labels["agents.x-k8s.io/sandbox-pod-template-hash"], "^[0-9a-f]{8}$")
                self.assertEqual(m["annotations"], {"agents.x-k8s.io/sandbox-template-ref": "py"})
                self.assertEqual(m["ownerReferences"], [{
                    "apiVersion": "extensions.agents.x-k8s.io/v1beta1", "kind": "SandboxWarmPool",
                    "name": "pool-a", "uid": p["metadata"]["uid"], "controller": True,
                    "blockOwnerDeletion": True}])
                pt = sb["spec"]["podTemplate"]
                self.assertEqual(pt["spec"], {
                    "containers": [{"name": "main", "image": "python:3.12"}],
                    "automountServiceAccountToken": False, "dnsPolicy": "None",
                    "dnsConfig": {"nameservers": ["8.8.8.8", "1.1.1.1"]}})
                self.assertEqual(pt["metadata"]["labels"], {
                    k: labels[k] for k in ("agents.x-k8s.io/warm-pool-sandbox",
                                           "agents.x-k8s.io/sandbox-template-ref-hash",
                                           "agents.x-k8s.io/sandbox-pod-template-hash",
                                           "agents.x-k8s.io/sandbox-template-hash")})
                self.assertEqual(pt["metadata"]["annotations"],
                                 {"cluster-autoscaler.kubernetes.io/safe-to-evict": "true"})
                self.assertNotIn("shutdownTime", sb["spec"])
            self.assertEqual(len({sb["metadata"]["labels"]["agents.x-k8s.io/sandbox-template-hash"]
                                  for sb in got}), 1)
            self.assertEqual(t["metadata"].get("labels", {}).get("agents.x-k8s.io/sandbox-template-ref-hash",
                                                                 fnv("py")), fnv("py"))
            st = wait_status(c, "pool-a", replicas=3, readyReplicas=0, observedGeneration=1)
            self.assertEqual(st["selector"], "agents.x-k8s.io/warm-pool-sandbox=" + fnv("pool-a"))
            # Readiness reaches the status.
            set_ready(c, got[0])
            set_ready(c, got[1])
            wait_status(c, "pool-a", replicas=3, readyReplicas=2)
            time.sleep(0.5)
            self.assertEqual(writes(c, "POST", "/sandboxes"), 3)

    def test_a_member_taken_by_a_claim_is_replaced_and_left_alone(self):
        with self.cluster() as c:
            c.create(template("py"))
            c.create(pool("take", 2))
            got = wait_members(c, "take", 2)
            claim = c.create({"apiVersion": "extensions.agents.x-k8s.io/v1beta1", "kind": "SandboxClaim",
                              "metadata": {"name": "cl", "namespace": NS},
                              "spec": {"warmPoolRef": {"name": "take"}}})
            # What an adoption writes (one merge patch under the member's
            # resourceVersion): the claim becomes the controller, the pool
            # label goes.
            taken = got[0]
            c.patch("Sandbox", NS, taken["metadata"]["name"], {"metadata": {
                "resourceVersion": taken["metadata"]["resourceVersion"],
                "labels": {POOL_LABEL: None, "agents.x-k8s.io/claim-uid": claim["metadata"]["uid"]},
                "ownerReferences": [{"apiVersion": "extensions.agents.x-k8s.io/v1beta1", "kind": "SandboxClaim",
                                     "name": "cl", "uid": claim["metadata"]["uid"], "controller": True,
                                     "blockOwnerDeletion": True}]}})
            now = wait_for(lambda: (lambda m: m if len(m) == 2 and taken["metadata"]["uid"] not in
                                    [s["metadata"]["uid"] for s in m] else None)(members(c, "take")),
                           10, what="refill after the adoption")
            self.assertIn(got[1]["metadata"]["uid"], [s["metadata"]["uid"] for s in now])
            time.sleep(0.5)
            kept = c.get("Sandbox", NS, taken["metadata"]["name"])
            self.assertIsNotNone(kept)
            self.assertEqual(kept["metadata"]["ownerReferences"][0]["kind"], "SandboxClaim")
            self.assertEqual(writes(c, "POST", "/sandboxes"), 3)
            self.assertEqual(writes(c, "DELETE", "/sandboxes/"), 0)
            wait_status(c, "take", replicas=2)

    def test_surplus_delete_never_removes_a_member_adopted_after_the_cache_read(self):
        with self.cluster() as c:
            c.create(template("py"))
            c.create(pool("race", 2))
            got = wait_members(c, "race", 2)
            wait_status(c, "race", replicas=2)
            claim = c.create({"apiVersion": "extensions.agents.x-k8s.io/v1beta1", "kind": "SandboxClaim",
                              "metadata": {"name": "cl", "namespace": NS},
                              "spec": {"warmPoolRef": {"name": "race"}}})
            # The pool's Sandbox cache lags; meanwhile a claim adopts member
            # A and the pool is scaled to zero from its stale view.
            c.control.delay(3000, path="/apis/agents.x-k8s.io/v1beta1/sandboxes$", seconds=2.5, methods=["GET"])
            c.control.drop_watches()
            a, b = got
            c.patch("Sandbox", NS, a["metadata"]["name"], {"metadata": {
                "labels": {POOL_LABEL: None},
                "ownerReferences": [{"apiVersion": "extensions.agents.x-k8s.io/v1beta1", "kind": "SandboxClaim",
                                     "name": "cl", "uid": claim["metadata"]["uid"], "controller": True,
                                     "blockOwnerDeletion": True}]}})
            c.control.clear_requests()
            c.patch("SandboxWarmPool", NS, "race", {"spec": {"replicas": 0}})
            c.wait_gone("Sandbox", NS, b["metadata"]["name"], timeout=15)
            wait_status(c, "race", replicas=0)
            kept = c.get("Sandbox", NS, a["metadata"]["name"])
            self.assertIsNotNone(kept, "the adopted member was deleted")
            self.assertEqual(kept["metadata"]["ownerReferences"][0]["uid"], claim["metadata"]["uid"])
            deletes = [(r["path"].rsplit("/", 1)[1], r.get("code")) for r in c.control.requests()
                       if r.get("method") == "DELETE" and "/sandboxes/" in r.get("path", "")]
            self.assertIn((b["metadata"]["name"], 200), deletes)
            self.assertIn((a["metadata"]["name"], 409), deletes)  # tried from the stale view, refused
            self.assertNotIn((a["metadata"]["name"], 200), deletes)

    def test_default_replicas_is_one_and_eviction_flag(self):
        with self.cluster("--enable-warm-pool-eviction=false") as c:
            c.create(template("py", podTemplate={
                "metadata": {"annotations": {"keep": "me"}},
                "spec": {"containers": [{"name": "main", "image": "busybox"}],
                         "automountServiceAccountToken": True, "dnsPolicy": "ClusterFirst"}}))
            c.create(pool("solo"))
            sb = wait_members(c, "solo", 1)[0]
            pt = sb["spec"]["podTemplate"]
            self.assertEqual(pt["metadata"]["annotations"], {"keep": "me"})
            self.assertEqual(pt["spec"], {"containers": [{"name": "main", "image": "busybox"}],
                                          "automountServiceAccountToken": True, "dnsPolicy": "ClusterFirst"})

    def test_scale_subresource_with_kubectl_and_hpa_style_patch(self):
        with self.cluster() as c:
            c.create(template("py"))
            c.create(pool("web", 2))
            first = wait_members(c, "web", 2)
            for sb in first:
                set_ready(c, sb)
            wait_status(c, "web", replicas=2, readyReplicas=2)
            if subprocess.run(["which", "kubectl"], capture_output=True).returncode == 0:
                out = subprocess.run(["kubectl", "--kubeconfig", c.kubeconfig, "-n", NS, "scale",
                                      "sandboxwarmpool/web", "--replicas=5"], capture_output=True, text=True)
                self.assertEqual(out.returncode, 0, out.stderr)
                self.assertIn("scaled", out.stdout)
            else:
                c.patch("SandboxWarmPool", NS, "web", {"spec": {"replicas": 5}}, sub="scale")
            wait_members(c, "web", 5)
            scale = c.kube.get("/apis/extensions.agents.x-k8s.io/v1beta1/namespaces/default/sandboxwarmpools/web/scale").json()
            wait_status(c, "web", replicas=5, readyReplicas=2)
            scale = c.kube.get("/apis/extensions.agents.x-k8s.io/v1beta1/namespaces/default/sandboxwarmpools/web/scale").json()
            self.assertEqual(scale["kind"], "Scale")
            self.assertEqual(scale["spec"], {"replicas": 5})
            self.assertEqual(scale["status"], {"replicas": 5,
                                               "selector": "agents.x-k8s.io/warm-pool-sandbox=" + fnv("web")})
            # An HPA writes the scale subresource; scaling down removes the
            # not-Ready members first (the three new ones), keeping the Ready.
            c.patch("SandboxWarmPool", NS, "web", {"spec": {"replicas": 2}}, sub="scale")
            left = wait_members(c, "web", 2)
            self.assertEqual(sorted(s["metadata"]["uid"] for s in left),
                             sorted(s["metadata"]["uid"] for s in first))
            wait_status(c, "web", replicas=2, readyReplicas=2)
            # Among Ready members the newest goes first.
            newest = max(left, key=lambda s: (s["metadata"]["creationTimestamp"], s["metadata"]["name"]))
            c.patch("SandboxWarmPool", NS, "web", {"spec": {"replicas": 1}}, sub="scale")
            left = wait_members(c, "web", 1)
            if left[0]["metadata"]["creationTimestamp"] != newest["metadata"]["creationTimestamp"]:
                self.assertNotEqual(left[0]["metadata"]["uid"], newest["metadata"]["uid"])
            # Zero replicas empties the pool and the status says so.
            c.patch("SandboxWarmPool", NS, "web", {"spec": {"replicas": 0}}, sub="scale")
            wait_members(c, "web", 0)
            st = wait_status(c, "web", replicas=0, readyReplicas=0)
            self.assertEqual(st["selector"], "agents.x-k8s.io/warm-pool-sandbox=" + fnv("web"))

    def test_recreate_replaces_stale_members_now(self):
        with self.cluster() as c:
            c.create(template("py", containers=[{"name": "main", "image": "v1"}]))
            c.create(pool("rc", 2, strategy="Recreate"))
            old = wait_members(c, "rc", 2)
            old_hash = old[0]["metadata"]["labels"]["agents.x-k8s.io/sandbox-template-hash"]
            t = c.get("SandboxTemplate", NS, "py")
            t["spec"]["podTemplate"]["spec"]["containers"][0]["image"] = "v2"
            c.update(t)

            def replaced():
                m = members(c, "rc")
                return m if len(m) == 2 and all(image_of(s) == "v2" for s in m) else None
            new = wait_for(replaced, 15, what="members on v2")
            self.assertFalse({s["metadata"]["uid"] for s in new} & {s["metadata"]["uid"] for s in old})
            new_hash = new[0]["metadata"]["labels"]["agents.x-k8s.io/sandbox-template-hash"]
            self.assertNotEqual(new_hash, old_hash)
            self.assertEqual(new[0]["spec"]["podTemplate"]["metadata"]["labels"]
                             ["agents.x-k8s.io/sandbox-template-hash"], new_hash)
            time.sleep(0.5)
            self.assertEqual(len(members(c, "rc")), 2)
            self.assertEqual(writes(c, "POST", "/sandboxes"), 4)
            self.assertEqual(writes(c, "DELETE", "/sandboxes/"), 2,
                             [(r["path"], r["code"]) for r in c.control.requests() if r["method"] == "DELETE"])

    def test_onreplenish_keeps_stale_members_until_consumed(self):
        with self.cluster() as c:
            c.create(template("py", containers=[{"name": "main", "image": "v1"}]))
            c.create(pool("or", 2))
            old = wait_members(c, "or", 2)
            t = c.get("SandboxTemplate", NS, "py")
            t["spec"]["podTemplate"]["spec"]["containers"][0]["image"] = "v2"
            c.update(t)
            time.sleep(1.0)
            now = members(c, "or")
            self.assertEqual(sorted(s["metadata"]["uid"] for s in now), sorted(s["metadata"]["uid"] for s in old))
            self.assertTrue(all(image_of(s) == "v1" for s in now))
            # A member is consumed (here: deleted); its replacement is new.
            c.delete("Sandbox", NS, old[0]["metadata"]["name"])

            def refilled():
                m = members(c, "or")
                return m if len(m) == 2 and old[0]["metadata"]["uid"] not in [s["metadata"]["uid"] for s in m] else None
            m = wait_for(refilled, 10, what="replacement")
            images = sorted(image_of(s) for s in m)
            self.assertEqual(images, ["v1", "v2"])

    def test_missing_template_creates_nothing_until_it_appears(self):
        with self.cluster() as c:
            c.create(pool("later", 2, tmpl="not-yet"))
            st = wait_status(c, "later", replicas=0, observedGeneration=1)
            self.assertEqual(st["selector"], "agents.x-k8s.io/warm-pool-sandbox=" + fnv("later"))
            time.sleep(0.5)
            self.assertEqual(members(c, "later"), [])
            self.assertEqual(writes(c, "POST", "/sandboxes"), 0)
            c.create(template("not-yet"))
            wait_members(c, "later", 2)
            wait_status(c, "later", replicas=2)

    def test_adopts_orphans_and_repairs_launch_type(self):
        with self.cluster() as c:
            # The template is missing at first: nothing is created, but an
            # orphan carrying the pool's label is adopted.
            c.create(pool("ad", 3))
            spec = {"podTemplate": {"spec": {"containers": [{"name": "main", "image": "busybox:1.36"}],
                                             "automountServiceAccountToken": False, "dnsPolicy": "None",
                                             "dnsConfig": {"nameservers": ["8.8.8.8", "1.1.1.1"]}}}}
            orphan = {"apiVersion": "agents.x-k8s.io/v1beta1", "kind": "Sandbox",
                      "metadata": {"name": "stray", "namespace": NS,
                                   "labels": {POOL_LABEL: fnv("ad"),
                                              "agents.x-k8s.io/sandbox-template-ref-hash": fnv("py")}},
                      "spec": spec}
            c.create(orphan)
            p = c.get("SandboxWarmPool", NS, "ad")
            sb = c.wait_object("Sandbox", NS, "stray", lambda o: o["metadata"].get("ownerReferences"))
            self.assertEqual(sb["metadata"]["ownerReferences"], [{
                "apiVersion": "extensions.agents.x-k8s.io/v1beta1", "kind": "SandboxWarmPool", "name": "ad",
                "uid": p["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}])
            self.assertEqual(sb["metadata"]["labels"], {POOL_LABEL: fnv("ad"),
                                                        "agents.x-k8s.io/sandbox-template-ref-hash": fnv("py"),
                                                        "agents.x-k8s.io/launch-type": "warm"})
            wait_status(c, "ad", replicas=1)
            # The template appears: the adopted member matches it and counts.
            c.create(template("py"))
            got = wait_members(c, "ad", 3)
            self.assertIn("stray", [s["metadata"]["name"] for s in got])
            time.sleep(0.5)
            self.assertEqual(writes(c, "POST", "/sandboxes"), 3)  # the orphan (by the test) and two members
            # Pool-owned member missing launch-type: put back by an Update.
            victim = [s for s in got if s["metadata"]["name"] != "stray"][0]
            del victim["metadata"]["labels"]["agents.x-k8s.io/launch-type"]
            c.update(victim)
            wait_for(lambda: c.get("Sandbox", NS, victim["metadata"]["name"])["metadata"]["labels"]
                     .get("agents.x-k8s.io/launch-type") == "warm", 10, what="launch-type repaired")
            # A stale orphan is deleted, not adopted.
            stale = json.loads(json.dumps(orphan))
            stale["metadata"]["name"] = "stale-stray"
            stale["spec"]["podTemplate"]["spec"]["containers"][0]["image"] = "something-else"
            c.create(stale)
            c.wait_gone("Sandbox", NS, "stale-stray")
            # Another controller's Sandbox with the label is left alone.
            foreign = json.loads(json.dumps(orphan))
            foreign["metadata"]["name"] = "foreign"
            foreign["spec"]["podTemplate"]["spec"]["containers"][0]["image"] = "something-else"
            other = c.create(pool("other", 0))
            foreign["metadata"]["ownerReferences"] = [{
                "apiVersion": "extensions.agents.x-k8s.io/v1beta1", "kind": "SandboxWarmPool", "name": "other",
                "uid": other["metadata"]["uid"], "controller": True}]
            c.create(foreign)
            time.sleep(1.0)
            fg = c.get("Sandbox", NS, "foreign")
            self.assertIsNotNone(fg)
            self.assertEqual(fg["metadata"]["ownerReferences"][0]["uid"], other["metadata"]["uid"])
            self.assertEqual(len([s for s in members(c, "ad") if s["metadata"]["name"] != "foreign"]), 3)
            wait_status(c, "ad", replicas=3)

    def test_lagging_cache_never_over_creates(self):
        with self.cluster() as c:
            c.create(template("py"))
            c.create(pool("lag", 2))
            wait_members(c, "lag", 2)
            wait_status(c, "lag", replicas=2)
            time.sleep(0.3)
            c.control.clear_requests()
            # The Sandbox watch is cut and its reconnection (list and watch)
            # held back 3 s: the controller's Sandbox cache lags while the
            # pool keeps being reconciled (scale, status writes, touches).
            c.control.delay(3000, path="/apis/agents.x-k8s.io/v1beta1/sandboxes$", seconds=2.5, methods=["GET"])
            c.control.drop_watches()
            c.patch("SandboxWarmPool", NS, "lag", {"spec": {"replicas": 8}})
            for i in range(5):
                time.sleep(0.3)
                c.patch("SandboxWarmPool", NS, "lag", {"metadata": {"annotations": {"touch": str(i)}}})
            wait_members(c, "lag", 8, timeout=15)
            wait_status(c, "lag", replicas=8)
            time.sleep(1.0)
            self.assertEqual(len(members(c, "lag")), 8)
            log = [(r.get("method"), r.get("path"), r.get("code"), r.get("delayMs"), r.get("watch"))
                   for r in c.control.requests() if "/sandboxes" in r.get("path", "")]
            self.assertEqual(writes(c, "POST", "/sandboxes"), 6, "\n".join(map(str, log)))
            self.assertEqual(writes(c, "DELETE", "/sandboxes/"), 0)

    def test_stuck_members_are_replaced_and_unschedulable_ones_held(self):
        with self.cluster("--sandbox-warm-pool-readiness-grace-period=2s") as c:
            events_served = c.kube.get("/apis/events.k8s.io/v1").status == 200
            c.create(template("py"))
            # Stuck: never Ready, no pod at all: replaced after the grace.
            c.create(pool("stuck", 1))
            first = wait_members(c, "stuck", 1)[0]

            def replaced():
                m = members(c, "stuck")
                return m if m and m[0]["metadata"]["uid"] != first["metadata"]["uid"] else None
            wait_for(replaced, 12, what="stuck member replaced")

            # Unschedulable: its pod fits no node: held past the grace.
            c.create(pool("full", 1))
            held = wait_members(c, "full", 1)[0]
            c.create({"apiVersion": "v1", "kind": "Pod",
                      "metadata": {"name": held["metadata"]["name"], "namespace": NS},
                      "spec": {"nodeSelector": {"pool": "gpu"},
                               "containers": [{"name": "main", "image": "busybox"}]}})
            c.wait_condition("Pod", NS, held["metadata"]["name"], "PodScheduled", "False", "Unschedulable")
            time.sleep(4.5)  # past the grace plus the post-grace requeue
            m = members(c, "full")
            self.assertEqual([s["metadata"]["uid"] for s in m], [held["metadata"]["uid"]])
            if events_served:
                want = ("1/1 sandboxes are unschedulable past the 2s readiness grace period; holding them "
                        "instead of replacing (replacements would be equally unschedulable)")
                ev = wait_for(lambda: [e for e in c.events(NS, "full") if e.get("reason") == "WarmPoolNotProgressing"],
                              10, what="WarmPoolNotProgressing event")
                self.assertEqual(len(ev), 1)
                self.assertEqual(ev[0]["type"], "Warning")
                self.assertEqual(ev[0]["action"], "Reconciling")
                self.assertEqual(ev[0]["note"], want)
                self.assertEqual(ev[0]["reportingController"], "sandboxwarmpool-controller")
            # Capacity arrives: the pod is scheduled, the member becomes Ready,
            # and the pool says it progresses again.
            c.control.add_node(labels={"pool": "gpu"})
            c.wait_condition("Pod", NS, held["metadata"]["name"], "PodScheduled", "True")
            set_ready(c, held)
            wait_status(c, "full", replicas=1, readyReplicas=1)
            if events_served:
                ev = wait_for(lambda: [e for e in c.events(NS, "full") if e.get("reason") == "WarmPoolProgressing"],
                              10, what="WarmPoolProgressing event")
                self.assertEqual(ev[0]["type"], "Normal")
                self.assertEqual(ev[0]["note"], "Warm pool is progressing again")
            self.assertEqual([s["metadata"]["uid"] for s in members(c, "full")], [held["metadata"]["uid"]])


class PoolWithSandboxControllerTest(unittest.TestCase):
    """The pool beside the Sandbox controller and the node simulator: real
    pods, readiness from their status, unschedulable pods from the
    scheduler."""

    def test_members_become_ready_through_their_pods(self):
        with Cluster(nodes=2, controller_args=["--controllers", "sandbox,template,pool",
                                               "--leader-elect=false"]) as c:
            c.create(template("py"))
            c.create(pool("live", 3))
            wait_status(c, "live", replicas=3, readyReplicas=3)
            for sb in members(c, "live"):
                name = sb["metadata"]["name"]
                self.assertEqual(condition(sb, "Ready")["status"], "True")
                pod = c.get("Pod", NS, name)
                self.assertEqual(pod["status"]["phase"], "Running")
                self.assertEqual(pod["metadata"]["labels"][POOL_LABEL], fnv("live"))
                self.assertEqual(pod["metadata"]["annotations"]["cluster-autoscaler.kubernetes.io/safe-to-evict"],
                                 "true")
                self.assertIs(pod["spec"]["automountServiceAccountToken"], False)
                self.assertEqual(pod["spec"]["dnsPolicy"], "None")

    def test_unschedulable_pool_is_held_with_events(self):
        with Cluster(nodes=1, controller_args=["--controllers", "sandbox,template,pool", "--leader-elect=false",
                                               "--sandbox-warm-pool-readiness-grace-period=2s"]) as c:
            c.create(template("gpu", podTemplate={"spec": {"nodeSelector": {"accel": "gpu"},
                                                           "containers": [{"name": "main", "image": "busybox"}]}}))
            c.create(pool("gpu", 2, tmpl="gpu"))
            held = wait_members(c, "gpu", 2)
            for sb in held:
                c.wait_condition("Pod", NS, sb["metadata"]["name"], "PodScheduled", "False", "Unschedulable")
            want = ("2/2 sandboxes are unschedulable past the 2s readiness grace period; holding them instead of "
                    "replacing (replacements would be equally unschedulable)")
            ev = wait_for(lambda: [e for e in c.events(NS, "gpu") if e.get("reason") == "WarmPoolNotProgressing"],
                          15, what="WarmPoolNotProgressing event")
            self.assertEqual((ev[0]["type"], ev[0]["action"], ev[0]["note"]), ("Warning", "Reconciling", want))
            self.assertEqual(ev[0]["regarding"]["kind"], "SandboxWarmPool")
            self.assertEqual(ev[0]["regarding"]["name"], "gpu")
            time.sleep(1.0)
            self.assertEqual(sorted(s["metadata"]["uid"] for s in members(c, "gpu")),
                             sorted(s["metadata"]["uid"] for s in held))
            self.assertEqual(len([e for e in c.events(NS, "gpu") if e.get("reason") == "WarmPoolNotProgressing"]), 1)
            # A GPU node joins: the pool fills with Ready members and reports
            # progress. (As upstream, a held member past its grace whose pod is
            # scheduled but not yet Ready when a pass runs is replaced, so the
            # members may be new ones.)
            c.control.add_node(labels={"accel": "gpu"})
            st = wait_status(c, "gpu", replicas=2, readyReplicas=2)
            self.assertEqual(st["selector"], "agents.x-k8s.io/warm-pool-sandbox=" + fnv("gpu"))
            ev = wait_for(lambda: [e for e in c.events(NS, "gpu") if e.get("reason") == "WarmPoolProgressing"],
                          15, what="WarmPoolProgressing event")
            self.assertEqual((ev[0]["type"], ev[0]["note"]), ("Normal", "Warm pool is progressing again"))

class PoolUnderFaultsTest(unittest.TestCase):
    def test_kill_9_mid_fill_then_restart_never_exceeds_replicas(self):
        # With leader election, as deployed: the new replica takes over only
        # once the dead one's lease expired, by when every create it had in
        # flight has landed (restarting at once, without election, a create
        # the API server is still holding can land after the new replica's
        # first list, and the pool briefly goes over and then trims).
        lease = ["--controllers", "pool", "--leader-elect=true", "--leader-election-namespace", NS,
                 "--leader-election-lease-duration=2s", "--leader-election-renew-deadline=1s",
                 "--leader-election-retry-period=200ms"]
        with Cluster(nodes=None, controller_args=lease) as c:
            c.create(template("py"))
            # Slow creates so the kill lands in the middle of the fill.
            c.control.delay(40, path="/sandboxes$", methods=["POST"], seconds=30)
            c.create(pool("k9", 60))
            wait_for(lambda: len(members(c, "k9")) >= 10, 15, what="fill under way")
            c.controller.proc.kill()
            c.controller.proc.wait()
            partial = len(members(c, "k9"))
            self.assertLess(partial, 60)
            c.control.reset()
            c.start_controller()
            peak = [0]

            def full():
                n = len(members(c, "k9"))
                peak[0] = max(peak[0], n)
                return n == 60
            wait_for(full, 30, what="60 members after the restart")
            time.sleep(1.0)
            self.assertEqual(len(members(c, "k9")), 60)
            self.assertLessEqual(peak[0], 60)
            self.assertEqual(writes(c, "DELETE", "/sandboxes/"), 0)
            wait_status(c, "k9", replicas=60)

    def test_converges_through_errors_throttling_and_watch_failures(self):
        with Cluster(nodes=None, controller_args=CTL) as c:
            c.create(template("py"))
            # Three creates answered 500, then two 429s with Retry-After; the
            # watches drop every second and the history is compacted (410).
            c.control.fail(count=3, code=500, path="/sandboxes$", methods=["POST"])
            c.control.throttle(count=2, retry_after=1, path="/sandboxes$", methods=["POST"])
            c.control.close_watches_every(1)
            c.create(pool("faulty", 12))
            time.sleep(1.5)
            c.control.compact()
            wait_members(c, "faulty", 12, timeout=40)
            c.control.reset()
            time.sleep(1.5)
            self.assertEqual(len(members(c, "faulty")), 12)
            posts = [r for r in c.control.requests() if r.get("method") == "POST" and r["path"].endswith("/sandboxes")]
            self.assertEqual(sum(1 for r in posts if r.get("code") == 201), 12)
            self.assertEqual(sum(1 for r in posts if r.get("code") == 500), 3)
            self.assertEqual(writes(c, "DELETE", "/sandboxes/"), 0)
            wait_status(c, "faulty", replicas=12)

if __name__ == "__main__":
    unittest.main()
