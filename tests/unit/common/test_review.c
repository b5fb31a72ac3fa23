/* The admission decision end to end: AdmissionReview bytes in, exact
 * response bytes out. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/json_patch.h"
#include "common/mutate_claim.h"
#include "common/review.h"
#include "rules_testing.h"

static const struct timespec NOW = {.tv_sec = 1795316645, .tv_nsec = 123456789}; /* 2026-11-22T03:04:05Z */
#define NOW_TEXT "2026-11-22T03:04:05.123456789Z"
#define GROUP "extensions.agents.x-k8s.io"
#define GOOD_CLAIM "{\"apiVersion\":\"" GROUP "/v1beta1\",\"kind\":\"SandboxClaim\"," \
                   "\"metadata\":{\"name\":\"my-claim\",\"namespace\":\"team-a\"},"        \
                   "\"spec\":{\"warmPoolRef\":{\"name\":\"pool\"}}}"

/* NULL: the default rule configuration (see rules.h). */
static const wp_config *const cfg = NULL;

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
    ck_assert_msg(j != NULL, "bad JSON: %s: %s", e.text, text);
    return j;
}

/* An AdmissionReview for object_text (and old_text, may be NULL) as a new
 * malloc'd string (caller frees). */
static char *review_json(const char *api_version, const char *uid, const char *kind, const char *operation,
                         const char *object_text, const char *old_text)
{
    json_t *request = json_pack("{s:s, s:{s:s, s:s, s:s}, s:s, s:o, s:o}", "uid", uid, "kind", "group", GROUP,
                                "version", "v1beta1", "kind", kind, "operation", operation, "object",
                                object_text ? parse(object_text) : json_null(), "oldObject",
                                old_text ? parse(old_text) : json_null());
    json_t *review = json_pack("{s:s, s:s, s:o}", "apiVersion", api_version, "kind", "AdmissionReview", "request", request);
    char *s = json_dumps(review, JSON_COMPACT);
    json_decref(review);
    return s;
}

static void handle(wp_review_mode mode, const char *body, wp_review_result *r)
{
    wp_review_handle(cfg, mode, body, strlen(body), &NOW, r);
    ck_assert_ptr_nonnull(r->body);
    ck_assert_uint_eq(r->body_len, strlen(r->body));
}

/* Runs a review built by review_json and returns the response body. */
static void handle_review(wp_review_mode mode, const char *kind, const char *operation, const char *object_text,
                          const char *old_text, wp_review_result *r)
{
    char *body = review_json("admission.k8s.io/v1", "uid-1", kind, operation, object_text, old_text);
    handle(mode, body, r);
    free(body);
}

/* Expects a 400 with exactly this message, in the body and in r.error. */
static void assert_bad_request(const char *body, const char *message)
{
    wp_review_result r;
    handle(WP_REVIEW_VALIDATE, body, &r);
    ck_assert_int_eq(r.http_status, 400);
    ck_assert(!r.allowed);
    ck_assert_str_eq(r.error, message);
    json_t *status = parse(r.body);
    json_t *expected = json_pack("{s:s, s:s, s:{}, s:s, s:s, s:s, s:i}", "kind", "Status", "apiVersion", "v1",
                                 "metadata", "status", "Failure", "message", message, "reason", "BadRequest", "code", 400);
    ck_assert_msg(json_equal(status, expected), "body %s", r.body);
    json_decref(status);
    json_decref(expected);
    /* The same for /mutate: malformed is malformed. */
    wp_review_result m;
    handle(WP_REVIEW_MUTATE, body, &m);
    ck_assert_int_eq(m.http_status, 400);
    ck_assert_str_eq(m.body, r.body);
    wp_review_result_free(&m);
    wp_review_result_free(&r);
}

/* A review whose request is request_text. */
static void assert_bad_request_field(const char *request_text, const char *message)
{
    char body[4096];
    snprintf(body, sizeof body, "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":%s}",
             request_text);
    assert_bad_request(body, message);
}

