/* The claim's status without I/O: every Ready reason and message in
 * upstream's priority, the Finished copy, observedGeneration, sorted
 * conditions, status.sandbox set and cleared, the one status patch. */
#include "ctl_testing.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "controller/claim_status.h"

#define NOW "2026-12-06T04:00:00Z"

static json_t *sandbox(const char *name, const char *ready_status, const char *ready_reason, const char *ips)
{
    json_t *sb = json_pack("{s:{s:s}, s:{s:[]}}", "metadata", "name", name, "status", "conditions");
    json_t *status = json_object_get(sb, "status");
    if (ready_status)
        json_array_append_new(json_object_get(status, "conditions"),
                              json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "type", "Ready", "status", ready_status,
                                        "reason", ready_reason, "message", "Pod is Ready", "lastTransitionTime",
                                        "2026-12-06T03:00:00Z", "observedGeneration", 1));
    if (ips) json_object_set_new(status, "podIPs", json_pack("[s]", ips));
    return sb;
}

static json_t *ready_of(wp_claim_status_input *in)
{
    return wp_claim_ready_condition(in);
}

static void assert_ready(json_t *c, const char *status, const char *reason, const char *message, long long gen)
{
    ck_assert_str_eq(json_string_value(json_object_get(c, "type")), "Ready");
    ck_assert_str_eq(json_string_value(json_object_get(c, "status")), status);
    ck_assert_str_eq(json_string_value(json_object_get(c, "reason")), reason);
    ck_assert_str_eq(json_string_value(json_object_get(c, "message")), message);
    ck_assert_int_eq(json_integer_value(json_object_get(c, "observedGeneration")), gen);
    json_decref(c);
}

static void assert_error_ready(wp_claim_err_kind kind, const char *text, const char *reason, const char *message)
{
    wp_claim_errors e = WP_CLAIM_ERRORS_INIT;
    wp_claim_errors_add(&e, kind, "%s", text);
    wp_claim_status_input in = {.errors = &e, .generation = 3, .now = NOW};
    assert_ready(ready_of(&in), "False", reason, message, 3);
    wp_claim_errors_clear(&e);
}

START_TEST(every_error_reason_and_message_is_upstreams)
{
    assert_error_ready(WP_CLAIM_ERR_TEMPLATE_NOT_FOUND, "SandboxTemplate \"t\" not found", "TemplateNotFound",
                       "SandboxTemplate \"t\" not found");
    assert_error_ready(WP_CLAIM_ERR_WARM_POOL_NOT_FOUND, "SandboxWarmPool \"p\" not found", "WarmPoolNotFound",
                       "SandboxWarmPool \"p\" not found");
    assert_error_ready(WP_CLAIM_ERR_ADOPTION_CONFLICT, "sandbox \"p-x\" was taken by another claim",
                       "AdoptionConflict",
                       "sandbox \"p-x\" was taken by another claim; the next pass retries from a converged view");
    assert_error_ready(WP_CLAIM_ERR_SANDBOX_CREATE_PENDING, "exists", "SandboxCreatePending",
                       "Sandbox already created; waiting for cache to converge");
    assert_error_ready(WP_CLAIM_ERR_INVALID_METADATA, "invalid additionalPodMetadata: x", "InvalidMetadata",
                       "invalid additionalPodMetadata: x");
    assert_error_ready(WP_CLAIM_ERR_ENV_REJECTED, "environment variable injection rejected: no",
                       "EnvVarsInjectionRejected", "environment variable injection rejected: no");
    assert_error_ready(WP_CLAIM_ERR_SANDBOX_NOT_OWNED, "sandbox \"c\" is not owned by the claim", "ClaimExpired",
                       "Claim expired. sandbox \"c\" is not owned by the claim; deletion skipped.");
    assert_error_ready(WP_CLAIM_ERR_VOLUME_CLAIM_TEMPLATES,
                       "failed to merge volume claim templates: volume claim templates are disallowed by the template",
                       "VolumeClaimTemplatesError",
                       "failed to merge volume claim templates: volume claim templates are disallowed by the template");
    assert_error_ready(WP_CLAIM_ERR_OTHER, "boom", "ReconcilerError", "Error seen: boom");
}
END_TEST

