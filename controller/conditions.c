/* See conditions.h. */
#include "controller/conditions.h"

#include <string.h>

#include "common/verdict.h"
#include "controller/kube/kube_time.h"

static const char *str_member(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

const char *wp_condition_status(const json_t *cond) { return str_member(cond, "status"); }
const char *wp_condition_reason(const json_t *cond) { return str_member(cond, "reason"); }
const char *wp_condition_message(const json_t *cond) { return str_member(cond, "message"); }

json_t *wp_conditions_find(const json_t *conds, const char *type)
{
    size_t i;
    json_t *c;
    if (!json_is_array(conds)) return NULL;
    json_array_foreach(conds, i, c) {
        if (strcmp(str_member(c, "type"), type) == 0) return c;
    }
    return NULL;
}

bool wp_conditions_is_true(const json_t *conds, const char *type)
{
    json_t *c = wp_conditions_find(conds, type);
    return c && strcmp(wp_condition_status(c), "True") == 0;
}

bool wp_conditions_remove(json_t *conds, const char *type)
{
    size_t i;
    json_t *c;
    if (!json_is_array(conds)) return false;
    json_array_foreach(conds, i, c) {
        if (strcmp(str_member(c, "type"), type) == 0) {
            json_array_remove(conds, i);
            return true;
        }
    }
    return false;
}

/* The transition time for a change: the given one, else `now`, else the clock. */
static void transition_time(const wp_condition *c, const char *now, char buf[WP_KUBE_TIME_LEN])
{
    const char *t = c->last_transition_time && *c->last_transition_time ? c->last_transition_time : now;
    if (t && *t) {
        strncpy(buf, t, WP_KUBE_TIME_LEN - 1);
        buf[WP_KUBE_TIME_LEN - 1] = '\0';
    } else {
        wp_kube_time_format(wp_kube_wallclock(), buf);
    }
}

json_t *wp_condition_json(const wp_condition *c, const char *now)
{
    char t[WP_KUBE_TIME_LEN];
    transition_time(c, now, t);
    json_t *o = wp_xalloc_check(json_object());
    json_object_set_new(o, "type", json_string(c->type));
    json_object_set_new(o, "status", json_string(c->status ? c->status : ""));
    if (c->observed_generation) json_object_set_new(o, "observedGeneration", json_integer(c->observed_generation));
    json_object_set_new(o, "lastTransitionTime", json_string(t));
    json_object_set_new(o, "reason", json_string(c->reason ? c->reason : ""));
    json_object_set_new(o, "message", json_string(c->message ? c->message : ""));
    return o;
}

/* Sets o[key] = value when different; true when it changed. */
static bool update_string(json_t *o, const char *key, const char *value)
{
    value = value ? value : "";
    if (strcmp(str_member(o, key), value) == 0 && json_object_get(o, key)) return false;
    json_object_set_new(o, key, json_string(value));
    return true;
}

static bool update_generation(json_t *o, long long gen)
{
    json_t *cur = json_object_get(o, "observedGeneration");
    long long have = json_is_integer(cur) ? json_integer_value(cur) : 0;
    if (have == gen) return false;
    if (gen)
        json_object_set_new(o, "observedGeneration", json_integer(gen));
    else
        json_object_del(o, "observedGeneration");
    return true;
}

bool wp_conditions_set(json_t *conds, const wp_condition *c, const char *now)
{
    json_t *old = wp_conditions_find(conds, c->type);
    if (!old) {
        json_array_append_new(conds, wp_condition_json(c, now));
        return true;
    }
    bool changed = false;
    if (strcmp(wp_condition_status(old), c->status ? c->status : "") != 0) {
        char t[WP_KUBE_TIME_LEN];
        transition_time(c, now, t);
        json_object_set_new(old, "status", json_string(c->status ? c->status : ""));
        json_object_set_new(old, "lastTransitionTime", json_string(t));
        changed = true;
    }
    changed |= update_string(old, "reason", c->reason);
    changed |= update_string(old, "message", c->message);
    changed |= update_generation(old, c->observed_generation);
    return changed;
}
