/* In-place JSON parser into an arena. See jdoc.h for why it exists. */
#include "common/jdoc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/verdict.h"

/* --- arena ---------------------------------------------------------------- */

typedef struct arena_block {
    struct arena_block *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
} arena_block;

struct wp_jdoc {
    arena_block *blocks;
    wp_jval root;
};

static void *arena_alloc(wp_jdoc *doc, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    arena_block *b = doc->blocks;
    if (!b || b->size - b->used < n) {
        size_t size = n > 16384 ? n : 16384;
        arena_block *nb = wp_xalloc_check(malloc(sizeof *nb + size));
        nb->next = b;
        nb->used = 0;
        nb->size = size;
        doc->blocks = b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

void wp_jdoc_free(wp_jdoc *doc)
{
    if (!doc) return;
    for (arena_block *b = doc->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(doc);
}

const wp_jval *wp_jdoc_root(const wp_jdoc *doc) { return &doc->root; }

/* --- parser --------------------------------------------------------------- */

typedef struct {
    char *buf;
    const char *end;
    char *cur;
    wp_jdoc *doc;
    /* Children of the containers being parsed, LIFO: a container copies its
     * slice into the arena when it closes. */
    wp_jval *vals;
    size_t n_vals, cap_vals;
    wp_jmember *mems;
    size_t n_mems, cap_mems;
    wp_jdoc_error *err;
    bool failed;
} parser;

static wp_jval fail(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static wp_jval fail(parser *p, const char *fmt, ...)
{
    if (!p->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err->message, sizeof p->err->message, fmt, ap);
        va_end(ap);
        p->err->offset = (size_t)(p->cur - p->buf);
        p->failed = true;
    }
    return (wp_jval){.type = WP_JNULL};
}

static inline void skip_ws(parser *p)
{
    while (p->cur < p->end && (*p->cur == ' ' || *p->cur == '\n' || *p->cur == '\r' || *p->cur == '\t'))
        p->cur++;
}

static void push_val(parser *p, wp_jval v)
{
    if (p->n_vals == p->cap_vals) {
        p->cap_vals = p->cap_vals ? p->cap_vals * 2 : 64;
        p->vals = wp_xalloc_check(realloc(p->vals, p->cap_vals * sizeof *p->vals));
    }
    p->vals[p->n_vals++] = v;
}

static void push_mem(parser *p, wp_jmember m)
{
    if (p->n_mems == p->cap_mems) {
        p->cap_mems = p->cap_mems ? p->cap_mems * 2 : 64;
        p->mems = wp_xalloc_check(realloc(p->mems, p->cap_mems * sizeof *p->mems));
    }
    p->mems[p->n_mems++] = m;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool read_u16(parser *p, const char *at, unsigned *out)
{
    if (p->end - at < 4) return false;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(at[i]);
        if (d < 0) return false;
        v = v * 16 + (unsigned)d;
    }
    *out = v;
    return true;
}

static char *put_utf8(char *w, unsigned cp)
{
    if (cp < 0x80) { *w++ = (char)cp; }
    else if (cp < 0x800) { *w++ = (char)(0xC0 | (cp >> 6)); *w++ = (char)(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) {
        *w++ = (char)(0xE0 | (cp >> 12));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *w++ = (char)(0xF0 | (cp >> 18));
        *w++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    }
    return w;
}

/* Length of the valid UTF-8 sequence at s (lead byte >= 0x80), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, const unsigned char *end)
{
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) n = 2;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        n = 3;
        if (s[0] == 0xE0) lo = 0xA0;      /* no overlongs */
        if (s[0] == 0xED) hi = 0x9F;      /* no surrogates */
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        n = 4;
        if (s[0] == 0xF0) lo = 0x90;
        if (s[0] == 0xF4) hi = 0x8F;      /* <= U+10FFFF */
    } else return 0;
    if ((size_t)(end - s) < n) return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < n; i++) if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return n;
}

/* A "\u" escape at p->cur (pointing at the backslash). Writes UTF-8 at *w.
 * Lone surrogates become U+FFFD, as Go's decoder does. */
static bool unescape_u(parser *p, char **w)
{
    unsigned cp;
    if (!read_u16(p, p->cur + 2, &cp)) return false;
    p->cur += 6;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        unsigned lo;
        if (p->end - p->cur >= 6 && p->cur[0] == '\\' && p->cur[1] == 'u' && read_u16(p, p->cur + 2, &lo) &&
            lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p->cur += 6;
        } else {
            cp = 0xFFFD;
        }
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        cp = 0xFFFD;
    }
    *w = put_utf8(*w, cp);
    return true;
}

