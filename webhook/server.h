/* The admission server: HTTPS on --listen with /validate, /mutate and
 * /healthz, on libmicrohttpd's epoll event loop (one thread per core, no
 * thread per request). */
#ifndef WP_SERVER_H
#define WP_SERVER_H

#include <stddef.h>

#include "webhook/flags.h"
#include "webhook/live.h"
#include "webhook/webhook_metrics.h"

typedef struct wp_server wp_server;


/* Binds opts->listen and starts serving with the pair, trust and config in
 * live (which must outlive the server, as must metrics). Returns the
 * server, or NULL with err filled. */
wp_server *wp_server_start(const wp_webhook_options *opts, wp_live *live,
                           wp_webhook_metrics *metrics, char *err, size_t err_size);

/* The address actually bound ("127.0.0.1:40123"). */
const char *wp_server_address(const wp_server *s);

/* Admission connections held at most: --max-connections, or what the
 * open-file limit (raised to its hard limit at start) allows. */
unsigned wp_server_max_connections(const wp_server *s);

/* Stops accepting connections; requests already received are answered,
 * with "Connection: close" from now on. */
void wp_server_quiesce(wp_server *s);

/* Requests received but not yet fully answered. */
int wp_server_in_flight(const wp_server *s);

/* Closes every connection and frees the server. */
void wp_server_stop(wp_server *s);

#endif
