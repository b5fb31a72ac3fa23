/* SandboxClaim mutation. See mutate_claim.h. */
#include "common/mutate_claim.h"

#include <stdio.h>
#include <string.h>

#include "common/verdict.h"

/* Writes v as exactly `width` decimal digits ending just before end;
 * returns where it started. */
static char *put_digits(char *end, long long v, int width)
{
    for (int i = 0; i < width; i++, v /= 10) *--end = (char)('0' + v % 10);
    return end;
}

char *wp_format_rfc3339_nano(const struct timespec *t, char buf[WP_RFC3339_NANO_SIZE])
{
    struct tm tm;
    time_t secs = t->tv_sec;
    long long year;
    if (!gmtime_r(&secs, &tm) || (year = (long long)tm.tm_year + 1900) < 0 || year > 9999 || t->tv_nsec < 0 ||
        t->tv_nsec > 999999999) {
        /* Outside what RFC 3339 can say; not a time a caller passes. */
        snprintf(buf, WP_RFC3339_NANO_SIZE, "0000-01-01T00:00:00.000000000Z");
        return buf;
    }
    /* Fixed nine digits (not Go's trimmed RFC3339Nano) so the values sort
     * as strings; Go parses both. Written by hand: this runs per claim. */
    static const char SHAPE[] = "YYYY-MM-DDTHH:MM:SS.NNNNNNNNNZ";
    memcpy(buf, SHAPE, sizeof SHAPE);
    put_digits(buf + 4, year, 4);
    put_digits(buf + 7, tm.tm_mon + 1, 2);
    put_digits(buf + 10, tm.tm_mday, 2);
    put_digits(buf + 13, tm.tm_hour, 2);
    put_digits(buf + 16, tm.tm_min, 2);
    put_digits(buf + 19, tm.tm_sec, 2);
    put_digits(buf + 29, t->tv_nsec, 9);
    return buf;
}

/* The claim's parts the rules read, checked for type. */
typedef struct {
    const wp_jval *metadata, *annotations; /* borrowed, NULL when absent */
    bool has_env, has_volumes;             /* non-empty lists */
} claim_view;

static bool decode_claim(const wp_jval *claim, claim_view *v)
{
    const wp_jval *spec, *env, *volumes;
    if (!wp_jval_is_object(claim)) return false;
    if (!wp_jval_member(claim, "metadata", WP_JOBJECT, &v->metadata) ||
        !wp_jval_member(v->metadata, "annotations", WP_JOBJECT, &v->annotations) ||
        !wp_jval_member(claim, "spec", WP_JOBJECT, &spec) ||
        !wp_jval_member(spec, "env", WP_JARRAY, &env) ||
        !wp_jval_member(spec, "volumeClaimTemplates", WP_JARRAY, &volumes))
        return false;
    /* Annotations are a map of strings; anything else the apiserver rejects
     * and we leave alone. */
    for (size_t i = 0; i < wp_jval_size(v->annotations); i++)
        if (!wp_jval_is_string(&v->annotations->u.members[i].value)) return false;
    v->has_env = wp_jval_size(env) > 0;
    v->has_volumes = wp_jval_size(volumes) > 0;
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
    const wp_jval *current = wp_jval_get(v->annotations, key);
    if (!v->annotations) {
        if (!*added) *added = wp_xalloc_check(json_object());
        json_object_set_new(*added, key, json_string(value));
    } else if (!current) {
        wp_json_patch_add_string(patch, path, 3, value);
    } else if (!wp_jval_str_eq(current, value)) {
        wp_json_patch_replace_string(patch, path, 3, value);
    }
}

bool wp_mutate_claim(wp_operation op, const wp_jval *claim, const struct timespec *now, wp_json_patch *patch)
{
    claim_view v = {0};
    if (!decode_claim(claim, &v)) return false;
    if (op != WP_OP_CREATE && op != WP_OP_UPDATE) return true;

    json_t *added = NULL;
    const char *reason = cold_start_reason(&v);
    if (reason) {
        set_annotation(&v, &added, WP_ANNOTATION_COLD_START_REASON, reason, patch);
    } else if (wp_jval_get(v.annotations, WP_ANNOTATION_COLD_START_REASON)) {
        const char *path[] = {"metadata", "annotations", WP_ANNOTATION_COLD_START_REASON};
        wp_json_patch_remove(patch, path, 3);
    }
    if (op == WP_OP_CREATE && !wp_jval_get(v.annotations, WP_ANNOTATION_FIRST_OBSERVED_AT)) {
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
        json_t *metadata = json_pack("{s:O}", "annotations", added);
        wp_json_patch_add(patch, path, 1, metadata);
        json_decref(metadata);
    }
    json_decref(added);
    return true;
}
