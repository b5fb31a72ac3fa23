"""The node simulator (--nodes): Node objects, scheduling (nodeSelector,
taints and tolerations, capacity, the scheduler's Unschedulable message),
pod start (status as a kubelet writes it), graceful deletion confirmed by
the node, scripted failures through /_test/, node removal, kubectl views."""
import ipaddress
import json
import subprocess
import unittest

import fixture
from testlib import ServerTestCase, have_kubectl, owner_ref, path, pod, sandbox

TS = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"
FAST = ("--pod-start-delay", "0.05", "--pod-delete-delay", "0.05", "--eviction-delay", "0.1")


def wait_for(cond, message="condition"):
    return fixture.wait_for(cond, 5, message=message)


class NodeSim(ServerTestCase):
    server_args = ("--nodes", "3", "--node-labels", "node-3/disk=ssd",
                   "--node-labels", "zone=z1", "--node-taint", "node-2/dedicated=gpu:NoSchedule"
                   ) + FAST

    def pod_when(self, name, cond):
        def check():
            obj = self.get("pods", name)
            return obj if cond(obj) else None
        return wait_for(check, "pod %s" % name)

    def running(self, name):
        return self.pod_when(name, lambda p: p["status"].get("phase") == "Running")

    def node(self, name):
        r = self.kube.get("/api/v1/nodes/" + name)
        self.assertEqual(r.status, 200, r.body)
        return r.json()

    def test_nodes_are_served(self):
        nodes = self.kube.get("/api/v1/nodes").json()
        self.assertEqual(nodes["kind"], "NodeList")
        names = [n["metadata"]["name"] for n in nodes["items"]]
        self.assertEqual(names, ["node-1", "node-2", "node-3"])
        n2, n3 = self.node("node-2"), self.node("node-3")
        self.assertEqual(n2["spec"]["taints"], [{"key": "dedicated", "value": "gpu",
                                                 "effect": "NoSchedule"}])
        self.assertEqual(n2["spec"]["podCIDR"], "10.244.2.0/24")
        self.assertEqual(n3["metadata"]["labels"]["disk"], "ssd")
        self.assertEqual(n3["metadata"]["labels"]["zone"], "z1")
        self.assertEqual(n3["metadata"]["labels"]["kubernetes.io/hostname"], "node-3")
        self.assertNotIn("disk", n2["metadata"]["labels"])
        self.assertEqual(n3["status"]["allocatable"]["pods"], "110")
        ready = [c for c in n3["status"]["conditions"] if c["type"] == "Ready"]
        self.assertEqual([(c["status"], c["reason"]) for c in ready], [("True", "KubeletReady")])
        self.assertEqual(n3["status"]["addresses"][0], {"type": "InternalIP",
                                                        "address": "172.18.0.5"})

    def test_pod_is_bound_and_started(self):
        rv = self.control.state()["resourceVersion"]
        w = self.kube.watch(path("pods", self.ns, query="watch=1&resourceVersion=%d" % rv))
        self.addCleanup(w.close)
        self.create("pods", pod("p", nodeSelector={"disk": "ssd"}))
        p = self.running("p")
        self.assertEqual(p["spec"]["nodeName"], "node-3")
        status = p["status"]
        self.assertEqual([(c["type"], c["status"]) for c in status["conditions"]],
                         [("Initialized", "True"), ("Ready", "True"),
                          ("ContainersReady", "True"), ("PodScheduled", "True")])
        for c in status["conditions"]:
            self.assertRegex(c["lastTransitionTime"], TS)
            self.assertIsNone(c["lastProbeTime"])
        self.assertIn(ipaddress.ip_address(status["podIP"]),
                      ipaddress.ip_network(self.node("node-3")["spec"]["podCIDR"]))
        self.assertEqual(status["podIPs"], [{"ip": status["podIP"]}])
        self.assertEqual(status["hostIP"], "172.18.0.5")
        self.assertEqual(status["hostIPs"], [{"ip": "172.18.0.5"}])     # v1.30+ kubelets
        self.assertRegex(status["startTime"], TS)
        self.assertEqual(status["qosClass"], "BestEffort")
        [c] = status["containerStatuses"]
        self.assertEqual(c["image"], "busybox:1.36")
        self.assertRegex(c["imageID"], r"^docker\.io/library/busybox@sha256:[0-9a-f]{64}$")
        self.assertRegex(c["containerID"], r"^containerd://[0-9a-f]{64}$")
        self.assertEqual((c["ready"], c["started"], c["restartCount"]), (True, True, 0))
        self.assertEqual(list(c["state"]), ["running"])
        kubelet = [m for m in p["metadata"]["managedFields"] if m["manager"] == "kubelet"]
        self.assertEqual([(m["operation"], m["subresource"]) for m in kubelet],
                         [("Update", "status")])
        self.assertIn('k:{"type":"Ready"}', kubelet[0]["fieldsV1"]["f:status"]["f:conditions"])
        events = w.events(4)
        steps = [(e["type"], e["object"]["spec"].get("nodeName"),
                  e["object"]["status"].get("phase")) for e in events]
        self.assertEqual(steps, [("ADDED", None, "Pending"), ("MODIFIED", "node-3", "Pending"),
                                 ("MODIFIED", "node-3", "Pending"),
                                 ("MODIFIED", "node-3", "Running")])
        # the kubelet's first status: admitted, containers being created
        creating = events[2]["object"]["status"]
        self.assertEqual(creating["hostIP"], "172.18.0.5")
        self.assertNotIn("podIP", creating)
        self.assertEqual(creating["containerStatuses"][0]["state"],
                         {"waiting": {"reason": "ContainerCreating"}})
        self.assertEqual({c["type"]: (c["status"], c.get("reason"))
                          for c in creating["conditions"]},
                         {"Initialized": ("True", None),
                          "Ready": ("False", "ContainersNotReady"),
                          "ContainersReady": ("False", "ContainersNotReady"),
                          "PodScheduled": ("True", None)})

    def test_taints_and_tolerations(self):
        toleration = {"key": "dedicated", "operator": "Equal", "value": "gpu",
                      "effect": "NoSchedule"}
        pin = {"kubernetes.io/hostname": "node-2"}
        self.create("pods", pod("tolerant", nodeSelector=pin, tolerations=[toleration]))
        self.assertEqual(self.running("tolerant")["spec"]["nodeName"], "node-2")
        self.create("pods", pod("intolerant", nodeSelector=pin))
        p = self.pod_when("intolerant", lambda p: p["status"].get("conditions"))
        self.assertEqual(p["status"]["phase"], "Pending")
        self.assertNotIn("nodeName", p["spec"])
        [cond] = p["status"]["conditions"]
        self.assertIn(("kube-scheduler", "status"), [(m["manager"], m.get("subresource"))
                                                     for m in p["metadata"]["managedFields"]])
        self.assertEqual(cond["type"], "PodScheduled")
        self.assertEqual((cond["status"], cond["reason"]), ("False", "Unschedulable"))
        self.assertEqual(cond["message"],
                         "0/3 nodes are available: 1 node(s) had untolerated taint "
                         "{dedicated: gpu}, 2 node(s) didn't match Pod's node "
                         "affinity/selector. preemption: 0/3 nodes are available: 3 "
                         "Preemption is not helpful for scheduling..")
        # spreading: unpinned pods avoid the tainted node
        for i in range(4):
            self.create("pods", pod("s%d" % i))
        for i in range(4):
            self.assertIn(self.running("s%d" % i)["spec"]["nodeName"], ("node-1", "node-3"))

    def test_graceful_delete_is_confirmed_by_the_node(self):
        self.create("pods", pod("p"))
        running = self.running("p")
        w = self.kube.watch(path("pods", self.ns, query="watch=1&resourceVersion=" +
                                 running["metadata"]["resourceVersion"]))
        self.addCleanup(w.close)
        marked = self.delete("pods", "p")
        self.assertEqual(marked["metadata"]["deletionGracePeriodSeconds"], 30)
        self.wait_gone("pods", "p")
        events = w.events(3)
        self.assertEqual([(e["type"], e["object"]["metadata"]["deletionGracePeriodSeconds"])
                          for e in events], [("MODIFIED", 30), ("MODIFIED", 0), ("DELETED", 0)])

    def test_scripted_pod_failures(self):
        for name in ("f", "c", "u"):
            self.create("pods", pod(name))
            self.running(name)
        failed = self.control.pod("fail", self.ns, "f", exitCode=3, reason="Crashed",
                                  message="boom")
        self.assertEqual(failed["status"]["phase"], "Failed")
        self.assertEqual(failed["status"]["reason"], "Crashed")
        term = failed["status"]["containerStatuses"][0]["state"]["terminated"]
        self.assertEqual((term["exitCode"], term["reason"]), (3, "Error"))
        ready = {c["type"]: c for c in failed["status"]["conditions"]}["Ready"]
        self.assertEqual((ready["status"], ready["reason"], ready["message"]),
                         ("False", "ContainersNotReady", "containers with unready status: [main]"))
        done = self.control.pod("complete", self.ns, "c")
        self.assertEqual(done["status"]["phase"], "Succeeded")
        self.assertEqual({c["type"]: c.get("reason") for c in done["status"]["conditions"]}
                         ["Ready"], "PodCompleted")
        self.assertEqual(done["status"]["containerStatuses"][0]["state"]["terminated"]
                         ["exitCode"], 0)
        # finished pods are deleted at once, without the node
        self.delete("pods", "c")
        self.assertFalse(self.exists("pods", "c"))
        before = self.get("pods", "u")
        unready = self.control.pod("unready", self.ns, "u")
        conds = {c["type"]: c for c in unready["status"]["conditions"]}
        self.assertEqual(conds["Ready"]["status"], "False")
        self.assertEqual(conds["ContainersReady"]["reason"], "ContainersNotReady")
        self.assertEqual(conds["Initialized"], {c["type"]: c for c in
                                                before["status"]["conditions"]}["Initialized"])
        self.assertEqual(unready["status"]["phase"], "Running")
        self.assertFalse(unready["status"]["containerStatuses"][0]["ready"])
        again = self.control.pod("ready", self.ns, "u")
        self.assertEqual({c["type"]: c["status"] for c in again["status"]["conditions"]}
                         ["Ready"], "True")
        r = self.kube.post("/_test/pods/fail", {"namespace": self.ns, "name": "nope"})
        self.assertStatus(r, 404, "NotFound")

    def test_namespace_deletion_waits_for_the_nodes(self):
        for name in ("a", "b"):
            self.create("pods", pod(name))
            self.running(name)
        rv = self.control.state()["resourceVersion"]
        w = self.kube.watch(path("pods", self.ns, query="watch=1&resourceVersion=%d" % rv))
        self.addCleanup(w.close)
        r = self.kube.delete("/api/v1/namespaces/" + self.ns)
        self.assertEqual(r.status, 200, r.body)
        # the namespace controller deletes the pods gracefully; the nodes confirm
        steps = {}
        for e in w.events(6):
            meta = e["object"]["metadata"]
            steps.setdefault(meta["name"], []).append(
                (e["type"], meta.get("deletionGracePeriodSeconds")))
        self.assertEqual(steps, {n: [("MODIFIED", 30), ("MODIFIED", 0), ("DELETED", 0)]
                                 for n in ("a", "b")})
        wait_for(lambda: self.kube.get("/api/v1/namespaces/" + self.ns).status == 404,
                 "namespace %s to go" % self.ns)

    def test_foreground_owner_waits_for_its_running_pods(self):
        owner = self.create("sandboxes", sandbox("sb"))
        for i in range(2):
            body = pod("p%d" % i)
            body["metadata"]["ownerReferences"] = [owner_ref(owner, block=True,
                                                             controller=True)]
            self.create("pods", body)
            self.running("p%d" % i)
        marked = self.delete("sandboxes", "sb", {"propagationPolicy": "Foreground"})
        self.assertEqual(marked["metadata"]["finalizers"], ["foregroundDeletion"])
        # the pods are deleted gracefully, confirmed by their nodes, then the owner goes
        self.wait_gone("sandboxes", "sb")
        self.assertEqual(self.kube.get(path("pods", self.ns)).json()["items"], [])

    def test_readiness_gates(self):
        self.create("pods", pod("g", readinessGates=[{"conditionType": "example.com/lb"}]))
        p = self.running("g")
        conds = {c["type"]: c for c in p["status"]["conditions"]}
        self.assertEqual(conds["ContainersReady"]["status"], "True")
        self.assertEqual((conds["Ready"]["status"], conds["Ready"]["reason"],
                          conds["Ready"]["message"]),
                         ("False", "ReadinessGatesNotReady",
                          'corresponding condition of pod readiness gate "example.com/lb" '
                          'does not exist.'))
        # a controller sets the gate's condition: the kubelet makes the pod Ready
        gate = {"type": "example.com/lb", "status": "False"}
        self.patch("pods", "g", {"status": {"conditions": [gate]}}, "strategic", sub="status")
        wait_for(lambda: {c["type"]: c.get("message") for c in self.get("pods", "g")["status"][
            "conditions"]}["Ready"] == 'the status of pod readiness gate "example.com/lb" is '
                                       'not "True", but False')
        gate["status"] = "True"
        self.patch("pods", "g", {"status": {"conditions": [gate]}}, "strategic", sub="status")
        wait_for(lambda: {c["type"]: c["status"] for c in self.get("pods", "g")["status"][
            "conditions"]}["Ready"] == "True")

    def test_cordon_by_patch(self):
        r = self.kube.patch("/api/v1/nodes/node-1", {"spec": {"unschedulable": True}})
        self.assertEqual(r.status, 200, r.body)
        self.addCleanup(self.kube.patch, "/api/v1/nodes/node-1",
                        {"spec": {"unschedulable": None}})
        wait_for(lambda: [n for n in self.control.nodes()["nodes"]
                          if n["name"] == "node-1" and n["unschedulable"]])
        self.create("pods", pod("p", nodeSelector={"kubernetes.io/hostname": "node-1"}))
        cond = self.pod_when("p", lambda p: p["status"].get("conditions"))["status"][
            "conditions"][0]
        self.assertEqual(cond["message"],
                         "0/3 nodes are available: 1 node(s) didn't match Pod's node "
                         "affinity/selector, 1 node(s) had untolerated taint {dedicated: gpu}, "
                         "1 node(s) were unschedulable. preemption: 0/3 nodes are available: "
                         "3 Preemption is not helpful for scheduling..")

    @unittest.skipUnless(have_kubectl(), "kubectl is not installed")
    def test_kubectl_wide_views(self):
        self.create("pods", pod("p"))
        ip = self.running("p")["status"]["podIP"]
        kc = ["kubectl", "--kubeconfig", self.server.kubeconfig]
        out = subprocess.run(kc + ["get", "pods", "-n", self.ns, "-o", "wide"],
                             capture_output=True, text=True, check=True).stdout.splitlines()
        self.assertEqual(out[0].split(), ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP",
                                          "NODE", "NOMINATED", "NODE", "READINESS", "GATES"])
        row = out[1].split()
        self.assertEqual(row[:3] + row[5:7], ["p", "1/1", "Running", ip,
                                              self.get("pods", "p")["spec"]["nodeName"]])
        out = subprocess.run(kc + ["get", "nodes"], capture_output=True, text=True,
                             check=True).stdout.splitlines()
        self.assertEqual(out[0].split(), ["NAME", "STATUS", "ROLES", "AGE", "VERSION"])
        self.assertEqual([line.split()[:3] for line in out[1:]],
                         [["node-%d" % i, "Ready", "<none>"] for i in (1, 2, 3)])


