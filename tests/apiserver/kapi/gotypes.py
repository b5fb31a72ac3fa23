"""The Go types behind built-in kinds, for the decode step kube-apiserver
runs before anything else: a JSON value of the wrong type for a typed field
is a 400 (`Pod in version "v1" cannot be handled as a Pod: json: cannot
unmarshal string into Go struct field Container.spec.containers.name of type
string`), never a validation error, and null leaves the zero value.

Only the fields the controller and users write (and this server's own
validation reads) are described; anything else is taken as it comes."""

_INT_BOUNDS = {"int32": 2 ** 31, "int64": 2 ** 63}


def _struct(go_name, /, **fields):
    return dict(fields, _struct=go_name)


def _list(go_type, item):
    return ("[]" + go_type, item)


_STR_MAP = "map[string]string"
_OBJECT_REF = _struct("ObjectReference", kind="string", namespace="string", name="string",
                      uid="types.UID", apiVersion="string", resourceVersion="string",
                      fieldPath="string")
_RESOURCES = _struct("ResourceRequirements", limits="v1.ResourceList",
                     requests="v1.ResourceList")
_CONTAINER = _struct(
    "Container", name="string", image="string", command=_list("string", "string"),
    args=_list("string", "string"), workingDir="string",
    ports=_list("v1.ContainerPort", _struct("ContainerPort", name="string",
                                            hostPort="int32", containerPort="int32",
                                            protocol="v1.Protocol", hostIP="string")),
    env=_list("v1.EnvVar", _struct("EnvVar", name="string", value="string")),
    resources=_RESOURCES,
    volumeMounts=_list("v1.VolumeMount", _struct("VolumeMount", name="string",
                                                 readOnly="bool", mountPath="string",
                                                 subPath="string")),
    imagePullPolicy="v1.PullPolicy", terminationMessagePath="string",
    terminationMessagePolicy="v1.TerminationMessagePolicy", stdin="bool", tty="bool")
_LABEL_SELECTOR = _struct("LabelSelector", matchLabels=_STR_MAP, matchExpressions=_list(
    "v1.LabelSelectorRequirement", _struct("LabelSelectorRequirement", key="string",
                                           operator="v1.LabelSelectorOperator",
                                           values=_list("string", "string"))))
_PEER = _struct("NetworkPolicyPeer", podSelector=_LABEL_SELECTOR,
                namespaceSelector=_LABEL_SELECTOR,
                ipBlock=_struct("IPBlock", cidr="string", except_=_list("string", "string")))
_NP_PORT = _struct("NetworkPolicyPort", protocol="v1.Protocol", endPort="int32")
_SERIES = _struct("EventSeries", count="int32")

_CONTAINER_STATUS = _struct("ContainerStatus", name="string", ready="bool",
                            restartCount="int32", image="string", imageID="string",
                            containerID="string", started="bool")
_POD_STATUS = _struct(
    "PodStatus", phase="v1.PodPhase", message="string", reason="string", hostIP="string",
    podIP="string", startTime="string", qosClass="v1.PodQOSClass",
    nominatedNodeName="string",
    conditions=_list("v1.PodCondition", _struct(
        "PodCondition", type="v1.PodConditionType", status="v1.ConditionStatus",
        reason="string", message="string")),
    podIPs=_list("v1.PodIP", _struct("PodIP", ip="string")),
    containerStatuses=_list("v1.ContainerStatus", _CONTAINER_STATUS),
    initContainerStatuses=_list("v1.ContainerStatus", _CONTAINER_STATUS))

