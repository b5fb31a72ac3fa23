/* Shadow pools for migrated claims. See migrate_internal.h. */
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/arena.h"
#include "common/file_write.h"
#include "cli/input.h"
#include "cli/migrate_internal.h"
#include "cli/yedit.h"
#include "common/verdict.h"
#include "common/rules.h"
#include "common/yaml.h"

const pool_rec *wp_cli_migrate_find_pool(const wp_cli_migrator *m, const char *ns, const char *name)
{
    for (size_t i = 0; i < m->n_pools; i++)
        if (strcmp(m->pools[i].ns, ns) == 0 && strcmp(m->pools[i].name, name) == 0) return &m->pools[i];
    return NULL;
}

/* The --pool-for value for template tmpl in namespace ns ("ns/tmpl=" wins
 * over "tmpl="), or NULL. */
static const char *pool_for(const wp_cli_migrator *m, const char *ns, const char *tmpl)
{
    const char *general = NULL;
    for (size_t i = 0; i < m->o->n_pool_for; i++) {
        const char *v = m->o->pool_for[i], *eq = strchr(v, '='), *slash = memchr(v, '/', (size_t)(eq - v));
        const char *t = slash ? slash + 1 : v;
        if ((size_t)(eq - t) != strlen(tmpl) || strncmp(t, tmpl, (size_t)(eq - t)) != 0) continue;
        if (!slash) general = eq + 1;
        else if ((size_t)(slash - v) == strlen(ns) && strncmp(v, ns, (size_t)(slash - v)) == 0) return eq + 1;
    }
    return general;
}

/* "pool a (file), pool b (file)", at most 5, for a message. */
static char *candidates(const wp_cli_migrator *m, const char *ns, const char *tmpl, size_t *n)
{
    char *list = wp_xalloc_check(strdup(""));
    *n = 0;
    for (size_t i = 0; i < m->n_pools; i++) {
        const pool_rec *p = &m->pools[i];
        if (p->shadow || !p->tmpl || strcmp(p->ns, ns) != 0 || strcmp(p->tmpl, tmpl) != 0) continue;
        if (++*n > 5) continue;
        char *more = wp_cli_format("%s%s\"%s\" (%s)", list, *n > 1 ? ", " : "", p->name, p->path);
        free(list);
        list = more;
    }
    if (*n > 5) {
        char *more = wp_cli_format("%s and %zu more", list, *n - 5);
        free(list);
        list = more;
    }
    return list;
}

char *wp_cli_shadow_choose_pool(const wp_cli_migrator *m, const char *ns, const char *tmpl, const char *warmpool,
                                bool *shadow, char **why, char **how)
{
    *shadow = false;
    *why = *how = NULL;
    bool any = warmpool[0] == '\0' || strcmp(warmpool, "default") == 0;
    if (!any && strcmp(warmpool, "none") != 0) return wp_xalloc_check(strdup(warmpool));
    const char *chosen = any ? pool_for(m, ns, tmpl) : "none";
    if (chosen && strcmp(chosen, "none") != 0) {
        *how = wp_cli_format("chosen with --pool-for");
        return wp_xalloc_check(strdup(chosen));
    }
    if (chosen) {
        *shadow = true;
        if (any) *how = wp_cli_format("--pool-for %s=none: its shadow pool", tmpl);
        return wp_cli_format(WP_CLI_SHADOW_PREFIX "%s", tmpl);
    }
    size_t n;
    char *list = candidates(m, ns, tmpl, &n);
    char *pool = NULL;
    if (n == 1) {
        const char *name = strchr(list, '"') + 1;
        pool = wp_xalloc_check(strndup(name, (size_t)(strchr(name, '"') - name)));
        *how = wp_cli_format("the one pool of template \"%s\" in namespace %s: %s", tmpl, ns, list);
    } else if (n == 0) {
        *why = wp_cli_format("spec.warmpool \"%s\" means any pool of template \"%s\", and no SandboxWarmPool of it in "
                             "namespace %s is in the paths given%s. Options: --repo-root DIR to look for pools in the "
                             "whole repository; --pool-for %s=POOL to name the pool; --pool-for %s=none for a "
                             "shadow pool with replicas 0 (every claim cold-starts)",
                             warmpool, tmpl, ns, m->o->repo_root ? " or under --repo-root" : "", tmpl, tmpl);
    } else {
        *why = wp_cli_format("spec.warmpool \"%s\" means any pool of template \"%s\", and %zu pools in namespace %s "
                             "match: %s. Choose one with --pool-for %s=POOL (or --pool-for %s/%s=POOL for this "
                             "namespace only)", warmpool, tmpl, n, ns, list, tmpl, ns, tmpl);
    }
    free(list);
    return pool;
}