class NodeResources(ServerTestCase):
    server_args = ("--nodes", "2", "--node-cpu", "1", "--node-memory", "1Gi") + FAST

    def test_requests_must_fit(self):
        big = {"requests": {"cpu": "600m", "memory": "256Mi"}}
        for name in ("a", "b"):
            self.create("pods", pod(name, containers=[{"name": "main", "image": "x:1",
                                                       "resources": big}]))
        wait_for(lambda: all(self.get("pods", n)["status"].get("phase") == "Running"
                             for n in ("a", "b")))
        self.assertNotEqual(self.get("pods", "a")["spec"]["nodeName"],
                            self.get("pods", "b")["spec"]["nodeName"])
        self.create("pods", pod("c", containers=[{"name": "main", "image": "x:1",
                                                  "resources": {"requests": {
                                                      "cpu": "500m", "memory": "900Mi"}}}]))
        cond = wait_for(lambda: self.get("pods", "c")["status"].get("conditions"))[0]
        self.assertEqual(cond["message"],
                         "0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory. "
                         "preemption: 0/2 nodes are available: 2 No preemption victims found "
                         "for incoming pod..")
        small = self.create("pods", pod("d", containers=[{"name": "main", "image": "x:1",
                                                          "resources": {"requests": {
                                                              "cpu": "100m"}}}]))
        self.assertTrue(small)
        wait_for(lambda: self.get("pods", "d")["status"].get("phase") == "Running")
        nodes = {n["name"]: n for n in self.control.nodes()["nodes"]}
        self.assertEqual(sorted(n["requested"]["cpu"] for n in nodes.values()),
                         ["600m", "700m"])
        # a finished pod frees its requests: c fits once a is done
        self.control.pod("complete", self.ns, "a")
        self.delete("pods", "d")
        wait_for(lambda: self.get("pods", "c")["status"].get("phase") == "Running")


