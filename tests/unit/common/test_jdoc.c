/* The in-place JSON parser: grammar, strings, numbers, limits, lookups. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/jdoc.h"

static wp_jdoc *parse(const char *text, wp_jdoc_error *err)
{
    return wp_jdoc_parse(text, strlen(text), err);
}

static void assert_rejected(const char *text, const char *message)
{
    wp_jdoc_error err;
    wp_jdoc *d = parse(text, &err);
    ck_assert_msg(d == NULL, "accepted: %s", text);
    ck_assert_str_eq(err.message, message);
}

START_TEST(parses_nested_document)
{
    wp_jdoc_error err;
    wp_jdoc *d = parse(" {\"a\": [1, -2, 3.5, true, false, null, \"x\"], \"b\": {\"c\": {}}, \"e\": []} ", &err);
    ck_assert_msg(d != NULL, "%s", err.message);
    const wp_jval *a = wp_jval_get(wp_jdoc_root(d), "a");
    ck_assert_int_eq(wp_jval_size(a), 7);
    ck_assert(wp_jval_is_integer(wp_jval_at(a, 0)));
    ck_assert_int_eq(wp_jval_at(a, 1)->u.i, -2);
    ck_assert(!wp_jval_is_integer(wp_jval_at(a, 2)));
    ck_assert(wp_jval_at(a, 2)->u.d == 3.5);
    ck_assert_int_eq(wp_jval_at(a, 3)->type, WP_JTRUE);
    ck_assert_int_eq(wp_jval_at(a, 4)->type, WP_JFALSE);
    ck_assert(wp_jval_is_null(wp_jval_at(a, 5)));
    ck_assert_str_eq(wp_jval_str(wp_jval_at(a, 6)), "x");
    ck_assert_ptr_null(wp_jval_at(a, 7));
    ck_assert(wp_jval_is_object(wp_jval_path(wp_jdoc_root(d), "b", "c", NULL)));
    ck_assert_ptr_null(wp_jval_path(wp_jdoc_root(d), "b", "zz", "c", NULL));
    ck_assert_int_eq(wp_jval_size(wp_jval_get(wp_jdoc_root(d), "e")), 0);
    wp_jdoc_free(d);
}
END_TEST

START_TEST(unescapes_strings_in_place)
{
    char text[] = "[\"a\\\"b\\\\c\\/d\\n\\t\", \"\\u00e9\\u20ac\", \"\\ud83d\\ude00\", \"\\ud800x\", \"\\u0000z\"]";
    wp_jdoc_error err;
    wp_jdoc *d = wp_jdoc_parse_insitu(text, strlen(text), &err);
    ck_assert_msg(d != NULL, "%s", err.message);
    const wp_jval *r = wp_jdoc_root(d);
    ck_assert_str_eq(wp_jval_str(wp_jval_at(r, 0)), "a\"b\\c/d\n\t");
    ck_assert_str_eq(wp_jval_str(wp_jval_at(r, 1)), "\xc3\xa9\xe2\x82\xac");
    ck_assert_str_eq(wp_jval_str(wp_jval_at(r, 2)), "\xf0\x9f\x98\x80");
    ck_assert_str_eq(wp_jval_str(wp_jval_at(r, 3)), "\xef\xbf\xbdx"); /* lone surrogate -> U+FFFD, as Go */
    ck_assert_int_eq(wp_jval_at(r, 4)->n, 2);                         /* embedded NUL keeps its length */
    ck_assert(memcmp(wp_jval_at(r, 4)->u.str, "\0z", 2) == 0);
    wp_jdoc_free(d);
}
END_TEST

START_TEST(numbers)
{
    wp_jdoc *d = parse("[0, -0, 9223372036854775807, -9223372036854775808, 9223372036854775808, 1e3, 2.5E-1]", NULL);
    ck_assert_ptr_nonnull(d);
    const wp_jval *r = wp_jdoc_root(d);
    ck_assert(wp_jval_is_integer(wp_jval_at(r, 2)));
    ck_assert(wp_jval_at(r, 2)->u.i == INT64_MAX);
    ck_assert(wp_jval_at(r, 3)->u.i == INT64_MIN);
    ck_assert(!wp_jval_is_integer(wp_jval_at(r, 4))); /* too big: a double */
    ck_assert(!wp_jval_is_integer(wp_jval_at(r, 5)));
    ck_assert(wp_jval_at(r, 5)->u.d == 1000.0);
    ck_assert(wp_jval_at(r, 6)->u.d == 0.25);
    wp_jdoc_free(d);
}
END_TEST

START_TEST(rejects_malformed_input)
{
    assert_rejected("", "unexpected end of input");
    assert_rejected("{\"a\":1", "expected ',' or '}' in object");
    assert_rejected("{\"a\" 1}", "expected ':' after object key");
    assert_rejected("{a:1}", "expected a string key in object");
    assert_rejected("[1,]", "invalid character ']'");
    assert_rejected("[1 2]", "expected ',' or ']' in array");
    assert_rejected("\"abc", "unterminated string");
    assert_rejected("\"a\x01\"", "control character in string");
    assert_rejected("\"\\x\"", "invalid escape in string");
    assert_rejected("\"\\u12\"", "invalid \\u escape");
    assert_rejected("\"\xff\"", "invalid UTF-8 in string");
    assert_rejected("\"\xc0\xaf\"", "invalid UTF-8 in string");       /* overlong */
    assert_rejected("\"\xed\xa0\x80\"", "invalid UTF-8 in string");   /* surrogate */
    assert_rejected("01", "unexpected data after the top-level value");
    assert_rejected("-", "invalid number");
    assert_rejected("1.", "invalid number");
    assert_rejected("tru", "invalid character 't'");
    assert_rejected("{} {}", "unexpected data after the top-level value");
    assert_rejected("[1e999]", "number out of range");
}
END_TEST

