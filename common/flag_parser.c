/* Long-option parsing from argv and files. See flag_parser.h. */
#include "common/flag_parser.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/file_read.h"
#include "common/suggest.h"
#include "common/yaml.h"

/* A flags file is a handful of lines; anything bigger is a mistake. */
#define FLAGS_FILE_MAX_BYTES (1 << 20)

static void *field_at(void *opts, const wp_flag_spec *s) { return (char *)opts + s->offset; }

static const wp_flag_spec *find_spec(const wp_flag_set *set, const char *name, size_t len)
{
    for (size_t i = 0; i < set->n_specs; i++) {
        const char *n = set->specs[i].name;
        if (strlen(n) == len && strncmp(n, name, len) == 0) return &set->specs[i];
    }
    return NULL;
}

int wp_flag_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "1", "yes", "on"};
    static const char *const no[] = {"false", "0", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) { *out = true; return 0; }
        if (strcasecmp(s, no[i]) == 0) { *out = false; return 0; }
    }
    return -1;
}

/* A non-negative decimal number with an optional fraction; end receives
 * where the unit starts. */
static int parse_number(const char *s, double *out, const char **end)
{
    if (!(*s >= '0' && *s <= '9')) return -1;
    errno = 0;
    char *e;
    double v = strtod(s, &e);
    /* strtod also takes hex, inf and exponents; a flag value should not. */
    for (const char *p = s; p < e; p++) {
        if (!((*p >= '0' && *p <= '9') || *p == '.')) return -1;
    }
    if (errno || !isfinite(v)) return -1;
    *out = v;
    *end = e;
    return 0;
}

typedef struct {
    const char *suffix;
    double factor;
} unit;

/* A number followed by one of the units; *out = number * factor. */
static int parse_with_unit(const char *s, const unit *units, size_t n_units, double *out)
{
    double v;
    const char *suffix;
    if (parse_number(s, &v, &suffix) != 0) return -1;
    for (size_t i = 0; i < n_units; i++) {
        if (strcmp(suffix, units[i].suffix) == 0) {
            *out = v * units[i].factor;
            return 0;
        }
    }
    return -1;
}

