"""Label selectors: the string syntax of k8s.io/apimachinery/pkg/labels.

  key, !key, key=v, key==v, key!=v, key in (a,b), key notin (a,b), key>n, key<n

Requirements are ANDed. `!=` and `notin` also match objects without the key,
as in Kubernetes.
"""
import re

from .errors import bad_request

_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?"
_QUALIFIED = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                        + _NAME + "$")
_VALUE = re.compile("^(" + _NAME + ")?$")
_OPERATORS = ("==", "!=", "=", "<", ">", "(", ")", ",", "!")


class Requirement:
    def __init__(self, key, op, values=()):
        self.key = key
        self.op = op              # exists, !, =, !=, in, notin, <, >
        self.values = list(values)

    def matches(self, labels):
        present = self.key in labels
        value = labels.get(self.key)
        if self.op == "exists":
            return present
        if self.op == "!":
            return not present
        if self.op in ("=", "in"):
            return present and value in self.values
        if self.op in ("!=", "notin"):
            return not present or value not in self.values
        if not present:
            return False
        try:
            have, want = int(value), int(self.values[0])
        except ValueError:
            return False
        return have < want if self.op == "<" else have > want


class Selector:
    def __init__(self, requirements):
        self.requirements = requirements

    def empty(self):
        return not self.requirements

    def matches(self, labels):
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)


EVERYTHING = Selector([])


def _tokens(text):
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        two = text[i:i + 2]
        if two in ("==", "!="):
            yield two
            i += 2
            continue
        if c in "=<>(),!":
            yield c
            i += 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] not in "=<>(),!":
            j += 1
        yield text[i:j]
        i = j


def _fail(text, why):
    raise bad_request("unable to parse requirement: %s" % why)


def _check_key(key):
    if not key or not _QUALIFIED.match(key) or len(key.rpartition("/")[2]) > 63:
        _fail(key, 'Invalid value: "%s": name part must consist of alphanumeric '
              "characters, '-', '_' or '.', and must start and end with an "
              "alphanumeric character" % key)


def _check_value(value):
    if len(value) > 63 or not _VALUE.match(value):
        _fail(value, 'Invalid value: "%s": a valid label must be an empty string or '
              "consist of alphanumeric characters, '-', '_' or '.', and must start "
              "and end with an alphanumeric character" % value)


def parse(text):
    """Parse a labelSelector query value; raises a 400 ApiError when malformed."""
    if text is None or not text.strip():
        return EVERYTHING
    toks = list(_tokens(text))
    pos = 0
    reqs = []

    def peek():
        return toks[pos] if pos < len(toks) else None

    while pos < len(toks):
        tok = toks[pos]
        if tok == "!":
            pos += 1
            key = peek()
            if key is None or key in _OPERATORS:
                _fail(text, "found '%s', expected: identifier" % (key or "EOF"))
            _check_key(key)
            pos += 1
            reqs.append(Requirement(key, "!"))
        else:
            if tok in _OPERATORS:
                _fail(text, "found '%s', expected: !, identifier, or 'end of string'" % tok)
            key = tok
            _check_key(key)
            pos += 1
            op = peek()
            if op is None or op == ",":
                reqs.append(Requirement(key, "exists"))
            elif op in ("=", "==", "!=", "<", ">"):
                pos += 1
                value = peek()
                if value is None or value == ",":
                    value = ""
                elif value in _OPERATORS:
                    _fail(text, "found '%s', expected: identifier" % value)
                else:
                    pos += 1
                if op in ("<", ">"):
                    if not re.match(r"^-?\d+$", value):
                        _fail(text, "for 'Gt', 'Lt' operators, the value must be an integer")
                else:
                    _check_value(value)
                reqs.append(Requirement(key, {"==": "="}.get(op, op), [value]))
            elif op in ("in", "notin"):
                pos += 1
                if peek() != "(":
                    _fail(text, "found '%s', expected: '('" % (peek() or "EOF"))
                pos += 1
                values = []
                while True:
                    value = peek()
                    if value is None:
                        _fail(text, "found 'EOF', expected: ')'")
                    if value == ")":
                        pos += 1
                        break
                    if value == ",":
                        values.append("")
                        pos += 1
                        continue
                    _check_value(value)
                    values.append(value)
                    pos += 1
                    if peek() == ",":
                        pos += 1
                        if peek() == ")":
                            values.append("")
                if not values:
                    _fail(text, "for 'in', 'notin' operators, values set can't be empty")
                reqs.append(Requirement(key, op, values))
            else:
                _fail(text, "found '%s', expected: in, notin, =, ==, !=, gt, lt" % op)
        if pos < len(toks):
            if toks[pos] != ",":
                _fail(text, "found '%s', expected: ',' or 'end of string'" % toks[pos])
            pos += 1
            if pos >= len(toks):
                _fail(text, "found 'EOF', expected: identifier")
    return Selector(reqs)


def selector_from_label_selector(spec):
    """Selector from a metav1.LabelSelector object (matchLabels/matchExpressions)."""
    reqs = []
    for key, value in sorted((spec.get("matchLabels") or {}).items()):
        reqs.append(Requirement(key, "=", [value]))
    ops = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
    for expr in spec.get("matchExpressions") or []:
        reqs.append(Requirement(expr.get("key", ""), ops.get(expr.get("operator"), "in"),
                                expr.get("values") or []))
    return Selector(reqs)
