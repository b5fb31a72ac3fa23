"""Object storage with Kubernetes semantics.

One resourceVersion counter for every object (like etcd's revision): each
committed write bumps it by exactly one and appends one watch event, so the
history is a dense list indexed by resourceVersion. Stored objects are never
mutated; each keeps its JSON bytes so lists and watches write them as-is.

Write paths (create, update, delete) follow kube-apiserver's order: defaults,
mutating admission, system fields, validation, validating admission, then the
commit under the lock, which re-checks that the object did not change in the
meantime (optimistic concurrency: 409 Conflict for a stale resourceVersion,
transparent retry for writes without one).
"""
import base64
import bisect
import datetime
import json
import threading
import time

from . import errors, managedfields, strategy
from .errors import ApiError
from .objpath import jcopy


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


class Stored:
    """An immutable stored object and its serialized form."""
    __slots__ = ("obj", "raw")

    def __init__(self, obj):
        if "kind" in obj and list(obj)[:2] != ["apiVersion", "kind"]:
            # apiVersion and kind lead, so typed list items can drop them cheaply
            head = {"apiVersion": obj.get("apiVersion"), "kind": obj["kind"]}
            head.update((k, v) for k, v in obj.items() if k not in head)
            obj = head
        self.obj = obj
        self.raw = dumps(obj)

    def list_item(self, prefix):
        """The JSON for a list's items array: built-in (typed) lists carry no
        kind/apiVersion per item, so prefix (their leading bytes) is cut."""
        if prefix and self.raw.startswith(prefix):
            return b"{" + self.raw[len(prefix):]
        return self.raw

    @property
    def meta(self):
        return self.obj["metadata"]

    @property
    def rv(self):
        return int(self.obj["metadata"]["resourceVersion"])


class Event:
    """One committed write: ADDED, MODIFIED or DELETED at resourceVersion rv."""
    __slots__ = ("rv", "type", "res", "key", "obj", "prev", "_line")

    def __init__(self, rv, etype, res, key, obj, prev):
        self.rv, self.type, self.res, self.key = rv, etype, res, key
        self.obj, self.prev = obj, prev      # Stored; prev is None for ADDED
        self._line = None

    def line(self, etype=None):
        """The watch stream line for this event (optionally retyped)."""
        if etype is None or etype == self.type:
            if self._line is None:
                self._line = b'{"type":"%s","object":%s}\n' % (self.type.encode(), self.obj.raw)
            return self._line
        return b'{"type":"%s","object":%s}\n' % (etype.encode(), self.obj.raw)


class Context:
    """Who is writing and how: the parts of a request the write paths need."""

    def __init__(self, user=None, dry_run=False, admission=None, field_manager=None):
        self.user = user or {"username": "system:admin", "groups": ["system:masters",
                                                                     "system:authenticated"]}
        self.dry_run = dry_run
        self.admission = admission
        self.field_manager = field_manager
        self.warnings = []


SYSTEM_GC = {"username": "system:serviceaccount:kube-system:generic-garbage-collector",
             "groups": ["system:serviceaccounts", "system:serviceaccounts:kube-system",
                        "system:authenticated"]}
SYSTEM_NAMESPACE_CONTROLLER = {
    "username": "system:serviceaccount:kube-system:namespace-controller",
    "groups": ["system:serviceaccounts", "system:serviceaccounts:kube-system",
               "system:authenticated"]}

INITIAL_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
_WRITE_RETRIES = 16
_GENERATE_NAME_RETRIES = 8


