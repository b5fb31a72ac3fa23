/* See metrics.h. Names, labels and buckets are upstream's (UPSTREAM.md §6)
 * and controller-runtime's (pkg/internal/controller/metrics,
 * pkg/metrics/workqueue.go). */
#include "controller/metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "common/jdoc.h"
#include "common/verdict.h"
#include "controller/keys.h"
#include "controller/kube/kube_time.h"
#include "controller/naming.h"

#define N(a) (sizeof(a) / sizeof *(a))

static const double claim_buckets[] = {100,  250,  500,   750,   1000,  1250,   1500,  2000,
                                       2500, 5000, 10000, 30000, 60000, 120000, 240000};
static const double creation_buckets[] = {50,    100,   250,   500,    1000,   2500,   5000,
                                          10000, 30000, 60000, 120000, 240000, 300000, 600000};
/* controller-runtime's reconcile_time_seconds buckets. */
static const double reconcile_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35,
                                           0.4,   0.45, 0.5,   0.6,  0.7, 0.8,  0.9, 1.0,  1.25, 1.5,
                                           1.75,  2.0,  2.5,   3.0,  3.5, 4.0,  4.5, 5,    6,    7,
                                           8,     9,    10,    15,   20,  25,   30,  40,   50,   60};
/* client-go workqueue: ExponentialBuckets(10e-9, 10, 12). */
static const double queue_buckets[] = {1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100, 1000};

typedef struct {
    unsigned long adds, retries; /* last values folded into the counters */
} queue_seen;

/* A child of agent_sandboxes set at the last refresh. */
typedef struct {
    wp_metric **items;
    size_t n, cap;
} metric_list;

struct wp_ctl_metrics {
    wp_metrics *reg;
    wp_ctl *ctl;
    wp_metric_family *claim_startup, *claim_controller_startup, *client_startup, *creation_latency;
    wp_metric_family *claim_creation, *sandboxes, *build_info;
    wp_metric_family *reconcile_total, *reconcile_errors, *reconcile_time, *active_workers, *max_workers;
    wp_metric_family *wq_depth, *wq_adds, *wq_queue_duration, *wq_work_duration, *wq_retries;
    wp_metric_family *api_writes, *leader;
    wp_metric_family *watches, *watch_failures, *relists, *kube_requests, *kube_retries, *kube_throttled;
    atomic_ullong writes, conflicts;
    pthread_mutex_t mu; /* refresh */
    queue_seen seen[WP_CTL__COUNT];
    wp_informer_stats inf_seen[WP_CACHE__COUNT];
    wp_kube_client_stats client_seen;
    metric_list sandboxes_set;
};

static const char *const L_CLAIM[] = {"launch_type", "sandbox_template", NULL};
static const char *const L_CREATION[] = {"namespace", "launch_type", "sandbox_template", NULL};
static const char *const L_CLAIM_CREATION[] = {"namespace",     "sandbox_template", "launch_type",
                                               "warmpool_name", "pod_condition",    "created_by", NULL};
static const char *const L_SANDBOXES[] = {"namespace",        "ready_condition", "expired",    "launch_type",
                                          "sandbox_template", "owned_by",        "created_by", NULL};
static const char *const L_BUILD[] = {"git_version", "git_commit", "build_date", "go_version",
                                      "compiler",    "platform",   NULL};
static const char *const L_CONTROLLER[] = {"controller", NULL};
static const char *const L_RESULT[] = {"controller", "result", NULL};
static const char *const L_QUEUE[] = {"controller", "name", NULL};
static const char *const L_WRITES[] = {"resource", "verb", "code", NULL};
static const char *const L_RESOURCE[] = {"resource", NULL};

