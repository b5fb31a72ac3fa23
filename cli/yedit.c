/* Rewriting YAML source in place. See yedit.h. */
#include "cli/yedit.h"

#include "cli/docsplit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/verdict.h"
#include "common/yaml.h"

bool wp_cli_yedit_fail(wp_cli_yedit *e, const wp_ynode *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->why, sizeof e->why, fmt, ap);
    va_end(ap);
    if (where) e->where = where;
    return false;
}

/* --- scalars --------------------------------------------------------------- */

/* True when text written plain reads back as the same string, read in
 * its context: in a flow collection the parser takes a leading '?' as the
 * explicit-key indicator ("{name: ?x}" holds no "?x"), so a flow scalar is
 * tried inside "[...]". */
static bool plain_safe(const char *text, bool in_flow)
{
    if (!text[0] || strpbrk(text, in_flow ? "\"'#:,[]{}\n\t" : "\"'#:\n\t")) return false;
    size_t len = strlen(text);
    char *doc = wp_xalloc_check(malloc(len + 3));
    snprintf(doc, len + 3, in_flow ? "[%s]" : "%s", text);
    json_t *v = wp_yaml_load_one(doc, strlen(doc), NULL);
    const json_t *s = in_flow ? (json_array_size(v) == 1 ? json_array_get(v, 0) : NULL) : v;
    bool same = json_is_string(s) && strcmp(json_string_value(s), text) == 0;
    json_decref(v);
    free(doc);
    return same;
}

char *wp_cli_yaml_double_quoted(const char *text)
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
    return wp_cli_yaml_double_quoted(text);
}

/* A scalar this tool may rewrite: no anchor, no tag, not a block scalar. */
bool wp_cli_yedit_scalar_ok(wp_cli_yedit *e, const wp_ynode *n, const char *what)
{
    if (!n)
        return wp_cli_yedit_fail(e, NULL, "%s is missing from the source (it comes from an alias or merge key)", what);
    if (n->type == WP_YNODE_ALIAS) return wp_cli_yedit_fail(e, n, "%s is a YAML alias; migrate it by hand", what);
    if (n->type != WP_YNODE_SCALAR) return wp_cli_yedit_fail(e, n, "%s is not a scalar", what);
    if (n->anchored) return wp_cli_yedit_fail(e, n, "%s carries a YAML anchor; migrate it by hand", what);
    if (n->tagged) return wp_cli_yedit_fail(e, n, "%s carries a YAML tag; migrate it by hand", what);
    if (n->style == WP_YSTYLE_LITERAL || n->style == WP_YSTYLE_FOLDED)
        return wp_cli_yedit_fail(e, n, "%s is a block scalar; migrate it by hand", what);
    return true;
}

/* A mapping this tool may edit inside. */
bool wp_cli_yedit_mapping_ok(wp_cli_yedit *e, const wp_ynode *n, const char *what)
{
    if (!n)
        return wp_cli_yedit_fail(e, NULL, "%s is missing from the source (it comes from an alias or merge key)", what);
    if (n->type == WP_YNODE_ALIAS) return wp_cli_yedit_fail(e, n, "%s is a YAML alias; migrate it by hand", what);
    if (n->type != WP_YNODE_MAPPING) return wp_cli_yedit_fail(e, n, "%s is not a mapping", what);
    if (n->anchored)
        return wp_cli_yedit_fail(e, n, "%s carries a YAML anchor (other places may share it); migrate it by hand",
                                 what);
    if (n->tagged) return wp_cli_yedit_fail(e, n, "%s carries a YAML tag; migrate it by hand", what);
    if (wp_ynode_has_merge(n)) return wp_cli_yedit_fail(e, n, "%s uses a merge key (<<); migrate it by hand", what);
    return true;
}

bool wp_cli_yedit_replace(wp_cli_yedit *e, const wp_ynode *n, const char *text)
{
    if (!wp_cli_edits_add(e->edits, n->start, n->end, text))
        return wp_cli_yedit_fail(e, n, "overlapping edits (the same node is reached twice)");
    return true;
}

bool wp_cli_yedit_replace_like(wp_cli_yedit *e, const wp_ynode *n, const char *text)
{
    char *r = render_like(n, text, e->json);
    bool ok = wp_cli_yedit_replace(e, n, r);
    free(r);
    return ok;
}

/* --- dropping a mapping entry ------------------------------------------- */

static bool only_blank(const char *s, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') return false;
    return true;
}

/* In a block mapping the entry must own its lines: the key first on its
 * line, nothing but a comment after the value. The lines go, comment too. */
