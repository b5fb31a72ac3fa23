/* warmpool-controller's flags: upstream's defaults, both --flag value and
 * --flag=value, the controller list, and the refusals with their text. */
#include "ctl_testing.h"

#include <check.h>

#include "controller/flags.h"

static int parse(wp_ctl_flags *f, char *err, size_t n, int argc, char **argv)
{
    return wp_ctl_flags_parse(f, argc, argv, err, n);
}

START_TEST(defaults_are_upstreams)
{
    wp_ctl_flags f;
    char err[256] = "";
    char *argv[] = {"warmpool-controller"};
    ck_assert_int_eq(parse(&f, err, sizeof err, 1, argv), 0);
    ck_assert(f.leader_elect);
    ck_assert_str_eq(f.leader_election_id, "warmpool-controller.warmpool.io");
    ck_assert_str_eq(f.metrics_listen, ":8080");
    ck_assert_str_eq(f.health_listen, ":8081");
    ck_assert_str_eq(f.cluster_domain, "cluster.local");
    ck_assert_int_eq(f.workers[WP_CTL_SANDBOX], 100);
    ck_assert_int_eq(f.workers[WP_CTL_CLAIM], 50);
    ck_assert_int_eq(f.workers[WP_CTL_POOL], 1);
    ck_assert_int_eq(f.workers[WP_CTL_TEMPLATE], 1);
    ck_assert_int_eq(f.pool_batch_cap, 300);
    ck_assert_int_eq(f.readiness_grace_ms, 300000);
    ck_assert(f.enable_warm_pool_eviction);
    ck_assert_int_eq(f.kube_api_burst, 10);
    ck_assert(wp_ctl_flags_qps(&f) < 0);
    ck_assert_int_eq(f.lease_duration_ms, 15000);
    ck_assert_int_eq(f.renew_deadline_ms, 10000);
    ck_assert_int_eq(f.retry_period_ms, 2000);
    ck_assert_str_eq(f.digest_failure_policy, "fallback");
    /* every reconciler this build links is selected by default */
    unsigned bits = wp_ctl_flags_controllers(&f);
    ck_assert(bits & (1u << WP_CTL_SANDBOX));
    ck_assert(bits & (1u << WP_CTL_TEMPLATE));
    wp_flags_free(&wp_ctl_flag_set, &f);
}
END_TEST

START_TEST(both_syntaxes)
{
    wp_ctl_flags f;
    char err[256] = "";
    char *argv[] = {"warmpool-controller", "--cluster-domain", "corp.internal", "--kube-api-qps=50.5",
                    "--leader-elect=false", "--controllers", " template , sandbox ",
                    "--sandbox-warm-pool-readiness-grace-period=90s", "--sandbox-concurrent-workers", "7"};
    ck_assert_int_eq(parse(&f, err, sizeof err, 10, argv), 0);
    ck_assert_str_eq(f.cluster_domain, "corp.internal");
    ck_assert(wp_ctl_flags_qps(&f) == 50.5);
    ck_assert(!f.leader_elect);
    ck_assert_uint_eq(wp_ctl_flags_controllers(&f), (1u << WP_CTL_SANDBOX) | (1u << WP_CTL_TEMPLATE));
    ck_assert_int_eq(f.readiness_grace_ms, 90000);
    ck_assert_int_eq(f.workers[WP_CTL_SANDBOX], 7);
    wp_flags_free(&wp_ctl_flag_set, &f);
}
END_TEST

START_TEST(refusals_say_what_is_wrong)
{
    static const struct {
        const char *arg;
        const char *want;
    } cases[] = {
        {"--controllers=sandbox,claims",
         "--controllers: unknown controller \"claims\" (known: sandbox, template, pool, claim)"},
        {"--controllers=,", "--controllers: no controller selected (or none of them is built in)"},
        {"--kube-api-qps=1e999", "--kube-api-qps: \"1e999\" is not a number"},
        {"--log-level=loud", "--log-level: \"loud\" is not debug, info, warn or error"},
        {"--cluster-domain=", "--cluster-domain: must not be empty"},
        {"--digest-failure-policy=wait", "--digest-failure-policy: \"wait\" is not fallback or hold"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wp_ctl_flags f;
        char err[256] = "";
        char *argv[] = {"warmpool-controller", (char *)cases[i].arg};
        ck_assert_int_eq(parse(&f, err, sizeof err, 2, argv), -1);
        ck_assert_str_eq(err, cases[i].want);
        wp_flags_free(&wp_ctl_flag_set, &f);
    }
}
END_TEST

CT_MAIN("flags", defaults_are_upstreams, both_syntaxes, refusals_say_what_is_wrong)
