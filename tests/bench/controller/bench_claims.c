/* A burst of claims on a warm pool, end to end against the test API server
 * (not a test: prints numbers).
 *
 *   WP_APISERVER=tests/apiserver/apiserver.py build/bin/bench_claims [members] [claims] [--lean]
 *
 * The claim reconciler runs in this process (the manager with only
 * "claim", 50 workers), so its own cost is measurable apart from the API
 * server's: a pool of `members` Ready warm Sandboxes is seeded (bulk create
 * + a status patch each), then `claims` claims are created in one bulk
 * request, and the clock stops when the cache shows every claim Ready.
 * Reported:
 *   - warm claims bound per second, end to end (bulk create → all Ready in
 *     the controller's cache);
 *   - the controller's own latency per claim (claim watch event received →
 *     Ready status write sent), p50 / p99 / max;
 *   - API writes per claim and 409s per claim, counted at the API server
 *     (its request log, events excluded) and by the controller;
 *   - CPU seconds of this process (the controller) per 1,000 claims;
 *   - peak RSS of this process.
 * --lean runs with --disable-claim-observability-annotations (no deferred
 * claim annotation patch). With WP_BENCH_PLUGIN_CONFIG=FILE the plugin host
 * is loaded from FILE (e.g. a history-sqlite store with a spool), so the
 * cost of the history records on the claim path shows against a run
 * without. */
#include <jansson.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "controller/claim.h"
#include "controller/keys.h"
#include "controller/kube/kube_time.h"
#include "controller/manager.h"
#include "controller/metrics.h"
#include "controller/naming.h"
#include "harness.h"
#ifdef WP_HAVE_PLUGINS
#include "controller/plugin/plugin_host.h"
#endif

#define NS "bench"

static wpt_apiserver srv;
static wp_kube_client *client;
static int n_members;

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static long peak_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Resident set now (VmRSS), in KiB: the seeding's transient JSON inflates
 * the peak, not this. */
static long rss_now_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
    if (f) fclose(f);
    return kib;
}

static void post_bulk(json_t *objects)
{
    json_t *body = json_pack("{s:o}", "objects", objects);
    char *text = json_dumps(body, JSON_COMPACT);
    wpt_control_do(&srv, "bulk", text);
    free(text);
    json_decref(body);
}

static json_t *pool_uid_seed(void)
{
    json_t *t = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:{s:{s:[{s:s, s:s}]}}}}", "apiVersion", WP_API_EXTENSIONS,
                          "kind", "SandboxTemplate", "metadata", "name", "tmpl", "namespace", NS, "spec",
                          "podTemplate", "spec", "containers", "name", "main", "image", "busybox:1.36");
    json_t *p = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:i, s:{s:s}}}", "apiVersion", WP_API_EXTENSIONS, "kind",
                          "SandboxWarmPool", "metadata", "name", "pool", "namespace", NS, "spec", "replicas", 0,
                          "sandboxTemplateRef", "name", "tmpl");
    wp_kube_error err = {0};
    json_decref(wp_kube_create(client, wp_kube_kind_get(WP_KIND_SANDBOX_TEMPLATE), NS, t, &err));
    json_t *created = wp_kube_create(client, wp_kube_kind_get(WP_KIND_SANDBOX_WARM_POOL), NS, p, &err);
    json_decref(t);
    json_decref(p);
    if (!created) {
        fprintf(stderr, "pool create failed: %s\n", err.message);
        exit(1);
    }
    return created;
}

/* Bulk-creates members [from, to) (the control API takes 3 MiB a request). */
static void seed_range(const json_t *pool, int from, int to);

static void seed_members(const json_t *pool)
{
    for (int i = 0; i < n_members; i += 2000) seed_range(pool, i, i + 2000 < n_members ? i + 2000 : n_members);
}

