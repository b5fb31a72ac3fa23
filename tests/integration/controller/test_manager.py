#!/usr/bin/env python3
"""warmpool-controller as a program: flags and their errors, an unreachable
API server, /healthz and /readyz, leader election between two replicas
(only the leader writes; SIGTERM releases the Lease so the standby takes
over at once; a replica that loses the Lease exits)."""
import os
import signal
import subprocess
import tempfile
import time
import unittest

from harness import BIN, Cluster, sandbox, wait_for

NS = "default"
FAST_ELECTION = ["--leader-election-lease-duration", "3s", "--leader-election-renew-deadline", "2s",
                 "--leader-election-retry-period", "500ms"]


def run(*args, timeout=10):
    p = subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


class FlagsTest(unittest.TestCase):
    def test_help_and_version(self):
        rc, out, _ = run("--help")
        self.assertEqual(rc, 0)
        for flag in ("--kubeconfig", "--namespace", "--controllers", "--leader-elect", "--leader-election-namespace",
                     "--leader-election-id", "--metrics-listen", "--health-listen", "--sandbox-concurrent-workers",
                     "--sandbox-claim-concurrent-workers", "--sandbox-warm-pool-concurrent-workers",
                     "--sandbox-template-concurrent-workers", "--sandbox-warm-pool-max-batch-size",
                     "--sandbox-warm-pool-readiness-grace-period", "--cluster-domain", "--allowed-label-domains",
                     "--config", "--kube-api-qps", "--kube-api-burst", "--log-format"):
            self.assertIn(flag + " ", out)
        self.assertIn("(default :8080)", out)
        self.assertIn("(default :8081)", out)
        rc, out, _ = run("--version")
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"^warmpool-controller \d+\.\d+\.\d+\n$")

    def test_bad_flags_say_what_is_wrong(self):
        cases = [
            (["--bogus"], "warmpool-controller: unknown flag --bogus (see --help)\n"),
            (["--controllers=sandbox,nope"],
             'warmpool-controller: --controllers: unknown controller "nope" (known: sandbox, template, pool, claim)\n'),
            (["--kube-api-qps", "fast"], 'warmpool-controller: --kube-api-qps: "fast" is not a number\n'),
            (["--log-format=xml"], 'warmpool-controller: --log-format: "xml" is not json or text\n'),
            (["--sandbox-concurrent-workers", "0"], None),
            (["--leader-election-lease-duration=2s", "--leader-election-renew-deadline=5s"],
             "warmpool-controller: --leader-election-*: need lease-duration > renew-deadline > 1.2 x retry-period\n"),
        ]
        for args, want in cases:
            rc, out, err = run(*args)
            self.assertEqual(rc, 2, args)
            self.assertEqual(out, "")
            if want:
                self.assertEqual(err, want)
            else:
                self.assertTrue(err.startswith("warmpool-controller: --sandbox-concurrent-workers"), err)

    def test_bad_rule_config(self):
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "rules.yaml")
            with open(bad, "w") as f:
                f.write("bogusKey: 1\n")
            rc, out, err = run("--config", bad)
            self.assertEqual(rc, 2)
            self.assertEqual(err, 'warmpool-controller: --config: %s: unknown key "bogusKey" '
                                  '(known: allowedLabelDomains, maxPoolReplicas, rules)\n' % bad)

    def test_missing_kubeconfig_and_unreachable_server(self):
        rc, _, err = run("--kubeconfig", "/nonexistent/kc")
        self.assertEqual(rc, 1)
        self.assertEqual(err, "warmpool-controller: kubeconfig /nonexistent/kc: cannot open: No such file or directory\n")
        with tempfile.TemporaryDirectory() as d:
            kc = os.path.join(d, "kc")
            with open(kc, "w") as f:
                f.write("apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters:\n- name: x\n  cluster:\n"
                        "    server: https://127.0.0.1:1\n    insecure-skip-tls-verify: true\ncontexts:\n"
                        "- name: x\n  context:\n    cluster: x\n    user: u\nusers:\n- name: u\n  user:\n"
                        "    token: t\n")
            rc, _, err = run("--kubeconfig", kc, timeout=60)
            self.assertEqual(rc, 1)
            self.assertTrue(err.startswith("warmpool-controller: cannot reach the API server at https://127.0.0.1:1: "),
                            err)


