/* YAML source tree. See ysource.h. */
#include "cli/ysource.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/verdict.h"

struct wp_ysource {
    wp_ynode *root;
    wp_ynode **all; /* every node, for freeing */
    size_t n_all, cap_all;
};

typedef struct {
    wp_ysource *src;
    const char *buf;
    size_t offset, len, first_line;
    size_t bom;           /* 3 when the span starts with a UTF-8 byte order mark, else 0 */
    size_t *char_to_byte; /* NULL when the span is ASCII (identity) */
    wp_ynode *stack[WP_YAML_MAX_DEPTH];
    size_t depth;
    wp_yaml_error *err;
} builder;

/* libyaml marks count characters; this maps them to byte offsets. A byte
 * order mark at the start of the input is consumed by libyaml's reader
 * before it counts anything, so s starts after it (see bom_len). */
static size_t *char_offsets(const char *s, size_t len)
{
    bool ascii = true;
    for (size_t i = 0; i < len && ascii; i++) ascii = (unsigned char)s[i] < 0x80;
    if (ascii) return NULL;
    size_t *map = wp_xalloc_check(malloc((len + 1) * sizeof *map));
    size_t c = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) map[c++] = i; /* not a continuation byte */
    map[c] = len;
    return map;
}

/* 3 for a UTF-8 byte order mark at s: libyaml skips it without counting
 * it in its marks (a BOM later in the stream is a counted character). */
static size_t bom_len(const char *s, size_t len)
{
    return len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

static size_t to_byte(const builder *b, size_t char_index)
{
    return b->offset + b->bom + (b->char_to_byte ? b->char_to_byte[char_index] : char_index);
}

static wp_ynode *new_node(builder *b, wp_ynode_type type, const yaml_event_t *ev)
{
    wp_ynode *n = wp_xalloc_check(calloc(1, sizeof *n));
    n->type = type;
    n->start = to_byte(b, ev->start_mark.index);
    n->end = to_byte(b, ev->end_mark.index);
    n->line = ev->start_mark.line + b->first_line;
    n->column = ev->start_mark.column + 1;
    n->in_flow = b->depth > 0 && (b->stack[b->depth - 1]->style == WP_YSTYLE_FLOW || b->stack[b->depth - 1]->in_flow);
    wp_ysource *s = b->src;
    if (s->n_all == s->cap_all) {
        s->cap_all = s->cap_all ? s->cap_all * 2 : 64;
        s->all = wp_xalloc_check(realloc(s->all, s->cap_all * sizeof *s->all));
    }
    s->all[s->n_all++] = n;
    return n;
}

static void attach(builder *b, wp_ynode *n)
{
    if (b->depth == 0) {
        if (!b->src->root) b->src->root = n;
        return;
    }
    wp_ynode *parent = b->stack[b->depth - 1];
    parent->children = wp_xalloc_check(realloc(parent->children, (parent->n_children + 1) * sizeof *parent->children));
    parent->children[parent->n_children++] = n;
}

static wp_ystyle scalar_style(yaml_scalar_style_t s)
{
    switch (s) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE: return WP_YSTYLE_SINGLE;
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return WP_YSTYLE_DOUBLE;
    case YAML_LITERAL_SCALAR_STYLE: return WP_YSTYLE_LITERAL;
    case YAML_FOLDED_SCALAR_STYLE: return WP_YSTYLE_FOLDED;
    default: return WP_YSTYLE_PLAIN;
    }
}

