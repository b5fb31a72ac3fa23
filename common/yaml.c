/* YAML to JSON. See yaml.h for the rules this follows. */
#include "common/yaml.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/file_read.h"
#include "common/verdict.h"

/* One open mapping or sequence. */
typedef struct {
    json_t *node;         /* the container being filled (owned by the frame) */
    char *key;            /* mapping: key waiting for its value, else NULL */
    bool key_is_merge;    /* the waiting key is "<<" */
    json_t *merged;       /* mapping: keys that came from "<<" (may be overridden) */
    char *anchor;         /* anchor to register when the container closes */
    size_t nodes_at_start;
    size_t bytes_at_start;
    size_t path_len;      /* length of the container's own JSON Pointer */
} frame;

typedef struct {
    frame stack[WP_YAML_MAX_DEPTH];
    size_t depth;
    json_t *root;
    json_t *anchors;      /* name -> node */
    json_t *anchor_sizes; /* name -> [node count, expanded bytes] of that subtree */
    json_t *positions;    /* NULL unless requested */
    const json_t *wanted; /* when set, only these pointers get positions */
    size_t nodes;         /* nodes so far, aliases counted expanded */
    size_t bytes;         /* expanded size so far (see node_bytes) */
    size_t alias_bytes;   /* bytes aliases added in the whole stream */
    char *path;           /* JSON Pointer of the current position */
    size_t path_len, path_cap;
    size_t first_line;
    wp_yaml_error *err;
} builder;

static int fail(builder *b, const yaml_mark_t *mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(builder *b, const yaml_mark_t *mark, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->err->message, sizeof b->err->message, fmt, ap);
    va_end(ap);
    b->err->line = mark ? mark->line + b->first_line : 0;
    b->err->column = mark ? mark->column + 1 : 0;
    return -1;
}

/* --- JSON Pointer of the node being built ------------------------------ */

static void path_truncate(builder *b, size_t len)
{
    b->path_len = len;
    if (b->path) b->path[len] = '\0';
}

static void path_append(builder *b, const char *token, size_t n)
{
    /* worst case every byte escapes to two */
    size_t need = b->path_len + 1 + 2 * n + 1;
    if (need > b->path_cap) {
        size_t cap = b->path_cap ? b->path_cap : 256;
        while (cap < need) cap *= 2;
        b->path = wp_xalloc_check(realloc(b->path, cap));
        b->path_cap = cap;
    }
    b->path[b->path_len++] = '/';
    for (size_t i = 0; i < n; i++) {
        if (token[i] == '~') { b->path[b->path_len++] = '~'; b->path[b->path_len++] = '0'; }
        else if (token[i] == '/') { b->path[b->path_len++] = '~'; b->path[b->path_len++] = '1'; }
        else b->path[b->path_len++] = token[i];
    }
    b->path[b->path_len] = '\0';
}

/* Extends the path with the slot the next value will fill. */
static void path_enter_child(builder *b)
{
    if (!b->positions) return; /* the path only serves positions */
    if (b->depth == 0) { path_truncate(b, 0); return; }
    frame *top = &b->stack[b->depth - 1];
    path_truncate(b, top->path_len);
    if (json_is_array(top->node)) {
        char idx[32];
        int n = snprintf(idx, sizeof idx, "%zu", json_array_size(top->node));
        path_append(b, idx, (size_t)n);
    } else if (top->key && !top->key_is_merge) {
        path_append(b, top->key, strlen(top->key));
    }
}

static void record_position(builder *b, const yaml_mark_t *mark)
{
    if (!b->positions) return;
    if (b->wanted && !json_object_get(b->wanted, b->path ? b->path : "")) return;
    json_t *pos = wp_xalloc_check(
        json_pack("[II]", (json_int_t)(mark->line + b->first_line), (json_int_t)(mark->column + 1)));
    json_object_set_new(b->positions, b->path ? b->path : "", pos);
}

/* --- scalar resolution (YAML 1.1 as go-yaml v2 reads it) --------------- */

static bool str_in(const char *s, const char *const *list)
{
    for (; *list; list++) if (strcmp(s, *list) == 0) return true;
    return false;
}

static const char *const null_words[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
                                          "on", "On", "ON", NULL};
static const char *const false_words[] = {"n", "N", "no", "No", "NO", "false", "False", "FALSE",
                                           "off", "Off", "OFF", NULL};

