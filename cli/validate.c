/* Manifest validation. See validate.h. */
#include "cli/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/crossset.h"
#include "cli/docsplit.h"
#include "cli/groups.h"
#include "cli/input.h"
#include "cli/listitem.h"
#include "cli/locate.h"
#include "cli/objmeta.h"
#include "common/yaml.h"

#define GROUP_CORE "agents.x-k8s.io"

/* The document being checked. */
typedef struct {
    const wp_cli_validate_options *o;
    wp_cli_report *r;
    size_t file;
    const char *data;   /* the whole file */
    size_t len;
    wp_cli_span span;
    json_t *positions;  /* of span, parsed on first need (new reference) */
    bool positions_tried;
} doc_ctx;

/* Who a finding is about. Strings borrowed from the document. */
typedef struct {
    const char *api_version, *kind, *namespace_, *name;
    long object;
    long item;          /* List index, -1 for a plain document */
} subject;

static void add_input_finding(wp_cli_report *r, size_t file, size_t line, size_t column, wp_cli_rule rule,
                              const char *message)
{
    wp_cli_finding f = {.severity = WP_CLI_ERROR, .rule = rule, .file = file, .line = line, .column = column,
                        .object = -1, .message = message};
    wp_cli_report_add(r, &f);
}

/* --- positions --------------------------------------------------------- */

static int keep_positions(void *ctx, const wp_yaml_doc *doc)
{
    json_t **out = ctx;
    if (!*out) *out = json_incref(doc->positions);
    return 0;
}

/* Positions of the span's document, parsed once per document. Borrowed. */
static const json_t *doc_positions(doc_ctx *dc)
{
    if (!dc->positions_tried) {
        dc->positions_tried = true;
        wp_yaml_parse(dc->data + dc->span.offset, dc->span.len, dc->span.first_line, WP_YAML_POSITIONS,
                      keep_positions, &dc->positions, NULL);
    }
    return dc->positions;
}

/* A finding about an object is placed at the end (place_late_findings),
 * once the document's tree is gone and with one parse that records only
 * the positions its findings need; others are placed now. */
static void place(doc_ctx *dc, const char *pointer, size_t *line, size_t *column)
{
    *line = dc->span.first_line;
    *column = 0;
    wp_cli_locate(doc_positions(dc), pointer, line, column);
}

/* --- findings from verdicts ------------------------------------------- */

static void emit_in_group(doc_ctx *dc, const subject *s, wp_cli_severity severity, wp_cli_rule rule,
                          const char *group, const char *field, const char *pointer, const char *reason,
                          const char *message)
{
    char *full = wp_cli_item_pointer(s->item, pointer);
    wp_cli_finding f = {
        .severity = severity, .rule = rule, .file = dc->file, .object = s->object,
        .api_version = s->api_version, .kind = s->kind, .namespace_ = s->namespace_, .name = s->name,
        .field = field, .pointer = pointer ? full : NULL, .reason = reason, .message = message, .group = group,
    };
    if (s->object < 0) place(dc, full, &f.line, &f.column); /* else line 0: placed late */
    wp_cli_report_add(dc->r, &f);
    free(full);
}

static void emit(doc_ctx *dc, const subject *s, wp_cli_severity severity, wp_cli_rule rule, const char *field,
                 const char *pointer, const char *reason, const char *message)
{
    emit_in_group(dc, s, severity, rule, NULL, field, pointer, reason, message);
}

static const wp_cause *cause_at(const wp_verdict *v, const char *pointer)
{
    for (size_t i = 0; i < v->n_causes; i++)
        if (strcmp(v->causes[i].pointer, pointer) == 0) return &v->causes[i];
    return NULL;
}

