/* The upstream examples corpus: every SandboxClaim, SandboxWarmPool and
 * SandboxTemplate in $WP_REFERENCE_DIR/examples, wrapped in a CREATE
 * AdmissionReview, is allowed by /validate, and /mutate's patch for it
 * applies. Skips (passing) when the reference folder is absent. */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/json_patch.h"
#include "common/review.h"
#include "common/yaml.h"

static const struct timespec NOW = {.tv_sec = 1795316645, .tv_nsec = 0};

typedef struct {
    wp_config *cfg;
    const char *file;
    size_t counts[4]; /* by wp_kind */
} corpus;

static corpus the_corpus;

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap) buf = realloc(buf, cap = cap ? 2 * cap : 65536);
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *len = n;
    return buf;
}

static char *wrap_in_review(const json_t *object, const char *group, const char *kind)
{
    json_t *review = json_pack("{s:s, s:s, s:{s:s, s:{s:s, s:s, s:s}, s:s, s:O}}", "apiVersion",
                               "admission.k8s.io/v1", "kind", "AdmissionReview", "request", "uid", "corpus", "kind",
                               "group", group, "version", "v1beta1", "kind", kind, "operation", "CREATE", "object", object);
    char *s = json_dumps(review, JSON_COMPACT);
    json_decref(review);
    return s;
}

static void check_mutation_applies(const char *file, const json_t *object, const char *body)
{
    json_t *doc = json_loads(body, 0, NULL);
    const char *b64 = json_string_value(json_object_get(json_object_get(doc, "response"), "patch"));
    ck_assert_msg(b64 != NULL, "%s: a claim CREATE always gets first-observed-at", file);
    size_t n;
    unsigned char *raw = wp_base64_decode(b64, strlen(b64), &n);
    json_t *patch = json_loads((char *)raw, 0, NULL);
    char err[256] = "";
    json_t *patched = wp_json_patch_apply(object, patch, err, sizeof err);
    ck_assert_msg(patched != NULL, "%s: patch does not apply: %s", file, err);
    json_decref(patched);
    json_decref(patch);
    free(raw);
    json_decref(doc);
}

static int check_document(void *ctx, const wp_yaml_doc *d)
{
    corpus *c = ctx;
    const char *api_version = json_string_value(json_object_get(d->root, "apiVersion"));
    const char *kind = json_string_value(json_object_get(d->root, "kind"));
    if (!api_version || !kind) return 0;
    const char *slash = strchr(api_version, '/');
    if (!slash) return 0;
    char group[128];
    snprintf(group, sizeof group, "%.*s", (int)(slash - api_version), api_version);
    wp_kind k = wp_kind_from_group_kind(group, kind);
    if (k == WP_KIND_OTHER) return 0;
    c->counts[k]++;

    char *body = wrap_in_review(d->root, group, kind);
    wp_review_result r;
    wp_review_handle(c->cfg, WP_REVIEW_VALIDATE, body, strlen(body), &NOW, &r);
    ck_assert_msg(r.http_status == 200 && r.allowed, "%s (document %zu, %s): %s", c->file, d->index, kind, r.body);
    wp_review_result_free(&r);

    wp_review_handle(c->cfg, WP_REVIEW_MUTATE, body, strlen(body), &NOW, &r);
    ck_assert_msg(r.http_status == 200 && r.allowed, "%s: mutate: %s", c->file, r.body);
    if (k == WP_KIND_SANDBOX_CLAIM) check_mutation_applies(c->file, d->root, r.body);
    wp_review_result_free(&r);
    free(body);
    return 0;
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    size_t n = strlen(path);
    if (type != FTW_F || !((n > 5 && !strcmp(path + n - 5, ".yaml")) || (n > 4 && !strcmp(path + n - 4, ".yml"))))
        return 0;
    size_t len;
    char *text = read_file(path, &len);
    wp_yaml_error err;
    the_corpus.file = path;
    int rc = wp_yaml_parse(text, len, 1, 0, check_document, &the_corpus, &err);
    ck_assert_msg(rc == 0, "%s:%zu: %s", path, err.line, err.message);
    free(text);
    return 0;
}

START_TEST(every_example_is_allowed)
{
    const char *ref = getenv("WP_REFERENCE_DIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/examples", ref ? ref : "");
    struct stat st;
    if (!ref || stat(dir, &st) != 0) {
        fprintf(stderr, "skipped: no reference examples at %s\n", dir);
        return;
    }
    the_corpus = (corpus){.cfg = wp_config_new_default()};
    ck_assert_int_eq(nftw(dir, visit, 16, FTW_PHYS), 0);
    /* The corpus has each kind; a walk that found none checked nothing. */
    ck_assert_uint_gt(the_corpus.counts[WP_KIND_SANDBOX_CLAIM], 0);
    ck_assert_uint_gt(the_corpus.counts[WP_KIND_SANDBOX_WARM_POOL], 0);
    ck_assert_uint_gt(the_corpus.counts[WP_KIND_SANDBOX_TEMPLATE], 0);
    wp_config_unref(the_corpus.cfg);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("review_examples");
    TCase *tc = tcase_create("examples");
    tcase_add_test(tc, every_example_is_allowed);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
