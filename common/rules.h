/* The admission rule engine (ADMISSION.md). One engine serves the webhook,
 * warmpoolctl and the controller, so they can never disagree.
 *
 * Rules read a decoded object (wp_jval, common/jdoc.h: the arena DOM the
 * webhook decodes into ten times faster than jansson; tools holding a json_t
 * convert with wp_jdoc_from_json) and append causes and warnings to a
 * verdict. They never fail on malformed input: a wrong type in a field the
 * rules read is itself a cause ("Invalid value: ... must be a string").
 * Rule groups set to "warn" in the config turn their causes into warnings;
 * "off" skips them. */
#ifndef WP_RULES_H
#define WP_RULES_H

#include <time.h>

#include "common/config.h"
#include "common/jdoc.h"
#include "common/verdict.h"

typedef enum {
    WP_KIND_OTHER = 0,
    WP_KIND_SANDBOX_CLAIM,
    WP_KIND_SANDBOX_WARM_POOL,
    WP_KIND_SANDBOX_TEMPLATE,
} wp_kind;

typedef enum { WP_OP_CREATE, WP_OP_UPDATE, WP_OP_DELETE, WP_OP_CONNECT, WP_OP_OTHER } wp_operation;

/* The API group every kind above lives in. */
#define WP_GROUP_EXTENSIONS "extensions.agents.x-k8s.io"

/* Maps an API group and kind (any version) to the kinds the engine handles. */
wp_kind wp_kind_from_group_kind(const char *group, const char *kind);
/* "SandboxClaim", ... or "other". Static string. */
const char *wp_kind_name(wp_kind kind);
/* "CREATE" ... ; WP_OP_OTHER for anything else. */
wp_operation wp_operation_parse(const char *s);
const char *wp_operation_name(wp_operation op);

/* Validates obj (borrowed) as `kind` for `op`; old_obj (borrowed, may be
 * NULL) is the stored object on UPDATE. `now` decides "in the past" (NULL:
 * no such check). cfg NULL means the defaults (wp_config_new_default).
 * Kinds and operations the engine does not handle add nothing; only CREATE
 * and UPDATE are validated. Findings are appended to out. Allocates
 * nothing unless a cause or warning is recorded. */
void wp_rules_validate(const wp_config *cfg, wp_kind kind, wp_operation op,
                       const wp_jval *obj, const wp_jval *old_obj,
                       const struct timespec *now, wp_verdict *out);

/* Runs one rule group (e.g. WP_RULE_CLAIM_POD_METADATA) of `kind` on obj,
 * enforced whatever cfg's modes say (cfg supplies the settings, such as the
 * allowed label domains; NULL means the defaults). For the controller, which
 * re-checks what a disabled or bypassed webhook may have let through with
 * the very rules the webhook runs. Findings are appended to out. */
void wp_rules_validate_group(const wp_config *cfg, wp_kind kind, wp_rule_group group, const wp_jval *obj,
                             wp_verdict *out);

#endif