/* A legacy claim: the rules forbid its old fields and point at migrate. */
static bool is_legacy_claim(const wp_verdict *rules)
{
    for (size_t i = 0; i < rules->n_causes; i++)
        if (strcmp(rules->causes[i].reason, WP_CAUSE_FORBIDDEN) == 0
            && strstr(rules->causes[i].message, "warmpoolctl migrate"))
            return true;
    return false;
}

#define WARM_POOL_REF "/spec/warmPoolRef"
#define LEGACY_REQUIRED "Required value: a legacy claim (spec.sandboxTemplateRef + spec.warmpool); run 'warmpoolctl " \
                        "migrate' to convert it to spec.warmPoolRef"

/* In a legacy claim, the missing spec.warmPoolRef is said once, first (it
 * is the claim's first line with a finding) and with the fix: the schema's
 * "Required" gets the migrate hint, the rules' spec.warmPoolRef.name
 * "Required" about the same gap goes. */
static bool missing_ref(const wp_cause *c)
{
    return strcmp(c->reason, WP_CAUSE_REQUIRED) == 0 && strncmp(c->pointer, WARM_POOL_REF, strlen(WARM_POOL_REF)) == 0;
}

/* One object's verdicts and the groups of the rules' causes and warnings
 * (groups.h). */
typedef struct {
    const wp_verdict *schema, *rules;
    const char **cause_groups, **warning_groups;
    size_t shown, omitted; /* errors shown and past the cap */
    size_t cap;
} verdicts;

/* An error, unless the object already showed cap of them: then counted. */
static void emit_error(doc_ctx *dc, const subject *s, verdicts *v, wp_cli_rule rule, const char *group,
                       const wp_cause *c, const char *message)
{
    if (v->shown >= v->cap) {
        v->omitted++;
        return;
    }
    v->shown++;
    emit_in_group(dc, s, WP_CLI_ERROR, rule, group, c->field, c->pointer, c->reason, message);
}

/* "and N more errors" at the object: one finding, the summary's count
 * still includes every error. */
static void emit_omitted(doc_ctx *dc, const subject *s, size_t omitted, size_t cap)
{
    if (omitted == 0) return;
    char *text = wp_verdict_omitted_text(omitted);
    char *msg = wp_cli_format("%s (only the first %zu are shown; --max-causes to see more)", text, cap);
    emit(dc, s, WP_CLI_ERROR, WP_CLI_RULE_SCHEMA, NULL, "", WP_CAUSE_TOO_MANY_ERRORS, msg);
    dc->r->errors += omitted - 1; /* the finding above counted as one */
    if (s->object >= 0) dc->r->objects[s->object].n_errors += omitted - 1;
    free(msg);
    free(text);
}

/* Schema causes first, then the rules'. When both flag one spot, one
 * finding is enough: the schema's (what the API server says first), except
 * for an "unknown field" the rules explain better (the legacy claim fields). */
static void emit_verdicts(doc_ctx *dc, const subject *s, verdicts *v)
{
    const wp_verdict *schema = v->schema, *rules = v->rules;
    bool legacy = is_legacy_claim(rules), ref_said = false;
    for (size_t i = 0; i < schema->n_causes; i++) {
        const wp_cause *c = &schema->causes[i];
        if (strcmp(c->reason, WP_CLI_CAUSE_UNKNOWN_FIELD) == 0 && cause_at(rules, c->pointer)) continue;
        bool hint = legacy && missing_ref(c);
        ref_said = ref_said || hint;
        emit_error(dc, s, v, WP_CLI_RULE_SCHEMA, NULL, c, hint ? LEGACY_REQUIRED : c->message);
    }
    for (size_t i = 0; i < rules->n_causes; i++) {
        const wp_cause *c = &rules->causes[i];
        const wp_cause *dup = cause_at(schema, c->pointer);
        if (dup && strcmp(dup->reason, WP_CLI_CAUSE_UNKNOWN_FIELD) != 0) continue;
        if (legacy && ref_said && missing_ref(c)) continue;
        emit_error(dc, s, v, WP_CLI_RULE_ADMISSION, v->cause_groups[i], c, c->message);
    }
    v->omitted += schema->n_causes_omitted + rules->n_causes_omitted;
    emit_omitted(dc, s, v->omitted, v->cap);
    for (size_t i = 0; i < rules->n_warnings; i++) {
        char *pointer = wp_cli_warning_pointer(rules->warnings[i]);
        emit_in_group(dc, s, WP_CLI_WARNING, WP_CLI_RULE_ADMISSION, v->warning_groups[i], NULL, pointer, NULL,
                      rules->warnings[i]);
        free(pointer);
    }
    dc->r->warnings += rules->n_warnings_omitted;
}

