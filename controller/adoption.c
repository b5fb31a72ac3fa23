/* Warm adoption in one write (adoption.h). */
#include "controller/adoption.h"

#include <stdatomic.h>
#include <string.h>

#include "common/verdict.h"
#include "controller/keys.h"
#include "controller/naming.h"

static const json_t *meta_of(const json_t *o) { return json_object_get(o, "metadata"); }

static const char *label_of(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(json_object_get(meta_of(o), "labels"), key));
}

static const char *str_at(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

bool wp_adoption_adoptable(const json_t *sandbox, const char **pool)
{
    const json_t *meta = meta_of(sandbox);
    if (json_object_get(meta, "deletionTimestamp")) return false;
    if (!label_of(sandbox, WP_LABEL_WARM_POOL_SANDBOX) || !label_of(sandbox, WP_LABEL_TEMPLATE_REF_HASH)) return false;
    if (!wp_ctl_controlled_by_kind(sandbox, WP_GROUP_EXTENSIONS, WP_KIND_NAME_POOL)) return false;
    if (pool) *pool = str_at(wp_ctl_controller_ref(sandbox), "name");
    return true;
}

/* ---- the patch -------------------------------------------------------------- */

/* The claim as a controller owner reference (apiVersion and kind set even
 * when the cached copy lacks them). New reference. */
static json_t *claim_owner_ref(const json_t *claim)
{
    json_t *c = json_pack("{s:s, s:s, s:O}", "apiVersion", WP_API_EXTENSIONS, "kind", WP_KIND_NAME_CLAIM,
                          "metadata", meta_of(claim));
    json_t *ref = wp_ctl_owner_ref(wp_xalloc_check(c));
    json_decref(c);
    return ref;
}

/* The identity labels every claim sandbox and its pod template carry. */
static void identity_labels(json_t *labels, const json_t *claim, const char *ref_hash)
{
    json_object_set_new(labels, WP_LABEL_CLAIM_UID, json_string(str_at(meta_of(claim), "uid")));
    json_object_set_new(labels, WP_LABEL_TEMPLATE_REF_HASH, json_string(ref_hash));
    const char *created_by = label_of(claim, WP_LABEL_CREATED_BY);
    if (created_by && *created_by) json_object_set_new(labels, WP_LABEL_CREATED_BY, json_string(created_by));
    else json_object_del(labels, WP_LABEL_CREATED_BY);
}

/* A merge-patch object turning map `have` into map `want`: every key of
 * want, and null for keys of have that want lacks. New reference. */
static json_t *map_patch(const json_t *have, const json_t *want)
{
    json_t *p = want ? json_deep_copy(want) : json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)have, k, v) {
        if (!json_object_get(want, k)) json_object_set_new(p, k, json_null());
    }
    return p;
}

/* The adopted sandbox's pod template metadata: the template's (or, without
 * it, the member's own minus the warm keys), identity labels, the claim's
 * additionalPodMetadata. New reference. */
static json_t *pod_metadata(const json_t *sandbox, const json_t *claim, const json_t *template_spec,
                            const char *ref_hash)
{
    const json_t *base = template_spec
                             ? json_object_get(json_object_get(template_spec, "podTemplate"), "metadata")
                             : json_object_get(json_object_get(json_object_get(sandbox, "spec"), "podTemplate"),
                                               "metadata");
    json_t *meta = json_is_object(base) ? json_deep_copy(base) : json_object();
    json_t *labels = json_object_get(meta, "labels");
    if (!json_is_object(labels)) {
        labels = json_object();
        json_object_set_new(meta, "labels", labels);
    }
    json_object_del(labels, WP_LABEL_WARM_POOL_SANDBOX);
    json_object_del(labels, WP_LABEL_TEMPLATE_HASH);
    json_object_del(labels, WP_LABEL_POD_TEMPLATE_HASH);
    identity_labels(labels, claim, ref_hash);
    json_t *annotations = json_object_get(meta, "annotations");
    if (json_is_object(annotations) &&
        strcmp(str_at(annotations, WP_ANNOT_SAFE_TO_EVICT), WP_TRUE_STRING) == 0)
        json_object_del(annotations, WP_ANNOT_SAFE_TO_EVICT);
    const json_t *extra = json_object_get(json_object_get(claim, "spec"), "additionalPodMetadata");
    json_object_update(labels, json_object_get(extra, "labels"));
    if (json_object_size(json_object_get(extra, "annotations"))) {
        if (!json_is_object(annotations)) {
            annotations = json_object();
            json_object_set_new(meta, "annotations", annotations);
        }
        json_object_update(annotations, json_object_get(extra, "annotations"));
    }
    return meta;
}

