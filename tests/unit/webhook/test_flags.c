/* Flag parsing: defaults, command line, flags file, value syntax, errors. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "webhook/flags.h"

static int parse(wp_webhook_options *o, char *err, int argc, char **argv)
{
    return wp_webhook_options_parse(o, argc, argv, err, 512);
}

#define ARGV(...) ((char *[]){"warmpool-webhook", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"warmpool-webhook", __VA_ARGS__}) / sizeof(char *)))

START_TEST(defaults_come_from_the_table)
{
    wp_webhook_options o;
    char err[512];
    char *argv[] = {"warmpool-webhook", NULL};
    ck_assert_int_eq(parse(&o, err, 1, argv), 0);
    ck_assert_str_eq(o.listen, ":9443");
    ck_assert_str_eq(o.metrics_listen, ":8080");
    ck_assert_str_eq(o.log_format, "json");
    ck_assert_str_eq(o.log_level, "info");
    ck_assert_uint_eq(o.max_body_bytes, 7u * 1024 * 1024);
    ck_assert_int_eq(o.read_timeout_ms, 10000);
    ck_assert_int_eq(o.threads, 0);
    ck_assert_ptr_null(o.tls_cert_file);
    ck_assert_ptr_null(o.client_ca_file);
    ck_assert(!o.help && !o.version);
    ck_assert_ptr_nonnull(strstr(o.tls_priorities, "+VERS-TLS1.3"));
    ck_assert_ptr_nonnull(strstr(o.tls_priorities, "+VERS-TLS1.2"));
    /* Required files are checked after parsing. */
    ck_assert_int_eq(wp_webhook_options_check(&o, err, sizeof err), -1);
    ck_assert_str_eq(err, "--tls-cert-file and --tls-key-file are required");
    wp_flags_free(&wp_webhook_flag_set, &o);
}
END_TEST

START_TEST(both_value_forms_and_bools)
{
    wp_webhook_options o;
    char err[512];
    ck_assert_int_eq(parse(&o, err, ARGC("--tls-cert-file=/c", "--tls-key-file", "/k", "--threads=4",
                                         "--max-body-bytes", "512Ki", "--read-timeout=250ms",
                                         "--idle-timeout", "2m", "--log-format=text", "--version"),
                           ARGV("--tls-cert-file=/c", "--tls-key-file", "/k", "--threads=4",
                                "--max-body-bytes", "512Ki", "--read-timeout=250ms",
                                "--idle-timeout", "2m", "--log-format=text", "--version")),
                     0);
    ck_assert_str_eq(o.tls_cert_file, "/c");
    ck_assert_str_eq(o.tls_key_file, "/k");
    ck_assert_int_eq(o.threads, 4);
    ck_assert_uint_eq(o.max_body_bytes, 512 * 1024);
    ck_assert_int_eq(o.read_timeout_ms, 250);
    ck_assert_int_eq(o.idle_timeout_ms, 120000);
    ck_assert_str_eq(o.log_format, "text");
    ck_assert(o.version);
    ck_assert_int_eq(wp_webhook_options_check(&o, err, sizeof err), 0);
    wp_flags_free(&wp_webhook_flag_set, &o);
}
END_TEST