static int on_event(builder *b, const yaml_event_t *ev)
{
    wp_ynode *n;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        n = new_node(b, WP_YNODE_SCALAR, ev);
        n->style = scalar_style(ev->data.scalar.style);
        n->anchored = ev->data.scalar.anchor != NULL;
        n->tagged = ev->data.scalar.tag != NULL;
        n->value = wp_xalloc_check(strndup((const char *)ev->data.scalar.value, ev->data.scalar.length));
        attach(b, n);
        return 0;
    case YAML_ALIAS_EVENT:
        n = new_node(b, WP_YNODE_ALIAS, ev);
        n->value = wp_xalloc_check(strdup((const char *)ev->data.alias.anchor));
        attach(b, n);
        return 0;
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT: {
        bool map = ev->type == YAML_MAPPING_START_EVENT;
        if (b->depth == WP_YAML_MAX_DEPTH) {
            snprintf(b->err->message, sizeof b->err->message, "nesting deeper than %d levels", WP_YAML_MAX_DEPTH);
            b->err->line = ev->start_mark.line + b->first_line;
            return -1;
        }
        n = new_node(b, map ? WP_YNODE_MAPPING : WP_YNODE_SEQUENCE, ev);
        bool flow = map ? ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                        : ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
        n->style = flow ? WP_YSTYLE_FLOW : WP_YSTYLE_BLOCK;
        n->anchored = (map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor) != NULL;
        n->tagged = (map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag) != NULL
                 && !(map ? ev->data.mapping_start.implicit : ev->data.sequence_start.implicit);
        attach(b, n);
        b->stack[b->depth++] = n;
        return 0;
    }
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        if (b->depth > 0) b->stack[--b->depth]->end = to_byte(b, ev->end_mark.index);
        return 0;
    default:
        return 0;
    }
}

bool wp_ysource_is_utf16(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    return len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF));
}

wp_ysource *wp_ysource_parse(const char *buf, size_t offset, size_t len, size_t first_line, wp_yaml_error *err)
{
    wp_yaml_error scratch;
    if (!err) err = &scratch;
    memset(err, 0, sizeof *err);
    if (wp_ysource_is_utf16(buf + offset, len)) {
        /* FF FE or FE FF: libyaml would decode it, but its marks could not be
         * mapped back to bytes, so no edit could land in the right place. */
        snprintf(err->message, sizeof err->message,
                 "the file is UTF-16; only UTF-8 can be edited in place (convert it with iconv -t UTF-8)");
        err->line = first_line;
        return NULL;
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err->message, sizeof err->message, "out of memory");
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf + offset, len);
    size_t bom = bom_len(buf + offset, len);
    builder b = {.src = wp_xalloc_check(calloc(1, sizeof(wp_ysource))), .buf = buf, .offset = offset, .len = len,
                 .first_line = first_line, .bom = bom, .char_to_byte = char_offsets(buf + offset + bom, len - bom),
                 .err = err};
    int rc = 0;
    for (bool done = false; !done && rc == 0;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            snprintf(err->message, sizeof err->message, "%s", parser.problem ? parser.problem : "invalid YAML");
            err->line = parser.problem_mark.line + first_line;
            err->column = parser.problem_mark.column + 1;
            rc = -1;
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        rc = on_event(&b, &ev);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    free(b.char_to_byte);
    if (rc != 0) {
        wp_ysource_free(b.src);
        return NULL;
    }
    return b.src;
}

void wp_ysource_free(wp_ysource *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n_all; i++) {
        free(s->all[i]->value);
        free(s->all[i]->children);
        free(s->all[i]);
    }
    free(s->all);
    free(s);
}

const wp_ynode *wp_ysource_root(const wp_ysource *s) { return s->root; }

const wp_ynode *wp_ynode_get(const wp_ynode *map, const char *key, const wp_ynode **key_out)
{
    if (!map || map->type != WP_YNODE_MAPPING) return NULL;
    for (size_t i = 0; i + 1 < map->n_children; i += 2) {
        const wp_ynode *k = map->children[i];
        if (k->type == WP_YNODE_SCALAR && strcmp(k->value, key) == 0) {
            if (key_out) *key_out = k;
            return map->children[i + 1];
        }
    }
    return NULL;
}

bool wp_ynode_has_merge(const wp_ynode *map)
{
    for (size_t i = 0; map && map->type == WP_YNODE_MAPPING && i + 1 < map->n_children; i += 2) {
        const wp_ynode *k = map->children[i];
        if (k->type == WP_YNODE_SCALAR && k->style == WP_YSTYLE_PLAIN && strcmp(k->value, "<<") == 0) return true;
    }
    return false;
}
