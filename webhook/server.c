/* The admission server: routing, HTTP errors, body accumulation.
 * See server.h; TLS hooks live in tls_conn.c, the decision in admission.c. */
#include "webhook/server.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/log.h"
#include "common/verdict.h"
#include "webhook/admission.h"
#include "webhook/conn.h"
#include "webhook/conn_limit.h"
#include "webhook/content_type.h"
#include "webhook/listen_addr.h"

/* Body buffers up to this size stay with the connection for the next
 * keep-alive request; bigger ones are freed after their request. */
#define KEEP_BODY_BUFFER (64 * 1024)
/* A refused request's body up to this size is read and dropped to keep the
 * connection; a bigger one is not read (the connection closes). */
#define DISCARD_BODY_LIMIT (64 * 1024)
/* Initial buffer for a body without Content-Length (chunked). */
#define CHUNKED_INITIAL_BUFFER (16 * 1024)

struct wp_server {
    wp_conn_settings settings;
    wp_live *live;
    wp_webhook_metrics *metrics;
    size_t max_body;
    struct MHD_Daemon *daemon;
    char address[80];
    unsigned max_connections;
    /* Request bodies held in memory, all connections together, at most
     * body_budget bytes (--max-body-memory): per-request memory is bounded
     * by --max-body-bytes, this bounds their sum. */
    size_t body_budget;
    _Atomic size_t bodies_held;
    _Atomic int in_flight;
    _Atomic bool draining;
    MHD_socket quiesced_fd; /* listening socket MHD handed back; closed on stop */
};

static const char ALLOW_POST[] = "POST";
static const char ALLOW_GET[] = "GET, HEAD";

/* ---- replies ----------------------------------------------------------- */

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Queues r (its body moves into MHD, which frees it) and counts it. */
static enum MHD_Result send_reply(wp_server *s, wp_conn *c, struct MHD_Connection *mc,
                                  wp_reply *r, const char *content_type, const char *allow)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(r->body);
        return MHD_NO;
    }
    r->body = NULL;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    if (allow) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    if (atomic_load_explicit(&s->draining, memory_order_relaxed))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ok = MHD_queue_response(mc, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    wp_webhook_metrics_response(s->metrics, c->route, r->status);
    return ok;
}

static enum MHD_Result send_error(wp_server *s, wp_conn *c, struct MHD_Connection *mc,
                                  int status, const char *reason, const char *message,
                                  const char *allow)
{
    wp_reply r;
    wp_reply_status(&r, status, reason, message);
    return send_reply(s, c, mc, &r, "application/json", allow);
}

static enum MHD_Result send_healthz(wp_server *s, wp_conn *c, struct MHD_Connection *mc)
{
    wp_reply r = {200, wp_xalloc_check(strdup("ok\n")), 3};
    return send_reply(s, c, mc, &r, "text/plain; charset=utf-8", NULL);
}

/* ---- request lifecycle ------------------------------------------------- */

static wp_route route_of(const char *url)
{
    if (strcmp(url, "/validate") == 0) return WP_ROUTE_VALIDATE;
    if (strcmp(url, "/mutate") == 0) return WP_ROUTE_MUTATE;
    if (strcmp(url, "/healthz") == 0) return WP_ROUTE_HEALTHZ;
    return WP_ROUTE_OTHER;
}

/* Makes room for at least need bytes in the connection's body buffer. */
static int reserve_body(wp_conn *c, size_t need)
{
    if (need <= c->body_cap) return 0;
    char *p = realloc(c->body, need);
    if (!p) return -1;
    c->body = p;
    c->body_cap = need;
    return 0;
}

/* An HTTP-level refusal (the review is never looked at). */
typedef struct wp_http_refusal {
    int status;
    const char *reason, *message, *allow;
} http_refusal;

static const http_refusal NOT_FOUND = {
    404, "NotFound", "the server could not find the requested resource; use /validate or /mutate", NULL};
