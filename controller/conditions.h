/* metav1.Condition lists on jansson, with apimachinery's meta.SetStatusCondition
 * semantics, so statuses written here match upstream's field for field:
 *   - a new type is appended (lastTransitionTime = the given time or now);
 *   - an existing one changes lastTransitionTime only when its status
 *     changes; reason, message and observedGeneration are updated in place;
 *   - the result says whether anything changed (status writes are skipped
 *     when nothing did).
 * JSON member order is Go's: type, status, observedGeneration (omitted when
 * 0), lastTransitionTime, reason, message.
 *
 * `conds` is a JSON array owned by the caller and modified in place. */
#ifndef WP_CONTROLLER_CONDITIONS_H
#define WP_CONTROLLER_CONDITIONS_H

#include <jansson.h>
#include <stdbool.h>

/* Borrowed strings. last_transition_time: NULL = now (when it must be set). */
typedef struct {
    const char *type;
    const char *status; /* "True" | "False" | "Unknown" */
    const char *reason;
    const char *message;
    long long observed_generation;
    const char *last_transition_time; /* RFC 3339, e.g. copied from another object */
} wp_condition;

/* SetStatusCondition. now: the RFC 3339 time to use as "now" (NULL: the
 * wall clock, second precision, as metav1.Time). Returns true when conds
 * changed. */
bool wp_conditions_set(json_t *conds, const wp_condition *c, const char *now);

/* The condition of that type (borrowed from conds), or NULL. conds may be
 * NULL or not an array. */
json_t *wp_conditions_find(const json_t *conds, const char *type);

/* Removes the condition of that type; true when one was removed. */
bool wp_conditions_remove(json_t *conds, const char *type);

/* Reads a condition's status/reason/message (borrowed; "" when absent). */
const char *wp_condition_status(const json_t *cond);
const char *wp_condition_reason(const json_t *cond);
const char *wp_condition_message(const json_t *cond);

/* True when conds has `type` with status "True". */
bool wp_conditions_is_true(const json_t *conds, const char *type);

/* A new condition object in Go's member order (caller decrefs). */
json_t *wp_condition_json(const wp_condition *c, const char *now);

#endif
