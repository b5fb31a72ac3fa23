#!/usr/bin/env python3
"""Sandbox reconciler throughput: N Sandboxes appear at once (one bulk write to
the test API server), the controller creates their Pods, the node simulator
starts them, the controller mirrors Ready. Prints numbers, never pass/fail.

    WP_CONTROLLER_BIN=build/bin/warmpool-controller python3 tests/bench/sandbox/bench_sandboxes.py [N]

Reports: seconds until every Sandbox is Ready (end to end, bounded by the
test API server and its simulator as much as by the controller), the
controller's own CPU seconds and peak RSS, and its API writes per Sandbox
(pod create, pod-name annotation, status writes) from its metrics.
"""
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "integration", "controller"))
os.environ.setdefault("WP_APISERVER_DIR", os.path.join(HERE, "..", "..", "apiserver"))

from harness import Cluster, sandbox  # noqa: E402


def proc_cpu_rss(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    with open("/proc/%d/status" % pid) as f:
        hwm = int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1)) * 1024
    return cpu, hwm


def total(text, metric):
    return sum(float(m.group(1)) for m in re.finditer(r"^%s\{[^}]*\} (\S+)$" % metric, text, re.M))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with Cluster(nodes=10, pod_start_delay="0.05", apiserver_args=["--node-capacity", "1000"],
                 controller_args=["--controllers", "sandbox", "--leader-elect=false"]) as c:
        pid = c.controller.proc.pid
        cpu0, _ = proc_cpu_rss(pid)
        objs = [sandbox("bench-%05d" % i) for i in range(n)]
        t0 = time.monotonic()
        c.control.bulk(objects=objs)
        ready = 0
        while time.monotonic() - t0 < 600:
            items = c.list("Sandbox", "default")
            ready = sum(1 for s in items for x in s.get("status", {}).get("conditions", [])
                        if x["type"] == "Ready" and x["status"] == "True")
            if ready >= n:
                break
            time.sleep(0.2)
        took = time.monotonic() - t0
        time.sleep(1)  # let trailing status writes land before counting
        cpu1, hwm = proc_cpu_rss(pid)
        text = c.metrics()
        writes = total(text, "warmpool_controller_api_writes_total")
        reconciles = total(text, "controller_runtime_reconcile_total")
        print("sandboxes                 %d (%d Ready)" % (n, ready))
        print("all Ready after           %.2f s  (%.0f sandboxes/s end to end)" % (took, n / took))
        print("controller CPU            %.2f s  (%.2f ms per sandbox)" % (cpu1 - cpu0, (cpu1 - cpu0) * 1000 / n))
        print("controller peak RSS       %.1f MiB" % (hwm / 1048576))
        print("API writes                %.0f  (%.2f per sandbox)" % (writes, writes / n))
        print("reconciles                %.0f  (%.2f per sandbox)" % (reconciles, reconciles / n))


if __name__ == "__main__":
    main()
