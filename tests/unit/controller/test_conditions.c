/* Conditions behave as apimachinery's meta.SetStatusCondition: the
 * transition time moves only with the status, other fields update in place,
 * and the result says whether anything changed. */
#include "ctl_testing.h"

#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "controller/conditions.h"

static const char *field(const json_t *c, const char *k) { return json_string_value(json_object_get(c, k)); }

START_TEST(new_condition_is_appended_with_go_member_order)
{
    json_t *conds = json_array();
    wp_condition c = {"Ready", "False", "DependenciesNotReady", "Pod does not exist", 3, NULL};
    ck_assert(wp_conditions_set(conds, &c, "2026-01-01T00:00:00Z"));
    char *s = json_dumps(conds, JSON_COMPACT | JSON_PRESERVE_ORDER);
    ck_assert_str_eq(s, "[{\"type\":\"Ready\",\"status\":\"False\",\"observedGeneration\":3,"
                        "\"lastTransitionTime\":\"2026-01-01T00:00:00Z\",\"reason\":\"DependenciesNotReady\","
                        "\"message\":\"Pod does not exist\"}]");
    free(s);
    json_decref(conds);
}
END_TEST

START_TEST(transition_time_moves_only_with_status)
{
    json_t *conds = json_array();
    wp_condition c = {"Ready", "False", "A", "m1", 1, NULL};
    wp_conditions_set(conds, &c, "2026-01-01T00:00:00Z");
    /* same status, new reason and message: updated, time kept */
    c.reason = "B";
    c.message = "m2";
    ck_assert(wp_conditions_set(conds, &c, "2026-01-01T00:00:09Z"));
    json_t *r = wp_conditions_find(conds, "Ready");
    ck_assert_str_eq(field(r, "lastTransitionTime"), "2026-01-01T00:00:00Z");
    ck_assert_str_eq(field(r, "reason"), "B");
    ck_assert_str_eq(field(r, "message"), "m2");
    /* nothing differs: no change */
    ck_assert(!wp_conditions_set(conds, &c, "2026-01-01T00:00:10Z"));
    /* status flips: time moves */
    c.status = "True";
    ck_assert(wp_conditions_set(conds, &c, "2026-01-01T00:00:11Z"));
    ck_assert_str_eq(field(r, "lastTransitionTime"), "2026-01-01T00:00:11Z");
    /* generation alone is a change */
    c.observed_generation = 2;
    ck_assert(wp_conditions_set(conds, &c, "2026-01-01T00:00:12Z"));
    ck_assert_int_eq(json_integer_value(json_object_get(r, "observedGeneration")), 2);
    ck_assert_str_eq(field(r, "lastTransitionTime"), "2026-01-01T00:00:11Z");
    ck_assert_uint_eq(json_array_size(conds), 1);
    json_decref(conds);
}
END_TEST

START_TEST(given_transition_time_is_copied)
{
    json_t *conds = json_array();
    wp_condition c = {"Ready", "True", "DependenciesReady", "Pod is Ready", 0, "2025-05-05T05:05:05Z"};
    wp_conditions_set(conds, &c, "2026-01-01T00:00:00Z");
    json_t *r = wp_conditions_find(conds, "Ready");
    ck_assert_str_eq(field(r, "lastTransitionTime"), "2025-05-05T05:05:05Z");
    ck_assert_ptr_null(json_object_get(r, "observedGeneration")); /* omitempty */
    json_decref(conds);
}
END_TEST

START_TEST(find_remove_and_is_true)
{
    json_t *conds = json_array();
    wp_condition a = {"Suspended", "False", "NotSuspended", "Sandbox is not suspended", 1, NULL};
    wp_condition b = {"Ready", "True", "DependenciesReady", "Pod is Ready", 1, NULL};
    wp_conditions_set(conds, &a, NULL);
    wp_conditions_set(conds, &b, NULL);
    ck_assert(wp_conditions_is_true(conds, "Ready"));
    ck_assert(!wp_conditions_is_true(conds, "Suspended"));
    ck_assert(!wp_conditions_is_true(conds, "Finished"));
    ck_assert_str_eq(wp_condition_reason(wp_conditions_find(conds, "Suspended")), "NotSuspended");
    ck_assert(wp_conditions_remove(conds, "Suspended"));
    ck_assert(!wp_conditions_remove(conds, "Suspended"));
    ck_assert_ptr_null(wp_conditions_find(conds, "Suspended"));
    ck_assert_ptr_null(wp_conditions_find(NULL, "Ready"));
    /* a clock-made time looks like metav1.Time */
    const char *t = field(wp_conditions_find(conds, "Ready"), "lastTransitionTime");
    ck_assert_uint_eq(strlen(t), 20);
    ck_assert_int_eq(t[19], 'Z');
    json_decref(conds);
}
END_TEST

CT_MAIN("conditions", new_condition_is_appended_with_go_member_order, transition_time_moves_only_with_status, given_transition_time_is_copied, find_remove_and_is_true)
