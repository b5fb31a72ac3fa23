/* The plugin configuration file. See plugin_file.h. */
#include "controller/plugin/plugin_file.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flag_parser.h"
#include "common/names.h"
#include "common/verdict.h"
#include "common/yaml.h"
#include "controller/plugin/plugin_lib.h"

#define DEFAULT_DEADLINE_MS 5000
#define MAX_DEADLINE_MS (10 * 60 * 1000)
#define DEFAULT_CACHE_TTL_MS (5 * 60 * 1000)

typedef struct {
    const char *origin;
    size_t index;
    char *why;
    size_t why_size;
} where;

static int fail(const where *w, const char *key, const char *fmt, const char *a, const char *b)
{
    int n = snprintf(w->why, w->why_size, "%s: plugins[%zu]%s%s: ", w->origin, w->index, key ? "." : "",
                     key ? key : "");
    if (n >= 0 && (size_t)n < w->why_size) snprintf(w->why + n, w->why_size - (size_t)n, fmt, a, b);
    return -1;
}

static const char *string_member(const where *w, const json_t *o, const char *key, bool required,
                                 int *rc)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        if (required) *rc = fail(w, key, "is required%s%s", "", "");
        return NULL;
    }
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 4096) {
        *rc = fail(w, key, "must be a non-empty string, not %s%s", wp_yaml_type_name(v), "");
        return NULL;
    }
    return json_string_value(v);
}

/* A duration member as milliseconds: "5s", "250ms", or a bare number of seconds. */
static int duration_member(const where *w, const json_t *o, const char *key, int64_t def,
                           int64_t min, int64_t *out)
{
    const json_t *v = json_object_get(o, key);
    *out = def;
    if (!v) return 0;
    char text[64];
    long long ms;
    if (json_is_string(v)) snprintf(text, sizeof text, "%s", json_string_value(v));
    else if (json_is_integer(v)) snprintf(text, sizeof text, "%lld", (long long)json_integer_value(v));
    else return fail(w, key, "must be a duration such as \"5s\" or \"250ms\", not %s%s", wp_yaml_type_name(v), "");
    if (wp_flag_parse_duration_ms(text, &ms) != 0 || ms < min || ms > MAX_DEADLINE_MS)
        return fail(w, key, "\"%s\" is not a duration between %s and 10m", text, min ? "1ms" : "0");
    *out = ms;
    return 0;
}

static int check_sha256(const where *w, const char *s, char **out)
{
    if (!s) return 0;
    size_t n = strlen(s);
    bool ok = n == 64;
    for (size_t i = 0; ok && i < n; i++) ok = isxdigit((unsigned char)s[i]) != 0;
    if (!ok) return fail(w, "sha256", "\"%.80s\" is not 64 hexadecimal digits%s", s, "");
    *out = wp_xalloc_check(strdup(s));
    for (size_t i = 0; i < n; i++) (*out)[i] = (char)tolower((unsigned char)(*out)[i]);
    return 0;
}

static char *join_path(const char *base, const char *path)
{
    if (path[0] == '/' || !base) return wp_xalloc_check(strdup(path));
    size_t n = strlen(base) + strlen(path) + 2;
    char *p = wp_xalloc_check(malloc(n));
    snprintf(p, n, "%s/%s", base, path);
    return p;
}

