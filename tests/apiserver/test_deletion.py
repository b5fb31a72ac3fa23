"""Deletion like a cluster: graceful Pod deletion (deletionTimestamp in the
future, the grace-0 confirmation), DeleteOptions preconditions with exact
Status bodies, propagation policies on Pods, deletecollection with selectors."""
import datetime
import unittest

from testlib import ServerTestCase, path, pod

TS = "%Y-%m-%dT%H:%M:%SZ"
TS_RE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"


def parse(ts):
    return datetime.datetime.strptime(ts, TS).replace(tzinfo=datetime.timezone.utc)


def bound_pod(name, node="node-a", labels=None, **spec):
    return pod(name, labels=labels, nodeName=node, **spec)


class GracefulPodDeletion(ServerTestCase):
    def watch_from(self, rv, query=""):
        w = self.kube.watch(path("pods", self.ns, query="watch=1&resourceVersion=%s%s"
                                 % (rv, query)))
        self.addCleanup(w.close)
        return w

    def test_unbound_pod_goes_at_once(self):
        created = self.create("pods", pod("p"))
        w = self.watch_from(created["metadata"]["resourceVersion"])
        gone = self.delete("pods", "p")
        self.assertEqual(gone["metadata"]["uid"], created["metadata"]["uid"])
        # as kube-apiserver (reference answer pod-delete-with-grace): the pod is
        # persisted with deletionTimestamp and grace period 0, then removed
        self.assertRegex(gone["metadata"]["deletionTimestamp"], TS_RE)
        self.assertEqual(gone["metadata"]["deletionGracePeriodSeconds"], 0)
        self.assertFalse(self.exists("pods", "p"))
        events = w.events(2)
        self.assertEqual([e["type"] for e in events], ["MODIFIED", "DELETED"])
        self.assertEqual(events[0]["object"]["metadata"]["deletionGracePeriodSeconds"], 0)
        self.assertEqual(events[1]["object"], gone)

    def test_bound_pod_waits_for_grace_zero(self):
        created = self.create("pods", bound_pod("p"))
        w = self.watch_from(created["metadata"]["resourceVersion"])
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        marked = self.delete("pods", "p")
        meta = marked["metadata"]
        self.assertEqual(meta["deletionGracePeriodSeconds"], 30)
        when = parse(meta["deletionTimestamp"])
        self.assertTrue(before + datetime.timedelta(seconds=29) <= when
                        <= before + datetime.timedelta(seconds=32), when)
        # pods carry no generation in 1.26; where an object has one, deletion bumps it
        generation = created["metadata"].get("generation")
        self.assertEqual(meta.get("generation"), generation and generation + 1)
        self.assertEqual(self.get("pods", "p"), marked)
        # a second delete without a shorter grace period changes nothing
        again = self.delete("pods", "p")
        self.assertEqual(again["metadata"]["resourceVersion"], meta["resourceVersion"])
        self.assertEqual(self.delete("pods", "p", query="gracePeriodSeconds=45"), marked)
        # status writes (the kubelet's) do not finish the deletion
        self.patch("pods", "p", {"status": {"phase": "Running"}}, sub="status")
        # a shorter grace period moves deletionTimestamp back by the difference
        shorter = self.delete("pods", "p", {"kind": "DeleteOptions", "apiVersion": "v1",
                                            "gracePeriodSeconds": 10})
        self.assertEqual(shorter["metadata"]["deletionGracePeriodSeconds"], 10)
        self.assertEqual(parse(shorter["metadata"]["deletionTimestamp"]),
                         when - datetime.timedelta(seconds=20))
        self.assertEqual(shorter["metadata"].get("generation"), meta.get("generation"))
        final = self.delete("pods", "p", query="gracePeriodSeconds=0")
        self.assertEqual(final["metadata"]["deletionGracePeriodSeconds"], 0)
        self.assertEqual(parse(final["metadata"]["deletionTimestamp"]),
                         when - datetime.timedelta(seconds=30))
        self.assertFalse(self.exists("pods", "p"))
        events = [(e["type"], e["object"]["metadata"].get("deletionGracePeriodSeconds"))
                  for e in w.events(5)]
        self.assertEqual(events, [("MODIFIED", 30), ("MODIFIED", 30), ("MODIFIED", 10),
                                  ("MODIFIED", 0), ("DELETED", 0)])

    def test_grace_period_sources(self):
        short = self.create("pods", bound_pod("short", terminationGracePeriodSeconds=5))
        self.assertEqual(short["spec"]["terminationGracePeriodSeconds"], 5)
        self.assertEqual(self.delete("pods", "short")["metadata"]
                         ["deletionGracePeriodSeconds"], 5)
        self.create("pods", bound_pod("asked"))
        self.assertEqual(self.delete("pods", "asked", query="gracePeriodSeconds=7")
                         ["metadata"]["deletionGracePeriodSeconds"], 7)
        self.create("pods", bound_pod("negative"))
        self.assertEqual(self.delete("pods", "negative", {"gracePeriodSeconds": -5})
                         ["metadata"]["deletionGracePeriodSeconds"], 1)
        self.create("pods", bound_pod("now"))
        self.delete("pods", "now", query="gracePeriodSeconds=0")
        self.assertFalse(self.exists("pods", "now"))

    def test_finished_pod_goes_at_once(self):
        for phase in ("Succeeded", "Failed"):
            name = phase.lower()
            self.create("pods", bound_pod(name))
            self.patch("pods", name, {"status": {"phase": phase}}, sub="status")
            gone = self.delete("pods", name)
            self.assertEqual(gone["metadata"]["deletionGracePeriodSeconds"], 0)
            self.assertFalse(self.exists("pods", name))

    def test_finalizer_outlives_grace_period(self):
        body = bound_pod("p")
        body["metadata"]["finalizers"] = ["warmpool.io/keep"]
        self.create("pods", body)
        self.delete("pods", "p")
        kept = self.delete("pods", "p", query="gracePeriodSeconds=0")
        self.assertEqual(kept["metadata"]["deletionGracePeriodSeconds"], 0)
        self.assertEqual(kept["metadata"]["finalizers"], ["warmpool.io/keep"])
        self.assertTrue(self.exists("pods", "p"))
        self.patch("pods", "p", [{"op": "remove", "path": "/metadata/finalizers"}], "json")
        self.assertFalse(self.exists("pods", "p"))

    def test_dry_run_changes_nothing(self):
        created = self.create("pods", bound_pod("p"))
        marked = self.delete("pods", "p", query="dryRun=All")
        self.assertEqual(marked["metadata"]["deletionGracePeriodSeconds"], 30)
        self.assertEqual(self.get("pods", "p"), created)

    def test_foreground_on_bound_pod_keeps_both(self):
        self.create("pods", bound_pod("p"))
        marked = self.delete("pods", "p", {"propagationPolicy": "Foreground"})
        self.assertEqual(marked["metadata"]["finalizers"], ["foregroundDeletion"])
        self.assertEqual(marked["metadata"]["deletionGracePeriodSeconds"], 30)
        # no dependents: the collector removes the finalizer, the grace period remains
        self.wait_for(lambda: "finalizers" not in self.get("pods", "p")["metadata"])
        self.delete("pods", "p", query="gracePeriodSeconds=0")
        self.assertFalse(self.exists("pods", "p"))

    def wait_for(self, cond):
        import fixture
        fixture.wait_for(cond, 5)


