/* Template → Sandbox spec: the blueprint copy, secure defaults, safe-to-evict,
 * Go-exact json.Marshal bytes and their hashes (expected values printed by
 * tests/unit/controller/go/blueprint_bytes.go with Go's encoding/json), and
 * the semantic staleness compare. */
#include "ctl_testing.h"

#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "controller/blueprint.h"
#include "controller/gojson.h"

#define MINIMAL "{\"podTemplate\":{\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"busybox\"}]}}}"
#define FULL                                                                                                    \
    "{\"podTemplate\":{\"metadata\":{\"labels\":{\"z\":\"1\",\"a\":\"<b>&\"},\"annotations\":{\"k\":\"v\\u2028\"}}," \
    "\"spec\":{\"hostNetwork\":false,\"restartPolicy\":\"Never\",\"automountServiceAccountToken\":true,"         \
    "\"runtimeClassName\":\"gvisor\",\"nodeSelector\":{\"b\":\"2\",\"a\":\"1\"},"                                \
    "\"volumes\":[{\"name\":\"scratch\",\"emptyDir\":{}}],"                                                      \
    "\"containers\":[{\"image\":\"python:3.12\",\"name\":\"py\",\"command\":[\"python\",\"-c\",\"print(1<2)\"],"  \
    "\"ports\":[{\"containerPort\":8888,\"protocol\":\"TCP\"}],\"env\":[{\"name\":\"A\",\"value\":\"\"},"         \
    "{\"value\":\"x\\ty\",\"name\":\"B\"}],"                                                                     \
    "\"resources\":{\"requests\":{\"memory\":\"1Gi\",\"cpu\":\"500m\"}},"                                        \
    "\"volumeMounts\":[{\"mountPath\":\"/scratch\",\"name\":\"scratch\",\"readOnly\":false}]}]}},"               \
    "\"volumeClaimTemplates\":[{\"metadata\":{\"name\":\"data\"},\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],"  \
    "\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}],"                                                     \
    "\"service\":false,\"networkPolicyManagement\":\"Unmanaged\",\"envVarsInjectionPolicy\":\"Allowed\"}"

START_TEST(go_bytes_of_a_minimal_template_match_go)
{
    json_t *t = ct_load(MINIMAL);
    size_t len;
    char *bytes = wp_blueprint_go_json(t, &len);
    ck_assert_str_eq(bytes, "{\"podTemplate\":{\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"busybox\","
                            "\"resources\":{}}]},\"metadata\":{}}}");
    ck_assert_uint_eq(len, strlen(bytes));
    char h[WP_NAMING_HASH_LEN];
    wp_blueprint_template_hash(t, h);
    ck_assert_str_eq(h, "26837710");
    wp_blueprint_pod_template_hash(t, h);
    ck_assert_str_eq(h, "7e0047e9");
    free(bytes);
    json_decref(t);
}
END_TEST

START_TEST(go_bytes_of_a_full_template_match_go)
{
    json_t *t = ct_load(FULL);
    char *bytes = wp_blueprint_go_json(t, NULL);
    ck_assert_str_eq(
        bytes,
        "{\"podTemplate\":{\"spec\":{\"volumes\":[{\"name\":\"scratch\",\"emptyDir\":{}}],\"containers\":[{\"name\":"
        "\"py\",\"image\":\"python:3.12\",\"command\":[\"python\",\"-c\",\"print(1\\u003c2)\"],\"ports\":[{"
        "\"containerPort\":8888,\"protocol\":\"TCP\"}],\"env\":[{\"name\":\"A\"},{\"name\":\"B\",\"value\":\"x\\ty\"}],"
        "\"resources\":{\"requests\":{\"cpu\":\"500m\",\"memory\":\"1Gi\"}},\"volumeMounts\":[{\"name\":\"scratch\","
        "\"mountPath\":\"/scratch\"}]}],\"restartPolicy\":\"Never\",\"nodeSelector\":{\"a\":\"1\",\"b\":\"2\"},"
        "\"automountServiceAccountToken\":true,\"runtimeClassName\":\"gvisor\"},\"metadata\":{\"labels\":{\"a\":"
        "\"\\u003cb\\u003e\\u0026\",\"z\":\"1\"},\"annotations\":{\"k\":\"v\\u2028\"}}},\"volumeClaimTemplates\":[{"
        "\"metadata\":{\"name\":\"data\"},\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"resources\":{\"requests\":{"
        "\"storage\":\"1Gi\"}}}}],\"service\":false}");
    char h[WP_NAMING_HASH_LEN];
    wp_blueprint_template_hash(t, h);
    ck_assert_str_eq(h, "ab183eef");
    wp_blueprint_pod_template_hash(t, h);
    ck_assert_str_eq(h, "9ed52d5d");
    free(bytes);
    json_decref(t);
}
END_TEST

