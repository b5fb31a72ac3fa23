#!/usr/bin/env python3
"""CPU time of the test API server's write path alone (no HTTP, no TLS).

  python3 tests/bench/apiserver/writepath.py [--writes N] [--profile create|update|status]

Calls the resource handler (tests/apiserver/kapi/api.py) in-process with
the requests bench.py sends over HTTP: create = POST a Pod, update = PUT it
back with a changed label (no resourceVersion), status = merge PATCH of
pods/status. Prints the CPU microseconds per write of each phase, steadier
than bench.py's rates on a shared machine; the difference to bench.py's
per-write figure is the HTTP/TLS layer. --profile prints a cProfile of
that phase instead of timing it.
"""
import argparse
import cProfile
import gc
import json
import os
import pstats
import sys
import time

sys.path.insert(0, os.environ.get("KAPI_DIR") or
                os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "apiserver"))

from kapi import eventsv1  # noqa: E402
from kapi.api import parse_target  # noqa: E402
from kapi.server import ApiServer  # noqa: E402

NS = "bench"


class Request:
    """What a resource handler reads from and answers through (server.Handler's API)."""

    def __init__(self, body, content_type):
        self.headers = {"Content-Type": content_type, "Accept": "application/json",
                        "User-Agent": "bench"}
        self._body, self.warnings, self.out = body, [], None
        self.user = {"username": "warmpool-test-admin", "groups": ["system:masters"]}

    def query(self, name):
        return None

    def query_all(self, name):
        return []

    def body(self):
        return self._body

    def reply_raw(self, code, data, content_type="application/json", headers=None):
        self.out = data

    def reply_json(self, code, obj, content_type="application/json"):
        self.out = json.dumps(obj).encode()


def pod(name):
    return json.dumps({"apiVersion": "v1", "kind": "Pod",
                       "metadata": {"name": name, "labels": {"app": "bench", "rev": "0"}},
                       "spec": {"containers": [{"name": "main",
                                                "image": "registry.local/bench:1.0",
                                                "resources": {"requests": {"cpu": "10m"}}}]}
                       }).encode()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--writes", type=int, default=3000)
    p.add_argument("--profile", choices=("create", "update", "status"))
    args = p.parse_args()
    gc.set_threshold(100000, 50, 100)      # as apiserver.py
    api = ApiServer()
    api.bootstrap()
    api.store.ensure_namespace(NS)

    def call(method, rest, body, content_type="application/json"):
        target = parse_target(api.registry, "", "v1", ["namespaces", NS, "pods"] + rest)
        request = Request(body, content_type)
        eventsv1.handler_class(target.res)(api, request, target).handle(method)
        return request.out

    stored = {}

    def create():
        for i in range(args.writes):
            stored[i] = call("POST", [], pod("pod-%d" % i))

    def update():
        for i in range(args.writes):
            obj = json.loads(stored[i])
            obj["metadata"]["labels"]["rev"] = "1"
            for field in ("resourceVersion", "managedFields"):
                obj["metadata"].pop(field)
            call("PUT", ["pod-%d" % i], json.dumps(obj).encode())

    def status():
        for i in range(args.writes):
            call("PATCH", ["pod-%d" % i, "status"],
                 json.dumps({"status": {"message": "bench %d" % i}}).encode(),
                 "application/merge-patch+json")

    for name, phase in (("create", create), ("update", update), ("status", status)):
        if args.profile == name:
            prof = cProfile.Profile()
            prof.runcall(phase)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
            continue
        start = time.process_time()
        phase()
        print("%-7s %6.1f us CPU per write (in-process, %d writes)"
              % (name, 1e6 * (time.process_time() - start) / args.writes, args.writes),
              flush=True)


if __name__ == "__main__":
    main()
