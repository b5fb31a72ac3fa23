/* The webhook's rule engine (common/rules.h) for reconcilers, so a claim that
 * got past a disabled webhook is still held to the same rules.
 *
 * A bridge of its own because common/rules.h and controller/kube's
 * kube_resource.h both define WP_KIND_SANDBOX_CLAIM (different enums): this
 * header includes neither, and admission_rules.c includes only rules.h. */
#ifndef WP_CONTROLLER_ADMISSION_RULES_H
#define WP_CONTROLLER_ADMISSION_RULES_H

#include <jansson.h>

#include "common/verdict.h"

struct wp_config;

/* Validates obj (a SandboxClaim, SandboxWarmPool or SandboxTemplate,
 * borrowed) as a CREATE with cfg (NULL: the defaults), without the
 * "in the past" checks (a stored object may have aged); causes and warnings
 * are appended to out (wp_verdict_free when done). Other kinds add nothing. */
void wp_ctl_rules_validate(const struct wp_config *cfg, const json_t *obj, wp_verdict *out);

#endif
