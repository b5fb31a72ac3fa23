/* A Kubernetes API client (client-go is the model): typed-enough verbs over
 * JSON, watches, client-side rate limiting, retries, connection reuse.
 *
 * Transport: HTTP/1.1 over TLS with libcurl, one persistent connection per
 * pooled handle (docs/kube-client.md says why not HTTP/2). Every request
 * waits for a token of the client's bucket (qps/burst), sends the current
 * credentials (refreshed after a 401), and is retried when that is safe:
 *   - 429: always (the server did not act), after Retry-After;
 *   - 5xx with Retry-After: always (the server asks for it, as client-go obeys);
 *   - other 5xx, broken connections, timeouts: GET only (a read can be
 *     repeated; a write might have been applied);
 *   - could not connect at all: any verb (nothing was sent).
 * A watch is never retried here once its stream started (events would be
 * replayed); informers resume it from the last resourceVersion.
 *
 * Thread-safe: one client serves every thread. Objects passed in are
 * borrowed; objects returned are new references the caller json_decref()s. */
#ifndef WP_KUBE_CLIENT_H
#define WP_KUBE_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/jdoc.h"
#include "controller/kube/kube_error.h"
#include "controller/kube/kube_resource.h"
#include "controller/kube/kubeconfig.h"

typedef struct wp_kube_client wp_kube_client;

/* Zero means "the default" for every field. */
typedef struct {
    double qps;                /* requests per second; default 5 (client-go); < 0 = unlimited */
    int burst;                 /* default 10 */
    double connect_timeout;    /* seconds; default 10 */
    double request_timeout;    /* seconds per attempt (not watches); default 60 */
    int max_retries;           /* retries after the first attempt; default 10; < 0 = none */
    double retry_base;         /* first backoff without Retry-After; default 0.2 s, doubling */
    double retry_max;          /* backoff cap; default 5 s */
    double retry_after_max;    /* a longer Retry-After is cut to this; default 60 s */
    double token_reread;       /* token file re-read period; default 60 s */
    double exec_timeout;       /* exec plugin time limit; default 60 s */
    size_t max_response_bytes; /* default 512 MiB */
    int max_idle_handles;      /* pooled connections kept idle; default 64 */
    bool disable_compression;  /* do not ask for gzip'ed answers (client-go asks by default) */
    const char *user_agent;    /* default "warmpool/<version>" */
} wp_kube_client_opts;

/* A client for cfg (borrowed for the call; the client keeps a copy).
 * opts may be NULL. Returns NULL with err filled (ECONFIG) when the
 * configuration cannot be used. Free with wp_kube_client_free once no
 * request is running. */
wp_kube_client *wp_kube_client_new(const wp_kubeconfig *cfg, const wp_kube_client_opts *opts, wp_kube_error *err);
void wp_kube_client_free(wp_kube_client *c);

/* The configuration's default namespace (borrowed from c). */
const char *wp_kube_client_namespace(const wp_kube_client *c);
/* The server URL (borrowed from c). */
const char *wp_kube_client_server(const wp_kube_client *c);
/* Changes the client-side rate limit (e.g. --kube-api-qps/--kube-api-burst). */
void wp_kube_client_set_rate(wp_kube_client *c, double qps, int burst);

typedef struct {
    unsigned long requests;    /* attempts sent (retries included) */
    unsigned long retries;
    unsigned long connections; /* TCP connections opened */
    unsigned long throttled;   /* attempts that waited for the rate limit */
    double throttled_seconds;  /* total time waited for the rate limit */
} wp_kube_client_stats;

void wp_kube_client_stats_get(wp_kube_client *c, wp_kube_client_stats *out);

/* --- cancellation ---------------------------------------------------------
 * A token that stops long operations (watches, lists, backoff sleeps) from
 * another thread at once. Firing is permanent. */
typedef struct wp_kube_cancel wp_kube_cancel;

wp_kube_cancel *wp_kube_cancel_new(void);   /* caller frees */
void wp_kube_cancel_free(wp_kube_cancel *t);
void wp_kube_cancel_fire(wp_kube_cancel *t);/* thread-safe */
bool wp_kube_cancel_fired(wp_kube_cancel *t);
/* Sleeps up to `seconds`; returns true (early) when the token fires. t may be NULL. */
bool wp_kube_cancel_sleep(wp_kube_cancel *t, double seconds);

