/* The SandboxClaim's status without I/O (claim_status.h). */
#include "controller/claim_status.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/verdict.h"
#include "controller/conditions.h"
#include "controller/keys.h"

/* ---- errors ------------------------------------------------------------ */

void wp_claim_errors_add(wp_claim_errors *e, wp_claim_err_kind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = NULL;
    if (vasprintf(&text, fmt, ap) < 0) text = NULL;
    va_end(ap);
    wp_xalloc_check(text);
    if (e->n < WP_CLAIM_ERRORS_MAX) {
        e->items[e->n].kind = kind;
        e->items[e->n].text = text;
        e->n++;
        return;
    }
    char *joined = NULL;
    if (asprintf(&joined, "%s\n%s", e->items[e->n - 1].text, text) < 0) joined = NULL;
    free(e->items[e->n - 1].text);
    e->items[e->n - 1].text = wp_xalloc_check(joined);
    free(text);
}

void wp_claim_errors_clear(wp_claim_errors *e)
{
    for (size_t i = 0; i < e->n; i++) free(e->items[i].text);
    e->n = 0;
}

bool wp_claim_errors_has(const wp_claim_errors *e, wp_claim_err_kind kind)
{
    for (size_t i = 0; e && i < e->n; i++)
        if (e->items[i].kind == kind) return true;
    return false;
}

bool wp_claim_errors_retryable(const wp_claim_errors *e)
{
    for (size_t i = 0; e && i < e->n; i++) {
        switch (e->items[i].kind) {
        case WP_CLAIM_ERR_ADOPTION_CONFLICT:
        case WP_CLAIM_ERR_OTHER: return true;
        default: break;
        }
    }
    return false;
}

char *wp_claim_errors_text(const wp_claim_errors *e)
{
    wp_sb b = WP_SB_INIT;
    for (size_t i = 0; e && i < e->n; i++) {
        if (i) wp_sb_putc(&b, '\n');
        wp_sb_puts(&b, e->items[i].text);
    }
    return wp_sb_finish(&b);
}

/* ---- the Ready condition ----------------------------------------------- */

static json_t *false_ready(const char *reason, const char *message, long long generation)
{
    return wp_xalloc_check(json_pack("{s:s, s:s, s:s, s:s, s:I}", "type", WP_COND_READY, "status", "False",
                                     "reason", reason, "message", message, "observedGeneration",
                                     (json_int_t)generation));
}

/* The first error of kind (borrowed text). */
static const char *error_text(const wp_claim_errors *e, wp_claim_err_kind kind)
{
    for (size_t i = 0; i < e->n; i++)
        if (e->items[i].kind == kind) return e->items[i].text;
    return "";
}

