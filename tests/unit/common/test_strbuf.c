/* Direct JSON text: whatever bytes go in, valid JSON comes out. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

static char *quoted(const char *s, size_t n)
{
    wp_strbuf b = WP_STRBUF_INIT;
    wp_strbuf_json_stringn(&b, s, n);
    return wp_strbuf_finish(&b, NULL);
}

static void assert_quotes(const char *in, size_t n, const char *expected)
{
    char *got = quoted(in, n);
    ck_assert_str_eq(got, expected);
    /* And jansson reads it back as a valid JSON string. */
    json_error_t e;
    json_t *j = json_loads(got, JSON_DECODE_ANY, &e);
    ck_assert_msg(j != NULL && json_is_string(j), "%s: %s", got, e.text);
    json_decref(j);
    free(got);
}

START_TEST(escapes_quotes_backslashes_and_controls)
{
    assert_quotes("plain", 5, "\"plain\"");
    assert_quotes("", 0, "\"\"");
    assert_quotes("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
    assert_quotes("\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"");
    assert_quotes("\x01\x1f\x7f/", 4, "\"\\u0001\\u001f\x7f/\"");
}
END_TEST

START_TEST(utf8_passes_malformed_becomes_replacement)
{
    assert_quotes("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 12, "\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    assert_quotes("\xff", 1, "\"\\ufffd\"");
    assert_quotes("a\xc3", 2, "\"a\\ufffd\"");                  /* truncated at the end */
    assert_quotes("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");           /* overlong '/' */
    assert_quotes("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\""); /* a UTF-16 surrogate */
    assert_quotes("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* above U+10FFFF */
    assert_quotes("\xe2\x82x", 3, "\"\\ufffd\\ufffdx\"");
}
END_TEST

START_TEST(grows_and_formats)
{
    wp_strbuf b = WP_STRBUF_INIT;
    char *empty = wp_strbuf_finish(&b, NULL);
    ck_assert_str_eq(empty, "");
    free(empty);
    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    wp_strbuf_printf(&b, "%d-%s", 42, big); /* longer than the printf fast path */
    wp_strbuf_putc(&b, '!');
    size_t len;
    char *s = wp_strbuf_finish(&b, &len);
    ck_assert_uint_eq(len, 3 + 299 + 1);
    ck_assert_int_eq(strncmp(s, "42-xxx", 6), 0);
    ck_assert_int_eq(s[len - 1], '!');
    ck_assert_int_eq(s[len], '\0');
    free(s);
    ck_assert_ptr_null(b.s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("strbuf");
    TCase *tc = tcase_create("strbuf");
    tcase_add_test(tc, escapes_quotes_backslashes_and_controls);
    tcase_add_test(tc, utf8_passes_malformed_becomes_replacement);
    tcase_add_test(tc, grows_and_formats);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
