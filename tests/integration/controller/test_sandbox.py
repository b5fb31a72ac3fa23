#!/usr/bin/env python3
"""The Sandbox reconciler against the test API server and its node simulator:
every scenario of UPSTREAM.md §3, checked on the resulting objects field by
field (Pod, Service, PVCs, Sandbox status and conditions, events, metrics).

One cluster (API server + controller) serves the whole file; each test uses
its own Sandbox names.
"""
import time
import unittest

from harness import (Cluster, condition, container, fnv, metric_value, sandbox, wait_for)

NS = "default"


def conds(obj):
    return [c["type"] for c in obj["status"]["conditions"]]


class SandboxTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Cluster(nodes=2, controller_args=["--controllers", "sandbox", "--cluster-domain", "example.test"])
        cls.c.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.c.__exit__(None, None, None)

    def ready(self, name, timeout=10):
        return self.c.wait_condition("Sandbox", NS, name, "Ready", "True", timeout=timeout)

    # --- the Pod -------------------------------------------------------------
    def test_pod_is_created_with_upstream_metadata_and_status_mirrors_it(self):
        c = self.c
        c.create(sandbox("basic", labels={"agents.x-k8s.io/created-by": "python-client"},
                         pod_labels={"app": "web", "agents.x-k8s.io/claim-uid": "u1", "tier": "a"},
                         pod_annotations={"note": "x", "opentelemetry.io/trace-context": "{}",
                                          "extensions.agents.x-k8s.io/y": "z"},
                         containers=[container(env=[{"name": "A", "value": "1"}])]))
        sb = self.ready("basic")
        pod = c.get("Pod", NS, "basic")
        h = fnv("basic")
        self.assertEqual(pod["metadata"]["labels"], {
            "app": "web", "tier": "a", "agents.x-k8s.io/sandbox-name-hash": h,
            "agents.x-k8s.io/created-by": "python-client"})
        ann = pod["metadata"]["annotations"]
        self.assertEqual(ann, {"note": "x", "agents.x-k8s.io/propagated-labels": "app,tier",
                               "agents.x-k8s.io/propagated-annotations": "note"})
        ref = pod["metadata"]["ownerReferences"]
        self.assertEqual(ref, [{"apiVersion": "agents.x-k8s.io/v1beta1", "kind": "Sandbox", "name": "basic",
                                "uid": sb["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}])
        self.assertEqual(pod["spec"]["containers"][0]["env"], [{"name": "A", "value": "1"}])
        self.assertNotIn("hostname", pod["spec"])
        self.assertEqual(sb["metadata"]["annotations"]["agents.x-k8s.io/pod-name"], "basic")
        st = sb["status"]
        self.assertEqual(conds(sb), ["Suspended", "PodScheduled", "Ready"])
        ready = condition(sb, "Ready")
        self.assertEqual((ready["reason"], ready["message"], ready["observedGeneration"]),
                         ("DependenciesReady", "Pod is Ready", 1))
        self.assertEqual(condition(sb, "Suspended")["reason"], "NotSuspended")
        self.assertEqual(condition(sb, "Suspended")["message"], "Sandbox is not suspended")
        self.assertEqual(condition(sb, "PodScheduled")["status"], "True")
        pod = c.get("Pod", NS, "basic")
        self.assertEqual(st["podIPs"], [ip["ip"] for ip in pod["status"]["podIPs"]])
        self.assertEqual(st["nodeName"], pod["spec"]["nodeName"])
        self.assertEqual(st["selector"], "agents.x-k8s.io/sandbox-name-hash=" + h)
        self.assertNotIn("service", st)
        self.assertNotIn("serviceFQDN", st)

    def test_pod_cache_lagging_our_create_keeps_condition_order(self):
        # The Pod cache lags the controller's own create: the next pass
        # does not see the pod, its create gets AlreadyExists, and (as
        # upstream) it treats the pod as existing instead of dropping
        # PodScheduled (which a later pass would re-append after Ready).
        c = self.c
        c.control.delay(2500, path="/api/v1/pods$", seconds=2, methods=["GET"])
        try:
            c.control.drop_watches()
            c.control.clear_requests()
            c.create(sandbox("lagging"))
            sb = self.ready("lagging", timeout=20)
        finally:
            c.control.reset()
        creates = [r["code"] for r in c.control.requests()
                   if r["method"] == "POST" and r["path"] == "/api/v1/namespaces/%s/pods" % NS]
        self.assertEqual(creates[0], 201)
        self.assertIn(409, creates, "no pass met the lagging cache; the scenario did not happen")
        self.assertEqual(conds(sb), ["Suspended", "PodScheduled", "Ready"])
        self.assertEqual(condition(sb, "PodScheduled")["status"], "True")

    def test_template_label_changes_propagate_and_removed_keys_go(self):
        c = self.c
        c.create(sandbox("prop", pod_labels={"a": "1", "b": "2"}, pod_annotations={"x": "1"}))
        sb = self.ready("prop")
        sb["spec"]["podTemplate"]["metadata"] = {"labels": {"a": "9"}, "annotations": {}}
        c.update(sb)

        def updated():
            pod = c.get("Pod", NS, "prop")
            m = pod["metadata"]
            return m if m["labels"].get("a") == "9" and "b" not in m["labels"] else None
        m = wait_for(updated, 10, what="pod labels follow the template")
        self.assertEqual(m["annotations"].get("agents.x-k8s.io/propagated-labels"), "a")
        self.assertNotIn("x", m["annotations"])
        self.assertNotIn("agents.x-k8s.io/propagated-annotations", m["annotations"])

    def test_deleted_pod_is_recreated(self):
        c = self.c
        c.create(sandbox("again"))
        self.ready("again")
        uid = c.get("Pod", NS, "again")["metadata"]["uid"]
        c.delete("Pod", NS, "again", gracePeriodSeconds=0)
        c.wait_object("Pod", NS, "again", lambda p: p["metadata"]["uid"] != uid, 10)
        self.ready("again")

    def test_owned_pod_that_lost_its_label_is_kept_and_relabelled(self):
        c = self.c
        c.create(sandbox("relabel"))
        self.ready("relabel")
        pod = c.get("Pod", NS, "relabel")
        c.patch("Pod", NS, "relabel", {"metadata": {"labels": {"agents.x-k8s.io/sandbox-name-hash": None}}})
        got = c.wait_object("Pod", NS, "relabel", lambda p: p["metadata"].get("labels", {}).get(
            "agents.x-k8s.io/sandbox-name-hash") == fnv("relabel"), 10)
        self.assertEqual(got["metadata"]["uid"], pod["metadata"]["uid"])
        self.assertEqual(len(got["metadata"]["ownerReferences"]), 1)
        self.ready("relabel")

    def test_status_before_the_pod_is_scheduled(self):
        c = self.c
        # a node selector no node matches keeps the pod Pending and unschedulable
        s = sandbox("pending2")
        s["spec"]["podTemplate"]["spec"]["nodeSelector"] = {"disk": "none"}
        c.create(s)

        def unschedulable(o):
            ps = condition(o, "PodScheduled")
            return ps is not None and ps["status"] == "False"
        sb = c.wait_object("Sandbox", NS, "pending2", unschedulable, 10)
        ps = condition(sb, "PodScheduled")
        self.assertEqual(ps["reason"], "Unschedulable")
        self.assertIn("didn't match Pod's node affinity/selector", ps["message"])
        ready = condition(sb, "Ready")
        self.assertEqual((ready["status"], ready["reason"], ready["message"]),
                         ("False", "DependenciesNotReady", "Pod exists with phase: Pending"))
        self.assertNotIn("podIPs", sb["status"])
        self.assertNotIn("nodeName", sb["status"])

    # --- the Service -----------------------------------------------------------
    def test_headless_service_with_upstream_port_names(self):
        c = self.c
        s = sandbox("svc", service=True, containers=[
            container("a", ports=[{"containerPort": 9000, "protocol": "UDP"}, {"containerPort": 8080, "name": "http"},
                                  {"containerPort": 9000}]),
            container("b", ports=[{"containerPort": 8080, "name": "web"}, {"containerPort": 7000}])])
        s["spec"]["podTemplate"]["spec"]["initContainers"] = [
            container("side", ports=[{"containerPort": 6000}], restartPolicy="Always"),
            container("init", ports=[{"containerPort": 5000}])]
        c.create(s)
        sb = self.ready("svc")
        svc = c.get("Service", NS, "svc")
        h = fnv("svc")
        self.assertEqual(svc["spec"]["clusterIP"], "None")
        self.assertEqual(svc["spec"]["selector"], {"agents.x-k8s.io/sandbox-name-hash": h})
        self.assertEqual(svc["metadata"]["labels"], {"agents.x-k8s.io/sandbox-name-hash": h})
        self.assertEqual(svc["metadata"]["ownerReferences"][0]["uid"], sb["metadata"]["uid"])
        ports = [(p["name"], p["port"], p["protocol"], p["targetPort"]) for p in svc["spec"]["ports"]]
        self.assertEqual(ports, [("p-6000-tcp", 6000, "TCP", 6000), ("p-7000-tcp", 7000, "TCP", 7000),
                                 ("http", 8080, "TCP", 8080), ("p-9000-tcp", 9000, "TCP", 9000),
                                 ("p-9000-udp", 9000, "UDP", 9000)])
        self.assertEqual(sb["status"]["service"], "svc")
        self.assertEqual(sb["status"]["serviceFQDN"], "svc.default.svc.example.test")
        self.assertEqual(condition(sb, "Ready")["message"], "Pod is Ready; Service Exists")
        # service: false deletes the owned Service; the status forgets it
        sb["spec"]["service"] = False
        c.update(sb)
        c.wait_gone("Service", NS, "svc")
        sb = c.wait_object("Sandbox", NS, "svc", lambda o: "service" not in o["status"], 10)
        self.assertEqual(condition(sb, "Ready")["message"], "Pod is Ready")

    def test_adoptable_service_is_adopted(self):
        c = self.c
        c.create({"apiVersion": "v1", "kind": "Service", "metadata": {
            "name": "adsvc", "namespace": NS, "labels": {"agents.x-k8s.io/adoptable": "true"}},
            "spec": {"clusterIP": "None", "ports": [{"port": 1, "name": "x"}]}})
        c.create(sandbox("adsvc", service=True, containers=[container(ports=[{"containerPort": 80}])]))
        self.ready("adsvc")
        svc = c.get("Service", NS, "adsvc")
        self.assertTrue(svc["metadata"]["ownerReferences"][0]["controller"])
        self.assertEqual([p["name"] for p in svc["spec"]["ports"]], ["p-80-tcp"])

    # --- PVCs ----------------------------------------------------------------------
    def test_volume_claim_templates_make_pvcs_and_pod_volumes(self):
        c = self.c
        s = sandbox("vols", volumeClaimTemplates=[{
            "metadata": {"name": "work", "labels": {"k": "v"}, "annotations": {"a": "b"}},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}])
        s["spec"]["podTemplate"]["spec"]["volumes"] = [{"name": "work", "emptyDir": {}}, {"name": "tmp", "emptyDir": {}}]
        c.create(s)
        sb = self.ready("vols")
        pvc = c.get("PersistentVolumeClaim", NS, "work-vols")
        self.assertEqual(pvc["metadata"]["labels"], {"k": "v", "agents.x-k8s.io/sandbox-name-hash": fnv("vols")})
        self.assertEqual(pvc["metadata"]["annotations"].get("a"), "b")
        self.assertEqual(pvc["metadata"]["ownerReferences"][0]["uid"], sb["metadata"]["uid"])
        self.assertEqual(pvc["spec"]["resources"], {"requests": {"storage": "1Gi"}})
        vols = c.get("Pod", NS, "vols")["spec"]["volumes"]
        named = {v["name"]: v for v in vols}
        self.assertEqual(named["work"], {"name": "work", "persistentVolumeClaim": {"claimName": "work-vols"}})
        self.assertEqual(named["tmp"]["emptyDir"], {})

    # --- suspension ----------------------------------------------------------------
    def test_suspend_deletes_the_pod_keeps_the_service_and_resume_recreates(self):
        c = self.c
        c.create(sandbox("sus", service=True, containers=[container(ports=[{"containerPort": 80}])]))
        sb = self.ready("sus")
        sb["spec"]["operatingMode"] = "Suspended"
        c.update(sb)
        sb = c.wait_condition("Sandbox", NS, "sus", "Suspended", "True", timeout=10)
        self.assertIsNone(c.get("Pod", NS, "sus"))
        self.assertIsNotNone(c.get("Service", NS, "sus"))
        s = condition(sb, "Suspended")
        self.assertEqual((s["reason"], s["message"]), ("PodTerminated", "Pod has been terminated. Sandbox is suspended"))
        r = condition(sb, "Ready")
        self.assertEqual((r["status"], r["reason"], r["message"]), ("False", "SandboxSuspended", "Sandbox is suspended"))
        self.assertNotIn("agents.x-k8s.io/pod-name", sb["metadata"].get("annotations", {}))
        self.assertNotIn("podIPs", sb["status"])
        self.assertNotIn("PodScheduled", conds(sb))
        self.assertEqual(sb["status"]["selector"], "agents.x-k8s.io/sandbox-name-hash=" + fnv("sus"))
        sb["spec"]["operatingMode"] = "Running"
        c.update(sb)
        sb = self.ready("sus")
        self.assertEqual(condition(sb, "Suspended")["reason"], "NotSuspended")

    # --- terminal phases ---------------------------------------------------------------
    def test_finished_pods(self):
        c = self.c
        c.create(sandbox("done"))
        c.create(sandbox("broke"))
        self.ready("done")
        self.ready("broke")
        c.control.pod("complete", NS, "done")
        c.control.pod("fail", NS, "broke", exitCode=2)
        sb = c.wait_condition("Sandbox", NS, "done", "Finished", "True", timeout=10)
        f, r = condition(sb, "Finished"), condition(sb, "Ready")
        self.assertEqual((f["reason"], f["message"]), ("PodSucceeded", "Pod completed successfully"))
        self.assertEqual((r["status"], r["reason"], r["message"]), ("False", "PodSucceeded", "Pod completed successfully"))
        self.assertEqual(conds(sb), ["Suspended", "PodScheduled", "Ready", "Finished"])
        sb = c.wait_condition("Sandbox", NS, "broke", "Finished", "True", timeout=10)
        self.assertEqual((condition(sb, "Finished")["reason"], condition(sb, "Ready")["message"]),
                         ("PodFailed", "Pod failed"))

    # --- expiry ---------------------------------------------------------------------------
    def past(self, seconds=1):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - seconds))

    def test_expiry_retain_keeps_the_sandbox_with_conditions_only(self):
        c = self.c
        c.create(sandbox("exp-r", service=True))
        sb = self.ready("exp-r")
        sb["spec"]["shutdownTime"] = self.past()
        c.update(sb)
        sb = c.wait_condition("Sandbox", NS, "exp-r", "Ready", "False", reason="SandboxExpired", timeout=10)
        c.wait_gone("Pod", NS, "exp-r")
        c.wait_gone("Service", NS, "exp-r")
        sb = c.wait_object("Sandbox", NS, "exp-r", lambda o: set(o["status"]) == {"conditions"}, 10)
        r = condition(sb, "Ready")
        self.assertEqual(r["message"], "Sandbox has expired")
        self.assertNotIn("PodScheduled", conds(sb))
        self.assertIn("Suspended", conds(sb))

    def test_expiry_delete_removes_the_sandbox(self):
        c = self.c
        c.create(sandbox("exp-d", shutdownPolicy="Delete"))
        sb = self.ready("exp-d")
        sb["spec"]["shutdownTime"] = self.past()
        c.update(sb)
        c.wait_gone("Sandbox", NS, "exp-d", timeout=15)

    def test_future_shutdown_time_expires_on_time(self):
        c = self.c
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3))
        c.create(sandbox("exp-f", shutdownTime=when, shutdownPolicy="Delete"))
        self.ready("exp-f")
        c.wait_gone("Sandbox", NS, "exp-f", timeout=15)

    # --- ownership --------------------------------------------------------------------------
    def test_multiple_owned_pods_are_reported_not_chosen(self):
        c = self.c
        c.create(sandbox("multi"))
        sb = self.ready("multi")
        ref = {"apiVersion": "agents.x-k8s.io/v1beta1", "kind": "Sandbox", "name": "multi",
               "uid": sb["metadata"]["uid"], "controller": True}
        for n in ("multi-x", "multi-y"):
            c.create({"apiVersion": "v1", "kind": "Pod", "metadata": {
                "name": n, "namespace": NS, "ownerReferences": [ref],
                "labels": {"agents.x-k8s.io/sandbox-name-hash": fnv("multi")}},
                "spec": {"containers": [container()]}})
        want = "multiple Pods (3) are controlled by this Sandbox; refusing to choose or create a Pod"
        # the count follows the cache: (2) may show first, while the second extra pod is not yet seen
        sb = c.wait_object("Sandbox", NS, "multi", lambda o: (condition(o, "Ready") or {}).get("message") == want, 10)
        self.assertEqual((condition(sb, "Ready")["status"], condition(sb, "Ready")["reason"]), ("False", "MultiplePods"))
        ev = wait_for(lambda: [e for e in c.events(NS, "multi") if e["reason"] == "MultiplePods"], 10,
                      what="MultiplePods event")
        e = ev[0]
        self.assertEqual((e["type"], e["action"], e["reportingController"]), ("Warning", "Reconciling", "sandbox-controller"))
        # recorded with the count seen then, not repeated once Ready says MultiplePods (a pass that
        # runs before the cache shows that status may record the new count once more)
        for e in ev:
            self.assertRegex(e["note"],
                             r"^multiple Pods \([23]\) are controlled by this Sandbox; refusing to choose or create a Pod$")
        self.assertLessEqual(len(ev), 2)
        self.assertEqual(e["regarding"]["kind"], "Sandbox")

    def test_adoptable_pod_is_adopted_and_foreign_pod_is_an_error(self):
        c = self.c
        c.create({"apiVersion": "v1", "kind": "Pod", "metadata": {
            "name": "adpod", "namespace": NS, "labels": {"agents.x-k8s.io/adoptable": "true"}},
            "spec": {"containers": [container()]}})
        uid = c.get("Pod", NS, "adpod")["metadata"]["uid"]
        c.create(sandbox("adpod"))
        sb = self.ready("adpod")
        pod = c.get("Pod", NS, "adpod")
        self.assertEqual(pod["metadata"]["uid"], uid)
        self.assertEqual(pod["metadata"]["ownerReferences"][0]["uid"], sb["metadata"]["uid"])
        self.assertEqual(pod["metadata"]["labels"]["agents.x-k8s.io/sandbox-name-hash"], fnv("adpod"))
        # someone else's pod under the sandbox's name
        owner = c.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "owner", "namespace": NS},
                          "spec": {"ports": [{"port": 80}]}})
        c.create({"apiVersion": "v1", "kind": "Pod", "metadata": {
            "name": "taken", "namespace": NS, "ownerReferences": [{
                "apiVersion": "v1", "kind": "Service", "name": "owner", "uid": owner["metadata"]["uid"],
                "controller": True}]},
            "spec": {"containers": [container()]}})
        c.create(sandbox("taken"))
        sb = c.wait_condition("Sandbox", NS, "taken", "Ready", "False", reason="ReconcilerError", timeout=10)
        self.assertTrue(condition(sb, "Ready")["message"].startswith("Error seen: pod taken is controlled by another"))

    def test_extension_labels_follow_the_controller(self):
        c = self.c
        pool = c.create({"apiVersion": "extensions.agents.x-k8s.io/v1beta1", "kind": "SandboxWarmPool",
                         "metadata": {"name": "p", "namespace": NS},
                         "spec": {"replicas": 0, "sandboxTemplateRef": {"name": "t"}}})
        s = sandbox("ext", labels={"agents.x-k8s.io/warm-pool-sandbox": "abcd1234",
                                   "agents.x-k8s.io/sandbox-template-ref-hash": "ffff0000"})
        s["metadata"]["ownerReferences"] = [{"apiVersion": "extensions.agents.x-k8s.io/v1beta1",
                                             "kind": "SandboxWarmPool", "name": "p", "uid": pool["metadata"]["uid"],
                                             "controller": True}]
        c.create(s)
        self.ready("ext")
        labels = c.get("Pod", NS, "ext")["metadata"]["labels"]
        self.assertEqual(labels["agents.x-k8s.io/warm-pool-sandbox"], "abcd1234")
        self.assertEqual(labels["agents.x-k8s.io/sandbox-template-ref-hash"], "ffff0000")
        self.assertNotIn("agents.x-k8s.io/created-by", labels)
        # not controlled by an extension kind: no extension labels
        c.create(sandbox("noext", labels={"agents.x-k8s.io/warm-pool-sandbox": "abcd1234"}))
        self.ready("noext")
        self.assertNotIn("agents.x-k8s.io/warm-pool-sandbox", c.get("Pod", NS, "noext")["metadata"]["labels"])

    def test_pvc_adoption_and_foreign_pvc(self):
        c = self.c
        spec = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
        c.create({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {
            "name": "d-adpvc", "namespace": NS, "labels": {"agents.x-k8s.io/adoptable": "true"}}, "spec": spec})
        uid = c.get("PersistentVolumeClaim", NS, "d-adpvc")["metadata"]["uid"]
        c.create(sandbox("adpvc", volumeClaimTemplates=[{"metadata": {"name": "d"}, "spec": spec}]))
        sb = self.ready("adpvc")
        pvc = c.get("PersistentVolumeClaim", NS, "d-adpvc")
        self.assertEqual(pvc["metadata"]["uid"], uid)
        self.assertEqual(pvc["metadata"]["ownerReferences"][0]["uid"], sb["metadata"]["uid"])
        # a PVC under the same name that is someone else's
        owner = c.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "pvc-owner", "namespace": NS},
                          "spec": {"ports": [{"port": 80}]}})
        c.create({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {
            "name": "d-forpvc", "namespace": NS, "ownerReferences": [{
                "apiVersion": "v1", "kind": "Service", "name": "pvc-owner", "uid": owner["metadata"]["uid"],
                "controller": True}]}, "spec": spec})
        c.create(sandbox("forpvc", volumeClaimTemplates=[{"metadata": {"name": "d"}, "spec": spec}]))
        sb = c.wait_condition("Sandbox", NS, "forpvc", "Ready", "False", reason="ReconcilerError", timeout=10)
        self.assertEqual(condition(sb, "Ready")["message"],
                         "Error seen: persistentvolumeclaim d-forpvc exists and is not owned by sandbox forpvc")

    def test_service_left_alone_when_not_asked_and_foreign_service_refused(self):
        c = self.c
        c.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "plainsvc", "namespace": NS},
                  "spec": {"ports": [{"port": 80}]}})
        c.create(sandbox("plainsvc"))  # spec.service unset: an unowned Service is ignored
        sb = self.ready("plainsvc")
        self.assertEqual(condition(sb, "Ready")["message"], "Pod is Ready")
        self.assertNotIn("ownerReferences", c.get("Service", NS, "plainsvc")["metadata"])
        self.assertNotIn("service", sb["status"])
        sb["spec"]["service"] = True  # now asked for, but not adoptable: an error
        c.update(sb)
        sb = c.wait_condition("Sandbox", NS, "plainsvc", "Ready", "False", reason="ReconcilerError", timeout=10)
        self.assertEqual(condition(sb, "Ready")["message"],
                         "Error seen: service plainsvc exists and is not owned by sandbox plainsvc")

    def test_stale_pod_name_annotation_is_replaced(self):
        c = self.c
        c.create(sandbox("ghost", annotations={"agents.x-k8s.io/pod-name": "no-such-pod"}))
        sb = self.ready("ghost")
        self.assertEqual(sb["metadata"]["annotations"]["agents.x-k8s.io/pod-name"], "ghost")
        self.assertIsNotNone(c.get("Pod", NS, "ghost"))

    def test_suspending_beside_someone_elses_pod(self):
        c = self.c
        owner = c.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "pod-owner", "namespace": NS},
                          "spec": {"ports": [{"port": 80}]}})
        c.create({"apiVersion": "v1", "kind": "Pod", "metadata": {
            "name": "notmine", "namespace": NS, "ownerReferences": [{
                "apiVersion": "v1", "kind": "Service", "name": "pod-owner", "uid": owner["metadata"]["uid"],
                "controller": True}]}, "spec": {"containers": [container()]}})
        c.create(sandbox("notmine", operatingMode="Suspended"))
        sb = c.wait_condition("Sandbox", NS, "notmine", "Suspended", "False", reason="PodNotOwned", timeout=10)
        self.assertEqual(condition(sb, "Suspended")["message"],
                         "Refused to delete pod because it is not owned by this sandbox")
        self.assertIsNotNone(c.get("Pod", NS, "notmine"))  # untouched

    def test_running_pod_that_is_not_ready(self):
        c = self.c
        c.create(sandbox("wobbly"))
        self.ready("wobbly")
        c.control.pod("unready", NS, "wobbly")
        sb = c.wait_condition("Sandbox", NS, "wobbly", "Ready", "False", timeout=10)
        r = condition(sb, "Ready")
        self.assertEqual((r["reason"], r["message"]), ("DependenciesNotReady", "Pod is Running but not Ready"))
        self.assertTrue(sb["status"]["podIPs"])  # still mirrored
        c.control.pod("ready", NS, "wobbly")
        self.ready("wobbly")

    # --- metrics ---------------------------------------------------------------------------------
    def test_metrics(self):
        c = self.c
        c.create(sandbox("met", labels={"agents.x-k8s.io/created-by": "go-client"}))
        self.ready("met")
        text = c.metrics()
        self.assertGreaterEqual(metric_value(text, "agent_sandboxes", namespace=NS, ready_condition="true",
                                             expired="false", launch_type="cold", sandbox_template="unknown",
                                             owned_by="None", created_by="go-client"), 1)
        self.assertGreater(metric_value(text, "controller_runtime_reconcile_total", controller="sandbox",
                                        result="success"), 0)
        self.assertIsNotNone(metric_value(text, "workqueue_depth", controller="sandbox", name="sandbox"))
        self.assertGreater(metric_value(text, "workqueue_adds_total", controller="sandbox", name="sandbox"), 0)
        self.assertGreater(metric_value(text, "warmpool_controller_api_writes_total", resource="pods",
                                        verb="create", code="200"), 0)
        self.assertEqual(metric_value(text, "warmpool_controller_leader"), 1)
        self.assertGreaterEqual(metric_value(text, "warmpool_controller_watches_total", resource="pods"), 1)
        self.assertGreaterEqual(metric_value(text, "warmpool_controller_relists_total", resource="sandboxes"), 1)
        self.assertGreater(metric_value(text, "warmpool_controller_kube_requests_total"), 0)
        self.assertGreaterEqual(metric_value(text, "controller_runtime_max_concurrent_reconciles", controller="sandbox"),
                                100)


if __name__ == "__main__":
    unittest.main()