START_TEST(errors_follow_upstreams_priority_and_join_with_newlines)
{
    wp_claim_errors e = WP_CLAIM_ERRORS_INIT;
    wp_claim_errors_add(&e, WP_CLAIM_ERR_OTHER, "first");
    wp_claim_errors_add(&e, WP_CLAIM_ERR_ENV_REJECTED, "env %s", "no");
    wp_claim_status_input in = {.errors = &e, .generation = 2, .now = NOW};
    assert_ready(ready_of(&in), "False", "EnvVarsInjectionRejected", "first\nenv no", 2);
    wp_claim_errors_add(&e, WP_CLAIM_ERR_WARM_POOL_NOT_FOUND, "SandboxWarmPool \"p\" not found");
    assert_ready(ready_of(&in), "False", "WarmPoolNotFound", "SandboxWarmPool \"p\" not found", 2);
    wp_claim_errors_add(&e, WP_CLAIM_ERR_TEMPLATE_NOT_FOUND, "SandboxTemplate \"t\" not found");
    assert_ready(ready_of(&in), "False", "TemplateNotFound", "SandboxTemplate \"t\" not found", 2);
    ck_assert(wp_claim_errors_retryable(&e));
    char *all = wp_claim_errors_text(&e);
    ck_assert_str_eq(all, "first\nenv no\nSandboxWarmPool \"p\" not found\nSandboxTemplate \"t\" not found");
    free(all);
    wp_claim_errors_clear(&e);
    ck_assert_uint_eq(e.n, 0);
}
END_TEST

START_TEST(terminal_errors_are_not_retried)
{
    static const wp_claim_err_kind terminal[] = {
        WP_CLAIM_ERR_TEMPLATE_NOT_FOUND, WP_CLAIM_ERR_WARM_POOL_NOT_FOUND, WP_CLAIM_ERR_SANDBOX_CREATE_PENDING,
        WP_CLAIM_ERR_INVALID_METADATA,   WP_CLAIM_ERR_ENV_REJECTED,        WP_CLAIM_ERR_SANDBOX_NOT_OWNED,
        WP_CLAIM_ERR_VOLUME_CLAIM_TEMPLATES};
    for (size_t i = 0; i < sizeof terminal / sizeof *terminal; i++) {
        wp_claim_errors e = WP_CLAIM_ERRORS_INIT;
        wp_claim_errors_add(&e, terminal[i], "x");
        ck_assert_msg(!wp_claim_errors_retryable(&e), "kind %d", (int)terminal[i]);
        wp_claim_errors_clear(&e);
    }
    wp_claim_errors e = WP_CLAIM_ERRORS_INIT;
    wp_claim_errors_add(&e, WP_CLAIM_ERR_ADOPTION_CONFLICT, "x");
    ck_assert(wp_claim_errors_retryable(&e));
    wp_claim_errors_clear(&e);
}
END_TEST

START_TEST(without_errors_the_sandbox_decides)
{
    wp_claim_status_input in = {.generation = 4, .now = NOW, .expired = true};
    assert_ready(ready_of(&in), "False", "ClaimExpired", "Claim expired. Sandbox cleanup initiated.", 4);
    in.expired = false;
    assert_ready(ready_of(&in), "False", "SandboxMissing", "Sandbox does not exist", 4);

    json_t *sb = sandbox("s", "False", "SandboxExpired", NULL);
    in.sandbox = sb;
    assert_ready(ready_of(&in), "False", "SandboxExpired",
                 "Underlying Sandbox resource has expired independently of the Claim.", 4);
    json_decref(sb);

    sb = sandbox("s", NULL, NULL, NULL);
    in.sandbox = sb;
    assert_ready(ready_of(&in), "False", "SandboxNotReady", "Sandbox is not ready", 4);
    json_decref(sb);

    /* The Sandbox's Ready is copied verbatim, observedGeneration the claim's. */
    sb = sandbox("s", "True", "DependenciesReady", "10.0.0.1");
    in.sandbox = sb;
    json_t *c = ready_of(&in);
    ck_assert_str_eq(json_string_value(json_object_get(c, "lastTransitionTime")), "2026-12-06T03:00:00Z");
    assert_ready(c, "True", "DependenciesReady", "Pod is Ready", 4);
    json_decref(sb);
}
END_TEST

