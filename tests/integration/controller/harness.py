"""Integration harness for warmpool-controller (shared by every test_*.py here).

    from harness import Cluster
    with Cluster() as c:                       # test API server (+ node simulator) and the controller
        c.create(sandbox("sb1"))               # any object dict; the path comes from apiVersion/kind
        sb = c.wait_condition("Sandbox", "default", "sb1", "Ready", "True")
        pod = c.get("Pod", "default", "sb1")
        c.metrics()                            # /metrics text

Cluster(nodes=2, pod_start_delay="0.05", controller_args=[...], start_controller=True,
        apiserver_args=[...]). c.start_controller(*args) starts (another) replica;
c.controller is the first one (a Controller: .proc, .log_lines(), .metrics_url,
.health_url, .stop(sig)). c.kube is the fixture's KubeClient, c.control its
ControlClient (faults, node simulator: c.control.pod("fail", ns, name)).

Environment (set by CMake): WP_CONTROLLER_BIN (the program), WP_APISERVER_DIR
(tests/apiserver, for fixture.py).
"""
import json
import os
import urllib.parse
import urllib.error
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.environ.get("WP_APISERVER_DIR",
                                  os.path.join(os.path.dirname(__file__), "..", "..", "apiserver")))
import fixture  # noqa: E402

BIN = os.environ.get("WP_CONTROLLER_BIN", "warmpool-controller")
# Sanitizer builds on a loaded 2-core machine run several times slower: waits stretch.
TIME_SCALE = 3.0 if (os.environ.get("ASAN_OPTIONS") or os.environ.get("TSAN_OPTIONS")
                     or "asan" in BIN or "tsan" in BIN) else 1.0

# kind -> (api prefix, plural)
KINDS = {
    "Sandbox": ("/apis/agents.x-k8s.io/v1beta1", "sandboxes"),
    "SandboxTemplate": ("/apis/extensions.agents.x-k8s.io/v1beta1", "sandboxtemplates"),
    "SandboxWarmPool": ("/apis/extensions.agents.x-k8s.io/v1beta1", "sandboxwarmpools"),
    "SandboxClaim": ("/apis/extensions.agents.x-k8s.io/v1beta1", "sandboxclaims"),
    "Pod": ("/api/v1", "pods"),
    "Service": ("/api/v1", "services"),
    "PersistentVolumeClaim": ("/api/v1", "persistentvolumeclaims"),
    "NetworkPolicy": ("/apis/networking.k8s.io/v1", "networkpolicies"),
    "Event": ("/apis/events.k8s.io/v1", "events"),
    "CoreEvent": ("/api/v1", "events"),
    "Lease": ("/apis/coordination.k8s.io/v1", "leases"),
    "Namespace": ("/api/v1", "namespaces"),
}


def path(kind, ns=None, name=None, sub=None):
    prefix, plural = KINDS[kind]
    p = prefix
    if ns and kind != "Namespace":
        p += "/namespaces/" + ns
    p += "/" + plural
    if name:
        p += "/" + name
    if sub:
        p += "/" + sub
    return p


class APIError(Exception):
    def __init__(self, status, body):
        super().__init__("%d %s" % (status, body[:300]))
        self.status, self.body = status, body


def wait_for(predicate, timeout=10.0, step=0.05, what="condition"):
    """Polls predicate until it returns a truthy value (returned)."""
    timeout *= TIME_SCALE
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(step)
    raise AssertionError("timed out after %.1fs waiting for %s (last: %r)" % (timeout, what, last))


def condition(obj, ctype):
    for c in (obj or {}).get("status", {}).get("conditions", []) or []:
        if c.get("type") == ctype:
            return c
    return None


