/* Host overhead per plugin call: the same no-op hook called directly
 * through its descriptor and through the host (copy into a job, hand-off
 * to the instance's worker thread, deadline bookkeeping, containment
 * checks, metrics, hand-back), plus the digest cache's hit cost. Prints
 * numbers; not a test.
 *
 *   bench_plugin_host [calls]    (default 200000) */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "controller/plugin/plugin_host.h"
#include "controller/plugin/plugin_instance.h"
#include "controller/plugin/plugin_lib.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds the whole process used (all threads): robust against a
 * loaded machine, where wall-clock latency mostly measures the scheduler. */
static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    wp_plugin_host *h;
    long records;
} appender;

static void *append_records(void *arg)
{
    appender *a = arg;
    const char *rec = "{\"namespace\":\"ns\",\"kind\":\"claim\",\"name\":\"c-1\",\"event\":\"claimed\"}";
    wp_plugin_error err;
    for (long i = 0; i < a->records; i++) wp_plugin_host_history_append(a->h, rec, strlen(rec), &err);
    return NULL;
}

/* Records/s through a spool in a fresh directory, from `threads` threads. */
static double spool_rate(long records, int threads)
{
    char spool[] = "/tmp/wp-bench-spool-XXXXXX";
    if (!mkdtemp(spool)) return 0;
    char y[512];
    snprintf(y, sizeof y, "plugins:\n- {name: hs, kind: history-store, path: %s/history_memory.so, spool: %s}\n",
             WP_FIXTURE_DIR, spool);
    wp_plugin_error err;
    wp_plugin_host *h = wp_plugin_host_load_buffer(y, strlen(y), "bench", NULL, NULL, &err);
    double rate = 0;
    if (h) {
        pthread_t t[16];
        appender a = {h, records / threads};
        double t0 = now_s();
        for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, append_records, &a);
        for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
        wp_plugin_host_history_drain(h, 60000);
        rate = (double)(a.records * threads) / (now_s() - t0);
        wp_plugin_host_free(h);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", spool);
    if (system(cmd) != 0) perror("rm");
    return rate;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200000;
    wp_plugin_error err;
    wp_plugin_lib *lib = wp_plugin_lib_open("bench", WP_FIXTURE_DIR "/no_op.so", NULL, false, &err);
    if (!lib) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    /* Direct: what the plugin's own work costs. */
    const wp_plugin_hook_ops *ops = lib->desc.hook;
    wp_plugin_hook_event ev = {.struct_size = sizeof ev, .event = "ready", .namespace_ = "ns",
                               .sandbox = "sb", .pod_ip = "10.0.0.1", .claim = "",
                               .json = {"{}", 2}, .attempt = 1};
    char msgbuf[512];
    double t0 = now_s();
    for (long i = 0; i < n; i++) ops->on_event(NULL, &ev, (wp_plugin_msg){msgbuf, sizeof msgbuf});
    double direct = (now_s() - t0) / (double)n;

    wp_metrics *m = wp_metrics_new();
    wp_plugin_metrics pm;
    wp_plugin_metrics_register(&pm, m);
    wp_plugin_instance_spec spec = {.name = "bench", .lib = lib, .deadline_ms = 5000, .metrics = &pm};
    wp_plugin_instance *inst = wp_plugin_instance_start(&spec, &err);
    if (!inst) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    double *lat = malloc(sizeof *lat * (size_t)n);
    wp_plugin_call c;
    for (long i = 0; i < n / 10; i++) { /* warm up */
        c = (wp_plugin_call){.op = WP_PLUGIN_OP_HOOK, .event = "ready", .input = "{}", .input_len = 2};
        wp_plugin_instance_call(inst, &c);
    }
    t0 = now_s();
    double c0 = cpu_s();
    for (long i = 0; i < n; i++) {
        double a = now_s();
        c = (wp_plugin_call){.op = WP_PLUGIN_OP_HOOK, .event = "ready", .namespace_ = "ns", .sandbox = "sb",
                             .pod_ip = "10.0.0.1", .input = "{}", .input_len = 2};
        if (wp_plugin_instance_call(inst, &c) != WP_PLUGIN_OK) {
            fprintf(stderr, "call failed: %s\n", c.message);
            return 1;
        }
        lat[i] = now_s() - a;
    }
    double hosted = (now_s() - t0) / (double)n;
    double hosted_cpu = (cpu_s() - c0) / (double)n;
    qsort(lat, (size_t)n, sizeof *lat, cmp);
    wp_plugin_instance_stop(inst);
    wp_metrics_free(m);

    /* Digest cache hits. */
    const char *yaml = "plugins:\n- {name: r, kind: digest-resolver, path: " WP_FIXTURE_DIR "/resolver.so}\n";
    wp_plugin_host *h = wp_plugin_host_load_buffer(yaml, strlen(yaml), "bench", NULL, NULL, &err);
    if (!h) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    char digest[WP_PLUGIN_DIGEST_MAX];
    wp_plugin_host_resolve_digest(h, "registry.example/team/app:1.2.3", digest, &err);
    t0 = now_s();
    for (long i = 0; i < n; i++) wp_plugin_host_resolve_digest(h, "registry.example/team/app:1.2.3", digest, &err);
    double hit = (now_s() - t0) / (double)n;
    wp_plugin_host_free(h);

    long records = n / 20;
    double spool1 = spool_rate(records, 1), spool8 = spool_rate(records, 8);

    printf("plugin calls: %ld (no-op hook)\n", n);
    printf("  direct call          %8.3f us\n", direct * 1e6);
    printf("  through the host     %8.3f us  (p50 %.3f, p99 %.3f, p99.9 %.3f us)\n", hosted * 1e6,
           lat[n / 2] * 1e6, lat[n * 99 / 100] * 1e6, lat[n * 999 / 1000] * 1e6);
    printf("  host overhead        %8.3f us per call (wall, mean)\n", (hosted - direct) * 1e6);
    printf("  host CPU per call    %8.3f us (both threads, spinning included)\n", hosted_cpu * 1e6);
    printf("digest cache hit       %8.3f us per resolution\n", hit * 1e6);
    printf("history spool          %8.0f records/s from 1 thread, %.0f from 8 (fdatasync'ed, delivered; %ld records)\n",
           spool1, spool8, records);
    free(lat);
    return 0;
}
