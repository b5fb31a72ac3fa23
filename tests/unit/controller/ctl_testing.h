/* Helpers shared by the controller's unit tests: JSON literals, field-by-field
 * JSON comparison with a readable failure, and the Check runner.
 * Header-only (static) so each test_*.c stays one executable. */
#ifndef WP_TEST_CONTROLLER_TESTING_H
#define WP_TEST_CONTROLLER_TESTING_H

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses a JSON literal of the test (a new reference). */
static inline json_t *ct_load(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
    ck_assert_msg(v != NULL, "bad test JSON: %s", e.text);
    return v;
}

/* Asserts got equals the JSON literal want_text (object member order aside). */
static inline void ct_assert_json(const json_t *got, const char *want_text)
{
    json_t *want = ct_load(want_text);
    char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    char *w = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    ck_assert_msg(json_equal(got, want), "got  %s\nwant %s", g, w);
    free(g);
    free(w);
    json_decref(want);
}

/* Runs one test case of the given tests; the process exit status. */
static inline int ct_run(const char *name, const TTest *const *ttests, size_t n)
{
    Suite *s = suite_create(name);
    TCase *tc = tcase_create(name);
    for (size_t i = 0; i < n; i++) _tcase_add_test(tc, ttests[i], 0, 0, 0, 1);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#define CT_MAIN(name, ...)                                                                                    \
    int main(void)                                                                                            \
    {                                                                                                         \
        const TTest *const tests[] = {__VA_ARGS__};                                                           \
        return ct_run(name, tests, sizeof tests / sizeof *tests);                                       \
    }

#endif
