"""Field selectors (metadata.name=x,status.phase!=Running).

Like kube-apiserver, each kind supports a fixed set of fields: metadata.name
and metadata.namespace everywhere, plus a few per built-in kind (pods:
spec.nodeName, status.phase, ...). Custom resources support only the metadata
fields, so anything else is a 400, worded as the real server words it.
"""
from .errors import bad_request
from .objpath import dig as _get


def _text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _path(*parts):
    return lambda obj: _text(_get(obj, *parts))


_POD = {
    "spec.nodeName": _path("spec", "nodeName"),
    "spec.restartPolicy": _path("spec", "restartPolicy"),
    "spec.schedulerName": _path("spec", "schedulerName"),
    "spec.serviceAccountName": _path("spec", "serviceAccountName"),
    "spec.hostNetwork": lambda o: _text(bool(_get(o, "spec", "hostNetwork"))),
    "status.phase": _path("status", "phase"),
    "status.podIP": _path("status", "podIP"),
    "status.nominatedNodeName": _path("status", "nominatedNodeName"),
}
_EVENT = {
    "involvedObject.kind": _path("involvedObject", "kind"),
    "involvedObject.namespace": _path("involvedObject", "namespace"),
    "involvedObject.name": _path("involvedObject", "name"),
    "involvedObject.uid": _path("involvedObject", "uid"),
    "involvedObject.apiVersion": _path("involvedObject", "apiVersion"),
    "involvedObject.resourceVersion": _path("involvedObject", "resourceVersion"),
    "involvedObject.fieldPath": _path("involvedObject", "fieldPath"),
    "reason": _path("reason"),
    "reportingComponent": _path("reportingComponent"),
    "source": _path("source", "component"),
    "type": _path("type"),
}
_EXTRA = {"pods": _POD, "events": _EVENT,
          "namespaces": {"status.phase": _path("status", "phase")},
          "nodes": {"spec.unschedulable": lambda o: _text(bool(_get(o, "spec", "unschedulable")))},
          "services": {"spec.clusterIP": _path("spec", "clusterIP"),
                       "spec.type": _path("spec", "type")}}


def supported_fields(res):
    fields = {"metadata.name": _path("metadata", "name")}
    if res.namespaced or res.builtin:
        fields["metadata.namespace"] = _path("metadata", "namespace")
    if res.builtin:
        fields.update(_EXTRA.get(res.plural, {}))
    return fields


class FieldSelector:
    def __init__(self, terms):
        self.terms = terms   # [(getter, op, value)]

    def empty(self):
        return not self.terms

    def matches(self, obj):
        for getter, op, value in self.terms:
            if (getter(obj) == value) != (op == "="):
                return False
        return True


EVERYTHING = FieldSelector([])


def _split(text, sep):
    """Split on sep, honouring backslash escapes (\\, \\= \\\\)."""
    parts, cur, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            cur.append(text[i:i + 2])
            i += 2
            continue
        if c == sep:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur))
    return parts


def _unescape(text):
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            if text[i + 1] not in "\\,=":
                raise bad_request("invalid field selector: invalid escape sequence: \\%s"
                                  % text[i + 1])
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _term(part):
    for op in ("!=", "==", "="):
        idx = part.find(op)
        while idx > 0 and part[idx - 1] == "\\":
            idx = part.find(op, idx + 1)
        if idx >= 0:
            return part[:idx], ("!=" if op == "!=" else "="), part[idx + len(op):]
    raise bad_request("invalid selector: '%s'; can't understand '%s'" % (part, part))


def parse(text, res):
    """Parse a fieldSelector for a resource; unknown fields are a 400."""
    if text is None or not text.strip():
        return EVERYTHING
    supported = supported_fields(res)
    terms = []
    for part in _split(text, ","):
        if not part:
            continue
        field, op, value = _term(part)
        field = field.strip()
        getter = supported.get(field)
        if getter is None:
            raise bad_request("field label not supported: %s" % field)
        terms.append((getter, op, _unescape(value)))
    return FieldSelector(terms)
