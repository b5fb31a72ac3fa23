/* The caches every reconciler reads: which kind each holds, its indexes
 * (CONTROLLER.md "Caches and queues") and what of each object it keeps.
 * See reconciler.h. */
#include <stdlib.h>

#include "controller/keys.h"
#include "controller/reconciler.h"

#define END {NULL, NULL}
#define COMMON_INDEXES                                                                                         \
    {WP_INDEX_NAMESPACE, WP_STORE_INDEX_NAMESPACE, NULL}, { WP_INDEX_OWNER, WP_STORE_INDEX_OWNER_UID, NULL }

static const wp_store_index plain_indexes[] = {COMMON_INDEXES};
static const wp_store_index sandbox_indexes[] = {
    COMMON_INDEXES,
    {WP_INDEX_POOL_LABEL, WP_STORE_INDEX_LABEL, WP_LABEL_WARM_POOL_SANDBOX},
};
static const wp_store_index pool_indexes[] = {
    COMMON_INDEXES,
    {WP_INDEX_TEMPLATE_REF, WP_STORE_INDEX_FIELD, "spec.sandboxTemplateRef.name"},
};
static const wp_store_index claim_indexes[] = {
    COMMON_INDEXES,
    {WP_INDEX_WARM_POOL_REF, WP_STORE_INDEX_FIELD, "spec.warmPoolRef.name"},
};
static const wp_store_index dependent_indexes[] = {
    COMMON_INDEXES,
    {WP_INDEX_NAME_HASH, WP_STORE_INDEX_LABEL, WP_LABEL_SANDBOX_NAME_HASH},
};

/* What the Sandbox reconciler reads of a Pod: wpkube's wp_store_pod_fields
 * plus the condition messages and transition times it mirrors into the
 * Sandbox's PodScheduled condition. Pods are the most numerous objects, so
 * their spec and container statuses stay out of memory. */
static const wp_store_field pod_metadata[] = {
    {"name", NULL},       {"namespace", NULL},         {"uid", NULL},    {"resourceVersion", NULL},
    {"generation", NULL}, {"creationTimestamp", NULL}, {"deletionTimestamp", NULL},
    {"labels", NULL},     {"annotations", NULL},       {"ownerReferences", NULL},
    {"finalizers", NULL}, END,
};
static const wp_store_field pod_spec[] = {{"nodeName", NULL}, END};
static const wp_store_field pod_status[] = {
    {"phase", NULL}, {"conditions", NULL}, {"podIP", NULL}, {"podIPs", NULL}, {"startTime", NULL}, END,
};
static const wp_store_field pod_fields[] = {
    {"apiVersion", NULL}, {"kind", NULL}, {"metadata", pod_metadata}, {"spec", pod_spec}, {"status", pod_status}, END,
};

#define CONFIG(idx) {idx, sizeof idx / sizeof *idx, NULL, NULL}

static const wp_store_config configs[WP_CACHE__COUNT] = {
    [WP_CACHE_SANDBOX] = CONFIG(sandbox_indexes),
    [WP_CACHE_TEMPLATE] = CONFIG(plain_indexes),
    [WP_CACHE_POOL] = CONFIG(pool_indexes),
    [WP_CACHE_CLAIM] = CONFIG(claim_indexes),
    [WP_CACHE_POD] = {dependent_indexes, sizeof dependent_indexes / sizeof *dependent_indexes, pod_fields, NULL},
    [WP_CACHE_SERVICE] = CONFIG(dependent_indexes),
    [WP_CACHE_PVC] = CONFIG(dependent_indexes),
    [WP_CACHE_NETWORK_POLICY] = CONFIG(plain_indexes),
};

static const wp_kube_kind_id kinds[WP_CACHE__COUNT] = {
    [WP_CACHE_SANDBOX] = WP_KIND_SANDBOX,
    [WP_CACHE_TEMPLATE] = WP_KIND_SANDBOX_TEMPLATE,
    [WP_CACHE_POOL] = WP_KIND_SANDBOX_WARM_POOL,
    [WP_CACHE_CLAIM] = WP_KIND_SANDBOX_CLAIM,
    [WP_CACHE_POD] = WP_KIND_POD,
    [WP_CACHE_SERVICE] = WP_KIND_SERVICE,
    [WP_CACHE_PVC] = WP_KIND_PVC,
    [WP_CACHE_NETWORK_POLICY] = WP_KIND_NETWORK_POLICY,
};

const wp_store_config *wp_ctl_cache_config(wp_cache_id id)
{
    return (unsigned)id < WP_CACHE__COUNT ? &configs[id] : NULL;
}

const wp_kube_kind *wp_ctl_cache_kind(wp_cache_id id)
{
    return (unsigned)id < WP_CACHE__COUNT ? wp_kube_kind_get(kinds[id]) : NULL;
}

void wp_ctl_stores_create(wp_ctl *ctl, unsigned caches)
{
    for (int i = 0; i < WP_CACHE__COUNT; i++) {
        if ((caches & WP_CACHE_BIT(i)) && !ctl->stores[i] && !ctl->informers[i])
            ctl->stores[i] = wp_store_new(&configs[i]);
    }
}

void wp_ctl_stores_free(wp_ctl *ctl)
{
    for (int i = 0; i < WP_CACHE__COUNT; i++) {
        if (!ctl->informers[i] && ctl->stores[i]) {
            wp_store_free(ctl->stores[i]);
            ctl->stores[i] = NULL;
        }
    }
}
