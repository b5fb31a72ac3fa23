#!/usr/bin/env python3
"""Idle and greedy connections against warmpool-webhook (issue 7: 1,000 TCP
connections that never sent a byte locked /healthz and admission out for
120 s). Asserts that a normal client is still answered promptly, that silent
connections are dropped at --handshake-timeout, that one address cannot take
more than --max-connections-per-ip, and bounds the server's memory.
The 10,000-connection figure is measured by tests/bench/webhook/idle_connections.py."""
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _webhook import (SANITIZED, SLOW, Workdir, closed_after, connect, fixture, healthz,  # noqa: E402
                      idle_connections, post, proc_status_kib, raise_fd_limit, source_address, wait_for)

IDLE = 1000


def timed_client(server, ctx):
    """Seconds for a new client to connect, handshake, get /healthz and a
    /validate decision."""
    start = time.monotonic()
    with connect(server, ctx, timeout=10) as s:
        assert healthz(s) == 200
        status, _, body = post(s, "/validate", fixture("claim-allowed.json"))
        assert status == 200 and b'"allowed":true' in body, body
    return time.monotonic() - start


def is_closed(sock):
    """True when the peer closed or reset sock (non-blocking check)."""
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def close_all(socks):
    for s in socks:
        s.close()


class IdleConnections(Workdir):
    @classmethod
    def setUpClass(cls):
        cls.fds = raise_fd_limit()

    def setUp(self):
        # The client side holds the idle connections too.
        if self.fds < 2 * IDLE + 512:
            self.skipTest("the open-file hard limit (%d) is too low for %d connections" % (self.fds, IDLE))
        super().setUp()

    def test_1000_idle_connections_do_not_lock_out_a_normal_client(self):
        server = self.start()
        base_rss = proc_status_kib(server.proc.pid, "VmRSS")
        socks = idle_connections(server.port, IDLE)
        try:
            held = wait_for(lambda: server.metrics()["warmpool_webhook_open_connections"] >= IDLE,
                            timeout=5 * SLOW)
            self.assertTrue(held, "the server did not accept %d connections: %s"
                            % (IDLE, server.metrics()["warmpool_webhook_open_connections"]))
            elapsed = timed_client(server, self.ctx)
            sys.stderr.write("%d idle connections held; a new client answered in %.3f s\n" % (IDLE, elapsed))
            self.assertLess(elapsed, 1.0 * SLOW)
            rss = proc_status_kib(server.proc.pid, "VmRSS")
            sys.stderr.write("server RSS %d KiB -> %d KiB (%.1f KiB per idle connection)\n"
                             % (base_rss, rss, (rss - base_rss) / IDLE))
            if not SANITIZED:
                self.assertLess(rss - base_rss, 64 * 1024)  # < 64 KiB each
        finally:
            close_all(socks)

    def test_silent_connections_are_closed_at_the_handshake_timeout(self):
        server = self.start("--handshake-timeout", "1s")
        socks = idle_connections(server.port, 50)
        # One that completes the handshake and then never sends a request.
        handshaken = connect(server, self.ctx)
        try:
            start = time.monotonic()
            for s in socks + [handshaken]:
                s.setblocking(True)
                self.assertIsNotNone(closed_after(s, 5 * SLOW))
            elapsed = time.monotonic() - start
            sys.stderr.write("51 silent connections closed after %.2f s (handshake timeout 1 s)\n" % elapsed)
            self.assertGreater(elapsed, 0.5)
            self.assertLess(elapsed, 2.5 * SLOW)  # MHD counts whole seconds
            wait_for(lambda: server.metrics()["warmpool_webhook_open_connections"] == 0, timeout=2)
            self.assertEqual(server.metrics()["warmpool_webhook_open_connections"], 0)
        finally:
            close_all(socks)
            handshaken.close()
        self.assert_serving(server)

    def test_a_request_started_in_time_gets_the_read_timeout(self):
        """The handshake deadline covers the start of the first request
        only: a request begun before it may take up to --read-timeout."""
        server = self.start("--handshake-timeout", "1s", "--read-timeout", "4s")
        body = fixture("claim-allowed.json")
        with connect(server, self.ctx) as s:
            s.sendall(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(body) + body[:10])
            time.sleep(2.0)  # past the handshake deadline, within the read timeout
            s.sendall(body[10:])
            status = s.recv(20)
            self.assertTrue(status.startswith(b"HTTP/1.1 200"), status)

    def test_one_address_gets_at_most_max_connections_per_ip(self):
        server = self.start("--max-connections-per-ip", "20", "--handshake-timeout", "30s")
        socks = idle_connections(server.port, 50, per_source=50, first_source=400)
        try:
            wait_for(lambda: sum(map(is_closed, socks)) >= 30, timeout=2 * SLOW)
            self.assertEqual(sum(map(is_closed, socks)), 30)
            self.assertEqual(server.metrics()["warmpool_webhook_open_connections"], 20)
            # Another address (the apiserver's) is served meanwhile.
            self.assertLess(timed_client(server, self.ctx), 1.0 * SLOW)
        finally:
            close_all(socks)

    def test_default_per_address_limit_is_256(self):
        server = self.start()
        socks = idle_connections(server.port, 300, per_source=300, first_source=500)
        try:
            wait_for(lambda: server.metrics()["warmpool_webhook_open_connections"] >= 256, timeout=3 * SLOW)
            time.sleep(0.3)
            self.assertEqual(server.metrics()["warmpool_webhook_open_connections"], 256)
        finally:
            close_all(socks)

    def test_fd_limit_is_raised_and_the_connection_limit_follows_it(self):
        server = self.start()
        with open("/proc/%d/limits" % server.proc.pid) as f:
            line = next(l for l in f if l.startswith("Max open files"))
        soft, hard = line.split()[3:5]
        self.assertEqual(soft, hard)
        serving = next(e for e in server.log_lines() if e.get("msg") == "serving")
        limit = int(serving["maxConnections"])
        self.assertLessEqual(limit, min(int(hard) - 384, 32768))  # less when memory is limited
        self.assertGreater(limit, IDLE)

    def test_idle_connections_do_not_lock_probes_out_of_the_metrics_port(self):
        """kubelet restarts the pod when /healthz goes unanswered: one
        address cannot take the metrics port's connections."""
        server = self.start()
        socks = []
        try:
            for _ in range(64):  # within the listen backlog, so each is accepted
                s = socket.create_connection(("127.0.0.1", server.metrics_port), timeout=5,
                                             source_address=(source_address(600), 0))
                s.setblocking(False)
                socks.append(s)
            start = time.monotonic()
            self.assertEqual(server.readyz(), 200)
            self.assertLess(time.monotonic() - start, 1.0 * SLOW)
            # The per-address limit (the rest are accepted and closed).
            wait_for(lambda: sum(not is_closed(s) for s in socks) <= 16, timeout=3 * SLOW)
            self.assertEqual(sum(not is_closed(s) for s in socks), 16)
        finally:
            close_all(socks)


if __name__ == "__main__":
    unittest.main()
