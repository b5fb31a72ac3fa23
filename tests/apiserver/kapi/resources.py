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
                 generation=None, columns=None, categories=(), defaults=(),
                 extra_subresources=()):
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
        self.defaults = list(defaults)      # (path tuple, value) structural defaults
        self.extra_subresources = list(extra_subresources)

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


READY_STATUS = ".status.conditions[?(@.type=='Ready')].status"
READY_REASON = ".status.conditions[?(@.type=='Ready')].reason"
AGE = ("Age", "date", ".metadata.creationTimestamp", 0)

AGENTS = "agents.x-k8s.io"
EXTENSIONS = "extensions.agents.x-k8s.io"


def default_resources():
    """Every served resource; the order is the discovery order."""
    return [
        Resource("", "v1", "Namespace", "namespaces", namespaced=False,
                 short_names=["ns"], status=True, builtin=True,
                 extra_subresources=["finalize"]),
        Resource("", "v1", "Pod", "pods", short_names=["po"], status=True,
                 builtin=True, generation="spec", categories=["all"]),
        Resource("", "v1", "Service", "services", short_names=["svc"], status=True,
                 builtin=True, categories=["all"]),
        Resource("", "v1", "Event", "events", short_names=["ev"], builtin=True),
        Resource("coordination.k8s.io", "v1", "Lease", "leases", builtin=True),
        Resource(AGENTS, "v1beta1", "Sandbox", "sandboxes", short_names=["sandbox"],
                 status=True, generation="spec",
                 columns=[("Ready", "string", READY_STATUS, 0),
                          ("Reason", "string", READY_REASON, 0), AGE],
                 defaults=[(("spec", "operatingMode"), "Running")]),
        Resource(EXTENSIONS, "v1beta1", "SandboxTemplate", "sandboxtemplates",
                 short_names=["sandboxtemplate"], generation="nonmeta",
                 columns=[AGE],
                 defaults=[(("spec", "envVarsInjectionPolicy"), "Disallowed"),
                           (("spec", "networkPolicyManagement"), "Managed"),
                           (("spec", "volumeClaimTemplatesPolicy"), "Disallowed")]),
        Resource(EXTENSIONS, "v1beta1", "SandboxWarmPool", "sandboxwarmpools",
                 short_names=["swp"], status=True, generation="spec",
                 scale={"spec": ("spec", "replicas"), "status": ("status", "replicas"),
                        "selector": ("status", "selector")},
                 columns=[("Ready", "integer", ".status.readyReplicas", 0),
                          ("Desired", "integer", ".spec.replicas", 0), AGE],
                 defaults=[(("spec", "replicas"), 1),
                           (("spec", "updateStrategy", "type"), "OnReplenish")]),
        Resource(EXTENSIONS, "v1beta1", "SandboxClaim", "sandboxclaims",
                 short_names=["sandboxclaim"], status=True, generation="spec",
                 columns=[("Ready", "string", READY_STATUS, 0),
                          ("Sandbox", "string", ".status.sandbox.name", 0),
                          ("Reason", "string", READY_REASON, 0), AGE],
                 defaults=[(("spec", "lifecycle", "shutdownPolicy"), "Retain")]),
    ]


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