class Controller:
    """One warmpool-controller process; its stderr (JSON log lines) is collected."""

    def __init__(self, kubeconfig, args):
        self.lines = []
        self._lock = threading.Lock()
        self.addrs = {}
        cmd = [BIN, "--kubeconfig", kubeconfig, "--metrics-listen", "127.0.0.1:0",
               "--health-listen", "127.0.0.1:0", "--log-format", "json"] + list(args)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        wait_for(lambda: self.proc.poll() is not None or len(self.addrs) >= 2, 15,
                 what="controller listening")
        if self.proc.poll() is not None:
            raise AssertionError("controller exited %s:\n%s" % (self.proc.returncode, self.log()))

    def _read(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._lock:
                self.lines.append(line)
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if rec.get("msg") == "listening":
                self.addrs[rec.get("flag")] = rec.get("addr")

    def log_lines(self):
        with self._lock:
            return list(self.lines)

    def log(self):
        return "\n".join(self.log_lines())

    @property
    def metrics_url(self):
        return "http://%s/metrics" % self.addrs["metrics-listen"]

    @property
    def health_url(self):
        return "http://%s" % self.addrs["health-listen"]

    def http_get(self, url):
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def ready(self):
        return self.http_get(self.health_url + "/readyz")[0] == 200

    def metrics(self):
        return self.http_get(self.metrics_url)[1]

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(2)
        return self.proc.returncode


class Cluster:
    def __init__(self, nodes=2, pod_start_delay="0.05", controller_args=(), start_controller=True,
                 apiserver_args=(), namespace="default"):
        self.nodes, self.pod_start_delay = nodes, pod_start_delay
        self.controller_args = list(controller_args)
        self.apiserver_args = list(apiserver_args)
        self.start_ctl = start_controller
        self.ns = namespace
        self.controllers = []
        self.server = None

    # --- lifecycle ---------------------------------------------------------
    def __enter__(self):
        args = list(self.apiserver_args)
        if self.nodes is not None:
            args += ["--nodes", str(self.nodes), "--pod-start-delay", str(self.pod_start_delay),
                     "--pod-delete-delay", str(self.pod_start_delay)]
        self.server = fixture.start(*args)
        self.kube = self.server.client()
        self.control = self.server.control
        self.kubeconfig = self.server.kubeconfig
        try:
            if self.start_ctl:
                self.start_controller(*self.controller_args)
                wait_for(self.controller.ready, 15, what="controller /readyz")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        failed = exc_type is not None
        bad = []
        for c in self.controllers:
            running = c.proc.poll() is None
            rc = c.stop()
            if running and rc != 0:  # a clean SIGTERM exits 0 (also: no sanitizer report)
                bad.append(c)
            if failed or (running and rc != 0):
                sys.stderr.write("--- controller log (exit %s) ---\n%s\n" % (rc, c.log()[-20000:]))
        if self.server:
            self.server.stop()
        if bad and not failed:
            raise AssertionError("controller exited %s after SIGTERM" % [c.proc.returncode for c in bad])
        return False

    def start_controller(self, *args):
        c = Controller(self.kubeconfig, args or self.controller_args)
        self.controllers.append(c)
        return c

    @property
    def controller(self):
        return self.controllers[0]

    def metrics(self):
        return self.controller.metrics()

    # --- objects -------------------------------------------------------------
    def _check(self, r, ok=(200, 201)):
        if r.status not in ok:
            raise APIError(r.status, r.body if isinstance(r.body, str) else r.body.decode("utf-8", "replace"))
        return r.json()

    def create(self, obj, ns=None):
        ns = ns or obj.get("metadata", {}).get("namespace") or self.ns
        obj.setdefault("metadata", {}).setdefault("namespace", ns)
        return self._check(self.kube.post(path(obj["kind"], ns), obj))

    def get(self, kind, ns, name):
        r = self.kube.get(path(kind, ns, name))
        if r.status == 404:
            return None
        return self._check(r)

    def list(self, kind, ns=None, selector=None):
        p = path(kind, ns)
        if selector:
            p += "?labelSelector=" + urllib.parse.quote(selector)
        return self._check(self.kube.get(p))["items"]

    def update(self, obj):
        m = obj["metadata"]
        return self._check(self.kube.put(path(obj["kind"], m["namespace"], m["name"]), obj))

    def patch(self, kind, ns, name, body, sub=None, patch_type="merge"):
        return self._check(self.kube.patch(path(kind, ns, name, sub), body, patch_type=patch_type))

    def delete(self, kind, ns, name, **opts):
        r = self.kube.delete(path(kind, ns, name), opts or None)
        return r.status

    def pod_ready(self, ns, name, ip="10.244.0.9"):
        """Makes a pod Running and Ready through its status (without the node simulator)."""
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        conds = [{"type": t, "status": "True", "lastTransitionTime": now}
                 for t in ("PodScheduled", "Initialized", "ContainersReady", "Ready")]
        return self.patch("Pod", ns, name, {"status": {"phase": "Running", "podIP": ip,
                                                       "podIPs": [{"ip": ip}], "conditions": conds}},
                          sub="status")

    # --- waiting ---------------------------------------------------------------
    def wait_object(self, kind, ns, name, predicate=lambda o: True, timeout=10, what=None):
        def probe():
            o = self.get(kind, ns, name)
            return o if o is not None and predicate(o) else None
        return wait_for(probe, timeout, what=what or "%s %s/%s" % (kind, ns, name))

    def wait_gone(self, kind, ns, name, timeout=10):
        return wait_for(lambda: self.get(kind, ns, name) is None, timeout,
                        what="%s %s/%s to be gone" % (kind, ns, name))

    def wait_condition(self, kind, ns, name, ctype, status, reason=None, timeout=10):
        def ok(o):
            c = condition(o, ctype)
            return c is not None and c.get("status") == status and (reason is None or c.get("reason") == reason)
        return self.wait_object(kind, ns, name, ok, timeout,
                                what="%s %s/%s %s=%s %s" % (kind, ns, name, ctype, status, reason or ""))

    def events(self, ns, regarding_name=None):
        items = self.list("Event", ns)
        if regarding_name:
            items = [e for e in items if e.get("regarding", {}).get("name") == regarding_name]
        return items


def metric_value(text, metric, **labels):
    """The value of one sample in Prometheus text, or None."""
    for line in text.splitlines():
        if not line.startswith(metric):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
        if not m or m.group(1) != metric:
            continue
        got = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        if all(got.get(k) == v for k, v in labels.items()):
            return float(m.group(4))
    return None


# --- object builders ---------------------------------------------------------------

def container(name="main", image="busybox:1.36", ports=None, **extra):
    c = {"name": name, "image": image}
    if ports:
        c["ports"] = ports
    c.update(extra)
    return c


def sandbox(name, ns="default", containers=None, labels=None, annotations=None, pod_labels=None,
            pod_annotations=None, **spec):
    s = {"podTemplate": {"spec": {"containers": containers or [container()]}}}
    if pod_labels or pod_annotations:
        s["podTemplate"]["metadata"] = {}
        if pod_labels:
            s["podTemplate"]["metadata"]["labels"] = pod_labels
        if pod_annotations:
            s["podTemplate"]["metadata"]["annotations"] = pod_annotations
    s.update(spec)
    meta = {"name": name, "namespace": ns}
    if labels:
        meta["labels"] = labels
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "agents.x-k8s.io/v1beta1", "kind": "Sandbox", "metadata": meta, "spec": s}


def template(name, ns="default", containers=None, **spec):
    s = {"podTemplate": {"spec": {"containers": containers or [container()]}}}
    s.update(spec)
    return {"apiVersion": "extensions.agents.x-k8s.io/v1beta1", "kind": "SandboxTemplate",
            "metadata": {"name": name, "namespace": ns}, "spec": s}


def fnv(name):
    h = 2166136261
    for b in name.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return "%08x" % h
