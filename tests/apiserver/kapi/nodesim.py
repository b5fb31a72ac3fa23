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
import random
import threading
import time
import uuid

from . import errors, podstatus, scheduling, strategy
from .errors import ApiError
from .resources import Resource
from .store import Context

NODE = Resource("", "v1", "Node", "nodes", namespaced=False, short_names=["no"],
                status=True, builtin=True)
RESOURCES = [NODE]

SIM_USER = {"username": "system:node-simulator",
            "groups": ["system:nodes", "system:masters", "system:authenticated"]}
DEFAULT_CAPACITY = 110
KUBELET_VERSION = "v1.32.0"
_BATCH = 500            # writes per hold of the store lock


class Delay:
    """A delay distribution: "S" (fixed seconds) or "A-B" (uniform)."""

    def __init__(self, text):
        self.text = str(text)
        try:
            if "-" in self.text.strip()[1:]:
                low, high = self.text.split("-", 1)
                self.low, self.high = float(low), float(high)
            else:
                self.low = self.high = float(self.text)
        except ValueError:
            raise ValueError("bad delay %r: want seconds (1.5) or a range (0.8-1.2)" % text)
        if self.low < 0 or self.high < self.low:
            raise ValueError("bad delay %r: want 0 <= low <= high" % text)

    def sample(self):
        return self.low if self.low == self.high else random.uniform(self.low, self.high)


def _split_node(text):
    """"[NODE/]REST" -> (NODE or None, REST)."""
    if "/" in text.split("=", 1)[0].split(":", 1)[0] and not text.startswith("/"):
        head, rest = text.split("/", 1)
        if "." not in head:               # label keys have prefixes with dots
            return head, rest
    return None, text


def parse_taint(text):
    """"[NODE/]KEY[=VALUE]:EFFECT" -> (node or None, taint dict)."""
    node, rest = _split_node(text)
    spec, sep, effect = rest.rpartition(":")
    if not sep or effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute") or not spec:
        raise ValueError("bad taint %r: want [NODE/]KEY[=VALUE]:NoSchedule|"
                         "PreferNoSchedule|NoExecute" % text)
    key, _, value = spec.partition("=")
    taint = {"key": key, "effect": effect}
    if value:
        taint["value"] = value
    return node, taint


def parse_labels(text):
    """"[NODE/]k=v,k2=v2" -> (node or None, labels)."""
    node, rest = _split_node(text)
    labels = {}
    for part in rest.split(","):
        key, sep, value = part.partition("=")
        if not sep or not key:
            raise ValueError("bad labels %r: want [NODE/]KEY=VALUE[,KEY=VALUE...]" % text)
        labels[key] = value
    return node, labels


