/* Status parsing and error records. See kube_error.h. */
#include "controller/kube/kube_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/verdict.h"

/* A copy of obj[key] when it is a string, else NULL. Caller frees. */
static char *dup_string_field(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? wp_xalloc_check(strdup(s)) : NULL;
}

static void parse_causes(const json_t *causes, wp_kube_status *out)
{
    if (!json_is_array(causes) || json_array_size(causes) == 0) return;
    out->causes = wp_xalloc_check(calloc(json_array_size(causes), sizeof *out->causes));
    size_t i;
    const json_t *c;
    json_array_foreach(causes, i, c) {
        if (!json_is_object(c)) continue;
        wp_kube_cause *dst = &out->causes[out->n_causes++];
        dst->type = dup_string_field(c, "reason");
        dst->message = dup_string_field(c, "message");
        dst->field = dup_string_field(c, "field");
    }
}

bool wp_kube_status_from_json(const json_t *obj, wp_kube_status *out)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(obj)) return false;
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    if (!kind || strcmp(kind, "Status") != 0) return false;
    json_t *code = json_object_get(obj, "code");
    if (json_is_integer(code) && json_integer_value(code) >= 0 && json_integer_value(code) < 1000)
        out->code = (int)json_integer_value(code);
    out->status = dup_string_field(obj, "status");
    out->reason = dup_string_field(obj, "reason");
    out->message = dup_string_field(obj, "message");
    const json_t *details = json_object_get(obj, "details");
    if (json_is_object(details)) {
        out->details_name = dup_string_field(details, "name");
        out->details_kind = dup_string_field(details, "kind");
        json_t *ra = json_object_get(details, "retryAfterSeconds");
        if (json_is_integer(ra) && json_integer_value(ra) > 0 && json_integer_value(ra) < 86400)
            out->retry_after_seconds = (int)json_integer_value(ra);
        parse_causes(json_object_get(details, "causes"), out);
    }
    return true;
}

bool wp_kube_status_parse(const char *body, size_t len, wp_kube_status *out)
{
    memset(out, 0, sizeof *out);
    if (!body || len == 0) return false;
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    bool ok = wp_kube_status_from_json(doc, out);
    json_decref(doc);
    return ok;
}

void wp_kube_status_clear(wp_kube_status *s)
{
    free(s->status);
    free(s->reason);
    free(s->message);
    free(s->details_name);
    free(s->details_kind);
    for (size_t i = 0; i < s->n_causes; i++) {
        free(s->causes[i].type);
        free(s->causes[i].message);
        free(s->causes[i].field);
    }
    free(s->causes);
    memset(s, 0, sizeof *s);
}

void wp_kube_error_clear(wp_kube_error *e)
{
    if (!e) return;
    if (e->has_status) wp_kube_status_clear(&e->status);
    memset(e, 0, sizeof *e);
}

wp_kube_rc wp_kube_error_set(wp_kube_error *e, wp_kube_rc rc, const char *fmt, ...)
{
    if (!e) return rc;
    wp_kube_error_clear(e);
    e->rc = rc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return rc;
}

wp_kube_rc wp_kube_rc_from_http(long http_status, const char *reason)
{
    if (http_status >= 200 && http_status < 300) return WP_KUBE_OK;
    switch (http_status) {
    case 400: return WP_KUBE_EBADREQUEST;
    case 401: return WP_KUBE_EUNAUTHORIZED;
    case 403: return WP_KUBE_EFORBIDDEN;
    case 404: return WP_KUBE_ENOTFOUND;
    case 409:
        return reason && strcmp(reason, "AlreadyExists") == 0 ? WP_KUBE_EEXISTS : WP_KUBE_ECONFLICT;
    case 410: return WP_KUBE_EGONE;
    case 422: return WP_KUBE_EINVALID;
    case 429: return WP_KUBE_ETOOMANY;
    default: break;
    }
    if (http_status >= 500 && http_status < 600) return WP_KUBE_ESERVER;
    /* Some servers say "Expired" with a 200-class watch ERROR event code. */
    if (reason && (strcmp(reason, "Expired") == 0 || strcmp(reason, "Gone") == 0)) return WP_KUBE_EGONE;
    return WP_KUBE_EHTTP;
}

const char *wp_kube_rc_name(wp_kube_rc rc)
{
    static const char *const names[] = {
        "OK", "EINVAL", "ECONFIG", "ETRANSPORT", "ETIMEOUT", "EPROTOCOL", "ECANCELED",
        "EBADREQUEST", "EUNAUTHORIZED", "EFORBIDDEN", "ENOTFOUND", "ECONFLICT", "EEXISTS",
        "EGONE", "EINVALID", "ETOOMANY", "ESERVER", "EHTTP",
    };
    if ((size_t)rc < sizeof names / sizeof names[0]) return names[rc];
    return "E?";
}
