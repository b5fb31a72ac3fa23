"""Admission webhooks: AdmissionReview requests, JSONPatch mutation, denials
propagated like kube-apiserver, warnings, failures (failurePolicy Fail and
Ignore), and mutual TLS."""
import base64
import json
import shutil
import ssl
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import fixture
from testlib import ServerTestCase, claim, path, pod, sandbox, template, warm_pool
from kapi import certs


class Webhook:
    """A tiny HTTPS admission webhook; `decide(path, request)` returns the
    response fields (allowed, patch ops, status, warnings), or a callable
    result for raw answers."""

    def __init__(self, directory, require_client_cert=False):
        self.ca, cert, key = certs.make_serving(directory)
        self.reviews = []
        self.client_subjects = []
        self.decide = lambda path, request: {"allowed": True}
        hook = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers["Content-Length"])
                review = json.loads(self.rfile.read(length))
                path = self.path.split("?")[0]
                hook.reviews.append((self.path, review))
                peer = self.connection.getpeercert()
                if peer:
                    hook.client_subjects.append(dict(x[0] for x in peer["subject"]))
                answer = hook.decide(path, review["request"])
                if callable(answer):
                    return answer(self, review)
                response = {"uid": review["request"]["uid"], "allowed": answer["allowed"]}
                if answer.get("patch") is not None:
                    response["patchType"] = "JSONPatch"
                    response["patch"] = base64.b64encode(
                        json.dumps(answer["patch"]).encode()).decode()
                for key in ("status", "warnings"):
                    if key in answer:
                        response[key] = answer[key]
                body = json.dumps({"apiVersion": "admission.k8s.io/v1",
                                   "kind": "AdmissionReview", "response": response}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert, key)
        if require_client_cert:
            client_ca, self.client_cert, self.client_key = certs.make_client(
                directory, "kube-apiserver", "system:apiservers")
            tls.load_verify_locations(client_ca)
            tls.verify_mode = ssl.CERT_REQUIRED
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # timeouts are expected
        self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.url = "https://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def calls(self, path):
        return [r["request"] for p, r in self.reviews if p.split("?")[0] == path]


class WebhookTestCase(ServerTestCase):
    extra_args = ()
    require_client_cert = False

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="wp-webhook-")
        cls.hook = Webhook(cls.dir, cls.require_client_cert)
        cls.server_args = ("--webhook-url", cls.hook.url, "--webhook-ca-file", cls.hook.ca,
                           "--webhook-timeout", "1") + tuple(cls.extra_args)
        if cls.require_client_cert:
            cls.server_args += ("--webhook-client-cert", cls.hook.client_cert,
                                "--webhook-client-key", cls.hook.client_key)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.hook.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        super().setUp()
        self.hook.reviews.clear()
        self.hook.decide = lambda path, request: {"allowed": True}


DENIAL = {"code": 422, "reason": "Invalid",
          "message": 'SandboxClaim.extensions.agents.x-k8s.io "bad" is invalid: '
                     'spec.warmPoolRef.name: Required value',
          "details": {"name": "bad", "group": "extensions.agents.x-k8s.io",
                      "kind": "SandboxClaim",
                      "causes": [{"field": "spec.warmPoolRef.name",
                                  "reason": "FieldValueRequired",
                                  "message": "Required value"}]}}


