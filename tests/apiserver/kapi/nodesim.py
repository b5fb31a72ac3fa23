"""Node simulator: a scheduler and a kubelet per node, inside the server.

Plays every Node object of the cluster (the ones --nodes creates, and any a
client creates): binds pending Pods to a node that passes the scheduler's
filters (kapi/scheduling.py) like the pods/binding subresource does
(spec.nodeName and PodScheduled=True), or writes PodScheduled=False
Unschedulable with the scheduler's message; starts bound Pods after a delay
(Running, Ready, an IP from the node's pod CIDR, container statuses);
confirms graceful deletions after a delay (delete with grace period 0, as
the kubelet does); and when a Node is deleted, fails its Pods like the pod
garbage collector (DisruptionTarget, Failed) and deletes them after the
eviction delay. Node objects are the source of truth: kubectl cordon,
kubectl taint, kubectl label and kubectl delete node all take effect.

Everything is driven by store events (an observer that only queues them)
and timers, on one worker thread that writes in batches under the store
lock, so thousands of pods a second are bound and started. Writes bypass
admission and validation (store.rewrite): they are what the scheduler and
the kubelet write.
"""
import collections
import heapq
import json
from json.encoder import encode_basestring_ascii
import random
import sys
import threading
import time
import traceback

from . import errors, patch, podstatus, scheduling, strategy
from .errors import ApiError
from .corekinds import parse_quantity
from .nodes import (DEFAULT_CAPACITY, DEFAULT_CPU, DEFAULT_MEMORY, Delay, SimNode, cidr_index,
                    node_object, parse_taint)
from .store import Context, Event

SIM_USER = {"username": "system:node-simulator",
            "groups": ["system:nodes", "system:masters", "system:authenticated"]}
_BATCH = 500            # writes per hold of the store lock
# Unschedulable pods are tried again after a cluster change, at most this
# often (plus 50 us per waiting pod, so a large backlog cannot eat the CPU;
# kube-scheduler backs off per pod for the same reason).
_RETRY_INTERVAL = 0.1


