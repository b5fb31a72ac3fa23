/* Legacy manifest migration. See migrate.h.
 *
 * Three passes: read every file and note the pools in the tree and the
 * objects that need work; plan byte-range edits for each object (all or
 * nothing per object) and the shadow pools; then write (or diff). */
#include "cli/migrate.h"

#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/arena.h"
#include "cli/atomic.h"
#include "cli/docsplit.h"
#include "cli/edits.h"
#include "cli/input.h"
#include "cli/ysource.h"
#include "common/rules.h"
#include "common/yaml.h"

#define GROUP_CORE "agents.x-k8s.io"
#define SHADOW_PREFIX "shadow-pool-"
#define ANNOTATION_SHADOW "agents.x-k8s.io/migration-shadow"
#define ANNOTATION_SOURCE "agents.x-k8s.io/migration-source-template"

typedef struct {
    char *path;
    char *data;
    size_t len;
    mode_t mode;
    bool json;          /* a .json file: new string values are written quoted */
    wp_cli_edits edits;
} mfile;

typedef struct {
    char *ns, *name, *tmpl; /* ns: effective namespace */
    bool shadow;            /* made by an earlier migration */
} pool_rec;

/* An object that needs migrating. */
typedef struct {
    size_t file;
    wp_cli_span span;
    long item;     /* index in a List, -1 for a plain document */
    json_t *obj;   /* the object as parsed (a reference) */
} work_item;

typedef struct {
    char *path;
    char *text;
    size_t len;
    mode_t mode;
    json_t *pools; /* [[namespace or null, name], ...] it defines */
} shadow_file;

typedef struct {
    const wp_cli_migrate_options *o;
    wp_cli_migrate_result *res;
    mfile *files;
    size_t n_files, cap_files;
    pool_rec *pools;
    size_t n_pools, cap_pools;
    work_item *work;
    size_t n_work, cap_work;
    shadow_file *shadows;
    size_t n_shadows, cap_shadows;
} migrator;

/* Why an object was left alone, and where. */
typedef struct {
    char why[320];
    const wp_ynode *where;
} failure;

static bool fail(failure *f, const wp_ynode *where, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static bool fail(failure *f, const wp_ynode *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->why, sizeof f->why, fmt, ap);
    va_end(ap);
    if (where) f->where = where;
    return false;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) s = NULL;
    va_end(ap);
    return wp_xalloc_check(s);
}

static void note(migrator *m, wp_cli_note_kind kind, const char *path, size_t line, size_t column,
                 const char *subject, const char *message)
{
    wp_cli_migrate_result *r = m->res;
    r->notes = wp_cli_grow(r->notes, r->n_notes, &r->cap_notes, sizeof *r->notes);
    r->notes[r->n_notes++] = (wp_cli_note){
        .kind = kind, .path = wp_xalloc_check(strdup(path)), .line = line, .column = column,
        .subject = subject ? wp_xalloc_check(strdup(subject)) : NULL, .message = wp_xalloc_check(strdup(message)),
    };
}

/* --- reading the tree ---------------------------------------------------- */

static const char *str_at(const json_t *obj, const char *a, const char *b)
{
    const json_t *v = json_object_get(obj, a);
    if (b) v = json_object_get(v, b);
    return json_string_value(v);
}

/* The group and version of an object; group "" for the core group. */
static void api_version_parts(const json_t *obj, char *group, size_t size, const char **version)
{
    const char *av = str_at(obj, "apiVersion", NULL);
    const char *slash = av ? strchr(av, '/') : NULL;
    snprintf(group, size, "%.*s", slash ? (int)(slash - av) : 0, slash ? av : "");
    *version = slash ? slash + 1 : (av ? av : "");
}

static bool is_project_kind(const char *group, const char *kind)
{
    if (!kind) return false;
    if (strcmp(group, GROUP_CORE) == 0) return strcmp(kind, "Sandbox") == 0;
    return wp_kind_from_group_kind(group, kind) != WP_KIND_OTHER;
}

static bool has_legacy_fields(const json_t *obj)
{
    const json_t *spec = json_object_get(obj, "spec");
    return json_object_get(spec, "sandboxTemplateRef") || json_object_get(spec, "warmpool");
}

