/* The reconcile work queue. See workqueue.h.
 *
 * State (under mu):
 *   queue      FIFO of entries ready for a worker;
 *   dirty      key -> entry for every key that must be processed (queued,
 *              or re-added while a worker holds it);
 *   processing key -> entry held by a worker;
 *   waiting    key -> timer, and a min-heap of timers by due time;
 *   failures   key -> count, for the per-key backoff.
 * A key is queued only when it is dirty and not processing, which is what
 * keeps two workers off the same key. Due timers are moved to the queue by
 * whichever worker wakes first; workers sleep until the earliest timer. */
#include "controller/kube/workqueue.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/verdict.h"
#include "controller/kube/kube_map.h"
#include "controller/kube/kube_time.h"
#include "controller/kube/ratelimit.h"

typedef struct {
    double queued_at;
    char key[];
} entry;

typedef struct {
    double due;
    size_t heap_index;
    char key[];
} timer;

typedef struct {
    unsigned count;
    char key[];
} failure;

struct wp_workqueue {
    pthread_mutex_t mu;
    pthread_cond_t cond; /* CLOCK_MONOTONIC */
    wp_workqueue_opts opts;
    wp_kube_ratelimit bucket;

    entry **queue; /* ring buffer */
    size_t head, count, cap;
    wp_kube_map dirty, processing, waiting, failures;
    timer **heap;
    size_t heap_len, heap_cap;

    bool shutting_down, draining;
    wp_workqueue_stats stats;

    pthread_t *threads;
    int n_threads;
    wp_workqueue_fn fn;
    void *fn_ctx;
};

static const char *entry_key(const void *e) { return ((const entry *)e)->key; }
static const char *timer_key(const void *e) { return ((const timer *)e)->key; }
static const char *failure_key(const void *e) { return ((const failure *)e)->key; }

/* A struct with a flexible key member, key copied in. */
static void *keyed_new(size_t header, const char *key)
{
    size_t n = strlen(key) + 1;
    char *p = wp_xalloc_check(calloc(1, header + n));
    memcpy(p + header, key, n);
    return p;
}

wp_workqueue *wp_workqueue_new(const wp_workqueue_opts *opts)
{
    wp_workqueue *q = wp_xalloc_check(calloc(1, sizeof *q));
    if (opts) q->opts = *opts;
    if (q->opts.base_delay <= 0) q->opts.base_delay = 0.005;
    if (q->opts.max_delay <= 0) q->opts.max_delay = 1000;
    if (q->opts.qps == 0) q->opts.qps = 10;
    if (q->opts.burst <= 0) q->opts.burst = 100;
    wp_kube_ratelimit_init(&q->bucket, q->opts.qps, q->opts.burst);
    pthread_mutex_init(&q->mu, NULL);
    wp_kube_cond_init(&q->cond);
    wp_kube_map_init(&q->dirty, entry_key);
    wp_kube_map_init(&q->processing, entry_key);
    wp_kube_map_init(&q->waiting, timer_key);
    wp_kube_map_init(&q->failures, failure_key);
    return q;
}

static void free_all(wp_kube_map *m)
{
    void *e;
    for (size_t i = 0; (e = wp_kube_map_next(m, &i));) free(e);
    wp_kube_map_destroy(m);
}

