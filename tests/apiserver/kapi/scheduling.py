"""Which node may run a pod, and the scheduler's words when none may.

The filters kube-scheduler 1.26 runs, in its order, for the fields a pod of
this project uses: NodeUnschedulable, TaintToleration (NoSchedule and
NoExecute taints), NodeAffinity (nodeSelector and required node affinity)
and NodeResourcesFit (pod count, CPU and memory requests against the
node's allocatable). Each node fails on its first filter (NodeResourcesFit
may give several reasons);
the message counts the reasons like FitError.Error(), followed by the
preemption post-filter's verdict.
"""
import math

from .corekinds import parse_quantity

UNSCHEDULABLE_NODE = "node(s) were unschedulable"
AFFINITY_MISMATCH = "node(s) didn't match Pod's node affinity/selector"
TOO_MANY_PODS = "Too many pods"
INSUFFICIENT_CPU = "Insufficient cpu"
INSUFFICIENT_MEMORY = "Insufficient memory"
NO_NODES = "no nodes available to schedule pods"
# Reasons preemption cannot help with (UnschedulableAndUnresolvable).
_UNRESOLVABLE_BY_PREEMPTION = (UNSCHEDULABLE_NODE, AFFINITY_MISMATCH)


def tolerates(toleration, taint):
    """v1 Toleration.ToleratesTaint."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    if operator == "Equal":
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return False


def untolerated_taint(tolerations, taints):
    """The first NoSchedule/NoExecute taint no toleration matches, or None."""
    for taint in taints:
        if taint.get("effect") not in ("NoSchedule", "NoExecute"):
            continue
        if not any(tolerates(t, taint) for t in tolerations):
            return taint
    return None


def _number(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _expression_matches(expr, values_of):
    op, key = expr.get("operator"), expr.get("key")
    have = values_of(key)
    wanted = expr.get("values") or []
    if op == "In":
        return have is not None and have in wanted
    if op == "NotIn":
        return have is None or have not in wanted
    if op == "Exists":
        return have is not None
    if op == "DoesNotExist":
        return have is None
    if op in ("Gt", "Lt") and len(wanted) == 1:
        a, b = _number(have), _number(wanted[0])
        if a is None or b is None:
            return False
        return a > b if op == "Gt" else a < b
    return False


def _term_matches(term, name, labels):
    exprs = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not exprs and not fields:
        return False                      # an empty term matches no node
    return all(_expression_matches(e, labels.get) for e in exprs) and \
        all(_expression_matches(f, lambda k: name if k == "metadata.name" else None)
            for f in fields)


def affinity_matches(spec, name, labels):
    """nodeSelector and requiredDuringSchedulingIgnoredDuringExecution."""
    for key, value in (spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution"))
    if required is None:
        return True
    return any(_term_matches(t, name, labels) for t in required.get("nodeSelectorTerms") or [])


def pod_request(spec):
    """(milli-CPU, memory bytes) a pod requests, as the scheduler counts it:
    the sum over its containers and sidecars (restartPolicy Always init
    containers), or the largest other init container if more, plus the pod
    overhead; limits stand in for missing requests."""
    def one(c):
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        cpu = parse_quantity(req.get("cpu", lim.get("cpu", 0))) or 0
        mem = parse_quantity(req.get("memory", lim.get("memory", 0))) or 0
        return math.ceil(cpu * 1000 - 1e-9), math.ceil(mem - 1e-9)
    inits = spec.get("initContainers") or []
    running = [one(c) for c in spec.get("containers") or []] + \
        [one(c) for c in inits if c.get("restartPolicy") == "Always"]
    cpu, mem = sum(r[0] for r in running), sum(r[1] for r in running)
    for c in inits:
        if c.get("restartPolicy") != "Always":
            icpu, imem = one(c)
            cpu, mem = max(cpu, icpu), max(mem, imem)
    overhead = spec.get("overhead") or {}
    cpu += math.ceil((parse_quantity(overhead.get("cpu", 0)) or 0) * 1000 - 1e-9)
    mem += math.ceil((parse_quantity(overhead.get("memory", 0)) or 0) - 1e-9)
    return cpu, mem


def fit_reasons(request, node):
    """NodeResourcesFit: every resource the node has too little of left."""
    reasons = []
    if len(node.active) + 1 > node.capacity:
        reasons.append(TOO_MANY_PODS)
    if request[0] and request[0] > node.cpu - node.used_cpu:
        reasons.append(INSUFFICIENT_CPU)
    if request[1] and request[1] > node.memory - node.used_memory:
        reasons.append(INSUFFICIENT_MEMORY)
    return reasons


def filter_node(spec, node, request):
    """[] when node can take a pod with this spec and request (pod_request),
    else the scheduler's reasons (one, or several from NodeResourcesFit).
    node: .name, .labels, .taints, .unschedulable, .capacity, .active (pods),
    .cpu, .memory (allocatable), .used_cpu, .used_memory."""
    tolerations = spec.get("tolerations") or []
    if node.unschedulable and not any(
            tolerates(t, {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"})
            for t in tolerations):
        return [UNSCHEDULABLE_NODE]
    taint = untolerated_taint(tolerations, node.taints)
    if taint is not None:
        return ["node(s) had untolerated taint {%s: %s}" % (taint.get("key", ""),
                                                             taint.get("value", ""))]
    if not affinity_matches(spec, node.name, node.labels):
        return [AFFINITY_MISMATCH]
    return fit_reasons(request, node)


def _histogram(reasons):
    counts = {}
    for reason in reasons:
        counts[reason] = counts.get(reason, 0) + 1
    return ", ".join(sorted("%d %s" % (n, r) for r, n in counts.items()))


def unschedulable_message(total, per_node):
    """The PodScheduled=False message for a pod every node refused
    (per_node: the reasons of each node)."""
    if total == 0:
        return NO_NODES
    reasons = [r for node_reasons in per_node for r in node_reasons]
    preemption = ["Preemption is not helpful for scheduling"
                  if rs[0] in _UNRESOLVABLE_BY_PREEMPTION or
                  rs[0].startswith("node(s) had untolerated")
                  else "No preemption victims found for incoming pod" for rs in per_node]
    return "0/%d nodes are available: %s. preemption: 0/%d nodes are available: %s.." % (
        total, _histogram(reasons), total, _histogram(preemption))
