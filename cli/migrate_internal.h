/* What migrate.c and migrate_shadow.c share: the files read, the pools in
 * the tree, the shadow pools planned, and the notes. Not a public API. */
#ifndef WP_CLI_MIGRATE_INTERNAL_H
#define WP_CLI_MIGRATE_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "cli/docsplit.h"
#include "cli/edits.h"
#include "cli/migrate.h"

#define WP_CLI_SHADOW_PREFIX "shadow-pool-"
#define WP_CLI_ANNOTATION_SHADOW "agents.x-k8s.io/migration-shadow"
#define WP_CLI_ANNOTATION_SOURCE "agents.x-k8s.io/migration-source-template"

typedef struct {
    char *path;
    char *data;
    size_t len;
    mode_t mode;
    bool json;          /* a .json file: new string values are written quoted */
    wp_cli_edits edits;
    json_t *docs;       /* every document as read, in order (null for a span that did not parse) */
    bool written;       /* its migration was written (or, in a dry run, shown) */
    size_t objects;     /* objects migrated in it, counted once the file is written */
} mfile;

typedef struct {
    char *ns, *name, *tmpl; /* ns: effective namespace */
    bool shadow;            /* made by an earlier migration */
    char *path;             /* the file that defines it */
} pool_rec;

/* A SandboxTemplate in the tree: what a migrated claim's env and volume
 * claim templates must be checked against. */
typedef struct {
    char *ns, *name;
    char *env_policy, *volumes_policy; /* as written, NULL when unset (Disallowed) */
} tmpl_rec;

/* An object that needs migrating. */
typedef struct {
    size_t file;
    wp_cli_span span;
    size_t doc;        /* index in the file's docs */
    long item;         /* index in a List, -1 for a plain document */
    json_t *obj;       /* the object as the API reads it (a list item inherits apiVersion and kind) */
    json_t *src;       /* the object as written (a reference) */
    json_t *expected;  /* once edited: src as the edits must make it (a reference), else NULL */
} work_item;

typedef struct {
    char *path;
    char *text;
    size_t len;
    mode_t mode;
    json_t *pools; /* [[namespace or null, name], ...] it defines */
    json_t *claim_files; /* indexes of the files whose claims need it: written only if one of them is */
} shadow_file;

typedef struct {
    const wp_cli_migrate_options *o;
    wp_cli_migrate_result *res;
    mfile *files;
    size_t n_files, cap_files;
    pool_rec *pools;
    size_t n_pools, cap_pools;
    tmpl_rec *templates;
    size_t n_templates, cap_templates;
    work_item *work;
    size_t n_work, cap_work;
    shadow_file *shadows;
    size_t n_shadows, cap_shadows;
} wp_cli_migrator;

/* Appends a note to the result (strings copied). */
void wp_cli_migrate_note(wp_cli_migrator *m, wp_cli_note_kind kind, const char *path, size_t line, size_t column,
                         const char *subject, const char *message);

/* migrate_shadow.c */

/* The pool a legacy claim's `warmpool` value means in namespace ns for
 * template tmpl: a named pool; "none": the template's shadow pool (*shadow
 * set); "default" or "": what --pool-for says for the template, else the
 * one non-shadow pool of that template in the namespace (in the paths or
 * under --repo-root). Never a guess: with no such pool, or several, it
 * returns NULL and *why (malloc'd) names the candidates and the options.
 * Otherwise returns a new malloc'd name and *how (malloc'd, may be NULL)
 * says where a `default` pool came from. */
char *wp_cli_shadow_choose_pool(const wp_cli_migrator *m, const char *ns, const char *tmpl, const char *warmpool,
                                bool *shadow, char **why, char **how);

/* The pool named name in namespace ns in the tree, or NULL. */
const pool_rec *wp_cli_migrate_find_pool(const wp_cli_migrator *m, const char *ns, const char *name);

/* Plans the shadow pool `name` for template tmpl next to the claim's file,
 * unless the tree already has a pool of that name in namespace ns.
 * ns_written is the claim's own metadata.namespace (NULL: none). */
void wp_cli_shadow_plan(wp_cli_migrator *m, const mfile *claim_file, const char *ns_written, const char *ns,
                        const char *name, const char *tmpl);

/* Writes the planned shadow pool files (a dry run prints them as diffs),
 * never over an existing file that does not define them. */
void wp_cli_shadow_write(wp_cli_migrator *m, FILE *diff_out);

#endif