/* --- verbs ---------------------------------------------------------------
 * ns: the object's namespace (ignored for cluster-scoped kinds). Each
 * returns a new reference, or NULL with err filled. */

json_t *wp_kube_get(wp_kube_client *c, const wp_kube_kind *kind, const char *ns, const char *name,
                    wp_kube_error *err);
/* GET .../NAME/SUB (e.g. "scale", "status"). */
json_t *wp_kube_get_subresource(wp_kube_client *c, const wp_kube_kind *kind, const char *ns, const char *name,
                                const char *sub, wp_kube_error *err);

typedef struct {
    const char *label_selector;         /* "app=web,tier in (a,b)" */
    const char *field_selector;         /* "metadata.name=x" */
    long limit;                         /* page size; 0 = everything at once */
    const char *continue_token;         /* from the previous page's metadata.continue */
    const char *resource_version;       /* NULL/"" = most recent (a quorum read); "0" = any */
    const char *resource_version_match; /* "NotOlderThan" / "Exact" */
    wp_kube_cancel *cancel;
} wp_kube_list_opts;

/* One page: the List object ({items, metadata:{resourceVersion, continue}}).
 * ns NULL/"" = all namespaces. opts may be NULL. */
json_t *wp_kube_list(wp_kube_client *c, const wp_kube_kind *kind, const char *ns, const wp_kube_list_opts *opts,
                     wp_kube_error *err);

/* Called for each item of each page. The item is borrowed from the page's
 * document and valid only during the call (copy what you keep). Return 0
 * to go on, nonzero to stop (the list then fails with ECANCELED). */
typedef int (*wp_kube_item_fn)(void *ctx, const wp_jval *item);

/* Lists every page (opts->limit per page, continue tokens followed) and
 * calls fn per item. Pages are decoded with common/jdoc (read-only, one
 * arena per page, several times faster than jansson: informers list
 * 100,000 objects this way). On success *resource_version (if not NULL)
 * receives the list's resourceVersion (malloc'd; caller frees). A continue
 * token that expires mid-way fails with EGONE (the caller relists). */
wp_kube_rc wp_kube_list_each(wp_kube_client *c, const wp_kube_kind *kind, const char *ns,
                             const wp_kube_list_opts *opts, wp_kube_item_fn fn, void *ctx,
                             char **resource_version, wp_kube_error *err);

/* POST. ns NULL = obj's metadata.namespace. */
json_t *wp_kube_create(wp_kube_client *c, const wp_kube_kind *kind, const char *ns, const json_t *obj,
                       wp_kube_error *err);
/* PUT to obj's namespace/name. With metadata.resourceVersion set a stale
 * version fails with WP_KUBE_ECONFLICT (optimistic concurrency). */
json_t *wp_kube_update(wp_kube_client *c, const wp_kube_kind *kind, const json_t *obj, wp_kube_error *err);
/* PUT to a subresource ("status", "scale") of obj's namespace/name. */
json_t *wp_kube_update_subresource(wp_kube_client *c, const wp_kube_kind *kind, const json_t *obj,
                                   const char *sub, wp_kube_error *err);

typedef enum {
    WP_KUBE_PATCH_MERGE,     /* application/merge-patch+json (RFC 7386) */
    WP_KUBE_PATCH_JSON,      /* application/json-patch+json (RFC 6902) */
    WP_KUBE_PATCH_STRATEGIC, /* application/strategic-merge-patch+json (built-in kinds only) */
} wp_kube_patch_type;

/* PATCH the object (sub NULL) or a subresource. */
json_t *wp_kube_patch(wp_kube_client *c, const wp_kube_kind *kind, const char *ns, const char *name,
                      const char *sub, wp_kube_patch_type type, const json_t *patch, wp_kube_error *err);

typedef struct {
    const char *precondition_uid;              /* delete only this incarnation */
    const char *precondition_resource_version; /* delete only this version (else ECONFLICT) */
    const char *propagation_policy;            /* "Foreground" | "Background" | "Orphan" | NULL */
    bool has_grace_period;
    long grace_period_seconds;
} wp_kube_delete_opts;

