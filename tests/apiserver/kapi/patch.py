"""The three patch formats kube-apiserver accepts.

- JSON Patch (RFC 6902): add, remove, replace, move, copy, test; JSON Pointer
  (RFC 6901) paths with ~0/~1 escapes and "-" for appending. Used both for
  client PATCH requests and for mutating webhook responses.
- JSON merge patch (RFC 7386): objects merge, null deletes, everything else
  (lists included) replaces.
- Strategic merge patch, simplified: merge patch plus merging of the list
  fields Kubernetes merges by key (containers by name, env by name,
  ownerReferences by uid, ...). The merge key is chosen by field name rather
  than from the Go type's struct tags, which covers the fields kubectl and
  controllers patch. Directives honoured: $patch (replace/delete/merge),
  $retainKeys, $deleteFromPrimitiveList/<field>, $setElementOrder/<field>
  (order only).
"""
import json

from . import decode
from .objpath import jcopy


class PatchError(Exception):
    """The patch could not be decoded (malformed=True) or applied;
    internal=True for the errors kube-apiserver answers with a 500 (it
    passes strategic merge errors it does not classify through as is)."""

    def __init__(self, message, malformed=False, internal=False):
        super().__init__(message)
        self.malformed = malformed
        self.internal = internal


def go_format(value):
    """A JSON value as Go's %v prints the interface{} it decodes to."""
    if isinstance(value, dict):
        return "map[" + " ".join("%s:%s" % (k, go_format(value[k])) for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_format(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ---------------------------------------------------------------- JSON Pointer

def parse_pointer(pointer):
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PatchError('JSON pointer must be empty or start with a "/": %r' % pointer)
    parts = pointer[1:].split("/")
    return [p.replace("~1", "/").replace("~0", "~") for p in parts]


def _index(container, token, for_add=False):
    if token == "-" and for_add:
        return len(container)
    if not token.isdigit() or (len(token) > 1 and token[0] == "0"):
        raise PatchError("invalid array index: %r" % token)
    idx = int(token)
    limit = len(container) + (1 if for_add else 0)
    if idx >= limit:
        raise PatchError("array index out of bounds: %d" % idx)
    return idx


def _parent(doc, tokens, op, pointer):
    node = doc
    for token in tokens[:-1]:
        if isinstance(node, dict):
            if token not in node:
                raise _missing(op, pointer)
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(node, token)]
        else:
            raise _missing(op, pointer)
    return node


def _missing(op, pointer):
    return PatchError("%s operation does not apply: doc is missing path: %s" % (op, pointer))


def _locate(doc, pointer, op):
    """(container, key or index) of an existing member; key None for the root."""
    tokens = parse_pointer(pointer)
    if not tokens:
        return None, None
    parent = _parent(doc, tokens, op, pointer)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise _missing(op, pointer)
        return parent, last
    if isinstance(parent, list):
        return parent, _index(parent, last)
    raise _missing(op, pointer)


def _get_at(doc, pointer, op):
    parent, key = _locate(doc, pointer, op)
    return doc if parent is None else parent[key]


def _add(doc, pointer, value):
    tokens = parse_pointer(pointer)
    if not tokens:
        return value
    parent = _parent(doc, tokens, "add", pointer)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, for_add=True), value)
    else:
        raise _missing("add", pointer)
    return doc


def _remove(doc, pointer, op="remove"):
    parent, key = _locate(doc, pointer, op)
    if parent is None:
        raise PatchError("%s operation does not apply: cannot remove the root" % op)
    return parent.pop(key)


