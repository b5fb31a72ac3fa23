#!/usr/bin/env python3
"""The SandboxTemplate reconciler (UPSTREAM.md §1, §8): the ref-hash label and
the NetworkPolicy it manages, checked field by field."""
import unittest

from harness import Cluster, fnv, template, wait_for

NS = "default"

DEFAULT_INGRESS = [{"from": [{"podSelector": {"matchLabels": {"app": "sandbox-router"}},
                              "namespaceSelector": {"matchLabels": {
                                  "kubernetes.io/metadata.name": "agent-sandbox-system"}}}]}]
DEFAULT_EGRESS = [{"to": [
    {"ipBlock": {"cidr": "0.0.0.0/0",
                 "except": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"]}},
    {"ipBlock": {"cidr": "::/0", "except": ["fc00::/7", "fe80::/10"]}}]}]


class TemplateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Cluster(nodes=None, controller_args=["--controllers", "template"])
        cls.c.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.c.__exit__(None, None, None)

    def policy(self, name, predicate=lambda p: True):
        return self.c.wait_object("NetworkPolicy", NS, name + "-network-policy", predicate, 10)

    def test_label_and_default_policy(self):
        c = self.c
        t = c.create(template("python"))
        tm = c.wait_object("SandboxTemplate", NS, "python",
                           lambda o: o["metadata"].get("labels", {}).get(
                               "agents.x-k8s.io/sandbox-template-ref-hash") == fnv("python"))
        np = self.policy("python")
        self.assertEqual(np["metadata"]["ownerReferences"], [{
            "apiVersion": "extensions.agents.x-k8s.io/v1beta1", "kind": "SandboxTemplate", "name": "python",
            "uid": t["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}])
        spec = np["spec"]
        self.assertEqual(spec["podSelector"], {"matchLabels": {"agents.x-k8s.io/sandbox-template-ref-hash": fnv("python")}})
        self.assertEqual(spec["policyTypes"], ["Ingress", "Egress"])
        self.assertEqual(spec["ingress"], DEFAULT_INGRESS)
        self.assertEqual(spec["egress"], DEFAULT_EGRESS)
        self.assertEqual(tm["metadata"]["labels"]["agents.x-k8s.io/sandbox-template-ref-hash"], fnv("python"))

    def test_custom_policy_keeps_selector_and_types(self):
        c = self.c
        custom = {"ingress": [{"ports": [{"port": 8888, "protocol": "TCP"}]}], "egress": []}
        c.create(template("custom", networkPolicy=custom))
        np = self.policy("custom")
        self.assertEqual(np["spec"]["podSelector"],
                         {"matchLabels": {"agents.x-k8s.io/sandbox-template-ref-hash": fnv("custom")}})
        self.assertEqual(np["spec"]["policyTypes"], ["Ingress", "Egress"])
        self.assertEqual(np["spec"]["ingress"], custom["ingress"])
        self.assertEqual(np["spec"].get("egress", []), [])

    def test_drift_is_updated_back(self):
        c = self.c
        c.create(template("drift"))
        np = self.policy("drift")
        np["spec"]["ingress"] = []
        np["spec"]["policyTypes"] = ["Ingress"]
        c.update(np)
        np = self.policy("drift", lambda p: p["spec"]["policyTypes"] == ["Ingress", "Egress"]
                         and p["spec"].get("ingress") == DEFAULT_INGRESS)
        self.assertEqual(np["spec"]["egress"], DEFAULT_EGRESS)

    def test_template_change_to_custom_updates_and_unmanaged_deletes(self):
        c = self.c
        c.create(template("switch"))
        self.policy("switch")
        t = c.get("SandboxTemplate", NS, "switch")
        t["spec"]["networkPolicy"] = {"egress": [{"to": [{"ipBlock": {"cidr": "1.2.3.4/32"}}]}]}
        c.update(t)
        self.policy("switch", lambda p: p["spec"].get("egress") == [{"to": [{"ipBlock": {"cidr": "1.2.3.4/32"}}]}]
                    and not p["spec"].get("ingress"))
        t = c.get("SandboxTemplate", NS, "switch")
        t["spec"]["networkPolicyManagement"] = "Unmanaged"
        c.update(t)
        c.wait_gone("NetworkPolicy", NS, "switch-network-policy")

    def test_foreign_policy_is_left_alone(self):
        c = self.c
        foreign = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                   "metadata": {"name": "mine-network-policy", "namespace": NS},
                   "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}
        c.create(foreign)
        c.create(template("mine"))
        wait_for(lambda: "network policy not controlled by its template" in c.controller.log(), 10,
                 what="the refusal in the log")
        np = c.get("NetworkPolicy", NS, "mine-network-policy")
        self.assertNotIn("ownerReferences", np["metadata"])
        self.assertEqual(np["spec"]["policyTypes"], ["Ingress"])

    def test_deleted_policy_is_recreated_and_template_deletion_collects_it(self):
        c = self.c
        c.create(template("gc"))
        uid = self.policy("gc")["metadata"]["uid"]
        c.delete("NetworkPolicy", NS, "gc-network-policy")
        self.policy("gc", lambda p: p["metadata"]["uid"] != uid)
        c.delete("SandboxTemplate", NS, "gc")
        c.wait_gone("NetworkPolicy", NS, "gc-network-policy")


if __name__ == "__main__":
    unittest.main()