class NodeSimulator:
    def __init__(self, store, nodes=0, capacity=DEFAULT_CAPACITY, labels=(), taints=(),
                 start_delay="0.8-1.2", delete_delay="0.8-1.2", eviction_delay="1",
                 events=False, cpu=DEFAULT_CPU, memory=DEFAULT_MEMORY):
        self.store = store
        self.cpu, self.memory = cpu, memory      # allocatable of the nodes it creates
        self.events = events               # write the scheduler's and kubelets' Events
        self.pods_res = store.registry.lookup("", "v1", "pods")
        self.nodes_res = store.registry.lookup("", "v1", "nodes")
        self.events_res = store.registry.lookup("", "v1", "events")
        self.initial = (nodes, capacity, list(labels), list(taints))
        self.start_delay = Delay(start_delay)
        self.delete_delay = Delay(delete_delay)
        self.eviction_delay = Delay(eviction_delay)
        self.nodes = {}                    # name -> SimNode (under store.lock)
        self.pending = collections.OrderedDict()   # pod key -> uid, to schedule
        self.unschedulable = {}            # pod key -> uid, waiting for a cluster change
        self.retry = False
        self.retry_after = 0.0             # monotonic time of the next allowed retry
        self.started, self.finishing = set(), set()   # pod uids with a timer
        self.timers = []                   # heap (due, seq, action, key, uid): worker only
        self._seq = 0
        self.incoming = collections.deque()
        self.cond = threading.Condition()
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name="nodesim", daemon=True)
        store.observers.append(self._observe)

    # ------------------------------------------------------------ lifecycle
    def start(self):
        # objects already there (a --state-dir restart) are played like new ones
        with self.store.lock:
            for res in (self.nodes_res, self.pods_res):
                for key, stored in self.store.objects[res.key].items():
                    self.incoming.append(Event(stored.rv, "ADDED", res, key, stored, None))
        count, capacity, labels, taints = self.initial
        for i in range(1, count + 1):
            name = "node-%d" % i
            node_labels, node_taints = {}, []
            for target, extra in labels:
                if target in (None, name):
                    node_labels.update(extra)
            for target, taint in taints:
                if target in (None, name):
                    node_taints.append(taint)
            if self.store.find(self.nodes_res, "", name) is None:
                self.add_node({"name": name, "labels": node_labels, "taints": node_taints,
                               "capacity": capacity, "cpu": self.cpu,
                               "memory": self.memory})
        self.thread.start()

    def stop(self):
        with self.cond:
            self.stopping = True
            self.cond.notify_all()

    def _observe(self, event):
        """Store observer (under the store lock): queue pod and node events."""
        if event.res is self.pods_res or event.res is self.nodes_res:
            self.incoming.append(event)
            with self.cond:
                self.cond.notify()

    # ---------------------------------------------------------------- worker
    def _run(self):
        while True:
            with self.cond:
                if self.stopping:
                    return
                if not self.incoming and not self.pending:
                    now = time.monotonic()
                    wait = self.timers[0][0] - now if self.timers else 1.0
                    if self.retry:
                        wait = min(wait, self.retry_after - now)
                    if wait > 0:
                        self.cond.wait(min(wait, 1.0))
            try:
                self._step()
            except Exception:   # keep simulating even if one object is odd
                traceback.print_exc(file=sys.stderr)
                time.sleep(0.01)

    def _step(self):
        store = self.store
        with store.lock:
            while self.incoming:
                event = self.incoming.popleft()
                if event.res is self.nodes_res:
                    self._track_node(event)
                else:
                    self._track_pod(event)
            if self.retry and time.monotonic() >= self.retry_after:
                self.retry = False
                self.retry_after = time.monotonic() + _RETRY_INTERVAL + \
                    len(self.unschedulable) * 50e-6
                self.pending.update(self.unschedulable)
                self.unschedulable.clear()
            budget = _BATCH
            while self.pending and budget:
                key, uid = self.pending.popitem(last=False)
                self._schedule(key, uid)
                budget -= 1
            budget = _BATCH     # timers get their own share: a scheduling backlog
            now = time.monotonic()     # must not keep bound pods from starting
            while self.timers and self.timers[0][0] <= now and budget:
                _, _, action, key, uid = heapq.heappop(self.timers)
                self._fire(action, key, uid)
                budget -= 1

    def _timer(self, delay, action, key, uid):
        self._seq += 1
        heapq.heappush(self.timers, (time.monotonic() + delay, self._seq, action, key, uid))

    # -------------------------------------------------------------- tracking
    def _track_node(self, event):
        name = event.key[1]
        if event.type == "DELETED":
            node = self.nodes.pop(name, None)
            if node is not None:
                self._node_gone(node)
            return
        node = self.nodes.get(name)
        if node is None:
            index = cidr_index((event.obj.obj.get("spec") or {}).get("podCIDR"))
            used = {n.index for n in self.nodes.values()}
            if index is None or index in used:
                index = self._free_index()
            node = self.nodes[name] = SimNode(name, index)
        node.update(event.obj.obj)
        self.retry = True

    def _node_gone(self, node):
        """Pod GC: pods of a deleted node are marked and failed, then deleted."""
        stamp = strategy.timestamp()
        for key in list(node.pods):
            stored = self.store.objects[self.pods_res.key].get(key)
            if stored is None:
                continue
            uid = stored.meta["uid"]
            self.store.rewrite(self.pods_res, key, uid, lambda obj: _with_status(
                obj, podstatus.node_lost(obj, stamp), "kube-controller-manager"))
            self._timer(self.eviction_delay.sample(), "evict", key, uid)

    def _track_pod(self, event):
        key, stored = event.key, event.obj
        meta, spec = stored.meta, stored.obj.get("spec") or {}
        uid = meta.get("uid")
        node_name = spec.get("nodeName")
        if event.type == "DELETED":
            self.pending.pop(key, None)
            self.unschedulable.pop(key, None)
            self.started.discard(uid)
            self.finishing.discard(uid)
            node = self.nodes.get(node_name)
            if node is not None:
                node.forget(key)
                self.retry = True
            return
        if not node_name:
            self._track_unbound(event, key, uid, meta, spec)
            return
        self.unschedulable.pop(key, None)
        node = self.nodes.get(node_name)
        if node is None:
            return
        phase = (stored.obj.get("status") or {}).get("phase")
        node.pods.add(key)
        if phase in ("Succeeded", "Failed"):
            if node.deactivate(key):
                self.retry = True
        else:
            if key not in node.active:
                node.activate(key, scheduling.pod_request(spec))
            pod_ip = (stored.obj.get("status") or {}).get("podIP")
            if pod_ip:
                node.reserve_ip(key, pod_ip)
        if meta.get("deletionTimestamp"):
            grace = meta.get("deletionGracePeriodSeconds") or 0
            if grace > 0 and uid not in self.finishing:
                self.finishing.add(uid)
                for c in spec.get("containers") or []:
                    self._event(stored, "Normal", "Killing", "Stopping container %s"
                                % c.get("name"), node.name, c.get("name"))
                self._timer(min(self.delete_delay.sample(), grace), "finish", key, uid)
        elif phase == "Running" and spec.get("readinessGates"):
            # the kubelet re-evaluates Ready when a gate's condition changes
            self.store.rewrite(self.pods_res, key, uid, self._regate)
        elif phase == "Pending" and uid not in self.started:
            self.started.add(uid)
            delay = self.start_delay.sample()
            if delay > 0:   # with no delay the first status would be overwritten at once
                self._timer(0, "accept", key, uid)
            self._timer(delay, "start", key, uid)

    def _track_unbound(self, event, key, uid, meta, spec):
        if meta.get("deletionTimestamp") or \
                spec.get("schedulerName", "default-scheduler") != "default-scheduler":
            self.pending.pop(key, None)
            self.unschedulable.pop(key, None)
            return
        if key in self.unschedulable:
            prev_spec = (event.prev.obj.get("spec") if event.prev else None) or {}
            if prev_spec == spec:
                return              # our own condition write, or a label change
            del self.unschedulable[key]
        self.pending[key] = uid

    # ------------------------------------------------------------ scheduling
    def _schedule(self, key, uid):
        stored = self.store.objects[self.pods_res.key].get(key)
        if stored is None or stored.meta.get("uid") != uid or \
                stored.meta.get("deletionTimestamp"):
            return
        spec = stored.obj.get("spec") or {}
        if spec.get("nodeName"):
            return
        best, reasons = None, []
        request = scheduling.pod_request(spec)
        # a pod without node constraints on a node without taints only needs room
        free_choice = not spec.get("nodeSelector") and \
            not (spec.get("affinity") or {}).get("nodeAffinity")
        for node in self.nodes.values():
            if free_choice and node.plain:
                refused = scheduling.fit_reasons(request, node)
            else:
                refused = scheduling.filter_node(spec, node, request)
            if refused:
                reasons.append(refused)
            elif best is None or (len(node.active), node.index) < (len(best.active), best.index):
                best = node             # least allocated first, like the default scoring
        stamp = strategy.timestamp()
        if best is None:
            self.unschedulable[key] = uid
            message = scheduling.unschedulable_message(len(self.nodes), reasons)
            written = self.store.rewrite(self.pods_res, key, uid, lambda obj: _with_status(
                obj, podstatus.unschedulable(obj, stamp, message), "kube-scheduler"))
            if written is not None:
                self._event(written, "Warning", "FailedScheduling", message)
            return
        best.pods.add(key)
        best.activate(key, request)

        def bind(obj):
            new = _with_status(obj, podstatus.scheduled(obj, stamp))
            new["spec"] = dict(obj["spec"], nodeName=best.name)
            return new
        bound = self.store.rewrite(self.pods_res, key, uid, bind)
        if bound is not None:
            self._event(bound, "Normal", "Scheduled", "Successfully assigned %s/%s to %s"
                        % (key[0], key[1], best.name))

    def _event(self, pod, etype, reason, message, node=None, container=None):
        """A core/v1 Event about pod from the scheduler (node None) or the
        kubelet of node (about one container), with --node-events."""
        if not self.events:
            return
        meta = pod.meta
        involved = {"kind": "Pod", "namespace": meta["namespace"], "name": meta["name"],
                    "uid": meta["uid"], "apiVersion": "v1",
                    "resourceVersion": meta["resourceVersion"]}
        if container:
            involved["fieldPath"] = "spec.containers{%s}" % container
        stamp = strategy.timestamp()
        event = {"apiVersion": "v1", "kind": "Event",
                 "metadata": {"name": "%s.%016x" % (meta["name"], random.getrandbits(64)),
                              "namespace": meta["namespace"]},
                 "involvedObject": involved, "reason": reason, "message": message,
                 "source": {"component": "kubelet", "host": node} if node
                 else {"component": "default-scheduler"},
                 "firstTimestamp": stamp, "lastTimestamp": stamp, "count": 1, "type": etype,
                 "reportingComponent": "kubelet" if node else "default-scheduler",
                 "reportingInstance": node or ""}
        try:
            self.store.create(Context(user=SIM_USER), self.events_res, meta["namespace"],
                              event)
        except ApiError:
            pass                 # e.g. the namespace is terminating: events are best effort

    # ---------------------------------------------------------------- timers
    def _fire(self, action, key, uid):
        if action == "accept":
            self._accept(key, uid)
        elif action == "start":
            self._start(key, uid)
        elif action in ("finish", "evict"):
            self._confirm_delete(key, uid)

    @staticmethod
    def _regate(obj):
        """store.rewrite change: Ready re-evaluated against the readiness gates."""
        status = podstatus.gated(obj, strategy.timestamp())
        return _with_status(obj, status, "kubelet") if status is not None else None

    def _pending_on_node(self, key, uid):
        """(stored, node) for a live, not deleting, Pending pod on a simulated
        node, else (None, None)."""
        stored = self.store.objects[self.pods_res.key].get(key)
        if stored is None or stored.meta.get("uid") != uid or \
                stored.meta.get("deletionTimestamp") or \
                (stored.obj.get("status") or {}).get("phase") != "Pending":
            return None, None
        node = self.nodes.get((stored.obj.get("spec") or {}).get("nodeName"))
        return (stored, node) if node is not None else (None, None)

    def _accept(self, key, uid):
        """The kubelet's first status: Pending, containers being created."""
        stored, node = self._pending_on_node(key, uid)
        if stored is not None:
            stamp = strategy.timestamp()
            self.store.rewrite(self.pods_res, key, uid, lambda obj: _with_status(
                obj, podstatus.creating(obj, stamp, node.host_ip), "kubelet"))

    def _start(self, key, uid):
        stored, node = self._pending_on_node(key, uid)
        if stored is None:
            return
        ip = node.allocate_ip(key)
        stamp = strategy.timestamp()
        started = self.store.rewrite(self.pods_res, key, uid, lambda obj: _with_status(
            obj, podstatus.running(obj, stamp, node.host_ip, ip), "kubelet"))
        if started is not None:
            for c in (started.obj.get("spec") or {}).get("containers") or []:
                name = c.get("name")
                for reason, message in (
                        ("Pulled", 'Container image "%s" already present on machine'
                         % c.get("image")),
                        ("Created", "Created container " + name),
                        ("Started", "Started container " + name)):
                    self._event(started, "Normal", reason, message, node.name, name)

    def _confirm_delete(self, key, uid):
        ctx = Context(user=SIM_USER)
        try:
            self.store.delete(ctx, self.pods_res, key[0], key[1],
                              {"gracePeriodSeconds": 0, "preconditions": {"uid": uid}})
        except ApiError as exc:
            if exc.code not in (404, 409):
                raise

    # --------------------------------------------------------------- control
    def add_node(self, body):
        name = body.get("name")
        with self.store.lock:
            if not name:
                taken = set(self.nodes) | {k[1] for k in self.store.objects[self.nodes_res.key]}
                name = next("node-%d" % i for i in range(1, len(taken) + 2)
                            if "node-%d" % i not in taken)
            index = self._free_index()
        try:
            taints = [t if isinstance(t, dict) else parse_taint(t)[1]
                      for t in body.get("taints") or []]
            capacity = int(body.get("capacity", DEFAULT_CAPACITY))
            cpu, memory = str(body.get("cpu", self.cpu)), str(body.get("memory", self.memory))
            for text in (cpu, memory):
                if parse_quantity(text) is None:
                    raise ValueError("%r is not a quantity" % text)
        except (ValueError, TypeError) as exc:
            raise errors.bad_request("bad node: %s" % exc)
        obj = node_object(name, index, body.get("labels") or {}, taints, capacity, cpu, memory)
        return self.store.create(Context(user=SIM_USER), self.nodes_res, "", obj)

    def _free_index(self):
        """A node index (pod CIDR, host IP) no node has or was just given (locked)."""
        used = {n.index for n in self.nodes.values()}
        for stored in self.store.objects[self.nodes_res.key].values():
            used.add(cidr_index((stored.obj.get("spec") or {}).get("podCIDR")))
        index = next(i for i in range(1, len(used) + 2) if i not in used)
        return index

    def remove_node(self, name):
        return self.store.delete(Context(user=SIM_USER), self.nodes_res, "", name)[0]

    def pod_action(self, ns, name, action, body):
        """fail, complete, unready, ready: what a kubelet would report."""
        stamp = strategy.timestamp()
        with self.store.lock:
            key = (ns, name)
            stored = self.store.objects[self.pods_res.key].get(key)
            if stored is None:
                raise errors.not_found(self.pods_res, name)
            if (stored.obj.get("spec") or {}).get("nodeName") not in self.nodes:
                raise errors.ApiError(409, "Conflict", 'pod "%s" is not on a simulated node'
                                      % name)
            if action == "fail":
                code = body.get("exitCode", 1)
                change = podstatus.terminated(stored.obj, stamp, False, code,
                                              body.get("reason"), body.get("message"))
            elif action == "complete":
                change = podstatus.terminated(stored.obj, stamp, True)
            elif action in ("ready", "unready"):
                if (stored.obj.get("status") or {}).get("phase") != "Running":
                    raise errors.ApiError(409, "Conflict", 'pod "%s" is not Running' % name)
                change = podstatus.readiness(stored.obj, stamp, action == "ready")
            else:
                raise errors.path_not_found()
            new = self.store.rewrite(self.pods_res, key, stored.meta["uid"],
                                     lambda obj: _with_status(obj, change, "kubelet"))
            return new or stored

    def configure(self, body):
        for field, attr in (("startDelay", "start_delay"), ("deleteDelay", "delete_delay"),
                            ("evictionDelay", "eviction_delay")):
            if field in body:
                try:
                    setattr(self, attr, Delay(body[field]))
                except ValueError as exc:
                    raise errors.bad_request(str(exc))
        return self.describe()

    def describe(self):
        with self.store.lock:
            return {"nodes": [n.describe() for n in self.nodes.values()],
                    "pending": len(self.pending),
                    "unschedulable": ["%s/%s" % k for k in self.unschedulable],
                    "startDelay": self.start_delay.text, "deleteDelay": self.delete_delay.text,
                    "evictionDelay": self.eviction_delay.text}