static json_t *ready_from_errors(const wp_claim_errors *e, long long gen)
{
    static const char *const reasons[WP_CLAIM_ERR__COUNT] = {
        [WP_CLAIM_ERR_TEMPLATE_NOT_FOUND] = WP_REASON_TEMPLATE_NOT_FOUND,
        [WP_CLAIM_ERR_WARM_POOL_NOT_FOUND] = WP_REASON_WARM_POOL_NOT_FOUND,
        [WP_CLAIM_ERR_ADOPTION_CONFLICT] = WP_REASON_ADOPTION_CONFLICT,
        [WP_CLAIM_ERR_SANDBOX_CREATE_PENDING] = WP_REASON_SANDBOX_CREATE_PENDING,
        [WP_CLAIM_ERR_INVALID_METADATA] = WP_REASON_INVALID_METADATA,
        [WP_CLAIM_ERR_ENV_REJECTED] = WP_REASON_ENV_REJECTED,
        [WP_CLAIM_ERR_SANDBOX_NOT_OWNED] = WP_REASON_CLAIM_EXPIRED,
        [WP_CLAIM_ERR_VOLUME_CLAIM_TEMPLATES] = WP_REASON_VCT_ERROR,
        [WP_CLAIM_ERR_IMAGE_DIGEST_HOLD] = WP_REASON_IMAGE_DIGEST_UNRESOLVED,
        [WP_CLAIM_ERR_OTHER] = WP_REASON_RECONCILER_ERROR,
    };
    wp_claim_err_kind k = WP_CLAIM_ERR_OTHER;
    for (int i = 0; i < WP_CLAIM_ERR_OTHER; i++)
        if (wp_claim_errors_has(e, (wp_claim_err_kind)i)) {
            k = (wp_claim_err_kind)i;
            break;
        }
    char *all = wp_claim_errors_text(e);
    char *msg = NULL;
    int rc = 0;
    switch (k) {
    case WP_CLAIM_ERR_TEMPLATE_NOT_FOUND:
    case WP_CLAIM_ERR_WARM_POOL_NOT_FOUND: rc = asprintf(&msg, "%s", error_text(e, k)); break;
    case WP_CLAIM_ERR_ADOPTION_CONFLICT:
        rc = asprintf(&msg, "%s" WP_MSG_ADOPTION_CONFLICT_SUFFIX, error_text(e, k));
        break;
    case WP_CLAIM_ERR_SANDBOX_CREATE_PENDING: rc = asprintf(&msg, "%s", WP_MSG_SANDBOX_CREATE_PENDING); break;
    case WP_CLAIM_ERR_SANDBOX_NOT_OWNED: rc = asprintf(&msg, WP_MSG_CLAIM_EXPIRED_SKIPPED_FMT, all); break;
    case WP_CLAIM_ERR_OTHER: rc = asprintf(&msg, WP_MSG_ERROR_SEEN_PREFIX "%s", all); break;
    default: rc = asprintf(&msg, "%s", all); break; /* Go: err.Error() of the joined error */
    }
    if (rc < 0) msg = NULL;
    wp_xalloc_check(msg);
    json_t *c = false_ready(reasons[k], msg, gen);
    free(msg);
    free(all);
    return c;
}

const json_t *wp_claim_condition(const json_t *status, const char *type)
{
    return wp_conditions_find(json_object_get(status, "conditions"), type);
}

static bool sandbox_expired(const json_t *sandbox)
{
    const json_t *ready = wp_claim_condition(json_object_get(sandbox, "status"), WP_COND_READY);
    return ready && strcmp(wp_condition_reason(ready), WP_REASON_SANDBOX_EXPIRED) == 0;
}

json_t *wp_claim_ready_condition(const wp_claim_status_input *in)
{
    if (in->errors && in->errors->n) return ready_from_errors(in->errors, in->generation);
    if (in->expired) return false_ready(WP_REASON_CLAIM_EXPIRED, WP_MSG_CLAIM_EXPIRED, in->generation);
    if (!in->sandbox) return false_ready(WP_REASON_SANDBOX_MISSING, WP_MSG_SANDBOX_MISSING, in->generation);
    if (sandbox_expired(in->sandbox))
        return false_ready(WP_REASON_SANDBOX_EXPIRED, WP_MSG_SANDBOX_EXPIRED_INDEPENDENTLY, in->generation);
    const json_t *ready = wp_claim_condition(json_object_get(in->sandbox, "status"), WP_COND_READY);
    if (!ready) return false_ready(WP_REASON_SANDBOX_NOT_READY, WP_MSG_SANDBOX_NOT_READY, in->generation);
    json_t *copy = wp_xalloc_check(json_deep_copy(ready));
    json_object_set_new(copy, "observedGeneration", json_integer(in->generation));
    return copy;
}

/* ---- conditions list (apimachinery meta.SetStatusCondition) ------------- */