json_t *wp_adoption_patch(const json_t *sandbox, const json_t *claim, const json_t *template_spec,
                          const char *template_name)
{
    const json_t *smeta = meta_of(sandbox);
    char hash[WP_NAMING_HASH_LEN];
    const char *ref_hash = label_of(sandbox, WP_LABEL_TEMPLATE_REF_HASH);
    if (!ref_hash || !*ref_hash) {
        wp_naming_hash(template_name ? template_name : "", hash);
        ref_hash = hash;
    }

    json_t *labels = json_pack("{s:n, s:n, s:n, s:s}", WP_LABEL_WARM_POOL_SANDBOX, WP_LABEL_TEMPLATE_HASH,
                               WP_LABEL_POD_TEMPLATE_HASH, WP_LABEL_LAUNCH_TYPE, WP_LAUNCH_WARM);
    identity_labels(labels, claim, ref_hash);
    if (!json_object_get(labels, WP_LABEL_CREATED_BY)) json_object_set_new(labels, WP_LABEL_CREATED_BY, json_null());

    json_t *annotations = json_pack("{s:s}", WP_ANNOT_POD_NAME, str_at(smeta, "name"));
    const char *trace = json_string_value(json_object_get(json_object_get(meta_of(claim), "annotations"),
                                                          WP_ANNOT_TRACE_CONTEXT));
    if (trace) json_object_set_new(annotations, WP_ANNOT_TRACE_CONTEXT, json_string(trace));

    json_t *want = pod_metadata(sandbox, claim, template_spec, ref_hash);
    const json_t *have = json_object_get(json_object_get(json_object_get(sandbox, "spec"), "podTemplate"), "metadata");
    json_t *pod_meta = json_object();
    json_object_set_new(pod_meta, "labels",
                        map_patch(json_object_get(have, "labels"), json_object_get(want, "labels")));
    json_object_set_new(pod_meta, "annotations",
                        map_patch(json_object_get(have, "annotations"), json_object_get(want, "annotations")));
    json_decref(want);

    json_t *patch = json_pack("{s:{s:s, s:[o], s:o, s:o}, s:{s:{s:o}}}", "metadata", "resourceVersion",
                              str_at(smeta, "resourceVersion"), "ownerReferences", claim_owner_ref(claim), "labels",
                              labels, "annotations", annotations, "spec", "podTemplate", "metadata", pod_meta);
    return wp_xalloc_check(patch);
}

/* ---- the write ----------------------------------------------------------------- */

#define COUNT(stats, field) \
    do { \
        if (stats) atomic_fetch_add_explicit(&(stats)->field, 1, memory_order_relaxed); \
    } while (0)

static json_t *send_patch(wp_ctl *ctl, const json_t *candidate, const json_t *claim, const json_t *template_spec,
                          const char *template_name, wp_adoption_stats *stats, wp_kube_error *err)
{
    json_t *patch = wp_adoption_patch(candidate, claim, template_spec, template_name);
    const json_t *meta = meta_of(candidate);
    COUNT(stats, patches);
    json_t *out = wp_ctl_patch(ctl, WP_CACHE_SANDBOX, str_at(meta, "namespace"), str_at(meta, "name"), NULL,
                               WP_KUBE_PATCH_MERGE, patch, err);
    json_decref(patch);
    if (!out && err->rc == WP_KUBE_ECONFLICT) COUNT(stats, conflicts);
    return out;
}

