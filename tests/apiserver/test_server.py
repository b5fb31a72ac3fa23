"""The server process and discovery: CLI contract (READY line, kubeconfig,
SIGTERM), authentication (token, client certificates), discovery documents,
OpenAPI index, state persistence, and the units used for printing."""
import base64
import json
import os
import random
import re
import signal
import ssl
import subprocess
import sys
import tempfile
import unittest

import fixture
from testlib import ServerTestCase, claim, path
from kapi import protobuf, tables


class Discovery(ServerTestCase):
    def test_version_is_public(self):
        r = self.server.client(token="").get("/version")
        self.assertEqual(r.status, 200)
        body = r.json()
        self.assertEqual((body["major"], body["minor"]), ("1", "32"))
        self.assertRegex(body["gitVersion"], r"^v1\.32\.\d+")

    def test_core_resources(self):
        body = self.kube.get("/api/v1").json()
        self.assertEqual((body["kind"], body["groupVersion"]), ("APIResourceList", "v1"))
        by_name = {r["name"]: r for r in body["resources"]}
        self.assertEqual(set(by_name), {"namespaces", "namespaces/status", "namespaces/finalize",
                                        "pods", "pods/status", "services", "services/status",
                                        "persistentvolumeclaims",
                                        "persistentvolumeclaims/status", "events", "nodes",
                                        "nodes/status"})
        self.assertFalse(by_name["namespaces"]["namespaced"])
        self.assertTrue(by_name["pods"]["namespaced"])
        self.assertEqual(by_name["pods"]["shortNames"], ["po"])
        self.assertEqual(sorted(by_name["pods"]["verbs"]),
                         ["create", "delete", "deletecollection", "get", "list", "patch",
                          "update", "watch"])
        api = self.kube.get("/api").json()
        self.assertEqual(api["versions"], ["v1"])

    def test_extension_group_resources(self):
        body = self.kube.get("/apis/extensions.agents.x-k8s.io/v1beta1").json()
        self.assertEqual(body["groupVersion"], "extensions.agents.x-k8s.io/v1beta1")
        by_name = {r["name"]: r for r in body["resources"]}
        self.assertEqual(set(by_name), {
            "sandboxtemplates", "sandboxwarmpools", "sandboxwarmpools/status",
            "sandboxwarmpools/scale", "sandboxclaims", "sandboxclaims/status"})
        swp = by_name["sandboxwarmpools"]
        self.assertEqual((swp["kind"], swp["singularName"], swp["shortNames"], swp["namespaced"]),
                         ("SandboxWarmPool", "sandboxwarmpool", ["swp"], True))
        self.assertIn("watch", swp["verbs"])
        scale = by_name["sandboxwarmpools/scale"]
        self.assertEqual((scale["group"], scale["version"], scale["kind"]),
                         ("autoscaling", "v1", "Scale"))
        self.assertEqual(sorted(scale["verbs"]), ["get", "patch", "update"])
        self.assertEqual(by_name["sandboxwarmpools/status"]["kind"], "SandboxWarmPool")
        agents = self.kube.get("/apis/agents.x-k8s.io/v1beta1").json()
        self.assertEqual([r["name"] for r in agents["resources"]],
                         ["sandboxes", "sandboxes/status"])

    def test_group_list(self):
        body = self.kube.get("/apis").json()
        self.assertEqual(body["kind"], "APIGroupList")
        groups = {g["name"]: g for g in body["groups"]}
        self.assertEqual(set(groups), {"coordination.k8s.io", "agents.x-k8s.io",
                                       "extensions.agents.x-k8s.io", "networking.k8s.io",
                                       "events.k8s.io"})
        self.assertEqual(groups["extensions.agents.x-k8s.io"]["preferredVersion"],
                         {"groupVersion": "extensions.agents.x-k8s.io/v1beta1",
                          "version": "v1beta1"})
        single = self.kube.get("/apis/agents.x-k8s.io").json()
        self.assertEqual((single["kind"], single["name"]), ("APIGroup", "agents.x-k8s.io"))
        self.assertEqual(self.kube.get("/apis/nothing.io").status, 404)

    def test_openapi_v3_index_names_field_validation(self):
        index = self.kube.get("/openapi/v3").json()
        url = index["paths"]["apis/extensions.agents.x-k8s.io/v1beta1"]["serverRelativeURL"]
        self.assertRegex(url, r"^/openapi/v3/apis/extensions\.agents\.x-k8s\.io/v1beta1\?hash=")
        doc = self.kube.get(url).json()
        op = doc["paths"]["/apis/extensions.agents.x-k8s.io/v1beta1/namespaces/{namespace}/"
                          "sandboxclaims/{name}"]["patch"]
        self.assertEqual(op["x-kubernetes-group-version-kind"]["kind"], "SandboxClaim")
        self.assertIn("fieldValidation", [p["name"] for p in op["parameters"]])

    def test_healthz(self):
        r = self.server.client(token="").get("/healthz")
        self.assertEqual((r.status, r.body), (200, b"ok"))

    def test_keep_alive_survives_rejected_bodies(self):
        client = self.server.client(token="")
        conn = client.connect()
        try:
            conn.request("POST", "/api/v1/namespaces", body=b'{"kind":"Namespace"}',
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            self.assertEqual(r.status, 401)
            r.read()
            conn.request("GET", "/version")
            r = conn.getresponse()
            self.assertEqual((r.status, json.loads(r.read())["major"]), (200, "1"))
        finally:
            conn.close()

    def test_chunked_request_body(self):
        conn = self.kube.connect()
        try:
            body = json.dumps(claim("chunky")).encode()
            conn.putrequest("POST", path("sandboxclaims", self.ns))
            for k, v in (("Authorization", "Bearer " + self.server.token),
                         ("Content-Type", "application/json"),
                         ("Transfer-Encoding", "chunked")):
                conn.putheader(k, v)
            conn.endheaders()
            for part in (body[:10], body[10:]):
                conn.send(b"%x\r\n%s\r\n" % (len(part), part))
            conn.send(b"0\r\n\r\n")
            r = conn.getresponse()
            self.assertEqual(r.status, 201, r.read())
        finally:
            conn.close()

    def test_body_too_large(self):
        r = self.kube.post(path("sandboxclaims", self.ns), b"x" * (3 * 1024 * 1024 + 1))
        self.assertStatus(r, 413, "RequestEntityTooLarge",
                          "Request entity too large: limit is 3145728")

    def test_response_headers(self):
        r = self.kube.get(path("sandboxclaims", self.ns))
        self.assertRegex(r.header("Audit-Id"), r"^[0-9a-f-]{36}$")
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertIsNone(r.header("Server"))


class Authentication(ServerTestCase):
    server_args = ("--token", "s3cret")

    def test_token_required(self):
        self.assertEqual(self.server.token, "s3cret")
        for token in ("", "wrong"):
            r = self.server.client(token=token).get("/api/v1/namespaces")
            self.assertStatus(r, 401, "Unauthorized", "Unauthorized")
            self.assertEqual(r.json(), {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                        "status": "Failure", "message": "Unauthorized",
                                        "reason": "Unauthorized", "code": 401})
        r = self.server.client(token="wrong").get("/version")
        self.assertEqual(r.status, 401)

    def test_kubeconfig_shape(self):
        with open(self.server.kubeconfig) as f:
            text = f.read()
        self.assertIn("current-context: warmpool-test\n", text)
        self.assertIn('    server: "%s"\n' % self.server.url, text)
        self.assertIn('    token: "s3cret"\n', text)
        self.assertRegex(self.server.url, r"^https://127\.0\.0\.1:\d+$")
        pem = base64.b64decode(re.search(r"certificate-authority-data: (\S+)", text).group(1))
        self.assertTrue(pem.startswith(b"-----BEGIN CERTIFICATE-----"))
        self.assertEqual(oct(os.stat(self.server.kubeconfig).st_mode & 0o777), "0o600")

    def test_tls_is_verified_with_the_kubeconfig_ca(self):
        plain = ssl.create_default_context()
        client = fixture.KubeClient(self.server.url, self.server.ca_pem, "s3cret")
        client.tls = plain
        with self.assertRaises(ssl.SSLCertVerificationError):
            client.get("/version")


class ClientCertificates(unittest.TestCase):
    def test_client_cert_auth(self):
        with fixture.apiserver("--client-cert-auth") as server:
            with open(server.kubeconfig) as f:
                text = f.read()
            self.assertNotIn("token:", text)
            cert = base64.b64decode(re.search(r"client-certificate-data: (\S+)", text).group(1))
            key = base64.b64decode(re.search(r"client-key-data: (\S+)", text).group(1))
            with tempfile.TemporaryDirectory() as d:
                cert_file, key_file = os.path.join(d, "c.crt"), os.path.join(d, "c.key")
                for name, data in ((cert_file, cert), (key_file, key)):
                    with open(name, "wb") as f:
                        f.write(data)
                client = fixture.KubeClient(server.url, server.ca_pem, None, cert_file,
                                            key_file)
                self.assertEqual(client.get("/api/v1/namespaces").status, 200)
            anonymous = fixture.KubeClient(server.url, server.ca_pem, None)
            self.assertEqual(anonymous.get("/api/v1/namespaces").status, 401)


class Process(unittest.TestCase):
    def test_ready_line_and_sigterm(self):
        with tempfile.TemporaryDirectory() as d:
            kc = os.path.join(d, "kc")
            proc = subprocess.Popen([sys.executable, fixture.SERVER, "--listen",
                                     "127.0.0.1:0", "--kubeconfig-out", kc],
                                    stdout=subprocess.PIPE, text=True)
            try:
                line = proc.stdout.readline()
                self.assertRegex(line, r"^READY https://127\.0\.0\.1:\d+\n$")
                self.assertTrue(os.path.exists(kc))
                proc.send_signal(signal.SIGTERM)
                self.assertEqual(proc.wait(10), 0)
                self.assertEqual(proc.stdout.read(), "")
            finally:
                if proc.poll() is None:
                    proc.kill()
                proc.stdout.close()

    def test_fixture_context_manager(self):
        with fixture.apiserver("--token", "t0k") as (url, kubeconfig, control):
            self.assertRegex(url, r"^https://127\.0\.0\.1:\d+$")
            self.assertEqual(fixture.read_kubeconfig(kubeconfig)[0], url)
            self.assertEqual(fixture.read_kubeconfig(kubeconfig)[2], "t0k")
            self.assertEqual(control.state()["objects"]["namespaces"], 4)
            workdir = os.path.dirname(kubeconfig)
        self.assertFalse(os.path.exists(workdir))

    def test_bad_flags(self):
        proc = subprocess.run([sys.executable, fixture.SERVER, "--listen", "127.0.0.1:0"],
                              capture_output=True, text=True)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("--kubeconfig-out", proc.stderr)

    def test_state_dir_survives_restart(self):
        with tempfile.TemporaryDirectory() as d:
            state = os.path.join(d, "state")
            first = fixture.start("--state-dir", state)
            try:
                created = first.client().post(path("sandboxclaims", "default"), claim("kept"))
                created = created.json()
            finally:
                self.assertEqual(first.stop(), 0)
            with open(os.path.join(state, "state.json")) as f:
                self.assertIn("kept", f.read())
            port = first.url.rsplit(":", 1)[1]
            second = fixture.start("--state-dir", state, "--listen", "127.0.0.1:" + port)
            try:
                self.assertEqual(second.url, first.url)
                self.assertEqual(second.token, first.token)
                self.assertEqual(second.ca_pem, first.ca_pem)
                # a client built from the first kubeconfig keeps working
                old_client = fixture.KubeClient(first.url, first.ca_pem, first.token)
                got = old_client.get(path("sandboxclaims", "default", "kept")).json()
                self.assertEqual(got, created)
                after = second.client().post(path("sandboxclaims", "default"),
                                             claim("new")).json()
                self.assertGreater(int(after["metadata"]["resourceVersion"]),
                                   int(created["metadata"]["resourceVersion"]))
            finally:
                self.assertEqual(second.stop(), 0)


class Robustness(ServerTestCase):
    def test_random_requests_never_break_the_server(self):
        rnd = random.Random(7)
        words = ["api", "apis", "v1", "v1beta1", "namespaces", "default", "pods", "watch",
                 "sandboxclaims", "sandboxwarmpools", "scale", "status", "finalize", "x", "",
                 "extensions.agents.x-k8s.io", "agents.x-k8s.io", "%2F", "..", "leases"]
        queries = ["", "watch=1&timeoutSeconds=0", "limit=-1", "limit=x", "continue=%00",
                   "labelSelector=a%20in%20(", "fieldSelector=%5C", "resourceVersion=-5",
                   "resourceVersionMatch=Exact&resourceVersion=1", "dryRun=All",
                   "propagationPolicy=x", "timeoutSeconds=abc&watch=1"]
        bodies = [None, b"", b"{", b"[]", b"null", b'{"metadata":[]}', b'{"metadata":{"name":5}}',
                  json.dumps(claim("r")).encode(), b'[{"op":"add","path":"/x"}]',
                  b'{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":1}',
                  b'{"kind":"SandboxClaim","apiVersion":"extensions.agents.x-k8s.io/v1beta1",'
                  b'"metadata":{"name":"n","labels":{"a":1},"ownerReferences":[1]},'
                  b'"spec":{"x":NaN}}']
        types = ["application/json", "application/merge-patch+json",
                 "application/json-patch+json", "application/strategic-merge-patch+json",
                 "application/apply-patch+yaml", "application/vnd.kubernetes.protobuf"]
        for _ in range(300):
            p = "/" + "/".join(rnd.choice(words) for _ in range(rnd.randint(1, 7)))
            q = rnd.choice(queries)
            method = rnd.choice(["GET", "POST", "PUT", "PATCH", "DELETE"])
            body = rnd.choice(bodies)
            r = self.kube.request(method, p + ("?" + q if q else ""), body,
                                  content_type=rnd.choice(types))
            self.assertNotEqual(r.status, 500, (method, p, q, body, r.body))
            if r.status == 404 and r.body == b"404 page not found\n":
                continue        # no resource at that path: the mux's plain answer
            if r.status >= 400:
                self.assertEqual(r.json()["kind"], "Status", (method, p, r.body))
        self.assertEqual(self.kube.get("/version").status, 200)


class Units(unittest.TestCase):
    def test_human_duration(self):
        cases = {0: "0s", 59: "59s", 119: "119s", 120: "2m", 150: "2m30s", 600: "10m",
                 3 * 3600: "3h", 3 * 3600 + 60: "3h1m", 9 * 3600: "9h", 50 * 3600: "2d2h",
                 8 * 86400: "8d", 3 * 365 * 86400: "3y", -5: "<invalid>", -1: "0s"}
        for seconds, text in cases.items():
            self.assertEqual(tables.human_duration(seconds), text, seconds)

    def test_protobuf_decoder_rejects_random_input(self):
        rnd = random.Random(3)
        head = b"k8s\x00\x0a\x0d\x0a\x02v1\x12\x09Namespace\x12"
        for _ in range(5000):
            data = bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 40)))
            for body in (b"k8s\x00" + data, head + bytes([len(data)]) + data):
                try:
                    self.assertIsInstance(protobuf.decode(body), dict)
                except (protobuf.ProtobufError, UnicodeDecodeError):
                    pass

    def test_protobuf_namespace(self):
        def field(number, payload):
            return bytes([number << 3 | 2, len(payload)]) + payload
        labels = field(11, field(1, b"team") + field(2, b"a"))
        meta = field(1, b"demo") + field(2, b"") + labels
        ns = field(1, meta) + field(2, field(1, b"kubernetes"))
        type_meta = field(1, b"v1") + field(2, b"Namespace")
        body = b"k8s\x00" + field(1, type_meta) + field(2, ns)
        self.assertEqual(protobuf.decode(body), {
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "demo", "labels": {"team": "a"}},
            "spec": {"finalizers": ["kubernetes"]}})
        for bad in (b"nope", b"k8s\x00\x0a\xff", b"k8s\x00" + field(1, field(2, b"Pod"))):
            with self.assertRaises(protobuf.ProtobufError):
                protobuf.decode(bad)


if __name__ == "__main__":
    unittest.main()
