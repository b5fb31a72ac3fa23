/* Inside the client: one HTTP exchange with retries, rate limit and
 * credentials. Used by the verbs (kube_verbs.c) and watches (kube_watch.c);
 * not part of the public API. */
#ifndef WP_KUBE_TRANSPORT_H
#define WP_KUBE_TRANSPORT_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

#include "controller/kube/kube_client.h"

/* Receives the body of a 2xx response as it arrives (watches). Returns
 * false to abort the transfer (the reason is the sink's to remember). */
typedef bool (*wp_kube_sink_fn)(void *ctx, const char *data, size_t n);

typedef struct {
    const char *method;       /* "GET", "POST", ... */
    const char *path;         /* path and query */
    const char *content_type; /* for a body */
    const char *body;
    size_t body_len;
    wp_kube_cancel *cancel;
    wp_kube_sink_fn sink;     /* NULL: buffer the body */
    void *sink_ctx;
    double idle_timeout;      /* > 0: a streaming request with no total timeout */
    double timeout;           /* > 0: this attempt's limit instead of the client's */
    bool no_retry;            /* one attempt only (the caller has its own schedule) */
} wp_kube_http_request;

/* Runs rq. Fills resp (caller frees resp->body, also on error) and err.
 * Returns OK for 2xx. */
wp_kube_rc wp_kube_http(wp_kube_client *c, const wp_kube_http_request *rq, wp_kube_response *resp,
                        wp_kube_error *err);

/* Sends body (NULL: none) as JSON and decodes a JSON object answer, with
 * the limits of `tmpl` (cancel, timeout, no_retry; its method, path and
 * body fields are ignored). Returns a new reference or NULL with err. */
json_t *wp_kube_call_json(wp_kube_client *c, const char *method, const char *path, const char *content_type,
                          const json_t *body, const wp_kube_http_request *tmpl, wp_kube_error *err);

/* Registers/unregisters a running multi handle with a cancel token so that
 * firing wakes it. Return false from register when already fired. */
bool wp_kube_cancel_attach(wp_kube_cancel *t, CURLM *multi);
void wp_kube_cancel_detach(wp_kube_cancel *t, CURLM *multi);

#endif
