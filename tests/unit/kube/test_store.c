/* The cache: keys, field filters, indexes (namespace, owner uid, label,
 * field path), updates moving objects between index buckets, relists,
 * concurrent readers and writers, and the hash table under it.
 *
 * ctest-labels: tsan */
#include "testutil.h"

#include <jansson.h>
#include <pthread.h>

#include "controller/kube/kube_map.h"
#include "controller/kube/store.h"

static const wp_store_index indexes[] = {
    {"namespace", WP_STORE_INDEX_NAMESPACE, NULL},
    {"owner", WP_STORE_INDEX_OWNER_UID, NULL},
    {"pool-label", WP_STORE_INDEX_LABEL, "agents.x-k8s.io/warm-pool-sandbox"},
    {"pool", WP_STORE_INDEX_FIELD, "spec.warmPoolRef.name"},
};

static wp_store *new_store(const wp_store_field *keep)
{
    wp_store_config cfg = {indexes, 4, keep, NULL};
    return wp_store_new(&cfg);
}

static json_t *object(const char *ns, const char *name, const char *rv, const char *owner, const char *label,
                      const char *pool)
{
    json_t *o = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s}, s:{}}", "apiVersion", "v1", "kind", "Thing",
                          "metadata", "namespace", ns, "name", name, "uid", name, "resourceVersion", rv, "spec");
    json_t *meta = json_object_get(o, "metadata");
    if (owner) json_object_set_new(meta, "ownerReferences", json_pack("[{s:s, s:s}]", "uid", owner, "kind", "Pool"));
    if (label) json_object_set_new(meta, "labels", json_pack("{s:s}", "agents.x-k8s.io/warm-pool-sandbox", label));
    if (pool) json_object_set_new(json_object_get(o, "spec"), "warmPoolRef", json_pack("{s:s}", "name", pool));
    return o;
}

static wp_store_result put(wp_store *s, json_t *o)
{
    wp_store_result r = wp_store_upsert_json(s, o, true, NULL, NULL);
    json_decref(o);
    return r;
}

/* Sorted names of the items (a comma-joined string, caller frees). */
static char *names(wp_store_item **items, size_t n)
{
    char *out = calloc(1, 4096);
    const char *sorted[64];
    for (size_t i = 0; i < n; i++) sorted[i] = wp_store_item_name(items[i]);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(sorted[j], sorted[i]) < 0) {
                const char *t = sorted[i];
                sorted[i] = sorted[j];
                sorted[j] = t;
            }
    for (size_t i = 0; i < n; i++) {
        if (i) strcat(out, ",");
        strcat(out, sorted[i]);
    }
    wp_store_items_free(items, n);
    return out;
}

static void expect_index(wp_store *s, const char *index, const char *value, const char *want)
{
    size_t n;
    wp_store_item **items = wp_store_by_index(s, index, value, &n);
    char *got = names(items, n);
    ck_assert_msg(strcmp(got, want) == 0, "%s=%s: got [%s], want [%s]", index, value, got, want);
    ck_assert_uint_eq(wp_store_index_count(s, index, value), n);
    free(got);
}

START_TEST(keys_and_accessors)
{
    wp_store *s = new_store(NULL);
    wp_store_item *old, *cur;
    json_t *o = object("team-a", "sb-1", "10", NULL, NULL, NULL);
    ck_assert_int_eq(wp_store_upsert_json(s, o, true, &old, &cur), WP_STORE_ADDED);
    ck_assert_ptr_null(old);
    ck_assert_str_eq(wp_store_item_key(cur), "team-a/sb-1");
    ck_assert_str_eq(wp_store_item_namespace(cur), "team-a");
    ck_assert_str_eq(wp_store_item_name(cur), "sb-1");
    ck_assert_str_eq(wp_store_item_uid(cur), "sb-1");
    ck_assert_str_eq(wp_store_item_resource_version(cur), "10");
    json_t *back = wp_store_item_json(cur);
    ck_assert(json_equal(back, o));
    json_decref(back);
    wp_jdoc *doc = wp_store_item_doc(cur);
    ck_assert_str_eq(wp_jval_str(wp_jval_path(wp_jdoc_root(doc), "metadata", "name", NULL)), "sb-1");
    wp_jdoc_free(doc);
    ck_assert_uint_ge(wp_store_item_size(cur), 100);
    wp_store_item_unref(cur);
    json_decref(o);

    wp_store_item *it = wp_store_get(s, "team-a/sb-1");
    ck_assert_ptr_nonnull(it);
    wp_store_item_unref(it);
    it = wp_store_get_by_name(s, "team-a", "sb-1");
    ck_assert_ptr_nonnull(it);
    wp_store_item_unref(it);
    ck_assert_ptr_null(wp_store_get(s, "team-b/sb-1"));
    ck_assert_uint_eq(wp_store_len(s), 1);

    /* a cluster-scoped object is keyed by name alone */
    json_t *nsobj = json_pack("{s:{s:s, s:s}}", "metadata", "name", "team-a", "resourceVersion", "3");
    ck_assert_int_eq(wp_store_upsert_json(s, nsobj, false, NULL, &cur), WP_STORE_ADDED);
    ck_assert_str_eq(wp_store_item_key(cur), "team-a");
    ck_assert_str_eq(wp_store_item_name(cur), "team-a");
    ck_assert_str_eq(wp_store_item_namespace(cur), "");
    ck_assert_str_eq(wp_store_item_uid(cur), "");
    wp_store_item_unref(cur);
    json_decref(nsobj);
    wp_store_free(s);
}
END_TEST