def _json_equal(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def decode_json_patch(data):
    """Decode and shape-check a JSON Patch document (bytes or list)."""
    if isinstance(data, (bytes, str)):
        try:
            ops = decode.loads(data)
        except ValueError as exc:
            raise PatchError("invalid JSON Patch: %s" % exc, malformed=True)
    else:
        ops = data
    if not isinstance(ops, list):
        raise PatchError("json: cannot unmarshal object into Go value of type "
                         "jsonpatch.Patch", malformed=True)
    for op in ops:
        if not isinstance(op, dict) or not isinstance(op.get("op"), str):
            raise PatchError("invalid JSON Patch: every operation needs an \"op\"",
                             malformed=True)
        if op["op"] not in ("add", "remove", "replace", "move", "copy", "test"):
            raise PatchError("Unexpected kind: %s" % op["op"], malformed=True)
        if not isinstance(op.get("path"), str):
            raise PatchError("%s operation missing path" % op["op"], malformed=True)
        if op["op"] in ("move", "copy") and not isinstance(op.get("from"), str):
            raise PatchError("%s operation missing from" % op["op"], malformed=True)
        if op["op"] in ("add", "replace", "test") and "value" not in op:
            raise PatchError("%s operation missing value" % op["op"], malformed=True)
    return ops


def apply_json_patch(doc, ops):
    """Apply RFC 6902 operations to a deep copy of doc; returns the result."""
    doc = jcopy(doc)
    for op in decode_json_patch(ops):
        kind, path = op["op"], op["path"]
        if kind == "add":
            doc = _add(doc, path, jcopy(op["value"]))
        elif kind == "remove":
            _remove(doc, path)
        elif kind == "replace":
            parent, key = _locate(doc, path, "replace")
            if parent is None:
                doc = jcopy(op["value"])
            else:
                parent[key] = jcopy(op["value"])
        elif kind == "move":
            src = op["from"]
            if path != src and path.startswith(src + "/"):
                raise PatchError("move operation does not apply: cannot move %s into its "
                                 "own child %s" % (src, path))
            value = _remove(doc, src, "move")
            doc = _add(doc, path, value)
        elif kind == "copy":
            value = jcopy(_get_at(doc, op["from"], "copy"))
            doc = _add(doc, path, value)
        elif kind == "test":
            try:
                current = _get_at(doc, path, "test")
            except PatchError:
                raise PatchError("testing value %s failed: test failed" % path)
            if not _json_equal(current, op["value"]):
                raise PatchError("testing value %s failed: test failed" % path)
    return doc


# ---------------------------------------------------------- JSON merge patch

def apply_merge_patch(doc, patch, in_place=False):
    """RFC 7386 merge of patch into a copy of doc (into doc itself with
    in_place, for callers that own it); patch is never shared with the result."""
    if not isinstance(patch, dict):
        return jcopy(patch)
    if isinstance(doc, dict):
        result = doc if in_place else jcopy(doc)
    else:
        result = {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = apply_merge_patch(result.get(key), value, in_place=True)
    return result


# ------------------------------------------------- strategic merge (simplified)

# Field name -> merge key for lists Kubernetes merges by key. Lists not named
# here are replaced, like atomic lists.
MERGE_KEYS = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name",
    "env": "name", "volumes": "name", "volumeMounts": "mountPath",
    "volumeDevices": "devicePath", "imagePullSecrets": "name",
    "ownerReferences": "uid", "conditions": "type", "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey", "resourceClaims": "name",
    "readinessGates": "conditionType", "containerStatuses": "name",
    "initContainerStatuses": "name", "podIPs": "ip", "ports": None,
}
# Primitive lists merged as sets (patchStrategy: merge).
MERGED_PRIMITIVE_LISTS = {"finalizers"}


def _ports_key(items):
    """Container ports merge by containerPort, service ports by port."""
    for item in items:
        if isinstance(item, dict) and "containerPort" in item:
            return "containerPort"
    return "port"


def apply_strategic_merge_patch(doc, patch, in_place=False):
    """Strategic merge of patch into a copy of doc (doc itself with in_place)."""
    if not isinstance(patch, dict):
        raise PatchError("strategic merge patch must be a JSON object", malformed=True)
    if not isinstance(doc, dict):
        doc = {}
    return _smp_map(doc if in_place else jcopy(doc), patch)


def _smp_map(original, patch):
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: jcopy(v) for k, v in patch.items() if k != "$patch"}
    if directive == "delete":
        return None
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys") or key.startswith("$setElementOrder/"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            if isinstance(original.get(field), list):
                original[field] = [x for x in original[field] if x not in value]
            continue
        if value is None:
            original.pop(key, None)
        elif isinstance(value, dict):
            merged = _smp_map(original.get(key) if isinstance(original.get(key), dict) else {},
                              value)
            if merged is None:
                original.pop(key, None)
            else:
                original[key] = merged
        elif isinstance(value, list):
            original[key] = _smp_list(key, original.get(key), value)
        else:
            original[key] = jcopy(value)
    if isinstance(retain, list):
        for key in list(original):
            if key not in retain:
                del original[key]
    for key in patch:
        if key.startswith("$setElementOrder/"):
            _reorder(original, key.split("/", 1)[1], patch[key])
    return original


def _smp_list(field, original, patch):
    if not isinstance(original, list):
        original = []
    if field in MERGED_PRIMITIVE_LISTS:
        result = list(original)
        for item in patch:
            if item not in result:
                result.append(item)
        return result
    if field not in MERGE_KEYS or not all(isinstance(i, dict) for i in patch):
        return [jcopy(i) for i in patch
                if not (isinstance(i, dict) and i.get("$patch") == "replace")]
    key = MERGE_KEYS[field] or _ports_key(patch + original)
    if any(isinstance(i, dict) and i.get("$patch") == "replace" for i in patch):
        return [jcopy(i) for i in patch if i.get("$patch") != "replace"]
    result = [jcopy(i) for i in original]
    for item in patch:
        if key not in item:
            raise PatchError("map: %s does not contain declared merge key: %s"
                             % (go_format(item), key), internal=True)
        match = None
        for idx, existing in enumerate(result):
            if isinstance(existing, dict) and existing.get(key) == item.get(key):
                match = idx
                break
        if item.get("$patch") == "delete":
            if match is not None:
                result.pop(match)
            continue
        if match is None:
            result.append(_smp_map({}, item))
        else:
            result[match] = _smp_map(result[match], item)
    return result


def _reorder(obj, field, order):
    """Apply $setElementOrder: listed elements first, in the given order."""
    items = obj.get(field)
    if not isinstance(items, list) or not isinstance(order, list):
        return
    if all(isinstance(o, dict) for o in order) and order:
        key = next(iter(order[0]))
        rank = {o.get(key): i for i, o in enumerate(order)}
        items.sort(key=lambda i: rank.get(i.get(key) if isinstance(i, dict) else None,
                                          len(rank)))
    else:
        rank = {json.dumps(o): i for i, o in enumerate(order)}
        items.sort(key=lambda i: rank.get(json.dumps(i), len(rank)))
