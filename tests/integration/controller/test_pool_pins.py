#!/usr/bin/env python3
"""Warm pool members run digest-pinned images when a digest resolver plugin
is configured (CONTROLLER.md "Plugins at work"): every unpinned image becomes
`<image>@sha256:...`, the pins are recorded as warmpool.io/image-digests, a
moved tag makes Recreate members stale, and an image the resolver cannot
resolve keeps its tag. Uses the fixture resolver (answers the digest in its
config; fails for "missing:tag"). Skipped when the fixtures are not built."""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Cluster, fnv, template, wait_for  # noqa: E402

NS = "default"
FIXTURES = os.environ.get("WP_PLUGIN_FIXTURES", "")
D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64


def resolver_config(d, digest):
    cfg = os.path.join(d, "plugins-%s.yaml" % digest[-4:])
    with open(cfg, "w") as f:
        f.write("plugins:\n  - name: pins\n    kind: digest-resolver\n    path: %s/resolver.so\n"
                "    config:\n      digest: %s\n" % (FIXTURES, digest))
    return cfg


def members(c, name):
    return c.list("Sandbox", NS, selector="agents.x-k8s.io/warm-pool-sandbox=" + fnv(name))


def images(sb):
    return [x["image"] for x in sb["spec"]["podTemplate"]["spec"]["containers"]]


@unittest.skipUnless(os.path.exists(os.path.join(FIXTURES, "resolver.so")), "plugin fixtures not built")
class PoolPinsTest(unittest.TestCase):
    def test_members_are_pinned_and_a_moved_tag_recreates_them(self):
        with tempfile.TemporaryDirectory() as d:
            args = ["--controllers", "pool", "--leader-elect=false"]
            with Cluster(nodes=None, controller_args=args + ["--plugin-config", resolver_config(d, D1)]) as c:
                c.create(template("py", containers=[{"name": "main", "image": "python:3.12"},
                                                    {"name": "side", "image": "missing:tag"}]))
                c.create({"apiVersion": "extensions.agents.x-k8s.io/v1beta1", "kind": "SandboxWarmPool",
                          "metadata": {"name": "pinned", "namespace": NS},
                          "spec": {"replicas": 2, "sandboxTemplateRef": {"name": "py"},
                                   "updateStrategy": {"type": "Recreate"}}})
                first = wait_for(lambda: (lambda m: m if len(m) == 2 else None)(members(c, "pinned")), 10)
                for sb in first:
                    self.assertEqual(images(sb), ["python:3.12@" + D1, "missing:tag"])
                    self.assertEqual(json.loads(sb["metadata"]["annotations"]["warmpool.io/image-digests"]),
                                     {"main": "python:3.12@" + D1})
                    # The hash label is upstream's: of the template as written.
                    self.assertRegex(sb["metadata"]["labels"]["agents.x-k8s.io/sandbox-template-hash"],
                                     "^[0-9a-f]{8}$")
                c.controller.stop()
                # The tag moved (a restarted controller resolves afresh).
                c.start_controller(*(args + ["--plugin-config", resolver_config(d, D2)]))

                def moved():
                    m = members(c, "pinned")
                    return m if len(m) == 2 and all(images(s)[0] == "python:3.12@" + D2 for s in m) else None
                second = wait_for(moved, 15, what="members on the new digest")
                self.assertFalse({s["metadata"]["uid"] for s in first} & {s["metadata"]["uid"] for s in second})
                self.assertEqual([s["metadata"]["labels"]["agents.x-k8s.io/sandbox-template-hash"] for s in second],
                                 [first[0]["metadata"]["labels"]["agents.x-k8s.io/sandbox-template-hash"]] * 2)


if __name__ == "__main__":
    unittest.main()
