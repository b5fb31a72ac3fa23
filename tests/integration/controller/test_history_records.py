#!/usr/bin/env python3
"""History records for claim and sandbox state changes (CONTROLLER.md
"Plugins at work"): claimed warm and cold (with latency), ready, released,
expired, failed, deleted, each with a stable id; through the real
history_sqlite plugin, GET /history and `warmpoolctl history --server`.
And never lost: the controller is SIGKILLed while the store (fixture
history_file.so, down while <path>.down exists) has not got a spooled
record; after a restart the record arrives exactly once."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Cluster, condition, sandbox, wait_for, template  # noqa: E402
from claim_objects import add_member, claim, pool  # noqa: E402

NS = "default"
FIXTURES = os.environ.get("WP_PLUGIN_FIXTURES", "")
PLUGINS = os.environ.get("WP_PLUGINS_DIR", "")
CTL = os.environ.get("WP_CTL_BIN", "")
SQLITE = os.path.join(PLUGINS, "history_sqlite.so")


def history(base, query=""):
    with urllib.request.urlopen(base + "/history" + query, timeout=5) as r:
        return json.loads(r.read())


def sqlite_config(d):
    """A plugin config in directory d: history_sqlite (d/history.db) with its spool in d/spool."""
    cfg = os.path.join(d, "plugins.yaml")
    with open(cfg, "w") as f:
        f.write("plugins:\n  - name: history\n    kind: history-store\n    path: %s\n    spool: %s/spool\n"
                "    config:\n      path: %s/history.db\n" % (SQLITE, d, d))
    return cfg


def start_with_slow_writers(cluster, args, delay_ms=3000):
    """A controller whose history writers wait delay_ms before each spool
    append (the test-only knob), so a kill lands before the spool has a record."""
    os.environ["WP_TEST_HISTORY_WRITER_DELAY_MS"] = str(delay_ms)
    try:
        return cluster.start_controller(*args)
    finally:
        del os.environ["WP_TEST_HISTORY_WRITER_DELAY_MS"]


def events(records):
    return sorted((r["kind"], r["name"], r["event"]) for r in records)


@unittest.skipUnless(os.path.exists(SQLITE) and os.path.exists(os.path.join(FIXTURES, "history_file.so")),
                     "history_sqlite or the plugin fixtures not built")
class HistoryRecordsTest(unittest.TestCase):
    def test_state_changes_are_recorded_once_each(self):
        with tempfile.TemporaryDirectory() as d:
            cfg = sqlite_config(d)
            args = ["--leader-elect=false", "--plugin-config", cfg, "--history-listen", "127.0.0.1:0"]
            with Cluster(controller_args=args) as c:
                base = "http://" + wait_for(lambda: c.controller.addrs.get("history-listen"), 10)
                c.create(template("py"))
                c.create(pool("p", "py", replicas=1))
                c.create(pool("empty", "py"))
                member = wait_for(lambda: [s for s in c.list("Sandbox", NS)
                                           if any(cd["type"] == "Ready" and cd["status"] == "True"
                                                  for cd in s.get("status", {}).get("conditions", []))], 15,
                                  what="a Ready member")[0]["metadata"]["name"]
                c.create(claim("warm", "p"))
                c.create(claim("cold", "empty"))
                c.wait_condition("SandboxClaim", NS, "warm", "Ready", "True", timeout=15)
                c.wait_condition("SandboxClaim", NS, "cold", "Ready", "True", timeout=15)

                def claimed():
                    recs = [r for r in history(base, "?namespace=default") if r["event"] == "claimed"]
                    return recs if len(recs) == 2 else None
                by_name = {r["name"]: r for r in wait_for(claimed, 10, what="two claimed records")}
                self.assertEqual((by_name["warm"]["warm"], by_name["warm"]["sandbox"], by_name["warm"]["pool"]),
                                 (True, member, "p"))
                self.assertEqual((by_name["cold"]["warm"], by_name["cold"]["sandbox"], by_name["cold"]["pool"]),
                                 (False, "cold", "empty"))
                for r in by_name.values():
                    self.assertIsInstance(r["latencyMs"], int)
                    self.assertGreaterEqual(r["latencyMs"], 0)
                    self.assertLess(r["latencyMs"], 15000)
                    self.assertTrue(r["id"].endswith(":claimed"), r["id"])

                # The cold sandbox's pod fails; then the warm claim goes away.
                c.control.pod("fail", NS, "cold")
                c.delete("SandboxClaim", NS, "warm")
                c.wait_gone("Sandbox", NS, member, timeout=15)
                want = {("claim", "warm", "claimed"), ("claim", "cold", "claimed"), ("claim", "warm", "ready"),
                        ("claim", "cold", "ready"), ("sandbox", member, "ready"), ("sandbox", "cold", "ready"),
                        ("sandbox", "cold", "failed"), ("claim", "warm", "released"),
                        ("sandbox", member, "deleted")}
                wait_for(lambda: want <= set(events(history(base))), 15,
                         what="records %s" % sorted(want))
                recs = history(base)
                ids = [r["id"] for r in recs]
                self.assertEqual(len(ids), len(set(ids)), ids)
                failed = [r for r in recs if r["event"] == "failed"][0]
                self.assertEqual((failed["claim"], failed["sandbox"]), ("cold", "cold"))
                released = [r for r in recs if r["event"] == "released"][0]
                self.assertEqual(released["sandbox"], member)

                # The same through warmpoolctl.
                if CTL:
                    out = subprocess.run([CTL, "history", "--server", base, "--claim", "warm", "-o", "json"],
                                         capture_output=True, text=True, timeout=10)
                    self.assertEqual(out.returncode, 0, out.stderr)
                    # (the member's "ready" came before the claim: it names no claim)
                    got = json.loads(out.stdout)
                    self.assertEqual({(r["kind"], r["event"]) for r in got},
                                     {("claim", "claimed"), ("claim", "ready"), ("claim", "released"),
                                      ("sandbox", "deleted")}, out.stdout)
                    self.assertEqual(len([r for r in got if r["kind"] == "claim"]), 3, out.stdout)
                    self.assertIn(member, [r["name"] for r in got if r["event"] == "deleted"])

    def test_expiry_with_retain_records_expired_and_released(self):
        with tempfile.TemporaryDirectory() as d:
            store = os.path.join(d, "records.jsonl")
            cfg = os.path.join(d, "plugins.yaml")
            with open(cfg, "w") as f:
                f.write("plugins:\n  - name: history\n    kind: history-store\n    path: %s/history_file.so\n"
                        "    config:\n      path: %s\n" % (FIXTURES, store))
            with Cluster(nodes=None, controller_args=["--controllers", "claim", "--leader-elect=false",
                                                      "--plugin-config", cfg]) as c:
                c.create(template("py"))
                c.create(pool("p", "py"))
                soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 2))
                c.create(claim("short", "p", lifecycle={"shutdownTime": soon, "shutdownPolicy": "Retain"}))
                c.wait_condition("SandboxClaim", NS, "short", "Ready", "False", reason="ClaimExpired", timeout=15)
                c.wait_gone("Sandbox", NS, "short", timeout=15)

                def read():
                    with open(store) as f:
                        recs = [json.loads(x) for x in f if x.strip()]
                    got = [r["event"] for r in recs]
                    return recs if {"claimed", "expired", "released"} <= set(got) else None
                recs = wait_for(read, 10, what="expired and released records")
                self.assertEqual(sorted(r["event"] for r in recs), ["claimed", "expired", "released"])
                self.assertEqual([r["sandbox"] for r in recs if r["event"] == "released"], ["short"])

    def test_a_record_survives_sigkill_before_the_store_has_it(self):
        with tempfile.TemporaryDirectory() as d:
            store = os.path.join(d, "records.jsonl")
            spool = os.path.join(d, "spool")
            cfg = os.path.join(d, "plugins.yaml")
            with open(cfg, "w") as f:
                f.write("plugins:\n  - name: history\n    kind: history-store\n    path: %s/history_file.so\n"
                        "    spool: %s\n    config:\n      path: %s\n" % (FIXTURES, spool, store))
            open(store + ".down", "w").close()  # the store refuses (RETRY) until told
            args = ["--controllers", "claim", "--leader-elect=false", "--plugin-config", cfg]
            with Cluster(nodes=None, controller_args=args) as c:
                c.create(template("py"))
                c.create(pool("p", "py"))
                c.create(claim("k", "p"))
                c.wait_object("Sandbox", NS, "k", what="the cold Sandbox")

                def spooled():
                    try:
                        with open(os.path.join(spool, "spool.jsonl")) as f:
                            return [json.loads(x) for x in f if '"claimed"' in x]
                    except FileNotFoundError:
                        return None
                rec = wait_for(spooled, 10, what="the claimed record in the spool")[0]
                self.assertFalse(os.path.exists(store) and os.path.getsize(store) > 0)
                c.controller.stop(signal.SIGKILL)
                os.unlink(store + ".down")  # the store is back, the controller is not
                time.sleep(0.3)
                self.assertFalse(os.path.exists(store) and os.path.getsize(store) > 0)
                c.start_controller(*args)

                def delivered():
                    if not os.path.exists(store):
                        return None
                    with open(store) as f:
                        lines = [json.loads(x) for x in f if x.strip()]
                    return lines if any(r["id"] == rec["id"] for r in lines) else None
                wait_for(delivered, 15, what="the record delivered after the restart")
                time.sleep(1.0)  # nothing more comes: no replay twice, no second claimed
                with open(store) as f:
                    lines = [json.loads(x) for x in f if x.strip()]
                # (the restart re-derives "claimed" from the bound claim: the
                # same id again, which a store dedupes; this fixture does not)
                self.assertEqual({r["id"] for r in lines if r["event"] == "claimed"}, {rec["id"]})
                self.assertEqual(lines[0], rec)

    def test_a_record_lost_in_the_queue_is_re_derived_after_sigkill(self):
        # The writers hold every record 3 s before spooling it (test-only
        # knob): the controller is killed after the claim turned Ready, so
        # its "claimed" and "ready" records were never spooled; the restarted
        # controller re-derives them from the claim, once each.
        with tempfile.TemporaryDirectory() as d:
            cfg = sqlite_config(d)
            args = ["--controllers", "claim", "--leader-elect=false", "--plugin-config", cfg,
                    "--history-listen", "127.0.0.1:0"]
            with Cluster(nodes=None, controller_args=args, start_controller=False) as c:
                first = start_with_slow_writers(c, args)
                c.create(template("py"))
                p = c.create(pool("p", "py"))
                add_member(c, p, "py", "m-1")
                c.create(claim("k", "p"))
                c.wait_condition("SandboxClaim", NS, "k", "Ready", "True", timeout=15)
                first.stop(signal.SIGKILL)
                spool = os.path.join(d, "spool", "spool.jsonl")
                if os.path.exists(spool):
                    with open(spool) as f:
                        self.assertNotIn('"k"', f.read(), "the kill came after the records were spooled")
                uid = c.get("SandboxClaim", NS, "k")["metadata"]["uid"]
                again = c.start_controller(*args)
                base = "http://" + wait_for(lambda: again.addrs.get("history-listen"), 10)

                def both():
                    recs = [r for r in history(base, "?claim=k") if r["kind"] == "claim"]
                    return recs if {r["event"] for r in recs} >= {"claimed", "ready"} else None
                wait_for(both, 15, what="claimed and ready re-derived")
                time.sleep(1.0)  # and nothing more
                recs = sorted((r for r in history(base, "?claim=k") if r["kind"] == "claim"),
                              key=lambda r: r["event"])
                for r in recs:
                    del r["time"]
                self.assertEqual(recs, [
                    {"id": uid + ":claimed", "namespace": NS, "kind": "claim", "name": "k", "event": "claimed",
                     "pool": "p", "claim": "k", "sandbox": "m-1", "warm": True},
                    {"id": uid + ":ready", "namespace": NS, "kind": "claim", "name": "k", "event": "ready",
                     "pool": "p", "claim": "k", "sandbox": "m-1"}])

    def test_a_sandbox_record_lost_in_the_queue_is_re_derived_after_sigkill(self):
        """The same window for a Sandbox's "ready": killed before the record was
        spooled, it is re-derived on the restarted controller's first look, with
        the original's id (uid, event, Ready's lastTransitionTime), exactly once."""
        with tempfile.TemporaryDirectory() as d:
            cfg = sqlite_config(d)
            args = ["--controllers", "sandbox", "--leader-elect=false", "--plugin-config", cfg,
                    "--history-listen", "127.0.0.1:0"]
            with Cluster(nodes=1, controller_args=args, start_controller=False) as c:
                first = start_with_slow_writers(c, args)
                c.create(sandbox("s-1"))
                sb = c.wait_condition("Sandbox", NS, "s-1", "Ready", "True", timeout=15)
                first.stop(signal.SIGKILL)
                spool = os.path.join(d, "spool", "spool.jsonl")
                if os.path.exists(spool):
                    with open(spool) as f:
                        self.assertNotIn('"s-1"', f.read(), "the kill came after the record was spooled")
                uid = sb["metadata"]["uid"]
                ltt = condition(sb, "Ready")["lastTransitionTime"]
                again = c.start_controller(*args)
                base = "http://" + wait_for(lambda: again.addrs.get("history-listen"), 10)

                def ready():
                    recs = [r for r in history(base, "?sandbox=s-1") if r["event"] == "ready"]
                    return recs or None
                wait_for(ready, 15, what="the sandbox's ready record re-derived")
                time.sleep(1.0)  # and nothing more
                recs = history(base, "?sandbox=s-1")
                for r in recs:
                    del r["time"]
                self.assertEqual(recs, [
                    {"id": "%s:ready:%s" % (uid, ltt), "namespace": NS, "kind": "sandbox", "name": "s-1",
                     "event": "ready", "sandbox": "s-1"}])


if __name__ == "__main__":
    unittest.main()
