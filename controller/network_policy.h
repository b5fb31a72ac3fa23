/* The NetworkPolicy a SandboxTemplate manages (UPSTREAM.md §8), as pure
 * functions: what it should be, and whether an existing one drifted. */
#ifndef WP_CONTROLLER_NETWORK_POLICY_H
#define WP_CONTROLLER_NETWORK_POLICY_H

#include <jansson.h>
#include <stdbool.h>

/* True when the template asks for a managed policy
 * (networkPolicyManagement Managed or unset). */
bool wp_netpol_managed(const json_t *tmpl);

/* The policy "<template>-network-policy" for tmpl (borrowed): pods with
 * sandbox-template-ref-hash = hash(template name), policyTypes Ingress and
 * Egress, and either the template's networkPolicy ingress/egress or the
 * default rules: ingress only from pods app=sandbox-router in namespace
 * agent-sandbox-system; egress anywhere except private, link-local and
 * unique-local ranges. Controlled by the template. New reference. */
json_t *wp_netpol_desired(const json_t *tmpl);

/* True when have's spec differs from want's in what this controller sets
 * (podSelector, policyTypes, ingress, egress). */
bool wp_netpol_drifted(const json_t *have, const json_t *want);

#endif
