/* Checks across the manifest set. See crossset.h. */
#include "cli/crossset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/arena.h"
#include "common/verdict.h"

/* namespace + '\x1f' + name: neither can hold that byte in a valid object,
 * and an invalid one only risks a missed match. */
static char *object_key(const char *ns, const char *name)
{
    return wp_cli_format("%s\x1f%s", ns ? ns : "", name ? name : "");
}

/* key -> index of the first object of `kind` with that namespace/name. */
static json_t *index_kind(const wp_cli_report *r, wp_kind kind)
{
    json_t *index = wp_xalloc_check(json_object());
    for (size_t i = 0; i < r->n_objects; i++) {
        const wp_cli_object *o = &r->objects[i];
        if (o->kind != kind || !o->name) continue;
        char *k = object_key(o->effective_namespace, o->name);
        if (!json_object_get(index, k)) json_object_set_new(index, k, json_integer((json_int_t)i));
        free(k);
    }
    return index;
}

static const wp_cli_object *lookup(const wp_cli_report *r, const json_t *index, const char *ns, const char *name)
{
    char *k = object_key(ns, name);
    json_t *i = json_object_get(index, k);
    free(k);
    return i ? &r->objects[json_integer_value(i)] : NULL;
}

static void add(wp_cli_report *r, size_t object, wp_cli_severity severity, wp_cli_rule rule, const char *field,
                const char *pointer, const char *reason, const char *message)
{
    const wp_cli_object *o = &r->objects[object];
    char *full = wp_cli_item_pointer(o->item, pointer);
    wp_cli_finding f = {
        .severity = severity, .rule = rule, .file = o->file, .object = (long)object,
        .api_version = o->api_version, .kind = o->kind_name, .namespace_ = o->namespace_, .name = o->name,
        .field = field, .pointer = full, .reason = reason, .message = message,
    };
    wp_cli_report_add(r, &f);
    free(full);
}

static void not_found(wp_cli_report *r, size_t object, wp_cli_rule rule, const char *what, const char *field,
                      const char *pointer)
{
    const wp_cli_object *o = &r->objects[object];
    char *msg = wp_cli_format("%s \"%s\" is not defined in namespace \"%s\" by any manifest here (it may exist in "
                              "the cluster)", what, o->ref, o->effective_namespace);
    add(r, object, WP_CLI_WARNING, rule, field, pointer, "FieldValueNotFound", msg);
    free(msg);
}

/* A template policy as the controller reads it: absent means Disallowed. */
static const char *policy(const char *written) { return written ? written : "Disallowed"; }

static void policy_rejects(wp_cli_report *r, size_t claim, const wp_cli_object *pool, const wp_cli_object *tmpl,
                           bool env)
{
    const char *written = env ? tmpl->env_policy : tmpl->volumes_policy;
    char *msg = wp_cli_format("SandboxWarmPool \"%s\" uses SandboxTemplate \"%s\", whose %s is Disallowed%s: the "
                              "controller would reject this claim (%s)",
                              pool->name, tmpl->name, env ? "envVarsInjectionPolicy" : "volumeClaimTemplatesPolicy",
                              written ? "" : " (the default)",
                              env ? "EnvVarsInjectionRejected" : "VolumeClaimTemplatesError");
    add(r, claim, WP_CLI_ERROR, env ? WP_CLI_RULE_ENV_REJECTED : WP_CLI_RULE_VOLUMES_REJECTED,
        env ? "spec.env" : "spec.volumeClaimTemplates", env ? "/spec/env" : "/spec/volumeClaimTemplates",
        WP_CAUSE_FORBIDDEN, msg);
    free(msg);
}

/* The container a claim variable goes to: the one named, else the first. */
static const json_t *target_container(const json_t *containers, const char *name)
{
    if (!name) return json_array_get(containers, 0);
    size_t i;
    json_t *c;
    json_array_foreach(containers, i, c) {
        const char *n = json_string_value(json_object_get(c, "name"));
        if (n && strcmp(n, name) == 0) return c;
    }
    return NULL;
}

static bool container_sets(const json_t *container, const char *var)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(container, "env"), i, e) {
        const char *n = json_string_value(json_object_get(e, "name"));
        if (n && strcmp(n, var) == 0) return true;
    }
    return false;
}

/* Under Allowed a claim may add variables, not replace the template's. */
static void check_overrides(wp_cli_report *r, size_t claim, const wp_cli_object *tmpl)
{
    size_t i;
    json_t *e;
    json_array_foreach(r->objects[claim].env, i, e) {
        const char *var = json_string_value(json_object_get(e, "name"));
        const json_t *c = target_container(tmpl->containers, json_string_value(json_object_get(e, "containerName")));
        if (!var || !c || !container_sets(c, var)) continue;
        const char *cname = json_string_value(json_object_get(c, "name"));
        char field[64], pointer[64];
        snprintf(field, sizeof field, "spec.env[%zu].name", i);
        snprintf(pointer, sizeof pointer, "/spec/env/%zu/name", i);
        char *q = wp_verdict_quote(var);
        char *msg = wp_cli_format("Invalid value: %s: container \"%s\" of SandboxTemplate \"%s\" already sets it, and "
                                  "envVarsInjectionPolicy Allowed only adds variables (Overrides would replace it)",
                                  q, cname ? cname : "", tmpl->name);
        add(r, claim, WP_CLI_ERROR, WP_CLI_RULE_ENV_REJECTED, field, pointer, WP_CAUSE_INVALID, msg);
        free(msg);
        free(q);
    }
}

