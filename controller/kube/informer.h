/* Informers: keep a store in step with the API server by listing, then
 * watching, one resource (client-go's reflector + shared informer).
 *
 * One thread per informer:
 *   list (paged) → store, handlers get add/update, and after a relist a
 *   delete for every object that vanished (client-go's Replace);
 *   watch from the list's resourceVersion with bookmarks; each event goes
 *   to the store and then to the handlers;
 *   the watch ends (server timeout, dropped connection, garbage): resume
 *   from the last resourceVersion seen; 410 Gone (HTTP or an ERROR event):
 *   relist; repeated failures back off exponentially with jitter, capped.
 * An optional resync thread periodically calls on_update(obj, obj) for
 * every cached object so reconcilers revisit everything.
 *
 * Handlers run one at a time (never concurrently with each other), after
 * the store was updated, and must be quick: typically they enqueue a key. */
#ifndef WP_INFORMER_H
#define WP_INFORMER_H

#include <stdbool.h>

#include "controller/kube/kube_client.h"
#include "controller/kube/store.h"

typedef struct wp_informer wp_informer;

/* Items are borrowed for the call (wp_store_item_ref to keep). */
typedef struct {
    void (*on_add)(void *ctx, wp_store_item *obj);
    void (*on_update)(void *ctx, wp_store_item *old, wp_store_item *cur);
    void (*on_delete)(void *ctx, wp_store_item *last);
    void *ctx;
} wp_informer_handlers;

#define WP_INFORMER_MAX_HANDLERS 8

/* Zero means the default. */
typedef struct {
    const wp_kube_kind *kind;     /* required */
    const char *namespace;        /* NULL/"": all namespaces */
    const char *label_selector;
    const char *field_selector;
    wp_store_config store;        /* indexes and field filter of the cache */
    long page_size;               /* list page size; default 500 */
    long watch_timeout;           /* server-side watch timeout drawn from [t, 2t]; default 300 s */
    double idle_timeout;          /* client-side watch idle limit; default watch timeout + 30 s */
    double resync_period;         /* seconds; 0 = no resync */
    double backoff_initial;       /* default 0.8 s (client-go's reflector) */
    double backoff_max;           /* default 30 s */
} wp_informer_config;

/* An informer for cfg on client c (both borrowed; c must outlive it).
 * Strings in cfg are copied. Returns NULL when cfg->kind is NULL. */
wp_informer *wp_informer_new(wp_kube_client *c, const wp_informer_config *cfg);
/* Registers handlers (copied). Before start only; -1 when full or started. */
int wp_informer_add_handlers(wp_informer *inf, const wp_informer_handlers *h);
/* Starts the thread(s). -1 when already started, stopped before (an
 * informer runs once), or a thread failed. */
int wp_informer_start(wp_informer *inf);
/* True once the first list completed. */
bool wp_informer_has_synced(wp_informer *inf);
/* Waits up to timeout seconds for the first list. */
bool wp_informer_wait_synced(wp_informer *inf, double timeout);
/* Stops at once (cancels the watch or list in flight) and joins. */
void wp_informer_stop(wp_informer *inf);
/* Stops if running, then frees. */
void wp_informer_free(wp_informer *inf);
/* The cache (borrowed; lives as long as the informer). */
wp_store *wp_informer_store(wp_informer *inf);

typedef struct {
    unsigned long lists;          /* complete (re)lists */
    unsigned long list_failures;
    unsigned long watches;        /* watch requests started */
    unsigned long watch_failures; /* watches that ended with an error (not a server timeout) */
    unsigned long relists_gone;   /* relists caused by 410 Gone */
    unsigned long events;         /* ADDED/MODIFIED/DELETED applied */
    unsigned long bookmarks;
    unsigned long rejected;       /* events whose object had no usable name */
    wp_kube_rc last_error;
    char last_resource_version[64];
} wp_informer_stats;

void wp_informer_stats_get(wp_informer *inf, wp_informer_stats *out);

#endif
