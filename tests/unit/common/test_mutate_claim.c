/* SandboxClaim mutation: each rule, the shapes a claim can come in, and
 * idempotence checked by applying the patch and mutating again. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_patch.h"
#include "common/mutate_claim.h"
#include "rules_testing.h"

static const struct timespec NOW = {.tv_sec = 1795316645, .tv_nsec = 123456789}; /* 2026-11-22T03:04:05Z */
#define NOW_TEXT "2026-11-22T03:04:05.123456789Z"

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
    ck_assert_msg(j != NULL, "bad test JSON: %s", e.text);
    return j;
}

/* Mutates claim_text for op and returns the patch as compact JSON (caller
 * frees); *decoded says whether the claim could be decoded. */
static char *mutate(wp_operation op, const char *claim_text, bool *decoded)
{
    wp_jdoc_error err;
    wp_jdoc *claim = wp_jdoc_parse(claim_text, strlen(claim_text), &err);
    ck_assert_msg(claim != NULL, "bad test JSON: %s", err.message);
    wp_json_patch p = WP_JSON_PATCH_INIT;
    *decoded = wp_mutate_claim(op, wp_jdoc_root(claim), &NOW, &p);
    char *s = wp_json_patch_dump(&p, NULL);
    wp_json_patch_free(&p);
    wp_jdoc_free(claim);
    return s;
}

static void assert_patch(wp_operation op, const char *claim, const char *expected)
{
    bool decoded;
    char *got = mutate(op, claim, &decoded);
    ck_assert(decoded);
    ck_assert_str_eq(got, expected);
    free(got);
}

static void assert_undecodable(const char *claim)
{
    bool decoded;
    char *got = mutate(WP_OP_CREATE, claim, &decoded);
    ck_assert_msg(!decoded, "decoded %s", claim);
    ck_assert_str_eq(got, "[]");
    free(got);
}

START_TEST(timestamp_is_utc_with_nine_digits)
{
    char buf[WP_RFC3339_NANO_SIZE];
    ck_assert_str_eq(wp_format_rfc3339_nano(&NOW, buf), NOW_TEXT);
    struct timespec t = {.tv_sec = 0, .tv_nsec = 5};
    ck_assert_str_eq(wp_format_rfc3339_nano(&t, buf), "1970-01-01T00:00:00.000000005Z");
    t = (struct timespec){.tv_sec = 951782400 + 86399, .tv_nsec = 999999999}; /* a leap day */
    ck_assert_str_eq(wp_format_rfc3339_nano(&t, buf), "2000-02-29T23:59:59.999999999Z");
    t = (struct timespec){.tv_sec = 253402300799, .tv_nsec = 1}; /* the last second RFC 3339 can write */
    ck_assert_str_eq(wp_format_rfc3339_nano(&t, buf), "9999-12-31T23:59:59.000000001Z");
    t.tv_sec++;
    ck_assert_str_eq(wp_format_rfc3339_nano(&t, buf), "0000-01-01T00:00:00.000000000Z");
}
END_TEST

START_TEST(create_without_annotations_adds_the_map)
{
    assert_patch(WP_OP_CREATE, "{\"metadata\":{\"name\":\"c\"},\"spec\":{\"warmPoolRef\":{\"name\":\"p\"}}}",
                 "[{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":"
                 "{\"agents.x-k8s.io/webhook-first-observed-at\":\"" NOW_TEXT "\"}}]");
    /* annotations: null is the same as absent */
    assert_patch(WP_OP_CREATE, "{\"metadata\":{\"annotations\":null},\"spec\":{\"env\":[{\"name\":\"A\",\"value\":\"1\"}]}}",
                 "[{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":"
                 "{\"warmpool.io/cold-start-reason\":\"env\","
                 "\"agents.x-k8s.io/webhook-first-observed-at\":\"" NOW_TEXT "\"}}]");
}
END_TEST

