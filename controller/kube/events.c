/* The event recorder. See events.h. */
#include "controller/kube/events.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/verdict.h"
#include "controller/kube/kube_map.h"
#include "controller/kube/kube_time.h"
#include "controller/kube/ratelimit.h"

/* --- a small LRU of keyed records (writer thread only) -------------------------- */

typedef struct lru_node {
    struct lru_node *prev, *next;
    /* aggregation records */
    char *event_name, *event_ns;
    long count;
    /* spam-filter records */
    double tokens, last;
    char key[];
} lru_node;

typedef struct {
    wp_kube_map map;
    lru_node *head, *tail; /* most recent first */
    size_t cap;
} lru;

static const char *node_key(const void *e) { return ((const lru_node *)e)->key; }

static void lru_unlink(lru *l, lru_node *n)
{
    if (n->prev) n->prev->next = n->next;
    else l->head = n->next;
    if (n->next) n->next->prev = n->prev;
    else l->tail = n->prev;
    n->prev = n->next = NULL;
}

static void lru_push_front(lru *l, lru_node *n)
{
    n->next = l->head;
    if (l->head) l->head->prev = n;
    l->head = n;
    if (!l->tail) l->tail = n;
}

static void node_free(lru_node *n)
{
    free(n->event_name);
    free(n->event_ns);
    free(n);
}

/* The record for key, made most recent; created (evicting the least
 * recent) when absent, with *created set. */
static lru_node *lru_touch(lru *l, const char *key, bool *created)
{
    lru_node *n = wp_kube_map_get(&l->map, key);
    *created = n == NULL;
    if (n) {
        lru_unlink(l, n);
    } else {
        if (l->map.len >= l->cap && l->tail) {
            lru_node *old = l->tail;
            lru_unlink(l, old);
            wp_kube_map_remove(&l->map, old->key);
            node_free(old);
        }
        size_t len = strlen(key) + 1;
        n = wp_xalloc_check(calloc(1, sizeof *n + len));
        memcpy(n->key, key, len);
        wp_kube_map_put(&l->map, n);
    }
    lru_push_front(l, n);
    return n;
}

static void lru_clear(lru *l)
{
    for (lru_node *n = l->head, *next; n; n = next) {
        next = n->next;
        node_free(n);
    }
    wp_kube_map_destroy(&l->map);
    l->head = l->tail = NULL;
}

/* --- the recorder ---------------------------------------------------------------- */

typedef struct pending {
    struct pending *next;
    json_t *involved; /* involvedObject */
    char *ns, *type, *reason, *action, *message;
    double when;      /* wall clock */
} pending;

struct wp_events {
    wp_kube_client *client;
    wp_events_opts opts;
    char *component, *host;

    pthread_mutex_t mu;
    pthread_cond_t cond; /* work arrived, stop, or queue drained */
    pending *first, *last;
    size_t queued;
    bool busy;           /* the writer holds an event */
    bool stopping;
    wp_events_stats stats;
    pthread_t thread;

    lru aggregate, spam; /* writer thread only */
};

static char *dup_or_empty(const char *s) { return wp_xalloc_check(strdup(s ? s : "")); }

void wp_events_ref_from_json(const json_t *obj, wp_events_ref *ref)
{
    const json_t *meta = json_object_get(obj, "metadata");
    ref->api_version = json_string_value(json_object_get(obj, "apiVersion"));
    ref->kind = json_string_value(json_object_get(obj, "kind"));
    ref->namespace = json_string_value(json_object_get(meta, "namespace"));
    ref->name = json_string_value(json_object_get(meta, "name"));
    ref->uid = json_string_value(json_object_get(meta, "uid"));
    ref->resource_version = json_string_value(json_object_get(meta, "resourceVersion"));
}

static void *writer(void *p);

