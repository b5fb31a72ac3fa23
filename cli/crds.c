/* CRD registry. See crds.h. */
#include "cli/crds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/yaml.h"

typedef struct {
    char *group, *kind, *version, *plural;
    wp_schema *schema; /* NULL when the version is not served */
} crd_version;

struct wp_cli_crds {
    crd_version *versions;
    size_t n, cap;
};

static void add_version(wp_cli_crds *c, const char *group, const char *kind, const char *plural, const char *version,
                        wp_schema *schema)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->versions = wp_xalloc_check(realloc(c->versions, c->cap * sizeof *c->versions));
    }
    c->versions[c->n++] = (crd_version){
        .group = wp_xalloc_check(strdup(group)),
        .kind = wp_xalloc_check(strdup(kind)),
        .version = wp_xalloc_check(strdup(version)),
        .plural = wp_xalloc_check(strdup(plural)),
        .schema = schema,
    };
}

typedef struct {
    wp_cli_crds *crds;
    const char *file;
    char *err;
    size_t err_size;
} loader;

static int fail(loader *l, size_t line, const char *what)
{
    snprintf(l->err, l->err_size, "%s:%zu: %s", l->file, line, what);
    return -1;
}

static int add_crd(void *ctx, const wp_yaml_doc *doc)
{
    loader *l = ctx;
    const json_t *spec = json_object_get(doc->root, "spec");
    const char *group = json_string_value(json_object_get(spec, "group"));
    const char *kind = json_string_value(json_object_get(json_object_get(spec, "names"), "kind"));
    const char *plural = json_string_value(json_object_get(json_object_get(spec, "names"), "plural"));
    const json_t *versions = json_object_get(spec, "versions");
    if (!group || !kind || !plural || !json_is_array(versions))
        return fail(l, doc->line, "not a CustomResourceDefinition");
    size_t i;
    json_t *v;
    json_array_foreach(versions, i, v) {
        const char *name = json_string_value(json_object_get(v, "name"));
        if (!name) return fail(l, doc->line, "a version has no name");
        wp_schema *schema = NULL;
        if (json_is_true(json_object_get(v, "served"))) {
            const json_t *openapi = json_object_get(json_object_get(v, "schema"), "openAPIV3Schema");
            char why[200];
            schema = wp_schema_compile(openapi, why, sizeof why);
            if (!schema) {
                char msg[300];
                snprintf(msg, sizeof msg, "%s %s: %s", kind, name, why);
                return fail(l, doc->line, msg);
            }
        }
        add_version(l->crds, group, kind, plural, name, schema);
    }
    return 0;
}

wp_cli_crds *wp_cli_crds_load(const wp_cli_embedded_file *files, size_t n, char *err, size_t err_size)
{
    wp_cli_crds *crds = wp_xalloc_check(calloc(1, sizeof *crds));
    for (size_t i = 0; i < n; i++) {
        loader l = {crds, files[i].name, err, err_size};
        wp_yaml_error yerr;
        int rc = wp_yaml_parse(files[i].data, files[i].len, 1, 0, add_crd, &l, &yerr);
        if (rc == -1) snprintf(err, err_size, "%s:%zu: %s", files[i].name, yerr.line, yerr.message);
        if (rc != 0) {
            wp_cli_crds_free(crds);
            return NULL;
        }
    }
    return crds;
}

wp_cli_crds *wp_cli_crds_load_embedded(char *err, size_t err_size)
{
    return wp_cli_crds_load(wp_cli_embedded_crds, wp_cli_embedded_crds_count, err, err_size);
}

void wp_cli_crds_free(wp_cli_crds *crds)
{
    if (!crds) return;
    for (size_t i = 0; i < crds->n; i++) {
        free(crds->versions[i].group);
        free(crds->versions[i].kind);
        free(crds->versions[i].version);
        free(crds->versions[i].plural);
        wp_schema_free(crds->versions[i].schema);
    }
    free(crds->versions);
    free(crds);
}

wp_cli_crd_lookup wp_cli_crds_find(const wp_cli_crds *crds, const char *group, const char *version,
                                   const char *kind, const wp_schema **schema, const char **served)
{
    wp_cli_crd_lookup result = WP_CLI_CRD_UNKNOWN_KIND;
    for (size_t i = 0; i < crds->n; i++) {
        const crd_version *v = &crds->versions[i];
        if (strcmp(v->group, group) != 0 || strcmp(v->kind, kind) != 0) continue;
        if (strcmp(v->version, version) == 0 && v->schema) {
            if (schema) *schema = v->schema;
            return WP_CLI_CRD_FOUND;
        }
        if (v->schema) {
            result = WP_CLI_CRD_NOT_SERVED;
            if (served) *served = v->version;
        }
    }
    return result;
}

const char *wp_cli_crds_plural(const wp_cli_crds *crds, const char *group, const char *kind)
{
    for (size_t i = 0; i < crds->n; i++)
        if (strcmp(crds->versions[i].group, group) == 0 && strcmp(crds->versions[i].kind, kind) == 0)
            return crds->versions[i].plural;
    return NULL;
}