START_TEST(errors_name_the_flag)
{
    static const struct { const char *arg; const char *err; } cases[] = {
        {"--bogus=1", "unknown flag --bogus=1 (see --help)"},
        {"--listn=:1", "unknown flag --listn=:1 (did you mean --listen?)"},
        {"--read-timout", "unknown flag --read-timout (did you mean --read-timeout?)"},
        {"--tls-cert", "unknown flag --tls-cert (did you mean --tls-cert-file?)"},
        {"-listen", "unknown flag -listen (flags start with two dashes: --listen)"},
        {"-x", "unknown flag -x (see --help)"},
        {"--threads=many", "--threads: invalid value \"many\": expected a whole number"},
        {"--threads=999", "--threads: 999 is out of range: give a whole number from 0 to 256"},
        {"--read-timeout=10 s", "--read-timeout: invalid value \"10 s\": expected a duration like 250ms, 10s, 2m or 1h "
                                "(a bare number means seconds)"},
        {"--read-timeout=0x10s", "--read-timeout: invalid value \"0x10s\": expected a duration like 250ms, 10s, 2m or 1h "
                                 "(a bare number means seconds)"},
        {"--read-timeout=0", "--read-timeout: 0 (0ms) is out of range: give a duration from 1ms to 1h "
                             "(units ms, s, m, h; a bare number means seconds)"},
        {"--handshake-timeout=2h", "--handshake-timeout: 2h is out of range: give a duration from 100ms to 10m "
                                   "(units ms, s, m, h; a bare number means seconds)"},
        {"--max-body-bytes=7Xi", "--max-body-bytes: invalid value \"7Xi\": expected a size in bytes like 1048576, "
                                 "512Ki or 7Mi"},
        {"--max-body-bytes=0", "--max-body-bytes: 0 (0 bytes) is out of range: give a size from 1 to 1073741824 bytes "
                               "(units k, M, G, Ki, Mi, Gi)"},
        {"--max-body-bytes=2Gi", "--max-body-bytes: 2Gi (2147483648 bytes) is out of range: give a size from 1 to "
                                 "1073741824 bytes (units k, M, G, Ki, Mi, Gi)"},
        {"--version=maybe", "--version: invalid value \"maybe\": expected true or false"},
        {"stray", "unexpected argument \"stray\" (see --help)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wp_webhook_options o;
        char err[512] = "";
        char *argv[] = {"warmpool-webhook", (char *)cases[i].arg, NULL};
        ck_assert_int_eq(parse(&o, err, 2, argv), -1);
        ck_assert_str_eq(err, cases[i].err);
        wp_flags_free(&wp_webhook_flag_set, &o);
    }
    wp_webhook_options o;
    char err[512];
    char *argv[] = {"warmpool-webhook", "--listen", NULL};
    ck_assert_int_eq(parse(&o, err, 2, argv), -1);
    ck_assert_str_eq(err, "--listen needs a value");
    wp_flags_free(&wp_webhook_flag_set, &o);
}
END_TEST

START_TEST(check_refuses_unknown_log_settings)
{
    wp_webhook_options o;
    char err[512];
    ck_assert_int_eq(parse(&o, err, ARGC("--tls-cert-file=c", "--tls-key-file=k", "--log-format=xml"),
                           ARGV("--tls-cert-file=c", "--tls-key-file=k", "--log-format=xml")), 0);
    ck_assert_int_eq(wp_webhook_options_check(&o, err, sizeof err), -1);
    ck_assert_str_eq(err, "--log-format: expected json or text, got \"xml\"");
    wp_flags_free(&wp_webhook_flag_set, &o);
}
END_TEST

static char *write_temp(const char *content)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/wp-flags-test-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
    close(fd);
    return path;
}

START_TEST(flags_file_is_read_and_the_command_line_wins)
{
    char *path = write_temp("listen: 127.0.0.1:9999\n"
                            "tls-cert-file: /from/file.crt\n"
                            "tls-key-file: /from/file.key\n"
                            "threads: 3\n"
                            "read-timeout: 2s\n"
                            "max-body-bytes: 1048576\n"
                            "log-format: text\n");
    char arg[128];
    snprintf(arg, sizeof arg, "--flags-file=%s", path);
    wp_webhook_options o;
    char err[512];
    /* The file flag comes after an override: the override still wins. */
    char *argv[] = {"warmpool-webhook", "--threads=7", arg, NULL};
    ck_assert_int_eq(parse(&o, err, 3, argv), 0);
    ck_assert_str_eq(o.listen, "127.0.0.1:9999");
    ck_assert_str_eq(o.tls_cert_file, "/from/file.crt");
    ck_assert_int_eq(o.threads, 7);
    ck_assert_int_eq(o.read_timeout_ms, 2000);
    ck_assert_uint_eq(o.max_body_bytes, 1048576);
    ck_assert_str_eq(o.log_format, "text");
    wp_flags_free(&wp_webhook_flag_set, &o);
    unlink(path);
}
END_TEST