class NodeLifecycle(ServerTestCase):
    server_args = ("--nodes", "0") + FAST

    def test_capacity_add_and_remove_nodes(self):
        self.create("pods", pod("a"))
        msg = lambda name: self.get("pods", name)["status"].get("conditions", [{}])[0].get(
            "message")
        wait_for(lambda: msg("a") == "no nodes available to schedule pods")
        node = self.control.add_node(name="small", capacity=1, labels={"pool": "x"},
                                     taints=["spot=yes:PreferNoSchedule"])
        self.assertEqual(node["status"]["allocatable"]["pods"], "1")
        self.assertEqual(node["spec"]["taints"], [{"key": "spot", "value": "yes",
                                                   "effect": "PreferNoSchedule"}])
        wait_for(lambda: self.get("pods", "a")["status"]["phase"] == "Running")
        self.create("pods", pod("b"))
        wait_for(lambda: msg("b") == (
            "0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes are available: "
            "1 No preemption victims found for incoming pod.."))
        # a finished pod no longer counts against the node's capacity
        self.control.pod("complete", self.ns, "a")
        b = fixture.wait_for(lambda: (lambda p: p if p["status"]["phase"] == "Running"
                                      else None)(self.get("pods", "b")), 5)
        self.assertEqual(b["spec"]["nodeName"], "small")
        self.assertEqual([(c["type"], c["status"]) for c in b["status"]["conditions"]
                          if c["type"] == "PodScheduled"], [("PodScheduled", "True")])
        # the node goes: its pods are failed by the pod GC, then deleted
        rv = self.control.state()["resourceVersion"]
        w = self.kube.watch(path("pods", self.ns, query="watch=1&resourceVersion=%d" % rv))
        self.addCleanup(w.close)
        self.control.remove_node("small")
        self.assertEqual(self.kube.get("/api/v1/nodes/small").status, 404)
        events = w.events(6)
        by_pod = {}
        for e in events:
            by_pod.setdefault(e["object"]["metadata"]["name"], []).append(e)
        self.assertEqual([e["type"] for e in by_pod["b"]], ["MODIFIED", "MODIFIED", "DELETED"])
        failed = by_pod["b"][0]["object"]["status"]
        self.assertEqual(failed["phase"], "Failed")
        disruption = [c for c in failed["conditions"] if c["type"] == "DisruptionTarget"]
        self.assertEqual([(c["status"], c["reason"], c["message"]) for c in disruption],
                         [("True", "DeletionByPodGC", "PodGC: node no longer exists")])
        self.assertEqual(by_pod["a"][-1]["type"], "DELETED")
        self.assertEqual(self.control.nodes()["nodes"], [])

    def test_bad_requests(self):
        r = self.kube.post("/_test/pods/fail", {"namespace": self.ns})
        self.assertEqual(r.status, 400)
        r = self.kube.post("/_test/nodes/config", {"startDelay": "3-1"})
        self.assertEqual(r.status, 400)
        self.assertIn("low <= high", r.json()["message"])
        self.create("pods", pod("loose", nodeName="elsewhere"))
        r = self.kube.post("/_test/pods/fail", {"namespace": self.ns, "name": "loose"})
        self.assertEqual(r.status, 409)


