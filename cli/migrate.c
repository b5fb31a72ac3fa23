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
#include "cli/listitem.h"
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
    size_t doc;
    const char *path;    /* the file being read */
    bool reference_only; /* under --repo-root only: pools and templates, no work */
} scan_ctx;

static char *dup_or_null(const char *s) { return s ? wp_xalloc_check(strdup(s)) : NULL; }

/* Pools and templates, from the paths and --repo-root alike; one record
 * per namespace and name, however often the two overlap. */
static void record_definition(scan_ctx *sc, wp_kind k, const json_t *obj)
{
    wp_cli_migrator *m = sc->m;
    const char *name = str_at(obj, "metadata", "name"), *ns = effective_ns(m, obj);
    const json_t *spec = json_object_get(obj, "spec");
    if (!name) return;
    if (k == WP_KIND_SANDBOX_WARM_POOL && !wp_cli_migrate_find_pool(m, ns, name)) {
        const char *shadow = str_at(json_object_get(obj, "metadata"), "annotations", WP_CLI_ANNOTATION_SHADOW);
        m->pools = wp_cli_grow(m->pools, m->n_pools, &m->cap_pools, sizeof *m->pools);
        m->pools[m->n_pools++] = (pool_rec){
            .ns = dup_or_null(ns), .name = dup_or_null(name), .tmpl = dup_or_null(str_at(spec, "sandboxTemplateRef", "name")),
            .shadow = shadow && strcmp(shadow, "true") == 0, .path = dup_or_null(sc->path),
        };
    }
    if (k == WP_KIND_SANDBOX_TEMPLATE) {
        for (size_t i = 0; i < m->n_templates; i++)
            if (strcmp(m->templates[i].ns, ns) == 0 && strcmp(m->templates[i].name, name) == 0) return;
        m->templates = wp_cli_grow(m->templates, m->n_templates, &m->cap_templates, sizeof *m->templates);
        m->templates[m->n_templates++] = (tmpl_rec){
            .ns = dup_or_null(ns), .name = dup_or_null(name),
            .env_policy = dup_or_null(str_at(spec, "envVarsInjectionPolicy", NULL)),
            .volumes_policy = dup_or_null(str_at(spec, "volumeClaimTemplatesPolicy", NULL)),
        };
    }
}

static void add_work(scan_ctx *sc, json_t *obj, json_t *src, long item)
{
    wp_cli_migrator *m = sc->m;
    m->work = wp_cli_grow(m->work, m->n_work, &m->cap_work, sizeof *m->work);
    m->work[m->n_work++] = (work_item){sc->file, sc->span, sc->doc, item, json_incref(obj), json_incref(src), NULL};
}

/* obj is the object as the API reads it, src as written (they differ for
 * the items of a typed list). */
static void scan_object(scan_ctx *sc, json_t *obj, json_t *src, long item)
{
    char group[256];
    const char *version;
    api_version_parts(obj, group, sizeof group, &version);
    const char *kind = str_at(obj, "kind", NULL);
    if (!is_project_kind(group, kind)) return;
    wp_kind k = wp_kind_from_group_kind(group, kind);
    record_definition(sc, k, obj);
    if (sc->reference_only) return;
    bool legacy_claim = k == WP_KIND_SANDBOX_CLAIM && has_legacy_fields(obj);
    if (strcmp(version, "v1alpha1") != 0 && !legacy_claim) return;
    add_work(sc, obj, src, item);
}

/* A typed list of a project kind (SandboxClaimList) written for v1alpha1:
 * its own apiVersion, which items without one inherit, needs the edit. */
static bool is_v1alpha1_project_list(json_t *list)
{
    char group[256];
    const char *version;
    api_version_parts(list, group, sizeof group, &version);
    const char *kind = str_at(list, "kind", NULL);
    char item_kind[128];
    snprintf(item_kind, sizeof item_kind, "%.*s", (int)(strlen(kind) - 4), kind);
    return strcmp(version, "v1alpha1") == 0 && is_project_kind(group, item_kind);
}

