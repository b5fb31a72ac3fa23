/* The webhook's metrics (all named warmpool_webhook_*), on top of the
 * generic registry in common/metrics.h.
 *
 * Families with request labels create their children lazily and cache the
 * pointers in fixed arrays indexed by enum, so recording a request is an
 * atomic load plus an atomic add, and /metrics lists only label
 * combinations that actually happened. */
#ifndef WP_WEBHOOK_METRICS_H
#define WP_WEBHOOK_METRICS_H

#include <stdatomic.h>

#include "common/metrics.h"
#include "common/rules.h"

typedef enum { WP_ROUTE_VALIDATE, WP_ROUTE_MUTATE, WP_ROUTE_HEALTHZ, WP_ROUTE_OTHER, WP_ROUTE__COUNT } wp_route;
typedef enum { WP_DECISION_ALLOWED, WP_DECISION_DENIED, WP_DECISION_ERROR, WP_DECISION__COUNT } wp_decision;
typedef enum { WP_RELOAD_SUCCESS, WP_RELOAD_FAILURE, WP_RELOAD__COUNT } wp_reload_result;

#define WP_WEBHOOK_N_KINDS 4 /* wp_kind values */
#define WP_WEBHOOK_N_OPS 5   /* wp_operation values */
#define WP_WEBHOOK_N_CODES 9 /* status codes the server sends, see codes[] */

typedef struct {
    wp_metrics *registry; /* owned */
    wp_metric_family *requests, *responses;
    _Atomic(wp_metric *) request_children[2][WP_WEBHOOK_N_KINDS][WP_WEBHOOK_N_OPS][WP_DECISION__COUNT];
    _Atomic(wp_metric *) response_children[WP_ROUTE__COUNT][WP_WEBHOOK_N_CODES];
    wp_metric *duration[2];            /* by admission route */
    wp_metric *in_flight, *connections, *handshake_errors;
    wp_metric *body_bytes; /* request bodies held in memory (see --max-body-memory) */
    wp_metric *cert_reloads[WP_RELOAD__COUNT], *cert_expiry;
    wp_metric *client_ca_reloads[WP_RELOAD__COUNT];
    wp_metric *config_reloads[WP_RELOAD__COUNT];
} wp_webhook_metrics;

/* Registers every family (plus process_* metrics). Returns 0, or -1 when
 * out of memory. Free with wp_webhook_metrics_free. */
int wp_webhook_metrics_init(wp_webhook_metrics *m);
void wp_webhook_metrics_free(wp_webhook_metrics *m);

/* "validate", "mutate", "healthz", "other". */
const char *wp_route_name(wp_route r);

/* One admission review decided (route is VALIDATE or MUTATE). */
void wp_webhook_metrics_request(wp_webhook_metrics *m, wp_route route, wp_kind kind,
                                wp_operation op, wp_decision decision);
/* One HTTP response sent on the admission port. */
void wp_webhook_metrics_response(wp_webhook_metrics *m, wp_route route, int code);

#endif
