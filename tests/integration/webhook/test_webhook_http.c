/* warmpool-webhook over real HTTPS (libcurl): both admission endpoints,
 * every HTTP error, bad input, metrics, mutual TLS and TLS versions. */
#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "common/base64.h"
#include "common/json_patch.h"
#include "harness.h"

static wh_server server;
static char dir[64];

static void start_plain(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    wh_make_dir(dir, sizeof dir);
    static const char *const extra[] = {"--max-body-bytes", "64Ki", NULL};
    wh_start(&server, dir, extra);
}

static void stop_server(void)
{
    ck_assert_int_eq(wh_stop(&server), 0);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* ---- response helpers -------------------------------------------------- */

static json_t *review(CURL *c, const char *path, const char *fixture)
{
    wh_response r;
    wh_post_fixture(c, &server, path, fixture, &r);
    ck_assert_msg(r.code == CURLE_OK, "%s", curl_easy_strerror(r.code));
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.headers, "Content-Type: application/json"));
    json_t *j = wh_json(&r);
    wh_response_free(&r);
    ck_assert_str_eq(json_string_value(json_object_get(j, "kind")), "AdmissionReview");
    return j;
}

static json_t *response_of(json_t *review_doc)
{
    json_t *resp = json_object_get(review_doc, "response");
    ck_assert_ptr_nonnull(resp);
    return resp;
}

/* The causes of a denial (borrowed from resp); fails unless resp denies
 * with a 422 Invalid status. */
static json_t *denial_causes(json_t *resp)
{
    ck_assert(json_is_false(json_object_get(resp, "allowed")));
    json_t *status = json_object_get(resp, "status");
    ck_assert_int_eq(json_integer_value(json_object_get(status, "code")), 422);
    ck_assert_str_eq(json_string_value(json_object_get(status, "reason")), "Invalid");
    json_t *causes = json_object_get(json_object_get(status, "details"), "causes");
    ck_assert(json_array_size(causes) > 0);
    return causes;
}

/* True when causes holds exactly one entry with this field and reason. */
static bool has_cause(json_t *causes, const char *field, const char *reason, const char *message_part)
{
    size_t i, found = 0;
    json_t *c;
    json_array_foreach(causes, i, c) {
        const char *f = json_string_value(json_object_get(c, "field"));
        const char *r = json_string_value(json_object_get(c, "reason"));
        const char *m = json_string_value(json_object_get(c, "message"));
        if (f && r && m && strcmp(f, field) == 0 && strcmp(r, reason) == 0 &&
            (!message_part || strstr(m, message_part)))
            found++;
    }
    return found == 1;
}

static void assert_status_error(const wh_response *r, long status, const char *reason)
{
    ck_assert_msg(r->code == CURLE_OK, "%s", curl_easy_strerror(r->code));
    ck_assert_int_eq(r->status, status);
    json_t *j = wh_json(r);
    ck_assert_str_eq(json_string_value(json_object_get(j, "kind")), "Status");
    ck_assert_str_eq(json_string_value(json_object_get(j, "status")), "Failure");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "code")), status);
    ck_assert_str_eq(json_string_value(json_object_get(j, "reason")), reason);
    ck_assert(strlen(json_string_value(json_object_get(j, "message"))) > 0);
    json_decref(j);
}

static void assert_still_serving(CURL *c)
{
    wh_response r;
    wh_request(c, &server, "GET", "/healthz", NULL, NULL, 0, NULL, &r);
    ck_assert_msg(r.code == CURLE_OK, "%s", curl_easy_strerror(r.code));
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "ok\n");
    wh_response_free(&r);
}

/* Decodes response.patch and applies it to the request's object. Returns
 * the patched object (new reference). */
static json_t *apply_patch(json_t *resp, const char *fixture)
{
    ck_assert_str_eq(json_string_value(json_object_get(resp, "patchType")), "JSONPatch");
    const char *b64 = json_string_value(json_object_get(resp, "patch"));
    ck_assert_ptr_nonnull(b64);
    size_t n;
    unsigned char *text = wp_base64_decode(b64, strlen(b64), &n);
    ck_assert_ptr_nonnull(text);
    json_error_t e;
    json_t *patch = json_loadb((const char *)text, n, 0, &e);
    ck_assert_msg(json_is_array(patch), "patch is not a JSON array: %s", text);
    free(text);
    size_t len;
    char *body = wh_fixture(fixture, &len);
    json_t *req = json_loadb(body, len, 0, &e);
    free(body);
    char err[256];
    json_t *patched = wp_json_patch_apply(json_object_get(json_object_get(req, "request"), "object"),
                                          patch, err, sizeof err);
    ck_assert_msg(patched != NULL, "patch does not apply: %s", err);
    json_decref(patch);
    json_decref(req);
    return patched;
}