class Admission(WebhookTestCase):
    def test_mutate_then_validate_on_create(self):
        def decide(path, request):
            if path == "/mutate":
                return {"allowed": True, "patch": [
                    {"op": "add", "path": "/metadata/annotations", "value": {}},
                    {"op": "add", "path": "/metadata/annotations/agents.x-k8s.io~1webhook-"
                     "first-observed-at", "value": "2025-01-01T00:00:00.000000001Z"}]}
            return {"allowed": True}
        self.hook.decide = decide
        created = self.create("sandboxclaims", claim("c"))
        self.assertEqual(created["metadata"]["annotations"], {
            "agents.x-k8s.io/webhook-first-observed-at": "2025-01-01T00:00:00.000000001Z"})
        order = [p.split("?")[0] for p, _ in self.hook.reviews]
        self.assertEqual(order, ["/mutate", "/validate"])
        self.assertTrue(all(p.endswith("?timeout=1s") for p, _ in self.hook.reviews))
        mutate, validate = self.hook.reviews[0][1], self.hook.reviews[1][1]
        self.assertEqual((mutate["apiVersion"], mutate["kind"]),
                         ("admission.k8s.io/v1", "AdmissionReview"))
        req = mutate["request"]
        self.assertEqual(req["operation"], "CREATE")
        self.assertEqual(req["kind"], {"group": "extensions.agents.x-k8s.io",
                                       "version": "v1beta1", "kind": "SandboxClaim"})
        self.assertEqual(req["resource"], {"group": "extensions.agents.x-k8s.io",
                                           "version": "v1beta1", "resource": "sandboxclaims"})
        self.assertEqual((req["name"], req["namespace"]), ("c", self.ns))
        self.assertIsNone(req["oldObject"])
        self.assertFalse(req["dryRun"])
        self.assertEqual(req["options"]["kind"], "CreateOptions")
        self.assertIn("username", req["userInfo"])
        self.assertNotIn("uid", req["object"]["metadata"])
        vobj = validate["request"]["object"]
        self.assertIn("agents.x-k8s.io/webhook-first-observed-at",
                      vobj["metadata"]["annotations"])
        self.assertIn("uid", vobj["metadata"])

    def test_update_and_patch_send_old_object(self):
        created = self.create("sandboxwarmpools", warm_pool("p"))
        self.hook.reviews.clear()
        self.patch("sandboxwarmpools", "p", {"spec": {"replicas": 9}})
        mutate = self.hook.calls("/mutate")[0]
        self.assertEqual(mutate["operation"], "UPDATE")
        self.assertEqual(mutate["options"]["kind"], "UpdateOptions")
        self.assertEqual(mutate["oldObject"], created)
        self.assertEqual(mutate["object"]["spec"]["replicas"], 9)

    def test_denial_is_propagated_like_kube_apiserver(self):
        self.hook.decide = lambda path, req: {"allowed": path == "/mutate", "status": DENIAL}
        r = self.kube.post(path("sandboxclaims", self.ns), claim("bad"))
        body = self.assertStatus(
            r, 422, "Invalid", 'admission webhook "validate.warmpool.io" denied the request: '
            'SandboxClaim.extensions.agents.x-k8s.io "bad" is invalid: spec.warmPoolRef.name: '
            'Required value')
        self.assertEqual(body["details"], DENIAL["details"])
        self.assertFalse(self.exists("sandboxclaims", "bad"))

    def test_denial_without_code_or_message(self):
        self.hook.decide = lambda path, req: {"allowed": False}
        r = self.kube.post(path("sandboxtemplates", self.ns), template("t"))
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["message"], 'admission webhook "mutate.warmpool.io" denied '
                         'the request without explanation')
        self.hook.decide = lambda path, req: {"allowed": path == "/mutate", "status": {
            "reason": "Forbidden", "code": 403}}
        r = self.kube.post(path("sandboxtemplates", self.ns), template("t"))
        self.assertStatus(r, 403, "Forbidden", 'admission webhook "validate.warmpool.io" '
                          'denied the request: Forbidden')

    def test_warnings_become_warning_headers(self):
        self.hook.decide = lambda path, req: {"allowed": True, "warnings": [
            "%s: image busybox is not pinned" % path, 'quote " and \\ slash']}
        r = self.kube.post(path("sandboxtemplates", self.ns), template("t"))
        self.assertEqual(r.status, 201)
        self.assertEqual(r.header_all("Warning"), [
            '299 - "/mutate: image busybox is not pinned"',
            '299 - "quote \\" and \\\\ slash"',
            '299 - "/validate: image busybox is not pinned"',
            '299 - "quote \\" and \\\\ slash"'])

    def test_scope_of_webhook_calls(self):
        self.create("sandboxes", sandbox("s"))
        self.create("pods", pod("p"))
        self.assertEqual(self.hook.reviews, [])
        self.create("sandboxwarmpools", warm_pool("w"))
        self.create("sandboxtemplates", template("t"))
        self.create("sandboxclaims", claim("c"))
        self.assertEqual([r["kind"]["kind"] for r in self.hook.calls("/validate")],
                         ["SandboxWarmPool", "SandboxTemplate", "SandboxClaim"])
        self.hook.reviews.clear()
        self.patch("sandboxclaims", "c", {"status": {"sandbox": {"name": "x"}}}, sub="status")
        self.patch("sandboxwarmpools", "w", {"spec": {"replicas": 3}}, sub="scale")
        self.delete("sandboxclaims", "c")
        self.assertEqual(self.hook.reviews, [])

    def test_generate_name_seen_after_mutation(self):
        body = claim("x")
        body["metadata"] = {"generateName": "gen-"}
        created = self.create("sandboxclaims", body)
        self.assertNotIn("name", self.hook.calls("/mutate")[0])
        self.assertEqual(self.hook.calls("/validate")[0]["name"], created["metadata"]["name"])

    def test_dry_run_is_passed(self):
        self.create("sandboxclaims", claim("d"), query="dryRun=All")
        self.assertTrue(all(r["dryRun"] for r in self.hook.calls("/validate")))
        self.assertFalse(self.exists("sandboxclaims", "d"))

    def test_webhook_timeout_fails_closed(self):
        def slow(path, req):
            time.sleep(1.5)
            return {"allowed": True}
        self.hook.decide = slow
        r = self.kube.post(path("sandboxclaims", self.ns), claim("slow"))
        body = self.assertStatus(r, 500, "InternalError")
        self.assertRegex(body["message"], r'^Internal error occurred: failed calling webhook '
                         r'"mutate\.warmpool\.io": failed to call webhook: Post '
                         r'"https://127\.0\.0\.1:\d+/mutate\?timeout=1s": context deadline '
                         r'exceeded$')
        self.assertEqual(body["details"]["causes"][0]["message"],
                         body["message"][len("Internal error occurred: "):])

    def test_garbage_and_wrong_uid_answers_fail(self):
        def garbage(handler, review):
            handler.send_response(200)
            handler.send_header("Content-Length", "5")
            handler.end_headers()
            handler.wfile.write(b"nope!")
        self.hook.decide = lambda path, req: garbage
        r = self.kube.post(path("sandboxclaims", self.ns), claim("g"))
        self.assertIn("received invalid webhook response",
                      self.assertStatus(r, 500, "InternalError")["message"])

        def wrong_uid(handler, review):
            body = json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                               "response": {"uid": "other", "allowed": True}}).encode()
            handler.send_response(200)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        self.hook.decide = lambda path, req: wrong_uid
        r = self.kube.post(path("sandboxclaims", self.ns), claim("g"))
        self.assertIn('expected response.uid=', self.assertStatus(r, 500, "InternalError")
                      ["message"])

    def test_bad_patch_is_internal_error(self):
        self.hook.decide = lambda path, req: {"allowed": True, "patch": [
            {"op": "remove", "path": "/metadata/nothing"}]}
        r = self.kube.post(path("sandboxclaims", self.ns), claim("x"))
        self.assertStatus(r, 500, "InternalError")