static void set_build_info(wp_ctl_metrics *m, const wp_ctl_build_info *b)
{
    struct utsname u;
    char platform[160] = "unknown";
    if (uname(&u) == 0) snprintf(platform, sizeof platform, "%s/%s", u.sysname, u.machine);
    for (char *p = platform; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    const char *values[] = {b && b->git_version ? b->git_version : WP_VERSION,
                            b && b->git_commit ? b->git_commit : "unknown",
                            b && b->build_date ? b->build_date : "unknown",
                            "none", /* not a Go program */
#if defined(__clang__)
                            "clang",
#else
                            "gcc",
#endif
                            platform};
    wp_gauge_set(wp_metric_with(m->build_info, values), 1);
}

/* The first family rendered: computing it refreshes the scrape-time series
 * (agent_sandboxes, workqueue_*) that the registry renders after it. */
static double scrape_hook(void *arg)
{
    wp_ctl_metrics *m = arg;
    wp_ctl_metrics_refresh(m);
    wp_store *s = m->ctl ? m->ctl->stores[WP_CACHE_SANDBOX] : NULL;
    return s ? (double)wp_store_len(s) : 0;
}

wp_ctl_metrics *wp_ctl_metrics_new(wp_metrics *reg, wp_ctl *ctl, const wp_ctl_build_info *build)
{
    wp_ctl_metrics *m = wp_xalloc_check(calloc(1, sizeof *m));
    m->reg = reg;
    m->ctl = ctl;
    pthread_mutex_init(&m->mu, NULL);
    wp_metric_family *hook = wp_metrics_func(reg, WP_METRIC_GAUGE, "warmpool_controller_cached_sandboxes",
                                             "Sandboxes in the controller's cache.", scrape_hook, m);
    m->claim_startup = wp_metrics_histogram(reg, "agent_sandbox_claim_startup_latency_ms",
                                            "End-to-end latency from SandboxClaim creation to Pod Ready state in milliseconds.",
                                            L_CLAIM, claim_buckets, N(claim_buckets));
    m->claim_controller_startup = wp_metrics_histogram(
        reg, "agent_sandbox_claim_controller_startup_latency_ms",
        "Latency from the controller first observing a SandboxClaim to Pod Ready state in milliseconds.", L_CLAIM,
        claim_buckets, N(claim_buckets));
    m->client_startup = wp_metrics_histogram(
        reg, "agent_sandbox_client_claim_startup_latency_ms",
        "Latency from the client first requesting a SandboxClaim to Pod Ready state in milliseconds.", L_CLAIM,
        claim_buckets, N(claim_buckets));
    m->creation_latency = wp_metrics_histogram(reg, "agent_sandbox_creation_latency_ms",
                                               "Latency from Sandbox creation to Sandbox Ready in milliseconds.",
                                               L_CREATION, creation_buckets, N(creation_buckets));
    m->claim_creation = wp_metrics_counter(reg, "agent_sandbox_claim_creation_total",
                                           "Total number of SandboxClaims that obtained a sandbox.", L_CLAIM_CREATION);
    m->sandboxes = wp_metrics_gauge(reg, "agent_sandboxes", "Number of Sandboxes by state.", L_SANDBOXES);
    m->build_info = wp_metrics_gauge(reg, "agent_sandbox_build_info", "Build information of the controller.", L_BUILD);
    m->reconcile_total = wp_metrics_counter(reg, "controller_runtime_reconcile_total",
                                            "Total number of reconciliations per controller", L_RESULT);
    m->reconcile_errors = wp_metrics_counter(reg, "controller_runtime_reconcile_errors_total",
                                             "Total number of reconciliation errors per controller", L_CONTROLLER);
    m->reconcile_time = wp_metrics_histogram(reg, "controller_runtime_reconcile_time_seconds",
                                             "Length of time per reconciliation per controller", L_CONTROLLER,
                                             reconcile_buckets, N(reconcile_buckets));
    m->active_workers = wp_metrics_gauge(reg, "controller_runtime_active_workers",
                                         "Number of currently used workers per controller", L_CONTROLLER);
    m->max_workers = wp_metrics_gauge(reg, "controller_runtime_max_concurrent_reconciles",
                                      "Maximum number of concurrent reconciles per controller", L_CONTROLLER);
    m->wq_depth = wp_metrics_gauge(reg, "workqueue_depth", "Current depth of workqueue", L_QUEUE);
    m->wq_adds = wp_metrics_counter(reg, "workqueue_adds_total", "Total number of adds handled by workqueue", L_QUEUE);
    m->wq_queue_duration = wp_metrics_histogram(reg, "workqueue_queue_duration_seconds",
                                                "How long in seconds an item stays in workqueue before being requested",
                                                L_QUEUE, queue_buckets, N(queue_buckets));
    m->wq_work_duration = wp_metrics_histogram(reg, "workqueue_work_duration_seconds",
                                               "How long in seconds processing an item from workqueue takes.", L_QUEUE,
                                               queue_buckets, N(queue_buckets));
    m->wq_retries = wp_metrics_counter(reg, "workqueue_retries_total", "Total number of retries handled by workqueue",
                                       L_QUEUE);
    m->api_writes = wp_metrics_counter(reg, "warmpool_controller_api_writes_total",
                                       "API writes by resource, verb and answer code.", L_WRITES);
    m->leader = wp_metrics_gauge(reg, "warmpool_controller_leader", "1 while this replica leads, else 0.", NULL);
    m->watches = wp_metrics_counter(reg, "warmpool_controller_watches_total",
                                    "Watch requests started per resource (a restart after each end).", L_RESOURCE);
    m->watch_failures = wp_metrics_counter(reg, "warmpool_controller_watch_failures_total",
                                           "Watches that ended with an error per resource.", L_RESOURCE);
    m->relists = wp_metrics_counter(reg, "warmpool_controller_relists_total",
                                    "Complete lists per resource (the first, then after 410 Gone).", L_RESOURCE);
    m->kube_requests = wp_metrics_counter(reg, "warmpool_controller_kube_requests_total",
                                          "API requests sent (retries included).", NULL);
    m->kube_retries = wp_metrics_counter(reg, "warmpool_controller_kube_retries_total", "API requests retried.", NULL);
    m->kube_throttled = wp_metrics_counter(reg, "warmpool_controller_kube_throttled_total",
                                           "API requests that waited for the client-side rate limit.", NULL);
    if (!m->watches || !m->watch_failures || !m->relists || !m->kube_requests || !m->kube_retries ||
        !m->kube_throttled) {
        wp_ctl_metrics_free(m);
        return NULL;
    }
    if (!hook || !m->claim_startup || !m->claim_controller_startup || !m->client_startup || !m->creation_latency ||
        !m->claim_creation || !m->sandboxes || !m->build_info || !m->reconcile_total || !m->reconcile_errors ||
        !m->reconcile_time || !m->active_workers || !m->max_workers || !m->wq_depth || !m->wq_adds ||
        !m->wq_queue_duration || !m->wq_work_duration || !m->wq_retries || !m->api_writes || !m->leader) {
        wp_ctl_metrics_free(m);
        return NULL;
    }
    set_build_info(m, build);
    wp_gauge_set(wp_metric_single(m->leader), 0);
    return m;
}

void wp_ctl_metrics_free(wp_ctl_metrics *m)
{
    if (!m) return;
    free(m->sandboxes_set.items);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

/* --- controller-runtime ------------------------------------------------------ */

static const char *result_name(wp_work_result r)
{
    switch (r) {
    case WP_WORK_DONE: return "success";
    case WP_WORK_RETRY: return "error";
    case WP_WORK_REQUEUE_AFTER: return "requeue_after";
    }
    return "success";
}

void wp_ctl_metrics_reconcile(wp_ctl_metrics *m, const char *controller, wp_work_result result, double seconds)
{
    if (!m) return;
    const char *rl[] = {controller, result_name(result)};
    const char *cl[] = {controller};
    wp_counter_inc(wp_metric_with(m->reconcile_total, rl));
    if (result == WP_WORK_RETRY) wp_counter_inc(wp_metric_with(m->reconcile_errors, cl));
    wp_histogram_observe(wp_metric_with(m->reconcile_time, cl), seconds);
}

void wp_ctl_metrics_work(wp_ctl_metrics *m, const char *controller, double queued, double work)
{
    if (!m) return;
    const char *ql[] = {controller, controller};
    if (queued >= 0) wp_histogram_observe(wp_metric_with(m->wq_queue_duration, ql), queued);
    wp_histogram_observe(wp_metric_with(m->wq_work_duration, ql), work);
}

void wp_ctl_metrics_workers(wp_ctl_metrics *m, const char *controller, int active_delta, int max)
{
    if (!m) return;
    const char *cl[] = {controller};
    if (active_delta) wp_gauge_add(wp_metric_with(m->active_workers, cl), active_delta);
    if (max >= 0) wp_gauge_set(wp_metric_with(m->max_workers, cl), max);
}

/* --- warmpool's own ----------------------------------------------------------- */

void wp_ctl_metrics_write(wp_ctl_metrics *m, const char *resource, const char *verb, const wp_kube_error *err)
{
    if (!m) return;
    char code[32] = "200";
    if (err && err->http_status) snprintf(code, sizeof code, "%ld", err->http_status);
    else if (err) snprintf(code, sizeof code, "%s", wp_kube_rc_name(err->rc));
    const char *l[] = {resource, verb, code};
    wp_counter_inc(wp_metric_with(m->api_writes, l));
    atomic_fetch_add(&m->writes, 1);
    if (err && err->rc == WP_KUBE_ECONFLICT) atomic_fetch_add(&m->conflicts, 1);
}

void wp_ctl_metrics_leader(wp_ctl_metrics *m, bool leading)
{
    if (m) wp_gauge_set(wp_metric_single(m->leader), leading ? 1 : 0);
}

unsigned long long wp_ctl_metrics_writes_total(wp_ctl_metrics *m, unsigned long long *conflicts)
{
    if (conflicts) *conflicts = m ? atomic_load(&m->conflicts) : 0;
    return m ? atomic_load(&m->writes) : 0;
}

/* --- upstream's claim series ----------------------------------------------------- */

static const char *annotation(const json_t *obj, const char *key)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(obj, "metadata"), "annotations"), key));
}

