/* Base64: the RFC 4648 test vectors, both directions, and malformed input. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "rules_testing.h"

static const char *const VECTORS[][2] = {
    {"", ""},         {"f", "Zg=="},        {"fo", "Zm8="},         {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
};

START_TEST(rfc4648_vectors_encode)
{
    for (size_t i = 0; i < sizeof VECTORS / sizeof VECTORS[0]; i++) {
        char out[16];
        size_t n = strlen(VECTORS[i][0]);
        ck_assert_uint_eq(wp_base64_encoded_len(n), strlen(VECTORS[i][1]));
        ck_assert_uint_eq(wp_base64_encode(VECTORS[i][0], n, out), strlen(VECTORS[i][1]));
        ck_assert_str_eq(out, VECTORS[i][1]);
    }
}
END_TEST

START_TEST(rfc4648_vectors_decode)
{
    for (size_t i = 0; i < sizeof VECTORS / sizeof VECTORS[0]; i++) {
        size_t n = 99;
        unsigned char *d = wp_base64_decode(VECTORS[i][1], strlen(VECTORS[i][1]), &n);
        ck_assert_ptr_nonnull(d);
        ck_assert_uint_eq(n, strlen(VECTORS[i][0]));
        ck_assert_str_eq((char *)d, VECTORS[i][0]);
        free(d);
    }
}
END_TEST

START_TEST(every_byte_round_trips)
{
    unsigned char all[256];
    for (int i = 0; i < 256; i++) all[i] = (unsigned char)i;
    for (size_t n = 250; n <= 256; n++) {
        char enc[400];
        size_t len = wp_base64_encode(all, n, enc);
        ck_assert_uint_eq(len, wp_base64_encoded_len(n));
        size_t back_len;
        unsigned char *back = wp_base64_decode(enc, len, &back_len);
        ck_assert_ptr_nonnull(back);
        ck_assert_uint_eq(back_len, n);
        ck_assert_int_eq(memcmp(back, all, n), 0);
        free(back);
    }
    /* The alphabet ends in '+' and '/' (not the URL-safe '-' and '_'). */
    char enc[8];
    wp_base64_encode("\xfb\xff", 2, enc);
    ck_assert_str_eq(enc, "+/8=");
}
END_TEST

START_TEST(line_breaks_are_skipped_like_go)
{
    /* kubeconfig *-data values may be wrapped; Go's decoder skips CR/LF. */
    size_t n;
    char *d = (char *)wp_base64_decode("aGVs\nbG8h\r\n", 11, &n);
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(n, 6);
    ck_assert_str_eq(d, "hello!");
    free(d);
    char *e = wp_base64_encode_alloc("hello!", 6);
    ck_assert_str_eq(e, "aGVsbG8h");
    free(e);
}
END_TEST

START_TEST(malformed_input_is_refused)
{
    const char *bad[] = {"Zg=", "Zm9", "Z===", "====", "Zm9v!A==", "=Zm9", "Zg==Zg==", "Zm 9v", "Zm9v\t", "Z=g="};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n;
        unsigned char *d = wp_base64_decode(bad[i], strlen(bad[i]), &n);
        ck_assert_msg(d == NULL, "decoded \"%s\"", bad[i]);
    }
}
END_TEST

TEST_MAIN("base64",
          rfc4648_vectors_encode,
          rfc4648_vectors_decode,
          every_byte_round_trips,
          line_breaks_are_skipped_like_go,
          malformed_input_is_refused)
