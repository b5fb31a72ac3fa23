/* The cap on causes, warnings and text length in a verdict, and how a
 * capped verdict is answered (issue 7: a 7 MB review once got a 235 MB
 * answer). */
#include <check.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/review.h"
#include "common/strbuf.h"
#include "common/verdict.h"
#include "rules_testing.h"

static const struct timespec NOW = {.tv_sec = 1795316645};

static wp_path root_path(void) { return (wp_path){0}; }

START_TEST(causes_past_the_cap_are_counted_not_stored)
{
    wp_verdict v = WP_VERDICT_INIT;
    v.max_causes = 3;
    wp_path p = root_path();
    wp_path_push_field(&p, "spec");
    for (int i = 0; i < 10; i++) wp_verdict_cause(&v, &p, WP_CAUSE_INVALID, "bad %d", i);
    ck_assert_uint_eq(v.n_causes, 3);
    ck_assert_uint_eq(v.n_causes_omitted, 7);
    ck_assert(!wp_verdict_allowed(&v));
    ck_assert_str_eq(v.causes[2].message, "bad 2");
    char *m = wp_verdict_message(&v, "SandboxClaim", "g", "c");
    ck_assert_str_eq(m, "SandboxClaim.g \"c\" is invalid: [spec: bad 0, spec: bad 1, spec: bad 2, and 7 more errors]");
    free(m);
    wp_verdict_free(&v);
    ck_assert_uint_eq(v.max_causes, 3); /* kept for reuse */
    ck_assert_uint_eq(v.n_causes_omitted, 0);
}
END_TEST

START_TEST(one_cause_and_one_omitted_is_a_list)
{
    wp_verdict v = WP_VERDICT_INIT;
    v.max_causes = 1;
    wp_path p = root_path();
    wp_path_push_field(&p, "spec");
    wp_verdict_cause(&v, &p, WP_CAUSE_INVALID, "a");
    wp_verdict_cause(&v, &p, WP_CAUSE_INVALID, "b");
    char *m = wp_verdict_message(&v, "K", "g", "n");
    ck_assert_str_eq(m, "K.g \"n\" is invalid: [spec: a, and 1 more error]");
    free(m);
    wp_verdict_free(&v);
}
END_TEST

START_TEST(default_cap_is_100_and_warnings_are_capped_too)
{
    wp_verdict v = WP_VERDICT_INIT;
    wp_path p = root_path();
    for (int i = 0; i < 250; i++) {
        wp_verdict_cause(&v, &p, WP_CAUSE_REQUIRED, "Required value");
        wp_verdict_warn(&v, "w %d", i);
    }
    ck_assert_uint_eq(v.n_causes, WP_VERDICT_DEFAULT_MAX_CAUSES);
    ck_assert_uint_eq(v.n_causes_omitted, 150);
    ck_assert_uint_eq(v.n_warnings, WP_VERDICT_DEFAULT_MAX_CAUSES);
    ck_assert_uint_eq(v.n_warnings_omitted, 150);
    wp_verdict_free(&v);
    v.max_causes = SIZE_MAX;
    for (int i = 0; i < 250; i++) wp_verdict_cause(&v, &p, WP_CAUSE_REQUIRED, "Required value");
    ck_assert_uint_eq(v.n_causes, 250);
    wp_verdict_free(&v);
}
END_TEST

/* Long messages, fields and warnings are cut to WP_VERDICT_MAX_TEXT_BYTES
 * with "...", never inside a UTF-8 character. */
START_TEST(long_text_is_cut_on_a_character_boundary)
{
    /* "é" is 2 bytes: an odd offset would split one. */
    wp_sb b = WP_SB_INIT;
    wp_sb_puts(&b, "x");
    for (int i = 0; i < 600; i++) wp_sb_puts(&b, "\xc3\xa9");
    char *key = wp_sb_finish(&b);
    wp_verdict v = WP_VERDICT_INIT;
    wp_path p = root_path();
    wp_path_push_field(&p, "metadata");
    wp_path_push_key(&p, key);
    wp_verdict_cause(&v, &p, WP_CAUSE_INVALID, "%s", key);
    wp_verdict_warn(&v, "%s", key);
    const char *texts[] = {v.causes[0].message, v.causes[0].field, v.warnings[0]}; /* no space: cut anyway */
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(texts[i]);
        ck_assert_uint_le(n, WP_VERDICT_MAX_TEXT_BYTES);
        ck_assert_uint_ge(n, WP_VERDICT_MAX_TEXT_BYTES - 4);
        ck_assert_str_eq(texts[i] + n - 3, "...");
        /* Valid UTF-8 all through (jansson refuses anything else). */
        json_t *s = json_stringn(texts[i], n);
        ck_assert_ptr_nonnull(s);
        json_decref(s);
    }
    ck_assert_uint_eq(strlen(v.causes[0].message), 1 + 2 * 254 + 3); /* "x" + 254 é + "..." */
    wp_verdict_free(&v);
    free(key);
}
END_TEST

