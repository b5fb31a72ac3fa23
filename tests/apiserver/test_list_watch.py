"""Lists (selectors, pagination, resourceVersion semantics) and watches
(initial events, resume, 410 Gone, bookmarks, selectors, timeouts)."""
import json
import time
import unittest
import urllib.parse

from testlib import EXT, ServerTestCase, claim, path, pod
from kapi import fields, labels
from kapi.resources import Registry


def names(items):
    return [i["metadata"]["name"] for i in items]


class SelectorFunctions(unittest.TestCase):
    def test_label_selector_operators(self):
        objs = {"a": {"env": "prod", "tier": "web"}, "b": {"env": "dev"}, "c": {},
                "d": {"env": "prod", "n": "5"}}

        def sel(text):
            s = labels.parse(text)
            return sorted(k for k, v in objs.items() if s.matches(v))
        self.assertEqual(sel(""), ["a", "b", "c", "d"])
        self.assertEqual(sel("env=prod"), ["a", "d"])
        self.assertEqual(sel("env==prod,tier"), ["a"])
        self.assertEqual(sel("env!=prod"), ["b", "c"])
        self.assertEqual(sel("env in (dev, prod)"), ["a", "b", "d"])
        self.assertEqual(sel("env notin (prod)"), ["b", "c"])
        self.assertEqual(sel("!env"), ["c"])
        self.assertEqual(sel("env,!tier"), ["b", "d"])
        self.assertEqual(sel("n>4"), ["d"])
        self.assertEqual(sel("n<4"), [])
        self.assertEqual(sel("tier="), [])

    def test_label_selector_errors(self):
        for bad in ("env in prod", "env in (", "=x", "env=a b", "bad key=x", "env=a,",
                    "x=" + "v" * 64, "n>abc"):
            with self.assertRaises(Exception, msg=bad) as ctx:
                labels.parse(bad)
            self.assertEqual(ctx.exception.code, 400, bad)
            self.assertTrue(ctx.exception.message.startswith("unable to parse requirement"))

    def test_field_selectors(self):
        reg = Registry()
        pods = reg.lookup("", "v1", "pods")
        claims = reg.lookup("extensions.agents.x-k8s.io", "v1beta1", "sandboxclaims")
        p = {"metadata": {"name": "a,b", "namespace": "n"}, "spec": {"nodeName": "node1"},
             "status": {"phase": "Running"}}
        self.assertTrue(fields.parse(r"metadata.name=a\,b", pods).matches(p))
        self.assertTrue(fields.parse("status.phase!=Pending,spec.nodeName==node1",
                                     pods).matches(p))
        self.assertFalse(fields.parse("metadata.namespace=m", pods).matches(p))
        with self.assertRaises(Exception) as ctx:
            fields.parse("spec.warmPoolRef.name=x", claims)
        self.assertEqual(ctx.exception.message,
                         "field label not supported: spec.warmPoolRef.name")
        with self.assertRaises(Exception) as ctx:
            fields.parse("spec.foo=x", pods)
        self.assertEqual(ctx.exception.message, "field label not supported: spec.foo")


