"""Reading and writing nested fields of JSON-shaped objects."""


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