START_TEST(missing_metadata_is_added_whole)
{
    assert_patch(WP_OP_CREATE, "{\"spec\":{\"volumeClaimTemplates\":[{\"metadata\":{\"name\":\"w\"}}]}}",
                 "[{\"op\":\"add\",\"path\":\"/metadata\",\"value\":{\"annotations\":"
                 "{\"warmpool.io/cold-start-reason\":\"volumeClaimTemplates\","
                 "\"agents.x-k8s.io/webhook-first-observed-at\":\"" NOW_TEXT "\"}}}]");
    assert_patch(WP_OP_UPDATE, "{\"metadata\":null,\"spec\":{\"env\":[{}]}}",
                 "[{\"op\":\"add\",\"path\":\"/metadata\",\"value\":{\"annotations\":"
                 "{\"warmpool.io/cold-start-reason\":\"env\"}}}]");
}
END_TEST

START_TEST(cold_start_reason_values)
{
    const char *both = "{\"metadata\":{\"annotations\":{\"agents.x-k8s.io/webhook-first-observed-at\":\"x\"}},"
                       "\"spec\":{\"env\":[{\"name\":\"A\",\"value\":\"\"}],\"volumeClaimTemplates\":[{}]}}";
    assert_patch(WP_OP_CREATE, both,
                 "[{\"op\":\"add\",\"path\":\"/metadata/annotations/warmpool.io~1cold-start-reason\","
                 "\"value\":\"env,volumeClaimTemplates\"}]");
    /* Empty lists and nulls do not force a cold start. */
    assert_patch(WP_OP_UPDATE, "{\"metadata\":{\"annotations\":{}},\"spec\":{\"env\":[],\"volumeClaimTemplates\":null}}", "[]");
}
END_TEST

START_TEST(existing_annotations_get_single_operations)
{
    /* A stale reason is replaced, the timestamp added next to other keys. */
    assert_patch(WP_OP_CREATE,
                 "{\"metadata\":{\"annotations\":{\"team\":\"a\",\"warmpool.io/cold-start-reason\":\"env\"}},"
                 "\"spec\":{\"volumeClaimTemplates\":[{}]}}",
                 "[{\"op\":\"replace\",\"path\":\"/metadata/annotations/warmpool.io~1cold-start-reason\","
                 "\"value\":\"volumeClaimTemplates\"},"
                 "{\"op\":\"add\",\"path\":\"/metadata/annotations/agents.x-k8s.io~1webhook-first-observed-at\","
                 "\"value\":\"" NOW_TEXT "\"}]");
    /* A reason that no longer holds is removed. */
    assert_patch(WP_OP_UPDATE, "{\"metadata\":{\"annotations\":{\"warmpool.io/cold-start-reason\":\"env\"}},\"spec\":{}}",
                 "[{\"op\":\"remove\",\"path\":\"/metadata/annotations/warmpool.io~1cold-start-reason\"}]");
}
END_TEST

START_TEST(first_observed_only_on_create_and_never_overwritten)
{
    const char *seen = "{\"metadata\":{\"annotations\":{\"agents.x-k8s.io/webhook-first-observed-at\":"
                       "\"2020-01-01T00:00:00.000000000Z\"}},\"spec\":{}}";
    assert_patch(WP_OP_CREATE, seen, "[]");
    assert_patch(WP_OP_UPDATE, "{\"metadata\":{},\"spec\":{}}", "[]");
    /* Operations other than CREATE and UPDATE are not mutated. */
    assert_patch(WP_OP_DELETE, "{\"metadata\":{},\"spec\":{\"env\":[{}]}}", "[]");
    assert_patch(WP_OP_CONNECT, "{}", "[]");
}
END_TEST

