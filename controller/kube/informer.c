/* List-then-watch loop feeding a store and handlers. See informer.h. */
#include "controller/kube/informer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/verdict.h"
#include "controller/kube/kube_time.h"
#include "controller/kube/ratelimit.h"

/* A watch that ends by itself sooner than this without delivering anything
 * counts as a failure, so a server that closes every watch at once is not
 * hammered in a tight loop. */
#define MIN_HEALTHY_WATCH_SECONDS 1.0

struct wp_informer {
    wp_kube_client *client;
    wp_informer_config cfg;     /* strings below owned */
    char *ns, *label_selector, *field_selector;
    wp_store *store;
    wp_informer_handlers handlers[WP_INFORMER_MAX_HANDLERS];
    int n_handlers;

    wp_kube_cancel *cancel;
    pthread_t thread, resync_thread;
    bool started, resync_started;

    /* Handlers run under notify_mu: the loop and the resync thread take
     * turns, so handlers never run concurrently. */
    pthread_mutex_t notify_mu;

    pthread_mutex_t mu;         /* guards what follows */
    pthread_cond_t synced_cond; /* CLOCK_MONOTONIC */
    bool synced;
    char last_rv[64];
    wp_informer_stats stats;

    /* per-watch scratch, loop thread only */
    unsigned long watch_events;
};

static char *dup_or_null(const char *s) { return s && *s ? wp_xalloc_check(strdup(s)) : NULL; }

wp_informer *wp_informer_new(wp_kube_client *c, const wp_informer_config *cfg)
{
    if (!cfg || !cfg->kind) return NULL;
    wp_informer *inf = wp_xalloc_check(calloc(1, sizeof *inf));
    inf->client = c;
    inf->cfg = *cfg;
    inf->ns = dup_or_null(cfg->namespace);
    inf->label_selector = dup_or_null(cfg->label_selector);
    inf->field_selector = dup_or_null(cfg->field_selector);
    inf->cfg.namespace = inf->ns;
    inf->cfg.label_selector = inf->label_selector;
    inf->cfg.field_selector = inf->field_selector;
    if (inf->cfg.page_size <= 0) inf->cfg.page_size = 500;
    if (inf->cfg.watch_timeout <= 0) inf->cfg.watch_timeout = 300;
    if (inf->cfg.backoff_initial <= 0) inf->cfg.backoff_initial = 0.8;
    if (inf->cfg.backoff_max <= 0) inf->cfg.backoff_max = 30;
    inf->store = wp_store_new(&cfg->store);
    inf->cancel = wp_kube_cancel_new();
    pthread_mutex_init(&inf->notify_mu, NULL);
    pthread_mutex_init(&inf->mu, NULL);
    wp_kube_cond_init(&inf->synced_cond);
    return inf;
}

int wp_informer_add_handlers(wp_informer *inf, const wp_informer_handlers *h)
{
    if (inf->started || inf->n_handlers == WP_INFORMER_MAX_HANDLERS) return -1;
    inf->handlers[inf->n_handlers++] = *h;
    return 0;
}

wp_store *wp_informer_store(wp_informer *inf) { return inf->store; }

/* --- notifications (caller holds notify_mu) ------------------------------------ */

static void notify_add(wp_informer *inf, wp_store_item *cur)
{
    for (int i = 0; i < inf->n_handlers; i++)
        if (inf->handlers[i].on_add) inf->handlers[i].on_add(inf->handlers[i].ctx, cur);
}

static void notify_update(wp_informer *inf, wp_store_item *old, wp_store_item *cur)
{
    for (int i = 0; i < inf->n_handlers; i++)
        if (inf->handlers[i].on_update) inf->handlers[i].on_update(inf->handlers[i].ctx, old, cur);
}

static void notify_delete(wp_informer *inf, wp_store_item *last)
{
    for (int i = 0; i < inf->n_handlers; i++)
        if (inf->handlers[i].on_delete) inf->handlers[i].on_delete(inf->handlers[i].ctx, last);
}

/* Stores obj and tells the handlers what changed. */
static void apply_upsert(wp_informer *inf, const wp_jval *obj)
{
    wp_store_item *old, *cur;
    pthread_mutex_lock(&inf->notify_mu);
    wp_store_result r = wp_store_upsert(inf->store, obj, inf->cfg.kind->namespaced, &old, &cur);
    if (r == WP_STORE_ADDED) notify_add(inf, cur);
    else if (r == WP_STORE_UPDATED) notify_update(inf, old, cur);
    pthread_mutex_unlock(&inf->notify_mu);
    wp_store_item_unref(old);
    wp_store_item_unref(cur);
    if (r == WP_STORE_REJECTED) {
        pthread_mutex_lock(&inf->mu);
        inf->stats.rejected++;
        pthread_mutex_unlock(&inf->mu);
    }
}