int wp_flag_parse_duration_ms(const char *s, long long *out)
{
    static const unit units[] = {{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
    double ms;
    if (parse_with_unit(s, units, sizeof units / sizeof units[0], &ms) != 0 ||
        ms > (double)LLONG_MAX / 2)
        return -1;
    *out = (long long)llround(ms);
    return 0;
}

int wp_flag_parse_size(const char *s, size_t *out)
{
    static const unit units[] = {
        {"", 1}, {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9},
        {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0},
        {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0},
    };
    double bytes;
    if (parse_with_unit(s, units, sizeof units / sizeof units[0], &bytes) != 0 ||
        bytes != floor(bytes) || bytes > (double)(SIZE_MAX / 2))
        return -1;
    *out = (size_t)bytes;
    return 0;
}

static int parse_int(const char *s, int *out)
{
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < INT_MIN || v > INT_MAX) return -1;
    *out = (int)v;
    return 0;
}

/* A duration in the largest unit that shows it exactly: "1h", "90s",
 * "250ms". */
static void format_duration(long long ms, char *out, size_t size)
{
    if (ms != 0 && ms % 3600000 == 0) snprintf(out, size, "%lldh", ms / 3600000);
    else if (ms != 0 && ms % 60000 == 0) snprintf(out, size, "%lldm", ms / 60000);
    else if (ms != 0 && ms % 1000 == 0) snprintf(out, size, "%llds", ms / 1000);
    else snprintf(out, size, "%lldms", ms);
}

/* A range error that names the flag and, for durations and sizes, the
 * unit: "--read-timeout: 0s is out of range: give a duration from 1ms to
 * 1h (a bare number means seconds)". */
static int check_range(const wp_flag_spec *spec, long long v, const char *text, char *err, size_t err_size)
{
    if (!(spec->min || spec->max) || (v >= spec->min && v <= spec->max)) return 0;
    char lo[32], hi[32], got[32];
    switch (spec->type) {
    case WP_FLAG_DURATION:
        format_duration(spec->min, lo, sizeof lo);
        format_duration(spec->max, hi, sizeof hi);
        format_duration(v, got, sizeof got);
        snprintf(err, err_size, "--%s: %.32s%s%s%s is out of range: give a duration from %s to %s "
                 "(units ms, s, m, h; a bare number means seconds)", spec->name, text,
                 strcmp(text, got) ? " (" : "", strcmp(text, got) ? got : "", strcmp(text, got) ? ")" : "", lo, hi);
        break;
    case WP_FLAG_SIZE:
        snprintf(err, err_size, "--%s: %.32s (%lld bytes) is out of range: give a size from %lld to %lld bytes "
                 "(units k, M, G, Ki, Mi, Gi)", spec->name, text, v, spec->min, spec->max);
        break;
    default:
        snprintf(err, err_size, "--%s: %.32s is out of range: give a whole number from %lld to %lld", spec->name,
                 text, spec->min, spec->max);
        break;
    }
    return -1;
}

static int list_append(wp_flag_list *l, const char *value)
{
    char *copy = strdup(value);
    char **items = copy ? realloc(l->items, (l->n + 1) * sizeof *items) : NULL;
    if (!items) { free(copy); return -1; }
    items[l->n++] = copy;
    l->items = items;
    return 0;
}

/* Stores one textual value into the field for spec. */
static int set_value(const wp_flag_spec *spec, void *opts, const char *value, char *err,
                     size_t err_size)
{
    void *field = field_at(opts, spec);
    int bad = 0;
    switch (spec->type) {
    case WP_FLAG_STRING: {
        char *copy = strdup(value);
        if (!copy) bad = 1;
        else { free(*(char **)field); *(char **)field = copy; }
        break;
    }
    case WP_FLAG_INT: {
        int v;
        bad = parse_int(value, &v) != 0;
        if (!bad && check_range(spec, v, value, err, err_size) != 0) return -1;
        if (!bad) *(int *)field = v;
        break;
    }
    case WP_FLAG_BOOL:
        bad = wp_flag_parse_bool(value, (bool *)field) != 0;
        break;
    case WP_FLAG_DURATION: {
        long long ms;
        bad = wp_flag_parse_duration_ms(value, &ms) != 0;
        if (!bad && check_range(spec, ms, value, err, err_size) != 0) return -1;
        if (!bad) *(long long *)field = ms;
        break;
    }
    case WP_FLAG_SIZE: {
        size_t v;
        bad = wp_flag_parse_size(value, &v) != 0;
        if (!bad && check_range(spec, (long long)v, value, err, err_size) != 0) return -1;
        if (!bad) *(size_t *)field = v;
        break;
    }
    case WP_FLAG_LIST:
        bad = list_append((wp_flag_list *)field, value) != 0;
        break;
    }
    if (bad) {
        static const char *const expect[] = {
            "a string", "a whole number", "true or false",
            "a duration like 250ms, 10s, 2m or 1h (a bare number means seconds)",
            "a size in bytes like 1048576, 512Ki or 7Mi", "a string",
        };
        snprintf(err, err_size, "--%s: invalid value \"%.64s\": expected %s", spec->name, value,
                 expect[spec->type]);
        return -1;
    }
    return 0;
}

int wp_flags_defaults(const wp_flag_set *set, void *opts, char *err, size_t err_size)
{
    for (size_t i = 0; i < set->n_specs; i++) {
        const wp_flag_spec *s = &set->specs[i];
        if (s->def && set_value(s, opts, s->def, err, err_size) != 0) return -1;
    }
    return 0;
}

/* Splits "--name=value" / "--name"; NULL spec when unknown. */
static const wp_flag_spec *lookup_arg(const wp_flag_set *set, const char *arg, const char **value)
{
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    *value = eq ? eq + 1 : NULL;
    return find_spec(set, name, len);
}

/* Finds the file flag's value on the command line without applying
 * anything else, so the file can be read before the flags that override it. */
static int find_file_arg(const wp_flag_set *set, int argc, char **argv, int start,
                         const char **path)
{
    *path = NULL;
    for (int i = start; i < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2]; i++) {
        const char *value;
        const wp_flag_spec *spec = lookup_arg(set, argv[i], &value);
        if (!spec) continue;
        if (!value && spec->type != WP_FLAG_BOOL) value = i + 1 < argc ? argv[++i] : NULL;
        if (strcmp(spec->name, set->file_flag) == 0) *path = value;
    }
    return 0;
}