static void assert_rfc3339_nanos(const char *s)
{
    regex_t re;
    ck_assert_int_eq(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z$",
                             REG_EXTENDED | REG_NOSUB), 0);
    ck_assert_msg(regexec(&re, s, 0, NULL, 0) == 0, "not RFC 3339 with nanoseconds: %s", s);
    regfree(&re);
}

/* ---- admission --------------------------------------------------------- */

START_TEST(validate_allows_a_good_claim)
{
    CURL *c = wh_curl(&server, NULL, NULL);
    json_t *j = review(c, "/validate", "claim-allowed.json");
    ck_assert_str_eq(json_string_value(json_object_get(j, "apiVersion")), "admission.k8s.io/v1");
    json_t *resp = response_of(j);
    ck_assert_str_eq(json_string_value(json_object_get(resp, "uid")), "11111111-0000-4000-8000-000000000001");
    ck_assert(json_is_true(json_object_get(resp, "allowed")));
    ck_assert_ptr_null(json_object_get(resp, "status"));
    ck_assert_ptr_null(json_object_get(resp, "patch"));
    json_decref(j);
    curl_easy_cleanup(c);
}
END_TEST

START_TEST(validate_denies_legacy_fields_listing_every_cause)
{
    CURL *c = wh_curl(&server, NULL, NULL);
    json_t *j = review(c, "/validate", "claim-legacy.json");
    json_t *resp = response_of(j);
    ck_assert_str_eq(json_string_value(json_object_get(resp, "uid")), "11111111-0000-4000-8000-000000000003");
    json_t *causes = denial_causes(resp);
    json_t *status = json_object_get(resp, "status");
    const char *msg = json_string_value(json_object_get(status, "message"));
    ck_assert(strncmp(msg, "SandboxClaim.extensions.agents.x-k8s.io \"legacy-claim\" is invalid: ", 67) == 0);
    json_t *details = json_object_get(status, "details");
    ck_assert_str_eq(json_string_value(json_object_get(details, "name")), "legacy-claim");
    ck_assert_str_eq(json_string_value(json_object_get(details, "kind")), "SandboxClaim");
    ck_assert_str_eq(json_string_value(json_object_get(details, "group")), "extensions.agents.x-k8s.io");
    ck_assert_uint_eq(json_array_size(causes), 3);
    ck_assert(has_cause(causes, "spec.warmPoolRef.name", "FieldValueRequired", NULL));
    ck_assert(has_cause(causes, "spec.sandboxTemplateRef", "FieldValueForbidden", "warmpoolctl migrate"));
    ck_assert(has_cause(causes, "spec.warmpool", "FieldValueForbidden", "spec.warmPoolRef"));
    json_decref(j);
    curl_easy_cleanup(c);
}
END_TEST

START_TEST(validate_denies_a_bad_env_name_and_logs_no_values)
{
    CURL *c = wh_curl(&server, NULL, NULL);
    json_t *j = review(c, "/validate", "claim-bad-env.json");
    json_t *causes = denial_causes(response_of(j));
    ck_assert_uint_eq(json_array_size(causes), 1);
    ck_assert(has_cause(causes, "spec.env[1].name", "FieldValueInvalid", "Invalid value: \"1BAD\""));
    json_decref(j);
    curl_easy_cleanup(c);
    /* One log line for the denial, with fields, never the env values. */
    char *log = wh_log(&server);
    const char *line = strstr(log, "\"uid\":\"11111111-0000-4000-8000-000000000004\"");
    ck_assert_ptr_nonnull(line);
    ck_assert_ptr_nonnull(strstr(log, "\"msg\":\"admission denied\""));
    ck_assert_ptr_nonnull(strstr(line, "\"namespace\":\"team-a\",\"name\":\"my-claim\""));
    ck_assert_ptr_nonnull(strstr(line, "\"causes\":\"spec.env[1].name (FieldValueInvalid)\""));
    ck_assert_ptr_null(strstr(log, "super-secret-token"));
    free(log);
}
END_TEST

