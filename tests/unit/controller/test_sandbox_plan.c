/* The Sandbox reconciler's pure decisions (sandbox_plan.c), field by field:
 * pod labels and annotations with propagation bookkeeping, the metadata
 * patch, VCT volumes, service ports, ownership, conditions and the status
 * patch (UPSTREAM.md §3). */
#include "ctl_testing.h"

#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "controller/conditions.h"
#include "controller/naming.h"
#include "controller/sandbox_plan.h"

#define NOW "2026-01-01T00:00:00Z"

static json_t *sandbox(void)
{
    return ct_load("{\"apiVersion\":\"agents.x-k8s.io/v1beta1\",\"kind\":\"Sandbox\","
                "\"metadata\":{\"name\":\"sb\",\"namespace\":\"ns\",\"uid\":\"u1\",\"generation\":4,"
                "\"labels\":{\"agents.x-k8s.io/created-by\":\"kubectl\"}},"
                "\"spec\":{\"podTemplate\":{\"metadata\":{\"labels\":{\"b\":\"2\",\"a\":\"1\","
                "\"agents.x-k8s.io/claim-uid\":\"c\"},\"annotations\":{\"n\":\"x\","
                "\"opentelemetry.io/trace-context\":\"{}\",\"extensions.agents.x-k8s.io/e\":\"1\"}},"
                "\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"busybox\"}],"
                "\"volumes\":[{\"name\":\"work\",\"emptyDir\":{}}]}},"
                "\"volumeClaimTemplates\":[{\"metadata\":{\"name\":\"work\"}},{\"metadata\":{\"name\":\"cache\"}}]}}");
}

START_TEST(system_keys)
{
    ck_assert(wp_sbplan_system_key("agents.x-k8s.io/x", false));
    ck_assert(wp_sbplan_system_key("extensions.agents.x-k8s.io/x", false));
    ck_assert(!wp_sbplan_system_key("opentelemetry.io/trace-context", false));
    ck_assert(wp_sbplan_system_key("opentelemetry.io/trace-context", true));
    ck_assert(!wp_sbplan_system_key("x.agents.x-k8s.io/y", true));
}
END_TEST

START_TEST(pod_labels_and_annotations)
{
    json_t *sb = sandbox();
    char h[WP_NAMING_HASH_LEN];
    wp_naming_hash("sb", h);
    json_t *l = wp_sbplan_pod_labels(sb);
    char want[512];
    snprintf(want, sizeof want,
             "{\"a\":\"1\",\"b\":\"2\",\"agents.x-k8s.io/sandbox-name-hash\":\"%s\","
             "\"agents.x-k8s.io/created-by\":\"unknown\"}", h);
    ct_assert_json(l, want);
    json_t *a = wp_sbplan_pod_annotations(sb);
    ct_assert_json(a, "{\"n\":\"x\",\"agents.x-k8s.io/propagated-labels\":\"a,b\","
                   "\"agents.x-k8s.io/propagated-annotations\":\"n\"}");
    json_decref(l);
    json_decref(a);
    json_decref(sb);
}
END_TEST

START_TEST(extension_labels_only_under_an_extension_controller)
{
    json_t *sb = sandbox();
    json_t *labels = json_object_get(json_object_get(sb, "metadata"), "labels");
    json_object_set_new(labels, "agents.x-k8s.io/warm-pool-sandbox", json_string("p1"));
    json_object_set_new(labels, "agents.x-k8s.io/sandbox-template-ref-hash", json_string("t1"));
    json_t *l = wp_sbplan_pod_labels(sb);
    ck_assert_ptr_null(json_object_get(l, "agents.x-k8s.io/warm-pool-sandbox"));
    json_decref(l);
    json_object_set_new(json_object_get(sb, "metadata"), "ownerReferences",
                        ct_load("[{\"apiVersion\":\"extensions.agents.x-k8s.io/v1beta1\",\"kind\":\"SandboxClaim\","
                             "\"name\":\"c\",\"uid\":\"cu\",\"controller\":true}]"));
    l = wp_sbplan_pod_labels(sb);
    ck_assert_ptr_null(json_object_get(l, "agents.x-k8s.io/warm-pool-sandbox")); /* claim: no pool label */
    ck_assert_str_eq(json_string_value(json_object_get(l, "agents.x-k8s.io/sandbox-template-ref-hash")), "t1");
    json_decref(l);
    json_object_set_new(json_object_get(sb, "metadata"), "ownerReferences",
                        ct_load("[{\"apiVersion\":\"extensions.agents.x-k8s.io/v1beta1\",\"kind\":\"SandboxWarmPool\","
                             "\"name\":\"p\",\"uid\":\"pu\",\"controller\":true}]"));
    l = wp_sbplan_pod_labels(sb);
    ck_assert_str_eq(json_string_value(json_object_get(l, "agents.x-k8s.io/warm-pool-sandbox")), "p1");
    json_decref(l);
    json_decref(sb);
}
END_TEST