class MutualTLS(WebhookTestCase):
    require_client_cert = True

    def test_client_certificate_is_presented(self):
        self.create("sandboxclaims", claim("c"))
        self.assertEqual(self.hook.client_subjects[0]["commonName"], "kube-apiserver")


class Unreachable(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="wp-webhook-")
        ca = certs.make_serving(cls.dir)[0]
        # a port nobody listens on: bind, note it, close
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        cls.port = s.getsockname()[1]
        s.close()
        cls.server_args = ("--webhook-url", "https://127.0.0.1:%d" % cls.port,
                           "--webhook-ca-file", ca)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_connection_refused(self):
        r = self.kube.post(path("sandboxclaims", self.ns), claim("c"))
        self.assertStatus(r, 500, "InternalError",
                          'Internal error occurred: failed calling webhook "mutate.warmpool.io": '
                          'failed to call webhook: Post "https://127.0.0.1:%d/mutate?timeout=10s"'
                          ': dial tcp 127.0.0.1:%d: connect: connection refused'
                          % (self.port, self.port))
        self.create("sandboxes", sandbox("unaffected"))


class IgnorePolicy(WebhookTestCase):
    extra_args = ("--webhook-failure-policy", "Ignore")

    def test_failures_are_ignored_but_denials_are_not(self):
        def slow(path, req):
            time.sleep(1.5)
            return {"allowed": True}
        self.hook.decide = slow
        self.create("sandboxclaims", claim("c"))
        self.hook.decide = lambda path, req: {"allowed": False, "status": DENIAL}
        r = self.kube.post(path("sandboxclaims", self.ns), claim("bad"))
        self.assertStatus(r, 422, "Invalid")


class UntrustedWebhook(WebhookTestCase):
    @classmethod
    def setUpClass(cls):
        # point the server at another CA than the one that signed the webhook
        cls.other = tempfile.mkdtemp(prefix="wp-other-ca-")
        cls.wrong_ca = certs.make_ca(cls.other, "ca", "someone-else")[0]
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.other, ignore_errors=True)

    def test_unknown_authority(self):
        server = fixture.start("--webhook-url", self.hook.url, "--webhook-ca-file",
                               self.wrong_ca)
        try:
            r = server.client().post(path("sandboxclaims", "default"), claim("c"))
            body = self.assertStatus(r, 500, "InternalError")
            self.assertIn("tls: failed to verify certificate:", body["message"])
        finally:
            self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    unittest.main()
