/* Structured logging: JSON lines parse, values are escaped, text mode keeps
 * fields splittable, levels filter. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/log.h"

/* Runs one wp_log call into a temporary file and returns what it wrote. */
static char *capture(wp_log_format fmt, wp_log_level min, void (*emit)(void))
{
    FILE *f = tmpfile();
    wp_log_init(fmt, min);
    wp_log_set_fd(fileno(f));
    emit();
    wp_log_set_fd(2);
    static char buf[16384];
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void emit_denial(void)
{
    wp_log(WP_LOG_INFO, "denied", "uid", "u-1", "causes", "spec.env[0].name (FieldValueInvalid)",
           "note", "tab\there \"q\" \x01", "none", NULL, NULL);
}

START_TEST(json_lines_parse_and_escape)
{
    char *line = capture(WP_LOG_JSON, WP_LOG_INFO, emit_denial);
    ck_assert(line[strlen(line) - 1] == '\n');
    json_error_t err;
    json_t *j = json_loads(line, 0, &err);
    ck_assert_msg(j != NULL, "%s: %s", err.text, line);
    ck_assert_str_eq(json_string_value(json_object_get(j, "level")), "info");
    ck_assert_str_eq(json_string_value(json_object_get(j, "msg")), "denied");
    ck_assert_str_eq(json_string_value(json_object_get(j, "uid")), "u-1");
    ck_assert_str_eq(json_string_value(json_object_get(j, "note")), "tab\there \"q\" \x01");
    ck_assert(json_is_null(json_object_get(j, "none")));
    ck_assert(json_is_string(json_object_get(j, "ts")));
    json_decref(j);
}
END_TEST

START_TEST(text_quotes_values_with_spaces)
{
    char *line = capture(WP_LOG_TEXT, WP_LOG_INFO, emit_denial);
    ck_assert_msg(strstr(line, " info denied uid=u-1 causes=\"spec.env[0].name (FieldValueInvalid)\" ") != NULL, "%s", line);
    /* The NULL value is left out: a text line never says "null". */
    ck_assert_msg(strstr(line, "note=\"tab\\there \\\"q\\\" \\u0001\"\n") != NULL, "%s", line);
    ck_assert_ptr_null(strstr(line, "null"));
}
END_TEST

static void emit_debug(void) { wp_log(WP_LOG_DEBUG, "hidden", NULL); }

START_TEST(levels_below_the_minimum_are_dropped)
{
    ck_assert_str_eq(capture(WP_LOG_JSON, WP_LOG_INFO, emit_debug), "");
    ck_assert(strstr(capture(WP_LOG_JSON, WP_LOG_DEBUG, emit_debug), "\"msg\":\"hidden\"") != NULL);
    wp_log_level lvl;
    wp_log_format fmt;
    ck_assert(wp_log_parse_level("warn", &lvl) && lvl == WP_LOG_WARN);
    ck_assert(!wp_log_parse_level("loud", &lvl));
    ck_assert(wp_log_parse_format("text", &fmt) && fmt == WP_LOG_TEXT);
    ck_assert(!wp_log_parse_format("xml", &fmt));
}
END_TEST

static void emit_huge(void)
{
    static char big[20000];
    memset(big, 'x', sizeof big - 1);
    wp_log(WP_LOG_ERROR, "huge", "value", big, NULL);
}

START_TEST(overlong_lines_are_cut_and_still_parse)
{
    char *line = capture(WP_LOG_JSON, WP_LOG_INFO, emit_huge);
    ck_assert_uint_lt(strlen(line), 8200);
    json_t *j = json_loads(line, 0, NULL);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(json_string_value(json_object_get(j, "msg")), "huge");
    json_decref(j);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, json_lines_parse_and_escape);
    tcase_add_test(tc, text_quotes_values_with_spaces);
    tcase_add_test(tc, levels_below_the_minimum_are_dropped);
    tcase_add_test(tc, overlong_lines_are_cut_and_still_parse);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
