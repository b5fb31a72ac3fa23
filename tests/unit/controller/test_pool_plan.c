/* The warm pool's pure decisions: the view, member classification and
 * staleness, readiness grace, counts, slow-start batches, surplus order, the
 * member Sandbox field by field, status and its patch, Go durations. */
#include "ctl_testing.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/blueprint.h"
#include "controller/image_pins.h"
#include "controller/keys.h"
#include "controller/naming.h"
#include "controller/pool_plan.h"

#define NOW 1800000000.0 /* 2027-01-15T08:00:00Z */
#define TEMPLATE                                                                                                \
    "{\"metadata\":{\"name\":\"py\",\"namespace\":\"ns\"},\"spec\":{\"podTemplate\":{\"metadata\":{\"labels\":{" \
    "\"app\":\"py\"}},\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"python:3\"}]}}}}"

static json_t *pool(const char *replicas, const char *strategy)
{
    char buf[1024];
    if (replicas) {
        snprintf(buf, sizeof buf,
                 "{\"apiVersion\":\"extensions.agents.x-k8s.io/v1beta1\",\"kind\":\"SandboxWarmPool\",\"metadata\":{"
                 "\"name\":\"pool-a\",\"namespace\":\"ns\",\"uid\":\"pool-uid\",\"generation\":3},\"spec\":{"
                 "\"replicas\":%s,\"sandboxTemplateRef\":{\"name\":\"py\"}%s%s%s}}",
                 replicas, strategy ? ",\"updateStrategy\":{\"type\":\"" : "", strategy ? strategy : "",
                 strategy ? "\"}" : "");
    } else {
        snprintf(buf, sizeof buf,
                 "{\"apiVersion\":\"extensions.agents.x-k8s.io/v1beta1\",\"kind\":\"SandboxWarmPool\",\"metadata\":{"
                 "\"name\":\"pool-a\",\"namespace\":\"ns\",\"uid\":\"pool-uid\",\"generation\":3},\"spec\":{"
                 "\"sandboxTemplateRef\":{\"name\":\"py\"}%s%s%s}}",
                 strategy ? ",\"updateStrategy\":{\"type\":\"" : "", strategy ? strategy : "", strategy ? "\"}" : "");
    }
    return ct_load(buf);
}

/* A member as the pool would create it, then renamed/aged/adjusted. */
static json_t *member(const wp_pool_view *v, const char *name, const char *created, bool ready)
{
    json_t *sb = wp_pool_member_new(v, true);
    json_t *meta = json_object_get(sb, "metadata");
    json_object_set_new(meta, "name", json_string(name));
    json_object_set_new(meta, "uid", json_string(name));
    json_object_set_new(meta, "creationTimestamp", json_string(created));
    if (ready)
        json_object_set_new(sb, "status", ct_load("{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}"));
    return sb;
}

static void set_label(json_t *sb, const char *k, const char *val)
{
    json_t *labels = json_object_get(json_object_get(sb, "metadata"), "labels");
    if (val) json_object_set_new(labels, k, json_string(val));
    else json_object_del(labels, k);
}

static void set_owner(json_t *sb, const char *uid)
{
    json_t *meta = json_object_get(sb, "metadata");
    if (!uid) {
        json_object_del(meta, "ownerReferences");
        return;
    }
    char buf[256];
    snprintf(buf, sizeof buf,
             "[{\"apiVersion\":\"x/v1\",\"kind\":\"Other\",\"name\":\"o\",\"uid\":\"%s\",\"controller\":true}]", uid);
    json_object_set_new(meta, "ownerReferences", ct_load(buf));
}

static void set_image(json_t *obj_spec_holder, const char *image)
{
    json_t *c0 = json_array_get(
        json_object_get(json_object_get(json_object_get(obj_spec_holder, "podTemplate"), "spec"), "containers"), 0);
    json_object_set_new(c0, "image", json_string(image));
}