START_TEST(flags_file_errors_name_the_file_and_key)
{
    static const struct { const char *content, *err; } cases[] = {
        {"listen: :1\nthreds: 2\n", "unknown key \"threds\" (did you mean threads?)"},
        {"listen: :1\nzzz: 2\n", "unknown key \"zzz\""},
        {"threads: [1, 2]\n", "threads: expected a single value"},
        {"threads: lots\n", "--threads: invalid value \"lots\": expected a whole number"},
        {"- listen\n", "expected a mapping of flag names to values"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = write_temp(cases[i].content);
        char arg[128], expect[256], err[512];
        snprintf(arg, sizeof arg, "--flags-file=%s", path);
        snprintf(expect, sizeof expect, "%s: %s", path, cases[i].err);
        wp_webhook_options o;
        char *argv[] = {"warmpool-webhook", arg, NULL};
        ck_assert_int_eq(parse(&o, err, 2, argv), -1);
        ck_assert_str_eq(err, expect);
        wp_flags_free(&wp_webhook_flag_set, &o);
        unlink(path);
    }
    wp_webhook_options o;
    char err[512];
    char *missing[] = {"warmpool-webhook", "--flags-file=/nonexistent/flags.yaml", NULL};
    ck_assert_int_eq(parse(&o, err, 2, missing), -1);
    ck_assert(strncmp(err, "/nonexistent/flags.yaml: ", 25) == 0);
    wp_flags_free(&wp_webhook_flag_set, &o);
}
END_TEST

START_TEST(value_syntax)
{
    long long ms;
    ck_assert_int_eq(wp_flag_parse_duration_ms("10", &ms), 0);
    ck_assert_int_eq(ms, 10000);
    ck_assert_int_eq(wp_flag_parse_duration_ms("1.5s", &ms), 0);
    ck_assert_int_eq(ms, 1500);
    ck_assert_int_eq(wp_flag_parse_duration_ms("1h", &ms), 0);
    ck_assert_int_eq(ms, 3600000);
    ck_assert_int_eq(wp_flag_parse_duration_ms("-1s", &ms), -1);
    ck_assert_int_eq(wp_flag_parse_duration_ms("1e3s", &ms), -1);
    ck_assert_int_eq(wp_flag_parse_duration_ms("inf", &ms), -1);
    ck_assert_int_eq(wp_flag_parse_duration_ms("", &ms), -1);
    size_t n;
    ck_assert_int_eq(wp_flag_parse_size("7Mi", &n), 0);
    ck_assert_uint_eq(n, 7340032);
    ck_assert_int_eq(wp_flag_parse_size("7MiB", &n), 0);
    ck_assert_uint_eq(n, 7340032);
    ck_assert_int_eq(wp_flag_parse_size("2k", &n), 0);
    ck_assert_uint_eq(n, 2000);
    ck_assert_int_eq(wp_flag_parse_size("1.5Ki", &n), 0);
    ck_assert_uint_eq(n, 1536);
    ck_assert_int_eq(wp_flag_parse_size("0.3", &n), -1); /* not whole bytes */
    ck_assert_int_eq(wp_flag_parse_size("1Zi", &n), -1);
    bool b;
    ck_assert_int_eq(wp_flag_parse_bool("On", &b), 0);
    ck_assert(b);
    ck_assert_int_eq(wp_flag_parse_bool("0", &b), 0);
    ck_assert(!b);
    ck_assert_int_eq(wp_flag_parse_bool("nope", &b), -1);
}
END_TEST

START_TEST(help_lists_every_flag_with_its_default)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    wp_flags_print_help(&wp_webhook_flag_set, f);
    fclose(f);
    for (size_t i = 0; i < wp_webhook_flag_set.n_specs; i++) {
        char name[64];
        snprintf(name, sizeof name, "--%s", wp_webhook_flag_set.specs[i].name);
        ck_assert_msg(strstr(buf, name) != NULL, "%s missing from --help", name);
    }
    ck_assert_ptr_nonnull(strstr(buf, "(default :9443)"));
    ck_assert_ptr_nonnull(strstr(buf, "(default 7Mi)"));
    free(buf);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("flags");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, defaults_come_from_the_table);
    tcase_add_test(tc, both_value_forms_and_bools);
    tcase_add_test(tc, errors_name_the_flag);
    tcase_add_test(tc, check_refuses_unknown_log_settings);
    tcase_add_test(tc, flags_file_is_read_and_the_command_line_wins);
    tcase_add_test(tc, flags_file_errors_name_the_file_and_key);
    tcase_add_test(tc, value_syntax);
    tcase_add_test(tc, help_lists_every_flag_with_its_default);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