static void seed_range(const json_t *pool, int from, int to)
{
    char pool_hash[WP_NAMING_HASH_LEN], tmpl_hash[WP_NAMING_HASH_LEN];
    wp_naming_hash("pool", pool_hash);
    wp_naming_hash("tmpl", tmpl_hash);
    const char *uid = json_string_value(json_object_get(json_object_get(pool, "metadata"), "uid"));
    json_t *objs = json_array();
    for (int i = from; i < to; i++) {
        char name[32];
        snprintf(name, sizeof name, "pool-%05d", i);
        json_array_append_new(
            objs, json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s, s:s}, s:{s:s}, s:[{s:s, s:s, s:s, s:s, s:b, s:b}]},"
                            " s:{s:{s:{s:{s:s, s:s}}, s:{s:[{s:s, s:s}]}}}}",
                            "apiVersion", WP_API_SANDBOX, "kind", "Sandbox", "metadata", "name", name, "namespace",
                            NS, "labels", WP_LABEL_WARM_POOL_SANDBOX, pool_hash, WP_LABEL_TEMPLATE_REF_HASH,
                            tmpl_hash, WP_LABEL_LAUNCH_TYPE, WP_LAUNCH_WARM, "annotations", WP_ANNOT_TEMPLATE_REF,
                            "tmpl", "ownerReferences", "apiVersion", WP_API_EXTENSIONS, "kind", "SandboxWarmPool",
                            "name", "pool", "uid", uid, "controller", 1, "blockOwnerDeletion", 1, "spec",
                            "podTemplate", "metadata", "labels", WP_LABEL_WARM_POOL_SANDBOX, pool_hash,
                            WP_LABEL_TEMPLATE_REF_HASH, tmpl_hash, "spec", "containers", "name", "main", "image",
                            "busybox:1.36"));
    }
    post_bulk(objs);
}

static void *ready_members(void *arg)
{
    int part = (int)(long)arg;
    char now[WP_KUBE_TIME_LEN];
    wp_kube_time_format(wp_kube_wallclock(), now);
    for (int i = part; i < n_members; i += 8) {
        char name[32], ip[32];
        snprintf(name, sizeof name, "pool-%05d", i);
        snprintf(ip, sizeof ip, "10.%d.%d.%d", 1 + i / 65536, (i / 256) % 256, i % 256);
        json_t *patch = json_pack("{s:{s:[{s:s, s:s, s:s, s:s, s:s, s:i}], s:[s], s:s}}", "status", "conditions",
                                  "type", "Ready", "status", "True", "reason", "DependenciesReady", "message",
                                  "Pod is Ready", "lastTransitionTime", now, "observedGeneration", 1, "podIPs", ip,
                                  "nodeName", i % 4 == 0 ? "node-0" : i % 4 == 1 ? "node-1" : i % 4 == 2 ? "node-2" : "node-3");
        wp_kube_error err = {0};
        json_t *out = wp_kube_patch(client, wp_kube_kind_get(WP_KIND_SANDBOX), NS, name, "status",
                                    WP_KUBE_PATCH_MERGE, patch, &err);
        if (!out) fprintf(stderr, "status of %s: %s\n", name, err.message);
        json_decref(out);
        json_decref(patch);
    }
    return NULL;
}

/* Objects in one of the controller's caches whose JSON contains needle. */
static size_t cached_with(wp_ctl *ctl, wp_cache_id cache, const char *needle)
{
    size_t n = 0, count = 0, len;
    wp_store_item **items = wp_store_list(ctl->stores[cache], &n);
    for (size_t i = 0; i < n; i++)
        if (strstr(wp_store_item_raw(items[i], &len), needle)) count++;
    wp_store_items_free(items, n);
    return count;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Writes and 409s the API server logged since the last clear (events,
 * leases and /_test/ excluded). */
static long all_requests;

static void count_requests(long *writes, long *conflicts, long *by_kind_claim_status, long *by_kind_claim,
                           long *by_kind_sandbox)
{
    wp_kube_response resp = {0};
    wp_kube_error err = {0};
    *writes = *conflicts = *by_kind_claim_status = *by_kind_claim = *by_kind_sandbox = 0;
    if (wp_kube_request(srv.ctl, "GET", "/_test/requests", NULL, NULL, 0, &resp, &err) != WP_KUBE_OK) {
        free(resp.body);
        return;
    }
    json_t *doc = json_loads(resp.body, 0, NULL);
    free(resp.body);
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(doc, "requests"), i, r) {
        const char *m = json_string_value(json_object_get(r, "method"));
        const char *p = json_string_value(json_object_get(r, "path"));
        const char *ua = json_string_value(json_object_get(r, "userAgent"));
        if (m && p && strncmp(p, "/_test", 6) != 0) all_requests++;
        if (!m || !p || strcmp(m, "GET") == 0 || strstr(p, "/events") || strstr(p, "/leases")) continue;
        if (!ua || strncmp(ua, "warmpool", 8) != 0) continue;
        (*writes)++;
        if (json_integer_value(json_object_get(r, "code")) == 409) (*conflicts)++;
        if (strstr(p, "/sandboxclaims/") && strstr(p, "/status")) (*by_kind_claim_status)++;
        else if (strstr(p, "/sandboxclaims/")) (*by_kind_claim)++;
        else if (strstr(p, "/sandboxes")) (*by_kind_sandbox)++;
    }
    json_decref(doc);
}

