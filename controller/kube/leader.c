/* Lease-based leader election. See leader.h. */
#include "controller/kube/leader.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/verdict.h"
#include "controller/kube/kube_time.h"
#include "controller/kube/kube_transport.h"
#include "controller/kube/ratelimit.h"

/* client-go's JitterFactor: the renew deadline must leave room for a
 * jittered retry. */
#define RETRY_JITTER 1.2

struct wp_leader {
    wp_kube_client *client;
    wp_leader_config cfg; /* strings below owned */
    char *ns, *name, *identity;
    char *lease_path, *collection_path;
    wp_kube_cancel *cancel;
    pthread_t thread;
    bool started;

    pthread_mutex_t mu;   /* guards leading, last_renew, observed_holder */
    bool leading;
    double last_renew;    /* monotonic */
    char *observed_holder;

    /* election thread only */
    char *observed_record; /* the Lease spec last seen, compact JSON */
    double observed_time;  /* monotonic time it last changed */
};

char *wp_leader_default_identity(void)
{
    const char *pod = getenv("POD_NAME");
    if (pod && *pod) return wp_xalloc_check(strdup(pod));
    char host[256] = "unknown";
    gethostname(host, sizeof host - 1);
    unsigned int suffix = 0;
    if (getrandom(&suffix, sizeof suffix, 0) != (ssize_t)sizeof suffix)
        suffix = (unsigned int)(wp_kube_random() * 4294967295.0);
    char *id = wp_xalloc_check(malloc(strlen(host) + 16));
    sprintf(id, "%s_%08x", host, suffix);
    return id;
}

wp_leader *wp_leader_new(wp_kube_client *c, const wp_leader_config *cfg, char *err, size_t err_size)
{
    wp_leader_config o = *cfg;
    if (o.lease_duration <= 0) o.lease_duration = 15;
    if (o.renew_deadline <= 0) o.renew_deadline = 10;
    if (o.retry_period <= 0) o.retry_period = 2;
    if (!o.namespace || !*o.namespace || !o.name || !*o.name) {
        snprintf(err, err_size, "leader election needs the lease's namespace and name");
        return NULL;
    }
    if (o.lease_duration <= o.renew_deadline) {
        snprintf(err, err_size, "lease duration (%g s) must be longer than the renew deadline (%g s)",
                 o.lease_duration, o.renew_deadline);
        return NULL;
    }
    if (o.renew_deadline <= RETRY_JITTER * o.retry_period) {
        snprintf(err, err_size, "renew deadline (%g s) must be longer than %g x the retry period (%g s)",
                 o.renew_deadline, RETRY_JITTER, o.retry_period);
        return NULL;
    }
    const wp_kube_kind *lease = wp_kube_kind_get(WP_KIND_LEASE);
    char *path = wp_kube_path(lease, o.namespace, o.name, NULL);
    if (!path) {
        snprintf(err, err_size, "lease \"%s/%s\" cannot be addressed", o.namespace, o.name);
        return NULL;
    }
    wp_leader *le = wp_xalloc_check(calloc(1, sizeof *le));
    le->client = c;
    le->cfg = o;
    le->ns = wp_xalloc_check(strdup(o.namespace));
    le->name = wp_xalloc_check(strdup(o.name));
    le->identity = o.identity && *o.identity ? wp_xalloc_check(strdup(o.identity)) : wp_leader_default_identity();
    le->cfg.namespace = le->ns;
    le->cfg.name = le->name;
    le->cfg.identity = le->identity;
    le->lease_path = path;
    le->collection_path = wp_kube_path(lease, o.namespace, NULL, NULL);
    le->cancel = wp_kube_cancel_new();
    le->observed_holder = wp_xalloc_check(strdup(""));
    pthread_mutex_init(&le->mu, NULL);
    return le;
}

const char *wp_leader_identity(const wp_leader *le) { return le->identity; }

bool wp_leader_is_leader(wp_leader *le)
{
    pthread_mutex_lock(&le->mu);
    /* the deadline counts even while the election thread hangs in a request */
    bool yes = le->leading && wp_kube_monotonic() - le->last_renew < le->cfg.renew_deadline;
    pthread_mutex_unlock(&le->mu);
    return yes;
}