static int scan_document(void *ctx, const wp_yaml_doc *doc)
{
    scan_ctx *sc = ctx;
    if (!sc->reference_only) {
        mfile *f = &sc->m->files[sc->file];
        sc->doc = json_array_size(f->docs);
        json_array_append(f->docs, doc->root);
    }
    if (wp_cli_is_list(doc->root)) {
        if (!sc->reference_only && is_v1alpha1_project_list(doc->root)) add_work(sc, doc->root, doc->root, -1);
        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(doc->root, "items"), i, item) {
            if (!json_is_object(item)) continue;
            json_t *effective = wp_cli_list_item(doc->root, item);
            scan_object(sc, effective, item, (long)i);
            json_decref(effective);
        }
    } else if (json_is_object(doc->root)) {
        scan_object(sc, doc->root, doc->root, -1);
    }
    return 0;
}

/* Parses every document of text as scan and the re-parse check both do:
 * span by span, fn called per document, and on a span that does not parse
 * on_invalid (may be NULL) then a null appended to docs. */
static void read_documents(const char *text, size_t len, json_t *docs, wp_yaml_doc_fn fn, void *ctx,
                           void (*on_invalid)(void *ctx, const wp_yaml_error *err), wp_cli_span *span)
{
    wp_cli_docsplit it;
    wp_cli_docsplit_init(&it, text, len);
    while (wp_cli_docsplit_next(&it, span)) {
        wp_yaml_error err;
        if (wp_yaml_parse(text + span->offset, span->len, span->first_line, 0, fn, ctx, &err) != 0) {
            if (on_invalid) on_invalid(ctx, &err);
            json_array_append_new(docs, json_null());
        }
    }
}

static void note_invalid(void *ctx, const wp_yaml_error *err)
{
    scan_ctx *sc = ctx;
    char *msg = wp_cli_format("invalid YAML, document left alone: %s", err->message);
    wp_cli_migrate_note(sc->m, WP_CLI_NOTE_LEFT_ALONE, sc->m->files[sc->file].path, err->line, err->column, NULL, msg);
    free(msg);
}

static void scan_file(wp_cli_migrator *m, size_t fi)
{
    mfile *f = &m->files[fi];
    f->docs = wp_xalloc_check(json_array());
    /* binary: nothing to migrate. UTF-16's NUL bytes do not make it binary:
     * its legacy claims are found, and ysource refuses to edit them, saying why. */
    if (memchr(f->data, '\0', f->len) && !wp_ysource_is_utf16(f->data, f->len)) return;
    scan_ctx sc = {m, fi, {0}, 0, f->path, false};
    read_documents(f->data, f->len, f->docs, scan_document, &sc, note_invalid, &sc.span);
}

/* A file under --repo-root: its pools and templates count, nothing in it
 * changes; what does not parse there is not this run's business. */
static int on_reference_file(void *ctx, const char *path, const char *data, size_t len)
{
    wp_cli_migrator *m = ctx;
    if (memchr(data, '\0', len)) return 0;
    scan_ctx sc = {m, 0, {0}, 0, path, true};
    json_t *ignored = wp_xalloc_check(json_array());
    read_documents(data, len, ignored, scan_document, &sc, NULL, &sc.span);
    json_decref(ignored);
    return 0;
}

