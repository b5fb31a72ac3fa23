/* Structural-schema validator. See schema.h. */
#include "cli/schema.h"

#include <math.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/arena.h"
#include "common/names.h"
#include "common/strbuf.h"

/* Deeper schemas than any CRD needs are refused rather than recursed into. */
#define SCHEMA_MAX_DEPTH 64

typedef enum { TYPE_ANY, TYPE_OBJECT, TYPE_ARRAY, TYPE_STRING, TYPE_INTEGER, TYPE_NUMBER, TYPE_BOOLEAN } schema_type;

typedef struct {
    char *name;
    wp_schema *schema;
} schema_property;

struct wp_schema {
    schema_type type;
    bool preserve_unknown, int_or_string, nullable, date_time;
    bool has_minimum, has_maximum, exclusive_minimum, exclusive_maximum;
    double minimum, maximum;
    long long min_length, max_length, min_items, max_items; /* -1: no limit */
    bool has_pattern;
    regex_t pattern;
    char *pattern_source;
    json_t *enum_values;          /* array, or NULL */
    char **required;
    size_t n_required;
    schema_property *properties;  /* sorted by name */
    size_t n_properties;
    wp_schema *additional;        /* additionalProperties, or NULL */
    wp_schema *items;
};

/* --- compiling ----------------------------------------------------------- */

typedef struct {
    char *err;
    size_t err_size;
} compiler;

static bool parse_type(const char *s, schema_type *out)
{
    static const struct { const char *name; schema_type type; } types[] = {
        {"object", TYPE_OBJECT}, {"array", TYPE_ARRAY}, {"string", TYPE_STRING},
        {"integer", TYPE_INTEGER}, {"number", TYPE_NUMBER}, {"boolean", TYPE_BOOLEAN},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(s, types[i].name) == 0) { *out = types[i].type; return true; }
    return false;
}