START_TEST(status_carries_ready_name_and_ips_together_sorted)
{
    json_t *sb = sandbox("pool-abcde", "True", "DependenciesReady", "10.0.0.7");
    json_array_append_new(json_object_get(json_object_get(sb, "status"), "conditions"),
                          json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "Finished", "status", "True", "reason",
                                    "PodSucceeded", "message", "Pod completed successfully", "lastTransitionTime",
                                    "2026-12-06T03:30:00Z"));
    wp_claim_status_input in = {.sandbox = sb, .generation = 1, .now = NOW};
    json_t *st = wp_claim_status_compute(NULL, &in);
    json_t *conds = json_object_get(st, "conditions");
    ck_assert_uint_eq(json_array_size(conds), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(conds, 0), "type")), "Finished");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(conds, 1), "type")), "Ready");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(conds, 0), "lastTransitionTime")),
                     "2026-12-06T03:30:00Z");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(conds, 1), "lastTransitionTime")),
                     "2026-12-06T03:00:00Z");
    json_t *ref = json_object_get(st, "sandbox");
    ck_assert_str_eq(json_string_value(json_object_get(ref, "name")), "pool-abcde");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(ref, "podIPs"), 0)), "10.0.0.7");

    /* One patch with all three, under the resourceVersion lock. */
    json_t *patch = wp_claim_status_patch(NULL, st, "42");
    char *text = json_dumps(patch, JSON_SORT_KEYS | JSON_COMPACT);
    ck_assert_ptr_nonnull(strstr(text, "\"metadata\":{\"resourceVersion\":\"42\"}"));
    ck_assert_ptr_nonnull(strstr(text, "\"sandbox\":{\"name\":\"pool-abcde\",\"podIPs\":[\"10.0.0.7\"]}"));
    ck_assert_ptr_nonnull(strstr(text, "\"reason\":\"DependenciesReady\""));
    free(text);
    json_decref(patch);

    /* Same inputs again: nothing to write. */
    json_t *again = wp_claim_status_compute(st, &in);
    ck_assert_ptr_null(wp_claim_status_patch(st, again, "43"));
    json_decref(again);

    /* The Sandbox loses Finished: the claim's goes too. */
    json_array_remove(json_object_get(json_object_get(sb, "status"), "conditions"), 1);
    json_t *later = wp_claim_status_compute(st, &in);
    ck_assert_ptr_null(wp_claim_condition(later, "Finished"));
    json_decref(later);
    json_decref(st);
    json_decref(sb);
}
END_TEST

START_TEST(ready_transition_time_moves_only_when_status_changes)
{
    json_t *old = json_pack("{s:[{s:s, s:s, s:s, s:s, s:s, s:i}]}", "conditions", "type", "Ready", "status",
                            "False", "reason", "SandboxNotReady", "message", "Sandbox is not ready",
                            "lastTransitionTime", "2026-12-06T01:00:00Z", "observedGeneration", 1);
    wp_claim_status_input in = {.generation = 2, .now = NOW};
    json_t *st = wp_claim_status_compute(old, &in); /* still False: SandboxMissing */
    const json_t *r = wp_claim_condition(st, "Ready");
    ck_assert_str_eq(json_string_value(json_object_get(r, "lastTransitionTime")), "2026-12-06T01:00:00Z");
    ck_assert_str_eq(json_string_value(json_object_get(r, "reason")), "SandboxMissing");
    ck_assert_int_eq(json_integer_value(json_object_get(r, "observedGeneration")), 2);
    json_decref(st);

    json_t *sb = sandbox("s", "True", "DependenciesReady", "10.0.0.1");
    in.sandbox = sb;
    st = wp_claim_status_compute(old, &in); /* False -> True: the Sandbox's time */
    r = wp_claim_condition(st, "Ready");
    ck_assert_str_eq(json_string_value(json_object_get(r, "lastTransitionTime")), "2026-12-06T03:00:00Z");
    json_decref(st);
    json_decref(sb);

    in.sandbox = NULL;
    in.errors = NULL;
    json_t *fresh = wp_claim_status_compute(NULL, &in); /* a new condition: now */
    ck_assert_str_eq(json_string_value(json_object_get(wp_claim_condition(fresh, "Ready"), "lastTransitionTime")),
                     NOW);
    json_decref(fresh);
    json_decref(old);
}
END_TEST