class NodeEvents(ServerTestCase):
    server_args = ("--nodes", "1", "--node-events", "--node-labels", "disk=hdd") + FAST

    def events_of(self, name):
        r = self.kube.get(path("events", self.ns, query="fieldSelector=involvedObject.name%3D"
                               + name))
        return r.json()["items"]

    def test_scheduler_and_kubelet_events(self):
        self.create("pods", pod("p"))
        wait_for(lambda: len(self.events_of("p")) == 4)
        events = sorted(self.events_of("p"), key=lambda e: int(e["metadata"]["resourceVersion"]))
        self.assertEqual([(e["type"], e["reason"], e["source"]) for e in events], [
            ("Normal", "Scheduled", {"component": "default-scheduler"}),
            ("Normal", "Pulled", {"component": "kubelet", "host": "node-1"}),
            ("Normal", "Created", {"component": "kubelet", "host": "node-1"}),
            ("Normal", "Started", {"component": "kubelet", "host": "node-1"})])
        self.assertEqual(events[0]["message"], "Successfully assigned %s/p to node-1" % self.ns)
        self.assertEqual(events[1]["message"],
                         'Container image "busybox:1.36" already present on machine')
        self.assertEqual(events[3]["involvedObject"]["fieldPath"], "spec.containers{main}")
        self.assertRegex(events[3]["metadata"]["name"], r"^p\.[0-9a-f]{16}$")
        self.delete("pods", "p")
        wait_for(lambda: [e for e in self.events_of("p") if e["reason"] == "Killing"])
        self.create("pods", pod("q", nodeSelector={"disk": "ssd"}))
        failed = wait_for(lambda: self.events_of("q"))
        self.assertEqual([(e["type"], e["reason"]) for e in failed],
                         [("Warning", "FailedScheduling")])
        self.assertTrue(failed[0]["message"].startswith("0/1 nodes are available: 1 node(s) "
                                                        "didn't match Pod's node affinity"))


