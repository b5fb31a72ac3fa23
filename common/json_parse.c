/* The JSON reader. See json_parse.h. */
#include "common/json_parse.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "common/verdict.h"

typedef struct {
    const unsigned char *p, *start, *end;
    const char *const *const *skip;
    size_t n_skip;
    wp_json_error *err;
    char *scratch; /* decoded strings that held escapes */
    size_t scratch_len, scratch_cap;
} parser;

static bool fail(parser *ps, const unsigned char *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static bool fail(parser *ps, const unsigned char *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err->message, sizeof ps->err->message, fmt, ap);
    va_end(ap);
    ps->err->position = (size_t)(at - ps->start);
    return false;
}

static bool unexpected(parser *ps)
{
    if (ps->p >= ps->end) return fail(ps, ps->p, "unexpected end of input");
    unsigned char c = *ps->p;
    if (c > 0x20 && c < 0x7f) return fail(ps, ps->p, "unexpected character '%c'", c);
    return fail(ps, ps->p, "unexpected byte 0x%02x", c);
}

static void skip_space(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t')) ps->p++;
}

/* --- Strings ----------------------------------------------------------- */

static void scratch_put(parser *ps, const void *s, size_t n)
{
    if (n == 0) return;
    if (ps->scratch_len + n > ps->scratch_cap) {
        size_t cap = ps->scratch_cap ? ps->scratch_cap : 256;
        while (cap < ps->scratch_len + n) cap *= 2;
        ps->scratch = wp_xalloc_check(realloc(ps->scratch, cap));
        ps->scratch_cap = cap;
    }
    memcpy(ps->scratch + ps->scratch_len, s, n);
    ps->scratch_len += n;
}

static void scratch_put_code_point(parser *ps, uint32_t cp)
{
    unsigned char u[4];
    size_t n;
    if (cp < 0x80) { u[0] = (unsigned char)cp; n = 1; }
    else if (cp < 0x800) { u[0] = (unsigned char)(0xC0 | cp >> 6); u[1] = (unsigned char)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) {
        u[0] = (unsigned char)(0xE0 | cp >> 12);
        u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (unsigned char)(0xF0 | cp >> 18);
        u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    scratch_put(ps, u, n);
}

/* Four hex digits at p (which has at least 4 bytes), or -1. */
static int32_t hex4(const unsigned char *p)
{
    int32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        v = v << 4 | d;
    }
    return v;
}

/* A \uXXXX escape (a surrogate pair takes two) at ps->p, which points at
 * the 'u'. */
static bool unicode_escape(parser *ps)
{
    const unsigned char *at = ps->p - 1;
    int32_t cp = ps->end - ps->p >= 5 ? hex4(ps->p + 1) : -1;
    if (cp < 0) return fail(ps, at, "invalid \\u escape");
    ps->p += 5;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(ps, at, "invalid \\u escape: lone surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        int32_t lo = ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u' ? hex4(ps->p + 2) : -1;
        if (lo < 0xDC00 || lo > 0xDFFF) return fail(ps, at, "invalid \\u escape: lone surrogate");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        ps->p += 6;
    }
    /* C strings end at NUL; a key or value cut short there would mean one
     * thing here and another to the apiserver. */
    if (cp == 0) return fail(ps, at, "\\u0000 is not allowed");
    scratch_put_code_point(ps, (uint32_t)cp);
    return true;
}

static bool escape(parser *ps)
{
    static const char SIMPLE_IN[] = "\"\\/bfnrt", SIMPLE_OUT[] = "\"\\/\b\f\n\r\t";
    const unsigned char *at = ps->p;
    if (++ps->p >= ps->end) return fail(ps, at, "unterminated string");
    if (*ps->p == 'u') return unicode_escape(ps);
    const char *k = *ps->p ? strchr(SIMPLE_IN, *ps->p) : NULL;
    if (!k) return fail(ps, at, "invalid escape");
    scratch_put(ps, &SIMPLE_OUT[k - SIMPLE_IN], 1);
    ps->p++;
    return true;
}

/* Bytes that end a run of plain string bytes (plain8, one at a time). */
static const bool ENDS_PLAIN_RUN[256] = {
    [0x00 ... 0x1f] = true, ['"'] = true, ['\\'] = true, [0x80 ... 0xff] = true,
};

/* True when none of the 8 bytes at p ends a plain run: no '"', no '\\', no
 * control character, nothing above ASCII. Strings are mostly such bytes,
 * so checking eight at a time (SWAR) is where the reader saves most. */
static bool plain8(const unsigned char *p)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
    uint64_t x;
    memcpy(&x, p, 8);
    uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\');
    uint64_t flags = ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) | ((x - ones * 0x20) & ~x) | x;
    return (flags & highs) == 0;
}

