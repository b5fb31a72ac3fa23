/* Finding and reading manifests: walk order, filters, symlink loops,
 * size limits and unreadable paths. */
#include <check.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/input.h"
#include "cli_test_util.h"

typedef struct {
    char log[4096]; /* "F path\n" per file, "E path: message\n" per error */
} walk_log;

static int on_file(void *ctx, const char *path, const char *data, size_t len)
{
    walk_log *w = ctx;
    ck_assert_int_eq(data[len], '\0');
    snprintf(w->log + strlen(w->log), sizeof w->log - strlen(w->log), "F %s %zu\n", path, len);
    return 0;
}

static void on_error(void *ctx, const char *path, const char *message)
{
    walk_log *w = ctx;
    snprintf(w->log + strlen(w->log), sizeof w->log - strlen(w->log), "E %s: %s\n", path, message);
}

static char *walk(const char *path, size_t max)
{
    static walk_log w;
    memset(&w, 0, sizeof w);
    wp_cli_input in = {.on_file = on_file, .on_error = on_error, .ctx = &w, .max_file_size = max};
    wp_cli_input_walk(&in, path);
    return w.log;
}

START_TEST(directories_are_walked_in_name_order_for_manifests_only)
{
    char *dir = make_temp_dir();
    write_file(dir, "b.yaml", "b");
    write_file(dir, "a.yml", "aa");
    write_file(dir, "c.json", "ccc");
    write_file(dir, "notes.txt", "x");
    write_file(dir, ".hidden.yaml", "x");
    write_file(dir, ".git/config.yaml", "x");
    write_file(dir, "sub/z.yaml", "zzzz");
    char *fifo = path_in(dir, "pipe.yaml");
    ck_assert_int_eq(mkfifo(fifo, 0600), 0); /* never opened in a walk: it would block */
    char *want = NULL;
    ck_assert_int_ge(asprintf(&want, "F %s/a.yml 2\nF %s/b.yaml 1\nF %s/c.json 3\nF %s/sub/z.yaml 4\n", dir, dir, dir,
                              dir), 0);
    ck_assert_str_eq(walk(dir, 100), want);
    free(want);
    /* a file named on the command line is read whatever its name */
    char *txt = path_in(dir, "notes.txt");
    ck_assert_int_ge(asprintf(&want, "F %s 1\n", txt), 0);
    ck_assert_str_eq(walk(txt, 100), want);
    free(want);
    free(txt);
    free(fifo);
    rm_tree(dir);
    free(dir);
}
END_TEST

START_TEST(symlink_loops_are_reported_not_followed)
{
    char *dir = make_temp_dir();
    write_file(dir, "d/x.yaml", "x");
    char *loop = path_in(dir, "d/back"), *d = path_in(dir, "d");
    ck_assert_int_eq(symlink(d, loop), 0); /* d/back -> d */
    char *self = path_in(dir, "d/self.yaml");
    ck_assert_int_eq(symlink(self, self), 0); /* a link to itself */
    char *dangling = path_in(dir, "d/gone.yaml");
    ck_assert_int_eq(symlink("/nonexistent/target.yaml", dangling), 0);
    char *want = NULL;
    ck_assert_int_ge(asprintf(&want,
                              "E %s/back: symlink loop: leads back to %s; not followed\n"
                              "E %s/gone.yaml: dangling symlink: No such file or directory\n"
                              "E %s/self.yaml: symlink loop: too many levels of symbolic links\n"
                              "F %s/x.yaml 1\n",
                              d, d, d, d, d), 0);
    ck_assert_str_eq(walk(d, 100), want);
    free(want);
    free(loop);
    free(self);
    free(dangling);
    free(d);
    rm_tree(dir);
    free(dir);
}
END_TEST

START_TEST(a_directory_reached_twice_is_read_once)
{
    char *dir = make_temp_dir();
    write_file(dir, "real/x.yaml", "x");
    char *real = path_in(dir, "real"), *alias = path_in(dir, "twin");
    ck_assert_int_eq(symlink(real, alias), 0);
    char *want = NULL;
    ck_assert_int_ge(asprintf(&want, "F %s/real/x.yaml 1\n", dir), 0);
    ck_assert_str_eq(walk(dir, 100), want);
    free(want);
    free(real);
    free(alias);
    rm_tree(dir);
    free(dir);
}
END_TEST

START_TEST(size_limits_and_unreadable_files)
{
    char *dir = make_temp_dir();
    write_file(dir, "big.yaml", "0123456789");
    char *big = path_in(dir, "big.yaml");
    char *want = NULL;
    ck_assert_int_ge(asprintf(&want, "E %s: file is 10 bytes, larger than the 9-byte limit (--max-file-size)\n", big), 0);
    ck_assert_str_eq(walk(big, 9), want);
    free(want);
    ck_assert_int_ge(asprintf(&want, "F %s 10\n", big), 0);
    ck_assert_str_eq(walk(big, 10), want); /* exactly at the limit is fine */
    free(want);
    if (geteuid() != 0) { /* root reads anything */
        ck_assert_int_eq(chmod(big, 0), 0);
        ck_assert_int_ge(asprintf(&want, "E %s: cannot open: Permission denied\n", big), 0);
        ck_assert_str_eq(walk(big, 100), want);
        free(want);
    }
    ck_assert_str_eq(walk("/nonexistent/x.yaml", 100), "E /nonexistent/x.yaml: cannot access: No such file or directory\n");
    free(big);
    rm_tree(dir);
    free(dir);
}
END_TEST

START_TEST(read_file_helper)
{
    char *dir = make_temp_dir();
    write_file(dir, "f.yaml", "abc");
    char *f = path_in(dir, "f.yaml");
    char err[256];
    size_t len = 0;
    char *data = wp_cli_read_file(f, 100, &len, err, sizeof err);
    ck_assert_ptr_nonnull(data);
    ck_assert_uint_eq(len, 3);
    ck_assert_str_eq(data, "abc");
    free(data);
    ck_assert_ptr_null(wp_cli_read_file(dir, 100, &len, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "is a directory"));
    ck_assert_ptr_null(wp_cli_read_file(f, 2, &len, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "larger than the 2-byte limit"));
    free(f);
    rm_tree(dir);
    free(dir);
    ck_assert(wp_cli_is_manifest_name("a.yaml") && wp_cli_is_manifest_name("b.yml") && wp_cli_is_manifest_name("c.json"));
    ck_assert(!wp_cli_is_manifest_name("yaml") && !wp_cli_is_manifest_name("a.yaml.bak"));
}
END_TEST

TEST_MAIN("input", directories_are_walked_in_name_order_for_manifests_only,
          symlink_loops_are_reported_not_followed, a_directory_reached_twice_is_read_once,
          size_limits_and_unreadable_files, read_file_helper)