START_TEST(sandbox_reference_clears_only_without_error_or_when_not_owned)
{
    json_t *old = json_pack("{s:{s:s, s:[s]}}", "sandbox", "name", "pool-x", "podIPs", "10.0.0.2");
    wp_claim_errors e = WP_CLAIM_ERRORS_INIT;
    wp_claim_errors_add(&e, WP_CLAIM_ERR_OTHER, "transient");
    wp_claim_status_input in = {.errors = &e, .generation = 1, .now = NOW};
    json_t *st = wp_claim_status_compute(old, &in);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(st, "sandbox"), "name")), "pool-x");
    json_decref(st);

    wp_claim_errors_add(&e, WP_CLAIM_ERR_SANDBOX_NOT_OWNED, "not owned");
    st = wp_claim_status_compute(old, &in);
    ck_assert_ptr_null(json_object_get(json_object_get(st, "sandbox"), "name"));
    json_t *patch = wp_claim_status_patch(old, st, "7");
    char *text = json_dumps(json_object_get(json_object_get(patch, "status"), "sandbox"), JSON_SORT_KEYS | JSON_COMPACT);
    ck_assert_str_eq(text, "{\"name\":null,\"podIPs\":null}");
    free(text);
    json_decref(patch);
    json_decref(st);
    wp_claim_errors_clear(&e);

    in.errors = NULL;
    st = wp_claim_status_compute(old, &in);
    ck_assert_ptr_null(json_object_get(json_object_get(st, "sandbox"), "name"));
    json_decref(st);
    json_decref(old);
}
END_TEST

START_TEST(expired_claim_keeps_finished_without_sandbox)
{
    json_t *old = json_pack("{s:[{s:s, s:s, s:s, s:s, s:s}]}", "conditions", "type", "Finished", "status", "True",
                            "reason", "PodSucceeded", "message", "Pod completed successfully", "lastTransitionTime",
                            "2026-12-06T02:00:00Z");
    wp_claim_status_input in = {.expired = true, .generation = 1, .now = NOW};
    json_t *st = wp_claim_status_compute(old, &in);
    ck_assert_ptr_nonnull(wp_claim_condition(st, "Finished"));
    json_decref(st);
    in.expired = false;
    st = wp_claim_status_compute(old, &in);
    ck_assert_ptr_null(wp_claim_condition(st, "Finished"));
    json_decref(st);
    json_decref(old);
}
END_TEST

START_TEST(ready_only_keeps_the_sandbox_reference_and_finished)
{
    json_t *old = json_pack("{s:[{s:s, s:s, s:s, s:s, s:s}], s:{s:s}}", "conditions", "type", "Finished", "status",
                            "True", "reason", "PodSucceeded", "message", "Pod completed successfully",
                            "lastTransitionTime", "2026-12-06T02:00:00Z", "sandbox", "name", "pool-x");
    wp_claim_status_input in = {.expired = true, .generation = 5, .now = NOW, .ready_only = true};
    json_t *st = wp_claim_status_compute(old, &in);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(st, "sandbox"), "name")), "pool-x");
    ck_assert_ptr_nonnull(wp_claim_condition(st, "Finished"));
    ck_assert_str_eq(json_string_value(json_object_get(wp_claim_condition(st, "Ready"), "reason")), "ClaimExpired");
    json_decref(st);
    json_decref(old);
}
END_TEST

CT_MAIN("claim_status",
        every_error_reason_and_message_is_upstreams,
        errors_follow_upstreams_priority_and_join_with_newlines,
        terminal_errors_are_not_retried,
        without_errors_the_sandbox_decides,
        status_carries_ready_name_and_ips_together_sorted,
        ready_transition_time_moves_only_when_status_changes,
        sandbox_reference_clears_only_without_error_or_when_not_owned,
        expired_claim_keeps_finished_without_sandbox,
        ready_only_keeps_the_sandbox_reference_and_finished)