char *wp_leader_observed_holder(wp_leader *le)
{
    pthread_mutex_lock(&le->mu);
    char *h = wp_xalloc_check(strdup(le->observed_holder));
    pthread_mutex_unlock(&le->mu);
    return h;
}

/* --- the lease record ---------------------------------------------------------- */

static const char *holder_of(const json_t *spec)
{
    const char *h = json_string_value(json_object_get(spec, "holderIdentity"));
    return h ? h : "";
}

/* Notes the record seen at `now`: its observation time restarts when it
 * changed; the holder is published (and reported when it changed). */
static void observe(wp_leader *le, const json_t *spec, double now)
{
    char *text = json_dumps(spec, JSON_COMPACT | JSON_SORT_KEYS);
    if (!le->observed_record || strcmp(text, le->observed_record) != 0) {
        free(le->observed_record);
        le->observed_record = text;
        le->observed_time = now;
    } else {
        free(text);
    }
    const char *holder = holder_of(spec);
    pthread_mutex_lock(&le->mu);
    bool changed = strcmp(holder, le->observed_holder) != 0;
    if (changed) {
        free(le->observed_holder);
        le->observed_holder = wp_xalloc_check(strdup(holder));
    }
    pthread_mutex_unlock(&le->mu);
    if (changed && *holder && le->cfg.on_new_leader) le->cfg.on_new_leader(le->cfg.ctx, holder);
}

static void set_times(json_t *spec, bool acquire)
{
    char now[WP_KUBE_TIME_LEN];
    wp_kube_time_format_micro(wp_kube_wallclock(), now);
    json_object_set_new(spec, "renewTime", json_string(now));
    if (acquire) json_object_set_new(spec, "acquireTime", json_string(now));
}

static bool create_lease(wp_leader *le, const wp_kube_http_request *limits, double now)
{
    json_t *spec = json_pack("{s:s, s:i, s:i}", "holderIdentity", le->identity, "leaseDurationSeconds",
                             (int)le->cfg.lease_duration, "leaseTransitions", 0);
    set_times(spec, true);
    json_t *lease = json_pack("{s:s, s:s, s:{s:s, s:s}, s:O}", "apiVersion", "coordination.k8s.io/v1", "kind",
                              "Lease", "metadata", "name", le->name, "namespace", le->ns, "spec", spec);
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *made = wp_kube_call_json(le->client, "POST", le->collection_path, "application/json", lease, limits, &err);
    bool ok = made != NULL;
    if (ok) observe(le, spec, now);
    json_decref(made);
    json_decref(lease);
    json_decref(spec);
    wp_kube_error_clear(&err);
    return ok;
}

/* One election step: take or renew the lease. timeout bounds each request. */
static bool try_acquire_or_renew(wp_leader *le, double timeout)
{
    wp_kube_http_request limits = {.cancel = le->cancel, .timeout = timeout, .no_retry = true};
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    double now = wp_kube_monotonic();
    json_t *lease = wp_kube_call_json(le->client, "GET", le->lease_path, NULL, NULL, &limits, &err);
    if (!lease) {
        bool missing = err.rc == WP_KUBE_ENOTFOUND;
        wp_kube_error_clear(&err);
        return missing && create_lease(le, &limits, now);
    }
    json_t *spec = json_object_get(lease, "spec");
    if (!json_is_object(spec)) {
        spec = json_object();
        json_object_set_new(lease, "spec", spec);
    }
    observe(le, spec, now);
    const char *holder = holder_of(spec);
    json_t *dur = json_object_get(spec, "leaseDurationSeconds");
    double duration = json_is_integer(dur) ? (double)json_integer_value(dur) : le->cfg.lease_duration;
    bool mine = strcmp(holder, le->identity) == 0;
    if (*holder && !mine && le->observed_time + duration > now) {
        json_decref(lease);
        return false; /* held by another and not expired */
    }
    if (!mine) {
        json_t *tr = json_object_get(spec, "leaseTransitions");
        json_object_set_new(spec, "leaseTransitions", json_integer(json_is_integer(tr) ? json_integer_value(tr) + 1 : 1));
    }
    json_object_set_new(spec, "holderIdentity", json_string(le->identity));
    json_object_set_new(spec, "leaseDurationSeconds", json_integer((json_int_t)le->cfg.lease_duration));
    set_times(spec, !mine);
    /* the PUT carries the resourceVersion read above: a concurrent writer wins or we do */
    json_t *updated = wp_kube_call_json(le->client, "PUT", le->lease_path, "application/json", lease, &limits, &err);
    bool ok = updated != NULL;
    if (ok) observe(le, spec, wp_kube_monotonic());
    json_decref(updated);
    json_decref(lease);
    wp_kube_error_clear(&err);
    return ok;
}

