/* Adoption candidates: FIFO per namespace/pool, node spreading, moves
 * between pools and nodes, removal, and many threads taking at once
 * (every member handed out exactly once).
 *
 * ctest-labels: tsan */
#include "ctl_testing.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/candidates.h"

static void assert_take(wp_candidates *c, const char *pool, const char *want, const char *want_node)
{
    char *node = NULL;
    char *got = wp_candidates_take(c, "ns", pool, &node);
    if (!want) {
        ck_assert_ptr_null(got);
        return;
    }
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, want);
    ck_assert_str_eq(node, want_node);
    free(got);
    free(node);
}

START_TEST(unscheduled_members_come_out_oldest_first)
{
    wp_candidates *c = wp_candidates_new();
    wp_candidates_put(c, "ns", "p", "a", NULL);
    wp_candidates_put(c, "ns", "p", "b", "");
    wp_candidates_put(c, "ns", "p", "c", NULL);
    wp_candidates_put(c, "ns", "p", "a", NULL); /* again: keeps its place */
    wp_candidates_put(c, "other", "p", "z", NULL);
    ck_assert_uint_eq(wp_candidates_len(c, "ns", "p"), 3);
    assert_take(c, "p", "a", "");
    assert_take(c, "p", "b", "");
    assert_take(c, "p", "c", "");
    assert_take(c, "p", NULL, NULL);
    ck_assert_uint_eq(wp_candidates_len(c, "other", "p"), 1);
    wp_candidates_free(c);
}
END_TEST

START_TEST(scheduled_members_spread_over_the_fullest_node)
{
    wp_candidates *c = wp_candidates_new();
    wp_candidates_put(c, "ns", "p", "u1", NULL);
    wp_candidates_put(c, "ns", "p", "n1-a", "node-1");
    wp_candidates_put(c, "ns", "p", "n2-a", "node-2");
    wp_candidates_put(c, "ns", "p", "n2-b", "node-2");
    wp_candidates_put(c, "ns", "p", "n1-b", "node-1");
    wp_candidates_put(c, "ns", "p", "n2-c", "node-2");
    assert_take(c, "p", "n2-a", "node-2"); /* node-2 has 3 */
    assert_take(c, "p", "n1-a", "node-1"); /* 2 and 2: node-1's head is older */
    assert_take(c, "p", "n2-b", "node-2");
    assert_take(c, "p", "n1-b", "node-1");
    assert_take(c, "p", "n2-c", "node-2");
    assert_take(c, "p", "u1", "");          /* only then the unscheduled */
    wp_candidates_free(c);
}
END_TEST

START_TEST(gaining_a_node_keeps_the_place_changing_pool_moves_to_the_end)
{
    wp_candidates *c = wp_candidates_new();
    wp_candidates_put(c, "ns", "p", "a", NULL);
    wp_candidates_put(c, "ns", "p", "b", "node-1");
    wp_candidates_put(c, "ns", "p", "a", "node-1"); /* a is older than b on node-1 */
    assert_take(c, "p", "a", "node-1");
    wp_candidates_put(c, "ns", "p", "c", NULL);
    wp_candidates_put(c, "ns", "q", "b", NULL); /* b moves to pool q */
    ck_assert_uint_eq(wp_candidates_len(c, "ns", "p"), 1);
    assert_take(c, "q", "b", "");
    wp_candidates_remove(c, "ns", "c");
    wp_candidates_remove(c, "ns", "missing");
    ck_assert_uint_eq(wp_candidates_len(c, "ns", "p"), 0);
    wp_candidates_put(c, "ns", "p", "d", "n");
    wp_candidates_put(c, "ns", "p", "e", NULL);
    wp_candidates_put(c, "ns", "q", "f", NULL);
    wp_candidates_remove_pool(c, "ns", "p");
    ck_assert_uint_eq(wp_candidates_len(c, "ns", "p"), 0);
    ck_assert_uint_eq(wp_candidates_len(c, "ns", "q"), 1);
    wp_candidates_put(c, "ns", "p", "d", NULL); /* forgotten: comes back fresh */
    assert_take(c, "p", "d", "");
    wp_candidates_free(c);
}
END_TEST

#define MEMBERS 2000
#define THREADS 8

static wp_candidates *shared;
static int taken[MEMBERS];
static pthread_mutex_t taken_mu = PTHREAD_MUTEX_INITIALIZER;

static void *taker(void *arg)
{
    (void)arg;
    char *name;
    while ((name = wp_candidates_take(shared, "ns", "p", NULL))) {
        int i = atoi(name + 1);
        pthread_mutex_lock(&taken_mu);
        taken[i]++;
        pthread_mutex_unlock(&taken_mu);
        free(name);
    }
    return NULL;
}

START_TEST(concurrent_takers_get_each_member_exactly_once)
{
    shared = wp_candidates_new();
    char name[16], node[16];
    for (int i = 0; i < MEMBERS; i++) {
        snprintf(name, sizeof name, "m%d", i);
        snprintf(node, sizeof node, "node-%d", i % 7);
        wp_candidates_put(shared, "ns", "p", name, i % 3 ? node : NULL);
    }
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, taker, NULL);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < MEMBERS; i++) ck_assert_int_eq(taken[i], 1);
    wp_candidates_free(shared);
}
END_TEST

CT_MAIN("candidates",
        unscheduled_members_come_out_oldest_first,
        scheduled_members_spread_over_the_fullest_node,
        gaining_a_node_keeps_the_place_changing_pool_moves_to_the_end,
        concurrent_takers_get_each_member_exactly_once)
