/* Metrics and health endpoint. See metrics_server.h. */
#include "webhook/metrics_server.h"

#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "webhook/conn_limit.h"
#include "webhook/listen_addr.h"

/* Scrapers and probes need few connections, but kubelet restarts the pod
 * when its probes go unanswered, so idle connections must not be able to
 * take every slot: one address holds at most MAX_PER_ADDRESS, and a
 * connection that sends nothing is closed after TIMEOUT_SECONDS.
 * MAX_CONNECTIONS stays within the descriptors kept back for this server
 * (conn_limit.h). */
#define MAX_CONNECTIONS WP_METRICS_MAX_CONNECTIONS
#define MAX_PER_ADDRESS 16
#define TIMEOUT_SECONDS 5

struct wp_metrics_server {
    wp_metrics *registry;
    struct MHD_Daemon *daemon;
    char address[80];
    _Atomic bool ready;
};

static enum MHD_Result reply(struct MHD_Connection *mc, unsigned status, const char *type,
                             void *body, size_t len, enum MHD_ResponseMemoryMode mode,
                             const char *allow)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
    if (!r) {
        if (mode == MHD_RESPMEM_MUST_FREE) free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (allow) MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    enum MHD_Result ok = MHD_queue_response(mc, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result text(struct MHD_Connection *mc, unsigned status, const char *msg,
                            const char *allow)
{
    return reply(mc, status, "text/plain; charset=utf-8", (void *)msg, strlen(msg),
                 MHD_RESPMEM_PERSISTENT, allow);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    (void)version; (void)upload_data; (void)upload_data_size; (void)req_cls;
    wp_metrics_server *s = cls;
    bool known = strcmp(url, "/metrics") == 0 || strcmp(url, "/healthz") == 0 ||
                 strcmp(url, "/readyz") == 0;
    if (!known) return text(mc, 404, "not found; try /metrics, /healthz or /readyz\n", NULL);
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return text(mc, 405, "method not allowed\n", "GET, HEAD");
    if (strcmp(url, "/healthz") == 0) return text(mc, 200, "ok\n", NULL);
    if (strcmp(url, "/readyz") == 0) {
        return atomic_load(&s->ready) ? text(mc, 200, "ok\n", NULL)
                                      : text(mc, 503, "not ready\n", NULL);
    }
    size_t len;
    char *body = wp_metrics_render(s->registry, &len);
    if (!body) return text(mc, 500, "out of memory\n", NULL);
    return reply(mc, 200, WP_METRICS_CONTENT_TYPE, body, len, MHD_RESPMEM_MUST_FREE, NULL);
}

wp_metrics_server *wp_metrics_server_start(const char *addr, wp_metrics *registry, char *err,
                                           size_t err_size)
{
    wp_metrics_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    s->registry = registry;
    int fd = wp_listen_socket(addr, 64, s->address, sizeof s->address, err, err_size);
    if (fd < 0) {
        free(s);
        return NULL;
    }
    s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL,
                                 on_request, s, MHD_OPTION_LISTEN_SOCKET, fd,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
                                 MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)MAX_PER_ADDRESS,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)TIMEOUT_SECONDS,
                                 MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, err_size, "cannot start the metrics server on %s", s->address);
        close(fd);
        free(s);
        return NULL;
    }
    return s;
}

void wp_metrics_server_set_ready(wp_metrics_server *s, bool ready) { atomic_store(&s->ready, ready); }

const char *wp_metrics_server_address(const wp_metrics_server *s) { return s->address; }

void wp_metrics_server_stop(wp_metrics_server *s)
{
    if (!s) return;
    MHD_stop_daemon(s->daemon);
    free(s);
}
