#!/usr/bin/env python3
"""Cold starts pin images like pool members (one code path, image_pins.c),
and --digest-failure-policy decides what an unresolvable image does:
fallback (default) runs the tag; hold creates nothing (no pool members; a
claim's cold start waits with Ready=False ImageDigestUnresolved) until the
resolver answers. Uses the fixture resolver (answers the digest in its
config; fails for "missing:tag"). Skipped when the fixtures are not built."""
import json
import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Cluster, condition, fnv, template, wait_for  # noqa: E402
from claim_objects import claim, pool  # noqa: E402

NS = "default"
FIXTURES = os.environ.get("WP_PLUGIN_FIXTURES", "")
D1 = "sha256:" + "1" * 64


def resolver_config(d):
    cfg = os.path.join(d, "plugins.yaml")
    with open(cfg, "w") as f:
        f.write("plugins:\n  - name: pins\n    kind: digest-resolver\n    path: %s/resolver.so\n"
                "    config:\n      digest: %s\n" % (FIXTURES, D1))
    return cfg


def images(sb):
    return [x["image"] for x in sb["spec"]["podTemplate"]["spec"]["containers"]]


def members(c, name):
    return c.list("Sandbox", NS, selector="agents.x-k8s.io/warm-pool-sandbox=" + fnv(name))


@unittest.skipUnless(os.path.exists(os.path.join(FIXTURES, "resolver.so")), "plugin fixtures not built")
class DigestPolicyTest(unittest.TestCase):
    def test_cold_start_is_pinned_and_fallback_keeps_the_tag(self):
        with tempfile.TemporaryDirectory() as d:
            args = ["--controllers", "claim", "--leader-elect=false", "--plugin-config", resolver_config(d)]
            with Cluster(nodes=None, controller_args=args) as c:
                c.create(template("py", containers=[{"name": "main", "image": "python:3.12"},
                                                    {"name": "side", "image": "missing:tag"}]))
                c.create(pool("empty", "py"))
                c.create(claim("cold", "empty"))
                sb = c.wait_object("Sandbox", NS, "cold", what="the cold Sandbox")
                self.assertEqual(sb["metadata"]["labels"]["agents.x-k8s.io/launch-type"], "cold")
                self.assertEqual(images(sb), ["python:3.12@" + D1, "missing:tag"])
                self.assertEqual(json.loads(sb["metadata"]["annotations"]["warmpool.io/image-digests"]),
                                 {"main": "python:3.12@" + D1})

    def test_hold_creates_nothing_until_the_digest_resolves(self):
        with tempfile.TemporaryDirectory() as d:
            args = ["--controllers", "pool,claim", "--leader-elect=false", "--plugin-config", resolver_config(d),
                    "--digest-failure-policy", "hold"]
            with Cluster(nodes=None, controller_args=args) as c:
                c.create(template("py", containers=[{"name": "main", "image": "python:3.12"},
                                                    {"name": "side", "image": "missing:tag"}]))
                c.create(pool("held", "py", replicas=2))
                c.create(claim("waits", "held"))
                cl = c.wait_condition("SandboxClaim", NS, "waits", "Ready", "False",
                                      reason="ImageDigestUnresolved")
                self.assertEqual(condition(cl, "Ready")["message"],
                                 "cold start held until the image digest resolves (--digest-failure-policy=hold): "
                                 "image \"missing:tag\": plugin pins: fail: manifest unknown")
                time.sleep(1.0)
                self.assertEqual(members(c, "held"), [])
                self.assertEqual([s["metadata"]["name"] for s in c.list("Sandbox", NS)], [])
                self.assertTrue(any("pool holds member creation" in line for line in c.controller.log_lines()))
                # The image becomes resolvable: creation resumes, pinned.
                t = c.get("SandboxTemplate", NS, "py")
                t["spec"]["podTemplate"]["spec"]["containers"][1]["image"] = "busybox:1.36"
                c.update(t)
                got = wait_for(lambda: (lambda m: m if len(m) >= 2 else None)(c.list("Sandbox", NS)), 15,
                               what="sandboxes after the hold")
                for sb in got:
                    self.assertEqual(images(sb), ["python:3.12@" + D1, "busybox:1.36@" + D1])
                c.wait_object("SandboxClaim", NS, "waits",
                              lambda o: o.get("status", {}).get("sandbox", {}).get("name"), timeout=15,
                              what="the claim bound")

    def test_bad_policy_is_refused(self):
        import subprocess
        from harness import BIN
        r = subprocess.run([BIN, "--digest-failure-policy", "wait"], capture_output=True, text=True, timeout=10)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('--digest-failure-policy: "wait" is not fallback or hold', r.stderr)


if __name__ == "__main__":
    unittest.main()