void wp_workqueue_free(wp_workqueue *q)
{
    if (!q) return;
    /* queued entries are all in dirty; processing ones in processing */
    free_all(&q->dirty);
    free_all(&q->processing);
    free_all(&q->waiting);
    free_all(&q->failures);
    free(q->queue);
    free(q->heap);
    free(q->threads);
    wp_kube_ratelimit_destroy(&q->bucket);
    pthread_cond_destroy(&q->cond);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

/* --- the FIFO (caller holds mu) ---------------------------------------------- */

static void push(wp_workqueue *q, entry *e)
{
    if (q->count == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 64;
        entry **ring = wp_xalloc_check(malloc(cap * sizeof *ring));
        for (size_t i = 0; i < q->count; i++) ring[i] = q->queue[(q->head + i) % q->cap];
        free(q->queue);
        q->queue = ring;
        q->cap = cap;
        q->head = 0;
    }
    q->queue[(q->head + q->count) % q->cap] = e;
    q->count++;
    q->stats.adds++;
    pthread_cond_signal(&q->cond);
}

static entry *pop(wp_workqueue *q)
{
    entry *e = q->queue[q->head];
    q->head = (q->head + 1) % q->cap;
    q->count--;
    return e;
}

/* --- the timer heap (caller holds mu) ------------------------------------------ */

static void heap_swap(wp_workqueue *q, size_t a, size_t b)
{
    timer *t = q->heap[a];
    q->heap[a] = q->heap[b];
    q->heap[b] = t;
    q->heap[a]->heap_index = a;
    q->heap[b]->heap_index = b;
}

static void heap_up(wp_workqueue *q, size_t i)
{
    while (i > 0 && q->heap[(i - 1) / 2]->due > q->heap[i]->due) {
        heap_swap(q, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void heap_down(wp_workqueue *q, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < q->heap_len && q->heap[l]->due < q->heap[m]->due) m = l;
        if (r < q->heap_len && q->heap[r]->due < q->heap[m]->due) m = r;
        if (m == i) return;
        heap_swap(q, i, m);
        i = m;
    }
}

static timer *heap_pop(wp_workqueue *q)
{
    timer *t = q->heap[0];
    q->heap_len--;
    if (q->heap_len) {
        q->heap[0] = q->heap[q->heap_len];
        q->heap[0]->heap_index = 0;
        heap_down(q, 0);
    }
    wp_kube_map_remove(&q->waiting, t->key);
    return t;
}

/* --- adding (caller holds mu) ---------------------------------------------------- */

static void add_locked(wp_workqueue *q, const char *key, double now)
{
    if (q->shutting_down || wp_kube_map_get(&q->dirty, key)) return;
    entry *e = keyed_new(sizeof(entry), key);
    e->queued_at = now;
    wp_kube_map_put(&q->dirty, e);
    if (!wp_kube_map_get(&q->processing, key)) push(q, e); /* else queued again by done() */
}

static void add_after_locked(wp_workqueue *q, const char *key, double due)
{
    timer *t = wp_kube_map_get(&q->waiting, key);
    if (t) {
        if (due < t->due) { /* keep the earlier time */
            t->due = due;
            heap_up(q, t->heap_index);
        }
    } else {
        t = keyed_new(sizeof(timer), key);
        t->due = due;
        if (q->heap_len == q->heap_cap) {
            q->heap_cap = q->heap_cap ? q->heap_cap * 2 : 32;
            q->heap = wp_xalloc_check(realloc(q->heap, q->heap_cap * sizeof *q->heap));
        }
        t->heap_index = q->heap_len;
        q->heap[q->heap_len++] = t;
        wp_kube_map_put(&q->waiting, t);
        heap_up(q, t->heap_index);
    }
    /* sleepers may be waiting for a later timer */
    pthread_cond_broadcast(&q->cond);
}

/* Moves due timers to the queue. */
static void fire_timers(wp_workqueue *q, double now)
{
    while (q->heap_len && q->heap[0]->due <= now) {
        timer *t = heap_pop(q);
        add_locked(q, t->key, now);
        free(t);
    }
}

void wp_workqueue_add(wp_workqueue *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    add_locked(q, key, wp_kube_monotonic());
    pthread_mutex_unlock(&q->mu);
}

void wp_workqueue_add_after(wp_workqueue *q, const char *key, double seconds)
{
    pthread_mutex_lock(&q->mu);
    double now = wp_kube_monotonic();
    if (q->shutting_down) {
        /* dropped */
    } else if (seconds <= 0) {
        add_locked(q, key, now);
    } else {
        add_after_locked(q, key, now + seconds);
    }
    pthread_mutex_unlock(&q->mu);
}

/* Failure record of key, created when absent (caller holds mu). */
static failure *failures_of(wp_workqueue *q, const char *key)
{
    failure *f = wp_kube_map_get(&q->failures, key);
    if (!f) {
        f = keyed_new(sizeof(failure), key);
        wp_kube_map_put(&q->failures, f);
    }
    return f;
}

double wp_workqueue_backoff(wp_workqueue *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    failure *f = wp_kube_map_get(&q->failures, key);
    double d = wp_kube_backoff_exp(q->opts.base_delay, q->opts.max_delay, f ? f->count : 0);
    pthread_mutex_unlock(&q->mu);
    return d;
}

void wp_workqueue_add_rate_limited(wp_workqueue *q, const char *key)
{
    double overall = wp_kube_ratelimit_reserve(&q->bucket, wp_kube_monotonic());
    pthread_mutex_lock(&q->mu);
    failure *f = failures_of(q, key);
    double per_key = wp_kube_backoff_exp(q->opts.base_delay, q->opts.max_delay, f->count);
    f->count++;
    q->stats.retries++;
    double delay = per_key > overall ? per_key : overall;
    if (!q->shutting_down) add_after_locked(q, key, wp_kube_monotonic() + delay);
    pthread_mutex_unlock(&q->mu);
}

void wp_workqueue_forget(wp_workqueue *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    free(wp_kube_map_remove(&q->failures, key));
    pthread_mutex_unlock(&q->mu);
}

unsigned wp_workqueue_failures(wp_workqueue *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    failure *f = wp_kube_map_get(&q->failures, key);
    unsigned n = f ? f->count : 0;
    pthread_mutex_unlock(&q->mu);
    return n;
}

/* --- taking ------------------------------------------------------------------------- */

/* Per thread: how long the key this thread took last had waited. */
static _Thread_local double last_wait = -1;

const char *wp_workqueue_get(wp_workqueue *q)
{
    pthread_mutex_lock(&q->mu);
    entry *e = NULL;
    for (;;) {
        double now = wp_kube_monotonic();
        if (!q->shutting_down) fire_timers(q, now);
        if (q->count > 0 && (!q->shutting_down || q->draining)) {
            e = pop(q);
            break;
        }
        if (q->shutting_down) break;
        if (q->heap_len) wp_kube_cond_wait_until(&q->cond, &q->mu, q->heap[0]->due);
        else pthread_cond_wait(&q->cond, &q->mu);
    }
    if (e) {
        wp_kube_map_remove(&q->dirty, e->key);
        wp_kube_map_put(&q->processing, e);
        last_wait = wp_kube_monotonic() - e->queued_at;
        q->stats.queue_seconds += last_wait;
    }
    pthread_mutex_unlock(&q->mu);
    return e ? e->key : NULL;
}

double wp_workqueue_last_wait(void)
{
    return last_wait;
}

void wp_workqueue_done(wp_workqueue *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    entry *e = wp_kube_map_remove(&q->processing, key);
    q->stats.processed++;
    entry *again = wp_kube_map_get(&q->dirty, key);
    if (again) push(q, again); /* re-added while being processed */
    pthread_mutex_unlock(&q->mu);
    free(e); /* after the lock: key may point into e */
}

size_t wp_workqueue_len(wp_workqueue *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->count;
    pthread_mutex_unlock(&q->mu);
    return n;
}

void wp_workqueue_stats_get(wp_workqueue *q, wp_workqueue_stats *out)
{
    pthread_mutex_lock(&q->mu);
    *out = q->stats;
    out->depth = q->count;
    out->delayed = q->heap_len;
    pthread_mutex_unlock(&q->mu);
}

/* --- workers ------------------------------------------------------------------------- */

static void *worker(void *p)
{
    wp_workqueue *q = p;
    const char *key;
    while ((key = wp_workqueue_get(q))) {
        double after = 0;
        wp_work_result r = q->fn(q->fn_ctx, key, &after);
        if (r == WP_WORK_RETRY) {
            wp_workqueue_add_rate_limited(q, key);
        } else {
            wp_workqueue_forget(q, key);
            if (r == WP_WORK_REQUEUE_AFTER) wp_workqueue_add_after(q, key, after);
        }
        wp_workqueue_done(q, key);
    }
    return NULL;
}

int wp_workqueue_start(wp_workqueue *q, int n, wp_workqueue_fn fn, void *ctx)
{
    if (q->threads || n <= 0) return -1;
    q->fn = fn;
    q->fn_ctx = ctx;
    q->threads = wp_xalloc_check(calloc((size_t)n, sizeof *q->threads));
    for (int i = 0; i < n; i++) {
        if (pthread_create(&q->threads[i], NULL, worker, q) != 0) return -1;
        q->n_threads++;
    }
    return 0;
}

void wp_workqueue_shutdown(wp_workqueue *q, bool drain)
{
    pthread_mutex_lock(&q->mu);
    q->shutting_down = true;
    q->draining = drain;
    while (q->heap_len) free(heap_pop(q)); /* delayed keys are dropped */
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->mu);
    for (int i = 0; i < q->n_threads; i++) pthread_join(q->threads[i], NULL);
    q->n_threads = 0;
}
