"""kube-apiserver fidelity beyond the recorded reference answers: CRD
structural schemas (pruning, fieldValidation, defaults inside present objects,
validation wording), built-in kinds (pod defaults, admission additions,
validation, Services, PVCs, NetworkPolicies, events.k8s.io), managedFields and
server-side apply conflicts, and bounded decoding (deep JSON/YAML, huge
bodies). Expected texts are kube-apiserver's own wording."""
import json
import os
import random
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from testlib import (EXT, ServerTestCase, claim, have_kubectl, path, pod,  # noqa: E402
                     template, warm_pool)
from kapi import managedfields, schema, yamlsub  # noqa: E402
import test_kubectl  # noqa: E402
import fixture  # noqa: E402


class Schemas(ServerTestCase):
    def test_unknown_fields_warn_strict_ignore(self):
        body = template("t1")
        body["spec"]["colour"] = "blue"
        body["spec"]["podTemplate"]["metadata"] = {"labels": {"a": "b"}, "shape": "round"}
        r = self.kube.post(path("sandboxtemplates", self.ns), body)
        self.assertEqual(r.status, 201, r.body)
        self.assertEqual(r.header_all("Warning"),
                         ['299 - "unknown field \\"spec.colour\\""',
                          '299 - "unknown field \\"spec.podTemplate.metadata.shape\\""'])
        self.assertNotIn("colour", r.json()["spec"])
        self.assertEqual(r.json()["spec"]["podTemplate"]["metadata"], {"labels": {"a": "b"}})
        body["metadata"]["name"] = "t2"
        r = self.kube.post(path("sandboxtemplates", self.ns, query="fieldValidation=Strict"),
                           body)
        self.assertStatus(r, 400, "BadRequest",
                          'SandboxTemplate in version "v1beta1" cannot be handled as a '
                          'SandboxTemplate: strict decoding error: unknown field '
                          '"spec.colour", unknown field "spec.podTemplate.metadata.shape"')
        r = self.kube.post(path("sandboxtemplates", self.ns, query="fieldValidation=Ignore"),
                           body)
        self.assertEqual((r.status, r.header_all("Warning")), (201, []))
        # patches are pruned too; preserve-unknown-fields subtrees keep everything
        r = self.kube.patch(path("sandboxtemplates", self.ns, "t2"),
                            {"spec": {"extra": 1, "podTemplate": {"spec": {"hostNetwork": True}}}})
        self.assertEqual(r.header_all("Warning"), ['299 - "unknown field \\"spec.extra\\""'])
        self.assertTrue(r.json()["spec"]["podTemplate"]["spec"]["hostNetwork"])

    def test_defaults_inside_present_objects(self):
        created = self.create("sandboxclaims", claim("c", lifecycle={"ttlSecondsAfterFinished": 5}))
        self.assertEqual(created["spec"]["lifecycle"],
                         {"ttlSecondsAfterFinished": 5, "shutdownPolicy": "Retain"})
        self.assertNotIn("lifecycle", self.create("sandboxclaims", claim("d"))["spec"])
        pool = warm_pool("p", replicas=None)
        pool["spec"]["updateStrategy"] = {}
        created = self.create("sandboxwarmpools", pool)
        self.assertEqual((created["spec"]["replicas"], created["spec"]["updateStrategy"]),
                         (1, {"type": "OnReplenish"}))
        # null for a field with a default gets the default
        pool = warm_pool("q", replicas=None)
        pool["spec"]["replicas"] = None
        self.assertEqual(self.create("sandboxwarmpools", pool)["spec"]["replicas"], 1)

    def test_validation_causes_and_aggregate_message(self):
        body = claim("c", lifecycle={"shutdownPolicy": "Never", "ttlSecondsAfterFinished": 1.5},
                     env=[{"value": "x"}])
        body["spec"]["warmPoolRef"] = {}
        r = self.kube.post(path("sandboxclaims", self.ns), body)
        status = self.assertStatus(r, 422, "Invalid")
        self.assertEqual(status["details"]["causes"], [
            {"reason": "FieldValueRequired", "message": "Required value",
             "field": "spec.warmPoolRef.name"},
            {"reason": "FieldValueTypeInvalid",
             "message": 'Invalid value: "number": spec.lifecycle.ttlSecondsAfterFinished in '
                        'body must be of type integer: "number"',
             "field": "spec.lifecycle.ttlSecondsAfterFinished"},
            {"reason": "FieldValueNotSupported",
             "message": 'Unsupported value: "Never": supported values: "Delete", '
                        '"DeleteForeground", "Retain"',
             "field": "spec.lifecycle.shutdownPolicy"},
            {"reason": "FieldValueRequired", "message": "Required value",
             "field": "spec.env[0].name"}])
        self.assertTrue(status["message"].startswith(
            'SandboxClaim.extensions.agents.x-k8s.io "c" is invalid: [spec.warmPoolRef.name: '
            'Required value, spec.lifecycle.ttlSecondsAfterFinished: Invalid value: '), status)

    def test_status_subresource_uses_the_status_schema(self):
        self.create("sandboxclaims", claim("c"))
        long_type = {"type": "x" * 317, "status": "True", "reason": "R", "message": "",
                     "lastTransitionTime": "2026-01-01T00:00:00Z"}
        r = self.kube.patch(path("sandboxclaims", self.ns, "c", "status"),
                            {"status": {"conditions": [long_type], "bogus": 1}})
        status = self.assertStatus(r, 422, "Invalid")
        self.assertEqual(status["details"]["causes"], [
            {"reason": "FieldValueTooLong", "message": "Too long: may not be longer than 316",
             "field": "status.conditions[0].type"}])
        long_type["type"] = "Ready"
        r = self.kube.patch(path("sandboxclaims", self.ns, "c", "status"),
                            {"status": {"conditions": [long_type], "bogus": 1}})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.header_all("Warning"), ['299 - "unknown field \\"status.bogus\\""'])

    def test_scale_subresource_validates_replicas(self):
        self.create("sandboxwarmpools", warm_pool("p"))
        r = self.kube.patch(path("sandboxwarmpools", self.ns, "p", "scale"),
                            {"spec": {"replicas": 7}})
        self.assertEqual(r.json()["spec"]["replicas"], 7)
        r = self.kube.patch(path("sandboxwarmpools", self.ns, "p"), {"spec": {"replicas": -1}})
        self.assertStatus(r, 422, "Invalid",
                          'SandboxWarmPool.extensions.agents.x-k8s.io "p" is invalid: '
                          'spec.replicas: Invalid value: -1: spec.replicas in body should be '
                          'greater than or equal to 0')

    def test_schema_functions(self):
        s = {"type": "object", "properties": {
            "spec": {"type": "object", "required": ["a"], "properties": {
                "a": {"type": "string", "pattern": "^[a-z]+$", "minLength": 2},
                "n": {"type": "number", "maximum": 3, "exclusiveMaximum": True},
                "when": {"type": "string", "format": "date-time"}}}}}
        errs = schema.validate(s, {"spec": {"a": "A", "n": 3, "when": "2026-13-01T00:00:00Z"}})
        self.assertEqual([str(e) for e in errs], [
            'spec.a: Invalid value: "A": spec.a in body should be at least 2 chars long',
            "spec.a: Invalid value: \"A\": spec.a in body should match '^[a-z]+$'",
            "spec.n: Invalid value: 3: spec.n in body should be less than 3",
            'spec.when: Invalid value: "2026-13-01T00:00:00Z": spec.when in body must be of '
            'type date-time: "2026-13-01T00:00:00Z"'])
        self.assertEqual([c["metadata"]["name"] for c in schema.load_crds()],
                         ["sandboxclaims.extensions.agents.x-k8s.io",
                          "sandboxes.agents.x-k8s.io",
                          "sandboxtemplates.extensions.agents.x-k8s.io",
                          "sandboxwarmpools.extensions.agents.x-k8s.io"])