class Restart(unittest.TestCase):
    def test_state_dir_restart_keeps_playing(self):
        import os
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            state = os.path.join(d, "state")
            flags = ("--state-dir", state, "--nodes", "1") + FAST
            first = fixture.start(*flags)
            try:
                kube = first.client()
                kube.post(path("pods", "default"), pod("old"))
                old = fixture.wait_for(lambda: (lambda p: p if p["status"].get("podIP")
                                                else None)(
                    kube.get(path("pods", "default", "old")).json()), 5)
            finally:
                self.assertEqual(first.stop(), 0)
            second = fixture.start(*flags)
            try:
                kube = second.client()
                self.assertEqual([n["name"] for n in second.control.nodes()["nodes"]],
                                 ["node-1"])
                kube.post(path("pods", "default"), pod("new"))
                new = fixture.wait_for(lambda: (lambda p: p if p["status"].get("podIP")
                                                else None)(
                    kube.get(path("pods", "default", "new")).json()), 5)
                self.assertNotEqual(new["status"]["podIP"], old["status"]["podIP"])
                # the restored pod's graceful deletion is still confirmed
                self.assertEqual(kube.delete(path("pods", "default", "old")).status, 200)
                fixture.wait_for(lambda: kube.get(path("pods", "default", "old")).status == 404,
                                 5)
            finally:
                self.assertEqual(second.stop(), 0)


