/* "Did you mean": typos within reach, other words not. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/suggest.h"

static const char *const commands[] = {"validate", "migrate", "review", "help", "version"};
#define N (sizeof commands / sizeof *commands)

START_TEST(typos_find_their_word)
{
    ck_assert_str_eq(wp_suggest("valdiate", commands, N), "validate"); /* a swap */
    ck_assert_str_eq(wp_suggest("validat", commands, N), "validate");  /* a deletion */
    ck_assert_str_eq(wp_suggest("migrat3", commands, N), "migrate");   /* a substitution */
    ck_assert_str_eq(wp_suggest("REVIEW", commands, N), "review");     /* case */
    ck_assert_str_eq(wp_suggest("ver", commands, N), "version");       /* a prefix */
    ck_assert_str_eq(wp_suggest("hepl", commands, N), "help");
}
END_TEST

START_TEST(other_words_find_nothing)
{
    ck_assert_ptr_null(wp_suggest("frobnicate", commands, N));
    ck_assert_ptr_null(wp_suggest("x", commands, N));
    ck_assert_ptr_null(wp_suggest("", commands, N));
    ck_assert_ptr_null(wp_suggest("validate", commands, 0));
    char longword[200];
    for (int i = 0; i < 199; i++) longword[i] = 'v';
    longword[199] = '\0';
    ck_assert_ptr_null(wp_suggest(longword, commands, N));
}
END_TEST

static const char *const FLAGS[] = {"listen", "metrics-listen", "tls-cert-file", "tls-key-file",
                                    "read-timeout", "idle-timeout", "handshake-timeout", "help", "version"};
#define N_FLAGS (sizeof FLAGS / sizeof FLAGS[0])

START_TEST(flag_names)
{
    ck_assert_str_eq(wp_suggest("listn", FLAGS, N_FLAGS), "listen");
    ck_assert_str_eq(wp_suggest("tls-cert", FLAGS, N_FLAGS), "tls-cert-file"); /* a prefix */
    ck_assert_str_eq(wp_suggest("read-timout", FLAGS, N_FLAGS), "read-timeout");
    ck_assert_str_eq(wp_suggest("verison", FLAGS, N_FLAGS), "version");
    ck_assert_ptr_null(wp_suggest("port", FLAGS, N_FLAGS));
    static const char *const webhook_commands[] = {"certs", "version"};
    ck_assert_str_eq(wp_suggest("cert", webhook_commands, 2), "certs");
    ck_assert_str_eq(wp_suggest("cets", webhook_commands, 2), "certs");
    ck_assert_ptr_null(wp_suggest("sert", webhook_commands, 2)); /* 2 edits in 4 letters: too far */
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
    tcase_add_test(tc, typos_find_their_word);
    tcase_add_test(tc, other_words_find_nothing);
    tcase_add_test(tc, flag_names);
    tcase_add_test(tc, append);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
