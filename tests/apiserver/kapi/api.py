"""Resource requests: CRUD, list, watch, patch and the status, scale and
finalize subresources, on top of the store. `h` is the HTTP handler (see
server.py) offering query(), body(), reply_json(), reply_raw(), stream()."""
import json

from . import (corekinds, decode, errors, fields, gotypes, labels, managedfields, patch,
               protobuf, schema, tables, watch, yamlsub)
from .errors import ApiError, FieldError
from .objpath import dig, jcopy, put
from . import store as store_module
from .store import Context

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
CUSTOM_PATCH_TYPES = [JSON_PATCH, MERGE_PATCH, APPLY_PATCH]
BUILTIN_PATCH_TYPES = [JSON_PATCH, MERGE_PATCH, STRATEGIC_PATCH, APPLY_PATCH]

# Built-in registries that answer DELETE with a Status instead of the object.
_DELETE_RETURNS_STATUS = {"events", "leases"}


class Target:
    """What a resource URL names."""

    def __init__(self, res, ns, name, sub, legacy_watch):
        self.res, self.ns, self.name, self.sub = res, ns, name, sub
        self.legacy_watch = legacy_watch


def parse_target(registry, group, version, rest):
    """Resolve the path after /api/v1 or /apis/<g>/<v>; None when nothing matches."""
    legacy_watch = bool(rest) and rest[0] == "watch"
    if legacy_watch:
        rest = rest[1:]
    if not rest or any(not part for part in rest):
        return None
    ns = ""
    if rest[0] == "namespaces" and len(rest) >= 3 and not (
            len(rest) == 3 and rest[2] in ("status", "finalize")):
        ns, rest = rest[1], rest[2:]
    if len(rest) > 3:
        return None
    res = registry.lookup(group, version, rest[0])
    if res is None:
        return None
    name = rest[1] if len(rest) > 1 else ""
    sub = rest[2] if len(rest) > 2 else ""
    if ns and not res.namespaced:
        return None
    if res.namespaced and name and not ns:
        return None
    if sub and (sub not in res.subresources() or legacy_watch):
        return None
    return Target(res, ns, name, sub, legacy_watch)


# ------------------------------------------------------------ negotiation

def output_format(accept):
    """'json', 'table', 'partial' or None (nothing acceptable)."""
    if not accept:
        return "json"
    for part in accept.split(","):
        items = [p.strip() for p in part.split(";")]
        media = items[0].lower()
        params = dict(p.split("=", 1) for p in items[1:] if "=" in p)
        as_kind = params.get("as")
        if media not in ("application/json", "*/*", "application/*"):
            continue
        if as_kind is None:
            return "json"
        if as_kind == "Table" and params.get("g") == "meta.k8s.io" and \
                params.get("v") in ("v1", "v1beta1"):
            return "table"
        if as_kind in ("PartialObjectMetadata", "PartialObjectMetadataList") and \
                params.get("g") == "meta.k8s.io" and params.get("v") in ("v1", "v1beta1"):
            return "partial"
    return None


TABLE_TYPE = "application/json;as=Table;v=v1;g=meta.k8s.io"
PARTIAL_TYPE = "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io"
PARTIAL_LIST_TYPE = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"


