/* See history_server.h. */
#include "controller/history_server.h"

#include <stdio.h>

#ifdef WP_HAVE_PLUGINS

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/verdict.h"
#include "controller/kube/kube_time.h"
#include "controller/plugin/plugin_host.h"
#include "webhook/listen_addr.h"

#define MAX_CONNECTIONS 64
#define TIMEOUT_SECONDS 30

struct wp_history_server {
    struct MHD_Daemon *daemon;
    wp_plugin_host *host;
    char address[128];
};

static enum MHD_Result reply(struct MHD_Connection *mc, unsigned status, const char *type, char *body, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    enum MHD_Result ret = MHD_queue_response(mc, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result text(struct MHD_Connection *mc, unsigned status, const char *fmt, const char *arg)
{
    char *body = NULL;
    int n = asprintf(&body, fmt, arg ? arg : "");
    if (n < 0) return MHD_NO;
    return reply(mc, status, "text/plain; charset=utf-8", body, (size_t)n);
}

/* Collects the query parameters into the filter; the first problem goes to
 * *bad (a static string) and *bad_arg. */
typedef struct {
    json_t *filter;
    const char *bad;
    const char *bad_arg;
} filter_build;

static bool all_digits(const char *s)
{
    if (!*s || strlen(s) > 9) return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return false;
    return true;
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    filter_build *fb = cls;
    if (fb->bad) return MHD_YES;
    value = value ? value : "";
    static const char *const strings[] = {"namespace", "claim", "sandbox", "pool"};
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++) {
        if (strcmp(key, strings[i]) == 0) {
            json_object_set_new(fb->filter, key, json_string(value));
            return MHD_YES;
        }
    }
    double t;
    if (strcmp(key, "since") == 0 || strcmp(key, "until") == 0) {
        if (!wp_kube_time_parse(value, &t)) {
            fb->bad = "%s must be an RFC 3339 time\n";
            fb->bad_arg = key;
        } else {
            json_object_set_new(fb->filter, key, json_string(value));
        }
    } else if (strcmp(key, "limit") == 0) {
        if (!all_digits(value) || atol(value) == 0) {
            fb->bad = "limit must be a positive integer, not \"%s\"\n";
            fb->bad_arg = value;
        } else {
            json_object_set_new(fb->filter, key, json_integer(atol(value)));
        }
    } else {
        fb->bad = "unknown parameter %s (known: namespace, claim, sandbox, pool, since, until, limit)\n";
        fb->bad_arg = key;
    }
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **state)
{
    (void)version, (void)upload, (void)upload_size, (void)state;
    wp_history_server *s = cls;
    if (strcmp(url, "/history") != 0) return text(mc, 404, "not found; try /history\n", NULL);
    if (strcmp(method, "GET") != 0) return text(mc, 405, "method %s not allowed; use GET\n", method);
    filter_build fb = {.filter = wp_xalloc_check(json_object())};
    MHD_get_connection_values(mc, MHD_GET_ARGUMENT_KIND, add_arg, &fb);
    if (fb.bad) {
        enum MHD_Result r = text(mc, 400, fb.bad, fb.bad_arg);
        json_decref(fb.filter);
        return r;
    }
    char *filter = json_dumps(fb.filter, JSON_COMPACT);
    json_decref(fb.filter);
    char *out = NULL;
    size_t out_len = 0;
    wp_plugin_error err = {0};
    int rc = wp_plugin_host_history_query(s->host, filter, strlen(filter), &out, &out_len, &err);
    free(filter);
    if (rc == WP_PLUGIN_OK) return reply(mc, 200, "application/json", out, out_len);
    free(out);
    if (err.code == WP_PLUGIN_ERR_NONE_CONFIGURED) return text(mc, 503, "no history store configured\n", NULL);
    return text(mc, 502, "history store: %s\n", err.message);
}

wp_history_server *wp_history_server_start(const char *addr, struct wp_plugin_host *host, char *err,
                                           size_t err_size)
{
    wp_history_server *s = wp_xalloc_check(calloc(1, sizeof *s));
    s->host = host;
    int fd = wp_listen_socket(addr, 64, s->address, sizeof s->address, err, err_size);
    if (fd < 0) {
        free(s);
        return NULL;
    }
    s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL, on_request, s,
                                 MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)TIMEOUT_SECONDS, MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, err_size, "cannot start the history server on %s", s->address);
        close(fd);
        free(s);
        return NULL;
    }
    return s;
}

const char *wp_history_server_address(const wp_history_server *s) { return s->address; }

void wp_history_server_stop(wp_history_server *s)
{
    if (!s) return;
    MHD_stop_daemon(s->daemon);
    free(s);
}

#else

wp_history_server *wp_history_server_start(const char *addr, struct wp_plugin_host *host, char *err,
                                           size_t err_size)
{
    (void)addr, (void)host;
    snprintf(err, err_size, "this build has no plugin host (controller/plugin/)");
    return NULL;
}

const char *wp_history_server_address(const wp_history_server *s)
{
    (void)s;
    return "";
}

void wp_history_server_stop(wp_history_server *s) { (void)s; }

#endif
