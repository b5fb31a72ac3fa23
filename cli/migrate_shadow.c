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
#include "common/rules.h"
#include "common/yaml.h"

static const pool_rec *find_pool(const wp_cli_migrator *m, const char *ns, const char *name)
{
    for (size_t i = 0; i < m->n_pools; i++)
        if (strcmp(m->pools[i].ns, ns) == 0 && strcmp(m->pools[i].name, name) == 0) return &m->pools[i];
    return NULL;
}

/* The pool a legacy claim's warmpool value means. Returns malloc'd; sets
 * *shadow when it is the template's shadow pool. */
char *wp_cli_shadow_choose_pool(const wp_cli_migrator *m, const char *ns, const char *tmpl, const char *warmpool,
                                bool *shadow) {
    *shadow = false;
    bool any = warmpool[0] == '\0' || strcmp(warmpool, "default") == 0;
    if (!any && strcmp(warmpool, "none") != 0) return wp_xalloc_check(strdup(warmpool));
    if (any) {
        const pool_rec *match = NULL;
        size_t matches = 0;
        for (size_t i = 0; i < m->n_pools; i++) {
            const pool_rec *p = &m->pools[i];
            if (p->shadow || !p->tmpl || strcmp(p->ns, ns) != 0 || strcmp(p->tmpl, tmpl) != 0) continue;
            match = p;
            matches++;
        }
        if (matches == 1) return wp_xalloc_check(strdup(match->name));
    }
    *shadow = true;
    return wp_cli_format(WP_CLI_SHADOW_PREFIX "%s", tmpl);
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
    if (find_pool(m, ns, name)) return;
    m->pools = wp_cli_grow(m->pools, m->n_pools, &m->cap_pools, sizeof *m->pools);
    m->pools[m->n_pools++] = (pool_rec){wp_xalloc_check(strdup(ns)), wp_xalloc_check(strdup(name)),
                                        wp_xalloc_check(strdup(tmpl)), true};
    char *dir_copy = wp_xalloc_check(strdup(claim_file->path));
    char *path = wp_cli_format("%s/%s.yaml", dirname(dir_copy), name);
    free(dir_copy);
    char *doc = shadow_manifest(name, ns_written, tmpl);
    shadow_file *sf = NULL;
    for (size_t i = 0; i < m->n_shadows; i++)
        if (strcmp(m->shadows[i].path, path) == 0) sf = &m->shadows[i];
    if (!sf) {
        m->shadows = wp_cli_grow(m->shadows, m->n_shadows, &m->cap_shadows, sizeof *m->shadows);
        sf = &m->shadows[m->n_shadows++];
        *sf = (shadow_file){.path = path, .text = doc, .len = strlen(doc), .mode = claim_file->mode,
                            .pools = json_array()};
        json_array_append_new(sf->pools, json_pack("[s?s]", ns_written, name));
        return;
    }
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

void wp_cli_shadow_write(wp_cli_migrator *m, FILE *diff_out)
{
    for (size_t i = 0; i < m->n_shadows; i++) {
        shadow_file *sf = &m->shadows[i];
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