wp_events *wp_events_new(wp_kube_client *c, const wp_events_opts *opts)
{
    if (!opts || !opts->component || !*opts->component) return NULL;
    wp_events *r = wp_xalloc_check(calloc(1, sizeof *r));
    r->client = c;
    r->opts = *opts;
    if (!r->opts.cache_size) r->opts.cache_size = 4096;
    if (!r->opts.queue_size) r->opts.queue_size = 1000;
    if (r->opts.burst <= 0) r->opts.burst = 25;
    if (r->opts.qps <= 0) r->opts.qps = 1.0 / 300;
    r->component = dup_or_empty(opts->component);
    r->host = opts->host ? dup_or_empty(opts->host) : NULL;
    r->opts.component = r->component;
    r->opts.host = r->host;
    wp_kube_map_init(&r->aggregate.map, node_key);
    wp_kube_map_init(&r->spam.map, node_key);
    r->aggregate.cap = r->spam.cap = r->opts.cache_size;
    pthread_mutex_init(&r->mu, NULL);
    wp_kube_cond_init(&r->cond);
    pthread_create(&r->thread, NULL, writer, r);
    return r;
}

static void pending_free(pending *e)
{
    json_decref(e->involved);
    free(e->ns);
    free(e->type);
    free(e->reason);
    free(e->action);
    free(e->message);
    free(e);
}

static void record(wp_events *r, const wp_events_ref *obj, const char *type, const char *reason,
                   const char *action, const char *message);

void wp_events_record(wp_events *r, const wp_events_ref *obj, const char *type, const char *reason,
                      const char *fmt, ...)
{
    char message[WP_EVENTS_MAX_MESSAGE + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    record(r, obj, type, reason, NULL, message);
}

void wp_events_record_action(wp_events *r, const wp_events_ref *obj, const char *type, const char *reason,
                             const char *action, const char *fmt, ...)
{
    char message[WP_EVENTS_MAX_MESSAGE + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    record(r, obj, type, reason, action, message);
}

static void record(wp_events *r, const wp_events_ref *obj, const char *type, const char *reason,
                   const char *action, const char *message)
{
    pending *e = wp_xalloc_check(calloc(1, sizeof *e));
    e->involved = json_pack("{s:s, s:s, s:s}", "kind", obj->kind ? obj->kind : "", "name",
                            obj->name ? obj->name : "", "apiVersion", obj->api_version ? obj->api_version : "");
    if (obj->namespace && *obj->namespace) json_object_set_new(e->involved, "namespace", json_string(obj->namespace));
    if (obj->uid && *obj->uid) json_object_set_new(e->involved, "uid", json_string(obj->uid));
    if (obj->resource_version && *obj->resource_version)
        json_object_set_new(e->involved, "resourceVersion", json_string(obj->resource_version));
    /* events about cluster-scoped objects live in "default", as kubectl shows them */
    e->ns = dup_or_empty(obj->namespace && *obj->namespace ? obj->namespace : "default");
    e->type = dup_or_empty(type);
    e->reason = dup_or_empty(reason);
    e->action = dup_or_empty(action);
    e->message = dup_or_empty(message);
    e->when = wp_kube_wallclock();
    pthread_mutex_lock(&r->mu);
    r->stats.recorded++;
    if (r->queued >= r->opts.queue_size || r->stopping) {
        r->stats.queue_dropped++;
        pthread_mutex_unlock(&r->mu);
        pending_free(e);
        return;
    }
    if (r->last) r->last->next = e;
    else r->first = e;
    r->last = e;
    r->queued++;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->mu);
}

/* --- writing (writer thread) ---------------------------------------------------------- */

static void count_stat(wp_events *r, unsigned long *field)
{
    pthread_mutex_lock(&r->mu);
    (*field)++;
    pthread_mutex_unlock(&r->mu);
}

/* The per-object spam filter: true when the event may be written. */
static bool spam_allows(wp_events *r, const pending *e)
{
    wp_sb key = WP_SB_INIT;
    wp_sb_printf(&key, "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", r->component, r->host ? r->host : "",
                 json_string_value(json_object_get(e->involved, "kind")), e->ns,
                 json_string_value(json_object_get(e->involved, "name")),
                 json_string_value(json_object_get(e->involved, "uid")) ? json_string_value(json_object_get(e->involved, "uid")) : "");
    bool created;
    lru_node *n = lru_touch(&r->spam, key.s, &created);
    wp_sb_free(&key);
    double now = wp_kube_monotonic();
    if (created) {
        n->tokens = r->opts.burst;
        n->last = now;
    }
    n->tokens += (now - n->last) * r->opts.qps;
    if (n->tokens > r->opts.burst) n->tokens = r->opts.burst;
    n->last = now;
    if (n->tokens < 1) return false;
    n->tokens -= 1;
    return true;
}

static char *aggregate_key(const wp_events *r, const pending *e)
{
    wp_sb key = WP_SB_INIT;
    char *involved = json_dumps(e->involved, JSON_COMPACT | JSON_SORT_KEYS);
    wp_sb_printf(&key, "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", r->component, involved, e->type, e->reason, e->action,
                 e->message);
    free(involved);
    return wp_sb_finish(&key);
}

static const wp_kube_kind *event_kind(const wp_events *r)
{
    return wp_kube_kind_get(r->opts.events_v1 ? WP_KIND_EVENT_V1 : WP_KIND_EVENT);
}

/* An events.k8s.io/v1 Event: eventTime is a MicroTime; a count above one
 * (an Event re-created after it expired) goes into series. */
static json_t *event_v1(const wp_events *r, const pending *e, const char *name, long count)
{
    char ts[WP_KUBE_TIME_LEN];
    wp_kube_time_format_micro(e->when, ts);
    json_t *ev = json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:s, s:s, s:O, s:s, s:s, s:s}", "apiVersion",
                           "events.k8s.io/v1", "kind", "Event", "metadata", "name", name, "namespace", e->ns,
                           "eventTime", ts, "reportingController", r->component, "reportingInstance",
                           r->host ? r->host : r->component, "regarding", e->involved, "reason", e->reason,
                           "note", e->message, "type", e->type);
    /* action is required; without one, client-go's adapter for the old
     * recorder interface uses the reason */
    json_object_set_new(ev, "action", json_string(e->action && *e->action ? e->action : e->reason));
    if (count > 1) json_object_set_new(ev, "series", json_pack("{s:I, s:s}", "count", (json_int_t)count,
                                                               "lastObservedTime", ts));
    return wp_xalloc_check(ev);
}

