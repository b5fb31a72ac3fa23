/* Names and hashes shared with upstream: FNV-1a values match Go's
 * hash/fnv (reference vectors), names are built as upstream builds them. */
#include "ctl_testing.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/naming.h"

START_TEST(fnv1a_matches_reference_vectors)
{
    char h[WP_NAMING_HASH_LEN];
    wp_naming_hash("", h);
    ck_assert_str_eq(h, "811c9dc5");
    wp_naming_hash("a", h);
    ck_assert_str_eq(h, "e40c292c");
    wp_naming_hash("foobar", h);
    ck_assert_str_eq(h, "bf9cf968");
    wp_naming_hash("my-sandbox", h);
    ck_assert_str_eq(h, "374de8f5");
}
END_TEST

START_TEST(hash_is_zero_padded_lowercase)
{
    /* find a name whose hash starts with a zero nibble */
    char name[32], h[WP_NAMING_HASH_LEN];
    int found = 0;
    for (int i = 0; i < 100000 && !found; i++) {
        snprintf(name, sizeof name, "sb-%d", i);
        wp_naming_hash(name, h);
        found = h[0] == '0';
    }
    ck_assert(found);
    ck_assert_uint_eq(strlen(h), 8);
    for (int i = 0; i < 8; i++) ck_assert(strchr("0123456789abcdef", h[i]) != NULL);
}
END_TEST

START_TEST(go_quote)
{
    char *q = wp_naming_quote("my-claim");
    ck_assert_str_eq(q, "\"my-claim\"");
    free(q);
    q = wp_naming_quote("a\"b\\c\n\x01");
    ck_assert_str_eq(q, "\"a\\\"b\\\\c\\n\\x01\"");
    free(q);
}
END_TEST

START_TEST(derived_names)
{
    char *s = wp_naming_pvc("workspace", "sb1");
    ck_assert_str_eq(s, "workspace-sb1");
    free(s);
    s = wp_naming_network_policy("python");
    ck_assert_str_eq(s, "python-network-policy");
    free(s);
    s = wp_naming_service_fqdn("sb1", "team-a", "cluster.local");
    ck_assert_str_eq(s, "sb1.team-a.svc.cluster.local");
    free(s);
}
END_TEST

START_TEST(created_by_is_normalized)
{
    ck_assert_str_eq(wp_naming_created_by("go-client"), "go-client");
    ck_assert_str_eq(wp_naming_created_by("python-client"), "python-client");
    ck_assert_str_eq(wp_naming_created_by("controller"), "controller");
    ck_assert_str_eq(wp_naming_created_by("kubectl"), "unknown");
    ck_assert_str_eq(wp_naming_created_by(""), "unknown");
    ck_assert_str_eq(wp_naming_created_by(NULL), "unknown");
}
END_TEST

CT_MAIN("naming", fnv1a_matches_reference_vectors, hash_is_zero_padded_lowercase, go_quote, derived_names, created_by_is_normalized)
