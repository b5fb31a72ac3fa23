/* The kind table and REST paths. See kube_resource.h. */
#include "controller/kube/kube_resource.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/verdict.h"
#include "controller/kube/kube_query.h"

#define SANDBOX_GROUP "agents.x-k8s.io"
#define EXTENSIONS_GROUP "extensions.agents.x-k8s.io"

static const wp_kube_kind kinds[WP_KIND__COUNT] = {
    [WP_KIND_SANDBOX] = {"Sandbox", SANDBOX_GROUP, "v1beta1", "sandboxes", SANDBOX_GROUP "/v1beta1", true},
    [WP_KIND_SANDBOX_TEMPLATE] = {"SandboxTemplate", EXTENSIONS_GROUP, "v1beta1", "sandboxtemplates",
                                  EXTENSIONS_GROUP "/v1beta1", true},
    [WP_KIND_SANDBOX_WARM_POOL] = {"SandboxWarmPool", EXTENSIONS_GROUP, "v1beta1", "sandboxwarmpools",
                                   EXTENSIONS_GROUP "/v1beta1", true},
    [WP_KIND_SANDBOX_CLAIM] = {"SandboxClaim", EXTENSIONS_GROUP, "v1beta1", "sandboxclaims",
                               EXTENSIONS_GROUP "/v1beta1", true},
    [WP_KIND_POD] = {"Pod", "", "v1", "pods", "v1", true},
    [WP_KIND_SERVICE] = {"Service", "", "v1", "services", "v1", true},
    [WP_KIND_EVENT] = {"Event", "", "v1", "events", "v1", true},
    [WP_KIND_LEASE] = {"Lease", "coordination.k8s.io", "v1", "leases", "coordination.k8s.io/v1", true},
    [WP_KIND_NAMESPACE] = {"Namespace", "", "v1", "namespaces", "v1", false},
    [WP_KIND_PVC] = {"PersistentVolumeClaim", "", "v1", "persistentvolumeclaims", "v1", true},
    [WP_KIND_NETWORK_POLICY] = {"NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies",
                                "networking.k8s.io/v1", true},
    [WP_KIND_EVENT_V1] = {"Event", "events.k8s.io", "v1", "events", "events.k8s.io/v1", true},
};

const wp_kube_kind *wp_kube_kind_get(wp_kube_kind_id id)
{
    return (unsigned)id < WP_KIND__COUNT ? &kinds[id] : NULL;
}

const wp_kube_kind *wp_kube_kind_find(const char *kind_or_plural)
{
    for (size_t i = 0; i < WP_KIND__COUNT; i++) {
        if (strcmp(kinds[i].kind, kind_or_plural) == 0 || strcasecmp(kinds[i].plural, kind_or_plural) == 0)
            return &kinds[i];
    }
    return NULL;
}

/* A path segment must be non-empty and not "." or ".." (which a server
 * would resolve away, addressing a different object). */
static bool usable_segment(const char *s)
{
    return s && *s && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

char *wp_kube_path(const wp_kube_kind *kind, const char *ns, const char *name, const char *subresource)
{
    if (!kind) return NULL;
    if (name && !usable_segment(name)) return NULL;
    if (subresource && (!name || !usable_segment(subresource))) return NULL;
    bool scoped = kind->namespaced && ns && *ns;
    if (scoped && !usable_segment(ns)) return NULL;
    if (kind->namespaced && !scoped && name) return NULL; /* an object needs its namespace */

    char *ens = scoped ? wp_kube_escape(ns) : NULL;
    char *ename = name ? wp_kube_escape(name) : NULL;
    char *esub = subresource ? wp_kube_escape(subresource) : NULL;
    char prefix[160];
    if (kind->group[0])
        snprintf(prefix, sizeof prefix, "/apis/%s/%s", kind->group, kind->version);
    else
        snprintf(prefix, sizeof prefix, "/api/%s", kind->version);
    size_t cap = strlen(prefix) + strlen(kind->plural) + 32 + (ens ? strlen(ens) : 0) +
                 (ename ? strlen(ename) : 0) + (esub ? strlen(esub) : 0);
    char *out = wp_xalloc_check(malloc(cap));
    snprintf(out, cap, "%s%s%s/%s%s%s%s%s", prefix, scoped ? "/namespaces/" : "", scoped ? ens : "",
             kind->plural, ename ? "/" : "", ename ? ename : "", esub ? "/" : "", esub ? esub : "");
    free(ens);
    free(ename);
    free(esub);
    return out;
}
