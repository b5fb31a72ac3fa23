/* Reporting, typed field access and duplicate detection for the rule
 * groups. See rules_fields.h. */
#include "common/rules_fields.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

/* Warnings are shown one per line by kubectl; keep them short. */
#define WARNING_MAX_BYTES 120
/* Values shown in messages are cut like wp_verdict_quote cuts strings. */
#define SHOWN_MAX_BYTES 64

/* ---- reporting --------------------------------------------------------- */

static char *vformat(const char *fmt, va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) s = NULL;
    return wp_xalloc_check(s);
}

/* Cuts s (in place) to at most max bytes, on a UTF-8 boundary, ending in
 * "..." when cut. */
static void cut_utf8(char *s, size_t max)
{
    size_t len = strlen(s);
    if (len <= max) return;
    size_t at = max - 3;
    while (at > 0 && ((unsigned char)s[at] & 0xC0) == 0x80) at--;
    memcpy(s + at, "...", 4);
}

static void warn_at_path(wp_rules_ctx *c, const char *message)
{
    char *field = wp_path_k8s(&c->path);
    char *line = NULL;
    if (asprintf(&line, "%s%s%s", field, *field ? ": " : "", message) < 0) line = NULL;
    wp_xalloc_check(line);
    cut_utf8(line, WARNING_MAX_BYTES);
    wp_verdict_warn(c->out, "%s", line);
    free(line);
    free(field);
}

void wp_rules_report(wp_rules_ctx *c, const char *reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *message = vformat(fmt, ap);
    va_end(ap);
    if (c->mode == WP_MODE_ENFORCE) wp_verdict_cause(c->out, &c->path, reason, "%s", message);
    else warn_at_path(c, message);
    free(message);
}

void wp_rules_warn(wp_rules_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *message = vformat(fmt, ap);
    va_end(ap);
    cut_utf8(message, WARNING_MAX_BYTES);
    wp_verdict_warn(c->out, "%s", message);
    free(message);
}

void wp_rules_required(wp_rules_ctx *c) { wp_rules_report(c, WP_CAUSE_REQUIRED, "Required value"); }

/* How a value appears after "Invalid value: ". New malloc'd string. */
static char *show_value(const wp_jval *v)
{
    if (wp_jval_is_string(v)) return wp_verdict_quote_n(v->u.str, v->n);
    char *s = NULL;
    if (wp_jval_is_integer(v)) {
        if (asprintf(&s, "%" PRId64, v->u.i) < 0) s = NULL;
        return wp_xalloc_check(s);
    }
    s = wp_jval_dump(v, NULL);
    cut_utf8(s, SHOWN_MAX_BYTES);
    return s;
}

void wp_rules_invalid(wp_rules_ctx *c, const wp_jval *value, const char *detail)
{
    char *shown = show_value(value);
    wp_rules_report(c, WP_CAUSE_INVALID, "Invalid value: %s: %s", shown, detail);
    free(shown);
}

void wp_rules_invalid_bytes(wp_rules_ctx *c, const char *s, size_t len, const char *detail)
{
    char *shown = wp_verdict_quote_n(s, len);
    wp_rules_report(c, WP_CAUSE_INVALID, "Invalid value: %s: %s", shown, detail);
    free(shown);
}

void wp_rules_type_error(wp_rules_ctx *c, const wp_jval *found, const char *expected)
{
    wp_rules_report(c, WP_CAUSE_INVALID, "Invalid value: \"%s\": must be of type %s", wp_jtype_name(found),
                    expected);
}

void wp_rules_duplicate(wp_rules_ctx *c, const wp_jval *value, const char *detail)
{
    char *shown = show_value(value);
    if (detail) wp_rules_report(c, WP_CAUSE_DUPLICATE, "Duplicate value: %s: %s", shown, detail);
    else wp_rules_report(c, WP_CAUSE_DUPLICATE, "Duplicate value: %s", shown);
    free(shown);
}

/* ---- paths and typed access -------------------------------------------- */

const wp_jval *wp_rules_enter(wp_rules_ctx *c, const wp_jval *parent, const char *name)
{
    wp_path_push_field(&c->path, name);
    return wp_jval_get(parent, name);
}

void wp_rules_leave(wp_rules_ctx *c) { wp_path_pop(&c->path); }