static const http_refusal HEALTHZ_METHOD = {
    405, "MethodNotAllowed", "method not allowed; use GET", ALLOW_GET};
static const http_refusal REVIEW_METHOD = {
    405, "MethodNotAllowed", "method not allowed; admission reviews are sent with POST", ALLOW_POST};
static const http_refusal MEDIA_TYPE = {
    415, "UnsupportedMediaType", "unsupported media type; send Content-Type: application/json", NULL};
static const http_refusal TOO_LARGE = {413, "RequestEntityTooLarge", "request body too large", NULL};
static const http_refusal BODIES_FULL = {
    503, "ServiceUnavailable", "too many request bodies in memory; retry shortly", NULL};
static const http_refusal CONFLICTING_LENGTH = {
    400, "BadRequest", "conflicting Content-Length headers", NULL};
static const http_refusal LENGTH_AND_CHUNKED = {
    400, "BadRequest", "both Content-Length and Transfer-Encoding; send one", NULL};
static const http_refusal BAD_TRANSFER_ENCODING = {
    400, "BadRequest", "unsupported Transfer-Encoding; only chunked is accepted", NULL};
static const http_refusal BAD_HEADER_NAME = {
    400, "BadRequest", "malformed header name (whitespace before the colon)", NULL};

/* How the request says its body ends, from every header (MHD 0.9.75 looks
 * at the first Content-Length only, and takes values of 2^63 and more). */
typedef struct {
    unsigned n_length, n_encoding;
    bool lengths_differ, bad_name;
    const char *length, *encoding; /* the first of each */
} framing;

static enum MHD_Result collect_framing(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    framing *f = cls;
    if (strpbrk(key, " \t")) f->bad_name = true;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        if (f->n_length++ == 0) f->length = value;
        else if (strcmp(f->length, value) != 0) f->lengths_differ = true;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        if (f->n_encoding++ == 0) f->encoding = value;
    }
    return MHD_YES;
}

/* The announced body size in *length: Content-Length, -1 when chunked
 * (size unknown), 0 without either. Returns the refusal for framing that
 * could be read two ways (request smuggling) or not at all: the answer is
 * sent at once and the connection closed. Repeated identical
 * Content-Length headers are allowed (RFC 9110 8.6). */
static const http_refusal *body_framing(struct MHD_Connection *mc, size_t max_body, long long *length)
{
    framing f = {0};
    MHD_get_connection_values(mc, MHD_HEADER_KIND, collect_framing, &f);
    *length = 0;
    if (f.bad_name) return &BAD_HEADER_NAME;
    if (f.lengths_differ) return &CONFLICTING_LENGTH;
    if (f.n_length && f.n_encoding) return &LENGTH_AND_CHUNKED;
    if (f.n_encoding) {
        if (f.n_encoding > 1 || strcasecmp(f.encoding, "chunked") != 0) return &BAD_TRANSFER_ENCODING;
        *length = -1;
        return NULL;
    }
    if (!f.n_length) return NULL;
    /* MHD refused what is not a decimal number; the value may still be
     * anything up to 2^64 - 1, so compare unsigned. */
    char *end;
    errno = 0;
    unsigned long long n = strtoull(f.length, &end, 10);
    if (errno || *end || n > max_body) {
        *length = (long long)max_body + 1;
        return NULL;
    }
    *length = (long long)n;
    return NULL;
}

/* Path, then method, then content type, as Kubernetes API servers order
 * them. NULL when the request may go on. */
static const http_refusal *check_request(wp_conn *c, struct MHD_Connection *mc, const char *method)
{
    if (c->route == WP_ROUTE_OTHER) return &NOT_FOUND;
    if (c->route == WP_ROUTE_HEALTHZ) {
        bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
        return get ? NULL : &HEALTHZ_METHOD;
    }
    if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) return &REVIEW_METHOD;
    if (!wp_content_type_is_json(MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
                                                             MHD_HTTP_HEADER_CONTENT_TYPE)))
        return &MEDIA_TYPE;
    return NULL;
}