START_TEST(validate_denies_the_reserved_router_label)
{
    CURL *c = wh_curl(&server, NULL, NULL);
    json_t *j = review(c, "/validate", "claim-forbidden-label.json");
    json_t *causes = denial_causes(response_of(j));
    ck_assert(has_cause(causes, "spec.additionalPodMetadata.labels[app]", "FieldValueForbidden", "sandbox-router"));
    json_decref(j);
    curl_easy_cleanup(c);
}
END_TEST

START_TEST(mutate_sets_annotations_and_is_idempotent)
{
    CURL *c = wh_curl(&server, NULL, NULL);
    json_t *j = review(c, "/mutate", "claim-env.json");
    json_t *resp = response_of(j);
    ck_assert_str_eq(json_string_value(json_object_get(resp, "uid")), "11111111-0000-4000-8000-000000000002");
    ck_assert(json_is_true(json_object_get(resp, "allowed")));
    json_t *obj = apply_patch(resp, "claim-env.json");
    json_t *ann = json_object_get(json_object_get(obj, "metadata"), "annotations");
    ck_assert_uint_eq(json_object_size(ann), 3);
    ck_assert_str_eq(json_string_value(json_object_get(ann, "example.com/team")), "a"); /* kept */
    ck_assert_str_eq(json_string_value(json_object_get(ann, "warmpool.io/cold-start-reason")), "env");
    assert_rfc3339_nanos(json_string_value(json_object_get(ann, "agents.x-k8s.io/webhook-first-observed-at")));
    /* Nothing else changed. */
    size_t len;
    char *body = wh_fixture("claim-env.json", &len);
    json_error_t e;
    json_t *req = json_loadb(body, len, 0, &e);
    free(body);
    json_t *orig = json_object_get(json_object_get(req, "request"), "object");
    ck_assert(json_equal(json_object_get(obj, "spec"), json_object_get(orig, "spec")));
    /* Mutating the result again yields no patch (the apiserver may reinvoke). */
    json_object_set(json_object_get(req, "request"), "object", obj);
    char *again = json_dumps(req, JSON_COMPACT);
    wh_response r;
    wh_request(c, &server, "POST", "/mutate", "application/json", again, strlen(again), NULL, &r);
    ck_assert_int_eq(r.status, 200);
    json_t *j2 = wh_json(&r);
    json_t *resp2 = response_of(j2);
    ck_assert(json_is_true(json_object_get(resp2, "allowed")));
    ck_assert_ptr_null(json_object_get(resp2, "patch"));
    json_decref(j2);
    wh_response_free(&r);
    free(again);
    json_decref(req);
    json_decref(obj);
    json_decref(j);
    curl_easy_cleanup(c);
}
END_TEST

START_TEST(mutate_creates_the_annotations_map_when_absent)
{
    CURL *c = wh_curl(&server, NULL, NULL);
    json_t *j = review(c, "/mutate", "claim-allowed.json");
    json_t *obj = apply_patch(response_of(j), "claim-allowed.json");
    json_t *ann = json_object_get(json_object_get(obj, "metadata"), "annotations");
    ck_assert_uint_eq(json_object_size(ann), 1);
    assert_rfc3339_nanos(json_string_value(json_object_get(ann, "agents.x-k8s.io/webhook-first-observed-at")));
    json_decref(obj);
    json_decref(j);
    curl_easy_cleanup(c);
}
END_TEST

START_TEST(other_kinds_and_operations_are_allowed_without_patch)
{
    CURL *c = wh_curl(&server, NULL, NULL);
    static const char *const paths[] = {"/validate", "/mutate"};
    for (int i = 0; i < 2; i++) {
        json_t *j = review(c, paths[i], "pool-delete.json");
        json_t *resp = response_of(j);
        ck_assert(json_is_true(json_object_get(resp, "allowed")));
        ck_assert_ptr_null(json_object_get(resp, "patch"));
        json_decref(j);
    }
    curl_easy_cleanup(c);
}
END_TEST

START_TEST(v1beta1_is_answered_in_v1beta1_and_timeout_query_accepted)
{
    CURL *c = wh_curl(&server, NULL, NULL);
    json_t *j = review(c, "/validate?timeout=10s", "claim-v1beta1.json");
    ck_assert_str_eq(json_string_value(json_object_get(j, "apiVersion")), "admission.k8s.io/v1beta1");
    ck_assert(json_is_true(json_object_get(response_of(j), "allowed")));
    json_decref(j);
    curl_easy_cleanup(c);
}
END_TEST