START_TEST(metadata_patch_sets_drift_and_drops_stale_propagated_keys)
{
    json_t *sb = sandbox();
    char h[WP_NAMING_HASH_LEN];
    wp_naming_hash("sb", h);
    char pod_text[1024];
    snprintf(pod_text, sizeof pod_text,
             "{\"metadata\":{\"name\":\"sb\",\"labels\":{\"a\":\"0\",\"b\":\"2\",\"old\":\"1\",\"keep\":\"me\","
             "\"agents.x-k8s.io/sandbox-name-hash\":\"%s\",\"agents.x-k8s.io/created-by\":\"unknown\","
             "\"agents.x-k8s.io/warm-pool-sandbox\":\"p\"},"
             "\"annotations\":{\"n\":\"x\",\"gone\":\"1\",\"cluster-autoscaler.kubernetes.io/safe-to-evict\":\"true\","
             "\"agents.x-k8s.io/propagated-labels\":\"a,agents.x-k8s.io/z,b,old\","
             "\"agents.x-k8s.io/propagated-annotations\":\"cluster-autoscaler.kubernetes.io/safe-to-evict,gone,n\"}}}",
             h);
    json_t *pod = ct_load(pod_text);
    json_t *patch = wp_sbplan_pod_metadata_patch(sb, pod);
    ct_assert_json(patch, "{\"metadata\":{\"labels\":{\"a\":\"1\",\"old\":null,\"agents.x-k8s.io/warm-pool-sandbox\":null},"
                       "\"annotations\":{\"gone\":null,\"cluster-autoscaler.kubernetes.io/safe-to-evict\":null,"
                       "\"agents.x-k8s.io/propagated-labels\":\"a,b\","
                       "\"agents.x-k8s.io/propagated-annotations\":\"n\"}}}");
    json_decref(patch);
    json_decref(pod);
    /* a pod already in line needs no patch */
    json_t *made = wp_sbplan_pod(sb);
    ck_assert_ptr_null(wp_sbplan_pod_metadata_patch(sb, made));
    json_decref(made);
    json_decref(sb);
}
END_TEST

START_TEST(pod_volumes_use_the_claims)
{
    json_t *sb = sandbox();
    json_t *pod = wp_sbplan_pod(sb);
    ct_assert_json(json_object_get(json_object_get(pod, "spec"), "volumes"),
                "[{\"name\":\"work\",\"persistentVolumeClaim\":{\"claimName\":\"work-sb\"}},"
                "{\"name\":\"cache\",\"persistentVolumeClaim\":{\"claimName\":\"cache-sb\"}}]");
    json_t *m = json_object_get(pod, "metadata");
    ck_assert_str_eq(json_string_value(json_object_get(m, "name")), "sb");
    ck_assert_str_eq(json_string_value(json_object_get(m, "namespace")), "ns");
    ct_assert_json(json_object_get(m, "ownerReferences"),
                "[{\"apiVersion\":\"agents.x-k8s.io/v1beta1\",\"kind\":\"Sandbox\",\"name\":\"sb\",\"uid\":\"u1\","
                "\"controller\":true,\"blockOwnerDeletion\":true}]");
    json_decref(pod);
    json_t *pvc = wp_sbplan_pvc(sb, json_array_get(json_object_get(json_object_get(sb, "spec"), "volumeClaimTemplates"), 1));
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(pvc, "metadata"), "name")), "cache-sb");
    json_decref(pvc);
    json_decref(sb);
}
END_TEST

