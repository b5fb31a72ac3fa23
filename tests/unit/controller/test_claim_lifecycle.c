/* Claim expiry: the earlier of shutdownTime and Finished + ttl, the three
 * shutdown policies, and what "never" looks like. */
#include "ctl_testing.h"
#include <jansson.h>
#include <stdlib.h>

#include "controller/claim_lifecycle.h"

static json_t *claim(const char *lifecycle, const char *finished_status, const char *finished_at)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "{\"spec\":{%s%s}}", lifecycle ? "\"lifecycle\":" : "", lifecycle ? lifecycle : "");
    json_t *c = json_loads(buf, 0, NULL);
    ck_assert_ptr_nonnull(c);
    if (finished_status)
        json_object_set_new(c, "status",
                            json_pack("{s:[{s:s, s:s, s:s}]}", "conditions", "type", "Finished", "status",
                                      finished_status, "lastTransitionTime", finished_at));
    return c;
}

static const struct timespec t0 = {1796532000, 0}; /* 2026-12-06T04:40:00Z */

START_TEST(shutdown_time_alone)
{
    json_t *c = claim("{\"shutdownTime\":\"2026-12-06T04:40:10Z\"}", NULL, NULL);
    wp_claim_expiry e = wp_claim_expiry_at(c, &t0);
    ck_assert(!e.expired);
    ck_assert_double_eq_tol(e.remaining, 10.0, 1e-9);
    struct timespec later = {t0.tv_sec + 10, 0};
    e = wp_claim_expiry_at(c, &later);
    ck_assert(e.expired);
    json_decref(c);
}
END_TEST

START_TEST(finished_plus_ttl_and_the_earlier_wins)
{
    json_t *c = claim("{\"ttlSecondsAfterFinished\":30,\"shutdownTime\":\"2026-12-06T05:00:00Z\"}", "True",
                      "2026-12-06T04:39:50Z");
    wp_claim_expiry e = wp_claim_expiry_at(c, &t0);
    ck_assert(!e.expired);
    ck_assert_double_eq_tol(e.remaining, 20.0, 1e-9);
    json_decref(c);

    c = claim("{\"ttlSecondsAfterFinished\":0}", "True", "2026-12-06T04:39:50Z");
    ck_assert(wp_claim_expiry_at(c, &t0).expired);
    json_decref(c);

    /* Finished=False does not count; neither does a ttl without Finished */
    c = claim("{\"ttlSecondsAfterFinished\":0}", "False", "2026-12-06T04:39:50Z");
    ck_assert(!wp_claim_expiry_at(c, &t0).expired);
    ck_assert_double_eq(wp_claim_expiry_at(c, &t0).remaining, -1);
    json_decref(c);
}
END_TEST

START_TEST(never_without_lifecycle_or_with_bad_times)
{
    json_t *c = claim(NULL, "True", "2026-12-06T04:00:00Z");
    struct timespec at;
    ck_assert(!wp_claim_expiry_time(c, &at));
    json_decref(c);
    c = claim("{\"shutdownTime\":\"tomorrow\"}", NULL, NULL);
    ck_assert(!wp_claim_expiry_time(c, &at));
    json_decref(c);
}
END_TEST

START_TEST(shutdown_policies)
{
    json_t *c = claim("{}", NULL, NULL);
    ck_assert_int_eq(wp_claim_shutdown_policy_of(c), WP_CLAIM_SHUTDOWN_RETAIN);
    json_decref(c);
    c = claim("{\"shutdownPolicy\":\"Delete\"}", NULL, NULL);
    ck_assert_int_eq(wp_claim_shutdown_policy_of(c), WP_CLAIM_SHUTDOWN_DELETE);
    json_decref(c);
    c = claim("{\"shutdownPolicy\":\"DeleteForeground\"}", NULL, NULL);
    ck_assert_int_eq(wp_claim_shutdown_policy_of(c), WP_CLAIM_SHUTDOWN_DELETE_FOREGROUND);
    json_decref(c);
    ck_assert_str_eq(wp_claim_shutdown_policy_name(WP_CLAIM_SHUTDOWN_RETAIN), "Retain");
    ck_assert_str_eq(wp_claim_shutdown_policy_name(WP_CLAIM_SHUTDOWN_DELETE), "Delete");
    ck_assert_str_eq(wp_claim_shutdown_policy_name(WP_CLAIM_SHUTDOWN_DELETE_FOREGROUND), "DeleteForeground");
}
END_TEST

CT_MAIN("claim_lifecycle",
        shutdown_time_alone,
        finished_plus_ttl_and_the_earlier_wins,
        never_without_lifecycle_or_with_bad_times,
        shutdown_policies)