/* Integers: decimal, 0x hex, 0o or leading-0 octal, 0b binary, '_' ignored. */
static bool parse_int(const char *s, long long *out)
{
    char digits[80];
    size_t n = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '_') continue;
        if (n + 1 >= sizeof digits) return false;
        digits[n++] = *p;
    }
    digits[n] = '\0';
    const char *p = digits;
    bool neg = false;
    if (*p == '+' || *p == '-') neg = (*p++ == '-');
    int base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) { base = 16; p += 2; }
    else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) { base = 8; p += 2; }
    else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) { base = 2; p += 2; }
    else if (p[0] == '0' && p[1] != '\0') { base = 8; p += 1; }
    if (*p == '\0') return false;
    for (const char *q = p; *q; q++) {
        int d = (*q >= '0' && *q <= '9') ? *q - '0'
              : (*q >= 'a' && *q <= 'f') ? *q - 'a' + 10
              : (*q >= 'A' && *q <= 'F') ? *q - 'A' + 10 : 99;
        if (d >= base) return false;
    }
    errno = 0;
    char *end;
    unsigned long long v = strtoull(p, &end, base);
    if (errno || *end) return false;
    if (!neg && v > (unsigned long long)LLONG_MAX) return false;
    if (neg && v > (unsigned long long)LLONG_MAX + 1ULL) return false;
    *out = neg ? (long long)(0ULL - v) : (long long)v;
    return true;
}

/* Floats: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, .inf, .nan */
static bool parse_float(const char *s, double *out)
{
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    if (str_in(p, (const char *const[]){".inf", ".Inf", ".INF", NULL})) {
        *out = (*s == '-') ? -INFINITY : INFINITY;
        return true;
    }
    if (str_in(s, (const char *const[]){".nan", ".NaN", ".NAN", NULL})) { *out = NAN; return true; }
    size_t int_digits = 0, frac_digits = 0;
    while (*p >= '0' && *p <= '9') p++, int_digits++;
    if (*p == '.') { p++; while (*p >= '0' && *p <= '9') p++, frac_digits++; }
    if (int_digits == 0 && frac_digits == 0) return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(*p >= '0' && *p <= '9')) return false;
        while (*p >= '0' && *p <= '9') p++;
    }
    if (*p) return false;
    *out = strtod(s, NULL);
    return true;
}

/* JSON has no NaN/Inf; an integral float becomes an integer, as it does
 * once Go's encoding/json has written it out. */
static json_t *number_from_double(double d)
{
    if (isfinite(d) && d == floor(d) && fabs(d) < 9007199254740992.0) return json_integer((json_int_t)d);
    if (!isfinite(d)) return json_string(isnan(d) ? "NaN" : (d > 0 ? "+Inf" : "-Inf"));
    return json_real(d);
}

static json_t *resolve_plain(const char *s)
{
    /* Most scalars are names and words: only these first letters can start
     * a null or boolean word, so skip the word lists for the rest. */
    if (s[0] == '\0' || strchr("~nNyYtToOfF", s[0])) {
        if (str_in(s, null_words)) return json_null();
        if (str_in(s, true_words)) return json_true();
        if (str_in(s, false_words)) return json_false();
    }
    if (strchr("+-.0123456789", s[0])) {
        long long i;
        double d;
        if (parse_int(s, &i)) return json_integer(i);
        if (parse_float(s, &d)) return number_from_double(d);
    }
    return json_string(s);
}

static json_t *resolve_scalar(const yaml_event_t *ev)
{
    const char *value = (const char *)ev->data.scalar.value;
    const char *tag = (const char *)ev->data.scalar.tag;
    if (tag && strcmp(tag, YAML_STR_TAG) == 0) return json_stringn(value, ev->data.scalar.length);
    if (!ev->data.scalar.plain_implicit && !(tag && strcmp(tag, "!") != 0))
        return json_stringn(value, ev->data.scalar.length); /* quoted, literal, folded */
    if (strlen(value) != ev->data.scalar.length) return NULL; /* embedded NUL */
    return resolve_plain(value);
}

/* --- building the tree --------------------------------------------------- */

static int register_anchor(builder *b, const char *anchor, json_t *node, size_t count, size_t bytes)
{
    if (!anchor) return 0;
    json_object_set(b->anchors, anchor, node);
    json_object_set_new(b->anchor_sizes, anchor,
                        wp_xalloc_check(json_pack("[II]", (json_int_t)count, (json_int_t)bytes)));
    return 0;
}