START_TEST(view_reads_replicas_strategy_and_hashes)
{
    json_t *t = ct_load(TEMPLATE);
    json_t *p = pool(NULL, NULL);
    wp_pool_view v;
    wp_pool_view_init(&v, p, t, NOW, 300);
    ck_assert_int_eq(v.desired, 1); /* nil replicas means 1 */
    ck_assert(!v.recreate);
    ck_assert(v.has_template);
    ck_assert_str_eq(v.uid, "pool-uid");
    ck_assert_str_eq(v.template_name, "py");
    char h[WP_NAMING_HASH_LEN];
    wp_naming_hash("pool-a", h);
    ck_assert_str_eq(v.pool_hash, h);
    wp_naming_hash("py", h);
    ck_assert_str_eq(v.ref_hash, h);
    wp_blueprint_template_hash(json_object_get(t, "spec"), h);
    ck_assert_str_eq(v.template_hash, h);
    ck_assert_int_eq(strlen(v.pod_template_hash), 8);
    json_decref(p);

    p = pool("0", "Recreate");
    wp_pool_view_init(&v, p, NULL, NOW, 300);
    ck_assert_int_eq(v.desired, 0);
    ck_assert(v.recreate);
    ck_assert(!v.has_template);
    ck_assert_str_eq(v.template_hash, "");
    json_decref(p);

    p = pool("-3", NULL);
    wp_pool_view_init(&v, p, t, NOW, 300);
    ck_assert_int_eq(v.desired, 0);
    json_decref(p);

    /* Unknown strategies mean OnReplenish. */
    p = pool("7", "Sometimes");
    wp_pool_view_init(&v, p, t, NOW, 300);
    ck_assert_int_eq(v.desired, 7);
    ck_assert(!v.recreate);
    json_decref(p);
    json_decref(t);
}
END_TEST

START_TEST(member_sandbox_is_built_field_by_field)
{
    json_t *t = ct_load(TEMPLATE);
    json_t *p = pool("3", NULL);
    wp_pool_view v;
    wp_pool_view_init(&v, p, t, NOW, 300);
    json_t *sb = wp_pool_member_new(&v, true);
    char want[4096];
    snprintf(want, sizeof want,
             "{\"apiVersion\":\"agents.x-k8s.io/v1beta1\",\"kind\":\"Sandbox\",\"metadata\":{\"generateName\":\"pool-a-\","
             "\"namespace\":\"ns\",\"labels\":{\"agents.x-k8s.io/warm-pool-sandbox\":\"%s\","
             "\"agents.x-k8s.io/sandbox-template-ref-hash\":\"%s\",\"agents.x-k8s.io/launch-type\":\"warm\","
             "\"agents.x-k8s.io/sandbox-pod-template-hash\":\"%s\",\"agents.x-k8s.io/sandbox-template-hash\":\"%s\","
             "\"agents.x-k8s.io/created-by\":\"controller\"},\"annotations\":{"
             "\"agents.x-k8s.io/sandbox-template-ref\":\"py\"},\"ownerReferences\":[{\"apiVersion\":"
             "\"extensions.agents.x-k8s.io/v1beta1\",\"kind\":\"SandboxWarmPool\",\"name\":\"pool-a\",\"uid\":"
             "\"pool-uid\",\"controller\":true,\"blockOwnerDeletion\":true}]},\"spec\":{\"podTemplate\":{\"metadata\":{"
             "\"labels\":{\"app\":\"py\",\"agents.x-k8s.io/warm-pool-sandbox\":\"%s\","
             "\"agents.x-k8s.io/sandbox-template-ref-hash\":\"%s\",\"agents.x-k8s.io/sandbox-pod-template-hash\":\"%s\","
             "\"agents.x-k8s.io/sandbox-template-hash\":\"%s\"},\"annotations\":{"
             "\"cluster-autoscaler.kubernetes.io/safe-to-evict\":\"true\"}},\"spec\":{\"containers\":[{\"name\":"
             "\"main\",\"image\":\"python:3\"}],\"automountServiceAccountToken\":false,\"dnsPolicy\":\"None\","
             "\"dnsConfig\":{\"nameservers\":[\"8.8.8.8\",\"1.1.1.1\"]}}}}}",
             v.pool_hash, v.ref_hash, v.pod_template_hash, v.template_hash, v.pool_hash, v.ref_hash,
             v.pod_template_hash, v.template_hash);
    json_t *w = ct_load(want);
    char *got = json_dumps(sb, JSON_SORT_KEYS);
    ck_assert_msg(json_equal(sb, w), "got %s", got);
    free(got);
    json_decref(w);
    json_decref(sb);

    /* Eviction disabled: no safe-to-evict annotation. */
    sb = wp_pool_member_new(&v, false);
    ck_assert_ptr_null(json_object_get(
        json_object_get(json_object_get(json_object_get(json_object_get(sb, "spec"), "podTemplate"), "metadata"),
                        "annotations"),
        WP_ANNOT_SAFE_TO_EVICT));
    /* The template is untouched by building members. */
    ck_assert_ptr_null(json_object_get(
        json_object_get(json_object_get(json_object_get(t, "spec"), "podTemplate"), "spec"), "dnsPolicy"));
    json_decref(sb);
    json_decref(p);
    json_decref(t);
}
END_TEST