START_TEST(keep_alive_reuses_one_connection)
{
    CURL *c = wh_curl(&server, NULL, NULL);
    for (int i = 0; i < 5; i++) {
        json_t *j = review(c, i % 2 ? "/mutate" : "/validate", "claim-allowed.json");
        json_decref(j);
        long fresh = -1;
        curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &fresh);
        ck_assert_int_eq(fresh, i == 0 ? 1 : 0);
    }
    /* An HTTP error with a small body keeps the connection too. */
    wh_response r;
    wh_request(c, &server, "POST", "/nope", "application/json", "{}", 2, NULL, &r);
    ck_assert_int_eq(r.status, 404);
    wh_response_free(&r);
    assert_still_serving(c);
    long fresh = -1;
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &fresh);
    ck_assert_int_eq(fresh, 0);
    curl_easy_cleanup(c);
}
END_TEST

/* ---- HTTP errors and bad input ----------------------------------------- */

START_TEST(http_errors_have_their_codes)
{
    CURL *c = wh_curl(&server, NULL, NULL);
    wh_response r;
    wh_request(c, &server, "POST", "/admit", "application/json", "{}", 2, NULL, &r);
    assert_status_error(&r, 404, "NotFound");
    wh_response_free(&r);

    wh_request(c, &server, "GET", "/validate", NULL, NULL, 0, NULL, &r);
    assert_status_error(&r, 405, "MethodNotAllowed");
    ck_assert_ptr_nonnull(strstr(r.headers, "Allow: POST\r\n"));
    wh_response_free(&r);
    wh_request(c, &server, "PUT", "/mutate", "application/json", "{}", 2, NULL, &r);
    assert_status_error(&r, 405, "MethodNotAllowed");
    wh_response_free(&r);
    wh_request(c, &server, "POST", "/healthz", "application/json", "{}", 2, NULL, &r);
    assert_status_error(&r, 405, "MethodNotAllowed");
    ck_assert_ptr_nonnull(strstr(r.headers, "Allow: GET, HEAD\r\n"));
    wh_response_free(&r);

    size_t len;
    char *body = wh_fixture("claim-allowed.json", &len);
    wh_request(c, &server, "POST", "/validate", "text/plain", body, len, NULL, &r);
    assert_status_error(&r, 415, "UnsupportedMediaType");
    wh_response_free(&r);
    wh_request(c, &server, "POST", "/validate", NULL, body, len, NULL, &r);
    assert_status_error(&r, 415, "UnsupportedMediaType");
    wh_response_free(&r);
    wh_request(c, &server, "POST", "/validate", "application/json; charset=utf-8", body, len, NULL, &r);
    ck_assert_int_eq(r.status, 200);
    wh_response_free(&r);
    free(body);
    assert_still_serving(c);
    curl_easy_cleanup(c);
}
END_TEST

START_TEST(malformed_reviews_get_400)
{
    static const char *const bodies[] = {
        "",
        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"x\"",
        "not json at all",
        "[1,2,3]",
        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}",
        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{}}",
        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":42}}",
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"request\":{\"uid\":\"x\"}}",
        "\xff\xfe{}",
    };
    CURL *c = wh_curl(&server, NULL, NULL);
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        wh_response r;
        wh_request(c, &server, "POST", "/validate", "application/json", bodies[i], strlen(bodies[i]), NULL, &r);
        assert_status_error(&r, 400, "BadRequest");
        wh_response_free(&r);
    }
    /* Deep nesting and a huge string: refused or decided, never a crash. */
    size_t depth = 30000; /* 60 KB: under this server's 64 KiB limit */
    char *deep = malloc(2 * depth + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = '\0';
    wh_response r;
    wh_request(c, &server, "POST", "/validate", "application/json", deep, 2 * depth, NULL, &r);
    assert_status_error(&r, 400, "BadRequest");
    wh_response_free(&r);
    free(deep);
    size_t big = 60 * 1024;
    char *huge = malloc(big + 256);
    int n = snprintf(huge, 256, "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                                "\"request\":{\"uid\":\"u\",\"name\":\"");
    memset(huge + n, 'a', big - (size_t)n - 3);
    strcpy(huge + big - 3, "\"}}");
    wh_request(c, &server, "POST", "/validate", "application/json", huge, big, NULL, &r);
    ck_assert_int_eq(r.status, 200);
    wh_response_free(&r);
    free(huge);
    assert_still_serving(c);
    curl_easy_cleanup(c);
}
END_TEST

