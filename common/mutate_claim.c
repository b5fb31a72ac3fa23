/* SandboxClaim mutation. See mutate_claim.h. */
#include "common/mutate_claim.h"

#include <stdio.h>
#include <string.h>

#include "common/verdict.h"

char *wp_format_rfc3339_nano(const struct timespec *t, char buf[WP_RFC3339_NANO_SIZE])
{
    struct tm tm;
    time_t secs = t->tv_sec;
    if (!gmtime_r(&secs, &tm)) memset(&tm, 0, sizeof tm);
    /* Fixed nine digits (not Go's trimmed RFC3339Nano) so the values sort
     * as strings; Go parses both. */
    snprintf(buf, WP_RFC3339_NANO_SIZE, "%04lld-%02d-%02dT%02d:%02d:%02d.%09ldZ", (long long)tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)t->tv_nsec);
    return buf;
}

/* A member that must be `type` when present; null counts as absent.
 * Returns false on the wrong type; *out is NULL when absent. */
static bool optional_member(const json_t *parent, const char *key, json_type type, json_t **out)
{
    json_t *v = json_object_get(parent, key);
    if (json_is_null(v)) v = NULL;
    *out = v;
    return !v || json_typeof(v) == type;
}

/* The claim's parts the rules read, checked for type. */
typedef struct {
    json_t *metadata, *annotations; /* borrowed, NULL when absent */
    bool has_env, has_volumes;      /* non-empty lists */
} claim_view;

static bool decode_claim(const json_t *claim, claim_view *v)
{
    json_t *spec, *env, *volumes;
    if (!json_is_object(claim)) return false;
    if (!optional_member(claim, "metadata", JSON_OBJECT, &v->metadata) ||
        !optional_member(v->metadata, "annotations", JSON_OBJECT, &v->annotations) ||
        !optional_member(claim, "spec", JSON_OBJECT, &spec) ||
        !optional_member(spec, "env", JSON_ARRAY, &env) ||
        !optional_member(spec, "volumeClaimTemplates", JSON_ARRAY, &volumes))
        return false;
    /* Annotations are a map of strings; anything else the apiserver rejects
     * and we leave alone. */
    const char *key;
    json_t *value;
    json_object_foreach(v->annotations, key, value) {
        if (!json_is_string(value)) return false;
    }
    v->has_env = json_array_size(env) > 0;
    v->has_volumes = json_array_size(volumes) > 0;
    return true;
}

static const char *cold_start_reason(const claim_view *v)
{
    if (v->has_env && v->has_volumes) return "env,volumeClaimTemplates";
    if (v->has_env) return "env";
    if (v->has_volumes) return "volumeClaimTemplates";
    return NULL;
}

/* Sets annotation key to value: one add or replace on an existing map, or
 * collected into *added (a new map, created on first use) when the claim
 * has none. */
static void set_annotation(const claim_view *v, json_t **added, const char *key, const char *value,
                           wp_json_patch *patch)
{
    const char *path[] = {"metadata", "annotations", key};
    json_t *current = json_object_get(v->annotations, key);
    if (!v->annotations) {
        if (!*added) *added = wp_xalloc_check(json_object());
        json_object_set_new(*added, key, json_string(value));
    } else if (!current) wp_json_patch_add(patch, path, 3, json_string(value));
    else if (strcmp(json_string_value(current), value) != 0) wp_json_patch_replace(patch, path, 3, json_string(value));
}

bool wp_mutate_claim(wp_operation op, const json_t *claim, const struct timespec *now, wp_json_patch *patch)
{
    claim_view v = {0};
    if (!decode_claim(claim, &v)) return false;
    if (op != WP_OP_CREATE && op != WP_OP_UPDATE) return true;

    json_t *added = NULL;
    const char *reason = cold_start_reason(&v);
    if (reason) {
        set_annotation(&v, &added, WP_ANNOTATION_COLD_START_REASON, reason, patch);
    } else if (json_object_get(v.annotations, WP_ANNOTATION_COLD_START_REASON)) {
        const char *path[] = {"metadata", "annotations", WP_ANNOTATION_COLD_START_REASON};
        wp_json_patch_remove(patch, path, 3);
    }
    if (op == WP_OP_CREATE && !json_object_get(v.annotations, WP_ANNOTATION_FIRST_OBSERVED_AT)) {
        char ts[WP_RFC3339_NANO_SIZE];
        set_annotation(&v, &added, WP_ANNOTATION_FIRST_OBSERVED_AT, wp_format_rfc3339_nano(now, ts), patch);
    }

    /* A claim without annotations gets the whole map in one operation (a
     * JSON Patch cannot add a member to a map that does not exist). */
    if (added && v.metadata) {
        const char *path[] = {"metadata", "annotations"};
        wp_json_patch_add(patch, path, 2, added);
    } else if (added) {
        const char *path[] = {"metadata"};
        wp_json_patch_add(patch, path, 1, json_pack("{s:o}", "annotations", added));
    }
    return true;
}
