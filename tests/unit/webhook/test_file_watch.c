/* Polling change detection, including the Kubernetes ..data symlink swap. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "webhook/file_watch.h"

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/wp-watch-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void put(const char *rel, const char *content)
{
    char path[256], tmp[300];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    ck_assert_ptr_nonnull(f);
    fputs(content, f);
    fclose(f);
    ck_assert_int_eq(rename(tmp, path), 0);
}

static char *at(const char *rel)
{
    static char paths[4][256];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, 256, "%s/%s", dir, rel);
    return p;
}

/* Polls enough times that the periodic forced hash runs too. */
static int poll_many(wp_watch *w, wp_file_content *out)
{
    char err[256];
    for (int i = 0; i < 20; i++) {
        int rc = wp_watch_poll(w, out, err, sizeof err);
        if (rc != 0) return rc;
    }
    return 0;
}

START_TEST(unchanged_files_stay_quiet_and_changes_are_reported_once)
{
    put("a", "one");
    put("b", "two");
    const char *paths[] = {at("a"), at("b")};
    wp_watch w;
    wp_file_content c[2];
    char err[256];
    ck_assert_int_eq(wp_watch_init(&w, paths, NULL, 2), 0);
    ck_assert_int_eq(wp_watch_read(&w, c, err, sizeof err), 0);
    ck_assert_str_eq(c[0].data, "one");
    ck_assert_str_eq(c[1].data, "two");
    wp_watch_contents_free(c, 2);
    ck_assert_int_eq(poll_many(&w, c), 0);

    put("b", "three");
    ck_assert_int_eq(wp_watch_poll(&w, c, err, sizeof err), 1);
    /* The whole group is delivered, read at the same moment. */
    ck_assert_str_eq(c[0].data, "one");
    ck_assert_str_eq(c[1].data, "three");
    ck_assert_uint_eq(c[1].len, 5);
    wp_watch_contents_free(c, 2);
    /* Reported once, even if the consumer rejected it. */
    ck_assert_int_eq(poll_many(&w, c), 0);

    /* Rewritten with the same bytes: a new inode, but nothing to reload. */
    put("a", "one");
    ck_assert_int_eq(poll_many(&w, c), 0);
    wp_watch_free(&w);
}
END_TEST

START_TEST(kubernetes_data_symlink_swap_is_seen)
{
    /* The layout kubelet's atomic writer makes for a mounted Secret:
     *   tls.crt -> ..data/tls.crt, ..data -> ..2026_01_01_00_00_00.1 */
    ck_assert_int_eq(mkdir(at("..2026_01_01_00_00_00.1"), 0755), 0);
    put("..2026_01_01_00_00_00.1/tls.crt", "cert-v1");
    ck_assert_int_eq(symlink("..2026_01_01_00_00_00.1", at("..data")), 0);
    ck_assert_int_eq(symlink("..data/tls.crt", at("tls.crt")), 0);
    const char *paths[] = {at("tls.crt")};
    wp_watch w;
    wp_file_content c[1];
    char err[256];
    ck_assert_int_eq(wp_watch_init(&w, paths, NULL, 1), 0);
    ck_assert_int_eq(wp_watch_read(&w, c, err, sizeof err), 0);
    ck_assert_str_eq(c[0].data, "cert-v1");
    wp_watch_contents_free(c, 1);

    /* New timestamped directory, then ..data re-pointed atomically. */
    ck_assert_int_eq(mkdir(at("..2026_01_02_00_00_00.2"), 0755), 0);
    put("..2026_01_02_00_00_00.2/tls.crt", "cert-v2");
    ck_assert_int_eq(symlink("..2026_01_02_00_00_00.2", at("..data_tmp")), 0);
    ck_assert_int_eq(rename(at("..data_tmp"), at("..data")), 0);
    ck_assert_int_eq(wp_watch_poll(&w, c, err, sizeof err), 1);
    ck_assert_str_eq(c[0].data, "cert-v2");
    wp_watch_contents_free(c, 1);
    ck_assert_int_eq(poll_many(&w, c), 0);
    wp_watch_free(&w);
}
END_TEST

START_TEST(missing_file_is_an_error_then_recovers)
{
    put("a", "x");
    const char *paths[] = {at("a")};
    wp_watch w;
    wp_file_content c[1];
    char err[256], expect[300];
    ck_assert_int_eq(wp_watch_init(&w, paths, NULL, 1), 0);
    ck_assert_int_eq(wp_watch_read(&w, c, err, sizeof err), 0);
    wp_watch_contents_free(c, 1);
    ck_assert_int_eq(unlink(at("a")), 0);
    ck_assert_int_eq(wp_watch_poll(&w, c, err, sizeof err), -1);
    snprintf(expect, sizeof expect, "%s: No such file or directory", at("a"));
    ck_assert_str_eq(err, expect);
    put("a", "y");
    ck_assert_int_eq(wp_watch_poll(&w, c, err, sizeof err), 1);
    ck_assert_str_eq(c[0].data, "y");
    wp_watch_contents_free(c, 1);
    wp_watch_free(&w);
}
END_TEST

