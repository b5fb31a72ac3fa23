/* The kinds the controller talks to and the REST paths they live at.
 *
 * A small static table (no discovery): group, version, plural, scope. The
 * entries are static and never freed; pointers to them are valid for the
 * life of the program. */
#ifndef WP_KUBE_RESOURCE_H
#define WP_KUBE_RESOURCE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *kind;        /* "Pod" */
    const char *group;       /* "" for the core group */
    const char *version;     /* "v1" */
    const char *plural;      /* "pods" */
    const char *api_version; /* "v1", "agents.x-k8s.io/v1beta1" */
    bool namespaced;
} wp_kube_kind;

typedef enum {
    WP_KIND_SANDBOX,
    WP_KIND_SANDBOX_TEMPLATE,
    WP_KIND_SANDBOX_WARM_POOL,
    WP_KIND_SANDBOX_CLAIM,
    WP_KIND_POD,
    WP_KIND_SERVICE,
    WP_KIND_EVENT,
    WP_KIND_LEASE,
    WP_KIND_NAMESPACE,
    WP_KIND_PVC,            /* PersistentVolumeClaim */
    WP_KIND_NETWORK_POLICY, /* networking.k8s.io/v1 */
    WP_KIND_EVENT_V1,       /* events.k8s.io/v1 Event (what controller-runtime records) */
    WP_KIND__COUNT
} wp_kube_kind_id;

/* Static entry for id (borrowed, never NULL for a valid id). */
const wp_kube_kind *wp_kube_kind_get(wp_kube_kind_id id);
/* Entry whose kind ("Pod") or plural ("pods") matches, or NULL. */
const wp_kube_kind *wp_kube_kind_find(const char *kind_or_plural);

/* Builds the path of a collection or an object:
 *   /api/v1/namespaces/NS/pods[/NAME[/SUBRESOURCE]]
 *   /apis/GROUP/VERSION/namespaces/NS/PLURAL[...]
 * ns is ignored for cluster-scoped kinds; ns NULL or "" on a namespaced kind
 * means all namespaces (a list or watch). name NULL = the collection.
 * Path segments are percent-encoded. Returns a new malloc'd string (caller
 * frees), or NULL when ns/name/subresource is unusable (empty, ".", "..",
 * or a subresource without a name). */
char *wp_kube_path(const wp_kube_kind *kind, const char *ns, const char *name, const char *subresource);

#endif
