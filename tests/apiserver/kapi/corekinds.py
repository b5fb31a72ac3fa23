"""Built-in kinds the controller writes: the defaults kube-apiserver fills
in (registry defaulting plus the admission plugins every cluster runs:
ServiceAccount, DefaultTolerationSeconds, StorageObjectInUseProtection) and
their validation (k8s.io/kubernetes/pkg/apis/core/validation and friends),
with kube-apiserver's wording.

Kinds: Pod, Service, PersistentVolumeClaim, Namespace, core/v1 and
events.k8s.io/v1 Event, Lease, networking.k8s.io/v1 NetworkPolicy."""
import datetime
import ipaddress
import random
import re

from . import names
from .errors import ApiError, FieldError, GoSyntax
from .objpath import jcopy

POD_UPDATE_FORBIDDEN = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
    "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
    "(allow it to be set to 1 if it was previously negative)")


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
    meta = obj.setdefault("metadata", {})
    if meta.get("name"):
        meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta["name"]




def qos_class(spec):
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


_POD_MUTABLE = ("activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds",
                "schedulingGates")


def _pod_spec_without_mutable(spec):
    """A shallow view of a pod spec without what updates may change."""
    view = {k: v for k, v in spec.items() if k not in _POD_MUTABLE}
    for group in ("containers", "initContainers"):
        if isinstance(view.get(group), list):
            view[group] = [{k: v for k, v in c.items() if k != "image"}
                           if isinstance(c, dict) else c for c in view[group]]
    return view


def _pod_spec_update_errors(old_spec, new_spec):
    """Pods are mostly immutable: only images, activeDeadlineSeconds,
    tolerations and terminationGracePeriodSeconds may change."""
    if old_spec == new_spec or \
            _pod_spec_without_mutable(old_spec) == _pod_spec_without_mutable(new_spec):
        return []
    return [FieldError("Forbidden", "spec", None, POD_UPDATE_FORBIDDEN)]


# ----------------------------------------------------------------- Pods

_SA_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
_TOKEN_VOLUME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_NOT_READY_TOLERATIONS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
ENV_NAME_MSG = ("a valid environment variable name must consist of alphabetic characters, "
                "digits, '_', '-', or '.', and must not start with a digit (e.g. "
                "'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for "
                "validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')")


def _supported(values):
    return "supported values: " + ", ".join('"%s"' % v for v in values)


def _admit_pod(obj):
    """What the ServiceAccount and DefaultTolerationSeconds admission
    plugins add to a new pod."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    tolerations = spec.setdefault("tolerations", [])
    for key in _NOT_READY_TOLERATIONS:
        if not any(isinstance(t, dict) and t.get("key") == key and
                   t.get("effect") in ("NoExecute", None, "") for t in tolerations):
            tolerations.append({"key": key, "operator": "Exists", "effect": "NoExecute",
                                "tolerationSeconds": 300})
    if spec.get("automountServiceAccountToken") is False:
        return
    containers = [c for group in ("initContainers", "containers")
                  for c in spec.get(group) or [] if isinstance(c, dict)]
    if any(m.get("mountPath") == _SA_MOUNT for c in containers
           for m in c.get("volumeMounts") or [] if isinstance(m, dict)):
        return
    volume = "kube-api-access-" + "".join(random.choice(_TOKEN_VOLUME_ALPHABET)
                                          for _ in range(5))
    spec.setdefault("volumes", []).append({"name": volume, "projected": {
        "defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt",
                           "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
                "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}})
    for c in containers:
        c.setdefault("volumeMounts", []).append({"name": volume, "readOnly": True,
                                                 "mountPath": _SA_MOUNT})


def pod_status_written(obj):
    """Pod conditions serialise lastProbeTime and lastTransitionTime even
    when unset (metav1.Time without omitempty): null, as the real server
    answers."""
    status = obj.get("status")
    for cond in (status.get("conditions") if isinstance(status, dict) else None) or []:
        if isinstance(cond, dict):
            cond.setdefault("lastProbeTime", None)
            cond.setdefault("lastTransitionTime", None)


_QUANTITY = re.compile(r"^([+-]?[0-9.]+)([eE][+-]?[0-9]+|[numkMGTPE]i?|Ki|)?$")
_SUFFIX = {"": 1, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
           "P": 1e15, "E": 1e18, "Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40,
           "Pi": 2 ** 50, "Ei": 2 ** 60}


def parse_quantity(text):
    """A resource.Quantity's value as a float, or None when it is not one."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    match = _QUANTITY.match(text) if isinstance(text, str) else None
    if not match:
        return None
    try:
        number = float(match.group(1))
    except ValueError:
        return None
    suffix = match.group(2) or ""
    if suffix and suffix[0] in "eE":
        return number * 10 ** int(suffix[1:])
    return number * _SUFFIX[suffix] if suffix in _SUFFIX else None