class CoreKinds(ServerTestCase):
    def test_pod_server_defaults_and_admission(self):
        body = pod("p")
        body["spec"]["containers"].append({"name": "side", "image": "reg.io/x@sha256:" + "a" * 64})
        body["spec"]["initContainers"] = [{"name": "init", "image": "busybox"}]
        created = self.create("pods", body)
        spec = created["spec"]
        self.assertEqual({k: spec[k] for k in (
            "restartPolicy", "dnsPolicy", "schedulerName", "terminationGracePeriodSeconds",
            "serviceAccountName", "serviceAccount", "enableServiceLinks", "priority",
            "preemptionPolicy", "securityContext")},
            {"restartPolicy": "Always", "dnsPolicy": "ClusterFirst",
             "schedulerName": "default-scheduler", "terminationGracePeriodSeconds": 30,
             "serviceAccountName": "default", "serviceAccount": "default",
             "enableServiceLinks": True, "priority": 0,
             "preemptionPolicy": "PreemptLowerPriority", "securityContext": {}})
        self.assertEqual([c["imagePullPolicy"] for c in spec["containers"]],
                         ["IfNotPresent", "IfNotPresent"])
        self.assertEqual(spec["initContainers"][0]["imagePullPolicy"], "Always")
        self.assertEqual([t["key"] for t in spec["tolerations"]],
                         ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"])
        volume = spec["volumes"][0]["name"]
        self.assertRegex(volume, r"^kube-api-access-[a-z0-9]{5}$")
        for c in spec["containers"] + spec["initContainers"]:
            self.assertIn({"name": volume, "readOnly": True,
                           "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"},
                          c["volumeMounts"])
        self.assertEqual(created["status"], {"phase": "Pending", "qosClass": "BestEffort"})
        no_token = pod("q", automountServiceAccountToken=False)
        self.assertNotIn("volumes", self.create("pods", no_token)["spec"])

    def test_unknown_fields_of_built_in_kinds(self):
        body = pod("p")
        body["spec"]["containers"][0]["bogus"] = 1
        body["spec"]["nodeSelectr"] = {"a": "b"}
        r = self.kube.post(path("pods", self.ns, query="fieldValidation=Strict"), body)
        self.assertStatus(r, 400, "BadRequest", 'Pod in version "v1" cannot be handled as a '
                          'Pod: strict decoding error: unknown field '
                          '"spec.containers[0].bogus", unknown field "spec.nodeSelectr"')
        r = self.kube.post(path("pods", self.ns), body)
        self.assertEqual(r.status, 201, r.body)
        self.assertEqual(r.header_all("Warning"), [
            '299 - "unknown field \\"spec.containers[0].bogus\\""',
            '299 - "unknown field \\"spec.nodeSelectr\\""'])
        self.assertNotIn("bogus", r.json()["spec"]["containers"][0])
        body = pod("q")
        body["spec"]["containers"][0]["env"] = [{"name": "A", "valeu": "typo"}]
        body["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "1"}, "x": 1}
        r = self.kube.post(path("pods", self.ns), body)
        self.assertEqual(r.header_all("Warning"), [
            '299 - "unknown field \\"spec.containers[0].env[0].valeu\\""',
            '299 - "unknown field \\"spec.containers[0].resources.x\\""'])
        # deeper levels are not checked: kept as sent
        body = pod("r")
        body["spec"]["containers"][0]["livenessProbe"] = {"httpGet": {"port": 80, "x": 1}}
        r = self.kube.post(path("pods", self.ns), body)
        self.assertEqual((r.status, r.header_all("Warning")), (201, []), r.body)

    def test_pod_validation(self):
        body = pod("p")
        body["spec"]["containers"][0]["env"] = [{"name": "1BAD", "value": "x"}]
        body["spec"]["containers"][0]["resources"] = {"requests": {"memory": "2Gi"},
                                                      "limits": {"memory": "1024Mi"}}
        body["spec"]["dnsPolicy"] = "Sometimes"
        body["spec"]["containers"][0]["ports"] = [{"name": "http-", "containerPort": 80},
                                                  {"name": "http-", "containerPort": 81}]
        r = self.kube.post(path("pods", self.ns), body)
        status = self.assertStatus(r, 422, "Invalid")
        self.assertEqual([(c["field"], c["reason"]) for c in status["details"]["causes"]], [
            ("spec.containers[0].env[0].name", "FieldValueInvalid"),
            ("spec.containers[0].ports[0].name", "FieldValueInvalid"),
            ("spec.containers[0].ports[1].name", "FieldValueInvalid"),
            ("spec.containers[0].ports[1].name", "FieldValueDuplicate"),
            ("spec.containers[0].resources.requests", "FieldValueInvalid"),
            ("spec.dnsPolicy", "FieldValueNotSupported")])
        self.assertIn("a valid environment variable name must consist of alphabetic "
                      "characters", status["message"])
        self.assertIn('spec.containers[0].ports[0].name: Invalid value: "http-": must not '
                      'begin or end with a hyphen', status["message"])

    def test_pod_volumes_and_mounts(self):
        body = pod("p", volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "v"}},
                                 {"name": "data", "emptyDir": {}}, {"name": "none"}])
        body["spec"]["containers"][0]["volumeMounts"] = [
            {"name": "data", "mountPath": "/data"}, {"name": "cache", "mountPath": "/data"}]
        r = self.kube.post(path("pods", self.ns), body)
        self.assertStatus(r, 422, "Invalid", 'Pod "p" is invalid: [spec.volumes[1].name: '
                          'Duplicate value: "data", spec.volumes[2]: Required value: must '
                          'specify a volume type, spec.containers[0].volumeMounts[1].name: Not '
                          'found: "cache", spec.containers[0].volumeMounts[1].mountPath: '
                          'Invalid value: "/data": must be unique]')

    def test_pod_status_conditions_and_update_rules(self):
        self.create("pods", pod("p"))
        r = self.patch("pods", "p", {"status": {"conditions": [
            {"type": "Ready", "status": "True"}]}}, "strategic", sub="status")
        self.assertEqual(r["status"]["conditions"], [
            {"type": "Ready", "status": "True", "lastProbeTime": None,
             "lastTransitionTime": None}])
        r = self.kube.patch(path("pods", self.ns, "p"), {"spec": {"containers": [
            {"name": "second", "image": "x"}]}}, "strategic")
        self.assertStatus(r, 422, "Invalid", 'Pod "p" is invalid: spec.containers: Forbidden: '
                          'pod updates may not add or remove containers')
        tolerations = self.get("pods", "p")["spec"]["tolerations"]
        added = tolerations + [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}]
        self.patch("pods", "p", {"spec": {"tolerations": added}}, "strategic")
        r = self.kube.patch(path("pods", self.ns, "p"), {"spec": {"tolerations": added[1:]}},
                            "strategic")
        self.assertStatus(r, 422, "Invalid", 'Pod "p" is invalid: spec.tolerations: Forbidden: '
                          'existing toleration can not be modified except its '
                          'tolerationSeconds')

    def test_strategic_merge_item_without_its_merge_key(self):
        self.create("pods", pod("p"))
        r = self.kube.patch(path("pods", self.ns, "p"), {"spec": {"containers": [
            {"image": "x:2", "ports": [{"containerPort": 80}]}]}}, "strategic")
        self.assertStatus(r, 500, "InternalError", "Internal error occurred: map: "
                          "map[image:x:2 ports:[map[containerPort:80]]] does not contain "
                          "declared merge key: name")

    def test_events_v1_and_core_events_are_one_store(self):
        ev_path = "/apis/events.k8s.io/v1/namespaces/%s/events" % self.ns
        core_path = "/api/v1/namespaces/%s/events" % self.ns
        event = {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e"},
                 "eventTime": "2026-01-01T00:00:00.000000Z",
                 "regarding": {"kind": "Pod", "namespace": self.ns, "name": "p"},
                 "reason": "Started", "note": "hi", "type": "Normal", "action": "Start",
                 "reportingController": "warmpool.io/controller",
                 "reportingInstance": "controller-0"}
        with self.kube.watch(ev_path + "?watch=1", timeout=5) as v1_watch, \
                self.kube.watch(core_path + "?watch=1", timeout=5) as core_watch:
            created = self.kube.post(ev_path, event).json()
            self.assertEqual(v1_watch.next_event()["object"]["note"], "hi")
            core = core_watch.next_event()["object"]
        self.assertEqual((core["apiVersion"], core["message"], core["reportingComponent"],
                          core["involvedObject"]["name"], core["source"],
                          core["firstTimestamp"], core["metadata"]["uid"]),
                         ("v1", "hi", "warmpool.io/controller", "p", {}, None,
                          created["metadata"]["uid"]))
        self.assertEqual((created["regarding"]["name"], created["deprecatedSource"],
                          created["deprecatedFirstTimestamp"]), ("p", {}, None))
        # a core Event reads back through events.k8s.io
        self.kube.post(core_path, {"apiVersion": "v1", "kind": "Event",
                                   "metadata": {"name": "c"}, "reason": "Pulled",
                                   "message": "pulled", "type": "Normal", "count": 3,
                                   "involvedObject": {"kind": "Pod", "name": "q",
                                                      "namespace": self.ns}})
        got = self.kube.get(ev_path + "/c").json()
        self.assertEqual((got["apiVersion"], got["note"], got["deprecatedCount"],
                          got["regarding"]["name"], got["eventTime"]),
                         ("events.k8s.io/v1", "pulled", 3, "q", None))
        names = [i["metadata"]["name"] for i in self.kube.get(
            ev_path + "?fieldSelector=regarding.name%3Dp").json()["items"]]
        self.assertEqual(names, ["e"])
        r = self.kube.get(ev_path + "/nope")
        self.assertStatus(r, 404, "NotFound", 'events.events.k8s.io "nope" not found')
        r = self.kube.delete(ev_path + "/e")
        self.assertEqual(r.json()["details"]["group"], "events.k8s.io")
        self.assertEqual(self.kube.get(core_path + "/e").status, 404)

    def test_times_are_stored_as_decoded(self):
        lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                 "metadata": {"name": "l"},
                 "spec": {"holderIdentity": "a", "renewTime": "2026-01-01T02:00:00+02:00"}}
        r = self.kube.post("/apis/coordination.k8s.io/v1/namespaces/%s/leases" % self.ns, lease)
        self.assertEqual(r.json()["spec"]["renewTime"], "2026-01-01T00:00:00.000000Z")
        self.create("pods", pod("p"))
        got = self.patch("pods", "p", {"status": {"conditions": [
            {"type": "Ready", "status": "True",
             "lastTransitionTime": "2026-01-01T01:00:00.5+01:00"}]}}, sub="status")
        self.assertEqual(got["status"]["conditions"][0]["lastTransitionTime"],
                         "2026-01-01T00:00:00Z")
        r = self.kube.patch(path("pods", self.ns, "p", "status"), {"status": {
            "startTime": "yesterday"}})
        self.assertStatus(r, 400, "BadRequest", 'Pod in version "v1" cannot be handled as a '
                          'Pod: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": '
                          'cannot parse "yesterday" as "2006"')

    def test_services(self):
        r = self.kube.post(path("services", self.ns), {
            "apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {}})
        self.assertStatus(r, 422, "Invalid", 'Service "s" is invalid: spec.ports: Required value')
        headless = self.create("services", {"apiVersion": "v1", "kind": "Service",
                                            "metadata": {"name": "h"},
                                            "spec": {"clusterIP": "None"}})
        self.assertEqual(headless["spec"]["clusterIPs"], ["None"])
        svc = self.create("services", {"apiVersion": "v1", "kind": "Service",
                                       "metadata": {"name": "c"},
                                       "spec": {"ports": [{"port": 80}]}})
        self.assertEqual(svc["spec"]["clusterIPs"], [svc["spec"]["clusterIP"]])
        self.assertEqual(svc["spec"]["ports"], [{"port": 80, "protocol": "TCP",
                                                 "targetPort": 80}])
        r = self.kube.post(path("services", self.ns), {
            "apiVersion": "v1", "kind": "Service", "metadata": {"name": "two"},
            "spec": {"ports": [{"port": 80}, {"port": 81}]}})
        self.assertStatus(r, 422, "Invalid",
                          'Service "two" is invalid: [spec.ports[0].name: Required value, '
                          'spec.ports[1].name: Required value]')
        r = self.kube.post(path("services", self.ns), {
            "apiVersion": "v1", "kind": "Service", "metadata": {"name": "ip"},
            "spec": {"clusterIP": "10.96.0.300", "ports": [{"port": 80}]}})
        self.assertStatus(r, 422, "Invalid", 'Service "ip" is invalid: spec.clusterIPs[0]: '
                          'Invalid value: "10.96.0.300": must be a valid IP address, (e.g. '
                          '10.9.8.7 or 2001:db8::ffff)')

    def test_pvc_network_policy_and_events_v1(self):
        pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "v"},
               "spec": {"accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1Gi"}}}}
        created = self.kube.post("/api/v1/namespaces/%s/persistentvolumeclaims" % self.ns, pvc)
        self.assertEqual(created.status, 201, created.body)
        self.assertEqual(created.json()["metadata"]["finalizers"],
                         ["kubernetes.io/pvc-protection"])
        r = self.kube.patch("/api/v1/namespaces/%s/persistentvolumeclaims/v" % self.ns,
                            {"spec": {"accessModes": ["ReadWriteMany"]}})
        self.assertStatus(r, 422, "Invalid")
        # pvc-protection: deleting a claim a running pod uses waits for the pod
        user = pod("user", volumes=[{"name": "data",
                                     "persistentVolumeClaim": {"claimName": "v"}}])
        self.create("pods", user)
        pvc_path = "/api/v1/namespaces/%s/persistentvolumeclaims/v" % self.ns
        self.assertEqual(self.kube.delete(pvc_path).status, 200)
        time.sleep(0.3)
        held = self.kube.get(pvc_path).json()
        self.assertIn("deletionTimestamp", held["metadata"])
        self.assertEqual(self.kube.delete(path("pods", self.ns, "user")).status, 200)
        fixture.wait_for(lambda: self.kube.get(pvc_path).status == 404, 5,
                         message="the claim to go once its pod is gone")
        np_path = "/apis/networking.k8s.io/v1/namespaces/%s/networkpolicies" % self.ns
        r = self.kube.post(np_path, {"apiVersion": "networking.k8s.io/v1",
                                     "kind": "NetworkPolicy", "metadata": {"name": "n"},
                                     "spec": {"podSelector": {}, "egress": [{}]}})
        self.assertEqual(r.status, 201, r.body)
        self.assertEqual(r.json()["spec"]["policyTypes"], ["Ingress", "Egress"])
        # the controller's default egress: IPv4 and IPv6 blocks with excepts
        egress = [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}},
                          {"ipBlock": {"cidr": "::/0", "except": ["fc00::/7", "fe80::/10"]}}]}]
        r = self.kube.post(np_path, {"apiVersion": "networking.k8s.io/v1",
                                     "kind": "NetworkPolicy", "metadata": {"name": "m"},
                                     "spec": {"podSelector": {}, "egress": egress}})
        self.assertEqual(r.status, 201, r.body)
        egress[0]["to"][0]["ipBlock"]["except"] = ["0.0.0.0/0"]
        egress[0]["to"][1]["podSelector"] = {}
        egress[0]["to"].append({})
        r = self.kube.post(np_path, {"apiVersion": "networking.k8s.io/v1",
                                     "kind": "NetworkPolicy", "metadata": {"name": "bad"},
                                     "spec": {"podSelector": {}, "egress": egress}})
        self.assertStatus(r, 422, "Invalid", 'NetworkPolicy.extensions "bad" is invalid: ['
                          'spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "0.0.0.0/0": '
                          'must be a strict subset of `cidr`, spec.egress[0].to[1]: Forbidden: '
                          'may not specify both ipBlock and another peer, spec.egress[0].to[2]: '
                          'Required value: must specify a peer]')
        ev_path = "/apis/events.k8s.io/v1/namespaces/%s/events" % self.ns
        event = {"apiVersion": "events.k8s.io/v1", "kind": "Event",
                 "metadata": {"name": "e"}, "eventTime": "2026-01-01T00:00:00.000000Z",
                 "regarding": {"kind": "Pod", "namespace": self.ns, "name": "p"},
                 "reason": "Started", "note": "hi", "type": "Normal", "action": "Start",
                 "reportingController": "warmpool.io/controller",
                 "reportingInstance": "controller-0"}
        r = self.kube.post(ev_path, event)
        self.assertEqual(r.status, 201, r.body)
        # what the controller does to repeat an event: only series may change
        r = self.kube.patch(ev_path + "/e", {"series": {
            "count": 2, "lastObservedTime": "2026-01-01T00:00:01.000000Z"}})
        self.assertEqual((r.status, r.json()["series"]["count"]), (200, 2), r.body)
        r = self.kube.patch(ev_path + "/e", {"note": "changed"})
        self.assertStatus(r, 422, "Invalid", 'Event "e" is invalid: message: Invalid value: '
                          '"changed": field is immutable')
        del event["reportingInstance"]
        event["metadata"]["name"], event["type"] = "f", "Loud"
        r = self.kube.post(ev_path, event)
        self.assertStatus(r, 422, "Invalid",
                          'Event "f" is invalid: [reportingInstance: Required value, type: '
                          'Invalid value: "": has invalid value: Loud]')


