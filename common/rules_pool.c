/* SandboxWarmPool rules 1-3 (ADMISSION.md, "SandboxWarmPool"). */
#include "common/rules_fields.h"

/* 1. spec.sandboxTemplateRef.name: required, an object name. */
void wp_rules_pool_template_ref(wp_rules_ctx *c, const wp_jval *spec)
{
    wp_rules_check_object_ref(c, spec, "sandboxTemplateRef");
}

/* 2. spec.replicas, when set: an integer from 0 to the configured maximum. */
void wp_rules_pool_replicas(wp_rules_ctx *c, const wp_jval *spec)
{
    long long replicas;
    if (wp_rules_integer(c, wp_rules_enter(c, spec, "replicas"), &replicas))
        wp_rules_check_range(c, replicas, 0, c->cfg->max_pool_replicas);
    wp_rules_leave(c);
}

/* 3. spec.updateStrategy.type, when set: Recreate or OnReplenish. */
void wp_rules_pool_update_strategy(wp_rules_ctx *c, const wp_jval *spec)
{
    static const char *const types[] = {"Recreate", "OnReplenish", NULL};
    const wp_jval *strategy = wp_rules_object(c, wp_rules_enter(c, spec, "updateStrategy"));
    if (strategy) {
        wp_rules_check_enum(c, wp_rules_enter(c, strategy, "type"), types);
        wp_rules_leave(c);
    }
    wp_rules_leave(c);
}