static const char *effective_ns(const migrator *m, const json_t *obj)
{
    const char *ns = str_at(obj, "metadata", "namespace");
    return ns ? ns : m->o->default_namespace;
}

typedef struct {
    migrator *m;
    size_t file;
    wp_cli_span span;
} scan_ctx;

static void scan_object(scan_ctx *sc, const json_t *obj, long item)
{
    migrator *m = sc->m;
    char group[256];
    const char *version;
    api_version_parts(obj, group, sizeof group, &version);
    const char *kind = str_at(obj, "kind", NULL);
    if (!is_project_kind(group, kind)) return;
    wp_kind k = wp_kind_from_group_kind(group, kind);
    if (k == WP_KIND_SANDBOX_WARM_POOL && str_at(obj, "metadata", "name")) {
        const char *shadow = str_at(json_object_get(obj, "metadata"), "annotations", ANNOTATION_SHADOW);
        m->pools = wp_cli_grow(m->pools, m->n_pools, &m->cap_pools, sizeof *m->pools);
        const char *tmpl = str_at(json_object_get(obj, "spec"), "sandboxTemplateRef", "name");
        m->pools[m->n_pools++] = (pool_rec){
            .ns = wp_xalloc_check(strdup(effective_ns(m, obj))),
            .name = wp_xalloc_check(strdup(str_at(obj, "metadata", "name"))),
            .tmpl = tmpl ? wp_xalloc_check(strdup(tmpl)) : NULL,
            .shadow = shadow && strcmp(shadow, "true") == 0,
        };
    }
    bool legacy_claim = k == WP_KIND_SANDBOX_CLAIM && has_legacy_fields(obj);
    if (strcmp(version, "v1alpha1") != 0 && !legacy_claim) return;
    m->work = wp_cli_grow(m->work, m->n_work, &m->cap_work, sizeof *m->work);
    m->work[m->n_work++] = (work_item){sc->file, sc->span, item, json_incref((json_t *)obj)};
}

static int scan_document(void *ctx, const wp_yaml_doc *doc)
{
    scan_ctx *sc = ctx;
    const char *kind = str_at(doc->root, "kind", NULL);
    const json_t *items = json_object_get(doc->root, "items");
    size_t klen = kind ? strlen(kind) : 0;
    if (klen >= 4 && strcmp(kind + klen - 4, "List") == 0 && json_is_array(items)) {
        size_t i;
        json_t *item;
        json_array_foreach(items, i, item) if (json_is_object(item)) scan_object(sc, item, (long)i);
    } else if (json_is_object(doc->root)) {
        scan_object(sc, doc->root, -1);
    }
    return 0;
}

static void scan_file(migrator *m, size_t fi)
{
    mfile *f = &m->files[fi];
    if (memchr(f->data, '\0', f->len)) return; /* binary: nothing to migrate */
    scan_ctx sc = {m, fi, {0}};
    wp_cli_docsplit it;
    wp_cli_docsplit_init(&it, f->data, f->len);
    while (wp_cli_docsplit_next(&it, &sc.span)) {
        wp_yaml_error err;
        if (wp_yaml_parse(f->data + sc.span.offset, sc.span.len, sc.span.first_line, 0, scan_document, &sc, &err) != 0) {
            char *msg = xasprintf("invalid YAML, document left alone: %s", err.message);
            note(m, WP_CLI_NOTE_LEFT_ALONE, f->path, err.line, err.column, NULL, msg);
            free(msg);
        }
    }
}

static int on_file(void *ctx, const char *path, const char *data, size_t len)
{
    migrator *m = ctx;
    struct stat st;
    if (stat(path, &st) != 0) st.st_mode = 0644;
    m->files = wp_cli_grow(m->files, m->n_files, &m->cap_files, sizeof *m->files);
    mfile *f = &m->files[m->n_files++];
    const char *dot = strrchr(path, '.');
    *f = (mfile){.path = wp_xalloc_check(strdup(path)), .data = wp_xalloc_check(malloc(len + 1)), .len = len,
                 .mode = st.st_mode & 07777, .json = dot && strcmp(dot, ".json") == 0};
    memcpy(f->data, data, len + 1);
    return 0;
}