START_TEST(classify_members)
{
    json_t *t = ct_load(TEMPLATE);
    json_t *p = pool("3", NULL);
    json_t *pr = pool("3", "Recreate");
    wp_pool_view v, vr, vnone;
    wp_pool_view_init(&v, p, t, NOW, 300);
    wp_pool_view_init(&vr, pr, t, NOW, 300);
    wp_pool_view_init(&vnone, pr, NULL, NOW, 300);

    json_t *sb = member(&v, "m1", "2027-01-15T07:59:00Z", true);
    wp_member_plan m = wp_pool_classify(&v, sb, false);
    ck_assert_int_eq(m.verdict, WP_MEMBER_KEEP);
    ck_assert(m.owned && !m.adopt && !m.set_launch);

    /* Our delete not yet seen: terminating. */
    m = wp_pool_classify(&v, sb, true);
    ck_assert_int_eq(m.verdict, WP_MEMBER_TERMINATING);

    /* Missing launch-type is repaired. */
    set_label(sb, WP_LABEL_LAUNCH_TYPE, NULL);
    m = wp_pool_classify(&v, sb, false);
    ck_assert_int_eq(m.verdict, WP_MEMBER_KEEP);
    ck_assert(m.set_launch);
    set_label(sb, WP_LABEL_LAUNCH_TYPE, "cold");
    ck_assert(wp_pool_classify(&v, sb, false).set_launch);
    set_label(sb, WP_LABEL_LAUNCH_TYPE, "warm");

    /* A template change: OnReplenish keeps owned members, Recreate deletes. */
    set_image(json_object_get(t, "spec"), "python:4");
    wp_pool_view_init(&v, p, t, NOW, 300);
    wp_pool_view_init(&vr, pr, t, NOW, 300);
    ck_assert_int_eq(wp_pool_classify(&v, sb, false).verdict, WP_MEMBER_KEEP);
    ck_assert_int_eq(wp_pool_classify(&vr, sb, false).verdict, WP_MEMBER_STALE);
    /* ...but with the template missing nothing is judged stale. */
    ck_assert_int_eq(wp_pool_classify(&vnone, sb, false).verdict, WP_MEMBER_KEEP);

    /* Deleting: owned counts as terminating, others are ignored. */
    json_object_set_new(json_object_get(sb, "metadata"), "deletionTimestamp", json_string("2027-01-15T08:00:00Z"));
    ck_assert_int_eq(wp_pool_classify(&vr, sb, false).verdict, WP_MEMBER_TERMINATING);
    set_owner(sb, NULL);
    ck_assert_int_eq(wp_pool_classify(&vr, sb, false).verdict, WP_MEMBER_IGNORE);
    json_object_del(json_object_get(sb, "metadata"), "deletionTimestamp");

    /* Orphans are always checked, even under OnReplenish. */
    m = wp_pool_classify(&v, sb, false);
    ck_assert_int_eq(m.verdict, WP_MEMBER_STALE);
    ck_assert(!m.owned);
    set_image(json_object_get(t, "spec"), "python:3");
    wp_pool_view_init(&v, p, t, NOW, 300);
    m = wp_pool_classify(&v, sb, false);
    ck_assert_int_eq(m.verdict, WP_MEMBER_KEEP);
    ck_assert(m.adopt && !m.owned && !m.set_launch);
    /* A pending delete only matters for owned members. */
    ck_assert_int_eq(wp_pool_classify(&v, sb, true).verdict, WP_MEMBER_KEEP);

    /* Another controller's Sandbox is ignored, stale or not. */
    set_owner(sb, "someone-else");
    ck_assert_int_eq(wp_pool_classify(&v, sb, false).verdict, WP_MEMBER_IGNORE);
    ck_assert_int_eq(wp_pool_classify(&v, sb, true).verdict, WP_MEMBER_IGNORE);

    json_decref(sb);
    json_decref(p);
    json_decref(pr);
    json_decref(t);
}
END_TEST