START_TEST(go_strings_escape_html_and_controls)
{
    wp_sb b = WP_SB_INIT;
    const char s[] = "a\"\\\n\r\t\x01<>&\xe2\x80\xa8\xe2\x80\xa9\xc3\xa9";
    wp_gojson_string(&b, s, sizeof s - 1);
    char *out = wp_sb_finish(&b);
    ck_assert_str_eq(out, "\"a\\\"\\\\\\n\\r\\t\\u0001\\u003c\\u003e\\u0026\\u2028\\u2029\xc3\xa9\"");
    free(out);
}
END_TEST

START_TEST(unknown_members_follow_known_ones_sorted)
{
    json_t *t = ct_load("{\"podTemplate\":{\"spec\":{\"zeta\":1,\"containers\":[],\"alpha\":{\"y\":1,\"x\":2}}}}");
    char *bytes = wp_blueprint_go_json(t, NULL);
    ck_assert_str_eq(bytes, "{\"podTemplate\":{\"spec\":{\"containers\":[],\"alpha\":{\"x\":2,\"y\":1},\"zeta\":1},"
                            "\"metadata\":{}}}");
    free(bytes);
    json_decref(t);
    /* An empty template still yields Go's zero blueprint. */
    t = json_object();
    bytes = wp_blueprint_go_json(t, NULL);
    ck_assert_str_eq(bytes, "{\"podTemplate\":{\"spec\":{\"containers\":null},\"metadata\":{}}}");
    free(bytes);
    json_decref(t);
}
END_TEST

START_TEST(sandbox_spec_copies_the_blueprint_and_applies_secure_defaults)
{
    json_t *t = ct_load("{\"podTemplate\":{\"metadata\":{\"labels\":{\"app\":\"x\"}},\"spec\":{\"containers\":[{\"name\":"
                      "\"c\"}]}},\"service\":true,\"envVarsInjectionPolicy\":\"Allowed\",\"networkPolicyManagement\":"
                      "\"Managed\",\"volumeClaimTemplatesPolicy\":\"Allowed\"}");
    json_t *spec = wp_blueprint_sandbox_spec(t);
    ct_assert_json(spec, "{\"podTemplate\":{\"metadata\":{\"labels\":{\"app\":\"x\"}},\"spec\":{\"containers\":[{\"name\":"
                      "\"c\"}],\"automountServiceAccountToken\":false,\"dnsPolicy\":\"None\",\"dnsConfig\":{"
                      "\"nameservers\":[\"8.8.8.8\",\"1.1.1.1\"]}}},\"service\":true}");
    /* The template is untouched. */
    ck_assert_ptr_null(json_object_get(json_object_get(json_object_get(t, "podTemplate"), "spec"), "dnsPolicy"));
    json_decref(spec);
    json_decref(t);
}
END_TEST