static enum MHD_Result send_refusal(wp_server *s, wp_conn *c, struct MHD_Connection *mc,
                                    const http_refusal *r)
{
    return send_error(s, c, mc, r->status, r->reason, r->message, r->allow);
}

/* Charges n bytes of body to the server-wide budget. Returns false, with
 * nothing charged, when they do not fit. */
static bool budget_take(wp_server *s, wp_conn *c, size_t n)
{
    size_t used = atomic_load(&s->bodies_held);
    do {
        if (n > s->body_budget - used) return false;
    } while (!atomic_compare_exchange_weak(&s->bodies_held, &used, used + n));
    c->budget_held += n;
    wp_gauge_add(s->metrics->body_bytes, (double)n);
    return true;
}

static void budget_release(wp_server *s, wp_conn *c)
{
    atomic_fetch_sub(&s->bodies_held, c->budget_held);
    wp_gauge_add(s->metrics->body_bytes, -(double)c->budget_held);
    c->budget_held = 0;
}

/* First call for a request: its headers are in. libmicrohttpd 0.9.75
 * closes the connection after any response queued in this first call, so
 * only answers that must not read the body (413, or a refusal with a
 * large or chunked body) are sent now; the others wait for the (discarded)
 * body and keep the connection alive. */
static enum MHD_Result begin_request(wp_server *s, wp_conn *c, struct MHD_Connection *mc,
                                     const char *url, const char *method)
{
    c->in_request = true;
    c->too_large = false;
    c->over_budget = false;
    c->refusal = NULL;
    c->body_len = 0;
    clock_gettime(CLOCK_MONOTONIC, &c->started);
    atomic_fetch_add(&s->in_flight, 1);
    wp_gauge_add(s->metrics->in_flight, 1);
    c->route = route_of(url);
    if (s->settings.require_client_cert && !c->client_verified) {
        /* The handshake should already have failed; never answer anyway. */
        wp_log(WP_LOG_WARN, "request without a verified client certificate; closing", NULL);
        return MHD_NO;
    }
    long long length;
    const http_refusal *framing_refusal = body_framing(mc, s->max_body, &length);
    if (framing_refusal) return send_refusal(s, c, mc, framing_refusal);
    const http_refusal *refusal = check_request(c, mc, method);
    if (refusal) {
        if (length < 0 || length > DISCARD_BODY_LIMIT) return send_refusal(s, c, mc, refusal);
        c->refusal = refusal;
        return MHD_YES;
    }
    if (c->route == WP_ROUTE_HEALTHZ) return MHD_YES;
    if (length > (long long)s->max_body) return send_refusal(s, c, mc, &TOO_LARGE);
    /* A body of known size is charged whole before any of it is read; a
     * chunked one as it arrives (take_body). */
    c->chunked = length < 0;
    if (length > 0 && !budget_take(s, c, (size_t)length)) {
        wp_log(WP_LOG_WARN, "request bodies in memory at --max-body-memory; answered 503", NULL);
        return send_refusal(s, c, mc, &BODIES_FULL);
    }
    size_t want = length >= 0 ? (size_t)length : CHUNKED_INITIAL_BUFFER;
    if (want > s->max_body) want = s->max_body;
    if (reserve_body(c, want ? want : 1) != 0) {
        wp_log(WP_LOG_ERROR, "out of memory for a request body", NULL);
        return MHD_NO;
    }
    return MHD_YES;
}

/* Appends a piece of the body. Returns false when the body went over the
 * limit (only possible without Content-Length, i.e. chunked). */