START_TEST(staleness_trusts_the_hash_then_compares_blueprints)
{
    json_t *t = ct_load(TEMPLATE);
    json_t *p = pool("3", "Recreate");
    wp_pool_view v;
    wp_pool_view_init(&v, p, t, NOW, 300);
    json_t *sb = member(&v, "m1", "2027-01-15T07:59:00Z", true);
    ck_assert(!wp_pool_is_stale(&v, sb));

    /* Owned, hash current: fresh even if the spec differs (hash wins). */
    set_image(json_object_get(sb, "spec"), "other");
    ck_assert(!wp_pool_is_stale(&v, sb));
    /* Owned, hash not current, spec differs: stale. */
    set_label(sb, WP_LABEL_TEMPLATE_HASH, "deadbeef");
    ck_assert(wp_pool_is_stale(&v, sb));
    /* Owned, hash not current (e.g. written by another encoder) but spec
     * equal: fresh. */
    set_image(json_object_get(sb, "spec"), "python:3");
    ck_assert(!wp_pool_is_stale(&v, sb));
    set_label(sb, WP_LABEL_TEMPLATE_HASH, NULL);
    ck_assert(!wp_pool_is_stale(&v, sb));
    /* Pool labels on the pod template never make it stale. */
    json_object_set_new(wp_blueprint_pod_labels(json_object_get(sb, "spec")), "extra", json_string("1"));
    ck_assert(!wp_pool_is_stale(&v, sb));

    /* Wrong or missing ref-hash: stale. */
    set_label(sb, WP_LABEL_TEMPLATE_REF_HASH, "00000000");
    ck_assert(wp_pool_is_stale(&v, sb));
    set_label(sb, WP_LABEL_TEMPLATE_REF_HASH, NULL);
    ck_assert(wp_pool_is_stale(&v, sb));
    set_label(sb, WP_LABEL_TEMPLATE_REF_HASH, v.ref_hash);

    /* Orphan: the hash is not trusted. */
    json_t *orphan = member(&v, "m2", "2027-01-15T07:59:00Z", true);
    set_owner(orphan, NULL);
    set_image(json_object_get(orphan, "spec"), "other");
    ck_assert(wp_pool_is_stale(&v, orphan));
    set_image(json_object_get(orphan, "spec"), "python:3");
    ck_assert(!wp_pool_is_stale(&v, orphan));
    /* A service flag the template does not have: stale. */
    json_object_set_new(json_object_get(orphan, "spec"), "service", json_true());
    ck_assert(wp_pool_is_stale(&v, orphan));

    json_decref(orphan);
    json_decref(sb);
    json_decref(p);
    json_decref(t);
}
END_TEST

/* Pins the view's template the way pool.c does with a resolver answering d. */
static const char *pin_digest;
static bool pin_resolve(void *ctx, const char *image, char *digest, size_t size)
{
    (void)ctx, (void)image;
    snprintf(digest, size, "%s", pin_digest);
    return true;
}

