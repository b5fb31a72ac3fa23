/* The JSON reader: what it accepts, what it refuses (with the position),
 * that it builds what jansson builds, and the paths it leaves out. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_parse.h"

static json_t *parse_n(const char *text, size_t n, const char *const *const *skip, wp_json_error *err)
{
    return wp_json_parse(text, n, skip, err);
}

static json_t *parse(const char *text, wp_json_error *err) { return parse_n(text, strlen(text), NULL, err); }

/* Parses text both ways and expects the same tree. */
static void assert_same_as_jansson(const char *text)
{
    wp_json_error err;
    json_t *ours = parse(text, &err);
    ck_assert_msg(ours != NULL, "%s: %s at %zu", text, err.message, err.position);
    json_error_t jerr;
    json_t *theirs = json_loads(text, JSON_DECODE_ANY, &jerr);
    ck_assert_msg(theirs != NULL, "jansson: %s: %s", text, jerr.text);
    char *a = json_dumps(ours, JSON_ENCODE_ANY | JSON_SORT_KEYS), *b = json_dumps(theirs, JSON_ENCODE_ANY | JSON_SORT_KEYS);
    ck_assert_msg(json_equal(ours, theirs), "%s: ours %s, jansson %s", text, a, b);
    free(a);
    free(b);
    json_decref(ours);
    json_decref(theirs);
}

static void assert_refused(const char *text, size_t n, const char *message, size_t position)
{
    wp_json_error err;
    json_t *j = parse_n(text, n, NULL, &err);
    ck_assert_msg(j == NULL, "accepted %s", text);
    ck_assert_str_eq(err.message, message);
    ck_assert_uint_eq(err.position, position);
}

START_TEST(values_match_jansson)
{
    const char *docs[] = {
        "{}", "[]", "0", "-0", "12", "-7", "1.5", "1e3", "-2.5E-3", "1E+2", "true", "false", "null", "\"\"",
        " \t\r\n{ \"a\" : [ 1 , 2 , { \"b\" : null } ] , \"c\" : \"d\" } \n",
        "9223372036854775807", "-9223372036854775808", "0.1", "123456789.123456789e-5",
        "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", "\"\\u00e9\\u20ac\\ud83d\\ude00 \\u001f\"", "\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
        "{\"k\\u0065y\":\"v\\u0061l\",\"x\":[\"\\n\",{\"\\t\":\"\\r\"}]}", "[[[[[]]]],{}]",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) assert_same_as_jansson(docs[i]);
}
END_TEST

START_TEST(types_are_exact)
{
    wp_json_error err;
    json_t *j = parse("[1, 1.0, 1e0, 9223372036854775808, -0]", &err);
    ck_assert(json_is_integer(json_array_get(j, 0)));
    ck_assert(json_is_real(json_array_get(j, 1)));
    ck_assert(json_is_real(json_array_get(j, 2)));
    /* Too big for an integer: a real, as Go reads it (jansson refuses). */
    ck_assert(json_is_real(json_array_get(j, 3)));
    ck_assert(json_real_value(json_array_get(j, 3)) == 9223372036854775808.0);
    ck_assert(json_is_integer(json_array_get(j, 4)));
    json_decref(j);
}
END_TEST

START_TEST(duplicate_keys_last_wins)
{
    wp_json_error err;
    json_t *j = parse("{\"a\":1,\"a\":{\"b\":2}}", &err);
    ck_assert_uint_eq(json_object_size(j), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "a"), "b")), 2);
    json_decref(j);
}
END_TEST

START_TEST(escaped_key_survives_an_escaped_value)
{
    /* Both decode through the scratch buffer. */
    wp_json_error err;
    json_t *j = parse("{\"\\u006bey\":\"\\u0076alue-long-enough-to-overwrite\"}", &err);
    ck_assert_str_eq(json_string_value(json_object_get(j, "key")), "value-long-enough-to-overwrite");
    json_decref(j);
}
END_TEST

START_TEST(syntax_errors_name_the_byte)
{
    assert_refused("", 0, "unexpected end of input", 0);
    assert_refused("   ", 3, "unexpected end of input", 3);
    assert_refused("[1,]", 4, "unexpected character ']'", 3);
    assert_refused("[1 2]", 5, "expected ',' or ']'", 3);
    assert_refused("{\"a\":1 \"b\":2}", 13, "expected ',' or '}'", 7);
    assert_refused("{1:2}", 5, "expected a string key", 1);
    assert_refused("{\"a\" 1}", 7, "expected ':' after a key", 5);
    assert_refused("{\"a\"", 4, "unexpected end of input", 4);
    assert_refused("[1] [2]", 7, "unexpected data after the JSON value", 4);
    assert_refused("tru", 3, "invalid literal (expected true, false or null)", 0);
    assert_refused("nulll", 5, "unexpected data after the JSON value", 4);
    assert_refused("\x01", 1, "unexpected byte 0x01", 0);
    assert_refused("\xef\xbb\xbf{}", 5, "unexpected byte 0xef", 0); /* no BOM */
}
END_TEST

START_TEST(number_errors)
{
    assert_refused("01", 2, "unexpected data after the JSON value", 1);
    assert_refused("[01]", 4, "expected ',' or ']'", 2);
    assert_refused("1.", 2, "unexpected end of input", 2);
    assert_refused(".5", 2, "unexpected character '.'", 0);
    assert_refused("-", 1, "unexpected end of input", 1);
    assert_refused("-x", 2, "unexpected character 'x'", 1);
    assert_refused("1e", 2, "unexpected end of input", 2);
    assert_refused("1e+", 3, "unexpected end of input", 3);
    assert_refused("+1", 2, "unexpected character '+'", 0);
    assert_refused("[1e999]", 7, "number out of range", 1);
    assert_refused("-1e999", 6, "number out of range", 0);
    char long_number[200];
    memset(long_number, '7', sizeof long_number - 1);
    long_number[sizeof long_number - 1] = '\0';
    wp_json_error err;
    json_t *j = parse(long_number, &err); /* longer than the on-stack copy */
    ck_assert(json_is_real(j));
    json_decref(j);
}
END_TEST

