/* host:port flag values and listening sockets. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "webhook/listen_addr.h"

START_TEST(addresses_split)
{
    static const struct { const char *in, *host, *port; } ok[] = {
        {":9443", "", "9443"},
        {"127.0.0.1:8080", "127.0.0.1", "8080"},
        {"[::1]:0", "::1", "0"},
        {"localhost:65535", "localhost", "65535"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char host[64], port[8], err[128];
        ck_assert_int_eq(wp_listen_split(ok[i].in, host, sizeof host, port, sizeof port, err, sizeof err), 0);
        ck_assert_str_eq(host, ok[i].host);
        ck_assert_str_eq(port, ok[i].port);
    }
    static const char *const bad[] = {"9443", "host:", ":65536", "::1:80", "[::1]80", "h:8a", ":123456"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char host[64], port[8], err[128];
        ck_assert_msg(wp_listen_split(bad[i], host, sizeof host, port, sizeof port, err, sizeof err) == -1,
                      "accepted %s", bad[i]);
        ck_assert_ptr_nonnull(strstr(err, "expected HOST:PORT"));
    }
}
END_TEST

START_TEST(port_zero_binds_and_reports_the_port)
{
    char bound[80], err[128];
    int fd = wp_listen_socket("127.0.0.1:0", 8, bound, sizeof bound, err, sizeof err);
    ck_assert_msg(fd >= 0, "%s", err);
    ck_assert(strncmp(bound, "127.0.0.1:", 10) == 0);
    ck_assert_int_gt(atoi(bound + 10), 0);
    /* The same port again is in use. */
    char again[80];
    ck_assert_int_eq(wp_listen_socket(bound, 8, again, sizeof again, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "Address already in use"));
    close(fd);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("listen_addr");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, addresses_split);
    tcase_add_test(tc, port_zero_binds_and_reports_the_port);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
