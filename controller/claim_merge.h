/* What a claim adds to the Sandbox it gets, checked and merged without I/O
 * (UPSTREAM.md §5 "Env", "VCTs", "additionalPodMetadata"):
 * - spec.additionalPodMetadata is checked with the admission rule engine
 *   (common/rules.h), so a claim that got past a disabled webhook still
 *   cannot put system labels on its pod, then merged into the pod template's
 *   metadata (a template key with another value is a conflict);
 * - spec.env follows the template's envVarsInjectionPolicy;
 * - spec.volumeClaimTemplates follow its volumeClaimTemplatesPolicy.
 * Each returns true on success, or false with the error (kind and
 * upstream's exact text) added to errs and its target left unusable.
 * Objects are borrowed; targets are modified in place. */
#ifndef WP_CONTROLLER_CLAIM_MERGE_H
#define WP_CONTROLLER_CLAIM_MERGE_H

#include <jansson.h>
#include <stdbool.h>

#include "common/config.h"
#include "controller/claim_status.h"

/* InvalidMetadata "invalid additionalPodMetadata: <field>: <message>; ..."
 * when the rules find causes. cfg NULL: the rule defaults. */
bool wp_claim_check_pod_metadata(const wp_config *cfg, const json_t *claim, wp_claim_errors *errs);

/* Merges the claim's additionalPodMetadata labels and annotations into
 * pod_meta (a podTemplate.metadata object). A key the template sets to
 * another value fails (ReconcilerError "metadata override conflict: ..."). */
bool wp_claim_merge_pod_metadata(json_t *pod_meta, const json_t *claim, wp_claim_errors *errs);

/* Injects the claim's spec.env into pod_spec (a podTemplate.spec) under
 * policy ("Allowed", "Overrides"; anything else rejects). No env: true. */
bool wp_claim_merge_env(json_t *pod_spec, const json_t *claim, const char *policy, wp_claim_errors *errs);

/* Merges the claim's spec.volumeClaimTemplates into sandbox_spec's under
 * policy ("Allowed", "Overrides"; "Disallowed"/absent rejects). Without
 * claim templates only the template's own are validated. */
bool wp_claim_merge_volume_claim_templates(json_t *sandbox_spec, const json_t *claim, const char *policy,
                                           wp_claim_errors *errs);

#endif
