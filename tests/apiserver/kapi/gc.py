"""Garbage collection and namespace termination, as kube-controller-manager does them.

Owner references (by uid):
- a dependent whose owners are all gone is deleted (background propagation);
  if some owners remain, references to the missing ones are removed;
- an owner deleted with propagationPolicy=Foreground carries the
  foregroundDeletion finalizer: its dependents are deleted (in the foreground
  too) and the finalizer is removed once no dependent with
  blockOwnerDeletion=true is left;
- an owner deleted with propagationPolicy=Orphan carries the orphan
  finalizer: references to it are removed from its dependents, then the
  finalizer.
A namespace being deleted has its content deleted, then its "kubernetes"
finalizer removed, which lets it go.

All of it runs on one background thread, writing through the store like any
client (so watchers see every step), woken by store events.
"""
from . import errors
from .errors import ApiError
from .store import SYSTEM_GC, SYSTEM_NAMESPACE_CONTROLLER, Context
from .workqueue import WorkQueue
from .objpath import jcopy

_RESYNC_SECONDS = 1.0


class GarbageCollector:
    def __init__(self, store, admission=None):
        self.store = store
        self.admission = admission
        self.work = WorkQueue("gc", self._process, self._resync, _RESYNC_SECONDS)
        self._enqueue = self.work.add
        store.observers.append(self._observe)

    def start(self):
        self.work.start()

    def stop(self):
        self.work.stop()

    # ---------------------------------------------------- event intake (locked)
    def _observe(self, event):
        """Called by the store under its lock for each committed write."""
        meta = event.obj.meta
        uid = meta.get("uid")
        if event.type == "DELETED":
            for dep in self.store.dependents.get(uid, ()):
                self._enqueue(("object", dep))
            for ref in meta.get("ownerReferences") or []:
                self._enqueue(("owner", ref.get("uid")))
            if event.res.namespaced:
                self._enqueue(("namespace", meta.get("namespace")))
            return
        refs = meta.get("ownerReferences")
        if refs and (event.prev is None or refs != event.prev.meta.get("ownerReferences")):
            # owners are checked when a dependent's references change; an
            # owner's deletion wakes its dependents (above), the resync the rest
            self._enqueue(("object", (event.res.key, event.key)))
        if meta.get("deletionTimestamp"):
            finalizers = meta.get("finalizers") or []
            if "orphan" in finalizers or "foregroundDeletion" in finalizers:
                self._enqueue(("owner", uid))
            if event.res.plural == "namespaces":
                self._enqueue(("namespace", meta.get("name")))

    # ---------------------------------------------------------- worker loop
    def _resync(self):
        """Re-queue everything that may still need work (lost wake-ups, webhook errors)."""
        store = self.store
        with store.lock:
            for res in store.registry.resources:
                for key, stored in store.objects[res.key].items():
                    meta = stored.meta
                    if meta.get("deletionTimestamp"):
                        fins = meta.get("finalizers") or []
                        if "orphan" in fins or "foregroundDeletion" in fins:
                            self._enqueue(("owner", meta["uid"]))
                        if res.plural == "namespaces":
                            self._enqueue(("namespace", meta["name"]))
                    refs = meta.get("ownerReferences")
                    if refs and any(self._owner_needs_look(r) for r in refs):
                        self._enqueue(("object", (res.key, key)))

    def _owner_needs_look(self, ref):
        """A dependent may need collecting: its owner is gone or being deleted
        (cheap, so a resync over many owned objects costs little)."""
        _, owner = self.store.by_uid(ref.get("uid"))
        return owner is None or bool(owner.meta.get("deletionTimestamp"))

    def _process(self, item):
        kind, value = item
        if kind == "object":
            self._attempt_delete_dependent(*value)
        elif kind == "owner":
            self._process_owner(value)
        elif kind == "namespace":
            self._process_namespace(value)

    def _ctx(self, user=SYSTEM_GC):
        return Context(user=user, admission=self.admission)

    # ---------------------------------------------------------- dependents
    def _owner_state(self, dependent_res, dependent_meta, ref):
        """'solid', 'dangling' or 'waiting' (owner deleting in the foreground)."""
        owner_res, owner = self.store.by_uid(ref.get("uid"))
        if owner is None:
            return "dangling"
        if owner_res.namespaced and owner.meta.get("namespace") != dependent_meta.get("namespace"):
            return "dangling"
        if owner.meta.get("deletionTimestamp") and \
                "foregroundDeletion" in (owner.meta.get("finalizers") or []):
            return "waiting"
        return "solid"

    def _attempt_delete_dependent(self, res_key, key):
        store = self.store
        with store.lock:
            res = next(r for r in store.registry.resources if r.key == res_key)
            stored = store.objects[res_key].get(key)
            if stored is None:
                return
            meta = stored.meta
            refs = meta.get("ownerReferences") or []
            states = {ref.get("uid"): self._owner_state(res, meta, ref) for ref in refs}
        if not refs or all(s == "solid" for s in states.values()):
            return
        ns, name = key
        if any(s == "solid" for s in states.values()):
            drop = {uid for uid, s in states.items() if s != "solid"}
            self._remove_owner_refs(res, ns, name, drop)
            return
        if meta.get("deletionTimestamp"):
            return
        policy = "Foreground" if "waiting" in states.values() else "Background"
        try:
            store.delete(self._ctx(), res, ns, name, {"propagationPolicy": policy,
                                                      "preconditions": {"uid": meta["uid"]}})
        except ApiError as exc:
            if exc.code not in (404, 409):
                raise

    def _update_if_present(self, res, ns, name, transform):
        """An unconditional update that is a no-op when the object is gone."""
        def unconditional(obj):
            obj = transform(obj)
            obj["metadata"].pop("resourceVersion", None)
            return obj
        try:
            self.store.update(self._ctx(), res, ns, name, unconditional)
        except ApiError as exc:
            if exc.code != 404:
                raise

    def _remove_owner_refs(self, res, ns, name, uids):
        def transform(obj):
            refs = [r for r in obj["metadata"].get("ownerReferences") or []
                    if r.get("uid") not in uids]
            if refs:
                obj["metadata"]["ownerReferences"] = refs
            else:
                obj["metadata"].pop("ownerReferences", None)
            return obj
        self._update_if_present(res, ns, name, transform)

    # --------------------------------------------------------------- owners
    def _process_owner(self, uid):
        store = self.store
        with store.lock:
            res, owner = store.by_uid(uid)
            if owner is None or not owner.meta.get("deletionTimestamp"):
                return
            finalizers = owner.meta.get("finalizers") or []
            deps = []
            for res_key, key in list(store.dependents.get(uid, ())):
                dep = store.objects[res_key].get(key)
                if dep is not None:
                    dep_res = next(r for r in store.registry.resources if r.key == res_key)
                    ref = next((r for r in dep.meta.get("ownerReferences") or []
                                if r.get("uid") == uid), {})
                    deps.append((dep_res, key, dep, ref))
        ns, name = store.key(res, owner.meta.get("namespace", ""), owner.meta["name"])
        if "orphan" in finalizers:
            for dep_res, key, dep, _ in deps:
                self._remove_owner_refs(dep_res, key[0], key[1], {uid})
            self._remove_finalizer(res, ns, name, uid, "orphan")
            return
        if "foregroundDeletion" in finalizers:
            blocking = 0
            for dep_res, key, dep, ref in deps:
                if ref.get("blockOwnerDeletion"):
                    blocking += 1
                self._attempt_delete_dependent(dep_res.key, key)
            if blocking == 0:
                self._remove_finalizer(res, ns, name, uid, "foregroundDeletion")

    def _remove_finalizer(self, res, ns, name, uid, finalizer):
        def transform(obj):
            if obj["metadata"]["uid"] != uid:
                raise errors.not_found(res, name)
            fins = [f for f in obj["metadata"].get("finalizers") or [] if f != finalizer]
            obj["metadata"]["finalizers"] = fins
            if not fins:
                obj["metadata"].pop("finalizers")
            return obj
        self._update_if_present(res, ns, name, transform)

    # ----------------------------------------------------------- namespaces
    def _process_namespace(self, name):
        store = self.store
        ns_res = store.namespaces
        with store.lock:
            namespace = store.objects[ns_res.key].get(("", name))
            if namespace is None or not namespace.meta.get("deletionTimestamp"):
                return
            content = [(res, key, stored) for res in store.registry.resources if res.namespaced
                       for key, stored in store.objects[res.key].items() if key[0] == name]
        ctx = self._ctx(SYSTEM_NAMESPACE_CONTROLLER)
        for res, key, stored in content:
            if stored.meta.get("deletionTimestamp"):
                continue
            try:
                store.delete(ctx, res, key[0], key[1],
                             {"propagationPolicy": "Background",
                              "preconditions": {"uid": stored.meta["uid"]}})
            except ApiError as exc:
                if exc.code not in (404, 409):
                    raise
        with store.lock:
            remaining = any(key[0] == name for res in store.registry.resources if res.namespaced
                            for key in store.objects[res.key])
        if remaining:
            return   # woken again as each remaining object goes

        def finalize(obj):
            obj = jcopy(obj)
            obj.setdefault("spec", {})["finalizers"] = [
                f for f in obj.get("spec", {}).get("finalizers") or [] if f != "kubernetes"]
            return obj
        self.store.finalize_namespace(ctx, name, finalize)