START_TEST(allowed_claim_v1_exact_body)
{
    wp_review_result r;
    handle_review(WP_REVIEW_VALIDATE, "SandboxClaim", "CREATE", GOOD_CLAIM, NULL, &r);
    ck_assert_int_eq(r.http_status, 200);
    ck_assert_str_eq(r.body, "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                             "\"response\":{\"uid\":\"uid-1\",\"allowed\":true}}");
    ck_assert(r.allowed);
    ck_assert(!r.patched);
    ck_assert_int_eq(r.kind, WP_KIND_SANDBOX_CLAIM);
    ck_assert_int_eq(r.operation, WP_OP_CREATE);
    ck_assert_str_eq(r.uid, "uid-1");
    ck_assert_str_eq(r.name, "my-claim");
    ck_assert_str_eq(r.namespace_, "team-a");
    ck_assert_ptr_null(r.error);
    ck_assert_uint_eq(r.verdict.n_causes, 0);
    wp_review_result_free(&r);
}
END_TEST

START_TEST(v1beta1_is_answered_in_v1beta1)
{
    char *body = review_json("admission.k8s.io/v1beta1", "b-2", "SandboxClaim", "UPDATE", GOOD_CLAIM, GOOD_CLAIM);
    wp_review_result r;
    handle(WP_REVIEW_VALIDATE, body, &r);
    ck_assert_str_eq(r.body, "{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\","
                             "\"response\":{\"uid\":\"b-2\",\"allowed\":true}}");
    ck_assert_int_eq(r.operation, WP_OP_UPDATE);
    wp_review_result_free(&r);
    free(body);
}
END_TEST

START_TEST(not_an_admission_review)
{
    assert_bad_request("", "request body is empty");
    assert_bad_request("{", "request body is not valid JSON: expected a string key in object at byte 1");
    assert_bad_request(" ", "request body is not valid JSON: unexpected end of input at byte 1");
    assert_bad_request("{} x", "request body is not valid JSON: unexpected data after the top-level value at byte 3");
    assert_bad_request("\xff", "request body is not valid JSON: invalid character '?' at byte 0");
    assert_bad_request("{\"a\" 1}", "request body is not valid JSON: expected ':' after object key at byte 5");
    assert_bad_request("{\"a\":1,}", "request body is not valid JSON: expected a string key in object at byte 7");
    assert_bad_request("{\"a\":1 \"b\":2}", "request body is not valid JSON: expected ',' or '}' in object at byte 7");
    assert_bad_request("{\"a\":\"\xc3\"}", "request body is not valid JSON: invalid UTF-8 in string at byte 6");
    assert_bad_request("{\"request\":{\"userInfo\":{\"username\":tru}}}",
                       "request body is not valid JSON: invalid character 't' at byte 35");
    assert_bad_request("[]", "request body is not an AdmissionReview: expected a JSON object");
    assert_bad_request("42", "request body is not an AdmissionReview: expected a JSON object");
    assert_bad_request("{}", "request body is not an AdmissionReview: kind must be \"AdmissionReview\"");
    assert_bad_request("{\"kind\":\"Pod\",\"apiVersion\":\"v1\"}",
                       "request body is not an AdmissionReview: kind must be \"AdmissionReview\"");
    assert_bad_request("{\"kind\":7}", "request body is not an AdmissionReview: kind must be \"AdmissionReview\"");
    assert_bad_request("{\"kind\":\"AdmissionReview\"}", "apiVersion is required");
    assert_bad_request("{\"kind\":\"AdmissionReview\",\"apiVersion\":1}", "apiVersion must be a string");
    assert_bad_request("{\"kind\":\"AdmissionReview\",\"apiVersion\":\"admission.k8s.io/v2\"}",
                       "unsupported apiVersion \"admission.k8s.io/v2\": expected admission.k8s.io/v1 or "
                       "admission.k8s.io/v1beta1");
    assert_bad_request("{\"kind\":\"AdmissionReview\",\"apiVersion\":\"admission.k8s.io/v1\"}", "request is required");
    assert_bad_request("{\"kind\":\"AdmissionReview\",\"apiVersion\":\"admission.k8s.io/v1\",\"request\":null}",
                       "request is required");
    assert_bad_request("{\"kind\":\"AdmissionReview\",\"apiVersion\":\"admission.k8s.io/v1\",\"request\":[]}",
                       "request must be an object");
}
END_TEST

