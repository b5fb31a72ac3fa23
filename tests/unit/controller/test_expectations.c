/* Warm pool expectations: the create gate, UID-tracked deletes, the timeout,
 * and the gate under concurrent passes and watch events.
 *
 * ctest-labels: tsan */
#include "ctl_testing.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "controller/expectations.h"

static double fake_now;
static double fake_clock(void *ctx)
{
    (void)ctx;
    return fake_now;
}

START_TEST(a_new_pool_is_satisfied_and_creates_close_the_gate)
{
    wp_expect *e = wp_expect_new(0, fake_clock, NULL);
    fake_now = 100;
    ck_assert(wp_expect_satisfied(e, "ns/p"));
    ck_assert(!wp_expect_try_creations(e, "ns/p", 0));
    ck_assert(wp_expect_try_creations(e, "ns/p", 3));
    ck_assert(!wp_expect_satisfied(e, "ns/p"));
    ck_assert(!wp_expect_try_creations(e, "ns/p", 1)); /* the gate is shut */
    ck_assert(wp_expect_satisfied(e, "ns/other"));    /* other pools unaffected */
    int c, d;
    wp_expect_pending(e, "ns/p", &c, &d);
    ck_assert_int_eq(c, 3);
    ck_assert_int_eq(d, 0);
    wp_expect_lower_creations(e, "ns/p", 1);
    wp_expect_lower_creations(e, "ns/p", 1);
    ck_assert(!wp_expect_satisfied(e, "ns/p"));
    wp_expect_lower_creations(e, "ns/p", 5); /* clamps at zero */
    ck_assert(wp_expect_satisfied(e, "ns/p"));
    wp_expect_pending(e, "ns/p", &c, &d);
    ck_assert_int_eq(c, 0);
    /* Lowering a pool with no record is harmless. */
    wp_expect_lower_creations(e, "ns/none", 1);
    ck_assert(wp_expect_try_creations(e, "ns/p", 1));
    wp_expect_free(e);
}
END_TEST

START_TEST(deletes_are_tracked_by_uid_until_observed)
{
    wp_expect *e = wp_expect_new(0, fake_clock, NULL);
    fake_now = 0;
    wp_expect_deletion(e, "ns/p", "u1");
    wp_expect_deletion(e, "ns/p", "u2");
    wp_expect_deletion(e, "ns/p", "u2"); /* recorded once */
    wp_expect_deletion(e, "ns/p", "");   /* cannot be matched: ignored */
    wp_expect_deletion(e, "ns/p", NULL);
    int c, d;
    wp_expect_pending(e, "ns/p", &c, &d);
    ck_assert_int_eq(d, 2);
    ck_assert(wp_expect_pending_deletion(e, "ns/p", "u1"));
    ck_assert(!wp_expect_pending_deletion(e, "ns/p", "u3"));
    ck_assert(!wp_expect_pending_deletion(e, "ns/q", "u1"));
    ck_assert(!wp_expect_pending_deletion(e, "ns/p", ""));
    ck_assert(!wp_expect_satisfied(e, "ns/p"));
    ck_assert(!wp_expect_try_creations(e, "ns/p", 1));
    wp_expect_deletion_observed(e, "ns/p", "u1");
    wp_expect_deletion_observed(e, "ns/p", "u9"); /* unknown: no effect */
    ck_assert(!wp_expect_pending_deletion(e, "ns/p", "u1"));
    ck_assert(!wp_expect_satisfied(e, "ns/p"));
    wp_expect_deletion_observed(e, "ns/p", "u2");
    ck_assert(wp_expect_satisfied(e, "ns/p"));
    wp_expect_free(e);
}
END_TEST

START_TEST(a_snapshot_of_pending_deletes_outlives_their_observation)
{
    wp_expect *e = wp_expect_new(0, fake_clock, NULL);
    fake_now = 0;
    size_t n = 7;
    ck_assert_ptr_null(wp_expect_pending_deletions(e, "ns/p", &n));
    ck_assert_uint_eq(n, 0);
    wp_expect_deletion(e, "ns/p", "u1");
    wp_expect_deletion(e, "ns/p", "u2");
    char **before = wp_expect_pending_deletions(e, "ns/p", &n);
    ck_assert_uint_eq(n, 2);
    /* The delete event arrives after the pass took its snapshot (and
     * listed the cache): the snapshot still says u1 was being deleted. */
    wp_expect_deletion_observed(e, "ns/p", "u1");
    ck_assert(!wp_expect_pending_deletion(e, "ns/p", "u1"));
    ck_assert(wp_expect_uids_contain(before, n, "u1"));
    ck_assert(wp_expect_uids_contain(before, n, "u2"));
    ck_assert(!wp_expect_uids_contain(before, n, "u3"));
    ck_assert(!wp_expect_uids_contain(before, n, NULL));
    wp_expect_uids_free(before, n);
    fake_now = 1000; /* timed out: nothing pending */
    ck_assert_ptr_null(wp_expect_pending_deletions(e, "ns/p", &n));
    ck_assert_uint_eq(n, 0);
    wp_expect_free(e);
}
END_TEST