/* Merges the mapping src into dst without overwriting dst's own keys. */
static int merge_into(builder *b, frame *top, json_t *src, const yaml_mark_t *mark)
{
    if (!json_is_object(src)) return fail(b, mark, "merge key '<<' needs a mapping or a list of mappings");
    if (!top->merged) top->merged = wp_xalloc_check(json_object()); /* created on first use: merges are rare */
    const char *k;
    json_t *v;
    json_object_foreach(src, k, v) {
        if (json_object_get(top->node, k)) continue;
        json_object_set(top->node, k, v);
        json_object_set_new(top->merged, k, json_true());
    }
    return 0;
}

/* Attaches a finished value (reference stolen) to the open container. */
static int add_value(builder *b, json_t *value, const yaml_mark_t *mark)
{
    if (b->depth == 0) {
        json_decref(b->root);
        b->root = value;
        return 0;
    }
    frame *top = &b->stack[b->depth - 1];
    if (json_is_array(top->node)) {
        json_array_append_new(top->node, value);
        return 0;
    }
    int rc = 0;
    if (top->key_is_merge) {
        if (json_is_array(value)) {
            size_t i;
            json_t *m;
            json_array_foreach(value, i, m) if ((rc = merge_into(b, top, m, mark))) break;
        } else {
            rc = merge_into(b, top, value, mark);
        }
        json_decref(value);
    } else {
        json_object_set_new(top->node, top->key, value);
    }
    free(top->key);
    top->key = NULL;
    top->key_is_merge = false;
    return rc;
}

/* A scalar in key position of a mapping. */
static int take_key(builder *b, frame *top, const yaml_event_t *ev)
{
    const char *key = (const char *)ev->data.scalar.value;
    if (strlen(key) != ev->data.scalar.length) return fail(b, &ev->start_mark, "mapping key contains a NUL byte");
    if (ev->data.scalar.plain_implicit && strcmp(key, "<<") == 0) {
        top->key_is_merge = true;
        top->key = wp_xalloc_check(strdup(key));
        return 0;
    }
    if (json_object_get(top->node, key)) {
        if (json_object_get(top->merged, key)) {
            json_object_del(top->merged, key); /* an explicit key overrides a merged one */
        } else {
            char *q = wp_verdict_quote(key);
            fail(b, &ev->start_mark, "duplicate mapping key %s", q);
            free(q);
            return -1;
        }
    }
    top->key = wp_xalloc_check(strdup(key));
    return 0;
}

static bool awaiting_key(const builder *b)
{
    if (b->depth == 0) return false;
    const frame *top = &b->stack[b->depth - 1];
    return json_is_object(top->node) && top->key == NULL;
}

/* What one node adds to the expanded size: its text (a scalar's value, a
 * key) plus a small overhead, so that many empty nodes also add up. */
static size_t node_bytes(size_t text_len) { return text_len + 8; }

/* Counts n nodes of `bytes` expanded bytes; alias: they come from an alias.
 * Node and byte counts both have a limit, so neither a billion laughs of
 * tiny nodes nor a few aliases of one huge string can blow up what every
 * consumer of the document (schema walk, rules, JSON output) then holds. */
static int count_nodes(builder *b, size_t n, size_t bytes, bool alias, const yaml_mark_t *mark)
{
    b->nodes += n;
    b->bytes += bytes;
    if (b->nodes > WP_YAML_MAX_NODES)
        return fail(b, mark, "document too large: more than %d nodes (aliases counted expanded)", WP_YAML_MAX_NODES);
    if (alias) b->alias_bytes += bytes;
    if (b->alias_bytes > WP_YAML_MAX_ALIAS_BYTES)
        return fail(b, mark, "too large: the aliases expand to more than %d MiB (each *alias counts as a "
                             "full copy of its &anchor)", WP_YAML_MAX_ALIAS_BYTES >> 20);
    return 0;
}

static int on_scalar(builder *b, const yaml_event_t *ev)
{
    if (count_nodes(b, awaiting_key(b) ? 0 : 1, node_bytes(ev->data.scalar.length), false, &ev->start_mark))
        return -1;
    if (awaiting_key(b)) return take_key(b, &b->stack[b->depth - 1], ev);
    path_enter_child(b);
    record_position(b, &ev->start_mark);
    json_t *v = resolve_scalar(ev);
    if (!v) return fail(b, &ev->start_mark, "scalar is not valid UTF-8 or contains a NUL byte");
    if (ev->data.scalar.anchor)
        register_anchor(b, (const char *)ev->data.scalar.anchor, v, 1, node_bytes(ev->data.scalar.length));
    return add_value(b, v, &ev->start_mark);
}