START_TEST(envelope_fields_of_the_wrong_type)
{
    assert_bad_request_field("{}", "request.uid is required");
    assert_bad_request_field("{\"uid\":null}", "request.uid is required");
    assert_bad_request_field("{\"uid\":\"\"}", "request.uid is required");
    assert_bad_request_field("{\"uid\":7}", "request.uid must be a string");
    assert_bad_request_field("{\"uid\":\"u\",\"kind\":\"SandboxClaim\"}", "request.kind must be an object");
    assert_bad_request_field("{\"uid\":\"u\",\"kind\":{\"group\":1}}", "request.kind.group must be a string");
    assert_bad_request_field("{\"uid\":\"u\",\"kind\":{\"version\":[]}}", "request.kind.version must be a string");
    assert_bad_request_field("{\"uid\":\"u\",\"kind\":{\"kind\":{}}}", "request.kind.kind must be a string");
    assert_bad_request_field("{\"uid\":\"u\",\"operation\":true}", "request.operation must be a string");
    assert_bad_request_field("{\"uid\":\"u\",\"object\":\"x\"}", "request.object must be an object");
    assert_bad_request_field("{\"uid\":\"u\",\"oldObject\":[]}", "request.oldObject must be an object");
    assert_bad_request_field("{\"uid\":\"u\",\"name\":1}", "request.name must be a string");
    assert_bad_request_field("{\"uid\":\"u\",\"namespace\":false}", "request.namespace must be a string");
    assert_bad_request_field("{\"uid\":\"u\",\"dryRun\":\"yes\"}", "request.dryRun must be a boolean");
    assert_bad_request_field("{\"uid\":\"u\",\"operation\":\"CREATE\"}", "request.object is required for CREATE");
    assert_bad_request_field("{\"uid\":\"u\",\"operation\":\"UPDATE\",\"object\":null}",
                             "request.object is required for UPDATE");
}
END_TEST

START_TEST(bad_request_result_fields)
{
    const char *body = "{\"kind\":\"AdmissionReview\",\"apiVersion\":\"admission.k8s.io/v1\","
                       "\"request\":{\"uid\":\"u-9\",\"operation\":5}}";
    wp_review_result r;
    handle(WP_REVIEW_VALIDATE, body, &r);
    ck_assert_str_eq(r.body, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                             "\"message\":\"request.operation must be a string\",\"reason\":\"BadRequest\",\"code\":400}");
    ck_assert_int_eq(r.kind, WP_KIND_OTHER);
    ck_assert_int_eq(r.operation, WP_OP_OTHER);
    ck_assert(!r.patched);
    ck_assert_str_eq(r.uid, "u-9"); /* decoded before the error: worth logging */
    wp_review_result_free(&r);

    handle(WP_REVIEW_VALIDATE, "nope", &r);
    ck_assert_ptr_null(r.uid);
    ck_assert_ptr_null(r.name);
    ck_assert_ptr_null(r.namespace_);
    wp_review_result_free(&r);
}
END_TEST

