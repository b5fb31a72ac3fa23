"""Helpers shared by this folder's unittest files: a TestCase base that runs
one server per class, object builders and URL paths."""
import itertools
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fixture  # noqa: E402

AGENTS = "/apis/agents.x-k8s.io/v1beta1"
EXT = "/apis/extensions.agents.x-k8s.io/v1beta1"
PREFIX = {"sandboxes": AGENTS, "sandboxtemplates": EXT, "sandboxwarmpools": EXT,
          "sandboxclaims": EXT, "pods": "/api/v1", "services": "/api/v1",
          "events": "/api/v1", "namespaces": "/api/v1",
          "leases": "/apis/coordination.k8s.io/v1"}
API_VERSION = {"sandboxes": "agents.x-k8s.io/v1beta1",
               "sandboxtemplates": "extensions.agents.x-k8s.io/v1beta1",
               "sandboxwarmpools": "extensions.agents.x-k8s.io/v1beta1",
               "sandboxclaims": "extensions.agents.x-k8s.io/v1beta1",
               "pods": "v1", "services": "v1", "events": "v1", "namespaces": "v1",
               "leases": "coordination.k8s.io/v1"}
KIND = {"sandboxes": "Sandbox", "sandboxtemplates": "SandboxTemplate",
        "sandboxwarmpools": "SandboxWarmPool", "sandboxclaims": "SandboxClaim",
        "pods": "Pod", "services": "Service", "events": "Event", "namespaces": "Namespace",
        "leases": "Lease"}

_counter = itertools.count()


def path(resource, ns=None, name=None, sub=None, query=None):
    p = PREFIX[resource]
    if ns is not None and resource != "namespaces":
        p += "/namespaces/" + ns
    p += "/" + resource
    if name:
        p += "/" + name
    if sub:
        p += "/" + sub
    if query:
        p += "?" + query
    return p


def obj(resource, name, ns=None, spec=None, labels=None, annotations=None, **extra):
    o = {"apiVersion": API_VERSION[resource], "kind": KIND[resource],
         "metadata": {"name": name}}
    if ns and resource != "namespaces":
        o["metadata"]["namespace"] = ns
    if labels:
        o["metadata"]["labels"] = labels
    if annotations:
        o["metadata"]["annotations"] = annotations
    if spec is not None:
        o["spec"] = spec
    o.update(extra)
    return o


def claim(name, ns=None, pool="pool", labels=None, annotations=None, **spec):
    return obj("sandboxclaims", name, ns, dict({"warmPoolRef": {"name": pool}}, **spec),
               labels=labels, annotations=annotations)


def warm_pool(name, ns=None, replicas=2, template="tpl"):
    spec = {"sandboxTemplateRef": {"name": template}}
    if replicas is not None:
        spec["replicas"] = replicas
    return obj("sandboxwarmpools", name, ns, spec)


def pod_template_spec(image="busybox:1.36"):
    return {"spec": {"containers": [{"name": "main", "image": image}]}}


def template(name, ns=None):
    return obj("sandboxtemplates", name, ns, {"podTemplate": pod_template_spec()})


def sandbox(name, ns=None):
    return obj("sandboxes", name, ns, {"podTemplate": pod_template_spec()})


def pod(name, ns=None, labels=None, **spec):
    s = {"containers": [{"name": "main", "image": "busybox:1.36"}]}
    s.update(spec)
    return obj("pods", name, ns, s, labels=labels)


def owner_ref(stored, block=None, controller=None):
    ref = {"apiVersion": stored["apiVersion"], "kind": stored["kind"],
           "name": stored["metadata"]["name"], "uid": stored["metadata"]["uid"]}
    if block is not None:
        ref["blockOwnerDeletion"] = block
    if controller is not None:
        ref["controller"] = controller
    return ref


_servers = {}


def _stop_servers():
    codes = {args: server.stop() for args, server in _servers.items()}
    _servers.clear()
    bad = {args: code for args, code in codes.items() if code != 0}
    if bad:
        raise AssertionError("test API servers exited badly: %r" % bad)


def shared_server(args):
    """One server per distinct flag set and test module (servers take a
    while to start); stopped, and its exit code checked, after the module."""
    args = tuple(args)
    if args not in _servers:
        if not _servers:
            unittest.addModuleCleanup(_stop_servers)
        _servers[args] = fixture.start(*args)
    return _servers[args]


class ServerTestCase(unittest.TestCase):
    """Tests against a shared test API server (see shared_server); each test
    gets its own namespace and starts with no fault rules."""
    server_args = ()

    @classmethod
    def setUpClass(cls):
        cls.server = shared_server(cls.server_args)
        cls.kube = cls.server.client()
        cls.control = cls.server.control

    def setUp(self):
        self.control.reset()
        self.ns = "t%d-%s" % (next(_counter), self._testMethodName[5:30].replace("_", "-")
                              .lower().strip("-"))
        r = self.kube.post("/api/v1/namespaces", obj("namespaces", self.ns))
        self.assertEqual(r.status, 201, r.body)

    # ---- helpers
    def create(self, resource, body, ns=None, expect=201, query=None):
        r = self.kube.post(path(resource, ns or self.ns, query=query), body)
        self.assertEqual(r.status, expect, r.body)
        return r.json()

    def get(self, resource, name, ns=None, expect=200, sub=None):
        r = self.kube.get(path(resource, ns or self.ns, name, sub))
        self.assertEqual(r.status, expect, r.body)
        return r.json()

    def put(self, resource, body, ns=None, expect=200, sub=None):
        r = self.kube.put(path(resource, ns or self.ns, body["metadata"]["name"], sub), body)
        self.assertEqual(r.status, expect, r.body)
        return r.json()

    def patch(self, resource, name, body, patch_type="merge", ns=None, expect=200, sub=None,
              query=None):
        r = self.kube.patch(path(resource, ns or self.ns, name, sub, query), body, patch_type)
        self.assertEqual(r.status, expect, r.body)
        return r.json()

    def delete(self, resource, name, body=None, ns=None, expect=200, query=None):
        r = self.kube.delete(path(resource, ns or self.ns, name, query=query), body)
        self.assertEqual(r.status, expect, r.body)
        return r.json()

    def exists(self, resource, name, ns=None):
        r = self.kube.get(path(resource, ns or self.ns, name))
        if r.status not in (200, 404):
            raise AssertionError(r)
        return r.status == 200

    def wait_gone(self, resource, name, ns=None, timeout=5):
        fixture.wait_for(lambda: not self.exists(resource, name, ns), timeout,
                         message="%s/%s to be deleted" % (resource, name))

    def assertStatus(self, response, code, reason, message=None):
        self.assertEqual(response.status, code, response.body)
        body = response.json()
        self.assertEqual(body["kind"], "Status")
        self.assertEqual(body["apiVersion"], "v1")
        self.assertEqual(body["status"], "Failure")
        self.assertEqual(body["code"], code)
        self.assertEqual(body.get("reason"), reason, body)
        if message is not None:
            self.assertEqual(body["message"], message)
        return body


def have_kubectl():
    return shutil.which("kubectl") is not None


def reference_dir():
    d = os.environ.get("WP_REFERENCE_DIR")
    return d if d and os.path.isdir(d) else None