static int on_alias(builder *b, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    json_t *node = json_object_get(b->anchors, name);
    if (!node) return fail(b, &ev->start_mark, "unknown alias *%s", name);
    if (awaiting_key(b)) {
        if (!json_is_string(node)) return fail(b, &ev->start_mark, "alias *%s used as a key is not a string", name);
        yaml_event_t fake = *ev;
        fake.data.scalar.value = (yaml_char_t *)json_string_value(node);
        fake.data.scalar.length = json_string_length(node);
        fake.data.scalar.plain_implicit = 1;
        if (count_nodes(b, 0, node_bytes(fake.data.scalar.length), true, &ev->start_mark)) return -1;
        return take_key(b, &b->stack[b->depth - 1], &fake);
    }
    const json_t *size = json_object_get(b->anchor_sizes, name);
    if (count_nodes(b, (size_t)json_integer_value(json_array_get(size, 0)),
                    (size_t)json_integer_value(json_array_get(size, 1)), true, &ev->start_mark))
        return -1;
    path_enter_child(b);
    record_position(b, &ev->start_mark);
    return add_value(b, json_incref(node), &ev->start_mark);
}

static int open_container(builder *b, const yaml_event_t *ev, json_t *node, const char *anchor)
{
    if (awaiting_key(b)) {
        json_decref(node);
        return fail(b, &ev->start_mark, "mapping keys must be scalars");
    }
    if (b->depth == WP_YAML_MAX_DEPTH) {
        json_decref(node);
        return fail(b, &ev->start_mark, "nesting deeper than %d levels", WP_YAML_MAX_DEPTH);
    }
    if (count_nodes(b, 1, node_bytes(0), false, &ev->start_mark)) { json_decref(node); return -1; }
    path_enter_child(b);
    record_position(b, &ev->start_mark);
    frame *f = &b->stack[b->depth++];
    *f = (frame){.node = node, .nodes_at_start = b->nodes - 1, .bytes_at_start = b->bytes - node_bytes(0),
                 .path_len = b->path_len};
    if (anchor) f->anchor = wp_xalloc_check(strdup(anchor));
    return 0;
}

static int close_container(builder *b, const yaml_event_t *ev)
{
    frame f = b->stack[--b->depth];
    if (f.key) {
        free(f.key);
        json_decref(f.merged);
        free(f.anchor);
        json_decref(f.node);
        return fail(b, &ev->start_mark, "mapping key without a value");
    }
    json_decref(f.merged);
    register_anchor(b, f.anchor, f.node, b->nodes - f.nodes_at_start, b->bytes - f.bytes_at_start);
    free(f.anchor);
    return add_value(b, f.node, &ev->start_mark);
}

static void builder_reset_document(builder *b, unsigned flags)
{
    while (b->depth > 0) {
        frame *f = &b->stack[--b->depth];
        free(f->key);
        free(f->anchor);
        json_decref(f->merged);
        json_decref(f->node);
    }
    json_decref(b->root);
    json_decref(b->anchors);
    json_decref(b->anchor_sizes);
    json_decref(b->positions);
    b->root = NULL;
    b->anchors = wp_xalloc_check(json_object());
    b->anchor_sizes = wp_xalloc_check(json_object());
    b->positions = (flags & WP_YAML_POSITIONS) ? wp_xalloc_check(json_object()) : NULL;
    b->nodes = 0;
    b->bytes = 0; /* alias_bytes is for the whole stream: many documents cannot add up to more */
    path_truncate(b, 0);
}

static int parser_error(builder *b, const yaml_parser_t *p)
{
    const char *problem = p->problem ? p->problem : "invalid YAML";
    if (p->context)
        return fail(b, &p->problem_mark, "%s %s", p->context, problem);
    return fail(b, &p->problem_mark, "%s", problem);
}

static int parse(const char *buf, size_t len, size_t first_line, unsigned flags, const json_t *wanted,
                 wp_yaml_doc_fn fn, void *ctx, wp_yaml_error *err);

