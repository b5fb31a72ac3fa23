"""SandboxClaim with all four reconcilers and the node simulator: the pool
warms real members (Pods scheduled and started by the simulated nodes), a
claim adopts one and reports the Pod's IP, the pool refills, an env claim is
cold-started and becomes Ready, and upstream's claim metrics count both."""
import time
import unittest

from harness import Cluster, condition, fnv, metric_value, wait_for
from claim_objects import claim, pool, template

NS = "default"


def pool_status(c, name, **want):
    def ok():
        st = (c.get("SandboxWarmPool", NS, name) or {}).get("status", {})
        return st if all(st.get(k) == v for k, v in want.items()) else None
    return wait_for(ok, 20, what="pool %s status %r" % (name, want))


class ClaimSystemTest(unittest.TestCase):
    def test_warm_and_cold_claims_on_a_real_pool(self):
        with Cluster(nodes=2, controller_args=["--leader-elect=false"]) as c:
            c.create(template("tmpl", NS, envVarsInjectionPolicy="Allowed"))
            c.create(pool("pool", "tmpl", NS, replicas=2))
            pool_status(c, "pool", replicas=2, readyReplicas=2)

            stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(time.time() - 0.2))
            cl = c.create(claim("warm-one", "pool", NS, labels={"agents.x-k8s.io/created-by": "python-client"},
                                annotations={"agents.x-k8s.io/webhook-first-observed-at": stamp,
                                             "agents.x-k8s.io/client-first-requested-at": stamp}))
            got = c.wait_condition("SandboxClaim", NS, "warm-one", "Ready", "True", "DependenciesReady", timeout=20)
            name = got["status"]["sandbox"]["name"]
            self.assertTrue(name.startswith("pool-"))
            pod = c.get("Pod", NS, name)
            self.assertEqual(got["status"]["sandbox"]["podIPs"], [x["ip"] for x in pod["status"]["podIPs"]])
            sb = c.get("Sandbox", NS, name)
            self.assertEqual(sb["metadata"]["ownerReferences"][0]["uid"], cl["metadata"]["uid"])
            # The Sandbox controller takes the pool label off the adopted pod.
            c.wait_object("Pod", NS, name, lambda p: fnv("pool") not in p["metadata"].get("labels", {}).values(),
                          timeout=20)
            # The pool refills to two members; the adopted one is not one of them.
            pool_status(c, "pool", replicas=2, readyReplicas=2)
            members = c.list("Sandbox", NS, selector="agents.x-k8s.io/warm-pool-sandbox=" + fnv("pool"))
            self.assertNotIn(name, [m["metadata"]["name"] for m in members])

            c.create(claim("cold-one", "pool", NS, env=[{"name": "MODE", "value": "cold"}]))
            got = c.wait_condition("SandboxClaim", NS, "cold-one", "Ready", "True", timeout=30)
            self.assertEqual(got["status"]["sandbox"]["name"], "cold-one")
            self.assertEqual(condition(got, "Ready")["reason"], "DependenciesReady")

            text = c.metrics()
            self.assertEqual(metric_value(text, "agent_sandbox_claim_creation_total", namespace=NS,
                                          sandbox_template="tmpl", launch_type="warm", warmpool_name="pool",
                                          pod_condition="ready", created_by="python-client"), 1)
            self.assertEqual(metric_value(text, "agent_sandbox_claim_creation_total", namespace=NS,
                                          sandbox_template="tmpl", launch_type="cold", warmpool_name="pool",
                                          pod_condition="not_ready", created_by="unknown"), 1)
            for series in ("agent_sandbox_claim_controller_startup_latency_ms", "agent_sandbox_claim_startup_latency_ms",
                           "agent_sandbox_client_claim_startup_latency_ms"):
                self.assertEqual(metric_value(text, series + "_count", launch_type="warm", sandbox_template="tmpl"), 1,
                                 series)
            # measured from the stamps: at least the 200 ms they are in the past
            self.assertEqual(metric_value(text, "agent_sandbox_claim_startup_latency_ms_bucket", launch_type="warm",
                                          sandbox_template="tmpl", le="100"), 0)
            self.assertEqual(metric_value(text, "agent_sandbox_claim_controller_startup_latency_ms_count",
                                          launch_type="cold", sandbox_template="tmpl"), 1)


if __name__ == "__main__":
    unittest.main()
