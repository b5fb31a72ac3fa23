"""What the API server does to an object on create, update, status and scale
writes: system metadata, defaults, generation, and validation.

Rules follow kube-apiserver's registry strategies:
- create: uid, creationTimestamp, generation 1 (kinds that track it); status
  dropped for kinds with a status subresource (pods start Pending).
- update: system fields come from the stored object; with a status
  subresource the main resource cannot change status and the status
  subresource can change nothing but status.
- generation: +1 when anything outside metadata and status changes (kinds with
  a status subresource) or outside metadata (kinds without one), and when the
  object starts being deleted.
"""
import datetime
import random
import uuid

from . import corekinds, schema
from .errors import FieldError, invalid
from .names import (DNS1035_LABEL as _DNS1035_LABEL, DNS1035_LABEL_MSG,
                    DNS1123_LABEL as _DNS1123_LABEL, DNS1123_LABEL_MSG,
                    DNS1123_SUBDOMAIN as _DNS1123_SUBDOMAIN, DNS1123_SUBDOMAIN_MSG,
                    LABEL_VALUE as _LABEL_VALUE, LABEL_VALUE_MSG,
                    qualified_name_errors as _qualified_name_errors)
from .objpath import dig as _get, jcopy

# k8s.io/apiserver names.SimpleNameGenerator: no vowels, no ambiguous digits.
_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_MAX_GENERATED_PREFIX = 58

def now():
    return datetime.datetime.now(datetime.timezone.utc)


def timestamp(when=None):
    """RFC 3339 with second precision, as metav1.Time serializes."""
    return (when or now()).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)


def new_uid():
    """A random (version 4) UUID without a system call per object (uuid4()
    reads os.urandom each time, which dominated the create path)."""
    return str(uuid.UUID(int=random.getrandbits(128), version=4))


def generate_name(prefix):
    prefix = prefix[:_MAX_GENERATED_PREFIX]
    return prefix + "".join(random.choice(_GENERATE_ALPHABET) for _ in range(5))


def metadata(obj):
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        meta = obj["metadata"] = {}
    return meta


# ------------------------------------------------------------------ defaults

def apply_defaults(res, obj):
    """Defaults: the CRD schema's (structural: where the parent exists) for
    custom resources, the registry's and admission's for built-in kinds."""
    if res.schema:      # again after a mutating webhook: its additions are pruned too
        schema.prune(res.schema, obj)
        schema.apply_defaults(res.schema, obj)
    if res.builtin:
        corekinds.apply_defaults(res, obj)


# -------------------------------------------------------------------- create

_SYSTEM_FIELDS = ("uid", "creationTimestamp", "generation", "deletionTimestamp",
                  "deletionGracePeriodSeconds", "resourceVersion", "selfLink",
                  "managedFields")


def prepare_create(res, obj):
    """System fields and initial status for a new object (name already set)."""
    meta = metadata(obj)
    for field in _SYSTEM_FIELDS:
        meta.pop(field, None)
    meta["uid"] = new_uid()
    meta["creationTimestamp"] = timestamp()
    if res.generation:
        meta["generation"] = 1
    if res.status and res.custom:
        obj.pop("status", None)
    if res.builtin:
        corekinds.on_create(res, obj)


# -------------------------------------------------------------------- update

def _without(obj, keys):
    return {k: v for k, v in obj.items() if k not in keys}


def generation_changed(res, old, new):
    ignored = ("metadata", "status") if res.status else ("metadata",)
    return _without(old, ignored) != _without(new, ignored)


def prepare_update(res, old, new):
    """Make new a valid successor of old for a main-resource write."""
    meta, old_meta = metadata(new), old.get("metadata", {})
    # old is a stored object (never changed), so its values are shared, not
    # copied: later steps replace them (managedFields) rather than edit them
    for field in _SYSTEM_FIELDS:
        if field in old_meta:
            meta[field] = old_meta[field]
        else:
            meta.pop(field, None)
    if res.status:
        if "status" in old:
            new["status"] = old["status"]
        else:
            new.pop("status", None)
    if res.plural == "namespaces":
        new["spec"] = jcopy(old.get("spec", {}))
    if res.plural == "services":
        _keep_allocated_ips(old, new)
    if res.generation and generation_changed(res, old, new):
        meta["generation"] = old_meta.get("generation", 0) + 1


def _keep_allocated_ips(old, new):
    spec, old_spec = new.get("spec"), old.get("spec") or {}
    if isinstance(spec, dict):
        for field in ("clusterIP", "clusterIPs"):
            if not spec.get(field) and old_spec.get(field):
                spec[field] = jcopy(old_spec[field])


def prepare_status_update(res, old, new):
    """A status-subresource write: everything but status comes from old.
    new is the writer's private copy; old is shared with the stored object,
    so it is copied only where this write changes it (top level, metadata)."""
    result = dict(old)
    result["metadata"] = dict(old.get("metadata") or {})
    if "status" in new:
        result["status"] = new["status"]
    else:
        result.pop("status", None)
    if res.builtin:
        corekinds.on_status_write(res, result)
    return result