START_TEST(deeply_nested_json_is_a_bad_request)
{
    enum { DEPTH = 100000 };
    char *body = malloc(2 * DEPTH + 1);
    memset(body, '[', DEPTH);
    memset(body + DEPTH, ']', DEPTH);
    body[2 * DEPTH] = '\0';
    wp_review_result r;
    handle(WP_REVIEW_VALIDATE, body, &r);
    ck_assert_int_eq(r.http_status, 400);
    ck_assert_str_eq(r.error, "request body is not valid JSON: nesting deeper than 512 levels at byte 513");
    wp_review_result_free(&r);
    free(body);
    /* Deep inside a well-formed review, too. */
    char *object = malloc(3 * DEPTH + 16);
    strcpy(object, "{\"a\":");
    size_t n = strlen(object);
    for (size_t i = 0; i < DEPTH; i++) object[n++] = '[';
    for (size_t i = 0; i < DEPTH; i++) object[n++] = ']';
    strcpy(object + n, "}");
    char *review = malloc(4 * DEPTH);
    snprintf(review, 4 * DEPTH, "{\"kind\":\"AdmissionReview\",\"apiVersion\":\"admission.k8s.io/v1\","
             "\"request\":{\"uid\":\"u\",\"object\":%s}}", object);
    handle(WP_REVIEW_MUTATE, review, &r);
    ck_assert_int_eq(r.http_status, 400);
    wp_review_result_free(&r);
    free(object);
    free(review);
}
END_TEST

START_TEST(denial_looks_like_a_kubernetes_validation_error)
{
    const char *claim = "{\"metadata\":{\"name\":\"my-claim\",\"namespace\":\"team-a\"},"
                        "\"spec\":{\"env\":[{\"value\":\"x\"}]}}";
    wp_review_result r;
    handle_review(WP_REVIEW_VALIDATE, "SandboxClaim", "CREATE", claim, NULL, &r);
    ck_assert_int_eq(r.http_status, 200);
    ck_assert(!r.allowed);
    json_t *got = parse(r.body);
    json_t *expected = parse(
        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":\"uid-1\","
        "\"allowed\":false,\"status\":{\"code\":422,\"reason\":\"Invalid\","
        "\"message\":\"SandboxClaim.extensions.agents.x-k8s.io \\\"my-claim\\\" is invalid: "
        "[spec.warmPoolRef.name: Required value, spec.env[0].name: Required value]\","
        "\"details\":{\"name\":\"my-claim\",\"group\":\"extensions.agents.x-k8s.io\",\"kind\":\"SandboxClaim\","
        "\"causes\":[{\"field\":\"spec.warmPoolRef.name\",\"reason\":\"FieldValueRequired\",\"message\":\"Required value\"},"
        "{\"field\":\"spec.env[0].name\",\"reason\":\"FieldValueRequired\",\"message\":\"Required value\"}]}}}}");
    ck_assert_msg(json_equal(got, expected), "got %s", r.body);
    /* Key order as the contract shows it. */
    ck_assert_ptr_nonnull(strstr(r.body, "\"response\":{\"uid\":\"uid-1\",\"allowed\":false,\"status\":{\"code\":422,"
                                         "\"reason\":\"Invalid\",\"message\":"));
    ck_assert_uint_eq(r.verdict.n_causes, 2);
    ck_assert_str_eq(r.verdict.causes[1].pointer, "/spec/env/0/name");
    ck_assert_str_eq(r.name, "my-claim");
    json_decref(got);
    json_decref(expected);
    wp_review_result_free(&r);
}
END_TEST

START_TEST(single_cause_message_has_no_brackets)
{
    wp_review_result r;
    handle_review(WP_REVIEW_VALIDATE, "SandboxClaim", "CREATE", "{\"metadata\":{\"name\":\"c\"},\"spec\":{}}", NULL, &r);
    json_t *got = parse(r.body);
    const char *message = json_string_value(
        json_object_get(json_object_get(json_object_get(got, "response"), "status"), "message"));
    ck_assert_str_eq(message, "SandboxClaim.extensions.agents.x-k8s.io \"c\" is invalid: spec.warmPoolRef.name: Required value");
    json_decref(got);
    wp_review_result_free(&r);
}
END_TEST