int main(int argc, char **argv)
{
    n_members = argc > 1 ? atoi(argv[1]) : 1000;
    int n_claims = argc > 2 ? atoi(argv[2]) : 1000;
    bool lean = argc > 3 && strcmp(argv[3], "--lean") == 0;
    if (!getenv("MALLOC_ARENA_MAX")) mallopt(M_ARENA_MAX, 2); /* as warmpool-controller's main does */
    const char *args[] = {"--watch-history", "200000", NULL};
    wpt_apiserver_start(&srv, args);
    wp_kube_client_opts copts = {.qps = -1, .burst = 1000};
    client = wpt_client(&srv, &copts);
    wpt_namespace(client, NS);

    wp_metrics *reg = wp_metrics_new();
    wp_manager_config cfg = {.client = client, .controllers = 1u << WP_CTL_CLAIM, .registry = reg};
    cfg.opts.disable_claim_observability = lean;
    struct wp_plugin_host *plugins = NULL;
    const char *plugin_config = getenv("WP_BENCH_PLUGIN_CONFIG");
#ifdef WP_HAVE_PLUGINS
    if (plugin_config && *plugin_config) {
        wp_plugin_host_options po = {.metrics = reg};
        wp_plugin_error pe = {0};
        plugins = wp_plugin_host_load(plugin_config, &po, &pe);
        if (!plugins) {
            fprintf(stderr, "plugins: %s\n", pe.message);
            return 1;
        }
        cfg.plugins = plugins;
    }
#endif
    char err[256];
    wp_manager *m = wp_manager_new(&cfg, err, sizeof err);
    if (!m || wp_manager_start(m, err, sizeof err) != 0) {
        fprintf(stderr, "manager: %s\n", err);
        return 1;
    }
    wp_ctl *ctl = wp_manager_ctl(m);
    while (!wp_manager_synced(m)) usleep(10000);

    json_t *pool = pool_uid_seed();
    double s0 = wp_kube_monotonic();
    seed_members(pool);
    pthread_t t[8];
    for (long i = 0; i < 8; i++) pthread_create(&t[i], NULL, ready_members, (void *)i);
    for (int i = 0; i < 8; i++) pthread_join(t[i], NULL);
    while (cached_with(ctl, WP_CACHE_SANDBOX, "\"podIPs\"") < (size_t)n_members) usleep(10000);
    printf("seeded %d Ready members in %.2f s\n", n_members, wp_kube_monotonic() - s0);
    json_decref(pool);
    usleep(200000);

    wpt_control_do(&srv, "requests/clear", NULL);
    unsigned long long w0c = 0, w0 = wp_ctl_metrics_writes_total(ctl->metrics, &w0c);
    double cpu0 = cpu_seconds(), t0 = wp_kube_monotonic();
    json_t *claims = json_array();
    for (int i = 0; i < n_claims; i++) {
        char name[32];
        snprintf(name, sizeof name, "claim-%05d", i);
        json_array_append_new(claims, json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:{s:s}}}", "apiVersion",
                                                WP_API_EXTENSIONS, "kind", "SandboxClaim", "metadata", "name", name,
                                                "namespace", NS, "spec", "warmPoolRef", "name", "pool"));
    }
    double b0 = wp_kube_monotonic();
    post_bulk(claims);
    double bulk = wp_kube_monotonic() - b0;
    size_t want = (size_t)(n_claims < n_members ? n_claims : n_members);
    while (cached_with(ctl, WP_CACHE_CLAIM, "\"reason\":\"DependenciesReady\"") < want) usleep(2000);
    double t1 = wp_kube_monotonic(), cpu1 = cpu_seconds();
    wp_claim_stats st;
    wp_claim_stats_get(ctl->recs[WP_CTL_CLAIM], &st);
    /* let the deferred annotation writes land before counting */
    usleep(lean ? 300000 : 1500000);
    double cpu2 = cpu_seconds();
    unsigned long long w1c = 0, w1 = wp_ctl_metrics_writes_total(ctl->metrics, &w1c);

    double *lat = calloc((size_t)n_claims, sizeof *lat), *own = calloc((size_t)n_claims, sizeof *own);
    size_t n = wp_claim_latencies(ctl->recs[WP_CTL_CLAIM], lat, own, (size_t)n_claims);
    qsort(lat, n, sizeof *lat, cmp_double);
    qsort(own, n, sizeof *own, cmp_double);
    long writes, conflicts, cs, cm, sb;
    count_requests(&writes, &conflicts, &cs, &cm, &sb);

    printf("burst: %d claims on %d Ready members (%s%s%s), 50 workers, 2 shared cores\n", n_claims, n_members,
           lean ? "--disable-claim-observability-annotations" : "default: annotations deferred",
           plugins ? ", plugins: " : "", plugins ? plugin_config : "");
    printf("  bulk create of the claims (API server): %.3f s\n", bulk);
    printf("  warm claims bound, end to end: %zu in %.3f s = %.0f claims/s\n", want, t1 - t0, (double)want / (t1 - t0));
    if (n)
        printf("  controller latency (watch event -> Ready status write sent): p50 %.2f ms, p99 %.2f ms, max %.2f ms "
               "(%zu claims)\n",
               lat[n / 2] * 1e3, lat[(size_t)((double)n * 0.99)] * 1e3, lat[n - 1] * 1e3, n);
    if (n)
        printf("  controller's own time per claim (worker busy, API round trips excluded): p50 %.3f ms, p99 %.3f ms\n",
               own[n / 2] * 1e3, own[(size_t)((double)n * 0.99)] * 1e3);
    printf("  API writes per claim (API server log): %.2f (sandbox patches %ld, claim status %ld, claim metadata %ld)\n",
           (double)writes / n_claims, sb, cs, cm);
    printf("  409s per claim: %.3f (API server) / %.3f (controller)\n", (double)conflicts / n_claims,
           (double)(w1c - w0c) / n_claims);
    printf("  writes per claim counted by the controller: %.2f\n", (double)(w1 - w0) / n_claims);
    printf("  controller CPU: %.2f s per 1,000 claims until all Ready (%.2f s incl. deferred writes)\n",
           (cpu1 - cpu0) * 1000.0 / n_claims, (cpu2 - cpu0) * 1000.0 / n_claims);
    printf("  API server: %ld requests answered (events and watches included) in %.2f s after the burst began\n",
           all_requests, (t1 - t0) + (lean ? 0.3 : 1.5));
    printf("  RSS of this process: %.1f MiB after the burst (%zu Sandboxes, %zu claims cached); peak %.1f MiB "
           "(seeding included)\n",
           rss_now_kib() / 1024.0, wp_store_len(ctl->stores[WP_CACHE_SANDBOX]), wp_store_len(ctl->stores[WP_CACHE_CLAIM]),
           peak_rss_kib() / 1024.0);
    printf("  claim stats: warm %lu, cold %lu, adoption patches %lu (409 %lu), status writes %lu (409 %lu), "
           "annotation writes %lu\n",
           st.warm, st.cold, st.adoption_patches, st.adoption_conflicts, st.status_writes, st.status_conflicts,
           st.annotation_writes);
    free(lat);
    free(own);
    wp_manager_free(m);
#ifdef WP_HAVE_PLUGINS
    if (plugins) {
        double d0 = wp_kube_monotonic();
        bool drained = wp_plugin_host_history_drain(plugins, 30000);
        printf("  history spool delivered to the store %s %.2f s after the burst's end\n",
               drained ? "in" : "NOT within", wp_kube_monotonic() - d0);
        wp_plugin_host_free(plugins);
    }
#endif
    wp_metrics_free(reg);
    wp_kube_client_free(client);
    wpt_apiserver_stop(&srv);
    return 0;
}
