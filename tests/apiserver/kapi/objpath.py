"""Reading and writing nested fields of JSON-shaped objects."""
import copy


def dig(obj, *path):
    """obj[path[0]][path[1]]..., or None as soon as a step is missing."""
    for part in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def put(obj, path, value):
    """Set obj[path...] = value, creating intermediate objects."""
    for part in path[:-1]:
        obj = obj.setdefault(part, {})
    obj[path[-1]] = value


def jcopy(value):
    """A deep copy of a JSON value (dicts, lists, scalars); several times
    faster than copy.deepcopy, which pays for memo and dispatch tables that
    JSON trees (no cycles, no shared nodes that must stay shared) never need."""
    kind = type(value)
    if kind is dict:
        return {k: jcopy(v) if type(v) in _CONTAINERS else v for k, v in value.items()}
    if kind is list:
        return [jcopy(v) if type(v) in _CONTAINERS else v for v in value]
    if kind in _SCALARS:
        return value
    return copy.deepcopy(value)


_CONTAINERS = (dict, list)
_SCALARS = (str, int, float, bool, type(None))
