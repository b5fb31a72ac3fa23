/* The webhook's metric families. See webhook_metrics.h. */
#include "webhook/webhook_metrics.h"

#include <stdio.h>
#include <string.h>

static const int codes[WP_WEBHOOK_N_CODES] = {200, 400, 404, 405, 413, 415, 500, 503, 0};
static const char *const decision_names[WP_DECISION__COUNT] = {"allowed", "denied", "error"};
static const char *const reload_names[WP_RELOAD__COUNT] = {"success", "failure"};

/* Admission latency from 50 µs to 1 s: the target is well under 1 ms, the
 * apiserver's default timeout is 10 s. */
static const double duration_buckets[] = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                          0.005,   0.01,   0.025,   0.05,   0.1,   0.25,
                                          0.5,     1};

const char *wp_route_name(wp_route r)
{
    static const char *const names[WP_ROUTE__COUNT] = {"validate", "mutate", "healthz", "other"};
    return (unsigned)r < WP_ROUTE__COUNT ? names[r] : "other";
}

static int per_result(wp_metrics *reg, const char *name, const char *help,
                      wp_metric *out[WP_RELOAD__COUNT])
{
    static const char *const labels[] = {"result", NULL};
    wp_metric_family *f = wp_metrics_counter(reg, name, help, labels);
    for (int i = 0; f && i < WP_RELOAD__COUNT; i++) {
        const char *v[] = {reload_names[i]};
        out[i] = wp_metric_with(f, v);
        if (!out[i]) return -1;
    }
    return f ? 0 : -1;
}

static wp_metric *single(wp_metric_family *f) { return f ? wp_metric_single(f) : NULL; }

int wp_webhook_metrics_init(wp_webhook_metrics *m)
{
    memset(m, 0, sizeof *m);
    wp_metrics *reg = m->registry = wp_metrics_new();
    if (!reg) return -1;
    static const char *const request_labels[] = {"path", "kind", "operation", "decision", NULL};
    static const char *const response_labels[] = {"path", "code", NULL};
    static const char *const path_label[] = {"path", NULL};
    static const char *const version_label[] = {"version", NULL};
    m->requests = wp_metrics_counter(reg, "warmpool_webhook_requests_total",
        "Admission reviews decided, by path, object kind, operation and decision.", request_labels);
    m->responses = wp_metrics_counter(reg, "warmpool_webhook_http_responses_total",
        "HTTP responses on the admission port, by path and status code.", response_labels);
    wp_metric_family *duration = wp_metrics_histogram(reg, "warmpool_webhook_request_duration_seconds",
        "Time from request headers received to response queued, for admission reviews.",
        path_label, duration_buckets, sizeof duration_buckets / sizeof duration_buckets[0]);
    for (int r = 0; duration && r < 2; r++) {
        const char *v[] = {wp_route_name((wp_route)r)};
        m->duration[r] = wp_metric_with(duration, v);
    }
    m->in_flight = single(wp_metrics_gauge(reg, "warmpool_webhook_requests_in_flight",
        "Requests being received, decided or answered right now.", NULL));
    m->connections = single(wp_metrics_gauge(reg, "warmpool_webhook_open_connections",
        "Open connections on the admission port.", NULL));
    m->body_bytes = single(wp_metrics_gauge(reg, "warmpool_webhook_request_body_bytes",
        "Bytes of request bodies held in memory, all connections together (at most --max-body-memory).", NULL));
    m->handshake_errors = single(wp_metrics_counter(reg, "warmpool_webhook_tls_handshake_errors_total",
        "Admission connections closed before their TLS handshake completed (not TLS, bad or "
        "missing client certificate, timeout).", NULL));
    m->cert_expiry = single(wp_metrics_gauge(reg, "warmpool_webhook_certificate_expiry_timestamp_seconds",
        "NotAfter of the serving certificate in use, in unix seconds.", NULL));
    wp_metric_family *build = wp_metrics_gauge(reg, "warmpool_webhook_build_info",
        "Always 1; the version label names the build.", version_label);
    const char *version[] = {WP_VERSION};
    wp_gauge_set(build ? wp_metric_with(build, version) : NULL, 1);
    int rc = per_result(reg, "warmpool_webhook_certificate_reloads_total",
                        "Serving certificate reloads after the files changed, by result.", m->cert_reloads);
    rc |= per_result(reg, "warmpool_webhook_client_ca_reloads_total",
                     "Client CA bundle reloads after the file changed, by result.", m->client_ca_reloads);
    rc |= per_result(reg, "warmpool_webhook_config_reloads_total",
                     "Rule configuration reloads after the file changed, by result.", m->config_reloads);
    rc |= wp_metrics_register_process(reg);
    if (rc || !m->requests || !m->responses || !m->duration[0] || !m->duration[1] || !m->in_flight ||
        !m->connections || !m->body_bytes || !m->handshake_errors || !m->cert_expiry || !build) {
        wp_webhook_metrics_free(m);
        return -1;
    }
    return 0;
}

void wp_webhook_metrics_free(wp_webhook_metrics *m)
{
    wp_metrics_free(m->registry);
    memset(m, 0, sizeof *m);
}

/* Publishes the child for values in *slot (first use of a combination;
 * racing threads get the same child back from the registry). */
static wp_metric *fill(_Atomic(wp_metric *) *slot, wp_metric_family *f, const char *const *values)
{
    wp_metric *c = wp_metric_with(f, values);
    atomic_store_explicit(slot, c, memory_order_release);
    return c;
}

void wp_webhook_metrics_request(wp_webhook_metrics *m, wp_route route, wp_kind kind,
                                wp_operation op, wp_decision decision)
{
    if ((unsigned)route > WP_ROUTE_MUTATE || (unsigned)kind >= WP_WEBHOOK_N_KINDS ||
        (unsigned)op >= WP_WEBHOOK_N_OPS || (unsigned)decision >= WP_DECISION__COUNT)
        return;
    _Atomic(wp_metric *) *slot = &m->request_children[route][kind][op][decision];
    wp_metric *c = atomic_load_explicit(slot, memory_order_acquire);
    if (!c) {
        const char *values[] = {wp_route_name(route), wp_kind_name(kind), wp_operation_name(op),
                                decision_names[decision]};
        c = fill(slot, m->requests, values);
    }
    wp_counter_inc(c);
}

void wp_webhook_metrics_response(wp_webhook_metrics *m, wp_route route, int code)
{
    size_t i = 0;
    while (i + 1 < WP_WEBHOOK_N_CODES && codes[i] != code) i++;
    if ((unsigned)route >= WP_ROUTE__COUNT) route = WP_ROUTE_OTHER;
    _Atomic(wp_metric *) *slot = &m->response_children[route][i];
    wp_metric *c = atomic_load_explicit(slot, memory_order_acquire);
    if (!c) {
        char code_text[8];
        if (codes[i] == code) snprintf(code_text, sizeof code_text, "%d", code);
        else snprintf(code_text, sizeof code_text, "other");
        const char *values[] = {wp_route_name(route), code_text};
        c = fill(slot, m->responses, values);
    }
    wp_counter_inc(c);
}
