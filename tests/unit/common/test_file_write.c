/* Atomic file writes: modes, symlinks, create-only, errors naming the path. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file_write.h"

static char dir[] = "/tmp/wp-file-write-XXXXXX";

static char *slurp(const char *path)
{
    static char buf[256];
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    return st.st_mode & 07777;
}

START_TEST(with_mode_creates_and_replaces_with_exactly_that_mode)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/tls.key", dir);
    ck_assert_int_eq(wp_file_write_atomic(path, "one", 3, WP_WRITE_WITH_MODE, 0600, err, sizeof err), 0);
    ck_assert_str_eq(slurp(path), "one");
    ck_assert_uint_eq(mode_of(path), 0600);
    chmod(path, 0644);
    ck_assert_int_eq(wp_file_write_atomic(path, "two", 3, WP_WRITE_WITH_MODE, 0600, err, sizeof err), 0);
    ck_assert_str_eq(slurp(path), "two");
    ck_assert_uint_eq(mode_of(path), 0600);
}
END_TEST

START_TEST(replace_keeps_mode_and_follows_symlinks)
{
    char target[512], link_path[512], err[256];
    snprintf(target, sizeof target, "%s/claim.yaml", dir);
    snprintf(link_path, sizeof link_path, "%s/link.yaml", dir);
    ck_assert_int_eq(wp_file_write_atomic(target, "old", 3, WP_WRITE_CREATE_NEW, 0640, err, sizeof err), 0);
    ck_assert_int_eq(symlink(target, link_path), 0);
    ck_assert_int_eq(wp_file_write_atomic(link_path, "new", 3, WP_WRITE_REPLACE, 0, err, sizeof err), 0);
    struct stat st;
    ck_assert_int_eq(lstat(link_path, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    ck_assert_str_eq(slurp(target), "new");
    ck_assert_uint_eq(mode_of(target), 0640);
}
END_TEST

START_TEST(create_new_refuses_an_existing_file_and_errors_name_the_path)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/pool.yaml", dir);
    ck_assert_int_eq(wp_file_write_atomic(path, "a", 1, WP_WRITE_CREATE_NEW, 0644, err, sizeof err), 0);
    ck_assert_int_eq(wp_file_write_atomic(path, "b", 1, WP_WRITE_CREATE_NEW, 0644, err, sizeof err), -1);
    ck_assert_msg(strstr(err, path) && strstr(err, "cannot create: File exists"), "%s", err);
    ck_assert_str_eq(slurp(path), "a");
    snprintf(path, sizeof path, "%s/missing/x.yaml", dir);
    ck_assert_int_eq(wp_file_write_atomic(path, "c", 1, WP_WRITE_REPLACE, 0, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "No such file or directory") != NULL, "%s", err);
}
END_TEST

int main(void)
{
    if (!mkdtemp(dir)) return EXIT_FAILURE;
    Suite *s = suite_create("file_write");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, with_mode_creates_and_replaces_with_exactly_that_mode);
    tcase_add_test(tc, replace_keeps_mode_and_follows_symlinks);
    tcase_add_test(tc, create_new_refuses_an_existing_file_and_errors_name_the_path);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) failed++;
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