static const char *label(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(json_object_get(json_object_get(obj, "metadata"), "labels"), key));
}

/* Milliseconds from the RFC 3339 time in `annot` to now; false when absent
 * or unparsable. */
static bool since_ms(const json_t *obj, const char *annot, double now, double *ms)
{
    const char *s = annotation(obj, annot);
    double t;
    if (!s || !wp_kube_time_parse(s, &t)) return false;
    *ms = (double)(long long)((now - t) * 1000.0); /* integer milliseconds, as upstream */
    return true;
}

static void observe_creation_latency(wp_ctl_metrics *m, const json_t *sandbox, const char *launch,
                                     const char *tmpl)
{
    const json_t *ready = NULL;
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(json_object_get(sandbox, "status"), "conditions"), i, c) {
        if (json_is_string(json_object_get(c, "type")) &&
            strcmp(json_string_value(json_object_get(c, "type")), WP_COND_READY) == 0)
            ready = c;
    }
    const char *ltt = json_string_value(json_object_get(ready, "lastTransitionTime"));
    const char *created =
        json_string_value(json_object_get(json_object_get(sandbox, "metadata"), "creationTimestamp"));
    double a, b;
    if (!ltt || !created || !wp_kube_time_parse(ltt, &a) || !wp_kube_time_parse(created, &b)) return;
    const char *ns = json_string_value(json_object_get(json_object_get(sandbox, "metadata"), "namespace"));
    const char *l[] = {ns ? ns : "", launch, tmpl};
    wp_histogram_observe(wp_metric_with(m->creation_latency, l), (double)(long long)((a - b) * 1000.0));
}

