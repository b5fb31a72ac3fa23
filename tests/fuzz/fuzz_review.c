/* libFuzzer target for the admission decision: any bytes, both modes.
 *
 * Beyond "does not crash or leak" it checks what the webhook promises:
 * the body is valid JSON; a 200 echoes the uid and carries the decision the
 * result struct reports; a 400 is a Status whose message is the error; a
 * patch decodes, applies to the object it was computed from, and computing
 * it again on the patched object yields nothing (idempotence). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/jdoc.h"
#include "common/json_patch.h"
#include "common/review.h"

static const struct timespec NOW = {.tv_sec = 1795316645, .tv_nsec = 123456789};

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            abort();                                                                 \
        }                                                                            \
    } while (0)

static json_t *parse_body(const wp_review_result *r)
{
    CHECK(r->body != NULL);
    CHECK(strlen(r->body) == r->body_len);
    json_error_t e;
    json_t *doc = json_loadb(r->body, r->body_len, JSON_ALLOW_NUL, &e);
    if (!doc) fprintf(stderr, "body is not JSON (%s): %s\n", e.text, r->body);
    CHECK(json_is_object(doc));
    return doc;
}

static void check_bad_request(const wp_review_result *r, const json_t *doc)
{
    CHECK(r->error != NULL);
    CHECK(!r->allowed && !r->patched);
    CHECK(json_integer_value(json_object_get(doc, "code")) == 400);
    CHECK(strcmp(json_string_value(json_object_get(doc, "kind")), "Status") == 0);
    CHECK(strcmp(json_string_value(json_object_get(doc, "message")), r->error) == 0);
}

/* The patch in response (NULL when there is none), applied to the request's
 * object; returns the patched object (new reference). */
static json_t *apply_patch(const json_t *response, const json_t *object)
{
    const char *b64 = json_string_value(json_object_get(response, "patch"));
    if (!b64) {
        CHECK(json_object_get(response, "patchType") == NULL);
        return NULL;
    }
    CHECK(strcmp(json_string_value(json_object_get(response, "patchType")), "JSONPatch") == 0);
    size_t n;
    unsigned char *raw = wp_base64_decode(b64, strlen(b64), &n);
    CHECK(raw != NULL);
    json_t *patch = json_loadb((const char *)raw, n, 0, NULL);
    CHECK(json_array_size(patch) > 0);
    char err[256];
    json_t *patched = wp_json_patch_apply(object, patch, err, sizeof err);
    if (!patched) fprintf(stderr, "patch does not apply: %s\n", err);
    CHECK(patched != NULL);
    json_decref(patch);
    free(raw);
    return patched;
}

/* The input as a jansson tree (new reference), through the same decoder
 * the webhook uses: jansson alone reads some inputs differently (it takes a
 * NUL byte for the end, refuses integers beyond int64). */
static json_t *decode_input(const uint8_t *data, size_t size)
{
    wp_jdoc *doc = wp_jdoc_parse((const char *)data, size, NULL);
    CHECK(doc != NULL);
    size_t len;
    char *text = wp_jval_dump(wp_jdoc_root(doc), &len);
    json_error_t e;
    json_t *j = json_loadb(text, len, JSON_ALLOW_NUL, &e);
    if (!j) fprintf(stderr, "jansson cannot read the dump (%s): %s\n", e.text, text);
    CHECK(j != NULL);
    free(text);
    wp_jdoc_free(doc);
    return j;
}

/* Runs /mutate again with the patched object in place of the original. */
static void check_idempotent(const wp_config *cfg, const uint8_t *data, size_t size, json_t *patched)
{
    json_t *review = decode_input(data, size);
    json_object_set(json_object_get(review, "request"), "object", patched);
    char *again = json_dumps(review, JSON_COMPACT);
    CHECK(again != NULL);
    wp_review_result r;
    wp_review_handle(cfg, WP_REVIEW_MUTATE, again, strlen(again), &NOW, &r);
    CHECK(r.http_status == 200);
    if (r.patched) fprintf(stderr, "second patch for %s: %s\n", again, r.body);
    CHECK(!r.patched);
    wp_review_result_free(&r);
    free(again);
    json_decref(review);
}

static void check_review(const wp_config *cfg, wp_review_mode mode, const uint8_t *data, size_t size)
{
    wp_review_result r;
    wp_review_handle(cfg, mode, (const char *)data, size, &NOW, &r);
    json_t *doc = parse_body(&r);
    if (r.http_status == 400) {
        check_bad_request(&r, doc);
    } else {
        CHECK(r.http_status == 200);
        CHECK(r.error == NULL && r.uid != NULL);
        json_t *response = json_object_get(doc, "response");
        CHECK(strcmp(json_string_value(json_object_get(response, "uid")), r.uid) == 0);
        CHECK(json_is_boolean(json_object_get(response, "allowed")));
        CHECK(json_is_true(json_object_get(response, "allowed")) == r.allowed);
        json_t *causes = json_object_get(json_object_get(json_object_get(response, "status"), "details"), "causes");
        CHECK(r.allowed ? causes == NULL : json_array_size(causes) == r.verdict.n_causes + (r.verdict.n_causes_omitted > 0) && r.verdict.n_causes > 0);
        CHECK(mode == WP_REVIEW_MUTATE || !r.patched);
        json_t *request = decode_input(data, size);
        json_t *patched = apply_patch(response, json_object_get(json_object_get(request, "request"), "object"));
        CHECK((patched != NULL) == r.patched);
        if (patched) check_idempotent(cfg, data, size, patched);
        json_decref(patched);
        json_decref(request);
    }
    json_decref(doc);
    wp_review_result_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static wp_config *cfg;
    if (!cfg) cfg = wp_config_new_default();
    check_review(cfg, WP_REVIEW_VALIDATE, data, size);
    check_review(cfg, WP_REVIEW_MUTATE, data, size);
    return 0;
}
