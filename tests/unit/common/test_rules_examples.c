/* Every SandboxClaim, SandboxWarmPool and SandboxTemplate in the upstream
 * examples ($WP_REFERENCE_DIR/examples) passes the rules with the default
 * config: no causes (warnings, such as unpinned images, are fine). Skipped
 * when the reference folder is absent. */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jdoc.h"
#include "common/rules.h"
#include "common/yaml.h"

typedef struct {
    const char *path;
    size_t validated[4]; /* by wp_kind */
    size_t failures;
} walk_state;

static walk_state state;

static wp_kind kind_of(const json_t *obj)
{
    const char *api_version = json_string_value(json_object_get(obj, "apiVersion"));
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    if (!api_version || !kind) return WP_KIND_OTHER;
    char group[128];
    const char *slash = strchr(api_version, '/');
    size_t len = slash ? (size_t)(slash - api_version) : 0;
    if (len >= sizeof group) return WP_KIND_OTHER;
    memcpy(group, api_version, len);
    group[len] = '\0';
    return wp_kind_from_group_kind(group, kind);
}

static int check_document(void *ctx, const wp_yaml_doc *doc)
{
    (void)ctx;
    wp_kind kind = kind_of(doc->root);
    if (kind == WP_KIND_OTHER) return 0;
    wp_jdoc *d = wp_jdoc_from_json(doc->root);
    wp_verdict v = WP_VERDICT_INIT;
    struct timespec now = {1767225600, 0};
    wp_rules_validate(NULL, kind, WP_OP_CREATE, wp_jdoc_root(d), NULL, &now, &v);
    if (!wp_verdict_allowed(&v)) {
        char *message = wp_verdict_message(&v, wp_kind_name(kind), WP_GROUP_EXTENSIONS, "");
        fprintf(stderr, "%s (document %zu): %s\n", state.path, doc->index, message);
        free(message);
        state.failures++;
    }
    state.validated[kind]++;
    wp_verdict_free(&v);
    wp_jdoc_free(d);
    return 0;
}

static bool is_yaml(const char *path)
{
    size_t n = strlen(path);
    return (n > 5 && strcmp(path + n - 5, ".yaml") == 0) || (n > 4 && strcmp(path + n - 4, ".yml") == 0);
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    if (type != FTW_F || !is_yaml(path)) return 0;
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *buf = malloc((size_t)st->st_size + 1);
    size_t got = fread(buf, 1, (size_t)st->st_size, f);
    fclose(f);
    state.path = path;
    wp_yaml_error err;
    int rc = wp_yaml_parse(buf, got, 1, 0, check_document, NULL, &err);
    ck_assert_msg(rc == 0, "%s:%zu: %s", path, err.line, err.message);
    free(buf);
    return 0;
}

START_TEST(upstream_examples_pass)
{
    const char *ref = getenv("WP_REFERENCE_DIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/examples", ref ? ref : "");
    struct stat st;
    if (!ref || stat(dir, &st) != 0) {
        fprintf(stderr, "skipped: no reference examples at %s\n", dir);
        return;
    }
    ck_assert_int_eq(nftw(dir, visit, 16, FTW_PHYS), 0);
    ck_assert_uint_eq(state.failures, 0);
    /* The walk really found objects of every kind. */
    ck_assert_uint_gt(state.validated[WP_KIND_SANDBOX_CLAIM], 0);
    ck_assert_uint_gt(state.validated[WP_KIND_SANDBOX_WARM_POOL], 0);
    ck_assert_uint_gt(state.validated[WP_KIND_SANDBOX_TEMPLATE], 0);
    fprintf(stderr, "validated %zu claims, %zu pools, %zu templates\n", state.validated[WP_KIND_SANDBOX_CLAIM],
            state.validated[WP_KIND_SANDBOX_WARM_POOL], state.validated[WP_KIND_SANDBOX_TEMPLATE]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rules_examples");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, upstream_examples_pass);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
