/* Slow-start batches (see slow_start.h). */
#include "controller/slow_start.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "controller/pool_plan.h"

#define WRITERS_DEFAULT 16
#define WRITERS_MAX 64

typedef struct {
    wp_slow_start_fn fn;
    void *ctx;
    long long first, count;
    atomic_llong next;
    atomic_llong ok;
    pthread_mutex_t mu;
    wp_kube_error err; /* the batch's first failure */
    bool failed;
} batch;

static void *batch_worker(void *arg)
{
    batch *b = arg;
    for (;;) {
        long long i = atomic_fetch_add(&b->next, 1);
        if (i >= b->count) return NULL;
        wp_kube_error err = WP_KUBE_ERROR_INIT;
        if (b->fn(b->ctx, b->first + i, &err) == 0) {
            atomic_fetch_add(&b->ok, 1);
        } else {
            pthread_mutex_lock(&b->mu);
            if (!b->failed) {
                b->failed = true;
                wp_kube_error_set(&b->err, err.rc, "%s", err.message);
            }
            pthread_mutex_unlock(&b->mu);
        }
        wp_kube_error_clear(&err);
    }
}

/* Runs one batch; returns its successes, true in *failed on a failure. */
static long long run_batch(batch *b, int writers)
{
    int threads = b->count < writers ? (int)b->count : writers;
    pthread_t tids[WRITERS_MAX];
    int started = 0;
    for (int t = 1; t < threads; t++)
        if (pthread_create(&tids[started], NULL, batch_worker, b) == 0) started++;
    batch_worker(b); /* the caller's thread works too; with no threads it does it all */
    for (int t = 0; t < started; t++) pthread_join(tids[t], NULL);
    return atomic_load(&b->ok);
}

long long wp_slow_start(long long total, int writers, wp_slow_start_fn fn, void *ctx, wp_kube_error *err)
{
    if (writers <= 0) writers = WRITERS_DEFAULT;
    if (writers > WRITERS_MAX) writers = WRITERS_MAX;
    long long sizes[64];
    size_t n = wp_pool_batches(total, sizes, 64); /* 2^63 writes need at most 63 batches */
    long long done = 0;
    for (size_t k = 0; k < n; k++) {
        batch b = {.fn = fn, .ctx = ctx, .first = done, .count = sizes[k], .err = WP_KUBE_ERROR_INIT};
        pthread_mutex_init(&b.mu, NULL);
        done += run_batch(&b, writers);
        pthread_mutex_destroy(&b.mu);
        if (b.failed) {
            wp_kube_error_set(err, b.err.rc, "%s", b.err.message);
            wp_kube_error_clear(&b.err);
            return done;
        }
    }
    return done;
}
