"""Create, read, update, delete: system fields, resourceVersion, conflicts,
generation, status and scale subresources, defaults, validation."""
import re
import threading
import unittest

from testlib import (EXT, ServerTestCase, claim, obj, path, pod, sandbox, template,
                     warm_pool)

UID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


class CreateGet(ServerTestCase):
    def test_create_sets_system_fields(self):
        created = self.create("sandboxclaims", claim("c1"))
        meta = created["metadata"]
        self.assertRegex(meta["uid"], UID)
        self.assertRegex(meta["creationTimestamp"], TIMESTAMP)
        self.assertIsInstance(meta["resourceVersion"], str)
        self.assertEqual(meta["generation"], 1)
        self.assertEqual(meta["namespace"], self.ns)
        fetched = self.get("sandboxclaims", "c1")
        self.assertEqual(fetched, created)

    def test_resource_version_is_one_counter_across_kinds(self):
        a = self.create("sandboxclaims", claim("a"))
        b = self.create("pods", pod("b"))
        c = self.create("sandboxwarmpools", warm_pool("c"))
        rvs = [int(x["metadata"]["resourceVersion"]) for x in (a, b, c)]
        self.assertEqual(rvs, sorted(rvs))
        self.assertEqual(len(set(rvs)), 3)
        lst = self.kube.get(path("pods", self.ns)).json()
        self.assertGreaterEqual(int(lst["metadata"]["resourceVersion"]), rvs[-1])

    def test_get_missing_is_404_with_details(self):
        r = self.kube.get(path("sandboxclaims", self.ns, "nope"))
        body = self.assertStatus(
            r, 404, "NotFound",
            'sandboxclaims.extensions.agents.x-k8s.io "nope" not found')
        self.assertEqual(body["details"], {"name": "nope", "group":
                                           "extensions.agents.x-k8s.io",
                                           "kind": "sandboxclaims"})
        r = self.kube.get(path("pods", self.ns, "nope"))
        body = self.assertStatus(r, 404, "NotFound", 'pods "nope" not found')
        self.assertEqual(body["details"], {"name": "nope", "kind": "pods"})

    def test_create_existing_is_409_already_exists(self):
        self.create("sandboxwarmpools", warm_pool("p"))
        r = self.kube.post(path("sandboxwarmpools", self.ns), warm_pool("p"))
        body = self.assertStatus(
            r, 409, "AlreadyExists",
            'sandboxwarmpools.extensions.agents.x-k8s.io "p" already exists')
        self.assertEqual(body["details"]["kind"], "sandboxwarmpools")

    def test_generate_name(self):
        body = claim("")
        del body["metadata"]["name"]
        body["metadata"]["generateName"] = "pool-"
        names = set()
        for _ in range(5):
            created = self.create("sandboxclaims", body)
            name = created["metadata"]["name"]
            self.assertRegex(name, r"^pool-[bcdfghjklmnpqrstvwxz2456789]{5}$")
            self.assertEqual(created["metadata"]["generateName"], "pool-")
            names.add(name)
        self.assertEqual(len(names), 5)

    def test_name_or_generate_name_required(self):
        body = claim("x")
        del body["metadata"]["name"]
        r = self.kube.post(path("sandboxclaims", self.ns), body)
        body = self.assertStatus(
            r, 422, "Invalid", 'SandboxClaim.extensions.agents.x-k8s.io "" is invalid: '
            'metadata.name: Required value: name or generateName is required')
        self.assertEqual(body["details"]["causes"], [
            {"reason": "FieldValueRequired", "message":
             "Required value: name or generateName is required", "field": "metadata.name"}])

    def test_invalid_name_and_labels(self):
        body = claim("Bad_Name", labels=None)
        body["metadata"]["labels"] = {"ok": "fine", "bad key!": "v", "k": "bad value!"}
        r = self.kube.post(path("sandboxclaims", self.ns), body)
        status = self.assertStatus(r, 422, "Invalid")
        fields = [(c["field"], c["reason"]) for c in status["details"]["causes"]]
        self.assertEqual(fields, [("metadata.name", "FieldValueInvalid"),
                                  ("metadata.labels", "FieldValueInvalid"),
                                  ("metadata.labels", "FieldValueInvalid")])
        self.assertTrue(status["message"].startswith(
            'SandboxClaim.extensions.agents.x-k8s.io "Bad_Name" is invalid: [metadata.name: '
            'Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain'), status["message"])
        self.assertEqual(status["details"]["kind"], "SandboxClaim")

    def test_namespace_must_exist_and_match(self):
        r = self.kube.post(path("sandboxclaims", "no-such-ns"), claim("c"))
        self.assertStatus(r, 404, "NotFound", 'namespaces "no-such-ns" not found')
        r = self.kube.post(path("sandboxclaims", self.ns), claim("c", ns="other"))
        self.assertStatus(r, 400, "BadRequest", "the namespace of the provided object does "
                          "not match the namespace sent on the request")

    def test_kind_must_match(self):
        body = claim("c")
        body["kind"] = "SandboxWarmPool"
        r = self.kube.post(path("sandboxclaims", self.ns), body)
        # custom resources: a 422 naming the body's kind, like kube-apiserver
        self.assertStatus(r, 422, "Invalid",
                          'SandboxWarmPool.extensions.agents.x-k8s.io "c" is invalid: kind: '
                          'Invalid value: "SandboxWarmPool": must be SandboxClaim')
        body = pod("p")
        body["kind"] = "Service"
        r = self.kube.post(path("pods", self.ns), body)
        self.assertStatus(r, 400, "BadRequest", "the kind in the data (Service) does not match "
                          "the expected kind (Pod)")
        body = claim("c")
        del body["kind"]
        del body["apiVersion"]
        r = self.kube.post(path("sandboxclaims", self.ns), body)
        self.assertStatus(r, 400, "BadRequest")
        self.assertIn("Object 'Kind' is missing", r.json()["message"])

    def test_malformed_json_is_400(self):
        r = self.kube.post(path("sandboxclaims", self.ns), b"{not json")
        self.assertStatus(r, 400, "BadRequest")

    def test_unknown_paths_are_404(self):
        for p in ("/apis/nope/v1/things", EXT + "/namespaces/x/nothings",
                  EXT + "/namespaces/x/sandboxclaims/a/b/c", "/api/v2/pods"):
            r = self.kube.get(p)
            self.assertEqual((r.status, r.body, r.header("Content-Type")),
                             (404, b"404 page not found\n", "text/plain; charset=utf-8"))
        r = self.kube.get(path("sandboxtemplates", self.ns, "t", "status"))
        self.assertEqual(r.status, 404)

    def test_dry_run_create_persists_nothing(self):
        r = self.kube.post(path("sandboxclaims", self.ns, query="dryRun=All"), claim("d"))
        self.assertEqual(r.status, 201, r.body)
        self.assertRegex(r.json()["metadata"]["uid"], UID)
        self.assertFalse(self.exists("sandboxclaims", "d"))

    def test_crd_defaults_applied(self):
        pool = self.create("sandboxwarmpools", warm_pool("p", replicas=None))
        self.assertEqual(pool["spec"]["replicas"], 1)
        self.assertNotIn("updateStrategy", pool["spec"])
        body = warm_pool("p2")
        body["spec"]["updateStrategy"] = {}
        self.assertEqual(self.create("sandboxwarmpools", body)["spec"]["updateStrategy"],
                         {"type": "OnReplenish"})
        tpl = self.create("sandboxtemplates", template("t"))["spec"]
        self.assertEqual((tpl["envVarsInjectionPolicy"], tpl["networkPolicyManagement"],
                          tpl["volumeClaimTemplatesPolicy"]),
                         ("Disallowed", "Managed", "Disallowed"))
        self.assertEqual(self.create("sandboxes", sandbox("s"))["spec"]["operatingMode"],
                         "Running")
        c = self.create("sandboxclaims", claim("c", lifecycle={}))
        self.assertEqual(c["spec"]["lifecycle"], {"shutdownPolicy": "Retain"})
        self.assertNotIn("lifecycle", self.create("sandboxclaims", claim("c2"))["spec"])


