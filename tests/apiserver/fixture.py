"""Start the test API server from Python tests.

    from fixture import apiserver
    with apiserver() as (url, kubeconfig, control):
        ...                                   # control: ControlClient

The yielded object is a Server; besides unpacking into (url, kubeconfig,
control) it offers .client() (a KubeClient speaking HTTPS with the server's CA
and token; .watch() opens a WatchStream that tells a clean end, None, from a
cut connection, StreamBroken), .token, .ca_pem, .stop(). Extra command-line
flags go as arguments: apiserver("--watch-history", "50"). start() does the
same without the `with`.
"""
import base64
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "apiserver.py")


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def header(self, name):
        values = self.header_all(name)
        return values[0] if values else None

    def __repr__(self):
        return "<Response %d %s>" % (self.status, self.body[:200])


class KubeClient:
    """A minimal HTTPS client for the test API server (one connection per call)."""

    def __init__(self, url, ca_pem, token=None, cert=None, key=None, timeout=30):
        parsed = urllib.parse.urlsplit(url)
        self.host, self.port = parsed.hostname, parsed.port
        self.tls = ssl.create_default_context(cadata=ca_pem)
        if cert:
            self.tls.load_cert_chain(cert, key)
        self.token = token
        self.timeout = timeout

    def connect(self, timeout=None):
        return http.client.HTTPSConnection(self.host, self.port, context=self.tls,
                                           timeout=timeout or self.timeout)

    def _headers(self, headers, content_type, body):
        out = {"Accept": "application/json"}
        if self.token:
            out["Authorization"] = "Bearer " + self.token
        if body is not None:
            out["Content-Type"] = content_type
        out.update(headers or {})
        return out

    def request(self, method, path, body=None, content_type="application/json",
                headers=None):
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        conn = self.connect()
        try:
            conn.request(method, path, body=body,
                         headers=self._headers(headers, content_type, body))
            resp = conn.getresponse()
            return Response(resp.status, resp.getheaders(), resp.read())
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body, **kw):
        return self.request("PUT", path, body, **kw)

    def patch(self, path, body, patch_type="merge", **kw):
        content = {"merge": "application/merge-patch+json",
                   "json": "application/json-patch+json",
                   "strategic": "application/strategic-merge-patch+json",
                   "apply": "application/apply-patch+yaml"}[patch_type]
        return self.request("PATCH", path, body, content_type=content, **kw)

    def delete(self, path, body=None, **kw):
        return self.request("DELETE", path, body, **kw)

    def watch(self, path, timeout=10, headers=None):
        return WatchStream(self, path, timeout, headers)


class StreamBroken(ConnectionError):
    """The watch stream ended without its terminating chunk (connection cut)."""


class WatchStream:
    """An open watch: iterate events (dicts), or call next_event().

    Chunked framing is decoded here (not by http.client, which hides a cut
    connection as a normal end) so a clean end (None) and a cut stream
    (StreamBroken) can be told apart."""

    def __init__(self, client, path, timeout, headers=None):
        self.conn = client.connect(timeout)
        self.conn.request("GET", path, headers=client._headers(headers, None, None))
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.content_type = self.response.getheader("Content-Type")
        self.chunked = self.response.getheader("Transfer-Encoding") == "chunked"
        self._raw = self.response.fp
        self._buffer = b""
        self._pos = 0
        self._ended = False

    def _read_chunk(self):
        line = self._raw.readline()
        if not line:
            raise StreamBroken("connection closed before the terminating chunk")
        size = int(line.split(b";")[0].strip(), 16)
        if size == 0:
            self._raw.readline()
            self._ended = True
            return b""
        data = self._raw.read(size + 2)
        if len(data) < size + 2:
            raise StreamBroken("connection closed inside a chunk")
        return data[:size]

    def next_line(self):
        """The next raw line; b"" when the stream ended cleanly."""
        if not self.chunked:
            return self.response.readline()
        while True:
            end = self._buffer.find(b"\n", self._pos)
            if end >= 0:
                line = self._buffer[self._pos:end + 1]
                self._pos = end + 1
                return line
            if self._ended:
                line = self._buffer[self._pos:]
                self._buffer, self._pos = b"", 0
                return line
            self._buffer = self._buffer[self._pos:] + self._read_chunk()
            self._pos = 0

    def next_event(self):
        """The next event, or None when the stream ended cleanly. Raises
        StreamBroken when the connection was cut, ValueError on bad JSON."""
        line = self.next_line()
        if not line:
            return None
        return json.loads(line)

    def events(self, count):
        out = []
        for _ in range(count):
            event = self.next_event()
            if event is None:
                break
            out.append(event)
        return out

    def __iter__(self):
        while True:
            event = self.next_event()
            if event is None:
                return
            yield event

    def close(self):
        try:
            if self.conn.sock:
                self.conn.sock.close()
        except OSError:
            pass
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class ControlClient:
    """The /_test/ control API."""

    def __init__(self, kube):
        self.kube = kube

    def _call(self, method, path, body=None):
        resp = self.kube.request(method, "/_test/" + path.lstrip("/"), body)
        if resp.status not in (200, 201):
            raise RuntimeError("control %s %s failed: %d %s" % (method, path, resp.status,
                                                                 resp.body))
        return resp.json()

    def state(self):
        return self._call("GET", "state")

    def faults(self):
        return self._call("GET", "faults")

    def reset(self):
        return self._call("POST", "reset", {})

    def drop_watches(self):
        return self._call("POST", "watches/drop", {})["dropped"]

    def close_watches_every(self, seconds):
        return self._call("POST", "watches/close-interval", {"seconds": seconds})

    def compact(self, expire_watches=True):
        return self._call("POST", "compact", {"expireWatches": expire_watches})

    def delay(self, ms, path=None, count=None, seconds=None, methods=None):
        return self._call("POST", "delay", _rule(path, count, seconds, methods, ms=ms))

    def throttle(self, count=1, retry_after=1, path=None, seconds=None, methods=None):
        return self._call("POST", "throttle", _rule(path, count, seconds, methods,
                                                    retryAfter=retry_after))

    def fail(self, count=1, code=500, path=None, seconds=None, methods=None):
        return self._call("POST", "errors", _rule(path, count, seconds, methods, code=code))

    def garbage(self, count=1, path=None, seconds=None, methods=None):
        return self._call("POST", "garbage", _rule(path, count, seconds, methods))

    def bulk(self, objects=None, generate=None):
        body = {}
        if objects is not None:
            body["objects"] = objects
        if generate is not None:
            body["generate"] = generate
        return self._call("POST", "bulk", body)

    def requests(self):
        return self._call("GET", "requests")["requests"]

    # ---- node simulator (server started with --nodes N)
    def nodes(self):
        """{"nodes": [{name, pods, capacity, labels, taints, ...}], "pending", ...}"""
        return self._call("GET", "nodes")

    def add_node(self, name=None, labels=None, taints=None, capacity=None):
        """Create a Node the simulator plays; taints as dicts or "KEY[=VALUE]:EFFECT"."""
        body = {k: v for k, v in (("name", name), ("labels", labels), ("taints", taints),
                                  ("capacity", capacity)) if v is not None}
        return self._call("POST", "nodes/add", body)

    def remove_node(self, name):
        """Delete a Node: its pods fail (DisruptionTarget) and go after the eviction delay."""
        return self._call("POST", "nodes/remove", {"name": name})

    def configure_nodes(self, start_delay=None, delete_delay=None, eviction_delay=None):
        body = {k: v for k, v in (("startDelay", start_delay), ("deleteDelay", delete_delay),
                                  ("evictionDelay", eviction_delay)) if v is not None}
        return self._call("POST", "nodes/config", body)

    def pod(self, action, namespace, name, **extra):
        """action: fail (exitCode, reason, message), complete, unready, ready."""
        return self._call("POST", "pods/" + action, dict(extra, namespace=namespace, name=name))

    def clear_requests(self):
        return self._call("POST", "requests/clear", {})

    def set_tokens(self, tokens):
        return self._call("POST", "tokens", {"tokens": tokens})