START_TEST(records_expire_after_the_timeout_and_deletes_refresh_it)
{
    wp_expect *e = wp_expect_new(300, fake_clock, NULL);
    fake_now = 1000;
    ck_assert(wp_expect_try_creations(e, "ns/p", 2));
    fake_now = 1300; /* exactly at the timeout: still trusted */
    ck_assert(!wp_expect_satisfied(e, "ns/p"));
    fake_now = 1300.5;
    ck_assert(wp_expect_satisfied(e, "ns/p")); /* a lost event cannot wedge the pool */
    ck_assert(wp_expect_try_creations(e, "ns/p", 1));

    wp_expect_lower_creations(e, "ns/p", 1);
    wp_expect_deletion(e, "ns/p", "u1");
    fake_now = 1500;
    wp_expect_deletion(e, "ns/p", "u2"); /* refreshes the age */
    fake_now = 1700;
    ck_assert(wp_expect_pending_deletion(e, "ns/p", "u1"));
    ck_assert(!wp_expect_satisfied(e, "ns/p"));
    fake_now = 1801;
    ck_assert(!wp_expect_pending_deletion(e, "ns/p", "u1"));
    ck_assert(wp_expect_satisfied(e, "ns/p"));
    wp_expect_free(e);
}
END_TEST

START_TEST(forget_drops_the_pool)
{
    wp_expect *e = wp_expect_new(0, NULL, NULL);
    ck_assert(wp_expect_try_creations(e, "ns/p", 2));
    wp_expect_deletion(e, "ns/p", "u");
    wp_expect_forget(e, "ns/p");
    ck_assert(wp_expect_satisfied(e, "ns/p"));
    ck_assert(!wp_expect_pending_deletion(e, "ns/p", "u"));
    wp_expect_forget(e, "ns/p");
    /* Many pools, freed with records outstanding (no leaks under ASan). */
    char key[32];
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof key, "ns/p%d", i);
        ck_assert(wp_expect_try_creations(e, key, 1));
        wp_expect_deletion(e, key, "u");
    }
    wp_expect_free(e);
}
END_TEST

/* Many workers race to pass the gate of one pool while a "watch" thread
 * observes the creates: at no time are more creates outstanding than one
 * pass recorded, and every pass that won was observed. */
typedef struct {
    wp_expect *e;
    atomic_int wins;
    atomic_int observed;
    atomic_int stop;
    atomic_int outstanding;
} race;

static void *racer(void *arg)
{
    race *r = arg;
    for (int i = 0; i < 2000; i++) {
        if (wp_expect_try_creations(r->e, "ns/p", 4)) {
            int before = atomic_fetch_add(&r->outstanding, 4);
            ck_assert_int_eq(before, 0); /* only one pass at a time got through */
            atomic_fetch_add(&r->wins, 1);
        }
    }
    return NULL;
}

static void *watcher(void *arg)
{
    race *r = arg;
    while (!atomic_load(&r->stop)) {
        int n = atomic_load(&r->outstanding);
        if (n > 0) {
            /* The creates "arrive" one by one. */
            atomic_fetch_sub(&r->outstanding, 1);
            wp_expect_lower_creations(r->e, "ns/p", 1);
            atomic_fetch_add(&r->observed, 1);
        }
        char uid[16];
        snprintf(uid, sizeof uid, "u%d", n);
        wp_expect_pending_deletion(r->e, "ns/q", uid);
    }
    return NULL;
}

START_TEST(one_pass_at_a_time_passes_the_gate_under_concurrency)
{
    race r = {.e = wp_expect_new(0, NULL, NULL)};
    pthread_t w, t[4];
    pthread_create(&w, NULL, watcher, &r);
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, racer, &r);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    while (atomic_load(&r.outstanding) > 0) sched_yield();
    atomic_store(&r.stop, 1);
    pthread_join(w, NULL);
    ck_assert_int_gt(atomic_load(&r.wins), 0);
    ck_assert_int_eq(atomic_load(&r.observed), 4 * atomic_load(&r.wins));
    ck_assert(wp_expect_satisfied(r.e, "ns/p"));
    wp_expect_free(r.e);
}
END_TEST

CT_MAIN("expectations",
        a_new_pool_is_satisfied_and_creates_close_the_gate,
        deletes_are_tracked_by_uid_until_observed,
        a_snapshot_of_pending_deletes_outlives_their_observation,
        records_expire_after_the_timeout_and_deletes_refresh_it,
        forget_drops_the_pool,
        one_pass_at_a_time_passes_the_gate_under_concurrency)
