/* The digest TTL cache on its own (times are passed in, so no sleeping):
 * entries expire after the TTL, a TTL of 0 disables caching, the size
 * bound holds by dropping expired entries first, then everything. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "controller/plugin/digest_cache.h"
#include "warmpool/plugin.h"

#define MS 1000000LL
static const char *const d1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
static const char *const d2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

START_TEST(entries_expire_after_the_ttl)
{
    wp_digest_cache *c = wp_digest_cache_new(100, 0);
    char d[WP_PLUGIN_DIGEST_MAX];
    ck_assert(!wp_digest_cache_get(c, "nginx", d, 0));
    wp_digest_cache_put(c, "nginx", d1, 1000 * MS);
    ck_assert(wp_digest_cache_get(c, "nginx", d, 1099 * MS));
    ck_assert_str_eq(d, d1);
    ck_assert(!wp_digest_cache_get(c, "nginx", d, 1100 * MS));
    wp_digest_cache_put(c, "nginx", d2, 1100 * MS); /* a moved tag replaces the entry */
    ck_assert(wp_digest_cache_get(c, "nginx", d, 1150 * MS));
    ck_assert_str_eq(d, d2);
    ck_assert(!wp_digest_cache_get(c, "nginx:latest", d, 1150 * MS)); /* references are compared as given */
    wp_digest_cache_clear(c);
    ck_assert(!wp_digest_cache_get(c, "nginx", d, 1150 * MS));
    wp_digest_cache_free(c);
}
END_TEST

START_TEST(a_zero_ttl_caches_nothing)
{
    wp_digest_cache *c = wp_digest_cache_new(0, 0);
    char d[WP_PLUGIN_DIGEST_MAX];
    wp_digest_cache_put(c, "nginx", d1, 0);
    ck_assert(!wp_digest_cache_get(c, "nginx", d, 0));
    wp_digest_cache_free(c);
}
END_TEST

START_TEST(the_size_bound_drops_expired_entries_first)
{
    wp_digest_cache *c = wp_digest_cache_new(100, 3);
    char d[WP_PLUGIN_DIGEST_MAX];
    wp_digest_cache_put(c, "old", d1, 0);           /* expires at 100 ms */
    wp_digest_cache_put(c, "a", d1, 90 * MS);
    wp_digest_cache_put(c, "b", d1, 90 * MS);
    wp_digest_cache_put(c, "c", d2, 150 * MS);      /* full: "old" has expired and goes */
    ck_assert(wp_digest_cache_get(c, "a", d, 150 * MS));
    ck_assert(wp_digest_cache_get(c, "c", d, 150 * MS));
    wp_digest_cache_put(c, "d", d2, 160 * MS);      /* full, nothing expired: start over */
    ck_assert(!wp_digest_cache_get(c, "a", d, 160 * MS));
    ck_assert(wp_digest_cache_get(c, "d", d, 160 * MS));
    wp_digest_cache_free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("digest_cache");
    TCase *tc = tcase_create("cache");
    tcase_add_test(tc, entries_expire_after_the_ttl);
    tcase_add_test(tc, a_zero_ttl_caches_nothing);
    tcase_add_test(tc, the_size_bound_drops_expired_entries_first);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
