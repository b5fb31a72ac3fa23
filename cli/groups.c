/* Rule groups of causes. See groups.h. */
#include "cli/groups.h"

#include <stdint.h>
#include <string.h>

/* "claim.", "pool.", "template.": the prefix of the kind's group names. */
static const char *group_prefix(wp_kind kind)
{
    switch (kind) {
    case WP_KIND_SANDBOX_CLAIM: return "claim.";
    case WP_KIND_SANDBOX_WARM_POOL: return "pool.";
    case WP_KIND_SANDBOX_TEMPLATE: return "template.";
    default: return NULL;
    }
}

static bool same_cause(const wp_cause *a, const wp_cause *b)
{
    return strcmp(a->pointer, b->pointer) == 0 && strcmp(a->message, b->message) == 0;
}

/* Tags what `alone` (the verdict of group g alone) reproduces. Returns how
 * many it tagged. */
static size_t tag(const wp_verdict *v, const wp_verdict *alone, const char *name, const char **cause_groups,
                  const char **warning_groups)
{
    size_t tagged = 0;
    for (size_t i = 0; i < v->n_causes; i++)
        for (size_t j = 0; !cause_groups[i] && j < alone->n_causes; j++)
            if (same_cause(&v->causes[i], &alone->causes[j])) cause_groups[i] = name, tagged++;
    for (size_t i = 0; i < v->n_warnings; i++)
        for (size_t j = 0; !warning_groups[i] && j < alone->n_warnings; j++)
            if (strcmp(v->warnings[i], alone->warnings[j]) == 0) warning_groups[i] = name, tagged++;
    return tagged;
}

void wp_cli_groups_attribute(const wp_config *cfg, wp_kind kind, const wp_jval *obj, const struct timespec *now,
                             const wp_verdict *v, const char **cause_groups, const char **warning_groups)
{
    memset(cause_groups, 0, v->n_causes * sizeof *cause_groups);
    memset(warning_groups, 0, v->n_warnings * sizeof *warning_groups);
    const char *prefix = group_prefix(kind);
    size_t left = v->n_causes + v->n_warnings;
    wp_config *base = cfg ? NULL : wp_config_new_default();
    if (!cfg) cfg = base;
    for (int g = 0; g < WP_RULE__COUNT && left > 0 && prefix; g++) {
        const char *name = wp_rule_group_name((wp_rule_group)g);
        if (strncmp(name, prefix, strlen(prefix)) != 0 || cfg->modes[g] == WP_MODE_OFF) continue;
        wp_config alone_cfg;
        memcpy(&alone_cfg, cfg, sizeof alone_cfg); /* read-only copy: refcount unused */
        for (int o = 0; o < WP_RULE__COUNT; o++) alone_cfg.modes[o] = o == g ? cfg->modes[g] : WP_MODE_OFF;
        wp_verdict alone = WP_VERDICT_INIT;
        alone.max_causes = v->max_causes;
        wp_rules_validate(&alone_cfg, kind, WP_OP_CREATE, obj, NULL, now, &alone);
        left -= tag(v, &alone, name, cause_groups, warning_groups);
        wp_verdict_free(&alone);
    }
    if (base) wp_config_unref(base);
}