class CommandLine(unittest.TestCase):
    def test_flag_errors(self):
        import apiserver
        for flags in (["--node-taint", "nocolon"], ["--pod-start-delay", "x"],
                      ["--node-labels", "novalue"]):
            with self.assertRaises(SystemExit) as cm, \
                    open("/dev/null", "w") as devnull:
                import contextlib
                with contextlib.redirect_stderr(devnull):
                    apiserver.parse_args(["--kubeconfig-out", "/dev/null", "--nodes", "1"] +
                                         flags)
            self.assertEqual(cm.exception.code, 2)

    def test_flag_parsing(self):
        from kapi import nodes
        self.assertEqual(nodes.parse_taint("node-2/a.io/k=v:NoExecute"),
                         ("node-2", {"key": "a.io/k", "value": "v", "effect": "NoExecute"}))
        self.assertEqual(nodes.parse_taint("k:NoSchedule"),
                         (None, {"key": "k", "effect": "NoSchedule"}))
        self.assertEqual(nodes.parse_labels("a.io/x=1,b=2"), (None, {"a.io/x": "1", "b": "2"}))
        self.assertEqual(nodes.parse_labels("n1/b=2"), ("n1", {"b": "2"}))
        self.assertEqual(nodes.Delay("0.5-1.5").low, 0.5)
        self.assertTrue(0.5 <= nodes.Delay("0.5-1.5").sample() <= 1.5)