class Store:
    def __init__(self, registry, history_limit=10000, first_rv=100):
        self.registry = registry
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.rv = first_rv
        self.history_limit = max(1, history_limit)
        self.history = []                 # Event, dense by rv
        self.compact_floor = first_rv     # watches from before this are 410 Gone
        self.objects = {r.key: {} for r in registry.resources}
        self._sorted = {}                 # res.key -> sorted keys (cache)
        self.uids = {}                    # uid -> (res, key)
        self.dependents = {}              # owner uid -> {(res.key, key)}
        self.cluster_ips = set()
        self.observers = []               # callables(event), run under the lock
        self.namespaces = registry.lookup("", "v1", "namespaces")

    # ------------------------------------------------------------- basics
    def key(self, res, ns, name):
        return (ns if res.namespaced else "", name)

    def get(self, res, ns, name):
        with self.lock:
            stored = self.objects[res.key].get(self.key(res, ns, name))
        if stored is None:
            raise errors.not_found(res, name)
        return stored

    def find(self, res, ns, name):
        return self.objects[res.key].get(self.key(res, ns, name))

    def by_uid(self, uid):
        entry = self.uids.get(uid)
        if entry is None:
            return None, None
        res, key = entry
        return res, self.objects[res.key].get(key)

    def compacted_rv(self):
        """The oldest resourceVersion a watch or consistent list may start from."""
        return max(self.compact_floor, self.rv - self.history_limit)

    def compact(self):
        """Forget history: everything before the current resourceVersion is too old."""
        with self.lock:
            self.compact_floor = self.rv
            self.history = []

    def events_after(self, rv):
        """Events with resourceVersion > rv (caller checked rv is not compacted)."""
        if not self.history:
            return []
        start = rv + 1 - self.history[0].rv
        return self.history[max(0, start):]

    def sorted_keys(self, res):
        keys = self._sorted.get(res.key)
        if keys is None:
            keys = self._sorted[res.key] = sorted(self.objects[res.key])
        return keys

    # ------------------------------------------------------- commit (locked)
    def _index(self, res, key, old, new):
        old_owners = {r.get("uid") for r in (old.meta.get("ownerReferences") or [])} if old else set()
        new_owners = {r.get("uid") for r in (new.meta.get("ownerReferences") or [])} if new else set()
        for uid in old_owners - new_owners:
            deps = self.dependents.get(uid)
            if deps:
                deps.discard((res.key, key))
                if not deps:
                    del self.dependents[uid]
        for uid in new_owners - old_owners:
            self.dependents.setdefault(uid, set()).add((res.key, key))
        if old is None:
            self.uids[new.meta["uid"]] = (res, key)
            self._sorted.pop(res.key, None)
        elif new is None:
            self.uids.pop(old.meta.get("uid"), None)
            self._sorted.pop(res.key, None)
            ip = (old.obj.get("spec") or {}).get("clusterIP") if res.plural == "services" else None
            self.cluster_ips.discard(ip)

    def _record(self, etype, res, key, stored, prev):
        event = Event(self.rv, etype, res, key, stored, prev)
        self.history.append(event)
        if len(self.history) > self.history_limit + self.history_limit // 4 + 64:
            del self.history[:len(self.history) - self.history_limit]
        for observer in self.observers:
            observer(event)
        self.changed.notify_all()
        return event

    def _commit_put(self, res, key, obj, prev):
        self.rv += 1
        obj["metadata"]["resourceVersion"] = str(self.rv)
        stored = Stored(obj)
        self.objects[res.key][key] = stored
        self._index(res, key, prev, stored)
        self._record("ADDED" if prev is None else "MODIFIED", res, key, stored, prev)
        return stored

    def _commit_remove(self, res, key):
        prev = self.objects[res.key].pop(key)
        self.rv += 1
        final = json.loads(prev.raw)
        final["metadata"]["resourceVersion"] = str(self.rv)
        stored = Stored(final)
        self._index(res, key, prev, None)
        self._record("DELETED", res, key, stored, prev)
        return stored

    # ------------------------------------------------------------- create
    def _check_namespace(self, res, ns):
        if not res.namespaced:
            return
        stored = self.objects[self.namespaces.key].get(("", ns))
        if stored is None:
            raise errors.not_found(self.namespaces, ns)
        if stored.meta.get("deletionTimestamp"):
            message = ("unable to create new content in namespace %s because it is being "
                       "terminated" % ns)
            raise ApiError(403, "Forbidden", '%s "%s" is forbidden: %s' % (
                res.qualified, "", message), {
                    "name": "", "group": res.group, "kind": res.plural,
                    "causes": [{"reason": "NamespaceTerminating", "message": message,
                                "field": "metadata.namespace"}]})

    def create(self, ctx, res, ns, obj):
        """Create obj (a fresh dict) in namespace ns; returns the Stored."""
        meta = strategy.metadata(obj)
        if res.namespaced:
            meta["namespace"] = ns
        else:
            meta.pop("namespace", None)
        with self.lock:
            self._check_namespace(res, ns)
        strategy.apply_defaults(res, obj)
        if ctx.admission and ctx.admission.applies(res, None):
            obj = ctx.admission.mutate(ctx, res, "CREATE", obj, None)
            strategy.apply_defaults(res, obj)
            meta = strategy.metadata(obj)
            if res.namespaced:
                meta["namespace"] = ns
        generated = not meta.get("name") and meta.get("generateName")
        if generated:
            meta["name"] = strategy.generate_name(meta["generateName"])
        strategy.prepare_create(res, obj)
        managedfields.record(getattr(ctx, "managed", None), res, None, obj, None,
                             meta["creationTimestamp"])
        strategy.validate(res, obj)
        if ctx.admission and ctx.admission.applies(res, None):
            ctx.admission.validate(ctx, res, "CREATE", obj, None)
        with self.lock:
            self._check_namespace(res, ns)
            for _ in range(_GENERATE_NAME_RETRIES):
                key = self.key(res, ns, meta["name"])
                if key not in self.objects[res.key]:
                    break
                if not generated:
                    raise errors.already_exists(res, meta["name"])
                meta["name"] = strategy.generate_name(meta["generateName"])
            else:
                raise errors.already_exists(res, meta["name"])
            if res.plural == "services":
                self._allocate_cluster_ip(obj)
            if ctx.dry_run:
                return Stored(obj)
            return self._commit_put(res, key, obj, None)

    def _allocate_cluster_ip(self, obj):
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return
        ip = spec.get("clusterIP")
        if ip == "None":
            spec["clusterIPs"] = ["None"]
            return
        if not ip:
            n = len(self.cluster_ips) + 10
            while True:
                ip = "10.96.%d.%d" % (n // 250, n % 250 + 1)
                if ip not in self.cluster_ips:
                    break
                n += 1
            spec["clusterIP"] = ip
        spec["clusterIPs"] = [ip]
        self.cluster_ips.add(ip)

    # ------------------------------------------------------------- update
    def update(self, ctx, res, ns, name, transform, subresource=None, copy_current=True,
               with_stored=False):
        """Replace an object with transform(copy of current).

        transform may raise ApiError. A resourceVersion in its result is a
        precondition (409 when stale); without one the write is
        unconditional and retried on concurrent changes, like GuaranteedUpdate.
        A transform that does not look at current (a PUT: the body replaces
        it) passes copy_current=False and gets the stored object itself,
        which it must not change. with_stored: transform(copy, stored
        object) (what the copy was before the transform changed it).
        """
        def build(current):
            # json.loads of the stored bytes: a deep copy, 3x faster
            base = json.loads(current.raw) if copy_current else current.obj
            new = transform(base, current.obj) if with_stored else transform(base)
            new_meta = strategy.metadata(new)
            wanted_rv = new_meta.get("resourceVersion")
            if wanted_rv and wanted_rv != current.meta["resourceVersion"]:
                raise errors.stale_conflict(res, name)
            uid = new_meta.get("uid")
            if uid and uid != current.meta["uid"]:
                raise errors.conflict(res, name, "Precondition failed: UID in precondition: %s, "
                                      "UID in object meta: %s" % (uid, current.meta["uid"]))
            if res.namespaced:
                new_meta["namespace"] = ns
            return self._prepare_update(ctx, res, current, new, subresource)
        return self._guaranteed_update(ctx, res, self.key(res, ns, name), name, build)

    def _guaranteed_update(self, ctx, res, key, name, build):
        """Commit build(current) unless the object changed meanwhile (then
        build again from the new state). An unchanged object is not written."""
        for _ in range(_WRITE_RETRIES):
            with self.lock:
                current = self.objects[res.key].get(key)
            if current is None:
                raise errors.not_found(res, name)
            new = build(current)
            with self.lock:
                if self.objects[res.key].get(key) is not current:
                    continue
                if new == current.obj:
                    return current
                if ctx.dry_run:
                    return Stored(new)
                stored = self._commit_put(res, key, new, current)
                if self._finished_deleting(res, stored):
                    self._commit_remove(res, key)
                return stored
        raise errors.conflict(res, name, errors.MODIFIED_MESSAGE)

    def _prepare_update(self, ctx, res, current, new, subresource):
        if subresource == "status":
            new = strategy.prepare_status_update(res, current.obj, new)
        else:
            strategy.apply_defaults(res, new)
            admit = subresource is None and ctx.admission and ctx.admission.applies(res, None)
            if admit:
                new = ctx.admission.mutate(ctx, res, "UPDATE", new, current.obj)
                strategy.apply_defaults(res, new)
            strategy.prepare_update(res, current.obj, new)
        managedfields.record(getattr(ctx, "managed", None), res, current.obj, new, subresource,
                             strategy.timestamp())
        strategy.validate(res, new, current.obj)
        if subresource is None and ctx.admission and ctx.admission.applies(res, None):
            ctx.admission.validate(ctx, res, "UPDATE", new, current.obj)
        return new

    def _finished_deleting(self, res, stored):
        meta = stored.meta
        if not meta.get("deletionTimestamp") or meta.get("finalizers"):
            return False
        if meta.get("deletionGracePeriodSeconds"):
            return False        # a graceful deletion waits for its grace-0 delete
        if res.plural == "namespaces" and (stored.obj.get("spec") or {}).get("finalizers"):
            return False
        return True

    def rewrite(self, res, key, uid, change):
        """A write by a simulated system component (scheduler, kubelet, pod
        GC): change(current obj) returns the new object, built without
        mutating the current one (share what did not change, copy
        metadata), or None for no write. No admission or validation: the
        caller writes what those components write. Returns the new Stored,
        or None when the object is gone, has another uid or did not change."""
        with self.lock:
            current = self.objects[res.key].get(key)
            if current is None or current.meta.get("uid") != uid:
                return None
            new = change(current.obj)
            if new is None or new == current.obj:
                return None
            return self._commit_put(res, key, new, current)

    # ------------------------------------------------------------- delete
    def delete(self, ctx, res, ns, name, options=None):
        """Delete per DeleteOptions; returns (Stored, removed_now).

        As kube-apiserver's registry: a Pod bound to a node is deleted
        gracefully (deletionTimestamp = now + grace period, the object stays
        until a delete with gracePeriodSeconds=0, the kubelet's confirmation);
        other objects, unbound or finished Pods and grace period 0 go at once
        unless finalizers (including orphan/foregroundDeletion from the
        propagation policy) keep them."""
        options = options or {}
        key = self.key(res, ns, name)
        with self.lock:
            current = self.objects[res.key].get(key)
            if current is None:
                raise errors.not_found(res, name)
            self._check_preconditions(res, name, current, options.get("preconditions") or {})
            if current.meta.get("deletionTimestamp"):
                return self._shorten_grace(ctx, res, key, current, options)
            period = grace_period(res, current.obj, options)
            policy = propagation_policy(options)
            finalizers = list(current.meta.get("finalizers") or [])
            if policy == "Orphan" and "orphan" not in finalizers:
                finalizers.append("orphan")
            if policy == "Foreground" and "foregroundDeletion" not in finalizers:
                finalizers.append("foregroundDeletion")
            # Pods have a graceful delete strategy: even an immediate deletion
            # first persists deletionTimestamp (now) and grace period 0, so the
            # answer and watchers (MODIFIED, then DELETED) see them
            graceful = res.plural == "pods"
            if finalizers or period or graceful or res.plural == "namespaces":
                new = json.loads(current.raw)
                strategy.mark_deleting(new, finalizers)
                if period:
                    new["metadata"]["deletionTimestamp"] = strategy.timestamp(
                        strategy.now() + datetime.timedelta(seconds=period))
                    new["metadata"]["deletionGracePeriodSeconds"] = period
                if not finalizers:
                    new["metadata"].pop("finalizers", None)
                if res.plural == "namespaces":
                    new.setdefault("status", {})["phase"] = "Terminating"
                now = graceful and not period and not finalizers
                if ctx.dry_run:
                    return Stored(new), now
                stored = self._commit_put(res, key, new, current)
                if now:
                    return self._commit_remove(res, key), True
                return stored, False
            if ctx.dry_run:
                return current, True
            return self._commit_remove(res, key), True

    def _shorten_grace(self, ctx, res, key, current, options):
        """A delete of an object already being deleted may only shorten its
        grace period (locked); 0 without finalizers removes it."""
        old = current.meta.get("deletionGracePeriodSeconds")
        period = options.get("gracePeriodSeconds")
        if old is None or period is None or res.plural != "pods":
            return current, False
        period = 1 if period < 0 else period
        if period >= old:
            return current, False
        new = json.loads(current.raw)
        when = strategy.parse_timestamp(new["metadata"]["deletionTimestamp"])
        new["metadata"]["deletionTimestamp"] = strategy.timestamp(
            when - datetime.timedelta(seconds=old - period))
        new["metadata"]["deletionGracePeriodSeconds"] = period
        now = period == 0 and not current.meta.get("finalizers")
        if ctx.dry_run:
            return Stored(new), now
        stored = self._commit_put(res, key, new, current)
        if now:     # persisted with grace period 0, then removed (MODIFIED, DELETED)
            return self._commit_remove(res, key), True
        return stored, False

    def finalize_namespace(self, ctx, name, transform):
        """The namespaces/finalize subresource: only spec.finalizers changes."""
        def build(current):
            wanted = transform(jcopy(current.obj))
            new = jcopy(current.obj)
            new.setdefault("spec", {})["finalizers"] = list(
                (wanted.get("spec") or {}).get("finalizers") or [])
            return new
        return self._guaranteed_update(ctx, self.namespaces, ("", name), name, build)

    def _check_preconditions(self, res, name, current, pre):
        uid, rv = pre.get("uid"), pre.get("resourceVersion")
        if uid and uid != current.meta["uid"]:
            raise errors.conflict(res, name, "Precondition failed: UID in precondition: %s, UID "
                                  "in object meta: %s" % (uid, current.meta["uid"]))
        if rv and rv != current.meta["resourceVersion"]:
            raise errors.conflict(res, name, "Precondition failed: ResourceVersion in "
                                  "precondition: %s, ResourceVersion in object meta: %s"
                                  % (rv, current.meta["resourceVersion"]))

    # ------------------------------------------------------------- lists
    def view_at(self, res, rv):
        """The objects of res as they were at resourceVersion rv: {key: Stored}."""
        current = self.objects[res.key]
        if rv >= self.rv:
            return current, None
        overrides = {}
        for event in self.events_after(rv):
            if event.res is res and event.key not in overrides:
                overrides[event.key] = event.prev
        if not overrides:
            return current, None
        view = dict(current)
        for key, stored in overrides.items():
            if stored is None:
                view.pop(key, None)
            else:
                view[key] = stored
        return view, sorted(view)

    def list(self, res, ns, label_sel, field_sel, limit=0, cont=None, rv=None, exact=False):
        """One page of a list: (items, list_rv, continue_token, remaining)."""
        with self.lock:
            start = None
            if cont:
                token = decode_continue(cont, res, ns)
                list_rv, start = token["rv"], tuple(token["start"])
                if list_rv < self.compacted_rv():
                    raise errors.gone(
                        "The provided continue parameter is too old to display a consistent "
                        "list result. You can start a new list without the continue parameter, "
                        "or use the continue token in this response to retrieve the remainder "
                        "of the results. Continuing with the provided token results in an "
                        "inconsistent list - objects that were created, modified, or deleted "
                        "between the time the first chunk was returned and now may show up in "
                        "the list.")
            elif exact and rv is not None:
                list_rv = rv
                if rv < self.compacted_rv():
                    raise errors.gone("too old resource version: %d (%d)"
                                      % (rv, self.compacted_rv()))
            else:
                list_rv = self.rv
            view, keys = self.view_at(res, list_rv)
            if keys is None:
                keys = self.sorted_keys(res)
            scope = ns if (res.namespaced and ns) else None
            if start is not None:
                idx = bisect.bisect_right(keys, start)
            elif scope is not None:
                idx = bisect.bisect_left(keys, (scope, ""))
            else:
                idx = 0
            items, last = [], None
            filtering = not label_sel.empty() or not field_sel.empty()
            n = len(keys)
            while idx < n:
                key = keys[idx]
                if scope is not None and key[0] != scope:
                    n = idx
                    break
                idx += 1
                stored = view[key]
                if filtering and not (label_sel.matches(stored.meta.get("labels"))
                                      and field_sel.matches(stored.obj)):
                    continue
                items.append(stored)
                if limit and len(items) >= limit:
                    last = key
                    break
            token, remaining = None, None
            if last is not None:
                end = n
                if scope is not None and idx < n:
                    end = bisect.bisect_left(keys, (scope + "\x00", ""), idx)
                if idx < end:
                    token = encode_continue(list_rv, last)
                    if not filtering:
                        remaining = end - idx
            return items, list_rv, token, remaining

    # --------------------------------------------------------- bulk & state
    def insert_loaded(self, res, obj):
        """Put an object read from a state file back, without an event."""
        key = self.key(res, obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        stored = Stored(obj)
        self.objects[res.key][key] = stored
        self._index(res, key, None, stored)
        self.rv = max(self.rv, stored.rv)
        if res.plural == "services":
            self.cluster_ips.add((obj.get("spec") or {}).get("clusterIP"))

    def snapshot(self):
        with self.lock:
            objects = [s.obj for table in self.objects.values() for s in table.values()]
            return {"resourceVersion": self.rv, "objects": objects}

    def restore(self, state):
        with self.lock:
            for obj in state.get("objects", []):
                res = self.registry.by_kind(obj.get("apiVersion", ""), obj.get("kind", ""))
                if res is not None:
                    self.insert_loaded(res, obj)
            self.rv = max(self.rv, int(state.get("resourceVersion", 0)))
            self.compact_floor = self.rv
            self.history = []

    def bulk_create(self, res, objs):
        """Fast create without admission (benchmark seeding): defaults, system
        fields, validation, one event each. Returns the number created."""
        prepared = []
        for obj in objs:
            meta = strategy.metadata(obj)
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = strategy.generate_name(meta["generateName"])
            strategy.apply_defaults(res, obj)
            strategy.prepare_create(res, obj)
            strategy.validate(res, obj)
            prepared.append(obj)
        with self.lock:
            for obj in prepared:
                ns = obj["metadata"].get("namespace", "") if res.namespaced else ""
                self._check_namespace(res, ns)
                key = self.key(res, ns, obj["metadata"]["name"])
                if key in self.objects[res.key]:
                    raise errors.already_exists(res, obj["metadata"]["name"])
                if res.plural == "services":
                    self._allocate_cluster_ip(obj)
                self._commit_put(res, key, obj, None)
        return len(prepared)

    def ensure_namespace(self, name):
        with self.lock:
            if ("", name) in self.objects[self.namespaces.key]:
                return
        self.create(Context(), self.namespaces, "",
                    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})

    def wait_for_rv(self, rv, timeout):
        deadline = time.monotonic() + timeout
        with self.lock:
            while self.rv < rv:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
            return True


_DELETE_OPTION_TYPES = (("gracePeriodSeconds", "int64"), ("propagationPolicy", "v1.DeletionPropagation"),
                        ("orphanDependents", "bool"), ("preconditions", "v1.Preconditions"))


def _go_json_kind(value):
    """How Go's encoding/json names a JSON value in an unmarshal error."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number %s" % json.dumps(value)
    return {str: "string", list: "array", dict: "object"}.get(type(value), "null")


def check_delete_options(options):
    """DeleteOptions field types, refused (400) as kube-apiserver's JSON
    decoder refuses them."""
    wanted = {"int64": lambda v: isinstance(v, int) and not isinstance(v, bool),
              "v1.DeletionPropagation": lambda v: isinstance(v, str),
              "bool": lambda v: isinstance(v, bool),
              "v1.Preconditions": lambda v: isinstance(v, dict)}
    fields = [("DeleteOptions." + f, options.get(f), t) for f, t in _DELETE_OPTION_TYPES]
    pre = options.get("preconditions")
    if isinstance(pre, dict):
        fields += [("DeleteOptions.preconditions.uid", pre.get("uid"), "types.UID"),
                   ("DeleteOptions.preconditions.resourceVersion", pre.get("resourceVersion"),
                    "string")]
    for field, value, gotype in fields:
        if value is None:
            continue
        check = wanted.get(gotype, lambda v: isinstance(v, str))
        if not check(value):
            raise errors.bad_request("json: cannot unmarshal %s into Go struct field %s of "
                                     "type %s" % (_go_json_kind(value), field, gotype))


def parse_grace_query(text):
    """The gracePeriodSeconds query parameter (strconv.ParseInt's wording)."""
    try:
        return int(text, 10)
    except ValueError:
        raise errors.bad_request('strconv.ParseInt: parsing "%s": invalid syntax' % text)


def grace_period(res, obj, options):
    """The grace period a new deletion gets (pod strategy's
    CheckGracefulDelete): only Pods bound to a node and not finished wait."""
    if res.plural != "pods":
        return 0
    period = options.get("gracePeriodSeconds")
    if period is None:
        period = (obj.get("spec") or {}).get("terminationGracePeriodSeconds", 30)
    elif period < 0:
        period = 1
    if not (obj.get("spec") or {}).get("nodeName"):
        return 0
    if (obj.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return 0
    return period


def propagation_policy(options):
    policy = options.get("propagationPolicy")
    if policy:
        return policy
    orphan = options.get("orphanDependents")
    if orphan is True:
        return "Orphan"
    return "Background"


def encode_continue(rv, key):
    token = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": list(key)})
    return base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")


def decode_continue(text, res, ns):
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        token = json.loads(raw)
        if token.get("v") != "meta.k8s.io/v1" or not isinstance(token.get("rv"), int):
            raise ValueError("unsupported token")
        start = token["start"]
        if not (isinstance(start, list) and len(start) == 2
                and all(isinstance(s, str) for s in start)):
            raise ValueError("bad start key")
        if res.namespaced and ns and start[0] != ns:
            raise ValueError("token is for another namespace")
        return token
    except (ValueError, TypeError, KeyError) as exc:
        raise errors.bad_request("continue key is not valid: %s" % exc)