def _rule(path, count, seconds, methods, **extra):
    body = dict(extra)
    if path is not None:
        body["path"] = path
    if count is not None:
        body["count"] = count
    if seconds is not None:
        body["seconds"] = seconds
    if methods is not None:
        body["methods"] = methods
    return body


def read_kubeconfig(path):
    """(server, ca_pem, token or None) from a kubeconfig this server wrote."""
    with open(path) as f:
        text = f.read()
    server = json.loads(re.search(r"^\s*server: (.+)$", text, re.M).group(1))
    ca = base64.b64decode(re.search(r"certificate-authority-data: (\S+)", text).group(1))
    token = re.search(r"^\s*token: (.+)$", text, re.M)
    return server, ca.decode(), json.loads(token.group(1)) if token else None


class Server:
    def __init__(self, proc, url, kubeconfig, workdir, own_workdir):
        self.proc, self.url, self.kubeconfig = proc, url, kubeconfig
        self.workdir, self._own_workdir = workdir, own_workdir
        _, self.ca_pem, self.token = read_kubeconfig(kubeconfig)
        self.control = ControlClient(self.client())

    def client(self, token=..., **kw):
        """A KubeClient; token defaults to the server's, "" or None sends none."""
        return KubeClient(self.url, self.ca_pem, self.token if token is ... else token, **kw)

    def __iter__(self):
        return iter((self.url, self.kubeconfig, self.control))

    def stop(self, timeout=10):
        """SIGTERM and wait; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return self.proc.returncode


def start(*args, workdir=None, timeout=20, stderr=None):
    """Start a server with extra flags; returns a Server (call .stop())."""
    own = workdir is None
    workdir = workdir or tempfile.mkdtemp(prefix="wp-apiserver-test-")
    kubeconfig = os.path.join(workdir, "kubeconfig")
    proc = subprocess.Popen([sys.executable, SERVER, "--listen", "127.0.0.1:0",
                             "--kubeconfig-out", kubeconfig] + list(args),
                            stdout=subprocess.PIPE, stderr=stderr, text=True)
    ready = {}

    def read_ready():
        ready["line"] = proc.stdout.readline()
    reader = threading.Thread(target=read_ready, daemon=True)
    reader.start()
    reader.join(timeout)
    line = ready.get("line", "")
    if not line.startswith("READY "):
        proc.kill()
        proc.wait()
        raise RuntimeError("test API server did not start (exit %s, said %r)"
                           % (proc.returncode, line))
    return Server(proc, line.split()[1], kubeconfig, workdir, own)


@contextlib.contextmanager
def apiserver(*args, **kw):
    server = start(*args, **kw)
    try:
        yield server
    finally:
        server.stop()


def wait_for(predicate, timeout=5.0, interval=0.02, message="condition"):
    """Poll predicate() until it returns something truthy; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("timed out waiting for %s" % message)
        time.sleep(interval)
