/* Watches: a streamed JSON-lines body decoded event by event as the chunks
 * arrive. See kube_client.h ("watch"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/verdict.h"
#include "controller/kube_lines.h"
#include "controller/kube_query.h"
#include "controller/kube_transport.h"

/* The largest event accepted: etcd stores objects up to 1.5 MiB; JSON with
 * escaping can grow that, and a watch event wraps it. Anything larger is a
 * broken stream. */
#define MAX_EVENT_BYTES (16u << 20)

static const char *const type_names[] = {"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"};

const char *wp_kube_event_type_name(wp_kube_event_type t)
{
    return (unsigned)t <= WP_KUBE_ERROR ? type_names[t] : "?";
}

int wp_kube_watch_event_decode(const char *line, size_t len, wp_kube_watch_event *ev, char *err, size_t err_size)
{
    memset(ev, 0, sizeof *ev);
    json_error_t jerr;
    json_t *doc = json_loadb(line, len, 0, &jerr);
    if (!doc) {
        snprintf(err, err_size, "not JSON: %s", jerr.text);
        return -1;
    }
    const char *type = json_string_value(json_object_get(doc, "type"));
    json_t *object = json_object_get(doc, "object");
    int rc = -1;
    if (!json_is_object(doc) || !type) {
        snprintf(err, err_size, "not a watch event (no type)");
    } else if (!json_is_object(object)) {
        snprintf(err, err_size, "%.20s event without an object", type);
    } else {
        for (unsigned i = 0; i <= WP_KUBE_ERROR; i++) {
            if (strcmp(type, type_names[i]) == 0) {
                ev->type = (wp_kube_event_type)i;
                ev->object = json_incref(object);
                rc = 0;
            }
        }
        if (rc != 0) snprintf(err, err_size, "unknown event type \"%.20s\"", type);
    }
    json_decref(doc);
    return rc;
}

typedef struct {
    wp_kube_lines lines;
    wp_kube_watch_fn fn;
    void *ctx;
    const char *path;
    bool ended;         /* the stream ended for a reason recorded below */
    wp_kube_rc rc;
    wp_kube_error *err;
} watch_state;

/* An ERROR event: its Status says why the watch ended. */
static void error_event(watch_state *st, const json_t *object)
{
    wp_kube_status s;
    bool has = wp_kube_status_from_json(object, &s);
    long code = has ? s.code : 0;
    wp_kube_rc rc = wp_kube_rc_from_http(code, has ? s.reason : NULL);
    if (rc == WP_KUBE_OK) rc = WP_KUBE_EHTTP;
    st->rc = wp_kube_error_set(st->err, rc, "watch %s: ERROR event: %ld %s: %s", st->path, code,
                               has && s.reason ? s.reason : "", has && s.message ? s.message : "");
    if (st->err) {
        st->err->http_status = code;
        st->err->has_status = has;
        if (has) st->err->status = s;
    } else if (has) {
        wp_kube_status_clear(&s);
    }
}

static int on_line(void *ctx, const char *line, size_t len)
{
    watch_state *st = ctx;
    wp_kube_watch_event ev;
    char why[200];
    if (wp_kube_watch_event_decode(line, len, &ev, why, sizeof why) != 0) {
        st->rc = wp_kube_error_set(st->err, WP_KUBE_EPROTOCOL, "watch %s: bad event: %s", st->path, why);
        st->ended = true;
        return 1;
    }
    int stop = 0;
    if (ev.type == WP_KUBE_ERROR) {
        error_event(st, ev.object);
        st->ended = true;
        stop = 1;
    } else if (st->fn(st->ctx, &ev) != 0) {
        st->rc = WP_KUBE_OK;
        st->ended = true;
        stop = 1;
    }
    json_decref(ev.object);
    return stop;
}

static bool sink(void *ctx, const char *data, size_t n)
{
    watch_state *st = ctx;
    int r = wp_kube_lines_feed(&st->lines, data, n);
    if (r == WP_KUBE_LINES_TOO_LONG) {
        st->rc = wp_kube_error_set(st->err, WP_KUBE_EPROTOCOL, "watch %s: an event is longer than %u bytes",
                                   st->path, MAX_EVENT_BYTES);
        st->ended = true;
    }
    return r == 0;
}

static char *watch_path(const wp_kube_kind *kind, const char *ns, const wp_kube_watch_opts *o)
{
    char *base = wp_kube_path(kind, ns, NULL, NULL);
    if (!base) return NULL;
    wp_kube_query q = WP_KUBE_QUERY_INIT;
    wp_kube_query_add(&q, "watch", "true");
    wp_kube_query_add(&q, "labelSelector", o->label_selector && *o->label_selector ? o->label_selector : NULL);
    wp_kube_query_add(&q, "fieldSelector", o->field_selector && *o->field_selector ? o->field_selector : NULL);
    wp_kube_query_add(&q, "resourceVersion", o->resource_version && *o->resource_version ? o->resource_version : NULL);
    if (o->allow_bookmarks) wp_kube_query_add(&q, "allowWatchBookmarks", "true");
    if (o->timeout_seconds > 0) wp_kube_query_add_long(&q, "timeoutSeconds", o->timeout_seconds);
    size_t n = strlen(base) + q.len + 1;
    char *path = wp_xalloc_check(malloc(n));
    snprintf(path, n, "%s%s", base, wp_kube_query_str(&q));
    free(base);
    wp_kube_query_free(&q);
    return path;
}

wp_kube_rc wp_kube_watch(wp_kube_client *c, const wp_kube_kind *kind, const char *ns, const wp_kube_watch_opts *opts,
                         wp_kube_watch_fn fn, void *ctx, wp_kube_error *err)
{
    wp_kube_watch_opts none = {0};
    if (!opts) opts = &none;
    if (err) wp_kube_error_clear(err);
    char *path = watch_path(kind, ns, opts);
    if (!path) return wp_kube_error_set(err, WP_KUBE_EINVAL, "watch: cannot address %s in \"%s\"",
                                        kind ? kind->plural : "(no kind)", ns ? ns : "");
    watch_state st = {.fn = fn, .ctx = ctx, .path = path, .err = err};
    wp_kube_lines_init(&st.lines, MAX_EVENT_BYTES, on_line, &st);
    double idle = opts->idle_timeout > 0 ? opts->idle_timeout
                  : opts->timeout_seconds > 0 ? (double)opts->timeout_seconds + 30
                                              : 330;
    wp_kube_http_request rq = {.method = "GET", .path = path, .cancel = opts->cancel, .sink = sink,
                               .sink_ctx = &st, .idle_timeout = idle};
    wp_kube_response resp;
    /* our own err only when the stream did not end for a recorded reason */
    wp_kube_error http_err = WP_KUBE_ERROR_INIT;
    wp_kube_rc rc = wp_kube_http(c, &rq, &resp, &http_err);
    if (!st.ended) {
        if (rc == WP_KUBE_OK) {
            /* the server closed the stream: deliver a last unterminated line */
            wp_kube_lines_finish(&st.lines);
            if (st.ended) rc = st.rc;
        }
        if (!st.ended && err) {
            *err = http_err;
            memset(&http_err, 0, sizeof http_err);
        }
    } else {
        rc = st.rc;
    }
    wp_kube_error_clear(&http_err);
    wp_kube_lines_free(&st.lines);
    free(resp.body);
    free(path);
    return rc;
}
