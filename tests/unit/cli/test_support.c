/* Small pieces: field paths to pointers, locations,
 * sizes, the arena. */
#include <check.h>
#include <string.h>

#include "cli/arena.h"
#include "cli/cli.h"
#include "cli/locate.h"
#include "cli_test_util.h"



static void path_is(const char *path, const char *pointer)
{
    char *p = wp_cli_k8s_path_to_pointer(path, strlen(path));
    if (!pointer) {
        ck_assert_msg(p == NULL, "%s -> %s", path, p);
        return;
    }
    ck_assert_msg(p != NULL, "%s", path);
    ck_assert_str_eq(p, pointer);
    free(p);
}

START_TEST(field_paths_to_pointers)
{
    path_is("spec.env[1].name", "/spec/env/1/name");
    path_is("metadata.labels[app.kubernetes.io/name]", "/metadata/labels/app.kubernetes.io~1name");
    path_is("spec.podTemplate.spec.containers[0].image", "/spec/podTemplate/spec/containers/0/image");
    path_is("a[x~y][2]", "/a/x~0y/2");
    path_is("image is not pinned", NULL);
    path_is("spec..x", NULL);
    path_is("spec.", NULL);
    path_is("[0]", NULL);
    path_is("a[0", NULL);
    char *p = wp_cli_warning_pointer("spec.containers[0].image: not pinned to a digest");
    ck_assert_str_eq(p, "/spec/containers/0/image");
    free(p);
    p = wp_cli_warning_pointer("spec.podTemplate.spec.containers[0].image \"busybox\" is not pinned to a digest");
    ck_assert_str_eq(p, "/spec/podTemplate/spec/containers/0/image");
    free(p);
    ck_assert_ptr_null(wp_cli_warning_pointer("shutdownTime is in the past"));
    ck_assert_ptr_null(wp_cli_warning_pointer("a warning, not a path"));
    ck_assert_ptr_null(wp_cli_warning_pointer(": nothing"));
}
END_TEST

START_TEST(locations_fall_back_to_ancestors)
{
    json_t *pos = json_pack("{s:[i,i],s:[i,i],s:[i,i]}", "", 1, 1, "/spec", 3, 3, "/spec/a~1b", 4, 5);
    size_t line = 0, col = 0;
    ck_assert(wp_cli_locate(pos, "/spec/a~1b", &line, &col));
    ck_assert_uint_eq(line, 4);
    ck_assert_uint_eq(col, 5);
    ck_assert(wp_cli_locate(pos, "/spec/missing/deeper", &line, &col));
    ck_assert_uint_eq(line, 3);
    ck_assert(wp_cli_locate(pos, "/other", &line, &col));
    ck_assert_uint_eq(line, 1);
    ck_assert(!wp_cli_locate(NULL, "/x", &line, &col));
    json_decref(pos);
}
END_TEST

START_TEST(sizes_and_arena)
{
    size_t n;
    ck_assert(wp_cli_parse_size("32Mi", &n) && n == 32u << 20);
    ck_assert(wp_cli_parse_size("1024", &n) && n == 1024);
    ck_assert(wp_cli_parse_size("2Ki", &n) && n == 2048);
    ck_assert(!wp_cli_parse_size("-1", &n));
    ck_assert(!wp_cli_parse_size("1MB", &n));
    ck_assert(!wp_cli_parse_size("", &n));
    ck_assert(!wp_cli_parse_size("99999999999999999999Gi", &n));
    wp_cli_arena a = WP_CLI_ARENA_INIT;
    char *s1 = wp_cli_arena_strdup(&a, "hello");
    ck_assert_ptr_null(wp_cli_arena_strdup(&a, NULL));
    char *big = wp_cli_arena_alloc(&a, 200000); /* bigger than a chunk */
    memset(big, 'x', 200000);
    char *s2 = wp_cli_arena_strndup(&a, "worldwide", 5);
    double *d = wp_cli_arena_alloc(&a, sizeof *d);
    ck_assert_uint_eq((uintptr_t)d % _Alignof(max_align_t), 0);
    *d = 1.5;
    ck_assert_str_eq(s1, "hello");
    ck_assert_str_eq(s2, "world");
    wp_cli_arena_free(&a);
}
END_TEST

TEST_MAIN("support", field_paths_to_pointers, locations_fall_back_to_ancestors, sizes_and_arena)
