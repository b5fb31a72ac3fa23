/* The work queue: deduplication, one worker per key (checked with an atomic
 * in-flight counter per key under many threads), no lost adds, per-key
 * backoff timing, the overall limit, delayed adds, and both shutdowns.
 * Also the token bucket and backoff arithmetic it is built on.
 *
 * ctest-labels: tsan */
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>

#include "controller/kube/kube_time.h"
#include "controller/kube/ratelimit.h"
#include "controller/kube/workqueue.h"

START_TEST(dedup_and_fifo)
{
    wp_workqueue *q = wp_workqueue_new(NULL);
    wp_workqueue_add(q, "a");
    wp_workqueue_add(q, "b");
    wp_workqueue_add(q, "a");
    ck_assert_uint_eq(wp_workqueue_len(q), 2);
    const char *k = wp_workqueue_get(q);
    ck_assert_str_eq(k, "a");
    /* re-added while processing: held back, not handed to another worker */
    wp_workqueue_add(q, "a");
    ck_assert_uint_eq(wp_workqueue_len(q), 1);
    const char *k2 = wp_workqueue_get(q);
    ck_assert_str_eq(k2, "b");
    ck_assert_uint_eq(wp_workqueue_len(q), 0);
    wp_workqueue_done(q, k);
    ck_assert_uint_eq(wp_workqueue_len(q), 1); /* now queued again */
    wp_workqueue_done(q, k2);
    k = wp_workqueue_get(q);
    ck_assert_str_eq(k, "a");
    wp_workqueue_done(q, k);
    wp_workqueue_stats st;
    wp_workqueue_stats_get(q, &st);
    ck_assert_uint_eq(st.adds, 3);
    ck_assert_uint_eq(st.processed, 3);
    ck_assert_uint_eq(st.depth, 0);
    wp_workqueue_shutdown(q, false);
    ck_assert_ptr_null(wp_workqueue_get(q));
    wp_workqueue_add(q, "late"); /* ignored */
    ck_assert_uint_eq(wp_workqueue_len(q), 0);
    wp_workqueue_free(q);
}
END_TEST

#define N_KEYS 16
#define N_ADDERS 4
#define ADDS_EACH 3000

typedef struct {
    wp_workqueue *q;
    atomic_int in_flight[N_KEYS];
    atomic_int max_in_flight;
    atomic_long version[N_KEYS]; /* bumped before each add */
    atomic_long seen[N_KEYS];    /* the version a worker saw when it started */
    atomic_long processed;
} stress;

static int key_index(const char *key) { return atoi(key + 1); }

static wp_work_result stress_work(void *ctx, const char *key, double *after)
{
    (void)after;
    stress *s = ctx;
    int i = key_index(key);
    atomic_store(&s->seen[i], atomic_load(&s->version[i]));
    int now = atomic_fetch_add(&s->in_flight[i], 1) + 1;
    int prev = atomic_load(&s->max_in_flight);
    while (now > prev && !atomic_compare_exchange_weak(&s->max_in_flight, &prev, now)) {
    }
    for (volatile int spin = 0; spin < 200; spin++) {
    }
    atomic_fetch_sub(&s->in_flight[i], 1);
    atomic_fetch_add(&s->processed, 1);
    return WP_WORK_DONE;
}

static void *adder(void *p)
{
    stress *s = p;
    char key[16];
    for (int n = 0; n < ADDS_EACH; n++) {
        int i = (int)(wp_kube_random() * N_KEYS);
        snprintf(key, sizeof key, "k%d", i);
        atomic_fetch_add(&s->version[i], 1);
        wp_workqueue_add(s->q, key);
    }
    return NULL;
}

