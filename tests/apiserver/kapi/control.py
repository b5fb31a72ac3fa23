"""The /_test/ control API (not part of Kubernetes): fault injection, watch
control, history compaction, bulk loading and request inspection. POST bodies
and answers are JSON; no authentication (the server only listens on loopback).
See tests/apiserver/README.md for each endpoint."""
import copy
import json

from . import errors


def _body(h):
    data = h.body()
    if not data.strip():
        return {}
    try:
        body = json.loads(data)
    except ValueError as exc:
        raise errors.bad_request("control request body is not JSON: %s" % exc)
    if not isinstance(body, dict):
        raise errors.bad_request("control request body must be a JSON object")
    return body


def _state(api):
    store = api.store
    with store.lock:
        counts = {res.qualified: len(store.objects[res.key])
                  for res in store.registry.resources}
        return {"resourceVersion": store.rv, "compactedResourceVersion": store.compacted_rv(),
                "historyLimit": store.history_limit, "watches": api.watches.count(),
                "objects": counts}


def handle_control(api, h, method):
    path = h.url_path[len("/_test"):].rstrip("/")
    faults = api.faults
    if method == "GET" and path == "/state":
        return h.reply_json(200, _state(api))
    if method == "GET" and path == "/faults":
        return h.reply_json(200, faults.describe())
    if method == "GET" and path == "/requests":
        return h.reply_json(200, api.requests.dump())
    if path == "/nodes" or path.startswith("/nodes/") or path.startswith("/pods/"):
        return handle_nodesim(api, h, method, path)
    if method != "POST":
        raise errors.method_not_allowed()
    body = _body(h)
    if path == "/reset":
        faults.reset()
        return h.reply_json(200, faults.describe())
    if path in ("/delay", "/throttle", "/errors", "/garbage"):
        action = {"/errors": "error"}.get(path, path[1:])
        try:
            rule = faults.add(action, body)
        except (ValueError, TypeError) as exc:
            raise errors.bad_request("bad fault rule: %s" % exc)
        return h.reply_json(200, rule)
    if path == "/watches/drop":
        return h.reply_json(200, {"dropped": api.watches.drop_all()})
    if path == "/watches/close-interval":
        faults.set_watch_close_interval(body.get("seconds", 0))
        return h.reply_json(200, faults.describe())
    if path == "/compact":
        api.store.compact()
        expired = api.watches.expire_all() if body.get("expireWatches", True) else 0
        return h.reply_json(200, dict(_state(api), expiredWatches=expired))
    if path == "/bulk":
        return h.reply_json(200, bulk(api, body))
    if path == "/requests/clear":
        api.requests.clear()
        return h.reply_json(200, {})
    if path == "/tokens":
        tokens = body.get("tokens")
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise errors.bad_request("tokens must be a list of strings")
        api.tokens = set(tokens)
        return h.reply_json(200, {"tokens": len(tokens)})
    raise errors.path_not_found()


# ------------------------------------------------------------ node simulator

def handle_nodesim(api, h, method, path):
    """/_test/nodes (GET: state), /_test/nodes/{add,remove,config},
    /_test/pods/{fail,complete,unready,ready} {"namespace","name",...}."""
    sim = api.nodesim
    if sim is None:
        raise errors.ApiError(404, "NotFound", "the node simulator is not running "
                              "(start the server with --nodes N)")
    if method == "GET" and path == "/nodes":
        return h.reply_json(200, sim.describe())
    if method != "POST":
        raise errors.method_not_allowed()
    body = _body(h)
    if path == "/nodes/add":
        return h.reply_raw(201, sim.add_node(body).raw)
    if path == "/nodes/remove":
        return h.reply_raw(200, sim.remove_node(_required(body, "name")).raw)
    if path == "/nodes/config":
        return h.reply_json(200, sim.configure(body))
    action = path[len("/pods/"):]
    if path.startswith("/pods/") and action in ("fail", "complete", "unready", "ready"):
        stored = sim.pod_action(body.get("namespace") or "default", _required(body, "name"),
                                action, body)
        return h.reply_raw(200, stored.raw)
    raise errors.path_not_found()


def _required(body, field):
    value = body.get(field)
    if not isinstance(value, str) or not value:
        raise errors.bad_request("%s is required" % field)
    return value


# --------------------------------------------------------------------- bulk

def _default_pod(namespace, name, labels):
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels),
                     "annotations": {"warmpool.io/bench": "true"}},
        "spec": {"containers": [{"name": "main", "image": "registry.local/bench:1.0",
                                 "command": ["/bin/sh", "-c", "sleep 3600"],
                                 "ports": [{"containerPort": 8080}],
                                 "resources": {"requests": {"cpu": "10m",
                                                            "memory": "16Mi"}}}]},
    }


def _resource_for(api, spec):
    kind = spec.get("kind", "Pod")
    api_version = spec.get("apiVersion")
    for res in api.registry.resources:
        if res.kind == kind and (api_version is None or res.api_version == api_version):
            return res
    raise errors.bad_request("unknown kind %s" % kind)


def bulk(api, body):
    """{"objects":[...]} or {"generate":{kind, apiVersion?, namespace, count,
    namePrefix?, labels?, template?}}: create many objects at once (no
    admission webhooks; one watch event each)."""
    created = {}
    groups = {}
    if "generate" in body:
        spec = body["generate"]
        res = _resource_for(api, spec)
        namespace = spec.get("namespace", "default")
        count = int(spec.get("count", 0))
        prefix = spec.get("namePrefix", res.singular + "-")
        labels = spec.get("labels") or {"app": "bench"}
        template = spec.get("template")
        if res.namespaced:
            api.store.ensure_namespace(namespace)
        objs = []
        for i in range(count):
            name = "%s%d" % (prefix, i)
            if template is not None:
                obj = copy.deepcopy(template)
                meta = obj.setdefault("metadata", {})
                meta["name"] = name
                if res.namespaced:
                    meta["namespace"] = namespace
                obj.setdefault("apiVersion", res.api_version)
                obj.setdefault("kind", res.kind)
            elif res.plural == "pods":
                obj = _default_pod(namespace, name, labels)
            else:
                raise errors.bad_request("generate needs a template for kind %s" % res.kind)
            objs.append(obj)
        groups[res] = objs
    for obj in body.get("objects") or []:
        if not isinstance(obj, dict):
            raise errors.bad_request("objects must be JSON objects")
        res = api.registry.by_kind(obj.get("apiVersion", ""), obj.get("kind", ""))
        if res is None:
            raise errors.bad_request("unknown apiVersion/kind %s/%s"
                                     % (obj.get("apiVersion"), obj.get("kind")))
        if res.namespaced:
            api.store.ensure_namespace(obj.get("metadata", {}).get("namespace") or "default")
            obj.setdefault("metadata", {}).setdefault("namespace", "default")
        groups.setdefault(res, []).append(obj)
    for res, objs in groups.items():
        created[res.qualified] = api.store.bulk_create(res, objs)
    return {"created": created, "resourceVersion": api.store.rv}