static void on_error(void *ctx, const char *path, const char *message)
{
    note(ctx, WP_CLI_NOTE_IO, path, 0, 0, NULL, message);
}

/* --- scalars in place ---------------------------------------------------- */

/* True when text written plain reads back as the same string. */
static bool plain_safe(const char *text, bool in_flow)
{
    if (!text[0] || strpbrk(text, in_flow ? "\"'#:,[]{}\n\t" : "\"'#:\n\t")) return false;
    json_t *v = wp_yaml_load_one(text, strlen(text), NULL);
    bool same = json_is_string(v) && strcmp(json_string_value(v), text) == 0;
    json_decref(v);
    return same;
}

static char *double_quoted(const char *text)
{
    json_t *s = json_string(text);
    char *out = json_dumps(s, JSON_ENCODE_ANY);
    json_decref(s);
    return wp_xalloc_check(out);
}

/* text written as a scalar in the style of n, which it replaces. A JSON
 * file's plain scalars are numbers and booleans, so strings go quoted. */
static char *render_like(const wp_ynode *n, const char *text, bool json)
{
    if (n->style == WP_YSTYLE_SINGLE) {
        size_t len = strlen(text);
        char *out = wp_xalloc_check(malloc(2 * len + 3)), *p = out;
        *p++ = '\'';
        for (const char *c = text; *c; c++) {
            if (*c == '\'') *p++ = '\'';
            *p++ = *c;
        }
        *p++ = '\'';
        *p = '\0';
        return out;
    }
    if (n->style == WP_YSTYLE_PLAIN && !json && plain_safe(text, n->in_flow)) return wp_xalloc_check(strdup(text));
    return double_quoted(text);
}

/* A scalar this tool may rewrite: no anchor, no tag, not a block scalar. */
static bool editable_scalar(const wp_ynode *n, const char *what, failure *f)
{
    if (!n) return fail(f, NULL, "%s is missing from the source (it comes from an alias or merge key)", what);
    if (n->type == WP_YNODE_ALIAS) return fail(f, n, "%s is a YAML alias; migrate it by hand", what);
    if (n->type != WP_YNODE_SCALAR) return fail(f, n, "%s is not a scalar", what);
    if (n->anchored) return fail(f, n, "%s carries a YAML anchor; migrate it by hand", what);
    if (n->tagged) return fail(f, n, "%s carries a YAML tag; migrate it by hand", what);
    if (n->style == WP_YSTYLE_LITERAL || n->style == WP_YSTYLE_FOLDED)
        return fail(f, n, "%s is a block scalar; migrate it by hand", what);
    return true;
}

/* A mapping this tool may edit inside. */
static bool editable_mapping(const wp_ynode *n, const char *what, failure *f)
{
    if (!n) return fail(f, NULL, "%s is missing from the source (it comes from an alias or merge key)", what);
    if (n->type == WP_YNODE_ALIAS) return fail(f, n, "%s is a YAML alias; migrate it by hand", what);
    if (n->type != WP_YNODE_MAPPING) return fail(f, n, "%s is not a mapping", what);
    if (n->anchored) return fail(f, n, "%s carries a YAML anchor (other places may share it); migrate it by hand", what);
    if (n->tagged) return fail(f, n, "%s carries a YAML tag; migrate it by hand", what);
    if (wp_ynode_has_merge(n)) return fail(f, n, "%s uses a merge key (<<); migrate it by hand", what);
    return true;
}

static bool replace(mfile *file, const wp_ynode *n, const char *text, failure *f)
{
    if (!wp_cli_edits_add(&file->edits, n->start, n->end, text))
        return fail(f, n, "overlapping edits (the same node is reached twice)");
    return true;
}

static bool replace_like(mfile *file, const wp_ynode *n, const char *text, failure *f)
{
    char *r = render_like(n, text, file->json);
    bool ok = replace(file, n, r, f);
    free(r);
    return ok;
}

/* --- dropping a mapping entry -------------------------------------------- */