def mark_deleting(obj, finalizers):
    """Set deletionTimestamp (and bump generation) on an object being deleted."""
    meta = metadata(obj)
    if "deletionTimestamp" not in meta and meta.get("generation", 0) > 0:
        meta["generation"] += 1
    meta["deletionTimestamp"] = timestamp()
    meta["deletionGracePeriodSeconds"] = 0
    meta["finalizers"] = finalizers


# ---------------------------------------------------------------- validation

def _validate_name(res, name, generate_name):
    errs = []
    if not name:
        if generate_name:
            return errs
        return [FieldError("Required", "metadata.name", None,
                           "name or generateName is required")]
    if res.plural == "namespaces":
        ok, msg, limit = _DNS1123_LABEL.match(name), DNS1123_LABEL_MSG, 63
    elif res.plural == "services":
        ok, msg, limit = _DNS1035_LABEL.match(name), DNS1035_LABEL_MSG, 63
    else:
        ok, msg, limit = _DNS1123_SUBDOMAIN.match(name), DNS1123_SUBDOMAIN_MSG, 253
    if len(name) > limit:
        errs.append(FieldError("Invalid", "metadata.name", name,
                               "must be no more than %d characters" % limit))
    if not ok:
        errs.append(FieldError("Invalid", "metadata.name", name, msg))
    return errs


def _string_map_errors(field, mapping, key_transform=str):
    """Errors for a map of qualified-name keys to strings; also yields its
    string entries for the caller's own value checks."""
    errs, entries = [], []
    if mapping is None:
        return errs, entries
    if not isinstance(mapping, dict):
        return [FieldError("Invalid", field, mapping, "must be a map")], entries
    for key, value in mapping.items():
        errs.extend(_qualified_name_errors(field, key_transform(key)))
        if isinstance(value, str):
            entries.append((key, value))
        else:
            errs.append(FieldError("Invalid", field, value, "must be a string"))
    return errs, entries


def _validate_labels(labels):
    errs, entries = _string_map_errors("metadata.labels", labels)
    for _, value in entries:
        if len(value) > 63:
            errs.append(FieldError("Invalid", "metadata.labels", value,
                                   "must be no more than 63 characters"))
        elif not _LABEL_VALUE.match(value):
            errs.append(FieldError("Invalid", "metadata.labels", value, LABEL_VALUE_MSG))
    return errs


def _validate_annotations(annotations):
    errs, entries = _string_map_errors("metadata.annotations", annotations, str.lower)
    if sum(len(k) + len(v) for k, v in entries) > 256 * 1024:
        errs.append(FieldError("TooLong", "metadata.annotations", None,
                               "must have at most 262144 bytes"))
    return errs


def _validate_owner_references(refs):
    errs = []
    if refs is None:
        return errs
    controllers = 0
    for i, ref in enumerate(refs if isinstance(refs, list) else []):
        path = "metadata.ownerReferences[%d]" % i
        if not isinstance(ref, dict):
            errs.append(FieldError("Invalid", path, ref, "must be an object"))
            continue
        for field in ("apiVersion", "kind", "name", "uid"):
            if not ref.get(field):
                errs.append(FieldError("Invalid", "%s.%s" % (path, field), ref.get(field, ""),
                                       "%s must not be empty" % field))
        if ref.get("controller"):
            controllers += 1
    if controllers > 1:
        errs.append(FieldError("Invalid", "metadata.ownerReferences", refs,
                               "Only one reference can have Controller set to true"))
    return errs


def _validate_scale_replicas(res, obj, old):
    if not res.scale or res.schema:     # the schema checks it
        return []
    value = _get(obj, *res.scale["spec"])
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        return [FieldError("Invalid", ".".join(res.scale["spec"]), value,
                           "must be of type integer")]
    if isinstance(value, int) and value < 0:
        return [FieldError("Invalid", ".".join(res.scale["spec"]), value,
                           "should be greater than or equal to 0")]
    return []




def validate(res, obj, old=None):
    """Raise a 422 Invalid ApiError listing every problem, or return."""
    meta = obj.get("metadata", {})
    errs = _validate_name(res, meta.get("name"), meta.get("generateName"))
    errs += _validate_labels(meta.get("labels"))
    errs += _validate_annotations(meta.get("annotations"))
    errs += _validate_owner_references(meta.get("ownerReferences"))
    finalizers = meta.get("finalizers") or []
    for i, fin in enumerate(finalizers):
        errs.extend(_qualified_name_errors("metadata.finalizers[%d]" % i, fin))
    if old is not None:
        for field in ("name", "namespace"):
            if meta.get(field) != old.get("metadata", {}).get(field):
                errs.append(FieldError("Invalid", "metadata." + field, meta.get(field),
                                       "field is immutable"))
    if old is not None and old.get("metadata", {}).get("deletionTimestamp"):
        added = [f for f in finalizers if f not in (old["metadata"].get("finalizers") or [])]
        if added:
            errs.append(FieldError(
                "Forbidden", "metadata.finalizers", None,
                "no new finalizers can be added if the object is being deleted, found new "
                "finalizers []string{%s}" % ", ".join('"%s"' % f for f in added)))
    if res.builtin:
        errs += corekinds.validate(res, obj, old)
    elif res.schema:
        errs += schema.validate(res.schema, obj)
    errs += _validate_scale_replicas(res, obj, old)
    if errs:
        raise invalid(res, meta.get("name") or meta.get("generateName", ""), errs)