bool wp_cli_migrate_pool_for_ok(const char *value, char *why, size_t size)
{
    const char *eq = strchr(value, '=');
    const char *slash = eq ? memchr(value, '/', (size_t)(eq - value)) : NULL;
    const char *tmpl = slash ? slash + 1 : value;
    if (!eq || eq == tmpl || !eq[1] || (slash && slash == value) || strchr(eq + 1, '=') || strchr(eq + 1, '/')) {
        snprintf(why, size, "\"%s\" is not [NAMESPACE/]TEMPLATE=POOL (POOL may be \"none\" for a shadow pool)",
                 value);
        return false;
    }
    return true;
}

static char *shadow_manifest(const char *name, const char *ns, const char *tmpl)
{
    char *n = wp_cli_yaml_scalar(name), *t = wp_cli_yaml_scalar(tmpl), *nsq = ns ? wp_cli_yaml_scalar(ns) : NULL;
    char *ns_line = nsq ? wp_cli_format("  namespace: %s\n", nsq) : wp_xalloc_check(strdup(""));
    char *text = wp_cli_format(
        "# Written by warmpoolctl migrate for claims that used spec.warmpool \"none\"\n"
        "# (or \"default\" without exactly one pool for the template). replicas 0\n"
        "# keeps no sandbox warm: every claim cold-starts from the template.\n"
        "apiVersion: " WP_GROUP_EXTENSIONS "/v1beta1\n"
        "kind: SandboxWarmPool\n"
        "metadata:\n"
        "  name: %s\n"
        "%s"
        "  annotations:\n"
        "    " WP_CLI_ANNOTATION_SHADOW ": \"true\"\n"
        "    " WP_CLI_ANNOTATION_SOURCE ": %s\n"
        "spec:\n"
        "  replicas: 0\n"
        "  sandboxTemplateRef:\n"
        "    name: %s\n",
        n, ns_line, t, t);
    free(n);
    free(t);
    free(nsq);
    free(ns_line);
    return text;
}

/* Plans the shadow pool next to the claim's file unless the tree has it. */
void wp_cli_shadow_plan(wp_cli_migrator *m, const mfile *claim_file, const char *ns_written, const char *ns,
                        const char *name, const char *tmpl)
{
    char *dir_copy = wp_xalloc_check(strdup(claim_file->path));
    char *path = wp_cli_format("%s/%s.yaml", dirname(dir_copy), name);
    free(dir_copy);
    json_t *file_index = wp_xalloc_check(json_integer((json_int_t)(claim_file - m->files)));
    shadow_file *sf = NULL;
    for (size_t i = 0; i < m->n_shadows; i++)
        if (strcmp(m->shadows[i].path, path) == 0) sf = &m->shadows[i];
    if (sf) json_array_append(sf->claim_files, file_index);
    if (wp_cli_migrate_find_pool(m, ns, name)) {
        json_decref(file_index);
        free(path);
        return;
    }
    m->pools = wp_cli_grow(m->pools, m->n_pools, &m->cap_pools, sizeof *m->pools);
    m->pools[m->n_pools++] = (pool_rec){wp_xalloc_check(strdup(ns)), wp_xalloc_check(strdup(name)),
                                        wp_xalloc_check(strdup(tmpl)), true, wp_xalloc_check(strdup(path))};
    char *doc = shadow_manifest(name, ns_written, tmpl);
    if (!sf) {
        m->shadows = wp_cli_grow(m->shadows, m->n_shadows, &m->cap_shadows, sizeof *m->shadows);
        sf = &m->shadows[m->n_shadows++];
        *sf = (shadow_file){.path = path, .text = doc, .len = strlen(doc), .mode = claim_file->mode,
                            .pools = wp_xalloc_check(json_array()), .claim_files = wp_xalloc_check(json_array())};
        json_array_append_new(sf->pools, json_pack("[s?s]", ns_written, name));
        json_array_append_new(sf->claim_files, file_index);
        return;
    }
    json_decref(file_index);
    json_array_append_new(sf->pools, json_pack("[s?s]", ns_written, name));
    char *joined = wp_cli_format("%s---\n%s", sf->text, doc);
    free(sf->text);
    free(doc);
    free(path);
    sf->text = joined;
    sf->len = strlen(joined);
}