/* Parses a string whose opening quote is at p->cur; unescapes it in place.
 * Returns its start (NUL-terminated) and sets *len. */
static char *parse_string_raw(parser *p, uint32_t *len)
{
    char *start = ++p->cur;
    char *w = start;
    for (;;) {
        if (p->cur >= p->end) { fail(p, "unterminated string"); return NULL; }
        unsigned char c = (unsigned char)*p->cur;
        if (c == '"') break;
        if (c < 0x20) { fail(p, "control character in string"); return NULL; }
        if (c == '\\') {
            if (p->end - p->cur < 2) { fail(p, "unterminated string"); return NULL; }
            char e = p->cur[1], out;
            switch (e) {
            case '"': out = '"'; break;
            case '\\': out = '\\'; break;
            case '/': out = '/'; break;
            case 'b': out = '\b'; break;
            case 'f': out = '\f'; break;
            case 'n': out = '\n'; break;
            case 'r': out = '\r'; break;
            case 't': out = '\t'; break;
            case 'u':
                if (!unescape_u(p, &w)) { fail(p, "invalid \\u escape"); return NULL; }
                continue;
            default: fail(p, "invalid escape in string"); return NULL;
            }
            *w++ = out;
            p->cur += 2;
            continue;
        }
        size_t n = 1;
        if (c >= 0x80 && (n = utf8_len((const unsigned char *)p->cur, (const unsigned char *)p->end)) == 0) {
            fail(p, "invalid UTF-8 in string");
            return NULL;
        }
        if (w != p->cur) memmove(w, p->cur, n);
        w += n;
        p->cur += n;
    }
    size_t n = (size_t)(w - start);
    if (n > UINT32_MAX) { fail(p, "string too long"); return NULL; }
    *w = '\0'; /* w <= the closing quote, which is consumed below */
    p->cur++;
    *len = (uint32_t)n;
    return start;
}

static wp_jval parse_number(parser *p)
{
    const char *s = p->cur;
    const char *q = s;
    bool neg = false, integral = true;
    if (q < p->end && *q == '-') { neg = true; q++; }
    if (q >= p->end || !(*q >= '0' && *q <= '9')) return fail(p, "invalid number");
    if (*q == '0') q++;
    else while (q < p->end && *q >= '0' && *q <= '9') q++;
    if (q < p->end && *q == '.') {
        integral = false;
        q++;
        if (q >= p->end || !(*q >= '0' && *q <= '9')) return fail(p, "invalid number");
        while (q < p->end && *q >= '0' && *q <= '9') q++;
    }
    if (q < p->end && (*q == 'e' || *q == 'E')) {
        integral = false;
        q++;
        if (q < p->end && (*q == '+' || *q == '-')) q++;
        if (q >= p->end || !(*q >= '0' && *q <= '9')) return fail(p, "invalid number");
        while (q < p->end && *q >= '0' && *q <= '9') q++;
    }
    p->cur = (char *)q;
    wp_jval v = {.type = WP_JNUMBER};
    if (integral) {
        uint64_t acc = 0;
        bool overflow = false;
        for (const char *d = s + neg; d < q; d++) {
            unsigned digit = (unsigned)(*d - '0');
            if (acc > (UINT64_MAX - digit) / 10) { overflow = true; break; }
            acc = acc * 10 + digit;
        }
        uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        if (!overflow && acc <= limit) {
            v.is_int = 1;
            v.u.i = neg ? (int64_t)(0 - acc) : (int64_t)acc;
            return v;
        }
    }
    /* strtod needs a terminated copy; numbers are short, but be safe. */
    size_t n = (size_t)(q - s);
    char small[64];
    char *copy = n < sizeof small ? small : wp_xalloc_check(malloc(n + 1));
    memcpy(copy, s, n);
    copy[n] = '\0';
    v.u.d = strtod(copy, NULL);
    if (copy != small) free(copy);
    if (isinf(v.u.d)) return fail(p, "number out of range"); /* Go's decoder refuses it too */
    return v;
}

static bool literal(parser *p, const char *word, size_t n)
{
    if ((size_t)(p->end - p->cur) < n || memcmp(p->cur, word, n) != 0) return false;
    p->cur += n;
    return true;
}

static wp_jval parse_value(parser *p, int depth);