START_TEST(pinned_images_are_recorded_and_a_moved_tag_is_stale)
{
    json_t *t = ct_load(TEMPLATE);
    json_t *p = pool("3", "Recreate");
    wp_pool_view v;
    wp_pool_view_init(&v, p, t, NOW, 300);
    char hash_before[WP_NAMING_HASH_LEN];
    snprintf(hash_before, sizeof hash_before, "%s", v.template_hash);
    json_t *copy = json_deep_copy(v.template_spec);
    pin_digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    char *pins = wp_image_pins_apply(json_object_get(json_object_get(copy, "podTemplate"), "spec"), pin_resolve, NULL);
    v.template_spec = copy;
    v.pins = pins;
    json_t *sb = member(&v, "m1", "2027-01-15T07:59:00Z", true);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(json_object_get(sb, "metadata"), "annotations"), "warmpool.io/image-digests")),
                     "{\"main\":\"python:3@sha256:1111111111111111111111111111111111111111111111111111111111111111\"}");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(json_object_get(json_object_get(
                         json_object_get(sb, "spec"), "podTemplate"), "spec"), "containers"), 0), "image")),
                     "python:3@sha256:1111111111111111111111111111111111111111111111111111111111111111");
    ck_assert_str_eq(v.template_hash, hash_before); /* the label hashes the template as written */
    ck_assert(!wp_pool_is_stale(&v, sb));
    ck_assert_int_eq(wp_pool_classify(&v, sb, false).verdict, WP_MEMBER_KEEP);

    /* The tag moves: same template, same hash label, new digest: stale. */
    json_decref(copy);
    free(pins);
    copy = json_deep_copy(json_object_get(t, "spec"));
    pin_digest = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    pins = wp_image_pins_apply(json_object_get(json_object_get(copy, "podTemplate"), "spec"), pin_resolve, NULL);
    v.template_spec = copy;
    v.pins = pins;
    ck_assert(wp_pool_is_stale(&v, sb));
    ck_assert_int_eq(wp_pool_classify(&v, sb, false).verdict, WP_MEMBER_STALE);
    json_decref(sb);
    json_decref(copy);
    free(pins);
    json_decref(p);
    json_decref(t);
}
END_TEST

START_TEST(readiness_grace)
{
    json_t *t = ct_load(TEMPLATE);
    json_t *p = pool("3", NULL);
    wp_pool_view v;
    wp_pool_view_init(&v, p, t, NOW, 300);
    double after = -1;
    json_t *ready = member(&v, "r", "2027-01-15T07:00:00Z", true);
    ck_assert_int_eq(wp_pool_grace(&v, ready, true, &after), WP_GRACE_FINE);
    json_t *young = member(&v, "y", "2027-01-15T07:59:00Z", false); /* 60 s old */
    ck_assert_int_eq(wp_pool_grace(&v, young, true, &after), WP_GRACE_WAIT);
    ck_assert(after == 242.0); /* 240 s left + 2 s slack */
    json_t *edge = member(&v, "e", "2027-01-15T07:55:00Z", false); /* exactly 300 s old */
    ck_assert_int_eq(wp_pool_grace(&v, edge, false, &after), WP_GRACE_WAIT);
    ck_assert(after == 2.0);
    json_t *old = member(&v, "o", "2027-01-15T07:54:59Z", false);
    ck_assert_int_eq(wp_pool_grace(&v, old, true, &after), WP_GRACE_HOLD);
    ck_assert_int_eq(wp_pool_grace(&v, old, false, &after), WP_GRACE_REPLACE);
    json_t *undated = member(&v, "u", "not a time", false);
    ck_assert_int_eq(wp_pool_grace(&v, undated, false, &after), WP_GRACE_FINE);
    /* A Ready=False condition is not Ready. */
    json_object_set_new(old, "status", ct_load("{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"}]}"));
    ck_assert_int_eq(wp_pool_grace(&v, old, false, NULL), WP_GRACE_REPLACE);
    /* A shorter grace flag. */
    wp_pool_view_init(&v, p, t, NOW, 30);
    ck_assert_int_eq(wp_pool_grace(&v, young, false, NULL), WP_GRACE_REPLACE);

    /* Jitter stretches by at most half. */
    ck_assert(wp_pool_jitter(10, 0) == 10);
    ck_assert(wp_pool_jitter(10, 0.5) == 12.5);
    ck_assert(wp_pool_jitter(10, 5) < 15 && wp_pool_jitter(10, 5) > 14.99);
    ck_assert(wp_pool_jitter(10, -1) == 10);

    json_decref(undated);
    json_decref(old);
    json_decref(edge);
    json_decref(young);
    json_decref(ready);
    json_decref(p);
    json_decref(t);
}
END_TEST