/* The names of set's flags, for suggestions. Returns how many (at most
 * max). */
static size_t flag_names(const wp_flag_set *set, const char **names, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < set->n_specs && n < max; i++) names[n++] = set->specs[i].name;
    return n;
}

/* "unknown flag --listn (did you mean --listen?)"; a single-dash flag is
 * told that flags take two. Returns -1. */
static int unknown_flag(const wp_flag_set *set, const char *arg, char *err, size_t err_size)
{
    const char *names[128];
    size_t n = flag_names(set, names, 128);
    const char *bare = arg + strspn(arg, "-");
    char name[72];
    snprintf(name, sizeof name, "%.*s", (int)strcspn(bare, "="), bare);
    const char *close = wp_suggest(name, names, n);
    if (arg[1] != '-' && find_spec(set, name, strlen(name)))
        snprintf(err, err_size, "unknown flag %.64s (flags start with two dashes: --%s)", arg, name);
    else if (close)
        snprintf(err, err_size, "unknown flag %.64s (did you mean --%s?)", arg, close);
    else
        snprintf(err, err_size, "unknown flag %.64s (see --help)", arg);
    return -1;
}

int wp_flags_suggest(const wp_flag_set *set, const char *word, char *out, size_t size)
{
    const char *names[128];
    size_t n = flag_names(set, names, 128);
    const char *s = wp_suggest(word + strspn(word, "-"), names, n);
    if (!s) return -1;
    snprintf(out, size, "--%s", s);
    return 0;
}

int wp_flags_parse(const wp_flag_set *set, void *opts, int argc, char **argv, int start,
                   int *next, char *err, size_t err_size)
{
    if (set->file_flag) {
        const char *path;
        find_file_arg(set, argc, argv, start, &path);
        if (path && wp_flags_apply_file(set, opts, path, err, err_size) != 0) return -1;
    }
    int i = start;
    for (; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0) { i++; break; }
        if (strcmp(arg, "-h") == 0 && find_spec(set, "help", 4)) arg = "--help";
        else if (arg[0] == '-' && arg[1] != '-' && arg[1] != '\0') return unknown_flag(set, arg, err, err_size);
        if (strncmp(arg, "--", 2) != 0) break;
        const char *value;
        const wp_flag_spec *spec = lookup_arg(set, arg, &value);
        if (!spec) return unknown_flag(set, arg, err, err_size);
        if (!value) {
            if (spec->type == WP_FLAG_BOOL) value = "true";
            else if (i + 1 < argc) value = argv[++i];
            else {
                snprintf(err, err_size, "--%s needs a value", spec->name);
                return -1;
            }
        }
        if (set_value(spec, opts, value, err, err_size) != 0) return -1;
    }
    if (next) *next = i;
    return 0;
}

/* Renders a YAML scalar as the text a command line would carry. */
static int scalar_text(const json_t *v, char *buf, size_t size)
{
    if (json_is_string(v)) snprintf(buf, size, "%s", json_string_value(v));
    else if (json_is_integer(v)) snprintf(buf, size, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v)) snprintf(buf, size, "%.17g", json_real_value(v));
    else if (json_is_boolean(v)) snprintf(buf, size, "%s", json_is_true(v) ? "true" : "false");
    else return -1;
    return 0;
}

