"""Pod status as the scheduler and a kubelet write it.

Pure functions: each takes the current pod (never mutated) and returns the
new status dict. Conditions keep their lastTransitionTime unless their
status changes, like the kubelet's status manager; conditions are ordered
Initialized, Ready, ContainersReady, PodScheduled as a kubelet reports them.
"""
import hashlib
import json

from .objpath import jcopy

_ORDER = ("Initialized", "Ready", "ContainersReady", "PodScheduled")


def _condition(ctype, status, now, reason=None, message=None):
    cond = {"type": ctype, "status": status, "lastProbeTime": None,
            "lastTransitionTime": now}
    if reason:
        cond["reason"] = reason
    if message:
        cond["message"] = message
    return cond


def set_conditions(old_conditions, new_conditions):
    """Merge by type: a condition whose status did not change keeps its
    lastTransitionTime; unknown types stay; kubelet types come first."""
    by_type = {c.get("type"): c for c in old_conditions or []}
    for cond in new_conditions:
        old = by_type.get(cond["type"])
        if old is not None and old.get("status") == cond["status"]:
            cond = dict(cond, lastTransitionTime=old.get("lastTransitionTime"))
        by_type[cond["type"]] = cond
    ordered = [by_type.pop(t) for t in _ORDER if t in by_type]
    return ordered + list(by_type.values())


def _status(pod):
    """A private copy of pod's status (JSON data: a JSON round trip is the
    fastest deep copy)."""
    return json.loads(json.dumps(pod.get("status") or {}))


def scheduled(pod, now):
    """After binding: PodScheduled True."""
    status = _status(pod)
    status["conditions"] = set_conditions(status.get("conditions"),
                                          [_condition("PodScheduled", "True", now)])
    return status


def unschedulable(pod, now, message):
    status = _status(pod)
    status["conditions"] = set_conditions(status.get("conditions"), [
        _condition("PodScheduled", "False", now, "Unschedulable", message)])
    return status


def image_id(image):
    """A containerd-style imageID: repository@sha256:<digest>; the image's own
    digest when it is pinned by one, else a digest derived from its name."""
    repo, _, pinned = image.partition("@")
    if ":" in repo.rsplit("/", 1)[-1]:
        repo = repo.rsplit(":", 1)[0]
    if "/" not in repo:
        repo = "docker.io/library/" + repo
    elif "." not in repo.split("/")[0] and ":" not in repo.split("/")[0] \
            and repo.split("/")[0] != "localhost":
        repo = "docker.io/" + repo
    if pinned.startswith("sha256:"):
        return "%s@%s" % (repo, pinned)
    return "%s@sha256:%s" % (repo, hashlib.sha256(image.encode()).hexdigest())


def container_id(uid, name):
    return "containerd://" + hashlib.sha256(("%s/%s" % (uid, name)).encode()).hexdigest()


def _container_statuses(pod, state, ready, restarts=None):
    uid = pod["metadata"].get("uid", "")
    old = {s.get("name"): s for s in (pod.get("status") or {}).get("containerStatuses") or []}
    out = []
    for c in (pod.get("spec") or {}).get("containers") or []:
        prev = old.get(c.get("name"), {})
        out.append({"name": c.get("name"), "state": jcopy(state), "lastState": {},
                    "ready": ready, "restartCount": prev.get("restartCount", 0),
                    "image": c.get("image"), "imageID": image_id(c.get("image") or ""),
                    "containerID": container_id(uid, c.get("name")),
                    "started": "running" in state})
    return out


def _init_statuses(pod, now):
    """Init containers ran to completion; sidecars (restartPolicy Always)
    keep running, started and ready."""
    uid = pod["metadata"].get("uid", "")
    out = []
    for c in (pod.get("spec") or {}).get("initContainers") or []:
        cid = container_id(uid, c.get("name"))
        sidecar = c.get("restartPolicy") == "Always"
        state = {"running": {"startedAt": now}} if sidecar else {"terminated": {
            "exitCode": 0, "reason": "Completed", "startedAt": now, "finishedAt": now,
            "containerID": cid}}
        out.append({"name": c.get("name"), "state": state, "lastState": {}, "ready": True,
                    "restartCount": 0, "image": c.get("image"),
                    "imageID": image_id(c.get("image") or ""), "containerID": cid,
                    "started": sidecar})
    return out


def _unready_message(pod):
    names = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or []]
    return "containers with unready status: [%s]" % " ".join(names)


def creating(pod, now, host_ip):
    """A kubelet's first status for a pod it admitted: still Pending,
    containers being created (kubectl shows ContainerCreating)."""
    status = _status(pod)
    msg = _unready_message(pod)
    status.update(phase="Pending", hostIP=host_ip, hostIPs=[{"ip": host_ip}],
                  startTime=status.get("startTime") or now)
    status["conditions"] = set_conditions(status.get("conditions"), [
        _condition("Initialized", "True", now),
        _condition("Ready", "False", now, "ContainersNotReady", msg),
        _condition("ContainersReady", "False", now, "ContainersNotReady", msg),
        _condition("PodScheduled", "True", now)])
    statuses = _container_statuses(pod, {"waiting": {"reason": "ContainerCreating"}}, False)
    for s in statuses:
        s["imageID"] = ""
        del s["containerID"]
    status["containerStatuses"] = statuses
    return status