static bool only_blank(const char *s, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') return false;
    return true;
}

/* In a block mapping the entry must own its lines: the key first on its
 * line, nothing but a comment after the value. The lines go, comment too. */
static bool drop_block_entry(mfile *file, const wp_ynode *key, const wp_ynode *value, failure *f)
{
    const char *s = file->data;
    size_t from = key->start;
    while (from > 0 && s[from - 1] != '\n') from--;
    if (!only_blank(s, from, key->start)) return fail(f, key, "%s shares its line with other content", key->value);
    size_t to = value->end;
    while (to < file->len && (s[to] == ' ' || s[to] == '\t')) to++;
    if (to < file->len && s[to] == '#') while (to < file->len && s[to] != '\n') to++;
    if (to < file->len && s[to] == '\r') to++;
    if (to < file->len && s[to] != '\n') return fail(f, value, "%s shares its line with other content", key->value);
    if (to < file->len) to++;
    if (!wp_cli_edits_add(&file->edits, from, to, "")) return fail(f, key, "overlapping edits");
    return true;
}

/* In a flow mapping ({a: 1, b: 2}, or JSON) the entry goes with one comma:
 * the one before it, or for the first entry the one after it. */
static bool drop_flow_entry(mfile *file, const wp_ynode *map, size_t pair, failure *f)
{
    const char *s = file->data;
    const wp_ynode *key = map->children[2 * pair], *value = map->children[2 * pair + 1];
    size_t from, to;
    if (pair > 0) {
        from = map->children[2 * pair - 1]->end;
        to = value->end;
        const char *comma = memchr(s + from, ',', key->start - from);
        if (!comma || !only_blank(s, from, (size_t)(comma - s)) || !only_blank(s, (size_t)(comma - s) + 1, key->start))
            return fail(f, key, "cannot cut %s out of its flow mapping cleanly; migrate it by hand", key->value);
    } else if (map->n_children > 2) {
        from = key->start;
        to = map->children[2]->start;
        const char *comma = memchr(s + value->end, ',', to - value->end);
        if (!comma || !only_blank(s, value->end, (size_t)(comma - s)) || !only_blank(s, (size_t)(comma - s) + 1, to))
            return fail(f, key, "cannot cut %s out of its flow mapping cleanly; migrate it by hand", key->value);
    } else {
        from = key->start;
        to = value->end;
    }
    if (!wp_cli_edits_add(&file->edits, from, to, "")) return fail(f, key, "overlapping edits");
    return true;
}

static bool drop_entry(mfile *file, const wp_ynode *map, const char *name, failure *f)
{
    for (size_t i = 0; i + 1 < map->n_children; i += 2) {
        const wp_ynode *key = map->children[i], *value = map->children[i + 1];
        if (key->type != WP_YNODE_SCALAR || strcmp(key->value, name) != 0) continue;
        if (!editable_scalar(key, name, f)) return false;
        if (value->type != WP_YNODE_SCALAR && value->type != WP_YNODE_ALIAS)
            return fail(f, value, "%s is not a scalar", name);
        if (value->anchored || value->type == WP_YNODE_ALIAS)
            return fail(f, value, "%s uses a YAML anchor or alias; migrate it by hand", name);
        if (value->style == WP_YSTYLE_LITERAL || value->style == WP_YSTYLE_FOLDED)
            return fail(f, value, "%s is a block scalar; migrate it by hand", name);
        return map->style == WP_YSTYLE_FLOW ? drop_flow_entry(file, map, i / 2, f)
                                            : drop_block_entry(file, key, value, f);
    }
    return fail(f, map, "%s is missing from the source (it comes from an alias or merge key)", name);
}

/* --- pools ---------------------------------------------------------------- */

static const pool_rec *find_pool(const migrator *m, const char *ns, const char *name)
{
    for (size_t i = 0; i < m->n_pools; i++)
        if (strcmp(m->pools[i].ns, ns) == 0 && strcmp(m->pools[i].name, name) == 0) return &m->pools[i];
    return NULL;
}

/* The pool a legacy claim's warmpool value means. Returns malloc'd; sets
 * *shadow when it is the template's shadow pool. */
