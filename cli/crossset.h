/* Checks that need the whole set of manifests, run after every file:
 *
 * - a claim names a SandboxWarmPool no manifest defines (warning: it may
 *   exist in the cluster);
 * - a pool names a SandboxTemplate no manifest defines (warning);
 * - a claim sets env (or volumeClaimTemplates) while its pool's template,
 *   both in the set, has envVarsInjectionPolicy (volumeClaimTemplatesPolicy)
 *   Disallowed, the default: an error, the controller would reject it;
 * - under envVarsInjectionPolicy Allowed, a claim variable that the target
 *   container of the template already sets: an error too (only Overrides
 *   may replace one).
 *
 * References resolve within a namespace; an object without one is in the
 * default namespace (the report's effective_namespace). */
#ifndef WP_CLI_CROSSSET_H
#define WP_CLI_CROSSSET_H

#include "cli/report.h"

/* Adds the findings to r with line 0 and a pointer into the object's
 * document; the caller places them (validate.c). */
void wp_cli_crossset_check(wp_cli_report *r);

#endif