/* Warnings are prose: cut at the last space before the limit. */
START_TEST(long_warnings_are_cut_between_words)
{
    wp_sb b = WP_SB_INIT;
    for (int i = 0; i < 100; i++) wp_sb_puts(&b, "pinned ");  /* 7 bytes a word */
    char *text = wp_sb_finish(&b);
    wp_verdict v = WP_VERDICT_INIT;
    wp_verdict_warn(&v, "%s", text);
    const char *w = v.warnings[0];
    size_t n = strlen(w);
    ck_assert_uint_le(n, WP_VERDICT_MAX_TEXT_BYTES);
    ck_assert_str_eq(w + n - 10, " pinned...");
    ck_assert_uint_eq((n - 3) % 7, 6);  /* whole words, no trailing space */
    wp_verdict_free(&v);
    free(text);
}
END_TEST

START_TEST(utf8_prefix_len)
{
    ck_assert_uint_eq(wp_utf8_prefix_len("abc", 3, 10), 3);
    ck_assert_uint_eq(wp_utf8_prefix_len("abcdef", 6, 4), 4);
    ck_assert_uint_eq(wp_utf8_prefix_len("a\xe2\x82\xac" "b", 5, 2), 1);  /* inside the euro sign */
    ck_assert_uint_eq(wp_utf8_prefix_len("a\xe2\x82\xac" "b", 5, 3), 1);
    ck_assert_uint_eq(wp_utf8_prefix_len("a\xe2\x82\xac" "b", 5, 4), 4);
    ck_assert_uint_eq(wp_utf8_prefix_len("\xf0\x9f\x98\x80", 4, 3), 0);
}
END_TEST

/* A claim with n env entries that each lack a name, as an AdmissionReview
 * (malloc'd, caller frees). */
static char *review_with_bad_env(size_t n)
{
    wp_sb b = WP_SB_INIT;
    wp_sb_puts(&b, "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{"
                   "\"uid\":\"u1\",\"kind\":{\"group\":\"extensions.agents.x-k8s.io\",\"version\":\"v1beta1\","
                   "\"kind\":\"SandboxClaim\"},\"operation\":\"CREATE\",\"name\":\"c\",\"namespace\":\"ns\","
                   "\"object\":{\"apiVersion\":\"extensions.agents.x-k8s.io/v1beta1\",\"kind\":\"SandboxClaim\","
                   "\"metadata\":{\"name\":\"c\",\"namespace\":\"ns\"},\"spec\":{\"warmPoolRef\":{\"name\":\"p\"},"
                   "\"env\":[");
    for (size_t i = 0; i < n; i++) wp_sb_puts(&b, i ? ",{}" : "{}");
    wp_sb_puts(&b, "]}}}}");
    return wp_sb_finish(&b);
}

START_TEST(capped_denial_says_how_many_more)
{
    char *body = review_with_bad_env(5000);
    wp_review_result r;
    wp_review_handle(NULL, WP_REVIEW_VALIDATE, body, strlen(body), &NOW, &r);
    ck_assert_int_eq(r.http_status, 200);
    ck_assert(!r.allowed);
    ck_assert_uint_eq(r.verdict.n_causes, 100);
    ck_assert_uint_gt(r.verdict.n_causes_omitted, 4900);
    ck_assert_uint_lt(r.body_len, 16 * 1024); /* the request is 15 KB: no amplification */
    json_error_t e;
    json_t *doc = json_loadb(r.body, r.body_len, 0, &e);
    ck_assert_ptr_nonnull(doc);
    json_t *status = json_object_get(json_object_get(doc, "response"), "status");
    json_t *causes = json_object_get(json_object_get(status, "details"), "causes");
    ck_assert_uint_eq(json_array_size(causes), 101);
    json_t *last = json_array_get(causes, 100);
    char want[64];
    snprintf(want, sizeof want, "and %zu more errors", r.verdict.n_causes_omitted);
    ck_assert_str_eq(json_string_value(json_object_get(last, "message")), want);
    ck_assert_str_eq(json_string_value(json_object_get(last, "reason")), "TooManyErrors");
    ck_assert_ptr_null(json_object_get(last, "field"));
    const char *message = json_string_value(json_object_get(status, "message"));
    char tail[80];
    snprintf(tail, sizeof tail, ", %s]", want);
    ck_assert_str_eq(message + strlen(message) - strlen(tail), tail);
    json_decref(doc);
    wp_review_result_free(&r);
    free(body);
}
END_TEST

TEST_MAIN("verdict_cap", causes_past_the_cap_are_counted_not_stored, one_cause_and_one_omitted_is_a_list,
          default_cap_is_100_and_warnings_are_capped_too, long_text_is_cut_on_a_character_boundary,
          utf8_prefix_len, long_warnings_are_cut_between_words, capped_denial_says_how_many_more)
