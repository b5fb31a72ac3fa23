"""Server-side printing: meta.k8s.io/v1 Table (what `kubectl get` asks for) and
PartialObjectMetadata (metadata-only clients).

Custom resources get a Name column plus their printer columns (date columns
rendered as ages, like the CRD table convertor); built-in kinds get the
columns kubectl users expect.
"""
import datetime

from . import jsonpath, strategy
from .objpath import dig as _get

_NAME_COLUMN = {"name": "Name", "type": "string", "format": "name", "priority": 0,
                "description": "Name must be unique within a namespace."}


def human_duration(seconds):
    """Kubernetes' duration.HumanDuration."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return "%ds" % s
    minutes = s // 60
    if minutes < 10:
        return "%dm" % minutes if s % 60 == 0 else "%dm%ds" % (minutes, s % 60)
    if minutes < 180:
        return "%dm" % minutes
    hours = s // 3600
    if hours < 8:
        return "%dh" % hours if minutes % 60 == 0 else "%dh%dm" % (hours, minutes % 60)
    if hours < 48:
        return "%dh" % hours
    if hours < 24 * 8:
        return "%dd" % (hours // 24) if hours % 24 == 0 else "%dd%dh" % (hours // 24, hours % 24)
    if hours < 24 * 365 * 2:
        return "%dd" % (hours // 24)
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        years = hours // 24 // 365
        return "%dy" % years if days == 0 else "%dy%dd" % (years, days)
    return "%dy" % (hours // 24 // 365)


def age(text, now=None):
    if not text:
        return "<unknown>"
    try:
        when = strategy.parse_timestamp(text)
    except ValueError:
        return "<invalid>"
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return human_duration((now - when).total_seconds())


def _col(name, ctype="string", priority=0, fmt="", description=""):
    return {"name": name, "type": ctype, "format": fmt, "priority": priority,
            "description": description or name}


# ------------------------------------------------------------ built-in kinds

def _pod_row(obj):
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    statuses = status.get("containerStatuses") or []
    ready = sum(1 for s in statuses if s.get("ready"))
    phase = status.get("reason") or status.get("phase") or ""
    for s in statuses:
        waiting = (s.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason"):
            phase = waiting["reason"]
    if obj["metadata"].get("deletionTimestamp"):
        phase = "Terminating"
    restarts = sum(int(s.get("restartCount", 0)) for s in statuses)
    gates = spec.get("readinessGates")
    return ["%d/%d" % (ready, len(spec.get("containers") or [])), phase, restarts,
            age(obj["metadata"].get("creationTimestamp")),
            status.get("podIP") or "<none>", spec.get("nodeName") or "<none>",
            status.get("nominatedNodeName") or "<none>",
            "%d/%d" % (0, len(gates)) if gates else "<none>"]


def _node_row(obj):
    meta, spec, status = obj["metadata"], obj.get("spec") or {}, obj.get("status") or {}
    ready = next((c.get("status") for c in status.get("conditions") or []
                  if c.get("type") == "Ready"), None)
    state = {"True": "Ready", None: "Unknown"}.get(ready, "NotReady")
    if spec.get("unschedulable"):
        state += ",SchedulingDisabled"
    prefix = "node-role.kubernetes.io/"
    roles = sorted(k[len(prefix):] for k in meta.get("labels") or {} if k.startswith(prefix))
    info = status.get("nodeInfo") or {}

    def address(kind):
        return next((a.get("address") for a in status.get("addresses") or []
                     if a.get("type") == kind), None) or "<none>"
    return [state, ",".join(roles) or "<none>", age(meta.get("creationTimestamp")),
            info.get("kubeletVersion", ""), address("InternalIP"), address("ExternalIP"),
            info.get("osImage") or "<unknown>", info.get("kernelVersion") or "<unknown>",
            info.get("containerRuntimeVersion") or "<unknown>"]


def _service_row(obj):
    spec = obj.get("spec") or {}
    ports = ",".join("%s/%s" % (p.get("port"), p.get("protocol", "TCP"))
                     for p in spec.get("ports") or []) or "<none>"
    selector = ",".join("%s=%s" % kv for kv in sorted((spec.get("selector") or {}).items()))
    return [spec.get("type", "ClusterIP"), spec.get("clusterIP") or "<none>", "<none>", ports,
            age(obj["metadata"].get("creationTimestamp")), selector or "<none>"]


def _event_row(obj):
    involved = obj.get("involvedObject") or {}
    last = obj.get("lastTimestamp") or obj.get("eventTime") or \
        obj["metadata"].get("creationTimestamp")
    if isinstance(last, str) and "." in last:
        last = last.split(".")[0] + "Z"
    source = _get(obj, "source", "component") or obj.get("reportingComponent") or ""
    return [age(last), obj.get("type", ""), obj.get("reason", ""),
            "%s/%s" % ((involved.get("kind") or "").lower(), involved.get("name", "")),
            obj.get("message", ""), involved.get("fieldPath", ""), source,
            age(obj.get("firstTimestamp")) if obj.get("firstTimestamp") else "<unknown>",
            obj.get("count", 1), obj["metadata"].get("name", "")]


BUILTIN = {
    "namespaces": ([_col("Status"), _col("Age")], lambda o: [_get(o, "status", "phase") or "",
                                               age(o["metadata"].get("creationTimestamp"))]),
    "pods": ([_col("Ready"), _col("Status"), _col("Restarts", "string"), _col("Age"),
              _col("IP", priority=1), _col("Node", priority=1),
              _col("Nominated Node", priority=1), _col("Readiness Gates", priority=1)],
             _pod_row),
    "nodes": ([_col("Status"), _col("Roles"), _col("Age"), _col("Version"),
               _col("Internal-IP", priority=1), _col("External-IP", priority=1),
               _col("OS-Image", priority=1), _col("Kernel-Version", priority=1),
               _col("Container-Runtime", priority=1)], _node_row),
    "services": ([_col("Type"), _col("Cluster-IP"), _col("External-IP"), _col("Port(s)"),
                  _col("Age"), _col("Selector", priority=1)], _service_row),
    "leases": ([_col("Holder"), _col("Age")],
               lambda o: [_get(o, "spec", "holderIdentity") or "",
                          age(o["metadata"].get("creationTimestamp"))]),
}
EVENT_COLUMNS = [_col("Last Seen"), _col("Type"), _col("Reason"), _col("Object"),
                 _col("Message"), _col("Subobject", priority=1), _col("Source", priority=1),
                 _col("First Seen", priority=1), _col("Count", "integer", priority=1),
                 _col("Name", priority=1)]


def _builtin_columns(res):
    if res.plural == "events":
        return EVENT_COLUMNS, _event_row, False
    cols, row = BUILTIN.get(res.plural, ([_col("Age")],
                                         lambda o: [age(o["metadata"].get("creationTimestamp"))]))
    if res.plural not in BUILTIN:
        cols = [_col("Age")]
    return cols, row, True


# ------------------------------------------------------------ custom kinds

def _custom_cell(ctype, results):
    if not results:
        return None
    value = results[0]
    if ctype == "date":
        return age(value) if isinstance(value, str) else None
    if ctype == "integer":
        return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
            else None
    if ctype == "number":
        return value if isinstance(value, (int, float)) else None
    if ctype == "boolean":
        return value if isinstance(value, bool) else None
    if isinstance(value, (dict, list)):
        import json
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _custom_columns(res):
    specs = [(name, ctype, jsonpath.compile_path(path), priority)
             for name, ctype, path, priority in res.columns or []]
    cols = [dict(_col(name, ctype, priority),
                 description="Custom resource definition column (in JSONPath format): %s" % path)
            for (name, ctype, path, priority) in res.columns or []]

    def row(obj):
        return [_custom_cell(ctype, jsonpath.find(obj, steps)) for _, ctype, steps, _ in specs]
    return cols, row, True


# ------------------------------------------------------------------- tables

def partial_object(obj):
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata", {})}


def columns_for(res):
    cols, row, named = _custom_columns(res) if res.custom else _builtin_columns(res)
    if named:
        cols = [_NAME_COLUMN] + cols
        inner = row

        def row(obj):
            return [obj["metadata"].get("name", "")] + inner(obj)
    return cols, row


def table(res, objs, list_meta, include_object="Metadata", headers=True):
    cols, row = columns_for(res)
    rows = []
    for obj in objs:
        entry = {"cells": row(obj)}
        if include_object == "Object":
            entry["object"] = obj
        elif include_object != "None":
            entry["object"] = partial_object(obj)
        rows.append(entry)
    result = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta}
    if headers:
        result["columnDefinitions"] = cols
    result["rows"] = rows
    return result
