"""A YAML reader for the subset Kubernetes manifests and CRDs use (the
standard library has none): block mappings and sequences, flow collections,
plain, single- and double-quoted scalars, literal and folded block scalars,
comments and `---` document separators. No anchors, aliases or tags.

Nesting is bounded (MAX_DEPTH) like kube-apiserver's decoders, so a hostile
document gets a YamlError, not a RecursionError."""
import json
import re

MAX_DEPTH = 10000


class YamlError(ValueError):
    pass


_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")


def _plain(text):
    if text in ("null", "Null", "NULL", "~", ""):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    return text


def _strip_comment(line):
    """The line without a trailing comment (a # outside quotes, after space)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
            elif ch == "\\" and quote == '"':
                continue
        elif ch in "\"'" and (i == 0 or line[i - 1] in " \t:[{,-"):
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


class _Flow:
    """Parser for one flow value ({...}, [...], or a scalar) in text."""

    def __init__(self, text, line_no):
        self.text, self.pos, self.line_no = text, 0, line_no

    def error(self, what):
        return YamlError("line %d: %s" % (self.line_no, what))

    def skip(self):
        while self.pos < len(self.text) and self.text[self.pos] in " \t\n":
            self.pos += 1

    def value(self, depth=0):
        if depth > MAX_DEPTH:
            raise self.error("exceeded max depth")
        self.skip()
        if self.pos >= len(self.text):
            raise self.error("unexpected end of flow value")
        ch = self.text[self.pos]
        if ch == "{":
            return self.collection("}", depth, mapping=True)
        if ch == "[":
            return self.collection("]", depth, mapping=False)
        if ch in "\"'":
            return self.quoted()
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in ",]}":
            if self.text[self.pos] == ":" and self.pos + 1 < len(self.text) and \
                    self.text[self.pos + 1] in " \t":
                break
            self.pos += 1
        return _plain(self.text[start:self.pos].strip())

    def quoted(self):
        text, start, quote = self.text, self.pos, self.text[self.pos]
        self.pos += 1
        while self.pos < len(text):
            ch = text[self.pos]
            if quote == '"' and ch == "\\":
                self.pos += 2
                continue
            if ch == quote:
                if quote == "'" and text[self.pos + 1:self.pos + 2] == "'":
                    self.pos += 2
                    continue
                self.pos += 1
                return unquote(text[start:self.pos], self.line_no)
            self.pos += 1
        raise self.error("unterminated quoted string")

    def collection(self, close, depth, mapping):
        self.pos += 1
        result = {} if mapping else []
        while True:
            self.skip()
            if self.pos < len(self.text) and self.text[self.pos] == close:
                self.pos += 1
                return result
            if mapping:
                key = self.value(depth + 1)
                self.skip()
                if self.text[self.pos:self.pos + 1] != ":":
                    raise self.error("expected ':' in flow mapping")
                self.pos += 1
                result[_key(key)] = self.value(depth + 1)
            else:
                result.append(self.value(depth + 1))
            self.skip()
            if self.pos >= len(self.text):
                raise self.error("unterminated flow collection")
            if self.text[self.pos] == ",":
                self.pos += 1
            elif self.text[self.pos] != close:
                raise self.error("expected ',' or '%s'" % close)


def _key(key):
    if isinstance(key, (dict, list)):
        raise YamlError("complex mapping keys are not supported")
    if isinstance(key, bool):
        return "true" if key else "false"
    return "" if key is None else str(key)


def unquote(token, line_no=0):
    if token[0] == "'":
        return token[1:-1].replace("''", "'")
    try:
        return json.loads(token)
    except ValueError:
        raise YamlError("line %d: bad double-quoted string %s" % (line_no, token[:40]))


def flow_value(text, line_no):
    """A value in block context: a flow collection, a quoted or a plain scalar
    (which, unlike inside a flow collection, may hold ',', '[' and ']')."""
    if text[:1] in "&*!":
        raise YamlError("line %d: anchors, aliases and tags are not supported" % line_no)
    if text[:1] not in "[{\"'":
        return _plain(text)
    parser = _Flow(text, line_no)
    value = parser.value()
    parser.skip()
    if parser.pos != len(text):
        raise parser.error("unexpected text after value: %r" % text[parser.pos:][:40])
    return value


class _Block:
    def __init__(self, lines, raw):
        # (indent, text, line number) of every meaningful line; raw[n - 1]
        # is line n as written (block scalars keep comments and blank lines)
        self.lines = lines
        self.raw = raw
        self.i = 0

    def peek(self):
        return self.lines[self.i] if self.i < len(self.lines) else None

    def node(self, indent, depth):
        if depth > MAX_DEPTH:
            raise YamlError("exceeded max depth")
        line = self.peek()
        if line is None or line[0] < indent:
            return None
        if line[1] == "-" or line[1].startswith("- "):
            return self.sequence(line[0], depth)
        if _split_key(line[1]) is not None:
            return self.mapping(line[0], depth)
        self.i += 1
        return self.scalar_lines(line, indent)

    def scalar_lines(self, first, indent):
        """A flow value that may continue on more-indented lines."""
        parts = [first[1]]
        while self.peek() is not None and self.peek()[0] > indent - 1 and \
                self.peek()[0] > first[0] - 1 and _split_key(self.peek()[1]) is None and \
                not self.peek()[1].startswith("- ") and first[1][:1] in "[{\"'":
            parts.append(self.peek()[1])
            self.i += 1
        return flow_value(" ".join(parts), first[2])

    def sequence(self, indent, depth):
        items = []
        while True:
            line = self.peek()
            if line is None or line[0] != indent or not (line[1] == "-" or
                                                         line[1].startswith("- ")):
                return items
            rest = line[1][1:].lstrip()
            if rest in _BLOCK_SCALAR:
                self.i += 1
                items.append(self.block_scalar(indent, rest))
                continue
            if not rest:
                self.i += 1
                items.append(self.node(indent + 1, depth + 1))
                continue
            # "- key: value" or "- scalar": re-read the rest as a nested line
            inner = indent + (len(line[1]) - len(rest))
            self.lines[self.i] = (inner, rest, line[2])
            items.append(self.node(inner, depth + 1))

    def mapping(self, indent, depth):
        result = {}
        while True:
            line = self.peek()
            if line is None or line[0] != indent:
                return result
            split = _split_key(line[1])
            if split is None:
                raise YamlError("line %d: expected 'key: value'" % line[2])
            key, rest = split
            self.i += 1
            if rest in _BLOCK_SCALAR:
                value = self.block_scalar(indent, rest)
            elif rest:
                value = flow_value(self.continued(rest, indent), line[2])
            else:
                nxt = self.peek()
                if nxt is not None and nxt[0] == indent and (nxt[1] == "-" or
                                                             nxt[1].startswith("- ")):
                    value = self.sequence(indent, depth + 1)
                else:
                    value = self.node(indent + 1, depth + 1)
            result[key] = value

    def continued(self, text, indent):
        """A scalar or flow collection with continuation lines (indented
        deeper than its key) joined by spaces."""
        parts = [text]
        while self.peek() is not None and self.peek()[0] > indent:
            parts.append(self.peek()[1])
            self.i += 1
        return " ".join(parts)

    def block_scalar(self, indent, style):
        taken = []
        while self.peek() is not None and self.peek()[0] > indent:
            taken.append(self.peek())
            self.i += 1
        if not taken:
            return ""
        raw = self.raw[taken[0][2] - 1:taken[-1][2]]
        base = min(len(r) - len(r.lstrip(" ")) for r in raw if r.strip())
        texts = [r[base:].rstrip("\r") for r in raw]
        joined = "\n".join(texts) if style[0] == "|" else " ".join(texts)
        if style.endswith("-"):
            return joined
        return joined + "\n"


_BLOCK_SCALAR = ("|", "|-", "|+", ">", ">-", ">+")


def _split_key(text):
    """(key, rest) for a 'key: rest' line, or None."""
    if text[0] in "\"'":
        parser = _Flow(text, 0)
        try:
            key = parser.quoted()
        except YamlError:
            return None
        after = text[parser.pos:]
        if after.startswith(":") and (len(after) == 1 or after[1] in " \t"):
            return key, after[1:].strip()
        return None
    if text[0] in "[{":
        return None
    match = re.match(r"^([^:#]+?|[^:#]*:[^ \t][^:]*?)\s*:(\s+|$)", text)
    if not match:
        return None
    return str(_key(_plain(match.group(1)))), text[match.end():].strip()


def load_all(text):
    """Every document in text, in order (empty documents are skipped)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    docs, current = [], []
    raw_lines = text.replace("\r\n", "\n").split("\n")
    for number, raw in enumerate(raw_lines, 1):
        if raw.startswith("---") and raw[3:].strip() in ("",) or raw.strip() == "---":
            docs.append(current)
            current = []
            continue
        if "\t" in raw[:len(raw) - len(raw.lstrip())]:
            raise YamlError("line %d: tabs are not allowed for indentation" % number)
        stripped = _strip_comment(raw)
        if not stripped.strip():
            continue
        indent = len(stripped) - len(stripped.lstrip(" "))
        current.append((indent, stripped.strip(), number))
    docs.append(current)
    out = []
    for lines in docs:
        if not lines:
            continue
        block = _Block(lines, raw_lines)
        value = block.node(0, 0)
        if block.peek() is not None:
            raise YamlError("line %d: unexpected content" % block.peek()[2])
        out.append(value)
    return out


def load(text):
    docs = load_all(text)
    if len(docs) != 1:
        raise YamlError("expected one document, found %d" % len(docs))
    return docs[0]