class Preconditions(ServerTestCase):
    def test_exact_conflict_bodies(self):
        created = self.create("pods", pod("p"))
        uid, rv = created["metadata"]["uid"], created["metadata"]["resourceVersion"]
        r = self.kube.delete(path("pods", self.ns, "p"),
                             {"kind": "DeleteOptions", "apiVersion": "v1",
                              "preconditions": {"uid": "0000"}})
        self.assertEqual(r.status, 409)
        self.assertEqual(r.json(), {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": 'Operation cannot be fulfilled on pods "p": Precondition failed: '
                       "UID in precondition: 0000, UID in object meta: %s" % uid,
            "reason": "Conflict", "details": {"name": "p", "kind": "pods"}, "code": 409})
        r = self.kube.delete(path("pods", self.ns, "p"),
                             {"preconditions": {"resourceVersion": "1"}})
        self.assertEqual(r.json()["message"],
                         'Operation cannot be fulfilled on pods "p": Precondition failed: '
                         "ResourceVersion in precondition: 1, ResourceVersion in object "
                         "meta: %s" % rv)
        self.assertTrue(self.exists("pods", "p"))
        self.delete("pods", "p", {"preconditions": {"uid": uid, "resourceVersion": rv}})
        self.assertFalse(self.exists("pods", "p"))


