#!/usr/bin/env python3
"""Throughput of the test API server (tests/apiserver/), printed as numbers.

  python3 tests/bench/apiserver/bench.py [--seconds S] [--connections C]
        [--watch-events N] [--watchers W] [--pods N] [--nodes K]
        [--only create,update,status,watch,watch-http,nodesim] [--profile FILE]
        [--python [--writes N] [--clients C]]

Each phase starts a fresh server (so phases do not slow each other down) and
prints the rate and the server's CPU time per write (steadier than rates on
a shared machine):
  create   wrk (C clients, keep-alive TLS) POSTs Pods for S seconds
  update   wrk PUTs bulk-created Pods back as stored, with a changed label
           (unconditional: no resourceVersion)
  status   wrk merge-PATCHes the Pods' status subresource
  (--python: Python client processes instead of wrk, N writes each phase)
  watch    N Pods created server-side (/_test/bulk), then W watchers resume from
           before them; events delivered/s = W x N / time until the last
           watcher has them all (fan-out capacity)
  watch-http  W watchers while wrk creates Pods over HTTP for S seconds
  nodesim  N Pods bulk-created with --nodes K (start delay 0): time until every
           Pod is Running (bound + started: 2 writes per Pod)
--profile FILE runs the server under cProfile (stats written to FILE on exit).
Numbers depend on the machine; the README of tests/apiserver quotes ours.
"""
import argparse
import http.client
import json
import multiprocessing
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "apiserver"))

import fixture  # noqa: E402

NS = "bench"


class Conn:
    """One keep-alive HTTPS connection (what a real client's pool gives)."""

    def __init__(self, url, ca_pem, token):
        parsed = urllib.parse.urlsplit(url)
        tls = ssl.create_default_context(cadata=ca_pem)
        self.conn = http.client.HTTPSConnection(parsed.hostname, parsed.port, context=tls,
                                                timeout=60)
        self.headers = {"Authorization": "Bearer " + token, "Accept": "application/json"}

    def call(self, method, path, body=None, content_type="application/json"):
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = content_type
            body = json.dumps(body).encode()
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.status >= 300:
            raise RuntimeError("%s %s: %d %s" % (method, path, resp.status, data[:300]))
        return json.loads(data)


def cpu_seconds(pid, which=(11, 12)):
    """CPU time of a process so far (user + system by default)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(fields[i]) for i in which) / os.sysconf("SC_CLK_TCK")


def pod_body(name):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": {"app": "bench", "rev": "0"}},
            "spec": {"containers": [{"name": "main", "image": "registry.local/bench:1.0",
                                     "resources": {"requests": {"cpu": "10m"}}}]}}


def _writer(args):
    """One client process: its share of the writes of one phase."""
    url, ca_pem, token, phase, names = args
    conn = Conn(url, ca_pem, token)
    base = "/api/v1/namespaces/%s/pods" % NS
    start = time.monotonic()
    for i, name in enumerate(names):
        if phase == "create":
            conn.call("POST", base, pod_body(name))
        elif phase == "update":
            obj = conn.call("GET", base + "/" + name)
            obj["metadata"]["labels"]["rev"] = "1"
            conn.call("PUT", base + "/" + name, obj)
        elif phase == "status":
            conn.call("PATCH", base + "/" + name + "/status",
                      {"status": {"message": "bench %d" % i}},
                      "application/merge-patch+json")
    return time.monotonic() - start


def run_writes(server, clients, count, phases):
    ca_pem, token = server_credentials(server)
    names = ["pod-%d" % i for i in range(count)]
    shares = [names[i::clients] for i in range(clients)]
    results = {}
    with multiprocessing.Pool(clients) as pool:
        for phase in ("create", "update", "status"):
            if phase not in phases and not (phase == "create" and phases & {"update", "status"}):
                continue
            start, cpu = time.monotonic(), cpu_seconds(server.proc.pid)
            pool.map(_writer, [(server.url, ca_pem, token, phase, s) for s in shares])
            elapsed = time.monotonic() - start
            cpu = cpu_seconds(server.proc.pid) - cpu
            requests = 2 * count if phase == "update" else count
            results[phase] = count / elapsed
            extra = " (+ a GET before each PUT)" if phase == "update" else ""
            print("%-8s %7d writes in %6.2f s = %6.0f writes/s; server CPU %4.0f us/request, "
                  "%3.0f%% of one core (%d clients, keep-alive)%s"
                  % (phase, count, elapsed, count / elapsed, 1e6 * cpu / requests,
                     100 * cpu / elapsed, clients, extra), flush=True)
    return results


WRK_SCRIPT = r"""
local counter, threads = 0, 0
%(bodies)s
setup = function(thread) thread:set("tid", threads); threads = threads + 1 end
wrk.headers["Authorization"] = "Bearer %(token)s"
wrk.headers["Content-Type"] = "%(content_type)s"
wrk.headers["Accept"] = "application/json"
local fmt = [[%(body)s]]
request = function()
  counter = counter + 1
  local n = counter * %(threads)d + tid
  local name = "%(prefix)s" .. (n %% %(modulo)d)
  if bodies then      -- PUT: the stored object (as a client GETs it), a new label value
    local body = string.gsub(bodies[(n %% %(modulo)d) + 1], "@REV@", tostring(n))
    return wrk.format("%(method)s", string.format("%(path)s", name), nil, body)
  end
  return wrk.format("%(method)s", string.format("%(path)s", name),
                    nil, string.format(fmt, name, n))
