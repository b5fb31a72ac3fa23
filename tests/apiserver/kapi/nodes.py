"""Simulated nodes: the Node resource, Node objects as a kubelet registers
them (pod CIDR, addresses, capacity, conditions), the per-node state the
simulator's scheduler and kubelet keep (SimNode), and the parsing of the
simulator's flags (delays, taints, labels). kapi/nodesim.py plays them."""
import random
import uuid

from . import strategy
from .corekinds import parse_quantity
from .resources import Resource

NODE = Resource("", "v1", "Node", "nodes", namespaced=False, short_names=["no"],
                status=True, builtin=True)
RESOURCES = [NODE]

DEFAULT_CAPACITY = 110
DEFAULT_CPU = "8"
DEFAULT_MEMORY = "32Gi"
_DEFAULT_CPU, _DEFAULT_MEMORY = 8000, 32 * 2 ** 30      # milli-CPU, bytes
KUBELET_VERSION = "v1.32.0"


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


def node_object(name, index, labels=None, taints=None, capacity=DEFAULT_CAPACITY,
                cpu=DEFAULT_CPU, memory=DEFAULT_MEMORY):
    """A Node as a kubelet registers it (with a pod CIDR as the node IPAM
    controller assigns one)."""
    now = strategy.timestamp()
    all_labels = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
                  "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name,
                  "kubernetes.io/os": "linux"}
    all_labels.update(labels or {})
    cidr = pod_cidr(index)
    resources = {"cpu": str(cpu), "ephemeral-storage": "102400Mi", "hugepages-2Mi": "0",
                 "memory": str(memory), "pods": str(capacity)}

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


def cidr_index(cidr):
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
        self.plain = True
        self.capacity = DEFAULT_CAPACITY
        self.cpu, self.memory = _DEFAULT_CPU, _DEFAULT_MEMORY     # allocatable
        self.used_cpu = self.used_memory = 0                      # requests of active pods
        self.host_ip = host_ip(index)
        self.pods = set()       # pod keys bound here (until deleted)
        self.active = {}        # of those, not Succeeded/Failed: key -> (milli-CPU, bytes)
        self.ips = {}           # pod key -> IP
        self._free = list(range(254, 1, -1))
        self._prefix = pod_cidr(index).rsplit(".", 1)[0] + "."

    def update(self, obj):
        meta, spec = obj["metadata"], obj.get("spec") or {}
        self.labels = dict(meta.get("labels") or {})
        self.taints = list(spec.get("taints") or [])
        self.unschedulable = bool(spec.get("unschedulable"))
        # nothing but capacity can refuse a pod here (see NodeSimulator._schedule)
        self.plain = not self.unschedulable and not any(
            t.get("effect") in ("NoSchedule", "NoExecute") for t in self.taints)
        allocatable = (obj.get("status") or {}).get("allocatable") or {}
        pods = allocatable.get("pods")
        try:
            self.capacity = int(pods) if pods is not None else DEFAULT_CAPACITY
        except (TypeError, ValueError):
            self.capacity = DEFAULT_CAPACITY
        cpu = parse_quantity(allocatable.get("cpu", DEFAULT_CPU))
        memory = parse_quantity(allocatable.get("memory", DEFAULT_MEMORY))
        self.cpu = int(cpu * 1000) if cpu is not None else _DEFAULT_CPU
        self.memory = int(memory) if memory is not None else _DEFAULT_MEMORY
        addresses = (obj.get("status") or {}).get("addresses") or []
        for address in addresses:
            if address.get("type") == "InternalIP" and address.get("address"):
                self.host_ip = address["address"]

    def allocate_ip(self, key):
        if key not in self.ips:
            self.ips[key] = self._prefix + str(self._free.pop() if self._free else 254)
        return self.ips[key]

    def reserve_ip(self, key, ip):
        """Keep an IP a pod already has (objects restored from a state file)."""
        if key in self.ips or not ip.startswith(self._prefix):
            return
        last = int(ip.rsplit(".", 1)[1])
        if last in self._free:
            self._free.remove(last)
            self.ips[key] = ip

    def release_ip(self, key):
        ip = self.ips.pop(key, None)
        if ip is not None:
            self._free.append(int(ip.rsplit(".", 1)[1]))

    def activate(self, key, request):
        """A pod (not finished) runs here with request (milli-CPU, bytes)."""
        if key not in self.active:
            self.active[key] = request
            self.used_cpu += request[0]
            self.used_memory += request[1]

    def deactivate(self, key):
        """The pod finished or went: its requests and IP are free again.
        Returns whether it was active."""
        request = self.active.pop(key, None)
        if request is None:
            return False
        self.used_cpu -= request[0]
        self.used_memory -= request[1]
        self.release_ip(key)
        return True

    def forget(self, key):
        self.pods.discard(key)
        self.deactivate(key)
        self.release_ip(key)

    def describe(self):
        return {"name": self.name, "pods": len(self.active), "capacity": self.capacity,
                "cpu": "%dm" % self.cpu, "memory": str(self.memory),
                "requested": {"cpu": "%dm" % self.used_cpu, "memory": str(self.used_memory)},
                "labels": self.labels, "taints": self.taints,
                "unschedulable": self.unschedulable, "hostIP": self.host_ip}