START_TEST(string_errors)
{
    assert_refused("\"abc", 4, "unterminated string", 0);
    assert_refused("\"a\\", 3, "unterminated string", 2);
    assert_refused("\"\\x\"", 4, "invalid escape", 1);
    assert_refused("\"\\u12\"", 6, "invalid \\u escape", 1);
    assert_refused("\"\\u12g4\"", 8, "invalid \\u escape", 1);
    assert_refused("\"\\ud800\"", 8, "invalid \\u escape: lone surrogate", 1);
    assert_refused("\"\\ud800\\u0041\"", 14, "invalid \\u escape: lone surrogate", 1);
    assert_refused("\"\\udc00\"", 8, "invalid \\u escape: lone surrogate", 1);
    assert_refused("\"a\\u0000b\"", 10, "\\u0000 is not allowed", 2);
    assert_refused("\"a\nb\"", 5, "control character in string", 2);
    assert_refused("\"\xc0\xaf\"", 4, "invalid UTF-8", 1);
    assert_refused("\"\xed\xa0\x80\"", 5, "invalid UTF-8", 1);
    assert_refused("\"\xe2\x82\"", 4, "invalid UTF-8", 1);
    assert_refused("\"a\0b\"", 5, "control character in string", 2);
}
END_TEST

START_TEST(depth_is_limited)
{
    enum { N = WP_JSON_MAX_DEPTH + 1 };
    char *text = malloc(2 * N);
    memset(text, '[', N);
    memset(text + N, ']', N);
    assert_refused(text, 2 * N, "nesting deeper than 1000 levels", WP_JSON_MAX_DEPTH);
    wp_json_error err;
    json_t *j = parse_n(text + 1, 2 * (N - 1), NULL, &err); /* exactly the limit */
    ck_assert_msg(j != NULL, "%s", err.message);
    json_decref(j);
    free(text);
}
END_TEST

static const char *const SKIP_USER[] = {"request", "userInfo", NULL};
static const char *const SKIP_FIELDS[] = {"request", "object", "metadata", "managedFields", NULL};
static const char *const *const SKIP[] = {SKIP_USER, SKIP_FIELDS, NULL};

START_TEST(skipped_members_are_left_out)
{
    const char *text = "{\"userInfo\":1,\"request\":{\"uid\":\"u\",\"userInfo\":{\"name\":[1,{\"x\":\"y\"}]},"
                       "\"object\":{\"metadata\":{\"name\":\"n\",\"managedFields\":[{\"a\":1}]},"
                       "\"spec\":{\"managedFields\":2}},\"list\":[{\"userInfo\":3}]}}";
    wp_json_error err;
    json_t *j = parse_n(text, strlen(text), SKIP, &err);
    ck_assert_msg(j != NULL, "%s", err.message);
    json_t *expected = json_loads("{\"userInfo\":1,\"request\":{\"uid\":\"u\",\"object\":{\"metadata\":{\"name\":\"n\"},"
                                  "\"spec\":{\"managedFields\":2}},\"list\":[{\"userInfo\":3}]}}", 0, NULL);
    ck_assert(json_equal(j, expected));
    json_decref(j);
    json_decref(expected);
    /* A key spelled with escapes is the same key. */
    j = parse_n("{\"request\":{\"user\\u0049nfo\":{}}}", 32, SKIP, &err);
    ck_assert_uint_eq(json_object_size(json_object_get(j, "request")), 0);
    json_decref(j);
}
END_TEST

START_TEST(skipped_members_are_still_checked)
{
    const char *text = "{\"request\":{\"userInfo\":{\"name\":[1,}}}";
    wp_json_error err;
    ck_assert_ptr_null(parse_n(text, strlen(text), SKIP, &err));
    ck_assert_str_eq(err.message, "unexpected character '}'");
    ck_assert_uint_eq(err.position, 34);
    text = "{\"request\":{\"userInfo\":\"\xff\"}}";
    ck_assert_ptr_null(parse_n(text, strlen(text), SKIP, &err));
    ck_assert_str_eq(err.message, "invalid UTF-8");
}
END_TEST

START_TEST(input_need_not_be_nul_terminated)
{
    char buf[4] = {'[', '1', ']', '9'};
    wp_json_error err;
    json_t *j = parse_n(buf, 3, NULL, &err);
    ck_assert_int_eq(json_integer_value(json_array_get(j, 0)), 1);
    json_decref(j);
    char num[2] = {'4', '2'};
    j = parse_n(num, 1, NULL, &err);
    ck_assert_int_eq(json_integer_value(j), 4);
    json_decref(j);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("json_parse");
    TCase *tc = tcase_create("json_parse");
    tcase_add_test(tc, values_match_jansson);
    tcase_add_test(tc, types_are_exact);
    tcase_add_test(tc, duplicate_keys_last_wins);
    tcase_add_test(tc, escaped_key_survives_an_escaped_value);
    tcase_add_test(tc, syntax_errors_name_the_byte);
    tcase_add_test(tc, number_errors);
    tcase_add_test(tc, string_errors);
    tcase_add_test(tc, depth_is_limited);
    tcase_add_test(tc, skipped_members_are_left_out);
    tcase_add_test(tc, skipped_members_are_still_checked);
    tcase_add_test(tc, input_need_not_be_nul_terminated);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
