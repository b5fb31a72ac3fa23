"""Shared pieces of the hostile webhook tests: the server fixture of the
integration tests (tests/integration/webhook/test_webhook_raw.py), memory
readings from /proc and the bounds that depend on the build."""
import os
import resource
import socket
import sys

sys.path.insert(0, os.path.join(os.environ["WP_SOURCE_DIR"], "tests", "integration", "webhook"))
from test_webhook_raw import (Server, Workdir, certs, closed_after, connect, fixture, healthz,  # noqa: E402,F401
                              post, read_response, tls_context, wait_for)

SANITIZED = os.environ.get("WP_SANITIZE") == "1" or os.environ.get("WP_TSAN") == "1"
# Time bounds: sanitizer builds run several times slower.
SLOW = 3.0 if SANITIZED else 1.0


def proc_status_kib(pid, field):
    """VmRSS (now) or VmHWM (peak) of pid, in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def source_address(n):
    """The n-th loopback source address: 127.0.1.1, 127.0.1.2, ..."""
    return "127.0.%d.%d" % (1 + n // 250, 1 + n % 250)


def idle_connections(port, count, per_source=200, first_source=0):
    """Opens count TCP connections that never send a byte, per_source from
    each of source_address(first_source), source_address(first_source+1),
    ... (so a per-address limit need not refuse them). Returns the sockets."""
    socks = []
    for i in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((source_address(first_source + i // per_source), 0))
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        socks.append(s)
    return socks


def claim_review(env_entries=0, uid="u1"):
    """An AdmissionReview of a SandboxClaim with env_entries env entries
    that each lack a name (two causes each), as bytes."""
    env = b",".join([b"{}"] * env_entries)
    return (b'{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"' + uid.encode() +
            b'","kind":{"group":"extensions.agents.x-k8s.io","version":"v1beta1","kind":"SandboxClaim"},'
            b'"operation":"CREATE","name":"c","namespace":"ns","object":{"apiVersion":'
            b'"extensions.agents.x-k8s.io/v1beta1","kind":"SandboxClaim","metadata":{"name":"c","namespace":"ns"},'
            b'"spec":{"warmPoolRef":{"name":"p"},"env":[' + env + b']}}}}')
