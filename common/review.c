/* The admission decision: AdmissionReview in, AdmissionReview out.
 * See review.h; the contract is ADMISSION.md.
 *
 * The request is decoded once into a wp_jdoc (one arena, one pass: the
 * rules read it); the response is written straight into one buffer, since
 * it is small and its shape fixed, which saves building and dumping a tree
 * per request. */
#include "common/review.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/jdoc.h"
#include "common/json_patch.h"
#include "common/mutate_claim.h"
#include "common/strbuf.h"

#define API_V1 "admission.k8s.io/v1"
#define API_V1BETA1 "admission.k8s.io/v1beta1"

/* What the envelope says, all borrowed from the decoded document. */
typedef struct {
    const char *api_version;          /* API_V1 or API_V1BETA1 */
    const wp_jval *uid;               /* a non-empty string (may hold NULs) */
    const char *group, *kind;         /* request.kind; NULL when absent */
    const char *operation;
    const char *name, *namespace_;    /* request's, else the object's metadata */
    const wp_jval *object, *old_object; /* NULL when absent or null */
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

static bool string_member(const wp_jval *parent, const char *path, const char *key, const char **out,
                          decode_error *e)
{
    const wp_jval *v;
    if (!wp_jval_member(parent, key, WP_JSTRING, &v)) return bad_request(e, "%s must be a string", path);
    *out = wp_jval_str(v);
    return true;
}

static bool object_member(const wp_jval *parent, const char *path, const char *key, const wp_jval **out,
                          decode_error *e)
{
    if (!wp_jval_member(parent, key, WP_JOBJECT, out)) return bad_request(e, "%s must be an object", path);
    return true;
}

static bool decode_version_and_kind(const wp_jval *doc, envelope *env, decode_error *e)
{
    if (!wp_jval_is_object(doc)) return bad_request(e, "request body is not an AdmissionReview: expected a JSON object");
    if (!wp_jval_str_eq(wp_jval_get(doc, "kind"), "AdmissionReview"))
        return bad_request(e, "request body is not an AdmissionReview: kind must be \"AdmissionReview\"");
    const wp_jval *v;
    if (!wp_jval_member(doc, "apiVersion", WP_JSTRING, &v)) return bad_request(e, "apiVersion must be a string");
    if (!v) return bad_request(e, "apiVersion is required");
    /* Answered in the version received: keep our own copy of its name. */
    env->api_version = wp_jval_str_eq(v, API_V1) ? API_V1 : wp_jval_str_eq(v, API_V1BETA1) ? API_V1BETA1 : NULL;
    if (!env->api_version) {
        char *q = wp_verdict_quote_n(v->u.str, v->n);
        bad_request(e, "unsupported apiVersion %s: expected " API_V1 " or " API_V1BETA1, q);
        free(q);
        return false;
    }
    return true;
}

static bool decode_request_kind(const wp_jval *request, envelope *env, decode_error *e)
{
    const wp_jval *kind;
    const char *version;
    return object_member(request, "request.kind", "kind", &kind, e) &&
           string_member(kind, "request.kind.group", "group", &env->group, e) &&
           string_member(kind, "request.kind.version", "version", &version, e) &&
           string_member(kind, "request.kind.kind", "kind", &env->kind, e);
}

/* request.name and request.namespace, falling back to the object's
 * metadata (the apiserver leaves name empty for generateName creates). */
static bool decode_names(const wp_jval *request, envelope *env, decode_error *e)
{
    if (!string_member(request, "request.name", "name", &env->name, e) ||
        !string_member(request, "request.namespace", "namespace", &env->namespace_, e))
        return false;
    const wp_jval *metadata = wp_jval_get(env->object ? env->object : env->old_object, "metadata");
    if (!env->name || !*env->name) {
        const char *n = wp_jval_str(wp_jval_get(metadata, "name"));
        if (n) env->name = n;
    }
    if (!env->namespace_ || !*env->namespace_) {
        const char *ns = wp_jval_str(wp_jval_get(metadata, "namespace"));
        if (ns) env->namespace_ = ns;
    }
    return true;
}

static bool decode_envelope(const wp_jval *doc, envelope *env, decode_error *e)
{
    const wp_jval *request;
    if (!decode_version_and_kind(doc, env, e)) return false;
    if (!object_member(doc, "request", "request", &request, e)) return false;
    if (!request) return bad_request(e, "request is required");
    if (!wp_jval_member(request, "uid", WP_JSTRING, &env->uid)) return bad_request(e, "request.uid must be a string");
    if (!env->uid || env->uid->n == 0) return bad_request(e, "request.uid is required");
    if (!decode_request_kind(request, env, e) ||
        !string_member(request, "request.operation", "operation", &env->operation, e) ||
        !object_member(request, "request.object", "object", &env->object, e) ||
        !object_member(request, "request.oldObject", "oldObject", &env->old_object, e))
        return false;
    wp_operation op = wp_operation_parse(env->operation);
    if ((op == WP_OP_CREATE || op == WP_OP_UPDATE) && !env->object)
        return bad_request(e, "request.object is required for %s", env->operation);
    /* dryRun changes nothing (sideEffects: None), but must be what it says. */
    const wp_jval *dry_run = wp_jval_get(request, "dryRun");
    if (!wp_jval_is_null(dry_run) && !wp_jval_is_bool(dry_run)) return bad_request(e, "request.dryRun must be a boolean");
    return decode_names(request, env, e);
}

/* --- Writing the response ---------------------------------------------- */

static void put_string_field(wp_sb *b, const char *key, const char *value)
{
    wp_sb_json_string(b, key, strlen(key));
    wp_sb_putc(b, ':');
    wp_sb_json_string(b, value ? value : "", value ? strlen(value) : 0);
}

static void put_causes(wp_sb *b, const wp_verdict *v)
{
    wp_sb_puts(b, "\"causes\":[");
    for (size_t i = 0; i < v->n_causes; i++) {
        if (i > 0) wp_sb_putc(b, ',');
        wp_sb_putc(b, '{');
        put_string_field(b, "field", v->causes[i].field);
        wp_sb_putc(b, ',');
        put_string_field(b, "reason", v->causes[i].reason);
        wp_sb_putc(b, ',');
        put_string_field(b, "message", v->causes[i].message);
        wp_sb_putc(b, '}');
    }
    if (v->n_causes_omitted) {
        /* The cap is said in the answer, as the last cause (no field: it
         * is about the object as a whole). */
        char *more = wp_verdict_omitted_text(v->n_causes_omitted);
        if (v->n_causes) wp_sb_putc(b, ',');
        wp_sb_putc(b, '{');
        put_string_field(b, "reason", WP_CAUSE_TOO_MANY_ERRORS);
        wp_sb_putc(b, ',');
        put_string_field(b, "message", more);
        wp_sb_putc(b, '}');
        free(more);
    }
    wp_sb_putc(b, ']');
}

/* The denial, shaped like the apiserver's own validation errors. */
static void put_denial_status(wp_sb *b, wp_kind kind, const char *name, const wp_verdict *v)
{
    const char *kind_name = wp_kind_name(kind);
    char *message = wp_verdict_message(v, kind_name, WP_GROUP_EXTENSIONS, name);
    wp_sb_puts(b, ",\"status\":{\"code\":422,\"reason\":\"Invalid\",");
    put_string_field(b, "message", message);
    wp_sb_puts(b, ",\"details\":{");
    put_string_field(b, "name", name);
    wp_sb_putc(b, ',');
    put_string_field(b, "group", WP_GROUP_EXTENSIONS);
    wp_sb_putc(b, ',');
    put_string_field(b, "kind", kind_name);
    wp_sb_putc(b, ',');
    put_causes(b, v);
    wp_sb_puts(b, "}}");
    free(message);
}

static void put_warnings(wp_sb *b, const wp_verdict *v)
{
    if (v->n_warnings == 0) return;
    wp_sb_puts(b, ",\"warnings\":[");
    for (size_t i = 0; i < v->n_warnings; i++) {
        if (i > 0) wp_sb_putc(b, ',');
        wp_sb_json_string(b, v->warnings[i], strlen(v->warnings[i]));
    }
    if (v->n_warnings_omitted) {
        char more[64];
        int n = snprintf(more, sizeof more, "and %zu more warning%s", v->n_warnings_omitted,
                         v->n_warnings_omitted == 1 ? "" : "s");
        wp_sb_putc(b, ',');
        wp_sb_json_string(b, more, (size_t)n);
    }
    wp_sb_putc(b, ']');
}

static void put_patch(wp_sb *b, const wp_json_patch *patch)
{
    size_t len;
    char *json = wp_json_patch_dump(patch, &len);
    size_t encoded = wp_base64_encoded_len(len);
    wp_sb_puts(b, ",\"patchType\":\"JSONPatch\",\"patch\":\"");
    b->len += wp_base64_encode(json, len, wp_sb_reserve(b, encoded));
    wp_sb_putc(b, '"');
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
    wp_sb b = WP_SB_INIT;
    wp_sb_reserve(&b, 256);
    wp_sb_puts(&b, "{\"apiVersion\":");
    wp_sb_json_string(&b, env->api_version, strlen(env->api_version));
    wp_sb_puts(&b, ",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":");
    wp_sb_json_string(&b, env->uid->u.str, env->uid->n);
    wp_sb_puts(&b, out->allowed ? ",\"allowed\":true" : ",\"allowed\":false");
    if (!out->allowed) put_denial_status(&b, out->kind, env->name, &out->verdict);
    put_warnings(&b, &out->verdict);
    if (out->patched) put_patch(&b, patch);
    wp_sb_puts(&b, "}}");
    out->http_status = 200;
    out->body_len = b.len;
    out->body = wp_sb_finish(&b);
}

static char *dup_or_null(const char *s) { return s ? wp_xalloc_check(strdup(s)) : NULL; }

/* The envelope fields the caller logs (a uid holding "\u0000" is cut
 * there; the response echoes it whole). */
static void record_names(const envelope *env, wp_review_result *out)
{
    out->uid = dup_or_null(wp_jval_str(env->uid));
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

/* body is parsed in place when writable is not NULL (then body ==
 * writable), else on a copy. */
static void handle(const wp_config *cfg, wp_review_mode mode, const char *body, char *writable, size_t len,
                   const struct timespec *now, wp_review_result *out)
{
    *out = (wp_review_result){.kind = WP_KIND_OTHER, .operation = WP_OP_OTHER, .verdict = WP_VERDICT_INIT};
    struct timespec current;
    if (!now) {
        clock_gettime(CLOCK_REALTIME, &current);
        now = &current;
    }
    decode_error e = {0};
    if (len == 0) {
        bad_request(&e, "request body is empty");
        reject(out, e.message);
        return;
    }
    wp_jdoc_error jerr;
    wp_jdoc *doc = writable ? wp_jdoc_parse_insitu(writable, len, &jerr) : wp_jdoc_parse(body, len, &jerr);
    if (!doc) {
        bad_request(&e, "request body is not valid JSON: %s at byte %zu", jerr.message, jerr.offset);
        reject(out, e.message);
        return;
    }
    envelope env = {0};
    if (!decode_envelope(wp_jdoc_root(doc), &env, &e)) {
        record_names(&env, out);
        reject(out, e.message);
        wp_jdoc_free(doc);
        return;
    }
    record_names(&env, out);
    wp_json_patch patch = WP_JSON_PATCH_INIT;
    decide(cfg, mode, &env, now, out, &patch);
    respond(&env, out, &patch);
    wp_json_patch_free(&patch);
    wp_jdoc_free(doc);
}

void wp_review_handle(const wp_config *cfg, wp_review_mode mode, const char *body, size_t len,
                      const struct timespec *now, wp_review_result *out)
{
    handle(cfg, mode, body, NULL, len, now, out);
}

void wp_review_handle_insitu(const wp_config *cfg, wp_review_mode mode, char *body, size_t len,
                             const struct timespec *now, wp_review_result *out)
{
    handle(cfg, mode, body, body, len, now, out);
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
    wp_sb b = WP_SB_INIT;
    wp_sb_puts(&b, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",");
    put_string_field(&b, "message", message);
    wp_sb_putc(&b, ',');
    put_string_field(&b, "reason", reason);
    wp_sb_printf(&b, ",\"code\":%d}", code);
    if (len) *len = b.len;
    return wp_sb_finish(&b);
}
