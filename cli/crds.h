/* The project's CRDs (charts/warmpool/crds/), embedded into the program at
 * build time, compiled into schemas and looked up by group, version and
 * kind. One source of truth: the chart installs the same text the CLI
 * checks against. */
#ifndef WP_CLI_CRDS_H
#define WP_CLI_CRDS_H

#include <stddef.h>

#include "cli/schema.h"

typedef struct {
    const char *name; /* file name, for messages */
    const char *data;
    size_t len;
} wp_cli_embedded_file;

/* Generated at build time from the YAML files in charts/warmpool/crds. */
extern const wp_cli_embedded_file wp_cli_embedded_crds[];
extern const size_t wp_cli_embedded_crds_count;

typedef struct wp_cli_crds wp_cli_crds;

/* Compiles CRD manifests (each file may hold several documents).
 * Returns a new registry (free with wp_cli_crds_free), or NULL with err
 * naming the file and the problem. */
wp_cli_crds *wp_cli_crds_load(const wp_cli_embedded_file *files, size_t n, char *err, size_t err_size);

/* Compiles the embedded CRDs. */
wp_cli_crds *wp_cli_crds_load_embedded(char *err, size_t err_size);

void wp_cli_crds_free(wp_cli_crds *crds);

typedef enum {
    WP_CLI_CRD_UNKNOWN_KIND,   /* no CRD defines group/kind */
    WP_CLI_CRD_NOT_SERVED,     /* the kind exists, that version is not served */
    WP_CLI_CRD_FOUND,
} wp_cli_crd_lookup;

/* Finds the schema for group/version/kind. On FOUND *schema is set
 * (borrowed from the registry); on NOT_SERVED *served names a served
 * version (borrowed). Either out pointer may be NULL. */
wp_cli_crd_lookup wp_cli_crds_find(const wp_cli_crds *crds, const char *group, const char *version,
                                   const char *kind, const wp_schema **schema, const char **served);

/* The resource name (plural) of group/kind, or NULL. Borrowed. */
const char *wp_cli_crds_plural(const wp_cli_crds *crds, const char *group, const char *kind);

#endif
