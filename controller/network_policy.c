/* See network_policy.h. */
#include "controller/network_policy.h"

#include <stdlib.h>
#include <string.h>

#include "common/verdict.h"
#include "controller/keys.h"
#include "controller/naming.h"
#include "controller/reconciler.h"

bool wp_netpol_managed(const json_t *tmpl)
{
    const char *m = json_string_value(json_object_get(json_object_get(tmpl, "spec"), "networkPolicyManagement"));
    return !m || !*m || strcmp(m, WP_NP_MANAGED) == 0;
}

static json_t *default_ingress(void)
{
    return json_pack("[{s:[{s:{s:{s:s}}, s:{s:{s:s}}}]}]", "from", "podSelector", "matchLabels",
                     WP_NP_ROUTER_LABEL_KEY, WP_NP_ROUTER_LABEL_VALUE, "namespaceSelector", "matchLabels",
                     WP_NS_NAME_LABEL, WP_NP_SYSTEM_NAMESPACE);
}

static json_t *default_egress(void)
{
    return json_pack("[{s:[{s:{s:s, s:[s,s,s,s]}}, {s:{s:s, s:[s,s]}}]}]", "to", "ipBlock", "cidr", "0.0.0.0/0",
                     "except", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "ipBlock", "cidr",
                     "::/0", "except", "fc00::/7", "fe80::/10");
}

/* A copy of the custom rules (absent = none: deny that direction). */
static json_t *custom_rules(const json_t *np, const char *which)
{
    const json_t *rules = json_object_get(np, which);
    return json_is_array(rules) ? json_deep_copy(rules) : json_array();
}

json_t *wp_netpol_desired(const json_t *tmpl)
{
    const json_t *meta = json_object_get(tmpl, "metadata");
    const char *name = json_string_value(json_object_get(meta, "name"));
    char hash[WP_NAMING_HASH_LEN];
    wp_naming_hash(name ? name : "", hash);
    char *np_name = wp_naming_network_policy(name ? name : "");
    const json_t *custom = json_object_get(json_object_get(tmpl, "spec"), "networkPolicy");
    bool use_custom = json_is_object(custom);
    json_t *np = json_pack("{s:s, s:s, s:{s:s, s:O, s:[o]}, s:{s:{s:{s:s}}, s:[s,s], s:o, s:o}}", "apiVersion",
                           "networking.k8s.io/v1", "kind", "NetworkPolicy", "metadata", "name", np_name, "namespace",
                           json_object_get(meta, "namespace"), "ownerReferences", wp_ctl_owner_ref(tmpl), "spec",
                           "podSelector", "matchLabels", WP_LABEL_TEMPLATE_REF_HASH, hash, "policyTypes", "Ingress",
                           "Egress", "ingress", use_custom ? custom_rules(custom, "ingress") : default_ingress(),
                           "egress", use_custom ? custom_rules(custom, "egress") : default_egress());
    free(np_name);
    return wp_xalloc_check(np);
}

/* Absent and empty lists are the same to the API. */
static bool same_rules(const json_t *a, const json_t *b)
{
    if (json_array_size(a) == 0 && json_array_size(b) == 0) return true;
    return json_equal(a, b);
}

bool wp_netpol_drifted(const json_t *have, const json_t *want)
{
    const json_t *hs = json_object_get(have, "spec"), *ws = json_object_get(want, "spec");
    return !json_equal(json_object_get(hs, "podSelector"), json_object_get(ws, "podSelector")) ||
           !json_equal(json_object_get(hs, "policyTypes"), json_object_get(ws, "policyTypes")) ||
           !same_rules(json_object_get(hs, "ingress"), json_object_get(ws, "ingress")) ||
           !same_rules(json_object_get(hs, "egress"), json_object_get(ws, "egress"));
}