START_TEST(service_port_names)
{
    json_t *spec = ct_load("{\"containers\":[{\"name\":\"a\",\"ports\":[{\"containerPort\":80,\"name\":\"web\"},"
                        "{\"containerPort\":53,\"protocol\":\"UDP\"},{\"containerPort\":53}]},"
                        "{\"name\":\"b\",\"ports\":[{\"containerPort\":80,\"name\":\"other\"},"
                        "{\"containerPort\":81,\"name\":\"web\"},{\"containerPort\":82,\"name\":\"p-83-tcp\"},"
                        "{\"containerPort\":83}]}],"
                        "\"initContainers\":[{\"name\":\"s\",\"restartPolicy\":\"Always\",\"ports\":[{\"containerPort\":1}]},"
                        "{\"name\":\"i\",\"ports\":[{\"containerPort\":2}]}]}");
    json_t *ports = wp_sbplan_service_ports(spec);
    ct_assert_json(ports, "[{\"name\":\"p-1-tcp\",\"protocol\":\"TCP\",\"port\":1,\"targetPort\":1},"
                       "{\"name\":\"p-53-tcp\",\"protocol\":\"TCP\",\"port\":53,\"targetPort\":53},"
                       "{\"name\":\"p-53-udp\",\"protocol\":\"UDP\",\"port\":53,\"targetPort\":53},"
                       "{\"name\":\"web\",\"protocol\":\"TCP\",\"port\":80,\"targetPort\":80},"
                       "{\"name\":\"p-81-tcp\",\"protocol\":\"TCP\",\"port\":81,\"targetPort\":81},"
                       "{\"name\":\"p-83-tcp\",\"protocol\":\"TCP\",\"port\":82,\"targetPort\":82},"
                       "{\"name\":\"p-83-tcp-2\",\"protocol\":\"TCP\",\"port\":83,\"targetPort\":83}]");
    json_decref(ports);
    json_decref(spec);
}
END_TEST

START_TEST(ownership)
{
    json_t *sb = sandbox();
    char h[WP_NAMING_HASH_LEN];
    wp_naming_hash("sb", h);
    json_t *o = ct_load("{\"metadata\":{\"name\":\"x\"}}");
    ck_assert_int_eq(wp_sbplan_ownership(sb, o), WP_SBPLAN_UNOWNED);
    json_object_set_new(json_object_get(o, "metadata"), "labels", json_pack("{s:s}", "agents.x-k8s.io/adoptable", "true"));
    ck_assert_int_eq(wp_sbplan_ownership(sb, o), WP_SBPLAN_ADOPTABLE);
    json_object_set_new(json_object_get(o, "metadata"), "labels", json_pack("{s:s}", "agents.x-k8s.io/sandbox-name-hash", h));
    ck_assert_int_eq(wp_sbplan_ownership(sb, o), WP_SBPLAN_ADOPTABLE);
    json_object_set_new(json_object_get(o, "metadata"), "ownerReferences",
                        ct_load("[{\"uid\":\"u1\",\"controller\":true}]"));
    ck_assert_int_eq(wp_sbplan_ownership(sb, o), WP_SBPLAN_OWNED);
    json_object_set_new(json_object_get(o, "metadata"), "ownerReferences",
                        ct_load("[{\"uid\":\"u2\",\"controller\":true}]"));
    ck_assert_int_eq(wp_sbplan_ownership(sb, o), WP_SBPLAN_FOREIGN);
    json_decref(o);
    json_decref(sb);
}
END_TEST

static json_t *running_pod(bool ready, int ips)
{
    json_t *p = ct_load("{\"metadata\":{\"name\":\"sb\"},\"spec\":{\"nodeName\":\"n1\"},"
                     "\"status\":{\"phase\":\"Running\",\"conditions\":[]}}");
    json_t *conds = json_object_get(json_object_get(p, "status"), "conditions");
    json_array_append_new(conds, json_pack("{s:s,s:s}", "type", "PodScheduled", "status", "True"));
    json_array_append_new(conds, json_pack("{s:s,s:s}", "type", "Ready", "status", ready ? "True" : "False"));
    if (ips) json_object_set_new(json_object_get(p, "status"), "podIPs", ct_load("[{\"ip\":\"10.0.0.1\"},{\"ip\":\"fd00::1\"}]"));
    return p;
}

static const json_t *cond(const json_t *st, const char *type)
{
    return wp_conditions_find(json_object_get(st, "conditions"), type);
}