static int parse_entry(const where *w, const json_t *o, const char *base_dir, wp_plugin_file_entry *e)
{
    static const char *const known[] = {"name", "kind", "path", "sha256", "deadline", "cacheTTL", "workers", "spool", "isolation", "config", NULL};
    if (!json_is_object(o)) return fail(w, NULL, "must be a mapping, not %s%s", wp_yaml_type_name(o), "");
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        size_t i = 0;
        while (known[i] && strcmp(known[i], k) != 0) i++;
        if (!known[i])
            return fail(w, NULL, "unknown key \"%.64s\" (known: name, kind, path, sha256, deadline, cacheTTL, workers, spool, isolation, config)%s", k, "");
    }
    int rc = 0;
    const char *name = string_member(w, o, "name", true, &rc);
    const char *kind = rc ? NULL : string_member(w, o, "kind", true, &rc);
    const char *path = rc ? NULL : string_member(w, o, "path", true, &rc);
    const char *sha = rc ? NULL : string_member(w, o, "sha256", false, &rc);
    const char *spool = rc ? NULL : string_member(w, o, "spool", false, &rc);
    const char *isolation = rc ? NULL : string_member(w, o, "isolation", false, &rc);
    if (rc) return rc;
    if (wp_name_dns1123_label(name, strlen(name), NULL))
        return fail(w, "name", "\"%.64s\" is not a DNS-1123 label (lowercase letters, digits, '-'; at most 63)%s", name, "");
    if (!wp_plugin_kind_parse(kind, &e->kind))
        return fail(w, "kind", "\"%.64s\" is not one of hook, digest-resolver, history-store%s", kind, "");
    e->name = wp_xalloc_check(strdup(name));
    e->path = join_path(base_dir, path);
    if (check_sha256(w, sha, &e->sha256) != 0) return -1;
    if (spool && e->kind != WP_PLUGIN_KIND_HISTORY)
        return fail(w, "spool", "applies to history-store plugins only%s%s", "", "");
    if (spool) e->spool = join_path(base_dir, spool);
    if (isolation && strcmp(isolation, "none") != 0 && strcmp(isolation, "process") != 0)
        return fail(w, "isolation", "\"%.64s\" is not none or process%s", isolation, "");
    e->isolated = isolation && strcmp(isolation, "process") == 0;
    if (duration_member(w, o, "deadline", DEFAULT_DEADLINE_MS, 1, &e->deadline_ms) != 0) return -1;
    if (json_object_get(o, "cacheTTL") && e->kind != WP_PLUGIN_KIND_RESOLVER)
        return fail(w, "cacheTTL", "applies to digest-resolver plugins only%s%s", "", "");
    if (duration_member(w, o, "cacheTTL", DEFAULT_CACHE_TTL_MS, 0, &e->cache_ttl_ms) != 0) return -1;
    const json_t *workers = json_object_get(o, "workers");
    e->workers = 4;
    if (workers) {
        if (!json_is_integer(workers) || json_integer_value(workers) < 1 || json_integer_value(workers) > 64)
            return fail(w, "workers", "must be an integer from 1 to 64%s%s", "", "");
        e->workers = (int)json_integer_value(workers);
    }
    const json_t *config = json_object_get(o, "config");
    if (config && !json_is_object(config) && !json_is_null(config))
        return fail(w, "config", "must be a mapping, not %s%s", wp_yaml_type_name(config), "");
    e->config = config && json_is_object(config) ? json_incref((json_t *)config) : NULL;
    return 0;
}

int wp_plugin_file_parse(const json_t *doc, const char *origin, const char *base_dir,
                         wp_plugin_file *out, char *why, size_t why_size)
{
    *out = (wp_plugin_file){0};
    if (!json_is_object(doc)) {
        snprintf(why, why_size, "%s: must be a mapping with a \"plugins\" list, not %s", origin,
                 wp_yaml_type_name(doc));
        return -1;
    }
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)doc, k, v) {
        if (strcmp(k, "plugins") != 0) {
            snprintf(why, why_size, "%s: unknown key \"%.64s\" (known: plugins)", origin, k);
            return -1;
        }
    }
    const json_t *list = json_object_get(doc, "plugins");
    if (list && !json_is_array(list)) {
        snprintf(why, why_size, "%s: plugins must be a list, not %s", origin, wp_yaml_type_name(list));
        return -1;
    }
    size_t n = json_array_size(list);
    if (n > WP_PLUGIN_FILE_MAX_INSTANCES) {
        snprintf(why, why_size, "%s: %zu plugins (at most %d)", origin, n, WP_PLUGIN_FILE_MAX_INSTANCES);
        return -1;
    }
    out->v = wp_xalloc_check(calloc(n + 1, sizeof *out->v));
    for (size_t i = 0; i < n; i++) {
        where w = {origin, i, why, why_size};
        out->n = i + 1;
        if (parse_entry(&w, json_array_get(list, i), base_dir, &out->v[i]) != 0) goto bad;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(out->v[j].name, out->v[i].name) == 0) {
                char prev[32];
                snprintf(prev, sizeof prev, "plugins[%zu]", j);
                fail(&w, "name", "\"%s\" is already the name of %s", out->v[i].name, prev);
                goto bad;
            }
            if (out->v[i].kind != WP_PLUGIN_KIND_HOOK && out->v[j].kind == out->v[i].kind) {
                fail(&w, "kind", "only one %s may be configured (%s is one)", wp_plugin_kind_name(out->v[i].kind), out->v[j].name);
                goto bad;
            }
        }
    }
    return 0;
bad:
    wp_plugin_file_free(out);
    return -1;
}

void wp_plugin_file_free(wp_plugin_file *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->v[i].name);
        free(f->v[i].path);
        free(f->v[i].sha256);
        free(f->v[i].spool);
        json_decref(f->v[i].config);
    }
    free(f->v);
    *f = (wp_plugin_file){0};
}
