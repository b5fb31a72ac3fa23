"""Discovery documents: /version, /api, /apis, /apis/<group>[/<version>], and a
minimal OpenAPI v3 (/openapi/v3) that tells kubectl which PATCH endpoints
accept the fieldValidation parameter (so `kubectl apply` validates on the
server instead of needing schemas). The legacy unaggregated discovery format
is served; clients asking for aggregated discovery fall back to it, as they
do against any server that answers plain application/json.
"""
import base64
import hashlib
import json

KUBE_VERSION = {"major": "1", "minor": "32", "gitVersion": "v1.32.0",
                "gitCommit": "0000000000000000000000000000000000000000",
                "gitTreeState": "clean", "buildDate": "2024-12-11T00:00:00Z",
                "goVersion": "go1.23.3", "compiler": "gc", "platform": "linux/amd64"}

_SUBRESOURCE_VERBS = ["get", "patch", "update"]
_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


def storage_version_hash(res):
    digest = hashlib.sha256(("%s/%s/%s" % (res.group, res.version, res.kind)).encode()).digest()
    return base64.b64encode(digest[:8]).decode()


def version():
    return dict(KUBE_VERSION)


def api_versions(server_address):
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                            "serverAddress": server_address}]}


def _group(registry, group):
    versions = [{"groupVersion": "%s/%s" % (g, v), "version": v}
                for g, v in registry.group_versions() if g == group]
    return {"name": group, "versions": versions, "preferredVersion": versions[0]}


def api_group_list(registry):
    groups = []
    for g, _ in registry.group_versions():
        if g and all(x["name"] != g for x in groups):
            groups.append(_group(registry, g))
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(registry, group):
    if not any(g == group for g, _ in registry.group_versions()):
        return None
    return dict({"kind": "APIGroup", "apiVersion": "v1"}, **_group(registry, group))


def api_resource_list(registry, group, version):
    resources = registry.in_group_version(group, version)
    if not resources:
        return None
    out = []
    for res in resources:
        entry = {"name": res.plural, "singularName": res.singular,
                 "namespaced": res.namespaced, "kind": res.kind, "verbs": list(_VERBS)}
        if res.plural == "namespaces":
            entry["verbs"] = ["create", "delete", "get", "list", "patch", "update", "watch"]
        if res.short_names:
            entry["shortNames"] = list(res.short_names)
        if res.categories:
            entry["categories"] = list(res.categories)
        entry["storageVersionHash"] = storage_version_hash(res)
        out.append(entry)
        for sub in res.subresources():
            sub_entry = {"name": "%s/%s" % (res.plural, sub), "singularName": "",
                         "namespaced": res.namespaced, "kind": res.kind,
                         "verbs": list(_SUBRESOURCE_VERBS)}
            if sub == "scale":
                sub_entry.update({"group": "autoscaling", "version": "v1", "kind": "Scale"})
            if sub == "finalize":
                sub_entry["verbs"] = ["update"]
            out.append(sub_entry)
    gv = "%s/%s" % (group, version) if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv,
            "resources": out}


# ------------------------------------------------------------------ OpenAPI v3

def _gv_path(group, version):
    return "apis/%s/%s" % (group, version) if group else "api/%s" % version


def _query(name):
    return {"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}}


def _operation(res, action, params=()):
    return {"operationId": "%s%s" % (action, res.kind),
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": {"group": res.group, "version": res.version,
                                               "kind": res.kind},
            "parameters": [_query(p) for p in params],
            "responses": {"200": {"description": "OK"}}}


def openapi_gv_document(registry, group, version):
    paths = {}
    for res in registry.in_group_version(group, version):
        base = "/" + _gv_path(group, version)
        if res.namespaced:
            base += "/namespaces/{namespace}"
        collection = "%s/%s" % (base, res.plural)
        write = ("dryRun", "fieldManager", "fieldValidation", "pretty")
        paths[collection] = {
            "get": _operation(res, "list", ("labelSelector", "fieldSelector", "limit",
                                            "continue", "resourceVersion", "watch")),
            "post": _operation(res, "post", write),
            "delete": _operation(res, "deletecollection", ("labelSelector",)),
        }
        item = collection + "/{name}"
        paths[item] = {"get": _operation(res, "get"), "put": _operation(res, "put", write),
                       "patch": _operation(res, "patch", write + ("force",)),
                       "delete": _operation(res, "delete", ("dryRun", "propagationPolicy"))}
        for sub in res.subresources():
            paths["%s/%s" % (item, sub)] = {"get": _operation(res, "get"),
                                            "put": _operation(res, "put", write),
                                            "patch": _operation(res, "patch", write)}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes",
                                         "version": KUBE_VERSION["gitVersion"]},
            "paths": paths, "components": {"schemas": _schemas(registry, group, version)}}


def _schemas(registry, group, version):
    """The structural schemas of a group-version's custom resources, named
    and tagged as kube-apiserver publishes them (what `kubectl explain`
    reads); built-in kinds' schemas are not served."""
    schemas = {}
    for res in registry.in_group_version(group, version):
        if not res.schema:
            continue
        name = "%s.%s.%s" % (".".join(reversed(group.split("."))), version, res.kind)
        schema = dict(res.schema)
        schema["x-kubernetes-group-version-kind"] = [{"group": group, "kind": res.kind,
                                                      "version": version}]
        schemas[name] = schema
    return schemas


def openapi_documents(registry):
    """{"/openapi/v3/<gv path>": bytes} and the root index, built once."""
    docs = {}
    index = {}
    for group, version in registry.group_versions():
        body = json.dumps(openapi_gv_document(registry, group, version)).encode()
        path = _gv_path(group, version)
        docs["/openapi/v3/" + path] = body
        digest = hashlib.sha512(body).hexdigest()[:128].upper()
        index[path] = {"serverRelativeURL": "/openapi/v3/%s?hash=%s" % (path, digest)}
    docs["/openapi/v3"] = json.dumps({"paths": index}).encode()
    return docs