static wp_jval parse_array(parser *p, int depth)
{
    size_t base = p->n_vals;
    p->cur++;
    skip_ws(p);
    if (p->cur < p->end && *p->cur == ']') {
        p->cur++;
    } else {
        for (;;) {
            wp_jval item = parse_value(p, depth + 1);
            if (p->failed) return item;
            push_val(p, item);
            skip_ws(p);
            if (p->cur < p->end && *p->cur == ',') { p->cur++; continue; }
            if (p->cur < p->end && *p->cur == ']') { p->cur++; break; }
            return fail(p, "expected ',' or ']' in array");
        }
    }
    size_t n = p->n_vals - base;
    if (n > UINT32_MAX) return fail(p, "array too large");
    wp_jval v = {.type = WP_JARRAY, .n = (uint32_t)n};
    if (n) {
        wp_jval *items = arena_alloc(p->doc, n * sizeof *items);
        memcpy(items, p->vals + base, n * sizeof *items);
        v.u.items = items;
    }
    p->n_vals = base;
    return v;
}

static wp_jval parse_object(parser *p, int depth)
{
    size_t base = p->n_mems;
    p->cur++;
    skip_ws(p);
    if (p->cur < p->end && *p->cur == '}') {
        p->cur++;
    } else {
        for (;;) {
            skip_ws(p);
            if (p->cur >= p->end || *p->cur != '"') return fail(p, "expected a string key in object");
            wp_jmember m;
            m.key = parse_string_raw(p, &m.key_len);
            if (p->failed) return m.value;
            skip_ws(p);
            if (p->cur >= p->end || *p->cur != ':') return fail(p, "expected ':' after object key");
            p->cur++;
            m.value = parse_value(p, depth + 1);
            if (p->failed) return m.value;
            push_mem(p, m);
            skip_ws(p);
            if (p->cur < p->end && *p->cur == ',') { p->cur++; continue; }
            if (p->cur < p->end && *p->cur == '}') { p->cur++; break; }
            return fail(p, "expected ',' or '}' in object");
        }
    }
    size_t n = p->n_mems - base;
    if (n > UINT32_MAX) return fail(p, "object too large");
    wp_jval v = {.type = WP_JOBJECT, .n = (uint32_t)n};
    if (n) {
        wp_jmember *mems = arena_alloc(p->doc, n * sizeof *mems);
        memcpy(mems, p->mems + base, n * sizeof *mems);
        v.u.members = mems;
    }
    p->n_mems = base;
    return v;
}

static wp_jval parse_value(parser *p, int depth)
{
    if (depth > WP_JDOC_MAX_DEPTH) return fail(p, "nesting deeper than %d levels", WP_JDOC_MAX_DEPTH);
    skip_ws(p);
    if (p->cur >= p->end) return fail(p, "unexpected end of input");
    switch (*p->cur) {
    case '{': return parse_object(p, depth);
    case '[': return parse_array(p, depth);
    case '"': {
        wp_jval v = {.type = WP_JSTRING};
        v.u.str = parse_string_raw(p, &v.n);
        return v;
    }
    case 't': if (literal(p, "true", 4)) return (wp_jval){.type = WP_JTRUE}; break;
    case 'f': if (literal(p, "false", 5)) return (wp_jval){.type = WP_JFALSE}; break;
    case 'n': if (literal(p, "null", 4)) return (wp_jval){.type = WP_JNULL}; break;
    default:
        if (*p->cur == '-' || (*p->cur >= '0' && *p->cur <= '9')) return parse_number(p);
    }
    return fail(p, "invalid character '%c'", (*p->cur >= 0x20 && *p->cur < 0x7f) ? *p->cur : '?');
}

/* Parses buf in place into doc's arena; frees doc on failure. */
static wp_jdoc *parse_into(wp_jdoc *doc, char *buf, size_t len, wp_jdoc_error *err)
{
    wp_jdoc_error scratch;
    if (!err) err = &scratch;
    parser p = {.buf = buf, .end = buf + len, .cur = buf, .doc = doc, .err = err};
    doc->root = parse_value(&p, 0);
    if (!p.failed) {
        skip_ws(&p);
        if (p.cur != p.end) fail(&p, "unexpected data after the top-level value");
    }
    free(p.vals);
    free(p.mems);
    if (p.failed) {
        wp_jdoc_free(doc);
        return NULL;
    }
    return doc;
}

wp_jdoc *wp_jdoc_parse_insitu(char *buf, size_t len, wp_jdoc_error *err)
{
    return parse_into(wp_xalloc_check(calloc(1, sizeof(wp_jdoc))), buf, len, err);
}

