#!/usr/bin/env python3
"""Post-start hooks on a Sandbox's first Ready (--plugin-config): every hook
plugin gets the "ready" event once, and the outcomes land on the Sandbox as
warmpool.io/post-start-hooks (ok after retries, timeout for a hook that
hangs). Skipped when the fixture plugins are not built (a build without
controller/plugin/)."""
import json
import os
import tempfile
import unittest

from harness import Cluster, metric_value, sandbox

NS = "default"
FIXTURES = os.environ.get("WP_PLUGIN_FIXTURES", "")
ANNOT = "warmpool.io/post-start-hooks"


@unittest.skipUnless(os.path.exists(os.path.join(FIXTURES, "no_op.so")), "plugin fixtures not built")
class SandboxHooksTest(unittest.TestCase):
    def test_ready_event_outcomes_are_recorded_once(self):
        with tempfile.TemporaryDirectory() as d:
            cfg = os.path.join(d, "plugins.yaml")
            with open(cfg, "w") as f:
                f.write("plugins:\n"
                        "  - name: ok\n    kind: hook\n    path: %s/no_op.so\n"
                        "  - name: flaky\n    kind: hook\n    path: %s/flaky_hook.so\n    deadline: 5s\n"
                        "    config:\n      ok_on_attempt: 2\n      token: t\n"
                        "  - name: stuck\n    kind: hook\n    path: %s/hangs.so\n    deadline: 300ms\n"
                        % (FIXTURES, FIXTURES, FIXTURES))
            with Cluster(nodes=1, controller_args=["--controllers", "sandbox", "--leader-elect=false",
                                                   "--plugin-config", cfg]) as c:
                c.create(sandbox("hooked"))
                sb = c.wait_object("Sandbox", NS, "hooked",
                                   lambda o: ANNOT in o["metadata"].get("annotations", {}), timeout=15)
                got = json.loads(sb["metadata"]["annotations"][ANNOT])
                self.assertEqual(set(got), {"ok", "flaky", "stuck"})
                self.assertEqual((got["ok"]["result"], got["ok"]["attempts"]), ("ok", 1))
                self.assertEqual((got["flaky"]["result"], got["flaky"]["attempts"]), ("ok", 2))
                self.assertEqual(got["stuck"]["result"], "timeout")
                # once: a later pass (pod deleted and recreated, Ready again) sends nothing new
                text = c.metrics()
                calls = metric_value(text, "warmpool_plugin_calls_total", plugin="ok", kind="hook",
                                     operation="event", result="ok")
                self.assertEqual(calls, 1)
                c.delete("Pod", NS, "hooked", gracePeriodSeconds=0)
                c.wait_condition("Sandbox", NS, "hooked", "Ready", "True", timeout=15)
                self.assertEqual(metric_value(c.metrics(), "warmpool_plugin_calls_total", plugin="ok", kind="hook",
                                              operation="event", result="ok"), 1)


if __name__ == "__main__":
    unittest.main()