/* --- one object -------------------------------------------------------- */

static const char *str_at(const json_t *obj, const char *a, const char *b)
{
    const json_t *v = json_object_get(obj, a);
    if (b) v = json_object_get(v, b);
    return json_string_value(v);
}

static bool non_empty_array(const json_t *v) { return json_is_array(v) && json_array_size(v) > 0; }

static long record_object(doc_ctx *dc, wp_kind kind, const json_t *obj, const subject *s)
{
    const json_t *spec = json_object_get(obj, "spec");
    wp_cli_object o = {
        .kind = kind, .api_version = s->api_version, .kind_name = s->kind,
        .namespace_ = s->namespace_,
        .effective_namespace = s->namespace_ ? s->namespace_ : dc->o->default_namespace,
        .name = s->name, .file = dc->file, .span = dc->span, .item = s->item,
    };
    if (kind == WP_KIND_SANDBOX_CLAIM) {
        o.ref = str_at(spec, "warmPoolRef", "name");
        o.env = json_object_get(spec, "env");
        o.has_env = non_empty_array(o.env);
        o.has_volumes = non_empty_array(json_object_get(spec, "volumeClaimTemplates"));
        if (!o.has_env) o.env = NULL;
    } else if (kind == WP_KIND_SANDBOX_WARM_POOL) {
        o.ref = str_at(spec, "sandboxTemplateRef", "name");
    } else if (kind == WP_KIND_SANDBOX_TEMPLATE) {
        o.env_policy = str_at(spec, "envVarsInjectionPolicy", NULL);
        o.volumes_policy = str_at(spec, "volumeClaimTemplatesPolicy", NULL);
        o.containers = json_object_get(json_object_get(json_object_get(spec, "podTemplate"), "spec"), "containers");
        if (!json_is_array(o.containers)) o.containers = NULL;
    }
    return wp_cli_report_add_object(dc->r, &o);
}

/* Splits "group/version" ("v1" has no group). Writes into group. */
static const char *split_api_version(const char *api_version, char *group, size_t size)
{
    const char *slash = strchr(api_version, '/');
    if (!slash) {
        group[0] = '\0';
        return api_version;
    }
    snprintf(group, size, "%.*s", (int)(slash - api_version), api_version);
    return slash + 1;
}

static bool is_project_group(const char *group)
{
    return strcmp(group, WP_GROUP_EXTENSIONS) == 0 || strcmp(group, GROUP_CORE) == 0;
}

