/* The admission decision: AdmissionReview in, AdmissionReview out.
 * See review.h; the contract is ADMISSION.md.
 *
 * The request becomes a jansson tree (the rules read one), built by
 * wp_json_parse without the parts no rule reads; the response is written
 * straight into one buffer, since it is small and its shape fixed, which
 * saves building and dumping a second tree per request. */
#include "common/review.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/json_parse.h"
#include "common/json_patch.h"
#include "common/mutate_claim.h"
#include "common/strbuf.h"

#define API_V1 "admission.k8s.io/v1"
#define API_V1BETA1 "admission.k8s.io/v1beta1"

/* Parts of a review nothing here reads: who asked, the request options,
 * and the objects' managedFields (often half of a small object). They are
 * still checked for syntax. */
static const char *const SKIP_USER_INFO[] = {"request", "userInfo", NULL};
static const char *const SKIP_OPTIONS[] = {"request", "options", NULL};
static const char *const SKIP_OBJECT_FIELDS[] = {"request", "object", "metadata", "managedFields", NULL};
static const char *const SKIP_OLD_OBJECT_FIELDS[] = {"request", "oldObject", "metadata", "managedFields", NULL};
static const char *const *const UNREAD[] = {SKIP_USER_INFO, SKIP_OPTIONS, SKIP_OBJECT_FIELDS,
                                            SKIP_OLD_OBJECT_FIELDS, NULL};
/* What the envelope says, all borrowed from the decoded document. */
typedef struct {
    const char *api_version;
    json_t *uid;                    /* a non-empty string */
    const char *group, *kind;       /* request.kind; NULL when absent */
    const char *operation;
    const char *name, *namespace_;  /* request's, else the object's metadata */
    json_t *object, *old_object;    /* NULL when absent or null */
} envelope;

typedef struct {
    char *message; /* malloc'd, set when decoding failed */
} decode_error;

static bool bad_request(decode_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool bad_request(decode_error *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&e->message, fmt, ap) < 0) e->message = NULL;
    va_end(ap);
    wp_xalloc_check(e->message);
    return false;
}

/* An optional envelope member of the given type; null counts as absent
 * (as Go's decoder reads it). Returns false on the wrong type. */
static bool member(const json_t *parent, const char *key, json_type type, json_t **out)
{
    json_t *v = json_object_get(parent, key);
    if (json_is_null(v)) v = NULL;
    *out = v;
    return !v || json_typeof(v) == type;
}

static bool string_member(const json_t *parent, const char *path, const char *key, const char **out,
                          decode_error *e)
{
    json_t *v;
    if (!member(parent, key, JSON_STRING, &v)) return bad_request(e, "%s must be a string", path);
    *out = json_string_value(v);
    return true;
}

static bool object_member(const json_t *parent, const char *path, const char *key, json_t **out,
                          decode_error *e)
{
    if (!member(parent, key, JSON_OBJECT, out)) return bad_request(e, "%s must be an object", path);
    return true;
}

static bool decode_version_and_kind(const json_t *doc, envelope *env, decode_error *e)
{
    if (!json_is_object(doc)) return bad_request(e, "request body is not an AdmissionReview: expected a JSON object");
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    if (!kind || strcmp(kind, "AdmissionReview") != 0)
        return bad_request(e, "request body is not an AdmissionReview: kind must be \"AdmissionReview\"");
    if (!string_member(doc, "apiVersion", "apiVersion", &env->api_version, e)) return false;
    if (!env->api_version) return bad_request(e, "apiVersion is required");
    if (strcmp(env->api_version, API_V1) != 0 && strcmp(env->api_version, API_V1BETA1) != 0) {
        char *q = wp_verdict_quote(env->api_version);
        bad_request(e, "unsupported apiVersion %s: expected " API_V1 " or " API_V1BETA1, q);
        free(q);
        return false;
    }
    return true;
}

static bool decode_request_kind(const json_t *request, envelope *env, decode_error *e)
{
    json_t *kind;
    const char *version;
    return object_member(request, "request.kind", "kind", &kind, e) &&
           string_member(kind, "request.kind.group", "group", &env->group, e) &&
           string_member(kind, "request.kind.version", "version", &version, e) &&
           string_member(kind, "request.kind.kind", "kind", &env->kind, e);
}

/* request.name and request.namespace, falling back to the object's
 * metadata (the apiserver leaves name empty for generateName creates). */
