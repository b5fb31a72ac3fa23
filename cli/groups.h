/* Which admission rule group each cause and warning of a verdict comes
 * from ("claim.env", the names the config's rules: and --ignore-rule
 * use), so every finding can say what turns it off.
 *
 * The rule engine does not label its causes, so this asks it: only for an
 * object that has findings, it runs the engine again once per group of the
 * object's kind, with every other group off, and matches the results. A
 * valid object costs nothing extra. */
#ifndef WP_CLI_GROUPS_H
#define WP_CLI_GROUPS_H

#include <time.h>

#include "common/config.h"
#include "common/jdoc.h"
#include "common/rules.h"
#include "common/verdict.h"

/* Fills cause_groups[i] for each of v's causes and warning_groups[i] for
 * each of its warnings with a static group name (NULL when no single group
 * reproduces it). The arrays are the caller's, sized n_causes and
 * n_warnings. v must be what wp_rules_validate(cfg, kind, WP_OP_CREATE,
 * obj, NULL, now) produced. */
void wp_cli_groups_attribute(const wp_config *cfg, wp_kind kind, const wp_jval *obj, const struct timespec *now,
                             const wp_verdict *v, const char **cause_groups, const char **warning_groups);

#endif