static long long get_limit(const json_t *node, const char *key)
{
    json_t *v = json_object_get(node, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

static bool get_number(const json_t *node, const char *key, double *out)
{
    json_t *v = json_object_get(node, key);
    if (!json_is_number(v)) return false;
    *out = json_number_value(v);
    return true;
}

static int compare_properties(const void *a, const void *b)
{
    return strcmp(((const schema_property *)a)->name, ((const schema_property *)b)->name);
}

static wp_schema *compile_node(compiler *c, const json_t *node, int depth);

static bool compile_properties(compiler *c, wp_schema *s, const json_t *props, int depth)
{
    if (!props) return true;
    if (!json_is_object(props)) {
        snprintf(c->err, c->err_size, "properties must be a mapping");
        return false;
    }
    s->properties = wp_xalloc_check(calloc(json_object_size(props) + 1, sizeof *s->properties));
    const char *name;
    json_t *sub;
    json_object_foreach((json_t *)props, name, sub) {
        wp_schema *child = compile_node(c, sub, depth + 1);
        if (!child) return false;
        s->properties[s->n_properties++] = (schema_property){wp_xalloc_check(strdup(name)), child};
    }
    qsort(s->properties, s->n_properties, sizeof *s->properties, compare_properties);
    return true;
}

static bool compile_required(compiler *c, wp_schema *s, const json_t *req)
{
    if (!req) return true;
    if (!json_is_array(req)) {
        snprintf(c->err, c->err_size, "required must be a list");
        return false;
    }
    s->required = wp_xalloc_check(calloc(json_array_size(req) + 1, sizeof *s->required));
    size_t i;
    json_t *name;
    json_array_foreach(req, i, name) {
        if (!json_is_string(name)) {
            snprintf(c->err, c->err_size, "required entries must be strings");
            return false;
        }
        s->required[s->n_required++] = wp_xalloc_check(strdup(json_string_value(name)));
    }
    return true;
}

static bool compile_pattern(compiler *c, wp_schema *s, const json_t *pattern)
{
    if (!pattern) return true;
    if (!json_is_string(pattern) || regcomp(&s->pattern, json_string_value(pattern), REG_EXTENDED | REG_NOSUB) != 0) {
        snprintf(c->err, c->err_size, "pattern is not a valid regular expression");
        return false;
    }
    s->has_pattern = true;
    s->pattern_source = wp_xalloc_check(strdup(json_string_value(pattern)));
    return true;
}

static bool compile_scalars(compiler *c, wp_schema *s, const json_t *node)
{
    json_t *type = json_object_get(node, "type");
    if (type && (!json_is_string(type) || !parse_type(json_string_value(type), &s->type))) {
        snprintf(c->err, c->err_size, "unsupported type");
        return false;
    }
    s->preserve_unknown = json_is_true(json_object_get(node, "x-kubernetes-preserve-unknown-fields"));
    s->int_or_string = json_is_true(json_object_get(node, "x-kubernetes-int-or-string"));
    s->nullable = json_is_true(json_object_get(node, "nullable"));
    const char *format = json_string_value(json_object_get(node, "format"));
    s->date_time = format && strcmp(format, "date-time") == 0;
    s->has_minimum = get_number(node, "minimum", &s->minimum);
    s->has_maximum = get_number(node, "maximum", &s->maximum);
    s->exclusive_minimum = json_is_true(json_object_get(node, "exclusiveMinimum"));
    s->exclusive_maximum = json_is_true(json_object_get(node, "exclusiveMaximum"));
    s->min_length = get_limit(node, "minLength");
    s->max_length = get_limit(node, "maxLength");
    s->min_items = get_limit(node, "minItems");
    s->max_items = get_limit(node, "maxItems");
    json_t *enums = json_object_get(node, "enum");
    if (enums && !json_is_array(enums)) {
        snprintf(c->err, c->err_size, "enum must be a list");
        return false;
    }
    s->enum_values = json_incref(enums);
    return compile_pattern(c, s, json_object_get(node, "pattern"));
}

static wp_schema *compile_node(compiler *c, const json_t *node, int depth)
{
    if (!json_is_object(node)) {
        snprintf(c->err, c->err_size, "a schema must be a mapping");
        return NULL;
    }
    if (depth > SCHEMA_MAX_DEPTH) {
        snprintf(c->err, c->err_size, "schema nested deeper than %d levels", SCHEMA_MAX_DEPTH);
        return NULL;
    }
    wp_schema *s = wp_xalloc_check(calloc(1, sizeof *s));
    json_t *additional = json_object_get(node, "additionalProperties");
    json_t *items = json_object_get(node, "items");
    bool ok = compile_scalars(c, s, node)
           && compile_properties(c, s, json_object_get(node, "properties"), depth)
           && compile_required(c, s, json_object_get(node, "required"));
    if (ok && json_is_object(additional)) ok = (s->additional = compile_node(c, additional, depth + 1)) != NULL;
    if (ok && items) ok = (s->items = compile_node(c, items, depth + 1)) != NULL;
    if (!ok) {
        wp_schema_free(s);
        return NULL;
    }
    return s;
}

wp_schema *wp_schema_compile(const json_t *openapi, char *err, size_t err_size)
{
    compiler c = {err, err_size};
    return compile_node(&c, openapi, 0);
}

void wp_schema_free(wp_schema *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n_properties; i++) {
        free(s->properties[i].name);
        wp_schema_free(s->properties[i].schema);
    }
    for (size_t i = 0; i < s->n_required; i++) free(s->required[i]);
    free(s->properties);
    free(s->required);
    if (s->has_pattern) regfree(&s->pattern);
    free(s->pattern_source);
    json_decref(s->enum_values);
    wp_schema_free(s->additional);
    wp_schema_free(s->items);
    free(s);
}

/* --- validating ---------------------------------------------------------- */

typedef struct {
    wp_path path;
    wp_verdict *out;
} walker;

static const wp_schema *find_property(const wp_schema *s, const char *name)
{
    if (s->n_properties == 0) return NULL;
    schema_property key = {.name = (char *)name};
    schema_property *p = bsearch(&key, s->properties, s->n_properties, sizeof *s->properties, compare_properties);
    return p ? p->schema : NULL;
}

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    default: return "null";
    }
}