class Decoding(ServerTestCase):
    def test_wrong_types_are_go_decode_errors(self):
        body = pod("p")
        body["spec"]["containers"][0]["ports"] = [{"containerPort": "80"}]
        r = self.kube.post(path("pods", self.ns), body)
        self.assertStatus(r, 400, "BadRequest", 'Pod in version "v1" cannot be handled as a '
                          'Pod: json: cannot unmarshal string into Go struct field '
                          'ContainerPort.spec.containers.ports.containerPort of type int32')
        body["spec"]["containers"][0]["ports"] = [{"containerPort": 8.5}]
        r = self.kube.post(path("pods", self.ns), body)
        self.assertIn("cannot unmarshal number 8.5 into Go struct field", r.json()["message"])
        body["spec"]["containers"] = {"name": "x"}
        r = self.kube.post(path("pods", self.ns), body)
        self.assertStatus(r, 400, "BadRequest", 'Pod in version "v1" cannot be handled as a '
                          'Pod: json: cannot unmarshal object into Go struct field '
                          'PodSpec.spec.containers of type []v1.Container')
        self.create("pods", pod("s"))
        r = self.kube.patch(path("pods", self.ns, "s", "status"), {"status": {
            "conditions": True}})
        self.assertStatus(r, 400, "BadRequest", 'Pod in version "v1" cannot be handled as a '
                          'Pod: json: cannot unmarshal bool into Go struct field '
                          'PodStatus.status.conditions of type []v1.PodCondition')
        # null is the zero value, as in Go
        body = pod("q", nodeSelector=None)
        body["spec"]["containers"][0]["env"] = [None]
        r = self.kube.post(path("pods", self.ns), body)
        self.assertStatus(r, 422, "Invalid", 'Pod "q" is invalid: '
                          'spec.containers[0].env[0].name: Required value')

    def test_mutated_objects_never_get_a_500(self):
        """Seeded mutations (wrong types, nulls, out-of-range numbers) of the
        objects the controller writes: 2xx, 4xx, never an internal error."""
        import copy
        import random
        rnd = random.Random(11)
        bases = [
            ("pods", pod("p", volumes=[{"name": "d", "emptyDir": {}}],
                         tolerations=[{"key": "k", "operator": "Exists"}])),
            ("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
                          "spec": {"ports": [{"name": "a", "port": 80}],
                                   "selector": {"a": "b"}}}),
            ("sandboxclaims", claim("c", lifecycle={"ttlSecondsAfterFinished": 3},
                                    env=[{"name": "a", "value": "b"}]))]
        bases[0][1]["spec"]["containers"][0].update(
            ports=[{"containerPort": 80}], env=[{"name": "A", "value": "1"}],
            volumeMounts=[{"name": "d", "mountPath": "/d"}],
            resources={"limits": {"cpu": "1"}})
        weird = [None, 1, -1, 1.5, "x", "", True, [], {}, [1], [None], {"a": 1}, 70000]

        def paths(o, at=()):
            yield at
            items = o.items() if isinstance(o, dict) else \
                enumerate(o) if isinstance(o, list) else ()
            for k, v in items:
                yield from paths(v, at + (k,))
        for i in range(150):
            resource, base = rnd.choice(bases)
            body = copy.deepcopy(base)
            for _ in range(rnd.randint(1, 3)):
                target = rnd.choice([p for p in paths(body) if len(p) > 1 and
                                     p[0] not in ("apiVersion", "kind", "metadata")])
                node = body
                for part in target[:-1]:
                    node = node[part]
                node[target[-1]] = copy.deepcopy(rnd.choice(weird))
            body["metadata"]["name"] = "m%d" % i
            r = self.kube.post(path(resource, self.ns), body)
            self.assertLess(r.status, 500, (body, r.body))