/* DELETE. Returns the server's answer (a Status, or the object while
 * finalizers hold it). opts may be NULL. */
json_t *wp_kube_delete(wp_kube_client *c, const wp_kube_kind *kind, const char *ns, const char *name,
                       const wp_kube_delete_opts *opts, wp_kube_error *err);

/* --- watch ---------------------------------------------------------------- */

typedef enum {
    WP_KUBE_ADDED,
    WP_KUBE_MODIFIED,
    WP_KUBE_DELETED,
    WP_KUBE_BOOKMARK,
    WP_KUBE_ERROR,
} wp_kube_event_type;

typedef struct {
    wp_kube_event_type type;
    json_t *object; /* see the function that hands it out for ownership */
} wp_kube_watch_event;

/* "ADDED", ... */
const char *wp_kube_event_type_name(wp_kube_event_type t);

/* Decodes one line of a watch stream (untrusted): {"type":..,"object":{..}}.
 * Returns 0 with ev->object a new reference (caller decrefs), or -1 with
 * err filled. */
int wp_kube_watch_event_decode(const char *line, size_t len, wp_kube_watch_event *ev, char *err, size_t err_size);

/* Return 0 to go on, nonzero to end the watch (wp_kube_watch returns OK).
 * ev->object is borrowed for the call; incref to keep. */
typedef int (*wp_kube_watch_fn)(void *ctx, const wp_kube_watch_event *ev);

/* The same event decoded with common/jdoc (what informers use: cheaper
 * than jansson per event). object is borrowed for the call. */
typedef struct {
    wp_kube_event_type type;
    const wp_jval *object;
} wp_kube_jevent;

typedef int (*wp_kube_watch_jfn)(void *ctx, const wp_kube_jevent *ev);

/* Decodes one watch line into a new document (*doc: caller frees with
 * wp_jdoc_free; ev->object points into it). Returns 0, or -1 with err. */
int wp_kube_watch_event_decode_jdoc(const char *line, size_t len, wp_jdoc **doc, wp_kube_jevent *ev, char *err,
                                    size_t err_size);

typedef struct {
    const char *label_selector;
    const char *field_selector;
    const char *resource_version; /* start after this version; NULL = now */
    long timeout_seconds;         /* the server ends the watch after this; 0 = its default */
    bool allow_bookmarks;
    double idle_timeout;          /* abort when nothing arrives for this long;
                                   * 0 = timeout_seconds + 30 (or 330 s) */
    wp_kube_cancel *cancel;
} wp_kube_watch_opts;

/* Streams events to fn until the server ends the watch (returns OK: resume
 * from the last resourceVersion seen), fn stops it (OK), the token fires
 * (ECANCELED), the version is too old (EGONE, from an HTTP 410 or an ERROR
 * event with code 410: relist), the stream breaks (ETRANSPORT/ETIMEOUT), or
 * a line is not a watch event (EPROTOCOL). ERROR events never reach fn;
 * they end the watch with their Status in err. */
wp_kube_rc wp_kube_watch(wp_kube_client *c, const wp_kube_kind *kind, const char *ns, const wp_kube_watch_opts *opts,
                         wp_kube_watch_fn fn, void *ctx, wp_kube_error *err);
/* wp_kube_watch with jdoc-decoded events. */
wp_kube_rc wp_kube_watch_jdoc(wp_kube_client *c, const wp_kube_kind *kind, const char *ns,
                              const wp_kube_watch_opts *opts, wp_kube_watch_jfn fn, void *ctx, wp_kube_error *err);

/* --- raw requests --------------------------------------------------------- */

typedef struct {
    long status;
    char *body; /* NUL-terminated, malloc'd: caller frees */
    size_t len;
} wp_kube_response;

/* Any method on any path ("/apis/...?..."), with the client's credentials,
 * limits and retry rules. body may be NULL. Fills *resp whenever a response
 * arrived (caller frees resp->body, also on error). Returns OK for 2xx, the
 * mapped code otherwise (err filled). */
wp_kube_rc wp_kube_request(wp_kube_client *c, const char *method, const char *path, const char *content_type,
                           const char *body, size_t body_len, wp_kube_response *resp, wp_kube_error *err);

#endif