static const char *schema_type_name(schema_type t)
{
    static const char *const names[] = {"any", "object", "array", "string", "integer", "number", "boolean"};
    return names[t];
}

/* A JSON rendering of a scalar for "Invalid value: <v>" messages. */
static char *render_value(const json_t *v)
{
    if (json_is_string(v)) return wp_verdict_quote(json_string_value(v));
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    return wp_xalloc_check(s);
}

/* Records "Invalid value: <value>: <path> in body <what>". */
static void invalid(walker *w, const json_t *v, const char *reason, const char *what)
{
    char *field = wp_path_k8s(&w->path);
    char *shown = render_value(v);
    wp_verdict_cause(w->out, &w->path, reason, "Invalid value: %s: %s in body %s", shown, field, what);
    free(shown);
    free(field);
}

static bool type_matches(const wp_schema *s, const json_t *v)
{
    if (s->int_or_string) return json_is_integer(v) || json_is_string(v);
    switch (s->type) {
    case TYPE_ANY: return true;
    case TYPE_OBJECT: return json_is_object(v);
    case TYPE_ARRAY: return json_is_array(v);
    case TYPE_STRING: return json_is_string(v);
    case TYPE_INTEGER: return json_is_integer(v);
    case TYPE_NUMBER: return json_is_number(v);
    case TYPE_BOOLEAN: return json_is_boolean(v);
    }
    return false;
}

static void check_type_error(walker *w, const wp_schema *s, const json_t *v)
{
    char *field = wp_path_k8s(&w->path);
    const char *want = s->int_or_string ? "integer or string" : schema_type_name(s->type);
    wp_verdict_cause(w->out, &w->path, WP_CLI_CAUSE_TYPE_INVALID,
                     "Invalid value: \"%s\": %s in body must be of type %s: \"%s\"",
                     json_type_name(v), field, want, json_type_name(v));
    free(field);
}

static void check_enum(walker *w, const wp_schema *s, const json_t *v)
{
    size_t i;
    json_t *e;
    json_array_foreach(s->enum_values, i, e) if (json_equal(e, (json_t *)v)) return;
    /* Kubernetes: Unsupported value: "x": supported values: "a", "b" */
    wp_sb list = WP_SB_INIT;
    json_array_foreach(s->enum_values, i, e) {
        char *one = render_value(e);
        wp_sb_printf(&list, "%s%s", i ? ", " : "", one);
        free(one);
    }
    char *shown = render_value(v);
    char *values = wp_sb_finish(&list);
    wp_verdict_cause(w->out, &w->path, WP_CAUSE_NOT_SUPPORTED, "Unsupported value: %s: supported values: %s", shown,
                     values);
    free(shown);
    free(values);
}

static void check_number(walker *w, const wp_schema *s, const json_t *v)
{
    double d = json_number_value(v);
    char what[96];
    if (s->has_minimum && (s->exclusive_minimum ? d <= s->minimum : d < s->minimum)) {
        snprintf(what, sizeof what, "should be greater than %s%g", s->exclusive_minimum ? "" : "or equal to ",
                 s->minimum);
        invalid(w, v, WP_CAUSE_INVALID, what);
    }
    if (s->has_maximum && (s->exclusive_maximum ? d >= s->maximum : d > s->maximum)) {
        snprintf(what, sizeof what, "should be less than %s%g", s->exclusive_maximum ? "" : "or equal to ", s->maximum);
        invalid(w, v, WP_CAUSE_INVALID, what);
    }
}

