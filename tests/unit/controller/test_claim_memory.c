/* The claim reconciler's memory: first observation per incarnation, the
 * stale-view guard against our own writes (numeric resourceVersions only,
 * bounded in time), bindings kept until the cache shows them, latency
 * samples, and all of it under concurrent use.
 *
 * ctest-labels: tsan */
#include "ctl_testing.h"

#include <pthread.h>

#include "controller/claim_memory.h"

START_TEST(first_observation_sticks_per_incarnation)
{
    wp_claim_memory *m = wp_claim_memory_new();
    ck_assert_double_eq(wp_claim_memory_observe(m, "ns/a", "u1", 10.0), 10.0);
    ck_assert_double_eq(wp_claim_memory_observe(m, "ns/a", "u1", 12.0), 10.0);
    ck_assert_double_eq(wp_claim_memory_observe(m, "ns/a", "u2", 15.0), 15.0); /* deleted and created again */
    wp_claim_memory_forget(m, "ns/a");
    ck_assert_double_eq(wp_claim_memory_observe(m, "ns/a", "u2", 20.0), 20.0);
    wp_claim_memory_free(m);
}
END_TEST

START_TEST(first_pass_is_once_per_incarnation)
{
    wp_claim_memory *m = wp_claim_memory_new();
    ck_assert(!wp_claim_memory_first_pass(m, "ns/a")); /* not observed yet */
    wp_claim_memory_observe(m, "ns/a", "u1", 1.0);
    ck_assert(wp_claim_memory_first_pass(m, "ns/a"));
    ck_assert(!wp_claim_memory_first_pass(m, "ns/a"));
    wp_claim_memory_observe(m, "ns/a", "u2", 2.0); /* deleted and created again */
    ck_assert(wp_claim_memory_first_pass(m, "ns/a"));
    ck_assert(!wp_claim_memory_first_pass(m, "ns/a"));
    wp_claim_memory_free(m);
}
END_TEST

START_TEST(a_view_older_than_our_write_is_stale_until_the_cache_catches_up)
{
    wp_claim_memory *m = wp_claim_memory_new();
    wp_claim_memory_observe(m, "ns/a", "u1", 0);
    ck_assert(!wp_claim_memory_stale(m, "ns/a", "100", 1.0)); /* nothing written yet */
    wp_claim_memory_wrote(m, "ns/a", "105", 1.0);
    ck_assert(wp_claim_memory_stale(m, "ns/a", "100", 1.1));
    ck_assert(wp_claim_memory_stale(m, "ns/a", "104", 1.2));
    ck_assert(!wp_claim_memory_stale(m, "ns/a", "105", 1.3)); /* caught up: forgotten */
    ck_assert(!wp_claim_memory_stale(m, "ns/a", "100", 1.4));

    wp_claim_memory_wrote(m, "ns/a", "200", 2.0);
    ck_assert(!wp_claim_memory_stale(m, "ns/a", "150", 2.0 + WP_CLAIM_MEMORY_STALE_MAX)); /* too long: give up */
    ck_assert(!wp_claim_memory_stale(m, "ns/a", "150", 8.0));

    wp_claim_memory_wrote(m, "ns/a", "opaque-v2", 9.0); /* not a number: never stale */
    ck_assert(!wp_claim_memory_stale(m, "ns/a", "1", 9.1));
    wp_claim_memory_wrote(m, "ns/a", "300", 10.0);
    ck_assert(!wp_claim_memory_stale(m, "ns/a", "x1", 10.1));
    ck_assert(!wp_claim_memory_stale(m, "ns/unknown", "1", 10.1));
    wp_claim_memory_free(m);
}
END_TEST

START_TEST(bindings_are_copies_kept_until_forgotten)
{
    wp_claim_memory *m = wp_claim_memory_new();
    json_t *sb = ct_load("{\"metadata\":{\"name\":\"pool-x\"}}");
    ck_assert_ptr_null(wp_claim_memory_bound(m, "u1"));
    wp_claim_memory_bind(m, "u1", sb);
    json_object_set_new(json_object_get(sb, "metadata"), "name", json_string("changed"));
    json_t *got = wp_claim_memory_bound(m, "u1");
    ct_assert_json(got, "{\"metadata\":{\"name\":\"pool-x\"}}");
    json_decref(got);
    wp_claim_memory_bind(m, "u1", sb); /* replaced */
    got = wp_claim_memory_bound(m, "u1");
    ct_assert_json(got, "{\"metadata\":{\"name\":\"changed\"}}");
    json_decref(got);
    wp_claim_memory_unbind(m, "u1");
    ck_assert_ptr_null(wp_claim_memory_bound(m, "u1"));
    wp_claim_memory_unbind(m, "u1");
    json_decref(sb);
    wp_claim_memory_free(m);
}
END_TEST

START_TEST(latency_samples_keep_the_most_recent_in_order)
{
    wp_claim_memory *m = wp_claim_memory_new();
    for (int i = 0; i < WP_CLAIM_MEMORY_SAMPLES + 3; i++) wp_claim_memory_sample(m, i, -i);
    double total[4], own[4];
    ck_assert_uint_eq(wp_claim_memory_samples(m, total, own, 4), 4);
    for (int i = 0; i < 4; i++) {
        ck_assert_double_eq(total[i], WP_CLAIM_MEMORY_SAMPLES - 1 + i);
        ck_assert_double_eq(own[i], -(WP_CLAIM_MEMORY_SAMPLES - 1 + i));
    }
    wp_claim_memory_free(m);
}
END_TEST

static wp_claim_memory *shared;

static void *worker(void *arg)
{
    long id = (long)arg;
    char key[32], uid[32], rv[32];
    json_t *sb = json_pack("{s:{s:s}}", "metadata", "name", "x");
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof key, "ns/c%ld-%d", id, i % 50);
        snprintf(uid, sizeof uid, "u%ld-%d", id, i % 50);
        snprintf(rv, sizeof rv, "%d", i);
        wp_claim_memory_observe(shared, key, uid, i);
        wp_claim_memory_wrote(shared, key, rv, i);
        wp_claim_memory_stale(shared, key, "1", i);
        wp_claim_memory_bind(shared, uid, sb);
        json_decref(wp_claim_memory_bound(shared, uid));
        if (i % 7 == 0) wp_claim_memory_unbind(shared, uid);
        if (i % 11 == 0) wp_claim_memory_forget(shared, key);
        wp_claim_memory_sample(shared, i, i);
    }
    json_decref(sb);
    return NULL;
}

START_TEST(concurrent_use_is_safe)
{
    shared = wp_claim_memory_new();
    pthread_t t[6];
    for (long i = 0; i < 6; i++) pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < 6; i++) pthread_join(t[i], NULL);
    double total[1];
    ck_assert_uint_eq(wp_claim_memory_samples(shared, total, NULL, 1), 1);
    wp_claim_memory_free(shared);
}
END_TEST

CT_MAIN("claim_memory",
        first_observation_sticks_per_incarnation,
        first_pass_is_once_per_incarnation,
        a_view_older_than_our_write_is_stale_until_the_cache_catches_up,
        bindings_are_copies_kept_until_forgotten,
        latency_samples_keep_the_most_recent_in_order,
        concurrent_use_is_safe)
