/* File-driven reloads. See reloader.h. */
#include "webhook/reloader.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"

static void fmt_time(time_t t, char *out, size_t size)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void log_pair(const char *msg, const wp_tls_pair *p)
{
    char not_after[32];
    fmt_time(p->not_after, not_after, sizeof not_after);
    wp_log(WP_LOG_INFO, msg, "serial", p->serial, "subject", p->subject, "notAfter", not_after, NULL);
    time_t now = time(NULL);
    if (now > p->not_after || now < p->not_before)
        wp_log(WP_LOG_WARN, "serving certificate is not valid now", "serial", p->serial,
               "notAfter", not_after, NULL);
}

/* Builds and installs the object for one watch from fresh contents.
 * Returns 0 or -1 with err filled. */
static int install(wp_reloader *r, wp_watch_id id, wp_file_content *c, bool initial, char *err,
                   size_t err_size)
{
    char inner[256];
    wp_watch *w = &r->watches[id];
    switch (id) {
    case WP_WATCH_PAIR: {
        wp_tls_pair *p = wp_tls_pair_from_pem(c[0].data, c[0].len, c[1].data, c[1].len, inner,
                                              sizeof inner);
        if (!p) {
            snprintf(err, err_size, "%s, %s: %s", w->files[0].path, w->files[1].path, inner);
            return -1;
        }
        wp_gauge_set(r->metrics->cert_expiry, (double)p->not_after);
        log_pair(initial ? "serving certificate loaded" : "serving certificate reloaded", p);
        wp_live_set_pair(r->live, p);
        return 0;
    }
    case WP_WATCH_CLIENT_CA: {
        wp_tls_trust *t = wp_tls_trust_from_pem(c[0].data, c[0].len, inner, sizeof inner);
        if (!t) {
            snprintf(err, err_size, "%s: %s", w->files[0].path, inner);
            return -1;
        }
        char n[16];
        snprintf(n, sizeof n, "%u", t->n_cas);
        wp_log(WP_LOG_INFO, initial ? "client CA bundle loaded" : "client CA bundle reloaded",
               "file", w->files[0].path, "certificates", n, NULL);
        wp_live_set_trust(r->live, t);
        return 0;
    }
    case WP_WATCH_CONFIG: {
        /* Built from the content the watch read (a regular file, read
         * without blocking), never by opening the path again. */
        char name[300];
        snprintf(name, sizeof name, "--config %s", w->files[0].path);
        wp_config *cfg = wp_config_from_text(name, c[0].data, c[0].len, err, err_size);
        if (!cfg) return -1;
        wp_log(WP_LOG_INFO, initial ? "rule configuration loaded" : "rule configuration reloaded",
               "file", w->files[0].path, NULL);
        wp_live_set_config(r->live, cfg);
        return 0;
    }
    default:
        return -1;
    }
}

static wp_metric *reload_counter(wp_reloader *r, wp_watch_id id, wp_reload_result result)
{
    switch (id) {
    case WP_WATCH_PAIR: return r->metrics->cert_reloads[result];
    case WP_WATCH_CLIENT_CA: return r->metrics->client_ca_reloads[result];
    default: return r->metrics->config_reloads[result];
    }
}

int wp_reloader_init(wp_reloader *r, const wp_webhook_options *o, wp_live *live,
                     wp_webhook_metrics *metrics, char *err, size_t err_size)
{
    memset(r, 0, sizeof *r);
    r->live = live;
    r->metrics = metrics;
    const char *pair[] = {o->tls_cert_file, o->tls_key_file};
    const char *ca[] = {o->client_ca_file};
    const char *config[] = {o->config};
    const char *const *paths[WP_WATCH__COUNT] = {pair, ca, config};
    static const char *const pair_flags[] = {"tls-cert-file", "tls-key-file"};
    static const char *const ca_flags[] = {"client-ca-file"};
    static const char *const config_flags[] = {"config"};
    static const char *const *const flags[WP_WATCH__COUNT] = {pair_flags, ca_flags, config_flags};
    size_t counts[WP_WATCH__COUNT] = {2, 1, 1};
    r->active[WP_WATCH_PAIR] = true;
    r->active[WP_WATCH_CLIENT_CA] = o->client_ca_file && *o->client_ca_file;
    r->active[WP_WATCH_CONFIG] = o->config && *o->config;
    if (!r->active[WP_WATCH_CONFIG]) wp_live_set_config(live, wp_config_new_default());
    for (int id = 0; id < WP_WATCH__COUNT; id++) {
        if (!r->active[id]) continue;
        wp_file_content c[2];
        if (wp_watch_init(&r->watches[id], paths[id], flags[id], counts[id]) != 0) {
            snprintf(err, err_size, "out of memory");
            return -1;
        }
        if (wp_watch_read(&r->watches[id], c, err, err_size) != 0) return -1;
        int rc = install(r, (wp_watch_id)id, c, true, err, err_size);
        wp_watch_contents_free(c, counts[id]);
        if (rc != 0) return -1;
    }
    return 0;
}

