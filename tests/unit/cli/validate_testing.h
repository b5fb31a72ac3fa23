/* Helpers for tests that run the validate pipeline in-process: the
 * embedded CRDs, the default rule configuration, in-memory files. */
#ifndef WP_CLI_VALIDATE_TESTING_H
#define WP_CLI_VALIDATE_TESTING_H

#include <check.h>
#include <string.h>

#include "cli/validate.h"

typedef struct {
    wp_cli_crds *crds;
    wp_config *cfg;
    wp_cli_validate_options o;
    wp_cli_report r;
} validate_env;

static inline void venv_init(validate_env *e, const char *default_namespace)
{
    char err[256];
    e->crds = wp_cli_crds_load_embedded(err, sizeof err);
    ck_assert_msg(e->crds != NULL, "%s", err);
    e->cfg = wp_config_new_default();
    e->o = (wp_cli_validate_options){.config = e->cfg, .crds = e->crds, .default_namespace = default_namespace,
                                     .max_file_size = 1 << 20};
    clock_gettime(CLOCK_REALTIME, &e->o.now);
    wp_cli_report_init(&e->r);
}

/* Validates text as the file `name` (kept, so late findings can be placed). */
static inline void venv_add(validate_env *e, const char *name, const char *text)
{
    wp_cli_validate_buffer(&e->o, &e->r, name, text, strlen(text), true);
}

static inline void venv_free(validate_env *e)
{
    wp_cli_report_free(&e->r);
    wp_cli_crds_free(e->crds);
    wp_config_unref(e->cfg);
}

/* Validates {name, text, name, text, ..., NULL} as one set and returns the
 * finished report (caller frees with wp_cli_report_free). */
static inline wp_cli_report validate_files(const char *default_namespace, const char *const *files)
{
    validate_env e;
    venv_init(&e, default_namespace);
    for (size_t i = 0; files[i]; i += 2) venv_add(&e, files[i], files[i + 1]);
    wp_cli_validate_finish(&e.o, &e.r);
    wp_cli_report r = e.r;
    wp_cli_report_init(&e.r);
    venv_free(&e);
    return r;
}

/* The first finding of rule with this field (any field when NULL), or NULL. */
static inline const wp_cli_finding *find_finding(const wp_cli_report *r, wp_cli_rule rule, const char *field)
{
    for (size_t i = 0; i < r->n_findings; i++) {
        const wp_cli_finding *x = &r->findings[i];
        if (x->rule == rule && (!field || (x->field && strcmp(x->field, field) == 0))) return x;
    }
    return NULL;
}

static inline size_t count_findings(const wp_cli_report *r, wp_cli_rule rule)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_findings; i++) n += r->findings[i].rule == rule;
    return n;
}

#endif
