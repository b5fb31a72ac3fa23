/* The YAML source tree: byte ranges, styles, anchors and flow context. */
#include <check.h>
#include <string.h>

#include "cli/ysource.h"
#include "cli_test_util.h"

static const char *text_of(const char *buf, const wp_ynode *n, char *out, size_t size)
{
    snprintf(out, size, "%.*s", (int)(n->end - n->start), buf + n->start);
    return out;
}

START_TEST(scalars_have_byte_ranges_even_after_multibyte_text)
{
    const char *buf = "x: 1\n---\nnote: \"caf\xC3\xA9 \xE2\x82\xAC\"\nname: 'it''s'   # c\nplain: a b\n";
    size_t offset = 5; /* the second document */
    wp_yaml_error err;
    wp_ysource *s = wp_ysource_parse(buf, offset, strlen(buf) - offset, 2, &err);
    ck_assert_msg(s != NULL, "%s", err.message);
    const wp_ynode *root = wp_ysource_root(s);
    ck_assert_int_eq(root->type, WP_YNODE_MAPPING);
    ck_assert_int_eq(root->style, WP_YSTYLE_BLOCK);
    char t[64];
    const wp_ynode *key = NULL, *v = wp_ynode_get(root, "note", &key);
    ck_assert_str_eq(text_of(buf, key, t, sizeof t), "note");
    ck_assert_str_eq(text_of(buf, v, t, sizeof t), "\"caf\xC3\xA9 \xE2\x82\xAC\"");
    ck_assert_int_eq(v->style, WP_YSTYLE_DOUBLE);
    ck_assert_uint_eq(v->line, 3);
    ck_assert_uint_eq(v->column, 7);
    v = wp_ynode_get(root, "name", NULL);
    ck_assert_str_eq(text_of(buf, v, t, sizeof t), "'it''s'");
    ck_assert_str_eq(v->value, "it's");
    ck_assert_int_eq(v->style, WP_YSTYLE_SINGLE);
    v = wp_ynode_get(root, "plain", NULL);
    ck_assert_str_eq(text_of(buf, v, t, sizeof t), "a b");
    ck_assert(!v->in_flow);
    ck_assert_ptr_null(wp_ynode_get(root, "missing", NULL));
    wp_ysource_free(s);
}
END_TEST

START_TEST(flow_anchors_aliases_tags_and_merges)
{
    const char *buf = "a: &x {k: [1, v]}\nb: *x\nc: !!str 5\nd:\n  <<: *x\n  e: |\n    lit\n";
    wp_ysource *s = wp_ysource_parse(buf, 0, strlen(buf), 1, NULL);
    ck_assert_ptr_nonnull(s);
    const wp_ynode *root = wp_ysource_root(s);
    const wp_ynode *a = wp_ynode_get(root, "a", NULL);
    ck_assert(a->anchored);
    ck_assert_int_eq(a->style, WP_YSTYLE_FLOW);
    char t[64];
    ck_assert_str_eq(text_of(buf, a, t, sizeof t), "&x {k: [1, v]}");
    const wp_ynode *k = wp_ynode_get(a, "k", NULL);
    ck_assert(k->in_flow);
    ck_assert_uint_eq(k->n_children, 2);
    ck_assert(k->children[1]->in_flow);
    const wp_ynode *b = wp_ynode_get(root, "b", NULL);
    ck_assert_int_eq(b->type, WP_YNODE_ALIAS);
    ck_assert_str_eq(b->value, "x");
    ck_assert(wp_ynode_get(root, "c", NULL)->tagged);
    const wp_ynode *d = wp_ynode_get(root, "d", NULL);
    ck_assert(wp_ynode_has_merge(d));
    ck_assert(!wp_ynode_has_merge(root));
    ck_assert_int_eq(wp_ynode_get(d, "e", NULL)->style, WP_YSTYLE_LITERAL);
    wp_ysource_free(s);
}
END_TEST

START_TEST(errors_and_empty_documents)
{
    wp_yaml_error err;
    const char *bad = "a: 1\nb: [2\n";
    ck_assert_ptr_null(wp_ysource_parse(bad, 0, strlen(bad), 10, &err));
    ck_assert_uint_eq(err.line, 12);
    ck_assert(strlen(err.message) > 0);
    wp_ysource *s = wp_ysource_parse("# nothing\n", 0, 10, 1, &err);
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_null(wp_ysource_root(s));
    wp_ysource_free(s);
}
END_TEST

/* Every node's byte range must cover its own text, whatever the encoding
 * details before it: a byte order mark (libyaml skips it uncounted), CR LF,
 * CR alone, NEL and LS line breaks, 2-, 3- and 4-byte characters. */
START_TEST(byte_ranges_after_bom_and_every_line_break)
{
    static const char *const prefixes[] = {"", "\xEF\xBB\xBF"};
    static const char *const breaks[] = {"\n", "\r\n", "\r", "\xC2\x85", "\xE2\x80\xA8"};
    static const char *const texts[] = {"", "# \xC3\xA9\xE6\x97\xA5\xF0\x9F\x8E\x89"};
    for (size_t p = 0; p < 2; p++)
        for (size_t b = 0; b < 5; b++)
            for (size_t t = 0; t < 2; t++) {
                char buf[256];
                snprintf(buf, sizeof buf, "%s%s%sa: 1%sname: {k: 'v\xC3\xA9'}%slast: x%s", prefixes[p], texts[t],
                         breaks[b], breaks[b], breaks[b], breaks[b]);
                wp_yaml_error err;
                wp_ysource *s = wp_ysource_parse(buf, 0, strlen(buf), 1, &err);
                ck_assert_msg(s != NULL, "%zu/%zu/%zu: %s", p, b, t, err.message);
                const wp_ynode *root = wp_ysource_root(s);
                char got[64];
                const wp_ynode *key = NULL, *v = wp_ynode_get(root, "name", &key);
                ck_assert_str_eq(text_of(buf, key, got, sizeof got), "name");
                ck_assert_str_eq(text_of(buf, v, got, sizeof got), "{k: 'v\xC3\xA9'}");
                ck_assert_str_eq(text_of(buf, wp_ynode_get(v, "k", NULL), got, sizeof got), "'v\xC3\xA9'");
                ck_assert_str_eq(text_of(buf, wp_ynode_get(root, "last", NULL), got, sizeof got), "x");
                ck_assert_uint_eq(key->line, 3);
                wp_ysource_free(s);
            }
}
END_TEST

START_TEST(utf16_is_refused_not_misplaced)
{
    const char le[] = "\xFF\xFE" "a\0:\0 \0" "1\0\n\0";
    wp_yaml_error err;
    ck_assert_ptr_null(wp_ysource_parse(le, 0, sizeof le - 1, 1, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "UTF-16"));
}
END_TEST

TEST_MAIN("ysource", scalars_have_byte_ranges_even_after_multibyte_text, flow_anchors_aliases_tags_and_merges,
          errors_and_empty_documents, byte_ranges_after_bom_and_every_line_break, utf16_is_refused_not_misplaced)
