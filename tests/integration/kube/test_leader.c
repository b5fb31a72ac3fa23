/* Leader election with two candidates against the test API server: one
 * leads; the Lease says so (holder, transitions, RFC 3339 micro-times); a
 * clean stop releases it and the standby takes over within one retry
 * period; a leader that cannot renew steps down by the renew deadline; a
 * leader that vanishes without releasing is replaced after the lease
 * expires. Also the configuration checks and the default identity.
 *
 * ctest-labels: tsan */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "controller/kube/kube_time.h"
#include "controller/kube/leader.h"
#include "harness.h"

static wp_kube_client *kc;

static void setup(void)
{
    wp_kube_client_opts o = {.qps = -1};
    kc = wpt_client(&wpt_srv, &o);
}

static void teardown(void) { wp_kube_client_free(kc); }

typedef struct {
    atomic_int started, stopped, new_leader;
    atomic_bool leading;
} watcher;

static void started(void *ctx)
{
    watcher *w = ctx;
    atomic_fetch_add(&w->started, 1);
    atomic_store(&w->leading, true);
}

static void stopped(void *ctx)
{
    watcher *w = ctx;
    atomic_fetch_add(&w->stopped, 1);
    atomic_store(&w->leading, false);
}

static void new_leader(void *ctx, const char *id)
{
    (void)id;
    watcher *w = ctx;
    atomic_fetch_add(&w->new_leader, 1);
}

#define RETRY 0.25

static wp_leader *candidate(const char *lease, const char *id, watcher *w)
{
    wp_leader_config cfg = {.namespace = "default", .name = lease, .identity = id, .lease_duration = 1.5,
                            .renew_deadline = 0.8, .retry_period = RETRY, .on_started_leading = started,
                            .on_stopped_leading = stopped, .on_new_leader = new_leader, .ctx = w};
    char err[256];
    wp_leader *le = wp_leader_new(kc, &cfg, err, sizeof err);
    ck_assert_msg(le != NULL, "%s", err);
    return le;
}

static bool is_leader(void *ctx) { return wp_leader_is_leader(ctx); }

static json_t *lease_spec(const char *name)
{
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *lease = wp_kube_get(wpt_srv.ctl, wp_kube_kind_get(WP_KIND_LEASE), "default", name, &err);
    ck_assert_msg(lease != NULL, "%s", err.message);
    json_t *spec = json_incref(json_object_get(lease, "spec"));
    json_decref(lease);
    return spec;
}

static void expect_micro_time(const json_t *spec, const char *field)
{
    const char *t = json_string_value(json_object_get(spec, field));
    ck_assert_msg(t != NULL, "%s missing", field);
    /* 2024-05-01T10:00:00.123456Z */
    ck_assert_msg(strlen(t) == 27 && t[19] == '.' && t[26] == 'Z', "%s = %s", field, t);
    double when;
    ck_assert(wp_kube_time_parse(t, &when));
    ck_assert(when > wp_kube_wallclock() - 60 && when < wp_kube_wallclock() + 60);
}

START_TEST(one_leads_and_a_clean_stop_hands_over_within_a_retry_period)
{
    watcher wa = {0}, wb = {0};
    wp_leader *a = candidate("handover", "cand-a", &wa);
    wp_leader *b = candidate("handover", "cand-b", &wb);
    ck_assert_int_eq(wp_leader_start(a), 0);
    ck_assert(wpt_eventually(5, is_leader, a));
    ck_assert_int_eq(wp_leader_start(b), 0);
    wp_kube_sleep(3 * RETRY);
    ck_assert(wp_leader_is_leader(a));
    ck_assert(!wp_leader_is_leader(b));
    ck_assert_int_eq(atomic_load(&wa.started), 1);
    ck_assert_int_eq(atomic_load(&wb.started), 0);
    char *holder = wp_leader_observed_holder(b);
    ck_assert_str_eq(holder, "cand-a");
    free(holder);
    ck_assert_int_ge(atomic_load(&wb.new_leader), 1);

    json_t *spec = lease_spec("handover");
    ck_assert_str_eq(json_string_value(json_object_get(spec, "holderIdentity")), "cand-a");
    ck_assert_int_eq(json_integer_value(json_object_get(spec, "leaseDurationSeconds")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(spec, "leaseTransitions")), 0);
    expect_micro_time(spec, "acquireTime");
    expect_micro_time(spec, "renewTime");
    json_decref(spec);

    double t0 = wp_kube_monotonic();
    wp_leader_stop(a); /* releases */
    ck_assert(!wp_leader_is_leader(a));
    ck_assert_int_eq(atomic_load(&wa.stopped), 1);
    ck_assert(wpt_eventually(5, is_leader, b));
    double took = wp_kube_monotonic() - t0;
    ck_assert_msg(took <= RETRY + 0.3, "standby took over after %f s (one retry period plus a request)", took);
    ck_assert_int_eq(atomic_load(&wb.started), 1);

    spec = lease_spec("handover");
    ck_assert_str_eq(json_string_value(json_object_get(spec, "holderIdentity")), "cand-b");
    ck_assert_int_eq(json_integer_value(json_object_get(spec, "leaseTransitions")), 1);
    json_decref(spec);
    wp_leader_free(b);
    ck_assert_int_eq(atomic_load(&wb.stopped), 1);
    spec = lease_spec("handover"); /* released by b too */
    ck_assert_str_eq(json_string_value(json_object_get(spec, "holderIdentity")), "");
    ck_assert_int_eq(json_integer_value(json_object_get(spec, "leaseDurationSeconds")), 1);
    json_decref(spec);
    wp_leader_free(a);
}
END_TEST

