#!/usr/bin/env python3
"""The Sandbox reconciler under faults (issue 9, "Correctness under faults"):
watches closed every half second, 410 Gone, 429 storms on pod creation, an
API outage, kill -9 in the middle of a burst, and deletion leaving nothing
behind. After each, every Sandbox is Ready with exactly one Pod."""
import time
import unittest

from harness import Cluster, container, fnv, sandbox, wait_for

NS = "default"


class SandboxFaultsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # election off: an outage longer than the renew deadline would (rightly) make a leader exit
        cls.c = Cluster(nodes=3, controller_args=["--controllers", "sandbox", "--leader-elect=false"])
        cls.c.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.c.__exit__(None, None, None)

    def all_ready_with_one_pod(self, names, timeout=30):
        c = self.c

        def ready():
            for n in names:
                sb = c.get("Sandbox", NS, n)
                conds = {x["type"]: x for x in (sb or {}).get("status", {}).get("conditions", [])}
                if conds.get("Ready", {}).get("status") != "True":
                    return False
            return True
        wait_for(ready, timeout, step=0.2, what="every sandbox Ready")
        for n in names:
            pods = c.list("Pod", NS, selector="agents.x-k8s.io/sandbox-name-hash=" + fnv(n))
            self.assertEqual([p["metadata"]["name"] for p in pods], [n], "pods of " + n)

    def test_watch_drops_gone_and_throttled_creates(self):
        c = self.c
        c.control.close_watches_every(0.5)
        c.control.throttle(count=40, retry_after=1, path="/api/v1/namespaces/default/pods", methods=["POST"])
        names = ["churn-%d" % i for i in range(15)]
        try:
            for i, n in enumerate(names):
                c.create(sandbox(n))
                if i % 5 == 4:
                    c.control.compact(expire_watches=True)  # resume points too old: 410, relist
            self.all_ready_with_one_pod(names)
        finally:
            c.control.close_watches_every(0)
        text = c.metrics()
        self.assertIn('warmpool_controller_relists_total{resource="pods"}', text)

    def test_api_outage(self):
        c = self.c
        names = ["out-%d" % i for i in range(5)]
        for n in names:
            c.create(sandbox(n))
        c.control.fail(count=100000, code=503, seconds=6)
        time.sleep(6.5)
        self.all_ready_with_one_pod(names)
        c.create(sandbox("out-after"))  # watches resumed: new work is seen
        self.all_ready_with_one_pod(["out-after"], timeout=20)

    def test_kill_9_mid_burst_then_restart(self):
        c = self.c
        names = ["burst-%d" % i for i in range(20)]
        for n in names[:10]:
            c.create(sandbox(n))
        old = c.controllers.pop(0)
        old.proc.kill()
        old.proc.wait()
        for n in names[10:]:
            c.create(sandbox(n))
        new = c.start_controller("--controllers", "sandbox", "--leader-elect=false")
        c.controllers.remove(new)
        c.controllers.insert(0, new)  # c.controller (metrics, logs) is the live one
        self.all_ready_with_one_pod(names)

    def test_deleting_a_sandbox_leaves_nothing(self):
        c = self.c
        c.create(sandbox("gone", service=True, containers=[container(ports=[{"containerPort": 80}])],
                         volumeClaimTemplates=[{"metadata": {"name": "w"},
                                                "spec": {"accessModes": ["ReadWriteOnce"],
                                                         "resources": {"requests": {"storage": "1Gi"}}}}]))
        self.all_ready_with_one_pod(["gone"])
        self.assertIsNotNone(c.get("PersistentVolumeClaim", NS, "w-gone"))
        c.delete("Sandbox", NS, "gone")
        c.wait_gone("Pod", NS, "gone", timeout=15)
        c.wait_gone("Service", NS, "gone", timeout=15)
        # garbage collection deletes the PVC; pvc-protection lets it go once no pod uses it
        c.wait_gone("PersistentVolumeClaim", NS, "w-gone", timeout=15)


if __name__ == "__main__":
    unittest.main()
