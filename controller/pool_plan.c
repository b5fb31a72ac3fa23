/* The warm pool's pure decisions (see pool_plan.h). */
#include "controller/pool_plan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/names.h"
#include "controller/blueprint.h"
#include "controller/conditions.h"
#include "controller/gojson.h"
#include "controller/keys.h"
#include "controller/reconciler.h"

static const json_t *meta(const json_t *o) { return json_object_get(o, "metadata"); }
static const char *meta_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(meta(o), key));
}
static const char *label(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(json_object_get(meta(o), "labels"), key));
}
static bool str_eq(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

void wp_pool_view_init(wp_pool_view *v, const json_t *pool, const json_t *template_obj, double now, double grace)
{
    memset(v, 0, sizeof *v);
    v->pool = pool;
    v->now = now;
    v->grace = grace;
    const json_t *spec = json_object_get(pool, "spec");
    v->uid = meta_str(pool, "uid");
    if (!v->uid) v->uid = "";
    v->template_name = json_string_value(json_object_get(json_object_get(spec, "sandboxTemplateRef"), "name"));
    if (!v->template_name) v->template_name = "";
    const char *strategy = json_string_value(json_object_get(json_object_get(spec, "updateStrategy"), "type"));
    v->recreate = str_eq(strategy, WP_UPDATE_RECREATE);
    const json_t *replicas = json_object_get(spec, "replicas");
    v->desired = json_is_integer(replicas) ? json_integer_value(replicas) : 1;
    if (v->desired < 0) v->desired = 0; /* the CRD forbids it; never read it as "delete more" */
    const char *name = meta_str(pool, "name");
    wp_naming_hash(name ? name : "", v->pool_hash);
    wp_naming_hash(v->template_name, v->ref_hash);
    if (template_obj) {
        v->has_template = true;
        v->template_spec = json_object_get(template_obj, "spec"); /* NULL reads as the zero blueprint */
        wp_blueprint_template_hash(v->template_spec, v->template_hash);
        wp_blueprint_pod_template_hash(v->template_spec, v->pod_template_hash);
    }
}

/* --- members ---------------------------------------------------------------- */

bool wp_pool_is_stale(const wp_pool_view *v, const json_t *sb)
{
    if (!str_eq(label(sb, WP_LABEL_TEMPLATE_REF_HASH), v->ref_hash)) return true;
    const json_t *spec = json_object_get(sb, "spec");
    if (!wp_ctl_controller_ref(sb)) return !wp_blueprint_matches(v->template_spec, spec);
    const char *hash = label(sb, WP_LABEL_TEMPLATE_HASH);
    const json_t *annotations = json_object_get(meta(sb), "annotations");
    const char *pins = json_string_value(json_object_get(annotations, WP_ANNOT_IMAGE_DIGESTS));
    /* The hash covers the template, not where its tags point now. */
    bool pins_current = !v->pins || str_eq(pins, v->pins);
    if (hash && *hash && strcmp(hash, v->template_hash) == 0 && pins_current) return false;
    return !wp_blueprint_matches(v->template_spec, spec);
}

wp_member_plan wp_pool_classify(const wp_pool_view *v, const json_t *sb, bool pending_delete)
{
    wp_member_plan p = {WP_MEMBER_IGNORE, false, false, false};
    const json_t *ref = wp_ctl_controller_ref(sb);
    bool orphan = ref == NULL;
    p.owned = ref && *v->uid && str_eq(json_string_value(json_object_get(ref, "uid")), v->uid);
    const json_t *deleting = json_object_get(meta(sb), "deletionTimestamp");
    if (deleting && !json_is_null(deleting)) {
        if (p.owned) p.verdict = WP_MEMBER_TERMINATING;
        return p;
    }
    if (p.owned && pending_delete) {
        p.verdict = WP_MEMBER_TERMINATING;
        return p;
    }
    if (!orphan && !p.owned) return p;
    if (v->has_template && (v->recreate || orphan) && wp_pool_is_stale(v, sb)) {
        p.verdict = WP_MEMBER_STALE;
        return p;
    }
    p.verdict = WP_MEMBER_KEEP;
    p.set_launch = p.owned && !str_eq(label(sb, WP_LABEL_LAUNCH_TYPE), WP_LAUNCH_WARM);
    p.adopt = orphan;
    return p;
}

bool wp_pool_sandbox_ready(const json_t *sb)
{
    return wp_conditions_is_true(json_object_get(json_object_get(sb, "status"), "conditions"), WP_COND_READY);
}

bool wp_pool_pod_unschedulable(const json_t *pod)
{
    if (!pod) return false;
    const json_t *deleting = json_object_get(meta(pod), "deletionTimestamp");
    if (deleting && !json_is_null(deleting)) return false;
    const json_t *c = wp_conditions_find(json_object_get(json_object_get(pod, "status"), "conditions"),
                                         WP_COND_POD_SCHEDULED);
    return c && strcmp(wp_condition_status(c), WP_STATUS_FALSE) == 0 &&
           strcmp(wp_condition_reason(c), WP_POD_REASON_UNSCHEDULABLE) == 0;
}

const char *wp_pool_pod_name(const json_t *sb)
{
    const char *a = json_string_value(json_object_get(json_object_get(meta(sb), "annotations"), WP_ANNOT_POD_NAME));
    return a && *a ? a : meta_str(sb, "name");
}

double wp_pool_time(const json_t *v)
{
    struct timespec ts;
    if (!json_is_string(v) || !wp_name_parse_rfc3339(json_string_value(v), json_string_length(v), &ts)) return -1;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

wp_grace_verdict wp_pool_grace(const wp_pool_view *v, const json_t *sb, bool unschedulable, double *after)
{
    if (wp_pool_sandbox_ready(sb)) return WP_GRACE_FINE;
    double created = wp_pool_time(json_object_get(meta(sb), "creationTimestamp"));
    if (created < 0) return WP_GRACE_FINE;
    double age = v->now - created;
    if (age <= v->grace) {
        if (after) *after = v->grace - age + WP_POOL_GRACE_SLACK;
        return WP_GRACE_WAIT;
    }
    return unschedulable ? WP_GRACE_HOLD : WP_GRACE_REPLACE;
}

double wp_pool_jitter(double d, double u)
{
    if (u < 0) u = 0;
    if (u >= 1) u = 0.999999;
    return d + d * WP_POOL_GRACE_JITTER * u;
}

/* --- counts and order ---------------------------------------------------------- */

static long long min_ll(long long a, long long b) { return a < b ? a : b; }

long long wp_pool_to_create(long long desired, long long active, long long terminating, long long cap)
{
    long long deficit = desired - active - terminating;
    return deficit > 0 ? min_ll(deficit, cap > 0 ? cap : WP_POOL_BATCH_CAP_DEFAULT) : 0;
}

long long wp_pool_to_delete(long long desired, long long active, long long cap)
{
    long long excess = active - desired;
    return excess > 0 ? min_ll(excess, cap > 0 ? cap : WP_POOL_BATCH_CAP_DEFAULT) : 0;
}

size_t wp_pool_batches(long long total, long long *sizes, size_t max_batches)
{
    size_t n = 0;
    long long remaining = total;
    for (long long size = min_ll(remaining, 1); size > 0; size = min_ll(2 * size, remaining)) {
        if (n < max_batches) sizes[n] = size;
        n++;
        remaining -= size;
    }
    return n;
}

static int surplus_cmp(const void *pa, const void *pb)
{
    const json_t *a = *(const json_t *const *)pa, *b = *(const json_t *const *)pb;
    bool ra = wp_pool_sandbox_ready(a), rb = wp_pool_sandbox_ready(b);
    if (ra != rb) return ra ? 1 : -1;
    double ta = wp_pool_time(json_object_get(meta(a), "creationTimestamp"));
    double tb = wp_pool_time(json_object_get(meta(b), "creationTimestamp"));
    if (ta != tb) return ta < tb ? 1 : -1;
    const char *na = meta_str(a, "name"), *nb = meta_str(b, "name");
    return strcmp(na ? na : "", nb ? nb : "");
}

void wp_pool_surplus_order(const json_t **sandboxes, size_t n)
{
    if (n > 1) qsort(sandboxes, n, sizeof *sandboxes, surplus_cmp);
}

/* --- what gets written ---------------------------------------------------------- */

json_t *wp_pool_member_new(const wp_pool_view *v, bool evictable)
{
    json_t *spec = wp_blueprint_sandbox_spec(v->template_spec);
    json_t *pod_labels = wp_blueprint_pod_labels(spec);
    json_object_set_new(pod_labels, WP_LABEL_WARM_POOL_SANDBOX, json_string(v->pool_hash));
    json_object_set_new(pod_labels, WP_LABEL_TEMPLATE_REF_HASH, json_string(v->ref_hash));
    json_object_set_new(pod_labels, WP_LABEL_POD_TEMPLATE_HASH, json_string(v->pod_template_hash));
    json_object_set_new(pod_labels, WP_LABEL_TEMPLATE_HASH, json_string(v->template_hash));
    if (evictable) wp_blueprint_mark_evictable(spec);

    char generate_name[WP_CTL_KEY_MAX];
    const char *name = meta_str(v->pool, "name");
    snprintf(generate_name, sizeof generate_name, "%s-", name ? name : "");
    json_t *labels = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", WP_LABEL_WARM_POOL_SANDBOX, v->pool_hash,
                               WP_LABEL_TEMPLATE_REF_HASH, v->ref_hash, WP_LABEL_LAUNCH_TYPE, WP_LAUNCH_WARM,
                               WP_LABEL_POD_TEMPLATE_HASH, v->pod_template_hash, WP_LABEL_TEMPLATE_HASH,
                               v->template_hash, WP_LABEL_CREATED_BY, WP_CREATED_BY_CONTROLLER);
    json_t *owner = wp_ctl_owner_ref(v->pool);
    const char *ns = meta_str(v->pool, "namespace");
    json_t *annotations = json_pack("{s:s}", WP_ANNOT_TEMPLATE_REF, v->template_name);
    if (v->pins) json_object_set_new(annotations, WP_ANNOT_IMAGE_DIGESTS, json_string(v->pins));
    return json_pack("{s:s, s:s, s:{s:s, s:s, s:o, s:o, s:[o]}, s:o}", "apiVersion", WP_API_SANDBOX, "kind",
                     WP_KIND_NAME_SANDBOX, "metadata", "generateName", generate_name, "namespace", ns ? ns : "",
                     "labels", labels, "annotations", annotations, "ownerReferences", owner, "spec", spec);
}

json_t *wp_pool_status(const wp_pool_view *v, long long replicas, long long ready)
{
    char selector[128];
    snprintf(selector, sizeof selector, "%s=%s", WP_LABEL_WARM_POOL_SANDBOX, v->pool_hash);
    const json_t *gen = json_object_get(meta(v->pool), "generation");
    return json_pack("{s:I, s:I, s:s, s:I}", "replicas", (json_int_t)replicas, "readyReplicas", (json_int_t)ready,
                     "selector", selector, "observedGeneration",
                     (json_int_t)(json_is_integer(gen) ? json_integer_value(gen) : 0));
}

json_t *wp_pool_status_patch(const json_t *old_status, const json_t *new_status)
{
    json_t *changes = json_object();
    const char *k;
    json_t *nv;
    json_object_foreach((json_t *)new_status, k, nv) {
        const json_t *ov = json_object_get(old_status, k);
        if (wp_gojson_empty(ov) && wp_gojson_empty(nv)) continue;
        if (ov && json_equal((json_t *)ov, nv)) continue;
        json_object_set_new(changes, k, wp_gojson_empty(nv) ? json_null() : json_incref(nv));
    }
    if (json_object_size(changes) == 0) {
        json_decref(changes);
        return NULL;
    }
    return json_pack("{s:o}", "status", changes);
}

void wp_pool_go_duration(double seconds, char buf[WP_POOL_DURATION_MAX])
{
    long long ms = llround(seconds * 1000);
    if (ms == 0) {
        snprintf(buf, WP_POOL_DURATION_MAX, "0s");
        return;
    }
    if (ms < 1000) {
        snprintf(buf, WP_POOL_DURATION_MAX, "%lldms", ms);
        return;
    }
    long long h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, frac = ms % 1000;
    char secs[48];
    if (frac) {
        snprintf(secs, sizeof secs, "%lld.%03lld", s, frac);
        size_t len = strlen(secs);
        while (secs[len - 1] == '0') secs[--len] = '\0';
    } else {
        snprintf(secs, sizeof secs, "%lld", s);
    }
    if (h) snprintf(buf, WP_POOL_DURATION_MAX, "%lldh%lldm%ss", h, m, secs);
    else if (m) snprintf(buf, WP_POOL_DURATION_MAX, "%lldm%ss", m, secs);
    else snprintf(buf, WP_POOL_DURATION_MAX, "%ss", secs);
}