class Updates(ServerTestCase):
    def test_put_with_stale_resource_version_conflicts(self):
        created = self.create("sandboxclaims", claim("x"))
        fresh = dict(created)
        fresh["metadata"] = dict(created["metadata"], labels={"a": "1"})
        self.put("sandboxclaims", fresh)
        stale = dict(created)
        stale["metadata"] = dict(created["metadata"], labels={"a": "2"})
        r = self.kube.put(path("sandboxclaims", self.ns, "x"), stale)
        body = self.assertStatus(
            r, 409, "Conflict",
            'Operation cannot be fulfilled on sandboxclaims.extensions.agents.x-k8s.io "x": '
            'the object has been modified; please apply your changes to the latest version '
            'and try again')
        self.assertEqual(body["details"], {"name": "x", "group": "extensions.agents.x-k8s.io",
                                           "kind": "sandboxclaims"})
        self.assertEqual(self.get("sandboxclaims", "x")["metadata"]["labels"], {"a": "1"})

    def test_put_without_resource_version_is_unconditional(self):
        created = self.create("sandboxclaims", claim("x"))
        self.patch("sandboxclaims", "x", {"metadata": {"labels": {"other": "w"}}})
        body = claim("x", pool="p2")
        updated = self.put("sandboxclaims", body)
        self.assertEqual(updated["spec"]["warmPoolRef"]["name"], "p2")
        self.assertEqual(updated["metadata"]["uid"], created["metadata"]["uid"])
        self.assertEqual(updated["metadata"]["creationTimestamp"],
                         created["metadata"]["creationTimestamp"])
        self.assertNotIn("labels", updated["metadata"])

    def test_put_missing_object_is_404_and_name_must_match(self):
        r = self.kube.put(path("sandboxclaims", self.ns, "ghost"), claim("ghost"))
        self.assertStatus(r, 404, "NotFound")
        self.create("sandboxclaims", claim("real"))
        r = self.kube.put(path("sandboxclaims", self.ns, "real"), claim("other"))
        self.assertStatus(r, 400, "BadRequest", "the name of the object (other) does not "
                          "match the name on the URL (real)")

    def test_put_with_other_uid_conflicts(self):
        created = self.create("sandboxclaims", claim("x"))
        created["metadata"]["uid"] = "00000000-0000-4000-8000-000000000000"
        del created["metadata"]["resourceVersion"]
        r = self.kube.put(path("sandboxclaims", self.ns, "x"), created)
        body = self.assertStatus(r, 409, "Conflict")
        self.assertIn("Precondition failed: UID in precondition: "
                      "00000000-0000-4000-8000-000000000000", body["message"])

    def test_noop_update_keeps_resource_version(self):
        created = self.create("sandboxclaims", claim("x"))
        again = self.put("sandboxclaims", created)
        self.assertEqual(again["metadata"]["resourceVersion"],
                         created["metadata"]["resourceVersion"])

    def test_system_fields_cannot_be_changed(self):
        created = self.create("sandboxclaims", claim("x"))
        body = claim("x")
        body["metadata"].update(creationTimestamp="2000-01-01T00:00:00Z", generation=42,
                                deletionTimestamp="2000-01-01T00:00:00Z")
        updated = self.put("sandboxclaims", body)
        for field in ("creationTimestamp", "uid"):
            self.assertEqual(updated["metadata"][field], created["metadata"][field])
        self.assertEqual(updated["metadata"]["generation"], 1)
        self.assertNotIn("deletionTimestamp", updated["metadata"])

    def test_concurrent_writers_get_409_and_no_update_is_lost(self):
        self.create("sandboxclaims", claim("counter", annotations={"n": "0"}))
        successes, conflicts, errors = [], [], []
        # every writer reads the same version first: one write wins, three conflict
        first_round = threading.Barrier(4)

        def writer():
            client = self.server.client()
            done = 0
            while done < 10:
                current = client.get(path("sandboxclaims", self.ns, "counter")).json()
                if not done and not conflicts:
                    try:
                        first_round.wait(10)
                    except threading.BrokenBarrierError:
                        pass
                n = int(current["metadata"]["annotations"]["n"])
                current["metadata"]["annotations"]["n"] = str(n + 1)
                r = client.put(path("sandboxclaims", self.ns, "counter"), current)
                if r.status == 200:
                    done += 1
                    successes.append(1)
                elif r.status == 409:
                    conflicts.append(r.json()["message"])
                else:
                    errors.append(r)
                    return
        threads = [threading.Thread(target=writer) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(successes), 40)
        final = self.get("sandboxclaims", "counter")
        self.assertEqual(final["metadata"]["annotations"]["n"], "40")
        self.assertGreaterEqual(len(conflicts), 3)
        self.assertTrue(all("the object has been modified" in m for m in conflicts))


