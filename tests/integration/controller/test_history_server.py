#!/usr/bin/env python3
"""GET /history on --history-listen: the history-store plugin's records
(fixture history_memory.so), the query parameters warmpoolctl history sends,
and the refusals with their text."""
import os
import tempfile
import unittest
import urllib.error
import urllib.request

from harness import Cluster, wait_for

FIXTURES = os.environ.get("WP_PLUGIN_FIXTURES", "")


def http(method, url):
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


@unittest.skipUnless(os.path.exists(os.path.join(FIXTURES, "history_memory.so")), "plugin fixtures not built")
class HistoryServerTest(unittest.TestCase):
    def start(self, plugins_yaml):
        d = tempfile.mkdtemp()
        cfg = os.path.join(d, "plugins.yaml")
        with open(cfg, "w") as f:
            f.write(plugins_yaml)
        c = Cluster(nodes=None, controller_args=["--controllers", "sandbox", "--leader-elect=false",
                                                 "--plugin-config", cfg, "--history-listen", "127.0.0.1:0"])
        c.__enter__()
        self.addCleanup(c.__exit__, None, None, None)
        base = wait_for(lambda: c.controller.addrs.get("history-listen"), 10, what="history listening")
        return "http://%s" % base

    def test_queries_and_refusals(self):
        base = self.start("plugins:\n  - name: hist\n    kind: history-store\n    path: %s/history_memory.so\n"
                          % FIXTURES)
        self.assertEqual(http("GET", base + "/history"), (200, "application/json", "[]"))
        self.assertEqual(http("GET", base + "/history?namespace=team-a&claim=c-1&sandbox=s&pool=p"
                                     "&since=2026-01-01T00:00:00Z&until=2026-12-31T00:00:00Z&limit=10")[0], 200)
        self.assertEqual(http("GET", base + "/history?limit=0"),
                         (400, "text/plain; charset=utf-8", 'limit must be a positive integer, not "0"\n'))
        self.assertEqual(http("GET", base + "/history?since=yesterday")[2], "since must be an RFC 3339 time\n")
        self.assertEqual(http("GET", base + "/history?color=red")[2],
                         "unknown parameter color (known: namespace, claim, sandbox, pool, since, until, limit)\n")
        self.assertEqual(http("POST", base + "/history")[:1], (405,))
        self.assertEqual(http("GET", base + "/metrics")[0], 404)

    def test_no_history_store(self):
        base = self.start("plugins:\n  - name: ok\n    kind: hook\n    path: %s/no_op.so\n" % FIXTURES)
        self.assertEqual(http("GET", base + "/history")[:1] + http("GET", base + "/history")[2:],
                         (503, "no history store configured\n"))


if __name__ == "__main__":
    unittest.main()