static void apply_delete(wp_informer *inf, const wp_jval *obj)
{
    pthread_mutex_lock(&inf->notify_mu);
    wp_store_item *last = wp_store_delete_object(inf->store, obj, inf->cfg.kind->namespaced);
    if (last) notify_delete(inf, last);
    pthread_mutex_unlock(&inf->notify_mu);
    wp_store_item_unref(last);
}

static void remember_rv(wp_informer *inf, const char *rv)
{
    if (!rv || !*rv) return;
    pthread_mutex_lock(&inf->mu);
    snprintf(inf->last_rv, sizeof inf->last_rv, "%s", rv);
    pthread_mutex_unlock(&inf->mu);
}

/* --- list ---------------------------------------------------------------------------- */

static int on_list_item(void *ctx, const wp_jval *item)
{
    apply_upsert(ctx, item);
    return 0;
}

/* Lists everything into the store; afterwards objects the list did not
 * contain are removed and reported deleted. */
static wp_kube_rc relist(wp_informer *inf)
{
    wp_store_replace_begin(inf->store);
    wp_kube_list_opts opts = {.label_selector = inf->label_selector, .field_selector = inf->field_selector,
                              .limit = inf->cfg.page_size, .cancel = inf->cancel};
    char *rv = NULL;
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    wp_kube_rc rc = wp_kube_list_each(inf->client, inf->cfg.kind, inf->ns, &opts, on_list_item, inf, &rv, &err);
    wp_kube_error_clear(&err);
    if (rc == WP_KUBE_OK) {
        size_t n;
        pthread_mutex_lock(&inf->notify_mu);
        wp_store_item **gone = wp_store_replace_finish(inf->store, &n);
        for (size_t i = 0; i < n; i++) notify_delete(inf, gone[i]);
        pthread_mutex_unlock(&inf->notify_mu);
        wp_store_items_free(gone, n);
        remember_rv(inf, rv);
    }
    free(rv);
    pthread_mutex_lock(&inf->mu);
    if (rc == WP_KUBE_OK) {
        inf->stats.lists++;
        if (!inf->synced) {
            inf->synced = true;
            pthread_cond_broadcast(&inf->synced_cond);
        }
    } else if (rc != WP_KUBE_ECANCELED) {
        inf->stats.list_failures++;
        inf->stats.last_error = rc;
    }
    pthread_mutex_unlock(&inf->mu);
    return rc;
}

/* --- watch --------------------------------------------------------------------------- */

static int on_event(void *ctx, const wp_kube_jevent *ev)
{
    wp_informer *inf = ctx;
    const char *rv = wp_jval_str(wp_jval_path(ev->object, "metadata", "resourceVersion", NULL));
    switch (ev->type) {
    case WP_KUBE_ADDED:
    case WP_KUBE_MODIFIED: apply_upsert(inf, ev->object); break;
    case WP_KUBE_DELETED: apply_delete(inf, ev->object); break;
    default: break; /* BOOKMARK: only the resourceVersion matters */
    }
    remember_rv(inf, rv);
    inf->watch_events++;
    pthread_mutex_lock(&inf->mu);
    if (ev->type == WP_KUBE_BOOKMARK) inf->stats.bookmarks++;
    else inf->stats.events++;
    pthread_mutex_unlock(&inf->mu);
    return 0;
}

static wp_kube_rc watch_once(wp_informer *inf, double *lasted)
{
    char rv[64];
    pthread_mutex_lock(&inf->mu);
    snprintf(rv, sizeof rv, "%s", inf->last_rv);
    inf->stats.watches++;
    pthread_mutex_unlock(&inf->mu);
    long t = inf->cfg.watch_timeout;
    /* spread reconnects: every informer asks for a different timeout */
    wp_kube_watch_opts opts = {.label_selector = inf->label_selector, .field_selector = inf->field_selector,
                               .resource_version = rv, .allow_bookmarks = true,
                               .timeout_seconds = t + (long)(wp_kube_random() * (double)t),
                               .idle_timeout = inf->cfg.idle_timeout, .cancel = inf->cancel};
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    inf->watch_events = 0;
    double start = wp_kube_monotonic();
    wp_kube_rc rc = wp_kube_watch_jdoc(inf->client, inf->cfg.kind, inf->ns, &opts, on_event, inf, &err);
    *lasted = wp_kube_monotonic() - start;
    wp_kube_error_clear(&err);
    if (rc != WP_KUBE_OK && rc != WP_KUBE_ECANCELED) {
        pthread_mutex_lock(&inf->mu);
        inf->stats.watch_failures++;
        inf->stats.last_error = rc;
        if (rc == WP_KUBE_EGONE) inf->stats.relists_gone++;
        pthread_mutex_unlock(&inf->mu);
    }
    return rc;
}