end
"""


def wrk_phase(server, phase, seconds, connections, existing):
    """Drive one write phase with wrk (C, keep-alive): (requests/s, non-2xx)."""
    _, token = server_credentials(server)
    base = "/api/v1/namespaces/%s/pods" % NS
    body = json.dumps(pod_body("NAME"), separators=(",", ":"))
    if phase == "create":
        spec = dict(method="POST", path=base + "?n=%s", prefix="c-", modulo=10 ** 12,
                    content_type="application/json",
                    body=body.replace('"NAME"', '"c-%s"').replace('"rev":"0"', '"rev":"%s"'))
    elif phase == "update":
        # PUT needs the whole stored object (admission added volumes), so the
        # script carries each pod as a client would have read it, without its
        # resourceVersion (an unconditional update)
        items = fixture.KubeClient(server.url, server_credentials(server)[0],
                                   token).get(base).json()["items"]
        bodies = []
        items = [i for i in items if i["metadata"]["name"].startswith("pod-")]
        for item in sorted(items, key=lambda i: int(i["metadata"]["name"][4:])):
            item["metadata"].pop("resourceVersion", None)
            item["metadata"].pop("managedFields", None)
            item["metadata"]["labels"]["rev"] = "@REV@"
            bodies.append("[==[%s]==]" % json.dumps(item, separators=(",", ":")))
        spec = dict(method="PUT", path=base + "/%s", prefix="pod-", modulo=existing,
                    content_type="application/json", body="",
                    bodies="bodies = {%s}" % ",\n".join(bodies))
    else:
        spec = dict(method="PATCH", path=base + "/%s/status", prefix="pod-", modulo=existing,
                    content_type="application/merge-patch+json",
                    body='{"status":{"message":"%s %s"}}')
    threads = min(2, connections)
    spec.setdefault("bodies", "bodies = nil")
    script = WRK_SCRIPT % dict(spec, token=token, threads=threads)
    path = os.path.join(os.path.dirname(server.kubeconfig), "bench-%s.lua" % phase)
    with open(path, "w") as f:
        f.write(script)
    cpu, sys_cpu = cpu_seconds(server.proc.pid), cpu_seconds(server.proc.pid, (12,))
    out = subprocess.run(["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % seconds,
                          "-s", path, server.url], capture_output=True, text=True,
                         check=True).stdout
    cpu = cpu_seconds(server.proc.pid) - cpu
    sys_cpu = cpu_seconds(server.proc.pid, (12,)) - sys_cpu
    print("         (server: %.2f s user, %.2f s system CPU)" % (cpu - sys_cpu, sys_cpu))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, int(bad.group(1)) if bad else 0, cpu / seconds


def run_wrk(server, args, phases):
    server.control.bulk(generate={"kind": "Pod", "namespace": NS, "count": args.existing,
                                  "template": pod_body("x")})
    results = {}
    for phase in ("create", "update", "status"):
        if phase not in phases:
            continue
        rate, bad, load = wrk_phase(server, phase, args.seconds, args.connections,
                                    args.existing)
        results[phase] = rate
        print("%-8s %8.0f writes/s for %d s; server CPU %4.0f us/write, %3.0f%% of one "
              "core; %d errors  (wrk, %d keep-alive connections)"
              % (phase, rate, args.seconds, 1e6 * load / rate if rate else 0, 100 * load,
                 bad, args.connections), flush=True)
    return results


def server_credentials(server):
    _, ca_pem, token = fixture.read_kubeconfig(server.kubeconfig)
    return ca_pem, token


def _watcher(args):
    url, ca_pem, token, rv, expected, ready = args
    parsed = urllib.parse.urlsplit(url)
    tls = ssl.create_default_context(cadata=ca_pem)
    conn = http.client.HTTPSConnection(parsed.hostname, parsed.port, context=tls, timeout=120)
    conn.request("GET", "/api/v1/namespaces/%s/pods?watch=1&resourceVersion=%s" % (NS, rv),
                 headers={"Authorization": "Bearer " + token})
    resp = conn.getresponse()
    ready.release()
    seen = 0
    while seen < expected:
        try:
            line = resp.fp.readline()  # chunk size line or event line; count events
        except (OSError, ssl.SSLError):
            break                      # cut by /_test/watches/drop: the end
        if not line:
            break
        if line.startswith(b'{"type"'):      # one event per line, many per chunk
            seen += 1
    conn.close()
    return seen, time.monotonic()


def run_watch(server, watchers, count):
    """Fan-out capacity: N events already in the history, W watchers resume
    from before them (what informers do after a reconnect) and each reads
    all N; delivered/s = W x N / time until the last watcher has them."""
    ca_pem, token = server_credentials(server)
    control = server.control
    control.bulk(generate={"kind": "Pod", "namespace": NS, "count": 1})   # the namespace
    rv = control.state()["resourceVersion"]
    control.bulk(generate={"kind": "Pod", "namespace": NS, "count": count,
                           "namePrefix": "w-"})
    ready = multiprocessing.Manager().Semaphore(0)
    with multiprocessing.Pool(watchers) as pool:
        start, cpu = time.monotonic(), cpu_seconds(server.proc.pid)
        pending = pool.map_async(_watcher, [(server.url, ca_pem, token, rv, count, ready)
                                            for _ in range(watchers)])
        results = pending.get(timeout=600)
    cpu = cpu_seconds(server.proc.pid) - cpu
    got = sum(r[0] for r in results)
    elapsed = max(r[1] for r in results) - start
    print("watch    %d watchers x %d events (from the history) = %d delivered in %.2f s = "
          "%8.0f events/s; server CPU %.2f s = %.0f events per CPU-second"
          % (watchers, count, got, elapsed, got / elapsed, cpu, got / cpu), flush=True)
    return got / elapsed


def run_watch_http(server, args):
    """W watchers while wrk creates Pods over HTTP: events delivered/s."""
    ca_pem, token = server_credentials(server)
    server.control.bulk(generate={"kind": "Pod", "namespace": NS, "count": 0})
    rv = server.control.state()["resourceVersion"]
    ready = multiprocessing.Manager().Semaphore(0)
    huge = 10 ** 9
    with multiprocessing.Pool(args.watchers) as pool:
        pending = pool.map_async(_watcher, [(server.url, ca_pem, token, rv, huge, ready)
                                            for _ in range(args.watchers)])
        for _ in range(args.watchers):
            ready.acquire()
        rate, bad, load = wrk_phase(server, "create", args.seconds, args.connections, 0)
        time.sleep(1.0)                     # let the watchers drain
        written = server.control.state()["resourceVersion"] - rv
        server.control.drop_watches()
        results = pending.get(timeout=120)
    got = sum(r[0] for r in results)
    print("watch+http %d watchers while creating %.0f pods/s over HTTP: %d of %d events "
          "delivered = %.0f events/s (server %3.0f%% of one core; %d errors)"
          % (args.watchers, rate, got, args.watchers * written, got / args.seconds,
             100 * load, bad), flush=True)


def run_nodesim(server, count):
    control = server.control
    rv = control.state()["resourceVersion"]
    ca_pem, token = server_credentials(server)
    start = time.monotonic()
    control.bulk(generate={"kind": "Pod", "namespace": NS, "count": count})
    created = time.monotonic() - start
    cpu = cpu_seconds(server.proc.pid)
    parsed = urllib.parse.urlsplit(server.url)
    conn = http.client.HTTPSConnection(parsed.hostname, parsed.port,
                                       context=ssl.create_default_context(cadata=ca_pem),
                                       timeout=120)
    conn.request("GET", "/api/v1/namespaces/%s/pods?watch=1&resourceVersion=%d" % (NS, rv),
                 headers={"Authorization": "Bearer " + token})
    resp = conn.getresponse()
    running = 0
    while running < count:
        line = resp.fp.readline()
        if not line:
            break
        running += line.count(b'"phase":"Running"')
    elapsed = time.monotonic() - start
    cpu = cpu_seconds(server.proc.pid) - cpu
    conn.close()
    print("nodesim  %d pods bulk-created in %.2f s; all bound and Running after %.2f s "
          "= %.0f pods/s (%.0f writes/s by the simulator); server CPU after the bulk "
          "create %.0f us per pod (bind + start + 1 watcher)"
          % (count, created, elapsed, count / elapsed, 2 * count / elapsed,
             1e6 * cpu / count), flush=True)


def start_server(args, *extra):
    if args.profile:
        os.environ["WP_APISERVER_PROFILE"] = args.profile
    return fixture.start(*extra)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--writes", type=int, default=20000)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--watch-events", type=int, default=20000,
                   help="pods created while the watchers listen")
    p.add_argument("--watchers", type=int, default=10)
    p.add_argument("--pods", type=int, default=20000, help="pods for the nodesim phase")
    p.add_argument("--nodes", type=int, default=100)
    p.add_argument("--seconds", type=int, default=5, help="duration of each wrk phase")
    p.add_argument("--connections", type=int, default=8, help="wrk connections")
    p.add_argument("--existing", type=int, default=2000,
                   help="pods bulk-created for the update and status phases")
    p.add_argument("--python", action="store_true",
                   help="Python client processes instead of wrk (also without wrk)")
    p.add_argument("--only", default="create,update,status,watch,watch-http,nodesim")
    p.add_argument("--profile", metavar="FILE")
    args = p.parse_args()
    phases = set(args.only.split(","))
    print("test API server benchmark: %d CPUs, python %s" % (os.cpu_count(),
                                                            sys.version.split()[0]), flush=True)
    if phases & {"create", "update", "status"} and shutil.which("wrk") and not args.python:
        server = start_server(args, "--watch-history", "100000")
        try:
            run_wrk(server, args, phases)
        finally:
            server.stop()
    elif phases & {"create", "update", "status"}:
        server = start_server(args, "--watch-history", "100000")
        try:
            server.control.bulk(generate={"kind": "Pod", "namespace": NS, "count": 0})
            run_writes(server, args.clients, args.writes, phases)
        finally:
            server.stop()
    if "watch" in phases:
        server = start_server(args, "--watch-history", str(4 * args.watch_events + 10))
        try:
            run_watch(server, args.watchers, args.watch_events)
        finally:
            server.stop()
    if "watch-http" in phases:
        server = start_server(args, "--watch-history", "200000")
        try:
            run_watch_http(server, args)
        finally:
            server.stop()
    if "nodesim" in phases:
        capacity = str(args.pods // args.nodes + 10)
        server = start_server(args, "--nodes", str(args.nodes), "--node-capacity", capacity,
                              "--pod-start-delay", "0", "--watch-history",
                              str(3 * args.pods + 10))
        try:
            run_nodesim(server, args.pods)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
