"""CRD structural schemas, applied as kube-apiserver's apiextensions-apiserver
does: pruning of unknown fields, defaulting, and OpenAPI v3 validation with
its error wording (k8s.io/apiextensions-apiserver/pkg/apiserver/validation
turning go-openapi errors into field errors).

The schemas come from the CRD files users install (charts/warmpool/crds), so
there is one source of truth: load_crds() reads them.
"""
import datetime
import os
import re

from . import yamlsub
from .errors import ApiError, FieldError
from .objpath import jcopy

DEFAULT_CRD_DIR = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "charts", "warmpool", "crds"))

# metav1.ObjectMeta's JSON fields: anything else in metadata is unknown.
OBJECT_META_FIELDS = frozenset([
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion",
    "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
    "labels", "annotations", "ownerReferences", "finalizers", "managedFields"])

_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


# -------------------------------------------------------------------- loading

def load_crds(directory=None):
    """Every CustomResourceDefinition in directory (*.yaml), in file order."""
    directory = directory or os.environ.get("WP_CRD_DIR") or DEFAULT_CRD_DIR
    crds = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith((".yaml", ".yml")):
            continue
        with open(os.path.join(directory, name), encoding="utf-8") as f:
            for doc in yamlsub.load_all(f.read()):
                if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                    crds.append(doc)
    return crds


# -------------------------------------------------------------------- pruning

def _child(path, name):
    return name if not path else "%s.%s" % (path, name)


def prune(schema, obj):
    """Remove the fields schema does not know from obj (in place), as
    kube-apiserver does on decoding; returns their paths."""
    pruned = []
    if not isinstance(obj, dict):
        return pruned
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        for key in [k for k in meta if k not in OBJECT_META_FIELDS]:
            del meta[key]
            pruned.append("metadata." + key)
    props = schema.get("properties") or {}
    for key in list(obj):
        if key in ("apiVersion", "kind", "metadata"):
            continue
        if key not in props:
            del obj[key]
            pruned.append(key)
        else:
            _prune(props[key], obj[key], key, pruned)
    return pruned


def _prune(schema, value, path, pruned):
    if isinstance(value, dict):
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        preserve = schema.get("x-kubernetes-preserve-unknown-fields")
        for key in list(value):
            if props and key in props:
                _prune(props[key], value[key], _child(path, key), pruned)
            elif isinstance(extra, dict):
                _prune(extra, value[key], _child(path, key), pruned)
            elif not preserve and extra is not True:
                del value[key]
                pruned.append(_child(path, key))
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            _prune(schema["items"], item, "%s[%d]" % (path, i), pruned)


# ------------------------------------------------------------------ defaulting

def apply_defaults(schema, obj):
    """Structural defaulting (in place): a property's default applies when
    its object is present and the property is absent (or null and not
    nullable); nulls of non-nullable fields without a default are dropped."""
    _default(schema, obj)


def _default(schema, value):
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for key, prop in props.items():
            if key in value and value[key] is None and not prop.get("nullable"):
                del value[key]
            if key not in value and "default" in prop:
                value[key] = jcopy(prop["default"])
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in props:
                _default(props[key], item)
            elif isinstance(extra, dict):
                _default(extra, item)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            _default(schema["items"], item)


# ------------------------------------------------------------------ validation

