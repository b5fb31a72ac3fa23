/* The result of a validation run: every finding, every object of the three
 * checked kinds (for the cross-set checks and per-object JUnit test cases),
 * and the counts the summary prints. Output formats read it; nothing in it
 * is specific to one format. */
#ifndef WP_CLI_REPORT_H
#define WP_CLI_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli/arena.h"
#include "cli/docsplit.h"
#include "common/rules.h"

typedef enum { WP_CLI_ERROR, WP_CLI_WARNING } wp_cli_severity;

/* What produced a finding. Stable identifiers: SARIF rule ids and the
 * `rule` field of the JSON output. */
typedef enum {
    WP_CLI_RULE_SCHEMA,              /* the CRD schema, ObjectMeta, served versions */
    WP_CLI_RULE_ADMISSION,           /* the webhook's admission rules */
    WP_CLI_RULE_POOL_NOT_FOUND,      /* claim -> pool not among the manifests */
    WP_CLI_RULE_TEMPLATE_NOT_FOUND,  /* pool -> template not among the manifests */
    WP_CLI_RULE_ENV_REJECTED,        /* claim env vs the template's policy */
    WP_CLI_RULE_VOLUMES_REJECTED,    /* claim volumeClaimTemplates vs the template's policy */
    WP_CLI_RULE_DUPLICATE,           /* one object (kind, namespace, name) defined twice in the set */
    WP_CLI_RULE_NO_OBJECTS,          /* a path that holds no Kubernetes object (warning) */
    WP_CLI_RULE_YAML,                /* a document that cannot be read as an object */
    WP_CLI_RULE_IO,                  /* a file or directory that cannot be read */
    WP_CLI_RULE__COUNT
} wp_cli_rule;

typedef struct {
    const char *id;          /* "schema", "pool-not-found", ... */
    const char *name;        /* CamelCase name (SARIF rules[].name) */
    const char *description; /* one sentence */
} wp_cli_rule_info;

/* Static information about a rule. */
const wp_cli_rule_info *wp_cli_rule_get(wp_cli_rule rule);

/* Strings are owned by the report's arena; any may be NULL except message. */
typedef struct {
    wp_cli_severity severity;
    wp_cli_rule rule;
    size_t file;                  /* index into files */
    size_t line, column;          /* 1-based; 0 when unknown */
    long object;                  /* index into objects, -1 when none */
    const char *api_version, *kind, *namespace_, *name;
    const char *field;            /* Kubernetes notation: spec.env[1].name */
    const char *pointer;          /* JSON Pointer within the file's document */
    const char *reason;           /* Kubernetes cause type, when there is one */
    const char *message;
    const char *group;            /* admission findings: the rule group (config name, "claim.env"); else NULL */
    size_t seq;                   /* order of arrival, set by wp_cli_report_add */
} wp_cli_finding;

/* The group a finding belongs to, as --ignore-rule and the config name it:
 * the admission rule group ("claim.env"), else the rule id ("schema",
 * "pool-not-found"). */
const char *wp_cli_finding_group(const wp_cli_finding *f);

/* The rule whose id is s ("schema", ...); false when none. */
bool wp_cli_rule_parse(const char *s, wp_cli_rule *out);

/* An object of one of the three checked kinds. */
typedef struct {
    wp_kind kind;
    const char *api_version, *kind_name;
    const char *namespace_;       /* as written, or NULL */
    const char *effective_namespace; /* namespace_, or the default one */
    const char *name;
    size_t file;
    wp_cli_span span;             /* the document holding it */
    long item;                    /* index in a List's items, -1 for a plain document */
    const char *ref;              /* claim: warmPoolRef.name; pool: sandboxTemplateRef.name */
    bool has_env, has_volumes;    /* claim: non-empty env / volumeClaimTemplates */
    const char *env_policy;       /* template: envVarsInjectionPolicy as written, or NULL */
    const char *volumes_policy;   /* template: volumeClaimTemplatesPolicy as written, or NULL */
    json_t *env;                  /* claim: spec.env (a reference), or NULL */
    json_t *containers;           /* template: spec.podTemplate.spec.containers (a reference), or NULL */
    size_t n_errors, n_warnings;
} wp_cli_object;

typedef struct {
    const char *path;             /* as given or found in a directory walk */
    char *retained;               /* malloc'd copy of content that cannot be re-read (stdin), or NULL */
    size_t retained_len;
    bool not_a_file;              /* a directory named only to say it held nothing */
} wp_cli_file;

typedef struct {
    wp_cli_arena arena;
    wp_cli_file *files;
    size_t n_files, cap_files;
    wp_cli_finding *findings;
    size_t n_findings, cap_findings;
    wp_cli_object *objects;
    size_t n_objects, cap_objects;
    size_t documents;             /* objects seen (each List item counts) */
    size_t validated;             /* objects of the three kinds */
    size_t skipped;               /* other objects */
    size_t kube_objects;          /* objects with apiVersion and kind, checked or not */
    json_t *skipped_by_kind;      /* kind -> count */
    size_t errors, warnings;
    bool io_failed;               /* a file or directory could not be read */
    bool ignored[WP_CLI_RULE__COUNT]; /* --ignore-rule: findings of these rules are dropped */
    size_t ignored_findings;      /* how many were dropped */
} wp_cli_report;

void wp_cli_report_init(wp_cli_report *r);
void wp_cli_report_free(wp_cli_report *r);

/* Registers a file; returns its index. path is copied. */
size_t wp_cli_report_add_file(wp_cli_report *r, const char *path);

/* Files read (directories registered only for a finding not counted). */
size_t wp_cli_report_file_count(const wp_cli_report *r);

/* Appends a finding (strings are copied into the arena; fields NULL or set
 * by the caller). Counts errors and warnings, and per object. Returns it;
 * the pointer is valid until the next add. A finding of an ignored rule is
 * only counted in ignored_findings: returns NULL. */
wp_cli_finding *wp_cli_report_add(wp_cli_report *r, const wp_cli_finding *f);

/* Appends an object record; strings are copied. Returns its index. */
long wp_cli_report_add_object(wp_cli_report *r, const wp_cli_object *o);

void wp_cli_report_count_skipped(wp_cli_report *r, const char *kind);

/* The pointer of a field of a List item within its document:
 * "/items/<item>" + pointer, or pointer alone for item -1. Returns a new
 * malloc'd string. */
char *wp_cli_item_pointer(long item, const char *pointer);

/* Sorts findings by file (in the order files were seen), line, column. */
void wp_cli_report_sort(wp_cli_report *r);

/* Exit status: 2 when an I/O problem happened, else 1 when there are
 * errors (or warnings with warnings_as_errors), else 0. */
int wp_cli_report_exit_code(const wp_cli_report *r, bool warnings_as_errors);

#endif