static const wp_jval *typed(wp_rules_ctx *c, const wp_jval *v, wp_jtype type, const char *type_name)
{
    if (wp_jval_is_null(v)) return NULL;
    if (v->type == type) return v;
    wp_rules_type_error(c, v, type_name);
    return NULL;
}

const wp_jval *wp_rules_object(wp_rules_ctx *c, const wp_jval *v) { return typed(c, v, WP_JOBJECT, "object"); }
const wp_jval *wp_rules_array(wp_rules_ctx *c, const wp_jval *v) { return typed(c, v, WP_JARRAY, "array"); }
const wp_jval *wp_rules_string(wp_rules_ctx *c, const wp_jval *v) { return typed(c, v, WP_JSTRING, "string"); }

const wp_jval *wp_rules_required_string(wp_rules_ctx *c, const wp_jval *v, bool allow_empty)
{
    if (wp_jval_is_null(v) || (wp_jval_is_string(v) && v->n == 0 && !allow_empty)) {
        wp_rules_required(c);
        return NULL;
    }
    return wp_rules_string(c, v);
}

bool wp_rules_integer(wp_rules_ctx *c, const wp_jval *v, long long *out)
{
    if (wp_jval_is_null(v)) return false;
    if (wp_jval_is_integer(v)) {
        *out = v->u.i;
        return true;
    }
    /* 3.0 is an integer to Kubernetes' schema validation; 3.5 is not. The
     * bounds keep the conversion defined. */
    if (v->type == WP_JNUMBER && v->u.d == floor(v->u.d) && v->u.d >= -9.2e18 && v->u.d <= 9.2e18) {
        *out = (long long)v->u.d;
        return true;
    }
    wp_rules_type_error(c, v, "integer");
    return false;
}

void wp_rules_check_range(wp_rules_ctx *c, long long v, long long min, long long max)
{
    if (v < min)
        wp_rules_report(c, WP_CAUSE_INVALID, "Invalid value: %lld: must be greater than or equal to %lld", v, min);
    else if (v > max)
        wp_rules_report(c, WP_CAUSE_INVALID, "Invalid value: %lld: must be less than or equal to %lld", v, max);
}

bool wp_rules_check_name(wp_rules_ctx *c, const char *s, size_t len, wp_rules_name_fn fn)
{
    wp_name_problems problems;
    if (!fn(s, len, &problems)) return true;
    for (size_t i = 0; i < problems.n; i++) wp_rules_invalid_bytes(c, s, len, problems.msgs[i]);
    return false;
}

bool wp_rules_check_name_str(wp_rules_ctx *c, const wp_jval *s, wp_rules_name_fn fn)
{
    return wp_rules_check_name(c, s->u.str, s->n, fn);
}

void wp_rules_check_entries(wp_rules_ctx *c, const wp_jval *list, const bool *dup, wp_rules_entry_fn check)
{
    for (size_t i = 0; i < wp_jval_size(list); i++) {
        const wp_jval *item = &list->u.items[i];
        wp_path_push_index(&c->path, i);
        const wp_jval *entry = wp_rules_object(c, item);
        if (entry || item->type == WP_JNULL) check(c, entry, dup && dup[i]);
        wp_path_pop(&c->path);
    }
}

void wp_rules_check_object_ref(wp_rules_ctx *c, const wp_jval *parent, const char *field)
{
    const wp_jval *raw = wp_rules_enter(c, parent, field);
    const wp_jval *ref = wp_rules_object(c, raw);
    if (ref || !wp_rules_is_set(raw)) {
        const wp_jval *name = wp_rules_required_string(c, wp_rules_enter(c, ref, "name"), false);
        if (name) wp_rules_check_name_str(c, name, wp_name_dns1123_subdomain);
        wp_rules_leave(c);
    }
    wp_rules_leave(c);
}

void wp_rules_each_member(wp_rules_ctx *c, const wp_jval *obj, wp_rules_member_fn fn, void *arg)
{
    size_t n = wp_jval_size(obj);
    /* Keys are entered last-first, so "repeats an earlier key" means
     * "is overridden by a later member". */
    wp_rules_dupset d;
    wp_rules_dupset_init(&d, n);
    for (size_t i = 0; i < n; i++)
        wp_rules_dupset_set(&d, n - 1 - i, obj->u.members[i].key, obj->u.members[i].key_len, NULL, 0);
    wp_rules_dupset_compute(&d);
    for (size_t i = 0; i < n; i++) {
        if (d.dup[n - 1 - i]) continue;
        wp_path_push_key(&c->path, obj->u.members[i].key);
        fn(c, &obj->u.members[i], arg);
        wp_path_pop(&c->path);
    }
    wp_rules_dupset_free(&d);
}