START_TEST(warnings_are_listed)
{
    const char *tmpl = "{\"metadata\":{\"name\":\"t\"},\"spec\":{\"podTemplate\":{\"spec\":{\"containers\":["
                       "{\"name\":\"a\",\"image\":\"busybox\"},{\"name\":\"b\",\"image\":\"nginx:1.27\"}]}}}}";
    /* What the engine itself says about this template. */
    wp_jdoc *obj = wp_jdoc_parse(tmpl, strlen(tmpl), NULL);
    wp_verdict v = WP_VERDICT_INIT;
    wp_rules_validate(cfg, WP_KIND_SANDBOX_TEMPLATE, WP_OP_CREATE, wp_jdoc_root(obj), NULL, &NOW, &v);
    ck_assert_uint_ge(v.n_warnings, 2);

    wp_review_result r;
    handle_review(WP_REVIEW_VALIDATE, "SandboxTemplate", "CREATE", tmpl, NULL, &r);
    ck_assert(r.allowed);
    json_t *got = parse(r.body);
    json_t *warnings = json_object_get(json_object_get(got, "response"), "warnings");
    ck_assert_uint_eq(json_array_size(warnings), v.n_warnings);
    for (size_t i = 0; i < v.n_warnings; i++)
        ck_assert_str_eq(json_string_value(json_array_get(warnings, i)), v.warnings[i]);
    ck_assert_ptr_null(json_object_get(json_object_get(got, "response"), "status"));
    ck_assert_int_eq(r.kind, WP_KIND_SANDBOX_TEMPLATE);
    json_decref(got);
    wp_jdoc_free(obj);
    wp_verdict_free(&v);
    wp_review_result_free(&r);
}
END_TEST

START_TEST(dry_run_changes_nothing)
{
    const char *bad = "{\"metadata\":{\"name\":\"c\"},\"spec\":{\"env\":[{}]}}";
    for (int mode = WP_REVIEW_VALIDATE; mode <= WP_REVIEW_MUTATE; mode++) {
        char *plain = review_json("admission.k8s.io/v1", "d", "SandboxClaim", "CREATE", bad, NULL);
        json_t *review = parse(plain);
        json_object_set_new(json_object_get(review, "request"), "dryRun", json_true());
        char *dry = json_dumps(review, JSON_COMPACT);
        wp_review_result a, b;
        handle(mode, plain, &a);
        handle(mode, dry, &b);
        ck_assert_str_eq(a.body, b.body);
        ck_assert_int_eq(a.allowed, b.allowed);
        ck_assert_int_eq(a.patched, b.patched);
        wp_review_result_free(&a);
        wp_review_result_free(&b);
        json_decref(review);
        free(plain);
        free(dry);
    }
}
END_TEST

START_TEST(unhandled_kinds_and_operations_are_allowed)
{
    const char *bad_claim = "{\"metadata\":{\"name\":\"c\"},\"spec\":{\"env\":[{}]}}";
    static const struct {
        const char *kind, *operation;
        wp_kind expect_kind;
        wp_operation expect_op;
    } cases[] = {
        {"SandboxClaim", "DELETE", WP_KIND_SANDBOX_CLAIM, WP_OP_DELETE},
        {"SandboxClaim", "CONNECT", WP_KIND_SANDBOX_CLAIM, WP_OP_CONNECT},
        {"SandboxClaim", "PATCH", WP_KIND_SANDBOX_CLAIM, WP_OP_OTHER},
        {"Pod", "CREATE", WP_KIND_OTHER, WP_OP_CREATE},
        {"Sandbox", "UPDATE", WP_KIND_OTHER, WP_OP_UPDATE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int mode = WP_REVIEW_VALIDATE; mode <= WP_REVIEW_MUTATE; mode++) {
            bool deleting = !strcmp(cases[i].operation, "DELETE");
            wp_review_result r;
            handle_review(mode, cases[i].kind, cases[i].operation, deleting ? NULL : bad_claim, bad_claim, &r);
            ck_assert_str_eq(r.body, "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                                     "\"response\":{\"uid\":\"uid-1\",\"allowed\":true}}");
            ck_assert_int_eq(r.kind, cases[i].expect_kind);
            ck_assert_int_eq(r.operation, cases[i].expect_op);
            ck_assert_str_eq(r.name, "c"); /* from oldObject on DELETE */
            wp_review_result_free(&r);
        }
    }
    /* SandboxClaim in another group is not ours. */
    const char *other_group = "{\"kind\":\"AdmissionReview\",\"apiVersion\":\"admission.k8s.io/v1\",\"request\":{"
                              "\"uid\":\"g\",\"kind\":{\"group\":\"example.com\",\"version\":\"v1\",\"kind\":\"SandboxClaim\"},"
                              "\"operation\":\"CREATE\",\"object\":{}}}";
    wp_review_result r;
    handle(WP_REVIEW_VALIDATE, other_group, &r);
    ck_assert(r.allowed);
    ck_assert_int_eq(r.kind, WP_KIND_OTHER);
    wp_review_result_free(&r);
}
END_TEST