class DeleteCodes(ServerTestCase):
    def test_accepted_only_for_explicit_cascading_that_waits(self):
        self.create("pods", bound_pod("a"))
        self.delete("pods", "a", {"orphanDependents": False}, expect=202)
        self.create("pods", bound_pod("b"))
        self.delete("pods", "b", {"propagationPolicy": "Background"}, expect=200)
        self.create("pods", pod("c"))     # unbound: deleted at once, so 200
        self.delete("pods", "c", {"orphanDependents": False}, expect=200)


class BadDeleteOptions(ServerTestCase):
    def test_refused_with_400_and_nothing_deleted(self):
        self.create("pods", bound_pod("p"))
        r = self.kube.delete(path("pods", self.ns, "p", query="gracePeriodSeconds=abc"))
        self.assertStatus(r, 400, "BadRequest",
                          'strconv.ParseInt: parsing "abc": invalid syntax')
        cases = [({"gracePeriodSeconds": "5"}, "string", "DeleteOptions.gracePeriodSeconds",
                  "int64"),
                 ({"gracePeriodSeconds": 1.5}, "number 1.5", "DeleteOptions.gracePeriodSeconds",
                  "int64"),
                 ({"gracePeriodSeconds": True}, "bool", "DeleteOptions.gracePeriodSeconds",
                  "int64"),
                 ({"orphanDependents": "yes"}, "string", "DeleteOptions.orphanDependents",
                  "bool"),
                 ({"propagationPolicy": 3}, "number 3", "DeleteOptions.propagationPolicy",
                  "v1.DeletionPropagation"),
                 ({"preconditions": []}, "array", "DeleteOptions.preconditions",
                  "v1.Preconditions"),
                 ({"preconditions": {"uid": 7}}, "number 7",
                  "DeleteOptions.preconditions.uid", "types.UID")]
        for body, kind, field, gotype in cases:
            r = self.kube.delete(path("pods", self.ns, "p"), body)
            self.assertStatus(r, 400, "BadRequest",
                              "json: cannot unmarshal %s into Go struct field %s of type %s"
                              % (kind, field, gotype))
        self.assertNotIn("deletionTimestamp", self.get("pods", "p")["metadata"])


class DeleteCollection(ServerTestCase):
    def test_selectors(self):
        self.create("pods", bound_pod("a1", labels={"app": "a"}))
        self.create("pods", pod("a2", labels={"app": "a"}))
        self.create("pods", bound_pod("a3", node="node-b", labels={"app": "a"}))
        self.create("pods", bound_pod("b1", labels={"app": "b"}))
        r = self.kube.delete(path("pods", self.ns,
                                  query="labelSelector=app%3Da&fieldSelector=spec.nodeName%3Dnode-a"))
        self.assertEqual(r.status, 200, r.body)
        body = r.json()
        self.assertEqual(body["kind"], "PodList")
        self.assertEqual([i["metadata"]["name"] for i in body["items"]], ["a1"])
        self.assertEqual(body["items"][0]["metadata"]["deletionGracePeriodSeconds"], 30)
        r = self.kube.delete(path("pods", self.ns, query="labelSelector=app%3Da"))
        items = {i["metadata"]["name"]: i["metadata"] for i in r.json()["items"]}
        self.assertEqual(sorted(items), ["a1", "a2", "a3"])
        self.assertEqual(items["a2"]["deletionGracePeriodSeconds"], 0)
        self.assertFalse(self.exists("pods", "a2"))
        remaining = self.kube.get(path("pods", self.ns)).json()["items"]
        self.assertEqual(sorted(i["metadata"]["name"] for i in remaining), ["a1", "a3", "b1"])
        r = self.kube.delete(path("pods", self.ns, query="gracePeriodSeconds=0"))
        self.assertEqual(r.status, 200)
        self.assertEqual(self.kube.get(path("pods", self.ns)).json()["items"], [])


if __name__ == "__main__":
    unittest.main()
