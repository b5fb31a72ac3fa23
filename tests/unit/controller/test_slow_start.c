/* Slow-start batches: every index once, batches of 1, 2, 4, ..., parallel
 * within a batch up to the writer count, and a stop after the first batch
 * with a failure (its first error reported).
 *
 * ctest-labels: tsan */
#include "ctl_testing.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "controller/slow_start.h"

typedef struct {
    atomic_int calls[2048];
    atomic_int running, max_running;
    long long fail_at; /* -1: none */
    int sleep_us;
} rec;

static int write_one(void *ctx, long long index, wp_kube_error *err)
{
    rec *r = ctx;
    atomic_fetch_add(&r->calls[index], 1);
    int now = atomic_fetch_add(&r->running, 1) + 1;
    int max = atomic_load(&r->max_running);
    while (now > max && !atomic_compare_exchange_weak(&r->max_running, &max, now)) {
    }
    if (r->sleep_us) usleep((useconds_t)r->sleep_us);
    atomic_fetch_sub(&r->running, 1);
    if (index == r->fail_at) {
        wp_kube_error_set(err, WP_KUBE_EFORBIDDEN, "boom %lld", index);
        return -1;
    }
    return 0;
}

START_TEST(every_index_runs_once)
{
    static rec r;
    memset(&r, 0, sizeof r);
    r.fail_at = -1;
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    ck_assert_int_eq(wp_slow_start(0, 4, write_one, &r, &err), 0);
    ck_assert_int_eq(wp_slow_start(300, 4, write_one, &r, &err), 300);
    ck_assert_int_eq(err.rc, WP_KUBE_OK);
    for (int i = 0; i < 300; i++) ck_assert_int_eq(atomic_load(&r.calls[i]), 1);
    ck_assert_int_eq(atomic_load(&r.calls[300]), 0);
}
END_TEST

START_TEST(batches_run_in_parallel_up_to_the_writer_count)
{
    static rec r;
    memset(&r, 0, sizeof r);
    r.fail_at = -1;
    r.sleep_us = 2000;
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    ck_assert_int_eq(wp_slow_start(64, 8, write_one, &r, &err), 64);
    ck_assert_int_le(atomic_load(&r.max_running), 8);
    ck_assert_int_ge(atomic_load(&r.max_running), 2); /* the batches of 8+ overlap */
    /* One writer: strictly one at a time. */
    memset(&r, 0, sizeof r);
    r.fail_at = -1;
    ck_assert_int_eq(wp_slow_start(20, 1, write_one, &r, &err), 20);
    ck_assert_int_eq(atomic_load(&r.max_running), 1);
}
END_TEST

START_TEST(a_failed_batch_stops_the_rest)
{
    static rec r;
    memset(&r, 0, sizeof r);
    r.fail_at = 5; /* in the third batch: indexes 3..6 */
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    ck_assert_int_eq(wp_slow_start(100, 16, write_one, &r, &err), 6);
    ck_assert_int_eq(err.rc, WP_KUBE_EFORBIDDEN);
    ck_assert_str_eq(err.message, "boom 5");
    for (int i = 0; i < 7; i++) ck_assert_int_eq(atomic_load(&r.calls[i]), 1); /* the whole batch ran */
    for (int i = 7; i < 100; i++) ck_assert_int_eq(atomic_load(&r.calls[i]), 0);
    wp_kube_error_clear(&err);

    /* A failure of the very first write costs one write. */
    memset(&r, 0, sizeof r);
    r.fail_at = 0;
    ck_assert_int_eq(wp_slow_start(300, 16, write_one, &r, &err), 0);
    ck_assert_int_eq(atomic_load(&r.calls[0]), 1);
    ck_assert_int_eq(atomic_load(&r.calls[1]), 0);
    wp_kube_error_clear(&err);
}
END_TEST

CT_MAIN("slow_start",
        every_index_runs_once,
        batches_run_in_parallel_up_to_the_writer_count,
        a_failed_batch_stops_the_rest)