START_TEST(uid_is_echoed_exactly)
{
    const char *uid = "q\"uote\\ \xc3\xa9\t\x01 705ab4f5-6393-11e8-b7cc-42010a800002";
    char *body = review_json("admission.k8s.io/v1", uid, "SandboxClaim", "CREATE", GOOD_CLAIM, NULL);
    wp_review_result r;
    handle(WP_REVIEW_VALIDATE, body, &r);
    json_t *got = parse(r.body);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(got, "response"), "uid")), uid);
    ck_assert_str_eq(r.uid, uid);
    json_decref(got);
    wp_review_result_free(&r);
    free(body);
}
END_TEST

START_TEST(names_fall_back_to_object_metadata)
{
    const char *body = "{\"kind\":\"AdmissionReview\",\"apiVersion\":\"admission.k8s.io/v1\",\"request\":{"
                       "\"uid\":\"n\",\"name\":\"from-request\",\"kind\":{\"group\":\"" GROUP "\",\"kind\":\"SandboxClaim\"},"
                       "\"operation\":\"CREATE\",\"object\":" GOOD_CLAIM "}}";
    wp_review_result r;
    handle(WP_REVIEW_VALIDATE, body, &r);
    ck_assert_str_eq(r.name, "from-request");
    ck_assert_str_eq(r.namespace_, "team-a");
    wp_review_result_free(&r);
    /* No names anywhere: NULL, and a denial names "" like the apiserver. */
    handle_review(WP_REVIEW_VALIDATE, "SandboxClaim", "CREATE", "{\"spec\":{}}", NULL, &r);
    ck_assert_ptr_null(r.name);
    ck_assert_ptr_null(r.namespace_);
    ck_assert_ptr_nonnull(strstr(r.body, "\"message\":\"SandboxClaim.extensions.agents.x-k8s.io \\\"\\\" is invalid: "));
    ck_assert_ptr_nonnull(strstr(r.body, "\"details\":{\"name\":\"\","));
    wp_review_result_free(&r);
}
END_TEST

START_TEST(huge_strings_stay_valid_json)
{
    enum { HUGE = 1 << 20 };
    char *big = malloc(HUGE + 1);
    for (size_t i = 0; i < HUGE; i++) big[i] = "ab\"\\\n"[i % 5];
    big[HUGE] = '\0';
    json_t *claim = json_pack("{s:{s:s}, s:{s:[{s:s}]}}", "metadata", "name", big, "spec", "env", "value", big);
    char *claim_text = json_dumps(claim, JSON_COMPACT);
    char *body = review_json("admission.k8s.io/v1", big, "SandboxClaim", "CREATE", claim_text, NULL);
    for (int mode = WP_REVIEW_VALIDATE; mode <= WP_REVIEW_MUTATE; mode++) {
        wp_review_result r;
        handle(mode, body, &r);
        ck_assert_int_eq(r.http_status, 200);
        json_t *got = parse(r.body);
        json_t *response = json_object_get(got, "response");
        ck_assert_str_eq(json_string_value(json_object_get(response, "uid")), big);
        ck_assert(json_is_boolean(json_object_get(response, "allowed")));
        ck_assert_int_eq(mode == WP_REVIEW_VALIDATE ? !r.allowed : r.patched, 1);
        json_decref(got);
        wp_review_result_free(&r);
    }
    free(body);
    free(claim_text);
    json_decref(claim);
    free(big);
}
END_TEST