void wp_ctl_metrics_claim_ready(wp_ctl_metrics *m, const json_t *claim, const json_t *sandbox, double now)
{
    if (!m) return;
    const char *launch = WP_METRIC_UNKNOWN, *tmpl = WP_METRIC_TEMPLATE_UNKNOWN;
    if (sandbox) {
        const char *lt = label(sandbox, WP_LABEL_LAUNCH_TYPE);
        launch = lt && strcmp(lt, WP_LAUNCH_WARM) == 0 ? WP_LAUNCH_WARM : WP_LAUNCH_COLD;
        const char *t = annotation(sandbox, WP_ANNOT_TEMPLATE_REF);
        if (t && *t) tmpl = t;
    }
    const char *l[] = {launch, tmpl};
    double ms;
    if (since_ms(claim, WP_ANNOT_WEBHOOK_FIRST_OBSERVED, now, &ms))
        wp_histogram_observe(wp_metric_with(m->claim_startup, l), ms);
    if (since_ms(claim, WP_ANNOT_CONTROLLER_FIRST_OBSERVED, now, &ms))
        wp_histogram_observe(wp_metric_with(m->claim_controller_startup, l), ms);
    if (since_ms(claim, WP_ANNOT_CLIENT_FIRST_REQUESTED, now, &ms) && ms >= 0)
        wp_histogram_observe(wp_metric_with(m->client_startup, l), ms);
    if (sandbox) observe_creation_latency(m, sandbox, launch, tmpl);
}