START_TEST(bodies_over_the_limit_get_413)
{
    /* This server runs with --max-body-bytes 64Ki. */
    size_t len = 64 * 1024 + 1;
    char *body = malloc(len);
    memset(body, ' ', len);
    CURL *c = wh_curl(&server, NULL, NULL);
    wh_response r;
    /* Answered before the body is read; a client waiting for 100-continue
     * (as curl and Go do for large bodies) sends none of it. */
    wh_request(c, &server, "POST", "/validate", "application/json", body, len, "Expect: 100-continue", &r);
    assert_status_error(&r, 413, "RequestEntityTooLarge");
    ck_assert_ptr_nonnull(strstr(r.headers, "Connection: close"));
    wh_response_free(&r);
    /* Chunked: the server stops reading at the limit. */
    wh_request(c, &server, "POST", "/mutate", "application/json", body, len, "Transfer-Encoding: chunked", &r);
    assert_status_error(&r, 413, "RequestEntityTooLarge");
    wh_response_free(&r);
    /* Exactly at the limit is read (and is not a review). */
    wh_request(c, &server, "POST", "/validate", "application/json", body, len - 1, NULL, &r);
    assert_status_error(&r, 400, "BadRequest");
    wh_response_free(&r);
    /* A chunked body under the limit is fine. */
    size_t flen;
    char *fixture = wh_fixture("claim-allowed.json", &flen);
    wh_request(c, &server, "POST", "/validate", "application/json", fixture, flen, "Transfer-Encoding: chunked", &r);
    ck_assert_int_eq(r.status, 200);
    wh_response_free(&r);
    free(fixture);
    free(body);
    assert_still_serving(c);
    curl_easy_cleanup(c);
}
END_TEST

/* ---- metrics ----------------------------------------------------------- */

static char *scrape(void)
{
    wh_response r;
    wh_get_metrics_port(&server, "/metrics", &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.headers, "Content-Type: text/plain; version=0.0.4; charset=utf-8"));
    char *body = r.body;
    free(r.headers);
    return body;
}

START_TEST(metrics_move_by_exactly_the_traffic)
{
    static const char *const series[] = {
        "warmpool_webhook_requests_total{path=\"validate\",kind=\"SandboxClaim\",operation=\"CREATE\",decision=\"allowed\"}",
        "warmpool_webhook_requests_total{path=\"validate\",kind=\"SandboxClaim\",operation=\"CREATE\",decision=\"denied\"}",
        "warmpool_webhook_requests_total{path=\"mutate\",kind=\"SandboxClaim\",operation=\"CREATE\",decision=\"allowed\"}",
        "warmpool_webhook_requests_total{path=\"validate\",kind=\"other\",operation=\"OTHER\",decision=\"error\"}",
        "warmpool_webhook_requests_total{path=\"mutate\",kind=\"SandboxWarmPool\",operation=\"DELETE\",decision=\"allowed\"}",
        "warmpool_webhook_http_responses_total{path=\"validate\",code=\"200\"}",
        "warmpool_webhook_http_responses_total{path=\"validate\",code=\"400\"}",
        "warmpool_webhook_http_responses_total{path=\"other\",code=\"404\"}",
        "warmpool_webhook_http_responses_total{path=\"mutate\",code=\"415\"}",
        "warmpool_webhook_request_duration_seconds_count{path=\"validate\"}",
        "warmpool_webhook_request_duration_seconds_count{path=\"mutate\"}",
        "warmpool_webhook_tls_handshake_errors_total",
    };
    static const double expected[] = {2, 1, 1, 1, 1, 3, 1, 1, 1, 4, 2, 0};
    enum { N = sizeof series / sizeof series[0] };
    char *before = scrape();
    CURL *c = wh_curl(&server, NULL, NULL);
    json_decref(review(c, "/validate", "claim-allowed.json"));
    json_decref(review(c, "/validate", "claim-v1beta1.json"));
    json_decref(review(c, "/validate", "claim-legacy.json"));
    json_decref(review(c, "/mutate", "claim-allowed.json"));
    json_decref(review(c, "/mutate", "pool-delete.json"));
    wh_response r;
    wh_request(c, &server, "POST", "/validate", "application/json", "{", 1, NULL, &r);
    wh_response_free(&r);
    wh_request(c, &server, "GET", "/missing", NULL, NULL, 0, NULL, &r);
    wh_response_free(&r);
    wh_request(c, &server, "POST", "/mutate", "text/yaml", "a: b", 4, NULL, &r);
    wh_response_free(&r);
    curl_easy_cleanup(c);
    char *after = scrape();
    for (int i = 0; i < N; i++) {
        double delta = wh_metric(after, series[i]) - wh_metric(before, series[i]);
        ck_assert_msg(delta == expected[i], "%s moved by %g, expected %g", series[i], delta, expected[i]);
    }
    /* MHD reports a request complete just after its last byte is sent, so
     * the gauge may lag the client by a moment. */
    for (int i = 0; i < 100 && wh_metric(after, "warmpool_webhook_requests_in_flight") != 0; i++) {
        free(after);
        usleep(10000);
        after = scrape();
    }
    ck_assert(wh_metric(after, "warmpool_webhook_requests_in_flight") == 0);
    ck_assert(wh_metric(after, "warmpool_webhook_certificate_expiry_timestamp_seconds") > (double)time(NULL) + 364 * 86400.0);
    ck_assert(wh_metric(after, "warmpool_webhook_build_info{version=\"" WP_VERSION "\"}") == 1);
    ck_assert_ptr_nonnull(strstr(after, "# TYPE warmpool_webhook_request_duration_seconds histogram\n"));
    ck_assert_ptr_nonnull(strstr(after, "\nprocess_resident_memory_bytes "));
    free(before);
    free(after);
}
END_TEST

