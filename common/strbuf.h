/* A growable byte string, and JSON text written straight into it.
 *
 * For hot paths that produce JSON (admission responses) without building a
 * jansson tree first: one buffer, grown geometrically, dumped once.
 *
 * Ownership: the buffer owns s until wp_strbuf_finish hands it to the caller
 * (who frees it with free()), or wp_strbuf_free releases it. Allocation
 * failure aborts (wp_xalloc_check), like the rest of the admission path. */
#ifndef WP_STRBUF_H
#define WP_STRBUF_H

#include <jansson.h>
#include <stddef.h>

typedef struct {
    char *s;        /* NUL-terminated once anything was written */
    size_t len, cap;
} wp_strbuf;

#define WP_STRBUF_INIT {0}

/* Makes room for at least n more bytes (plus the NUL). */
void wp_strbuf_reserve(wp_strbuf *b, size_t n);
void wp_strbuf_putn(wp_strbuf *b, const char *s, size_t n);
void wp_strbuf_puts(wp_strbuf *b, const char *s);
void wp_strbuf_putc(wp_strbuf *b, char c);
void wp_strbuf_printf(wp_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends s[0..n) as a quoted JSON string: '"', '\\' and control characters
 * escaped, well-formed UTF-8 copied as is, malformed bytes written as
 * U+FFFD, so the result is valid JSON whatever s holds. */
void wp_strbuf_json_stringn(wp_strbuf *b, const char *s, size_t n);
void wp_strbuf_json_string(wp_strbuf *b, const char *s);

/* Appends value as compact JSON: members in insertion order, reals as
 * jansson writes them ("%.17g", with ".0" when that looks integral).
 * Same text as json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY), without
 * jansson's per-character output path. */
void wp_strbuf_json_value(wp_strbuf *b, const json_t *value);

/* Returns the string (never NULL; "" when nothing was written) and leaves
 * the buffer empty. The caller frees the result. */
char *wp_strbuf_finish(wp_strbuf *b, size_t *len);

void wp_strbuf_free(wp_strbuf *b);

#endif