START_TEST(unusable_objects_are_rejected)
{
    wp_store *s = new_store(NULL);
    json_t *o = json_pack("{s:{s:s}}", "metadata", "name", "x");
    ck_assert_int_eq(wp_store_upsert_json(s, o, true, NULL, NULL), WP_STORE_REJECTED); /* no namespace */
    json_decref(o);
    o = json_pack("{s:{s:s}}", "metadata", "namespace", "x");
    ck_assert_int_eq(wp_store_upsert_json(s, o, true, NULL, NULL), WP_STORE_REJECTED);
    json_decref(o);
    o = json_pack("[]");
    ck_assert_int_eq(wp_store_upsert_json(s, o, true, NULL, NULL), WP_STORE_REJECTED);
    json_decref(o);
    ck_assert_uint_eq(wp_store_len(s), 0);
    wp_store_free(s);
}
END_TEST

START_TEST(default_filter_drops_managed_fields_and_last_applied)
{
    wp_store *s = new_store(NULL);
    json_t *o = object("ns", "a", "1", NULL, NULL, NULL);
    json_t *meta = json_object_get(o, "metadata");
    json_object_set_new(meta, "managedFields", json_pack("[{s:s}]", "manager", "kubectl"));
    json_object_set_new(meta, "annotations", json_pack("{s:s, s:s}", "kubectl.kubernetes.io/last-applied-configuration",
                                                       "{huge}", "keep", "me"));
    wp_store_item *cur;
    ck_assert_int_eq(wp_store_upsert_json(s, o, true, NULL, &cur), WP_STORE_ADDED);
    ck_assert_str_eq(wp_store_item_raw(cur, NULL),
                     "{\"apiVersion\":\"v1\",\"kind\":\"Thing\",\"metadata\":{\"namespace\":\"ns\",\"name\":\"a\","
                     "\"uid\":\"a\",\"resourceVersion\":\"1\",\"annotations\":{\"keep\":\"me\"}},\"spec\":{}}");
    wp_store_item_unref(cur);
    json_decref(o);
    wp_store_free(s);
}
END_TEST

START_TEST(pod_filter_keeps_what_reconcilers_read)
{
    const char *pod =
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":\"ns\",\"uid\":\"u1\","
        "\"resourceVersion\":\"7\",\"generateName\":\"p-\",\"labels\":{\"a\":\"b\"},\"managedFields\":[{}],"
        "\"ownerReferences\":[{\"uid\":\"o1\",\"controller\":true}]},"
        "\"spec\":{\"nodeName\":\"n1\",\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}],\"volumes\":[]},"
        "\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.5\",\"podIPs\":[{\"ip\":\"10.0.0.5\"}],"
        "\"qosClass\":\"BestEffort\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"R\","
        "\"lastProbeTime\":null,\"lastTransitionTime\":\"2024-01-01T00:00:00Z\",\"message\":\"m\"}],"
        "\"containerStatuses\":[{\"name\":\"c\"}]}}";
    wp_jdoc *doc = wp_jdoc_parse(pod, strlen(pod), NULL);
    wp_store_config cfg = {indexes, 4, wp_store_pod_fields, NULL};
    wp_store *s = wp_store_new(&cfg);
    wp_store_item *cur;
    ck_assert_int_eq(wp_store_upsert(s, wp_jdoc_root(doc), true, NULL, &cur), WP_STORE_ADDED);
    ck_assert_str_eq(wp_store_item_raw(cur, NULL),
                     "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":\"ns\","
                     "\"uid\":\"u1\",\"resourceVersion\":\"7\",\"labels\":{\"a\":\"b\"},"
                     "\"ownerReferences\":[{\"uid\":\"o1\",\"controller\":true}]},\"spec\":{\"nodeName\":\"n1\"},"
                     "\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.5\",\"podIPs\":[{\"ip\":\"10.0.0.5\"}],"
                     "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"R\"}]}}");
    expect_index(s, "owner", "o1", "p");
    wp_store_item_unref(cur);
    wp_store_free(s);
    wp_jdoc_free(doc);
}
END_TEST

