/* The upstream examples corpus through the whole admission decision: every
 * SandboxClaim, SandboxWarmPool and SandboxTemplate in
 * $WP_REFERENCE_DIR/examples, wrapped in a CREATE AdmissionReview, is
 * allowed by /validate, and /mutate's patch for a claim applies to it.
 * Skips (passing) when the reference folder is absent. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/json_patch.h"
#include "common/review.h"
#include "examples_testing.h"
#include "rules_testing.h"

static const struct timespec NOW = {.tv_sec = 1795316645, .tv_nsec = 0};

static char *wrap_in_review(const test_example *e)
{
    json_t *review = json_pack("{s:s, s:s, s:{s:s, s:{s:s, s:s, s:s}, s:s, s:O}}", "apiVersion",
                               "admission.k8s.io/v1", "kind", "AdmissionReview", "request", "uid", "corpus", "kind",
                               "group", e->group, "version", "v1beta1", "kind", wp_kind_name(e->kind), "operation",
                               "CREATE", "object", e->object);
    char *s = json_dumps(review, JSON_COMPACT);
    json_decref(review);
    return s;
}

static void check_patch_applies(const test_example *e, const char *body)
{
    json_t *doc = json_loads(body, 0, NULL);
    const char *b64 = json_string_value(json_object_get(json_object_get(doc, "response"), "patch"));
    ck_assert_msg(b64 != NULL, "%s: a claim CREATE always gets first-observed-at", e->path);
    size_t n;
    unsigned char *raw = wp_base64_decode(b64, strlen(b64), &n);
    json_t *patch = json_loads((char *)raw, 0, NULL);
    char err[256] = "";
    json_t *patched = wp_json_patch_apply(e->object, patch, err, sizeof err);
    ck_assert_msg(patched != NULL, "%s: patch does not apply: %s", e->path, err);
    json_decref(patched);
    json_decref(patch);
    free(raw);
    json_decref(doc);
}

static void review_example(const test_example *e, void *ctx)
{
    const wp_config *cfg = ctx;
    char *body = wrap_in_review(e);
    wp_review_result r;
    wp_review_handle(cfg, WP_REVIEW_VALIDATE, body, strlen(body), &NOW, &r);
    ck_assert_msg(r.http_status == 200 && r.allowed, "%s (document %zu): %s", e->path, e->index, r.body);
    ck_assert_int_eq(r.kind, e->kind);
    wp_review_result_free(&r);

    wp_review_handle(cfg, WP_REVIEW_MUTATE, body, strlen(body), &NOW, &r);
    ck_assert_msg(r.http_status == 200 && r.allowed, "%s: mutate: %s", e->path, r.body);
    if (e->kind == WP_KIND_SANDBOX_CLAIM) check_patch_applies(e, r.body);
    wp_review_result_free(&r);
    free(body);
}

START_TEST(every_example_is_allowed)
{
    wp_config *cfg = wp_config_new_default();
    size_t counts[4] = {0};
    test_each_example(review_example, cfg, counts);
    wp_config_unref(cfg);
}
END_TEST

TEST_MAIN("review_examples", every_example_is_allowed)
