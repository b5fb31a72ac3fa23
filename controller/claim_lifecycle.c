/* Claim expiry (claim_lifecycle.h). */
#include "controller/claim_lifecycle.h"

#include <string.h>

#include "common/names.h"

static const json_t *lifecycle_of(const json_t *claim)
{
    return json_object_get(json_object_get(claim, "spec"), "lifecycle");
}

wp_claim_shutdown_policy wp_claim_shutdown_policy_of(const json_t *claim)
{
    const char *p = json_string_value(json_object_get(lifecycle_of(claim), "shutdownPolicy"));
    if (p && strcmp(p, "Delete") == 0) return WP_CLAIM_SHUTDOWN_DELETE;
    if (p && strcmp(p, "DeleteForeground") == 0) return WP_CLAIM_SHUTDOWN_DELETE_FOREGROUND;
    return WP_CLAIM_SHUTDOWN_RETAIN;
}

const char *wp_claim_shutdown_policy_name(wp_claim_shutdown_policy p)
{
    switch (p) {
    case WP_CLAIM_SHUTDOWN_DELETE: return "Delete";
    case WP_CLAIM_SHUTDOWN_DELETE_FOREGROUND: return "DeleteForeground";
    case WP_CLAIM_SHUTDOWN_RETAIN: break;
    }
    return "Retain";
}

static bool parse_time(const json_t *v, struct timespec *out)
{
    const char *s = json_string_value(v);
    return s && wp_name_parse_rfc3339(s, strlen(s), out);
}

static bool before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Finished=True's lastTransitionTime + ttl, when both exist. */
static bool finished_expiry(const json_t *claim, const json_t *lifecycle, struct timespec *at)
{
    const json_t *ttl = json_object_get(lifecycle, "ttlSecondsAfterFinished");
    if (!json_is_integer(ttl) || json_integer_value(ttl) < 0) return false;
    const json_t *conds = json_object_get(json_object_get(claim, "status"), "conditions");
    size_t i;
    const json_t *c;
    json_array_foreach(conds, i, c) {
        const char *type = json_string_value(json_object_get(c, "type"));
        const char *status = json_string_value(json_object_get(c, "status"));
        if (!type || strcmp(type, "Finished") != 0 || !status || strcmp(status, "True") != 0) continue;
        if (!parse_time(json_object_get(c, "lastTransitionTime"), at)) return false;
        at->tv_sec += (time_t)json_integer_value(ttl);
        return true;
    }
    return false;
}

bool wp_claim_expiry_time(const json_t *claim, struct timespec *at)
{
    const json_t *lifecycle = lifecycle_of(claim);
    if (!json_is_object(lifecycle)) return false;
    struct timespec shutdown, finished;
    bool has_shutdown = parse_time(json_object_get(lifecycle, "shutdownTime"), &shutdown);
    bool has_finished = finished_expiry(claim, lifecycle, &finished);
    if (!has_shutdown && !has_finished) return false;
    if (has_shutdown && (!has_finished || before(&shutdown, &finished))) *at = shutdown;
    else *at = finished;
    return true;
}

wp_claim_expiry wp_claim_expiry_at(const json_t *claim, const struct timespec *now)
{
    wp_claim_expiry r = {false, -1};
    struct timespec at;
    if (!wp_claim_expiry_time(claim, &at)) return r;
    if (!before(now, &at)) {
        r.expired = true;
        r.remaining = 0;
        return r;
    }
    r.remaining = (double)(at.tv_sec - now->tv_sec) + (double)(at.tv_nsec - now->tv_nsec) / 1e9;
    return r;
}
