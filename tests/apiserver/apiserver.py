#!/usr/bin/env python3
"""Test Kubernetes API server for warmpool's tests.

Serves the agent-sandbox kinds (from charts/warmpool/crds), Pods, Services,
PersistentVolumeClaims, NetworkPolicies, Events (core and events.k8s.io),
Namespaces and Leases over HTTPS with kube-apiserver semantics, writes a
kubeconfig for it, prints `READY https://127.0.0.1:PORT` once it accepts
connections, and exits cleanly on SIGTERM. See README.md in this folder for
the behaviour and the /_test/ control API.
"""
import argparse
import gc
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kapi import certs, decode, kubeconfig, nodes, webhookca  # noqa: E402
from kapi.admission import WebhookAdmission  # noqa: E402
from kapi.corekinds import parse_quantity  # noqa: E402
from kapi.server import ApiServer  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--listen", default="127.0.0.1:0", metavar="HOST:PORT",
                   help="address to listen on (port 0 picks a free port)")
    p.add_argument("--kubeconfig-out", required=True, metavar="PATH",
                   help="where to write the kubeconfig for this server")
    p.add_argument("--token", help="bearer token clients must send (default: random)")
    p.add_argument("--client-ca", metavar="FILE",
                   help="also accept client certificates signed by this CA")
    p.add_argument("--client-cert-auth", action="store_true",
                   help="generate a client CA and certificate and put the certificate "
                        "(instead of the token) in the kubeconfig")
    p.add_argument("--watch-history", type=int, default=10000, metavar="N",
                   help="events kept for watch resume; older resourceVersions get 410 Gone")
    p.add_argument("--bookmark-interval", type=float, default=60.0, metavar="S",
                   help="seconds between BOOKMARK events on watches that allow them")
    p.add_argument("--webhook-url", metavar="URL",
                   help="admission webhook base URL (https); /mutate and /validate are "
                        "called for CREATE and UPDATE of the extensions.agents.x-k8s.io kinds")
    p.add_argument("--webhook-ca-file", metavar="FILE", help="CA that signed the webhook's cert")
    p.add_argument("--webhook-ca-from", metavar="NAME",
                   help="instead of --webhook-ca-file: trust the caBundle of the stored "
                        "Mutating/ValidatingWebhookConfiguration NAME, read at each call "
                        "(also serves secrets and both configuration kinds)")
    p.add_argument("--webhook-client-cert", metavar="FILE",
                   help="client certificate to present to the webhook (mTLS)")
    p.add_argument("--webhook-client-key", metavar="FILE", help="key for --webhook-client-cert")
    p.add_argument("--webhook-timeout", type=float, default=10.0, metavar="S",
                   help="webhook call timeout in seconds (default 10)")
    p.add_argument("--webhook-failure-policy", choices=["Fail", "Ignore"], default="Fail")
    p.add_argument("--webhook-mutating-name", default="mutate.warmpool.io")
    p.add_argument("--webhook-validating-name", default="validate.warmpool.io")
    p.add_argument("--state-dir", metavar="DIR",
                   help="keep certificates, token and objects here across restarts "
                        "(objects are saved on SIGTERM and loaded at start)")
    p.add_argument("--no-gzip", action="store_true",
                   help="never gzip responses (by default large responses are gzipped "
                        "when the client accepts it, like kube-apiserver)")
    p.add_argument("--verbose", action="store_true", help="log requests to stderr")
    sim = p.add_argument_group("node simulator (a scheduler and kubelets; see README)")
    sim.add_argument("--nodes", type=int, metavar="N",
                     help="run the node simulator with Node objects node-1..node-N "
                          "(0: the simulator without nodes; default: no simulator)")
    sim.add_argument("--node-capacity", type=int, default=110, metavar="PODS",
                     help="pods per node (status.allocatable.pods, default 110)")
    sim.add_argument("--node-cpu", default="8", metavar="QUANTITY",
                     help="allocatable CPU per node (default 8); pods' requests must fit")
    sim.add_argument("--node-memory", default="32Gi", metavar="QUANTITY",
                     help="allocatable memory per node (default 32Gi)")
    sim.add_argument("--node-labels", action="append", default=[], metavar="[NODE/]K=V,...",
                     help="extra labels for every node, or for NODE only (repeatable)")
    sim.add_argument("--node-taint", action="append", default=[],
                     metavar="[NODE/]KEY[=VALUE]:EFFECT",
                     help="a taint for every node, or for NODE only (repeatable)")
    sim.add_argument("--pod-start-delay", default="0.8-1.2", metavar="S|A-B",
                     help="seconds from binding to Running (fixed or uniform range; "
                          "default 0.8-1.2)")
    sim.add_argument("--pod-delete-delay", default="0.8-1.2", metavar="S|A-B",
                     help="seconds from a graceful delete to the kubelet's confirmation "
                          "(at most the grace period; default 0.8-1.2)")
    sim.add_argument("--node-events", action="store_true",
                     help="write the scheduler's and kubelets' Events (Scheduled, "
                          "FailedScheduling, Pulled, Created, Started, Killing)")
    sim.add_argument("--eviction-delay", default="1", metavar="S|A-B",
                     help="seconds from a node's removal to the deletion of its pods "
                          "(default 1)")
    args = p.parse_args(argv)
    if args.webhook_url and not (args.webhook_ca_file or args.webhook_ca_from):
        p.error("--webhook-url needs --webhook-ca-file or --webhook-ca-from")
    if bool(args.webhook_client_cert) != bool(args.webhook_client_key):
        p.error("--webhook-client-cert and --webhook-client-key go together")
    args.nodesim = None
    if args.nodes is not None:
        try:
            args.nodesim = dict(
                nodes=args.nodes, capacity=args.node_capacity,
                labels=[nodes.parse_labels(t) for t in args.node_labels],
                taints=[nodes.parse_taint(t) for t in args.node_taint],
                start_delay=args.pod_start_delay, delete_delay=args.pod_delete_delay,
                eviction_delay=args.eviction_delay, events=args.node_events,
                cpu=args.node_cpu, memory=args.node_memory)
            for delay in (args.pod_start_delay, args.pod_delete_delay, args.eviction_delay):
                nodes.Delay(delay)
        except ValueError as exc:
            p.error(str(exc))
        for flag, value in (("--node-cpu", args.node_cpu), ("--node-memory", args.node_memory)):
            if parse_quantity(value) is None:
                p.error("%s: %r is not a quantity" % (flag, value))
        if args.nodes < 0 or args.node_capacity < 0:
            p.error("--nodes and --node-capacity must not be negative")
    return args