def _gates_message(pod, conditions):
    """The kubelet's verdict on spec.readinessGates (GeneratePodReadyCondition):
    None when every gate's condition is True, else why not."""
    by_type = {c.get("type"): c for c in conditions or []}
    problems = []
    for gate in (pod.get("spec") or {}).get("readinessGates") or []:
        ctype = gate.get("conditionType")
        cond = by_type.get(ctype)
        if cond is None:
            problems.append('corresponding condition of pod readiness gate "%s" does not '
                            'exist.' % ctype)
        elif cond.get("status") != "True":
            problems.append('the status of pod readiness gate "%s" is not "True", but %s'
                            % (ctype, cond.get("status")))
    return ", ".join(problems) or None


def _ready(pod, conditions, now):
    """Ready for a pod whose containers are ready: True unless a readiness
    gate's condition is not (reason ReadinessGatesNotReady)."""
    problem = _gates_message(pod, conditions)
    if problem:
        return _condition("Ready", "False", now, "ReadinessGatesNotReady", problem)
    return _condition("Ready", "True", now)


def gated(pod, now):
    """The status with Ready re-evaluated against the readiness gates (for a
    running pod with ready containers), or None when Ready would not change."""
    status = pod.get("status") or {}
    conds = status.get("conditions") or []
    by_type = {c.get("type"): c for c in conds}
    if (by_type.get("ContainersReady") or {}).get("status") != "True":
        return None
    want = _ready(pod, conds, now)
    have = by_type.get("Ready") or {}
    if (have.get("status"), have.get("reason"), have.get("message")) == \
            (want["status"], want.get("reason"), want.get("message")):
        return None
    status = _status(pod)
    status["conditions"] = set_conditions(status.get("conditions"), [want])
    return status


def running(pod, now, host_ip, pod_ip):
    """Started by the kubelet: Running and Ready (if its readiness gates are)."""
    status = _status(pod)
    status.update(phase="Running", hostIP=host_ip, hostIPs=[{"ip": host_ip}], podIP=pod_ip,
                  podIPs=[{"ip": pod_ip}], startTime=status.get("startTime") or now)
    status["conditions"] = set_conditions(status.get("conditions"), [
        _condition("Initialized", "True", now), _ready(pod, status.get("conditions"), now),
        _condition("ContainersReady", "True", now), _condition("PodScheduled", "True", now)])
    if (pod.get("spec") or {}).get("initContainers"):
        status["initContainerStatuses"] = _init_statuses(pod, now)
    status["containerStatuses"] = _container_statuses(pod, {"running": {"startedAt": now}}, True)
    return status


def readiness(pod, now, ready):
    """Containers still running but (not) Ready, as a failing readiness probe."""
    status = _status(pod)
    if ready:
        conds = [_ready(pod, status.get("conditions"), now),
                 _condition("ContainersReady", "True", now)]
    else:
        msg = _unready_message(pod)
        conds = [_condition("Ready", "False", now, "ContainersNotReady", msg),
                 _condition("ContainersReady", "False", now, "ContainersNotReady", msg)]
    status["conditions"] = set_conditions(status.get("conditions"), conds)
    for s in status.get("containerStatuses") or []:
        s["ready"] = ready
    return status


def terminated(pod, now, succeeded, exit_code=None, reason=None, message=None):
    """Every container ended: Succeeded (exit 0, PodCompleted) or Failed."""
    status = _status(pod)
    if succeeded:
        code, creason, cond_reason, cond_msg = 0, "Completed", "PodCompleted", None
    else:
        code = 1 if exit_code is None else exit_code
        creason, cond_reason, cond_msg = "Error", "ContainersNotReady", _unready_message(pod)
    started = {}
    for s in status.get("containerStatuses") or []:
        started[s.get("name")] = ((s.get("state") or {}).get("running") or {}).get("startedAt")
    status["phase"] = "Succeeded" if succeeded else "Failed"
    if reason:
        status["reason"] = reason
    if message:
        status["message"] = message
    status["conditions"] = set_conditions(status.get("conditions"), [
        _condition("Ready", "False", now, cond_reason, cond_msg),
        _condition("ContainersReady", "False", now, cond_reason, cond_msg)])
    statuses = _container_statuses(pod, {}, False)
    for s in statuses:
        s["state"] = {"terminated": {"exitCode": code, "reason": creason,
                                     "startedAt": started.get(s["name"]) or now,
                                     "finishedAt": now, "containerID": s["containerID"]}}
    status["containerStatuses"] = statuses
    return status


def node_lost(pod, now):
    """PodGC on a pod whose node is gone: DisruptionTarget, then Failed."""
    status = _status(pod)
    status["conditions"] = set_conditions(status.get("conditions"), [
        _condition("DisruptionTarget", "True", now, "DeletionByPodGC",
                   "PodGC: node no longer exists")])
    if status.get("phase") not in ("Succeeded", "Failed"):
        status["phase"] = "Failed"
    return status
