/* YAML to JSON: scalar resolution as kubectl reads it, positions, limits. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/yaml.h"

static json_t *load(const char *text, wp_yaml_error *err)
{
    return wp_yaml_load_one(text, strlen(text), err);
}

START_TEST(scalars_resolve_like_go_yaml_v2)
{
    wp_yaml_error err;
    json_t *d = load("a: yes\nb: 'yes'\nc: ~\nd: 0x1f\ne: 017\nf: 1e3\ng: 1.5\nh: hello\n"
                     "i: !!str 12\nj: \"12\"\nk: -0b101\nl: 1_000\nm: off\n", &err);
    ck_assert_msg(d != NULL, "%s", err.message);
    ck_assert(json_is_true(json_object_get(d, "a")));
    ck_assert_str_eq(json_string_value(json_object_get(d, "b")), "yes");
    ck_assert(json_is_null(json_object_get(d, "c")));
    ck_assert_int_eq(json_integer_value(json_object_get(d, "d")), 31);
    ck_assert_int_eq(json_integer_value(json_object_get(d, "e")), 15);
    ck_assert_int_eq(json_integer_value(json_object_get(d, "f")), 1000);
    ck_assert(json_is_real(json_object_get(d, "g")));
    ck_assert_str_eq(json_string_value(json_object_get(d, "h")), "hello");
    ck_assert_str_eq(json_string_value(json_object_get(d, "i")), "12");
    ck_assert_str_eq(json_string_value(json_object_get(d, "j")), "12");
    ck_assert_int_eq(json_integer_value(json_object_get(d, "k")), -5);
    ck_assert_int_eq(json_integer_value(json_object_get(d, "l")), 1000);
    ck_assert(json_is_false(json_object_get(d, "m")));
    json_decref(d);
}
END_TEST

START_TEST(duplicate_key_is_an_error_with_its_line)
{
    wp_yaml_error err;
    json_t *d = load("a: 1\nb:\n  c: 2\n  c: 3\n", &err);
    ck_assert_ptr_null(d);
    ck_assert_str_eq(err.message, "duplicate mapping key \"c\"");
    ck_assert_int_eq(err.line, 4);
    ck_assert_int_eq(err.column, 3);
}
END_TEST

START_TEST(syntax_error_names_line)
{
    wp_yaml_error err;
    json_t *d = load("a: 1\nb: [1, 2\n", &err);
    ck_assert_ptr_null(d);
    ck_assert_int_ge(err.line, 2);
    ck_assert(strlen(err.message) > 0);
    d = load("a:\n\t- b\n", &err); /* a tab in indentation */
    ck_assert_ptr_null(d);
    ck_assert_int_eq(err.line, 2);
}
END_TEST

START_TEST(anchors_aliases_and_merge_keys)
{
    wp_yaml_error err;
    json_t *d = load("base: &b {x: 1, y: 2}\nuse: *b\nm:\n  <<: *b\n  y: 3\n", &err);
    ck_assert_msg(d != NULL, "%s", err.message);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(d, "use"), "x")), 1);
    json_t *m = json_object_get(d, "m");
    ck_assert_int_eq(json_integer_value(json_object_get(m, "x")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(m, "y")), 3);
    json_decref(d);
}
END_TEST

