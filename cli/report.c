/* Validation report. See report.h. */
#include "cli/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/arena.h"
#include "common/verdict.h"

static const wp_cli_rule_info rules[WP_CLI_RULE__COUNT] = {
    [WP_CLI_RULE_SCHEMA] = {"schema", "CrdSchema",
        "The object does not match its CustomResourceDefinition schema, so the API server would reject it."},
    [WP_CLI_RULE_ADMISSION] = {"admission", "AdmissionRules",
        "The warmpool admission webhook would deny (or warn about) this object."},
    [WP_CLI_RULE_POOL_NOT_FOUND] = {"pool-not-found", "WarmPoolNotFound",
        "The claim names a SandboxWarmPool that no manifest defines (it may exist in the cluster)."},
    [WP_CLI_RULE_TEMPLATE_NOT_FOUND] = {"template-not-found", "TemplateNotFound",
        "The pool names a SandboxTemplate that no manifest defines (it may exist in the cluster)."},
    [WP_CLI_RULE_ENV_REJECTED] = {"env-injection-rejected", "EnvVarsInjectionRejected",
        "The claim sets env but its pool's template does not allow it, so the controller would reject the claim."},
    [WP_CLI_RULE_VOLUMES_REJECTED] = {"volume-claim-templates-rejected", "VolumeClaimTemplatesRejected",
        "The claim sets volumeClaimTemplates but its pool's template does not allow it, so the controller would "
        "reject the claim."},
    [WP_CLI_RULE_DUPLICATE] = {"duplicate-object", "DuplicateObject",
        "The same object (kind, namespace and name) is defined twice in the set; one would overwrite the other."},
    [WP_CLI_RULE_NO_OBJECTS] = {"no-objects", "NoObjects",
        "A path given (a file or a directory) holds no Kubernetes object: nothing was checked there."},
    [WP_CLI_RULE_YAML] = {"yaml", "InvalidDocument",
        "The document is not valid YAML or JSON, or is not an object."},
    [WP_CLI_RULE_IO] = {"io", "UnreadableInput",
        "A file or directory could not be read."},
};

const wp_cli_rule_info *wp_cli_rule_get(wp_cli_rule rule)
{
    return &rules[rule < WP_CLI_RULE__COUNT ? rule : WP_CLI_RULE_IO];
}

bool wp_cli_rule_parse(const char *s, wp_cli_rule *out)
{
    for (int i = 0; i < WP_CLI_RULE__COUNT; i++)
        if (strcmp(s, rules[i].id) == 0) {
            *out = (wp_cli_rule)i;
            return true;
        }
    return false;
}

const char *wp_cli_finding_group(const wp_cli_finding *f)
{
    return f->group ? f->group : wp_cli_rule_get(f->rule)->id;
}

void wp_cli_report_init(wp_cli_report *r)
{
    memset(r, 0, sizeof *r);
    r->skipped_by_kind = wp_xalloc_check(json_object());
}

void wp_cli_report_free(wp_cli_report *r)
{
    for (size_t i = 0; i < r->n_files; i++) free(r->files[i].retained);
    for (size_t i = 0; i < r->n_objects; i++) {
        json_decref(r->objects[i].env);
        json_decref(r->objects[i].containers);
    }
    free(r->files);
    free(r->findings);
    free(r->objects);
    json_decref(r->skipped_by_kind);
    wp_cli_arena_free(&r->arena);
    memset(r, 0, sizeof *r);
}

size_t wp_cli_report_add_file(wp_cli_report *r, const char *path)
{
    r->files = wp_cli_grow(r->files, r->n_files, &r->cap_files, sizeof *r->files);
    r->files[r->n_files] = (wp_cli_file){.path = wp_cli_arena_strdup(&r->arena, path)};
    return r->n_files++;
}

size_t wp_cli_report_file_count(const wp_cli_report *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_files; i++) n += !r->files[i].not_a_file;
    return n;
}