static void poll_one(wp_reloader *r, wp_watch_id id)
{
    wp_file_content c[2];
    char err[512];
    int changed = wp_watch_poll(&r->watches[id], c, err, sizeof err);
    if (changed < 0) {
        /* Mid-update a file may vanish for a moment; say so once. */
        if (strcmp(err, r->last_error[id]) != 0)
            wp_log(WP_LOG_WARN, "cannot read a watched file; keeping the current version", "error", err, NULL);
        snprintf(r->last_error[id], sizeof r->last_error[id], "%s", err);
        return;
    }
    r->last_error[id][0] = '\0';
    if (changed == 0) return;
    int rc = install(r, id, c, false, err, sizeof err);
    wp_watch_contents_free(c, r->watches[id].n);
    wp_counter_inc(reload_counter(r, id, rc == 0 ? WP_RELOAD_SUCCESS : WP_RELOAD_FAILURE));
    if (rc != 0) wp_log(WP_LOG_ERROR, "reload refused; keeping the current version", "error", err, NULL);
}

void wp_reloader_poll(wp_reloader *r)
{
    for (int id = 0; id < WP_WATCH__COUNT; id++) {
        if (r->active[id]) poll_one(r, (wp_watch_id)id);
    }
}

/* CLOCK_MONOTONIC now + ms, for pthread_cond_timedwait on r->cond. */
static struct timespec deadline_in(long long ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000;
    if (t.tv_nsec >= 1000000000) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000;
    }
    return t;
}

/* The reload thread: polls every interval, or at once when woken. */
static void *reload_thread(void *arg)
{
    wp_reloader *r = arg;
    pthread_mutex_lock(&r->lock);
    while (!r->stopping) {
        struct timespec until = deadline_in(r->interval_ms);
        while (!r->stopping && !r->wake) {
            if (pthread_cond_timedwait(&r->cond, &r->lock, &until) == ETIMEDOUT) break;
        }
        r->wake = false;
        if (r->stopping) break;
        pthread_mutex_unlock(&r->lock);
        wp_reloader_poll(r);
        pthread_mutex_lock(&r->lock);
    }
    r->stopped = true;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

int wp_reloader_start(wp_reloader *r, long long interval_ms)
{
    r->interval_ms = interval_ms;
    if (!r->sync_ready) {
        pthread_condattr_t attr;
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&r->cond, &attr);
        pthread_condattr_destroy(&attr);
        pthread_mutex_init(&r->lock, NULL);
        r->sync_ready = true;
    }
    r->wake = r->stopping = r->stopped = false; /* a stopped reloader may start again */
    if (pthread_create(&r->thread, NULL, reload_thread, r) != 0) return -1;
    r->running = true;
    return 0;
}

void wp_reloader_wake(wp_reloader *r)
{
    if (!r->running) return;
    pthread_mutex_lock(&r->lock);
    r->wake = true;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

bool wp_reloader_stop(wp_reloader *r, long long wait_ms)
{
    if (!r->running) return true;
    struct timespec until = deadline_in(wait_ms);
    pthread_mutex_lock(&r->lock);
    r->stopping = true;
    pthread_cond_broadcast(&r->cond);
    while (!r->stopped) {
        if (pthread_cond_timedwait(&r->cond, &r->lock, &until) == ETIMEDOUT) break;
    }
    bool stopped = r->stopped;
    pthread_mutex_unlock(&r->lock);
    if (!stopped) return false; /* still inside a read: left running, never freed */
    pthread_join(r->thread, NULL);
    r->running = false;
    return true;
}

void wp_reloader_free(wp_reloader *r)
{
    if (r->sync_ready) {
        pthread_cond_destroy(&r->cond);
        pthread_mutex_destroy(&r->lock);
    }
    for (int id = 0; id < WP_WATCH__COUNT; id++) wp_watch_free(&r->watches[id]);
    memset(r, 0, sizeof *r);
}