class ManagedFieldsAndApply(ServerTestCase):
    def apply(self, body, manager, force=False, expect=None):
        query = "fieldManager=" + manager + ("&force=true" if force else "")
        r = self.kube.patch(path("sandboxwarmpools", self.ns, body["metadata"]["name"],
                                 query=query), body, "apply")
        if expect:
            self.assertEqual(r.status, expect, r.body)
        return r

    def test_update_diff_and_create_tree_match_the_field_sets(self):
        """managedfields._Diff walks only what an update changed; it must
        answer what comparing both objects' whole field sets answers (and
        fields_tree, a create's one walk, what field_values gives)."""
        rnd = random.Random(7)

        def value(depth):
            r = rnd.random()
            if depth > 3 or r < 0.4:
                return rnd.choice([1, "a", "b", None, True, [], {}, 2.5])
            if r < 0.7:
                return {rnd.choice("abcd"): value(depth + 1) for _ in range(rnd.randint(0, 3))}
            if r < 0.85:
                return [{"name": rnd.choice("xyz"), "v": value(depth + 1)}
                        for _ in range(rnd.randint(0, 3))]
            return [value(depth + 1) for _ in range(rnd.randint(0, 2))]

        def mutated(obj):
            obj = json.loads(json.dumps(obj))
            for _ in range(rnd.randint(0, 3)):
                target = obj if rnd.random() < 0.6 else obj["metadata"]
                key = rnd.choice(["spec", "status", "labels", "containers", "finalizers"])
                if rnd.random() < 0.3:
                    target.pop(key, None)
                else:
                    target[key] = value(0)
            return obj

        for _ in range(2000):
            builtin, include_status = rnd.random() < 0.5, rnd.random() < 0.5
            old = mutated({"apiVersion": "v1", "kind": "Pod",
                           "metadata": {"name": "p", "uid": "u", "labels": value(1)},
                           "spec": value(0), "status": value(0)})
            new = mutated(old)
            old_values = managedfields.field_values(old, builtin, include_status)
            new_values = managedfields.field_values(new, builtin, include_status)
            diff = managedfields._Diff(old, new, builtin, include_status)  # noqa: SLF001
            self.assertEqual(diff.changed, managedfields._changed(old_values, new_values))  # noqa: SLF001
            self.assertEqual(diff.gone, set(old_values) - set(new_values))
            asked = set(old_values) | set(new_values) | {("f:metadata",), ("f:kind",),
                                                         ("f:metadata", "f:uid"), ("x",)}
            self.assertEqual(diff.in_new(asked), asked & set(new_values))
            tree = managedfields.fields_tree(new, builtin, include_status)
            self.assertEqual(json.dumps(tree), json.dumps(managedfields.to_fields_v1(new_values)))

    def test_managed_fields_and_conflicts(self):
        r = self.kube.post(path("sandboxwarmpools", self.ns, query="fieldManager=creator"),
                           warm_pool("p", replicas=2))
        entry, = r.json()["metadata"]["managedFields"]
        self.assertEqual((entry["manager"], entry["operation"], entry["fieldsType"]),
                         ("creator", "Update", "FieldsV1"))
        self.assertEqual(entry["fieldsV1"]["f:spec"]["f:replicas"], {})
        r = self.apply(warm_pool("p", replicas=3), "x")
        status = self.assertStatus(r, 409, "Conflict", 'Apply failed with 1 conflict: conflict '
                                   'with "creator" using extensions.agents.x-k8s.io/v1beta1: '
                                   '.spec.replicas')
        self.assertEqual(status["details"]["causes"], [
            {"reason": "FieldManagerConflict", "field": ".spec.replicas",
             "message": 'conflict with "creator" using extensions.agents.x-k8s.io/v1beta1'}])
        body = warm_pool("p", replicas=3)
        body["spec"]["updateStrategy"] = {"type": "Recreate"}
        applied = self.apply(body, "x", force=True, expect=200).json()
        owners = {e["manager"]: e for e in applied["metadata"]["managedFields"]}
        self.assertEqual(owners["x"]["operation"], "Apply")
        self.assertNotIn("f:replicas", owners["creator"]["fieldsV1"].get("f:spec", {}))
        # dropping a field from the applied configuration removes it
        del body["spec"]["updateStrategy"]
        again = self.apply(body, "x", expect=200).json()
        self.assertNotIn("updateStrategy", again["spec"])
        r = self.kube.patch(path("sandboxwarmpools", self.ns, "p", query="fieldManager=x"),
                            {"spec": {}}, "apply")
        self.assertStatus(r, 400, "BadRequest")    # no apiVersion/kind
        r = self.kube.patch(path("sandboxwarmpools", self.ns, "p", query="force=true"),
                            {"spec": {}})
        self.assertStatus(r, 422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: force: '
                          'Forbidden: may not be specified for non-apply patch')

    def test_apply_to_built_in_kinds_merges_by_key_and_removes_what_it_dropped(self):
        svc = path("services", self.ns, "s")
        one = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s",
                                                                   "labels": {"a": "1"}},
               "spec": {"ports": [{"name": "http", "port": 80}], "selector": {"app": "x"}}}
        self.assertEqual(self.kube.patch(svc + "?fieldManager=one", one, "apply").status, 201)
        two = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s",
                                                                   "labels": {"b": "2"}},
               "spec": {"ports": [{"name": "grpc", "port": 90}]}}
        got = self.kube.patch(svc + "?fieldManager=two", two, "apply").json()
        self.assertEqual((got["metadata"]["labels"], [p["port"] for p in got["spec"]["ports"]]),
                         ({"a": "1", "b": "2"}, [80, 90]))
        del one["metadata"]["labels"], one["spec"]["ports"]
        got = self.kube.patch(svc + "?fieldManager=one", one, "apply").json()
        self.assertEqual(got["metadata"]["labels"], {"b": "2"})
        self.assertEqual(got["spec"]["ports"], [{"name": "grpc", "port": 90, "protocol": "TCP",
                                                 "targetPort": 90}])
        self.assertEqual(got["spec"]["selector"], {"app": "x"})

    def test_apply_accepts_yaml_and_creates(self):
        text = ("apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxWarmPool\n"
                "metadata:\n  name: y\nspec:\n  sandboxTemplateRef: {name: t}\n"
                "  replicas: 4\n")
        r = self.kube.request("PATCH", path("sandboxwarmpools", self.ns, "y",
                                            query="fieldManager=kubectl"), text,
                              content_type="application/apply-patch+yaml")
        self.assertEqual(r.status, 201, r.body)
        self.assertEqual(r.json()["spec"]["replicas"], 4)
        self.assertEqual(r.json()["metadata"]["managedFields"][0]["operation"], "Apply")