static bool create_event(wp_events *r, const pending *e, lru_node *n, long count)
{
    char ts[WP_KUBE_TIME_LEN], name[512];
    wp_kube_time_format(e->when, ts);
    /* client-go's naming: the object's name and the time in hex nanoseconds */
    snprintf(name, sizeof name, "%.200s.%llx", json_string_value(json_object_get(e->involved, "name")),
             (unsigned long long)(e->when * 1e9));
    json_t *ev = json_pack("{s:s, s:s, s:{s:s, s:s}, s:O, s:s, s:s, s:s, s:{s:s}, s:s, s:s, s:I, s:s}", "apiVersion",
                           "v1", "kind", "Event", "metadata", "name", name, "namespace", e->ns, "involvedObject",
                           e->involved, "reason", e->reason, "message", e->message, "type", e->type, "source",
                           "component", r->component, "firstTimestamp", ts, "lastTimestamp", ts, "count",
                           (json_int_t)count, "reportingComponent", r->component);
    if (r->host) {
        json_object_set_new(json_object_get(ev, "source"), "host", json_string(r->host));
        json_object_set_new(ev, "reportingInstance", json_string(r->host));
    }
    if (r->opts.events_v1) {
        json_decref(ev);
        ev = event_v1(r, e, name, count);
    }
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *made = wp_kube_create(r->client, event_kind(r), e->ns, ev, &err);
    bool ok = made != NULL;
    if (ok) {
        free(n->event_name);
        free(n->event_ns);
        n->event_name = wp_xalloc_check(strdup(name));
        n->event_ns = wp_xalloc_check(strdup(e->ns));
        n->count = count;
    }
    json_decref(made);
    json_decref(ev);
    wp_kube_error_clear(&err);
    return ok;
}

