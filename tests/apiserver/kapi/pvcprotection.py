"""The PVC protection controller of kube-controller-manager
(pkg/controller/volume/pvcprotection): a PersistentVolumeClaim being deleted
keeps its kubernetes.io/pvc-protection finalizer (added on create, see
corekinds) while a pod that has not finished uses it, and loses it, so it
goes, once none does.

It runs on its own thread, woken by store events (a PVC marked for deletion,
a pod deleted or finished), writing through the store like any client."""
from . import managedfields
from .store import Context
from .workqueue import WorkQueue

FINALIZER = "kubernetes.io/pvc-protection"
_USER = {"username": "system:serviceaccount:kube-system:pvc-protection-controller",
         "groups": ["system:serviceaccounts", "system:serviceaccounts:kube-system",
                    "system:authenticated"]}


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
        self.work = WorkQueue("pvc-protection", self.process, self.resync)
        store.observers.append(self.observe)

    def start(self):
        self.work.start()

    def stop(self):
        self.work.stop()

    def observe(self, event):
        """Called by the store under its lock for each committed write."""
        meta = event.obj.meta
        if event.res is self.pvcs and event.type != "DELETED" and \
                meta.get("deletionTimestamp") and FINALIZER in (meta.get("finalizers") or []):
            self.work.add((meta.get("namespace"), meta.get("name")))
        elif event.res is self.pods and (event.type == "DELETED" or _finished(event.obj.obj)):
            for name in claims_of(event.obj.obj):
                self.work.add((meta.get("namespace"), name))

    def resync(self):
        with self.store.lock:
            waiting = [s.meta for s in self.store.objects[self.pvcs.key].values()
                       if s.meta.get("deletionTimestamp") and
                       FINALIZER in (s.meta.get("finalizers") or [])]
        for meta in waiting:
            self.work.add((meta.get("namespace"), meta.get("name")))

    def _in_use(self, ns, name):
        with self.store.lock:
            pods = [s.obj for key, s in self.store.objects[self.pods.key].items()
                    if key[0] == ns]
        return any(name in claims_of(p) and not _finished(p) for p in pods)

    def process(self, item):
        ns, name = item
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