static void check_object(doc_ctx *dc, const json_t *obj, subject *s, wp_kind kind, const char *group,
                         const char *version)
{
    const wp_cli_validate_options *o = dc->o;
    wp_verdict schema_v = WP_VERDICT_INIT, rules_v = WP_VERDICT_INIT;
    size_t cap = o->max_causes ? o->max_causes : WP_VERDICT_DEFAULT_MAX_CAUSES;
    schema_v.max_causes = rules_v.max_causes = cap;
    const char **cause_groups = NULL, **warning_groups = NULL;
    const wp_schema *schema = NULL;
    const char *served = NULL;
    wp_cli_crd_lookup found = wp_cli_crds_find(o->crds, group, version, s->kind, &schema, &served);
    if (found == WP_CLI_CRD_FOUND) {
        wp_schema_validate(schema, obj, &schema_v);
        wp_cli_objmeta_validate(obj, &schema_v);
        wp_jdoc *doc = wp_jdoc_from_json(obj); /* the engine reads the webhook's DOM */
        wp_rules_validate(o->config, kind, WP_OP_CREATE, wp_jdoc_root(doc), NULL, &o->now, &rules_v);
        cause_groups = wp_xalloc_check(calloc(rules_v.n_causes + 1, sizeof *cause_groups));
        warning_groups = wp_xalloc_check(calloc(rules_v.n_warnings + 1, sizeof *warning_groups));
        if (rules_v.n_causes || rules_v.n_warnings)
            wp_cli_groups_attribute(o->config, kind, wp_jdoc_root(doc), &o->now, &rules_v, cause_groups,
                                    warning_groups);
        wp_jdoc_free(doc);
    } else {
        wp_path p = {0};
        wp_path_push_field(&p, "apiVersion");
        wp_verdict_cause(&schema_v, &p, WP_CAUSE_NOT_SUPPORTED,
                         "Unsupported value: \"%s\": %s is served as %s/%s; run `warmpoolctl migrate` to convert it",
                         s->api_version, s->kind, group, served ? served : "?");
    }
    s->object = record_object(dc, kind, obj, s);
    verdicts v = {&schema_v, &rules_v, cause_groups, warning_groups, 0, 0, cap};
    if (schema_v.n_causes || rules_v.n_causes || rules_v.n_warnings) emit_verdicts(dc, s, &v);
    wp_verdict_free(&schema_v);
    wp_verdict_free(&rules_v);
    free(cause_groups);
    free(warning_groups);
}

/* --skip KIND: compared without regard to case, as kubeconform does. */
static bool skipped_kind(const wp_cli_validate_options *o, const char *kind)
{
    for (size_t i = 0; i < o->n_skip_kinds; i++)
        if (strcasecmp(o->skip_kinds[i], kind) == 0) return true;
    return false;
}

static void handle_object(doc_ctx *dc, const json_t *obj, long item)
{
    wp_cli_report *r = dc->r;
    r->documents++;
    subject s = {.object = -1, .item = item};
    if (!json_is_object(obj)) {
        emit(dc, &s, WP_CLI_ERROR, WP_CLI_RULE_YAML, NULL, "", NULL, "list item is not an object");
        return;
    }
    s.api_version = str_at(obj, "apiVersion", NULL);
    s.kind = str_at(obj, "kind", NULL);
    s.namespace_ = str_at(obj, "metadata", "namespace");
    s.name = str_at(obj, "metadata", "name");
    char group[256];
    const char *version = s.api_version ? split_api_version(s.api_version, group, sizeof group) : "";
    if (!s.api_version) group[0] = '\0';
    wp_kind kind = s.kind ? wp_kind_from_group_kind(group, s.kind) : WP_KIND_OTHER;
    if (s.kind && s.api_version) r->kube_objects++;
    if (s.kind && skipped_kind(dc->o, s.kind)) {
        wp_cli_report_count_skipped(r, s.kind);
        return;
    }
    /* A Sandbox has a CRD of this project but no admission rules: its
     * schema (charts/warmpool/crds/sandboxes.yaml) is checked. */
    bool sandbox = kind == WP_KIND_OTHER && s.kind && strcmp(group, GROUP_CORE) == 0 && strcmp(s.kind, "Sandbox") == 0;
    if (kind == WP_KIND_OTHER && !sandbox) {
        if (!s.kind && is_project_group(group)) {
            emit(dc, &s, WP_CLI_ERROR, WP_CLI_RULE_SCHEMA, "kind", "/kind", WP_CAUSE_REQUIRED,
                 "Required value: an object of a warmpool API group needs a kind");
            return;
        }
        wp_cli_report_count_skipped(r, s.kind ? s.kind : "(no kind)");
        return;
    }
    r->validated++;
    check_object(dc, obj, &s, kind, group, version);
}