class BoundedDecoding(ServerTestCase):
    def test_deep_json_and_yaml_are_400_not_500(self):
        for depth, code in ((100000, 400), (10001, 400), (9000, 201)):
            body = ('{"apiVersion":"extensions.agents.x-k8s.io/v1beta1","kind":'
                    '"SandboxTemplate","metadata":{"name":"d%d"},"spec":{"podTemplate":'
                    '{"spec":{"containers":[{"name":"a","x":%s}]}}}}'
                    % (depth, "[" * depth + "]" * depth))
            r = self.kube.post(path("sandboxtemplates", self.ns), body)
            self.assertEqual(r.status, code, r.body[:300])
            if code == 400:
                self.assertStatus(r, 400, "BadRequest", "couldn't get version/kind; json "
                                  "parse error: exceeded max depth")
        r = self.kube.patch(path("sandboxtemplates", self.ns, "d9000"),
                            '[{"op":"add","path":"/spec/y","value":%s}]'
                            % ("[" * 20000 + "]" * 20000), "json")
        self.assertEqual(r.status, 400, r.body[:300])
        deep_yaml = "spec: " + "[" * 20000 + "]" * 20000
        r = self.kube.request("PATCH", path("sandboxtemplates", self.ns, "d9000",
                                            query="fieldManager=m"), deep_yaml,
                              content_type="application/apply-patch+yaml")
        self.assertStatus(r, 400, "BadRequest")
        self.assertIn("exceeded max depth", r.json()["message"])
        r = self.kube.post(path("sandboxtemplates", self.ns), b"[" * (4 * 1024 * 1024))
        self.assertEqual(r.status, 413)
        self.assertEqual(self.kube.get(EXT + "/namespaces/%s/sandboxtemplates/d9000"
                                       % self.ns).status, 200)

    def test_yaml_reader_survives_mutated_input(self):
        """Random byte-level mutations of the CRD files: every result parses
        or is a YamlError, never another exception (seeded: reproducible)."""
        import random
        rnd = random.Random(8)
        texts = []
        for name in sorted(os.listdir(schema.DEFAULT_CRD_DIR)):
            with open(os.path.join(schema.DEFAULT_CRD_DIR, name)) as f:
                texts.append(f.read())
        pieces = [":", "- ", "[", "]", "{", "}", "'", '"', "#", "|", "\n", "\t", " ", "&a",
                  "*a", "---", "\ufeff", "\r\n", "\\", "-1", "null"]
        for _ in range(1500):
            text = rnd.choice(texts)
            for _ in range(rnd.randint(1, 4)):
                at = rnd.randrange(len(text))
                cut = rnd.randint(0, 8)
                text = text[:at] + rnd.choice(pieces) + text[at + cut:]
            try:
                yamlsub.load_all(text)
            except yamlsub.YamlError:
                pass

    def test_yaml_subset(self):
        self.assertEqual(yamlsub.load("a: [1, {b: c}]\nd:\n- x\n- y: 1\n  z: 'q'\n"
                                      "e: |\n  l1\n  # kept\n  l2\nf: p, [q]\n"),
                         {"a": [1, {"b": "c"}], "d": ["x", {"y": 1, "z": "q"}],
                          "e": "l1\n# kept\nl2\n", "f": "p, [q]"})
        for bad in ("a: &x 1", "a:\n\tb: 1", "a: [1"):
            with self.assertRaises(yamlsub.YamlError):
                yamlsub.load(bad)