def _container_errors(c, path):
    errs = []
    for i, env in enumerate(c.get("env") or []):
        name = env.get("name") if isinstance(env, dict) else None
        if not name:
            errs.append(FieldError("Required", "%s.env[%d].name" % (path, i), None, ""))
        elif not _ENV_NAME.match(name):
            errs.append(FieldError("Invalid", "%s.env[%d].name" % (path, i), name, ENV_NAME_MSG))
    port_names = set()
    for i, port in enumerate(c.get("ports") or []):
        ppath = "%s.ports[%d]" % (path, i)
        name = port.get("name") if isinstance(port, dict) else None
        if name:
            errs.extend(FieldError("Invalid", ppath + ".name", name, problem)
                        for problem in names.port_name_problems(name))
            if name in port_names:
                errs.append(FieldError("Duplicate", ppath + ".name", name))
            port_names.add(name)
        number = port.get("containerPort") if isinstance(port, dict) else None
        if not isinstance(number, int) or not 1 <= number <= 65535:
            errs.append(FieldError("Invalid", ppath + ".containerPort", number,
                                   "must be between 1 and 65535, inclusive"))
        if isinstance(port, dict) and port.get("protocol") not in ("TCP", "UDP", "SCTP"):
            errs.append(FieldError("NotSupported", ppath + ".protocol", port.get("protocol"),
                                   _supported(("SCTP", "TCP", "UDP"))))
    resources = c.get("resources") or {}
    limits, requests = resources.get("limits") or {}, resources.get("requests") or {}
    for name, value in requests.items():
        limit = limits.get(name)
        if limit is not None and (parse_quantity(value) or 0) > (parse_quantity(limit) or 0):
            errs.append(FieldError("Invalid", path + ".resources.requests", value,
                                   "must be less than or equal to %s limit" % name))
    if c.get("imagePullPolicy") not in ("Always", "IfNotPresent", "Never"):
        errs.append(FieldError("NotSupported", path + ".imagePullPolicy",
                               c.get("imagePullPolicy"),
                               _supported(("Always", "IfNotPresent", "Never"))))
    return errs


_VOLUME_SOURCES = frozenset(
    "hostPath emptyDir gcePersistentDisk awsElasticBlockStore gitRepo secret nfs iscsi "
    "glusterfs persistentVolumeClaim rbd flexVolume cinder cephfs flocker downwardAPI fc "
    "azureFile configMap vsphereVolume quobyte azureDisk photonPersistentDisk projected "
    "portworxVolume scaleIO storageos csi ephemeral image".split())


def _unique_label_errors(name, path, seen):
    """A required DNS-1123 label not in seen (which it joins)."""
    if not name:
        return [FieldError("Required", path, None, "")]
    if not names.DNS1123_LABEL.match(name) or len(name) > 63:
        return [FieldError("Invalid", path, name, names.DNS1123_LABEL_MSG)]
    if name in seen:
        return [FieldError("Duplicate", path, name)]
    seen.add(name)
    return []


def _volume_errors(volumes):
    """validateVolumes: named (unique DNS-1123 labels), one source each."""
    errs, seen = [], set()
    for i, vol in enumerate(volumes or []):
        path = "spec.volumes[%d]" % i
        if not isinstance(vol, dict):
            errs.append(FieldError("Invalid", path, vol, "must be an object"))
            continue
        errs.extend(_unique_label_errors(vol.get("name"), path + ".name", seen))
        sources = [k for k in vol if k in _VOLUME_SOURCES]
        if not sources:
            errs.append(FieldError("Required", path, None, "must specify a volume type"))
        elif len(sources) > 1:
            errs.append(FieldError("Forbidden", "%s.%s" % (path, sources[1]), None,
                                   "may not specify more than 1 volume type"))
    return errs, seen