def node_object(name, index, labels=None, taints=None, capacity=DEFAULT_CAPACITY):
    """A Node as a kubelet registers it (with a pod CIDR as the node IPAM
    controller assigns one)."""
    now = strategy.timestamp()
    all_labels = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
                  "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name,
                  "kubernetes.io/os": "linux"}
    all_labels.update(labels or {})
    cidr = pod_cidr(index)
    resources = {"cpu": "8", "ephemeral-storage": "102400Mi", "hugepages-2Mi": "0",
                 "memory": "32Gi", "pods": str(capacity)}

    def cond(ctype, status, reason, message):
        return {"type": ctype, "status": status, "lastHeartbeatTime": now,
                "lastTransitionTime": now, "reason": reason, "message": message}
    spec = {"podCIDR": cidr, "podCIDRs": [cidr], "providerID": "warmpool-sim://" + name}
    if taints:
        spec["taints"] = list(taints)
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": all_labels, "annotations": {
            "node.alpha.kubernetes.io/ttl": "0",
            "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
        "spec": spec,
        "status": {
            "capacity": resources, "allocatable": dict(resources),
            "conditions": [
                cond("MemoryPressure", "False", "KubeletHasSufficientMemory",
                     "kubelet has sufficient memory available"),
                cond("DiskPressure", "False", "KubeletHasNoDiskPressure",
                     "kubelet has no disk pressure"),
                cond("PIDPressure", "False", "KubeletHasSufficientPID",
                     "kubelet has sufficient PID available"),
                cond("Ready", "True", "KubeletReady", "kubelet is posting ready status")],
            "addresses": [{"type": "InternalIP", "address": host_ip(index)},
                          {"type": "Hostname", "address": name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {"architecture": "amd64", "bootID": str(uuid.uuid4()),
                         "containerRuntimeVersion": "containerd://1.7.13",
                         "kernelVersion": "6.1.0-warmpool-sim",
                         "kubeProxyVersion": KUBELET_VERSION,
                         "kubeletVersion": KUBELET_VERSION,
                         "machineID": uuid.uuid4().hex, "operatingSystem": "linux",
                         "osImage": "Debian GNU/Linux 12 (bookworm)",
                         "systemUUID": str(uuid.uuid4())}}}


def pod_cidr(index):
    return "10.%d.%d.0/24" % (244 + index // 256, index % 256)


def _cidr_index(cidr):
    """The node index of a pod CIDR pod_cidr() made, else None."""
    try:
        a, b, c, d = cidr.split("/")[0].split(".")
        index = (int(b) - 244) * 256 + int(c)
        return index if a == "10" and d == "0" and index >= 0 else None
    except (AttributeError, ValueError):
        return None


def host_ip(index):
    return "172.18.%d.%d" % (index // 250, index % 250 + 2)


class SimNode:
    """What the scheduler and the node's kubelet know about one Node."""

    def __init__(self, name, index):
        self.name, self.index = name, index
        self.labels, self.taints = {}, []
        self.unschedulable = False
        self.capacity = DEFAULT_CAPACITY
        self.host_ip = host_ip(index)
        self.pods = set()       # pod keys bound here (until deleted)
        self.active = set()     # of those, not Succeeded/Failed (count against capacity)
        self.ips = {}           # pod key -> IP
        self._free = list(range(254, 1, -1))
        self._prefix = pod_cidr(index).rsplit(".", 1)[0] + "."

    def update(self, obj):
        meta, spec = obj["metadata"], obj.get("spec") or {}
        self.labels = dict(meta.get("labels") or {})
        self.taints = list(spec.get("taints") or [])
        self.unschedulable = bool(spec.get("unschedulable"))
        pods = ((obj.get("status") or {}).get("allocatable") or {}).get("pods")
        try:
            self.capacity = int(pods) if pods is not None else DEFAULT_CAPACITY
        except (TypeError, ValueError):
            self.capacity = DEFAULT_CAPACITY
        addresses = (obj.get("status") or {}).get("addresses") or []
        for address in addresses:
            if address.get("type") == "InternalIP" and address.get("address"):
                self.host_ip = address["address"]

    def allocate_ip(self, key):
        if key not in self.ips:
            self.ips[key] = self._prefix + str(self._free.pop() if self._free else 254)
        return self.ips[key]

    def release_ip(self, key):
        ip = self.ips.pop(key, None)
        if ip is not None:
            self._free.append(int(ip.rsplit(".", 1)[1]))

    def forget(self, key):
        self.pods.discard(key)
        self.active.discard(key)
        self.release_ip(key)

    def describe(self):
        return {"name": self.name, "pods": len(self.active), "capacity": self.capacity,
                "labels": self.labels, "taints": self.taints,
                "unschedulable": self.unschedulable, "hostIP": self.host_ip}


class NodeSimulator:
    def __init__(self, store, nodes=0, capacity=DEFAULT_CAPACITY, labels=(), taints=(),
                 start_delay="0.8-1.2", delete_delay="0.8-1.2", eviction_delay="1"):
        self.store = store
        self.pods_res = store.registry.lookup("", "v1", "pods")
        self.nodes_res = store.registry.lookup("", "v1", "nodes")
        self.initial = (nodes, capacity, list(labels), list(taints))
        self.start_delay = Delay(start_delay)
        self.delete_delay = Delay(delete_delay)
        self.eviction_delay = Delay(eviction_delay)
        self.nodes = {}                    # name -> SimNode (under store.lock)
        self.pending = collections.OrderedDict()   # pod key -> uid, to schedule
        self.unschedulable = {}            # pod key -> uid, waiting for a cluster change
        self.retry = False
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
                               "capacity": capacity})
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
                if not self.incoming and not self.pending and not self.retry:
                    wait = self.timers[0][0] - time.monotonic() if self.timers else 1.0
                    if wait > 0:
                        self.cond.wait(min(wait, 1.0))
            try:
                self._step()
            except Exception:   # keep simulating even if one object is odd
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
            if self.retry:
                self.retry = False
                self.pending.update(self.unschedulable)
                self.unschedulable.clear()
            budget = _BATCH
            while self.pending and budget:
                key, uid = self.pending.popitem(last=False)
                self._schedule(key, uid)
                budget -= 1
            now = time.monotonic()
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
            index = _cidr_index((event.obj.obj.get("spec") or {}).get("podCIDR"))
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
                obj, podstatus.node_lost(obj, stamp)))
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
            if key in node.active:
                node.active.discard(key)
                node.release_ip(key)
                self.retry = True
        else:
            node.active.add(key)
        if meta.get("deletionTimestamp"):
            grace = meta.get("deletionGracePeriodSeconds") or 0
            if grace > 0 and uid not in self.finishing:
                self.finishing.add(uid)
                self._timer(min(self.delete_delay.sample(), grace), "finish", key, uid)
        elif phase == "Pending" and uid not in self.started:
            self.started.add(uid)
            self._timer(self.start_delay.sample(), "start", key, uid)

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
        for node in self.nodes.values():
            reason = scheduling.filter_node(spec, node)
            if reason is not None:
                reasons.append(reason)
            elif best is None or (len(node.active), node.index) < (len(best.active), best.index):
                best = node             # least allocated first, like the default scoring
        stamp = strategy.timestamp()
        if best is None:
            self.unschedulable[key] = uid
            message = scheduling.unschedulable_message(len(self.nodes), reasons)
            self.store.rewrite(self.pods_res, key, uid, lambda obj: _with_status(
                obj, podstatus.unschedulable(obj, stamp, message)))
            return
        best.pods.add(key)
        best.active.add(key)

        def bind(obj):
            new = _with_status(obj, podstatus.scheduled(obj, stamp))
            new["spec"] = dict(obj["spec"], nodeName=best.name)
            return new
        self.store.rewrite(self.pods_res, key, uid, bind)

    # ---------------------------------------------------------------- timers
    def _fire(self, action, key, uid):
        if action == "start":
            self._start(key, uid)
        elif action in ("finish", "evict"):
            self._confirm_delete(key, uid)

    def _start(self, key, uid):
        stored = self.store.objects[self.pods_res.key].get(key)
        if stored is None or stored.meta.get("uid") != uid or \
                stored.meta.get("deletionTimestamp"):
            return
        node = self.nodes.get((stored.obj.get("spec") or {}).get("nodeName"))
        if node is None or (stored.obj.get("status") or {}).get("phase") != "Pending":
            return
        ip = node.allocate_ip(key)
        stamp = strategy.timestamp()
        self.store.rewrite(self.pods_res, key, uid, lambda obj: _with_status(
            obj, podstatus.running(obj, stamp, node.host_ip, ip)))

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
        except (ValueError, TypeError) as exc:
            raise errors.bad_request("bad node: %s" % exc)
        obj = node_object(name, index, body.get("labels") or {}, taints, capacity)
        return self.store.create(Context(user=SIM_USER), self.nodes_res, "", obj)

    def _free_index(self):
        """A node index (pod CIDR, host IP) no node has or was just given (locked)."""
        used = {n.index for n in self.nodes.values()}
        for stored in self.store.objects[self.nodes_res.key].values():
            used.add(_cidr_index((stored.obj.get("spec") or {}).get("podCIDR")))
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
                                     lambda obj: _with_status(obj, change))
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


def _with_status(obj, status):
    """A copy of obj sharing all but metadata (copied) and status (replaced)."""
    new = dict(obj)
    new["metadata"] = dict(obj["metadata"])
    new["status"] = status
    return new
