"""warmpool-webhook --self-managed-secret against the test API server
(issue 11): two replicas start at the same moment with no Secret; one
creates it (CA + serving certificate), the other adopts it, both serve the
same certificate, the CA bundle lands in both webhook configurations, and
the API server then calls the webhook over TLS trusting only that bundle
(--webhook-ca-from). A Secret whose material goes bad is renewed by one
replica and both follow, with admission working throughout.

Env: WP_WEBHOOK_BIN, WP_SOURCE_DIR (for tests/apiserver)."""
import base64
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

SRC = os.environ.get("WP_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "apiserver"))
import fixture  # noqa: E402

BIN = os.environ.get("WP_WEBHOOK_BIN", "build/bin/warmpool-webhook")
NS = "warmpool-system"
SECRET = "warmpool-webhook-tls"
CONFIG = "warmpool-webhook"
SECRET_PATH = "/api/v1/namespaces/%s/secrets/%s" % (NS, SECRET)
CONFIG_PATHS = ["/apis/admissionregistration.k8s.io/v1/%s/%s" % (p, CONFIG)
                for p in ("validatingwebhookconfigurations", "mutatingwebhookconfigurations")]
CLAIMS = "/apis/extensions.agents.x-k8s.io/v1beta1/namespaces/default/sandboxclaims"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def served_cert_pem(port):
    """The certificate the webhook presents on port (PEM)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw) as tls:
            return ssl.DER_cert_to_PEM_cert(tls.getpeercert(binary_form=True))


def same_cert(pem_a, pem_b):
    return ssl.PEM_cert_to_DER_cert(pem_a) == ssl.PEM_cert_to_DER_cert(pem_b)


def configuration(kind, hook_name):
    return {"apiVersion": "admissionregistration.k8s.io/v1", "kind": kind,
            "metadata": {"name": CONFIG},
            "webhooks": [{"name": hook_name, "admissionReviewVersions": ["v1"], "sideEffects": "None",
                          "clientConfig": {"service": {"name": "warmpool-webhook", "namespace": NS,
                                                       "path": "/validate"}}}]}


class Replica:
    def __init__(self, name, workdir, kubeconfig, port):
        self.name, self.port, self.metrics = name, port, free_port()
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir)
        self.log = open(os.path.join(workdir, name + ".log"), "w+")
        self.proc = subprocess.Popen([
            BIN, "--listen", "127.0.0.1:%d" % port, "--metrics-listen", "127.0.0.1:%d" % self.metrics,
            "--tls-cert-file", os.path.join(self.dir, "tls.crt"),
            "--tls-key-file", os.path.join(self.dir, "tls.key"),
            "--self-managed-secret", "%s/%s" % (NS, SECRET),
            "--self-managed-hosts", "127.0.0.1,localhost",
            "--self-managed-webhook-configuration", CONFIG,
            "--self-managed-interval", "300ms", "--reload-interval", "100ms",
            "--kubeconfig", kubeconfig, "--log-format", "text", "--threads", "1"],
            stdout=self.log, stderr=subprocess.STDOUT)

    def ready(self):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/readyz" % self.metrics, timeout=1) as r:
                return r.status == 200
        except OSError:
            return False

    def cert_file(self):
        with open(os.path.join(self.dir, "tls.crt")) as f:
            return f.read()

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        """SIGTERM; the exit status (None when it had to be killed)."""
        code = self.proc.poll()
        if code is None:
            self.proc.terminate()
            try:
                code = self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return code


class SelfManaged(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = tempfile.mkdtemp(prefix="wp-selfcert-")
        cls.port = free_port()
        cls.server = fixture.start("--webhook-url", "https://127.0.0.1:%d" % cls.port,
                                   "--webhook-ca-from", CONFIG, "--webhook-timeout", "2",
                                   "--webhook-validating-name", "validate.warmpool.agents.x-k8s.io")
        cls.api = cls.server.client()
        ok = cls.api.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                 "metadata": {"name": NS}})
        assert ok.status == 201, ok
        for path, kind, hook in zip(CONFIG_PATHS, ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"),
                                    ("validate.warmpool.agents.x-k8s.io", "mutate.warmpool.agents.x-k8s.io")):
            r = cls.api.post(path.rsplit("/", 1)[0], configuration(kind, hook))
            assert r.status == 201, r
        # both replicas at the same moment; the API server calls replica a
        cls.replicas = [Replica("a", cls.workdir, cls.server.kubeconfig, cls.port),
                        Replica("b", cls.workdir, cls.server.kubeconfig, free_port())]
        try:
            fixture.wait_for(lambda: all(r.ready() for r in cls.replicas), timeout=30,
                             message="both replicas ready")
        except Exception:
            for r in cls.replicas:
                print(r.name, r.output(), file=sys.stderr)
            raise

    @classmethod
    def tearDownClass(cls):
        for r in cls.replicas:
            r.stop()
            r.log.close()
        cls.server.stop()
        shutil.rmtree(cls.workdir, ignore_errors=True)

    def secret_data(self):
        r = self.api.get(SECRET_PATH)
        self.assertEqual(r.status, 200, r)
        return {k: base64.b64decode(v).decode() for k, v in r.json()["data"].items()}

    def bundles(self):
        return [[h["clientConfig"].get("caBundle") for h in self.api.get(p).json()["webhooks"]]
                for p in CONFIG_PATHS]

    def converged(self):
        """Both replicas serve the Secret's certificate and both
        configurations carry its CA bundle."""
        data = self.secret_data()
        bundle = base64.b64encode(data["ca.crt"].encode()).decode()
        return (all(same_cert(served_cert_pem(r.port), data["tls.crt"]) for r in self.replicas)
                and self.bundles() == [[bundle], [bundle]]) and data

    def admit(self, name, spec):
        body = {"apiVersion": "extensions.agents.x-k8s.io/v1beta1", "kind": "SandboxClaim",
                "metadata": {"name": name, "namespace": "default"}, "spec": spec}
        return self.api.post(CLAIMS, body)

    def test_1_replicas_share_one_certificate_and_the_bundle_is_patched(self):
        data = self.secret_data()
        self.assertEqual(sorted(data), ["ca.crt", "ca.key", "tls.crt", "tls.key"])
        self.assertEqual(self.api.get(SECRET_PATH).json()["type"], "kubernetes.io/tls")
        for r in self.replicas:
            self.assertEqual(r.cert_file(), data["tls.crt"], r.name)
        self.assertTrue(fixture.wait_for(self.converged, timeout=10, message="converged"))
        logs = [r.output() for r in self.replicas]
        created = sum(log.count("self-managed certificate created") for log in logs)
        self.assertEqual(created, 1, logs)
        if os.environ.get("WP_SELFCERT_SHOW_LOGS"):
            print("\n".join(logs), file=sys.stderr)

    def test_2_api_server_calls_the_webhook_over_tls_with_that_bundle(self):
        r = self.admit("good", {"warmPoolRef": {"name": "pool"}})
        self.assertEqual(r.status, 201, r)
        annotations = r.json()["metadata"].get("annotations") or {}
        self.assertIn("agents.x-k8s.io/webhook-first-observed-at", annotations)   # /mutate ran
        bad = self.admit("bad", {"warmPoolRef": {"name": "pool"}, "env": [{"name": "1BAD", "value": "x"}]})
        self.assertEqual(bad.status, 422, bad)
        self.assertIn('admission webhook "validate.warmpool.agents.x-k8s.io" denied the request',
                      bad.json()["message"])

    def test_3_bad_material_is_renewed_once_and_both_replicas_follow(self):
        before = self.secret_data()
        stored = self.api.get(SECRET_PATH).json()
        stored["data"]["tls.crt"] = base64.b64encode(b"not a certificate").decode()
        r = self.api.put(SECRET_PATH, stored)
        self.assertEqual(r.status, 200, r)
        after = fixture.wait_for(lambda: (lambda d: d if d["tls.crt"] != "not a certificate" else None)(
            self.secret_data()), timeout=10, message="renewed")
        self.assertNotEqual(after["ca.crt"], before["ca.crt"])   # unreadable material: new CA
        self.assertTrue(fixture.wait_for(self.converged, timeout=10, message="both follow"))
        ok = self.admit("after-renewal", {"warmPoolRef": {"name": "pool"}})
        self.assertEqual(ok.status, 201, ok)
        logs = [r.output() for r in self.replicas]
        self.assertEqual(sum(log.count("self-managed certificate renewed") for log in logs), 1, logs)

    def test_4_replicas_stop_cleanly(self):
        for r in self.replicas:
            self.assertEqual(r.stop(), 0, r.output())
            self.assertNotIn("Sanitizer", r.output())


if __name__ == "__main__":
    unittest.main()
