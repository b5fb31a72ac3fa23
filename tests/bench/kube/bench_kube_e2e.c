/* The client end to end against the test API server (a Python process: its
 * speed bounds most numbers; they compare approaches more than they rate
 * the client). Prints numbers; not a test.
 *
 *   1. GET requests/s over 1..8 threads with the pooled HTTP/1.1 client,
 *      and with a new connection (full TLS handshake) per request;
 *   2. the time to list and sync N Pods through an informer, and the
 *      informer's heap per Pod;
 *   3. watch events/s end to end: N more Pods created in bulk, measured
 *      until the informer's cache holds them all.
 *
 *   WP_APISERVER=tests/apiserver/apiserver.py build/bin/bench_kube_e2e [pods] [seconds]
 *   (defaults: 100000 pods, 2 seconds per request measurement) */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/kube/informer.h"
#include "controller/kube/kube_time.h"
#include "harness.h"
#include "objects.h"

static wpt_apiserver srv;

typedef struct {
    wp_kube_client *shared; /* NULL: a new client per request */
    double until;
    unsigned long done, failed;
} getter;

static void *get_loop(void *p)
{
    getter *g = p;
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    while (wp_kube_monotonic() < g->until) {
        wp_kube_client_opts o = {.qps = -1};
        wp_kube_client *c = g->shared ? g->shared : wpt_client(&srv, &o);
        json_t *ns = wp_kube_get(c, wp_kube_kind_get(WP_KIND_NAMESPACE), NULL, "default", &err);
        if (ns) g->done++;
        else g->failed++;
        json_decref(ns);
        if (!g->shared) wp_kube_client_free(c);
    }
    wp_kube_error_clear(&err);
    return NULL;
}

static void requests_per_second(double seconds)
{
    int threads[] = {1, 2, 4, 8};
    for (int reuse = 1; reuse >= 0; reuse--) {
        for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
            wp_kube_client_opts o = {.qps = -1};
            wp_kube_client *c = reuse ? wpt_client(&srv, &o) : NULL;
            getter g[8];
            pthread_t th[8];
            double start = wp_kube_monotonic();
            for (int i = 0; i < threads[t]; i++) {
                g[i] = (getter){c, start + seconds, 0, 0};
                pthread_create(&th[i], NULL, get_loop, &g[i]);
            }
            unsigned long done = 0, failed = 0;
            for (int i = 0; i < threads[t]; i++) {
                pthread_join(th[i], NULL);
                done += g[i].done;
                failed += g[i].failed;
            }
            double took = wp_kube_monotonic() - start;
            wp_kube_client_stats st = {0};
            if (c) wp_kube_client_stats_get(c, &st);
            printf("GET %-22s threads %d: %7.0f req/s  (%lu failed, %lu connections)\n",
                   reuse ? "pooled HTTP/1.1" : "new TLS conn/request", threads[t], done / took, failed,
                   reuse ? st.connections : done + failed);
            fflush(stdout);
            wp_kube_client_free(c);
        }
    }
}

/* Creates n realistic Pods in ns named <prefix><i>, in bulk requests. */
static void seed_pods(const char *ns, const char *prefix, int n)
{
    char *buf = malloc(16384);
    bench_pod_json(buf, 16384, ns, 0, 1);
    json_t *tmpl = json_loads(buf, 0, NULL);
    free(buf);
    json_t *meta = json_object_get(tmpl, "metadata");
    /* the server assigns these; an owner that does not exist would be
     * garbage-collected away */
    json_object_del(meta, "uid");
    json_object_del(meta, "resourceVersion");
    json_object_del(meta, "ownerReferences");
    json_object_del(meta, "managedFields");
    for (int done = 0; done < n;) {
        int chunk = n - done < 5000 ? n - done : 5000;
        char prefix_i[64];
        snprintf(prefix_i, sizeof prefix_i, "%s%d-", prefix, done / 5000);
        json_t *body = json_pack("{s:{s:s, s:s, s:i, s:s, s:O}}", "generate", "kind", "Pod", "namespace", ns,
                                 "count", chunk, "namePrefix", prefix_i, "template", tmpl);
        char *text = json_dumps(body, JSON_COMPACT);
        wpt_control_do(&srv, "bulk", text);
        free(text);
        json_decref(body);
        done += chunk;
    }
    json_decref(tmpl);
}