static void *run(void *p)
{
    wp_informer *inf = p;
    wp_kube_backoff backoff = {.initial = inf->cfg.backoff_initial, .max = inf->cfg.backoff_max, .jitter = 1.0,
                               .reset_after = 120};
    bool need_list = true;
    while (!wp_kube_cancel_fired(inf->cancel)) {
        double delay = 0;
        if (need_list) {
            wp_kube_rc rc = relist(inf);
            if (rc == WP_KUBE_ECANCELED) break;
            if (rc == WP_KUBE_OK) need_list = false;
            else delay = wp_kube_backoff_next(&backoff, wp_kube_monotonic());
        } else {
            double lasted;
            wp_kube_rc rc = watch_once(inf, &lasted);
            if (rc == WP_KUBE_ECANCELED) break;
            bool healthy = rc == WP_KUBE_OK && (inf->watch_events > 0 || lasted >= MIN_HEALTHY_WATCH_SECONDS);
            if (rc == WP_KUBE_EGONE) {
                /* too old to resume: relist, at once the first time, with
                 * backoff when it keeps happening */
                need_list = true;
                double d = wp_kube_backoff_next(&backoff, wp_kube_monotonic());
                if (backoff.failures > 1) delay = d;
            } else if (healthy) {
                wp_kube_backoff_reset(&backoff);
            } else {
                delay = wp_kube_backoff_next(&backoff, wp_kube_monotonic());
            }
        }
        if (delay > 0 && wp_kube_cancel_sleep(inf->cancel, delay)) break;
    }
    return NULL;
}

/* --- resync ---------------------------------------------------------------------------- */

static void *resync(void *p)
{
    wp_informer *inf = p;
    while (!wp_kube_cancel_sleep(inf->cancel, inf->cfg.resync_period)) {
        if (!wp_informer_has_synced(inf)) continue;
        size_t n;
        wp_store_item **all = wp_store_list(inf->store, &n);
        pthread_mutex_lock(&inf->notify_mu);
        for (size_t i = 0; i < n; i++) notify_update(inf, all[i], all[i]);
        pthread_mutex_unlock(&inf->notify_mu);
        wp_store_items_free(all, n);
    }
    return NULL;
}

int wp_informer_start(wp_informer *inf)
{
    if (inf->started || wp_kube_cancel_fired(inf->cancel)) return -1; /* a stopped informer stays stopped */
    if (pthread_create(&inf->thread, NULL, run, inf) != 0) return -1;
    inf->started = true;
    if (inf->cfg.resync_period > 0) {
        if (pthread_create(&inf->resync_thread, NULL, resync, inf) != 0) return -1;
        inf->resync_started = true;
    }
    return 0;
}

bool wp_informer_has_synced(wp_informer *inf)
{
    pthread_mutex_lock(&inf->mu);
    bool s = inf->synced;
    pthread_mutex_unlock(&inf->mu);
    return s;
}

bool wp_informer_wait_synced(wp_informer *inf, double timeout)
{
    double deadline = wp_kube_monotonic() + timeout;
    pthread_mutex_lock(&inf->mu);
    while (!inf->synced && wp_kube_cond_wait_until(&inf->synced_cond, &inf->mu, deadline)) {
    }
    bool s = inf->synced;
    pthread_mutex_unlock(&inf->mu);
    return s;
}

void wp_informer_stop(wp_informer *inf)
{
    wp_kube_cancel_fire(inf->cancel);
    if (inf->started) pthread_join(inf->thread, NULL);
    if (inf->resync_started) pthread_join(inf->resync_thread, NULL);
    inf->started = inf->resync_started = false;
}

void wp_informer_free(wp_informer *inf)
{
    if (!inf) return;
    wp_informer_stop(inf);
    wp_store_free(inf->store);
    wp_kube_cancel_free(inf->cancel);
    pthread_cond_destroy(&inf->synced_cond);
    pthread_mutex_destroy(&inf->mu);
    pthread_mutex_destroy(&inf->notify_mu);
    free(inf->ns);
    free(inf->label_selector);
    free(inf->field_selector);
    free(inf);
}

void wp_informer_stats_get(wp_informer *inf, wp_informer_stats *out)
{
    pthread_mutex_lock(&inf->mu);
    *out = inf->stats;
    snprintf(out->last_resource_version, sizeof out->last_resource_version, "%s", inf->last_rv);
    pthread_mutex_unlock(&inf->mu);
}
