/* History records (see history.h). */
#include "controller/history.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/verdict.h"
#include "controller/conditions.h"
#include "controller/keys.h"
#include "controller/kube/kube_time.h"
#ifdef WP_HAVE_PLUGINS
#include "controller/plugin/plugin_host.h"
#endif

static const char *meta_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(json_object_get(o, "metadata"), key));
    return s ? s : "";
}

bool wp_history_enabled(const wp_ctl *ctl)
{
#ifdef WP_HAVE_PLUGINS
    return ctl && ctl->plugins && wp_plugin_host_count(ctl->plugins, WP_PLUGIN_KIND_HISTORY) > 0;
#else
    (void)ctl;
    return false;
#endif
}

static void set_str(json_t *rec, const char *key, const char *value)
{
    if (value && *value) json_object_set_new(rec, key, json_string(value));
}

/* The record of e (new reference): the members of wp_plugin_history_ops. */
static json_t *record_of(const wp_history_event *e)
{
    char t[WP_KUBE_TIME_LEN], id[512];
    wp_kube_time_format_micro(wp_kube_wallclock(), t);
    snprintf(id, sizeof id, "%s:%s%s%s", e->uid ? e->uid : "", e->event, e->instance ? ":" : "",
             e->instance ? e->instance : "");
    json_t *rec = wp_xalloc_check(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "time", t, "namespace",
                                            e->namespace_ ? e->namespace_ : "", "kind", e->kind, "name",
                                            e->name ? e->name : "", "event", e->event));
    set_str(rec, "pool", e->pool);
    set_str(rec, "claim", e->claim);
    set_str(rec, "sandbox", e->sandbox);
    set_str(rec, "reason", e->reason);
    if (e->warm >= 0) json_object_set_new(rec, "warm", json_boolean(e->warm));
    if (e->latency_ms >= 0) json_object_set_new(rec, "latencyMs", json_integer(e->latency_ms));
    return rec;
}

void wp_history_record(wp_ctl *ctl, const wp_history_event *e)
{
#ifdef WP_HAVE_PLUGINS
    /* Only the leader records (a standby's informers see the same changes). */
    if (!wp_history_enabled(ctl) || !atomic_load(&ctl->writable)) return;
    json_t *rec = record_of(e);
    char *text = wp_xalloc_check(json_dumps(rec, JSON_COMPACT));
    wp_plugin_error err = {0};
    if (wp_plugin_host_history_append(ctl->plugins, text, strlen(text), &err) != WP_PLUGIN_OK)
        wp_log(WP_LOG_ERROR, "history record not spooled", "id", json_string_value(json_object_get(rec, "id")),
               "error", err.message, NULL);
    free(text);
    json_decref(rec);
#else
    (void)ctl;
    (void)e;
#endif
}

void wp_history_claimed(wp_ctl *ctl, const json_t *claim, const char *sandbox, const char *pool, bool warm,
                        double latency_s)
{
    if (!wp_history_enabled(ctl)) return;
    wp_history_event e = {.kind = "claim", .namespace_ = meta_str(claim, "namespace"), .name = meta_str(claim, "name"),
                          .uid = meta_str(claim, "uid"), .event = "claimed", .pool = pool,
                          .claim = meta_str(claim, "name"), .sandbox = sandbox, .warm = warm,
                          .latency_ms = latency_s > 0 ? (long long)(latency_s * 1000.0 + 0.5) : 0};
    wp_history_record(ctl, &e);
}

void wp_history_claim_event(wp_ctl *ctl, const json_t *claim, const char *event, const char *sandbox)
{
    if (!wp_history_enabled(ctl)) return;
    const char *pool = json_string_value(
        json_object_get(json_object_get(json_object_get(claim, "spec"), "warmPoolRef"), "name"));
    wp_history_event e = {.kind = "claim", .namespace_ = meta_str(claim, "namespace"), .name = meta_str(claim, "name"),
                          .uid = meta_str(claim, "uid"), .event = event, .pool = pool,
                          .claim = meta_str(claim, "name"), .sandbox = sandbox, .warm = -1, .latency_ms = -1};
    wp_history_record(ctl, &e);
}

/* The name of sb's owner of kind (a SandboxClaim or SandboxWarmPool), or NULL. */
static const char *owner_of_kind(const json_t *sb, const char *kind)
{
    const json_t *refs = json_object_get(json_object_get(sb, "metadata"), "ownerReferences");
    for (size_t i = 0; i < json_array_size(refs); i++) {
        const json_t *ref = json_array_get(refs, i);
        const char *k = json_string_value(json_object_get(ref, "kind"));
        if (k && strcmp(k, kind) == 0) return json_string_value(json_object_get(ref, "name"));
    }
    return NULL;
}

static void sandbox_event(wp_ctl *ctl, const json_t *sb, const char *event, const char *instance, const char *reason)
{
    wp_history_event e = {.kind = "sandbox", .namespace_ = meta_str(sb, "namespace"), .name = meta_str(sb, "name"),
                          .uid = meta_str(sb, "uid"), .event = event, .instance = instance,
                          .pool = owner_of_kind(sb, WP_KIND_NAME_POOL), .claim = owner_of_kind(sb, WP_KIND_NAME_CLAIM),
                          .sandbox = meta_str(sb, "name"), .warm = -1, .latency_ms = -1, .reason = reason};
    wp_history_record(ctl, &e);
}

/* The condition of type in new_status when it is True with reason (any
 * reason when NULL) there and was not so in old_status; else NULL. */
static const json_t *turned(const json_t *old_status, const json_t *new_status, const char *type, const char *reason)
{
    const json_t *now = wp_conditions_find(json_object_get(new_status, "conditions"), type);
    if (!now || !wp_conditions_is_true(json_object_get(new_status, "conditions"), type)) return NULL;
    if (reason && strcmp(wp_condition_reason(now), reason) != 0) return NULL;
    const json_t *before = wp_conditions_find(json_object_get(old_status, "conditions"), type);
    bool was = before && wp_conditions_is_true(json_object_get(old_status, "conditions"), type) &&
               (!reason || strcmp(wp_condition_reason(before), reason) == 0);
    return was ? NULL : now;
}

void wp_history_sandbox_status(wp_ctl *ctl, const json_t *sb, const json_t *old_status, const json_t *new_status)
{
    if (!wp_history_enabled(ctl)) return;
    const json_t *c = turned(old_status, new_status, WP_COND_READY, NULL);
    if (c) sandbox_event(ctl, sb, "ready", json_string_value(json_object_get(c, "lastTransitionTime")), NULL);
    c = turned(old_status, new_status, WP_COND_FINISHED, WP_REASON_POD_FAILED);
    if (c)
        sandbox_event(ctl, sb, "failed", json_string_value(json_object_get(c, "lastTransitionTime")),
                      json_string_value(json_object_get(c, "message")));
}

void wp_history_sandbox_deleted(wp_ctl *ctl, const json_t *sb)
{
    if (!wp_history_enabled(ctl)) return;
    sandbox_event(ctl, sb, "deleted", NULL, NULL);
}