START_TEST(secure_defaults_respect_what_the_template_sets)
{
    static const struct {
        const char *why, *template_spec, *pod, *want;
    } cases[] = {
        {"automount and DNS policy set: nothing changes", "{}",
         "{\"automountServiceAccountToken\":true,\"dnsPolicy\":\"ClusterFirst\"}",
         "{\"automountServiceAccountToken\":true,\"dnsPolicy\":\"ClusterFirst\"}"},
        {"a custom networkPolicy keeps the cluster DNS", "{\"networkPolicy\":{\"egress\":[]}}", "{}",
         "{\"automountServiceAccountToken\":false}"},
        {"an Unmanaged policy keeps the cluster DNS", "{\"networkPolicyManagement\":\"Unmanaged\"}",
         "{\"automountServiceAccountToken\":null}", "{\"automountServiceAccountToken\":false}"},
        {"empty management counts as Managed, empty dnsPolicy as unset",
         "{\"networkPolicyManagement\":\"\",\"networkPolicy\":null}",
         "{\"dnsPolicy\":\"\",\"dnsConfig\":{\"searches\":[\"x\"]}}",
         "{\"automountServiceAccountToken\":false,\"dnsPolicy\":\"None\",\"dnsConfig\":{\"nameservers\":["
         "\"8.8.8.8\",\"1.1.1.1\"]}}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *t = ct_load(cases[i].template_spec), *pod = ct_load(cases[i].pod);
        wp_blueprint_secure_defaults(pod, t);
        ct_assert_json(pod, cases[i].want); /* cases[i].why says what is checked */
        json_decref(pod);
        json_decref(t);
    }
}
END_TEST

START_TEST(evictable_annotation_is_added_once_and_never_overrides)
{
    json_t *spec = ct_load("{\"podTemplate\":{\"spec\":{}}}");
    wp_blueprint_mark_evictable(spec);
    ct_assert_json(spec, "{\"podTemplate\":{\"spec\":{},\"metadata\":{\"annotations\":{"
                      "\"cluster-autoscaler.kubernetes.io/safe-to-evict\":\"true\"}}}}");
    json_decref(spec);
    spec = ct_load("{\"podTemplate\":{\"metadata\":{\"annotations\":{\"cluster-autoscaler.kubernetes.io/safe-to-evict\":"
                 "\"false\",\"a\":\"b\"}}}}");
    wp_blueprint_mark_evictable(spec);
    ct_assert_json(spec, "{\"podTemplate\":{\"metadata\":{\"annotations\":{"
                      "\"cluster-autoscaler.kubernetes.io/safe-to-evict\":\"false\",\"a\":\"b\"}}}}");
    json_object_set_new(wp_blueprint_pod_labels(spec), "k", json_string("v"));
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(json_object_get(json_object_get(spec, "podTemplate"), "metadata"), "labels"), "k")),
                     "v");
    json_decref(spec);
}
END_TEST

START_TEST(semantic_equal_treats_unset_values_alike)
{
    const char *same[][2] = {
        {"{}", "{\"a\":null,\"b\":[],\"c\":{},\"d\":\"\",\"e\":0,\"f\":false}"},
        {"{\"a\":[1,{\"x\":[]}]}", "{\"a\":[1.0,{}]}"},
        {"null", "[]"},
        {"{\"k\":{\"m\":\"v\"}}", "{\"k\":{\"m\":\"v\",\"n\":null}}"},
    };
    const char *differ[][2] = {
        {"{\"a\":1}", "{}"},
        {"{\"a\":[1,2]}", "{\"a\":[2,1]}"},
        {"{\"a\":\"x\"}", "{\"a\":\"y\"}"},
        {"{\"a\":true}", "{\"a\":false}"},
        {"{\"a\":[1]}", "{\"a\":[1,null]}"},
        {"{\"a\":\"1\"}", "{\"a\":1}"},
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        json_t *a = ct_load(same[i][0]), *b = ct_load(same[i][1]);
        ck_assert_msg(wp_blueprint_semantic_equal(a, b) && wp_blueprint_semantic_equal(b, a), "%zu", i);
        json_decref(a);
        json_decref(b);
    }
    for (size_t i = 0; i < sizeof differ / sizeof differ[0]; i++) {
        json_t *a = ct_load(differ[i][0]), *b = ct_load(differ[i][1]);
        ck_assert_msg(!wp_blueprint_semantic_equal(a, b) && !wp_blueprint_semantic_equal(b, a), "%zu", i);
        json_decref(a);
        json_decref(b);
    }
}
END_TEST