class Generation(ServerTestCase):
    def test_generation_bumps_on_spec_only_for_status_kinds(self):
        self.create("sandboxwarmpools", warm_pool("p"))
        meta_only = self.patch("sandboxwarmpools", "p", {"metadata": {"labels": {"a": "b"}}})
        self.assertEqual(meta_only["metadata"]["generation"], 1)
        spec = self.patch("sandboxwarmpools", "p", {"spec": {"replicas": 5}})
        self.assertEqual(spec["metadata"]["generation"], 2)
        status = self.patch("sandboxwarmpools", "p", {"status": {"replicas": 3}},
                            sub="status")
        self.assertEqual(status["metadata"]["generation"], 2)
        self.assertEqual(status["status"], {"replicas": 3})

    def test_generation_bumps_on_any_non_metadata_change_without_status(self):
        self.create("sandboxtemplates", template("t"))
        self.assertEqual(self.patch("sandboxtemplates", "t",
                                    {"metadata": {"annotations": {"a": "b"}}})
                         ["metadata"]["generation"], 1)
        self.assertEqual(self.patch("sandboxtemplates", "t", {"spec": {"service": True}})
                         ["metadata"]["generation"], 2)
        # no status subresource: any field outside metadata counts
        self.assertEqual(self.patch("sandboxtemplates", "t",
                                    {"spec": {"networkPolicyManagement": "Unmanaged"}})
                         ["metadata"]["generation"], 3)

    def test_pods_and_services_have_no_generation(self):
        self.assertNotIn("generation", self.create("pods", pod("p"))["metadata"])
        svc = self.create("services", obj("services", "s", spec={"ports": [{"port": 80}]}))
        self.assertNotIn("generation", svc["metadata"])


