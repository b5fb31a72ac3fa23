/* JSON Patch: pointer escaping, the builder's exact output, and the applier
 * against the RFC 6902 semantics. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_patch.h"
#include "rules_testing.h"

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
    ck_assert_msg(j != NULL, "bad test JSON: %s", e.text);
    return j;
}

/* Applies patch_text to doc_text; returns the result as compact JSON with
 * sorted keys (caller frees), or NULL with err filled. */
static char *apply(const char *doc_text, const char *patch_text, char *err, size_t err_size)
{
    json_t *doc = parse(doc_text), *patch = parse(patch_text);
    json_t *out = wp_json_patch_apply(doc, patch, err, err_size);
    char *s = out ? json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
    json_decref(doc);
    json_decref(patch);
    json_decref(out);
    return s;
}

static void assert_applies(const char *doc, const char *patch, const char *expected)
{
    char err[256] = "";
    char *got = apply(doc, patch, err, sizeof err);
    ck_assert_msg(got != NULL, "patch %s failed: %s", patch, err);
    ck_assert_str_eq(got, expected);
    free(got);
}

static void assert_fails(const char *doc, const char *patch, const char *message)
{
    char err[256] = "";
    char *got = apply(doc, patch, err, sizeof err);
    ck_assert_msg(got == NULL, "patch %s applied: %s", patch, got);
    ck_assert_str_eq(err, message);
}

START_TEST(pointer_escapes_tilde_then_slash)
{
    const char *tokens[] = {"metadata", "a/b", "c~d", "~1", ""};
    char *p = wp_json_pointer(tokens, 5);
    ck_assert_str_eq(p, "/metadata/a~1b/c~0d/~01/");
    free(p);
    p = wp_json_pointer(NULL, 0);
    ck_assert_str_eq(p, "");
    free(p);
}
END_TEST

START_TEST(builder_writes_compact_ordered_operations)
{
    wp_json_patch p = WP_JSON_PATCH_INIT;
    char *s = wp_json_patch_dump(&p, NULL);
    ck_assert_str_eq(s, "[]");
    free(s);
    ck_assert_uint_eq(wp_json_patch_size(&p), 0);

    const char *reason[] = {"metadata", "annotations", "warmpool.io/cold-start-reason"};
    const char *ts[] = {"metadata", "annotations", "x~y"};
    json_t *n1 = json_pack("{s:i, s:[f, b, n]}", "n", 1, "r", 2.0, 1);
    wp_json_patch_add_string(&p, reason, 3, "env");
    wp_json_patch_replace(&p, ts, 3, n1);
    wp_json_patch_remove(&p, reason, 2);
    json_t *q = json_string("q\"\n");
    wp_json_patch_add(&p, reason, 1, q);
    json_decref(q);
    wp_json_patch_replace_string(&p, reason, 0, "\x01");
    json_decref(n1);
    ck_assert_uint_eq(wp_json_patch_size(&p), 5);
    size_t len;
    s = wp_json_patch_dump(&p, &len);
    ck_assert_str_eq(s, "[{\"op\":\"add\",\"path\":\"/metadata/annotations/warmpool.io~1cold-start-reason\",\"value\":\"env\"},"
                        "{\"op\":\"replace\",\"path\":\"/metadata/annotations/x~0y\",\"value\":{\"n\":1,\"r\":[2.0,true,null]}},"
                        "{\"op\":\"remove\",\"path\":\"/metadata/annotations\"},"
                        "{\"op\":\"add\",\"path\":\"/metadata\",\"value\":\"q\\\"\\n\"},"
                        "{\"op\":\"replace\",\"path\":\"\",\"value\":\"\\u0001\"}]");
    ck_assert_uint_eq(len, strlen(s));
    free(s);
    wp_json_patch_free(&p);
    ck_assert_uint_eq(wp_json_patch_size(&p), 0);
}
END_TEST