static void check_claim(wp_cli_report *r, size_t i, const json_t *pools, const json_t *templates)
{
    const wp_cli_object *claim = &r->objects[i];
    if (!claim->ref) return; /* no warmPoolRef: the schema already said so */
    const wp_cli_object *pool = lookup(r, pools, claim->effective_namespace, claim->ref);
    if (!pool) {
        not_found(r, i, WP_CLI_RULE_POOL_NOT_FOUND, "SandboxWarmPool", "spec.warmPoolRef.name",
                  "/spec/warmPoolRef/name");
        return;
    }
    const wp_cli_object *tmpl = pool->ref ? lookup(r, templates, pool->effective_namespace, pool->ref) : NULL;
    if (!tmpl) return; /* reported on the pool */
    if (claim->has_env && strcmp(policy(tmpl->env_policy), "Disallowed") == 0) policy_rejects(r, i, pool, tmpl, true);
    else if (claim->has_env && strcmp(policy(tmpl->env_policy), "Allowed") == 0) check_overrides(r, i, tmpl);
    if (claim->has_volumes && strcmp(policy(tmpl->volumes_policy), "Disallowed") == 0)
        policy_rejects(r, i, pool, tmpl, false);
}

/* The same object (kind, namespace, name) twice: applying the set, the
 * second silently replaces the first (a warning: see duplicate()). Said at each later one, naming the
 * first. Objects are sorted by identity (no index to allocate: the happy
 * path of a large set stays small). */
static const wp_cli_report *dup_report; /* qsort has no context argument */

static int compare_identity(const void *a, const void *b)
{
    const wp_cli_object *x = &dup_report->objects[*(const size_t *)a], *y = &dup_report->objects[*(const size_t *)b];
    int c = strcmp(x->kind_name, y->kind_name);
    if (!c) c = strcmp(x->effective_namespace, y->effective_namespace);
    if (!c) c = strcmp(x->name, y->name);
    if (!c) c = *(const size_t *)a < *(const size_t *)b ? -1 : *(const size_t *)a > *(const size_t *)b;
    return c;
}

static bool same_identity(const wp_cli_object *x, const wp_cli_object *y)
{
    return strcmp(x->kind_name, y->kind_name) == 0 && strcmp(x->effective_namespace, y->effective_namespace) == 0
        && strcmp(x->name, y->name) == 0;
}

static void duplicate(wp_cli_report *r, size_t later, const wp_cli_object *first)
{
    const wp_cli_object *o = &r->objects[later];
    if (strcmp(r->files[first->file].path, r->files[o->file].path) == 0 && first->span.offset == o->span.offset
        && first->item == o->item)
        return; /* one file named twice (itself and its folder): one definition */
    char *msg = wp_cli_format("Duplicate value: %s \"%s\" in namespace \"%s\" is already defined in %s (the document "
                              "at line %zu); the later one would replace it", o->kind_name, o->name,
                              o->effective_namespace, r->files[first->file].path, first->span.first_line);
    /* a warning: a folder of alternatives (kustomize base and overlays, "apply one of these") is legitimate */
    add(r, later, WP_CLI_WARNING, WP_CLI_RULE_DUPLICATE, "metadata.name", "/metadata/name", WP_CAUSE_DUPLICATE, msg);
    free(msg);
}

static void check_duplicates(wp_cli_report *r)
{
    size_t n = 0, *order = wp_xalloc_check(malloc((r->n_objects + 1) * sizeof *order));
    for (size_t i = 0; i < r->n_objects; i++)
        if (r->objects[i].name && r->objects[i].kind_name) order[n++] = i;
    dup_report = r;
    qsort(order, n, sizeof *order, compare_identity);
    for (size_t i = 1, first = 0; i < n; i++) {
        if (!same_identity(&r->objects[order[first]], &r->objects[order[i]])) first = i;
        else duplicate(r, order[i], &r->objects[order[first]]);
    }
    free(order);
}

void wp_cli_crossset_check(wp_cli_report *r)
{
    check_duplicates(r);
    json_t *pools = index_kind(r, WP_KIND_SANDBOX_WARM_POOL);
    json_t *templates = index_kind(r, WP_KIND_SANDBOX_TEMPLATE);
    size_t n = r->n_objects; /* findings never add objects, but be explicit */
    for (size_t i = 0; i < n; i++) {
        const wp_cli_object *o = &r->objects[i];
        if (o->kind == WP_KIND_SANDBOX_CLAIM) {
            check_claim(r, i, pools, templates);
        } else if (o->kind == WP_KIND_SANDBOX_WARM_POOL && o->ref
                   && !lookup(r, templates, o->effective_namespace, o->ref)) {
            not_found(r, i, WP_CLI_RULE_TEMPLATE_NOT_FOUND, "SandboxTemplate", "spec.sandboxTemplateRef.name",
                      "/spec/sandboxTemplateRef/name");
        }
    }
    json_decref(pools);
    json_decref(templates);
}