class HealthAndElectionTest(unittest.TestCase):
    def test_health_endpoints(self):
        with Cluster(nodes=None, controller_args=["--controllers", "sandbox"]) as c:
            ctl = c.controller
            self.assertEqual(ctl.http_get(ctl.health_url + "/healthz"), (200, "ok\n"))
            self.assertEqual(ctl.http_get(ctl.health_url + "/readyz"), (200, "ok\n"))
            self.assertEqual(ctl.http_get(ctl.health_url + "/nope")[0], 404)

    def test_namespace_flag_limits_what_is_reconciled(self):
        with Cluster(nodes=1, controller_args=["--controllers", "sandbox", "--namespace", "team-a",
                                               "--leader-elect=false"]) as c:
            c.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
            c.create(sandbox("mine", ns="team-a"))
            c.create(sandbox("other", ns=NS))
            c.wait_condition("Sandbox", "team-a", "mine", "Ready", "True", timeout=10)
            time.sleep(0.5)
            self.assertIsNone(c.get("Pod", NS, "other"))
            self.assertNotIn("status", c.get("Sandbox", NS, "other"))

    def lease(self, c):
        return c.get("Lease", NS, "warmpool-controller.warmpool.io")

    def test_only_the_leader_writes_and_sigterm_hands_over(self):
        args = ["--controllers", "sandbox", "--leader-election-namespace", NS] + FAST_ELECTION
        with Cluster(nodes=1, controller_args=args) as c:
            first = c.controller
            wait_for(lambda: (self.lease(c) or {}).get("spec", {}).get("holderIdentity"), 10, what="a lease holder")
            second = c.start_controller(*args)
            wait_for(second.ready, 10, what="standby ready")  # a synced standby is ready
            holder = self.lease(c)["spec"]["holderIdentity"]
            leader, standby = (first, second) if "leading" in [
                l.split('"msg":"')[1].split('"')[0] for l in first.log_lines() if '"msg":"' in l] else (second, first)
            self.assertIn('"msg":"leading"', leader.log())
            self.assertNotIn('"msg":"leading"', standby.log())
            c.create(sandbox("led"))
            c.wait_condition("Sandbox", NS, "led", "Ready", "True", timeout=10)
            self.assertIn("warmpool_controller_leader 1", leader.metrics())
            self.assertIn("warmpool_controller_leader 0", standby.metrics())
            self.assertNotIn("warmpool_controller_api_writes_total{", standby.metrics())
            # SIGTERM: the leader releases the lease; the standby leads within a retry period or two
            t0 = time.monotonic()
            self.assertEqual(leader.stop(signal.SIGTERM), 0)
            wait_for(lambda: '"msg":"leading"' in standby.log(), 5, what="standby takes over")
            self.assertLess(time.monotonic() - t0, 3.0)  # well before the 3 s lease would expire
            self.assertNotEqual(self.lease(c)["spec"]["holderIdentity"], holder)
            c.create(sandbox("after"))
            c.wait_condition("Sandbox", NS, "after", "Ready", "True", timeout=10)

    def test_kill_9_leader_standby_finishes_the_work(self):
        args = ["--controllers", "sandbox", "--leader-election-namespace", NS] + FAST_ELECTION
        with Cluster(nodes=1, controller_args=args) as c:
            first = c.controller
            wait_for(lambda: '"msg":"leading"' in first.log(), 10, what="first leads")
            second = c.start_controller(*args)
            wait_for(second.ready, 10, what="standby ready")
            first.proc.kill()  # no release: the standby waits for the lease to expire
            first.proc.wait()
            for i in range(5):
                c.create(sandbox("orphaned-%d" % i))
            t0 = time.monotonic()
            for i in range(5):
                c.wait_condition("Sandbox", NS, "orphaned-%d" % i, "Ready", "True", timeout=15)
            self.assertIn('"msg":"leading"', second.log())
            self.assertLess(time.monotonic() - t0, 10)

    def test_leader_that_cannot_renew_stops_and_exits(self):
        args = ["--controllers", "sandbox", "--leader-election-namespace", NS] + FAST_ELECTION
        with Cluster(nodes=None, controller_args=args) as c:
            wait_for(lambda: '"msg":"leading"' in c.controller.log(), 10, what="leading")
            c.control.fail(count=1000, code=500, path="/apis/coordination.k8s.io/v1/namespaces/default/leases")
            wait_for(lambda: c.controller.proc.poll() is not None, 10, what="exit after losing the lease")
            self.assertEqual(c.controller.proc.returncode, 1)
            self.assertIn('"msg":"stopped leading"', c.controller.log())


if __name__ == "__main__":
    unittest.main()