static void on_reference_error(void *ctx, const char *path, const char *message)
{
    (void)ctx, (void)path, (void)message; /* unreadable files elsewhere in the repository do not stop a migration */
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
    json_t *want;                    /* the object as written, changed as the edits must change it */
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
    const char *av = str_at(obj, "apiVersion", NULL); /* ".../v1alpha1": the version is last */
    char *migrated = wp_cli_format("%.*sv1beta1", (int)(strlen(av) - strlen("v1alpha1")), av);
    json_object_set_new(out->want, "apiVersion", wp_xalloc_check(json_string(migrated)));
    free(migrated);
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

/* A template policy as the controller reads it: absent means Disallowed. */
static bool disallowed(const char *policy) { return !policy || strcmp(policy, "Disallowed") == 0; }

static bool non_empty_array(const json_t *v) { return json_is_array(v) && json_array_size(v) > 0; }

/* Migration must not make a claim that validation then rejects: a claim
 * with env (or volumeClaimTemplates) whose new pool's template, in the
 * tree, disallows them (validate's env-injection-rejected) is left alone
 * with the ways out. tmpl: the template when known already (a shadow
 * pool's), else the pool's in the tree; unknown templates pass (validate
 * only warns about them). */
static bool policies_allow(const wp_cli_migrator *m, wp_cli_yedit *e, const json_t *spec_json, const wp_ynode *spec,
                           const char *ns, const char *pool, const char *tmpl)
{
    if (!tmpl) {
        const pool_rec *p = wp_cli_migrate_find_pool(m, ns, pool);
        tmpl = p ? p->tmpl : NULL;
    }
    const tmpl_rec *t = NULL;
    for (size_t i = 0; tmpl && i < m->n_templates && !t; i++)
        if (strcmp(m->templates[i].ns, ns) == 0 && strcmp(m->templates[i].name, tmpl) == 0) t = &m->templates[i];
    if (!t) return true;
    const char *field = NULL, *policy = NULL;
    if (non_empty_array(json_object_get(spec_json, "env")) && disallowed(t->env_policy))
        field = "env", policy = "envVarsInjectionPolicy";
    else if (non_empty_array(json_object_get(spec_json, "volumeClaimTemplates")) && disallowed(t->volumes_policy))
        field = "volumeClaimTemplates", policy = "volumeClaimTemplatesPolicy";
    if (!field) return true;
    return wp_cli_yedit_fail(
        e, wp_ynode_get(spec, field, NULL),
        "the claim sets spec.%s, but its pool \"%s\" uses SandboxTemplate \"%s\", whose %s is Disallowed%s: the "
        "migrated claim would be rejected (validate: %s). Options: set %s to Allowed (or Overrides) in the "
        "template; remove spec.%s from the claim; or set spec.warmpool to a pool whose template allows it. Then run "
        "migrate again", field, pool, tmpl, policy, (strcmp(field, "env") == 0 ? t->env_policy : t->volumes_policy)
                                                       ? "" : " (unset, the default)",
        strcmp(field, "env") == 0 ? "env-injection-rejected" : "volume-claim-templates-rejected", policy, field);
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
    char *why = NULL, *how = NULL;
    char *pool = wp_cli_shadow_choose_pool(m, effective_ns(m, obj), tmpl, warmpool, &shadow, &why, &how);
    if (!pool) {
        wp_cli_yedit_fail(e, has_warmpool ? wp_ynode_get(spec, "warmpool", NULL) : spec, "%s", why);
        free(why);
        return false;
    }
    bool ok = strlen(pool) <= 253
           || wp_cli_yedit_fail(e, name, "the pool name %s would be longer than 253 characters", pool);
    ok = ok && policies_allow(m, e, spec_json, spec, effective_ns(m, obj), pool, shadow ? tmpl : NULL);
    ok = ok && wp_cli_yedit_replace_like(e, ref_key, "warmPoolRef") && wp_cli_yedit_replace_like(e, name, pool);
    if (ok && has_warmpool) ok = wp_cli_yedit_drop_entry(e, spec, "warmpool");
    if (ok) {
        json_t *want_spec = json_object_get(out->want, "spec");
        json_object_del(want_spec, "sandboxTemplateRef");
        json_object_del(want_spec, "warmpool");
        json_object_set_new(want_spec, "warmPoolRef", wp_xalloc_check(json_pack("{s:s}", "name", pool)));
        append_what(out, wp_cli_format("spec.sandboxTemplateRef \"%s\" + spec.warmpool \"%s\" -> "
                                       "spec.warmPoolRef.name \"%s\"%s%s%s",
                                       tmpl, has_warmpool ? warmpool : "(unset: default)", pool,
                                       shadow ? " (a shadow pool with replicas 0: every claim cold-starts)" : "",
                                       how ? "; " : "", how ? how : ""));
        if (shadow) {
            out->shadow_name = pool;
            out->shadow_tmpl = wp_xalloc_check(strdup(tmpl));
            pool = NULL;
        }
    }
    free(pool);
    free(how);
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
    json_t *want_spec = json_object_get(out->want, "spec");
    json_object_del(want_spec, "replicas");
    json_object_set_new(want_spec, "operatingMode", wp_xalloc_check(json_string(mode)));
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

static void migrate_object(wp_cli_migrator *m, work_item *w, const wp_ynode *node)
{
    mfile *file = &m->files[w->file];
    const json_t *obj = w->obj;
    char group[256];
    const char *version;
    api_version_parts(obj, group, sizeof group, &version);
    const char *kind = str_at(obj, "kind", NULL);
    size_t mark = file->edits.n;
    wp_cli_yedit e = {.data = file->data, .len = file->len, .json = file->json, .edits = &file->edits, .where = node};
    outcome out = {.want = wp_xalloc_check(json_deep_copy(w->src))};
    bool ok = node && node->type == WP_YNODE_MAPPING;
    if (!ok) wp_cli_yedit_fail(&e, node, "the object is not a mapping in the source");
    /* an item of a typed list that names no apiVersion has the list's, edited with the list */
    if (ok && strcmp(version, "v1alpha1") == 0 && json_object_get(w->src, "apiVersion"))
        ok = edit_api_version(&e, node, obj, &out);
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
        file->objects++;
        w->expected = json_incref(out.want);
        wp_cli_migrate_note(m, WP_CLI_NOTE_CHANGED, file->path, node->line, node->column, subject, out.what);
        if (out.shadow_name)
            wp_cli_shadow_plan(m, file, str_at(obj, "metadata", "namespace"), effective_ns(m, obj), out.shadow_name,
                        out.shadow_tmpl);
    }
    free(subject);
    free(out.what);
    free(out.shadow_name);
    free(out.shadow_tmpl);
    json_decref(out.want);
}

static void plan_edits(wp_cli_migrator *m)
{
    wp_ysource *src = NULL;
    size_t src_file = 0, src_offset = 0;
    for (size_t i = 0; i < m->n_work; i++) {
        work_item *w = &m->work[i];
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

/* The documents file fi must hold once migrated: what was read, with each
 * migrated object replaced by what its edits must make of it. New
 * reference. */
static json_t *expected_documents(const wp_cli_migrator *m, size_t fi)
{
    json_t *docs = wp_xalloc_check(json_deep_copy(m->files[fi].docs));
    for (size_t i = 0; i < m->n_work; i++) { /* in reading order: a list before its items */
        const work_item *w = &m->work[i];
        if (w->file != fi || !w->expected) continue;
        if (w->item < 0) json_array_set(docs, w->doc, w->expected);
        else json_array_set(json_object_get(json_array_get(docs, w->doc), "items"), (size_t)w->item, w->expected);
    }
    return docs;
}

static int collect_document(void *ctx, const wp_yaml_doc *doc)
{
    json_array_append(ctx, doc->root);
    return 0;
}

/* The re-parse check: text, read the way migrate and validate read files,
 * must hold exactly the expected documents. Otherwise why says which
 * document differs first. */
static bool reads_back_as_expected(const wp_cli_migrator *m, size_t fi, const char *text, size_t len, char *why,
                                   size_t size)
{
    json_t *want = expected_documents(m, fi), *got = wp_xalloc_check(json_array());
    wp_cli_span span;
    read_documents(text, len, got, collect_document, got, NULL, &span);
    size_t i = 0;
    while (i < json_array_size(want) && i < json_array_size(got)
           && json_equal(json_array_get(want, i), json_array_get(got, i)))
        i++;
    bool same = i == json_array_size(want) && i == json_array_size(got);
    if (!same)
        snprintf(why, size, "the rewritten text would not read back as the migrated objects (document %zu of %zu "
                 "differs; it would hold %zu); nothing was written. This is a bug in warmpoolctl migrate: please "
                 "report it with the file", i + 1, json_array_size(want), json_array_size(got));
    json_decref(want);
    json_decref(got);
    return same;
}

/* A file that was not written migrated nothing: its "changed" notes go,
 * one note says so, and its objects are not counted. */
static void file_not_migrated(wp_cli_migrator *m, mfile *f, const char *why)
{
    wp_cli_migrate_result *r = m->res;
    size_t kept = 0;
    for (size_t i = 0; i < r->n_notes; i++) {
        wp_cli_note *n = &r->notes[i];
        if (n->kind == WP_CLI_NOTE_CHANGED && strcmp(n->path, f->path) == 0) {
            free(n->path);
            free(n->subject);
            free(n->message);
        } else {
            r->notes[kept++] = *n;
        }
    }
    r->n_notes = kept;
    char *msg = wp_cli_format("not migrated (%zu object%s left as they were): %s", f->objects,
                              f->objects == 1 ? "" : "s", why);
    wp_cli_migrate_note(m, WP_CLI_NOTE_IO, f->path, 0, 0, NULL, msg);
    free(msg);
    f->objects = 0;
}

static void write_files(wp_cli_migrator *m, FILE *diff_out)
{
    for (size_t i = 0; i < m->n_files; i++) {
        mfile *f = &m->files[i];
        if (f->edits.n == 0) continue;
        size_t len;
        char *text = wp_cli_edits_apply(&f->edits, f->data, f->len, &len);
        char err[512];
        if (!reads_back_as_expected(m, i, text, len, err, sizeof err)) {
            file_not_migrated(m, f, err);
        } else if (m->o->dry_run) {
            wp_cli_edits_diff(diff_out, &f->edits, f->data, f->len, f->path, f->path);
            m->res->files_changed++;
            f->written = true;
        } else if (wp_file_write_atomic(f->path, text, len, WP_WRITE_REPLACE, 0, err, sizeof err) != 0) {
            file_not_migrated(m, f, err);
        } else {
            m->res->files_changed++;
            f->written = true;
        }
        m->res->objects_migrated += f->objects;
        free(text);
    }
}

static void free_migrator(wp_cli_migrator *m)
{
    for (size_t i = 0; i < m->n_files; i++) {
        free(m->files[i].path);
        free(m->files[i].data);
        wp_cli_edits_free(&m->files[i].edits);
        json_decref(m->files[i].docs);
    }
    for (size_t i = 0; i < m->n_pools; i++) {
        free(m->pools[i].ns);
        free(m->pools[i].name);
        free(m->pools[i].tmpl);
        free(m->pools[i].path);
    }
    for (size_t i = 0; i < m->n_templates; i++) {
        free(m->templates[i].ns);
        free(m->templates[i].name);
        free(m->templates[i].env_policy);
        free(m->templates[i].volumes_policy);
    }
    for (size_t i = 0; i < m->n_work; i++) {
        json_decref(m->work[i].obj);
        json_decref(m->work[i].src);
        json_decref(m->work[i].expected);
    }
    for (size_t i = 0; i < m->n_shadows; i++) {
        free(m->shadows[i].path);
        free(m->shadows[i].text);
        json_decref(m->shadows[i].pools);
        json_decref(m->shadows[i].claim_files);
    }
    free(m->files);
    free(m->pools);
    free(m->templates);
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
    if (o->repo_root) {
        wp_cli_input ref = {.on_file = on_reference_file, .on_error = on_reference_error, .ctx = &m,
                            .max_file_size = o->max_file_size};
        wp_cli_input_walk(&ref, o->repo_root);
    }
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
