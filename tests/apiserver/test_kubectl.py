"""kubectl against the test server: discovery, apply (create and update) of
the upstream example manifests, get (tables, -o yaml/json, selectors, -w),
scale, label, patch and delete. Skipped when kubectl is not installed."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import unittest

from testlib import ServerTestCase, have_kubectl, reference_dir


@unittest.skipUnless(have_kubectl(), "kubectl is not installed")
class KubectlCase(ServerTestCase):
    """Runs kubectl against the shared server with a private HOME/cache."""
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.home = tempfile.mkdtemp(prefix="wp-kubectl-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.home, ignore_errors=True)
        super().tearDownClass()

    def kubectl_cmd(self, *args):
        return ["kubectl", "--kubeconfig", self.server.kubeconfig,
                "--cache-dir", os.path.join(self.home, "cache")] + list(args)

    def kubectl(self, *args, check=True, stdin=None):
        env = dict(os.environ, HOME=self.home)
        env.pop("KUBECONFIG", None)
        proc = subprocess.run(self.kubectl_cmd(*args), capture_output=True, text=True,
                              timeout=60, env=env, input=stdin)
        if check and proc.returncode != 0:
            self.fail("kubectl %s failed (%d): %s%s" % (" ".join(args), proc.returncode,
                                                      proc.stdout, proc.stderr))
        return proc


class Kubectl(KubectlCase):
    def test_api_resources(self):
        out = self.kubectl("api-resources").stdout
        rows = {tuple(line.split()) for line in out.splitlines()}
        for row in [("sandboxwarmpools", "swp", "extensions.agents.x-k8s.io/v1beta1", "true",
                     "SandboxWarmPool"),
                    ("sandboxclaims", "sandboxclaim", "extensions.agents.x-k8s.io/v1beta1",
                     "true", "SandboxClaim"),
                    ("sandboxes", "sandbox", "agents.x-k8s.io/v1beta1", "true", "Sandbox"),
                    ("namespaces", "ns", "v1", "false", "Namespace"),
                    ("leases", "coordination.k8s.io/v1", "true", "Lease")]:
            self.assertIn(row, rows)

    def test_create_namespace_and_get_table(self):
        ns = self.ns + "-x"
        self.assertEqual(self.kubectl("create", "namespace", ns).stdout.strip(),
                         "namespace/%s created" % ns)
        out = self.kubectl("get", "namespace", ns).stdout.splitlines()
        self.assertEqual(out[0].split(), ["NAME", "STATUS", "AGE"])
        self.assertEqual(out[1].split()[:2], [ns, "Active"])
        # apply on a built-in kind goes through a strategic merge patch
        manifest = lambda team: json.dumps({"apiVersion": "v1", "kind": "Namespace",
                                            "metadata": {"name": ns, "labels": {"team": team}}})
        self.assertEqual(self.kubectl("apply", "-f", "-", stdin=manifest("a")).stdout.strip(),
                         "namespace/%s configured" % ns)
        self.assertEqual(self.kubectl("apply", "-f", "-", stdin=manifest("b")).stdout.strip(),
                         "namespace/%s configured" % ns)
        labels = json.loads(self.kubectl("get", "ns", ns, "-o", "json").stdout)["metadata"][
            "labels"]
        self.assertEqual(labels, {"team": "b", "kubernetes.io/metadata.name": ns})

    def test_apply_examples(self):
        ref = reference_dir()
        if ref is None:
            self.skipTest("WP_REFERENCE_DIR not set")
        examples = os.path.join(ref, "examples")
        for ns in ("hermes-demo", "sandbox-agent-demo"):
            self.kubectl("create", "namespace", ns)
        applied = {}
        for name in sorted(os.listdir(examples)):
            out = self.kubectl("apply", "-f", os.path.join(examples, name)).stdout
            applied[name] = out.splitlines()
        self.assertIn("sandboxwarmpool.extensions.agents.x-k8s.io/hermes-pool created",
                      applied["hermes-agents-as-a-service"])
        self.assertIn("sandbox.agents.x-k8s.io/hello-world created",
                      applied["hello-world-sandbox"])
        # the second quickstart template has the same name: an update
        self.assertIn("sandboxtemplate.extensions.agents.x-k8s.io/secure-datascience-template "
                      "configured", applied["warmpool-quickstart"])
        again = self.kubectl("apply", "-f", os.path.join(examples, "kata-aks")).stdout
        self.assertEqual(sorted(again.split("\n")[:-1]), sorted([
            "sandboxclaim.extensions.agents.x-k8s.io/my-aks-agent unchanged",
            "sandboxtemplate.extensions.agents.x-k8s.io/kata-aks-template unchanged",
            "sandboxwarmpool.extensions.agents.x-k8s.io/kata-aks-warmpool unchanged"]))
        # update through apply: change replicas in a copy of the manifest
        with open(os.path.join(examples, "kata-aks", "sandboxwarmpool.yaml")) as f:
            manifest = re.sub(r"replicas: \d+", "replicas: 5", f.read())
        out = self.kubectl("apply", "-f", "-", stdin=manifest).stdout
        self.assertEqual(out.strip(),
                         "sandboxwarmpool.extensions.agents.x-k8s.io/kata-aks-warmpool configured")
        pool = json.loads(self.kubectl("get", "swp", "kata-aks-warmpool", "-n",
                                       "sandbox-agent-demo", "-o", "json").stdout)
        self.assertEqual(pool["spec"]["replicas"], 5)
        self.assertEqual(pool["metadata"]["generation"], 2)
        self.assertIn("kubectl.kubernetes.io/last-applied-configuration",
                      pool["metadata"]["annotations"])
        table = self.kubectl("get", "swp", "-A").stdout.splitlines()
        # the printer columns of charts/warmpool/crds/sandboxwarmpools.yaml
        self.assertEqual(table[0].split(), ["NAMESPACE", "NAME", "READY", "DESIRED", "TEMPLATE",
                                            "AGE"])
        self.assertIn(["sandbox-agent-demo", "kata-aks-warmpool", "5"],
                      [line.split()[:3] for line in table[1:]])
        yaml_out = self.kubectl("get", "sandboxclaim", "hermes-alice", "-n", "hermes-demo",
                                "-o", "yaml").stdout
        self.assertIn("kind: SandboxClaim", yaml_out)
        self.assertIn("sandbox.users.io/hermes-user: alice", yaml_out)
        out = self.kubectl("delete", "-f", os.path.join(examples, "hermes-agents-as-a-service"))
        self.assertIn('sandboxclaim.extensions.agents.x-k8s.io "hermes-alice" deleted',
                      out.stdout)
        self.assertEqual(self.kubectl("get", "sandboxclaims", "-n", "hermes-demo",
                                      "-o", "name").stdout, "")

    def test_selectors_label_patch_scale(self):
        manifest = json.dumps({"apiVersion": "v1", "kind": "List", "items": [
            {"apiVersion": "extensions.agents.x-k8s.io/v1beta1", "kind": "SandboxWarmPool",
             "metadata": {"name": name, "namespace": self.ns, "labels": {"tier": tier}},
             "spec": {"replicas": 1, "sandboxTemplateRef": {"name": "t"}}}
            for name, tier in (("gold-pool", "gold"), ("bronze-pool", "bronze"))]})
        self.kubectl("apply", "-f", "-", stdin=manifest)
        get = lambda *sel: self.kubectl("get", "swp", "-n", self.ns, "-o", "name", *sel).stdout
        self.assertEqual(get("-l", "tier=gold"),
                         "sandboxwarmpool.extensions.agents.x-k8s.io/gold-pool\n")
        self.assertEqual(get("-l", "tier notin (gold)"),
                         "sandboxwarmpool.extensions.agents.x-k8s.io/bronze-pool\n")
        self.assertEqual(get("--field-selector", "metadata.name=gold-pool"),
                         "sandboxwarmpool.extensions.agents.x-k8s.io/gold-pool\n")
        self.kubectl("label", "swp", "bronze-pool", "-n", self.ns, "tier=silver", "--overwrite")
        self.assertEqual(get("-l", "tier=silver"),
                         "sandboxwarmpool.extensions.agents.x-k8s.io/bronze-pool\n")
        self.kubectl("scale", "swp", "gold-pool", "-n", self.ns, "--replicas=4")
        self.kubectl("patch", "swp", "bronze-pool", "-n", self.ns, "--type=json", "-p",
                     '[{"op":"replace","path":"/spec/replicas","value":3}]')
        out = self.kubectl("get", "swp", "-n", self.ns, "-o",
                           "jsonpath={range .items[*]}{.metadata.name}={.spec.replicas} {end}")
        self.assertEqual(out.stdout.split(), ["bronze-pool=3", "gold-pool=4"])

    def test_watch(self):
        self.kubectl("apply", "-f", "-", stdin=json.dumps({
            "apiVersion": "extensions.agents.x-k8s.io/v1beta1", "kind": "SandboxClaim",
            "metadata": {"name": "watched", "namespace": self.ns},
            "spec": {"warmPoolRef": {"name": "p"}}}))
        env = dict(os.environ, HOME=self.home)
        proc = subprocess.Popen(self.kubectl_cmd("get", "sandboxclaims", "-n", self.ns, "-w",
                                                 "--output-watch-events"),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env)
        lines = []
        seen = threading.Event()

        def read():
            for line in proc.stdout:
                lines.append(line.split())
                if line.split()[:1] == ["DELETED"]:
                    seen.set()
                    return
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            import time
            deadline = time.monotonic() + 20
            while not lines and time.monotonic() < deadline:
                time.sleep(0.05)
            self.kubectl("patch", "sandboxclaim", "watched", "-n", self.ns, "--type=merge",
                         "--subresource=status", "-p",
                         '{"status":{"sandbox":{"name":"sb-9"}}}')
            self.kubectl("delete", "sandboxclaim", "watched", "-n", self.ns)
            self.assertTrue(seen.wait(20), "kubectl -w printed %r" % lines)
        finally:
            proc.terminate()
            proc.wait(10)
            proc.stdout.close()
            proc.stderr.close()
        self.assertEqual(lines[0][:3], ["EVENT", "NAME", "READY"])
        self.assertEqual(lines[1][:2], ["ADDED", "watched"])
        self.assertEqual(lines[2][:3], ["MODIFIED", "watched", "sb-9"])
        self.assertEqual(lines[-1][:2], ["DELETED", "watched"])


if __name__ == "__main__":
    unittest.main()