@unittest.skipUnless(have_kubectl(), "kubectl not installed")
class KubectlFidelity(test_kubectl.KubectlCase):
    """What kubectl users see: server-side apply with conflicts, the
    server's pod defaults, strict field validation (kubectl's default)."""

    POOL = ("apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxWarmPool\n"
            "metadata:\n  name: p\nspec:\n  replicas: %d\n  sandboxTemplateRef: {name: t}\n")

    def test_server_side_apply_and_conflicts(self):
        out = self.kubectl("apply", "--server-side", "-n", self.ns, "-f", "-",
                           stdin=self.POOL % 2).stdout
        self.assertIn("serverside-applied", out)
        self.kubectl("scale", "-n", self.ns, "swp", "p", "--replicas", "5")
        r = self.kubectl("apply", "--server-side", "-n", self.ns, "-f", "-",
                         stdin=self.POOL % 3, check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('Apply failed with 1 conflict: conflict with "kubectl" with subresource '
                      '"scale" using extensions.agents.x-k8s.io/v1beta1: .spec.replicas',
                      r.stderr)
        self.kubectl("apply", "--server-side", "--force-conflicts", "-n", self.ns, "-f", "-",
                     stdin=self.POOL % 3)
        got = json.loads(self.kubectl("get", "-n", self.ns, "swp", "p", "-o", "json",
                                      "--show-managed-fields").stdout)
        self.assertEqual(got["spec"]["replicas"], 3)
        self.assertEqual([(e["manager"], e["operation"]) for e in
                          got["metadata"]["managedFields"]], [("kubectl", "Apply")])
        r = self.kubectl("apply", "--server-side", "-n", self.ns, "-f", "-", check=False,
                         stdin=self.POOL % 3 + "  colour: red\n")
        self.assertIn("failed to create typed patch object (extensions.agents.x-k8s.io/v1beta1,"
                      " Kind=SandboxWarmPool): .spec.colour: field not declared in schema",
                      r.stderr)

    def test_explain_reads_the_crd_schema(self):
        out = self.kubectl("explain", "sandboxclaim.spec.lifecycle.shutdownPolicy").stdout
        self.assertIn("KIND:       SandboxClaim", out)
        self.assertEqual(out.split("ENUM:")[1].split()[:3],
                         ["Delete", "DeleteForeground", "Retain"])
        out = self.kubectl("explain", "swp.spec").stdout
        self.assertIn("How many unclaimed sandboxes to keep warm.", out)

    def test_get_events_shows_events_k8s_io_events(self):
        self.kubectl("create", "-n", self.ns, "-f", "-", stdin=json.dumps({
            "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e"},
            "eventTime": "2026-01-01T00:00:00.000000Z", "reason": "SandboxAdopted",
            "regarding": {"kind": "Sandbox", "namespace": self.ns, "name": "s"},
            "note": "adopted pod p", "type": "Normal", "action": "Adopt",
            "reportingController": "warmpool.io/controller", "reportingInstance": "c-0"}))
        out = self.kubectl("get", "events", "-n", self.ns).stdout
        self.assertIn("SandboxAdopted", out)
        self.assertIn("sandbox/s", out)
        self.assertIn("adopted pod p", out)

    def test_create_pod_shows_server_defaults(self):
        manifest = ("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n"
                    "  containers: [{name: web, image: nginx:1.25}]\n")
        self.kubectl("create", "-n", self.ns, "-f", "-", stdin=manifest)
        got = json.loads(self.kubectl("get", "-n", self.ns, "pod", "web", "-o",
                                      "json").stdout)
        self.assertEqual((got["spec"]["dnsPolicy"], got["spec"]["containers"][0]
                          ["imagePullPolicy"], got["status"]["phase"]),
                         ("ClusterFirst", "IfNotPresent", "Pending"))
        r = self.kubectl("create", "-n", self.ns, "-f", "-", check=False,
                         stdin=manifest.replace("web}", "web2}").replace("1.25}",
                                                                         "1.25, bogus: 1}"))
        self.assertIn('strict decoding error: unknown field "spec.containers[0].bogus"',
                      r.stderr)


if __name__ == "__main__":
    unittest.main()
