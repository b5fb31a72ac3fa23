/* The document splitter: where one document ends and the next begins. */
#include <check.h>
#include <string.h>

#include "cli/docsplit.h"
#include "cli_test_util.h"

typedef struct {
    char text[8][256];
    size_t first_line[8], end_line[8];
    size_t n;
} spans;

static spans split(const char *buf)
{
    spans s = {0};
    wp_cli_docsplit it;
    wp_cli_docsplit_init(&it, buf, strlen(buf));
    wp_cli_span span;
    size_t covered = 0;
    while (wp_cli_docsplit_next(&it, &span)) {
        ck_assert_uint_lt(s.n, 8);
        ck_assert_uint_eq(span.offset, covered); /* contiguous */
        covered += span.len;
        snprintf(s.text[s.n], sizeof s.text[s.n], "%.*s", (int)span.len, buf + span.offset);
        s.first_line[s.n] = span.first_line;
        s.end_line[s.n] = span.end_line;
        s.n++;
    }
    ck_assert_uint_eq(covered, strlen(buf)); /* and cover everything */
    return s;
}

START_TEST(one_document_without_markers)
{
    spans s = split("a: 1\nb: 2\n");
    ck_assert_uint_eq(s.n, 1);
    ck_assert_str_eq(s.text[0], "a: 1\nb: 2\n");
    ck_assert_uint_eq(s.first_line[0], 1);
    ck_assert_uint_eq(s.end_line[0], 3);
}
END_TEST

START_TEST(markers_start_documents_and_belong_to_them)
{
    spans s = split("---\na: 1\n---\nb: 2\n--- {c: 3}\n");
    ck_assert_uint_eq(s.n, 3);
    ck_assert_str_eq(s.text[0], "---\na: 1\n");
    ck_assert_str_eq(s.text[1], "---\nb: 2\n");
    ck_assert_str_eq(s.text[2], "--- {c: 3}\n");
    ck_assert_uint_eq(s.first_line[1], 3);
    ck_assert_uint_eq(s.first_line[2], 5);
}
END_TEST

START_TEST(preamble_stays_with_the_document_it_introduces)
{
    /* comments and directives before a marker do not make a document */
    spans s = split("# header\n%YAML 1.1\n---\na: 1\n");
    ck_assert_uint_eq(s.n, 1);
    s = split("a: 1\n# about b\n---\nb: 2\n");
    ck_assert_uint_eq(s.n, 2);
    ck_assert_str_eq(s.text[0], "a: 1\n# about b\n");
}
END_TEST

START_TEST(end_markers_close_documents)
{
    spans s = split("a: 1\n...\nb: 2\n...\n");
    ck_assert_uint_eq(s.n, 2);
    ck_assert_str_eq(s.text[0], "a: 1\n...\n");
    ck_assert_str_eq(s.text[1], "b: 2\n...\n");
    ck_assert_uint_eq(s.first_line[1], 3);
}
END_TEST

START_TEST(only_real_markers_count)
{
    /* "----", "---x", an indented "---" and "--- " inside a value are content */
    spans s = split("a: |\n  ---\nb: ----\n---x: 1\n");
    ck_assert_uint_eq(s.n, 1);
    s = split("a: 1\n---\t# tab after the marker\nb: 2\r\n---\r\nc: 3");
    ck_assert_uint_eq(s.n, 3);
    ck_assert_str_eq(s.text[2], "---\r\nc: 3"); /* CRLF, and no newline at the end */
}
END_TEST

START_TEST(byte_order_mark_and_empty_input)
{
    spans s = split("\xEF\xBB\xBF---\na: 1\n---\nb: 2\n");
    ck_assert_uint_eq(s.n, 2);
    ck_assert_str_eq(s.text[0], "\xEF\xBB\xBF---\na: 1\n");
    s = split("");
    ck_assert_uint_eq(s.n, 0);
    s = split("---\n---\n");
    ck_assert_uint_eq(s.n, 2);
}
END_TEST

/* Lines end where libyaml ends them: a CR-only file has as many documents
 * and lines as its LF twin (it once was one line, and every document's
 * edits went into the first). */
START_TEST(every_yaml_line_break_counts)
{
    static const char *const breaks[] = {"\n", "\r\n", "\r", "\xC2\x85", "\xE2\x80\xA8", "\xE2\x80\xA9"};
    for (size_t i = 0; i < sizeof breaks / sizeof *breaks; i++) {
        const char *b = breaks[i];
        char buf[128];
        snprintf(buf, sizeof buf, "a: 1%s---%s# c%sb: 2%s---%sc: 3%s", b, b, b, b, b, b);
        spans s = split(buf);
        ck_assert_msg(s.n == 3, "break %zu: %zu documents", i, s.n);
        ck_assert_uint_eq(s.first_line[1], 2);
        ck_assert_uint_eq(s.first_line[2], 5);
        ck_assert_uint_eq(s.end_line[2], 7);
    }
    ck_assert_uint_eq(wp_cli_line_start("ab\rcd", 4), 3);
    ck_assert_uint_eq(wp_cli_line_start("ab\xE2\x80\xA8" "cd", 6), 5);
    ck_assert_uint_eq(wp_cli_line_start("abcd", 3), 0);
    ck_assert_uint_eq(wp_cli_next_line("ab\r\ncd", 6, 0), 4);
    ck_assert_uint_eq(wp_cli_next_line("abcd", 4, 1), 4);
    ck_assert_uint_eq(wp_cli_break_len("\xC2\x84", 2), 0); /* not NEL */
}
END_TEST

TEST_MAIN("docsplit", one_document_without_markers, markers_start_documents_and_belong_to_them,
          preamble_stays_with_the_document_it_introduces, end_markers_close_documents, only_real_markers_count,
          byte_order_mark_and_empty_input, every_yaml_line_break_counts)