static bool take_body(wp_server *s, wp_conn *c, const char *data, size_t n)
{
    if (n > s->max_body - c->body_len) {
        c->too_large = true;
        return false;
    }
    if (c->chunked && !budget_take(s, c, n)) {
        c->over_budget = true;
        return false;
    }
    if (c->body_len + n > c->body_cap) {
        size_t cap = c->body_cap * 2;
        if (cap < c->body_len + n) cap = c->body_len + n;
        if (cap > s->max_body) cap = s->max_body;
        if (reserve_body(c, cap) != 0) return false;
    }
    memcpy(c->body + c->body_len, data, n);
    c->body_len += n;
    return true;
}

/* A chunked body went over the limit (413) or the body budget (503). MHD
 * accepts a response only once a body is complete, and reading the rest is
 * exactly what must not happen; so the answer is written straight into the
 * TLS session (MHD has nothing else queued while it is receiving a body)
 * and the connection is then closed. */
static void refuse_chunked_body(wp_server *s, wp_conn *c, const http_refusal *why)
{
    wp_reply r;
    wp_reply_status(&r, why->status, why->reason, why->message);
    char head[160];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n", why->status,
                     why->status == 413 ? "Request Entity Too Large" : "Service Unavailable", r.len);
    char *msg = wp_xalloc_check(malloc((size_t)n + r.len));
    memcpy(msg, head, (size_t)n);
    memcpy(msg + n, r.body, r.len);
    wp_tls_conn_send_raw(c, msg, (size_t)n + r.len);
    free(msg);
    free(r.body);
    wp_webhook_metrics_response(s->metrics, c->route, why->status);
    wp_log(WP_LOG_WARN, "chunked request body over a limit; answered and closed the connection",
           "path", wp_route_name(c->route), "error", why->message, NULL);
}

static enum MHD_Result finish_request(wp_server *s, wp_conn *c, struct MHD_Connection *mc)
{
    wp_reply r;
    wp_admission_decide(s->live, s->metrics, c->route, c->body, c->body_len, &r);
    if (c->body_cap > KEEP_BODY_BUFFER) {
        free(c->body);
        c->body = NULL;
        c->body_cap = 0;
    }
    enum MHD_Result ok = send_reply(s, c, mc, &r, "application/json", NULL);
    wp_histogram_observe(s->metrics->duration[c->route], seconds_since(&c->started));
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    (void)version;
    wp_server *s = cls;
    wp_conn *c = *req_cls;
    if (!c) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        c = ci ? ci->socket_context : NULL;
        if (!c) return MHD_NO;
        *req_cls = c;
        return begin_request(s, c, mc, url, method);
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        /* Bodies of refused requests and of /healthz are read and dropped. */
        if (c->refusal || c->route == WP_ROUTE_HEALTHZ) return MHD_YES;
        if (take_body(s, c, upload_data, n)) return MHD_YES;
        if (!c->too_large && !c->over_budget) return MHD_NO; /* out of memory */
        refuse_chunked_body(s, c, c->too_large ? &TOO_LARGE : &BODIES_FULL);
        return MHD_NO;
    }
    if (c->refusal) return send_refusal(s, c, mc, c->refusal);
    if (c->route == WP_ROUTE_HEALTHZ) return send_healthz(s, c, mc);
    return finish_request(s, c, mc);
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)mc;
    wp_server *s = cls;
    wp_conn *c = *req_cls;
    if (!c || !c->in_request) return;
    c->in_request = false;
    c->body_len = 0;
    budget_release(s, c);
    atomic_fetch_sub(&s->in_flight, 1);
    wp_gauge_add(s->metrics->in_flight, -1);
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) wp_tls_conn_request_done(c);
}

static void on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    wp_server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        wp_conn *c = wp_xalloc_check(calloc(1, sizeof *c));
        c->settings = &s->settings;
        c->mhd = mc;
        c->tls = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_GNUTLS_SESSION)->tls_session;
        c->fd = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD)->connect_fd;
        wp_tls_conn_attach(c);
        *socket_context = c;
        wp_gauge_add(s->metrics->connections, 1);
        return;
    }
    wp_conn *c = *socket_context;
    if (!c) return;
    if (!c->handshake_done) wp_counter_inc(s->metrics->handshake_errors);
    wp_tls_pair_unref(c->pair);
    budget_release(s, c);
    free(c->body);
    free(c);
    *socket_context = NULL;
    wp_gauge_add(s->metrics->connections, -1);
}

