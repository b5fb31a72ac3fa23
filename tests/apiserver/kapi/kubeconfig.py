"""Writing the kubeconfig clients of the test server use (plain block YAML,
the shape kubectl writes)."""
import base64
import json
import os

CONTEXT = "warmpool-test"


def _b64_file(path):
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()


def _q(text):
    return json.dumps(text)


def render(server, ca_file, token=None, client_cert=None, client_key=None,
           namespace="default"):
    user = []
    if client_cert:
        user.append("    client-certificate-data: %s" % _b64_file(client_cert))
        user.append("    client-key-data: %s" % _b64_file(client_key))
    if token:
        user.append("    token: %s" % _q(token))
    if not user:
        user = ["    {}"]
    lines = [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: %s" % CONTEXT,
        "  cluster:",
        "    server: %s" % _q(server),
        "    certificate-authority-data: %s" % _b64_file(ca_file),
        "users:",
        "- name: %s" % CONTEXT,
        "  user:",
    ] + user + [
        "contexts:",
        "- name: %s" % CONTEXT,
        "  context:",
        "    cluster: %s" % CONTEXT,
        "    user: %s" % CONTEXT,
        "    namespace: %s" % namespace,
        "current-context: %s" % CONTEXT,
        "preferences: {}",
        "",
    ]
    return "\n".join(lines)


def write(path, text):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)