START_TEST(built_patch_applies)
{
    wp_json_patch p = WP_JSON_PATCH_INIT;
    const char *path[] = {"metadata", "annotations", "a/b~c"};
    wp_json_patch_add_string(&p, path, 3, "v");
    json_t *doc = parse("{\"metadata\":{\"annotations\":{}}}");
    char *text = wp_json_patch_dump(&p, NULL);
    json_t *ops = parse(text);
    free(text);
    char err[128];
    json_t *out = wp_json_patch_apply(doc, ops, err, sizeof err);
    json_decref(ops);
    ck_assert_ptr_nonnull(out);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(out, "metadata"), "annotations"), "a/b~c")), "v");
    /* The input is left as it was. */
    ck_assert_uint_eq(json_object_size(json_object_get(json_object_get(doc, "metadata"), "annotations")), 0);
    json_decref(out);
    json_decref(doc);
    wp_json_patch_free(&p);
}
END_TEST

START_TEST(add)
{
    assert_applies("{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\"}]",
                   "{\"baz\":\"qux\",\"foo\":\"bar\"}");
    assert_applies("{\"foo\":[\"bar\",\"baz\"]}", "[{\"op\":\"add\",\"path\":\"/foo/1\",\"value\":\"qux\"}]",
                   "{\"foo\":[\"bar\",\"qux\",\"baz\"]}");
    assert_applies("{\"foo\":[1]}", "[{\"op\":\"add\",\"path\":\"/foo/-\",\"value\":2}]", "{\"foo\":[1,2]}");
    assert_applies("{\"foo\":[1]}", "[{\"op\":\"add\",\"path\":\"/foo/1\",\"value\":2}]", "{\"foo\":[1,2]}");
    /* add replaces an existing member; "" replaces the whole document. */
    assert_applies("{\"foo\":1}", "[{\"op\":\"add\",\"path\":\"/foo\",\"value\":[]}]", "{\"foo\":[]}");
    assert_applies("{\"foo\":1}", "[{\"op\":\"add\",\"path\":\"\",\"value\":[3]}]", "[3]");
    /* An empty key and escaped keys are ordinary member names. */
    assert_applies("{}", "[{\"op\":\"add\",\"path\":\"/\",\"value\":1}]", "{\"\":1}");
    assert_applies("{}", "[{\"op\":\"add\",\"path\":\"/a~1b~0c\",\"value\":1}]", "{\"a/b~c\":1}");
    assert_fails("{\"foo\":[1]}", "[{\"op\":\"add\",\"path\":\"/foo/2\",\"value\":2}]", "cannot add at \"/foo/2\"");
    assert_fails("{\"foo\":[1]}", "[{\"op\":\"add\",\"path\":\"/foo/01\",\"value\":2}]", "cannot add at \"/foo/01\"");
    assert_fails("{}", "[{\"op\":\"add\",\"path\":\"/a/b\",\"value\":1}]", "path \"/a\" does not exist");
    assert_fails("{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/a/b\",\"value\":1}]", "cannot add at \"/a/b\"");
}
END_TEST

START_TEST(remove_and_replace)
{
    assert_applies("{\"baz\":\"qux\",\"foo\":\"bar\"}", "[{\"op\":\"remove\",\"path\":\"/baz\"}]", "{\"foo\":\"bar\"}");
    assert_applies("{\"foo\":[\"bar\",\"qux\",\"baz\"]}", "[{\"op\":\"remove\",\"path\":\"/foo/1\"}]",
                   "{\"foo\":[\"bar\",\"baz\"]}");
    assert_applies("{\"baz\":\"qux\",\"foo\":\"bar\"}", "[{\"op\":\"replace\",\"path\":\"/baz\",\"value\":\"boo\"}]",
                   "{\"baz\":\"boo\",\"foo\":\"bar\"}");
    assert_applies("[1,2,3]", "[{\"op\":\"replace\",\"path\":\"/1\",\"value\":9}]", "[1,9,3]");
    assert_applies("{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"\",\"value\":{\"b\":2}}]", "{\"b\":2}");
    assert_fails("{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/b\"}]", "path \"/b\" does not exist");
    assert_fails("{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"/b\",\"value\":1}]", "path \"/b\" does not exist");
    assert_fails("[1]", "[{\"op\":\"remove\",\"path\":\"/1\"}]", "path \"/1\" does not exist");
    assert_fails("{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"\"}]", "cannot remove the whole document");
}
END_TEST