START_TEST(deep_nesting_is_an_error_not_a_crash)
{
    size_t n = 1 << 20;
    char *text = malloc(n);
    memset(text, '[', n);
    wp_jdoc_error err;
    ck_assert_ptr_null(wp_jdoc_parse(text, n, &err));
    ck_assert_str_eq(err.message, "nesting deeper than 512 levels");
    ck_assert_int_eq(err.offset, 513);
    free(text);
}
END_TEST

START_TEST(duplicate_keys_last_wins)
{
    wp_jdoc *d = parse("{\"a\": 1, \"a\": 2}", NULL);
    ck_assert_int_eq(wp_jval_get(wp_jdoc_root(d), "a")->u.i, 2);
    wp_jdoc_free(d);
}
END_TEST

START_TEST(typed_optional_members)
{
    wp_jdoc *d = parse("{\"s\": \"x\", \"n\": null, \"i\": 3}", NULL);
    const wp_jval *root = wp_jdoc_root(d), *out = root;
    ck_assert(wp_jval_member(root, "s", WP_JSTRING, &out));
    ck_assert_str_eq(wp_jval_str(out), "x");
    ck_assert(wp_jval_member(root, "n", WP_JSTRING, &out)); /* null reads as absent, as in Go */
    ck_assert_ptr_null(out);
    ck_assert(wp_jval_member(root, "missing", WP_JOBJECT, &out));
    ck_assert_ptr_null(out);
    out = root;
    ck_assert(!wp_jval_member(root, "i", WP_JSTRING, &out)); /* wrong type */
    ck_assert_ptr_null(out);
    wp_jdoc_free(d);
}
END_TEST

START_TEST(equality_ignores_member_order)
{
    wp_jdoc *a = parse("{\"x\": [1, {\"k\": \"v\", \"j\": null}], \"y\": 2.5}", NULL);
    wp_jdoc *b = parse("{\"y\": 2.5, \"x\": [1, {\"j\": null, \"k\": \"v\"}]}", NULL);
    wp_jdoc *c = parse("{\"y\": 2.5, \"x\": [1, {\"j\": null, \"k\": \"w\"}]}", NULL);
    ck_assert(wp_jval_equal(wp_jdoc_root(a), wp_jdoc_root(b)));
    ck_assert(!wp_jval_equal(wp_jdoc_root(a), wp_jdoc_root(c)));
    wp_jdoc_free(a);
    wp_jdoc_free(b);
    wp_jdoc_free(c);
    /* Duplicate keys compare by the value that wins (the last one). */
    a = parse("{\"k\": 1, \"k\": 2, \"j\": 3}", NULL);
    b = parse("{\"j\": 3, \"k\": 2}", NULL);
    c = parse("{\"j\": 3, \"k\": 1}", NULL);
    ck_assert(wp_jval_equal(wp_jdoc_root(a), wp_jdoc_root(a)));
    ck_assert(wp_jval_equal(wp_jdoc_root(a), wp_jdoc_root(b)));
    ck_assert(!wp_jval_equal(wp_jdoc_root(a), wp_jdoc_root(c)));
    wp_jdoc_free(a);
    wp_jdoc_free(b);
    wp_jdoc_free(c);
}
END_TEST

START_TEST(agrees_with_jansson)
{
    const char *text = "{\"s\":\"caf\\u00e9 \\\"q\\\"\",\"n\":[1,-2,0.5,1e+300],\"o\":{\"t\":true,\"f\":false,\"z\":null}}";
    json_t *j = json_loads(text, 0, NULL);
    wp_jdoc *from_jansson = wp_jdoc_from_json(j);
    wp_jdoc *parsed = parse(text, NULL);
    ck_assert(wp_jval_equal(wp_jdoc_root(from_jansson), wp_jdoc_root(parsed)));
    size_t len;
    char *dumped = wp_jval_dump(wp_jdoc_root(parsed), &len);
    json_t *back = json_loadb(dumped, len, 0, NULL);
    ck_assert(json_equal(j, back));
    ck_assert_str_eq(dumped, "{\"s\":\"café \\\"q\\\"\",\"n\":[1,-2,0.5,1e+300],\"o\":{\"t\":true,\"f\":false,\"z\":null}}");
    free(dumped);
    json_decref(back);
    json_decref(j);
    wp_jdoc_free(from_jansson);
    wp_jdoc_free(parsed);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("jdoc");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, parses_nested_document);
    tcase_add_test(tc, unescapes_strings_in_place);
    tcase_add_test(tc, numbers);
    tcase_add_test(tc, rejects_malformed_input);
    tcase_add_test(tc, deep_nesting_is_an_error_not_a_crash);
    tcase_add_test(tc, duplicate_keys_last_wins);
    tcase_add_test(tc, typed_optional_members);
    tcase_add_test(tc, equality_ignores_member_order);
    tcase_add_test(tc, agrees_with_jansson);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
