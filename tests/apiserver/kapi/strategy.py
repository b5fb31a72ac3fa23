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
import copy
import datetime
import random
import re
import uuid

from .errors import FieldError, invalid
from .objpath import dig as _get

# k8s.io/apiserver names.SimpleNameGenerator: no vowels, no ambiguous digits.
_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_MAX_GENERATED_PREFIX = 58

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

DNS1123_LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric "
                     "characters or '-', and must start and end with an alphanumeric "
                     "character (e.g. 'my-name',  or '123-abc', regex used for validation "
                     "is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
DNS1123_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case "
                         "alphanumeric characters, '-' or '.', and must start and end with "
                         "an alphanumeric character (e.g. 'example.com', regex used for "
                         "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]"
                         "([-a-z0-9]*[a-z0-9])?)*')")
DNS1035_LABEL_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters "
                     "or '-', start with an alphabetic character, and end with an "
                     "alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used "
                     "for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
QUALIFIED_NAME_MSG = ("name part must consist of alphanumeric characters, '-', '_' or '.', "
                      "and must start and end with an alphanumeric character (e.g. "
                      "'MyName',  or 'my.name',  or '123-abc', regex used for validation "
                      "is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric "
                   "characters, '-', '_' or '.', and must start and end with an "
                   "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "
                   "regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?"
                   "[A-Za-z0-9])?')")

POD_UPDATE_FORBIDDEN = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
    "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
    "(allow it to be set to 1 if it was previously negative)")


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def timestamp(when=None):
    """RFC 3339 with second precision, as metav1.Time serializes."""
    return (when or now()).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)


def new_uid():
    return str(uuid.uuid4())


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
    """Structural defaults: a default applies when its parent object exists."""
    for path, value in res.defaults:
        parent = obj
        for part in path[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None
        if isinstance(parent, dict) and path[-1] not in parent:
            parent[path[-1]] = copy.deepcopy(value)
    if res.builtin:
        _BUILTIN_DEFAULTS.get(res.plural, lambda o: None)(obj)


def _image_pull_policy(image):
    name = (image or "").split("@")[0]
    tag = name.rpartition(":")[2] if ":" in name.rpartition("/")[2] else ""
    if "@" in (image or ""):
        return "IfNotPresent"
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _default_containers(containers):
    for c in containers or []:
        if not isinstance(c, dict):
            continue
        c.setdefault("terminationMessagePath", "/dev/termination-log")
        c.setdefault("terminationMessagePolicy", "File")
        c.setdefault("imagePullPolicy", _image_pull_policy(c.get("image")))
        c.setdefault("resources", {})
        for port in c.get("ports") or []:
            if isinstance(port, dict):
                port.setdefault("protocol", "TCP")


def _default_pod(obj):
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("serviceAccountName", "default")
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    spec.setdefault("priority", 0)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    _default_containers(spec.get("containers"))
    _default_containers(spec.get("initContainers"))


def _default_service(obj):
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    spec.setdefault("internalTrafficPolicy", "Cluster")
    spec.setdefault("ipFamilyPolicy", "SingleStack")
    spec.setdefault("ipFamilies", ["IPv4"])
    for port in spec.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            if "port" in port:
                port.setdefault("targetPort", port["port"])


def _default_namespace(obj):
    meta = metadata(obj)
    if meta.get("name"):
        meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta["name"]


_BUILTIN_DEFAULTS = {"pods": _default_pod, "services": _default_service,
                     "namespaces": _default_namespace}


def _qos_class(spec):
    containers = [c for c in (spec.get("containers") or []) if isinstance(c, dict)]
    requests_any = limits_all = False
    guaranteed = bool(containers)
    for c in containers:
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        if req or lim:
            requests_any = True
        for kind in ("cpu", "memory"):
            if kind not in lim or req.get(kind, lim.get(kind)) != lim.get(kind):
                guaranteed = False
        limits_all = limits_all or bool(lim)
    if not requests_any and not limits_all:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


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
    if res.plural == "pods":
        spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
        obj["status"] = {"phase": "Pending", "qosClass": _qos_class(spec)}
    elif res.plural == "services":
        obj["status"] = {"loadBalancer": {}}
    elif res.plural == "namespaces":
        obj["spec"] = {"finalizers": ["kubernetes"]}
        obj["status"] = {"phase": "Active"}


# -------------------------------------------------------------------- update

def _without(obj, keys):
    return {k: v for k, v in obj.items() if k not in keys}


def generation_changed(res, old, new):
    ignored = ("metadata", "status") if res.status else ("metadata",)
    return _without(old, ignored) != _without(new, ignored)


def prepare_update(res, old, new):
    """Make new a valid successor of old for a main-resource write."""
    meta, old_meta = metadata(new), old.get("metadata", {})
    for field in _SYSTEM_FIELDS:
        if field in old_meta:
            meta[field] = copy.deepcopy(old_meta[field])
        else:
            meta.pop(field, None)
    if res.status:
        if "status" in old:
            new["status"] = copy.deepcopy(old["status"])
        else:
            new.pop("status", None)
    if res.plural == "namespaces":
        new["spec"] = copy.deepcopy(old.get("spec", {}))
    if res.plural == "services":
        _keep_allocated_ips(old, new)
    if res.generation and generation_changed(res, old, new):
        meta["generation"] = old_meta.get("generation", 0) + 1


def _keep_allocated_ips(old, new):
    spec, old_spec = new.get("spec"), old.get("spec") or {}
    if isinstance(spec, dict):
        for field in ("clusterIP", "clusterIPs"):
            if not spec.get(field) and old_spec.get(field):
                spec[field] = copy.deepcopy(old_spec[field])


def prepare_status_update(res, old, new):
    """A status-subresource write: everything but status comes from old."""
    result = copy.deepcopy(old)
    if "status" in new:
        result["status"] = copy.deepcopy(new["status"])
    else:
        result.pop("status", None)
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


def _qualified_name_errors(field, key):
    prefix, _, name = key.rpartition("/")
    if "/" in key and (not prefix or len(prefix) > 253 or not _DNS1123_SUBDOMAIN.match(prefix)):
        return [FieldError("Invalid", field, key, "prefix part " + DNS1123_SUBDOMAIN_MSG)]
    if not name:
        return [FieldError("Invalid", field, key, "name part must be non-empty")]
    if len(name) > 63:
        return [FieldError("Invalid", field, key, "name part must be no more than 63 characters")]
    if not _QUALIFIED_NAME.match(name):
        return [FieldError("Invalid", field, key, QUALIFIED_NAME_MSG)]
    return []


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
                               "may not be more than 262144 bytes"))
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


