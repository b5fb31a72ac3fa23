/* history-sqlite through the plugin host: inserts per second in the host's
 * batches of 1000 records (each batch one append call, one transaction),
 * then the latency of one claim's query (5 records per claim) over all of
 * them. Prints numbers, never pass/fail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "controller/plugin/plugin_host.h"

#define BATCH 1000
#define PER_CLAIM 5
#define QUERIES 2000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of the whole process (the host's worker thread included): on
 * a shared machine this, not the wall clock, says what the store costs. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Record i: claim i / PER_CLAIM, in 20 namespaces and 50 pools, one ms apart. */
static size_t record(char *p, size_t cap, long i)
{
    long t = 1765000000000L + i;
    return (size_t)snprintf(p, cap,
                            "{\"time\":\"2026-12-%02ldT%02ld:%02ld:%02ld.%03ldZ\",\"namespace\":\"ns-%ld\",\"kind\":\"claim\","
                            "\"name\":\"c-%ld\",\"event\":\"claimed\",\"pool\":\"pool-%ld\",\"claim\":\"c-%ld\","
                            "\"sandbox\":\"s-%ld\",\"warm\":true,\"latencyMs\":%ld,\"id\":\"id-%ld\"}",
                            1 + (t / 86400000) % 28, (t / 3600000) % 24, (t / 60000) % 60, (t / 1000) % 60, t % 1000,
                            i % 20, i / PER_CLAIM, i % 50, i / PER_CLAIM, i, i % 100, i);
}

static double insert_all(wp_plugin_host *h, long n, double *cpu)
{
    size_t cap = (size_t)BATCH * 400;
    char *buf = malloc(cap);
    wp_plugin_error err;
    double t0 = now_s(), c0 = cpu_s();
    for (long i = 0; i < n;) {
        size_t len = 0;
        buf[len++] = '[';
        for (int k = 0; k < BATCH && i < n; k++, i++) {
            if (k) buf[len++] = ',';
            len += record(buf + len, cap - len, i);
        }
        buf[len++] = ']';
        if (wp_plugin_host_history_append_batch(h, buf, len, &err) != 0) {
            fprintf(stderr, "append: %s\n", err.message);
            exit(1);
        }
    }
    free(buf);
    *cpu = cpu_s() - c0;
    return now_s() - t0;
}

static void query_latency(wp_plugin_host *h, long n)
{
    static double lat[QUERIES];
    wp_plugin_error err;
    srand(1);
    for (int q = 0; q < QUERIES; q++) {
        char filter[128];
        int len = snprintf(filter, sizeof filter, "{\"namespace\":\"ns-%d\",\"claim\":\"c-%ld\"}", 0,
                           (long)rand() % (n / PER_CLAIM));
        /* the claim's records are in several namespaces; ask by claim only too */
        if (q % 2) len = snprintf(filter, sizeof filter, "{\"claim\":\"c-%ld\"}", (long)rand() % (n / PER_CLAIM));
        char *out = NULL;
        size_t out_len;
        double t0 = now_s();
        if (wp_plugin_host_history_query(h, filter, (size_t)len, &out, &out_len, &err) != 0) {
            fprintf(stderr, "query: %s\n", err.message);
            exit(1);
        }
        lat[q] = (now_s() - t0) * 1e3;
        free(out);
    }
    qsort(lat, QUERIES, sizeof *lat, cmp_double);
    printf("query one claim's records over %ld records: p50 %.3f ms, p99 %.3f ms, max %.3f ms (%d queries)\n", n,
           lat[QUERIES / 2], lat[QUERIES * 99 / 100], lat[QUERIES - 1], QUERIES);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    if (n < PER_CLAIM) n = PER_CLAIM;
    char dir[] = "/tmp/wp-bench-history-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char conf[1024];
    snprintf(conf, sizeof conf,
             "{\"plugins\":[{\"name\":\"history\",\"kind\":\"history-store\",\"path\":\"%s/history_sqlite.so\","
             "\"deadline\":\"60s\",\"config\":{\"path\":\"%s/h.db\",\"retention\":0,\"max_records\":0}}]}",
             WP_PLUGIN_DIR, dir);
    wp_plugin_error err;
    wp_plugin_host *h = wp_plugin_host_load_buffer(conf, strlen(conf), "bench", NULL, NULL, &err);
    if (!h) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    double cpu, s = insert_all(h, n, &cpu);
    printf("inserts: %ld records in %.2f s = %.0f records/s wall, %.0f records/CPU-s (batches of %d, one "
           "transaction each, WAL)\n", n, s, (double)n / s, (double)n / cpu, BATCH);
    query_latency(h, n);
    wp_plugin_host_free(h);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