class StatusSubresource(ServerTestCase):
    def test_create_drops_status_and_main_resource_ignores_status(self):
        body = claim("c")
        body["status"] = {"sandbox": {"name": "stolen"}}
        created = self.create("sandboxclaims", body)
        self.assertNotIn("status", created)
        created["status"] = {"sandbox": {"name": "x"}}
        created["spec"]["warmPoolRef"]["name"] = "p2"
        updated = self.put("sandboxclaims", created)
        self.assertNotIn("status", updated)
        self.assertEqual(updated["spec"]["warmPoolRef"]["name"], "p2")

    def test_status_write_changes_only_status(self):
        created = self.create("sandboxclaims", claim("c"))
        body = dict(created)
        body["spec"] = {"warmPoolRef": {"name": "changed"}}
        body["metadata"] = dict(created["metadata"], labels={"x": "y"})
        body["status"] = {"conditions": [{"type": "Ready", "status": "True",
                                          "reason": "R", "message": "",
                                          "lastTransitionTime": "2025-01-01T00:00:00Z"}]}
        updated = self.put("sandboxclaims", body, sub="status")
        self.assertEqual(updated["spec"], created["spec"])
        self.assertNotIn("labels", updated["metadata"])
        self.assertEqual(updated["status"], body["status"])
        self.assertEqual(self.get("sandboxclaims", "c", sub="status"), updated)
        # and the status write is optimistic-locked too
        body["metadata"]["resourceVersion"] = created["metadata"]["resourceVersion"]
        r = self.kube.put(path("sandboxclaims", self.ns, "c", "status"), body)
        self.assertStatus(r, 409, "Conflict")

    def test_template_has_no_status_subresource(self):
        self.create("sandboxtemplates", template("t"))
        r = self.kube.put(path("sandboxtemplates", self.ns, "t", "status"), template("t"))
        self.assertEqual(r.status, 404)

    def test_pod_starts_pending_and_status_is_writable_via_subresource(self):
        created = self.create("pods", pod("p"))
        self.assertEqual(created["status"], {"phase": "Pending", "qosClass": "BestEffort"})
        status = self.patch("pods", "p", {"status": {"phase": "Running", "podIP": "10.0.0.5"}},
                            sub="status")
        self.assertEqual(status["status"]["phase"], "Running")
        main = self.patch("pods", "p", {"status": {"phase": "Failed"}})
        self.assertEqual(main["status"]["phase"], "Running")