def _fields_tree(value, top=False):
    """The FieldsV1 tree of a built-in kind's value, built in one walk (what
    managedfields.to_fields_v1(field_set(...)) gives, at a fraction of the
    cost on this hot path): maps and list items own "." below the top,
    lists with a strategic merge key are keyed by it, other lists are leaves."""
    if not isinstance(value, dict) or not value:
        return {}
    flat = not top and not any(isinstance(v, (dict, list)) and v for v in value.values())
    if flat:    # conditions, IPs, container states: the same few shapes again and again
        shape = tuple(value)
        tree = _FLAT_TREES.get(shape)
        if tree is None:
            tree = _FLAT_TREES[shape] = dict({".": {}}, **{"f:" + k: {} for k in shape})
        return tree         # shared: FieldsV1 trees are never changed in place
    tree = {} if top else {".": {}}
    for key, item in value.items():
        merge_key = patch.MERGE_KEYS.get(key) if isinstance(item, list) and item else None
        if merge_key and all(isinstance(i, dict) and merge_key in i for i in item):
            tree["f:" + key] = {'k:{"%s":%s}' % (merge_key, _json_scalar(i[merge_key])):
                                _fields_tree(i) for i in item}
        else:
            tree["f:" + key] = _fields_tree(item)
    return tree


_FLAT_TREES = {}


def _json_scalar(value):
    return encode_basestring_ascii(value) if isinstance(value, str) else json.dumps(value)


def _with_status(obj, status, manager=None):
    """A copy of obj sharing all but metadata (copied) and status (replaced).
    manager: who wrote the status (a managedFields entry for the status
    subresource owning every status field; the binding records none)."""
    new = dict(obj)
    meta = new["metadata"] = dict(obj["metadata"])
    new["status"] = status
    if manager:
        fields = {"f:status": _fields_tree(status, top=True)}
        entries = [e for e in meta.get("managedFields") or []
                   if (e.get("manager"), e.get("subresource")) != (manager, "status")]
        previous = [e for e in meta.get("managedFields") or []
                    if (e.get("manager"), e.get("subresource")) == (manager, "status")]
        if previous and previous[0].get("fieldsV1") == fields:
            entries.append(previous[0])
        else:
            entries.append({"manager": manager, "operation": "Update", "apiVersion": "v1",
                            "time": strategy.timestamp(), "fieldsType": "FieldsV1",
                            "fieldsV1": fields, "subresource": "status"})
        meta["managedFields"] = entries
    return new