wp_adoption_result wp_adoption_bind(wp_ctl *ctl, const json_t *claim, const json_t *candidate,
                                    const json_t *template_spec, const char *template_name, json_t **bound,
                                    wp_adoption_stats *stats, wp_kube_error *err)
{
    const char *claim_uid = str_at(meta_of(claim), "uid");
    const char *pool = NULL;
    wp_adoption_adoptable(candidate, &pool);
    *bound = send_patch(ctl, candidate, claim, template_spec, template_name, stats, err);
    if (*bound) return WP_ADOPTION_BOUND;
    if (err->rc == WP_KUBE_ENOTFOUND) return WP_ADOPTION_LOST;
    if (err->rc != WP_KUBE_ECONFLICT) return WP_ADOPTION_ERROR;

    /* 409: someone wrote the Sandbox after our cache saw it. Ask the API. */
    COUNT(stats, rechecks);
    const json_t *meta = meta_of(candidate);
    wp_kube_error gerr = WP_KUBE_ERROR_INIT;
    json_t *fresh = wp_ctl_read_live(ctl, WP_CACHE_SANDBOX, str_at(meta, "namespace"), str_at(meta, "name"), &gerr);
    wp_kube_rc grc = gerr.rc;
    wp_kube_error_clear(&gerr);
    if (!fresh) return grc == WP_KUBE_ENOTFOUND || !ctl->client ? WP_ADOPTION_LOST : WP_ADOPTION_ERROR;
    wp_adoption_result r = WP_ADOPTION_LOST;
    const char *fresh_pool = NULL;
    if (wp_ctl_controlled_by_uid(fresh, claim_uid)) {
        *bound = json_incref(fresh);
        r = WP_ADOPTION_BOUND;
    } else if (wp_adoption_adoptable(fresh, &fresh_pool) && pool && strcmp(pool, fresh_pool) == 0) {
        wp_kube_error_clear(err);
        *bound = send_patch(ctl, fresh, claim, template_spec, template_name, stats, err);
        r = *bound                         ? WP_ADOPTION_BOUND
            : err->rc == WP_KUBE_ECONFLICT ? WP_ADOPTION_BUSY
            : err->rc == WP_KUBE_ENOTFOUND ? WP_ADOPTION_LOST
                                           : WP_ADOPTION_ERROR;
    }
    json_decref(fresh);
    return r;
}

/* ---- keeping the candidates current -------------------------------------------- */

static const char *node_of(const json_t *sandbox)
{
    return str_at(json_object_get(sandbox, "status"), "nodeName");
}

void wp_adoption_track(wp_candidates *c, wp_store_item *old, wp_store_item *cur)
{
    if (!cur) {
        if (old) wp_candidates_remove(c, wp_store_item_namespace(old), wp_store_item_name(old));
        return;
    }
    json_t *now = wp_store_item_json(cur);
    const char *pool = NULL;
    if (!wp_adoption_adoptable(now, &pool)) {
        if (old) wp_candidates_remove(c, wp_store_item_namespace(cur), wp_store_item_name(cur));
        json_decref(now);
        return;
    }
    bool changed = true;
    if (old) {
        json_t *before = wp_store_item_json(old);
        const char *old_pool = NULL;
        changed = !wp_adoption_adoptable(before, &old_pool) || strcmp(old_pool, pool) != 0 ||
                  (!*node_of(before) && *node_of(now));
        json_decref(before);
    }
    if (changed) wp_candidates_put(c, wp_store_item_namespace(cur), pool, wp_store_item_name(cur), node_of(now));
    json_decref(now);
}