static bool decode_names(const json_t *request, envelope *env, decode_error *e)
{
    if (!string_member(request, "request.name", "name", &env->name, e) ||
        !string_member(request, "request.namespace", "namespace", &env->namespace_, e))
        return false;
    json_t *metadata = json_object_get(env->object ? env->object : env->old_object, "metadata");
    if (!env->name || !*env->name) {
        const char *n = json_string_value(json_object_get(metadata, "name"));
        if (n) env->name = n;
    }
    if (!env->namespace_ || !*env->namespace_) {
        const char *ns = json_string_value(json_object_get(metadata, "namespace"));
        if (ns) env->namespace_ = ns;
    }
    return true;
}

static bool decode_envelope(const json_t *doc, envelope *env, decode_error *e)
{
    json_t *request;
    if (!decode_version_and_kind(doc, env, e)) return false;
    if (!object_member(doc, "request", "request", &request, e)) return false;
    if (!request) return bad_request(e, "request is required");
    if (!member(request, "uid", JSON_STRING, &env->uid)) return bad_request(e, "request.uid must be a string");
    if (!env->uid || json_string_length(env->uid) == 0) return bad_request(e, "request.uid is required");
    if (!decode_request_kind(request, env, e) ||
        !string_member(request, "request.operation", "operation", &env->operation, e) ||
        !object_member(request, "request.object", "object", &env->object, e) ||
        !object_member(request, "request.oldObject", "oldObject", &env->old_object, e))
        return false;
    wp_operation op = wp_operation_parse(env->operation);
    if ((op == WP_OP_CREATE || op == WP_OP_UPDATE) && !env->object)
        return bad_request(e, "request.object is required for %s", env->operation);
    /* dryRun changes nothing (sideEffects: None), but must be what it says. */
    json_t *dry_run = json_object_get(request, "dryRun");
    if (dry_run && !json_is_null(dry_run) && !json_is_boolean(dry_run))
        return bad_request(e, "request.dryRun must be a boolean");
    return decode_names(request, env, e);
}

/* --- Writing the response ---------------------------------------------- */

static void put_string_field(wp_strbuf *b, const char *key, const char *value)
{
    wp_strbuf_json_string(b, key);
    wp_strbuf_putc(b, ':');
    wp_strbuf_json_string(b, value ? value : "");
}

static void put_causes(wp_strbuf *b, const wp_verdict *v)
{
    wp_strbuf_puts(b, "\"causes\":[");
    for (size_t i = 0; i < v->n_causes; i++) {
        if (i > 0) wp_strbuf_putc(b, ',');
        wp_strbuf_putc(b, '{');
        put_string_field(b, "field", v->causes[i].field);
        wp_strbuf_putc(b, ',');
        put_string_field(b, "reason", v->causes[i].reason);
        wp_strbuf_putc(b, ',');
        put_string_field(b, "message", v->causes[i].message);
        wp_strbuf_putc(b, '}');
    }
    wp_strbuf_putc(b, ']');
}

/* The denial, shaped like the apiserver's own validation errors. */
static void put_denial_status(wp_strbuf *b, wp_kind kind, const char *name, const wp_verdict *v)
{
    const char *kind_name = wp_kind_name(kind);
    char *message = wp_verdict_message(v, kind_name, WP_GROUP_EXTENSIONS, name);
    wp_strbuf_puts(b, ",\"status\":{\"code\":422,\"reason\":\"Invalid\",");
    put_string_field(b, "message", message);
    wp_strbuf_puts(b, ",\"details\":{");
    put_string_field(b, "name", name);
    wp_strbuf_putc(b, ',');
    put_string_field(b, "group", WP_GROUP_EXTENSIONS);
    wp_strbuf_putc(b, ',');
    put_string_field(b, "kind", kind_name);
    wp_strbuf_putc(b, ',');
    put_causes(b, v);
    wp_strbuf_puts(b, "}}");
    free(message);
}

static void put_warnings(wp_strbuf *b, const wp_verdict *v)
{
    if (v->n_warnings == 0) return;
    wp_strbuf_puts(b, ",\"warnings\":[");
    for (size_t i = 0; i < v->n_warnings; i++) {
        if (i > 0) wp_strbuf_putc(b, ',');
        wp_strbuf_json_string(b, v->warnings[i]);
    }
    wp_strbuf_putc(b, ']');
}

static void put_patch(wp_strbuf *b, const wp_json_patch *patch)
{
    size_t len;
    char *json = wp_json_patch_dump(patch, &len);
    size_t encoded = wp_base64_encoded_len(len);
    wp_strbuf_puts(b, ",\"patchType\":\"JSONPatch\",\"patch\":\"");
    wp_strbuf_reserve(b, encoded + 2);
    b->len += wp_base64_encode(json, len, b->s + b->len);
    wp_strbuf_putc(b, '"');
    free(json);
}

/* --- The decision ------------------------------------------------------ */