typedef struct {
    wp_informer *inf;
    size_t want;
} count_goal;

static bool store_has(void *ctx)
{
    count_goal *g = ctx;
    return wp_store_len(wp_informer_store(g->inf)) >= g->want;
}

static const wp_store_index pod_indexes[] = {
    {"namespace", WP_STORE_INDEX_NAMESPACE, NULL},
    {"owner", WP_STORE_INDEX_OWNER_UID, NULL},
    {"pool", WP_STORE_INDEX_LABEL, "agents.x-k8s.io/warm-pool-sandbox"},
};

static void list_and_watch(int pods)
{
    wp_kube_client_opts o = {.qps = -1};
    wp_kube_client *c = wpt_client(&srv, &o);
    wpt_namespace(c, "bench");
    double s0 = wp_kube_monotonic();
    seed_pods("bench", "p", pods);
    printf("seeded %d Pods in %.1f s (server-side bulk create)\n", pods, wp_kube_monotonic() - s0);
    fflush(stdout);

    /* the same list without gzip: what compression costs or saves here */
    wp_kube_client_opts plain_opts = {.qps = -1, .disable_compression = true};
    wp_kube_client *plain = wpt_client(&srv, &plain_opts);
    wp_informer_config plain_cfg = {.kind = wp_kube_kind_get(WP_KIND_POD), .namespace = "bench",
                                    .store = {pod_indexes, 3, wp_store_pod_fields, NULL}, .page_size = 500};
    wp_informer *pinf = wp_informer_new(plain, &plain_cfg);
    double p0 = wp_kube_monotonic();
    wp_informer_start(pinf);
    wp_informer_wait_synced(pinf, 3600);
    printf("list+sync %d Pods without gzip: %.2f s\n", pods, wp_kube_monotonic() - p0);
    wp_informer_free(pinf);
    wp_kube_client_free(plain);

    malloc_trim(0);
    size_t heap0 = mallinfo2().uordblks;
    wp_informer_config cfg = {.kind = wp_kube_kind_get(WP_KIND_POD), .namespace = "bench",
                              .store = {pod_indexes, 3, wp_store_pod_fields, NULL}, .page_size = 500};
    wp_informer *inf = wp_informer_new(c, &cfg);
    double t0 = wp_kube_monotonic();
    wp_informer_start(inf);
    if (!wp_informer_wait_synced(inf, 3600)) printf("informer did not sync\n");
    double synced = wp_kube_monotonic() - t0;
    malloc_trim(0);
    size_t heap = mallinfo2().uordblks - heap0;
    printf("list+sync %d Pods with gzip: %.2f s (%.0f Pods/s), informer heap %zu B/Pod\n", pods, synced, pods / synced,
           heap / (size_t)(pods ? pods : 1));
    fflush(stdout);

    int more = pods / 10 > 1000 ? pods / 10 : 1000;
    count_goal goal = {inf, (size_t)pods + (size_t)more};
    double w0 = wp_kube_monotonic();
    seed_pods("bench", "w", more);
    wpt_eventually(600, store_has, &goal);
    double took = wp_kube_monotonic() - w0;
    wp_informer_stats st;
    wp_informer_stats_get(inf, &st);
    printf("watch: %d ADDED events in %.2f s end to end: %.0f events/s (server bulk create included)\n", more,
           took, more / took);
    wp_informer_free(inf);
    wp_kube_client_free(c);
}

int main(int argc, char **argv)
{
    int pods = argc > 1 ? atoi(argv[1]) : 100000;
    double seconds = argc > 2 ? atof(argv[2]) : 2;
    const char *args[] = {"--watch-history", "1000000", NULL};
    wpt_apiserver_start(&srv, args);
    requests_per_second(seconds);
    list_and_watch(pods);
    wpt_apiserver_stop(&srv);
    return 0;
}
