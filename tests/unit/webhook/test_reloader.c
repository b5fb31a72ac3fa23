/* The reload thread: reloads on its own, wakes on demand, and can be
 * stopped within a bound even while a reload is stuck (issue 7: a stuck
 * reload once made SIGTERM useless).
 * ctest-labels: tsan */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/rules_testing.h"
#include "webhook/reloader.h"
#include "webhook/x509_gen.h"

static char dir[64];
static char cert[128], key[128], config[128];
static wp_webhook_options opts;
static wp_live live;
static wp_webhook_metrics metrics;
static wp_reloader reloader;

static void write_config(long long replicas)
{
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s.tmp", config);
    FILE *f = fopen(tmp, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "maxPoolReplicas: %lld\n", replicas);
    fclose(f);
    ck_assert_int_eq(rename(tmp, config), 0);
}

static void write_pair(void)
{
    char err[256];
    EVP_PKEY *ca_key = wp_x509_new_key(), *leaf_key = wp_x509_new_key();
    X509 *ca = wp_x509_make_ca(ca_key, "test-ca", 1, err, sizeof err);
    const char *names[] = {"localhost"};
    wp_x509_leaf_spec spec = {.common_name = "localhost", .dns_names = names, .n_dns = 1, .days = 1};
    X509 *leaf = wp_x509_make_leaf(leaf_key, ca, ca_key, &spec, err, sizeof err);
    ck_assert_ptr_nonnull(leaf);
    ck_assert_int_eq(wp_x509_write_key(key, leaf_key, err, sizeof err), 0);
    ck_assert_int_eq(wp_x509_write_cert(cert, leaf, err, sizeof err), 0);
    X509_free(leaf);
    X509_free(ca);
    EVP_PKEY_free(leaf_key);
    EVP_PKEY_free(ca_key);
}

static long long live_replicas(void)
{
    wp_config *c = wp_live_config(&live);
    long long n = c->max_pool_replicas;
    wp_config_unref(c);
    return n;
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Waits up to ms for the live config to say replicas. */
static bool wait_replicas(long long replicas, long long ms)
{
    for (long long end = now_ms() + ms; now_ms() < end; usleep(5000))
        if (live_replicas() == replicas) return true;
    return live_replicas() == replicas;
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/wp-reloader-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(cert, sizeof cert, "%s/tls.crt", dir);
    snprintf(key, sizeof key, "%s/tls.key", dir);
    snprintf(config, sizeof config, "%s/rules.yaml", dir);
    write_pair();
    write_config(1);
    memset(&opts, 0, sizeof opts);
    opts.tls_cert_file = cert;
    opts.tls_key_file = key;
    opts.config = config;
    wp_live_init(&live);
    ck_assert_int_eq(wp_webhook_metrics_init(&metrics), 0);
    char err[512];
    ck_assert_int_eq(wp_reloader_init(&reloader, &opts, &live, &metrics, err, sizeof err), 0);
    ck_assert_int_eq(live_replicas(), 1);
}

static void teardown(void)
{
    wp_reloader_free(&reloader);
    wp_live_destroy(&live);
    wp_webhook_metrics_free(&metrics);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(the_thread_reloads_and_wakes_on_demand)
{
    ck_assert_int_eq(wp_reloader_start(&reloader, 20), 0);
    write_config(2);
    ck_assert(wait_replicas(2, 2000));
    ck_assert(wp_reloader_stop(&reloader, 1000));
    /* A long interval: only a wake makes it look now. */
    ck_assert_int_eq(wp_reloader_start(&reloader, 3600000), 0);
    usleep(100000); /* let it start waiting */
    write_config(3);
    usleep(100000);
    ck_assert_int_eq(live_replicas(), 2);
    wp_reloader_wake(&reloader);
    ck_assert(wait_replicas(3, 2000));
    ck_assert(wp_reloader_stop(&reloader, 1000));
}
END_TEST

/* The thread is held inside a reload (here: on the live lock, which the
 * test keeps). Stopping gives up after the bound instead of waiting, so
 * the process can exit; once the reload ends, the thread can be joined. */
START_TEST(stop_is_bounded_while_a_reload_is_stuck)
{
    ck_assert_int_eq(wp_reloader_start(&reloader, 20), 0);
    pthread_mutex_lock(&live.lock);
    write_config(4);
    usleep(500000); /* the thread has read the file and waits for the lock */
    long long start = now_ms();
    ck_assert(!wp_reloader_stop(&reloader, 200));
    long long took = now_ms() - start;
    ck_assert_int_ge(took, 190);
    ck_assert_int_lt(took, 1000);
    pthread_mutex_unlock(&live.lock);
    ck_assert(wp_reloader_stop(&reloader, 2000));
    ck_assert_int_eq(live_replicas(), 4);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reloader");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, the_thread_reloads_and_wakes_on_demand);
    tcase_add_test(tc, stop_is_bounded_while_a_reload_is_stuck);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
