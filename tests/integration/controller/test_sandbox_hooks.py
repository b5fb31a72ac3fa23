#!/usr/bin/env python3
"""Post-start hooks on a Sandbox's first Ready (--plugin-config): every hook
plugin gets the "ready" event once, and the outcomes land on the Sandbox as
warmpool.io/post-start-hooks (ok after retries, timeout for a hook that
hangs). "claimed" (recorded as warmpool.io/claimed-hooks) and "released"
go through the real hook_http plugin to a loopback HTTP server. Skipped when the fixture plugins are not built (a build without
controller/plugin/)."""
import http.server
import json
import os
import tempfile
import threading
import time
import unittest

from harness import Cluster, metric_value, sandbox, template, wait_for
from claim_objects import claim, pool

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


class Receiver(http.server.BaseHTTPRequestHandler):
    """Records each POSTed hook event (a real HTTP server on loopback)."""
    events = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Receiver.events.append((self.path, json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


HOOK_HTTP = os.path.join(os.environ.get("WP_PLUGINS_DIR", ""), "hook_http.so")


@unittest.skipUnless(os.path.exists(HOOK_HTTP), "hook_http not built")
class ClaimHooksTest(unittest.TestCase):
    def test_claimed_and_released_reach_the_pod_through_hook_http(self):
        Receiver.events = []
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.shutdown)
        with tempfile.TemporaryDirectory() as d:
            cfg = os.path.join(d, "plugins.yaml")
            with open(cfg, "w") as f:
                f.write("plugins:\n  - name: notify\n    kind: hook\n    path: %s\n    config:\n"
                        "      port: %d\n      path: /hook\n" % (HOOK_HTTP, server.server_address[1]))
            with Cluster(nodes=None, controller_args=["--controllers", "sandbox,claim", "--leader-elect=false",
                                                      "--plugin-config", cfg]) as c:
                c.create(template("py"))
                c.create(pool("empty", "py"))
                c.create(claim("c", "empty"))
                c.wait_object("Pod", NS, "c", what="the cold start's pod")
                c.pod_ready(NS, "c", ip="127.0.0.1")
                sb = c.wait_object("Sandbox", NS, "c", lambda o: {ANNOT, "warmpool.io/claimed-hooks"} <=
                                   set(o["metadata"].get("annotations", {})), timeout=15)
                ann = sb["metadata"]["annotations"]
                self.assertEqual(json.loads(ann["warmpool.io/claimed-hooks"]),
                                 {"notify": {"attempts": 1, "message": "", "result": "ok"}})
                self.assertEqual(json.loads(ann[ANNOT])["notify"]["result"], "ok")
                got = {e["event"]: (path, e) for path, e in Receiver.events}
                self.assertEqual(sorted(e["event"] for _, e in Receiver.events), ["claimed", "ready"])
                self.assertEqual(got["claimed"][0], "/hook")
                self.assertEqual(got["claimed"][1]["claim"]["metadata"]["name"], "c")
                self.assertEqual(got["claimed"][1]["sandbox"]["metadata"]["name"], "c")
                self.assertIsNone(got["ready"][1]["claim"])

                # once each: later passes (the annotations' own watch events) send nothing new
                time.sleep(0.5)
                self.assertEqual(len(Receiver.events), 2)
                self.assertEqual(metric_value(c.metrics(), "warmpool_plugin_calls_total", plugin="notify",
                                              kind="hook", operation="event", result="ok"), 2)

                c.delete("SandboxClaim", NS, "c")
                rel = wait_for(lambda: [e for _, e in Receiver.events if e["event"] == "released"], 10,
                               what="the released event")
                self.assertEqual((rel[0]["claim"]["metadata"]["name"], rel[0]["sandbox"]["metadata"]["name"]),
                                 ("c", "c"))
                self.assertEqual(rel[0]["sandbox"]["metadata"]["annotations"]["warmpool.io/claimed-hooks"],
                                 ann["warmpool.io/claimed-hooks"])


if __name__ == "__main__":
    unittest.main()
