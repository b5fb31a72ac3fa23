/* The NetworkPolicy a SandboxTemplate manages (network_policy.c): default
 * rules byte for byte, custom rules, management switch, drift. */
#include "ctl_testing.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "controller/naming.h"
#include "controller/network_policy.h"

static json_t *tmpl(const char *spec_extra)
{
    char buf[1024];
    snprintf(buf, sizeof buf,
             "{\"apiVersion\":\"extensions.agents.x-k8s.io/v1beta1\",\"kind\":\"SandboxTemplate\","
             "\"metadata\":{\"name\":\"py\",\"namespace\":\"team\",\"uid\":\"t1\"},"
             "\"spec\":{\"podTemplate\":{\"spec\":{\"containers\":[]}}%s}}", spec_extra);
    return ct_load(buf);
}

START_TEST(default_policy)
{
    json_t *t = tmpl("");
    json_t *np = wp_netpol_desired(t);
    char h[WP_NAMING_HASH_LEN], want[2048];
    wp_naming_hash("py", h);
    snprintf(want, sizeof want,
             "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\","
             "\"metadata\":{\"name\":\"py-network-policy\",\"namespace\":\"team\",\"ownerReferences\":[{"
             "\"apiVersion\":\"extensions.agents.x-k8s.io/v1beta1\",\"kind\":\"SandboxTemplate\",\"name\":\"py\","
             "\"uid\":\"t1\",\"controller\":true,\"blockOwnerDeletion\":true}]},"
             "\"spec\":{\"podSelector\":{\"matchLabels\":{\"agents.x-k8s.io/sandbox-template-ref-hash\":\"%s\"}},"
             "\"policyTypes\":[\"Ingress\",\"Egress\"],"
             "\"ingress\":[{\"from\":[{\"podSelector\":{\"matchLabels\":{\"app\":\"sandbox-router\"}},"
             "\"namespaceSelector\":{\"matchLabels\":{\"kubernetes.io/metadata.name\":\"agent-sandbox-system\"}}}]}],"
             "\"egress\":[{\"to\":[{\"ipBlock\":{\"cidr\":\"0.0.0.0/0\",\"except\":[\"10.0.0.0/8\",\"172.16.0.0/12\","
             "\"192.168.0.0/16\",\"169.254.0.0/16\"]}},{\"ipBlock\":{\"cidr\":\"::/0\",\"except\":[\"fc00::/7\","
             "\"fe80::/10\"]}}]}]}}",
             h);
    json_t *w = ct_load(want);
    ck_assert(json_equal(np, w));
    ck_assert(wp_netpol_managed(t));
    ck_assert(!wp_netpol_drifted(np, w));
    json_decref(w);
    json_decref(np);
    json_decref(t);
}
END_TEST

START_TEST(custom_rules_and_management)
{
    json_t *t = tmpl(",\"networkPolicy\":{\"ingress\":[{\"ports\":[{\"port\":80}]}]},\"networkPolicyManagement\":\"Managed\"");
    json_t *np = wp_netpol_desired(t);
    json_t *spec = json_object_get(np, "spec");
    json_t *want_in = ct_load("[{\"ports\":[{\"port\":80}]}]");
    ck_assert(json_equal(json_object_get(spec, "ingress"), want_in));
    ck_assert_uint_eq(json_array_size(json_object_get(spec, "egress")), 0);
    ck_assert_uint_eq(json_array_size(json_object_get(spec, "policyTypes")), 2);
    /* drift: a changed rule, or changed policy types; absent == empty */
    json_t *have = json_deep_copy(np);
    json_object_del(json_object_get(have, "spec"), "egress");
    ck_assert(!wp_netpol_drifted(have, np));
    json_array_clear(json_object_get(json_object_get(have, "spec"), "ingress"));
    ck_assert(wp_netpol_drifted(have, np));
    json_decref(have);
    json_decref(want_in);
    json_decref(np);
    json_decref(t);
    t = tmpl(",\"networkPolicyManagement\":\"Unmanaged\"");
    ck_assert(!wp_netpol_managed(t));
    json_decref(t);
}
END_TEST

CT_MAIN("template_policy", default_policy, custom_rules_and_management)
