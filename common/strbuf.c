/* Growable strings and direct JSON text. See strbuf.h. */
#include "common/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "common/verdict.h"

void wp_strbuf_reserve(wp_strbuf *b, size_t n)
{
    if (b->len + n + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n + 1) cap *= 2;
    b->s = wp_xalloc_check(realloc(b->s, cap));
    b->cap = cap;
}

void wp_strbuf_putn(wp_strbuf *b, const char *s, size_t n)
{
    wp_strbuf_reserve(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void wp_strbuf_puts(wp_strbuf *b, const char *s) { wp_strbuf_putn(b, s, strlen(s)); }

void wp_strbuf_putc(wp_strbuf *b, char c) { wp_strbuf_putn(b, &c, 1); }

void wp_strbuf_printf(wp_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[128];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        wp_strbuf_putn(b, small, (size_t)n);
        return;
    }
    wp_strbuf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* The escape for one byte that JSON does not allow raw in a string, or
 * NULL when the byte can be copied as is. */
static const char *json_escape(unsigned char c, char tmp[8])
{
    switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    case '\b': return "\\b";
    case '\f': return "\\f";
    default:
        if (c >= 0x20) return NULL;
        snprintf(tmp, 8, "\\u%04x", c);
        return tmp;
    }
}

void wp_strbuf_json_stringn(wp_strbuf *b, const char *s, size_t n)
{
    /* Room for the common case (nothing to escape) up front; copy runs of
     * plain bytes with one memcpy each. */
    const unsigned char *u = (const unsigned char *)s;
    wp_strbuf_reserve(b, n + 2);
    b->s[b->len++] = '"';
    size_t run = 0, i = 0;
    while (i < n) {
        char tmp[8];
        const char *esc;
        size_t skip = 1;
        if (u[i] < 0x80) {
            esc = json_escape(u[i], tmp);
        } else {
            skip = wp_utf8_sequence(u + i, n - i);
            /* Malformed UTF-8 would make the whole document invalid JSON:
             * show it as U+FFFD instead. */
            esc = skip ? NULL : "\\ufffd";
            if (!skip) skip = 1;
        }
        i += skip;
        if (!esc) continue;
        wp_strbuf_putn(b, s + run, i - skip - run);
        wp_strbuf_puts(b, esc);
        run = i;
    }
    wp_strbuf_putn(b, s + run, n - run);
    wp_strbuf_putc(b, '"');
}

void wp_strbuf_json_string(wp_strbuf *b, const char *s) { wp_strbuf_json_stringn(b, s, strlen(s)); }

static void put_real(wp_strbuf *b, double d)
{
    char num[40];
    int n = snprintf(num, sizeof num, "%.17g", d);
    wp_strbuf_putn(b, num, (size_t)n);
    if (!strpbrk(num, ".eE")) wp_strbuf_putn(b, ".0", 2);
}

void wp_strbuf_json_value(wp_strbuf *b, const json_t *value)
{
    const char *key;
    json_t *member;
    size_t i = 0;
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        wp_strbuf_putc(b, '{');
        json_object_foreach((json_t *)value, key, member) {
            if (i++ > 0) wp_strbuf_putc(b, ',');
            wp_strbuf_json_string(b, key);
            wp_strbuf_putc(b, ':');
            wp_strbuf_json_value(b, member);
        }
        wp_strbuf_putc(b, '}');
        break;
    case JSON_ARRAY:
        wp_strbuf_putc(b, '[');
        for (i = 0; i < json_array_size(value); i++) {
            if (i > 0) wp_strbuf_putc(b, ',');
            wp_strbuf_json_value(b, json_array_get(value, i));
        }
        wp_strbuf_putc(b, ']');
        break;
    case JSON_STRING: wp_strbuf_json_stringn(b, json_string_value(value), json_string_length(value)); break;
    case JSON_INTEGER: wp_strbuf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(value)); break;
    case JSON_REAL: put_real(b, json_real_value(value)); break;
    case JSON_TRUE: wp_strbuf_putn(b, "true", 4); break;
    case JSON_FALSE: wp_strbuf_putn(b, "false", 5); break;
    case JSON_NULL: wp_strbuf_putn(b, "null", 4); break;
    }
}

char *wp_strbuf_finish(wp_strbuf *b, size_t *len)
{
    if (!b->s) {
        wp_strbuf_reserve(b, 0);
        b->s[0] = '\0';
    }
    char *s = b->s;
    if (len) *len = b->len;
    *b = (wp_strbuf)WP_STRBUF_INIT;
    return s;
}

void wp_strbuf_free(wp_strbuf *b)
{
    free(b->s);
    *b = (wp_strbuf)WP_STRBUF_INIT;
}
