#!/usr/bin/env python3
"""Warm pool fill and refill against the test API server (prints numbers).

    WP_CONTROLLER_BIN=build/bin/warmpool-controller python3 tests/bench/pool/bench_pool_fill.py [N]

Runs only the pool reconciler (--controllers pool) so what is measured is
the pool's own path: N members created from nothing, then every member
deleted at once and the pool refilled. Reports wall time, creates per
second, API writes (POST/DELETE sandboxes from the server's request log:
anything above N per fill is over-creation), the most members ever seen at
once, and the controller's CPU seconds and peak RSS and the test API server's CPU
seconds (from /proc).
"""
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "integration", "controller"))
os.environ.setdefault("WP_APISERVER_DIR", os.path.join(HERE, "..", "..", "apiserver"))
from harness import Cluster, fnv, template, wait_for  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
NS = "default"
SEL = "agents.x-k8s.io/warm-pool-sandbox=" + fnv("bench")


def proc_stats(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / tick
    hwm = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    return cpu, hwm


def count(c):
    return len(c.list("Sandbox", NS, selector=SEL))


def writes(c):
    reqs = c.control.requests()
    post = sum(1 for r in reqs if r["method"] == "POST" and r["path"].endswith("/sandboxes"))
    delete = sum(1 for r in reqs if r["method"] == "DELETE" and "/sandboxes/" in r["path"])
    return post, delete


def fill(c, label):
    peak = [0]
    stop = threading.Event()

    def watch_peak():
        while not stop.is_set():
            peak[0] = max(peak[0], count(c))
            time.sleep(0.05)
    c.control.clear_requests()
    cpu0, _ = proc_stats(c.controller.proc.pid)
    srv0, _ = proc_stats(c.server.proc.pid)
    t0 = time.monotonic()
    yield
    t = threading.Thread(target=watch_peak, daemon=True)
    t.start()
    wait_for(lambda: count(c) == N, 300, step=0.05, what="%d members" % N)
    took = time.monotonic() - t0
    wait_for(lambda: (c.get("SandboxWarmPool", NS, "bench").get("status") or {}).get("replicas") == N, 60)
    status_took = time.monotonic() - t0
    time.sleep(1.0)
    stop.set()
    t.join()
    cpu1, hwm = proc_stats(c.controller.proc.pid)
    srv1, _ = proc_stats(c.server.proc.pid)
    post, delete = writes(c)
    print("%-8s N=%d  members in %.2f s (%.0f creates/s), status.replicas=N in %.2f s, POST %d, DELETE %d, "
          "peak members %d, final %d, controller CPU %.2f s, peak RSS %.1f MiB, test API server CPU %.2f s"
          % (label, N, took, N / took, status_took, post, delete, max(peak[0], count(c)), count(c),
             cpu1 - cpu0, hwm, srv1 - srv0))


def main():
    with Cluster(nodes=None, controller_args=["--controllers", "pool", "--leader-elect=false"]) as c:
        c.create(template("py"))
        g = fill(c, "fill")
        next(g)
        c.create({"apiVersion": "extensions.agents.x-k8s.io/v1beta1", "kind": "SandboxWarmPool",
                  "metadata": {"name": "bench", "namespace": NS},
                  "spec": {"replicas": N, "sandboxTemplateRef": {"name": "py"}}})
        next(g, None)
        g = fill(c, "refill")
        next(g)
        c.kube.delete("/apis/agents.x-k8s.io/v1beta1/namespaces/default/sandboxes?labelSelector=" + SEL)
        next(g, None)


if __name__ == "__main__":
    main()
