/* Kubernetes name formats, RFC 3339 times and digest-pinned images. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/names.h"
#include "rules_testing.h"

/* Every problem the validator reports for s, as "a | b". */
static void problems_text(const char *(*fn)(const char *, size_t, wp_name_problems *), const char *s, size_t len,
                          char *out, size_t size)
{
    wp_name_problems p;
    const char *first = fn(s, len, &p);
    out[0] = '\0';
    for (size_t i = 0; i < p.n; i++) {
        if (i) strncat(out, " | ", size - strlen(out) - 1);
        strncat(out, p.msgs[i], size - strlen(out) - 1);
    }
    /* The first problem is what the short form returns. */
    if (p.n) ck_assert_ptr_eq(first, p.msgs[0]);
    else ck_assert_ptr_null(first);
    ck_assert_ptr_eq(fn(s, len, NULL), first);
}

#define CHECK(fn, s, expected)                                                                     \
    do {                                                                                           \
        char got_[2048];                                                                           \
        problems_text(fn, s, strlen(s), got_, sizeof got_);                                        \
        ck_assert_str_eq(got_, expected);                                                          \
    } while (0)

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

START_TEST(dns1123_subdomain)
{
    CHECK(wp_name_dns1123_subdomain, "a", "");
    CHECK(wp_name_dns1123_subdomain, "my-pool", "");
    CHECK(wp_name_dns1123_subdomain, "a.b-c.d9", "");
    CHECK(wp_name_dns1123_subdomain, "0", "");
    const char *bad[] = {"", "A", "-a", "a-", "a..b", ".a", "a.", "a_b", "a b", "a.-b", "é"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) CHECK(wp_name_dns1123_subdomain, bad[i], K8S_SUBDOMAIN_MSG);

    char *s = repeat('a', 253);
    CHECK(wp_name_dns1123_subdomain, s, "");
    free(s);
    s = repeat('a', 254);
    CHECK(wp_name_dns1123_subdomain, s, "must be no more than 253 characters");
    s[0] = '_'; /* too long AND bad characters: both, in Kubernetes' order */
    CHECK(wp_name_dns1123_subdomain, s, "must be no more than 253 characters | " K8S_SUBDOMAIN_MSG);
    free(s);
    /* A NUL byte inside the value is a bad character, not the end. */
    ck_assert_ptr_nonnull(wp_name_dns1123_subdomain("ab\0c", 4, NULL));
    ck_assert_ptr_null(wp_name_dns1123_subdomain("ab\0c", 2, NULL));
}
END_TEST

START_TEST(dns1123_label)
{
    CHECK(wp_name_dns1123_label, "my-name", "");
    CHECK(wp_name_dns1123_label, "123-abc", "");
    CHECK(wp_name_dns1123_label, "a.b", "must not contain dots");
    CHECK(wp_name_dns1123_label, "My", K8S_LABEL_MSG);
    CHECK(wp_name_dns1123_label, "", K8S_LABEL_MSG);
    CHECK(wp_name_dns1123_label, "a-", K8S_LABEL_MSG);
    CHECK(wp_name_dns1123_label, "a..b", K8S_LABEL_MSG); /* not a subdomain either */
    char *s = repeat('a', 63);
    CHECK(wp_name_dns1123_label, s, "");
    free(s);
    s = repeat('a', 64);
    CHECK(wp_name_dns1123_label, s, "must be no more than 63 characters");
    s[63] = '-';
    CHECK(wp_name_dns1123_label, s, "must be no more than 63 characters | " K8S_LABEL_MSG);
    free(s);
}
END_TEST

