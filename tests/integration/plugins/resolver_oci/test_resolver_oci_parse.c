/* digest-registry's parsers: image references as Docker and containerd
 * normalise them (Docker Hub defaults, ports, IPv6, tags, pinned digests,
 * refusals with their reasons) and WWW-Authenticate challenges. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/resolver_oci/resolver_oci.h"

#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

START_TEST(references_normalise_like_docker)
{
    static const char *const cases[][5] = {
        /* input, registry, repository, tag, digest */
        {"nginx", "registry-1.docker.io", "library/nginx", "latest", ""},
        {"nginx:1.27", "registry-1.docker.io", "library/nginx", "1.27", ""},
        {"docker.io/nginx", "registry-1.docker.io", "library/nginx", "latest", ""},
        {"docker.io/bitnami/redis:7", "registry-1.docker.io", "bitnami/redis", "7", ""},
        {"index.docker.io/x/y", "registry-1.docker.io", "x/y", "latest", ""},
        {"org/app", "registry-1.docker.io", "org/app", "latest", ""},
        {"ghcr.io/org/app:1.2", "ghcr.io", "org/app", "1.2", ""},
        {"registry:5000/a/b:tag", "registry:5000", "a/b", "tag", ""},
        {"localhost/app", "localhost", "app", "latest", ""},
        {"[::1]:5000/a", "[::1]:5000", "a", "latest", ""},
        {"a__b/c-d.e_f:V_1.0-x", "registry-1.docker.io", "a__b/c-d.e_f", "V_1.0-x", ""},
        {"nginx@sha256:" HEX, "registry-1.docker.io", "library/nginx", "latest", "sha256:" HEX},
        {"r.io/a:1@sha256:" HEX, "r.io", "a", "1", "sha256:" HEX},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        oci_ref r;
        char err[160] = "";
        ck_assert_msg(oci_ref_parse(cases[i][0], strlen(cases[i][0]), &r, err, sizeof err) == 0, "%s: %s", cases[i][0], err);
        ck_assert_str_eq(r.registry, cases[i][1]);
        ck_assert_str_eq(r.repository, cases[i][2]);
        ck_assert_str_eq(r.tag, cases[i][3]);
        ck_assert_str_eq(r.digest, cases[i][4]);
    }
}
END_TEST

START_TEST(bad_references_are_refused_with_the_reason)
{
    static const char *const cases[][2] = {
        {"", "the image reference is empty"},
        {"Nginx", "the repository name must be lowercase letters, digits and . _ - separated by /"},
        {"a//b", "the repository name must be lowercase letters, digits and . _ - separated by /"},
        {"a/b-", "the repository name must be lowercase letters, digits and . _ - separated by /"},
        {"nginx:", "the tag must be 1-128 of letters, digits, _ . - (not starting with . or -)"},
        {"nginx:-x", "the tag must be 1-128 of letters, digits, _ . - (not starting with . or -)"},
        {"nginx@sha256:ABC", "the digest after @ must be sha256: and 64 lowercase hex digits"},
        {"nginx@sha512:" HEX, "the digest after @ must be sha256: and 64 lowercase hex digits"},
        {"bad_host.io:99999999/a", "the registry is not a valid host[:port]"},
        {"r.io/", "the repository name must be lowercase letters, digits and . _ - separated by /"},
        {":tag", "the image reference has no repository name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        oci_ref r;
        char err[160] = "";
        ck_assert_msg(oci_ref_parse(cases[i][0], strlen(cases[i][0]), &r, err, sizeof err) == -1, "%s", cases[i][0]);
        ck_assert_msg(strcmp(err, cases[i][1]) == 0, "%s: %s", cases[i][0], err);
    }
    oci_ref r;
    char err[160];
    ck_assert_int_eq(oci_ref_parse("a\0b", 3, &r, err, sizeof err), -1);
    ck_assert_str_eq(err, "the image reference contains a NUL byte");
}
END_TEST

START_TEST(challenges_give_scheme_realm_service_and_scope)
{
    oci_challenge c;
    const char *s = "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                    "scope=\"repository:library/nginx:pull\"";
    ck_assert_int_eq(oci_challenge_parse(s, strlen(s), &c), 0);
    ck_assert_str_eq(c.scheme, "bearer");
    ck_assert_str_eq(c.realm, "https://auth.docker.io/token");
    ck_assert_str_eq(c.service, "registry.docker.io");
    ck_assert_str_eq(c.scope, "repository:library/nginx:pull");
    s = "BASIC  Realm = \"a \\\"quoted\\\" realm\" , charset=UTF-8";
    ck_assert_int_eq(oci_challenge_parse(s, strlen(s), &c), 0);
    ck_assert_str_eq(c.scheme, "basic");
    ck_assert_str_eq(c.realm, "a \"quoted\" realm");
    s = "Bearer realm=x, Basic realm=y"; /* only the first challenge */
    ck_assert_int_eq(oci_challenge_parse(s, strlen(s), &c), 0);
    ck_assert_str_eq(c.realm, "x");
    static const char *const bad[] = {"", "   ", "Bearer realm=\"open", "Bearer realm=\"a\" service=\"b\"", "Bearer ,"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(oci_challenge_parse(bad[i], strlen(bad[i]), &c) == -1, "%s", bad[i]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("resolver_oci_parse");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, references_normalise_like_docker);
    tcase_add_test(tc, bad_references_are_refused_with_the_reason);
    tcase_add_test(tc, challenges_give_scheme_realm_service_and_scope);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
