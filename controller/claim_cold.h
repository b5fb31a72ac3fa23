/* The Sandbox a claim cold-starts from its pool's template. Pure. */
#ifndef WP_CONTROLLER_CLAIM_COLD_H
#define WP_CONTROLLER_CLAIM_COLD_H

#include <jansson.h>

#include "controller/claim_status.h"

/* The Sandbox a cold start creates (UPSTREAM.md §5 "Cold create"): named
 * and namespaced like the claim, owned by it; annotations trace context and
 * sandbox-template-ref; labels claim-uid, created-by (raw), launch-type=cold,
 * sandbox-template-ref-hash; spec = the template's blueprint with secure
 * defaults (the claim's lifecycle is not copied), the claim's volume claim
 * templates, identity pod labels, additionalPodMetadata and env merged by
 * the template's policies. New reference, or NULL with the error in errs. */
json_t *wp_claim_cold_sandbox(const json_t *claim, const json_t *template_obj, wp_claim_errors *errs);

#endif
