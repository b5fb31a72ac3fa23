/* The plain-HTTP operations endpoint: GET /metrics (Prometheus text
 * format), /healthz (the process is up) and /readyz (ready for traffic:
 * false before the admission server listens and once shutdown began). */
#ifndef WP_METRICS_SERVER_H
#define WP_METRICS_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "common/metrics.h"

typedef struct wp_metrics_server wp_metrics_server;

/* Listens on addr and serves registry (which must outlive the server).
 * Starts not ready. Returns NULL with err filled on failure. */
wp_metrics_server *wp_metrics_server_start(const char *addr, wp_metrics *registry, char *err,
                                           size_t err_size);
void wp_metrics_server_set_ready(wp_metrics_server *s, bool ready);
const char *wp_metrics_server_address(const wp_metrics_server *s);
void wp_metrics_server_stop(wp_metrics_server *s);

#endif
