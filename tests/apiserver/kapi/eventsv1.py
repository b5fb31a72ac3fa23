"""events.k8s.io/v1 Events as a view of core/v1 Events, as kube-apiserver
serves them: one store, two API versions. An Event the controller records
through events.k8s.io/v1 is what `kubectl get events` (core/v1) lists, and
the other way round; uid and resourceVersion are the same in both.

Objects are stored in the core/v1 shape; this module converts at the edges
(pkg/apis/events/v1 conversion): regarding <-> involvedObject, note <->
message, reportingController <-> reportingComponent, deprecatedSource,
deprecatedFirstTimestamp, deprecatedLastTimestamp, deprecatedCount <->
source, firstTimestamp, lastTimestamp, count. Writes through events.k8s.io
are defaulted and validated with the events.k8s.io rules on the v1 shape
first, then stored like core writes."""

from . import corekinds, strategy, watch
from .api import ResourceHandler
from .errors import ApiError
from .store import Stored
from .objpath import jcopy

GROUP = "events.k8s.io"
API_VERSION = "events.k8s.io/v1"

# events.k8s.io/v1 field -> core/v1 field
_RENAMED = (("regarding", "involvedObject"), ("note", "message"),
            ("reportingController", "reportingComponent"), ("deprecatedSource", "source"),
            ("deprecatedFirstTimestamp", "firstTimestamp"),
            ("deprecatedLastTimestamp", "lastTimestamp"), ("deprecatedCount", "count"))
_SAME = ("metadata", "eventTime", "series", "reportingInstance", "action", "reason",
         "related", "type")


def to_core(event):
    """A core/v1 Event from an events.k8s.io/v1 one (a new dict)."""
    core = {"apiVersion": "v1", "kind": "Event"}
    for field in _SAME:
        if field in event:
            core[field] = jcopy(event[field])
    for v1_name, core_name in _RENAMED:
        if v1_name in event:
            core[core_name] = jcopy(event[v1_name])
    corekinds.DEFAULTS[("", "events")](core)
    return core


def to_v1(core):
    """An events.k8s.io/v1 Event from a core/v1 one (a new dict)."""
    event = {"apiVersion": API_VERSION, "kind": "Event"}
    for field in _SAME:
        if field in core:
            event[field] = jcopy(core[field])
    for v1_name, core_name in _RENAMED:
        if core_name in core and core[core_name] not in ("", 0):
            event[v1_name] = jcopy(core[core_name])
    corekinds.DEFAULTS[(GROUP, "events")](event)
    return event


def _v1_stored(stored):
    return None if stored is None else Stored(to_v1(stored.obj))


def _renamed(exc):
    """A core error about events named as events.events.k8s.io."""
    details = exc.details or {}
    if details.get("kind") == "events" and "group" not in details:
        details = dict(details, group=GROUP)
        message = exc.message.replace('events "', 'events.%s "' % GROUP, 1)
        return ApiError(exc.code, exc.reason, message, details, exc.headers)
    return exc


class EventsV1Store:
    """The store as the events.k8s.io/v1 handler sees it."""

    def __init__(self, store, core, v1):
        self.store, self.core, self.v1 = store, core, v1

    def __getattr__(self, name):        # rv, wait_for_rv, lock, ...
        return getattr(self.store, name)

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except ApiError as exc:
            raise _renamed(exc)

    def get(self, res, ns, name):
        return _v1_stored(self._call(self.store.get, self.core, ns, name))

    def find(self, res, ns, name):
        return _v1_stored(self.store.find(self.core, ns, name))

    def list(self, res, ns, *args):
        items, rv, token, remaining = self._call(self.store.list, self.core, ns, *args)
        return [_v1_stored(s) for s in items], rv, token, remaining

    def _checked(self, event, old, ns):
        """events.k8s.io defaults and validation on the v1 shape."""
        event.setdefault("metadata", {})["namespace"] = ns
        strategy.apply_defaults(self.v1, event)
        strategy.validate(self.v1, event, old)
        return to_core(event)

    def create(self, ctx, res, ns, obj):
        meta = obj.get("metadata") or {}
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = strategy.generate_name(meta["generateName"])
        core = self._checked(obj, None, ns)
        return _v1_stored(self._call(self.store.create, ctx, self.core, ns, core))

    def update(self, ctx, res, ns, name, transform, subresource=None, copy_current=True,
               with_stored=False):
        """Store.update on the v1 view (see there for the flags)."""
        def core_transform(current):
            old = to_v1(current)
            base = jcopy(old) if copy_current else old
            new = transform(base, old) if with_stored else transform(base)
            return self._checked(new, old, ns)
        return _v1_stored(self._call(self.store.update, ctx, self.core, ns, name,
                                     core_transform, subresource))

    def delete(self, ctx, res, ns, name, options=None):
        stored, removed = self._call(self.store.delete, ctx, self.core, ns, name, options)
        return _v1_stored(stored), removed


class _V1WatchRequest(watch.WatchRequest):
    def bookmark(self, rv, initial_end=False):
        line = super().bookmark(rv, initial_end)
        return line.replace(b'"apiVersion":"v1"', b'"apiVersion":"%s"' % API_VERSION.encode())


class EventsV1Handler(ResourceHandler):
    """Requests to events.k8s.io/v1 events, served from the core/v1 store."""

    def __init__(self, api, h, target):
        super().__init__(api, h, target)
        self.core = api.registry.lookup("", "v1", "events")
        self.store = EventsV1Store(api.store, self.core, target.res)

    def selectors(self):
        """events.k8s.io field labels are converted to the core ones."""
        text = self.h.query("fieldSelector")
        if text:
            for v1_name, core_name in _RENAMED:
                text = text.replace(v1_name + ".", core_name + ".")
                if text.startswith(v1_name + "=") or ("," + v1_name + "=") in text:
                    text = text.replace(v1_name + "=", core_name + "=")
            self.h.params["fieldSelector"] = [text]
        return super().selectors()

    def watch_request(self, label_sel, field_sel, params, transform):
        """A watch of the core Events, each object converted (tables and
        metadata-only answers read the core shape as they are)."""
        return _V1WatchRequest(self.core, self.t.ns, label_sel, field_sel, params,
                               transform or to_v1)


def handler_class(res):
    """The handler for a resource: events.k8s.io/v1 events get the view."""
    return EventsV1Handler if res.group == GROUP and res.plural == "events" else ResourceHandler

