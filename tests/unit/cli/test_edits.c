/* Byte-range edits and the unified diffs they produce. */
#include <check.h>
#include <string.h>

#include "cli/edits.h"
#include "cli_test_util.h"

static char *diff_of(wp_cli_edits *e, const char *text)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    wp_cli_edits_diff(out, e, text, strlen(text), "f", "f");
    fclose(out);
    return buf;
}

static const char ten[] = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";

START_TEST(apply_in_any_order_and_refuse_overlaps)
{
    wp_cli_edits e = WP_CLI_EDITS_INIT;
    ck_assert(wp_cli_edits_add(&e, 6, 7, "four"));
    ck_assert(wp_cli_edits_add(&e, 0, 2, ""));
    ck_assert(!wp_cli_edits_add(&e, 6, 8, "x")); /* overlaps */
    ck_assert(wp_cli_edits_add(&e, 21, 21, "11\n"));   /* insert at the end */
    ck_assert(!wp_cli_edits_add(&e, 21, 21, "12\n"));  /* two inserts at one point: order unknown */
    size_t len;
    char *out = wp_cli_edits_apply(&e, ten, strlen(ten), &len);
    ck_assert_str_eq(out, "2\n3\nfour\n5\n6\n7\n8\n9\n10\n11\n");
    ck_assert_uint_eq(len, strlen(out));
    free(out);
    wp_cli_edits_truncate(&e, 1);
    ck_assert_uint_eq(e.n, 1);
    wp_cli_edits_free(&e);
}
END_TEST

START_TEST(diff_with_context_and_separate_hunks)
{
    wp_cli_edits e = WP_CLI_EDITS_INIT;
    wp_cli_edits_add(&e, 2, 3, "two");   /* line 2 */
    wp_cli_edits_add(&e, 18, 21, "");    /* delete line 10 */
    char *d = diff_of(&e, ten);
    ck_assert_str_eq(d, "--- f\n+++ f\n"
                        "@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n"
                        "@@ -7,4 +7,3 @@\n 7\n 8\n 9\n-10\n");
    free(d);
    wp_cli_edits_free(&e);
}
END_TEST

START_TEST(close_changes_share_a_hunk_and_line_numbers_shift)
{
    wp_cli_edits e = WP_CLI_EDITS_INIT;
    wp_cli_edits_add(&e, 0, 0, "0\n");   /* insert before line 1 */
    wp_cli_edits_add(&e, 14, 15, "eight"); /* line 8: a gap of 6 lines, so one hunk */
    char *d = diff_of(&e, ten);
    ck_assert_str_eq(d, "--- f\n+++ f\n@@ -1,10 +1,11 @@\n-1\n+0\n+1\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+eight\n 9\n 10\n");
    free(d);
    wp_cli_edits_free(&e);
    e = (wp_cli_edits)WP_CLI_EDITS_INIT;
    wp_cli_edits_add(&e, 0, 0, "0\n");
    wp_cli_edits_add(&e, 16, 17, "nine"); /* line 9: a gap of 7 lines, two hunks */
    d = diff_of(&e, ten);
    ck_assert_str_eq(d, "--- f\n+++ f\n@@ -1,4 +1,5 @@\n-1\n+0\n+1\n 2\n 3\n 4\n@@ -6,5 +7,5 @@\n 6\n 7\n 8\n"
                        "-9\n+nine\n 10\n");
    free(d);
    wp_cli_edits_free(&e);
    e = (wp_cli_edits)WP_CLI_EDITS_INIT;
    wp_cli_edits_add(&e, 0, 2, "");         /* delete line 1 */
    wp_cli_edits_add(&e, 18, 20, "ten");    /* line 10: its hunk starts one line earlier in the new file */
    d = diff_of(&e, ten);
    ck_assert_str_eq(d, "--- f\n+++ f\n@@ -1,4 +1,3 @@\n-1\n 2\n 3\n 4\n@@ -7,4 +6,4 @@\n 7\n 8\n 9\n-10\n+ten\n");
    free(d);
    wp_cli_edits_free(&e);
}
END_TEST

START_TEST(an_edit_that_eats_a_newline_takes_the_next_line_along)
{
    wp_cli_edits e = WP_CLI_EDITS_INIT;
    wp_cli_edits_add(&e, 1, 2, " and "); /* "1\n2\n" -> "1 and 2\n" */
    char *d = diff_of(&e, ten);
    ck_assert_str_eq(d, "--- f\n+++ f\n@@ -1,5 +1,4 @@\n-1\n-2\n+1 and 2\n 3\n 4\n 5\n");
    free(d);
    wp_cli_edits_free(&e);
}
END_TEST

START_TEST(missing_final_newline_and_new_files)
{
    wp_cli_edits e = WP_CLI_EDITS_INIT;
    wp_cli_edits_add(&e, 2, 3, "B");
    char *d = diff_of(&e, "a\nb");
    ck_assert_str_eq(d, "--- f\n+++ f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+B\n"
                        "\\ No newline at end of file\n");
    free(d);
    wp_cli_edits_free(&e);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    wp_cli_diff_new_file(out, "n.yaml", "x: 1\ny: 2\n", 10);
    fclose(out);
    ck_assert_str_eq(buf, "--- /dev/null\n+++ n.yaml\n@@ -0,0 +1,2 @@\n+x: 1\n+y: 2\n");
    free(buf);
}
END_TEST

START_TEST(diff_applies_with_patch)
{
    /* The diff is what `patch` needs to turn the old file into the new one. */
    char *dir = make_temp_dir();
    const char *text = "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\ng: 7\nh: 8\ni: 9\nj: 10\nk: 11\nl: 12\n";
    write_file(dir, "f", text);
    wp_cli_edits e = WP_CLI_EDITS_INIT;
    wp_cli_edits_add(&e, 3, 4, "one");
    wp_cli_edits_add(&e, 10, 15, "");
    wp_cli_edits_add(&e, 55, 57, "twelve");
    size_t len;
    char *want = wp_cli_edits_apply(&e, text, strlen(text), &len);
    char *d = diff_of(&e, text);
    write_file(dir, "f.diff", d);
    char *cmd = NULL;
    ck_assert_int_ge(asprintf(&cmd, "cd '%s' && patch -s f < f.diff", dir), 0);
    ck_assert_int_eq(system(cmd), 0);
    char *got = read_file_in(dir, "f");
    ck_assert_str_eq(got, want);
    free(got);
    free(cmd);
    free(d);
    free(want);
    wp_cli_edits_free(&e);
    rm_tree(dir);
    free(dir);
}
END_TEST

TEST_MAIN("edits", apply_in_any_order_and_refuse_overlaps, diff_with_context_and_separate_hunks,
          close_changes_share_a_hunk_and_line_numbers_shift,
          an_edit_that_eats_a_newline_takes_the_next_line_along, missing_final_newline_and_new_files,
          diff_applies_with_patch)