class ResourceHandler:
    def __init__(self, api, h, target):
        self.api, self.h, self.t = api, h, target
        self.store = api.store
        self.res = target.res

    # ---------------------------------------------------------------- entry
    def handle(self, method):
        t = self.t
        fmt = output_format(self.h.headers.get("Accept"))
        if fmt is None:
            raise ApiError(406, "NotAcceptable",
                           "only the following media types are accepted: application/json, "
                           "application/json;as=Table;v=v1;g=meta.k8s.io")
        self.fmt = fmt
        if t.sub == "finalize" and method != "PUT":
            raise errors.method_not_allowed()
        if method == "GET":
            if t.legacy_watch or self._flag("watch"):
                return self.watch()
            if t.sub == "scale":
                return self.reply_scale(self.store.get(self.res, t.ns, t.name).obj)
            if t.name:
                return self.reply_object(200, self.store.get(self.res, t.ns, t.name))
            return self.list()
        if t.legacy_watch:
            raise errors.method_not_allowed()
        if method == "POST" and not t.name:
            if self.res.namespaced and not t.ns:
                raise errors.method_not_allowed()
            return self.create()
        if method == "PUT" and t.name:
            if t.sub == "finalize":
                return self.finalize()
            return self.update()
        if method == "PATCH" and t.name and t.sub != "finalize":
            return self.patch()
        if method == "DELETE" and t.name and not t.sub:
            return self.delete()
        if method == "DELETE" and not t.name:
            return self.delete_collection()
        raise errors.method_not_allowed()

    # -------------------------------------------------------------- helpers
    def _flag(self, name):
        return self.h.query(name) in ("true", "1")

    def ctx(self, admit=True):
        dry = self.h.query_all("dryRun")
        for value in dry:
            if value != "All":
                raise invalid_options("dryRun", value, 'supported values: "All"')
        validation = self.h.query("fieldValidation")
        if validation not in (None, "", "Ignore", "Warn", "Strict"):
            raise errors.bad_request('fieldValidation parameter unsupported: %s' % validation)
        ctx = Context(user=self.h.user, dry_run=bool(dry),
                      admission=self.api.admission if admit else None,
                      field_manager=self.h.query("fieldManager"))
        ctx.managed = managedfields.Write(self.h.query("fieldManager") or
                                          managedfields.manager_from_user_agent(
                                              self.h.headers.get("User-Agent")))
        return ctx

    def finish(self, code, stored_or_obj, ctx):
        self.h.warnings.extend(ctx.warnings)
        if hasattr(stored_or_obj, "raw"):
            return self.reply_object(code, stored_or_obj)
        return self.h.reply_json(code, stored_or_obj)

    def reply_object(self, code, stored):
        if self.fmt == "table":
            include = self.h.query("includeObject") or "Metadata"
            body = tables.table(self.res, [stored.obj], {"resourceVersion":
                                                         stored.meta.get("resourceVersion", "")},
                                include)
            return self.h.reply_json(code, body, TABLE_TYPE)
        if self.fmt == "partial":
            return self.h.reply_json(code, tables.partial_object(stored.obj), PARTIAL_TYPE)
        return self.h.reply_raw(code, stored.raw)

    def decode_object(self, data):
        content_type = (self.h.headers.get("Content-Type") or "application/json")
        media = content_type.split(";")[0].strip().lower()
        accepted = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]
        if media == accepted[2]:
            try:
                return protobuf.decode(data)
            except (protobuf.ProtobufError, UnicodeDecodeError):
                raise errors.unsupported_media_type(media, accepted[:2])
        if media not in ("application/json", "application/yaml", "*/*", ""):
            raise errors.unsupported_media_type(media, accepted)
        obj = decode_json(data)
        if not isinstance(obj, dict):
            raise errors.bad_request("couldn't get version/kind; json parse error: json: "
                                     "cannot unmarshal %s into Go value of type "
                                     "struct { APIVersion string \"json:\\\"apiVersion,"
                                     "omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty"
                                     "\\\"\" }" % json_type(obj))
        return obj

    def check_identity(self, obj, expected_kind=None, expected_version=None):
        """apiVersion/kind/namespace of a request body must fit the URL."""
        kind = expected_kind or self.res.kind
        api_version = expected_version or self.res.api_version
        if not obj.get("kind") and not obj.get("apiVersion"):
            if self.res.custom and expected_kind is None:
                raise errors.bad_request("Object 'Kind' is missing in '%s'"
                                         % json.dumps(obj, separators=(",", ":"))[:1024])
            obj["kind"], obj["apiVersion"] = kind, api_version
        if obj.get("apiVersion") != api_version:
            raise errors.bad_request("the API version in the data (%s) does not match the "
                                     "expected API version (%s)"
                                     % (obj.get("apiVersion", ""), api_version))
        if obj.get("kind") != kind and self.res.custom and expected_kind is None:
            name = (obj.get("metadata") or {}).get("name") or ""
            raise errors.invalid(self.res, name, [FieldError(
                "Invalid", "kind", obj.get("kind"), "must be " + kind)], kind=obj.get("kind"))
        if obj.get("kind") != kind:
            raise errors.bad_request("the kind in the data (%s) does not match the expected "
                                     "kind (%s)" % (obj.get("kind", ""), kind))
        meta = obj.get("metadata")
        if meta is None:
            meta = obj["metadata"] = {}
        if not isinstance(meta, dict):
            raise errors.bad_request("metadata must be an object")
        ns = meta.get("namespace")
        if self.res.namespaced and ns and ns != self.t.ns:
            raise errors.bad_request("the namespace of the provided object does not match the "
                                     "namespace sent on the request")

    def prune_unknown(self, obj, warnings, apply=False, stored=None):
        """Drop the fields a custom resource's schema does not know, as
        kube-apiserver's decoder does, answering per fieldValidation.
        stored: a stored version of the object (a patch's or an update's):
        top-level fields equal to its own were pruned and checked when it
        was written, so only the others are looked at (a status patch: only
        status)."""
        if stored is not None and isinstance(obj, dict):
            changed = {k: v for k, v in obj.items()
                       if k in ("apiVersion", "kind") or k not in stored or stored[k] != v}
            if len(changed) < len(obj):
                looked_at = list(changed)
                self.prune_unknown(changed, warnings, apply)
                for key in looked_at:       # top-level fields pruning or typing dropped
                    if key not in changed:
                        del obj[key]
                return obj
        known = self.res.schema or corekinds.known_fields(self.res)
        if known and isinstance(obj, dict):
            pruned = schema.prune(known, obj)
            schema.check_unknown_fields(self.res, pruned, self.h.query("fieldValidation"),
                                        warnings, apply)
        try:
            gotypes.check(self.res, obj)
        except gotypes.TypeMismatch as exc:
            raise errors.bad_request('%s in version "%s" cannot be handled as a %s: %s'
                                     % (self.res.kind, self.res.version, self.res.kind, exc))
        return obj

    def check_name(self, obj):
        name = obj.get("metadata", {}).get("name")
        if name != self.t.name:
            raise errors.bad_request("the name of the object (%s) does not match the name on "
                                     "the URL (%s)" % (name or "", self.t.name))

    # ----------------------------------------------------------------- list
    def selectors(self):
        return (labels.parse(self.h.query("labelSelector")),
                fields.parse(self.h.query("fieldSelector"), self.res))

    def list(self):
        label_sel, field_sel = self.selectors()
        limit = self.h.query("limit")
        try:
            limit = max(0, int(limit)) if limit else 0    # 0 or less: everything
        except ValueError:
            raise errors.bad_request("invalid limit: %r" % limit)
        cont = self.h.query("continue")
        rv_text = self.h.query("resourceVersion")
        match = self.h.query("resourceVersionMatch")
        if match and not rv_text:
            raise invalid_options("resourceVersionMatch", None,
                                  "resourceVersionMatch is forbidden unless resourceVersion is "
                                  "provided", kind="Forbidden")
        if match and match not in ("Exact", "NotOlderThan"):
            raise invalid_options("resourceVersionMatch", match,
                                  'supported values: "Exact", "NotOlderThan"',
                                  kind="NotSupported")
        if cont and rv_text:
            raise errors.bad_request("specifying resource version is not allowed when using "
                                     "continue")
        rv = None
        if rv_text:
            try:
                rv = int(rv_text)
            except ValueError:
                raise errors.bad_request('invalid resource version "%s"' % rv_text)
            if match == "Exact" and rv == 0:
                raise invalid_options("resourceVersionMatch", "Exact",
                                      "resourceVersionMatch \"exact\" is forbidden for "
                                      "resourceVersion \"0\"", kind="Forbidden")
            if rv > self.store.rv and not self.store.wait_for_rv(rv, 3.0):
                raise ApiError(504, "Timeout", "Too large resource version: %d, current: %d"
                               % (rv, self.store.rv),
                               {"causes": [{"reason": "ResourceVersionTooLarge",
                                            "message": "Too large resource version"}],
                                "retryAfterSeconds": 1})
        items, list_rv, token, remaining = self.store.list(
            self.res, self.t.ns, label_sel, field_sel, limit, cont, rv, match == "Exact")
        meta = {"resourceVersion": str(list_rv)}
        if token:
            meta["continue"] = token
        if remaining is not None:
            meta["remainingItemCount"] = remaining
        if self.fmt == "table":
            body = tables.table(self.res, [s.obj for s in items], meta,
                                self.h.query("includeObject") or "Metadata")
            return self.h.reply_json(200, body, TABLE_TYPE)
        if self.fmt == "partial":
            body = {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
                    "metadata": meta, "items": [tables.partial_object(s.obj) for s in items]}
            return self.h.reply_json(200, body, PARTIAL_LIST_TYPE)
        return self.h.reply_raw(200, self.list_body(meta, items))

    def list_body(self, meta, items):
        head = json.dumps({"kind": self.res.kind + "List", "apiVersion": self.res.api_version,
                           "metadata": meta}, separators=(",", ":")).encode()
        prefix = None
        if self.res.builtin:
            prefix = json.dumps({"apiVersion": self.res.api_version, "kind": self.res.kind},
                                separators=(",", ":")).encode()[:-1] + b","
        return head[:-1] + b',"items":[' + b",".join(s.list_item(prefix) for s in items) + b"]}"

    # ---------------------------------------------------------------- watch
    def watch(self):
        label_sel, field_sel = self.selectors()
        if self.t.name:
            name_sel = fields.parse("metadata.name=" + self.t.name.replace("\\", "\\\\")
                                    .replace(",", "\\,").replace("=", "\\="), self.res)
            field_sel = fields.FieldSelector(field_sel.terms + name_sel.terms)
        transform = None
        if self.fmt == "table":
            include = self.h.query("includeObject") or "Metadata"
            transform = lambda obj: tables.table(self.res, [obj], {}, include)
        elif self.fmt == "partial":
            transform = tables.partial_object
        params = {k: self.h.query(k) for k in ("resourceVersion", "timeoutSeconds",
                                               "allowWatchBookmarks", "sendInitialEvents")}
        request = self.watch_request(label_sel, field_sel, params, transform)
        content_type = {"table": TABLE_TYPE, "partial": PARTIAL_TYPE}.get(self.fmt)
        writer = self.h.start_stream(content_type)
        ended = watch.serve(self.api.store, self.api.watches, self.api.faults, request, writer,
                            self.h.connection, self.api.bookmark_interval)
        if not ended:
            self.h.close_connection = True

    def watch_request(self, label_sel, field_sel, params, transform):
        """What to watch (a view such as eventsv1 watches another resource)."""
        return watch.WatchRequest(self.res, self.t.ns, label_sel, field_sel, params,
                                  transform)

    # --------------------------------------------------------------- create
    def create(self):
        if self.t.sub:
            raise errors.method_not_allowed()
        obj = self.decode_object(self.h.body())
        self.check_identity(obj)
        ctx = self.ctx()
        self.prune_unknown(obj, ctx.warnings)
        stored = self.store.create(ctx, self.res, self.t.ns, obj)
        return self.finish(201, stored, ctx)

    # --------------------------------------------------------------- update
    def update(self):
        if self.t.sub == "scale":
            scale = self.decode_object(self.h.body())
            self.check_identity(scale, "Scale", "autoscaling/v1")
            self.check_name(scale)
            return self.write_scale(lambda current: scale)
        body = self.checked_body()
        ctx = self.ctx()
        # any stored version of the object was pruned and checked when it
        # was written: what the body repeats of it needs no second look
        stored = self.store.find(self.res, self.t.ns, self.t.name)
        stored = stored.obj if stored is not None else None
        self.prune_unknown(body, ctx.warnings, stored=stored)
        fresh = [body]

        def transform(current):
            # the decoded body on the first attempt (the store owns it from
            # then on); decoded again only when a concurrent write makes the
            # store build the object again (its warnings were given already)
            return fresh.pop() if fresh else self.prune_unknown(self.checked_body(), [],
                                                                stored=stored)
        stored = self.store.update(ctx, self.res, self.t.ns, self.t.name, transform,
                                   self.t.sub or None, copy_current=False)
        return self.finish(200, stored, ctx)

    def checked_body(self):
        """The decoded request body of a PUT, its identity and name checked."""
        body = self.decode_object(self.h.body())
        self.check_identity(body)
        self.check_name(body)
        return body

    def finalize(self):
        body = self.decode_object(self.h.body())
        self.check_identity(body)
        self.check_name(body)
        ctx = self.ctx(admit=False)
        stored = self.store.finalize_namespace(ctx, self.t.name, lambda current: body)
        return self.finish(200, stored, ctx)

    # ---------------------------------------------------------------- patch
    def patch(self):
        content_type = (self.h.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        allowed = BUILTIN_PATCH_TYPES if self.res.builtin else CUSTOM_PATCH_TYPES
        if content_type not in allowed:
            raise errors.unsupported_media_type(content_type, allowed)
        if content_type != APPLY_PATCH and self.h.query("force") is not None:
            raise invalid_options("force", None, "may not be specified for non-apply patch",
                                  kind="Forbidden", options_kind="PatchOptions")
        data = self.h.body()
        if content_type == JSON_PATCH:
            try:
                ops = patch.decode_json_patch(data)
            except patch.PatchError as exc:
                raise errors.bad_request(str(exc))
            apply = lambda doc: patch.apply_json_patch(doc, ops)
        else:
            document = decode_json(data, apply=content_type == APPLY_PATCH)
            if not isinstance(document, dict):
                raise errors.bad_request("couldn't get version/kind; json parse error: json: "
                                         "cannot unmarshal %s into Go value of type "
                                         "map[string]interface {}" % json_type(document))
            if content_type == MERGE_PATCH:
                # store.update hands transforms a private copy: merge into it
                apply = lambda doc: patch.apply_merge_patch(doc, document, in_place=True)
            elif content_type == STRATEGIC_PATCH:
                apply = lambda doc: patch.apply_strategic_merge_patch(doc, document,
                                                                      in_place=True)
            else:
                return self.server_side_apply(document)
        if self.t.sub == "scale":
            return self.write_scale(lambda current: self._patched(apply, current))
        ctx = self.ctx()

        def transform(current, stored_obj):
            result = self._patched(apply, current)
            if not isinstance(result, dict):
                raise errors.bad_request("the patched object is not a JSON object")
            self.check_identity(result)
            self.check_name(result)
            return self.prune_unknown(result, ctx.warnings, stored=stored_obj)
        stored = self.store.update(ctx, self.res, self.t.ns, self.t.name, transform,
                                   self.t.sub or None, with_stored=True)
        return self.finish(200, stored, ctx)

    def _patched(self, apply, current):
        try:
            return apply(current)
        except patch.PatchError as exc:
            if exc.malformed:
                raise errors.bad_request(str(exc))
            if exc.internal:
                raise errors.internal_error(str(exc))
            raise ApiError(422, "Invalid", str(exc))

    def server_side_apply(self, document):
        """application/apply-patch+yaml: create the object, or merge the
        applied configuration into it with field ownership (conflicts are
        409 unless force=true; fields this manager applied before and no
        longer applies are removed)."""
        if not self.h.query("fieldManager"):
            raise invalid_options("fieldManager", None, "is required for apply patch",
                                  kind="Required", options_kind="PatchOptions")
        self.check_identity(document)
        self.check_name(document)
        ctx = self.ctx()
        self.prune_unknown(document, ctx.warnings, apply=True)
        for field in ("resourceVersion", "uid", "creationTimestamp", "generation",
                      "managedFields"):
            document["metadata"].pop(field, None)
        ctx.managed = managedfields.Write(self.h.query("fieldManager"), "Apply",
                                          jcopy(document), self._flag("force"))
        if self.store.find(self.res, self.t.ns, self.t.name) is None and not self.t.sub:
            try:
                stored = self.store.create(ctx, self.res, self.t.ns, jcopy(document))
                return self.finish(201, stored, ctx)
            except ApiError as exc:
                if exc.reason != "AlreadyExists":
                    raise
        def transform(current):
            try:
                return managedfields.apply(ctx.managed, self.res, current, self.t.sub)
            except patch.PatchError as exc:     # a list item without its key
                raise errors.bad_request("failed to create typed patch object (%s/%s, Kind=%s)"
                                         ": %s" % (self.res.group, self.res.version,
                                                   self.res.kind, exc))
        stored = self.store.update(ctx, self.res, self.t.ns, self.t.name, transform,
                                   self.t.sub or None)
        return self.finish(200, stored, ctx)

    # ---------------------------------------------------------------- scale
    def scale_of(self, obj):
        paths = self.res.scale
        meta = obj["metadata"]
        scale_meta = {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                           "creationTimestamp") if k in meta}
        spec_replicas = dig(obj, *paths["spec"])
        status = {"replicas": dig(obj, *paths["status"]) or 0}
        selector = dig(obj, *paths["selector"])
        if selector:
            status["selector"] = selector
        return {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": scale_meta,
                "spec": {"replicas": spec_replicas or 0}, "status": status}

    def reply_scale(self, obj):
        return self.h.reply_json(200, self.scale_of(obj))

    def write_scale(self, make_scale):
        ctx = self.ctx(admit=False)
        paths = self.res.scale

        def transform(current):
            scale = make_scale(self.scale_of(current))
            if not isinstance(scale, dict):
                raise errors.bad_request("the patched object is not a JSON object")
            replicas = (scale.get("spec") or {}).get("replicas", 0)
            errs = []
            if not isinstance(replicas, int) or isinstance(replicas, bool):
                errs.append(FieldError("Invalid", "spec.replicas", replicas,
                                       "must be an integer"))
            elif replicas < 0:
                errs.append(FieldError("Invalid", "spec.replicas", replicas,
                                       "must be greater than or equal to 0"))
            if errs:
                raise errors.ApiError(422, "Invalid", 'Scale.autoscaling "%s" is invalid: %s'
                                      % (self.t.name, errs[0]),
                                      {"name": self.t.name, "group": "autoscaling",
                                       "kind": "Scale",
                                       "causes": [{"reason": "FieldValueInvalid",
                                                   "message": errs[0].body(),
                                                   "field": "spec.replicas"}]})
            rv = (scale.get("metadata") or {}).get("resourceVersion")
            if rv:
                current["metadata"]["resourceVersion"] = rv
            put(current, paths["spec"], replicas)
            return current
        stored = self.store.update(ctx, self.res, self.t.ns, self.t.name, transform, "scale")
        self.h.warnings.extend(ctx.warnings)
        return self.reply_scale(stored.obj)

    # --------------------------------------------------------------- delete
    def delete_options(self):
        data = self.h.body()
        options = {}
        if data.strip():
            options = decode_json(data)
            if not isinstance(options, dict):
                raise errors.bad_request("DeleteOptions must be a JSON object")
        for name in ("propagationPolicy", "gracePeriodSeconds", "orphanDependents"):
            value = self.h.query(name)
            if value is not None:
                if name == "orphanDependents":
                    value = value == "true"
                elif name == "gracePeriodSeconds":
                    value = store_module.parse_grace_query(value)
                options[name] = value
        store_module.check_delete_options(options)
        if self.h.query_all("dryRun"):
            options["dryRun"] = self.h.query_all("dryRun")
        policy = options.get("propagationPolicy")
        if policy and policy not in ("Orphan", "Background", "Foreground"):
            raise invalid_options("propagationPolicy", policy,
                                  'supported values: "Foreground", "Background", "Orphan"',
                                  kind="NotSupported", options_kind="DeleteOptions")
        if policy and options.get("orphanDependents") is not None:
            raise invalid_options("propagationPolicy", policy,
                                  "orphanDependents and deletionPropagation cannot be both set",
                                  options_kind="DeleteOptions")
        return options

    def delete(self):
        options = self.delete_options()
        ctx = self.ctx(admit=False)
        ctx.dry_run = ctx.dry_run or bool(options.get("dryRun"))
        stored, removed = self.store.delete(ctx, self.res, self.t.ns, self.t.name, options)
        if removed and self.res.plural in _DELETE_RETURNS_STATUS:
            details = {"name": self.t.name, "kind": self.res.plural,
                       "uid": stored.meta.get("uid")}
            if self.res.group:
                details["group"] = self.res.group
            return self.h.reply_json(200, errors.success_status(details))
        # like kube-apiserver: 202 only for an explicit orphanDependents=false
        # that did not delete at once (kept for old clients)
        code = 202 if not removed and options.get("orphanDependents") is False else 200
        return self.finish(code, stored, ctx)

    def delete_collection(self):
        options = self.delete_options()
        label_sel, field_sel = self.selectors()
        ctx = self.ctx(admit=False)
        ctx.dry_run = ctx.dry_run or bool(options.get("dryRun"))
        items, list_rv, _, _ = self.store.list(self.res, self.t.ns, label_sel, field_sel)
        deleted = []
        for item in items:
            try:
                stored, _ = self.store.delete(ctx, self.res, item.meta.get("namespace", ""),
                                              item.meta["name"], options)
                deleted.append(stored)
            except ApiError as exc:
                if exc.code != 404:
                    raise
        return self.h.reply_raw(200, self.list_body({"resourceVersion": str(self.store.rv)},
                                                    deleted))


# ------------------------------------------------------------------ helpers

def json_type(value):
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "object" if isinstance(value, dict) else "null"


def decode_json(data, apply=False):
    """A JSON request body (or, for apply, JSON or YAML) with kube-apiserver's
    decoding errors; nesting deeper than decode.MAX_DEPTH is a 400."""
    try:
        return decode.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        if apply and not isinstance(exc, decode.TooDeep):
            try:
                return yamlsub.load(data.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as yaml_exc:
                raise errors.bad_request("error decoding YAML: %s" % yaml_exc)
        raise errors.bad_request("couldn't get version/kind; json parse error: %s" % exc)


def invalid_options(field, value, detail, kind="Invalid", options_kind="ListOptions"):
    err = FieldError(kind, field, value, detail)
    return ApiError(422, "Invalid", '%s.meta.k8s.io "" is invalid: %s' % (options_kind, err),
                    {"group": "meta.k8s.io", "kind": options_kind,
                     "causes": [{"reason": FieldError.REASONS[kind], "message": err.body(),
                                 "field": field}]})

