/* `warmpoolctl migrate`: rewrites legacy manifests for the v1beta1 API.
 *
 * - A claim's spec.sandboxTemplateRef + spec.warmpool (API.md, "The legacy
 *   claim shape") become spec.warmPoolRef: a named pool stays; `default`
 *   (or empty, or absent) becomes the one pool in the tree built from that
 *   template in that namespace, when there is exactly one; `none`, and
 *   `default` without exactly one match, become shadow-pool-<template>, a
 *   pool with replicas 0 (every claim cold-starts) written next to the
 *   claims unless the tree already has a pool of that name.
 * - v1alpha1 apiVersions of the four kinds become v1beta1; a Sandbox's
 *   spec.replicas 0/1 becomes spec.operatingMode Suspended/Running.
 *
 * Edits are surgical: only the changed lines differ, comments, key order,
 * quoting and indentation elsewhere stay. Anything that cannot be edited
 * safely in place (anchors, aliases or merge keys on the fields involved,
 * block scalars, flow layouts it cannot cut cleanly) is reported and left
 * alone. Running it twice changes nothing the second time. */
#ifndef WP_CLI_MIGRATE_H
#define WP_CLI_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct {
    const char *default_namespace; /* for objects without metadata.namespace */
    size_t max_file_size;
    bool dry_run;                  /* print a unified diff instead of writing */
    /* --pool-for: "[NAMESPACE/]TEMPLATE=POOL" each (checked by
     * wp_cli_migrate_pool_for_ok): the pool a `default` claim of that
     * template gets; POOL "none" means its shadow pool. */
    char *const *pool_for;
    size_t n_pool_for;
    const char *repo_root;         /* --repo-root: also look here for pools (read only), or NULL */
} wp_cli_migrate_options;

/* True when value has the --pool-for form [NAMESPACE/]TEMPLATE=POOL with
 * non-empty parts; otherwise false with why filled. */
bool wp_cli_migrate_pool_for_ok(const char *value, char *why, size_t size);

typedef enum {
    WP_CLI_NOTE_CHANGED,     /* an object was (or would be) migrated */
    WP_CLI_NOTE_CREATED,     /* a shadow pool file was (or would be) written */
    WP_CLI_NOTE_LEFT_ALONE,  /* an object that needs migrating but was not touched */
    WP_CLI_NOTE_IO,          /* a file that could not be read or written */
} wp_cli_note_kind;

typedef struct {
    wp_cli_note_kind kind;
    char *path;
    size_t line, column;     /* 0 when not about a place in the file */
    char *subject;           /* "SandboxClaim ns/name", or NULL */
    char *message;
} wp_cli_note;

typedef struct {
    wp_cli_note *notes;
    size_t n_notes, cap_notes;
    size_t objects_migrated, files_changed, files_created;
} wp_cli_migrate_result;

/* Migrates the manifests under paths (files and directories). In a dry run
 * the diff goes to diff_out and no file changes. Fills res (release with
 * wp_cli_migrate_result_free). */
void wp_cli_migrate_run(const wp_cli_migrate_options *o, char *const *paths, size_t n_paths, FILE *diff_out,
                        wp_cli_migrate_result *res);

void wp_cli_migrate_result_free(wp_cli_migrate_result *res);

/* 2 when a file could not be read or written, 1 when something was left
 * alone, else 0. */
int wp_cli_migrate_exit_code(const wp_cli_migrate_result *res);

#endif
