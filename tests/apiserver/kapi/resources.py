"""The kinds this server serves and the per-kind facts the rest of it uses.

Custom resources (the agent-sandbox kinds) behave like CRD-backed resources:
no strategic merge patch, generation bumped on any change outside metadata and
status, defaults from their schemas. Built-in kinds carry their own small rules
(see strategy.py).
"""

ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch",
             "update", "watch"]
SUBRESOURCE_VERBS = ["get", "patch", "update"]


class Resource:
    def __init__(self, group, version, kind, plural, namespaced=True,
                 short_names=(), status=False, scale=None, builtin=False,
                 generation=None, columns=None, categories=(),
                 extra_subresources=(), schema=None, error_group=None):
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.singular = kind.lower()
        self.namespaced = namespaced
        self.short_names = list(short_names)
        self.categories = list(categories)
        self.status = status                # has a status subresource
        self.scale = scale                  # {"spec": path, "status": path, "selector": path}
        self.builtin = builtin              # strategic merge patch allowed
        self.generation = generation        # None | "spec" | "nonmeta"
        self.columns = columns              # CRD-style printer columns or None
        self.extra_subresources = list(extra_subresources)
        self.schema = schema                # CRD openAPIV3Schema (custom resources)
        # 422s name the internal API group ("" for events.k8s.io Events,
        # "extensions" for NetworkPolicies), not the served one
        self.error_group = error_group

    @property
    def api_version(self):
        return "%s/%s" % (self.group, self.version) if self.group else self.version

    @property
    def qualified(self):
        """The group-qualified resource, as errors name it: pods, sandboxclaims.extensions.agents.x-k8s.io."""
        return "%s.%s" % (self.plural, self.group) if self.group else self.plural

    @property
    def group_kind(self):
        """The group-qualified kind, as validation errors name it."""
        return "%s.%s" % (self.kind, self.group) if self.group else self.kind

    @property
    def key(self):
        return (self.group, self.plural)

    @property
    def custom(self):
        return not self.builtin

    def subresources(self):
        subs = []
        if self.status:
            subs.append("status")
        if self.scale:
            subs.append("scale")
        subs.extend(self.extra_subresources)
        return subs

    def __repr__(self):
        return "<Resource %s>" % self.qualified


def _crd_resource(crd, version):
    """A served version of a CustomResourceDefinition as a Resource."""
    spec, names = crd["spec"], crd["spec"]["names"]
    subs = version.get("subresources") or {}
    scale = None
    if "scale" in subs:
        path = lambda p: tuple(p.lstrip(".").split(".")) if p else None
        scale = {"spec": path(subs["scale"]["specReplicasPath"]),
                 "status": path(subs["scale"]["statusReplicasPath"]),
                 "selector": path(subs["scale"].get("labelSelectorPath"))}
    columns = [(c["name"], c["type"], c["jsonPath"], c.get("priority", 0))
               for c in version.get("additionalPrinterColumns") or []]
    return Resource(spec["group"], version["name"], names["kind"], names["plural"],
                    namespaced=spec.get("scope") == "Namespaced",
                    short_names=names.get("shortNames") or (),
                    categories=names.get("categories") or (),
                    status="status" in subs, scale=scale,
                    generation="spec" if "status" in subs else "nonmeta",
                    columns=columns or [("Age", "date", ".metadata.creationTimestamp", 0)],
                    schema=version["schema"]["openAPIV3Schema"])


def crd_resources(crds):
    return [_crd_resource(crd, v) for crd in crds for v in crd["spec"]["versions"]
            if v.get("served", True)]


def default_resources(crds=None):
    """Every served resource; the order is the discovery order. Custom
    resources come from the CRD files (schema.load_crds())."""
    if crds is None:
        from . import schema
        crds = schema.load_crds()
    return [
        Resource("", "v1", "Namespace", "namespaces", namespaced=False,
                 short_names=["ns"], status=True, builtin=True,
                 extra_subresources=["finalize"]),
        Resource("", "v1", "Pod", "pods", short_names=["po"], status=True,
                 builtin=True, categories=["all"]),
        Resource("", "v1", "Service", "services", short_names=["svc"], status=True,
                 builtin=True, categories=["all"]),
        Resource("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims",
                 short_names=["pvc"], status=True, builtin=True),
        Resource("", "v1", "Event", "events", short_names=["ev"], builtin=True),
        Resource("coordination.k8s.io", "v1", "Lease", "leases", builtin=True),
        Resource("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies",
                 short_names=["netpol"], builtin=True, generation="nonmeta",
                 error_group="extensions"),
        Resource("events.k8s.io", "v1", "Event", "events", short_names=["ev"], builtin=True,
                 error_group=""),
    ] + crd_resources(crds)


class Registry:
    def __init__(self, resources=None):
        self.resources = resources or default_resources()
        self._by_path = {(r.group, r.version, r.plural): r for r in self.resources}
        self._by_kind = {(r.group, r.kind): r for r in self.resources}

    def lookup(self, group, version, plural):
        return self._by_path.get((group, version, plural))

    def by_kind(self, api_version, kind):
        """The resource for an object's apiVersion and kind, or None."""
        group = api_version.rpartition("/")[0] if "/" in api_version else ""
        res = self._by_kind.get((group, kind))
        if res and res.api_version == api_version:
            return res
        return None

    def by_group_kind(self, group, kind):
        return self._by_kind.get((group, kind))

    def group_versions(self):
        """[(group, version)] in discovery order, core first."""
        seen = []
        for r in self.resources:
            gv = (r.group, r.version)
            if gv not in seen:
                seen.append(gv)
        return seen

    def in_group_version(self, group, version):
        return [r for r in self.resources if r.group == group and r.version == version]