START_TEST(billion_laughs_is_refused)
{
    /* Each level multiplies by 10: 10^9 nodes once expanded. */
    char doc[4096] = "a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n";
    for (int i = 1; i <= 9; i++) {
        char line[128];
        snprintf(line, sizeof line, "a%d: &a%d [*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d]\n",
                 i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
        strcat(doc, line);
    }
    wp_yaml_error err;
    json_t *d = load(doc, &err);
    ck_assert_ptr_null(d);
    ck_assert_msg(strstr(err.message, "too large") != NULL, "%s", err.message);
}
END_TEST

/* A few aliases of one big string: few nodes, many bytes. Every way an
 * alias can be used (sequence item, mapping value, merge key, key) counts. */
static char *big_string_bomb(const char *use, size_t string_len)
{
    size_t cap = string_len + 4096;
    char *doc = malloc(cap);
    int n = snprintf(doc, cap, "s: &s \"");
    memset(doc + n, 'a', string_len);
    n += (int)string_len;
    n += snprintf(doc + n, cap - (size_t)n, "\"\n%s", use);
    doc[n] = '\0';
    return doc;
}

START_TEST(aliases_are_bounded_in_bytes_not_only_nodes)
{
    static const char *const uses[] = {
        "l1: &l1 [*s, *s, *s, *s, *s, *s, *s, *s, *s, *s]\nl2: &l2 [*l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1]\n",
        "m: &m {a: *s, b: *s, c: *s, d: *s, e: *s, f: *s, g: *s, h: *s, i: *s, j: *s}\n"
        "n: [*m, *m, *m, *m, *m, *m, *m, *m, *m, *m]\n",
        "m: &m {a: *s, b: *s, c: *s, d: *s, e: *s, f: *s, g: *s, h: *s, i: *s, j: *s}\n"
        "x: [{<<: *m}, {<<: *m}, {<<: *m}, {<<: *m}, {<<: *m}, {<<: *m}, {<<: *m}, {<<: *m}, {<<: *m}, {<<: *m}]\n",
    };
    for (size_t i = 0; i < sizeof uses / sizeof *uses; i++) {
        char *doc = big_string_bomb(uses[i], 64 * 1024); /* 100 copies: 6.4 MiB */
        wp_yaml_error err;
        json_t *d = load(doc, &err);
        ck_assert_msg(d == NULL, "use %zu accepted", i);
        ck_assert_msg(strstr(err.message, "aliases expand to more than 4 MiB") != NULL, "%s", err.message);
        ck_assert_uint_ge(err.line, 2); /* the line of the alias that crossed the limit */
        free(doc);
        doc = big_string_bomb(uses[i], 32 * 1024); /* 100 copies: 3.2 MiB, under the limit */
        d = load(doc, &err);
        ck_assert_msg(d != NULL, "use %zu: %s", i, err.message);
        json_decref(d);
        free(doc);
    }
    /* an alias used as a key counts its text too */
    char *doc = big_string_bomb("", 1024 * 1024);
    size_t len = strlen(doc);
    doc = realloc(doc, len + 256);
    strcpy(doc + len, "m: {*s : 1}\nn: {*s : 1}\no: {*s : 1}\np: {*s : 1}\nq: {*s : 1}\n");
    wp_yaml_error err;
    ck_assert_ptr_null(load(doc, &err));
    ck_assert_uint_eq(err.line, 5); /* the fourth 1 MiB key passes 4 MiB */
    free(doc);
}
END_TEST

static int count_docs(void *ctx, const wp_yaml_doc *doc)
{
    (void)doc;
    ++*(size_t *)ctx;
    return 0;
}

START_TEST(alias_budget_is_for_the_whole_stream_and_plain_text_is_not_limited)
{
    /* 5 documents of 1 MiB of aliases each: the stream is over, one at a time was not */
    char *one = big_string_bomb("l: [*s, *s, *s, *s, *s, *s, *s, *s]\n", 128 * 1024);
    size_t len = strlen(one), n = 0;
    char *stream = malloc(5 * (len + 8) + 1), *p = stream;
    for (int i = 0; i < 5; i++) p += sprintf(p, "---\n%s", one);
    wp_yaml_error err;
    ck_assert_int_eq(wp_yaml_parse(stream, strlen(stream), 1, 0, count_docs, &n, &err), -1);
    ck_assert_uint_eq(n, 3);
    ck_assert_ptr_nonnull(strstr(err.message, "aliases expand"));
    free(stream);
    free(one);
    /* 8 MiB of text without aliases parses: the source size already bounds it */
    char *plain = big_string_bomb("", 8 * 1024 * 1024);
    json_t *d = load(plain, &err);
    ck_assert_msg(d != NULL, "%s", err.message);
    json_decref(d);
    free(plain);
}
END_TEST

START_TEST(deep_nesting_is_refused)
{
    size_t n = 100000;
    char *doc = malloc(n + 1);
    memset(doc, '[', n);
    doc[n] = '\0';
    wp_yaml_error err;
    json_t *d = load(doc, &err);
    ck_assert_ptr_null(d);
    ck_assert_msg(strstr(err.message, "nesting deeper") != NULL, "%s", err.message);
    free(doc);
}
END_TEST

static int collect(void *ctx, const wp_yaml_doc *doc)
{
    json_array_append_new(ctx, json_pack("{s:O,s:O,s:I}", "root", doc->root, "pos", doc->positions,
                                     "line", (json_int_t)doc->line));
    return 0;
}

START_TEST(multi_document_positions)
{
    const char *text = "# c\n---\nkind: A\nspec:\n  env:\n  - name: X\n    value: y\n---\n---\nkind: B\n";
    json_t *docs = json_array();
    wp_yaml_error err;
    ck_assert_int_eq(wp_yaml_parse(text, strlen(text), 1, WP_YAML_POSITIONS, collect, docs, &err), 0);
    ck_assert_int_eq(json_array_size(docs), 2); /* the empty document is skipped */
    json_t *pos = json_object_get(json_array_get(docs, 0), "pos");
    json_t *p = json_object_get(pos, "/spec/env/0/name");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(json_integer_value(json_array_get(p, 0)), 6);
    ck_assert_int_eq(json_integer_value(json_array_get(p, 1)), 11);
    p = json_object_get(pos, "/spec/env/0");
    ck_assert_int_eq(json_integer_value(json_array_get(p, 0)), 6);
    ck_assert_int_eq(json_integer_value(json_array_get(p, 1)), 5);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(docs, 1), "root"), "kind")), "B");
    json_decref(docs);
}
END_TEST

START_TEST(keys_with_slash_are_escaped_in_pointers)
{
    const char *text = "labels:\n  a.io/b~c: v\n";
    json_t *docs = json_array();
    ck_assert_int_eq(wp_yaml_parse(text, strlen(text), 10, WP_YAML_POSITIONS, collect, docs, NULL), 0);
    json_t *pos = json_object_get(json_array_get(docs, 0), "pos");
    json_t *p = json_object_get(pos, "/labels/a.io~1b~0c");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(json_integer_value(json_array_get(p, 0)), 11); /* first_line = 10 */
    json_decref(docs);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("yaml");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, scalars_resolve_like_go_yaml_v2);
    tcase_add_test(tc, duplicate_key_is_an_error_with_its_line);
    tcase_add_test(tc, syntax_error_names_line);
    tcase_add_test(tc, anchors_aliases_and_merge_keys);
    tcase_add_test(tc, billion_laughs_is_refused);
    tcase_add_test(tc, aliases_are_bounded_in_bytes_not_only_nodes);
    tcase_add_test(tc, alias_budget_is_for_the_whole_stream_and_plain_text_is_not_limited);
    tcase_add_test(tc, deep_nesting_is_refused);
    tcase_add_test(tc, multi_document_positions);
    tcase_add_test(tc, keys_with_slash_are_escaped_in_pointers);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