void wp_ctl_metrics_claim_created(wp_ctl_metrics *m, const char *ns, const char *sandbox_template,
                                  const char *launch_type, const char *warmpool_name, bool pod_ready,
                                  const char *created_by_raw)
{
    if (!m) return;
    const char *l[] = {ns ? ns : "",
                       sandbox_template ? sandbox_template : "",
                       launch_type ? launch_type : "",
                       warmpool_name && *warmpool_name ? warmpool_name : WP_METRIC_NONE,
                       pod_ready ? "ready" : "not_ready",
                       wp_naming_created_by(created_by_raw)};
    wp_counter_inc(wp_metric_with(m->claim_creation, l));
}

/* --- scrape-time series ------------------------------------------------------------ */

static const char *jstr(const wp_jval *v, const char *dflt)
{
    const char *s = wp_jval_str(v);
    return s ? s : dflt;
}

/* The agent_sandboxes label values of one cached Sandbox. */
static void sandbox_labels(const wp_jval *sb, const char *values[7])
{
    const wp_jval *meta = wp_jval_get(sb, "metadata");
    const wp_jval *labels = wp_jval_get(meta, "labels");
    const wp_jval *ready = NULL;
    const wp_jval *conds = wp_jval_path(sb, "status", "conditions", NULL);
    for (size_t i = 0; wp_jval_is_array(conds) && i < conds->n; i++) {
        if (wp_jval_str_eq(wp_jval_get(wp_jval_at(conds, i), "type"), WP_COND_READY)) ready = wp_jval_at(conds, i);
    }
    const wp_jval *owner_kind = NULL;
    const wp_jval *refs = wp_jval_get(meta, "ownerReferences");
    for (size_t i = 0; wp_jval_is_array(refs) && i < refs->n; i++) {
        if (wp_jval_get(wp_jval_at(refs, i), "controller") &&
            wp_jval_get(wp_jval_at(refs, i), "controller")->type == WP_JTRUE)
            owner_kind = wp_jval_get(wp_jval_at(refs, i), "kind");
    }
    const char *ok = jstr(owner_kind, "");
    values[0] = jstr(wp_jval_get(meta, "namespace"), "");
    values[1] = wp_jval_str_eq(wp_jval_get(ready, "status"), WP_STATUS_TRUE) ? "true" : "false";
    values[2] = wp_jval_str_eq(wp_jval_get(ready, "reason"), WP_REASON_SANDBOX_EXPIRED) ? "true" : "false";
    values[3] = wp_jval_str_eq(wp_jval_get(labels, WP_LABEL_LAUNCH_TYPE), WP_LAUNCH_WARM) ? WP_LAUNCH_WARM
                                                                                           : WP_LAUNCH_COLD;
    values[4] = jstr(wp_jval_path(meta, "annotations", WP_ANNOT_TEMPLATE_REF, NULL), WP_METRIC_UNKNOWN);
    values[5] = strcmp(ok, WP_KIND_NAME_CLAIM) == 0 || strcmp(ok, WP_KIND_NAME_POOL) == 0 ? ok : "None";
    values[6] = wp_naming_created_by(wp_jval_str(wp_jval_get(labels, WP_LABEL_CREATED_BY)));
}

