"""The JSONPath subset additionalPrinterColumns use: .a.b, [n], [*] and
[?(@.key=='value')] filters. Returns every match, in document order."""
import re

_STEP = re.compile(r"""\.([A-Za-z0-9_\-$]+)|\[(\d+|\*)\]|\[\?\(@\.([A-Za-z0-9_.\-]+)\s*==\s*['"]([^'"]*)['"]\)\]""")


def compile_path(path):
    steps, pos = [], 0
    path = path.strip()
    if path.startswith("{") and path.endswith("}"):
        path = path[1:-1]
    while pos < len(path):
        m = _STEP.match(path, pos)
        if not m:
            raise ValueError("unsupported JSONPath at %r" % path[pos:])
        if m.group(1) is not None:
            steps.append(("field", m.group(1)))
        elif m.group(2) is not None:
            steps.append(("index", m.group(2)))
        else:
            steps.append(("filter", m.group(3).split("."), m.group(4)))
        pos = m.end()
    return steps


def find(obj, steps):
    current = [obj]
    for step in steps:
        nxt = []
        for node in current:
            if step[0] == "field":
                if isinstance(node, dict) and step[1] in node:
                    nxt.append(node[step[1]])
            elif step[0] == "index":
                if isinstance(node, list):
                    if step[1] == "*":
                        nxt.extend(node)
                    elif int(step[1]) < len(node):
                        nxt.append(node[int(step[1])])
            else:
                if isinstance(node, list):
                    for item in node:
                        value = item
                        for part in step[1]:
                            value = value.get(part) if isinstance(value, dict) else None
                        if value is not None and str(value) == step[2]:
                            nxt.append(item)
        current = nxt
    return current
