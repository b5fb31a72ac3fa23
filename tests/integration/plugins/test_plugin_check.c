/* `warmpoolctl plugin check` on the fixture plugins, in-process through
 * wp_cli_main (the plugin itself always runs in a child process). */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#define FX WP_FIXTURE_DIR "/"

static char out_text[65536], err_text[8192];

/* Runs warmpoolctl with the given arguments; returns the exit status. */
static int ctl(const char *a1, const char *a2, const char *a3, const char *a4, const char *a5, const char *a6)
{
    const char *args[] = {"warmpoolctl", a1, a2, a3, a4, a5, a6, NULL};
    int argc = 1;
    while (args[argc]) argc++;
    FILE *out = fmemopen(out_text, sizeof out_text, "w");
    FILE *err = fmemopen(err_text, sizeof err_text, "w");
    int rc = wp_cli_main(argc, (char **)args, out, err);
    fclose(out);
    fclose(err);
    return rc;
}

START_TEST(a_usable_plugin_exits_0_and_prints_its_key_table)
{
    ck_assert_int_eq(ctl("plugin", "check", FX "resolver.so", NULL, NULL, NULL), 0);
    ck_assert_msg(strstr(out_text, "  fixed-resolver 1: digest-resolver (ABI 1.1)\n"), "%s", out_text);
    ck_assert(strstr(out_text, "  digest               string    sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    ck_assert(strstr(out_text, "  ok       sample resolve  docker.io/library/busybox:latest -> sha256:0123"));
    ck_assert(strstr(out_text, "result: usable\n"));
}
END_TEST

START_TEST(a_crash_in_create_is_reported_not_fatal)
{
    ck_assert_int_eq(ctl("plugin", "check", FX "crashes_in_create.so", NULL, NULL, NULL), 1);
    /* SIGABRT under AddressSanitizer, which catches the SIGSEGV first. */
    ck_assert_msg(strstr(out_text, "  problem  create          the plugin crashed (SIGSEGV) during create\n") ||
                      strstr(out_text, "  problem  create          the plugin crashed (SIGABRT) during create\n"),
                  "%s", out_text);
    ck_assert(strstr(out_text, "result: NOT usable\n"));
}
END_TEST

START_TEST(a_hang_in_create_is_reported)
{
    char cfg[] = "/tmp/wp-check-XXXXXX";
    int fd = mkstemp(cfg);
    ck_assert_int_ge(fd, 0);
    const char *yaml = "sleep: 300ms\nhang_in_create: yes\n";
    ck_assert_int_eq(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
    close(fd);
    ck_assert_int_eq(ctl("plugin", "check", FX "hangs.so", "--config", cfg, "--deadline=100ms"), 1);
    unlink(cfg);
    ck_assert_msg(strstr(out_text, "  problem  create          plugin check (" FX "hangs.so): create failed: create did not return within its 100 ms deadline"), "%s", out_text);
    ck_assert(strstr(out_text, "  sleep                duration  1h               300ms"));
}
END_TEST

START_TEST(misbehaving_sample_calls_are_problems)
{
    ck_assert_int_eq(ctl("plugin", "check", FX "bad_status.so", NULL, NULL, NULL), 1);
    ck_assert_msg(strstr(out_text, "  problem  sample event    plugin check: event returned status 77, outside the ABI (0-2 or 4); treated as FAIL\n"), "%s", out_text);
}
END_TEST

START_TEST(json_output_names_the_refusal)
{
    ck_assert_int_eq(ctl("plugin", "check", "--output", "json", FX "major_mismatch.so", NULL), 1);
    json_t *r = json_loads(out_text, 0, NULL);
    ck_assert_ptr_nonnull(r);
    ck_assert(json_is_false(json_object_get(r, "usable")));
    json_t *c = json_array_get(json_object_get(r, "checks"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(c, "step")), "load");
    ck_assert_str_eq(json_string_value(json_object_get(c, "result")), "problem");
    ck_assert_str_eq(json_string_value(json_object_get(c, "message")),
                     "plugin check (" FX "major_mismatch.so): ABI 2.0 but this controller supports 1.0-1.1");
    ck_assert(json_is_null(json_object_get(r, "descriptor")));
    json_decref(r);
}
END_TEST

START_TEST(config_problems_are_reported_with_the_key_table)
{
    char cfg[] = "/tmp/wp-check-XXXXXX";
    int fd = mkstemp(cfg);
    ck_assert_int_ge(fd, 0);
    const char *yaml = "tokn: x\n";
    ck_assert_int_eq(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
    close(fd);
    ck_assert_int_eq(ctl("plugin", "check", FX "flaky_hook.so", "-c", cfg, NULL), 1);
    unlink(cfg);
    ck_assert_msg(strstr(out_text, "  problem  config          unknown config key \"tokn\" (known: ok_on_attempt, labels, targets, token, max_size)\n"), "%s", out_text);
    ck_assert(strstr(out_text, "  token                string    (required)"));
}
END_TEST

START_TEST(usage_errors_exit_2)
{
    ck_assert_int_eq(ctl("plugin", NULL, NULL, NULL, NULL, NULL), 2);
    ck_assert_int_eq(ctl("plugin", "frob", NULL, NULL, NULL, NULL), 2);
    ck_assert_int_eq(ctl("plugin", "check", NULL, NULL, NULL, NULL), 2);
    ck_assert_str_eq(strtok(err_text, "\n"), "warmpoolctl plugin check: expected exactly one FILE.so");
    ck_assert_int_eq(ctl("plugin", "check", "--output", "yaml", "x.so", NULL), 2);
    ck_assert_int_eq(ctl("plugin", "check", "--config", "/nonexistent.yaml", "x.so", NULL), 2);
    ck_assert_int_eq(ctl("plugin", "check", "--help", NULL, NULL, NULL), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("plugin_check");
    TCase *tc = tcase_create("check");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, a_usable_plugin_exits_0_and_prints_its_key_table);
    tcase_add_test(tc, a_crash_in_create_is_reported_not_fatal);
    tcase_add_test(tc, a_hang_in_create_is_reported);
    tcase_add_test(tc, misbehaving_sample_calls_are_problems);
    tcase_add_test(tc, json_output_names_the_refusal);
    tcase_add_test(tc, config_problems_are_reported_with_the_key_table);
    tcase_add_test(tc, usage_errors_exit_2);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