START_TEST(undecodable_claims_get_no_patch)
{
    assert_undecodable("[]");
    assert_undecodable("\"claim\"");
    assert_undecodable("{\"metadata\":\"x\"}");
    assert_undecodable("{\"metadata\":{\"annotations\":[]}}");
    assert_undecodable("{\"metadata\":{\"annotations\":{\"a\":1}}}");
    assert_undecodable("{\"metadata\":{\"annotations\":{\"a\":null}}}");
    assert_undecodable("{\"spec\":[]}");
    assert_undecodable("{\"spec\":{\"env\":{}}}");
    assert_undecodable("{\"spec\":{\"volumeClaimTemplates\":\"x\"}}");
    bool decoded = wp_mutate_claim(WP_OP_CREATE, NULL, &NOW, &(wp_json_patch)WP_JSON_PATCH_INIT);
    ck_assert(!decoded);
}
END_TEST

/* Applies the claim's own patch, checks the result, and mutates again: the
 * second patch must be empty (the apiserver may reinvoke /mutate). */
static void assert_idempotent(wp_operation op, const char *claim_text, const char *reason)
{
    json_t *claim = parse(claim_text);
    wp_jdoc *claim_doc = wp_jdoc_from_json(claim);
    wp_json_patch p = WP_JSON_PATCH_INIT;
    ck_assert(wp_mutate_claim(op, wp_jdoc_root(claim_doc), &NOW, &p));
    wp_jdoc_free(claim_doc);
    char err[256] = "";
    char *text = wp_json_patch_dump(&p, NULL);
    json_t *ops = parse(text);
    free(text);
    json_t *patched = wp_json_patch_apply(claim, ops, err, sizeof err);
    json_decref(ops);
    ck_assert_msg(patched != NULL, "%s: %s", claim_text, err);
    json_t *ann = json_object_get(json_object_get(patched, "metadata"), "annotations");
    const char *got_reason = json_string_value(json_object_get(ann, WP_ANNOTATION_COLD_START_REASON));
    if (reason) ck_assert_str_eq(got_reason, reason);
    else ck_assert_ptr_null(got_reason);
    if (op == WP_OP_CREATE) ck_assert_ptr_nonnull(json_string_value(json_object_get(ann, WP_ANNOTATION_FIRST_OBSERVED_AT)));

    wp_json_patch again = WP_JSON_PATCH_INIT;
    wp_jdoc *patched_doc = wp_jdoc_from_json(patched);
    ck_assert(wp_mutate_claim(op, wp_jdoc_root(patched_doc), &NOW, &again));
    wp_jdoc_free(patched_doc);
    char *s = wp_json_patch_dump(&again, NULL);
    ck_assert_msg(strcmp(s, "[]") == 0, "%s: second patch %s", claim_text, s);
    free(s);
    wp_json_patch_free(&again);
    wp_json_patch_free(&p);
    json_decref(patched);
    json_decref(claim);
}

START_TEST(patch_is_idempotent)
{
    static const struct {
        const char *claim, *reason;
    } cases[] = {
        {"{}", NULL},
        {"{\"metadata\":null}", NULL},
        {"{\"metadata\":{\"name\":\"c\"},\"spec\":{\"env\":[{}]}}", "env"},
        {"{\"metadata\":{\"annotations\":{\"x/y~z\":\"1\"}},\"spec\":{\"volumeClaimTemplates\":[{}]}}", "volumeClaimTemplates"},
        {"{\"metadata\":{\"annotations\":{\"warmpool.io/cold-start-reason\":\"nope\"}},"
         "\"spec\":{\"env\":[{}],\"volumeClaimTemplates\":[{}]}}", "env,volumeClaimTemplates"},
        {"{\"metadata\":{\"annotations\":{\"warmpool.io/cold-start-reason\":\"env\"}}}", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_idempotent(WP_OP_CREATE, cases[i].claim, cases[i].reason);
        assert_idempotent(WP_OP_UPDATE, cases[i].claim, cases[i].reason);
    }
}
END_TEST

TEST_MAIN("mutate_claim",
          timestamp_is_utc_with_nine_digits,
          create_without_annotations_adds_the_map,
          missing_metadata_is_added_whole,
          cold_start_reason_values,
          existing_annotations_get_single_operations,
          first_observed_only_on_create_and_never_overwritten,
          undecodable_claims_get_no_patch,
          patch_is_idempotent)