/* Reads the string whose opening quote is at ps->p. *s points into the
 * input when the string has no escapes, else into the scratch buffer (valid
 * until the next string); *in_scratch says which. */
static bool parse_string(parser *ps, const char **s, size_t *n, bool *in_scratch)
{
    const unsigned char *open = ps->p++;
    const unsigned char *run = ps->p;
    bool escaped = false;
    ps->scratch_len = 0;
    while (ps->p < ps->end) {
        while (ps->end - ps->p >= 8 && plain8(ps->p)) ps->p += 8;
        while (ps->p < ps->end && !ENDS_PLAIN_RUN[*ps->p]) ps->p++;
        if (ps->p >= ps->end) break;
        unsigned char c = *ps->p;
        if (c == '"') {
            if (escaped) scratch_put(ps, run, (size_t)(ps->p - run));
            *s = escaped ? ps->scratch : (const char *)run;
            *n = escaped ? ps->scratch_len : (size_t)(ps->p - run);
            *in_scratch = escaped;
            ps->p++;
            return true;
        }
        if (c == '\\') {
            scratch_put(ps, run, (size_t)(ps->p - run));
            escaped = true;
            if (!escape(ps)) return false;
            run = ps->p;
        } else if (c < 0x20) {
            return fail(ps, ps->p, "control character in string");
        } else if (c < 0x80) {
            ps->p++;
        } else {
            size_t k = wp_utf8_sequence(ps->p, (size_t)(ps->end - ps->p));
            if (!k) return fail(ps, ps->p, "invalid UTF-8");
            ps->p += k;
        }
    }
    return fail(ps, open, "unterminated string");
}

/* --- Numbers and literals ---------------------------------------------- */

/* Skips digits, accumulating up to 18 of them in *value (more could
 * overflow; the caller then converts the text instead). */
static size_t skip_digits(parser *ps, long long *value)
{
    const unsigned char *from = ps->p;
    long long v = 0;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
        if (ps->p - from < 18) v = v * 10 + (*ps->p - '0');
        ps->p++;
    }
    if (value) *value = v;
    return (size_t)(ps->p - from);
}

/* Converts number text the slow way: big integers and reals. */
static bool convert_number(parser *ps, const unsigned char *from, bool integer, json_t **out)
{
    size_t n = (size_t)(ps->p - from);
    char small[64];
    char *text = n < sizeof small ? small : wp_xalloc_check(malloc(n + 1));
    memcpy(text, from, n);
    text[n] = '\0';
    bool ok = true;
    errno = 0;
    long long v = integer ? strtoll(text, NULL, 10) : 0;
    if (integer && errno == 0) {
        *out = json_integer(v);
    } else {
        /* Not an integer, or too big for one: a real, as Go reads it. */
        double d = strtod(text, NULL);
        if (isinf(d)) ok = fail(ps, from, "number out of range");
        else *out = json_real(d);
    }
    if (text != small) free(text);
    return ok;
}

static bool parse_number(parser *ps, json_t **out)
{
    const unsigned char *from = ps->p;
    bool negative = *ps->p == '-', integer = true;
    long long value = 0;
    size_t digits = 1;
    if (negative) ps->p++;
    if (ps->p < ps->end && *ps->p == '0') ps->p++;
    else if ((digits = skip_digits(ps, &value)) == 0) return unexpected(ps);
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (skip_digits(ps, NULL) == 0) return unexpected(ps);
        integer = false;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) ps->p++;
        if (skip_digits(ps, NULL) == 0) return unexpected(ps);
        integer = false;
    }
    if (!out) return true;
    if (integer && digits <= 18) {
        *out = json_integer(negative ? -value : value);
        return true;
    }
    return convert_number(ps, from, integer, out);
}

static bool parse_literal(parser *ps, json_t **out)
{
    static const struct {
        const char *text;
        size_t len;
    } LITERALS[] = {{"true", 4}, {"false", 5}, {"null", 4}};
    for (size_t i = 0; i < 3; i++) {
        if ((size_t)(ps->end - ps->p) >= LITERALS[i].len && memcmp(ps->p, LITERALS[i].text, LITERALS[i].len) == 0) {
            ps->p += LITERALS[i].len;
            if (out) *out = i == 0 ? json_true() : i == 1 ? json_false() : json_null();
            return true;
        }
    }
    if (*ps->p >= 'a' && *ps->p <= 'z') return fail(ps, ps->p, "invalid literal (expected true, false or null)");
    return unexpected(ps);
}

/* --- Containers -------------------------------------------------------- */

static bool parse_value(parser *ps, size_t depth, uint32_t skip_mask, json_t **out);

/* Which skip paths still match after `key` at `depth`; *skip_value when one
 * ends here. */
