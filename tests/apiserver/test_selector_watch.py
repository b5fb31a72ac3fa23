"""Selector watches: an object that stops matching arrives as DELETED (with
its new state), one that starts matching as ADDED; exact event sequences
for label selectors, field selectors (the kubelet's spec.nodeName watch,
status.phase) and both together."""
import unittest

from testlib import ServerTestCase, path, pod


class SelectorWatch(ServerTestCase):
    def watch(self, query):
        rv = self.control.state()["resourceVersion"]
        w = self.kube.watch(path("pods", self.ns, query="watch=1&resourceVersion=%d&%s"
                                 % (rv, query)))
        self.addCleanup(w.close)
        return w

    def seq(self, w, n):
        return [(e["type"], e["object"]["metadata"]["name"],
                 e["object"]["metadata"]["resourceVersion"]) for e in w.events(n)]

    def rv(self, obj):
        return obj["metadata"]["resourceVersion"]

    def test_label_selector_sequence(self):
        w = self.watch("labelSelector=tier%3Dweb")
        a = self.create("pods", pod("a", labels={"tier": "web"}))
        self.create("pods", pod("b", labels={"tier": "db"}))
        a2 = self.patch("pods", "a", {"metadata": {"labels": {"tier": "db"}}})
        b2 = self.patch("pods", "b", {"metadata": {"labels": {"tier": "web"}}})
        b3 = self.patch("pods", "b", {"metadata": {"annotations": {"x": "1"}}})
        self.patch("pods", "a", {"metadata": {"annotations": {"x": "1"}}})
        b4 = self.delete("pods", "b")     # persisted as deleting, then removed
        self.assertEqual(self.seq(w, 6), [
            ("ADDED", "a", self.rv(a)), ("DELETED", "a", self.rv(a2)),
            ("ADDED", "b", self.rv(b2)), ("MODIFIED", "b", self.rv(b3)),
            ("MODIFIED", "b", str(int(self.rv(b4)) - 1)), ("DELETED", "b", self.rv(b4))])

    def test_deleted_carries_new_state(self):
        w = self.watch("labelSelector=tier%3Dweb")
        self.create("pods", pod("a", labels={"tier": "web"}))
        self.patch("pods", "a", {"metadata": {"labels": {"tier": "db"}}})
        events = w.events(2)
        self.assertEqual(events[1]["type"], "DELETED")
        self.assertEqual(events[1]["object"]["metadata"]["labels"], {"tier": "db"})

    def test_field_selector_node_name(self):
        # what a kubelet watches: pods bound to its node
        w = self.watch("fieldSelector=spec.nodeName%3Dnode-a")
        self.create("pods", pod("x"))
        self.create("pods", pod("y", nodeName="node-b"))
        z = self.create("pods", pod("z", nodeName="node-a"))
        z2 = self.patch("pods", "z", {"status": {"phase": "Running"}}, sub="status")
        z3 = self.delete("pods", "z")
        z4 = self.delete("pods", "z", query="gracePeriodSeconds=0")
        self.assertEqual(self.seq(w, 5), [
            ("ADDED", "z", self.rv(z)), ("MODIFIED", "z", self.rv(z2)),
            ("MODIFIED", "z", self.rv(z3)), ("MODIFIED", "z", str(int(self.rv(z4)) - 1)),
            ("DELETED", "z", self.rv(z4))])

    def test_field_selector_phase_transitions(self):
        w = self.watch("fieldSelector=status.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed")
        a = self.create("pods", pod("a", nodeName="n"))
        a2 = self.patch("pods", "a", {"status": {"phase": "Running"}}, sub="status")
        a3 = self.patch("pods", "a", {"status": {"phase": "Succeeded"}}, sub="status")
        self.patch("pods", "a", {"metadata": {"labels": {"done": "yes"}}})
        b = self.create("pods", pod("b"))
        events = w.events(4)
        self.assertEqual([(e["type"], e["object"]["metadata"]["name"],
                           e["object"]["metadata"]["resourceVersion"]) for e in events], [
            ("ADDED", "a", self.rv(a)), ("MODIFIED", "a", self.rv(a2)),
            ("DELETED", "a", self.rv(a3)), ("ADDED", "b", self.rv(b))])
        self.assertEqual(events[2]["object"]["status"]["phase"], "Succeeded")

    def test_label_and_field_selector_together(self):
        w = self.watch("labelSelector=app%3Dx&fieldSelector=spec.nodeName%3Dn1")
        self.create("pods", pod("a", labels={"app": "x"}))                   # no node
        b = self.create("pods", pod("b", labels={"app": "x"}, nodeName="n1"))
        b2 = self.patch("pods", "b", {"metadata": {"labels": {"app": "y"}}})
        b3 = self.patch("pods", "b", {"metadata": {"labels": {"app": "x"}}})
        self.assertEqual(self.seq(w, 3), [("ADDED", "b", self.rv(b)),
                                          ("DELETED", "b", self.rv(b2)),
                                          ("ADDED", "b", self.rv(b3))])


if __name__ == "__main__":
    unittest.main()
