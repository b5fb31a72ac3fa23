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
import json
from json.encoder import encode_basestring_ascii as _encode_string

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
    if key is None:     # ports: server-side apply keys them by number and protocol
        key = (patch._ports_key(items), "protocol")   # noqa: SLF001 - the patches' rule
    return key


def _json(value):
    if isinstance(value, str):
        return _encode_string(value)     # the C encoder json.dumps ends in
    return json.dumps(value, separators=(",", ":"))


def _item_element(key, item):
    if key == "v":
        return "v:" + _json(item)
    if not isinstance(item, dict):
        return None
    if isinstance(key, tuple):      # several keys; a missing protocol means TCP
        values = [item.get(k, "TCP" if k == "protocol" else None) for k in key]
        if None in values:
            return None
        return "k:{%s}" % ",".join('"%s":%s' % (k, _json(v)) for k, v in zip(key, values))
    if key not in item:
        return None
    return 'k:{"%s":%s}' % (key, _json(item[key]))


def field_values(obj, builtin, include_status=True):
    """{leaf path: value} of obj (apiVersion, kind and system metadata
    excluded); the "." path of a map or list item has the value _OWNED."""
    out = {}
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


def fields_tree(obj, builtin, include_status=True):
    """to_fields_v1(field_values(obj, ...)) (same tree, same order), built
    in one walk without the paths: what a create records."""
    tree = {}
    for key, value in obj.items():
        if key in ("apiVersion", "kind") or (key == "status" and not include_status):
            continue
        if key == "metadata":
            owned = [(k, v) for k, v in (value or {}).items() if k not in _UNOWNED_META]
            if owned:
                node = tree.setdefault("f:metadata", {})
                for mkey, mvalue in owned:
                    _grow(mvalue, False, mkey, builtin, node.setdefault("f:" + mkey, {}))
            continue
        _grow(value, True, key, builtin, tree.setdefault("f:" + key, {}))
    return tree


def _grow(value, top, field, builtin, node):
    """_walk's paths below node (value's own), added to the tree."""
    if isinstance(value, dict) and value:
        if not top or not builtin:
            node.setdefault(".", {})
        for key, item in value.items():
            _grow(item, False, key, builtin, node.setdefault("f:" + key, {}))
        return
    if isinstance(value, list) and value:
        key = _merge_key(field, value, builtin)
        elements = [_item_element(key, item) for item in value] if key else [None]
        if key and None not in elements:
            for element, item in zip(elements, value):
                child = node.setdefault(element, {})
                if isinstance(item, dict):
                    child.setdefault(".", {})
                    for k, v in item.items():
                        _grow(v, False, k, builtin, child.setdefault("f:" + k, {}))


def field_set(obj, builtin, include_status=True):
    """The leaf paths of obj (see field_values)."""
    return set(field_values(obj, builtin, include_status))


_OWNED = object()


def _walk(value, path, field, builtin, out):
    if isinstance(value, dict) and value:
        if len(path) > 1 or not builtin:    # maps (not Go structs) are owned themselves
            out[path + (".",)] = _OWNED
        for key, item in value.items():
            _walk(item, path + ("f:" + key,), key, builtin, out)
        return
    if isinstance(value, list) and value:
        key = _merge_key(field, value, builtin)
        elements = [_item_element(key, item) for item in value] if key else [None]
        if key and None not in elements:
            for element, item in zip(elements, value):
                if isinstance(item, dict):
                    out[path + (element, ".")] = _OWNED
                    for k, v in item.items():
                        _walk(v, path + (element, "f:" + k), k, builtin, out)
                else:
                    out[path + (element,)] = _OWNED
            return
    out[path] = value


def _changed(old_values, new_values):
    """Paths new sets that old did not have, or had with another value."""
    return {p for p, v in new_values.items()
            if p not in old_values or (v is not _OWNED and old_values[p] != v)}


def _same_but_managed_fields(old, new):
    if old.keys() != new.keys():
        return False
    for key, value in old.items():
        if key != "metadata":
            if new[key] != value:
                return False
            continue
        old_meta, new_meta = value or {}, new[key] or {}
        if {k: v for k, v in old_meta.items() if k != "managedFields"} != \
                {k: v for k, v in new_meta.items() if k != "managedFields"}:
            return False
    return True


def to_fields_v1(paths):
    tree = {}
    for path in paths:
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


def _keyed(item, wanted):
    """Whether a list item has the key values of a k: element."""
    return isinstance(item, dict) and all(
        item.get(k, "TCP" if k == "protocol" else None) == v for k, v in wanted.items())


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
                if (kind == "v" and item == wanted) or (kind == "k" and _keyed(item, wanted)):
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


