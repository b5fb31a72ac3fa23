#!/usr/bin/env python3
"""Measures how warmpool-webhook copes with many idle connections: opens N
TCP connections that never send a byte (200 per 127.0.x.y source address,
under the default per-address limit), then times a normal client
(handshake + GET /healthz + POST /validate) and reads the server's RSS.
Prints numbers; never fails on them.

    WP_SOURCE_DIR=. WP_WEBHOOK_BIN=build/bin/warmpool-webhook \\
    WP_WEBHOOK_TESTDATA=tests/integration/webhook/testdata \\
        python3 tests/bench/webhook/idle_connections.py 1000 10000
"""
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "hostile"))
from _webhook import (Server, certs, connect, fixture, healthz, idle_connections, post,  # noqa: E402
                      proc_status_kib, raise_fd_limit, tls_context, wait_for)


def measure(server, ctx, n):
    base = proc_status_kib(server.proc.pid, "VmRSS")
    start = time.monotonic()
    socks = idle_connections(server.port, n)
    held = wait_for(lambda: server.metrics()["warmpool_webhook_open_connections"] >= n, timeout=30)
    opened = time.monotonic() - start
    times = []
    for _ in range(5):
        t0 = time.monotonic()
        with connect(server, ctx, timeout=30) as s:
            assert healthz(s) == 200
            status, _, _ = post(s, "/validate", fixture("claim-allowed.json"))
            assert status == 200
        times.append(time.monotonic() - t0)
    rss = proc_status_kib(server.proc.pid, "VmRSS")
    print("%6d idle connections (%s held after %.1f s): new client answered in %.1f ms median, %.1f ms max; "
          "server RSS %.1f MiB (+%.1f KiB per connection)"
          % (n, "all" if held else "NOT all", opened, sorted(times)[2] * 1000, max(times) * 1000,
             rss / 1024, (rss - base) / max(n, 1)))
    for s in socks:
        s.close()
    wait_for(lambda: server.metrics()["warmpool_webhook_open_connections"] == 0, timeout=30)


def main():
    counts = [int(a) for a in sys.argv[1:]] or [0, 1000, 10000]
    raise_fd_limit()
    work = tempfile.mkdtemp(prefix="wp-idle-bench-")
    try:
        certs(os.path.join(work, "certs"), "--dns-name", "localhost")
        ctx = tls_context(os.path.join(work, "certs", "ca.crt"))
        # A long handshake timeout so the connections stay for the whole run.
        server = Server(work, os.path.join(work, "certs", "tls.crt"), os.path.join(work, "certs", "tls.key"),
                        "--handshake-timeout", "600s", "--read-timeout", "600s", "--log-level", "info")
        try:
            for n in counts:
                measure(server, ctx, n)
        finally:
            server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