START_TEST(indexes_follow_updates_and_deletes)
{
    wp_store *s = new_store(NULL);
    ck_assert_int_eq(put(s, object("a", "s1", "1", "pool-uid-1", "h1", "p1")), WP_STORE_ADDED);
    ck_assert_int_eq(put(s, object("a", "s2", "2", "pool-uid-1", "h1", "p1")), WP_STORE_ADDED);
    ck_assert_int_eq(put(s, object("b", "s3", "3", "pool-uid-2", NULL, "p1")), WP_STORE_ADDED);
    expect_index(s, "namespace", "a", "s1,s2");
    expect_index(s, "namespace", "b", "s3");
    expect_index(s, "owner", "pool-uid-1", "s1,s2");
    expect_index(s, "pool-label", "h1", "s1,s2");
    expect_index(s, "pool", "p1", "s1,s2,s3");
    expect_index(s, "pool", "nope", "");
    expect_index(s, "no-such-index", "a", "");

    /* claimed: s1 loses the pool label and changes owner */
    wp_store_item *old, *cur;
    json_t *o = object("a", "s1", "4", "claim-uid", NULL, "p1");
    ck_assert_int_eq(wp_store_upsert_json(s, o, true, &old, &cur), WP_STORE_UPDATED);
    json_decref(o);
    ck_assert_str_eq(wp_store_item_resource_version(old), "1");
    ck_assert_str_eq(wp_store_item_resource_version(cur), "4");
    wp_store_item_unref(old);
    wp_store_item_unref(cur);
    expect_index(s, "owner", "pool-uid-1", "s2");
    expect_index(s, "owner", "claim-uid", "s1");
    expect_index(s, "pool-label", "h1", "s2");
    expect_index(s, "namespace", "a", "s1,s2");

    /* same resourceVersion: nothing changes, nothing is rebuilt */
    o = object("a", "s1", "4", "other", NULL, NULL);
    ck_assert_int_eq(wp_store_upsert_json(s, o, true, &old, &cur), WP_STORE_UNCHANGED);
    ck_assert_ptr_eq(old, cur);
    wp_store_item_unref(old);
    wp_store_item_unref(cur);
    json_decref(o);
    expect_index(s, "owner", "claim-uid", "s1");

    wp_store_item *gone = wp_store_delete(s, "a/s2");
    ck_assert_ptr_nonnull(gone);
    ck_assert_str_eq(wp_store_item_name(gone), "s2");
    wp_store_item_unref(gone);
    ck_assert_ptr_null(wp_store_delete(s, "a/s2"));
    expect_index(s, "owner", "pool-uid-1", "");
    expect_index(s, "pool-label", "h1", "");
    expect_index(s, "pool", "p1", "s1,s3");
    ck_assert_uint_eq(wp_store_len(s), 2);
    wp_store_free(s);
}
END_TEST

START_TEST(duplicate_owner_uids_index_once)
{
    wp_store *s = new_store(NULL);
    json_t *o = object("a", "x", "1", NULL, NULL, NULL);
    json_object_set_new(json_object_get(o, "metadata"), "ownerReferences",
                        json_pack("[{s:s},{s:s},{s:s}]", "uid", "u", "uid", "u", "uid", "v"));
    ck_assert_int_eq(put(s, o), WP_STORE_ADDED);
    expect_index(s, "owner", "u", "x");
    expect_index(s, "owner", "v", "x");
    wp_store_item_unref(wp_store_delete(s, "a/x"));
    expect_index(s, "owner", "u", "");
    wp_store_free(s);
}
END_TEST

START_TEST(relist_reports_what_vanished)
{
    wp_store *s = new_store(NULL);
    put(s, object("a", "keep", "1", NULL, NULL, NULL));
    put(s, object("a", "change", "1", NULL, NULL, NULL));
    put(s, object("a", "vanish", "1", "o", NULL, NULL));
    wp_store_replace_begin(s);
    ck_assert_int_eq(put(s, object("a", "keep", "1", NULL, NULL, NULL)), WP_STORE_UNCHANGED);
    ck_assert_int_eq(put(s, object("a", "change", "2", NULL, NULL, NULL)), WP_STORE_UPDATED);
    ck_assert_int_eq(put(s, object("a", "new", "3", NULL, NULL, NULL)), WP_STORE_ADDED);
    size_t n;
    wp_store_item **gone = wp_store_replace_finish(s, &n);
    char *got = names(gone, n);
    ck_assert_str_eq(got, "vanish");
    free(got);
    ck_assert_uint_eq(wp_store_len(s), 3);
    expect_index(s, "owner", "o", "");
    size_t all;
    wp_store_item **items = wp_store_list(s, &all);
    got = names(items, all);
    ck_assert_str_eq(got, "change,keep,new");
    free(got);
    wp_store_free(s);
}
END_TEST