def _mount_errors(c, path, volumes):
    """validateVolumeMounts: each mount names a pod volume, paths unique."""
    errs, paths = [], set()
    for i, mount in enumerate(c.get("volumeMounts") or []):
        mpath = "%s.volumeMounts[%d]" % (path, i)
        if not isinstance(mount, dict):
            errs.append(FieldError("Invalid", mpath, mount, "must be an object"))
            continue
        if not mount.get("name"):
            errs.append(FieldError("Required", mpath + ".name", None, ""))
        elif mount["name"] not in volumes:
            errs.append(FieldError("NotFound", mpath + ".name", mount["name"]))
        if not mount.get("mountPath"):
            errs.append(FieldError("Required", mpath + ".mountPath", None, ""))
        elif mount["mountPath"] in paths:
            errs.append(FieldError("Invalid", mpath + ".mountPath", mount["mountPath"],
                                   "must be unique"))
        paths.add(mount.get("mountPath"))
    return errs


def _validate_pod(obj, old):
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return [FieldError("Required", "spec", None, "")]
    errs, volumes = _volume_errors(spec.get("volumes"))
    if not spec.get("containers"):
        errs.append(FieldError("Required", "spec.containers", None, ""))
    seen = set()
    for group in ("initContainers", "containers"):
        for i, c in enumerate(spec.get(group) or []):
            path = "spec.%s[%d]" % (group, i)
            if not isinstance(c, dict):
                errs.append(FieldError("Invalid", path, c, "must be an object"))
                continue
            errs.extend(_unique_label_errors(c.get("name"), path + ".name", seen))
            if not c.get("image"):
                errs.append(FieldError("Required", path + ".image", None, ""))
            errs.extend(_mount_errors(c, path, volumes))
            errs.extend(_container_errors(c, path))
    for field, allowed in (("restartPolicy", ("Always", "OnFailure", "Never")),
                           ("dnsPolicy", ("ClusterFirstWithHostNet", "ClusterFirst",
                                          "Default", "None"))):
        if spec.get(field) not in allowed:
            errs.append(FieldError("NotSupported", "spec." + field, spec.get(field),
                                   _supported(allowed)))
    grace = spec.get("terminationGracePeriodSeconds")
    if isinstance(grace, int) and grace < 0:
        errs.append(FieldError("Invalid", "spec.terminationGracePeriodSeconds", grace,
                               "must be greater than or equal to 0"))
    if old is not None and isinstance(old.get("spec"), dict):
        errs.extend(_pod_update_errors(old["spec"], spec))
    return errs


def _toleration_key(t):
    return tuple(t.get(k) for k in ("key", "operator", "value", "effect")) \
        if isinstance(t, dict) else t


def _pod_update_errors(old_spec, new_spec):
    if len(new_spec.get("containers") or []) != len(old_spec.get("containers") or []):
        return [FieldError("Forbidden", "spec.containers", None,
                           "pod updates may not add or remove containers")]
    errs = []
    kept = {_toleration_key(t) for t in new_spec.get("tolerations") or []}
    if any(_toleration_key(t) not in kept for t in old_spec.get("tolerations") or []):
        errs.append(FieldError("Forbidden", "spec.tolerations", None, "existing toleration "
                               "can not be modified except its tolerationSeconds"))
    return errs + _pod_spec_update_errors(old_spec, new_spec)


# ------------------------------------------------------------- Services

def _service_port_key(port):
    return ('core.ServicePort{Name:"", Protocol:"%s", AppProtocol:(*string)(nil), Port:%s, '
            'TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}'
            % (port.get("protocol", "TCP"), port.get("port")))


def _is_ip(text):
    try:
        ipaddress.ip_address(text)
    except (ValueError, TypeError):
        return False
    return True