static const char *str_of(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* meta.SetStatusCondition with cond (stolen). */
static void set_condition(json_t *conds, json_t *cond, const char *now)
{
    json_t *gen = json_object_get(cond, "observedGeneration");
    wp_condition c = {
        .type = str_of(cond, "type"),
        .status = str_of(cond, "status"),
        .reason = str_of(cond, "reason"),
        .message = str_of(cond, "message"),
        .observed_generation = json_is_integer(gen) ? (long long)json_integer_value(gen) : 0,
        .last_transition_time = str_of(cond, "lastTransitionTime"),
    };
    wp_conditions_set(conds, &c, now);
    json_decref(cond);
}

static int by_type(const void *a, const void *b)
{
    return strcmp(str_of(*(json_t *const *)a, "type"), str_of(*(json_t *const *)b, "type"));
}

/* A new array with conds' items sorted by type (stable for equal types). */
static json_t *sorted(const json_t *conds)
{
    size_t n = json_array_size(conds);
    json_t **v = wp_xalloc_check(calloc(n ? n : 1, sizeof *v));
    for (size_t i = 0; i < n; i++) v[i] = json_array_get(conds, i);
    /* insertion sort: stable, and lists hold two or three conditions */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && by_type(&v[j - 1], &v[j]) > 0; j--) {
            json_t *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) json_array_append(out, v[i]);
    free(v);
    return out;
}

static void sync_finished(json_t *conds, const wp_claim_status_input *in)
{
    if (in->sandbox) {
        const json_t *fin = wp_claim_condition(json_object_get(in->sandbox, "status"), WP_COND_FINISHED);
        if (fin) set_condition(conds, wp_xalloc_check(json_deep_copy(fin)), in->now);
        else wp_conditions_remove(conds, WP_COND_FINISHED);
    } else if (!in->expired) {
        wp_conditions_remove(conds, WP_COND_FINISHED);
    }
}

static void sync_sandbox_ref(json_t *status, const wp_claim_status_input *in)
{
    if (in->sandbox) {
        json_t *ref = json_object();
        const char *name = json_string_value(json_object_get(json_object_get(in->sandbox, "metadata"), "name"));
        if (name && *name) json_object_set_new(ref, "name", json_string(name));
        json_t *ips = json_object_get(json_object_get(in->sandbox, "status"), "podIPs");
        if (json_array_size(ips)) json_object_set(ref, "podIPs", ips);
        json_object_set_new(status, "sandbox", ref);
        return;
    }
    bool no_error = !in->errors || in->errors->n == 0;
    if (no_error || wp_claim_errors_has(in->errors, WP_CLAIM_ERR_SANDBOX_NOT_OWNED))
        json_object_set_new(status, "sandbox", json_object());
}

json_t *wp_claim_status_compute(const json_t *old_status, const wp_claim_status_input *in)
{
    json_t *status = json_is_object(old_status) ? json_deep_copy(old_status) : json_object();
    wp_xalloc_check(status);
    json_t *conds = json_object_get(status, "conditions");
    if (!json_is_array(conds)) {
        conds = json_array();
        json_object_set_new(status, "conditions", conds);
    }
    set_condition(conds, wp_claim_ready_condition(in), in->now);
    if (in->ready_only) return status;
    sync_finished(conds, in);
    json_object_set_new(status, "conditions", sorted(conds));
    sync_sandbox_ref(status, in);
    return status;
}

/* ---- the patch ------------------------------------------------------------ */

static json_t *or_null(json_t *v) { return v ? json_incref(v) : json_null(); }

json_t *wp_claim_status_patch(const json_t *old_status, const json_t *new_status, const char *rv)
{
    if (old_status && json_equal((json_t *)old_status, (json_t *)new_status)) return NULL;
    json_t *newref = json_object_get(new_status, "sandbox");
    json_t *ref = json_object();
    json_object_set_new(ref, "name", or_null(json_object_get(newref, "name")));
    json_object_set_new(ref, "podIPs", or_null(json_object_get(newref, "podIPs")));
    json_t *status = json_object();
    json_object_set_new(status, "conditions", or_null(json_object_get(new_status, "conditions")));
    json_object_set_new(status, "sandbox", ref);
    json_t *patch = json_pack("{s:o}", "status", status);
    if (rv && *rv) json_object_set_new(patch, "metadata", json_pack("{s:s}", "resourceVersion", rv));
    return wp_xalloc_check(patch);
}
