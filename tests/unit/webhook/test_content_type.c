/* Content-Type acceptance for admission requests. */
#include <check.h>
#include <stdlib.h>

#include "webhook/content_type.h"

START_TEST(json_with_and_without_parameters_is_accepted)
{
    static const char *const ok[] = {
        "application/json",
        "Application/JSON",
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        "application/json ; charset=\"utf-8\"",
        "  application/json  ",
        "application/json; charset=utf-8; foo=bar",
        "application/json;",
        "application/json; q=\"a;b\"",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        ck_assert_msg(wp_content_type_is_json(ok[i]), "should accept: %s", ok[i]);
}
END_TEST

START_TEST(other_types_and_malformed_values_are_refused)
{
    static const char *const bad[] = {
        "",
        "text/plain",
        "text/json",
        "application/jsonx",
        "application/json-patch+json",
        "application/yaml",
        "application/json; charset=latin1",
        "application/json; charset",
        "application/json; =x",
        "application/json; a=\"unterminated",
        "application/json x",
        "application/vnd.kubernetes.protobuf",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!wp_content_type_is_json(bad[i]), "should refuse: %s", bad[i]);
    ck_assert(!wp_content_type_is_json(NULL));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("content_type");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, json_with_and_without_parameters_is_accepted);
    tcase_add_test(tc, other_types_and_malformed_values_are_refused);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
