/* The manager. See manager.h. */
#include "controller/manager.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/verdict.h"
#include "controller/history.h"
#include "controller/keys.h"
#include "controller/kube/kube_time.h"
#include "controller/kube/leader.h"
#include "controller/metrics.h"

/* Where one cache's events go: each running reconciler watching it. */
typedef struct {
    wp_rec *rec;
    wp_ctl_watch_fn fn;
} route;

typedef struct {
    route routes[WP_CTL__COUNT * 4];
    size_t n;
} dispatch;

struct wp_manager {
    wp_manager_config cfg;
    wp_ctl ctl;
    wp_rec recs[WP_CTL__COUNT];
    dispatch dispatch[WP_CACHE__COUNT];
    wp_leader *leader;
    char *event_host;

    pthread_mutex_t mu;
    pthread_cond_t cond;     /* leading, synced or stopping changed */
    bool leading, stopping, started, workers_started;
    pthread_t runner;
};

/* --- informer events → watch hooks ------------------------------------------- */

static void on_add(void *ctx, wp_store_item *obj)
{
    dispatch *d = ctx;
    for (size_t i = 0; i < d->n; i++) d->routes[i].fn(d->routes[i].rec, NULL, obj);
}

static void on_update(void *ctx, wp_store_item *old, wp_store_item *cur)
{
    dispatch *d = ctx;
    for (size_t i = 0; i < d->n; i++) d->routes[i].fn(d->routes[i].rec, old, cur);
}

static void on_delete(void *ctx, wp_store_item *last)
{
    dispatch *d = ctx;
    for (size_t i = 0; i < d->n; i++) d->routes[i].fn(d->routes[i].rec, last, NULL);
}

/* --- workers ---------------------------------------------------------------------- */

/* Every reconcile goes through here: timing and controller-runtime metrics. */
static wp_work_result run_reconcile(void *ctx, const char *key, double *after)
{
    wp_rec *r = ctx;
    double waited = wp_workqueue_last_wait();
    double t0 = wp_kube_monotonic();
    wp_ctl_metrics_workers(r->ctl->metrics, r->def->name, 1, -1);
    wp_work_result res = r->def->reconcile(r, key, after);
    double took = wp_kube_monotonic() - t0;
    wp_ctl_metrics_workers(r->ctl->metrics, r->def->name, -1, -1);
    wp_ctl_metrics_reconcile(r->ctl->metrics, r->def->name, res, took);
    wp_ctl_metrics_work(r->ctl->metrics, r->def->name, waited, took);
    return res;
}

static void start_workers(wp_manager *m)
{
    for (int id = 0; id < WP_CTL__COUNT; id++) {
        wp_rec *r = m->ctl.recs[id];
        if (!r) continue;
        wp_ctl_metrics_workers(m->ctl.metrics, r->def->name, 0, r->workers);
        if (wp_workqueue_start(r->queue, r->workers, run_reconcile, r) != 0)
            wp_log(WP_LOG_ERROR, "could not start workers", "controller", r->def->name, NULL);
    }
    wp_log(WP_LOG_INFO, "workers started", NULL);
}

static bool all_synced(wp_manager *m)
{
    for (int i = 0; i < WP_CACHE__COUNT; i++)
        if (m->ctl.informers[i] && !wp_informer_has_synced(m->ctl.informers[i])) return false;
    return true;
}