def _write(meta, entries, mine, fields, when, tree=None):
    """Store entries plus this write's own entry (merged with its old one):
    the paths fields own, or tree (their FieldsV1 form) when given."""
    out, previous = [], None
    for entry in entries:
        if _entry_id(entry) == _entry_id(mine):
            previous = entry
        elif entry.get("fieldsV1"):
            out.append(entry)
    if tree is None and fields:
        tree = to_fields_v1(fields)
    if tree:
        if previous is not None and previous.get("fieldsV1") == tree:
            out.append(previous)        # nothing new: keep its time (no-op writes stay no-ops)
        else:
            out.append(dict(mine, time=when, fieldsType="FieldsV1", fieldsV1=tree))
    if out:
        meta["managedFields"] = out
    else:
        meta.pop("managedFields", None)


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
    if old is not None and write.operation != "Apply" and _same_but_managed_fields(old, new):
        return
    meta = new.setdefault("metadata", {})
    mine = {"manager": write.manager, "operation": write.operation,
            "apiVersion": res.api_version}
    if subresource:
        mine["subresource"] = subresource
    entries = [dict(e) for e in _entries(meta)]     # never change the stored object's
    include_status = subresource == "status" or not res.status
    if old is None:     # a create: the creator owns everything it wrote
        if write.operation != "Apply":
            tree = fields_tree(new, res.builtin, include_status)
            _write(meta, [], mine, None, when, tree)
        else:
            _write(meta, [], mine, field_values(write.applied, res.builtin, include_status),
                   when)
        return
    if write.operation == "Apply":
        new_values = field_values(new, res.builtin, include_status)
        changed = _changed(field_values(old, res.builtin, include_status), new_values)
        fields = field_set(write.applied, res.builtin, include_status)
        taken = fields & changed    # values the apply changed (forced conflicts)
        gone = set()
    else:
        diff = _Diff(old, new, res.builtin, include_status)
        changed, gone = diff.changed, diff.gone
        previous = set()
        for entry in entries:
            if _entry_id(entry) == _entry_id(mine):
                previous = from_fields_v1(entry.get("fieldsV1"))
        fields = diff.in_new((previous - gone) | changed)
        taken = changed
    for entry in entries:
        if _entry_id(entry) != _entry_id(mine) and entry.get("fieldsV1") and (taken or gone):
            owned = from_fields_v1(entry["fieldsV1"])
            if owned & taken or owned & gone:      # else the entry stays as it is
                kept = owned - taken - gone
                entry["fieldsV1"] = to_fields_v1(kept) if kept else None
    _write(meta, entries, mine, fields, when)


_MISSING = object()


class _Diff:
    """What an update changed, field by field: the same paths field_values
    of both objects would give, but fields (top-level ones, metadata's)
    equal in old and new are not walked (a status write walks status only).

    changed: paths new sets that old did not have or had with another value;
    gone: paths of old that new lacks; in_new(paths): those new has."""

    def __init__(self, old, new, builtin, include_status):
        self.new, self.builtin, self.include_status = new, builtin, include_status
        self.changed, self.gone = set(), set()
        self.walked = {}        # unit -> the paths new has under it
        old_meta, new_meta = old.get("metadata") or {}, new.get("metadata") or {}
        units = [(("f:" + k,), k, old.get(k, _MISSING), new.get(k, _MISSING))
                 for k in _keys(old, new) if self._owned_top(k)]
        units += [(("f:metadata", "f:" + k), k, old_meta.get(k, _MISSING),
                   new_meta.get(k, _MISSING))
                  for k in _keys(old_meta, new_meta) if k not in _UNOWNED_META]
        for prefix, field, old_value, new_value in units:
            if old_value is _MISSING and new_value is _MISSING:
                continue
            if old_value is not _MISSING and new_value is not _MISSING and \
                    old_value == new_value:
                continue
            old_paths = self._walk(prefix, field, old_value)
            new_paths = self._walk(prefix, field, new_value)
            self.walked[prefix] = new_paths
            self.changed |= _changed(old_paths, new_paths)
            self.gone |= set(old_paths) - set(new_paths)

    def _owned_top(self, key):
        return key not in ("apiVersion", "kind", "metadata") and \
            (key != "status" or self.include_status)

    def _walk(self, prefix, field, value):
        out = {}
        if value is not _MISSING:
            _walk(value, prefix, field, self.builtin, out)
        return out

    def in_new(self, paths):
        """The paths (a set) new has."""
        prefixes = {p[:2] if p[:1] == ("f:metadata",) else p[:1] for p in paths}
        known = set()
        for prefix in prefixes:
            known.update(self._new_paths(prefix))
        return paths & known

    def _new_paths(self, prefix):
        paths = self.walked.get(prefix)
        if paths is not None:
            return paths
        if not prefix:
            return {}
        if len(prefix) == 2:     # ("f:metadata", "f:<field>")
            field = prefix[1][2:]
            ok = prefix[1][:2] == "f:" and field not in _UNOWNED_META
            value = (self.new.get("metadata") or {}).get(field, _MISSING)
        else:
            field = prefix[0][2:]
            ok = prefix[0][:2] == "f:" and self._owned_top(field)
            value = self.new.get(field, _MISSING)
        # a field the update did not change: walked only when asked about
        paths = self.walked[prefix] = self._walk(prefix, field, value) if ok else {}
        return paths


def _keys(old, new):
    """The keys of old, then those only new has."""
    return list(old) + [k for k in new if k not in old]


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
    result = merge(live, write.applied, in_place=True)     # live: the writer's own copy
    doomed = previous - applied - others
    is_item = lambda p: p[-1] == "." and len(p) > 1 and p[-2][0] in "kv"
    for path in [p for p in doomed if is_item(p)]:     # whole list items first
        remove_at(result, path[:-1])
    deepest_first = lambda p: len(p) - (p[-1] == ".")
    for path in sorted((p for p in doomed if not is_item(p)), key=deepest_first,
                       reverse=True):
        if path[-1] != ".":
            remove_at(result, path)
            continue
        try:        # a map goes only once nothing is left in it
            emptied = value_at(result, path[:-1]) in ({}, [])
        except KeyError:
            emptied = False
        if emptied:
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