START_TEST(a_sandbox_made_from_the_template_matches_it)
{
    json_t *t = ct_load(FULL);
    json_t *spec = wp_blueprint_sandbox_spec(t);
    /* Pool bookkeeping on the pod metadata does not make it stale. */
    wp_blueprint_mark_evictable(spec);
    json_object_set_new(wp_blueprint_pod_labels(spec), "agents.x-k8s.io/warm-pool-sandbox", json_string("x"));
    ck_assert(wp_blueprint_matches(t, spec));
    json_decref(spec);
    json_decref(t);
}
END_TEST

START_TEST(changes_to_pod_spec_volumes_or_service_make_it_stale)
{
    json_t *t = ct_load(MINIMAL);
    json_t *spec = wp_blueprint_sandbox_spec(t);
    ck_assert(wp_blueprint_matches(t, spec));

    /* Image change. */
    json_t *c0 = json_array_get(json_object_get(json_object_get(json_object_get(t, "podTemplate"), "spec"), "containers"), 0);
    json_object_set_new(c0, "image", json_string("busybox:2"));
    ck_assert(!wp_blueprint_matches(t, spec));
    json_object_set_new(c0, "image", json_string("busybox"));
    ck_assert(wp_blueprint_matches(t, spec));

    /* service: unset vs false differ (a *bool); true vs true match. */
    json_object_set_new(t, "service", json_false());
    ck_assert(!wp_blueprint_matches(t, spec));
    json_object_set_new(spec, "service", json_false());
    ck_assert(wp_blueprint_matches(t, spec));

    /* Volume claim templates compare name and spec by index, not metadata. */
    json_object_set_new(t, "volumeClaimTemplates", ct_load("[{\"metadata\":{\"name\":\"d\",\"labels\":{\"a\":\"b\"}},"
                                                         "\"spec\":{\"accessModes\":[\"ReadWriteOnce\"]}}]"));
    ck_assert(!wp_blueprint_matches(t, spec));
    json_object_set_new(spec, "volumeClaimTemplates",
                        ct_load("[{\"metadata\":{\"name\":\"d\"},\"spec\":{\"accessModes\":[\"ReadWriteOnce\"]}}]"));
    ck_assert(wp_blueprint_matches(t, spec));
    json_object_set_new(spec, "volumeClaimTemplates",
                        ct_load("[{\"metadata\":{\"name\":\"e\"},\"spec\":{\"accessModes\":[\"ReadWriteOnce\"]}}]"));
    ck_assert(!wp_blueprint_matches(t, spec));

    /* The secure defaults are part of what the template asks for: a sandbox
     * whose token is mounted is stale. */
    json_decref(spec);
    spec = wp_blueprint_sandbox_spec(t);
    ck_assert(wp_blueprint_matches(t, spec));
    json_object_set_new(json_object_get(json_object_get(spec, "podTemplate"), "spec"), "automountServiceAccountToken",
                        json_true());
    ck_assert(!wp_blueprint_matches(t, spec));
    json_decref(spec);
    json_decref(t);
}
END_TEST

CT_MAIN("blueprint",
        go_bytes_of_a_minimal_template_match_go,
        go_bytes_of_a_full_template_match_go,
        go_strings_escape_html_and_controls,
        unknown_members_follow_known_ones_sorted,
        sandbox_spec_copies_the_blueprint_and_applies_secure_defaults,
        secure_defaults_respect_what_the_template_sets,
        evictable_annotation_is_added_once_and_never_overrides,
        semantic_equal_treats_unset_values_alike,
        a_sandbox_made_from_the_template_matches_it,
        changes_to_pod_spec_volumes_or_service_make_it_stale)