wp_jdoc *wp_jdoc_parse(const char *buf, size_t len, wp_jdoc_error *err)
{
    /* The private copy lives in the arena, so it dies with the document. */
    wp_jdoc *doc = wp_xalloc_check(calloc(1, sizeof *doc));
    char *copy = arena_alloc(doc, len + 1);
    memcpy(copy, buf, len);
    return parse_into(doc, copy, len, err);
}

/* --- conversion from jansson ------------------------------------------------ */

static const char *arena_strdup(wp_jdoc *doc, const char *s, size_t n)
{
    char *copy = arena_alloc(doc, n + 1);
    memcpy(copy, s, n);
    copy[n] = '\0';
    return copy;
}

static wp_jval convert(wp_jdoc *doc, const json_t *j)
{
    wp_jval v = {.type = WP_JNULL};
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        v.type = WP_JOBJECT;
        v.n = (uint32_t)json_object_size(j);
        wp_jmember *mems = v.n ? arena_alloc(doc, v.n * sizeof *mems) : NULL;
        const char *key;
        json_t *value;
        size_t i = 0;
        json_object_foreach((json_t *)j, key, value) {
            size_t klen = strlen(key);
            mems[i].key = arena_strdup(doc, key, klen);
            mems[i].key_len = (uint32_t)klen;
            mems[i].value = convert(doc, value);
            i++;
        }
        v.u.members = mems;
        break;
    }
    case JSON_ARRAY: {
        v.type = WP_JARRAY;
        v.n = (uint32_t)json_array_size(j);
        wp_jval *items = v.n ? arena_alloc(doc, v.n * sizeof *items) : NULL;
        for (size_t i = 0; i < v.n; i++) items[i] = convert(doc, json_array_get(j, i));
        v.u.items = items;
        break;
    }
    case JSON_STRING:
        v.type = WP_JSTRING;
        v.n = (uint32_t)json_string_length(j);
        v.u.str = arena_strdup(doc, json_string_value(j), v.n);
        break;
    case JSON_INTEGER:
        v.type = WP_JNUMBER;
        v.is_int = 1;
        v.u.i = json_integer_value(j);
        break;
    case JSON_REAL:
        v.type = WP_JNUMBER;
        v.u.d = json_real_value(j);
        break;
    case JSON_TRUE: v.type = WP_JTRUE; break;
    case JSON_FALSE: v.type = WP_JFALSE; break;
    case JSON_NULL: break;
    }
    return v;
}

wp_jdoc *wp_jdoc_from_json(const json_t *value)
{
    wp_jdoc *doc = wp_xalloc_check(calloc(1, sizeof *doc));
    if (value) doc->root = convert(doc, value);
    return doc;
}

/* --- reading ------------------------------------------------------------------ */

const wp_jval *wp_jval_get(const wp_jval *v, const char *key)
{
    if (!v || v->type != WP_JOBJECT) return NULL;
    size_t klen = strlen(key);
    /* From the end: with duplicate keys the last one wins, as in Go. */
    for (size_t i = v->n; i-- > 0;) {
        const wp_jmember *m = &v->u.members[i];
        if (m->key_len == klen && memcmp(m->key, key, klen) == 0) return &m->value;
    }
    return NULL;
}

const wp_jval *wp_jval_path(const wp_jval *v, ...)
{
    va_list ap;
    va_start(ap, v);
    for (const char *k = va_arg(ap, const char *); k && v; k = va_arg(ap, const char *))
        v = wp_jval_get(v, k);
    va_end(ap);
    return v;
}

const wp_jval *wp_jval_at(const wp_jval *v, size_t i)
{
    if (!v || v->type != WP_JARRAY || i >= v->n) return NULL;
    return &v->u.items[i];
}

bool wp_jval_str_eq(const wp_jval *v, const char *s)
{
    if (!wp_jval_is_string(v)) return false;
    size_t n = strlen(s);
    return v->n == n && memcmp(v->u.str, s, n) == 0;
}

const char *wp_jtype_name(const wp_jval *v)
{
    if (!v) return "null";
    switch ((wp_jtype)v->type) {
    case WP_JNULL: return "null";
    case WP_JFALSE:
    case WP_JTRUE: return "boolean";
    case WP_JNUMBER: return v->is_int ? "integer" : "number";
    case WP_JSTRING: return "string";
    case WP_JARRAY: return "array";
    case WP_JOBJECT: return "object";
    }
    return "unknown";
}

/* An object's members sorted by key, with only the last of duplicate keys
 * kept (the one Go's decoder keeps). Sorting keeps comparison O(n log n)
 * even for a hostile object with many keys. Caller frees the array. */