def _token(args, state_dir):
    if args.token:
        return args.token
    if state_dir:
        path = os.path.join(state_dir, "token")
        if os.path.exists(path):
            with open(path) as f:
                return f.read().strip()
        token = secrets.token_hex(24)
        with open(path, "w") as f:
            f.write(token)
        return token
    return secrets.token_hex(24)


def _save_state(server, state_dir):
    path = os.path.join(state_dir, "state.json")
    with open(path + ".tmp", "w") as f:
        json.dump(server.store.snapshot(), f)
    os.replace(path + ".tmp", path)


def main(argv=None):
    args = parse_args(argv)
    decode.allow_deep_recursion()
    # Stored objects are acyclic JSON trees, but with tens of thousands of
    # them the cyclic collector's default thresholds spend half of a write's
    # CPU re-scanning them (160 -> 78 us per Pod create in the store with
    # 30,000 Pods). Cycles (exceptions, sockets) are still collected, every
    # 100,000 allocations instead of every 700.
    gc.set_threshold(100000, 50, 100)
    host, _, port = args.listen.rpartition(":")
    state_dir = args.state_dir
    if state_dir:
        os.makedirs(state_dir, exist_ok=True)
        cert_dir, temp_dir = state_dir, None
    else:
        cert_dir = temp_dir = tempfile.mkdtemp(prefix="wp-apiserver-")
    try:
        ca_file, cert_file, key_file = certs.make_serving(cert_dir)
        client_ca = args.client_ca
        client_cert = client_key = None
        if args.client_cert_auth:
            generated_ca, client_cert, client_key = certs.make_client(
                cert_dir, "warmpool-test-admin", "system:masters")
            if client_ca:
                bundle = os.path.join(cert_dir, "client-ca-bundle.crt")
                with open(bundle, "w") as out:
                    for path in (client_ca, generated_ca):
                        with open(path) as f:
                            out.write(f.read())
                client_ca = bundle
            else:
                client_ca = generated_ca
        token = _token(args, state_dir)
        admission = None
        if args.webhook_url:
            admission = WebhookAdmission(
                args.webhook_url, args.webhook_ca_file, args.webhook_client_cert,
                args.webhook_client_key, args.webhook_timeout,
                args.webhook_mutating_name, args.webhook_validating_name,
                args.webhook_failure_policy)
        server = ApiServer(tokens=[token], client_ca=client_ca,
                           watch_history=args.watch_history,
                           bookmark_interval=args.bookmark_interval, admission=admission,
                           gzip_enabled=not args.no_gzip, verbose=args.verbose,
                           nodesim=args.nodesim,
                           extra_resources=webhookca.extra_resources() if args.webhook_ca_from else ())
        if admission and args.webhook_ca_from:
            admission.ca_source = webhookca.ConfiguredCA(
                server.store, server.registry, args.webhook_ca_from,
                args.webhook_client_cert, args.webhook_client_key)
        state_file = os.path.join(state_dir, "state.json") if state_dir else None
        if state_file and os.path.exists(state_file):
            with open(state_file) as f:
                server.store.restore(json.load(f))
        server.bootstrap()
        bound = server.serve(host or "127.0.0.1", int(port or 0), cert_file, key_file)
        url = "https://%s:%d" % (host or "127.0.0.1", bound)
        kubeconfig.write(args.kubeconfig_out, kubeconfig.render(
            url, ca_file, token=None if client_cert else token,
            client_cert=client_cert, client_key=client_key))

        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        print("READY %s" % url, flush=True)
        while not stop.wait(3600):
            pass
        server.shutdown()
        if state_dir:
            _save_state(server, state_dir)
        return 0
    finally:
        if temp_dir:
            shutil.rmtree(temp_dir, ignore_errors=True)


def _profiled(run):
    """With WP_APISERVER_PROFILE=FILE: cProfile every thread, write the merged
    stats to FILE at exit (tests/bench/apiserver/bench.py --profile). Times
    are each thread's CPU time, so waiting (for the GIL, a lock, the
    network) does not show as cost."""
    out = os.environ.get("WP_APISERVER_PROFILE")
    if not out:
        return run()
    import cProfile
    import pstats
    profiles = []

    def start_thread_profile(*_):
        prof = cProfile.Profile(time.thread_time)
        profiles.append(prof)
        prof.enable()
    threading.setprofile(start_thread_profile)
    main_prof = cProfile.Profile(time.thread_time)
    main_prof.enable()
    try:
        return run()
    finally:
        main_prof.disable()
        stats = pstats.Stats(main_prof)
        for prof in profiles:
            prof.disable()
            stats.add(prof)
        stats.dump_stats(out)


if __name__ == "__main__":
    sys.exit(_profiled(main))
