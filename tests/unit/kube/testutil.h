/* Small helpers shared by the controller unit tests: scratch directories
 * and files. Header-only (static) so each test_*.c stays one executable. */
#ifndef WP_TEST_CONTROLLER_UTIL_H
#define WP_TEST_CONTROLLER_UTIL_H

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A fresh directory under $TMPDIR (or /tmp). Caller frees the string. */
static inline char *tu_tempdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/wpkube-test-XXXXXX", base && *base ? base : "/tmp");
    char *dir = mkdtemp(tmpl);
    ck_assert_msg(dir != NULL, "mkdtemp failed");
    return strdup(dir);
}

/* Writes content to dir/name (mode 0600, or 0700 when exec). Returns the
 * path (caller frees). */
static inline char *tu_write(const char *dir, const char *name, const char *content, int exec)
{
    char *path;
    ck_assert(asprintf(&path, "%s/%s", dir, name) > 0);
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(content, f);
    fclose(f);
    chmod(path, exec ? 0700 : 0600);
    return path;
}

static inline int tu_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* rm -rf dir, then frees the string. */
static inline void tu_rmrf(char *dir)
{
    if (!dir) return;
    nftw(dir, tu_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

/* Reads a whole small file; caller frees. NULL when missing. */
static inline char *tu_read(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Runs the suite (forking per test, Check's default) and returns the
 * process exit status. */
static inline int tu_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

#endif
