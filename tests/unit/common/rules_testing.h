/* Helpers shared by the rule-engine tests: run the engine on a YAML or
 * JSON object and compare every cause (field, reason, message) exactly. */
#ifndef WP_TEST_RULES_TESTING_H
#define WP_TEST_RULES_TESTING_H

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "common/jdoc.h"
#include "common/rules.h"
#include "common/yaml.h"

/* "now" for every test: 2026-01-01T00:00:00Z. */
#define TEST_NOW_SECONDS 1767225600

/* Parses YAML (or JSON, a subset) into a document. NULL text: NULL. */
static inline wp_jdoc *test_doc(const char *text)
{
    if (!text) return NULL;
    wp_yaml_error err;
    json_t *j = wp_yaml_load_one(text, strlen(text), &err);
    ck_assert_msg(j != NULL, "test YAML does not parse: %s (line %zu)", err.message, err.line);
    wp_jdoc *d = wp_jdoc_from_json(j);
    json_decref(j);
    return d;
}

/* Runs the rules on obj (and old, may be NULL) written in YAML. */
static inline void test_validate(const wp_config *cfg, wp_kind kind, wp_operation op, const char *obj,
                                 const char *old, wp_verdict *out)
{
    wp_jdoc *d = test_doc(obj), *o = test_doc(old);
    *out = (wp_verdict)WP_VERDICT_INIT;
    struct timespec now = {TEST_NOW_SECONDS, 0};
    wp_rules_validate(cfg, kind, op, wp_jdoc_root(d), o ? wp_jdoc_root(o) : NULL, &now, out);
    wp_jdoc_free(d);
    wp_jdoc_free(o);
}

/* The same for raw JSON text (for what YAML cannot say, like NUL bytes). */
static inline void test_validate_json(wp_kind kind, wp_operation op, const char *json, wp_verdict *out)
{
    wp_jdoc_error err;
    wp_jdoc *d = wp_jdoc_parse(json, strlen(json), &err);
    ck_assert_msg(d != NULL, "test JSON does not parse: %s", err.message);
    *out = (wp_verdict)WP_VERDICT_INIT;
    struct timespec now = {TEST_NOW_SECONDS, 0};
    wp_rules_validate(NULL, kind, op, wp_jdoc_root(d), NULL, &now, out);
    wp_jdoc_free(d);
}

static inline void test_dump_verdict(const wp_verdict *v)
{
    for (size_t i = 0; i < v->n_causes; i++)
        fprintf(stderr, "  cause %zu: %s | %s | %s\n", i, v->causes[i].field, v->causes[i].reason,
                v->causes[i].message);
    for (size_t i = 0; i < v->n_warnings; i++) fprintf(stderr, "  warning %zu: %s\n", i, v->warnings[i]);
}

/* Expected causes, in order: {field, reason, message}. */
typedef struct {
    const char *field, *reason, *message;
} test_cause;

static inline void test_expect_causes(const wp_verdict *v, const test_cause *expected, size_t n)
{
    if (v->n_causes != n) test_dump_verdict(v);
    ck_assert_uint_eq(v->n_causes, n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_eq(v->causes[i].field, expected[i].field);
        ck_assert_str_eq(v->causes[i].reason, expected[i].reason);
        ck_assert_str_eq(v->causes[i].message, expected[i].message);
    }
}

#define EXPECT_CAUSES(v, ...)                                                                      \
    do {                                                                                           \
        const test_cause expected_[] = {__VA_ARGS__};                                              \
        test_expect_causes((v), expected_, sizeof expected_ / sizeof *expected_);                  \
    } while (0)

#define EXPECT_NO_CAUSES(v)                                                                        \
    do {                                                                                           \
        if ((v)->n_causes) test_dump_verdict(v);                                                   \
        ck_assert_uint_eq((v)->n_causes, 0);                                                       \
    } while (0)

static inline void test_expect_warnings(const wp_verdict *v, const char *const *expected, size_t n)
{
    if (v->n_warnings != n) test_dump_verdict(v);
    ck_assert_uint_eq(v->n_warnings, n);
    for (size_t i = 0; i < n; i++) ck_assert_str_eq(v->warnings[i], expected[i]);
}

#define EXPECT_WARNINGS(v, ...)                                                                    \
    do {                                                                                           \
        const char *const expected_[] = {__VA_ARGS__};                                             \
        test_expect_warnings((v), expected_, sizeof expected_ / sizeof *expected_);                \
    } while (0)

/* Kubernetes' wording, written out independently of common/names.c so a
 * change there cannot silently change what the tests expect. */
#define K8S_SUBDOMAIN_MSG                                                                          \
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "  \
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used " \
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define K8S_LABEL_MSG                                                                              \
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "  \
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "    \
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
#define K8S_QNAME_MSG                                                                              \
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end " \
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "    \
    "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define K8S_LABEL_VALUE_MSG                                                                        \
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "   \
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "            \
    "'my_value',  or '12345', regex used for validation is "                                      \
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
#define K8S_ENV_MSG                                                                                \
    "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', " \
    "or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or "        \
    "'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"

#define CAUSE_REQUIRED "FieldValueRequired"
#define CAUSE_INVALID "FieldValueInvalid"
#define CAUSE_NOT_SUPPORTED "FieldValueNotSupported"
#define CAUSE_FORBIDDEN "FieldValueForbidden"
#define CAUSE_DUPLICATE "FieldValueDuplicate"
#define CAUSE_TOO_LONG "FieldValueTooLong"

/* Boilerplate: one suite, one case, every test given. */
#define TEST_MAIN(suite_name, ...)                                                                 \
    int main(void)                                                                                 \
    {                                                                                              \
        Suite *s = suite_create(suite_name);                                                       \
        TCase *tc = tcase_create("core");                                                          \
        const TTest *tests_[] = {__VA_ARGS__};                                                     \
        for (size_t i = 0; i < sizeof tests_ / sizeof *tests_; i++) tcase_add_test(tc, tests_[i]); \
        suite_add_tcase(s, tc);                                                                    \
        SRunner *sr = srunner_create(s);                                                           \
        srunner_run_all(sr, CK_NORMAL);                                                            \
        int failed = srunner_ntests_failed(sr);                                                    \
        srunner_free(sr);                                                                          \
        return failed ? 1 : 0;                                                                     \
    }

#endif
