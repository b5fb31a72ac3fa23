/* Every SandboxClaim, SandboxWarmPool and SandboxTemplate in the upstream
 * examples ($WP_REFERENCE_DIR/examples) passes the rules with the default
 * config: no causes (warnings, such as unpinned images, are fine). Skipped
 * when the reference folder is absent. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/jdoc.h"
#include "common/rules.h"
#include "examples_testing.h"

typedef struct {
    size_t validated[4]; /* by wp_kind */
    size_t failures;
} walk_state;

static walk_state state;

static void check_example(const test_example *e, void *ctx)
{
    (void)ctx;
    wp_jdoc *d = wp_jdoc_from_json(e->object);
    wp_verdict v = WP_VERDICT_INIT;
    struct timespec now = {1767225600, 0};
    wp_rules_validate(NULL, e->kind, WP_OP_CREATE, wp_jdoc_root(d), NULL, &now, &v);
    if (!wp_verdict_allowed(&v)) {
        char *message = wp_verdict_message(&v, wp_kind_name(e->kind), WP_GROUP_EXTENSIONS, "");
        fprintf(stderr, "%s (document %zu): %s\n", e->path, e->index, message);
        free(message);
        state.failures++;
    }
    wp_verdict_free(&v);
    wp_jdoc_free(d);
}

START_TEST(upstream_examples_pass)
{
    if (!test_each_example(check_example, NULL, state.validated)) return;
    ck_assert_uint_eq(state.failures, 0);
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