static bool drop_block_entry(wp_cli_yedit *e, const wp_ynode *key, const wp_ynode *value)
{
    const char *s = e->data;
    size_t from = wp_cli_line_start(s, key->start);
    if (!only_blank(s, from, key->start))
        return wp_cli_yedit_fail(e, key, "%s shares its line with other content", key->value);
    size_t to = value->end;
    while (to < e->len && (s[to] == ' ' || s[to] == '\t')) to++;
    if (to < e->len && s[to] == '#') while (to < e->len && !wp_cli_break_len(s + to, e->len - to)) to++;
    size_t brk = wp_cli_break_len(s + to, e->len - to);
    if (to < e->len && !brk)
        return wp_cli_yedit_fail(e, value, "%s shares its line with other content", key->value);
    to += brk;
    if (!wp_cli_edits_add(e->edits, from, to, "")) return wp_cli_yedit_fail(e, key, "overlapping edits");
    return true;
}

/* In a flow mapping ({a: 1, b: 2}, or JSON) the entry goes with one comma:
 * the one before it, or for the first entry the one after it. */
static bool drop_flow_entry(wp_cli_yedit *e, const wp_ynode *map, size_t pair)
{
    const char *s = e->data;
    const wp_ynode *key = map->children[2 * pair], *value = map->children[2 * pair + 1];
    size_t from, to;
    if (pair > 0) {
        from = map->children[2 * pair - 1]->end;
        to = value->end;
        const char *comma = memchr(s + from, ',', key->start - from);
        if (!comma || !only_blank(s, from, (size_t)(comma - s)) || !only_blank(s, (size_t)(comma - s) + 1, key->start))
            return wp_cli_yedit_fail(e, key, "cannot cut %s out of its flow mapping cleanly; migrate it by hand",
                                     key->value);
    } else if (map->n_children > 2) {
        from = key->start;
        to = map->children[2]->start;
        const char *comma = memchr(s + value->end, ',', to - value->end);
        if (!comma || !only_blank(s, value->end, (size_t)(comma - s)) || !only_blank(s, (size_t)(comma - s) + 1, to))
            return wp_cli_yedit_fail(e, key, "cannot cut %s out of its flow mapping cleanly; migrate it by hand",
                                     key->value);
    } else {
        from = key->start;
        to = value->end;
    }
    if (!wp_cli_edits_add(e->edits, from, to, "")) return wp_cli_yedit_fail(e, key, "overlapping edits");
    return true;
}

bool wp_cli_yedit_drop_entry(wp_cli_yedit *e, const wp_ynode *map, const char *name)
{
    for (size_t i = 0; i + 1 < map->n_children; i += 2) {
        const wp_ynode *key = map->children[i], *value = map->children[i + 1];
        if (key->type != WP_YNODE_SCALAR || strcmp(key->value, name) != 0) continue;
        if (!wp_cli_yedit_scalar_ok(e, key, name)) return false;
        if (value->type != WP_YNODE_SCALAR && value->type != WP_YNODE_ALIAS)
            return wp_cli_yedit_fail(e, value, "%s is not a scalar", name);
        if (value->anchored || value->type == WP_YNODE_ALIAS)
            return wp_cli_yedit_fail(e, value, "%s uses a YAML anchor or alias; migrate it by hand", name);
        if (value->style == WP_YSTYLE_LITERAL || value->style == WP_YSTYLE_FOLDED)
            return wp_cli_yedit_fail(e, value, "%s is a block scalar; migrate it by hand", name);
        return map->style == WP_YSTYLE_FLOW ? drop_flow_entry(e, map, i / 2)
                                            : drop_block_entry(e, key, value);
    }
    return wp_cli_yedit_fail(e, map, "%s is missing from the source (it comes from an alias or merge key)", name);
}

char *wp_cli_yaml_scalar(const char *text)
{
    return plain_safe(text, false) ? wp_xalloc_check(strdup(text)) : wp_cli_yaml_double_quoted(text);
}

bool wp_cli_yedit_replace_string(wp_cli_yedit *e, const wp_ynode *n, const char *text)
{
    /* A value that was not a string (replicas: 0) becomes one: JSON and
     * flow context need the quotes, block YAML reads better without. */
    char *r = e->json || n->in_flow || !plain_safe(text, false) ? wp_cli_yaml_double_quoted(text)
                                                                : wp_xalloc_check(strdup(text));
    bool ok = wp_cli_yedit_replace(e, n, r);
    free(r);
    return ok;
}

bool wp_cli_yedit_replace_last(wp_cli_yedit *e, const wp_ynode *n, const char *old, const char *text)
{
    const char *found = NULL;
    size_t len = strlen(old);
    for (const char *p = e->data + n->start; (p = memmem(p, (size_t)(e->data + n->end - p), old, len)); p++)
        found = p;
    if (!found) return wp_cli_yedit_fail(e, n, "%s is written in a way this tool cannot edit; migrate it by hand", old);
    size_t at = (size_t)(found - e->data);
    if (!wp_cli_edits_add(e->edits, at, at + len, text)) return wp_cli_yedit_fail(e, n, "overlapping edits");
    return true;
}