/* Waits for the caches, then for leadership, then starts the workers. */
static void *runner(void *p)
{
    wp_manager *m = p;
    for (int i = 0; i < WP_CACHE__COUNT; i++) {
        while (m->ctl.informers[i] && !wp_informer_wait_synced(m->ctl.informers[i], 0.2)) {
            pthread_mutex_lock(&m->mu);
            bool stop = m->stopping;
            pthread_mutex_unlock(&m->mu);
            if (stop) return NULL;
        }
    }
    wp_log(WP_LOG_INFO, "caches synced", NULL);
    pthread_mutex_lock(&m->mu);
    while (!m->stopping && !m->leading) pthread_cond_wait(&m->cond, &m->mu);
    if (!m->stopping) {
        start_workers(m);
        m->workers_started = true;
    }
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

/* --- leadership ------------------------------------------------------------------------ */

static void set_leading(wp_manager *m, bool leading)
{
    atomic_store(&m->ctl.writable, leading);
    wp_ctl_metrics_leader(m->ctl.metrics, leading);
    pthread_mutex_lock(&m->mu);
    m->leading = leading;
    bool stopping = m->stopping;
    pthread_cond_broadcast(&m->cond);
    pthread_mutex_unlock(&m->mu);
    if (!leading && !stopping && m->cfg.on_lost_lease) m->cfg.on_lost_lease(m->cfg.ctx);
}

static void started_leading(void *ctx)
{
    wp_log(WP_LOG_INFO, "leading", NULL);
    set_leading(ctx, true);
}

static void stopped_leading(void *ctx)
{
    wp_log(WP_LOG_WARN, "stopped leading", NULL);
    set_leading(ctx, false);
}

static void new_leader(void *ctx, const char *identity)
{
    (void)ctx;
    wp_log(WP_LOG_INFO, "leader observed", "identity", identity, NULL);
}

/* --- building ---------------------------------------------------------------------------- */

static int init_rec(wp_manager *m, const wp_reconciler *def, char *err, size_t err_size)
{
    wp_rec *r = &m->recs[def->id];
    r->ctl = &m->ctl;
    r->def = def;
    r->queue = wp_workqueue_new(NULL);
    r->workers = m->cfg.workers[def->id] > 0 ? m->cfg.workers[def->id] : def->default_workers;
    char instance[512]; /* upstream's reportingInstance: <controller>-<hostname> */
    snprintf(instance, sizeof instance, "%s-%s", def->reporter, m->event_host);
    wp_events_opts eo = {.component = def->reporter, .host = instance, .events_v1 = true};
    r->recorder = m->cfg.client ? wp_events_new(m->cfg.client, &eo) : NULL;
    m->ctl.recs[def->id] = r;
    if (def->init && def->init(r, err, err_size) != 0) return -1;
    return 0;
}

static void add_routes(wp_manager *m, const wp_reconciler *def)
{
    wp_rec *r = &m->recs[def->id];
    for (size_t i = 0; i < def->n_watches; i++) {
        dispatch *d = &m->dispatch[def->watches[i].cache];
        if (d->n < sizeof d->routes / sizeof *d->routes) d->routes[d->n++] = (route){r, def->watches[i].on_event};
        else wp_log(WP_LOG_ERROR, "too many watches on one cache; one dropped", "controller", def->name, NULL);
    }
}

static unsigned caches_needed(const wp_reconciler *def)
{
    unsigned bits = def->caches | WP_CACHE_BIT(def->id); /* its own kind */
    for (size_t i = 0; i < def->n_watches; i++) bits |= WP_CACHE_BIT(def->watches[i].cache);
    return bits;
}

static void create_informers(wp_manager *m, unsigned caches)
{
    for (int i = 0; i < WP_CACHE__COUNT; i++) {
        if (!(caches & WP_CACHE_BIT(i))) continue;
        wp_informer_config ic = {
            .kind = wp_ctl_cache_kind((wp_cache_id)i),
            .namespace = m->cfg.opts.namespace,
            .store = *wp_ctl_cache_config((wp_cache_id)i),
        };
        wp_informer *inf = wp_informer_new(m->cfg.client, &ic);
        wp_informer_handlers h = {on_add, on_update, on_delete, &m->dispatch[i]};
        wp_informer_add_handlers(inf, &h);
        m->ctl.informers[i] = inf;
        m->ctl.stores[i] = wp_informer_store(inf);
    }
}

static char *hostname_dup(void)
{
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    return wp_xalloc_check(strdup(host));
}

wp_manager *wp_manager_new(const wp_manager_config *cfg, char *err, size_t err_size)
{
    wp_manager *m = wp_xalloc_check(calloc(1, sizeof *m));
    m->cfg = *cfg;
    if (!m->cfg.controllers) m->cfg.controllers = ~0u;
    if (!m->cfg.lease_name) m->cfg.lease_name = WP_LEASE_NAME_DEFAULT;
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cond, NULL);
    m->ctl.client = cfg->client;
    m->ctl.plugins = cfg->plugins;
    m->ctl.history = wp_history_queue_new(&m->ctl);
    m->ctl.opts = cfg->opts;
    wp_ctl_options_defaults(&m->ctl.opts);
    m->event_host = hostname_dup();
    if (cfg->registry) {
        wp_ctl_build_info bi = {.git_commit = cfg->build_commit};
        m->ctl.metrics = wp_ctl_metrics_new(cfg->registry, &m->ctl, &bi);
    }
    unsigned caches = 0;
    for (size_t i = 0; wp_reconcilers[i]; i++) {
        const wp_reconciler *def = wp_reconcilers[i];
        if (!(m->cfg.controllers & (1u << def->id))) continue;
        if (init_rec(m, def, err, err_size) != 0) {
            wp_manager_free(m);
            return NULL;
        }
        add_routes(m, def);
        caches |= caches_needed(def);
    }
    create_informers(m, caches);
    if (cfg->leader_elect) {
        wp_leader_config lc = {
            .namespace = cfg->lease_namespace,
            .name = m->cfg.lease_name,
            .lease_duration = cfg->lease_duration,
            .renew_deadline = cfg->renew_deadline,
            .retry_period = cfg->retry_period,
            .on_started_leading = started_leading,
            .on_stopped_leading = stopped_leading,
            .on_new_leader = new_leader,
            .ctx = m,
        };
        m->leader = wp_leader_new(cfg->client, &lc, err, err_size);
        if (!m->leader) {
            wp_manager_free(m);
            return NULL;
        }
    }
    return m;
}