static void list_push(metric_list *l, wp_metric *x)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i] == x) return;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->items = wp_xalloc_check(realloc(l->items, l->cap * sizeof *l->items));
    }
    l->items[l->n++] = x;
}

static void refresh_sandboxes(wp_ctl_metrics *m)
{
    wp_store *s = m->ctl ? m->ctl->stores[WP_CACHE_SANDBOX] : NULL;
    if (!s) return;
    for (size_t i = 0; i < m->sandboxes_set.n; i++) wp_gauge_set(m->sandboxes_set.items[i], 0);
    size_t n;
    wp_store_item **items = wp_store_list(s, &n);
    for (size_t i = 0; i < n; i++) {
        wp_jdoc *doc = wp_store_item_doc(items[i]);
        if (!doc) continue;
        const char *values[7];
        sandbox_labels(wp_jdoc_root(doc), values);
        wp_metric *g = wp_metric_with(m->sandboxes, values);
        wp_gauge_add(g, 1);
        list_push(&m->sandboxes_set, g);
        wp_jdoc_free(doc);
    }
    wp_store_items_free(items, n);
}

static void refresh_queues(wp_ctl_metrics *m)
{
    for (int id = 0; m->ctl && id < WP_CTL__COUNT; id++) {
        wp_rec *r = m->ctl->recs[id];
        if (!r || !r->queue) continue;
        wp_workqueue_stats st;
        wp_workqueue_stats_get(r->queue, &st);
        const char *l[] = {r->def->name, r->def->name};
        wp_gauge_set(wp_metric_with(m->wq_depth, l), (double)st.depth);
        wp_counter_add(wp_metric_with(m->wq_adds, l), st.adds - m->seen[id].adds);
        wp_counter_add(wp_metric_with(m->wq_retries, l), st.retries - m->seen[id].retries);
        m->seen[id].adds = st.adds;
        m->seen[id].retries = st.retries;
    }
}

/* Informer and client counters, folded in as deltas since the last scrape. */
static void refresh_client(wp_ctl_metrics *m)
{
    for (int i = 0; m->ctl && i < WP_CACHE__COUNT; i++) {
        if (!m->ctl->informers[i]) continue;
        wp_informer_stats st;
        wp_informer_stats_get(m->ctl->informers[i], &st);
        const char *l[] = {wp_ctl_cache_kind((wp_cache_id)i)->plural};
        wp_counter_add(wp_metric_with(m->watches, l), st.watches - m->inf_seen[i].watches);
        wp_counter_add(wp_metric_with(m->watch_failures, l), st.watch_failures - m->inf_seen[i].watch_failures);
        wp_counter_add(wp_metric_with(m->relists, l), st.lists - m->inf_seen[i].lists);
        m->inf_seen[i] = st;
    }
    if (!m->ctl || !m->ctl->client) return;
    wp_kube_client_stats cs;
    wp_kube_client_stats_get(m->ctl->client, &cs);
    wp_counter_add(wp_metric_single(m->kube_requests), cs.requests - m->client_seen.requests);
    wp_counter_add(wp_metric_single(m->kube_retries), cs.retries - m->client_seen.retries);
    wp_counter_add(wp_metric_single(m->kube_throttled), cs.throttled - m->client_seen.throttled);
    m->client_seen = cs;
}

void wp_ctl_metrics_refresh(wp_ctl_metrics *m)
{
    if (!m) return;
    pthread_mutex_lock(&m->mu);
    refresh_sandboxes(m);
    refresh_queues(m);
    refresh_client(m);
    pthread_mutex_unlock(&m->mu);
}