static bool handled_operation(wp_operation op) { return op == WP_OP_CREATE || op == WP_OP_UPDATE; }

static void decide(const wp_config *cfg, wp_review_mode mode, const envelope *env, const struct timespec *now,
                   wp_review_result *out, wp_json_patch *patch)
{
    out->kind = wp_kind_from_group_kind(env->group, env->kind);
    out->operation = wp_operation_parse(env->operation);
    out->allowed = true;
    if (out->kind == WP_KIND_OTHER || !handled_operation(out->operation)) return;
    if (mode == WP_REVIEW_VALIDATE) {
        wp_rules_validate(cfg, out->kind, out->operation, env->object, env->old_object, now, &out->verdict);
        out->allowed = wp_verdict_allowed(&out->verdict);
    } else if (out->kind == WP_KIND_SANDBOX_CLAIM) {
        /* An undecodable claim gets no patch; /validate rejects it. */
        wp_mutate_claim(out->operation, env->object, now, patch);
        out->patched = wp_json_patch_size(patch) > 0;
    }
}

static void respond(const envelope *env, wp_review_result *out, const wp_json_patch *patch)
{
    wp_strbuf b = WP_STRBUF_INIT;
    wp_strbuf_reserve(&b, 256);
    wp_strbuf_puts(&b, "{\"apiVersion\":");
    wp_strbuf_json_string(&b, env->api_version);
    wp_strbuf_puts(&b, ",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":");
    wp_strbuf_json_stringn(&b, json_string_value(env->uid), json_string_length(env->uid));
    wp_strbuf_puts(&b, out->allowed ? ",\"allowed\":true" : ",\"allowed\":false");
    if (!out->allowed) put_denial_status(&b, out->kind, env->name, &out->verdict);
    put_warnings(&b, &out->verdict);
    if (out->patched) put_patch(&b, patch);
    wp_strbuf_puts(&b, "}}");
    out->http_status = 200;
    out->body = wp_strbuf_finish(&b, &out->body_len);
}

static char *dup_or_null(const char *s) { return s ? wp_xalloc_check(strdup(s)) : NULL; }

/* The envelope fields the caller logs. The uid may contain NUL only if
 * jansson were told to allow it; it is not, so strdup keeps it whole. */
static void record_names(const envelope *env, wp_review_result *out)
{
    out->uid = env->uid ? dup_or_null(json_string_value(env->uid)) : NULL;
    out->namespace_ = dup_or_null(env->namespace_);
    out->name = dup_or_null(env->name);
}

static void reject(wp_review_result *out, char *message)
{
    out->http_status = 400;
    out->allowed = false;
    out->error = message;
    out->body = wp_review_status_body(400, "BadRequest", message, &out->body_len);
}

void wp_review_handle(const wp_config *cfg, wp_review_mode mode, const char *body, size_t len,
                      const struct timespec *now, wp_review_result *out)
{
    *out = (wp_review_result){.kind = WP_KIND_OTHER, .operation = WP_OP_OTHER, .verdict = WP_VERDICT_INIT};
    decode_error e = {0};
    if (len == 0) {
        bad_request(&e, "request body is empty");
        reject(out, e.message);
        return;
    }
    wp_json_error jerr;
    json_t *doc = wp_json_parse(body, len, UNREAD, &jerr);
    if (!doc) {
        bad_request(&e, "request body is not valid JSON: %s at byte %zu", jerr.message, jerr.position);
        reject(out, e.message);
        return;
    }
    envelope env = {0};
    if (!decode_envelope(doc, &env, &e)) {
        record_names(&env, out);
        reject(out, e.message);
        json_decref(doc);
        return;
    }
    record_names(&env, out);
    wp_json_patch patch = WP_JSON_PATCH_INIT;
    decide(cfg, mode, &env, now, out, &patch);
    respond(&env, out, &patch);
    wp_json_patch_free(&patch);
    json_decref(doc);
}

void wp_review_result_free(wp_review_result *r)
{
    free(r->body);
    free(r->uid);
    free(r->namespace_);
    free(r->name);
    free(r->error);
    wp_verdict_free(&r->verdict);
    *r = (wp_review_result){.verdict = WP_VERDICT_INIT};
}

char *wp_review_status_body(int code, const char *reason, const char *message, size_t *len)
{
    wp_strbuf b = WP_STRBUF_INIT;
    wp_strbuf_puts(&b, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",");
    put_string_field(&b, "message", message);
    wp_strbuf_putc(&b, ',');
    put_string_field(&b, "reason", reason);
    wp_strbuf_printf(&b, ",\"code\":%d}", code);
    return wp_strbuf_finish(&b, len);
}