/* The patch a /mutate response carries, decoded (a new reference). */
static json_t *decoded_patch(const char *body)
{
    json_t *got = parse(body);
    json_t *response = json_object_get(got, "response");
    ck_assert_str_eq(json_string_value(json_object_get(response, "patchType")), "JSONPatch");
    const char *b64 = json_string_value(json_object_get(response, "patch"));
    ck_assert_ptr_nonnull(b64);
    size_t n;
    unsigned char *raw = wp_base64_decode(b64, strlen(b64), &n);
    ck_assert_ptr_nonnull(raw);
    json_t *patch = parse((char *)raw);
    free(raw);
    json_decref(got);
    return patch;
}

START_TEST(mutate_returns_a_base64_json_patch)
{
    const char *claim = "{\"metadata\":{\"name\":\"c\"},\"spec\":{\"warmPoolRef\":{\"name\":\"p\"},\"env\":[{\"name\":\"A\",\"value\":\"1\"}]}}";
    wp_review_result r;
    handle_review(WP_REVIEW_MUTATE, "SandboxClaim", "CREATE", claim, NULL, &r);
    ck_assert(r.allowed);
    ck_assert(r.patched);
    const char *patch_text = "[{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":{"
                             "\"warmpool.io/cold-start-reason\":\"env\","
                             "\"agents.x-k8s.io/webhook-first-observed-at\":\"" NOW_TEXT "\"}}]";
    char b64[1024];
    wp_base64_encode(patch_text, strlen(patch_text), b64);
    char expected[2048];
    snprintf(expected, sizeof expected,
             "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":\"uid-1\","
             "\"allowed\":true,\"patchType\":\"JSONPatch\",\"patch\":\"%s\"}}", b64);
    ck_assert_str_eq(r.body, expected);

    /* Applying it and asking again yields no patch. */
    json_t *patch = decoded_patch(r.body);
    char err[128];
    json_t *original = parse(claim);
    json_t *patched = wp_json_patch_apply(original, patch, err, sizeof err);
    json_decref(original);
    ck_assert_ptr_nonnull(patched);
    char *patched_text = json_dumps(patched, JSON_COMPACT);
    wp_review_result again;
    handle_review(WP_REVIEW_MUTATE, "SandboxClaim", "CREATE", patched_text, NULL, &again);
    ck_assert(!again.patched);
    ck_assert_ptr_null(strstr(again.body, "patch"));
    wp_review_result_free(&again);
    free(patched_text);
    json_decref(patched);
    json_decref(patch);
    wp_review_result_free(&r);
}
END_TEST

START_TEST(mutate_leaves_others_alone)
{
    wp_review_result r;
    /* Mutation does not validate: a claim without warmPoolRef is allowed. */
    handle_review(WP_REVIEW_MUTATE, "SandboxClaim", "UPDATE", "{\"metadata\":{},\"spec\":{}}", NULL, &r);
    ck_assert_str_eq(r.body, "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                             "\"response\":{\"uid\":\"uid-1\",\"allowed\":true}}");
    wp_review_result_free(&r);
    /* An undecodable claim gets no patch (/validate rejects it). */
    handle_review(WP_REVIEW_MUTATE, "SandboxClaim", "CREATE", "{\"metadata\":{\"annotations\":[]},\"spec\":{\"env\":[{}]}}",
                  NULL, &r);
    ck_assert(r.allowed);
    ck_assert(!r.patched);
    ck_assert_ptr_null(strstr(r.body, "patch"));
    wp_review_result_free(&r);
    /* Templates and pools are not mutated. */
    handle_review(WP_REVIEW_MUTATE, "SandboxTemplate", "CREATE", "{\"metadata\":{},\"spec\":{}}", NULL, &r);
    ck_assert(r.allowed);
    ck_assert(!r.patched);
    ck_assert_int_eq(r.kind, WP_KIND_SANDBOX_TEMPLATE);
    ck_assert_ptr_null(strstr(r.body, "patch"));
    ck_assert_ptr_null(strstr(r.body, "warnings"));
    wp_review_result_free(&r);
}
END_TEST

START_TEST(now_defaults_to_the_current_time)
{
    char *body = review_json("admission.k8s.io/v1", "t", "SandboxClaim", "CREATE", GOOD_CLAIM, NULL);
    struct timespec before, after;
    clock_gettime(CLOCK_REALTIME, &before);
    wp_review_result r;
    wp_review_handle(cfg, WP_REVIEW_MUTATE, body, strlen(body), NULL, &r);
    clock_gettime(CLOCK_REALTIME, &after);
    json_t *patch = decoded_patch(r.body);
    const char *stamp = json_string_value(json_object_get(
        json_object_get(json_array_get(patch, 0), "value"), "agents.x-k8s.io/webhook-first-observed-at"));
    ck_assert_ptr_nonnull(stamp);
    /* Fixed-width stamps sort as text. */
    char lo[WP_RFC3339_NANO_SIZE], hi[WP_RFC3339_NANO_SIZE];
    wp_format_rfc3339_nano(&before, lo);
    wp_format_rfc3339_nano(&after, hi);
    ck_assert_msg(strcmp(lo, stamp) <= 0 && strcmp(stamp, hi) <= 0, "%s not in [%s, %s]", stamp, lo, hi);
    json_decref(patch);
    wp_review_result_free(&r);
    free(body);
}
END_TEST

START_TEST(api_version_must_match_exactly)
{
    /* A NUL inside must not make it look like the real thing. */
    assert_bad_request("{\"kind\":\"AdmissionReview\",\"apiVersion\":\"admission.k8s.io/v1\\u0000\",\"request\":{\"uid\":\"u\"}}",
                       "unsupported apiVersion \"admission.k8s.io/v1\\x00\": expected admission.k8s.io/v1 or "
                       "admission.k8s.io/v1beta1");
}
END_TEST

START_TEST(status_body_for_transport_errors)
{
    size_t len;
    char *s = wp_review_status_body(413, "RequestEntityTooLarge", "body over 7 MiB \"x\"", &len);
    ck_assert_str_eq(s, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                        "\"message\":\"body over 7 MiB \\\"x\\\"\",\"reason\":\"RequestEntityTooLarge\",\"code\":413}");
    ck_assert_uint_eq(len, strlen(s));
    free(s);
}
END_TEST

TEST_MAIN("review",
          allowed_claim_v1_exact_body,
          v1beta1_is_answered_in_v1beta1,
          not_an_admission_review,
          envelope_fields_of_the_wrong_type,
          bad_request_result_fields,
          deeply_nested_json_is_a_bad_request,
          denial_looks_like_a_kubernetes_validation_error,
          single_cause_message_has_no_brackets,
          warnings_are_listed,
          dry_run_changes_nothing,
          unhandled_kinds_and_operations_are_allowed,
          uid_is_echoed_exactly,
          names_fall_back_to_object_metadata,
          huge_strings_stay_valid_json,
          mutate_returns_a_base64_json_patch,
          mutate_leaves_others_alone,
          now_defaults_to_the_current_time,
          api_version_must_match_exactly,
          status_body_for_transport_errors)
