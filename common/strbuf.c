/* Growable strings. See strbuf.h. */
#include "common/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/verdict.h"

char *wp_sb_reserve(wp_sb *b, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        b->s = wp_xalloc_check(realloc(b->s, cap));
        b->cap = cap;
    }
    return b->s + b->len;
}

void wp_sb_putn(wp_sb *b, const char *s, size_t n)
{
    char *dst = wp_sb_reserve(b, n);
    memcpy(dst, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void wp_sb_puts(wp_sb *b, const char *s) { wp_sb_putn(b, s, strlen(s)); }

void wp_sb_putc(wp_sb *b, char c) { wp_sb_putn(b, &c, 1); }

void wp_sb_printf(wp_sb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) { wp_sb_putn(b, small, (size_t)n); return; }
    char *dst = wp_sb_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(dst, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void wp_sb_json_string(wp_sb *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    /* Worst case every byte becomes \u00XX. */
    char *out = wp_sb_reserve(b, n * 6 + 2);
    char *p = out;
    *p++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') { *p++ = (char)c; continue; }
        *p++ = '\\';
        switch (c) {
        case '"': *p++ = '"'; break;
        case '\\': *p++ = '\\'; break;
        case '\n': *p++ = 'n'; break;
        case '\r': *p++ = 'r'; break;
        case '\t': *p++ = 't'; break;
        case '\b': *p++ = 'b'; break;
        case '\f': *p++ = 'f'; break;
        default:
            *p++ = 'u'; *p++ = '0'; *p++ = '0';
            *p++ = hex[c >> 4]; *p++ = hex[c & 15];
        }
    }
    *p++ = '"';
    b->len += (size_t)(p - out);
    b->s[b->len] = '\0';
}

char *wp_sb_finish(wp_sb *b)
{
    if (!b->s) wp_sb_putn(b, "", 0);
    char *s = b->s;
    *b = (wp_sb)WP_SB_INIT;
    return s;
}

void wp_sb_free(wp_sb *b)
{
    free(b->s);
    *b = (wp_sb)WP_SB_INIT;
}
