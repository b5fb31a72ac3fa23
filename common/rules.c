/* The rule engine's front door: which kinds and operations it handles, and
 * running each kind's rule groups in the mode the config gives them. The
 * rules themselves are in rules_claim.c, rules_pool.c, rules_template.c. */
#include "common/rules.h"

#include <string.h>

#include "common/rules_fields.h"

wp_kind wp_kind_from_group_kind(const char *group, const char *kind)
{
    if (!group || !kind || strcmp(group, WP_GROUP_EXTENSIONS) != 0) return WP_KIND_OTHER;
    if (strcmp(kind, "SandboxClaim") == 0) return WP_KIND_SANDBOX_CLAIM;
    if (strcmp(kind, "SandboxWarmPool") == 0) return WP_KIND_SANDBOX_WARM_POOL;
    if (strcmp(kind, "SandboxTemplate") == 0) return WP_KIND_SANDBOX_TEMPLATE;
    return WP_KIND_OTHER;
}

const char *wp_kind_name(wp_kind kind)
{
    switch (kind) {
    case WP_KIND_SANDBOX_CLAIM: return "SandboxClaim";
    case WP_KIND_SANDBOX_WARM_POOL: return "SandboxWarmPool";
    case WP_KIND_SANDBOX_TEMPLATE: return "SandboxTemplate";
    case WP_KIND_OTHER: break;
    }
    return "other";
}

static const char *const operation_names[] = {
    [WP_OP_CREATE] = "CREATE", [WP_OP_UPDATE] = "UPDATE", [WP_OP_DELETE] = "DELETE", [WP_OP_CONNECT] = "CONNECT"};

wp_operation wp_operation_parse(const char *s)
{
    for (int op = WP_OP_CREATE; s && op < WP_OP_OTHER; op++)
        if (strcmp(s, operation_names[op]) == 0) return (wp_operation)op;
    return WP_OP_OTHER;
}

const char *wp_operation_name(wp_operation op)
{
    return (unsigned)op < WP_OP_OTHER ? operation_names[op] : "OTHER";
}

/* ---- dispatch ---------------------------------------------------------- */

typedef struct {
    wp_rule_group group;
    wp_rules_group_fn run;
} group_entry;

static const group_entry claim_groups[] = {
    {WP_RULE_CLAIM_WARMPOOLREF, wp_rules_claim_warm_pool_ref},
    {WP_RULE_CLAIM_LEGACY, wp_rules_claim_legacy_fields},
    {WP_RULE_CLAIM_ENV, wp_rules_claim_env},
    {WP_RULE_CLAIM_VOLUMES, wp_rules_claim_volume_claim_templates},
    {WP_RULE_CLAIM_LIFECYCLE, wp_rules_claim_lifecycle},
    {WP_RULE_CLAIM_POD_METADATA, wp_rules_claim_pod_metadata},
    {WP_RULE_CLAIM_IMMUTABLE, wp_rules_claim_immutable},
};
static const group_entry pool_groups[] = {
    {WP_RULE_POOL_TEMPLATE_REF, wp_rules_pool_template_ref},
    {WP_RULE_POOL_REPLICAS, wp_rules_pool_replicas},
    {WP_RULE_POOL_UPDATE_STRATEGY, wp_rules_pool_update_strategy},
};
static const group_entry template_groups[] = {
    {WP_RULE_TEMPLATE_CONTAINERS, wp_rules_template_containers},
    {WP_RULE_TEMPLATE_ENUMS, wp_rules_template_enums},
    {WP_RULE_TEMPLATE_IMAGE_DIGEST, wp_rules_template_image_digest},
};

/* The image-digest group only ever warns, even if set to enforce. */
static wp_rule_mode effective_mode(const wp_config *cfg, wp_rule_group g)
{
    wp_rule_mode m = cfg->modes[g];
    return g == WP_RULE_TEMPLATE_IMAGE_DIGEST && m == WP_MODE_ENFORCE ? WP_MODE_WARN : m;
}

/* A structurally broken object (not an object, spec not an object) is
 * reported once, in the strictest mode any of the kind's groups runs in,
 * and nothing is reported when every group is off. */