/* Items handed out stay valid after the store replaced or dropped them. */
START_TEST(references_outlive_the_store)
{
    wp_store *s = new_store(NULL);
    put(s, object("a", "x", "1", NULL, NULL, NULL));
    wp_store_item *it = wp_store_get(s, "a/x");
    put(s, object("a", "x", "2", NULL, NULL, NULL));
    wp_store_free(s);
    ck_assert_str_eq(wp_store_item_resource_version(it), "1");
    wp_store_item_unref(it);
}
END_TEST

typedef struct {
    wp_store *s;
    int id;
} worker_arg;

static void *writer(void *p)
{
    worker_arg *a = p;
    char name[32], rv[32], owner[32];
    for (int i = 0; i < 600; i++) {
        snprintf(name, sizeof name, "w%d-%d", a->id, i % 50);
        snprintf(rv, sizeof rv, "%d", i);
        snprintf(owner, sizeof owner, "owner-%d", i % 7);
        if (i % 5 == 4) wp_store_item_unref(wp_store_delete(a->s, name));
        else put(a->s, object("ns", name, rv, owner, "h", "p"));
    }
    return NULL;
}

static void *reader(void *p)
{
    worker_arg *a = p;
    for (int i = 0; i < 600; i++) {
        size_t n;
        wp_store_item **items = wp_store_by_index(a->s, "owner", "owner-3", &n);
        for (size_t k = 0; k < n; k++) ck_assert_str_eq(wp_store_item_namespace(items[k]), "ns");
        wp_store_items_free(items, n);
        items = wp_store_list(a->s, &n);
        for (size_t k = 0; k < n; k++) ck_assert(wp_store_item_raw(items[k], NULL)[0] == '{');
        wp_store_items_free(items, n);
        wp_store_item_unref(wp_store_get(a->s, "ns/w0-1"));
    }
    return NULL;
}

START_TEST(concurrent_readers_and_writers)
{
    wp_store *s = new_store(NULL);
    pthread_t t[6];
    worker_arg args[6];
    for (int i = 0; i < 6; i++) {
        args[i] = (worker_arg){s, i};
        pthread_create(&t[i], NULL, i < 3 ? writer : reader, &args[i]);
    }
    for (int i = 0; i < 6; i++) pthread_join(t[i], NULL);
    /* every writer's last touch of each name decides: index counts agree */
    size_t n;
    wp_store_item **all = wp_store_list(s, &n);
    size_t by_ns = wp_store_index_count(s, "namespace", "ns");
    ck_assert_uint_eq(by_ns, n);
    size_t owners = 0;
    char owner[32];
    for (int o = 0; o < 7; o++) {
        snprintf(owner, sizeof owner, "owner-%d", o);
        owners += wp_store_index_count(s, "owner", owner);
    }
    ck_assert_uint_eq(owners, n);
    wp_store_items_free(all, n);
    wp_store_free(s);
}
END_TEST

static const char *str_key(const void *e) { return e; }

START_TEST(hash_map_survives_churn)
{
    wp_kube_map m;
    wp_kube_map_init(&m, str_key);
    static char keys[5000][16];
    for (int i = 0; i < 5000; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i);
        ck_assert_ptr_null(wp_kube_map_put(&m, keys[i]));
    }
    ck_assert_uint_eq(m.len, 5000);
    for (int i = 0; i < 5000; i += 2) ck_assert_ptr_eq(wp_kube_map_remove(&m, keys[i]), keys[i]);
    for (int i = 0; i < 5000; i++) {
        void *got = wp_kube_map_get(&m, keys[i]);
        ck_assert_ptr_eq(got, i % 2 ? keys[i] : NULL);
    }
    static char dup[16] = "k1";
    ck_assert_ptr_eq(wp_kube_map_put(&m, dup), keys[1]); /* replaced */
    ck_assert_ptr_eq(wp_kube_map_get(&m, "k1"), dup);
    size_t seen = 0;
    for (size_t i = 0; wp_kube_map_next(&m, &i);) seen++;
    ck_assert_uint_eq(seen, 2500);
    ck_assert_ptr_null(wp_kube_map_remove(&m, "absent"));
    wp_kube_map_destroy(&m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("store");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, keys_and_accessors);
    tcase_add_test(tc, unusable_objects_are_rejected);
    tcase_add_test(tc, default_filter_drops_managed_fields_and_last_applied);
    tcase_add_test(tc, pod_filter_keeps_what_reconcilers_read);
    tcase_add_test(tc, indexes_follow_updates_and_deletes);
    tcase_add_test(tc, duplicate_owner_uids_index_once);
    tcase_add_test(tc, relist_reports_what_vanished);
    tcase_add_test(tc, references_outlive_the_store);
    tcase_add_test(tc, concurrent_readers_and_writers);
    tcase_add_test(tc, hash_map_survives_churn);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
