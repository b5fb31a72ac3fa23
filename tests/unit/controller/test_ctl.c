/* The shared context: keys, owner references, leader-gated writes, cache
 * reads through the indexes, and the metrics reconcilers record (names,
 * labels and values as upstream's dashboards read them). */
#include "ctl_testing.h"

#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/metrics.h"
#include "controller/metrics.h"
#include "controller/reconciler.h"

START_TEST(keys)
{
    char ns[WP_CTL_KEY_MAX], name[WP_CTL_KEY_MAX], key[WP_CTL_KEY_MAX];
    wp_ctl_key("a", "b", key);
    ck_assert_str_eq(key, "a/b");
    ck_assert(wp_ctl_key_split("team/sb-1", ns, name));
    ck_assert_str_eq(ns, "team");
    ck_assert_str_eq(name, "sb-1");
    ck_assert(!wp_ctl_key_split("noslash", ns, name));
    ck_assert(!wp_ctl_key_split("/x", ns, name));
    ck_assert(!wp_ctl_key_split("x/", ns, name));
    ck_assert(!wp_ctl_key_split("a/b/c", ns, name));
}
END_TEST

START_TEST(owner_references)
{
    json_t *o = ct_load("{\"metadata\":{\"ownerReferences\":[{\"uid\":\"x\",\"kind\":\"Thing\",\"apiVersion\":\"v1\"},"
                     "{\"uid\":\"p1\",\"kind\":\"SandboxWarmPool\",\"apiVersion\":\"extensions.agents.x-k8s.io/v1alpha1\","
                     "\"controller\":true}]}}");
    ck_assert(wp_ctl_controlled_by_uid(o, "p1"));
    ck_assert(!wp_ctl_controlled_by_uid(o, "x"));
    ck_assert(wp_ctl_controlled_by_kind(o, "extensions.agents.x-k8s.io", "SandboxWarmPool")); /* version ignored */
    ck_assert(!wp_ctl_controlled_by_kind(o, "agents.x-k8s.io", "SandboxWarmPool"));
    json_t *owner = ct_load("{\"apiVersion\":\"agents.x-k8s.io/v1beta1\",\"kind\":\"Sandbox\","
                         "\"metadata\":{\"name\":\"s\",\"uid\":\"u\"}}");
    json_t *ref = wp_ctl_owner_ref(owner);
    json_t *want = ct_load("{\"apiVersion\":\"agents.x-k8s.io/v1beta1\",\"kind\":\"Sandbox\",\"name\":\"s\",\"uid\":\"u\","
                        "\"controller\":true,\"blockOwnerDeletion\":true}");
    ck_assert(json_equal(ref, want));
    json_decref(want);
    json_decref(ref);
    json_decref(owner);
    json_decref(o);
}
END_TEST

START_TEST(writes_need_leadership)
{
    wp_ctl ctl = {0};
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *obj = ct_load("{\"metadata\":{\"name\":\"x\",\"namespace\":\"y\"}}");
    ck_assert_ptr_null(wp_ctl_create(&ctl, WP_CACHE_SANDBOX, obj, &err));
    ck_assert_int_eq(err.rc, WP_KUBE_EINVAL);
    ctl.client = (wp_kube_client *)1; /* never used: refused before any request */
    atomic_store(&ctl.writable, false);
    ck_assert_ptr_null(wp_ctl_patch(&ctl, WP_CACHE_SANDBOX, "y", "x", NULL, WP_KUBE_PATCH_MERGE, obj, &err));
    ck_assert_int_eq(err.rc, WP_KUBE_ECANCELED);
    ck_assert_str_eq(err.message, "patch refused: not the leader");
    ck_assert_int_eq(wp_ctl_delete(&ctl, WP_CACHE_POD, "y", "x", NULL, &err), -1);
    ck_assert_str_eq(err.message, "delete refused: not the leader");
    wp_kube_error_clear(&err);
    json_decref(obj);
}
END_TEST

static double fixed_clock(void *ctx) { return *(double *)ctx; }

START_TEST(cache_reads_and_indexes)
{
    wp_ctl ctl = {0};
    wp_ctl_options_defaults(&ctl.opts);
    ck_assert_str_eq(ctl.opts.cluster_domain, "cluster.local");
    ck_assert_int_eq(ctl.opts.pool_batch_cap, 300);
    wp_ctl_stores_create(&ctl, ~0u);
    json_t *sb = ct_load("{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\",\"uid\":\"ua\",\"resourceVersion\":\"1\","
                      "\"labels\":{\"agents.x-k8s.io/warm-pool-sandbox\":\"h1\"}}}");
    wp_store_upsert_json(ctl.stores[WP_CACHE_SANDBOX], sb, true, NULL, NULL);
    json_t *claim = ct_load("{\"metadata\":{\"name\":\"c\",\"namespace\":\"n\",\"uid\":\"uc\",\"resourceVersion\":\"2\"},"
                         "\"spec\":{\"warmPoolRef\":{\"name\":\"pool\"}}}");
    wp_store_upsert_json(ctl.stores[WP_CACHE_CLAIM], claim, true, NULL, NULL);
    json_t *got = wp_ctl_get(&ctl, WP_CACHE_SANDBOX, "n", "a");
    ck_assert(json_equal(got, sb));
    json_object_set_new(got, "mutated", json_true()); /* a copy: the cache is untouched */
    json_decref(got);
    got = wp_ctl_get(&ctl, WP_CACHE_SANDBOX, "n", "a");
    ck_assert_ptr_null(json_object_get(got, "mutated"));
    json_decref(got);
    size_t n;
    wp_store_item **items = wp_ctl_list_index(&ctl, WP_CACHE_SANDBOX, WP_INDEX_POOL_LABEL, "h1", &n);
    ck_assert_uint_eq(n, 1);
    wp_store_items_free(items, n);
    items = wp_ctl_list_index(&ctl, WP_CACHE_CLAIM, WP_INDEX_WARM_POOL_REF, "pool", &n);
    ck_assert_uint_eq(n, 1);
    wp_store_items_free(items, n);
    ck_assert_ptr_null(wp_ctl_get(&ctl, WP_CACHE_SANDBOX, "n", "missing"));
    double t = 1767225600.0; /* 2026-01-01T00:00:00Z */
    ctl.clock = fixed_clock;
    ctl.clock_ctx = &t;
    char buf[40];
    wp_ctl_now_rfc3339(&ctl, buf);
    ck_assert_str_eq(buf, "2026-01-01T00:00:00Z");
    wp_ctl_stores_free(&ctl);
    json_decref(sb);
    json_decref(claim);
}
END_TEST