START_TEST(qualified_name)
{
    CHECK(wp_name_qualified, "team", "");
    CHECK(wp_name_qualified, "My_Name.v1", "");
    CHECK(wp_name_qualified, "sandbox.users.io/team", "");
    CHECK(wp_name_qualified, "-team", K8S_QNAME_MSG);
    CHECK(wp_name_qualified, "team-", K8S_QNAME_MSG);
    CHECK(wp_name_qualified, "", "name part must be non-empty | " K8S_QNAME_MSG);
    CHECK(wp_name_qualified, "a.io/", "name part must be non-empty | " K8S_QNAME_MSG);
    CHECK(wp_name_qualified, "/team", "prefix part must be non-empty");
    CHECK(wp_name_qualified, "Bad_Prefix/team", "prefix part " K8S_SUBDOMAIN_MSG);
    CHECK(wp_name_qualified, "Bad_Prefix/-x", "prefix part " K8S_SUBDOMAIN_MSG " | " K8S_QNAME_MSG);
    CHECK(wp_name_qualified, "a/b/c",
          "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
          "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
          "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix "
          "and '/' (e.g. 'example.com/MyName')");
    char *name = repeat('n', 64), key[400];
    snprintf(key, sizeof key, "a.io/%s", name);
    CHECK(wp_name_qualified, key, "name part must be no more than 63 characters");
    name[63] = '\0';
    snprintf(key, sizeof key, "a.io/%s", name);
    CHECK(wp_name_qualified, key, "");
    free(name);
    char *prefix = repeat('p', 254);
    snprintf(key, sizeof key, "%s/x", prefix);
    CHECK(wp_name_qualified, key, "prefix part must be no more than 253 characters");
    free(prefix);

    size_t at;
    ck_assert(wp_name_qualified_prefix("a.io/b", 6, &at));
    ck_assert_uint_eq(at, 4);
    ck_assert(!wp_name_qualified_prefix("ab", 2, &at));
    ck_assert(!wp_name_qualified_prefix("a/b/c", 5, &at));
}
END_TEST

START_TEST(label_value)
{
    CHECK(wp_name_label_value, "", "");
    CHECK(wp_name_label_value, "v1.2_beta-3", "");
    CHECK(wp_name_label_value, "-v", K8S_LABEL_VALUE_MSG);
    CHECK(wp_name_label_value, "a b", K8S_LABEL_VALUE_MSG);
    CHECK(wp_name_label_value, "a/b", K8S_LABEL_VALUE_MSG);
    char *s = repeat('v', 63);
    CHECK(wp_name_label_value, s, "");
    free(s);
    s = repeat('v', 64);
    CHECK(wp_name_label_value, s, "must be no more than 63 characters");
    s[0] = '.';
    CHECK(wp_name_label_value, s, "must be no more than 63 characters | " K8S_LABEL_VALUE_MSG);
    free(s);
}
END_TEST

START_TEST(env_var_name)
{
    const char *good[] = {"A", "my.env-name", "MY_ENV.NAME", "MyEnvName1", "_x", "-x", ".x"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) CHECK(wp_name_env_var, good[i], "");
    CHECK(wp_name_env_var, "1BAD", K8S_ENV_MSG);
    CHECK(wp_name_env_var, "", K8S_ENV_MSG);
    CHECK(wp_name_env_var, "A=B", K8S_ENV_MSG);
    CHECK(wp_name_env_var, "A B", K8S_ENV_MSG);
    CHECK(wp_name_env_var, ".", "must not be '.'");
    CHECK(wp_name_env_var, "..", "must not be '..'");
    CHECK(wp_name_env_var, "..x", "must not start with '..'");
    CHECK(wp_name_env_var, "..=", K8S_ENV_MSG " | must not start with '..'");
    ck_assert_ptr_nonnull(wp_name_env_var("A\0B", 3, NULL));
}
END_TEST

static void assert_time(const char *s, long long sec, long nsec)
{
    struct timespec t = {0, 0};
    ck_assert_msg(wp_name_parse_rfc3339(s, strlen(s), &t), "rejected %s", s);
    ck_assert_int_eq((long long)t.tv_sec, sec);
    ck_assert_int_eq(t.tv_nsec, nsec);
}