START_TEST(oversized_file_is_refused)
{
    char *big = malloc(WP_WATCH_MAX_FILE_BYTES + 2);
    memset(big, 'x', WP_WATCH_MAX_FILE_BYTES + 1);
    big[WP_WATCH_MAX_FILE_BYTES + 1] = '\0';
    put("big", big);
    free(big);
    const char *paths[] = {at("big")};
    wp_watch w;
    wp_file_content c[1];
    char err[256], expect[300];
    ck_assert_int_eq(wp_watch_init(&w, paths, NULL, 1), 0);
    ck_assert_int_eq(wp_watch_read(&w, c, err, sizeof err), -1);
    snprintf(expect, sizeof expect, "%s: file is %d bytes, larger than the %d-byte limit", at("big"),
             WP_WATCH_MAX_FILE_BYTES + 1, WP_WATCH_MAX_FILE_BYTES);
    ck_assert_str_eq(err, expect);
    wp_watch_free(&w);
}
END_TEST

/* Reading path as the file of --tls-cert-file fails with
 * "--tls-cert-file PATH: why", at startup and at every poll. */
static void expect_read_error(const char *path, const char *why)
{
    const char *paths[] = {path};
    const char *flags[] = {"tls-cert-file"};
    wp_watch w;
    wp_file_content c[1];
    char err[512], expect[600];
    ck_assert_int_eq(wp_watch_init(&w, paths, flags, 1), 0);
    ck_assert_int_eq(wp_watch_read(&w, c, err, sizeof err), -1);
    snprintf(expect, sizeof expect, "--tls-cert-file %s: %s", path, why);
    ck_assert_str_eq(err, expect);
    ck_assert_int_eq(wp_watch_poll(&w, c, err, sizeof err), -1);
    ck_assert_str_eq(err, expect);
    wp_watch_free(&w);
}

/* What is not a regular file is refused at once, naming the flag and the
 * file type: never a hang (a FIFO once wedged the reload thread). The
 * check follows symlinks, as Secret mounts need. */
START_TEST(non_regular_files_are_refused_without_blocking)
{
    ck_assert_int_eq(mkfifo(at("fifo"), 0600), 0);
    expect_read_error(at("fifo"), "not a regular file (a FIFO)");
    ck_assert_int_eq(symlink(at("fifo"), at("link-to-fifo")), 0);
    expect_read_error(at("link-to-fifo"), "not a regular file (a FIFO)");
    ck_assert_int_eq(mkdir(at("dir"), 0700), 0);
    expect_read_error(at("dir"), "not a regular file (a directory)");
    ck_assert_int_eq(symlink("/dev/zero", at("zero")), 0);
    expect_read_error(at("zero"), "not a regular file (a character device)");
}
END_TEST

START_TEST(a_missing_file_names_its_flag)
{
    expect_read_error(at("nope.crt"), "No such file or directory");
}
END_TEST

/* A sparse file far over the limit is refused from its size, unread. */
START_TEST(huge_sparse_file_is_refused_unread)
{
    FILE *f = fopen(at("huge"), "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(ftruncate(fileno(f), 64LL << 30), 0);
    fclose(f);
    const char *paths[] = {at("huge")};
    wp_watch w;
    wp_file_content c[1];
    char err[512], expect[600];
    ck_assert_int_eq(wp_watch_init(&w, paths, NULL, 1), 0);
    ck_assert_int_eq(wp_watch_read(&w, c, err, sizeof err), -1);
    snprintf(expect, sizeof expect, "%s: file is %lld bytes, larger than the %d-byte limit", at("huge"),
             64LL << 30, WP_WATCH_MAX_FILE_BYTES);
    ck_assert_str_eq(err, expect);
    wp_watch_free(&w);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("file_watch");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, unchanged_files_stay_quiet_and_changes_are_reported_once);
    tcase_add_test(tc, kubernetes_data_symlink_swap_is_seen);
    tcase_add_test(tc, missing_file_is_an_error_then_recovers);
    tcase_add_test(tc, oversized_file_is_refused);
    tcase_add_test(tc, non_regular_files_are_refused_without_blocking);
    tcase_add_test(tc, a_missing_file_names_its_flag);
    tcase_add_test(tc, huge_sparse_file_is_refused_unread);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
