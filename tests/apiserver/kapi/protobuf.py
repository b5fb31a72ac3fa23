"""Just enough of Kubernetes' protobuf encoding to accept what typed clients
send for the kinds that need it: `kubectl create namespace` posts a Namespace
as application/vnd.kubernetes.protobuf. Answers are always JSON (clients
accept it). Other kinds in protobuf get 415, like an unknown format would."""

MAGIC = b"k8s\x00"


class ProtobufError(ValueError):
    pass


def _varint(data, pos):
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ProtobufError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ProtobufError("varint too long")


def fields(data):
    """[(field number, wire type, value)] of one message."""
    out, pos = [], 0
    while pos < len(data):
        tag, pos = _varint(data, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise ProtobufError("truncated field %d" % number)
            value, pos = data[pos:pos + length], pos + length
        elif wire == 1:
            value, pos = data[pos:pos + 8], pos + 8
        elif wire == 5:
            value, pos = data[pos:pos + 4], pos + 4
        else:
            raise ProtobufError("unsupported wire type %d" % wire)
        out.append((number, wire, value))
    return out


def fields_bytes(data):
    """Like fields(), for messages whose fields are all strings or messages:
    anything but a length-delimited value is an error."""
    out = []
    for number, wire, value in fields(data):
        if wire != 2:
            raise ProtobufError("field %d: expected a length-delimited value" % number)
        out.append((number, wire, value))
    return out


def _text(value):
    return value.decode("utf-8")


def _map_entry(value):
    key = val = ""
    for number, _, v in fields_bytes(value):
        if number == 1:
            key = _text(v)
        elif number == 2:
            val = _text(v)
    return key, val


def _object_meta(data):
    meta = {}
    for number, wire, value in fields(data):
        if number in (1, 2, 3, 11, 12, 14) and wire != 2:
            raise ProtobufError("field %d: expected a length-delimited value" % number)
        if number in (1, 2, 3) and value:
            meta[{1: "name", 2: "generateName", 3: "namespace"}[number]] = _text(value)
        elif number == 11:
            k, v = _map_entry(value)
            meta.setdefault("labels", {})[k] = v
        elif number == 12:
            k, v = _map_entry(value)
            meta.setdefault("annotations", {})[k] = v
        elif number == 14:
            meta.setdefault("finalizers", []).append(_text(value))
    return meta


def _namespace(raw):
    obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {}}
    for number, _, value in fields_bytes(raw):
        if number == 1:
            obj["metadata"] = _object_meta(value)
        elif number == 2:
            finalizers = [_text(v) for n, _, v in fields_bytes(value) if n == 1]
            obj["spec"] = {"finalizers": finalizers} if finalizers else {}
    return obj


DECODERS = {("v1", "Namespace"): _namespace}


def _field(number, payload):
    """Encode one length-delimited field (wire type 2)."""
    length, size = bytearray(), len(payload)
    while True:
        byte = size & 0x7F
        size >>= 7
        length.append(byte | (0x80 if size else 0))
        if not size:
            break
    return bytes([number << 3 | 2]) + bytes(length) + payload


def openapi_v2_document(title, version):
    """A minimal openapi_v2.Document (swagger "2.0", info, no definitions).
    client-go reads /openapi/v2 only as protobuf; without any schema kubectl
    skips client-side validation of the kinds it cannot find."""
    info = _field(1, title.encode()) + _field(2, version.encode())
    return _field(1, b"2.0") + _field(2, info)


def decode(data):
    """A JSON-shaped object from an enveloped protobuf body, or ProtobufError."""
    if not data.startswith(MAGIC):
        raise ProtobufError("missing the k8s protobuf prefix")
    api_version = kind = ""
    raw = b""
    for number, _, value in fields_bytes(data[len(MAGIC):]):
        if number == 1:
            for n, _, v in fields_bytes(value):
                if n == 1:
                    api_version = _text(v)
                elif n == 2:
                    kind = _text(v)
        elif number == 2:
            raw = value
    decoder = DECODERS.get((api_version, kind))
    if decoder is None:
        raise ProtobufError("no protobuf decoder for %s %s" % (api_version, kind))
    return decoder(raw)
