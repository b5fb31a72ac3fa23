"""Finalizers, deletionTimestamp, delete preconditions, owner-reference
garbage collection (background, foreground, orphan) and namespace deletion."""
import unittest

from fixture import wait_for
from testlib import ServerTestCase, claim, owner_ref, path, pod, sandbox, warm_pool


class Finalizers(ServerTestCase):
    def test_delete_with_finalizer_marks_then_update_removes(self):
        body = claim("c")
        body["metadata"]["finalizers"] = ["warmpool.io/cleanup"]
        created = self.create("sandboxclaims", body)
        w = self.kube.watch(path("sandboxclaims", self.ns, query="watch=1&resourceVersion=" +
                                 created["metadata"]["resourceVersion"]))
        self.addCleanup(w.close)
        marked = self.delete("sandboxclaims", "c")
        meta = marked["metadata"]
        self.assertRegex(meta["deletionTimestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(meta["deletionGracePeriodSeconds"], 0)
        self.assertEqual(meta["generation"], 2)
        self.assertEqual(self.get("sandboxclaims", "c"), marked)
        again = self.delete("sandboxclaims", "c")
        self.assertEqual(again["metadata"]["resourceVersion"], meta["resourceVersion"])
        # finalizers cannot grow while deleting
        r = self.kube.patch(path("sandboxclaims", self.ns, "c"),
                            {"metadata": {"finalizers": ["warmpool.io/cleanup", "x.io/y"]}})
        body = self.assertStatus(r, 422, "Invalid")
        self.assertIn("no new finalizers can be added if the object is being deleted",
                      body["message"])
        # spec changes are still allowed; removing the last finalizer deletes it
        marked["metadata"]["finalizers"] = []
        final = self.put("sandboxclaims", marked)
        self.assertEqual(final["metadata"]["finalizers"], [])
        self.assertFalse(self.exists("sandboxclaims", "c"))
        events = [(e["type"], e["object"]["metadata"].get("deletionTimestamp") is not None)
                  for e in w.events(3)]
        self.assertEqual(events, [("MODIFIED", True), ("MODIFIED", True), ("DELETED", True)])

    def test_delete_preconditions(self):
        created = self.create("sandboxwarmpools", warm_pool("p"))
        self.patch("sandboxwarmpools", "p", {"spec": {"replicas": 4}})
        r = self.kube.delete(path("sandboxwarmpools", self.ns, "p"), {
            "kind": "DeleteOptions", "apiVersion": "v1",
            "preconditions": {"resourceVersion": created["metadata"]["resourceVersion"]}})
        body = self.assertStatus(r, 409, "Conflict")
        self.assertEqual(body["message"], 'Operation cannot be fulfilled on '
                         'sandboxwarmpools.extensions.agents.x-k8s.io "p": Precondition failed: '
                         'ResourceVersion in precondition: %s, ResourceVersion in object meta: %s'
                         % (created["metadata"]["resourceVersion"],
                            self.get("sandboxwarmpools", "p")["metadata"]["resourceVersion"]))
        r = self.kube.delete(path("sandboxwarmpools", self.ns, "p"),
                             {"preconditions": {"uid": "wrong"}})
        self.assertIn("Precondition failed: UID in precondition: wrong",
                      self.assertStatus(r, 409, "Conflict")["message"])
        self.delete("sandboxwarmpools", "p", {"preconditions": {"uid": created["metadata"]["uid"]}})
        self.assertFalse(self.exists("sandboxwarmpools", "p"))
        r = self.kube.delete(path("sandboxwarmpools", self.ns, "p"))
        self.assertStatus(r, 404, "NotFound")

    def test_delete_returns_object_and_dry_run_keeps_it(self):
        self.create("sandboxclaims", claim("c"))
        dry = self.delete("sandboxclaims", "c", query="dryRun=All")
        self.assertEqual(dry["metadata"]["name"], "c")
        self.assertTrue(self.exists("sandboxclaims", "c"))
        gone = self.delete("sandboxclaims", "c")
        self.assertEqual(gone["kind"], "SandboxClaim")
        self.assertFalse(self.exists("sandboxclaims", "c"))

    def test_bad_propagation_policy(self):
        self.create("sandboxclaims", claim("c"))
        r = self.kube.delete(path("sandboxclaims", self.ns, "c"),
                             {"propagationPolicy": "Sideways"})
        self.assertStatus(r, 422, "Invalid")


class GarbageCollection(ServerTestCase):
    def family(self):
        """A pool owning two sandboxes, each owning a pod."""
        owner = self.create("sandboxwarmpools", warm_pool("pool"))
        kids = []
        for i in range(2):
            sb = sandbox("sb%d" % i)
            sb["metadata"]["ownerReferences"] = [owner_ref(owner, block=True, controller=True)]
            sb = self.create("sandboxes", sb)
            p = pod("sb%d" % i)
            p["metadata"]["ownerReferences"] = [owner_ref(sb, block=True, controller=True)]
            kids.append((sb, self.create("pods", p)))
        return owner, kids

    def test_background_deletes_dependents_after_owner(self):
        owner, kids = self.family()
        self.delete("sandboxwarmpools", "pool")
        self.assertFalse(self.exists("sandboxwarmpools", "pool"))
        for sb, p in kids:
            self.wait_gone("sandboxes", sb["metadata"]["name"])
            self.wait_gone("pods", p["metadata"]["name"])

    def test_foreground_deletes_blocking_dependents_first(self):
        owner, kids = self.family()
        # one pod keeps a finalizer: the whole chain waits for it
        self.patch("pods", "sb0", {"metadata": {"finalizers": ["test.io/hold"]}})
        w = self.kube.watch(path("sandboxwarmpools", self.ns,
                                 query="watch=1&fieldSelector=metadata.name%3Dpool&"
                                       "resourceVersion=" + str(self.control.state()
                                                                ["resourceVersion"])))
        self.addCleanup(w.close)
        marked = self.delete("sandboxwarmpools", "pool", {"propagationPolicy": "Foreground"})
        self.assertIn("foregroundDeletion", marked["metadata"]["finalizers"])
        self.assertIn("deletionTimestamp", marked["metadata"])
        self.wait_gone("sandboxes", "sb1")
        self.wait_gone("pods", "sb1")
        held = self.get("pods", "sb0")
        self.assertIn("deletionTimestamp", held["metadata"])
        sb0 = self.get("sandboxes", "sb0")
        self.assertIn("foregroundDeletion", sb0["metadata"]["finalizers"])
        self.assertTrue(self.exists("sandboxwarmpools", "pool"))
        self.patch("pods", "sb0", {"metadata": {"finalizers": None}})
        self.wait_gone("pods", "sb0")
        self.wait_gone("sandboxes", "sb0")
        self.wait_gone("sandboxwarmpools", "pool")
        types = []
        for event in w:
            types.append(event["type"])
            if event["type"] == "DELETED":
                break
        self.assertEqual(types[0], "MODIFIED")
        self.assertEqual(types[-1], "DELETED")

    def test_foreground_without_blocking_dependents_finishes_at_once(self):
        owner = self.create("sandboxwarmpools", warm_pool("pool"))
        sb = sandbox("free")
        sb["metadata"]["ownerReferences"] = [owner_ref(owner)]
        self.create("sandboxes", sb)
        self.delete("sandboxwarmpools", "pool", {"propagationPolicy": "Foreground"})
        self.wait_gone("sandboxwarmpools", "pool")
        self.wait_gone("sandboxes", "free")

    def test_orphan_removes_owner_references(self):
        owner, kids = self.family()
        self.delete("sandboxwarmpools", "pool", query="propagationPolicy=Orphan")
        self.wait_gone("sandboxwarmpools", "pool")
        for sb, p in kids:
            kept = self.get("sandboxes", sb["metadata"]["name"])
            self.assertNotIn("ownerReferences", kept["metadata"])
            self.assertEqual(len(self.get("pods", p["metadata"]["name"])["metadata"]
                                 ["ownerReferences"]), 1)

    def test_orphan_dependents_flag(self):
        owner = self.create("sandboxwarmpools", warm_pool("pool"))
        sb = sandbox("s")
        sb["metadata"]["ownerReferences"] = [owner_ref(owner)]
        self.create("sandboxes", sb)
        marked = self.delete("sandboxwarmpools", "pool", {"orphanDependents": True})
        self.assertEqual(marked["metadata"]["finalizers"], ["orphan"])
        self.wait_gone("sandboxwarmpools", "pool")
        wait_for(lambda: "ownerReferences" not in self.get("sandboxes", "s")["metadata"])

    def test_dependent_with_two_owners_survives_one(self):
        a = self.create("sandboxwarmpools", warm_pool("a"))
        b = self.create("sandboxclaims", claim("b"))
        sb = sandbox("shared")
        sb["metadata"]["ownerReferences"] = [owner_ref(a), owner_ref(b)]
        self.create("sandboxes", sb)
        self.delete("sandboxwarmpools", "a")
        wait_for(lambda: len(self.get("sandboxes", "shared")["metadata"]
                             ["ownerReferences"]) == 1)
        self.assertEqual(self.get("sandboxes", "shared")["metadata"]["ownerReferences"][0]
                         ["uid"], b["metadata"]["uid"])
        self.delete("sandboxclaims", "b")
        self.wait_gone("sandboxes", "shared")

    def test_dependent_of_missing_owner_is_collected(self):
        sb = sandbox("dangling")
        sb["metadata"]["ownerReferences"] = [{
            "apiVersion": "extensions.agents.x-k8s.io/v1beta1", "kind": "SandboxClaim",
            "name": "never", "uid": "11111111-2222-4333-8444-555555555555"}]
        self.create("sandboxes", sb)
        self.wait_gone("sandboxes", "dangling")


class NamespaceDeletion(ServerTestCase):
    def test_namespace_content_is_deleted_then_namespace(self):
        self.create("sandboxclaims", claim("c"))
        held = pod("held")
        held["metadata"]["finalizers"] = ["test.io/hold"]
        self.create("pods", held)
        ns = self.delete("namespaces", self.ns)
        self.assertEqual(ns["status"]["phase"], "Terminating")
        self.assertIn("deletionTimestamp", ns["metadata"])
        self.wait_gone("sandboxclaims", "c")
        r = self.kube.post(path("sandboxclaims", self.ns), claim("late"))
        body = self.assertStatus(r, 403, "Forbidden")
        self.assertIn("because it is being terminated", body["message"])
        self.assertEqual(body["details"]["causes"][0]["reason"], "NamespaceTerminating")
        self.assertTrue(self.exists("namespaces", self.ns))
        self.patch("pods", "held", {"metadata": {"finalizers": None}})
        self.wait_gone("pods", "held")
        self.wait_gone("namespaces", self.ns)


if __name__ == "__main__":
    unittest.main()