START_TEST(ready_reasons_and_messages)
{
    json_t *sb = sandbox();
    wp_sbplan_view v = {.generation = 4, .now = NOW, .cluster_domain = "cluster.local", .service_name = "sb"};
    json_t *st = wp_sbplan_status(sb, &v);
    ck_assert_str_eq(wp_condition_message(cond(st, "Ready")), "Pod does not exist");
    ck_assert_ptr_null(cond(st, "PodScheduled"));
    ck_assert_ptr_null(json_object_get(st, "selector"));
    json_decref(st);

    json_t *pod = running_pod(false, 0);
    v.pod = pod;
    st = wp_sbplan_status(sb, &v);
    ck_assert_str_eq(wp_condition_message(cond(st, "Ready")), "Pod is Running but not Ready");
    ck_assert_str_eq(wp_condition_reason(cond(st, "PodScheduled")), "PodScheduled");
    json_decref(st);
    json_decref(pod);

    pod = running_pod(true, 0);
    v.pod = pod;
    st = wp_sbplan_status(sb, &v);
    ck_assert_str_eq(wp_condition_message(cond(st, "Ready")), "Pod is Ready but has no podIPs yet");
    json_decref(st);
    json_decref(pod);

    pod = running_pod(true, 2);
    v.pod = pod;
    v.service_required = true;
    st = wp_sbplan_status(sb, &v);
    ck_assert_str_eq(wp_condition_status(cond(st, "Ready")), "False");
    ck_assert_str_eq(wp_condition_message(cond(st, "Ready")), "Pod is Ready; Service does not exist");
    json_decref(st);
    v.service_exists = true;
    st = wp_sbplan_status(sb, &v);
    const json_t *r = cond(st, "Ready");
    ck_assert_str_eq(wp_condition_status(r), "True");
    ck_assert_str_eq(wp_condition_reason(r), "DependenciesReady");
    ck_assert_str_eq(wp_condition_message(r), "Pod is Ready; Service Exists");
    ck_assert_int_eq(json_integer_value(json_object_get(r, "observedGeneration")), 4);
    ct_assert_json(json_object_get(st, "podIPs"), "[\"10.0.0.1\",\"fd00::1\"]");
    ck_assert_str_eq(json_string_value(json_object_get(st, "nodeName")), "n1");
    ck_assert_str_eq(json_string_value(json_object_get(st, "serviceFQDN")), "sb.ns.svc.cluster.local");
    /* order of first appearance: Suspended, PodScheduled, Ready (Finished absent) */
    const json_t *cs = json_object_get(st, "conditions");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(cs, 0), "type")), "Suspended");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(cs, 1), "type")), "PodScheduled");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(cs, 2), "type")), "Ready");
    json_decref(st);

    v.errors = "a failed\nb failed";
    st = wp_sbplan_status(sb, &v);
    ck_assert_str_eq(wp_condition_reason(cond(st, "Ready")), "ReconcilerError");
    ck_assert_str_eq(wp_condition_message(cond(st, "Ready")), "Error seen: a failed\nb failed");
    json_decref(st);
    v.errors = NULL;
    v.owned_pods = 2;
    v.pod = NULL;
    st = wp_sbplan_status(sb, &v);
    ck_assert_str_eq(wp_condition_message(cond(st, "Ready")),
                     "multiple Pods (2) are controlled by this Sandbox; refusing to choose or create a Pod");
    json_decref(st);
    json_decref(pod);
    json_decref(sb);
}
END_TEST

START_TEST(suspension_and_terminal_conditions)
{
    json_t *sb = sandbox();
    wp_sbplan_view v = {.generation = 1, .now = NOW, .suspended = true};
    json_t *pod = running_pod(true, 1);
    v.pod = pod;
    json_t *st = wp_sbplan_status(sb, &v);
    ck_assert_str_eq(wp_condition_reason(cond(st, "Suspended")), "PodTerminating");
    ck_assert_str_eq(wp_condition_message(cond(st, "Ready")), "Sandbox is suspending");
    json_decref(st);
    v.pod = NULL;
    st = wp_sbplan_status(sb, &v);
    ck_assert_str_eq(wp_condition_status(cond(st, "Suspended")), "True");
    ck_assert_str_eq(wp_condition_message(cond(st, "Suspended")), "Pod has been terminated. Sandbox is suspended");
    ck_assert_str_eq(wp_condition_message(cond(st, "Ready")), "Sandbox is suspended");
    json_decref(st);
    v.pod_not_owned = true;
    st = wp_sbplan_status(sb, &v);
    ck_assert_str_eq(wp_condition_reason(cond(st, "Suspended")), "PodNotOwned");
    json_decref(st);
    v.pod_not_owned = false;
    v.pod_state_unknown = true;
    st = wp_sbplan_status(sb, &v);
    ck_assert_str_eq(wp_condition_status(cond(st, "Suspended")), "Unknown");
    ck_assert_str_eq(wp_condition_reason(cond(st, "Suspended")), "PodStateUnknown");
    json_decref(st);

    v = (wp_sbplan_view){.generation = 1, .now = NOW};
    json_object_set_new(json_object_get(pod, "status"), "phase", json_string("Failed"));
    v.pod = pod;
    st = wp_sbplan_status(sb, &v);
    ck_assert_str_eq(wp_condition_reason(cond(st, "Finished")), "PodFailed");
    ck_assert_str_eq(wp_condition_reason(cond(st, "Ready")), "PodFailed");
    ck_assert_str_eq(wp_condition_message(cond(st, "Ready")), "Pod failed");
    json_decref(st);
    json_decref(pod);
    json_decref(sb);
}
END_TEST

