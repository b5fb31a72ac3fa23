/* Hook event dispatch. See hook_dispatch.h. */
#include "controller/plugin/hook_dispatch.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/verdict.h"
#include "controller/plugin/plugin_ctx.h"

#define FIRST_RETRY_MS 50

typedef struct item {
    struct item *next;
    wp_plugin_instance *inst;
    char *s[6]; /* event, namespace, sandbox, pod_ip, claim, json (owned) */
    size_t json_len;
    unsigned attempt;
    int64_t deadline_ns, not_before_ns, delay_ms;
    wp_plugin_hook_done_fn done;
    void *arg;
} item;

struct wp_hook_dispatch {
    pthread_mutex_t mu;
    pthread_cond_t work_cv, drained_cv;
    item *items;
    size_t pending; /* queued + being called */
    bool stopping;
    pthread_t *threads;
    int n_threads;
};

static void item_free(item *it)
{
    for (int i = 0; i < 6; i++) free(it->s[i]);
    free(it);
}

/* The eligible item with the earliest not_before, unlinked; or NULL and
 * *wake_ns set to when the next one becomes eligible (0: none queued). */
static item *take_eligible(wp_hook_dispatch *d, int64_t now, int64_t *wake_ns)
{
    item **best = NULL;
    *wake_ns = 0;
    for (item **pp = &d->items; *pp; pp = &(*pp)->next)
        if (!best || (*pp)->not_before_ns < (*best)->not_before_ns) best = pp;
    if (!best) return NULL;
    if ((*best)->not_before_ns > now) {
        *wake_ns = (*best)->not_before_ns;
        return NULL;
    }
    item *it = *best;
    *best = it->next;
    return it;
}

static void settle(wp_hook_dispatch *d, item *it, int status, const char *message)
{
    if (it->done) it->done(it->arg, wp_plugin_instance_name(it->inst), status, message, it->attempt);
    item_free(it);
    pthread_mutex_lock(&d->mu);
    if (--d->pending == 0) pthread_cond_broadcast(&d->drained_cv);
    pthread_mutex_unlock(&d->mu);
}

static void deliver(wp_hook_dispatch *d, item *it)
{
    int64_t now = wp_plugin_now_ns();
    int64_t left_ms = (it->deadline_ns - now) / 1000000;
    wp_plugin_call c = {.op = WP_PLUGIN_OP_HOOK, .event = it->s[0], .namespace_ = it->s[1],
                        .sandbox = it->s[2], .pod_ip = it->s[3], .claim = it->s[4],
                        .input = it->s[5], .input_len = it->json_len, .attempt = it->attempt,
                        .deadline_ms = left_ms > 0 ? left_ms : 1};
    int st = wp_plugin_instance_call(it->inst, &c);
    now = wp_plugin_now_ns();
    if (st == WP_PLUGIN_RETRY && now + it->delay_ms * 1000000 < it->deadline_ns && !d->stopping) {
        it->attempt++;
        it->not_before_ns = now + it->delay_ms * 1000000;
        it->delay_ms *= 2;
        pthread_mutex_lock(&d->mu);
        it->next = d->items;
        d->items = it;
        pthread_cond_signal(&d->work_cv);
        pthread_mutex_unlock(&d->mu);
        return;
    }
    settle(d, it, st, c.message);
}

static void *dispatch_main(void *arg)
{
    wp_hook_dispatch *d = arg;
    pthread_mutex_lock(&d->mu);
    for (;;) {
        int64_t wake;
        item *it = take_eligible(d, wp_plugin_now_ns(), &wake);
        if (it) {
            pthread_mutex_unlock(&d->mu);
            deliver(d, it);
            pthread_mutex_lock(&d->mu);
            continue;
        }
        if (d->stopping && !d->items) break;
        if (wake) {
            struct timespec ts = wp_plugin_timespec(wake);
            pthread_cond_timedwait(&d->work_cv, &d->mu, &ts);
        } else {
            pthread_cond_wait(&d->work_cv, &d->mu);
        }
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

wp_hook_dispatch *wp_hook_dispatch_start(int threads)
{
    wp_hook_dispatch *d = wp_xalloc_check(calloc(1, sizeof *d));
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->work_cv, &ca);
    pthread_cond_init(&d->drained_cv, &ca);
    pthread_condattr_destroy(&ca);
    d->threads = wp_xalloc_check(calloc((size_t)threads, sizeof *d->threads));
    for (int i = 0; i < threads; i++)
        if (pthread_create(&d->threads[i], NULL, dispatch_main, d) == 0) d->n_threads++;
    return d;
}

static char *dup_or_empty(const char *s, size_t n)
{
    char *p = wp_xalloc_check(malloc(n + 1));
    if (n) memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void wp_hook_dispatch_submit(wp_hook_dispatch *d, wp_plugin_instance *inst,
                             const wp_plugin_host_event *ev, wp_plugin_hook_done_fn done, void *arg)
{
    item *it = wp_xalloc_check(calloc(1, sizeof *it));
    const char *src[5] = {ev->event, ev->namespace_, ev->sandbox, ev->pod_ip, ev->claim};
    for (int i = 0; i < 5; i++) it->s[i] = dup_or_empty(src[i], src[i] ? strlen(src[i]) : 0);
    it->json_len = ev->json ? ev->json_len : 0;
    it->s[5] = dup_or_empty(ev->json, it->json_len);
    it->inst = inst;
    it->attempt = 1;
    it->not_before_ns = wp_plugin_now_ns();
    it->deadline_ns = it->not_before_ns + wp_plugin_instance_deadline_ms(inst) * 1000000;
    it->delay_ms = FIRST_RETRY_MS;
    it->done = done;
    it->arg = arg;
    pthread_mutex_lock(&d->mu);
    it->next = d->items;
    d->items = it;
    d->pending++;
    pthread_cond_signal(&d->work_cv);
    pthread_mutex_unlock(&d->mu);
}

bool wp_hook_dispatch_drain(wp_hook_dispatch *d, int64_t timeout_ms)
{
    int64_t until = wp_plugin_now_ns() + timeout_ms * 1000000;
    struct timespec ts = wp_plugin_timespec(until);
    pthread_mutex_lock(&d->mu);
    while (d->pending > 0)
        if (pthread_cond_timedwait(&d->drained_cv, &d->mu, &ts) == ETIMEDOUT) break;
    bool drained = d->pending == 0;
    pthread_mutex_unlock(&d->mu);
    return drained;
}

void wp_hook_dispatch_stop(wp_hook_dispatch *d)
{
    if (!d) return;
    pthread_mutex_lock(&d->mu);
    d->stopping = true;
    /* Waiting retries are settled now rather than after their backoff. */
    for (item *it = d->items; it; it = it->next) it->not_before_ns = 0;
    pthread_cond_broadcast(&d->work_cv);
    pthread_mutex_unlock(&d->mu);
    for (int i = 0; i < d->n_threads; i++) pthread_join(d->threads[i], NULL);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->work_cv);
    pthread_cond_destroy(&d->drained_cv);
    free(d->threads);
    free(d);
}
