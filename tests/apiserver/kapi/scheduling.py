"""Which node may run a pod, and the scheduler's words when none may.

The filters kube-scheduler 1.26 runs, in its order, for the fields a pod of
this project uses: NodeUnschedulable, TaintToleration (NoSchedule and
NoExecute taints), NodeAffinity (nodeSelector and required node affinity)
and the pod count of NodeResourcesFit. Each node fails on its first filter;
the message counts the reasons like FitError.Error(), followed by the
preemption post-filter's verdict.
"""

UNSCHEDULABLE_NODE = "node(s) were unschedulable"
AFFINITY_MISMATCH = "node(s) didn't match Pod's node affinity/selector"
TOO_MANY_PODS = "Too many pods"
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


def filter_node(spec, node):
    """None when node can take a pod with this spec, else the scheduler's reason.
    node: .name, .labels, .taints, .unschedulable, .capacity, .active (pods)."""
    tolerations = spec.get("tolerations") or []
    if node.unschedulable and not any(
            tolerates(t, {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"})
            for t in tolerations):
        return UNSCHEDULABLE_NODE
    taint = untolerated_taint(tolerations, node.taints)
    if taint is not None:
        return "node(s) had untolerated taint {%s: %s}" % (taint.get("key", ""),
                                                            taint.get("value", ""))
    if not affinity_matches(spec, node.name, node.labels):
        return AFFINITY_MISMATCH
    if len(node.active) + 1 > node.capacity:
        return TOO_MANY_PODS
    return None


def _histogram(reasons):
    counts = {}
    for reason in reasons:
        counts[reason] = counts.get(reason, 0) + 1
    return ", ".join(sorted("%d %s" % (n, r) for r, n in counts.items()))


def unschedulable_message(total, reasons):
    """The PodScheduled=False message for a pod every node refused
    (reasons: one per node)."""
    if total == 0:
        return NO_NODES
    preemption = ["Preemption is not helpful for scheduling"
                  if r in _UNRESOLVABLE_BY_PREEMPTION or r.startswith("node(s) had untolerated")
                  else "No preemption victims found for incoming pod" for r in reasons]
    return "0/%d nodes are available: %s. preemption: 0/%d nodes are available: %s.." % (
        total, _histogram(reasons), total, _histogram(preemption))