int wp_manager_start(wp_manager *m, char *err, size_t err_size)
{
    for (int i = 0; i < WP_CACHE__COUNT; i++) {
        if (m->ctl.informers[i] && wp_informer_start(m->ctl.informers[i]) != 0) {
            snprintf(err, err_size, "could not start the %s informer", wp_ctl_cache_kind((wp_cache_id)i)->plural);
            return -1;
        }
    }
    if (m->leader) {
        if (wp_leader_start(m->leader) != 0) {
            snprintf(err, err_size, "could not start leader election");
            return -1;
        }
    } else {
        set_leading(m, true);
    }
    if (pthread_create(&m->runner, NULL, runner, m) != 0) {
        snprintf(err, err_size, "could not start the runner thread");
        return -1;
    }
    m->started = true;
    return 0;
}

bool wp_manager_synced(wp_manager *m) { return all_synced(m); }

bool wp_manager_leading(wp_manager *m) { return atomic_load(&m->ctl.writable); }

bool wp_manager_ready(wp_manager *m)
{
    return all_synced(m); /* a synced standby is ready: it takes over as soon as it leads */
}

wp_ctl *wp_manager_ctl(wp_manager *m) { return &m->ctl; }

void wp_manager_stop(wp_manager *m)
{
    pthread_mutex_lock(&m->mu);
    bool was_stopping = m->stopping;
    m->stopping = true;
    pthread_cond_broadcast(&m->cond);
    pthread_mutex_unlock(&m->mu);
    if (was_stopping) return;
    if (m->started) pthread_join(m->runner, NULL);
    for (int id = 0; id < WP_CTL__COUNT; id++)
        if (m->ctl.recs[id]) wp_workqueue_shutdown(m->ctl.recs[id]->queue, false);
    atomic_store(&m->ctl.writable, false);
    if (m->leader) wp_leader_stop(m->leader); /* releases the Lease */
    for (int i = 0; i < WP_CACHE__COUNT; i++)
        if (m->ctl.informers[i]) wp_informer_stop(m->ctl.informers[i]);
    for (int id = 0; id < WP_CTL__COUNT; id++)
        if (m->ctl.recs[id] && m->ctl.recs[id]->recorder) wp_events_flush(m->ctl.recs[id]->recorder, 2);
    wp_history_queue_stop(m->ctl.history); /* queued records into the spool */
}

void wp_manager_free(wp_manager *m)
{
    if (!m) return;
    wp_manager_stop(m);
    for (int id = 0; id < WP_CTL__COUNT; id++) {
        wp_rec *r = m->ctl.recs[id];
        if (!r) continue;
        if (r->def->destroy) r->def->destroy(r);
        wp_workqueue_free(r->queue);
        if (r->recorder) wp_events_free(r->recorder, 0);
    }
    wp_leader_free(m->leader);
    for (int i = 0; i < WP_CACHE__COUNT; i++) wp_informer_free(m->ctl.informers[i]);
    wp_ctl_metrics_free(m->ctl.metrics);
    wp_history_queue_free(m->ctl.history);
    free(m->event_host);
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cond);
    free(m);
}
