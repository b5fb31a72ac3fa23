/* The SandboxClaim's status without I/O (claim_status.h). */
#include "controller/claim_status.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/verdict.h"

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

char *wp_claim_quote(const char *s)
{
    wp_sb b = WP_SB_INIT;
    wp_sb_json_string(&b, s ? s : "", s ? strlen(s) : 0);
    return wp_sb_finish(&b);
}

/* ---- the Ready condition ----------------------------------------------- */

static json_t *condition(const char *status, const char *reason, const char *message, long long generation)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:I}", "type", "Ready", "status", status, "reason", reason, "message",
                     message, "observedGeneration", (json_int_t)generation);
}

static json_t *false_ready(const char *reason, const char *message, long long generation)
{
    return wp_xalloc_check(condition("False", reason, message, generation));
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
        [WP_CLAIM_ERR_TEMPLATE_NOT_FOUND] = "TemplateNotFound",
        [WP_CLAIM_ERR_WARM_POOL_NOT_FOUND] = "WarmPoolNotFound",
        [WP_CLAIM_ERR_ADOPTION_CONFLICT] = "AdoptionConflict",
        [WP_CLAIM_ERR_SANDBOX_CREATE_PENDING] = "SandboxCreatePending",
        [WP_CLAIM_ERR_INVALID_METADATA] = "InvalidMetadata",
        [WP_CLAIM_ERR_ENV_REJECTED] = "EnvVarsInjectionRejected",
        [WP_CLAIM_ERR_SANDBOX_NOT_OWNED] = WP_CLAIM_REASON_CLAIM_EXPIRED,
        [WP_CLAIM_ERR_VOLUME_CLAIM_TEMPLATES] = "VolumeClaimTemplatesError",
        [WP_CLAIM_ERR_OTHER] = "ReconcilerError",
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
        rc = asprintf(&msg, "%s; the next pass retries from a converged view", error_text(e, k));
        break;
    case WP_CLAIM_ERR_SANDBOX_CREATE_PENDING: rc = asprintf(&msg, "%s", WP_CLAIM_MSG_CREATE_PENDING); break;
    case WP_CLAIM_ERR_SANDBOX_NOT_OWNED: rc = asprintf(&msg, "Claim expired. %s; deletion skipped.", all); break;
    case WP_CLAIM_ERR_OTHER: rc = asprintf(&msg, "Error seen: %s", all); break;
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
    const json_t *conds = json_object_get(status, "conditions");
    size_t i;
    const json_t *c;
    json_array_foreach(conds, i, c) {
        const char *t = json_string_value(json_object_get(c, "type"));
        if (t && strcmp(t, type) == 0) return c;
    }
    return NULL;
}

static bool sandbox_expired(const json_t *sandbox)
{
    const json_t *ready = wp_claim_condition(json_object_get(sandbox, "status"), "Ready");
    const char *reason = json_string_value(json_object_get(ready, "reason"));
    return reason && strcmp(reason, "SandboxExpired") == 0;
}

json_t *wp_claim_ready_condition(const wp_claim_status_input *in)
{
    if (in->errors && in->errors->n) return ready_from_errors(in->errors, in->generation);
    if (in->expired) return false_ready(WP_CLAIM_REASON_CLAIM_EXPIRED, WP_CLAIM_MSG_CLAIM_EXPIRED, in->generation);
    if (!in->sandbox) return false_ready("SandboxMissing", "Sandbox does not exist", in->generation);
    if (sandbox_expired(in->sandbox))
        return false_ready("SandboxExpired", "Underlying Sandbox resource has expired independently of the Claim.",
                           in->generation);
    const json_t *ready = wp_claim_condition(json_object_get(in->sandbox, "status"), "Ready");
    if (!ready) return false_ready("SandboxNotReady", "Sandbox is not ready", in->generation);
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

/* Sets cond (stolen) in the array conds: a new type is appended with
 * lastTransitionTime = its own or now; an existing one takes the new
 * status (and its lastTransitionTime, or now) only when the status
 * changed; reason, message and observedGeneration always. */
static void set_condition(json_t *conds, json_t *cond, const char *now)
{
    const char *type = str_of(cond, "type");
    size_t i;
    json_t *old;
    json_array_foreach(conds, i, old) {
        if (strcmp(str_of(old, "type"), type) != 0) continue;
        if (strcmp(str_of(old, "status"), str_of(cond, "status")) != 0) {
            json_object_set(old, "status", json_object_get(cond, "status"));
            const char *ltt = str_of(cond, "lastTransitionTime");
            json_object_set_new(old, "lastTransitionTime", json_string(*ltt ? ltt : now));
        }
        json_object_set(old, "reason", json_object_get(cond, "reason"));
        json_object_set(old, "message", json_object_get(cond, "message"));
        json_t *gen = json_object_get(cond, "observedGeneration");
        if (gen) json_object_set(old, "observedGeneration", gen);
        else json_object_del(old, "observedGeneration");
        json_decref(cond);
        return;
    }
    if (!*str_of(cond, "lastTransitionTime")) json_object_set_new(cond, "lastTransitionTime", json_string(now));
    json_array_append_new(conds, cond);
}

static void remove_condition(json_t *conds, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(conds, i, c) {
        if (strcmp(str_of(c, "type"), type) == 0) {
            json_array_remove(conds, i);
            return;
        }
    }
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
        const json_t *fin = wp_claim_condition(json_object_get(in->sandbox, "status"), "Finished");
        if (fin) set_condition(conds, wp_xalloc_check(json_deep_copy(fin)), in->now);
        else remove_condition(conds, "Finished");
    } else if (!in->expired) {
        remove_condition(conds, "Finished");
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