class ScaleSubresource(ServerTestCase):
    def test_scale_get_put_patch(self):
        self.create("sandboxwarmpools", warm_pool("p", replicas=2))
        self.patch("sandboxwarmpools", "p", {"status": {"replicas": 1, "selector":
                                                        "agents.x-k8s.io/warm-pool-sandbox=abc"}},
                   sub="status")
        scale = self.get("sandboxwarmpools", "p", sub="scale")
        self.assertEqual(scale["kind"], "Scale")
        self.assertEqual(scale["apiVersion"], "autoscaling/v1")
        self.assertEqual(scale["spec"], {"replicas": 2})
        self.assertEqual(scale["status"], {"replicas": 1,
                                           "selector": "agents.x-k8s.io/warm-pool-sandbox=abc"})
        self.assertEqual(scale["metadata"]["name"], "p")
        scale["spec"]["replicas"] = 7
        put = self.put("sandboxwarmpools", scale, sub="scale")
        self.assertEqual(put["spec"]["replicas"], 7)
        pool = self.get("sandboxwarmpools", "p")
        self.assertEqual(pool["spec"]["replicas"], 7)
        self.assertEqual(pool["metadata"]["generation"], 2)
        self.assertEqual(pool["metadata"]["resourceVersion"], put["metadata"]["resourceVersion"])
        patched = self.patch("sandboxwarmpools", "p", {"spec": {"replicas": 0}}, sub="scale")
        self.assertEqual(patched["spec"]["replicas"], 0)
        self.assertEqual(self.get("sandboxwarmpools", "p")["spec"]["replicas"], 0)

    def test_scale_stale_resource_version_and_negative_replicas(self):
        self.create("sandboxwarmpools", warm_pool("p"))
        scale = self.get("sandboxwarmpools", "p", sub="scale")
        self.patch("sandboxwarmpools", "p", {"spec": {"replicas": 3}})
        scale["spec"]["replicas"] = 9
        r = self.kube.put(path("sandboxwarmpools", self.ns, "p", "scale"), scale)
        self.assertStatus(r, 409, "Conflict")
        del scale["metadata"]["resourceVersion"]
        scale["spec"]["replicas"] = -1
        r = self.kube.put(path("sandboxwarmpools", self.ns, "p", "scale"), scale)
        body = self.assertStatus(r, 422, "Invalid")
        self.assertEqual(body["details"]["causes"][0]["field"], "spec.replicas")

    def test_only_warm_pools_scale(self):
        self.create("sandboxclaims", claim("c"))
        self.assertEqual(self.kube.get(path("sandboxclaims", self.ns, "c", "scale")).status, 404)