START_TEST(metrics_as_upstream_names_them)
{
    wp_ctl ctl = {0};
    wp_ctl_stores_create(&ctl, WP_CACHE_BIT(WP_CACHE_SANDBOX));
    json_t *sb = ct_load("{\"metadata\":{\"name\":\"s\",\"namespace\":\"n\",\"uid\":\"u\",\"resourceVersion\":\"1\","
                      "\"creationTimestamp\":\"2026-01-01T00:00:00Z\","
                      "\"labels\":{\"agents.x-k8s.io/launch-type\":\"warm\",\"agents.x-k8s.io/created-by\":\"go-client\"},"
                      "\"annotations\":{\"agents.x-k8s.io/sandbox-template-ref\":\"py\"},"
                      "\"ownerReferences\":[{\"kind\":\"SandboxClaim\",\"uid\":\"c\",\"controller\":true}]},"
                      "\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"DependenciesReady\","
                      "\"lastTransitionTime\":\"2026-01-01T00:00:02Z\"}]}}");
    wp_store_upsert_json(ctl.stores[WP_CACHE_SANDBOX], sb, true, NULL, NULL);
    wp_metrics *reg = wp_metrics_new();
    wp_ctl_metrics *m = wp_ctl_metrics_new(reg, &ctl, NULL);
    ck_assert_ptr_nonnull(m);
    json_t *claim = ct_load("{\"metadata\":{\"annotations\":{"
                         "\"agents.x-k8s.io/webhook-first-observed-at\":\"2026-01-01T00:00:00.5Z\","
                         "\"agents.x-k8s.io/client-first-requested-at\":\"2026-01-01T00:00:09Z\"}}}");
    wp_ctl_metrics_claim_ready(m, claim, sb, 1767225601.0); /* 00:00:01 */
    wp_ctl_metrics_claim_created(m, "n", "py", "warm", NULL, true, "python-client");
    wp_ctl_metrics_reconcile(m, "sandbox", WP_WORK_RETRY, 0.02);
    size_t len;
    char *text = wp_metrics_render(reg, &len);
    const char *want[] = {
        "agent_sandbox_claim_startup_latency_ms_bucket{launch_type=\"warm\",sandbox_template=\"py\",le=\"500\"} 1\n",
        "agent_sandbox_claim_startup_latency_ms_bucket{launch_type=\"warm\",sandbox_template=\"py\",le=\"250\"} 0\n",
        "agent_sandbox_creation_latency_ms_bucket{namespace=\"n\",launch_type=\"warm\",sandbox_template=\"py\",le=\"2500\"} 1\n",
        "agent_sandbox_claim_creation_total{namespace=\"n\",sandbox_template=\"py\",launch_type=\"warm\","
        "warmpool_name=\"none\",pod_condition=\"ready\",created_by=\"python-client\"} 1\n",
        "agent_sandboxes{namespace=\"n\",ready_condition=\"true\",expired=\"false\",launch_type=\"warm\","
        "sandbox_template=\"py\",owned_by=\"SandboxClaim\",created_by=\"go-client\"} 1\n",
        "controller_runtime_reconcile_total{controller=\"sandbox\",result=\"error\"} 1\n",
        "controller_runtime_reconcile_errors_total{controller=\"sandbox\"} 1\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) ck_assert_msg(strstr(text, want[i]), "missing %s", want[i]);
    /* a client time in the future is skipped; no controller-first-observed-at: nothing observed */
    ck_assert_ptr_null(strstr(text, "agent_sandbox_client_claim_startup_latency_ms_count{"));
    ck_assert_ptr_null(strstr(text, "agent_sandbox_claim_controller_startup_latency_ms_count{"));
    free(text);
    wp_ctl_metrics_free(m);
    wp_metrics_free(reg);
    wp_ctl_stores_free(&ctl);
    json_decref(claim);
    json_decref(sb);
}
END_TEST

CT_MAIN("ctl", keys, owner_references, writes_need_leadership, cache_reads_and_indexes, metrics_as_upstream_names_them)