int wp_yaml_parse(const char *buf, size_t len, size_t first_line, unsigned flags,
                  wp_yaml_doc_fn fn, void *ctx, wp_yaml_error *err)
{
    return parse(buf, len, first_line, flags, NULL, fn, ctx, err);
}

int wp_yaml_parse_positions(const char *buf, size_t len, size_t first_line, const json_t *wanted, wp_yaml_doc_fn fn,
                            void *ctx, wp_yaml_error *err)
{
    return parse(buf, len, first_line, WP_YAML_POSITIONS, wanted, fn, ctx, err);
}

static int parse(const char *buf, size_t len, size_t first_line, unsigned flags, const json_t *wanted,
                 wp_yaml_doc_fn fn, void *ctx, wp_yaml_error *err)
{
    wp_yaml_error scratch;
    if (!err) err = &scratch;
    memset(err, 0, sizeof *err);
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err->message, sizeof err->message, "out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    builder b = {.first_line = first_line ? first_line : 1, .err = err, .wanted = wanted};
    builder_reset_document(&b, flags);
    size_t doc_index = 0, doc_line = 0;
    int rc = 0;
    for (bool done = false; !done && rc == 0;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) { rc = parser_error(&b, &parser); break; }
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            builder_reset_document(&b, flags);
            doc_line = ev.start_mark.line + b.first_line;
            break;
        case YAML_DOCUMENT_END_EVENT:
            if (b.root && !json_is_null(b.root)) {
                wp_yaml_doc doc = {.root = b.root, .positions = b.positions, .index = doc_index, .line = doc_line};
                rc = fn(ctx, &doc);
            }
            doc_index++;
            break;
        case YAML_SCALAR_EVENT: rc = on_scalar(&b, &ev); break;
        case YAML_ALIAS_EVENT: rc = on_alias(&b, &ev); break;
        case YAML_MAPPING_START_EVENT:
            rc = open_container(&b, &ev, wp_xalloc_check(json_object()), (const char *)ev.data.mapping_start.anchor);
            break;
        case YAML_SEQUENCE_START_EVENT:
            rc = open_container(&b, &ev, wp_xalloc_check(json_array()), (const char *)ev.data.sequence_start.anchor);
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT: rc = close_container(&b, &ev); break;
        case YAML_STREAM_END_EVENT: done = true; break;
        default: break;
        }
        yaml_event_delete(&ev);
    }
    builder_reset_document(&b, 0);
    json_decref(b.anchors);
    json_decref(b.anchor_sizes);
    free(b.path);
    yaml_parser_delete(&parser);
    return rc;
}

typedef struct {
    json_t *doc;
    size_t count;
} one_doc;

static int keep_first(void *ctx, const wp_yaml_doc *doc)
{
    one_doc *o = ctx;
    if (o->count++ == 0) o->doc = json_incref(doc->root);
    return 0;
}

json_t *wp_yaml_load_one(const char *buf, size_t len, wp_yaml_error *err)
{
    wp_yaml_error scratch;
    if (!err) err = &scratch;
    one_doc o = {0};
    if (wp_yaml_parse(buf, len, 1, 0, keep_first, &o, err) != 0) {
        json_decref(o.doc);
        return NULL;
    }
    if (o.count != 1) {
        json_decref(o.doc);
        snprintf(err->message, sizeof err->message,
                 o.count == 0 ? "no document found" : "expected one document, found %zu", o.count);
        err->line = err->column = 0;
        return NULL;
    }
    return o.doc;
}

json_t *wp_yaml_load_file(const char *path, size_t max_bytes, wp_yaml_error *err)
{
    wp_yaml_error scratch;
    if (!err) err = &scratch;
    memset(err, 0, sizeof *err);
    size_t len;
    /* never blocks: a FIFO or device at the path is refused, not waited on */
    char why[sizeof err->message - 16];
    char *buf = wp_file_read_regular(path, max_bytes, &len, NULL, why, sizeof why);
    if (!buf) {
        bool refused = errno == EINVAL || errno == EFBIG; /* not a regular file, too large: says so itself */
        snprintf(err->message, sizeof err->message, "%s%s", refused ? "" : "cannot open: ", why);
        return NULL;
    }
    json_t *doc = wp_yaml_load_one(buf, len, err);
    free(buf);
    return doc;
}

const char *wp_yaml_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "a mapping";
    case JSON_ARRAY: return "a list";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "a value";
}
