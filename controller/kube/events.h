/* An event recorder: core/v1 Events about objects, written in the
 * background, aggregated and rate-limited (client-go's EventRecorder and
 * EventCorrelator are the model).
 *
 * - wp_events_record() only queues (bounded: when the queue is full the
 *   event is dropped and counted) — a reconciler never waits for the API.
 * - Repeats of the same event (same object, type, reason and message) are
 *   aggregated: the first creates an Event with count 1; later ones PATCH
 *   its count and lastTimestamp (or create it again if it was deleted). A
 *   local LRU remembers the Events written.
 * - A spam filter per involved object (a token bucket, by default 25 events
 *   then one per 5 minutes, as client-go) keeps one misbehaving object from
 *   flooding the API.
 *
 * Thread-safe. */
#ifndef WP_EVENTS_H
#define WP_EVENTS_H

#include <jansson.h>
#include <stddef.h>

#include "controller/kube/kube_client.h"

typedef struct wp_events wp_events;

#define WP_EVENT_NORMAL "Normal"
#define WP_EVENT_WARNING "Warning"
#define WP_EVENTS_MAX_MESSAGE 1024

/* Zero means the default. */
typedef struct {
    const char *component;  /* source.component / reportingComponent (required) */
    const char *host;       /* source.host / reportingInstance (optional) */
    size_t cache_size;      /* LRU entries for aggregation and spam filtering; default 4096 */
    size_t queue_size;      /* events waiting to be written; default 1000 */
    int burst;              /* per object; default 25 */
    double qps;             /* per object refill; default 1/300 */
    /* Write events.k8s.io/v1 Events (regarding, note, action, eventTime,
     * reportingController = component, reportingInstance = host; repeats
     * bump series.count) instead of core/v1 ones, as controller-runtime's
     * recorder does. host is then required by the API. */
    bool events_v1;
} wp_events_opts;

/* The object an event is about. Borrowed strings. */
typedef struct {
    const char *api_version;
    const char *kind;
    const char *namespace;  /* NULL/"" for cluster-scoped objects */
    const char *name;
    const char *uid;
    const char *resource_version;
} wp_events_ref;

/* Fills ref from an object's apiVersion, kind and metadata (borrowed from obj). */
void wp_events_ref_from_json(const json_t *obj, wp_events_ref *ref);

/* A recorder writing through c (borrowed; must outlive it). Starts its
 * writer thread. Returns NULL when opts has no component. */
wp_events *wp_events_new(wp_kube_client *c, const wp_events_opts *opts);
/* Writes what is queued (up to `drain_seconds`), stops and frees. */
void wp_events_free(wp_events *r, double drain_seconds);

/* Queues an event. type: WP_EVENT_NORMAL or WP_EVENT_WARNING; reason: a
 * CamelCase word; the message is printf-formatted and cut at
 * WP_EVENTS_MAX_MESSAGE bytes. */
void wp_events_record(wp_events *r, const wp_events_ref *obj, const char *type, const char *reason,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The same with an action (events.k8s.io/v1 `action`: what was done,
 * "Reconciling", "Adoption"; core/v1 Events have no such field and drop it).
 * wp_events_record in events_v1 mode uses the reason as the action, as
 * client-go's adapter does. */
void wp_events_record_action(wp_events *r, const wp_events_ref *obj, const char *type, const char *reason,
                             const char *action, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Waits until everything queued so far was written or dropped (at most
 * timeout seconds). Returns 0, or -1 on timeout. */
int wp_events_flush(wp_events *r, double timeout);

typedef struct {
    unsigned long recorded;    /* wp_events_record calls */
    unsigned long created;     /* Events created (POST) */
    unsigned long aggregated;  /* repeats written as a count PATCH */
    unsigned long spam_dropped;/* dropped by the per-object filter */
    unsigned long queue_dropped;/* dropped because the queue was full */
    unsigned long failed;      /* writes the API refused or that failed */
} wp_events_stats;

void wp_events_stats_get(wp_events *r, wp_events_stats *out);

#endif