static const char *json_kind_name(const json_t *v)
{
    if (json_is_array(v)) return "a list";
    if (json_is_string(v)) return "a string";
    if (json_is_number(v)) return "a number";
    if (json_is_boolean(v)) return "a boolean";
    return "empty";
}

static int on_document(void *ctx, const wp_yaml_doc *doc)
{
    doc_ctx *dc = ctx;
    if (!json_is_object(doc->root)) {
        char msg[128];
        snprintf(msg, sizeof msg, "document is %s, not an object (a mapping)", json_kind_name(doc->root));
        size_t line, column;
        place(dc, "", &line, &column);
        add_input_finding(dc->r, dc->file, line, column, WP_CLI_RULE_YAML, msg);
        return 0;
    }
    if (wp_cli_is_list(doc->root)) {
        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(doc->root, "items"), i, item) {
            json_t *effective = wp_cli_list_item(doc->root, item); /* typed lists: apiVersion and kind inherited */
            handle_object(dc, effective, (long)i);
            json_decref(effective);
        }
    } else {
        handle_object(dc, doc->root, -1);
    }
    return 0;
}

/* --- files --------------------------------------------------------------- */

static size_t line_start(const char *data, size_t len, const wp_cli_span *span, size_t line)
{
    size_t at = span->offset;
    for (size_t l = span->first_line; l < line && at < len; l++) at = wp_cli_next_line(data, len, at); /* libyaml's breaks */
    return at;
}

/* libyaml says "found character that cannot start any token" about a tab;
 * say what is wrong instead. */
static void describe_yaml_error(const doc_ctx *dc, const wp_yaml_error *err, char *msg, size_t size)
{
    size_t at = line_start(dc->data, dc->len, &dc->span, err->line);
    bool tab = false;
    for (size_t i = at; i < dc->len && (dc->data[i] == ' ' || dc->data[i] == '\t'); i++)
        if (dc->data[i] == '\t') tab = true;
    if (err->column >= 1 && at + err->column - 1 < dc->len && dc->data[at + err->column - 1] == '\t') tab = true;
    if (tab) snprintf(msg, size, "invalid YAML: tab character in indentation (YAML allows only spaces): %s",
                      err->message);
    else snprintf(msg, size, "invalid YAML: %s", err->message);
}

static void process_span(doc_ctx *dc)
{
    wp_yaml_error err;
    dc->positions = NULL;
    dc->positions_tried = false;
    int rc = wp_yaml_parse(dc->data + dc->span.offset, dc->span.len, dc->span.first_line, 0, on_document, dc, &err);
    if (rc == -1) {
        char msg[400];
        describe_yaml_error(dc, &err, msg, sizeof msg);
        add_input_finding(dc->r, dc->file, err.line ? err.line : dc->span.first_line, err.column,
                          WP_CLI_RULE_YAML, msg);
    }
    json_decref(dc->positions);
    dc->positions = NULL;
}

/* Line number of byte offset at. */
static size_t line_of(const char *data, size_t at)
{
    size_t line = 1;
    for (size_t i = 0; i < at;) { /* the line breaks libyaml counts (docsplit.h) */
        size_t b = wp_cli_break_len(data + i, at - i);
        line += b > 0;
        i += b ? b : 1;
    }
    return line;
}

/* The whole file parses in one go when it is valid (one parser for all its
 * documents). Each document is matched to its span by line number. */
typedef struct {
    doc_ctx *dc;
    wp_cli_docsplit it;
    bool have_span;
} whole_file;

