/* Isolation mode: plugins in their own process (warmpool-plugin-runner).
 * A crash in a call or in create is contained and reported; a hang gets
 * the child killed so the instance is usable again; refusals read the same
 * as in-process; a well-behaved plugin works.
 * ctest-labels: tsan */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "controller/plugin/plugin_host.h"

#define FX WP_FIXTURE_DIR "/"

static const wp_plugin_host_options opts = {.runner_path = WP_RUNNER, .failure_threshold = 100};

static wp_plugin_host *load(wp_plugin_error *err, const char *file, const char *extra)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml, "plugins:\n- {name: x, kind: hook, path: %s, isolation: process%s}\n", file,
             extra ? extra : "");
    return wp_plugin_host_load_buffer(yaml, strlen(yaml), "plugins.yaml", WP_FIXTURE_DIR, &opts, err);
}

typedef struct {
    int status;
    char message[512];
} outcome;

static void record(void *arg, const char *instance, int status, const char *message, unsigned attempts)
{
    outcome *o = arg;
    (void)instance, (void)attempts;
    o->status = status;
    snprintf(o->message, sizeof o->message, "%s", message);
}

static outcome event(wp_plugin_host *h)
{
    outcome o = {-1, ""};
    wp_plugin_host_event ev = {.event = "ready", .namespace_ = "ns", .sandbox = "sb", .pod_ip = "10.0.0.1", .json = "{}", .json_len = 2};
    ck_assert_uint_eq(wp_plugin_host_hook(h, &ev, record, &o), 1);
    ck_assert(wp_plugin_host_hook_drain(h, 10000));
    return o;
}

/* Under a sanitizer the runner reports the SIGSEGV itself and ends with
 * SIGABRT (ASan) or exit status 66 (TSan). */
static bool sanitizer_crash(const char *msg, const char *prefix, const char *suffix)
{
    char a[512], b[512];
    snprintf(a, sizeof a, "%sdied (SIGABRT)%s", prefix, suffix);
    snprintf(b, sizeof b, "%sexited with status 66%s", prefix, suffix);
    return strcmp(msg, a) == 0 || strcmp(msg, b) == 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

START_TEST(a_well_behaved_plugin_works_isolated)
{
    wp_plugin_error err;
    wp_plugin_host *h = load(&err, "flaky_hook.so", ", config: {token: t, ok_on_attempt: 2}");
    ck_assert_msg(h != NULL, "%s", err.message);
    outcome o = event(h);
    ck_assert_msg(o.status == WP_PLUGIN_OK, "%s", o.message);
    wp_plugin_host_free(h);
}
END_TEST

START_TEST(a_crash_in_a_call_takes_only_the_child_down)
{
    wp_plugin_error err;
    wp_plugin_host *h = load(&err, "crashes_in_call.so", NULL);
    ck_assert_msg(h != NULL, "%s", err.message);
    for (int i = 0; i < 2; i++) { /* and the child is restarted for the next event */
        outcome o = event(h);
        ck_assert_int_eq(o.status, WP_PLUGIN_FAIL);
        ck_assert_msg(strcmp(o.message, "plugin x: event: the plugin process died (SIGSEGV); restarted on the next call") == 0 ||
                          sanitizer_crash(o.message, "plugin x: event: the plugin process ", "; restarted on the next call"),
                      "%s", o.message);
    }
    wp_plugin_host_free(h);
}
END_TEST

START_TEST(a_crash_in_create_is_a_refusal)
{
    wp_plugin_error err;
    ck_assert_ptr_null(load(&err, "crashes_in_create.so", NULL));
    ck_assert_msg(strcmp(err.message, "plugin x (" FX "crashes_in_create.so): the plugin process died (SIGSEGV) during create") == 0 ||
                      sanitizer_crash(err.message, "plugin x (" FX "crashes_in_create.so): the plugin process ", " during create"),
                  "%s", err.message);
}
END_TEST

START_TEST(refusals_read_as_they_do_in_process)
{
    wp_plugin_error err;
    ck_assert_ptr_null(load(&err, "major_mismatch.so", NULL));
    ck_assert_str_eq(err.message, "plugin x (" FX "major_mismatch.so): ABI 2.0 but this controller supports 1.0-1.1");
    ck_assert_int_eq(err.code, WP_PLUGIN_ERR_ABI);
    ck_assert_ptr_null(load(&err, "resolver.so", NULL));
    ck_assert_str_eq(err.message, "plugin x (" FX "resolver.so): the configuration says kind hook but the plugin is a digest-resolver");
}
END_TEST

START_TEST(a_hang_kills_the_child_instead_of_quarantining_the_instance)
{
    wp_plugin_error err;
    wp_plugin_host *h = load(&err, "hangs.so", ", deadline: 200ms");
    ck_assert_msg(h != NULL, "%s", err.message);
    for (int i = 0; i < 2; i++) {
        int64_t t0 = now_ms();
        outcome o = event(h);
        ck_assert_int_lt(now_ms() - t0, 1500);
        ck_assert_int_eq(o.status, WP_PLUGIN_TIMEOUT);
        /* Each time the plugin itself ran (in a fresh child): no quarantine. */
        ck_assert_msg(strstr(o.message, "quarantined: an earlier call") == NULL, "%s", o.message);
    }
    int64_t t0 = now_ms();
    wp_plugin_host_free(h);
    ck_assert_int_lt(now_ms() - t0, 3000); /* no hung thread left to wait for */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("plugin_isolation");
    TCase *tc = tcase_create("isolation");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, a_well_behaved_plugin_works_isolated);
    tcase_add_test(tc, a_crash_in_a_call_takes_only_the_child_down);
    tcase_add_test(tc, a_crash_in_create_is_a_refusal);
    tcase_add_test(tc, refusals_read_as_they_do_in_process);
    tcase_add_test(tc, a_hang_kills_the_child_instead_of_quarantining_the_instance);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