START_TEST(metrics_port_serves_probes)
{
    wh_response r;
    wh_get_metrics_port(&server, "/healthz", &r);
    ck_assert_int_eq(r.status, 200);
    wh_response_free(&r);
    wh_get_metrics_port(&server, "/readyz", &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "ok\n");
    wh_response_free(&r);
    wh_get_metrics_port(&server, "/other", &r);
    ck_assert_int_eq(r.status, 404);
    wh_response_free(&r);
}
END_TEST

/* ---- TLS versions ------------------------------------------------------ */

/* The protocol version libcurl reports while connecting ("TLSv1.3"). */
static int note_tls_version(CURL *c, curl_infotype type, char *data, size_t size, void *arg)
{
    (void)c;
    const char *p = "SSL connection using ";
    if (type == CURLINFO_TEXT && size > strlen(p) && strncmp(data, p, strlen(p)) == 0)
        snprintf(arg, 16, "%.*s", (int)strcspn(data + strlen(p), " /\n"), data + strlen(p));
    return 0;
}

static void connect_noting_version(CURL *c, char version[16])
{
    version[0] = '\0';
    curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, note_tls_version);
    curl_easy_setopt(c, CURLOPT_DEBUGDATA, version);
    curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
    assert_still_serving(c);
}

START_TEST(tls_1_3_preferred_1_2_accepted_older_refused)
{
    char version[16];
    CURL *c = wh_curl(&server, NULL, NULL);
    connect_noting_version(c, version);
    ck_assert_str_eq(version, "TLSv1.3");
    curl_easy_cleanup(c);

    c = wh_curl(&server, NULL, NULL);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)(CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2));
    connect_noting_version(c, version);
    ck_assert_str_eq(version, "TLSv1.2");
    curl_easy_cleanup(c);

    c = wh_curl(&server, NULL, NULL);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)(CURL_SSLVERSION_TLSv1_0 | CURL_SSLVERSION_MAX_TLSv1_1));
    curl_easy_setopt(c, CURLOPT_SSL_CIPHER_LIST, "DEFAULT:@SECLEVEL=0");
    wh_response r;
    wh_request(c, &server, "GET", "/healthz", NULL, NULL, 0, NULL, &r);
    ck_assert_int_ne(r.code, CURLE_OK);
    ck_assert_int_eq(r.status, 0);
    wh_response_free(&r);
    curl_easy_cleanup(c);
}
END_TEST

/* ---- mutual TLS -------------------------------------------------------- */

static wh_server mtls;
static char mtls_dir[64], other_ca[96];

