/* "Did you mean": edit distance and the choice of a suggestion. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/suggest.h"

static const char *const FLAGS[] = {"listen", "metrics-listen", "tls-cert-file", "tls-key-file",
                                    "read-timeout", "idle-timeout", "handshake-timeout", "help", "version"};
#define N_FLAGS (sizeof FLAGS / sizeof FLAGS[0])

START_TEST(distances)
{
    ck_assert_uint_eq(wp_edit_distance("", "", 3), 0);
    ck_assert_uint_eq(wp_edit_distance("abc", "abc", 3), 0);
    ck_assert_uint_eq(wp_edit_distance("listn", "listen", 3), 1);       /* deletion */
    ck_assert_uint_eq(wp_edit_distance("lisetn", "listen", 3), 1);      /* transposition */
    ck_assert_uint_eq(wp_edit_distance("kitten", "sitting", 5), 3);
    ck_assert_uint_eq(wp_edit_distance("a", "abcdefgh", 2), 3);         /* capped at limit + 1 */
}
END_TEST

START_TEST(suggestions)
{
    ck_assert_str_eq(wp_suggest("listn", FLAGS, N_FLAGS), "listen");
    ck_assert_str_eq(wp_suggest("tls-cert", FLAGS, N_FLAGS), "tls-cert-file");     /* a prefix */
    ck_assert_str_eq(wp_suggest("read-timout", FLAGS, N_FLAGS), "read-timeout");
    ck_assert_str_eq(wp_suggest("hlep", FLAGS, N_FLAGS), "help");
    ck_assert_str_eq(wp_suggest("verison", FLAGS, N_FLAGS), "version");
    ck_assert_ptr_null(wp_suggest("port", FLAGS, N_FLAGS));
    ck_assert_ptr_null(wp_suggest("x", FLAGS, N_FLAGS));
    static const char *const commands[] = {"certs", "version"};
    ck_assert_str_eq(wp_suggest("cert", commands, 2), "certs");
    ck_assert_str_eq(wp_suggest("cets", commands, 2), "certs");
    ck_assert_ptr_null(wp_suggest("sert", commands, 2)); /* 2 edits in 4 letters: too far */
    ck_assert_ptr_null(wp_suggest("serve", commands, 2));
    /* Long input is compared on its first 64 bytes, without overflow. */
    char big[4096];
    memset(big, 'l', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ck_assert_ptr_null(wp_suggest(big, FLAGS, N_FLAGS));
}
END_TEST

START_TEST(append)
{
    char buf[128] = "unknown flag --listn";
    ck_assert_str_eq(wp_suggest_append(buf, sizeof buf, "--", "listn", FLAGS, N_FLAGS),
                     "unknown flag --listn (did you mean --listen?)");
    char none[64] = "unknown flag --zzz";
    ck_assert_str_eq(wp_suggest_append(none, sizeof none, "--", "zzz", FLAGS, N_FLAGS), "unknown flag --zzz");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("suggest");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, distances);
    tcase_add_test(tc, suggestions);
    tcase_add_test(tc, append);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