static char *choose_pool(const migrator *m, const char *ns, const char *tmpl, const char *warmpool, bool *shadow)
{
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
    return xasprintf(SHADOW_PREFIX "%s", tmpl);
}

static char *scalar_text(const char *text)
{
    return plain_safe(text, false) ? wp_xalloc_check(strdup(text)) : double_quoted(text);
}

static char *shadow_manifest(const char *name, const char *ns, const char *tmpl)
{
    char *n = scalar_text(name), *t = scalar_text(tmpl), *nsq = ns ? scalar_text(ns) : NULL;
    char *ns_line = nsq ? xasprintf("  namespace: %s\n", nsq) : wp_xalloc_check(strdup(""));
    char *text = xasprintf(
        "# Written by warmpoolctl migrate for claims that used spec.warmpool \"none\"\n"
        "# (or \"default\" without exactly one pool for the template). replicas 0\n"
        "# keeps no sandbox warm: every claim cold-starts from the template.\n"
        "apiVersion: " WP_GROUP_EXTENSIONS "/v1beta1\n"
        "kind: SandboxWarmPool\n"
        "metadata:\n"
        "  name: %s\n"
        "%s"
        "  annotations:\n"
        "    " ANNOTATION_SHADOW ": \"true\"\n"
        "    " ANNOTATION_SOURCE ": %s\n"
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
static void plan_shadow(migrator *m, const mfile *claim_file, const char *ns_written, const char *ns,
                        const char *name, const char *tmpl)
{
    if (find_pool(m, ns, name)) return;
    m->pools = wp_cli_grow(m->pools, m->n_pools, &m->cap_pools, sizeof *m->pools);
    m->pools[m->n_pools++] = (pool_rec){wp_xalloc_check(strdup(ns)), wp_xalloc_check(strdup(name)),
                                        wp_xalloc_check(strdup(tmpl)), true};
    char *dir_copy = wp_xalloc_check(strdup(claim_file->path));
    char *path = xasprintf("%s/%s.yaml", dirname(dir_copy), name);
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
    char *joined = xasprintf("%s---\n%s", sf->text, doc);
    free(sf->text);
    free(doc);
    free(path);
    sf->text = joined;
    sf->len = strlen(joined);
}

/* --- one object ------------------------------------------------------------ */

typedef struct {
    char *shadow_name, *shadow_tmpl; /* a shadow pool to plan once the object succeeds */
    char *what;                      /* what changed, for the note */
} outcome;

static void append_what(outcome *out, char *text)
{
    char *joined = out->what ? xasprintf("%s; %s", out->what, text) : wp_xalloc_check(strdup(text));
    free(out->what);
    free(text);
    out->what = joined;
}

static bool edit_api_version(mfile *file, const wp_ynode *node, const json_t *obj, outcome *out, failure *f)
{
    const wp_ynode *key = NULL, *v = wp_ynode_get(node, "apiVersion", &key);
    if (!editable_scalar(key, "apiVersion", f) || !editable_scalar(v, "apiVersion", f)) return false;
    const char *found = NULL;
    for (const char *p = file->data + v->start; (p = memmem(p, (size_t)(file->data + v->end - p), "v1alpha1", 8)); p++)
        found = p;
    if (!found) return fail(f, v, "apiVersion is written in a way this tool cannot edit; migrate it by hand");
    size_t at = (size_t)(found - file->data);
    if (!wp_cli_edits_add(&file->edits, at, at + 8, "v1beta1")) return fail(f, v, "overlapping edits");
    append_what(out, xasprintf("apiVersion %s -> v1beta1", str_at(obj, "apiVersion", NULL)));
    return true;
}

static bool edit_claim(migrator *m, mfile *file, const wp_ynode *node, const json_t *obj, outcome *out, failure *f)
{
    const json_t *spec_json = json_object_get(obj, "spec");
    const wp_ynode *spec = wp_ynode_get(node, "spec", NULL);
    if (!editable_mapping(spec, "spec", f)) return false;
    if (json_object_get(spec_json, "warmPoolRef"))
        return fail(f, spec, "has both spec.warmPoolRef and the legacy spec.sandboxTemplateRef/spec.warmpool; "
                             "remove the legacy fields by hand");
    const char *tmpl = str_at(spec_json, "sandboxTemplateRef", "name");
    if (!tmpl) return fail(f, spec, "spec.sandboxTemplateRef.name is missing or not a string: the template is unknown");
    const json_t *wp = json_object_get(spec_json, "warmpool");
    if (wp && !json_is_null(wp) && !json_is_string(wp)) return fail(f, spec, "spec.warmpool is not a string");
    const char *warmpool = json_is_string(wp) ? json_string_value(wp) : "";

    const wp_ynode *ref_key = NULL, *ref = wp_ynode_get(spec, "sandboxTemplateRef", &ref_key);
    if (!editable_scalar(ref_key, "spec.sandboxTemplateRef", f)) return false;
    if (!editable_mapping(ref, "spec.sandboxTemplateRef", f)) return false;
    if (ref->n_children != 2) return fail(f, ref, "spec.sandboxTemplateRef has fields besides name; migrate it by hand");
    const wp_ynode *name = wp_ynode_get(ref, "name", NULL);
    if (!editable_scalar(name, "spec.sandboxTemplateRef.name", f)) return false;

    const char *ns = effective_ns(m, obj);
    bool shadow;
    char *pool = choose_pool(m, ns, tmpl, warmpool, &shadow);
    bool ok = strlen(pool) <= 253 || fail(f, name, "the pool name %s would be longer than 253 characters", pool);
    ok = ok && replace_like(file, ref_key, "warmPoolRef", f) && replace_like(file, name, pool, f);
    if (ok && wp && !drop_entry(file, spec, "warmpool", f)) ok = false;
    if (ok) {
        append_what(out, xasprintf("spec.sandboxTemplateRef \"%s\" + spec.warmpool \"%s\" -> spec.warmPoolRef.name \"%s\"%s",
                                   tmpl, wp ? warmpool : "(unset: default)", pool,
                                   shadow ? " (a shadow pool with replicas 0: every claim cold-starts)" : ""));
        if (shadow) {
            out->shadow_name = pool;
            out->shadow_tmpl = wp_xalloc_check(strdup(tmpl));
            pool = NULL;
        }
    }
    free(pool);
    return ok;
}

static bool edit_sandbox(mfile *file, const wp_ynode *node, const json_t *obj, outcome *out, failure *f)
{
    const json_t *spec_json = json_object_get(obj, "spec");
    const json_t *replicas = json_object_get(spec_json, "replicas");
    if (!replicas) return true; /* absent: Running, the v1beta1 default */
    if (json_object_get(spec_json, "operatingMode"))
        return fail(f, NULL, "has both spec.replicas and spec.operatingMode; remove spec.replicas by hand");
    if (!json_is_integer(replicas) || json_integer_value(replicas) < 0 || json_integer_value(replicas) > 1)
        return fail(f, NULL, "spec.replicas must be 0 or 1 to become spec.operatingMode");
    const wp_ynode *spec = wp_ynode_get(node, "spec", NULL);
    if (!editable_mapping(spec, "spec", f)) return false;
    const wp_ynode *key = NULL, *value = wp_ynode_get(spec, "replicas", &key);
    if (!editable_scalar(key, "spec.replicas", f) || !editable_scalar(value, "spec.replicas", f)) return false;
    const char *mode = json_integer_value(replicas) ? "Running" : "Suspended";
    if (!replace_like(file, key, "operatingMode", f)) return false;
    /* A number becomes a string: JSON and flow context need quotes. */
    char *text = file->json || value->in_flow || !plain_safe(mode, false) ? double_quoted(mode)
                                                                          : wp_xalloc_check(strdup(mode));
    bool ok = replace(file, value, text, f);
    free(text);
    if (ok) append_what(out, xasprintf("spec.replicas %lld -> spec.operatingMode %s",
                                       (long long)json_integer_value(replicas), mode));
    return ok;
}

static char *subject_of(const json_t *obj)
{
    const char *kind = str_at(obj, "kind", NULL), *name = str_at(obj, "metadata", "name");
    const char *ns = str_at(obj, "metadata", "namespace");
    return xasprintf("%s %s%s%s", kind ? kind : "object", ns ? ns : "", ns ? "/" : "", name ? name : "(unnamed)");
}

static void migrate_object(migrator *m, const work_item *w, const wp_ynode *node)
{
    mfile *file = &m->files[w->file];
    const json_t *obj = w->obj;
    char group[256];
    const char *version;
    api_version_parts(obj, group, sizeof group, &version);
    const char *kind = str_at(obj, "kind", NULL);
    size_t mark = file->edits.n;
    failure f = {.where = node};
    outcome out = {0};
    bool ok = node && node->type == WP_YNODE_MAPPING;
    if (!ok) fail(&f, node, "the object is not a mapping in the source");
    if (ok && strcmp(version, "v1alpha1") == 0) ok = edit_api_version(file, node, obj, &out, &f);
    if (ok && strcmp(kind, "SandboxClaim") == 0 && has_legacy_fields(obj)) ok = edit_claim(m, file, node, obj, &out, &f);
    if (ok && strcmp(kind, "Sandbox") == 0 && strcmp(version, "v1alpha1") == 0) ok = edit_sandbox(file, node, obj, &out, &f);
    char *subject = subject_of(obj);
    const wp_ynode *at = f.where ? f.where : node;
    if (!ok) {
        wp_cli_edits_truncate(&file->edits, mark);
        char *msg = xasprintf("left alone: %s", f.why);
        note(m, WP_CLI_NOTE_LEFT_ALONE, file->path, at ? at->line : w->span.first_line, at ? at->column : 0, subject, msg);
        free(msg);
    } else if (out.what) {
        m->res->objects_migrated++;
        note(m, WP_CLI_NOTE_CHANGED, file->path, node->line, node->column, subject, out.what);
        if (out.shadow_name)
            plan_shadow(m, file, str_at(obj, "metadata", "namespace"), effective_ns(m, obj), out.shadow_name,
                        out.shadow_tmpl);
    }
    free(subject);
    free(out.what);
    free(out.shadow_name);
    free(out.shadow_tmpl);
}

static void plan_edits(migrator *m)
{
    wp_ysource *src = NULL;
    size_t src_file = 0, src_offset = 0;
    for (size_t i = 0; i < m->n_work; i++) {
        const work_item *w = &m->work[i];
        mfile *file = &m->files[w->file];
        if (!src || src_file != w->file || src_offset != w->span.offset) {
            wp_ysource_free(src);
            wp_yaml_error err;
            src = wp_ysource_parse(file->data, w->span.offset, w->span.len, w->span.first_line, &err);
            src_file = w->file;
            src_offset = w->span.offset;
            if (!src) {
                note(m, WP_CLI_NOTE_LEFT_ALONE, file->path, err.line, err.column, NULL, err.message);
                continue;
            }
        }
        if (!src) continue;
        const wp_ynode *node = wp_ysource_root(src);
        if (w->item >= 0) {
            const wp_ynode *items = wp_ynode_get(node, "items", NULL);
            node = items && items->type == WP_YNODE_SEQUENCE && (size_t)w->item < items->n_children
                       ? items->children[w->item] : NULL;
        }
        migrate_object(m, w, node);
    }
    wp_ysource_free(src);
}

/* --- writing ---------------------------------------------------------------- */

typedef struct {
    const char *ns, *name;
    bool found;
} pool_probe;

static int probe_pool(void *ctx, const wp_yaml_doc *doc)
{
    pool_probe *p = ctx;
    const char *kind = str_at(doc->root, "kind", NULL), *name = str_at(doc->root, "metadata", "name");
    const char *ns = str_at(doc->root, "metadata", "namespace");
    if (kind && name && strcmp(kind, "SandboxWarmPool") == 0 && strcmp(name, p->name) == 0
        && (!ns || !p->ns || strcmp(ns, p->ns) == 0))
        p->found = true;
    return 0;
}

/* A shadow pool file that is already there (written by an earlier run on
 * other paths) is fine when it defines the pools; anything else is not
 * overwritten. */
static bool existing_file_has_pools(const migrator *m, const shadow_file *sf)
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

static void write_shadows(migrator *m, FILE *diff_out)
{
    for (size_t i = 0; i < m->n_shadows; i++) {
        shadow_file *sf = &m->shadows[i];
        struct stat st;
        if (lstat(sf->path, &st) == 0) {
            if (!existing_file_has_pools(m, sf))
                note(m, WP_CLI_NOTE_LEFT_ALONE, sf->path, 0, 0, NULL,
                     "not written: the file exists and does not define the shadow pool; add it by hand");
            continue;
        }
        char err[512];
        if (m->o->dry_run) {
            wp_cli_diff_new_file(diff_out, sf->path, sf->text, sf->len);
        } else if (wp_cli_write_atomic(sf->path, sf->text, sf->len, true, sf->mode, err, sizeof err) != 0) {
            note(m, WP_CLI_NOTE_IO, sf->path, 0, 0, NULL, err);
            continue;
        }
        m->res->files_created++;
        note(m, WP_CLI_NOTE_CREATED, sf->path, 0, 0, NULL,
             m->o->dry_run ? "would write the shadow pool" : "wrote the shadow pool");
    }
}

static void write_files(migrator *m, FILE *diff_out)
{
    for (size_t i = 0; i < m->n_files; i++) {
        mfile *f = &m->files[i];
        if (f->edits.n == 0) continue;
        if (m->o->dry_run) {
            wp_cli_edits_diff(diff_out, &f->edits, f->data, f->len, f->path, f->path);
            m->res->files_changed++;
            continue;
        }
        size_t len;
        char *text = wp_cli_edits_apply(&f->edits, f->data, f->len, &len);
        char err[512];
        if (wp_cli_write_atomic(f->path, text, len, false, 0, err, sizeof err) != 0) note(m, WP_CLI_NOTE_IO, f->path, 0, 0, NULL, err);
        else m->res->files_changed++;
        free(text);
    }
}

static void free_migrator(migrator *m)
{
    for (size_t i = 0; i < m->n_files; i++) {
        free(m->files[i].path);
        free(m->files[i].data);
        wp_cli_edits_free(&m->files[i].edits);
    }
    for (size_t i = 0; i < m->n_pools; i++) {
        free(m->pools[i].ns);
        free(m->pools[i].name);
        free(m->pools[i].tmpl);
    }
    for (size_t i = 0; i < m->n_work; i++) json_decref(m->work[i].obj);
    for (size_t i = 0; i < m->n_shadows; i++) {
        free(m->shadows[i].path);
        free(m->shadows[i].text);
        json_decref(m->shadows[i].pools);
    }
    free(m->files);
    free(m->pools);
    free(m->work);
    free(m->shadows);
}

void wp_cli_migrate_run(const wp_cli_migrate_options *o, char *const *paths, size_t n_paths, FILE *diff_out,
                        wp_cli_migrate_result *res)
{
    memset(res, 0, sizeof *res);
    migrator m = {.o = o, .res = res};
    wp_cli_input in = {.on_file = on_file, .on_error = on_error, .ctx = &m, .max_file_size = o->max_file_size};
    for (size_t i = 0; i < n_paths; i++) wp_cli_input_walk(&in, paths[i]);
    for (size_t i = 0; i < m.n_files; i++) scan_file(&m, i);
    plan_edits(&m);
    write_files(&m, diff_out);
    write_shadows(&m, diff_out);
    free_migrator(&m);
}

void wp_cli_migrate_result_free(wp_cli_migrate_result *res)
{
    for (size_t i = 0; i < res->n_notes; i++) {
        free(res->notes[i].path);
        free(res->notes[i].subject);
        free(res->notes[i].message);
    }
    free(res->notes);
    memset(res, 0, sizeof *res);
}

int wp_cli_migrate_exit_code(const wp_cli_migrate_result *res)
{
    int rc = 0;
    for (size_t i = 0; i < res->n_notes; i++) {
        if (res->notes[i].kind == WP_CLI_NOTE_IO) return 2;
        if (res->notes[i].kind == WP_CLI_NOTE_LEFT_ALONE) rc = 1;
    }
    return rc;
}
