"""The PVC protection controller of kube-controller-manager
(pkg/controller/volume/pvcprotection): a PersistentVolumeClaim being deleted
keeps its kubernetes.io/pvc-protection finalizer (added on create, see
corekinds) while a pod that has not finished uses it, and loses it, so it
goes, once none does.

It runs on its own thread, woken by store events (a PVC marked for deletion,
a pod deleted or finished), writing through the store like any client."""
import collections
import threading

from . import managedfields
from .errors import ApiError
from .store import Context

FINALIZER = "kubernetes.io/pvc-protection"
_USER = {"username": "system:serviceaccount:kube-system:pvc-protection-controller",
         "groups": ["system:serviceaccounts", "system:serviceaccounts:kube-system",
                    "system:authenticated"]}
_RESYNC_SECONDS = 1.0


def claims_of(pod):
    """The claim names a pod's volumes refer to."""
    spec = pod.get("spec") if isinstance(pod.get("spec"), dict) else {}
    names = set()
    for volume in spec.get("volumes") or []:
        claim = volume.get("persistentVolumeClaim") if isinstance(volume, dict) else None
        if isinstance(claim, dict) and claim.get("claimName"):
            names.add(claim["claimName"])
    return names


def _finished(pod):
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


class PvcProtection:
    def __init__(self, store):
        self.store = store
        self.pvcs = store.registry.lookup("", "v1", "persistentvolumeclaims")
        self.pods = store.registry.lookup("", "v1", "pods")
        self.queue = collections.deque()
        self.cond = threading.Condition()
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name="pvc-protection", daemon=True)
        store.observers.append(self._observe)

    def start(self):
        self.thread.start()

    def stop(self):
        with self.cond:
            self.stopping = True
            self.cond.notify_all()

    def _enqueue(self, ns, name):
        with self.cond:
            if (ns, name) not in self.queue:
                self.queue.append((ns, name))
                self.cond.notify()

    def _observe(self, event):
        """Called by the store under its lock for each committed write."""
        meta = event.obj.meta
        if event.res is self.pvcs and event.type != "DELETED" and \
                meta.get("deletionTimestamp") and FINALIZER in (meta.get("finalizers") or []):
            self._enqueue(meta.get("namespace"), meta.get("name"))
        elif event.res is self.pods and (event.type == "DELETED" or _finished(event.obj.obj)):
            for name in claims_of(event.obj.obj):
                self._enqueue(meta.get("namespace"), name)

    def _run(self):
        while True:
            with self.cond:
                while not self.queue and not self.stopping:
                    if not self.cond.wait(_RESYNC_SECONDS):
                        break
                if self.stopping:
                    return
                item = self.queue.popleft() if self.queue else None
            if item is None:
                self._resync()
                continue
            try:
                self._release(*item)
            except ApiError:
                self._enqueue(*item)        # a conflict: look again

    def _resync(self):
        with self.store.lock:
            waiting = [s.meta for s in self.store.objects[self.pvcs.key].values()
                       if s.meta.get("deletionTimestamp") and
                       FINALIZER in (s.meta.get("finalizers") or [])]
        for meta in waiting:
            self._enqueue(meta.get("namespace"), meta.get("name"))

    def _in_use(self, ns, name):
        with self.store.lock:
            pods = [s.obj for key, s in self.store.objects[self.pods.key].items()
                    if key[0] == ns]
        return any(name in claims_of(p) and not _finished(p) for p in pods)

    def _release(self, ns, name):
        stored = self.store.find(self.pvcs, ns, name)
        if stored is None or not stored.meta.get("deletionTimestamp") or \
                FINALIZER not in (stored.meta.get("finalizers") or []) or \
                self._in_use(ns, name):
            return
        ctx = Context(user=_USER)
        ctx.managed = managedfields.Write("kube-controller-manager")
        rv = stored.meta["resourceVersion"]

        def without_finalizer(current):
            current["metadata"]["resourceVersion"] = rv
            current["metadata"]["finalizers"] = [
                f for f in current["metadata"].get("finalizers") or [] if f != FINALIZER]
            return current
        self.store.update(ctx, self.pvcs, ns, name, without_finalizer)