static int apply_file_value(const wp_flag_spec *spec, void *opts, const json_t *v,
                            const char *path, char *err, size_t err_size)
{
    char text[4096];
    if (spec->type == WP_FLAG_LIST && json_is_array(v)) {
        size_t i;
        const json_t *item;
        json_array_foreach(v, i, item) {
            if (scalar_text(item, text, sizeof text) != 0) goto not_scalar;
            if (set_value(spec, opts, text, err, err_size) != 0) goto named;
        }
        return 0;
    }
    if (scalar_text(v, text, sizeof text) != 0) goto not_scalar;
    if (set_value(spec, opts, text, err, err_size) != 0) goto named;
    return 0;
not_scalar:
    snprintf(err, err_size, "%s: %s: expected a single value", path, spec->name);
    return -1;
named: {
        /* Prefix the file name to the value error. */
        char inner[512];
        snprintf(inner, sizeof inner, "%s", err);
        snprintf(err, err_size, "%s: %s", path, inner);
        return -1;
    }
}

int wp_flags_apply_file(const wp_flag_set *set, void *opts, const char *path, char *err,
                        size_t err_size)
{
    wp_yaml_error yerr;
    size_t len;
    char why[200];
    /* Never blocks: a FIFO or device at the path is refused (file_read.h). */
    char *text = wp_file_read_regular(path, FLAGS_FILE_MAX_BYTES, &len, NULL, why, sizeof why);
    if (!text) {
        snprintf(err, err_size, "%s: %s", path, why);
        return -1;
    }
    json_t *doc = wp_yaml_load_one(text, len, &yerr);
    free(text);
    if (!doc) {
        if (yerr.line) snprintf(err, err_size, "%s:%zu:%zu: %s", path, yerr.line, yerr.column, yerr.message);
        else snprintf(err, err_size, "%s: %s", path, yerr.message);
        return -1;
    }
    int rc = 0;
    if (!json_is_object(doc)) {
        snprintf(err, err_size, "%s: expected a mapping of flag names to values", path);
        rc = -1;
    }
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v) {
        if (rc != 0) break;
        const wp_flag_spec *spec = find_spec(set, key, strlen(key));
        if (!spec || (set->file_flag && strcmp(key, set->file_flag) == 0)) {
            const char *names[128];
            size_t n = flag_names(set, names, 128);
            snprintf(err, err_size, "%s: unknown key \"%.64s\"", path, key);
            wp_suggest_append(err, err_size, "", key, names, n);
            rc = -1;
        } else if (!json_is_null(v)) {
            rc = apply_file_value(spec, opts, v, path, err, err_size);
        }
    }
    json_decref(doc);
    return rc;
}

void wp_flags_free(const wp_flag_set *set, void *opts)
{
    for (size_t i = 0; i < set->n_specs; i++) {
        void *field = field_at(opts, &set->specs[i]);
        if (set->specs[i].type == WP_FLAG_STRING) {
            free(*(char **)field);
            *(char **)field = NULL;
        } else if (set->specs[i].type == WP_FLAG_LIST) {
            wp_flag_list *l = field;
            for (size_t j = 0; j < l->n; j++) free(l->items[j]);
            free(l->items);
            l->items = NULL;
            l->n = 0;
        }
    }
}

void wp_flags_print_help(const wp_flag_set *set, FILE *out)
{
    for (size_t i = 0; i < set->n_specs; i++) {
        const wp_flag_spec *s = &set->specs[i];
        char left[64];
        if (s->metavar) snprintf(left, sizeof left, "--%s %s", s->name, s->metavar);
        else snprintf(left, sizeof left, "--%s", s->name);
        fprintf(out, "  %-30s %s", left, s->help);
        if (s->def && *s->def && s->type != WP_FLAG_BOOL) fprintf(out, " (default %s)", s->def);
        fputc('\n', out);
    }
    bool durations = false, sizes = false;
    for (size_t i = 0; i < set->n_specs; i++) {
        durations |= set->specs[i].type == WP_FLAG_DURATION;
        sizes |= set->specs[i].type == WP_FLAG_SIZE;
    }
    if (durations)
        fprintf(out, "\nDURATION: a number with a unit: ms, s, m or h (250ms, 10s, 1.5m); a bare number means seconds.\n");
    if (sizes) fprintf(out, "%sSIZE: bytes, or with a unit: k, M, G (powers of 1000) or Ki, Mi, Gi (of 1024).\n",
                       durations ? "" : "\n");
}
