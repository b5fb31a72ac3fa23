/* Sizing the automatic connection limit from descriptors and memory. */
#include <check.h>
#include <stdlib.h>

#include "../common/rules_testing.h"
#include "webhook/conn_limit.h"

START_TEST(descriptors_bound_the_limit)
{
    ck_assert_uint_eq(wp_connection_limit_auto(1024, 0), 1024 - WP_RESERVED_FDS);
    ck_assert_uint_eq(wp_connection_limit_auto(20000, 0), 20000 - WP_RESERVED_FDS);
    ck_assert_uint_eq(wp_connection_limit_auto(1048576, 0), WP_AUTO_MAX_CONNECTIONS);
    ck_assert_uint_eq(wp_connection_limit_auto(10, 0), 16);
}
END_TEST

START_TEST(memory_bounds_the_limit)
{
    /* 256 MiB: (256 - 96) MiB / 16 KiB = 10240 connections. */
    ck_assert_uint_eq(wp_connection_limit_auto(1048576, 256ULL << 20), 10240);
    /* Below the reserve: still a few. */
    ck_assert_uint_eq(wp_connection_limit_auto(1048576, 64ULL << 20), 64);
    /* Plenty of memory: the descriptors decide. */
    ck_assert_uint_eq(wp_connection_limit_auto(5000, 64ULL << 30), 5000 - WP_RESERVED_FDS);
}
END_TEST

TEST_MAIN("conn_limit", descriptors_bound_the_limit, memory_bounds_the_limit)