def _validate_pod(obj, old):
    spec = obj.get("spec")
    errs = []
    if not isinstance(spec, dict):
        return [FieldError("Required", "spec", None, "")]
    containers = spec.get("containers")
    if not containers:
        errs.append(FieldError("Required", "spec.containers", None, ""))
    for group in ("initContainers", "containers"):
        seen = set()
        for i, c in enumerate(spec.get(group) or []):
            path = "spec.%s[%d]" % (group, i)
            name = c.get("name") if isinstance(c, dict) else None
            if not name:
                errs.append(FieldError("Required", path + ".name", None, ""))
            elif not _DNS1123_LABEL.match(name) or len(name) > 63:
                errs.append(FieldError("Invalid", path + ".name", name, DNS1123_LABEL_MSG))
            elif name in seen:
                errs.append(FieldError("Duplicate", path + ".name", name))
            seen.add(name)
            if not isinstance(c, dict) or not c.get("image"):
                errs.append(FieldError("Required", path + ".image", None, ""))
    if old is not None and isinstance(old.get("spec"), dict):
        errs.extend(_pod_spec_update_errors(old["spec"], spec))
    return errs


def _pod_spec_update_errors(old_spec, new_spec):
    """Pods are mostly immutable: only images, activeDeadlineSeconds,
    tolerations and terminationGracePeriodSeconds may change."""
    mutable = copy.deepcopy(new_spec)
    allowed = copy.deepcopy(old_spec)
    for group in ("containers", "initContainers"):
        for old_c, new_c in zip(allowed.get(group) or [], mutable.get(group) or []):
            if isinstance(old_c, dict) and isinstance(new_c, dict):
                old_c["image"] = new_c.get("image")
    for field in ("activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds",
                  "schedulingGates"):
        if field in mutable:
            allowed[field] = mutable[field]
        else:
            allowed.pop(field, None)
    if allowed != mutable:
        return [FieldError("Forbidden", "spec", None, POD_UPDATE_FORBIDDEN)]
    return []


def _validate_event(obj, old):
    involved = obj.get("involvedObject") or {}
    ns = obj.get("metadata", {}).get("namespace")
    if involved.get("namespace") and involved["namespace"] != ns:
        return [FieldError("Invalid", "involvedObject.namespace", involved["namespace"],
                           "does not match event.namespace")]
    return []


def _validate_scale_replicas(res, obj, old):
    if not res.scale:
        return []
    value = _get(obj, *res.scale["spec"])
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        return [FieldError("Invalid", ".".join(res.scale["spec"]), value,
                           "must be of type integer")]
    if isinstance(value, int) and value < 0:
        return [FieldError("Invalid", ".".join(res.scale["spec"]), value,
                           "should be greater than or equal to 0")]
    return []


_KIND_VALIDATORS = {"pods": _validate_pod, "events": _validate_event}


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
        errs += _KIND_VALIDATORS.get(res.plural, lambda o, p: [])(obj, old)
    errs += _validate_scale_replicas(res, obj, old)
    if errs:
        raise invalid(res, meta.get("name") or meta.get("generateName", ""), errs)
