"""SandboxClaim reconciler against the test API server: every UPSTREAM.md §5
scenario, objects checked field by field, and the API writes each costs.

Runs warmpool-controller --controllers=claim; pools and their members are
made by the test (see claim_objects.py)."""
import time
import unittest

from harness import APIError, Cluster, condition, fnv, metric_value, wait_for
from claim_objects import add_member, claim, member_object, pool, ready_status, template, writes

EXT = "extensions.agents.x-k8s.io/v1beta1"


class ClaimTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Cluster(nodes=None, controller_args=["--controllers", "claim", "--leader-elect=false"])
        cls.c.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.c.__exit__(None, None, None)

    def setUp(self):
        self.ns = ("t-%s" % self._testMethodName.replace("_", "-")[:50]).rstrip("-")
        self.c.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": self.ns}})

    # --- helpers -------------------------------------------------------------
    def setup_pool(self, name="pool", tmpl="tmpl", members=(), **tspec):
        c, ns = self.c, self.ns
        c.create(template(tmpl, ns, **tspec))
        p = c.create(pool(name, tmpl, ns))
        for i, m in enumerate(members):
            add_member(c, p, tmpl, m, ip="10.244.1.%d" % (i + 10))
        return p

    def cache_caught_up(self):
        """Returns once the controller's Sandbox cache holds every Sandbox
        write made so far: a fence Sandbox (no pool label: no candidate) is
        written last on the same watch stream, so once the cache counts it,
        every earlier member and status change is in. Without this, under
        load a claim can be reconciled against an older view (as upstream's
        would) and bind a different member than the test set up."""
        c = self.c

        def cached():
            return metric_value(c.controller.metrics(), "warmpool_controller_cached_sandboxes") or 0
        before = cached()
        c.create({"apiVersion": "agents.x-k8s.io/v1beta1", "kind": "Sandbox",
                  "metadata": {"name": "cache-fence", "namespace": self.ns},
                  "spec": {"podTemplate": {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}}})
        wait_for(lambda: cached() >= before + 1, 10, what="the controller's cache to see the fence")

    def ready(self, name, reason=None, status="True", timeout=10):
        return self.c.wait_condition("SandboxClaim", self.ns, name, "Ready", status, reason, timeout)

    def events_for(self, name):
        return [(e.get("reason"), e.get("action"), e.get("note")) for e in self.c.events(self.ns, name)]

    def expect_event(self, name, event):
        """Waits for an events.k8s.io/v1 Event about claim `name` (skipped
        while the test API server does not serve that group yet)."""
        try:
            self.c.list("Event", self.ns)
        except APIError as e:
            if e.status == 404:
                return
            raise
        wait_for(lambda: event in self.events_for(name), what="event %r" % (event,))

    # --- warm adoption -------------------------------------------------------
    def test_warm_adoption_binds_in_two_writes(self):
        c, ns = self.c, self.ns
        p = self.setup_pool(members=["pool-aaaaa"], pod_labels={"team": "a"},
                            pod_annotations={"note": "from-template"})
        t0 = time.time()
        cl = c.create(claim("alice", "pool", ns, labels={"agents.x-k8s.io/created-by": "python-client"},
                            annotations={"opentelemetry.io/trace-context": '{"traceparent":"00-1"}'},
                            additionalPodMetadata={"labels": {"sandbox.users.io/user": "alice"}}))
        got = self.ready("alice", "DependenciesReady")
        self.assertEqual(got["status"]["sandbox"], {"name": "pool-aaaaa", "podIPs": ["10.244.1.10"]})
        r = condition(got, "Ready")
        self.assertEqual((r["status"], r["message"], r["observedGeneration"]), ("True", "Pod is Ready", 1))
        self.assertEqual([x["type"] for x in got["status"]["conditions"]], ["Ready"])

        sb = c.get("Sandbox", ns, "pool-aaaaa")
        m = sb["metadata"]
        self.assertEqual(m["ownerReferences"], [{"apiVersion": EXT, "kind": "SandboxClaim", "name": "alice",
                                                 "uid": cl["metadata"]["uid"], "controller": True,
                                                 "blockOwnerDeletion": True}])
        self.assertEqual(m["labels"], {"agents.x-k8s.io/launch-type": "warm",
                                       "agents.x-k8s.io/created-by": "python-client",
                                       "agents.x-k8s.io/claim-uid": cl["metadata"]["uid"],
                                       "agents.x-k8s.io/sandbox-template-ref-hash": fnv("tmpl")})
        self.assertEqual(m["annotations"], {"agents.x-k8s.io/sandbox-template-ref": "tmpl",
                                            "agents.x-k8s.io/pod-name": "pool-aaaaa",
                                            "opentelemetry.io/trace-context": '{"traceparent":"00-1"}'})
        self.assertEqual(sb["spec"]["podTemplate"]["metadata"],
                         {"labels": {"team": "a", "sandbox.users.io/user": "alice",
                                     "agents.x-k8s.io/claim-uid": cl["metadata"]["uid"],
                                     "agents.x-k8s.io/created-by": "python-client",
                                     "agents.x-k8s.io/sandbox-template-ref-hash": fnv("tmpl")},
                          "annotations": {"note": "from-template"}})
        self.expect_event("alice", ("SandboxAdopted", "Adoption", 'Adopted warm pool Sandbox "pool-aaaaa"'))

        # The binding costs two writes: the Sandbox patch and the claim status.
        w = [x for x in writes(c, t0) if "/namespaces/%s/" % ns in x[1]]
        hot = [x for x in w if not (x[0] == "PATCH" and x[1].endswith("/sandboxclaims/alice"))]
        self.assertEqual(hot, [("PATCH", "/apis/agents.x-k8s.io/v1beta1/namespaces/%s/sandboxes/pool-aaaaa" % ns, 200),
                               ("PATCH", "/apis/extensions.agents.x-k8s.io/v1beta1/namespaces/%s/sandboxclaims/alice/status" % ns, 200)])
        # claim-first-ready-at and controller-first-observed-at follow off the
        # hot path, together in one metadata patch.
        got = c.wait_object("SandboxClaim", ns, "alice",
                            lambda o: "agents.x-k8s.io/claim-first-ready-at" in o["metadata"].get("annotations", {}))
        self.assertIn("agents.x-k8s.io/controller-first-observed-at", got["metadata"]["annotations"])
        w = [x for x in writes(c, t0) if "/namespaces/%s/" % ns in x[1]]
        self.assertEqual(w[2:], [("PATCH", "/apis/extensions.agents.x-k8s.io/v1beta1/namespaces/%s/sandboxclaims/alice" % ns, 200)])

    def test_ready_member_is_preferred_and_ip_less_members_wait(self):
        c, ns = self.c, self.ns
        p = self.setup_pool()
        add_member(c, p, "tmpl", "pool-noip", ip=None)
        add_member(c, p, "tmpl", "pool-unready", ip="10.244.2.1", ready=False)
        add_member(c, p, "tmpl", "pool-ready", ip="10.244.2.2")
        self.cache_caught_up()
        c.create(claim("bob", "pool", ns))
        got = self.ready("bob")
        self.assertEqual(got["status"]["sandbox"]["name"], "pool-ready")
        # the unready one is next (with IPs), the IP-less one is never taken
        c.create(claim("carol", "pool", ns))
        got = self.ready("carol", "DependenciesNotReady", status="False")
        self.assertEqual(got["status"]["sandbox"], {"name": "pool-unready", "podIPs": ["10.244.2.1"]})
        self.assertIsNotNone(c.get("Sandbox", ns, "pool-noip")["metadata"]["labels"].get(
            "agents.x-k8s.io/warm-pool-sandbox"))

    def test_sandbox_ready_later_reaches_the_claim(self):
        c, ns = self.c, self.ns
        p = self.setup_pool()
        add_member(c, p, "tmpl", "pool-late", ip="10.244.3.1", ready=False)
        c.create(claim("dave", "pool", ns))
        self.ready("dave", "DependenciesNotReady", status="False")
        c.patch("Sandbox", ns, "pool-late", ready_status("10.244.3.1"), sub="status")
        got = self.ready("dave", "DependenciesReady")
        self.assertEqual(got["status"]["sandbox"]["podIPs"], ["10.244.3.1"])

    # --- cold start ------------------------------------------------------------
    def test_empty_pool_cold_starts_from_the_template(self):
        c, ns = self.c, self.ns
        self.setup_pool(pod_labels={"team": "a"})
        cl = c.create(claim("erin", "pool", ns))
        sb = c.wait_object("Sandbox", ns, "erin")
        m = sb["metadata"]
        self.assertEqual(m["labels"], {"agents.x-k8s.io/launch-type": "cold",
                                       "agents.x-k8s.io/claim-uid": cl["metadata"]["uid"],
                                       "agents.x-k8s.io/sandbox-template-ref-hash": fnv("tmpl")})
        self.assertEqual(m["annotations"], {"agents.x-k8s.io/sandbox-template-ref": "tmpl"})
        self.assertEqual(m["ownerReferences"][0]["uid"], cl["metadata"]["uid"])
        self.assertEqual(sb["spec"]["podTemplate"]["metadata"]["labels"],
                         {"team": "a", "agents.x-k8s.io/claim-uid": cl["metadata"]["uid"],
                          "agents.x-k8s.io/sandbox-template-ref-hash": fnv("tmpl")})
        pod = sb["spec"]["podTemplate"]["spec"]
        self.assertEqual(pod["automountServiceAccountToken"], False)
        self.assertEqual(pod["dnsPolicy"], "None")
        self.assertEqual(pod["dnsConfig"], {"nameservers": ["8.8.8.8", "1.1.1.1"]})
        got = self.ready("erin", "SandboxNotReady", status="False")
        self.assertEqual(condition(got, "Ready")["message"], "Sandbox is not ready")
        self.assertEqual(got["status"]["sandbox"], {"name": "erin"})
        self.expect_event("erin", ("SandboxProvisioned", "Provisioning", 'Created Sandbox "erin"'))
        c.patch("Sandbox", ns, "erin", ready_status("10.244.4.1"), sub="status")
        self.assertEqual(self.ready("erin")["status"]["sandbox"]["podIPs"], ["10.244.4.1"])

    def test_env_claim_is_cold_started_with_env_even_with_warm_members(self):
        c, ns = self.c, self.ns
        self.setup_pool(members=["pool-spare"], envVarsInjectionPolicy="Allowed")
        c.create(claim("frank", "pool", ns, env=[{"name": "MODE", "value": "x"}]))
        sb = c.wait_object("Sandbox", ns, "frank")
        self.assertEqual(sb["spec"]["podTemplate"]["spec"]["containers"][0]["env"], [{"name": "MODE", "value": "x"}])
        self.assertEqual(sb["metadata"]["labels"]["agents.x-k8s.io/launch-type"], "cold")
        self.assertIn("agents.x-k8s.io/warm-pool-sandbox", c.get("Sandbox", ns, "pool-spare")["metadata"]["labels"])

    def test_env_rejected_by_policy(self):
        c, ns = self.c, self.ns
        self.setup_pool()
        c.create(claim("gina", "pool", ns, env=[{"name": "MODE", "value": "x"}]))
        got = self.ready("gina", "EnvVarsInjectionRejected", status="False")
        self.assertEqual(condition(got, "Ready")["message"],
                         "environment variable injection rejected: environment variable injection is not allowed "
                         "by the template policy")
        self.assertIsNone(c.get("Sandbox", ns, "gina"))

    def test_volume_claim_templates_disallowed(self):
        c, ns = self.c, self.ns
        self.setup_pool()
        c.create(claim("hank", "pool", ns, volumeClaimTemplates=[
            {"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"],
                                                    "resources": {"requests": {"storage": "1Gi"}}}}]))
        got = self.ready("hank", "VolumeClaimTemplatesError", status="False")
        self.assertEqual(condition(got, "Ready")["message"],
                         "failed to merge volume claim templates: volume claim templates are disallowed by the template")

    def test_spoofed_pod_metadata_is_refused_without_the_webhook(self):
        c, ns = self.c, self.ns
        self.setup_pool(members=["pool-x"])
        c.create(claim("ivan", "pool", ns, additionalPodMetadata={"labels": {"app": "sandbox-router"}}))
        got = self.ready("ivan", "InvalidMetadata", status="False")
        self.assertTrue(condition(got, "Ready")["message"].startswith(
            "invalid additionalPodMetadata: spec.additionalPodMetadata.labels[app]: Forbidden: "))
        self.assertIn("agents.x-k8s.io/warm-pool-sandbox", c.get("Sandbox", ns, "pool-x")["metadata"]["labels"])

    def test_name_taken_by_a_foreign_sandbox(self):
        c, ns = self.c, self.ns
        self.setup_pool()
        c.create({"apiVersion": "agents.x-k8s.io/v1beta1", "kind": "Sandbox", "metadata": {"name": "judy"},
                  "spec": {"podTemplate": {"spec": {"containers": [{"name": "m", "image": "i"}]}}}}, ns)
        c.create(claim("judy", "pool", ns))
        got = self.ready("judy", "ReconcilerError", status="False")
        self.assertEqual(condition(got, "Ready")["message"],
                         'Error seen: sandbox "judy" is not controlled by claim "judy". Please use a different '
                         'claim name or delete the sandbox manually')

    def test_create_pending_while_the_cache_lags(self):
        c, ns = self.c, self.ns
        self.setup_pool()
        # Sandbox watches reconnect 3 s late: the cache will not see "sam".
        c.control.delay(3000, path="/sandboxes$", methods=["GET"], count=3)
        try:
            c.control.drop_watches()
            time.sleep(0.2)
            c.create({"apiVersion": "agents.x-k8s.io/v1beta1", "kind": "Sandbox", "metadata": {"name": "sam"},
                      "spec": {"podTemplate": {"spec": {"containers": [{"name": "m", "image": "i"}]}}}}, ns)
            c.create(claim("sam", "pool", ns))
            got = self.ready("sam", "SandboxCreatePending", status="False", timeout=3)
            self.assertEqual(condition(got, "Ready")["message"],
                             "Sandbox already created; waiting for cache to converge")
        finally:
            c.control.reset()
        # Once the cache has it: not ours, and the claim says so.
        self.ready("sam", "ReconcilerError", status="False", timeout=10)

    # --- missing references ----------------------------------------------------
    def test_missing_pool_then_pool_appears(self):
        c, ns = self.c, self.ns
        c.create(claim("kim", "later", ns))
        got = self.ready("kim", "WarmPoolNotFound", status="False")
        self.assertEqual(condition(got, "Ready")["message"], 'SandboxWarmPool "later" not found')
        c.create(template("tmpl", ns))
        c.create(pool("later", "tmpl", ns))
        c.wait_object("Sandbox", ns, "kim", timeout=5)
        self.ready("kim", "SandboxNotReady", status="False")

    def test_missing_template_then_template_appears(self):
        c, ns = self.c, self.ns
        c.create(pool("pool", "notyet", ns))
        c.create(claim("lee", "pool", ns))
        got = self.ready("lee", "TemplateNotFound", status="False")
        self.assertEqual(condition(got, "Ready")["message"], 'SandboxTemplate "notyet" not found')
        c.create(template("notyet", ns))
        c.wait_object("Sandbox", ns, "lee", timeout=5)

    # --- lifecycle -------------------------------------------------------------
    def test_expiry_retain_deletes_the_sandbox_and_keeps_the_claim(self):
        c, ns = self.c, self.ns
        self.setup_pool(members=["pool-exp"])
        c.create(claim("mia", "pool", ns))
        self.ready("mia")
        past = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
        c.patch("SandboxClaim", ns, "mia", {"spec": {"lifecycle": {"shutdownTime": past, "shutdownPolicy": "Retain"}}})
        got = self.ready("mia", "ClaimExpired", status="False")
        self.assertEqual(condition(got, "Ready")["message"], "Claim expired. Sandbox cleanup initiated.")
        c.wait_gone("Sandbox", ns, "pool-exp")
        self.expect_event("mia", ("ClaimExpired", "Claim Expired", "Claim expired"))
        got = c.get("SandboxClaim", ns, "mia")
        self.assertEqual(condition(got, "Ready")["reason"], "ClaimExpired")

    def test_expiry_delete_removes_the_claim(self):
        c, ns = self.c, self.ns
        self.setup_pool()
        past = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
        c.create(claim("ned", "pool", ns, lifecycle={"shutdownTime": past, "shutdownPolicy": "Delete"}))
        c.wait_gone("SandboxClaim", ns, "ned")
        self.expect_event("ned", ("ClaimExpired", "Deleting", "Deleting Claim (ShutdownPolicy=Delete)"))

    def test_expiry_delete_foreground_takes_the_sandbox_first(self):
        c, ns = self.c, self.ns
        self.setup_pool(members=["pool-fg"])
        c.create(claim("nora", "pool", ns))
        self.ready("nora")
        soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
        c.patch("SandboxClaim", ns, "nora",
                {"spec": {"lifecycle": {"shutdownTime": soon, "shutdownPolicy": "DeleteForeground"}}})
        c.wait_gone("SandboxClaim", ns, "nora")
        c.wait_gone("Sandbox", ns, "pool-fg")
        self.expect_event("nora", ("ClaimExpired", "Deleting", "Deleting Claim (ShutdownPolicy=DeleteForeground)"))

    def test_finished_sandbox_expires_the_claim_after_its_ttl(self):
        c, ns = self.c, self.ns
        self.setup_pool(members=["pool-fin"])
        c.create(claim("otto", "pool", ns, lifecycle={"ttlSecondsAfterFinished": 1, "shutdownPolicy": "Retain"}))
        self.ready("otto")
        st = ready_status("10.244.1.10")["status"]
        st["conditions"].append({"type": "Finished", "status": "True", "reason": "PodSucceeded",
                                 "message": "Pod completed successfully",
                                 "lastTransitionTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        c.patch("Sandbox", ns, "pool-fin", {"status": st}, sub="status")
        got = c.wait_object("SandboxClaim", ns, "otto", lambda o: condition(o, "Finished"))
        self.assertEqual(condition(got, "Finished")["reason"], "PodSucceeded")
        self.ready("otto", "ClaimExpired", status="False", timeout=8)
        c.wait_gone("Sandbox", ns, "pool-fin")

    # --- Recreate pools: stale members are not handed out -------------------
    def test_recreate_pool_refuses_a_stale_member_onreplenish_takes_it(self):
        c, ns = self.c, self.ns
        c.create(template("tmpl", ns))
        for name, strategy in (("strict", "Recreate"), ("lenient", None)):
            p = c.create(pool(name, "tmpl", ns, strategy=strategy))
            member = member_object(p, "tmpl", name + "-old")
            member["spec"]["podTemplate"]["spec"]["containers"][0]["image"] = "busybox:1.35"  # not the template's
            c.create(member)
            c.patch("Sandbox", ns, name + "-old", ready_status("10.244.6.%d" % len(name)), sub="status")
        c.create(claim("pat", "strict", ns))
        got = self.ready("pat", "SandboxNotReady", status="False")
        self.assertEqual(got["status"]["sandbox"], {"name": "pat"})  # cold: the stale member stays
        self.assertIn("agents.x-k8s.io/warm-pool-sandbox", c.get("Sandbox", ns, "strict-old")["metadata"]["labels"])
        c.create(claim("quinn", "lenient", ns))
        self.assertEqual(self.ready("quinn")["status"]["sandbox"]["name"], "lenient-old")


class UpstreamBoundClaimTest(unittest.TestCase):
    """A claim bound by upstream's controller (legacy `sandbox-name` label,
    Sandbox controlled by the claim, no status yet) is picked up as it is
    when warmpool starts: the label moves to the annotation, nothing is
    adopted again."""

    def test_claim_bound_by_upstream_keeps_its_sandbox(self):
        with Cluster(nodes=None, start_controller=False) as c:
            ns = "default"
            c.create(template("tmpl", ns))
            p = c.create(pool("pool", "tmpl", ns))
            add_member(c, p, "tmpl", "pool-other")
            cl = c.create(claim("olga", "pool", ns, labels={"agents.x-k8s.io/sandbox-name": "pool-olga"}))
            c.create({"apiVersion": "agents.x-k8s.io/v1beta1", "kind": "Sandbox",
                      "metadata": {"name": "pool-olga", "labels": {"agents.x-k8s.io/launch-type": "warm"},
                                   "ownerReferences": [{"apiVersion": EXT, "kind": "SandboxClaim", "name": "olga",
                                                        "uid": cl["metadata"]["uid"], "controller": True}]},
                      "spec": {"podTemplate": {"spec": {"containers": [{"name": "m", "image": "i"}]}}}}, ns)
            c.patch("Sandbox", ns, "pool-olga", ready_status("10.244.5.5"), sub="status")
            c.start_controller("--controllers", "claim", "--leader-elect=false")
            got = c.wait_condition("SandboxClaim", ns, "olga", "Ready", "True")
            self.assertEqual(got["status"]["sandbox"], {"name": "pool-olga", "podIPs": ["10.244.5.5"]})
            got = c.wait_object("SandboxClaim", ns, "olga",
                                lambda o: "agents.x-k8s.io/sandbox-name" not in o["metadata"].get("labels", {}))
            self.assertEqual(got["metadata"]["annotations"]["agents.x-k8s.io/sandbox-name"], "pool-olga")
            self.assertIn("agents.x-k8s.io/warm-pool-sandbox",
                          c.get("Sandbox", ns, "pool-other")["metadata"]["labels"])


if __name__ == "__main__":
    unittest.main()