START_TEST(unschedulable_pods_and_pod_names)
{
    ck_assert(!wp_pool_pod_unschedulable(NULL));
    json_t *pod = ct_load("{\"metadata\":{\"name\":\"x\"},\"status\":{\"conditions\":[{\"type\":\"PodScheduled\","
                        "\"status\":\"False\",\"reason\":\"Unschedulable\"}]}}");
    ck_assert(wp_pool_pod_unschedulable(pod));
    json_object_set_new(json_object_get(pod, "metadata"), "deletionTimestamp", json_string("2027-01-01T00:00:00Z"));
    ck_assert(!wp_pool_pod_unschedulable(pod));
    json_decref(pod);
    const char *not_unsched[] = {
        "{\"status\":{\"conditions\":[{\"type\":\"PodScheduled\",\"status\":\"True\"}]}}",
        "{\"status\":{\"conditions\":[{\"type\":\"PodScheduled\",\"status\":\"False\",\"reason\":\"SchedulerError\"}]}}",
        "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\",\"reason\":\"Unschedulable\"}]}}",
        "{\"status\":{}}",
        "{}",
    };
    for (size_t i = 0; i < sizeof not_unsched / sizeof *not_unsched; i++) {
        pod = ct_load(not_unsched[i]);
        ck_assert_msg(!wp_pool_pod_unschedulable(pod), "%zu", i);
        json_decref(pod);
    }
    json_t *sb = ct_load("{\"metadata\":{\"name\":\"sb\"}}");
    ck_assert_str_eq(wp_pool_pod_name(sb), "sb");
    json_object_set_new(json_object_get(sb, "metadata"), "annotations", ct_load("{\"agents.x-k8s.io/pod-name\":\"p\"}"));
    ck_assert_str_eq(wp_pool_pod_name(sb), "p");
    json_decref(sb);
}
END_TEST

START_TEST(create_and_delete_counts)
{
    for (long long desired = 0; desired <= 12; desired++)
        for (long long active = 0; active <= 12; active++)
            for (long long term = 0; term <= 4; term++)
                for (long long cap = 1; cap <= 6; cap++) {
                    long long want = desired - active - term;
                    if (want < 0) want = 0;
                    if (want > cap) want = cap;
                    ck_assert_int_eq(wp_pool_to_create(desired, active, term, cap), want);
                    long long excess = active - desired;
                    if (excess < 0) excess = 0;
                    if (excess > cap) excess = cap;
                    ck_assert_int_eq(wp_pool_to_delete(desired, active, cap), excess);
                }
    /* cap <= 0 means the default 300. */
    ck_assert_int_eq(wp_pool_to_create(1000, 0, 0, 0), 300);
    ck_assert_int_eq(wp_pool_to_delete(0, 1000, 0), 300);
}
END_TEST

START_TEST(slow_start_batches_double_and_sum_to_the_total)
{
    long long sizes[64];
    ck_assert_uint_eq(wp_pool_batches(0, sizes, 64), 0);
    for (long long total = 1; total <= 2000; total++) {
        size_t n = wp_pool_batches(total, sizes, 64);
        long long sum = 0;
        for (size_t i = 0; i < n; i++) {
            if (i + 1 < n) ck_assert_int_eq(sizes[i], 1LL << i);
            else ck_assert(sizes[i] >= 1 && sizes[i] <= (1LL << i));
            sum += sizes[i];
        }
        ck_assert_int_eq(sum, total);
    }
    size_t n = wp_pool_batches(300, sizes, 64);
    long long want[] = {1, 2, 4, 8, 16, 32, 64, 128, 45};
    ck_assert_uint_eq(n, 9);
    for (size_t i = 0; i < n; i++) ck_assert_int_eq(sizes[i], want[i]);
    /* Only max_batches are written, the count is still right. */
    ck_assert_uint_eq(wp_pool_batches(300, sizes, 2), 9);
}
END_TEST

