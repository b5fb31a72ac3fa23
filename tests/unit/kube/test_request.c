/* Building requests: escaping, query strings, selectors, resource paths,
 * the kind table. */
#include "testutil.h"

#include <jansson.h>

#include "controller/kube/kube_query.h"
#include "controller/kube/kube_resource.h"

START_TEST(escape_keeps_unreserved_and_encodes_the_rest)
{
    char *s = wp_kube_escape("app in (a,b),tier!=db");
    ck_assert_str_eq(s, "app%20in%20%28a%2Cb%29%2Ctier%21%3Ddb");
    free(s);
    s = wp_kube_escape("Az09-._~/?&=+#%\xc3\xa9");
    ck_assert_str_eq(s, "Az09-._~%2F%3F%26%3D%2B%23%25%C3%A9");
    free(s);
    s = wp_kube_escape("");
    ck_assert_str_eq(s, "");
    free(s);
}
END_TEST

START_TEST(query_joins_and_skips_null_values)
{
    wp_kube_query q = WP_KUBE_QUERY_INIT;
    ck_assert_str_eq(wp_kube_query_str(&q), "");
    wp_kube_query_add(&q, "labelSelector", "agents.x-k8s.io/warm-pool-sandbox=abc");
    wp_kube_query_add(&q, "fieldSelector", NULL);
    wp_kube_query_add_long(&q, "limit", 500);
    wp_kube_query_add(&q, "continue", "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ==&x=1");
    ck_assert_str_eq(wp_kube_query_str(&q),
                     "?labelSelector=agents.x-k8s.io%2Fwarm-pool-sandbox%3Dabc&limit=500"
                     "&continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ%3D%3D%26x%3D1");
    wp_kube_query_free(&q);
}
END_TEST

START_TEST(label_selector_from_labels_is_sorted)
{
    json_t *labels = json_pack("{s:s, s:s, s:s}", "tier", "web", "app", "x", "agents.x-k8s.io/pool", "p1");
    char *sel = wp_kube_label_selector(labels);
    ck_assert_str_eq(sel, "agents.x-k8s.io/pool=p1,app=x,tier=web");
    free(sel);
    json_decref(labels);
    labels = json_object();
    sel = wp_kube_label_selector(labels);
    ck_assert_str_eq(sel, "");
    free(sel);
    json_object_set_new(labels, "n", json_integer(1));
    ck_assert_ptr_null(wp_kube_label_selector(labels));
    json_decref(labels);
    ck_assert_ptr_null(wp_kube_label_selector(NULL));
}
END_TEST

static void expect_path(wp_kube_kind_id id, const char *ns, const char *name, const char *sub, const char *want)
{
    char *p = wp_kube_path(wp_kube_kind_get(id), ns, name, sub);
    if (!want) {
        ck_assert_msg(p == NULL, "expected no path, got %s", p);
        return;
    }
    ck_assert_msg(p != NULL, "no path for %s", want);
    ck_assert_str_eq(p, want);
    free(p);
}

START_TEST(paths_for_every_kind)
{
    expect_path(WP_KIND_POD, "default", "web-0", NULL, "/api/v1/namespaces/default/pods/web-0");
    expect_path(WP_KIND_POD, NULL, NULL, NULL, "/api/v1/pods");
    expect_path(WP_KIND_POD, "", NULL, NULL, "/api/v1/pods");
    expect_path(WP_KIND_POD, "ns", NULL, NULL, "/api/v1/namespaces/ns/pods");
    expect_path(WP_KIND_SERVICE, "ns", "s", NULL, "/api/v1/namespaces/ns/services/s");
    expect_path(WP_KIND_EVENT, "ns", "e.17a", NULL, "/api/v1/namespaces/ns/events/e.17a");
    expect_path(WP_KIND_NAMESPACE, "ignored", "team-a", NULL, "/api/v1/namespaces/team-a");
    expect_path(WP_KIND_NAMESPACE, NULL, NULL, NULL, "/api/v1/namespaces");
    expect_path(WP_KIND_LEASE, "kube-system", "warmpool", NULL,
                "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/warmpool");
    expect_path(WP_KIND_SANDBOX, "ns", "sb", "status", "/apis/agents.x-k8s.io/v1beta1/namespaces/ns/sandboxes/sb/status");
    expect_path(WP_KIND_SANDBOX_WARM_POOL, "ns", "pool", "scale",
                "/apis/extensions.agents.x-k8s.io/v1beta1/namespaces/ns/sandboxwarmpools/pool/scale");
    expect_path(WP_KIND_SANDBOX_CLAIM, NULL, NULL, NULL, "/apis/extensions.agents.x-k8s.io/v1beta1/sandboxclaims");
    expect_path(WP_KIND_SANDBOX_TEMPLATE, "ns", NULL, NULL,
                "/apis/extensions.agents.x-k8s.io/v1beta1/namespaces/ns/sandboxtemplates");
    /* hostile names cannot walk the path */
    expect_path(WP_KIND_POD, "ns", "a/b?c", NULL, "/api/v1/namespaces/ns/pods/a%2Fb%3Fc");
    expect_path(WP_KIND_POD, "ns", "..", NULL, NULL);
    expect_path(WP_KIND_POD, "..", "x", NULL, NULL);
    expect_path(WP_KIND_POD, "ns", "", NULL, NULL);
    expect_path(WP_KIND_POD, "ns", NULL, "status", NULL); /* a subresource needs a name */
    expect_path(WP_KIND_POD, NULL, "x", NULL, NULL);      /* an object needs its namespace */
    ck_assert_ptr_null(wp_kube_path(NULL, "ns", "x", NULL));
}
END_TEST

START_TEST(kind_table)
{
    const wp_kube_kind *k = wp_kube_kind_find("SandboxWarmPool");
    ck_assert_ptr_eq(k, wp_kube_kind_get(WP_KIND_SANDBOX_WARM_POOL));
    ck_assert_str_eq(k->api_version, "extensions.agents.x-k8s.io/v1beta1");
    ck_assert_str_eq(k->plural, "sandboxwarmpools");
    ck_assert(k->namespaced);
    ck_assert_ptr_eq(wp_kube_kind_find("leases"), wp_kube_kind_get(WP_KIND_LEASE));
    ck_assert_str_eq(wp_kube_kind_find("Sandbox")->api_version, "agents.x-k8s.io/v1beta1");
    ck_assert(!wp_kube_kind_find("Namespace")->namespaced);
    ck_assert_str_eq(wp_kube_kind_find("Pod")->api_version, "v1");
    ck_assert_ptr_null(wp_kube_kind_find("Deployment"));
    ck_assert_ptr_null(wp_kube_kind_get(WP_KIND__COUNT));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("request");
    TCase *tc = tcase_create("build");
    tcase_add_test(tc, escape_keeps_unreserved_and_encodes_the_rest);
    tcase_add_test(tc, query_joins_and_skips_null_values);
    tcase_add_test(tc, label_selector_from_labels_is_sorted);
    tcase_add_test(tc, paths_for_every_kind);
    tcase_add_test(tc, kind_table);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