wp_cli_finding *wp_cli_report_add(wp_cli_report *r, const wp_cli_finding *f)
{
    if (f->rule < WP_CLI_RULE__COUNT && r->ignored[f->rule] && f->rule != WP_CLI_RULE_IO) {
        r->ignored_findings++; /* an unreadable file is never ignored: the exit status must say so */
        return NULL;
    }
    r->findings = wp_cli_grow(r->findings, r->n_findings, &r->cap_findings, sizeof *r->findings);
    wp_cli_arena *a = &r->arena;
    wp_cli_finding *d = &r->findings[r->n_findings++];
    *d = *f;
    d->seq = r->n_findings - 1;
    d->api_version = wp_cli_arena_strdup(a, f->api_version);
    d->kind = wp_cli_arena_strdup(a, f->kind);
    d->namespace_ = wp_cli_arena_strdup(a, f->namespace_);
    d->name = wp_cli_arena_strdup(a, f->name);
    d->field = wp_cli_arena_strdup(a, f->field);
    d->pointer = wp_cli_arena_strdup(a, f->pointer);
    d->reason = wp_cli_arena_strdup(a, f->reason);
    d->message = wp_cli_arena_strdup(a, f->message ? f->message : "");
    d->group = f->group; /* static: wp_rule_group_name */
    bool error = f->severity == WP_CLI_ERROR;
    if (error) r->errors++;
    else r->warnings++;
    if (f->object >= 0 && (size_t)f->object < r->n_objects) {
        if (error) r->objects[f->object].n_errors++;
        else r->objects[f->object].n_warnings++;
    }
    if (f->rule == WP_CLI_RULE_IO) r->io_failed = true;
    return d;
}

long wp_cli_report_add_object(wp_cli_report *r, const wp_cli_object *o)
{
    r->objects = wp_cli_grow(r->objects, r->n_objects, &r->cap_objects, sizeof *r->objects);
    wp_cli_arena *a = &r->arena;
    wp_cli_object *d = &r->objects[r->n_objects];
    *d = *o;
    d->api_version = wp_cli_arena_strdup(a, o->api_version);
    d->kind_name = wp_cli_arena_strdup(a, o->kind_name);
    d->namespace_ = wp_cli_arena_strdup(a, o->namespace_);
    d->effective_namespace = wp_cli_arena_strdup(a, o->effective_namespace);
    d->name = wp_cli_arena_strdup(a, o->name);
    d->ref = wp_cli_arena_strdup(a, o->ref);
    d->env_policy = wp_cli_arena_strdup(a, o->env_policy);
    d->volumes_policy = wp_cli_arena_strdup(a, o->volumes_policy);
    d->env = json_incref(o->env);
    d->containers = json_incref(o->containers);
    return (long)r->n_objects++;
}

void wp_cli_report_count_skipped(wp_cli_report *r, const char *kind)
{
    r->skipped++;
    json_t *n = json_object_get(r->skipped_by_kind, kind);
    json_object_set_new(r->skipped_by_kind, kind, json_integer(n ? json_integer_value(n) + 1 : 1));
}

static int compare_findings(const void *a, const void *b)
{
    const wp_cli_finding *x = a, *y = b;
    if (x->file != y->file) return x->file < y->file ? -1 : 1;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    if (x->column != y->column) return x->column < y->column ? -1 : 1;
    /* qsort is not stable: findings at one spot keep the order they were found in. */
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void wp_cli_report_sort(wp_cli_report *r)
{
    if (r->n_findings > 1) qsort(r->findings, r->n_findings, sizeof *r->findings, compare_findings);
}

int wp_cli_report_exit_code(const wp_cli_report *r, bool warnings_as_errors)
{
    if (r->io_failed) return 2;
    if (r->errors > 0 || (warnings_as_errors && r->warnings > 0)) return 1;
    return 0;
}

char *wp_cli_item_pointer(long item, const char *pointer)
{
    if (item >= 0) return wp_cli_format("/items/%ld%s", item, pointer ? pointer : "");
    return wp_cli_format("%s", pointer ? pointer : "");
}