TYPES = {
    ("", "pods"): _struct("Pod", status=_POD_STATUS, spec=_struct(
        "PodSpec", containers=_list("v1.Container", _CONTAINER),
        initContainers=_list("v1.Container", _CONTAINER),
        volumes=_list("v1.Volume", _struct("Volume", name="string")),
        restartPolicy="v1.RestartPolicy", dnsPolicy="v1.DNSPolicy",
        terminationGracePeriodSeconds="int64", activeDeadlineSeconds="int64",
        nodeSelector=_STR_MAP, serviceAccountName="string", nodeName="string",
        automountServiceAccountToken="bool", hostNetwork="bool", schedulerName="string",
        priority="int32", enableServiceLinks="bool",
        tolerations=_list("v1.Toleration", _struct(
            "Toleration", key="string", operator="v1.TolerationOperator", value="string",
            effect="v1.TaintEffect", tolerationSeconds="int64")))),
    ("", "services"): _struct("Service", spec=_struct(
        "ServiceSpec", ports=_list("v1.ServicePort", _struct(
            "ServicePort", name="string", protocol="v1.Protocol", port="int32",
            nodePort="int32")),
        selector=_STR_MAP, clusterIP="string", clusterIPs=_list("string", "string"),
        type="v1.ServiceType")),
    ("", "persistentvolumeclaims"): _struct("PersistentVolumeClaim", spec=_struct(
        "PersistentVolumeClaimSpec",
        accessModes=_list("v1.PersistentVolumeAccessMode", "string"),
        resources=_RESOURCES, storageClassName="string", volumeMode="v1.PersistentVolumeMode",
        volumeName="string")),
    ("networking.k8s.io", "networkpolicies"): _struct("NetworkPolicy", spec=_struct(
        "NetworkPolicySpec", podSelector=_LABEL_SELECTOR,
        policyTypes=_list("v1.PolicyType", "string"),
        ingress=_list("v1.NetworkPolicyIngressRule", _struct(
            "NetworkPolicyIngressRule", from_=_list("v1.NetworkPolicyPeer", _PEER),
            ports=_list("v1.NetworkPolicyPort", _NP_PORT))),
        egress=_list("v1.NetworkPolicyEgressRule", _struct(
            "NetworkPolicyEgressRule", to=_list("v1.NetworkPolicyPeer", _PEER),
            ports=_list("v1.NetworkPolicyPort", _NP_PORT))))),
    ("coordination.k8s.io", "leases"): _struct("Lease", spec=_struct(
        "LeaseSpec", holderIdentity="string", leaseDurationSeconds="int32",
        leaseTransitions="int32")),
    ("events.k8s.io", "events"): _struct(
        "Event", regarding=_OBJECT_REF, note="string", reason="string", type="string",
        action="string", reportingController="string", reportingInstance="string",
        deprecatedCount="int32", series=_SERIES),
    ("", "events"): _struct(
        "Event", involvedObject=_OBJECT_REF, message="string", reason="string",
        type="string", action="string", reportingComponent="string",
        reportingInstance="string", count="int32", series=_SERIES,
        source=_struct("EventSource", component="string", host="string")),
}


class TypeMismatch(ValueError):
    pass


def _json_name(field):
    return field.rstrip("_")        # from_, except_: Python keywords


def _describe(value, go_type):
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number %s" % value if go_type in _INT_BOUNDS else "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _leaf_ok(go_type, value):
    if go_type in _INT_BOUNDS:
        bound = _INT_BOUNDS[go_type]
        return isinstance(value, int) and not isinstance(value, bool) and \
            -bound <= value < bound or (isinstance(value, float) and value.is_integer() and
                                         -bound <= value < bound)
    if go_type == "bool":
        return isinstance(value, bool)
    if go_type == _STR_MAP:
        return isinstance(value, dict) and all(isinstance(v, str) or v is None
                                               for v in value.values())
    if go_type == "v1.ResourceList":
        return isinstance(value, dict) and all(
            isinstance(v, (str, int, float)) and not isinstance(v, bool)
            for v in value.values())
    return isinstance(value, str)       # string and the named string types


def check(res, obj):
    """Raise TypeMismatch (Go's message) for the first wrongly typed field;
    drop nulls of typed fields (Go keeps their zero value)."""
    desc = TYPES.get((res.group, res.plural))
    if desc is not None and isinstance(obj, dict):
        _check_struct(desc, obj, ())


def _check_struct(desc, obj, path):
    # the fields obj has, in the description's order (which decides the
    # first error), found from obj's keys: descriptions are much larger
    index = _INDEXES.get(id(desc)) or _index(desc)
    present = [index[k] + (k,) for k in obj if k in index]
    if len(present) > 1:
        present.sort(key=_position)
    for _, spec, name in present:
        value = obj[name]
        if value is None:
            del obj[name]
            continue
        _check(spec, value, path + (name,), desc["_struct"])


_INDEXES = {}       # id(struct description) -> {JSON name: (position, spec)}


def _position(entry):
    return entry[0]


def _index(desc):
    """JSON name -> (position, spec) of a struct description (kept for the
    process: descriptions are module constants)."""
    index = {}
    for position, (field, spec) in enumerate(desc.items()):
        if field != "_struct":
            index[_json_name(field)] = (position, spec)
    _INDEXES[id(desc)] = index
    return index


def _check(spec, value, path, struct):
    if isinstance(spec, tuple):         # a list: (Go type, item description)
        go_type, item = spec
        if not isinstance(value, list):
            _fail(value, struct, path, go_type)
        for i, element in enumerate(value):
            if element is None:         # null decodes to the zero value
                value[i] = _zero(item)
            else:
                _check(item, element, path, struct)
    elif isinstance(spec, dict):        # a struct
        if not isinstance(value, dict):
            _fail(value, struct, path, "v1." + spec["_struct"])
        _check_struct(spec, value, path)
    elif not _leaf_ok(spec, value):
        _fail(value, struct, path, spec)


def _zero(spec):
    if isinstance(spec, dict) or spec in (_STR_MAP, "v1.ResourceList"):
        return {}
    if isinstance(spec, tuple):
        return []
    if spec in _INT_BOUNDS:
        return 0
    return False if spec == "bool" else ""


def _fail(value, struct, path, go_type):
    raise TypeMismatch("json: cannot unmarshal %s into Go struct field %s.%s of type %s"
                       % (_describe(value, go_type), struct, ".".join(path), go_type))