START_TEST(rfc3339_valid)
{
    assert_time("1970-01-01T00:00:00Z", 0, 0);
    assert_time("2026-12-31T23:59:59Z", 1798761599, 0);
    assert_time("2026-01-01T00:00:00Z", TEST_NOW_SECONDS, 0);
    assert_time("2024-02-29T12:00:00+02:00", 1709200800, 0); /* leap day, offset east */
    assert_time("1999-12-31T18:00:00-05:00", 946681200, 0);
    assert_time("2026-12-31T23:59:59.5Z", 1798761599, 500000000);
    assert_time("2026-12-31T23:59:59.123456789123Z", 1798761599, 123456789); /* digits past ns dropped */
    assert_time("0001-01-01T00:00:00Z", -62135596800LL, 0);
    assert_time("2000-02-29T00:00:00Z", 951782400, 0); /* divisible by 400: leap */
}
END_TEST

START_TEST(rfc3339_invalid)
{
    const char *bad[] = {
        "", "tomorrow", "2026-12-31", "2026-12-31T23:59:59", "2026-12-31 23:59:59Z", "2026-12-31t23:59:59Z",
        "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z",
        "2026-00-01T00:00:00Z", "2026-01-00T00:00:00Z", "2026-12-31T24:00:00Z", "2026-12-31T23:60:00Z",
        "2026-12-31T23:59:60Z", "2026-12-31T23:59:59.Z", "2026-12-31T23:59:59+0200", "2026-12-31T23:59:59+24:00",
        "2026-12-31T23:59:59+02:60", "2026-12-31T23:59:59Zjunk", "26-12-31T23:59:59Z", "2026-1-31T23:59:59Z",
        "2026-12-31T23:59:59z", "+2026-12-31T23:59:59Z",
    };
    struct timespec t;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(!wp_name_parse_rfc3339(bad[i], strlen(bad[i]), &t), "accepted %s", bad[i]);
    ck_assert(!wp_name_parse_rfc3339("2026-12-31T23:59:59Z\0", 21, &t)); /* trailing NUL byte */
    ck_assert(wp_name_parse_rfc3339("2026-12-31T23:59:59Zjunk", 20, &t)); /* length is what counts */
}
END_TEST

START_TEST(image_pinned_to_digest)
{
    const char *hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    char s[256];
    snprintf(s, sizeof s, "busybox@sha256:%s", hex);
    ck_assert(wp_name_image_pinned(s, strlen(s)));
    snprintf(s, sizeof s, "registry.io:5000/team/app:1.2@sha256:%s", hex);
    ck_assert(wp_name_image_pinned(s, strlen(s)));
    snprintf(s, sizeof s, "@sha256:%s", hex); /* no image name */
    ck_assert(!wp_name_image_pinned(s, strlen(s)));
    snprintf(s, sizeof s, "busybox@sha256:%.63s", hex); /* one digit short */
    ck_assert(!wp_name_image_pinned(s, strlen(s)));
    snprintf(s, sizeof s, "busybox@sha256:%sa", hex); /* one too many */
    ck_assert(!wp_name_image_pinned(s, strlen(s)));
    snprintf(s, sizeof s, "busybox@sha256:%.63sA", hex); /* upper-case hex */
    ck_assert(!wp_name_image_pinned(s, strlen(s)));
    snprintf(s, sizeof s, "busybox@sha512:%s", hex);
    ck_assert(!wp_name_image_pinned(s, strlen(s)));
    ck_assert(!wp_name_image_pinned("busybox:1.36", 12));
    ck_assert(!wp_name_image_pinned("", 0));
}
END_TEST

START_TEST(domain_within)
{
    const char *d = "sandbox.users.io";
    ck_assert(wp_name_domain_within("sandbox.users.io", 16, d));
    ck_assert(wp_name_domain_within("team.sandbox.users.io", 21, d));
    ck_assert(wp_name_domain_within("SANDBOX.Users.io", 16, d));
    ck_assert(!wp_name_domain_within("xsandbox.users.io", 17, d));
    ck_assert(!wp_name_domain_within("users.io", 8, d));
    ck_assert(!wp_name_domain_within("sandbox.users.io.evil.com", 25, d));
    ck_assert(!wp_name_domain_within("", 0, d));
    ck_assert(!wp_name_domain_within("x", 1, ""));
}
END_TEST

TEST_MAIN("names", dns1123_subdomain, dns1123_label, qualified_name, label_value, env_var_name, rfc3339_valid,
          rfc3339_invalid, image_pinned_to_digest, domain_within)