START_TEST(pod_scheduled_is_copied)
{
    json_t *sb = sandbox();
    json_t *pod = ct_load("{\"status\":{\"phase\":\"Pending\",\"conditions\":[{\"type\":\"PodScheduled\",\"status\":\"False\","
                       "\"reason\":\"Unschedulable\",\"message\":\"0/3 nodes are available\"}]}}");
    wp_sbplan_view v = {.generation = 1, .now = NOW, .pod = pod};
    json_t *st = wp_sbplan_status(sb, &v);
    const json_t *ps = cond(st, "PodScheduled");
    ck_assert_str_eq(wp_condition_status(ps), "False");
    ck_assert_str_eq(wp_condition_reason(ps), "Unschedulable");
    ck_assert_str_eq(wp_condition_message(ps), "0/3 nodes are available");
    ck_assert_str_eq(wp_condition_message(cond(st, "Ready")), "Pod exists with phase: Pending");
    json_decref(st);
    json_object_set_new(json_object_get(pod, "status"), "conditions", json_array());
    st = wp_sbplan_status(sb, &v);
    ps = cond(st, "PodScheduled");
    ck_assert_str_eq(wp_condition_status(ps), "Unknown");
    ck_assert_str_eq(wp_condition_reason(ps), "PodSchedulingUnknown");
    ck_assert_str_eq(wp_condition_message(ps), "Pod has not reported a PodScheduled condition yet");
    json_decref(st);
    json_decref(pod);
    json_decref(sb);
}
END_TEST

START_TEST(status_patch_only_when_changed)
{
    json_t *old = ct_load("{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"}],\"podIPs\":[\"1.1.1.1\"],\"nodeName\":\"a\"}");
    json_t *same = json_deep_copy(old);
    ck_assert_ptr_null(wp_sbplan_status_patch(old, same));
    /* only nodeName while not Ready: skipped, as upstream */
    json_object_set_new(same, "nodeName", json_string("b"));
    ck_assert_ptr_null(wp_sbplan_status_patch(old, same));
    json_object_del(same, "podIPs");
    json_t *p = wp_sbplan_status_patch(old, same);
    ct_assert_json(p, "{\"status\":{\"nodeName\":\"b\",\"podIPs\":null}}");
    json_decref(p);
    json_decref(same);
    json_decref(old);
}
END_TEST

START_TEST(expired_status)
{
    json_t *sb = sandbox();
    json_object_set_new(sb, "status", ct_load("{\"podIPs\":[\"1.1.1.1\"],\"selector\":\"s\",\"conditions\":["
                                           "{\"type\":\"Suspended\",\"status\":\"False\"},"
                                           "{\"type\":\"PodScheduled\",\"status\":\"True\"},"
                                           "{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"DependenciesReady\"}]}"));
    json_t *st = wp_sbplan_expired_status(sb, false, NOW);
    ck_assert_ptr_nonnull(json_object_get(st, "podIPs"));
    ck_assert_ptr_null(cond(st, "PodScheduled"));
    ck_assert_str_eq(wp_condition_reason(cond(st, "Ready")), "SandboxExpired");
    ck_assert_str_eq(wp_condition_message(cond(st, "Ready")), "Sandbox has expired");
    ck_assert_str_eq(json_string_value(json_object_get(cond(st, "Ready"), "lastTransitionTime")), NOW);
    json_decref(st);
    st = wp_sbplan_expired_status(sb, true, NOW);
    ck_assert_uint_eq(json_object_size(st), 1);
    ck_assert_uint_eq(json_array_size(json_object_get(st, "conditions")), 2);
    json_decref(st);
    json_decref(sb);
}
END_TEST

CT_MAIN("sandbox_plan", system_keys, pod_labels_and_annotations, extension_labels_only_under_an_extension_controller, metadata_patch_sets_drift_and_drops_stale_propagated_keys, pod_volumes_use_the_claims, service_port_names, ownership, ready_reasons_and_messages, suspension_and_terminal_conditions, pod_scheduled_is_copied, status_patch_only_when_changed, expired_status)