START_TEST(surplus_goes_unready_first_then_newest)
{
    json_t *t = ct_load(TEMPLATE);
    json_t *p = pool("3", NULL);
    wp_pool_view v;
    wp_pool_view_init(&v, p, t, NOW, 300);
    json_t *a = member(&v, "a-ready-old", "2027-01-15T07:00:00Z", true);
    json_t *b = member(&v, "b-ready-new", "2027-01-15T07:30:00Z", true);
    json_t *c = member(&v, "c-unready-old", "2027-01-15T07:10:00Z", false);
    json_t *d = member(&v, "d-unready-new", "2027-01-15T07:20:00Z", false);
    json_t *e = member(&v, "e-unready-new-too", "2027-01-15T07:20:00Z", false);
    const json_t *list[] = {a, b, c, d, e};
    wp_pool_surplus_order(list, 5);
    const char *want[] = {"d-unready-new", "e-unready-new-too", "c-unready-old", "b-ready-new", "a-ready-old"};
    for (size_t i = 0; i < 5; i++)
        ck_assert_str_eq(json_string_value(json_object_get(json_object_get(list[i], "metadata"), "name")), want[i]);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(d);
    json_decref(e);
    json_decref(p);
    json_decref(t);
}
END_TEST

START_TEST(status_and_its_merge_patch)
{
    json_t *p = pool("3", NULL);
    wp_pool_view v;
    wp_pool_view_init(&v, p, NULL, NOW, 300);
    json_t *st = wp_pool_status(&v, 3, 2);
    char want[256];
    snprintf(want, sizeof want,
             "{\"replicas\":3,\"readyReplicas\":2,\"selector\":\"agents.x-k8s.io/warm-pool-sandbox=%s\","
             "\"observedGeneration\":3}",
             v.pool_hash);
    json_t *w = ct_load(want);
    ck_assert(json_equal(st, w));

    /* From nothing: every non-zero field. */
    json_t *patch = wp_pool_status_patch(NULL, st);
    json_t *wp = json_pack("{s:O}", "status", w);
    ck_assert(json_equal(patch, wp));
    json_decref(patch);
    json_decref(wp);
    /* Unchanged: no patch. */
    ck_assert_ptr_null(wp_pool_status_patch(st, st));
    /* Only what changed; a field going to zero is null. */
    json_t *st2 = wp_pool_status(&v, 0, 0);
    patch = wp_pool_status_patch(st, st2);
    json_t *want2 = ct_load("{\"status\":{\"replicas\":null,\"readyReplicas\":null}}");
    char *got = json_dumps(patch, JSON_SORT_KEYS);
    ck_assert_msg(json_equal(patch, want2), "got %s", got);
    free(got);
    json_decref(want2);
    json_decref(patch);
    /* Absent and zero are the same to Go. */
    json_t *old = json_pack("{s:s, s:I}", "selector", json_string_value(json_object_get(st2, "selector")),
                            "observedGeneration", (json_int_t)3);
    ck_assert_ptr_null(wp_pool_status_patch(old, st2));
    json_decref(old);
    json_decref(st2);
    json_decref(w);
    json_decref(st);
    json_decref(p);
}
END_TEST

START_TEST(go_durations)
{
    struct {
        double s;
        const char *want;
    } cases[] = {
        {300, "5m0s"}, {0, "0s"}, {0.5, "500ms"}, {1, "1s"}, {1.5, "1.5s"}, {61.25, "1m1.25s"},
        {3600, "1h0m0s"}, {5400, "1h30m0s"}, {90, "1m30s"}, {30, "30s"}, {86400, "24h0m0s"}, {0.001, "1ms"},
    };
    char buf[WP_POOL_DURATION_MAX];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wp_pool_go_duration(cases[i].s, buf);
        ck_assert_str_eq(buf, cases[i].want);
    }
}
END_TEST

CT_MAIN("pool_plan",
        view_reads_replicas_strategy_and_hashes,
        member_sandbox_is_built_field_by_field,
        classify_members,
        staleness_trusts_the_hash_then_compares_blueprints,
        pinned_images_are_recorded_and_a_moved_tag_is_stale,
        readiness_grace,
        unschedulable_pods_and_pod_names,
        create_and_delete_counts,
        slow_start_batches_double_and_sum_to_the_total,
        surplus_goes_unready_first_then_newest,
        status_and_its_merge_patch,
        go_durations)