/* A repeat: bump the existing Event's count. Returns false when the Event
 * is gone (the caller creates it again). */
static bool patch_event(wp_events *r, const pending *e, lru_node *n, bool *failed)
{
    char ts[WP_KUBE_TIME_LEN];
    wp_kube_time_format(e->when, ts);
    json_t *patch = json_pack("{s:I, s:s}", "count", (json_int_t)(n->count + 1), "lastTimestamp", ts);
    if (r->opts.events_v1) {
        json_decref(patch);
        wp_kube_time_format_micro(e->when, ts);
        patch = json_pack("{s:{s:I, s:s}}", "series", "count", (json_int_t)(n->count + 1), "lastObservedTime", ts);
    }
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *out = wp_kube_patch(r->client, event_kind(r), n->event_ns, n->event_name, NULL,
                                WP_KUBE_PATCH_MERGE, patch, &err);
    bool ok = out != NULL;
    if (ok) n->count++;
    *failed = !ok && err.rc != WP_KUBE_ENOTFOUND;
    json_decref(out);
    json_decref(patch);
    wp_kube_error_clear(&err);
    return ok;
}

static void write_event(wp_events *r, const pending *e)
{
    if (!spam_allows(r, e)) {
        count_stat(r, &r->stats.spam_dropped);
        return;
    }
    char *key = aggregate_key(r, e);
    bool created;
    lru_node *n = lru_touch(&r->aggregate, key, &created);
    free(key);
    bool failed = false;
    if (!created && n->event_name && patch_event(r, e, n, &failed)) {
        count_stat(r, &r->stats.aggregated);
        return;
    }
    if (failed) {
        count_stat(r, &r->stats.failed);
        return;
    }
    /* new, or its Event expired: create it (carrying the count seen so far) */
    if (create_event(r, e, n, n->event_name ? n->count + 1 : 1)) count_stat(r, &r->stats.created);
    else count_stat(r, &r->stats.failed);
}

static void *writer(void *p)
{
    wp_events *r = p;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->first && !r->stopping) pthread_cond_wait(&r->cond, &r->mu);
        if (!r->first) break; /* stopping and drained */
        pending *e = r->first;
        r->first = e->next;
        if (!r->first) r->last = NULL;
        r->busy = true;
        pthread_mutex_unlock(&r->mu);
        write_event(r, e);
        pending_free(e);
        pthread_mutex_lock(&r->mu);
        r->busy = false;
        r->queued--;
        pthread_cond_broadcast(&r->cond);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

int wp_events_flush(wp_events *r, double timeout)
{
    double deadline = wp_kube_monotonic() + timeout;
    pthread_mutex_lock(&r->mu);
    while ((r->first || r->busy) && wp_kube_cond_wait_until(&r->cond, &r->mu, deadline)) {
    }
    int rc = r->first || r->busy ? -1 : 0;
    pthread_mutex_unlock(&r->mu);
    return rc;
}

void wp_events_free(wp_events *r, double drain_seconds)
{
    if (!r) return;
    wp_events_flush(r, drain_seconds);
    pthread_mutex_lock(&r->mu);
    r->stopping = true;
    /* what could not be written in time is dropped */
    for (pending *e = r->first, *next; e; e = next) {
        next = e->next;
        pending_free(e);
        r->stats.queue_dropped++;
    }
    r->first = r->last = NULL;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    lru_clear(&r->aggregate);
    lru_clear(&r->spam);
    pthread_cond_destroy(&r->cond);
    pthread_mutex_destroy(&r->mu);
    free(r->component);
    free(r->host);
    free(r);
}

void wp_events_stats_get(wp_events *r, wp_events_stats *out)
{
    pthread_mutex_lock(&r->mu);
    *out = r->stats;
    pthread_mutex_unlock(&r->mu);
}