static bool enum_contains(const char *const *supported, const char *s, size_t len)
{
    for (; *supported; supported++)
        if (strlen(*supported) == len && memcmp(*supported, s, len) == 0) return true;
    return false;
}

void wp_rules_check_enum(wp_rules_ctx *c, const wp_jval *v, const char *const *supported)
{
    v = wp_rules_string(c, v);
    if (!v || enum_contains(supported, v->u.str, v->n)) return;
    wp_sb list = WP_SB_INIT;
    for (const char *const *s = supported; *s; s++) wp_sb_printf(&list, "%s\"%s\"", s == supported ? "" : ", ", *s);
    char *shown = show_value(v);
    wp_rules_report(c, WP_CAUSE_NOT_SUPPORTED, "Unsupported value: %s: supported values: %s", shown, list.s);
    free(shown);
    wp_sb_free(&list);
}

/* ---- duplicate detection ----------------------------------------------- */

void wp_rules_dupset_init(wp_rules_dupset *d, size_t n)
{
    d->n = n;
    d->n_keys = 0;
    d->keys = d->inline_keys;
    d->cap_keys = WP_RULES_DUPSET_INLINE;
    d->dup = n <= WP_RULES_DUPSET_INLINE ? d->inline_dup : wp_xalloc_check(malloc(n * sizeof *d->dup));
    memset(d->dup, 0, n * sizeof *d->dup);
}

void wp_rules_dupset_set(wp_rules_dupset *d, size_t i, const char *a, size_t a_len, const char *b,
                         size_t b_len)
{
    if (d->n_keys == d->cap_keys) {
        size_t cap = d->cap_keys * 2;
        wp_rules_key *keys = d->keys == d->inline_keys ? NULL : d->keys;
        keys = wp_xalloc_check(realloc(keys, cap * sizeof *keys));
        if (d->keys == d->inline_keys) memcpy(keys, d->inline_keys, sizeof d->inline_keys);
        d->keys = keys;
        d->cap_keys = cap;
    }
    d->keys[d->n_keys++] = (wp_rules_key){
        .a = a, .a_len = (uint32_t)a_len, .b = b ? b : "", .b_len = b ? (uint32_t)b_len : 0, .index = i};
}

static int compare_bytes(const char *x, size_t xl, const char *y, size_t yl)
{
    int r = memcmp(x, y, xl < yl ? xl : yl);
    if (r) return r;
    return xl < yl ? -1 : xl > yl;
}

static int compare_keys(const wp_rules_key *x, const wp_rules_key *y)
{
    int r = compare_bytes(x->a, x->a_len, y->a, y->a_len);
    return r ? r : compare_bytes(x->b, x->b_len, y->b, y->b_len);
}

/* Orders by key, then by index so the first occurrence leads each run. */
static int compare_keys_then_index(const void *xp, const void *yp)
{
    const wp_rules_key *x = xp, *y = yp;
    int r = compare_keys(x, y);
    if (r) return r;
    return x->index < y->index ? -1 : x->index > y->index;
}

void wp_rules_dupset_compute(wp_rules_dupset *d)
{
    if (d->n_keys <= WP_RULES_DUPSET_INLINE) {
        for (size_t i = 0; i < d->n_keys; i++)
            for (size_t j = 0; j < d->n_keys && !d->dup[d->keys[i].index]; j++)
                d->dup[d->keys[i].index] =
                    d->keys[j].index < d->keys[i].index && compare_keys(&d->keys[i], &d->keys[j]) == 0;
        return;
    }
    /* Sort the keys (the array is ours to reorder: key->index remembers
     * where each came from). */
    qsort(d->keys, d->n_keys, sizeof *d->keys, compare_keys_then_index);
    for (size_t i = 1; i < d->n_keys; i++)
        if (compare_keys(&d->keys[i], &d->keys[i - 1]) == 0) d->dup[d->keys[i].index] = true;
}

void wp_rules_dupset_free(wp_rules_dupset *d)
{
    if (d->keys != d->inline_keys) free(d->keys);
    if (d->dup != d->inline_dup) free(d->dup);
    d->keys = NULL;
    d->dup = NULL;
    d->n = d->n_keys = d->cap_keys = 0;
}