/* Gives the lease up so a standby need not wait for it to expire. */
static void release(wp_leader *le)
{
    wp_kube_http_request limits = {.timeout = le->cfg.retry_period, .no_retry = true};
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *lease = wp_kube_call_json(le->client, "GET", le->lease_path, NULL, NULL, &limits, &err);
    json_t *spec = json_object_get(lease, "spec");
    if (json_is_object(spec) && strcmp(holder_of(spec), le->identity) == 0) {
        json_object_set_new(spec, "holderIdentity", json_string(""));
        json_object_set_new(spec, "leaseDurationSeconds", json_integer(1));
        set_times(spec, true);
        json_decref(wp_kube_call_json(le->client, "PUT", le->lease_path, "application/json", lease, &limits, &err));
    }
    json_decref(lease);
    wp_kube_error_clear(&err);
}

/* --- the election loop ------------------------------------------------------------ */

static void set_leading(wp_leader *le, bool leading)
{
    pthread_mutex_lock(&le->mu);
    le->leading = leading;
    if (leading) le->last_renew = wp_kube_monotonic();
    pthread_mutex_unlock(&le->mu);
    void (*cb)(void *) = leading ? le->cfg.on_started_leading : le->cfg.on_stopped_leading;
    if (cb) cb(le->cfg.ctx);
}

/* Campaigns until the lease is ours. Returns false when stopped. */
static bool acquire(wp_leader *le)
{
    for (;;) {
        if (try_acquire_or_renew(le, le->cfg.renew_deadline)) return true;
        /* a little jitter keeps standbys apart, yet a released lease is
         * taken within one retry period */
        double wait = le->cfg.retry_period * (0.8 + 0.2 * wp_kube_random());
        if (wp_kube_cancel_sleep(le->cancel, wait)) return false;
    }
}

/* Renews until a renewal misses the deadline (returns true: lost) or the
 * candidate is stopped (false). */
static bool renew(wp_leader *le)
{
    while (!wp_kube_cancel_sleep(le->cancel, le->cfg.retry_period)) {
        pthread_mutex_lock(&le->mu);
        double left = le->last_renew + le->cfg.renew_deadline - wp_kube_monotonic();
        pthread_mutex_unlock(&le->mu);
        if (left <= 0) return true;
        if (try_acquire_or_renew(le, left)) {
            pthread_mutex_lock(&le->mu);
            le->last_renew = wp_kube_monotonic();
            pthread_mutex_unlock(&le->mu);
        } else if (wp_kube_cancel_fired(le->cancel)) {
            return false;
        }
    }
    return false;
}

static void *run(void *p)
{
    wp_leader *le = p;
    while (acquire(le)) {
        set_leading(le, true);
        bool lost = renew(le);
        set_leading(le, false);
        if (!lost) {
            if (!le->cfg.keep_on_stop) release(le);
            break;
        }
        /* lost the lease: campaign again as a standby */
    }
    return NULL;
}

int wp_leader_start(wp_leader *le)
{
    if (le->started || wp_kube_cancel_fired(le->cancel) || pthread_create(&le->thread, NULL, run, le) != 0)
        return -1;
    le->started = true;
    return 0;
}

void wp_leader_stop(wp_leader *le)
{
    wp_kube_cancel_fire(le->cancel);
    if (le->started) pthread_join(le->thread, NULL);
    le->started = false;
}

void wp_leader_free(wp_leader *le)
{
    if (!le) return;
    wp_leader_stop(le);
    wp_kube_cancel_free(le->cancel);
    pthread_mutex_destroy(&le->mu);
    free(le->observed_holder);
    free(le->observed_record);
    free(le->lease_path);
    free(le->collection_path);
    free(le->ns);
    free(le->name);
    free(le->identity);
    free(le);
}
