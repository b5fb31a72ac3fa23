/* Legacy manifest migration. See migrate.h.
 *
 * Three passes: read every file and note the pools in the tree and the
 * objects that need work; plan byte-range edits for each object (all or
 * nothing per object) and the shadow pools; then write (or diff). */
#include "cli/migrate.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/arena.h"
#include "common/file_write.h"
#include "cli/docsplit.h"
#include "cli/edits.h"
#include "cli/input.h"
#include "cli/migrate_internal.h"
#include "cli/yedit.h"
#include "cli/ysource.h"
#include "common/rules.h"
#include "common/yaml.h"

#define GROUP_CORE "agents.x-k8s.io"

void wp_cli_migrate_note(wp_cli_migrator *m, wp_cli_note_kind kind, const char *path, size_t line, size_t column,
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

static const char *effective_ns(const wp_cli_migrator *m, const json_t *obj)
{
    const char *ns = str_at(obj, "metadata", "namespace");
    return ns ? ns : m->o->default_namespace;
}

typedef struct {
    wp_cli_migrator *m;
    size_t file;
    wp_cli_span span;
} scan_ctx;

static void scan_object(scan_ctx *sc, const json_t *obj, long item)
{
    wp_cli_migrator *m = sc->m;
    char group[256];
    const char *version;
    api_version_parts(obj, group, sizeof group, &version);
    const char *kind = str_at(obj, "kind", NULL);
    if (!is_project_kind(group, kind)) return;
    wp_kind k = wp_kind_from_group_kind(group, kind);
    if (k == WP_KIND_SANDBOX_WARM_POOL && str_at(obj, "metadata", "name")) {
        const char *shadow = str_at(json_object_get(obj, "metadata"), "annotations", WP_CLI_ANNOTATION_SHADOW);
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

static void scan_file(wp_cli_migrator *m, size_t fi)
{
    mfile *f = &m->files[fi];
    if (memchr(f->data, '\0', f->len)) return; /* binary: nothing to migrate */
    scan_ctx sc = {m, fi, {0}};
    wp_cli_docsplit it;
    wp_cli_docsplit_init(&it, f->data, f->len);
    while (wp_cli_docsplit_next(&it, &sc.span)) {
        wp_yaml_error err;
        if (wp_yaml_parse(f->data + sc.span.offset, sc.span.len, sc.span.first_line, 0, scan_document, &sc, &err)
            != 0) {
            char *msg = wp_cli_format("invalid YAML, document left alone: %s", err.message);
            wp_cli_migrate_note(m, WP_CLI_NOTE_LEFT_ALONE, f->path, err.line, err.column, NULL, msg);
            free(msg);
        }
    }
}

static int on_file(void *ctx, const char *path, const char *data, size_t len)
{
    wp_cli_migrator *m = ctx;
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
    wp_cli_migrate_note(ctx, WP_CLI_NOTE_IO, path, 0, 0, NULL, message);
}

/* --- one object ------------------------------------------------------------ */

typedef struct {
    char *shadow_name, *shadow_tmpl; /* a shadow pool to plan once the object succeeds */
    char *what;                      /* what changed, for the note */
} outcome;

static void append_what(outcome *out, char *text)
{
    char *joined = out->what ? wp_cli_format("%s; %s", out->what, text) : wp_xalloc_check(strdup(text));
    free(out->what);
    free(text);
    out->what = joined;
}

static bool edit_api_version(wp_cli_yedit *e, const wp_ynode *node, const json_t *obj, outcome *out)
{
    const wp_ynode *key = NULL, *v = wp_ynode_get(node, "apiVersion", &key);
    if (!wp_cli_yedit_scalar_ok(e, key, "apiVersion") || !wp_cli_yedit_scalar_ok(e, v, "apiVersion")) return false;
    if (!wp_cli_yedit_replace_last(e, v, "v1alpha1", "v1beta1")) return false;
    append_what(out, wp_cli_format("apiVersion %s -> v1beta1", str_at(obj, "apiVersion", NULL)));
    return true;
}

/* The legacy claim's template and warmpool value, checked. */
static bool legacy_fields(wp_cli_yedit *e, const json_t *spec_json, const wp_ynode *spec, const char **tmpl,
                          const char **warmpool)
{
    if (json_object_get(spec_json, "warmPoolRef"))
        return wp_cli_yedit_fail(e, spec, "has both spec.warmPoolRef and the legacy spec.sandboxTemplateRef/"
                                          "spec.warmpool; remove the legacy fields by hand");
    *tmpl = str_at(spec_json, "sandboxTemplateRef", "name");
    if (!*tmpl)
        return wp_cli_yedit_fail(e, spec, "spec.sandboxTemplateRef.name is missing or not a string: the template "
                                          "is unknown");
    const json_t *wp = json_object_get(spec_json, "warmpool");
    if (wp && !json_is_null(wp) && !json_is_string(wp))
        return wp_cli_yedit_fail(e, spec, "spec.warmpool is not a string");
    *warmpool = json_is_string(wp) ? json_string_value(wp) : "";
    return true;
}

static bool edit_claim(wp_cli_migrator *m, wp_cli_yedit *e, const wp_ynode *node, const json_t *obj, outcome *out)
{
    const json_t *spec_json = json_object_get(obj, "spec");
    const wp_ynode *spec = wp_ynode_get(node, "spec", NULL);
    const char *tmpl = NULL, *warmpool = "";
    if (!wp_cli_yedit_mapping_ok(e, spec, "spec") || !legacy_fields(e, spec_json, spec, &tmpl, &warmpool)) return false;
    const wp_ynode *ref_key = NULL, *ref = wp_ynode_get(spec, "sandboxTemplateRef", &ref_key);
    if (!wp_cli_yedit_scalar_ok(e, ref_key, "spec.sandboxTemplateRef")) return false;
    if (!wp_cli_yedit_mapping_ok(e, ref, "spec.sandboxTemplateRef")) return false;
    if (ref->n_children != 2)
        return wp_cli_yedit_fail(e, ref, "spec.sandboxTemplateRef has fields besides name; migrate it by hand");
    const wp_ynode *name = wp_ynode_get(ref, "name", NULL);
    if (!wp_cli_yedit_scalar_ok(e, name, "spec.sandboxTemplateRef.name")) return false;

    bool shadow, has_warmpool = json_object_get(spec_json, "warmpool") != NULL;
    char *pool = wp_cli_shadow_choose_pool(m, effective_ns(m, obj), tmpl, warmpool, &shadow);
    bool ok = strlen(pool) <= 253
           || wp_cli_yedit_fail(e, name, "the pool name %s would be longer than 253 characters", pool);
    ok = ok && wp_cli_yedit_replace_like(e, ref_key, "warmPoolRef") && wp_cli_yedit_replace_like(e, name, pool);
    if (ok && has_warmpool) ok = wp_cli_yedit_drop_entry(e, spec, "warmpool");
    if (ok) {
        append_what(out, wp_cli_format("spec.sandboxTemplateRef \"%s\" + spec.warmpool \"%s\" -> "
                                       "spec.warmPoolRef.name \"%s\"%s",
                                       tmpl, has_warmpool ? warmpool : "(unset: default)", pool,
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

static bool edit_sandbox(wp_cli_yedit *e, const wp_ynode *node, const json_t *obj, outcome *out)
{
    const json_t *spec_json = json_object_get(obj, "spec");
    const json_t *replicas = json_object_get(spec_json, "replicas");
    if (!replicas) return true; /* absent: Running, the v1beta1 default */
    if (json_object_get(spec_json, "operatingMode"))
        return wp_cli_yedit_fail(e, NULL,
                                 "has both spec.replicas and spec.operatingMode; remove spec.replicas by hand");
    if (!json_is_integer(replicas) || json_integer_value(replicas) < 0 || json_integer_value(replicas) > 1)
        return wp_cli_yedit_fail(e, NULL, "spec.replicas must be 0 or 1 to become spec.operatingMode");
    const wp_ynode *spec = wp_ynode_get(node, "spec", NULL);
    if (!wp_cli_yedit_mapping_ok(e, spec, "spec")) return false;
    const wp_ynode *key = NULL, *value = wp_ynode_get(spec, "replicas", &key);
    if (!wp_cli_yedit_scalar_ok(e, key, "spec.replicas") || !wp_cli_yedit_scalar_ok(e, value, "spec.replicas"))
        return false;
    const char *mode = json_integer_value(replicas) ? "Running" : "Suspended";
    if (!wp_cli_yedit_replace_like(e, key, "operatingMode") || !wp_cli_yedit_replace_string(e, value, mode))
        return false;
    append_what(out, wp_cli_format("spec.replicas %lld -> spec.operatingMode %s",
                                   (long long)json_integer_value(replicas), mode));
    return true;
}

static char *subject_of(const json_t *obj)
{
    const char *kind = str_at(obj, "kind", NULL), *name = str_at(obj, "metadata", "name");
    const char *ns = str_at(obj, "metadata", "namespace");
    return wp_cli_format("%s %s%s%s", kind ? kind : "object", ns ? ns : "", ns ? "/" : "", name ? name : "(unnamed)");
}

static void migrate_object(wp_cli_migrator *m, const work_item *w, const wp_ynode *node)
{
    mfile *file = &m->files[w->file];
    const json_t *obj = w->obj;
    char group[256];
    const char *version;
    api_version_parts(obj, group, sizeof group, &version);
    const char *kind = str_at(obj, "kind", NULL);
    size_t mark = file->edits.n;
    wp_cli_yedit e = {.data = file->data, .len = file->len, .json = file->json, .edits = &file->edits, .where = node};
    outcome out = {0};
    bool ok = node && node->type == WP_YNODE_MAPPING;
    if (!ok) wp_cli_yedit_fail(&e, node, "the object is not a mapping in the source");
    if (ok && strcmp(version, "v1alpha1") == 0) ok = edit_api_version(&e, node, obj, &out);
    if (ok && strcmp(kind, "SandboxClaim") == 0 && has_legacy_fields(obj)) ok = edit_claim(m, &e, node, obj, &out);
    if (ok && strcmp(kind, "Sandbox") == 0 && strcmp(version, "v1alpha1") == 0) ok = edit_sandbox(&e, node, obj, &out);
    char *subject = subject_of(obj);
    const wp_ynode *at = e.where ? e.where : node;
    if (!ok) {
        wp_cli_edits_truncate(&file->edits, mark);
        char *msg = wp_cli_format("left alone: %s", e.why);
        wp_cli_migrate_note(m, WP_CLI_NOTE_LEFT_ALONE, file->path, at ? at->line : w->span.first_line,
                            at ? at->column : 0, subject, msg);
        free(msg);
    } else if (out.what) {
        m->res->objects_migrated++;
        wp_cli_migrate_note(m, WP_CLI_NOTE_CHANGED, file->path, node->line, node->column, subject, out.what);
        if (out.shadow_name)
            wp_cli_shadow_plan(m, file, str_at(obj, "metadata", "namespace"), effective_ns(m, obj), out.shadow_name,
                        out.shadow_tmpl);
    }
    free(subject);
    free(out.what);
    free(out.shadow_name);
    free(out.shadow_tmpl);
}

static void plan_edits(wp_cli_migrator *m)
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
                wp_cli_migrate_note(m, WP_CLI_NOTE_LEFT_ALONE, file->path, err.line, err.column, NULL, err.message);
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

static void write_files(wp_cli_migrator *m, FILE *diff_out)
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
        if (wp_file_write_atomic(f->path, text, len, WP_WRITE_REPLACE, 0, err, sizeof err) != 0)
            wp_cli_migrate_note(m, WP_CLI_NOTE_IO, f->path, 0, 0, NULL, err);
        else m->res->files_changed++;
        free(text);
    }
}

static void free_migrator(wp_cli_migrator *m)
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
    wp_cli_migrator m = {.o = o, .res = res};
    wp_cli_input in = {.on_file = on_file, .on_error = on_error, .ctx = &m, .max_file_size = o->max_file_size};
    for (size_t i = 0; i < n_paths; i++) wp_cli_input_walk(&in, paths[i]);
    for (size_t i = 0; i < m.n_files; i++) scan_file(&m, i);
    plan_edits(&m);
    write_files(&m, diff_out);
    wp_cli_shadow_write(&m, diff_out);
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
