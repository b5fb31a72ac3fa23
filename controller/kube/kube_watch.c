/* Watches: a streamed JSON-lines body decoded event by event as the chunks
 * arrive. See kube_client.h ("watch"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/verdict.h"
#include "controller/kube/kube_lines.h"
#include "controller/kube/kube_query.h"
#include "controller/kube/kube_transport.h"

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

int wp_kube_watch_event_decode_jdoc(const char *line, size_t len, wp_jdoc **doc, wp_kube_jevent *ev, char *err,
                                    size_t err_size)
{
    memset(ev, 0, sizeof *ev);
    wp_jdoc_error jerr;
    *doc = wp_jdoc_parse(line, len, &jerr);
    if (!*doc) {
        snprintf(err, err_size, "not JSON: %s at byte %zu", jerr.message, jerr.offset);
        return -1;
    }
    const wp_jval *root = wp_jdoc_root(*doc);
    const char *type = wp_jval_str(wp_jval_get(root, "type"));
    const wp_jval *object = wp_jval_get(root, "object");
    if (!type) {
        snprintf(err, err_size, "not a watch event (no type)");
    } else if (!wp_jval_is_object(object)) {
        snprintf(err, err_size, "%.20s event without an object", type);
    } else {
        for (unsigned i = 0; i <= WP_KUBE_ERROR; i++) {
            if (strcmp(type, type_names[i]) == 0) {
                ev->type = (wp_kube_event_type)i;
                ev->object = object;
                return 0;
            }
        }
        snprintf(err, err_size, "unknown event type \"%.20s\"", type);
    }
    wp_jdoc_free(*doc);
    *doc = NULL;
    return -1;
}

typedef struct {
    wp_kube_lines lines;
    wp_kube_watch_fn fn;   /* one of the two */
    wp_kube_watch_jfn jfn;
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

static int bad_line(watch_state *st, const char *why)
{
    st->rc = wp_kube_error_set(st->err, WP_KUBE_EPROTOCOL, "watch %s: bad event: %s", st->path, why);
    st->ended = true;
    return 1;
}

/* Hands a decoded event on; returns nonzero when the watch ends. */
static int dispatch(watch_state *st, wp_kube_event_type type, const json_t *error_object, int fn_result)
{
    if (type == WP_KUBE_ERROR) {
        error_event(st, error_object);
        st->ended = true;
        return 1;
    }
    if (fn_result != 0) {
        st->rc = WP_KUBE_OK;
        st->ended = true;
        return 1;
    }
    return 0;
}

static int on_line_json(watch_state *st, const char *line, size_t len)
{
    wp_kube_watch_event ev;
    char why[200];
    if (wp_kube_watch_event_decode(line, len, &ev, why, sizeof why) != 0) return bad_line(st, why);
    int r = ev.type == WP_KUBE_ERROR ? 0 : st->fn(st->ctx, &ev);
    int stop = dispatch(st, ev.type, ev.object, r);
    json_decref(ev.object);
    return stop;
}

static int on_line_jdoc(watch_state *st, const char *line, size_t len)
{
    wp_kube_jevent ev;
    wp_jdoc *doc;
    char why[200];
    if (wp_kube_watch_event_decode_jdoc(line, len, &doc, &ev, why, sizeof why) != 0) return bad_line(st, why);
    int stop;
    if (ev.type == WP_KUBE_ERROR) {
        /* rare: decode the Status with jansson, like every other Status */
        json_t *full = json_loadb(line, len, 0, NULL);
        stop = dispatch(st, ev.type, json_object_get(full, "object"), 0);
        json_decref(full);
    } else {
        stop = dispatch(st, ev.type, NULL, st->jfn(st->ctx, &ev));
    }
    wp_jdoc_free(doc);
    return stop;
}

static int on_line(void *ctx, const char *line, size_t len)
{
    watch_state *st = ctx;
    return st->jfn ? on_line_jdoc(st, line, len) : on_line_json(st, line, len);
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
    size_t n = strlen(base) + q.sb.len + 1;
    char *path = wp_xalloc_check(malloc(n));
    snprintf(path, n, "%s%s", base, wp_kube_query_str(&q));
    free(base);
    wp_kube_query_free(&q);
    return path;
}

static wp_kube_rc watch(wp_kube_client *c, const wp_kube_kind *kind, const char *ns, const wp_kube_watch_opts *opts,
                        wp_kube_watch_fn fn, wp_kube_watch_jfn jfn, void *ctx, wp_kube_error *err)
{
    wp_kube_watch_opts none = {0};
    if (!opts) opts = &none;
    if (err) wp_kube_error_clear(err);
    char *path = watch_path(kind, ns, opts);
    if (!path) return wp_kube_error_set(err, WP_KUBE_EINVAL, "watch: cannot address %s in \"%s\"",
                                        kind ? kind->plural : "(no kind)", ns ? ns : "");
    watch_state st = {.fn = fn, .jfn = jfn, .ctx = ctx, .path = path, .err = err};
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

wp_kube_rc wp_kube_watch(wp_kube_client *c, const wp_kube_kind *kind, const char *ns, const wp_kube_watch_opts *opts,
                         wp_kube_watch_fn fn, void *ctx, wp_kube_error *err)
{
    return watch(c, kind, ns, opts, fn, NULL, ctx, err);
}

wp_kube_rc wp_kube_watch_jdoc(wp_kube_client *c, const wp_kube_kind *kind, const char *ns,
                              const wp_kube_watch_opts *opts, wp_kube_watch_jfn fn, void *ctx, wp_kube_error *err)
{
    return watch(c, kind, ns, opts, NULL, fn, ctx, err);
}