def json_type(value):
    """go-openapi's name for a JSON value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _number(value):
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _type_ok(expected, value):
    actual = json_type(value)
    return actual == expected or (expected == "number" and actual == "integer")


def validate(schema, obj):
    """Field errors of obj against schema, in the order kube-apiserver
    reports them (apiVersion, kind and metadata are checked elsewhere)."""
    errs = []
    props = schema.get("properties") or {}
    for name in schema.get("required") or []:
        if name not in ("apiVersion", "kind", "metadata") and obj.get(name) is None:
            errs.append(FieldError("Required", name, None, ""))
    for key, prop in props.items():
        if key in ("apiVersion", "kind", "metadata") or key not in obj:
            continue
        _validate(prop, obj[key], key, errs)
    return errs


def _validate(schema, value, path, errs):
    expected = schema.get("type")
    if value is None and schema.get("nullable"):
        return
    if expected and not _type_ok(expected, value):
        actual = json_type(value)
        errs.append(FieldError("TypeInvalid", path, actual, "%s in body must be of type %s: "
                               '"%s"' % (path, expected, actual)))
        return
    if isinstance(value, str):
        _validate_string(schema, value, path, errs)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        _validate_number(schema, value, path, errs)
    if "enum" in schema and value not in schema["enum"]:
        errs.append(FieldError("NotSupported", path, value, "supported values: " + ", ".join(
            '"%s"' % v if isinstance(v, str) else str(v) for v in schema["enum"])))
    if isinstance(value, list):
        _validate_array(schema, value, path, errs)
    elif isinstance(value, dict):
        _validate_object(schema, value, path, errs)


def _validate_string(schema, value, path, errs):
    if schema.get("format") == "date-time" and not _is_date_time(value):
        errs.append(FieldError("TypeInvalid", path, value, '%s in body must be of type '
                               'date-time: "%s"' % (path, value)))
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        errs.append(FieldError("TooLong", path, value,
                               "may not be longer than %d" % schema["maxLength"]))
    if "minLength" in schema and len(value) < schema["minLength"]:
        errs.append(FieldError("Invalid", path, value, "%s in body should be at least %d "
                               "chars long" % (path, schema["minLength"])))
    if "pattern" in schema and not re.search(schema["pattern"], value):
        errs.append(FieldError("Invalid", path, value, "%s in body should match '%s'"
                               % (path, schema["pattern"])))


def _is_date_time(text):
    if not _DATE_TIME.match(text):
        return False
    try:
        datetime.datetime.strptime(text[:19].replace("t", "T").replace(" ", "T"),
                                   "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return False
    return True


def _validate_number(schema, value, path, errs):
    checks = (("minimum", "exclusiveMinimum", "greater than", lambda v, b: v < b,
               lambda v, b: v <= b),
              ("maximum", "exclusiveMaximum", "less than", lambda v, b: v > b,
               lambda v, b: v >= b))
    for key, exclusive_key, words, below, at_or_below in checks:
        if key not in schema:
            continue
        bound, exclusive = schema[key], schema.get(exclusive_key)
        if (at_or_below if exclusive else below)(value, bound):
            errs.append(FieldError("Invalid", path, value, "%s in body should be %s%s %s"
                                   % (path, words, "" if exclusive else " or equal to",
                                      _number(bound))))


def _validate_array(schema, value, path, errs):
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        errs.append(FieldError("TooMany", path, len(value),
                               "must have at most %d items" % schema["maxItems"]))
    if "minItems" in schema and len(value) < schema["minItems"]:
        errs.append(FieldError("Invalid", path, len(value), "%s in body should have at least "
                               "%d items" % (path, schema["minItems"])))
    items = schema.get("items")
    if isinstance(items, dict):
        for i, item in enumerate(value):
            _validate(items, item, "%s[%d]" % (path, i), errs)


def _validate_object(schema, value, path, errs):
    for name in schema.get("required") or []:
        if value.get(name) is None:
            errs.append(FieldError("Required", _child(path, name), None, ""))
    props = schema.get("properties") or {}
    for key, prop in props.items():
        if key in value:
            _validate(prop, value[key], _child(path, key), errs)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for key in sorted(value):
            if key not in props:
                _validate(extra, value[key], _child(path, key), errs)


# ------------------------------------------------------------ request decoding

def check_unknown_fields(res, pruned, directive, warnings, apply=False):
    """What a request's fieldValidation directive makes of pruned fields:
    Strict refuses them (400), Ignore drops them silently, Warn (the
    default) drops them with one Warning header each. Server-side apply
    words the refusal as structured-merge-diff does."""
    if not pruned or directive == "Ignore":
        return
    unknown = ['unknown field "%s"' % p for p in sorted(pruned)]
    if directive == "Strict" and apply:
        errs = [".%s: field not declared in schema" % p for p in sorted(pruned)]
        raise ApiError(400, "BadRequest", "failed to create typed patch object (%s/%s, Kind=%s): "
                       "%s" % (res.group, res.version, res.kind, errs[0] if len(errs) == 1 else
                          "errors:\n  " + "\n  ".join(errs)))
    if directive == "Strict":
        raise ApiError(400, "BadRequest", '%s in version "%s" cannot be handled as a %s: '
                       "strict decoding error: %s" % (res.kind, res.version, res.kind,
                                                      ", ".join(unknown)))
    warnings.extend(w for w in unknown if w not in warnings)