static wp_rule_mode strictest_mode(const wp_config *cfg, const group_entry *groups, size_t n)
{
    wp_rule_mode strictest = WP_MODE_OFF;
    for (size_t i = 0; i < n; i++) {
        wp_rule_mode m = effective_mode(cfg, groups[i].group);
        if (m == WP_MODE_ENFORCE || (m == WP_MODE_WARN && strictest == WP_MODE_OFF)) strictest = m;
    }
    return strictest;
}

static const wp_config *default_config(void)
{
    static char *domains[] = {WP_CONFIG_DEFAULT_LABEL_DOMAIN};
    static wp_config cfg = {
        .allowed_label_domains = domains,
        .n_allowed_label_domains = 1,
        .max_pool_replicas = WP_CONFIG_DEFAULT_MAX_POOL_REPLICAS,
        .modes = {[WP_RULE_TEMPLATE_IMAGE_DIGEST] = WP_MODE_WARN}, /* the rest: ENFORCE (0) */
    };
    return &cfg;
}

static void run_groups(wp_rules_ctx *c, const group_entry *groups, size_t n)
{
    c->mode = strictest_mode(c->cfg, groups, n);
    if (c->mode == WP_MODE_OFF) return;
    if (!wp_jval_is_object(c->obj)) {
        /* The path is empty: the whole object is wrong. */
        if (c->obj) wp_rules_type_error(c, c->obj, "object");
        else wp_rules_required(c);
        return;
    }
    const wp_jval *spec = wp_rules_enter(c, c->obj, "spec");
    if (wp_rules_is_set(spec) && !wp_rules_object(c, spec)) {
        wp_rules_leave(c);
        return; /* spec is not an object: every group would say so again */
    }
    for (size_t i = 0; i < n; i++) {
        c->mode = effective_mode(c->cfg, groups[i].group);
        if (c->mode == WP_MODE_OFF) continue;
        groups[i].run(c, wp_jval_is_object(spec) ? spec : NULL);
    }
    wp_rules_leave(c);
}

void wp_rules_validate(const wp_config *cfg, wp_kind kind, wp_operation op, const wp_jval *obj,
                       const wp_jval *old_obj, const struct timespec *now, wp_verdict *out)
{
    if (op != WP_OP_CREATE && op != WP_OP_UPDATE) return;
    wp_rules_ctx c = {
        .cfg = cfg ? cfg : default_config(),
        .op = op,
        .obj = obj,
        .old_obj = old_obj,
        .now = now,
        .out = out,
    };
    switch (kind) {
    case WP_KIND_SANDBOX_CLAIM: run_groups(&c, claim_groups, sizeof claim_groups / sizeof *claim_groups); break;
    case WP_KIND_SANDBOX_WARM_POOL: run_groups(&c, pool_groups, sizeof pool_groups / sizeof *pool_groups); break;
    case WP_KIND_SANDBOX_TEMPLATE:
        run_groups(&c, template_groups, sizeof template_groups / sizeof *template_groups);
        break;
    case WP_KIND_OTHER: break;
    }
}

/* The table entry of group within kind's groups, or NULL. */
static const group_entry *find_group(wp_kind kind, wp_rule_group group)
{
    const group_entry *groups = NULL;
    size_t n = 0;
    switch (kind) {
    case WP_KIND_SANDBOX_CLAIM: groups = claim_groups, n = sizeof claim_groups / sizeof *claim_groups; break;
    case WP_KIND_SANDBOX_WARM_POOL: groups = pool_groups, n = sizeof pool_groups / sizeof *pool_groups; break;
    case WP_KIND_SANDBOX_TEMPLATE:
        groups = template_groups, n = sizeof template_groups / sizeof *template_groups;
        break;
    case WP_KIND_OTHER: break;
    }
    for (size_t i = 0; i < n; i++)
        if (groups[i].group == group) return &groups[i];
    return NULL;
}

void wp_rules_validate_group(const wp_config *cfg, wp_kind kind, wp_rule_group group, const wp_jval *obj,
                             wp_verdict *out)
{
    const group_entry *entry = find_group(kind, group);
    if (!entry || !wp_jval_is_object(obj)) return;
    wp_rules_ctx c = {
        .cfg = cfg ? cfg : default_config(),
        .op = WP_OP_CREATE,
        .obj = obj,
        .out = out,
        .mode = WP_MODE_ENFORCE,
    };
    const wp_jval *spec = wp_rules_enter(&c, obj, "spec");
    entry->run(&c, wp_jval_is_object(spec) ? spec : NULL);
    wp_rules_leave(&c);
}