class BuiltinKinds(ServerTestCase):
    def test_pod_defaults_and_immutability(self):
        body = pod("p")
        body["spec"]["containers"][0]["ports"] = [{"containerPort": 80}]
        body["spec"]["containers"][0]["image"] = "nginx"
        created = self.create("pods", body)
        spec = created["spec"]
        self.assertEqual((spec["restartPolicy"], spec["dnsPolicy"], spec["schedulerName"],
                          spec["terminationGracePeriodSeconds"]),
                         ("Always", "ClusterFirst", "default-scheduler", 30))
        c = spec["containers"][0]
        self.assertEqual(c["imagePullPolicy"], "Always")
        self.assertEqual(c["ports"][0]["protocol"], "TCP")
        self.assertEqual(c["terminationMessagePath"], "/dev/termination-log")
        ok = self.patch("pods", "p", {"spec": {"containers": [{"name": "main",
                                                               "image": "nginx:1.27"}]}},
                        "strategic")
        self.assertEqual(ok["spec"]["containers"][0]["image"], "nginx:1.27")
        self.assertNotIn("generation", ok["metadata"])     # pods had none in 1.26
        r = self.kube.patch(path("pods", self.ns, "p"), {"spec": {"restartPolicy": "Never"}},
                            "strategic")
        body = self.assertStatus(r, 422, "Invalid")
        self.assertTrue(body["message"].startswith(
            'Pod "p" is invalid: spec: Forbidden: pod updates may not change fields other '
            'than `spec.containers[*].image`'), body["message"])

    def test_pod_validation(self):
        r = self.kube.post(path("pods", self.ns), obj("pods", "p", spec={"containers": [
            {"name": "Bad_Name"}, {"image": "x"}]}))
        body = self.assertStatus(r, 422, "Invalid")
        self.assertEqual([c["field"] for c in body["details"]["causes"]],
                         ["spec.containers[0].name", "spec.containers[0].image",
                          "spec.containers[1].name"])

    def test_service_cluster_ip(self):
        svc = self.create("services", obj("services", "web", spec={
            "selector": {"app": "web"}, "ports": [{"port": 80}]}))
        spec = svc["spec"]
        self.assertRegex(spec["clusterIP"], r"^10\.96\.\d+\.\d+$")
        self.assertEqual(spec["clusterIPs"], [spec["clusterIP"]])
        self.assertEqual(spec["ports"], [{"port": 80, "protocol": "TCP", "targetPort": 80}])
        self.assertEqual(spec["type"], "ClusterIP")
        headless = self.create("services", obj("services", "hl", spec={"clusterIP": "None"}))
        self.assertEqual(headless["spec"]["clusterIPs"], ["None"])
        again = self.put("services", obj("services", "web", spec={"ports": [{"port": 81}]}))
        self.assertEqual(again["spec"]["clusterIP"], spec["clusterIP"])

    def test_lease_lifecycle(self):
        lease = obj("leases", "warmpool-controller", spec={
            "holderIdentity": "a", "leaseDurationSeconds": 15,
            "acquireTime": "2025-01-01T00:00:00.000000Z",
            "renewTime": "2025-01-01T00:00:00.000000Z", "leaseTransitions": 0})
        created = self.create("leases", lease)
        self.assertNotIn("generation", created["metadata"])
        created["spec"]["holderIdentity"] = "b"
        self.put("leases", created)
        created["spec"]["holderIdentity"] = "c"
        r = self.kube.put(path("leases", self.ns, "warmpool-controller"), created)
        self.assertStatus(r, 409, "Conflict", 'Operation cannot be fulfilled on '
                          'leases.coordination.k8s.io "warmpool-controller": the object has '
                          'been modified; please apply your changes to the latest version and '
                          'try again')
        r = self.kube.delete(path("leases", self.ns, "warmpool-controller"))
        self.assertEqual(r.json()["status"], "Success")
        self.assertEqual(r.json()["details"]["kind"], "leases")

    def test_events(self):
        ev = obj("events", "e1", involvedObject={"kind": "SandboxWarmPool", "name": "p",
                                                 "namespace": self.ns},
                 reason="WarmPoolNotProgressing", message="m", type="Warning", count=1)
        self.create("events", ev)
        bad = dict(ev, involvedObject={"kind": "Pod", "name": "x", "namespace": "elsewhere"})
        bad["metadata"] = {"name": "e2"}
        r = self.kube.post(path("events", self.ns), bad)
        self.assertStatus(r, 422, "Invalid")
        r = self.kube.get(path("events", self.ns,
                               query="fieldSelector=involvedObject.kind%3DSandboxWarmPool,"
                                     "type%3DWarning"))
        self.assertEqual([i["metadata"]["name"] for i in r.json()["items"]], ["e1"])

    def test_namespaces_are_cluster_scoped(self):
        ns = self.get("namespaces", self.ns)
        self.assertNotIn("namespace", ns["metadata"])
        self.assertEqual(ns["metadata"]["labels"], {"kubernetes.io/metadata.name": self.ns})
        self.assertEqual(ns["spec"], {"finalizers": ["kubernetes"]})
        self.assertEqual(ns["status"], {"phase": "Active"})
        self.assertEqual(self.kube.get("/api/v1/namespaces/x/namespaces").status, 404)
        names = [n["metadata"]["name"] for n in self.kube.get("/api/v1/namespaces").json()
                 ["items"]]
        for expected in ("default", "kube-system", "kube-public", "kube-node-lease", self.ns):
            self.assertIn(expected, names)

    def test_delete_collection(self):
        for i in range(3):
            self.create("pods", pod("p%d" % i, labels={"grp": "a" if i < 2 else "b"}))
        r = self.kube.delete(path("pods", self.ns, query="labelSelector=grp%3Da"))
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(sorted(i["metadata"]["name"] for i in r.json()["items"]), ["p0", "p1"])
        left = self.kube.get(path("pods", self.ns)).json()["items"]
        self.assertEqual([p["metadata"]["name"] for p in left], ["p2"])


if __name__ == "__main__":
    unittest.main()