START_TEST(one_worker_per_key_and_nothing_lost)
{
    stress *s = calloc(1, sizeof *s);
    s->q = wp_workqueue_new(NULL);
    ck_assert_int_eq(wp_workqueue_start(s->q, 8, stress_work, s), 0);
    ck_assert_int_eq(wp_workqueue_start(s->q, 8, stress_work, s), -1); /* once */
    pthread_t t[N_ADDERS];
    for (int i = 0; i < N_ADDERS; i++) pthread_create(&t[i], NULL, adder, s);
    for (int i = 0; i < N_ADDERS; i++) pthread_join(t[i], NULL);
    wp_workqueue_shutdown(s->q, true); /* drain: everything added gets processed */
    ck_assert_int_eq(atomic_load(&s->max_in_flight), 1);
    for (int i = 0; i < N_KEYS; i++) {
        /* the last add of every key was followed by a processing that saw it */
        ck_assert_int_eq(atomic_load(&s->seen[i]), atomic_load(&s->version[i]));
    }
    long processed = atomic_load(&s->processed);
    ck_assert_int_le(processed, N_ADDERS * ADDS_EACH);
    ck_assert_int_ge(processed, N_KEYS);
    wp_workqueue_free(s->q);
    free(s);
}
END_TEST

START_TEST(per_key_backoff_doubles_and_forget_resets)
{
    wp_workqueue_opts o = {.base_delay = 0.04, .max_delay = 0.2, .qps = -1};
    wp_workqueue *q = wp_workqueue_new(&o);
    double expect[] = {0.04, 0.08, 0.16, 0.2};
    for (int i = 0; i < 4; i++) {
        ck_assert_double_eq_tol(wp_workqueue_backoff(q, "x"), expect[i], 1e-9);
        double t0 = wp_kube_monotonic();
        wp_workqueue_add_rate_limited(q, "x");
        ck_assert_uint_eq(wp_workqueue_len(q), 0);
        const char *k = wp_workqueue_get(q);
        double waited = wp_kube_monotonic() - t0;
        ck_assert_str_eq(k, "x");
        ck_assert_msg(waited >= expect[i] - 0.002 && waited < expect[i] + 0.15, "retry %d waited %f", i, waited);
        wp_workqueue_done(q, k);
    }
    ck_assert_uint_eq(wp_workqueue_failures(q, "x"), 4);
    ck_assert_uint_eq(wp_workqueue_failures(q, "y"), 0);
    wp_workqueue_forget(q, "x");
    ck_assert_uint_eq(wp_workqueue_failures(q, "x"), 0);
    ck_assert_double_eq_tol(wp_workqueue_backoff(q, "x"), 0.04, 1e-9);
    wp_workqueue_shutdown(q, false);
    wp_workqueue_free(q);
}
END_TEST

START_TEST(overall_limit_spaces_retries_of_many_keys)
{
    /* 20/s, burst 2: the 3rd..6th distinct keys wait 50 ms apart */
    wp_workqueue_opts o = {.base_delay = 0.001, .max_delay = 1, .qps = 20, .burst = 2};
    wp_workqueue *q = wp_workqueue_new(&o);
    double t0 = wp_kube_monotonic();
    char key[8];
    for (int i = 0; i < 6; i++) {
        snprintf(key, sizeof key, "k%d", i);
        wp_workqueue_add_rate_limited(q, key);
    }
    for (int i = 0; i < 6; i++) {
        const char *k = wp_workqueue_get(q);
        wp_workqueue_done(q, k);
    }
    double took = wp_kube_monotonic() - t0;
    ck_assert_msg(took >= 0.19 && took < 0.6, "took %f", took);
    wp_workqueue_stats st;
    wp_workqueue_stats_get(q, &st);
    ck_assert_uint_eq(st.retries, 6);
    wp_workqueue_shutdown(q, false);
    wp_workqueue_free(q);
}
END_TEST

