"""Decoding request bodies with kube-apiserver's limits.

kube-apiserver's JSON decoder (sigs.k8s.io/json, from Go's encoding/json)
refuses documents nested deeper than 10000 levels with "exceeded max depth";
Python's json module would raise RecursionError instead (a 500). The depth is
measured before parsing, so nothing below ever recurses deeper than the
limit; allow_deep_recursion() raises the interpreter's limits so that
documents up to the limit work end to end, as on a real server."""
import json
import re
import sys
import threading

MAX_DEPTH = 10000

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
# A document shorter than this cannot nest past the limit.
_SHORT = 2 * MAX_DEPTH


class TooDeep(ValueError):
    pass


def allow_deep_recursion():
    """Let MAX_DEPTH-deep objects be copied, compared and encoded (call once,
    before the server starts its threads)."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 8 * MAX_DEPTH))
    threading.stack_size(64 * 1024 * 1024)


def json_depth(data):
    """The deepest nesting of [ and { in a JSON text (bytes)."""
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKET)
    depth = deepest = 0
    for byte in brackets:
        if byte in (0x5B, 0x7B):
            depth += 1
            if depth > deepest:
                deepest = depth
        else:
            depth -= 1
    return deepest


def _reject_constant(name):
    raise ValueError("invalid character '%s' looking for beginning of value" % name[0])


def loads(data):
    """json.loads with Go's depth limit (TooDeep) and without NaN/Infinity
    (ValueError); data is bytes or str."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if len(data) > _SHORT and json_depth(data) > MAX_DEPTH:
        raise TooDeep("exceeded max depth")
    try:
        return json.loads(data, parse_constant=_reject_constant)
    except RecursionError:
        raise TooDeep("exceeded max depth")