static uint32_t follow_skip_paths(const parser *ps, uint32_t mask, size_t depth, const char *key, size_t n,
                                  bool *skip_value)
{
    uint32_t next = 0;
    for (size_t i = 0; mask && i < ps->n_skip; i++) {
        if (!(mask & (UINT32_C(1) << i))) continue;
        const char *want = ps->skip[i][depth];
        if (!want || strlen(want) != n || memcmp(want, key, n) != 0) continue;
        if (ps->skip[i][depth + 1]) next |= UINT32_C(1) << i;
        else *skip_value = true;
    }
    return next;
}

static bool parse_member(parser *ps, size_t depth, uint32_t skip_mask, json_t *obj)
{
    const char *key;
    size_t n;
    bool in_scratch, skip_value = false;
    if (ps->p >= ps->end || *ps->p != '"') return ps->p < ps->end ? fail(ps, ps->p, "expected a string key") : unexpected(ps);
    if (!parse_string(ps, &key, &n, &in_scratch)) return false;
    /* The value may reuse the scratch buffer: keep a key decoded there. */
    char *owned = in_scratch ? wp_xalloc_check(strndup(key, n)) : NULL;
    if (owned) key = owned;
    uint32_t child_mask = follow_skip_paths(ps, skip_mask, depth, key, n, &skip_value);
    skip_space(ps);
    bool ok;
    if (ps->p >= ps->end || *ps->p != ':') {
        ok = ps->p < ps->end ? fail(ps, ps->p, "expected ':' after a key") : unexpected(ps);
    } else {
        ps->p++;
        json_t *value = NULL;
        bool keep = obj && !skip_value;
        ok = parse_value(ps, depth + 1, child_mask, keep ? &value : NULL);
        if (ok && keep) json_object_setn_new_nocheck(obj, key, n, value);
    }
    free(owned);
    return ok;
}

/* Parses the members or elements after an opening '{' or '['. */
static bool parse_container(parser *ps, size_t depth, uint32_t skip_mask, json_t **out)
{
    bool is_object = *ps->p == '{';
    char close = is_object ? '}' : ']';
    if (depth >= WP_JSON_MAX_DEPTH) return fail(ps, ps->p, "nesting deeper than %d levels", WP_JSON_MAX_DEPTH);
    ps->p++;
    json_t *c = !out ? NULL : is_object ? json_object() : json_array();
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        if (out) *out = c;
        return true;
    }
    for (;;) {
        skip_space(ps);
        bool ok;
        if (is_object) {
            ok = parse_member(ps, depth, skip_mask, c);
        } else {
            json_t *v = NULL;
            ok = parse_value(ps, depth + 1, 0, out ? &v : NULL);
            if (ok && out) json_array_append_new(c, v);
        }
        if (ok) {
            skip_space(ps);
            if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
            if (ps->p < ps->end && *ps->p == close) { ps->p++; break; }
            ok = ps->p < ps->end ? fail(ps, ps->p, "expected ',' or '%c'", close) : unexpected(ps);
        }
        json_decref(c);
        return false;
    }
    if (out) *out = c;
    return true;
}

/* One value at ps->p. out NULL: check the syntax only. */
static bool parse_value(parser *ps, size_t depth, uint32_t skip_mask, json_t **out)
{
    skip_space(ps);
    if (ps->p >= ps->end) return unexpected(ps);
    switch (*ps->p) {
    case '{':
    case '[':
        return parse_container(ps, depth, skip_mask, out);
    case '"': {
        const char *s;
        size_t n;
        bool in_scratch;
        if (!parse_string(ps, &s, &n, &in_scratch)) return false;
        if (out) *out = json_stringn_nocheck(s, n);
        return true;
    }
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        return parse_number(ps, out);
    default:
        return parse_literal(ps, out);
    }
}

json_t *wp_json_parse(const char *buf, size_t len, const char *const *const *skip, wp_json_error *err)
{
    parser ps = {
        .p = (const unsigned char *)buf,
        .start = (const unsigned char *)buf,
        .end = (const unsigned char *)buf + len,
        .skip = skip,
        .err = err,
    };
    while (skip && skip[ps.n_skip] && ps.n_skip < WP_JSON_MAX_SKIP) ps.n_skip++;
    uint32_t all = ps.n_skip == 32 ? UINT32_MAX : (UINT32_C(1) << ps.n_skip) - 1;
    json_t *root = NULL;
    bool ok = parse_value(&ps, 0, all, &root);
    if (ok) {
        skip_space(&ps);
        if (ps.p < ps.end) ok = fail(&ps, ps.p, "unexpected data after the JSON value");
    }
    free(ps.scratch);
    if (ok) return root;
    json_decref(root);
    return NULL;
}