static void check_string(walker *w, const wp_schema *s, const json_t *v)
{
    const char *str = json_string_value(v);
    size_t len = json_string_length(v);
    char what[96];
    if (s->max_length >= 0 && len > (size_t)s->max_length) {
        wp_verdict_cause(w->out, &w->path, WP_CAUSE_TOO_LONG, "Too long: may not be more than %lld bytes",
                         s->max_length);
    }
    if (s->min_length >= 0 && len < (size_t)s->min_length) {
        snprintf(what, sizeof what, "should be at least %lld chars long", s->min_length);
        invalid(w, v, WP_CAUSE_INVALID, what);
    }
    if (s->has_pattern && (strlen(str) != len || regexec(&s->pattern, str, 0, NULL, 0) != 0)) {
        char *msg = wp_cli_format("should match '%s'", s->pattern_source);
        invalid(w, v, WP_CAUSE_INVALID, msg);
        free(msg);
    }
    struct timespec ignored;
    if (s->date_time && !wp_name_parse_rfc3339(str, len, &ignored))
        invalid(w, v, WP_CAUSE_INVALID, "must be of type date-time");
}

static void validate_node(walker *w, const wp_schema *s, const json_t *v, bool is_root);

static void validate_object(walker *w, const wp_schema *s, const json_t *v, bool is_root)
{
    for (size_t i = 0; i < s->n_required; i++) {
        json_t *field = json_object_get(v, s->required[i]);
        if (field && !json_is_null(field)) continue;
        wp_path_push_field(&w->path, s->required[i]);
        wp_verdict_cause(w->out, &w->path, WP_CAUSE_REQUIRED, "Required value");
        wp_path_pop(&w->path);
    }
    const char *key;
    json_t *child;
    json_object_foreach((json_t *)v, key, child) {
        const wp_schema *sub = find_property(s, key);
        bool is_map = sub == NULL && s->additional != NULL;
        if (is_map) sub = s->additional;
        if (is_map) wp_path_push_key(&w->path, key);
        else wp_path_push_field(&w->path, key);
        if (sub && is_root && strcmp(key, "metadata") == 0) {
            /* ObjectMeta: the API server's own validation, not the CRD's. */
            if (!json_is_object(child) && !json_is_null(child)) check_type_error(w, sub, child);
        } else if (sub) {
            validate_node(w, sub, child, false);
        } else if (!s->preserve_unknown) {
            char *field = wp_path_k8s(&w->path);
            wp_verdict_cause(w->out, &w->path, WP_CLI_CAUSE_UNKNOWN_FIELD, "unknown field \"%s\"", field);
            free(field);
        }
        wp_path_pop(&w->path);
    }
}

static void validate_array(walker *w, const wp_schema *s, const json_t *v)
{
    size_t n = json_array_size(v);
    char what[96];
    if (s->max_items >= 0 && n > (size_t)s->max_items) {
        wp_verdict_cause(w->out, &w->path, WP_CAUSE_TOO_LONG, "Too many: %zu: must have at most %lld items", n,
                         s->max_items);
    }
    if (s->min_items >= 0 && n < (size_t)s->min_items) {
        snprintf(what, sizeof what, "should have at least %lld items", s->min_items);
        wp_verdict_cause(w->out, &w->path, WP_CAUSE_INVALID, "Invalid value: %zu: %s", n, what);
    }
    if (!s->items) return;
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item) {
        wp_path_push_index(&w->path, i);
        validate_node(w, s->items, item, false);
        wp_path_pop(&w->path);
    }
}

static void validate_node(walker *w, const wp_schema *s, const json_t *v, bool is_root)
{
    /* null is valid where nullable; elsewhere the API server prunes it, so it
     * is as good as absent (a required field's check sees it missing). */
    if (json_is_null(v)) return;
    if (!type_matches(s, v)) {
        check_type_error(w, s, v);
        return;
    }
    if (s->enum_values) check_enum(w, s, v);
    if (json_is_number(v)) check_number(w, s, v);
    else if (json_is_string(v)) check_string(w, s, v);
    else if (json_is_object(v)) validate_object(w, s, v, is_root);
    else if (json_is_array(v)) validate_array(w, s, v);
}

void wp_schema_validate(const wp_schema *s, const json_t *obj, wp_verdict *out)
{
    walker w = {.out = out};
    validate_node(&w, s, obj, true);
}