static int on_document_in_file(void *ctx, const wp_yaml_doc *doc)
{
    whole_file *w = ctx;
    doc_ctx *dc = w->dc;
    while (!w->have_span || doc->line >= dc->span.end_line) {
        if (!wp_cli_docsplit_next(&w->it, &dc->span)) break;
        w->have_span = true;
    }
    dc->positions_tried = false;
    int rc = on_document(dc, doc);
    json_decref(dc->positions);
    dc->positions = NULL;
    return rc;
}

void wp_cli_validate_buffer(const wp_cli_validate_options *o, wp_cli_report *r, const char *path,
                            const char *data, size_t len, bool retain)
{
    size_t file = wp_cli_report_add_file(r, path);
    if (retain) {
        r->files[file].retained = wp_xalloc_check(malloc(len + 1));
        memcpy(r->files[file].retained, data, len);
        r->files[file].retained[len] = '\0';
        r->files[file].retained_len = len;
    }
    const char *nul = memchr(data, '\0', len);
    if (nul) {
        add_input_finding(r, file, line_of(data, (size_t)(nul - data)), 0, WP_CLI_RULE_YAML,
                          "binary file (it contains NUL bytes): not a YAML or JSON manifest");
        return;
    }
    doc_ctx dc = {.o = o, .r = r, .file = file, .data = data, .len = len};
    whole_file w = {.dc = &dc};
    wp_cli_docsplit_init(&w.it, data, len);
    if (wp_yaml_parse(data, len, 1, 0, on_document_in_file, &w, NULL) == 0) return;
    /* A broken document: the ones before it were delivered; parse the rest
     * one by one so the error is reported and the documents after it are
     * still checked. */
    if (!w.have_span) wp_cli_docsplit_init(&w.it, data, len);
    while (wp_cli_docsplit_next(&w.it, &dc.span)) process_span(&dc);
}

typedef struct {
    const wp_cli_validate_options *o;
    wp_cli_report *r;
} walk_ctx;

static int on_file(void *ctx, const char *path, const char *data, size_t len)
{
    walk_ctx *w = ctx;
    /* Standard input cannot be read twice: keep it for the cross-set pass. */
    wp_cli_validate_buffer(w->o, w->r, path, data, len, strcmp(path, WP_CLI_STDIN_NAME) == 0);
    return 0;
}

static void on_error(void *ctx, const char *path, const char *message)
{
    walk_ctx *w = ctx;
    size_t file = wp_cli_report_add_file(w->r, path);
    add_input_finding(w->r, file, 0, 0, WP_CLI_RULE_IO, message);
}

void wp_cli_validate_path(const wp_cli_validate_options *o, wp_cli_report *r, const char *path)
{
    walk_ctx w = {o, r};
    wp_cli_input in = {.on_file = on_file, .on_error = on_error, .ctx = &w, .max_file_size = o->max_file_size};
    size_t objects = r->kube_objects, findings = r->n_findings + r->ignored_findings, files = r->n_files;
    wp_cli_input_walk(&in, path);
    if (r->kube_objects != objects || r->n_findings + r->ignored_findings != findings) return;
    /* Nothing to check and nothing wrong: an empty folder or a values file
     * must not pass as "all valid" in silence. */
    bool one_file = r->n_files == files + 1 && strcmp(r->files[files].path, path) == 0;
    size_t file = one_file ? files : wp_cli_report_add_file(r, path);
    if (!one_file) r->files[file].not_a_file = true; /* a directory: not counted as a file read */
    wp_cli_finding f = {.severity = WP_CLI_WARNING, .rule = WP_CLI_RULE_NO_OBJECTS, .file = file, .object = -1,
                        .message = r->n_files == files + 1 && !one_file
                                       ? "no manifest here (*.yaml, *.yml, *.json): nothing was checked"
                                       : "no Kubernetes object here (no document with apiVersion and kind): nothing "
                                         "was checked"};
    wp_cli_report_add(r, &f);
}

/* --- the set ------------------------------------------------------------- */

/* Findings not placed yet (line 0): the object checks' and the cross-set
 * pass's. Ordered by file and document, so each file is read once and each
 * document parsed once, recording only the positions its findings need. */