static int member_cmp(const void *x, const void *y)
{
    const wp_jmember *a = *(const wp_jmember *const *)x, *b = *(const wp_jmember *const *)y;
    size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
    int c = memcmp(a->key, b->key, n);
    if (c) return c;
    if (a->key_len != b->key_len) return a->key_len < b->key_len ? -1 : 1;
    return a < b ? -1 : (a > b); /* document order: the last duplicate sorts last */
}

static const wp_jmember **effective_members(const wp_jval *obj, size_t *count)
{
    const wp_jmember **sorted = wp_xalloc_check(malloc((obj->n ? obj->n : 1) * sizeof *sorted));
    for (size_t i = 0; i < obj->n; i++) sorted[i] = &obj->u.members[i];
    qsort(sorted, obj->n, sizeof *sorted, member_cmp);
    size_t kept = 0;
    for (size_t i = 0; i < obj->n; i++) {
        bool superseded = i + 1 < obj->n && sorted[i + 1]->key_len == sorted[i]->key_len &&
                          memcmp(sorted[i + 1]->key, sorted[i]->key, sorted[i]->key_len) == 0;
        if (!superseded) sorted[kept++] = sorted[i];
    }
    *count = kept;
    return sorted;
}

static bool objects_equal(const wp_jval *a, const wp_jval *b)
{
    size_t na, nb;
    const wp_jmember **ma = effective_members(a, &na), **mb = effective_members(b, &nb);
    bool equal = na == nb;
    for (size_t i = 0; equal && i < na; i++) {
        equal = ma[i]->key_len == mb[i]->key_len && memcmp(ma[i]->key, mb[i]->key, ma[i]->key_len) == 0 &&
                wp_jval_equal(&ma[i]->value, &mb[i]->value);
    }
    free(ma);
    free(mb);
    return equal;
}

bool wp_jval_equal(const wp_jval *a, const wp_jval *b)
{
    if (!a || !b) return a == b;
    if (a->type != b->type) return false;
    switch ((wp_jtype)a->type) {
    case WP_JNULL:
    case WP_JTRUE:
    case WP_JFALSE: return true;
    case WP_JNUMBER:
        if (a->is_int && b->is_int) return a->u.i == b->u.i;
        return (a->is_int ? (double)a->u.i : a->u.d) == (b->is_int ? (double)b->u.i : b->u.d);
    case WP_JSTRING: return a->n == b->n && memcmp(a->u.str, b->u.str, a->n) == 0;
    case WP_JARRAY:
        if (a->n != b->n) return false;
        for (size_t i = 0; i < a->n; i++)
            if (!wp_jval_equal(&a->u.items[i], &b->u.items[i])) return false;
        return true;
    case WP_JOBJECT: return objects_equal(a, b);
    }
    return false;
}

/* The shortest form that reads back as the same double (as Go writes it). */
typedef struct { char s[32]; } double_text;
static double_text shortest_double(double d)
{
    double_text t;
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(t.s, sizeof t.s, "%.*g", prec, d);
        if (strtod(t.s, NULL) == d) break;
    }
    return t;
}

static void dump(wp_sb *b, const wp_jval *v)
{
    switch ((wp_jtype)v->type) {
    case WP_JNULL: wp_sb_puts(b, "null"); break;
    case WP_JTRUE: wp_sb_puts(b, "true"); break;
    case WP_JFALSE: wp_sb_puts(b, "false"); break;
    case WP_JNUMBER:
        if (v->is_int) wp_sb_printf(b, "%lld", (long long)v->u.i);
        else wp_sb_printf(b, "%s", shortest_double(v->u.d).s);
        break;
    case WP_JSTRING: wp_sb_json_string(b, v->u.str, v->n); break;
    case WP_JARRAY:
        wp_sb_putc(b, '[');
        for (size_t i = 0; i < v->n; i++) {
            if (i) wp_sb_putc(b, ',');
            dump(b, &v->u.items[i]);
        }
        wp_sb_putc(b, ']');
        break;
    case WP_JOBJECT:
        wp_sb_putc(b, '{');
        for (size_t i = 0; i < v->n; i++) {
            if (i) wp_sb_putc(b, ',');
            wp_sb_json_string(b, v->u.members[i].key, v->u.members[i].key_len);
            wp_sb_putc(b, ':');
            dump(b, &v->u.members[i].value);
        }
        wp_sb_putc(b, '}');
        break;
    }
}

char *wp_jval_dump(const wp_jval *v, size_t *len)
{
    wp_sb b = WP_SB_INIT;
    if (v) dump(&b, v);
    else wp_sb_puts(&b, "null");
    if (len) *len = b.len;
    return wp_sb_finish(&b);
}