typedef struct {
    const char *ns, *name;
    bool found;
} pool_probe;

static int probe_pool(void *ctx, const wp_yaml_doc *doc)
{
    pool_probe *p = ctx;
    const char *kind = json_string_value(json_object_get(doc->root, "kind")),
               *name = json_string_value(json_object_get(json_object_get(doc->root, "metadata"), "name"));
    const char *ns = json_string_value(json_object_get(json_object_get(doc->root, "metadata"), "namespace"));
    if (kind && name && strcmp(kind, "SandboxWarmPool") == 0 && strcmp(name, p->name) == 0
        && (!ns || !p->ns || strcmp(ns, p->ns) == 0))
        p->found = true;
    return 0;
}

/* A shadow pool file that is already there (written by an earlier run on
 * other paths) is fine when it defines the pools; anything else is not
 * overwritten. */
static bool existing_file_has_pools(const wp_cli_migrator *m, const shadow_file *sf)
{
    size_t len;
    char err[256];
    char *data = wp_cli_read_file(sf->path, m->o->max_file_size, &len, err, sizeof err);
    if (!data) return false;
    bool all = true;
    size_t i;
    json_t *p;
    json_array_foreach(sf->pools, i, p) {
        pool_probe probe = {json_string_value(json_array_get(p, 0)), json_string_value(json_array_get(p, 1)), false};
        if (wp_yaml_parse(data, len, 1, 0, probe_pool, &probe, NULL) != 0 || !probe.found) all = false;
    }
    free(data);
    return all;
}

/* A shadow pool serves claims; when no file of those claims was written,
 * it would only be litter. */
static bool needed(const wp_cli_migrator *m, const shadow_file *sf)
{
    size_t i;
    json_t *index;
    json_array_foreach(sf->claim_files, i, index) if (m->files[json_integer_value(index)].written) return true;
    return false;
}

void wp_cli_shadow_write(wp_cli_migrator *m, FILE *diff_out)
{
    for (size_t i = 0; i < m->n_shadows; i++) {
        shadow_file *sf = &m->shadows[i];
        if (!needed(m, sf)) {
            wp_cli_migrate_note(m, WP_CLI_NOTE_LEFT_ALONE, sf->path, 0, 0, NULL,
                                "not written: none of the claims that need this shadow pool was migrated");
            continue;
        }
        struct stat st;
        if (lstat(sf->path, &st) == 0) {
            if (!existing_file_has_pools(m, sf))
                wp_cli_migrate_note(m, WP_CLI_NOTE_LEFT_ALONE, sf->path, 0, 0, NULL,
                     "not written: the file exists and does not define the shadow pool; add it by hand");
            continue;
        }
        char err[512];
        if (m->o->dry_run) {
            wp_cli_diff_new_file(diff_out, sf->path, sf->text, sf->len);
        } else if (wp_file_write_atomic(sf->path, sf->text, sf->len, WP_WRITE_CREATE_NEW, sf->mode, err, sizeof err) != 0) {
            wp_cli_migrate_note(m, WP_CLI_NOTE_IO, sf->path, 0, 0, NULL, err);
            continue;
        }
        m->res->files_created++;
        wp_cli_migrate_note(m, WP_CLI_NOTE_CREATED, sf->path, 0, 0, NULL,
             m->o->dry_run ? "would write the shadow pool" : "wrote the shadow pool");
    }
}