static const wp_cli_report *sort_report; /* qsort has no context argument */

static int compare_late(const void *a, const void *b)
{
    const wp_cli_finding *x = &sort_report->findings[*(const size_t *)a];
    const wp_cli_finding *y = &sort_report->findings[*(const size_t *)b];
    const wp_cli_object *ox = &sort_report->objects[x->object], *oy = &sort_report->objects[y->object];
    if (ox->file != oy->file) return ox->file < oy->file ? -1 : 1;
    if (ox->span.offset != oy->span.offset) return ox->span.offset < oy->span.offset ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* pointer and each of its ancestors ("/a/b" -> "/a/b", "/a", ""), as keys. */
static void want_with_ancestors(json_t *wanted, const char *pointer)
{
    char *p = wp_xalloc_check(strdup(pointer ? pointer : ""));
    for (;;) {
        json_object_set_new(wanted, p, json_true());
        char *slash = strrchr(p, '/');
        if (!slash) break;
        *slash = '\0';
    }
    free(p);
}

static char *file_data(const wp_cli_validate_options *o, const wp_cli_file *file, size_t *len)
{
    char err[256];
    if (!file->retained) return wp_cli_read_file(file->path, o->max_file_size, len, err, sizeof err);
    char *data = wp_xalloc_check(malloc(file->retained_len + 1));
    memcpy(data, file->retained, file->retained_len + 1);
    *len = file->retained_len;
    return data;
}

/* Places findings [from, to) of order, which share one document. */
static void place_document(wp_cli_report *r, const size_t *order, size_t from, size_t to, const char *data,
                           size_t len)
{
    const wp_cli_object *obj = &r->objects[r->findings[order[from]].object];
    for (size_t i = from; i < to; i++) r->findings[order[i]].line = obj->span.first_line;
    if (!data || obj->span.offset + obj->span.len > len) return;
    json_t *wanted = wp_xalloc_check(json_object());
    for (size_t i = from; i < to; i++) want_with_ancestors(wanted, r->findings[order[i]].pointer);
    json_t *positions = NULL;
    wp_yaml_parse_positions(data + obj->span.offset, obj->span.len, obj->span.first_line, wanted, keep_positions,
                            &positions, NULL);
    for (size_t i = from; i < to; i++) {
        wp_cli_finding *f = &r->findings[order[i]];
        wp_cli_locate(positions, f->pointer, &f->line, &f->column);
    }
    json_decref(positions);
    json_decref(wanted);
}

static void place_late_findings(const wp_cli_validate_options *o, wp_cli_report *r)
{
    size_t n = 0, *order = wp_xalloc_check(malloc((r->n_findings + 1) * sizeof *order));
    for (size_t i = 0; i < r->n_findings; i++)
        if (r->findings[i].line == 0 && r->findings[i].object >= 0) order[n++] = i;
    sort_report = r;
    qsort(order, n, sizeof *order, compare_late);
    long loaded = -1;
    char *data = NULL;
    size_t len = 0;
    for (size_t i = 0, j; i < n; i = j) {
        const wp_cli_object *obj = &r->objects[r->findings[order[i]].object];
        for (j = i + 1; j < n; j++) {
            const wp_cli_object *other = &r->objects[r->findings[order[j]].object];
            if (other->file != obj->file || other->span.offset != obj->span.offset) break;
        }
        if ((long)obj->file != loaded) {
            free(data);
            loaded = (long)obj->file;
            data = file_data(o, &r->files[obj->file], &len);
        }
        place_document(r, order, i, j, data, len);
    }
    free(data);
    free(order);
}

void wp_cli_validate_finish(const wp_cli_validate_options *o, wp_cli_report *r)
{
    wp_cli_crossset_check(r);
    place_late_findings(o, r);
    wp_cli_report_sort(r);
}