START_TEST(renewal_failures_step_down_by_the_deadline)
{
    watcher w = {0};
    wp_leader *le = candidate("stepdown", "solo", &w);
    ck_assert_int_eq(wp_leader_start(le), 0);
    ck_assert(wpt_eventually(5, is_leader, le));
    /* the API server stops answering lease requests */
    wpt_control_do(&wpt_srv, "errors", "{\"path\":\"/leases/stepdown$\",\"seconds\":2.5,\"code\":503}");
    double t0 = wp_kube_monotonic();
    while (wp_leader_is_leader(le) && wp_kube_monotonic() - t0 < 5) wp_kube_sleep(0.01);
    double lost_after = wp_kube_monotonic() - t0;
    ck_assert_msg(lost_after <= 0.8 + 0.05, "still leader %f s after renewals started failing", lost_after);
    /* the callback follows within a retry period */
    double cb_deadline = wp_kube_monotonic() + RETRY + 0.3;
    while (!atomic_load(&w.stopped) && wp_kube_monotonic() < cb_deadline) wp_kube_sleep(0.01);
    ck_assert_int_eq(atomic_load(&w.stopped), 1);
    ck_assert(!atomic_load(&w.leading));
    /* it campaigns again and wins once the server answers */
    ck_assert(wpt_eventually(8, is_leader, le));
    ck_assert_int_eq(atomic_load(&w.started), 2);
    wp_leader_free(le);
}
END_TEST

/* A leader killed without releasing (keep_on_stop mimics a crash): the
 * standby waits for the lease to expire, measured on its own clock. */
START_TEST(an_abandoned_lease_is_taken_after_it_expires)
{
    watcher wa = {0}, wb = {0};
    wp_leader_config cfg = {.namespace = "default", .name = "abandoned", .identity = "crashy",
                            .lease_duration = 1.5, .renew_deadline = 0.8, .retry_period = RETRY,
                            .keep_on_stop = true, .on_started_leading = started, .on_stopped_leading = stopped,
                            .ctx = &wa};
    char err[256];
    wp_leader *a = wp_leader_new(kc, &cfg, err, sizeof err);
    wp_leader *b = candidate("abandoned", "patient", &wb);
    ck_assert_int_eq(wp_leader_start(a), 0);
    ck_assert(wpt_eventually(5, is_leader, a));
    ck_assert_int_eq(wp_leader_start(b), 0);
    wp_kube_sleep(2 * RETRY);
    double t0 = wp_kube_monotonic();
    wp_leader_stop(a);
    ck_assert(wpt_eventually(6, is_leader, b));
    double took = wp_kube_monotonic() - t0;
    /* leaseDurationSeconds is 1 (whole seconds); the standby saw the last
     * renewal at most a retry period before the stop */
    ck_assert_msg(took >= 1.0 - RETRY - 0.05 && took <= 1.0 + 2 * RETRY + 0.3, "took over after %f s", took);
    json_t *spec = lease_spec("abandoned");
    ck_assert_str_eq(json_string_value(json_object_get(spec, "holderIdentity")), "patient");
    ck_assert_int_eq(json_integer_value(json_object_get(spec, "leaseTransitions")), 1);
    json_decref(spec);
    wp_leader_free(a);
    wp_leader_free(b);
}
END_TEST

START_TEST(configuration_is_checked)
{
    char err[256];
    wp_leader_config bad = {.namespace = "default", .name = "x", .lease_duration = 5, .renew_deadline = 5};
    ck_assert_ptr_null(wp_leader_new(kc, &bad, err, sizeof err));
    ck_assert_str_eq(err, "lease duration (5 s) must be longer than the renew deadline (5 s)");
    wp_leader_config bad2 = {.namespace = "default", .name = "x", .renew_deadline = 2, .retry_period = 2};
    ck_assert_ptr_null(wp_leader_new(kc, &bad2, err, sizeof err));
    ck_assert_str_eq(err, "renew deadline (2 s) must be longer than 1.2 x the retry period (2 s)");
    wp_leader_config unnamed = {.namespace = "default"};
    ck_assert_ptr_null(wp_leader_new(kc, &unnamed, err, sizeof err));
    ck_assert_str_eq(err, "leader election needs the lease's namespace and name");

    wp_leader_config defaults = {.namespace = "default", .name = "defaults"};
    setenv("POD_NAME", "warmpool-controller-7d9f", 1);
    wp_leader *le = wp_leader_new(kc, &defaults, err, sizeof err);
    ck_assert_ptr_nonnull(le);
    ck_assert_str_eq(wp_leader_identity(le), "warmpool-controller-7d9f");
    wp_leader_free(le);
    unsetenv("POD_NAME");
    char *id = wp_leader_default_identity();
    char host[256] = "";
    gethostname(host, sizeof host);
    ck_assert_msg(strncmp(id, host, strlen(host)) == 0 && id[strlen(host)] == '_' && strlen(id) == strlen(host) + 9,
                  "%s", id);
    char *id2 = wp_leader_default_identity();
    ck_assert_str_ne(id, id2);
    free(id);
    free(id2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kube-leader");
    TCase *tc = wpt_tcase("leader", setup, teardown, 60);
    tcase_add_test(tc, one_leads_and_a_clean_stop_hands_over_within_a_retry_period);
    tcase_add_test(tc, renewal_failures_step_down_by_the_deadline);
    tcase_add_test(tc, an_abandoned_lease_is_taken_after_it_expires);
    tcase_add_test(tc, configuration_is_checked);
    suite_add_tcase(s, tc);
    return wpt_run(s);
}