class Lists(ServerTestCase):
    def q(self, resource, query, ns=None):
        r = self.kube.get(path(resource, ns or self.ns, query=query))
        self.assertEqual(r.status, 200, r.body)
        return r.json()

    def test_list_shape_and_order(self):
        for n in ("b", "a", "c"):
            self.create("sandboxclaims", claim(n))
        body = self.q("sandboxclaims", "")
        self.assertEqual(body["kind"], "SandboxClaimList")
        self.assertEqual(body["apiVersion"], "extensions.agents.x-k8s.io/v1beta1")
        self.assertEqual(names(body["items"]), ["a", "b", "c"])
        self.assertNotIn("continue", body["metadata"])
        self.assertEqual((body["items"][0]["kind"], body["items"][0]["apiVersion"]),
                         ("SandboxClaim", "extensions.agents.x-k8s.io/v1beta1"))
        everywhere = self.kube.get(EXT + "/sandboxclaims").json()
        self.assertGreaterEqual(len(everywhere["items"]), 3)

    def test_builtin_list_items_have_no_kind(self):
        created = self.create("pods", pod("p"))
        body = self.q("pods", "")
        self.assertEqual((body["kind"], body["apiVersion"]), ("PodList", "v1"))
        item = body["items"][0]
        self.assertNotIn("kind", item)
        self.assertNotIn("apiVersion", item)
        self.assertEqual(dict(item, kind="Pod", apiVersion="v1"), created)

    def test_label_and_field_selectors(self):
        self.create("pods", pod("web", labels={"app": "web", "tier": "front"}))
        self.create("pods", pod("db", labels={"app": "db"}))
        self.create("pods", pod("job"))
        self.patch("pods", "db", {"status": {"phase": "Running"}}, sub="status")
        sel = lambda s: names(self.q("pods", "labelSelector=" + urllib.parse.quote(s))["items"])
        self.assertEqual(sel("app=web"), ["web"])
        self.assertEqual(sel("app"), ["db", "web"])
        self.assertEqual(sel("!app"), ["job"])
        self.assertEqual(sel("app in (db,web),tier!=front"), ["db"])
        self.assertEqual(sel("app notin (web)"), ["db", "job"])
        fsel = lambda s: names(self.q("pods", "fieldSelector=" + urllib.parse.quote(s))["items"])
        self.assertEqual(fsel("status.phase=Running"), ["db"])
        self.assertEqual(fsel("status.phase!=Running,metadata.name!=job"), ["web"])
        self.assertEqual(fsel("metadata.namespace=" + self.ns), ["db", "job", "web"])
        r = self.kube.get(path("pods", self.ns, query="labelSelector=a%20in%20b"))
        self.assertStatus(r, 400, "BadRequest")
        r = self.kube.get(path("sandboxclaims", self.ns,
                               query="fieldSelector=spec.warmPoolRef.name%3Dp"))
        self.assertStatus(r, 400, "BadRequest",
                          "field label not supported: spec.warmPoolRef.name")

    def test_pagination_is_consistent(self):
        for i in range(7):
            self.create("pods", pod("p%d" % i))
        first = self.q("pods", "limit=3")
        self.assertEqual(names(first["items"]), ["p0", "p1", "p2"])
        self.assertEqual(first["metadata"]["remainingItemCount"], 4)
        token = first["metadata"]["continue"]
        # changes after the first page do not show up in later pages
        self.delete("pods", "p4")
        self.create("pods", pod("p35"))
        self.patch("pods", "p5", {"metadata": {"labels": {"changed": "yes"}}})
        second = self.q("pods", "limit=3&continue=" + token)
        self.assertEqual(names(second["items"]), ["p3", "p4", "p5"])
        self.assertNotIn("labels", second["items"][2]["metadata"])
        self.assertEqual(second["metadata"]["resourceVersion"], first["metadata"]["resourceVersion"])
        third = self.q("pods", "limit=3&continue=" + second["metadata"]["continue"])
        self.assertEqual(names(third["items"]), ["p6"])
        self.assertNotIn("continue", third["metadata"])
        fresh = self.q("pods", "")
        self.assertEqual(names(fresh["items"]), ["p0", "p1", "p2", "p3", "p35", "p5", "p6"])

    def test_pagination_with_selector(self):
        for i in range(6):
            self.create("pods", pod("p%d" % i, labels={"odd": str(i % 2)}))
        page = self.q("pods", "limit=2&labelSelector=odd%3D1")
        self.assertEqual(names(page["items"]), ["p1", "p3"])
        self.assertNotIn("remainingItemCount", page["metadata"])
        rest = self.q("pods", "limit=2&labelSelector=odd%3D1&continue=" +
                      page["metadata"]["continue"])
        self.assertEqual(names(rest["items"]), ["p5"])

    def test_bad_continue_and_resource_version_combinations(self):
        r = self.kube.get(path("pods", self.ns, query="continue=garbage!!"))
        self.assertStatus(r, 400, "BadRequest")
        r = self.kube.get(path("pods", self.ns, query="continue=abc&resourceVersion=5"))
        self.assertStatus(r, 400, "BadRequest", "specifying resource version is not allowed "
                          "when using continue")
        r = self.kube.get(path("pods", self.ns, query="resourceVersionMatch=Exact"))
        self.assertStatus(r, 422, "Invalid")

    def test_exact_resource_version_list(self):
        a = self.create("pods", pod("a"))
        rv = a["metadata"]["resourceVersion"]
        self.create("pods", pod("b"))
        self.patch("pods", "a", {"metadata": {"labels": {"v": "2"}}})
        old = self.q("pods", "resourceVersion=%s&resourceVersionMatch=Exact" % rv)
        self.assertEqual(names(old["items"]), ["a"])
        self.assertEqual(old["items"][0]["metadata"]["resourceVersion"], rv)
        self.assertEqual(old["metadata"]["resourceVersion"], rv)
        newer = self.q("pods", "resourceVersion=%s" % rv)
        self.assertEqual(names(newer["items"]), ["a", "b"])

    def test_too_large_resource_version_times_out(self):
        state = self.control.state()
        start = time.monotonic()
        r = self.kube.get(path("pods", self.ns, query="resourceVersion=%d"
                                                      % (state["resourceVersion"] + 1000)))
        self.assertGreater(time.monotonic() - start, 2.5)
        body = self.assertStatus(r, 504, "Timeout")
        self.assertEqual(body["details"]["causes"][0]["reason"], "ResourceVersionTooLarge")

    def test_table_and_partial_metadata(self):
        c = claim("c1")
        self.create("sandboxclaims", c)
        self.patch("sandboxclaims", "c1", {"status": {"sandbox": {"name": "sb-1"}, "conditions": [
            {"type": "Ready", "status": "True", "reason": "Bound", "message": "",
             "lastTransitionTime": "2025-01-01T00:00:00Z"}]}}, sub="status")
        r = self.kube.get(path("sandboxclaims", self.ns), headers={
            "Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Content-Type"), "application/json;as=Table;v=v1;g=meta.k8s.io")
        table = r.json()
        self.assertEqual(table["kind"], "Table")
        self.assertEqual([c["name"] for c in table["columnDefinitions"]],
                         ["Name", "Ready", "Sandbox", "Reason", "Age"])
        cells = table["rows"][0]["cells"]
        self.assertEqual(cells[:4], ["c1", "True", "sb-1", "Bound"])
        self.assertRegex(cells[4], r"^\d+s$")
        self.assertEqual(table["rows"][0]["object"]["kind"], "PartialObjectMetadata")
        r = self.kube.get(path("sandboxclaims", self.ns), headers={
            "Accept": "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"})
        body = r.json()
        self.assertEqual(body["kind"], "PartialObjectMetadataList")
        self.assertEqual(set(body["items"][0]), {"kind", "apiVersion", "metadata"})
        r = self.kube.get(path("sandboxclaims", self.ns),
                          headers={"Accept": "application/vnd.kubernetes.protobuf"})
        self.assertStatus(r, 406, "NotAcceptable")


