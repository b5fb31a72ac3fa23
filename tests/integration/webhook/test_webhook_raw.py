#!/usr/bin/env python3
"""warmpool-webhook at the socket level (Python stdlib: ssl, socket).

What libcurl cannot easily do: clients that trickle or stall, plain HTTP or
garbage on the TLS port, watching which certificate a new handshake
presents while an old keep-alive connection stays open, the Kubernetes
..data symlink swap, config reloads, and SIGTERM with a request in flight.

Environment (set by CMake): WP_WEBHOOK_BIN, WP_WEBHOOK_TESTDATA.
"""
import json
import os
import sys
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

BIN = os.environ["WP_WEBHOOK_BIN"]
TESTDATA = os.environ["WP_WEBHOOK_TESTDATA"]


def fixture(name):
    with open(os.path.join(TESTDATA, name), "rb") as f:
        return f.read()


def certs(out_dir, *args):
    subprocess.run([BIN, "certs", "--out-dir", out_dir] + list(args), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for(predicate, timeout=5.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


class Server:
    """The real binary on 127.0.0.1 with both ports picked by the kernel."""

    def __init__(self, work, cert, key, *extra):
        self.work = work
        self.log_path = os.path.join(work, "server-%d.log" % time.monotonic_ns())
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [BIN, "--tls-cert-file", cert, "--tls-key-file", key, "--listen", "127.0.0.1:0",
             "--metrics-listen", "127.0.0.1:0", "--reload-interval", "100ms",
             "--log-level", "debug"] + list(extra),
            stderr=self.log)
        line = wait_for(self._serving_line, timeout=10)
        if not line:
            self.proc.kill()
            raise RuntimeError("server did not start:\n" + self.log_text())
        self.port = int(line["admission"].rsplit(":", 1)[1])
        self.metrics_port = int(line["metrics"].rsplit(":", 1)[1])

    def log_text(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def log_lines(self):
        return [json.loads(l) for l in self.log_text().splitlines() if l.startswith("{")]

    def _serving_line(self):
        if self.proc.poll() is not None:
            return None
        for entry in self.log_lines():
            if entry.get("msg") == "serving":
                return entry
        return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=20)
        finally:
            self.log.close()
        return code

    def metrics(self):
        with socket.create_connection(("127.0.0.1", self.metrics_port), timeout=5) as s:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        body = data.split(b"\r\n\r\n", 1)[1].decode()
        values = {}
        for line in body.splitlines():
            if line and not line.startswith("#"):
                series, value = line.rsplit(" ", 1)
                values[series] = float(value)
        return values

    def readyz(self):
        with socket.create_connection(("127.0.0.1", self.metrics_port), timeout=5) as s:
            s.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return int(s.recv(100).split(b" ")[1])


def tls_context(ca, cert=None, key=None):
    ctx = ssl.create_default_context(cafile=ca)
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx


def connect(server, ctx, timeout=5):
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
    # As Go's net/http (kube-apiserver) does: without it, Nagle holds the
    # first request behind the handshake's last flight for a delayed ACK
    # (40 ms).
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return ctx.wrap_socket(raw, server_hostname="localhost")


def serial_of(sock):
    return sock.getpeercert()["serialNumber"].lstrip("0").lower()


def read_response(sock):
    """Reads one HTTP/1.1 response with Content-Length; returns (status, headers, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the response headers")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed in the response body")
        body += chunk
    return int(lines[0].split(" ")[1]), headers, body


def post(sock, path, body, content_type="application/json"):
    sock.sendall(b"POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
                 % (path.encode(), content_type.encode(), len(body)) + body)
    return read_response(sock)


def healthz(sock):
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
    return read_response(sock)[0]


def closed_after(sock, deadline):
    """Seconds until the peer closes sock (EOF or reset), or None by deadline."""
    start = time.monotonic()
    sock.settimeout(deadline)
    try:
        while sock.recv(4096):
            pass
    except (ConnectionError, ssl.SSLError, OSError) as e:
        if isinstance(e, socket.timeout):
            return None
    return time.monotonic() - start


class Workdir(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="wp-webhook-raw-")
        self.certs = os.path.join(self.work, "certs")
        certs(self.certs, "--dns-name", "localhost", "--ip", "127.0.0.1", "--client", "kube-apiserver")
        self.ca = os.path.join(self.certs, "ca.crt")
        self.ctx = tls_context(self.ca)
        self.servers = []

    def tearDown(self):
        # Every server must shut down cleanly: exit 0 also means no leak
        # (LeakSanitizer) and no race (ThreadSanitizer) was reported.
        running = [s for s in self.servers if not s.log.closed]
        codes = [s.stop() for s in running]
        for server, code in zip(running, codes):
            if code != 0:  # show the sanitizer's report, not just the code
                sys.stderr.write("server exited %d; its log ends:\n%s\n" % (code, server.log_text()[-6000:]))
        shutil.rmtree(self.work, ignore_errors=True)
        self.assertEqual(codes, [0] * len(codes))

    def start(self, *extra, cert=None, key=None):
        s = Server(self.work, cert or os.path.join(self.certs, "tls.crt"),
                   key or os.path.join(self.certs, "tls.key"), *extra)
        self.servers.append(s)
        return s

    def assert_serving(self, server):
        with connect(server, self.ctx) as s:
            self.assertEqual(healthz(s), 200)


class SlowAndBadClients(Workdir):
    def setUp(self):
        super().setUp()
        self.server = self.start("--read-timeout", "1s", "--idle-timeout", "4s")

    def test_trickling_client_is_cut_at_read_timeout(self):
        body = fixture("claim-allowed.json")
        request = (b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   b"Content-Length: %d\r\n\r\n" % len(body)) + body
        s = connect(self.server, self.ctx)
        start = time.monotonic()
        with self.assertRaises((ConnectionError, ssl.SSLError, OSError)):
            for i in range(len(request)):   # one byte every 100 ms: never idle
                s.send(request[i:i + 1])
                time.sleep(0.1)
                if time.monotonic() - start > 10:
                    self.fail("trickling client still connected after 10 s")
            s.recv(100)  # never reached with a correct server
            raise AssertionError("unreachable")
        elapsed = time.monotonic() - start
        self.assertGreater(elapsed, 0.9)
        self.assertLess(elapsed, 3.5)
        s.close()
        self.assert_serving(self.server)

    def test_stalled_body_is_cut_at_read_timeout_not_idle_timeout(self):
        body = fixture("claim-allowed.json")
        s = connect(self.server, self.ctx)
        s.sendall(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body) + body[:100])
        elapsed = closed_after(s, 6)
        self.assertIsNotNone(elapsed)
        self.assertGreater(elapsed, 0.5)
        self.assertLess(elapsed, 3.5)   # the idle timeout (4 s) did not apply
        s.close()
        self.assert_serving(self.server)

    def test_idle_keep_alive_outlives_read_timeout_until_idle_timeout(self):
        s = connect(self.server, self.ctx)
        self.assertEqual(healthz(s), 200)
        time.sleep(1.5)                 # past --read-timeout
        self.assertEqual(healthz(s), 200)
        elapsed = closed_after(s, 8)
        self.assertIsNotNone(elapsed)
        self.assertGreater(elapsed, 3.0)
        self.assertLess(elapsed, 7.0)
        s.close()

    def test_plain_http_on_the_tls_port_gets_a_plain_400(self):
        before = self.server.metrics()
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=5) as s:
            s.sendall(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
            status, headers, body = read_response(s)
        self.assertEqual(status, 400)
        self.assertEqual(body, b"Client sent an HTTP request to an HTTPS server.\n")
        self.assertEqual(headers["connection"], "close")
        self.assert_serving(self.server)
        after = self.server.metrics()
        self.assertEqual(after["warmpool_webhook_tls_handshake_errors_total"]
                         - before["warmpool_webhook_tls_handshake_errors_total"], 1)

    def test_garbage_and_truncated_handshakes_are_closed(self):
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=5) as s:
            s.sendall(bytes(range(256)) * 4)
            self.assertIsNotNone(closed_after(s, 5))
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=5) as s:
            s.sendall(b"\x16\x03\x01\x02\x00\x01")   # a ClientHello header, then nothing
            elapsed = closed_after(s, 5)
            self.assertIsNotNone(elapsed)
            self.assertLess(elapsed, 3.5)         # --read-timeout covers the handshake
        self.assert_serving(self.server)

    def test_many_bad_requests_on_one_connection_keep_it_usable(self):
        with connect(self.server, self.ctx) as s:
            for _ in range(3):
                self.assertEqual(post(s, "/validate", b"{", )[0], 400)
                self.assertEqual(post(s, "/validate", b"{}", "text/plain")[0], 415)
                self.assertEqual(post(s, "/nowhere", b"{}")[0], 404)
                status, _, body = post(s, "/validate", fixture("claim-allowed.json"))
                self.assertEqual(status, 200)
                self.assertTrue(json.loads(body)["response"]["allowed"])


class ConnectionLimit(Workdir):
    def test_connections_over_the_limit_are_refused_until_one_closes(self):
        server = self.start("--max-connections", "2")
        first, second = connect(server, self.ctx), connect(server, self.ctx)
        self.assertEqual(healthz(first), 200)
        self.assertEqual(healthz(second), 200)
        with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
            with connect(server, self.ctx) as third:
                healthz(third)
        first.close()

        def new_connection_works():
            try:
                with connect(server, self.ctx) as s:
                    return healthz(s) == 200
            except (ssl.SSLError, ConnectionError, OSError):
                return False
        self.assertTrue(wait_for(new_connection_works, timeout=3))
        self.assertEqual(healthz(second), 200)
        second.close()


class CertificateReload(Workdir):
    def new_handshake_serial(self, server):
        with connect(server, self.ctx) as s:
            return serial_of(s)

    def file_serial(self, cert):
        out = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-serial"],
                             capture_output=True, text=True, check=True).stdout
        return out.strip().split("=", 1)[1].lstrip("0").lower()

    def reloads(self, server, result):
        return server.metrics().get('warmpool_webhook_certificate_reloads_total{result="%s"}' % result, 0)

    def test_new_pair_serves_new_handshakes_and_open_connections_keep_working(self):
        server = self.start()
        cert = os.path.join(self.certs, "tls.crt")
        old_serial = self.file_serial(cert)
        kept = connect(server, self.ctx)
        self.assertEqual(serial_of(kept), old_serial)
        self.assertEqual(healthz(kept), 200)

        certs(self.certs, "--dns-name", "localhost", "--days", "30")   # same CA, new leaf
        new_serial = self.file_serial(cert)
        self.assertNotEqual(new_serial, old_serial)
        seen = wait_for(lambda: self.new_handshake_serial(server) == new_serial, timeout=3)
        self.assertTrue(seen, "new handshakes still present the old certificate")
        # The connection opened before the reload was not dropped.
        status, _, body = post(kept, "/validate", fixture("claim-allowed.json"))
        self.assertEqual(status, 200)
        self.assertTrue(json.loads(body)["response"]["allowed"])
        self.assertEqual(serial_of(kept), old_serial)
        kept.close()
        metrics = server.metrics()
        self.assertEqual(metrics['warmpool_webhook_certificate_reloads_total{result="success"}'], 1)
        # `certs` writes the key, then the certificate (two renames): a poll
        # between them sees the new key with the old certificate, refuses
        # that pair once, and loads the right one at the next poll.
        self.assertLessEqual(metrics['warmpool_webhook_certificate_reloads_total{result="failure"}'], 1)
        expiry = metrics["warmpool_webhook_certificate_expiry_timestamp_seconds"]
        self.assertAlmostEqual(expiry, time.time() + 30 * 86400, delta=86400)
        self.assertTrue(any(e["msg"] == "serving certificate reloaded" and e["serial"].lstrip("0") == new_serial
                            for e in server.log_lines()))
        self.assertEqual(server.stop(), 0)

    def test_broken_pairs_are_refused_and_the_old_one_keeps_serving(self):
        server = self.start()
        cert, key = os.path.join(self.certs, "tls.crt"), os.path.join(self.certs, "tls.key")
        good = self.file_serial(cert)
        # 1. An unparseable key.
        with open(key + ".new", "w") as f:
            f.write("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n")
        os.rename(key + ".new", key)
        self.assertTrue(wait_for(lambda: self.reloads(server, "failure") == 1, timeout=3))
        self.assertEqual(self.new_handshake_serial(server), good)
        # 2. A valid certificate whose key is another one.
        other = os.path.join(self.work, "other")
        certs(other, "--dns-name", "localhost")
        shutil.copy(os.path.join(other, "tls.key"), key + ".new")
        os.rename(key + ".new", key)
        self.assertTrue(wait_for(lambda: self.reloads(server, "failure") == 2, timeout=3))
        self.assertEqual(self.new_handshake_serial(server), good)
        refused = [e for e in server.log_lines() if e["msg"] == "reload refused; keeping the current version"]
        self.assertEqual(len(refused), 2)
        self.assertIn("private key does not match the certificate's public key", refused[1]["error"])
        # 3. Fixed: the matching pair is taken.
        certs(self.certs, "--dns-name", "localhost")
        fixed = self.file_serial(cert)
        self.assertTrue(wait_for(lambda: self.new_handshake_serial(server) == fixed, timeout=3))
        self.assertEqual(self.reloads(server, "success"), 1)
        self.assertEqual(server.stop(), 0)

    def test_kubernetes_secret_symlink_swap(self):
        # kubelet's layout: tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>
        mount = os.path.join(self.work, "secret")
        os.makedirs(mount)

        def publish(name, source_dir):
            stamp = os.path.join(mount, name)
            os.makedirs(stamp)
            for f in ("tls.crt", "tls.key"):
                shutil.copy(os.path.join(source_dir, f), os.path.join(stamp, f))
            os.symlink(name, os.path.join(mount, "..data_tmp"))
            os.rename(os.path.join(mount, "..data_tmp"), os.path.join(mount, "..data"))

        publish("..2026_05_20_10_00_00.000000001", self.certs)
        for f in ("tls.crt", "tls.key"):
            os.symlink(os.path.join("..data", f), os.path.join(mount, f))
        server = self.start(cert=os.path.join(mount, "tls.crt"), key=os.path.join(mount, "tls.key"))
        first = self.file_serial(os.path.join(self.certs, "tls.crt"))
        self.assertEqual(self.new_handshake_serial(server), first)

        rotated = os.path.join(self.work, "rotated")
        shutil.copytree(self.certs, rotated)
        certs(rotated, "--dns-name", "localhost")
        second = self.file_serial(os.path.join(rotated, "tls.crt"))
        publish("..2026_05_21_10_00_00.000000002", rotated)
        self.assertTrue(wait_for(lambda: self.new_handshake_serial(server) == second, timeout=3))
        self.assertEqual(self.reloads(server, "success"), 1)
        self.assertEqual(server.stop(), 0)

    def test_client_ca_rotation(self):
        client_ca = os.path.join(self.work, "client-ca.crt")
        shutil.copy(self.ca, client_ca)
        server = self.start("--client-ca-file", client_ca)
        old_client = tls_context(self.ca, os.path.join(self.certs, "client.crt"),
                                 os.path.join(self.certs, "client.key"))
        with connect(server, old_client) as s:
            self.assertEqual(healthz(s), 200)
        # Rotate the client CA: certificates from the old one are out.
        other = os.path.join(self.work, "other")
        certs(other, "--client", "kube-apiserver")
        shutil.copy(os.path.join(other, "ca.crt"), client_ca + ".new")
        os.rename(client_ca + ".new", client_ca)

        def old_client_refused():
            try:
                with connect(server, old_client) as s:
                    return healthz(s) != 200
            except (ssl.SSLError, ConnectionError, OSError):
                return True
        self.assertTrue(wait_for(old_client_refused, timeout=3))
        new_client = tls_context(self.ca, os.path.join(other, "client.crt"), os.path.join(other, "client.key"))
        with connect(server, new_client) as s:
            self.assertEqual(healthz(s), 200)
        metrics = server.metrics()
        self.assertEqual(metrics['warmpool_webhook_client_ca_reloads_total{result="success"}'], 1)
        self.assertEqual(server.stop(), 0)


class ConfigReload(Workdir):
    def decide(self, server, name):
        with connect(server, self.ctx) as s:
            status, _, body = post(s, "/validate", fixture(name))
        self.assertEqual(status, 200)
        return json.loads(body)["response"]["allowed"]

    def write_config(self, path, text):
        with open(path + ".new", "w") as f:
            f.write(text)
        os.rename(path + ".new", path)

    def test_rule_configuration_reloads_on_change(self):
        config = os.path.join(self.work, "rules.yaml")
        self.write_config(config, "allowedLabelDomains: [sandbox.users.io]\n")
        server = self.start("--config", config)
        self.assertFalse(self.decide(server, "claim-team-label.json"))
        self.write_config(config, "allowedLabelDomains: [sandbox.users.io, team.example.com]\n")
        self.assertTrue(wait_for(lambda: self.decide(server, "claim-team-label.json"), timeout=3))
        # A broken file is refused; the last good configuration stays.
        self.write_config(config, "allowedLabelDomains: [team.example.com]\nnoSuchKey: 1\n")
        self.assertTrue(wait_for(lambda: server.metrics().get(
            'warmpool_webhook_config_reloads_total{result="failure"}') == 1, timeout=3))
        self.assertTrue(self.decide(server, "claim-team-label.json"))
        metrics = server.metrics()
        self.assertEqual(metrics['warmpool_webhook_config_reloads_total{result="success"}'], 1)
        self.assertTrue(any("noSuchKey" in e.get("error", "") for e in server.log_lines()
                            if e["msg"] == "reload refused; keeping the current version"))
        self.assertEqual(server.stop(), 0)

    def test_broken_config_at_startup_is_fatal(self):
        config = os.path.join(self.work, "rules.yaml")
        self.write_config(config, "maxPoolReplicas: lots\n")
        proc = subprocess.run([BIN, "--tls-cert-file", os.path.join(self.certs, "tls.crt"),
                               "--tls-key-file", os.path.join(self.certs, "tls.key"),
                               "--listen", "127.0.0.1:0", "--metrics-listen", "", "--config", config],
                              capture_output=True, text=True, timeout=10)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("cannot load startup files", proc.stderr)
        self.assertIn("maxPoolReplicas", proc.stderr)


class Shutdown(Workdir):
    def test_sigterm_finishes_the_request_in_flight_and_exits_0(self):
        server = self.start("--shutdown-grace", "10s")
        body = fixture("claim-legacy.json")
        s = connect(server, self.ctx)
        s.sendall(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body) + body[:50])
        self.assertTrue(wait_for(lambda: server.metrics()["warmpool_webhook_requests_in_flight"] == 1))
        server.proc.send_signal(signal.SIGTERM)
        # Not ready any more, no new connections, but the request goes on.
        self.assertTrue(wait_for(lambda: server.readyz() == 503, timeout=3))
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", server.port), timeout=2)
        self.assertIsNone(server.proc.poll())
        s.sendall(body[50:])
        status, headers, response = read_response(s)
        self.assertEqual(status, 200)
        self.assertEqual(headers["connection"], "close")
        review = json.loads(response)["response"]
        self.assertEqual(review["uid"], "11111111-0000-4000-8000-000000000003")
        self.assertFalse(review["allowed"])
        s.close()
        self.assertEqual(server.proc.wait(timeout=10), 0)
        messages = [e["msg"] for e in server.log_lines()]
        self.assertIn("shutting down", messages)
        self.assertEqual(messages[-1], "stopped")

    def test_sigint_with_idle_connections_exits_0_promptly(self):
        server = self.start()
        idle = [connect(server, self.ctx) for _ in range(3)]
        start = time.monotonic()
        server.proc.send_signal(signal.SIGINT)
        self.assertEqual(server.proc.wait(timeout=10), 0)
        self.assertLess(time.monotonic() - start, 2)
        for s in idle:
            s.close()


if __name__ == "__main__":
    unittest.main()