START_TEST(delayed_adds_keep_the_earliest_time)
{
    wp_workqueue *q = wp_workqueue_new(NULL);
    double t0 = wp_kube_monotonic();
    wp_workqueue_add_after(q, "late", 0.3);
    wp_workqueue_add_after(q, "x", 1.0);
    wp_workqueue_add_after(q, "x", 0.1); /* earlier wins */
    wp_workqueue_add_after(q, "x", 0.5); /* later is ignored */
    wp_workqueue_stats st;
    wp_workqueue_stats_get(q, &st);
    ck_assert_uint_eq(st.delayed, 2);
    const char *k = wp_workqueue_get(q);
    double t1 = wp_kube_monotonic() - t0;
    ck_assert_str_eq(k, "x");
    ck_assert_msg(t1 >= 0.098 && t1 < 0.25, "x after %f", t1);
    wp_workqueue_done(q, k);
    k = wp_workqueue_get(q);
    double t2 = wp_kube_monotonic() - t0;
    ck_assert_str_eq(k, "late");
    ck_assert_msg(t2 >= 0.298 && t2 < 0.45, "late after %f", t2);
    wp_workqueue_done(q, k);
    wp_workqueue_stats_get(q, &st);
    ck_assert_uint_eq(st.delayed, 0);
    wp_workqueue_add_after(q, "now", 0);
    ck_assert_uint_eq(wp_workqueue_len(q), 1);
    wp_workqueue_shutdown(q, false);
    wp_workqueue_free(q);
}
END_TEST

typedef struct {
    atomic_int count;
    atomic_int requeued;
} counter;

static wp_work_result count_work(void *ctx, const char *key, double *after)
{
    counter *c = ctx;
    wp_kube_sleep(0.01);
    atomic_fetch_add(&c->count, 1);
    if (strcmp(key, "again") == 0 && atomic_fetch_add(&c->requeued, 1) == 0) {
        *after = 0.05;
        return WP_WORK_REQUEUE_AFTER;
    }
    if (strcmp(key, "fail") == 0) return WP_WORK_RETRY;
    return WP_WORK_DONE;
}

START_TEST(drain_processes_everything_queued)
{
    counter c = {0};
    wp_workqueue *q = wp_workqueue_new(NULL);
    char key[8];
    for (int i = 0; i < 20; i++) {
        snprintf(key, sizeof key, "k%d", i);
        wp_workqueue_add(q, key);
    }
    wp_workqueue_add_after(q, "delayed", 10); /* dropped by the shutdown */
    ck_assert_int_eq(wp_workqueue_start(q, 2, count_work, &c), 0);
    wp_workqueue_shutdown(q, true);
    ck_assert_int_eq(atomic_load(&c.count), 20);
    wp_workqueue_free(q);
}
END_TEST

START_TEST(stop_finishes_only_keys_in_hand)
{
    counter c = {0};
    wp_workqueue *q = wp_workqueue_new(NULL);
    char key[8];
    for (int i = 0; i < 50; i++) {
        snprintf(key, sizeof key, "k%d", i);
        wp_workqueue_add(q, key);
    }
    ck_assert_int_eq(wp_workqueue_start(q, 2, count_work, &c), 0);
    wp_kube_sleep(0.03);
    double t0 = wp_kube_monotonic();
    wp_workqueue_shutdown(q, false);
    ck_assert(wp_kube_monotonic() - t0 < 0.2);
    int n = atomic_load(&c.count);
    ck_assert_msg(n >= 1 && n < 20, "processed %d", n);
    wp_workqueue_free(q);
}
END_TEST

START_TEST(worker_results_requeue_and_retry)
{
    counter c = {0};
    wp_workqueue_opts o = {.base_delay = 0.02, .max_delay = 0.02};
    wp_workqueue *q = wp_workqueue_new(&o);
    ck_assert_int_eq(wp_workqueue_start(q, 2, count_work, &c), 0);
    wp_workqueue_add(q, "again");
    wp_workqueue_add(q, "fail");
    wp_kube_sleep(0.3);
    ck_assert_int_eq(atomic_load(&c.requeued), 2); /* processed twice: once requeued after 50 ms */
    ck_assert_uint_ge(wp_workqueue_failures(q, "fail"), 3);
    ck_assert_uint_eq(wp_workqueue_failures(q, "again"), 0);
    wp_workqueue_shutdown(q, false);
    wp_workqueue_free(q);
}
END_TEST