class SchedulingUnit(unittest.TestCase):
    def test_tolerations(self):
        from kapi.scheduling import tolerates
        taint = {"key": "k", "value": "v", "effect": "NoSchedule"}
        self.assertTrue(tolerates({"key": "k", "operator": "Exists"}, taint))
        self.assertTrue(tolerates({"operator": "Exists"}, taint))
        self.assertTrue(tolerates({"key": "k", "value": "v"}, taint))
        self.assertFalse(tolerates({"key": "k", "value": "w"}, taint))
        self.assertFalse(tolerates({"key": "k", "operator": "Exists", "effect": "NoExecute"},
                                   taint))

    def test_required_node_affinity(self):
        from kapi.scheduling import affinity_matches
        spec = {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [
                {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a", "b"]},
                                      {"key": "gpu", "operator": "DoesNotExist"}]},
                {"matchFields": [{"key": "metadata.name", "operator": "In",
                                  "values": ["special"]}]}]}}}}
        self.assertTrue(affinity_matches(spec, "n", {"zone": "a"}))
        self.assertFalse(affinity_matches(spec, "n", {"zone": "a", "gpu": "1"}))
        self.assertFalse(affinity_matches(spec, "n", {"zone": "c"}))
        self.assertTrue(affinity_matches(spec, "special", {}))
        gt = {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [
                {"key": "cores", "operator": "Gt", "values": ["4"]}]}]}}}}
        self.assertTrue(affinity_matches(gt, "n", {"cores": "8"}))
        self.assertFalse(affinity_matches(gt, "n", {"cores": "2"}))

    def test_message_histogram_is_sorted(self):
        from kapi.scheduling import unschedulable_message
        self.assertEqual(
            unschedulable_message(12, [["Too many pods"]] * 10 +
                                  [["node(s) were unschedulable"]] * 2),
            "0/12 nodes are available: 10 Too many pods, 2 node(s) were unschedulable. "
            "preemption: 0/12 nodes are available: 10 No preemption victims found for "
            "incoming pod, 2 Preemption is not helpful for scheduling..")
        # NodeResourcesFit may refuse for several resources at once: each is counted,
        # the node once in the preemption verdict
        self.assertEqual(
            unschedulable_message(3, [["Insufficient cpu", "Insufficient memory"]] * 2 +
                                  [["Insufficient memory"]]),
            "0/3 nodes are available: 2 Insufficient cpu, 3 Insufficient memory. "
            "preemption: 0/3 nodes are available: 3 No preemption victims found for "
            "incoming pod..")

    def test_pod_request(self):
        from kapi.scheduling import pod_request
        spec = {"containers": [{"resources": {"requests": {"cpu": "250m", "memory": "64Mi"}}},
                               {"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}],
                "initContainers": [{"resources": {"requests": {"cpu": "2"}}},
                                   {"restartPolicy": "Always",
                                    "resources": {"requests": {"memory": "16Mi"}}}],
                "overhead": {"cpu": "10m"}}
        self.assertEqual(pod_request(spec), (2010, 64 * 2 ** 20 + 2 ** 30 + 16 * 2 ** 20))
        self.assertEqual(pod_request({"containers": [{}]}), (0, 0))


class PodStatusUnit(unittest.TestCase):
    def test_status_fields_tree_matches_managedfields(self):
        from kapi import managedfields, podstatus
        from kapi.nodesim import _fields_tree
        pod = {"metadata": {"uid": "u"},
               "spec": {"containers": [{"name": "a", "image": "x:1"}, {"name": "b", "image": "y"}],
                        "initContainers": [{"name": "i", "image": "z"}]},
               "status": {"phase": "Pending", "qosClass": "BestEffort", "conditions": [
                   {"type": "x.io/gate", "status": "True", "extra": {"a": 1}}]}}
        running = dict(pod, status=podstatus.running(pod, "T", "1.2.3.4", "10.0.0.2"))
        for status in (podstatus.creating(pod, "T", "1.2.3.4"), running["status"],
                       podstatus.terminated(running, "T", False, 3, "R", "m"),
                       podstatus.terminated(running, "T", True),
                       podstatus.readiness(running, "T", False),
                       podstatus.node_lost(pod, "T"), podstatus.unschedulable(pod, "T", "m")):
            self.assertEqual({"f:status": _fields_tree(status, top=True)},
                             managedfields.to_fields_v1(
                                 managedfields.field_set({"status": status}, True)))

    def test_init_containers_and_sidecars(self):
        from kapi import podstatus
        pod = {"metadata": {"uid": "u"},
               "spec": {"containers": [{"name": "main", "image": "app:1"}],
                        "initContainers": [{"name": "setup", "image": "tool:1"},
                                           {"name": "proxy", "image": "envoy:1",
                                            "restartPolicy": "Always"}]},
               "status": {"phase": "Pending"}}
        status = podstatus.running(pod, "T", "1.2.3.4", "10.0.0.2")
        init = {s["name"]: s for s in status["initContainerStatuses"]}
        self.assertEqual(init["setup"]["state"]["terminated"]["reason"], "Completed")
        self.assertFalse(init["setup"]["started"])
        self.assertEqual(list(init["proxy"]["state"]), ["running"])
        self.assertTrue(init["proxy"]["started"] and init["proxy"]["ready"])

    def test_image_ids(self):
        from kapi.podstatus import image_id
        digest = "sha256:" + "b" * 64
        self.assertEqual(image_id("ghcr.io/a/b@" + digest), "ghcr.io/a/b@" + digest)
        self.assertEqual(image_id("busybox:1.36@" + digest), "docker.io/library/busybox@" + digest)
        self.assertRegex(image_id("team/app:2"), r"^docker\.io/team/app@sha256:[0-9a-f]{64}$")
        self.assertRegex(image_id("registry.local:5000/x/y:2"),
                         r"^registry\.local:5000/x/y@sha256:[0-9a-f]{64}$")
        self.assertNotEqual(image_id("busybox:1.36"), image_id("busybox:1.37"))

    def test_conditions_keep_transition_time(self):
        from kapi.podstatus import set_conditions
        old = [{"type": "PodScheduled", "status": "True", "lastTransitionTime": "T0"},
               {"type": "Ready", "status": "False", "lastTransitionTime": "T0"},
               {"type": "example.com/gate", "status": "True", "lastTransitionTime": "T0"}]
        new = set_conditions(old, [
            {"type": "Ready", "status": "True", "lastTransitionTime": "T1"},
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": "T1"},
            {"type": "Initialized", "status": "True", "lastTransitionTime": "T1"}])
        self.assertEqual([(c["type"], c["lastTransitionTime"]) for c in new],
                         [("Initialized", "T1"), ("Ready", "T1"), ("PodScheduled", "T0"),
                          ("example.com/gate", "T0")])


if __name__ == "__main__":
    unittest.main()
