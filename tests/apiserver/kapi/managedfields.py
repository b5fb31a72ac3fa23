"""metadata.managedFields and server-side apply ownership, as kube-apiserver's
field manager keeps them (k8s.io/apiserver/pkg/endpoints/handlers/fieldmanager).

A field set is a set of paths; a path is a tuple of FieldsV1 elements:
"f:<name>" (object field or map key), "k:<json>" (list item by merge key),
"v:<json>" (item of a set-like list). Lists without merge keys are atomic:
the list is one leaf. Every write records who changed what:
- Update (create, PUT, PATCH): the writer gains the fields it changed, the
  other managers lose them;
- Apply: the applier's set becomes exactly the fields it applied; a field
  another manager owns with a different value is a conflict (409) unless
  force=true takes it over; fields the applier owned before, no longer
  applies and nobody else owns are removed from the object.
"""
import copy
import json

from . import patch
from .errors import ApiError

# ObjectMeta fields nobody owns (system-managed or identity).
_UNOWNED_META = {"name", "namespace", "uid", "resourceVersion", "generation",
                 "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                 "managedFields", "selfLink", "generateName"}


def manager_from_user_agent(user_agent):
    """kube-apiserver's default manager: the User-Agent up to the first '/'."""
    return (user_agent or "").split("/")[0][:128] or "unknown"


def _merge_key(field, items, builtin):
    if not builtin:
        return None
    if field in patch.MERGED_PRIMITIVE_LISTS:
        return "v"
    if field not in patch.MERGE_KEYS:
        return None
    key = patch.MERGE_KEYS[field]
    if key is None:
        key = patch._ports_key(items)   # noqa: SLF001 - the same rule as patches
    return key


def _item_element(key, item):
    if key == "v":
        return "v:" + json.dumps(item, separators=(",", ":"))
    if not isinstance(item, dict) or key not in item:
        return None
    return "k:" + json.dumps({key: item[key]}, separators=(",", ":"))


def field_set(obj, builtin, include_status=True):
    """The leaf paths of obj (apiVersion, kind and system metadata excluded)."""
    out = set()
    for key, value in obj.items():
        if key in ("apiVersion", "kind") or (key == "status" and not include_status):
            continue
        if key == "metadata":
            for mkey, mvalue in (value or {}).items():
                if mkey not in _UNOWNED_META:
                    _walk(mvalue, ("f:metadata", "f:" + mkey), mkey, builtin, out)
            continue
        _walk(value, ("f:" + key,), key, builtin, out)
    return out


def _walk(value, path, field, builtin, out):
    if isinstance(value, dict) and value:
        if len(path) > 1 or not builtin:    # maps (not Go structs) are owned themselves
            out.add(path + (".",))
        for key, item in value.items():
            _walk(item, path + ("f:" + key,), key, builtin, out)
        return
    if isinstance(value, list) and value:
        key = _merge_key(field, value, builtin)
        elements = [_item_element(key, item) for item in value] if key else [None]
        if key and None not in elements:
            for element, item in zip(elements, value):
                if isinstance(item, dict):
                    out.add(path + (element, "."))
                    for k, v in item.items():
                        _walk(v, path + (element, "f:" + k), k, builtin, out)
                else:
                    out.add(path + (element,))
            return
    out.add(path)


def to_fields_v1(paths):
    tree = {}
    for path in sorted(paths):
        node = tree
        for element in path:
            node = node.setdefault(element, {})
    return tree


def from_fields_v1(tree, prefix=()):
    out = set()
    for element, sub in (tree or {}).items():
        if sub:
            out |= from_fields_v1(sub, prefix + (element,))
        else:
            out.add(prefix + (element,))
    return out


def value_at(obj, path):
    """The value at a field path, or KeyError."""
    node = obj
    for element in path:
        if element == ".":
            continue
        kind, text = element[0], element[2:]
        if kind == "f" and isinstance(node, dict) and text in node:
            node = node[text]
        elif kind in "kv" and isinstance(node, list):
            wanted = json.loads(text)
            for item in node:
                if (kind == "v" and item == wanted) or (kind == "k" and isinstance(item, dict)
                                                        and all(item.get(k) == v for k, v
                                                                in wanted.items())):
                    node = item
                    break
            else:
                raise KeyError(element)
        else:
            raise KeyError(element)
    return node


def remove_at(obj, path):
    """Delete the value at path from obj when it is there."""
    try:
        parent = value_at(obj, path[:-1])
    except KeyError:
        return
    kind, text = path[-1][0], path[-1][2:]
    if kind == "f" and isinstance(parent, dict):
        parent.pop(text, None)
    elif kind in "kv" and isinstance(parent, list):
        try:
            item = value_at(obj, path)
        except KeyError:
            return
        parent.remove(item)


def path_string(path):
    """fieldpath.Path.String(): .spec.containers[name="main"].image"""
    out = ""
    for element in path:
        if element == ".":
            continue
        kind, text = element[0], element[2:]
        if kind == "f":
            out += "." + text
        elif kind == "k":
            out += "[" + ",".join("%s=%s" % (k, json.dumps(v)) for k, v in
                                  json.loads(text).items()) + "]"
        else:
            out += "[=" + text + "]"
    return out


# ----------------------------------------------------------------- entries

def _entries(meta):
    return [e for e in meta.get("managedFields") or [] if isinstance(e, dict)]


def _entry_id(entry):
    return (entry.get("manager"), entry.get("operation"), entry.get("subresource", ""),
            entry.get("apiVersion") if entry.get("operation") != "Apply" else "")


def _describe(entry):
    text = json.dumps(entry.get("manager", ""))
    if entry.get("subresource"):
        text += " with subresource %s" % json.dumps(entry["subresource"])
    if entry.get("operation") == "Update":
        text += " using " + entry.get("apiVersion", "")
    return text


def _write(meta, entries, mine, fields, when):
    """Store entries plus this write's own entry (merged with its old one)."""
    out, previous = [], None
    for entry in entries:
        if _entry_id(entry) == _entry_id(mine):
            previous = entry
        elif entry.get("fieldsV1"):
            out.append(entry)
    if fields:
        tree = to_fields_v1(fields)
        if previous is not None and previous.get("fieldsV1") == tree:
            out.append(previous)        # nothing new: keep its time (no-op writes stay no-ops)
        else:
            out.append(dict(mine, time=when, fieldsType="FieldsV1", fieldsV1=tree))
    if out:
        meta["managedFields"] = out
    else:
        meta.pop("managedFields", None)


def _strip(entry_fields, taken):
    return {p for p in entry_fields if not any(p[:len(t)] == t or t[:len(p)] == p
                                               for t in taken)}


class Write:
    """Who writes and how, for one request (ctx.managed)."""

    def __init__(self, manager, operation="Update", applied=None, force=False):
        self.manager = manager
        self.operation = operation
        self.applied = applied      # the apply configuration (Apply only)
        self.force = force


def record(write, res, old, new, subresource, when):
    """Update new's managedFields for this write (old is None on create)."""
    if write is None or not write.manager:
        return
    meta = new.setdefault("metadata", {})
    if old is not None:
        before = copy.deepcopy(old)
        after = copy.deepcopy(new)
        before.get("metadata", {}).pop("managedFields", None)
        after.get("metadata", {}).pop("managedFields", None)
        if before == after and write.operation != "Apply":
            return
    mine = {"manager": write.manager, "operation": write.operation,
            "apiVersion": res.api_version}
    if subresource:
        mine["subresource"] = subresource
    entries = _entries(meta)
    include_status = subresource == "status" or not res.status
    if write.operation == "Apply":
        fields = field_set(write.applied, res.builtin, include_status)
        # values the apply changed (forced conflicts) now belong to the applier
        taken = {p for p in fields if old is not None and _differs(old, new, p)}
        for entry in entries:
            if _entry_id(entry) != _entry_id(mine) and entry.get("fieldsV1") and taken:
                kept = from_fields_v1(entry["fieldsV1"]) - taken
                entry["fieldsV1"] = to_fields_v1(kept) if kept else None
    else:
        new_fields = field_set(new, res.builtin, include_status)
        old_fields = field_set(old, res.builtin, include_status) if old else set()
        changed = {p for p in new_fields
                   if old is None or p not in old_fields or _differs(old, new, p)}
        gone = old_fields - new_fields
        previous = set()
        for entry in entries:
            if _entry_id(entry) == _entry_id(mine):
                previous = from_fields_v1(entry.get("fieldsV1"))
        fields = ((previous - gone) | changed) & new_fields
        for entry in entries:
            if _entry_id(entry) != _entry_id(mine) and entry.get("fieldsV1"):
                kept = from_fields_v1(entry["fieldsV1"]) - changed - gone
                entry["fieldsV1"] = to_fields_v1(kept) if kept else None
    _write(meta, entries, mine, fields, when)


def _differs(old, new, path):
    try:
        return value_at(old, path) != value_at(new, path)
    except KeyError:
        return True


def apply(write, res, live, subresource):
    """The object a server-side apply of write.applied onto live makes
    (managedFields are recorded afterwards by record()); raises the 409 of
    kube-apiserver's field manager on conflicts without force."""
    include_status = subresource == "status" or not res.status
    applied = field_set(write.applied, res.builtin, include_status)
    entries = _entries(live.get("metadata", {}))
    conflicts = []
    for entry in entries:
        if entry.get("manager") == write.manager and entry.get("operation") == "Apply":
            continue
        owned = from_fields_v1(entry.get("fieldsV1"))
        for path in sorted(applied & owned):
            if path[-1] != "." and _differs(live, write.applied, path):
                conflicts.append((entry, path))
    if conflicts and not write.force:
        raise conflict_error(conflicts)
    taken = {path for _, path in conflicts}
    previous, others = set(), set()
    for entry in entries:
        owned = from_fields_v1(entry.get("fieldsV1"))
        if entry.get("manager") == write.manager and entry.get("operation") == "Apply":
            previous = owned
        else:
            others |= owned - taken
    merge = patch.apply_strategic_merge_patch if res.builtin else patch.apply_merge_patch
    result = merge(live, write.applied)
    deepest_first = lambda p: len(p) - (p[-1] == ".")
    for path in sorted(previous - applied - others, key=deepest_first, reverse=True):
        if path[-1] != ".":
            remove_at(result, path)
            continue
        try:        # a map or list item goes only once nothing is left in it
            emptied = value_at(result, path[:-1]) in ({}, [])
        except KeyError:
            emptied = False
        if emptied or path[-2][0] in "kv":
            remove_at(result, path[:-1])
    return result


def conflict_error(conflicts):
    causes = [{"reason": "FieldManagerConflict", "message": "conflict with " + _describe(e),
               "field": path_string(p)} for e, p in conflicts]
    if len(conflicts) == 1:
        entry, path = conflicts[0]
        message = "Apply failed with 1 conflict: conflict with %s: %s" % (_describe(entry),
                                                                          path_string(path))
    else:
        by_manager = {}
        for entry, path in conflicts:
            by_manager.setdefault(_describe(entry), []).append(path_string(path))
        lines = []
        for who in sorted(by_manager):
            lines.append("conflicts with %s:" % who)
            lines.extend("- " + p for p in by_manager[who])
        message = "Apply failed with %d conflicts: %s" % (len(conflicts), "\n".join(lines))
    return ApiError(409, "Conflict", message, {"causes": causes})