START_TEST(move_copy_and_test)
{
    assert_applies("{\"foo\":{\"bar\":\"baz\",\"waldo\":\"fred\"},\"qux\":{\"corge\":\"grault\"}}",
                   "[{\"op\":\"move\",\"from\":\"/foo/waldo\",\"path\":\"/qux/thud\"}]",
                   "{\"foo\":{\"bar\":\"baz\"},\"qux\":{\"corge\":\"grault\",\"thud\":\"fred\"}}");
    assert_applies("{\"foo\":[\"all\",\"grass\",\"cows\",\"eat\"]}",
                   "[{\"op\":\"move\",\"from\":\"/foo/1\",\"path\":\"/foo/3\"}]",
                   "{\"foo\":[\"all\",\"cows\",\"eat\",\"grass\"]}");
    assert_applies("{\"a\":{\"b\":1}}", "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/c\"}]",
                   "{\"a\":{\"b\":1},\"c\":{\"b\":1}}");
    assert_applies("{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}",
                   "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"qux\"},{\"op\":\"test\",\"path\":\"/foo/1\",\"value\":2}]",
                   "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}");
    assert_fails("{\"baz\":\"qux\"}", "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"bar\"}]",
                 "operation 0: test at \"/baz\" failed");
    assert_fails("{\"a\":{\"b\":1}}", "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/b/c\"}]",
                 "operation 0: cannot move \"/a\" into itself");
}
END_TEST

START_TEST(a_failing_operation_fails_the_whole_patch)
{
    assert_fails("{\"a\":1}",
                 "[{\"op\":\"add\",\"path\":\"/b\",\"value\":2},{\"op\":\"remove\",\"path\":\"/zzz\"}]",
                 "path \"/zzz\" does not exist");
}
END_TEST

START_TEST(malformed_patches)
{
    assert_fails("{}", "{}", "a JSON Patch is an array of operations");
    assert_fails("{}", "[1]", "operation 0: needs \"op\" and \"path\"");
    assert_fails("{}", "[{\"op\":\"add\"}]", "operation 0: needs \"op\" and \"path\"");
    assert_fails("{}", "[{\"op\":\"add\",\"path\":\"/a\"}]", "operation 0: \"add\" needs \"value\"");
    assert_fails("{}", "[{\"op\":\"copy\",\"path\":\"/a\"}]", "operation 0: \"copy\" needs \"from\"");
    assert_fails("{}", "[{\"op\":\"frob\",\"path\":\"/a\"}]", "operation 0: unknown op \"frob\"");
    assert_fails("{}", "[{\"op\":\"add\",\"path\":\"a\",\"value\":1}]", "invalid JSON pointer \"a\"");
    assert_fails("{\"a\":{}}", "[{\"op\":\"add\",\"path\":\"/a~2/b\",\"value\":1}]", "invalid JSON pointer \"/a~2\"");
    assert_fails("{}", "[{\"op\":\"add\",\"path\":\"/a~\",\"value\":1}]", "invalid JSON pointer \"/a~\"");
}
END_TEST

TEST_MAIN("json_patch",
          pointer_escapes_tilde_then_slash,
          builder_writes_compact_ordered_operations,
          built_patch_applies,
          add,
          remove_and_replace,
          move_copy_and_test,
          a_failing_operation_fails_the_whole_patch,
          malformed_patches)