/* libmicrohttpd's own messages (handshake failures, limits) at debug. */
static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) msg[--n] = '\0';
    wp_log(WP_LOG_DEBUG, "libmicrohttpd", "detail", msg, NULL);
}

/* ---- lifecycle --------------------------------------------------------- */

/* One event-loop thread per CPU this process may run on (taskset and
 * cgroup cpusets narrow it). */
static unsigned default_threads(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return (unsigned)CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

static unsigned whole_seconds(long long ms) { return (unsigned)((ms + 999) / 1000); }

wp_server *wp_server_start(const wp_webhook_options *o, wp_live *live,
                           wp_webhook_metrics *metrics, char *err, size_t err_size)
{
    wp_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    s->live = live;
    s->metrics = metrics;
    s->max_body = o->max_body_bytes;
    s->body_budget = o->max_body_memory;
    s->settings.live = live;
    s->settings.require_client_cert = o->client_ca_file && *o->client_ca_file;
    s->settings.read_timeout_ms = o->read_timeout_ms;
    s->settings.read_timeout_s = whole_seconds(o->read_timeout_ms);
    s->settings.idle_timeout_s = whole_seconds(o->idle_timeout_ms);
    /* --read-timeout bounds every request, the first one's handshake too. */
    s->settings.handshake_timeout_ms =
        o->handshake_timeout_ms < o->read_timeout_ms ? o->handshake_timeout_ms : o->read_timeout_ms;
    s->settings.handshake_timeout_s = whole_seconds(s->settings.handshake_timeout_ms);
    s->max_connections = wp_connection_limit(o->max_connections);
    int fd = wp_listen_socket(o->listen, 1024, s->address, sizeof s->address, err, err_size);
    if (fd < 0) {
        free(s);
        return NULL;
    }
    unsigned threads = o->threads > 0 ? (unsigned)o->threads : default_threads();
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TLS | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    s->quiesced_fd = MHD_INVALID_SOCKET;
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL,
        MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_HTTPS_CERT_CALLBACK, wp_tls_conn_retrieve_cert,
        MHD_OPTION_HTTPS_PRIORITIES, o->tls_priorities,
        MHD_OPTION_CONNECTION_TIMEOUT, s->settings.idle_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, s->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)o->max_connections_per_ip,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_THREAD_POOL_SIZE, threads > 1 ? threads : 0,
        MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, err_size, "cannot start the HTTPS server on %s (check --tls-priorities)",
                 s->address);
        close(fd);
        free(s);
        return NULL;
    }
    /* fd is MHD's now: closed on stop, or handed back by quiesce. */
    return s;
}

const char *wp_server_address(const wp_server *s) { return s->address; }

unsigned wp_server_max_connections(const wp_server *s) { return s->max_connections; }

void wp_server_quiesce(wp_server *s)
{
    atomic_store(&s->draining, true);
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    if (fd == MHD_INVALID_SOCKET) return;
    /* MHD's event thread may still touch the socket (epoll_ctl) after
     * quiesce returns, so closing it here would race with that and could
     * hand the number to another file. shutdown() refuses new connections
     * at once; the descriptor is closed after the daemon has stopped. */
    shutdown(fd, SHUT_RDWR);
    s->quiesced_fd = fd;
}

int wp_server_in_flight(const wp_server *s) { return atomic_load(&((wp_server *)s)->in_flight); }

void wp_server_stop(wp_server *s)
{
    if (!s) return;
    MHD_stop_daemon(s->daemon);
    if (s->quiesced_fd != MHD_INVALID_SOCKET) close(s->quiesced_fd);
    free(s);
}
