"""The /_test/ control API: fault injection, watch control, compaction,
bulk loading and the request log."""
import time
import unittest

from fixture import StreamBroken, wait_for
from testlib import ServerTestCase, claim, path, pod


class Faults(ServerTestCase):
    def open_watch(self, resource="sandboxclaims", query="resourceVersion=0"):
        w = self.kube.watch(path(resource, self.ns, query="watch=1&" + query), timeout=10)
        self.addCleanup(w.close)
        self.assertEqual(w.status, 200)
        return w

    def test_drop_watches_cuts_streams(self):
        self.create("sandboxclaims", claim("a"))
        w1, w2 = self.open_watch(), self.open_watch("pods")
        self.assertEqual(w1.next_event()["type"], "ADDED")
        wait_for(lambda: self.control.state()["watches"] >= 2, message="watches registered")
        self.assertGreaterEqual(self.control.drop_watches(), 2)
        for w in (w1, w2):
            with self.assertRaises((StreamBroken, OSError)):
                w.next_line()
        wait_for(lambda: self.control.state()["watches"] == 0, message="watches gone")
        w3 = self.open_watch()
        self.assertEqual(w3.next_event()["object"]["metadata"]["name"], "a")

    def test_delay(self):
        self.control.delay(400, path="/sandboxclaims", count=2)
        self.control.clear_requests()
        times = []
        for _ in range(3):
            start = time.monotonic()
            self.assertEqual(self.kube.get(path("sandboxclaims", self.ns)).status, 200)
            times.append(time.monotonic() - start)
        self.kube.get(path("pods", self.ns))
        self.assertGreaterEqual(min(times[:2]), 0.4)
        self.assertEqual([e["delayMs"] for e in self.control.requests()], [400, 400, 0, 0])

    def test_delay_for_a_time_window(self):
        self.control.delay(100, seconds=0.6, methods=["GET"])
        self.control.clear_requests()
        start = time.monotonic()
        while time.monotonic() - start < 0.6:
            self.kube.get("/version")
        time.sleep(max(0.0, 0.75 - (time.monotonic() - start)))
        self.kube.get("/version")
        self.kube.post(path("sandboxclaims", self.ns), claim("after"))
        delays = [e["delayMs"] for e in self.control.requests()]
        self.assertLessEqual(delays.count(100), 7)
        self.assertGreaterEqual(delays.count(100), 1)
        self.assertEqual(delays[-2:], [0, 0], "the window is over and POST never matched")

    def test_throttle(self):
        self.control.throttle(count=2, retry_after=3, path="sandboxclaims", methods=["POST"])
        self.assertEqual(self.kube.get(path("sandboxclaims", self.ns)).status, 200)
        for _ in range(2):
            r = self.kube.post(path("sandboxclaims", self.ns), claim("c"))
            body = self.assertStatus(r, 429, "TooManyRequests",
                                     "Too many requests, please try again later.")
            self.assertEqual(r.header("Retry-After"), "3")
            self.assertEqual(body["details"]["retryAfterSeconds"], 3)
        self.create("sandboxclaims", claim("c"))

    def test_errors(self):
        self.control.fail(count=2, path="/pods")
        for _ in range(2):
            self.assertStatus(self.kube.get(path("pods", self.ns)), 500, "InternalError")
        self.assertEqual(self.kube.get(path("pods", self.ns)).status, 200)
        self.control.fail(count=1, code=503)
        self.assertStatus(self.kube.get("/api/v1/namespaces"), 503, "ServiceUnavailable")
        self.assertEqual(self.kube.get("/api/v1/namespaces").status, 200)

    def test_garbage(self):
        self.control.garbage(count=1, path="/sandboxclaims$")
        r = self.kube.get(path("sandboxclaims", self.ns))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Content-Type"), "application/json")
        with self.assertRaises(ValueError):
            r.json()
        self.control.garbage(count=1, path="/sandboxclaims$")
        w = self.open_watch()
        with self.assertRaises(ValueError):
            w.next_event()
        self.assertEqual(self.kube.get(path("sandboxclaims", self.ns)).json()["kind"],
                         "SandboxClaimList")

    def test_compact_expires_watches_and_old_versions(self):
        created = self.create("sandboxclaims", claim("a"))
        w = self.open_watch(query="resourceVersion=" + created["metadata"]["resourceVersion"])
        self.create("sandboxclaims", claim("later"))
        self.assertEqual(w.next_event()["object"]["metadata"]["name"], "later")
        wait_for(lambda: self.control.state()["watches"] >= 1, message="watch registered")
        state = self.control.compact()
        self.assertGreaterEqual(state["expiredWatches"], 1)
        self.assertEqual(state["compactedResourceVersion"], state["resourceVersion"])
        event = w.next_event()
        self.assertEqual((event["type"], event["object"]["code"], event["object"]["reason"]),
                         ("ERROR", 410, "Expired"))
        self.assertIsNone(w.next_event())
        old = self.open_watch(query="resourceVersion=" + created["metadata"]["resourceVersion"])
        self.assertEqual(old.next_event()["object"]["code"], 410)
        current = self.open_watch(query="resourceVersion=%d" % state["resourceVersion"])
        self.create("sandboxclaims", claim("b"))
        self.assertEqual(current.next_event()["object"]["metadata"]["name"], "b")

    def test_close_watches_every_interval(self):
        self.control.close_watches_every(0.5)
        start = time.monotonic()
        w = self.open_watch(query="resourceVersion=%d" % self.control.state()["resourceVersion"])
        self.assertIsNone(w.next_event(), "expected a clean end of stream")
        self.assertLess(time.monotonic() - start, 5.0)
        self.assertEqual(self.control.faults()["watchCloseIntervalSeconds"], 0.5)
        self.control.reset()
        w = self.open_watch(query="timeoutSeconds=1&resourceVersion=0")
        start = time.monotonic()
        self.assertIsNone(w.next_event())
        self.assertGreater(time.monotonic() - start, 0.8)

    def test_reset_clears_rules_and_control_is_never_faulted(self):
        self.control.fail(count=100)
        self.control.throttle(count=100)
        self.assertEqual(len(self.control.faults()["rules"]), 2)
        self.assertEqual(self.control.reset()["rules"], [])
        self.assertEqual(self.kube.get("/version").status, 200)

    def test_request_log(self):
        self.control.clear_requests()
        self.kube.get(path("pods", self.ns, query="limit=5"))
        self.kube.post(path("sandboxclaims", self.ns), claim("x"))
        entries = self.control.requests()
        self.assertEqual([(e["method"], e["path"], e["query"], e["code"]) for e in entries], [
            ("GET", path("pods", self.ns), "limit=5", 200),
            ("POST", path("sandboxclaims", self.ns), "", 201)])

    def test_bulk_objects_and_generate(self):
        w = self.open_watch("pods", query="resourceVersion=%d"
                            % self.control.state()["resourceVersion"])
        result = self.control.bulk(objects=[pod("x", ns=self.ns), claim("y", ns=self.ns)])
        self.assertEqual(result["created"], {"pods": 1,
                                             "sandboxclaims.extensions.agents.x-k8s.io": 1})
        self.assertEqual(w.next_event()["object"]["metadata"]["name"], "x")
        start = time.monotonic()
        result = self.control.bulk(generate={"kind": "Pod", "namespace": self.ns + "-bulk",
                                             "count": 3000, "labels": {"app": "bench"}})
        elapsed = time.monotonic() - start
        self.assertEqual(result["created"], {"pods": 3000})
        self.assertLess(elapsed, 10)
        body = self.kube.get(path("pods", self.ns + "-bulk", query="limit=1000")).json()
        self.assertEqual(len(body["items"]), 1000)
        self.assertEqual(body["metadata"]["remainingItemCount"], 2000)
        item = body["items"][0]
        self.assertEqual(item["status"]["phase"], "Pending")
        self.assertEqual(item["metadata"]["labels"], {"app": "bench"})
        r = self.kube.get(path("pods", self.ns + "-bulk"), headers={"Accept-Encoding": "gzip"})
        self.assertEqual(r.header("Content-Encoding"), "gzip")

    def test_token_rotation(self):
        old = self.server.token
        self.control.set_tokens(["new-token"])
        try:
            self.assertStatus(self.kube.get("/api"), 401, "Unauthorized", "Unauthorized")
            self.assertEqual(self.server.client(token="new-token").get("/api").status, 200)
        finally:
            self.control.set_tokens([old])


if __name__ == "__main__":
    unittest.main()
