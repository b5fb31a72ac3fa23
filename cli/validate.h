/* `warmpoolctl validate`: every SandboxClaim, SandboxWarmPool and
 * SandboxTemplate in a set of manifests is checked against the project's
 * CRD schemas and the admission rules (as a CREATE), then the set is
 * checked as a whole (crossset.h). Results go into a wp_cli_report; the
 * program picks the output format.
 *
 * Speed: documents are parsed without positions; only a document with
 * findings is parsed again with positions to place them. */
#ifndef WP_CLI_VALIDATE_H
#define WP_CLI_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "cli/crds.h"
#include "cli/report.h"
#include "common/config.h"

typedef struct {
    const wp_config *config;       /* borrowed */
    const wp_cli_crds *crds;       /* borrowed */
    const char *default_namespace; /* for objects without metadata.namespace */
    size_t max_file_size;
    struct timespec now;           /* "in the past" for the rules */
    size_t max_causes;             /* errors shown per object, then "and N more errors"; 0: 100, SIZE_MAX: all */
    char *const *skip_kinds;       /* --skip: kinds not checked (counted as skipped) */
    size_t n_skip_kinds;
} wp_cli_validate_options;

/* Validates the manifests at a command-line path (file, directory or "-"). */
void wp_cli_validate_path(const wp_cli_validate_options *o, wp_cli_report *r, const char *path);

/* Validates in-memory content as if it were the file `path`. The content
 * is copied into the report when retain is set (needed when it cannot be
 * read again from path for the cross-set findings' positions). */
void wp_cli_validate_buffer(const wp_cli_validate_options *o, wp_cli_report *r, const char *path,
                            const char *data, size_t len, bool retain);

/* Runs the checks across the whole set and sorts the findings. Call once,
 * after every path. */
void wp_cli_validate_finish(const wp_cli_validate_options *o, wp_cli_report *r);

#endif