def _validate_service(obj, old):
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return [FieldError("Required", "spec", None, "")]
    errs = []
    kind = spec.get("type")
    types = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
    if kind not in types:
        errs.append(FieldError("NotSupported", "spec.type", kind, _supported(types)))
    ports = spec.get("ports") or []
    headless = spec.get("clusterIP") == "None"
    for i, ip in enumerate(spec.get("clusterIPs") or ([spec["clusterIP"]]
                                                      if spec.get("clusterIP") else [])):
        if ip != "None" and not _is_ip(ip):
            errs.append(FieldError("Invalid", "spec.clusterIPs[%d]" % i, ip, "must be a valid "
                                   "IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
    if not ports and kind != "ExternalName" and not headless:
        errs.append(FieldError("Required", "spec.ports", None, ""))
    names_seen, keys_seen = set(), set()
    for i, port in enumerate(ports):
        path = "spec.ports[%d]" % i
        if not isinstance(port, dict):
            errs.append(FieldError("Invalid", path, port, "must be an object"))
            continue
        name = port.get("name") or ""
        if len(ports) > 1 and not name:
            errs.append(FieldError("Required", path + ".name", None, ""))
        elif name and (not names.DNS1123_LABEL.match(name) or len(name) > 63):
            errs.append(FieldError("Invalid", path + ".name", name, names.DNS1123_LABEL_MSG))
        elif name in names_seen:
            errs.append(FieldError("Duplicate", path + ".name", name))
        names_seen.add(name)
        number = port.get("port")
        if not isinstance(number, int) or not 1 <= number <= 65535:
            errs.append(FieldError("Invalid", path + ".port", number,
                                   "must be between 1 and 65535, inclusive"))
        if port.get("protocol") not in ("TCP", "UDP", "SCTP"):
            errs.append(FieldError("NotSupported", path + ".protocol", port.get("protocol"),
                                   _supported(("SCTP", "TCP", "UDP"))))
        key = (port.get("protocol"), number)
        if key in keys_seen:
            errs.append(FieldError("Duplicate", path, GoSyntax(_service_port_key(port))))
        keys_seen.add(key)
    if old is not None:
        old_ip = (old.get("spec") or {}).get("clusterIP")
        if old_ip and spec.get("clusterIP") != old_ip:
            errs.append(FieldError("Invalid", "spec.clusterIPs[0]", spec.get("clusterIP"),
                                   "may not change once set"))
    return errs


# ------------------------------------------------ PersistentVolumeClaims

_ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")


def _default_pvc(obj):
    spec = obj.get("spec")
    if isinstance(spec, dict):
        spec.setdefault("volumeMode", "Filesystem")


def _validate_pvc(obj, old):
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return [FieldError("Required", "spec", None, "")]
    errs = []
    modes = spec.get("accessModes") or []
    if not modes:
        errs.append(FieldError("Required", "spec.accessModes", None,
                               "at least 1 access mode is required"))
    for mode in modes:
        if mode not in _ACCESS_MODES:
            errs.append(FieldError("NotSupported", "spec.accessModes", mode,
                                   _supported(_ACCESS_MODES)))
    storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
    if storage is None:
        errs.append(FieldError("Required", "spec.resources[storage]", None, ""))
    elif (parse_quantity(storage) or 0) <= 0:
        errs.append(FieldError("Invalid", "spec.resources[storage]", storage,
                               "must be greater than zero"))
    if spec.get("volumeMode") not in ("Block", "Filesystem"):
        errs.append(FieldError("NotSupported", "spec.volumeMode", spec.get("volumeMode"),
                               _supported(("Block", "Filesystem"))))
    if old is not None and isinstance(old.get("spec"), dict):
        before, after = jcopy(old["spec"]), jcopy(spec)
        for s in (before, after):
            s.get("resources", {}).pop("requests", None)
        if before != after:
            errs.append(FieldError("Forbidden", "spec", None, "spec is immutable after "
                                   "creation except resources.requests for bound claims"))
    return errs


# ------------------------------------------------------ NetworkPolicies

def _default_network_policy(obj):
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    if not spec.get("policyTypes"):
        spec["policyTypes"] = ["Ingress"] + (["Egress"] if spec.get("egress") else [])
    for direction, peer in (("ingress", "from"), ("egress", "to")):
        for rule in spec.get(direction) or []:
            for port in (rule.get("ports") or []) if isinstance(rule, dict) else []:
                if isinstance(port, dict):
                    port.setdefault("protocol", "TCP")


def _network(cidr):
    """The network of a CIDR as Go's net.ParseCIDR reads it, or None."""
    if not isinstance(cidr, str) or "/" not in cidr:
        return None
    try:
        return ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return None


def _ip_block_errors(block, path):
    """ValidateIPBlock: a CIDR, and excepts strictly inside it."""
    if not block.get("cidr"):
        return [FieldError("Required", path + ".cidr", None, "")]
    network = _network(block["cidr"])
    if network is None:
        return [FieldError("Invalid", path + ".cidr", block["cidr"], "not a valid CIDR")]
    errs = []
    for i, cidr in enumerate(block.get("except") or []):
        epath = "%s.except[%d]" % (path, i)
        inner = _network(cidr)
        if inner is None:
            return errs + [FieldError("Invalid", epath, cidr, "not a valid CIDR")]
        if inner.version != network.version or not network.overlaps(inner) or \
                inner.network_address not in network or network.prefixlen >= inner.prefixlen:
            errs.append(FieldError("Invalid", epath, cidr, "must be a strict subset of `cidr`"))
    return errs


def _selector_errors(selector, path):
    if selector is None:
        return []
    if not isinstance(selector, dict):
        return [FieldError("Invalid", path, selector, "must be a label selector")]
    errs = []
    for key, value in (selector.get("matchLabels") or {}).items():
        errs.extend(names.qualified_name_errors(path + ".matchLabels", key))
        if not isinstance(value, str) or len(value) > 63 or not names.LABEL_VALUE.match(value):
            errs.append(FieldError("Invalid", path + ".matchLabels", value,
                                   names.LABEL_VALUE_MSG))
    for i, expr in enumerate(selector.get("matchExpressions") or []):
        op = expr.get("operator") if isinstance(expr, dict) else None
        epath = "%s.matchExpressions[%d]" % (path, i)
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            errs.append(FieldError("Invalid", epath + ".operator", op, "not a valid selector "
                                   "operator"))
        elif op in ("In", "NotIn") and not expr.get("values"):
            errs.append(FieldError("Required", epath + ".values", None, "must be specified "
                                   "when `operator` is 'In' or 'NotIn'"))
        elif op in ("Exists", "DoesNotExist") and expr.get("values"):
            errs.append(FieldError("Forbidden", epath + ".values", None, "may not be "
                                   "specified when `operator` is 'Exists' or 'DoesNotExist'"))
    return errs


def _peer_errors(peer, path):
    """validateNetworkPolicyPeer: one kind of peer, each valid."""
    if not isinstance(peer, dict):
        return [FieldError("Invalid", path, peer, "must be an object")]
    errs = _selector_errors(peer.get("podSelector"), path + ".podSelector")
    errs += _selector_errors(peer.get("namespaceSelector"), path + ".namespaceSelector")
    kinds = [k for k in ("podSelector", "namespaceSelector", "ipBlock") if peer.get(k) is not None]
    if isinstance(peer.get("ipBlock"), dict):
        errs += _ip_block_errors(peer["ipBlock"], path + ".ipBlock")
    if not kinds:
        errs.append(FieldError("Required", path, None, "must specify a peer"))
    elif len(kinds) > 1 and "ipBlock" in kinds:
        errs.append(FieldError("Forbidden", path, None,
                               "may not specify both ipBlock and another peer"))
    return errs


def _validate_network_policy(obj, old):
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return [FieldError("Required", "spec", None, "")]
    errs = _selector_errors(spec.get("podSelector"), "spec.podSelector")
    for direction, peer_key in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(spec.get(direction) or []):
            rpath = "spec.%s[%d]" % (direction, i)
            for j, port in enumerate(rule.get("ports") or []):
                if port.get("protocol") not in ("TCP", "UDP", "SCTP"):
                    errs.append(FieldError("NotSupported", "%s.ports[%d].protocol" % (rpath, j),
                                           port.get("protocol"),
                                           _supported(("SCTP", "TCP", "UDP"))))
            for j, peer in enumerate(rule.get(peer_key) or []):
                errs.extend(_peer_errors(peer, "%s.%s[%d]" % (rpath, peer_key, j)))
    for i, kind in enumerate(spec.get("policyTypes") or []):
        if kind not in ("Ingress", "Egress"):
            errs.append(FieldError("NotSupported", "spec.policyTypes[%d]" % i, kind,
                                   _supported(("Ingress", "Egress"))))
    return errs


# ------------------------------------------------------------- Events

def _legacy_event_errors(obj, new_api):
    """legacyValidateEvent: namespace agreement and, for events with an
    eventTime, the reporting fields. Paths use core/v1 names, as the real
    server reports them for events.k8s.io too."""
    errs = []
    ns = (obj.get("metadata") or {}).get("namespace") or ""
    involved = obj.get("regarding" if new_api else "involvedObject") or {}
    involved_ns = involved.get("namespace") or "" if isinstance(involved, dict) else ""
    if not obj.get("eventTime"):
        if (not involved_ns and ns not in ("", "default")) or (involved_ns and
                                                              involved_ns != ns):
            errs.append(FieldError("Invalid", "involvedObject.namespace", involved_ns,
                                   "does not match event.namespace"))
        return errs
    if not involved_ns and ns not in ("default", "kube-system"):
        errs.append(FieldError("Invalid", "involvedObject.namespace", involved_ns,
                               "does not match event.namespace"))
    controller_field = "reportingController" if new_api else "reportingComponent"
    controller = obj.get(controller_field) or ""
    if not controller:
        errs.append(FieldError("Required", controller_field, None, ""))
    else:
        errs.extend(names.qualified_name_errors(controller_field, controller))
    for field, limit, text in (("reportingInstance", 128, "reportingInstance"),
                               ("action", 128, "action"), ("reason", 128, "reason")):
        value = obj.get(field) or ""
        if not value:
            errs.append(FieldError("Required", text, None, ""))
        elif len(value) > limit:
            errs.append(FieldError("Invalid", text, "", "can have at most %d characters"
                                   % limit))
    note = obj.get("note" if new_api else "message") or ""
    if len(note) > 1024:
        errs.append(FieldError("Invalid", "message", "", "can have at most 1024 characters"))
    return errs


def _validate_core_event(obj, old):
    return _legacy_event_errors(obj, False)


# events.k8s.io/v1 field -> the core/v1 name errors use; only series may change
_EVENT_V1_IMMUTABLE = (("regarding", "involvedObject"), ("reason", "reason"),
                       ("note", "message"), ("deprecatedSource", "source"),
                       ("deprecatedFirstTimestamp", "firstTimestamp"),
                       ("deprecatedLastTimestamp", "lastTimestamp"),
                       ("deprecatedCount", "count"), ("type", "type"),
                       ("eventTime", "eventTime"), ("action", "action"),
                       ("related", "related"), ("reportingController", "reportingController"),
                       ("reportingInstance", "reportingInstance"))


def _validate_events_v1(obj, old):
    """ValidateEventCreate / ValidateEventUpdate for events.k8s.io/v1."""
    errs = _legacy_event_errors(obj, True)
    if old is not None:
        for field, core in _EVENT_V1_IMMUTABLE:
            if obj.get(field) != old.get(field):
                errs.append(FieldError("Invalid", core, obj.get(field), "field is immutable"))
        return errs
    series = obj.get("series")
    if isinstance(series, dict):
        if not isinstance(series.get("count"), int) or series["count"] < 2:
            errs.append(FieldError("Invalid", "series.count", "", "should be at least 2"))
        if not series.get("lastObservedTime"):
            errs.append(FieldError("Required", "series.lastObservedTime", None, ""))
    if not obj.get("eventTime"):
        errs.append(FieldError("Required", "eventTime", None, ""))
    if obj.get("type") not in ("Normal", "Warning"):
        errs.append(FieldError("Invalid", "type", "", "has invalid value: %s"
                               % (obj.get("type") or "")))
    for field, core in (("deprecatedFirstTimestamp", "firstTimestamp"),
                        ("deprecatedLastTimestamp", "lastTimestamp"),
                        ("deprecatedCount", "count")):
        if obj.get(field):
            errs.append(FieldError("Invalid", core, "", "needs to be unset"))
    if any((obj.get("deprecatedSource") or {}).values()):
        errs.append(FieldError("Invalid", "source", "", "needs to be unset"))
    return errs


def _default_events_v1(obj):
    obj.setdefault("regarding", {})
    obj.setdefault("eventTime", None)
    obj.setdefault("deprecatedSource", {})
    obj.setdefault("deprecatedFirstTimestamp", None)
    obj.setdefault("deprecatedLastTimestamp", None)


def _default_core_event(obj):
    """The fields a core/v1 Event always serialises (no omitempty in Go)."""
    for field, empty in (("involvedObject", {}), ("source", {}), ("firstTimestamp", None),
                         ("lastTimestamp", None), ("eventTime", None),
                         ("reportingComponent", ""), ("reportingInstance", "")):
        obj.setdefault(field, empty)


# -------------------------------------------------------------- Leases

def _validate_lease(obj, old):
    spec = obj.get("spec") or {}
    errs = []
    duration = spec.get("leaseDurationSeconds")
    if duration is not None and (not isinstance(duration, int) or duration <= 0):
        errs.append(FieldError("Invalid", "spec.leaseDurationSeconds", duration,
                               "must be greater than 0"))
    transitions = spec.get("leaseTransitions")
    if transitions is not None and (not isinstance(transitions, int) or transitions < 0):
        errs.append(FieldError("Invalid", "spec.leaseTransitions", transitions,
                               "must be greater than or equal to 0"))
    return errs


# ------------------------------------------------------------ dispatch

def _group_plural(res):
    return (res.group, res.plural)


DEFAULTS = {("", "pods"): _default_pod, ("", "services"): _default_service,
            ("", "namespaces"): _default_namespace,
            ("", "persistentvolumeclaims"): _default_pvc,
            ("networking.k8s.io", "networkpolicies"): _default_network_policy,
            ("events.k8s.io", "events"): _default_events_v1,
            ("", "events"): _default_core_event}

VALIDATORS = {("", "pods"): _validate_pod, ("", "services"): _validate_service,
              ("", "persistentvolumeclaims"): _validate_pvc,
              ("", "events"): _validate_core_event,
              ("events.k8s.io", "events"): _validate_events_v1,
              ("coordination.k8s.io", "leases"): _validate_lease,
              ("networking.k8s.io", "networkpolicies"): _validate_network_policy}


def apply_defaults(res, obj):
    DEFAULTS.get(_group_plural(res), lambda o: None)(obj)
    normalize_times(res, obj)


def validate(res, obj, old):
    return VALIDATORS.get(_group_plural(res), lambda o, p: [])(obj, old)


def on_create(res, obj):
    """Initial status and what admission plugins add on create."""
    key = _group_plural(res)
    if key == ("", "pods"):
        _admit_pod(obj)
        spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
        obj["status"] = {"phase": "Pending", "qosClass": qos_class(spec)}
    elif key == ("", "services"):
        obj["status"] = {"loadBalancer": {}}
    elif key == ("", "namespaces"):
        obj["spec"] = {"finalizers": ["kubernetes"]}
        obj["status"] = {"phase": "Active"}
    elif key == ("", "persistentvolumeclaims"):
        meta = obj["metadata"]
        if "kubernetes.io/pvc-protection" not in (meta.get("finalizers") or []):
            meta.setdefault("finalizers", []).append("kubernetes.io/pvc-protection")
        obj["status"] = {"phase": "Pending"}
    elif key == ("networking.k8s.io", "networkpolicies"):
        obj["status"] = {}


def on_status_write(res, obj):
    if _group_plural(res) == ("", "pods"):
        pod_status_written(obj)
    normalize_times(res, obj)


# ------------------------------------------------------- known fields
# The JSON fields of the built-in types (the object and its spec; containers
# with their ports, env, resources, mounts, securityContext and probes;
# Service ports), as schemas for schema.prune():
# kube-apiserver's decoder drops (Warn), refuses (Strict) or ignores an
# unknown field of a Go type. Deeper levels are kept as they are.

def _fields(names, **nested):
    props = {n: {"x-kubernetes-preserve-unknown-fields": True} for n in names.split()}
    props.update(nested)
    return {"type": "object", "properties": props}


def _items(schema):
    return {"type": "array", "items": schema}


_PROBE = _fields("exec httpGet tcpSocket grpc initialDelaySeconds timeoutSeconds "
                 "periodSeconds successThreshold failureThreshold "
                 "terminationGracePeriodSeconds")
_CONTAINER = _fields(
    "name image command args workingDir envFrom resizePolicy restartPolicy volumeDevices "
    "lifecycle terminationMessagePath terminationMessagePolicy imagePullPolicy stdin "
    "stdinOnce tty",
    ports=_items(_fields("name hostPort containerPort protocol hostIP")),
    env=_items(_fields("name value valueFrom")),
    resources=_fields("limits requests claims"),
    volumeMounts=_items(_fields("name readOnly recursiveReadOnly mountPath subPath "
                                "mountPropagation subPathExpr")),
    securityContext=_fields("capabilities privileged seLinuxOptions windowsOptions runAsUser "
                            "runAsGroup runAsNonRoot readOnlyRootFilesystem "
                            "allowPrivilegeEscalation procMount seccompProfile "
                            "appArmorProfile"),
    livenessProbe=_PROBE, readinessProbe=_PROBE, startupProbe=_PROBE)
_POD_SPEC = _fields(
    "volumes restartPolicy terminationGracePeriodSeconds activeDeadlineSeconds dnsPolicy "
    "nodeSelector serviceAccountName serviceAccount automountServiceAccountToken nodeName "
    "hostNetwork hostPID hostIPC shareProcessNamespace securityContext imagePullSecrets "
    "hostname subdomain affinity schedulerName tolerations hostAliases priorityClassName "
    "priority dnsConfig readinessGates runtimeClassName enableServiceLinks "
    "preemptionPolicy overhead topologySpreadConstraints setHostnameAsFQDN os hostUsers "
    "schedulingGates resourceClaims",
    containers=_items(_CONTAINER), initContainers=_items(_CONTAINER),
    ephemeralContainers=_items(dict(_CONTAINER, properties=dict(
        _CONTAINER["properties"], targetContainerName={
            "x-kubernetes-preserve-unknown-fields": True}))))
_SERVICE_SPEC = _fields(
    "selector clusterIP clusterIPs type externalIPs sessionAffinity loadBalancerIP "
    "loadBalancerSourceRanges externalName externalTrafficPolicy healthCheckNodePort "
    "publishNotReadyAddresses sessionAffinityConfig ipFamilies ipFamilyPolicy "
    "allocateLoadBalancerNodePorts loadBalancerClass internalTrafficPolicy",
    ports=_items(_fields("name protocol appProtocol port targetPort nodePort")))

KNOWN_FIELDS = {
    ("", "pods"): _fields("status", spec=_POD_SPEC),
    ("", "services"): _fields("status", spec=_SERVICE_SPEC),
    ("", "persistentvolumeclaims"): _fields("status", spec=_fields(
        "accessModes selector resources volumeName storageClassName volumeMode dataSource "
        "dataSourceRef volumeAttributesClassName")),
    ("networking.k8s.io", "networkpolicies"): _fields("status", spec=_fields(
        "podSelector ingress egress policyTypes")),
    ("coordination.k8s.io", "leases"): _fields("spec"),
    ("events.k8s.io", "events"): _fields(
        "eventTime series reportingController reportingInstance action reason regarding "
        "related note type deprecatedSource deprecatedFirstTimestamp "
        "deprecatedLastTimestamp deprecatedCount"),
    ("", "events"): _fields(
        "involvedObject reason message source firstTimestamp lastTimestamp count type "
        "eventTime series action related reportingComponent reportingInstance"),
}


def known_fields(res):
    """A schema of res's known fields for pruning, or None."""
    return KNOWN_FIELDS.get(_group_plural(res))


# -------------------------------------------------------------- times
# metav1.Time fields are stored at second precision, metav1.MicroTime at
# microseconds, both in UTC: the server answers what it decoded, not what
# was sent ("2026-01-01T01:00:00.5+01:00" reads back "2026-01-01T00:00:00Z").

_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?"
                   r"([Zz]|[+-]\d{2}:\d{2})$")
_GO_TIME_LAYOUT = "2006-01-02T15:04:05Z07:00"
_GO_MICRO_LAYOUT = "2006-01-02T15:04:05.000000Z07:00"

_TIME_FIELDS = {
    ("", "pods"): [(("status", "startTime"), False),
                   (("status", "conditions", "*", "lastProbeTime"), False),
                   (("status", "conditions", "*", "lastTransitionTime"), False)],
    ("", "events"): [(("firstTimestamp",), False), (("lastTimestamp",), False),
                     (("eventTime",), True), (("series", "lastObservedTime"), True)],
    ("events.k8s.io", "events"): [(("deprecatedFirstTimestamp",), False),
                                  (("deprecatedLastTimestamp",), False),
                                  (("eventTime",), True), (("series", "lastObservedTime"), True)],
    ("coordination.k8s.io", "leases"): [(("spec", "acquireTime"), True),
                                        (("spec", "renewTime"), True)],
}


def _normal_time(text, micro):
    """text as the server stores it, or None when Go could not parse it."""
    match = _TIME.match(text) if isinstance(text, str) else None
    if not match:
        return None
    y, mo, d, h, mi, s, frac, zone = match.groups()
    try:
        when = datetime.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s),
                                 int((frac or ".0")[1:7].ljust(6, "0")))
    except ValueError:
        return None
    if zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        when -= sign * datetime.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    if micro:
        return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _time_slots(obj, path):
    """(container, key) of every value at path ("*" = each list item)."""
    nodes = [obj]
    for part in path[:-1]:
        nxt = []
        for node in nodes:
            if part == "*" and isinstance(node, list):
                nxt.extend(node)
            elif isinstance(node, dict) and part in node:
                nxt.append(node[part])
        nodes = nxt
    return [(n, path[-1]) for n in nodes if isinstance(n, dict) and n.get(path[-1]) is not None]


def normalize_times(res, obj):
    """Store time fields as the decoder does; a time Go cannot parse is a
    400 like kube-apiserver's decoding error."""
    for path, micro in _TIME_FIELDS.get(_group_plural(res), ()):
        for node, key in _time_slots(obj, path):
            value = _normal_time(node[key], micro)
            if value is None:
                raise ApiError(400, "BadRequest", '%s in version "%s" cannot be handled as a '
                               '%s: parsing time "%s" as "%s": cannot parse "%s" as "2006"'
                               % (res.kind, res.version, res.kind, node[key],
                                  _GO_MICRO_LAYOUT if micro else _GO_TIME_LAYOUT, node[key]))
            node[key] = value