class Watches(ServerTestCase):
    server_args = ("--watch-history", "40", "--bookmark-interval", "0.3")

    def watch(self, query, resource="sandboxclaims", ns=None, timeout=10, headers=None):
        w = self.kube.watch(path(resource, ns or self.ns, query="watch=1&" + query), timeout,
                            headers)
        self.addCleanup(w.close)
        self.assertEqual(w.status, 200)
        return w

    def test_initial_events_then_changes(self):
        self.create("sandboxclaims", claim("a"))
        self.create("sandboxclaims", claim("b"))
        w = self.watch("")
        self.assertEqual([(e["type"], e["object"]["metadata"]["name"]) for e in w.events(2)],
                         [("ADDED", "a"), ("ADDED", "b")])
        self.patch("sandboxclaims", "a", {"metadata": {"labels": {"x": "y"}}})
        self.delete("sandboxclaims", "b")
        self.create("sandboxclaims", claim("c"))
        events = w.events(3)
        self.assertEqual([(e["type"], e["object"]["metadata"]["name"]) for e in events],
                         [("MODIFIED", "a"), ("DELETED", "b"), ("ADDED", "c")])
        self.assertEqual(events[0]["object"]["metadata"]["labels"], {"x": "y"})
        rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
        self.assertEqual(rvs, sorted(rvs))

    def test_resume_from_resource_version(self):
        a = self.create("sandboxclaims", claim("a"))
        self.patch("sandboxclaims", "a", {"spec": {"warmPoolRef": {"name": "p2"}}})
        self.create("sandboxclaims", claim("b"))
        w = self.watch("resourceVersion=" + a["metadata"]["resourceVersion"])
        events = w.events(2)
        self.assertEqual([(e["type"], e["object"]["metadata"]["name"]) for e in events],
                         [("MODIFIED", "a"), ("ADDED", "b")])
        self.assertEqual(events[0]["object"]["metadata"]["generation"], 2)

    def test_too_old_resource_version_is_410(self):
        first = self.create("sandboxclaims", claim("old"))
        for i in range(45):
            self.patch("sandboxclaims", "old", {"metadata": {"labels": {"i": str(i)}}})
        w = self.watch("resourceVersion=" + first["metadata"]["resourceVersion"])
        event = w.next_event()
        self.assertEqual(event["type"], "ERROR")
        status = event["object"]
        self.assertEqual((status["kind"], status["code"], status["reason"]),
                         ("Status", 410, "Expired"))
        self.assertTrue(status["message"].startswith("too old resource version: %s ("
                                                     % first["metadata"]["resourceVersion"]))
        self.assertIsNone(w.next_event(), "stream must end after the 410 error")
        # an Exact list at that version is gone as well
        r = self.kube.get(path("sandboxclaims", self.ns, query="resourceVersionMatch=Exact&"
                               "resourceVersion=" + first["metadata"]["resourceVersion"]))
        self.assertStatus(r, 410, "Expired")

    def test_expired_continue_token_is_410(self):
        for i in range(3):
            self.create("pods", pod("p%d" % i))
        page = self.kube.get(path("pods", self.ns, query="limit=1")).json()
        for i in range(45):
            self.patch("pods", "p0", {"metadata": {"labels": {"i": str(i)}}})
        r = self.kube.get(path("pods", self.ns, query="limit=1&continue=" +
                               page["metadata"]["continue"]))
        body = self.assertStatus(r, 410, "Expired")
        self.assertTrue(body["message"].startswith("The provided continue parameter is too old"))

    def test_bookmarks(self):
        created = self.create("sandboxclaims", claim("a"))
        w = self.watch("allowWatchBookmarks=true&resourceVersion=" +
                       created["metadata"]["resourceVersion"])
        event = w.next_event()
        self.assertEqual(event["type"], "BOOKMARK")
        self.assertEqual(event["object"]["kind"], "SandboxClaim")
        self.assertEqual(event["object"]["apiVersion"], "extensions.agents.x-k8s.io/v1beta1")
        self.assertEqual(set(event["object"]["metadata"]), {"resourceVersion"})
        self.assertGreaterEqual(int(event["object"]["metadata"]["resourceVersion"]),
                                int(created["metadata"]["resourceVersion"]))
        # a last bookmark right before a timeout
        state = self.control.state()["resourceVersion"]
        w3 = self.watch("allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=%d" % state,
                        resource="pods")
        last = w3.events(50)
        self.assertTrue(last)
        self.assertEqual({e["type"] for e in last}, {"BOOKMARK"})
        self.assertEqual(last[-1]["object"]["kind"], "Pod")
        self.assertGreaterEqual(int(last[-1]["object"]["metadata"]["resourceVersion"]), state)
        self.assertIsNone(w3.next_event())
        # no bookmarks unless asked
        w2 = self.watch("timeoutSeconds=1&resourceVersion=" +
                        created["metadata"]["resourceVersion"])
        self.assertIsNone(w2.next_event())

    def test_send_initial_events(self):
        self.create("sandboxclaims", claim("a"))
        w = self.watch("sendInitialEvents=true&allowWatchBookmarks=true&"
                       "resourceVersionMatch=NotOlderThan")
        added, bookmark = w.events(2)
        self.assertEqual((added["type"], added["object"]["metadata"]["name"]), ("ADDED", "a"))
        self.assertEqual(bookmark["type"], "BOOKMARK")
        self.assertEqual(bookmark["object"]["metadata"]["annotations"],
                         {"k8s.io/initial-events-end": "true"})

    def test_timeout_seconds_ends_stream_cleanly(self):
        start = time.monotonic()
        w = self.watch("timeoutSeconds=1&resourceVersion=0")
        self.assertIsNone(w.next_event())
        self.assertLess(time.monotonic() - start, 3)

    def test_selector_transitions(self):
        self.create("sandboxclaims", claim("a", labels={"team": "x"}))
        self.create("sandboxclaims", claim("b"))
        w = self.watch("labelSelector=team%3Dx")
        self.assertEqual([e["object"]["metadata"]["name"] for e in w.events(1)], ["a"])
        self.patch("sandboxclaims", "b", {"metadata": {"labels": {"team": "x"}}})
        self.patch("sandboxclaims", "a", {"metadata": {"labels": {"team": "y"}}})
        self.patch("sandboxclaims", "a", {"metadata": {"labels": {"other": "1"}}})
        self.patch("sandboxclaims", "b", {"metadata": {"labels": {"more": "1"}}})
        events = [(e["type"], e["object"]["metadata"]["name"]) for e in w.events(3)]
        self.assertEqual(events, [("ADDED", "b"), ("DELETED", "a"), ("MODIFIED", "b")])

    def test_field_selector_and_namespace_scope(self):
        other = self.ns + "-o"
        self.kube.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                              "metadata": {"name": other}})
        w = self.watch("fieldSelector=metadata.name%3Dwanted&resourceVersion=0")
        self.create("sandboxclaims", claim("unwanted"))
        self.create("sandboxclaims", claim("wanted"), ns=other)
        self.create("sandboxclaims", claim("wanted"))
        event = w.next_event()
        self.assertEqual((event["object"]["metadata"]["name"],
                          event["object"]["metadata"]["namespace"]), ("wanted", self.ns))

    def test_legacy_watch_path_and_all_namespaces(self):
        w = self.kube.watch(EXT + "/watch/namespaces/%s/sandboxclaims/one?resourceVersion=0"
                            % self.ns)
        self.addCleanup(w.close)
        w_all = self.kube.watch(EXT + "/sandboxclaims?watch=true&resourceVersion=%d"
                                % self.control.state()["resourceVersion"])
        self.addCleanup(w_all.close)
        self.create("sandboxclaims", claim("two"))
        self.create("sandboxclaims", claim("one"))
        self.assertEqual(w.next_event()["object"]["metadata"]["name"], "one")
        self.assertEqual([e["object"]["metadata"]["name"] for e in w_all.events(2)],
                         ["two", "one"])

    def test_watch_uses_chunked_transfer(self):
        w = self.watch("timeoutSeconds=1&resourceVersion=0")
        self.assertEqual(w.response.getheader("Transfer-Encoding"), "chunked")
        self.assertEqual(w.content_type, "application/json")
        self.assertIsNone(w.response.getheader("Content-Length"))

    def test_table_watch(self):
        created = self.create("sandboxclaims", claim("t"))
        w = self.watch("resourceVersion=" + str(int(created["metadata"]["resourceVersion"]) - 1),
                       headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
        event = w.next_event()
        self.assertEqual(event["type"], "ADDED")
        self.assertEqual(event["object"]["kind"], "Table")
        self.assertEqual(event["object"]["rows"][0]["cells"][0], "t")

    def test_bad_watch_parameters(self):
        r = self.kube.get(path("sandboxclaims", self.ns, query="watch=1&resourceVersion=abc"))
        self.assertStatus(r, 400, "BadRequest")
        r = self.kube.get(path("sandboxclaims", self.ns, query="watch=1&labelSelector=%3D%3D"))
        self.assertStatus(r, 400, "BadRequest")

    def test_event_objects_are_the_stored_objects(self):
        w = self.watch("resourceVersion=%d" % self.control.state()["resourceVersion"])
        created = self.create("sandboxclaims", claim("same"))
        self.assertEqual(w.next_event(), {"type": "ADDED", "object": created})
        deleted = self.delete("sandboxclaims", "same")
        event = w.next_event()
        self.assertEqual(event["type"], "DELETED")
        self.assertEqual(event["object"], deleted)
        self.assertGreater(int(deleted["metadata"]["resourceVersion"]),
                           int(created["metadata"]["resourceVersion"]))
        json.dumps(event)


class TimeoutBookmark(ServerTestCase):
    """Default bookmark interval (60 s): the only bookmark is the one sent
    just before timeoutSeconds ends the watch."""

    def test_last_bookmark_before_timeout(self):
        created = self.create("pods", pod("p"))
        w = self.kube.watch(path("pods", self.ns, query="watch=1&allowWatchBookmarks=true&"
                                 "timeoutSeconds=1&resourceVersion=" +
                                 created["metadata"]["resourceVersion"]))
        self.addCleanup(w.close)
        self.create("pods", pod("q"))
        events = list(w)
        self.assertEqual([e["type"] for e in events], ["ADDED", "BOOKMARK"])
        self.assertEqual(events[1]["object"]["metadata"]["resourceVersion"],
                         events[0]["object"]["metadata"]["resourceVersion"])


if __name__ == "__main__":
    unittest.main()