START_TEST(token_bucket_math)
{
    wp_kube_ratelimit rl;
    wp_kube_ratelimit_init(&rl, 10, 3);
    double t = rl.last;
    ck_assert_double_eq(wp_kube_ratelimit_reserve(&rl, t), 0);
    ck_assert_double_eq(wp_kube_ratelimit_reserve(&rl, t), 0);
    ck_assert_double_eq(wp_kube_ratelimit_reserve(&rl, t), 0);
    ck_assert_double_eq_tol(wp_kube_ratelimit_reserve(&rl, t), 0.1, 1e-9); /* queued behind */
    ck_assert_double_eq_tol(wp_kube_ratelimit_reserve(&rl, t), 0.2, 1e-9);
    ck_assert(!wp_kube_ratelimit_try(&rl, t + 0.2));
    ck_assert(wp_kube_ratelimit_try(&rl, t + 0.31));
    /* a long idle period refills only up to the burst */
    ck_assert(wp_kube_ratelimit_try(&rl, t + 100));
    ck_assert(wp_kube_ratelimit_try(&rl, t + 100));
    ck_assert(wp_kube_ratelimit_try(&rl, t + 100));
    ck_assert(!wp_kube_ratelimit_try(&rl, t + 100));
    wp_kube_ratelimit_set(&rl, -1, 1); /* unlimited */
    for (int i = 0; i < 100; i++) ck_assert_double_eq(wp_kube_ratelimit_reserve(&rl, t + 100), 0);
    wp_kube_ratelimit_destroy(&rl);
}
END_TEST

START_TEST(backoff_math)
{
    ck_assert_double_eq(wp_kube_backoff_exp(0.005, 1000, 0), 0.005);
    ck_assert_double_eq(wp_kube_backoff_exp(0.005, 1000, 3), 0.04);
    ck_assert_double_eq(wp_kube_backoff_exp(0.005, 1000, 30), 1000);
    ck_assert_double_eq(wp_kube_backoff_exp(0.005, 1000, 200), 1000);
    ck_assert_double_eq(wp_kube_backoff_jitter(2, 0, 0.9), 2);
    ck_assert_double_eq(wp_kube_backoff_jitter(2, 0.5, 0.5), 2.5);
    for (int i = 0; i < 1000; i++) {
        double r = wp_kube_random();
        ck_assert(r >= 0 && r < 1);
    }
    wp_kube_backoff b = {.initial = 1, .max = 10, .jitter = 1.0, .reset_after = 60};
    double d0 = wp_kube_backoff_next(&b, 100), d1 = wp_kube_backoff_next(&b, 101), d2 = wp_kube_backoff_next(&b, 102);
    ck_assert(d0 >= 1 && d0 < 2);
    ck_assert(d1 >= 2 && d1 < 4);
    ck_assert(d2 >= 4 && d2 < 8);
    for (int i = 0; i < 10; i++) ck_assert(wp_kube_backoff_next(&b, 103 + i) <= 10);
    /* quiet for longer than reset_after: start over */
    double d = wp_kube_backoff_next(&b, 1000);
    ck_assert(d >= 1 && d < 2);
    wp_kube_backoff_reset(&b);
    ck_assert_uint_eq(b.failures, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("workqueue");
    TCase *tc = tcase_create("queue");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, dedup_and_fifo);
    tcase_add_test(tc, one_worker_per_key_and_nothing_lost);
    tcase_add_test(tc, per_key_backoff_doubles_and_forget_resets);
    tcase_add_test(tc, overall_limit_spaces_retries_of_many_keys);
    tcase_add_test(tc, delayed_adds_keep_the_earliest_time);
    tcase_add_test(tc, drain_processes_everything_queued);
    tcase_add_test(tc, stop_finishes_only_keys_in_hand);
    tcase_add_test(tc, worker_results_requeue_and_retry);
    tcase_add_test(tc, token_bucket_math);
    tcase_add_test(tc, backoff_math);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