static void start_mtls(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    wh_make_dir(mtls_dir, sizeof mtls_dir);
    /* A second CA with its own client certificate: the wrong one. */
    snprintf(other_ca, sizeof other_ca, "%s/other", mtls_dir);
    ck_assert_int_eq(wh_certs(other_ca, "--client", "intruder", NULL), 0);
    char ca[128];
    snprintf(ca, sizeof ca, "%s/certs/ca.crt", mtls_dir);
    const char *extra[] = {"--client-ca-file", ca, NULL};
    wh_start(&mtls, mtls_dir, extra);
}

static void stop_mtls(void)
{
    ck_assert_int_eq(wh_stop(&mtls), 0);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", mtls_dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void assert_refused(CURL *c)
{
    wh_response r;
    wh_post_fixture(c, &mtls, "/validate", "claim-allowed.json", &r);
    ck_assert_msg(r.code != CURLE_OK, "request went through: HTTP %ld", r.status);
    ck_assert_int_eq(r.status, 0);
    wh_response_free(&r);
}

START_TEST(client_certificates_are_required_and_verified)
{
    char certs[96];
    snprintf(certs, sizeof certs, "%s/certs", mtls_dir);
    wh_response m;
    wh_get_metrics_port(&mtls, "/metrics", &m);
    double errors_before = wh_metric(m.body, "warmpool_webhook_tls_handshake_errors_total");
    wh_response_free(&m);

    CURL *none = wh_curl(&mtls, NULL, NULL);
    assert_refused(none);
    curl_easy_cleanup(none);
    /* TLS 1.2 too, where the refusal is visible to the client in the handshake. */
    none = wh_curl(&mtls, NULL, NULL);
    curl_easy_setopt(none, CURLOPT_SSLVERSION, (long)(CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2));
    assert_refused(none);
    curl_easy_cleanup(none);
    CURL *wrong = wh_curl(&mtls, other_ca, "intruder");
    assert_refused(wrong);
    curl_easy_cleanup(wrong);
    /* Signed by the right CA but only for serverAuth: not a client. */
    CURL *server_cert = wh_curl(&mtls, certs, "tls");
    assert_refused(server_cert);
    curl_easy_cleanup(server_cert);

    CURL *good = wh_curl(&mtls, certs, "client");
    wh_response r;
    wh_post_fixture(good, &mtls, "/validate", "claim-allowed.json", &r);
    ck_assert_msg(r.code == CURLE_OK, "%s", curl_easy_strerror(r.code));
    ck_assert_int_eq(r.status, 200);
    wh_response_free(&r);
    curl_easy_cleanup(good);

    wh_get_metrics_port(&mtls, "/metrics", &m);
    ck_assert(wh_metric(m.body, "warmpool_webhook_tls_handshake_errors_total") - errors_before == 4);
    wh_response_free(&m);
    char *log = wh_log(&mtls);
    ck_assert_ptr_nonnull(strstr(log, "\"msg\":\"client certificate refused\""));
    free(log);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("webhook_http");
    TCase *tc = tcase_create("admission");
    tcase_add_unchecked_fixture(tc, start_plain, stop_server);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, validate_allows_a_good_claim);
    tcase_add_test(tc, validate_denies_legacy_fields_listing_every_cause);
    tcase_add_test(tc, validate_denies_a_bad_env_name_and_logs_no_values);
    tcase_add_test(tc, validate_denies_the_reserved_router_label);
    tcase_add_test(tc, mutate_sets_annotations_and_is_idempotent);
    tcase_add_test(tc, mutate_creates_the_annotations_map_when_absent);
    tcase_add_test(tc, other_kinds_and_operations_are_allowed_without_patch);
    tcase_add_test(tc, v1beta1_is_answered_in_v1beta1_and_timeout_query_accepted);
    tcase_add_test(tc, keep_alive_reuses_one_connection);
    tcase_add_test(tc, http_errors_have_their_codes);
    tcase_add_test(tc, malformed_reviews_get_400);
    tcase_add_test(tc, bodies_over_the_limit_get_413);
    tcase_add_test(tc, metrics_move_by_exactly_the_traffic);
    tcase_add_test(tc, metrics_port_serves_probes);
    tcase_add_test(tc, tls_1_3_preferred_1_2_accepted_older_refused);
    suite_add_tcase(s, tc);
    TCase *mt = tcase_create("mtls");
    tcase_add_unchecked_fixture(mt, start_mtls, stop_mtls);
    tcase_set_timeout(mt, 60);
    tcase_add_test(mt, client_certificates_are_required_and_verified);
    suite_add_tcase(s, mt);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
