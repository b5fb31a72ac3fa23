/* Helpers shared by the warmpoolctl unit tests: temporary trees, files,
 * and running a command in-process with captured output. */
#ifndef WP_CLI_TEST_UTIL_H
#define WP_CLI_TEST_UTIL_H

#include <check.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "tests/unit/common/rules_testing.h" /* TEST_MAIN */

/* A fresh directory under $TMPDIR; the caller removes it with rm_tree. */
static inline char *make_temp_dir(void)
{
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *dir = NULL;
    ck_assert_int_ge(asprintf(&dir, "%s/wpcli-test-XXXXXX", base), 0);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

static inline void rm_tree(const char *dir)
{
    char *cmd = NULL;
    ck_assert_int_ge(asprintf(&cmd, "rm -rf '%s'", dir), 0);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
}

/* dir/name, malloc'd. */
static inline char *path_in(const char *dir, const char *name)
{
    char *p = NULL;
    ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
    return p;
}

/* Writes text to dir/name (creating subdirectories named in name). */
static inline void write_file(const char *dir, const char *name, const char *text)
{
    char *p = path_in(dir, name);
    for (char *s = p + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
        *s = '\0';
        mkdir(p, 0755);
        *s = '/';
    }
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    free(p);
}

/* The content of dir/name, malloc'd, or NULL when it does not exist. */
static inline char *read_file_in(const char *dir, const char *name)
{
    char *p = path_in(dir, name);
    FILE *f = fopen(p, "rb");
    free(p);
    if (!f) return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    int c;
    while ((c = fgetc(f)) != EOF) fputc(c, m);
    fclose(m);
    fclose(f);
    return buf;
}

typedef struct {
    int rc;
    char *out, *err; /* malloc'd */
} run_result;

/* Runs `warmpoolctl args...` (NULL-terminated) in-process. */
static inline run_result run_cli(const char *first, ...)
{
    char *argv[64] = {"warmpoolctl"};
    int argc = 1;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && argc < 63; a = va_arg(ap, const char *)) argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    run_result r = {0};
    size_t out_len = 0, err_len = 0;
    FILE *out = open_memstream(&r.out, &out_len), *err = open_memstream(&r.err, &err_len);
    r.rc = wp_cli_main(argc, argv, out, err);
    fclose(out);
    fclose(err);
    return r;
}

static inline void run_result_free(run_result *r)
{
    free(r->out);
    free(r->err);
}

#endif
