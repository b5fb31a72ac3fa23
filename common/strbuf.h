/* A growable byte string, and JSON string escaping onto it.
 *
 * Used wherever output is built piece by piece (messages, field paths,
 * response bodies) so that no module writes its own. Allocation failure
 * aborts (see wp_xalloc_check). */
#ifndef WP_STRBUF_H
#define WP_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct {
    char *s;    /* NUL-terminated once anything was added; owned */
    size_t len, cap;
} wp_sb;

#define WP_SB_INIT {0}

void wp_sb_putn(wp_sb *b, const char *s, size_t n);
void wp_sb_puts(wp_sb *b, const char *s);
void wp_sb_putc(wp_sb *b, char c);
void wp_sb_printf(wp_sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reserves room for n more bytes; returns where they go (caller bumps len). */
char *wp_sb_reserve(wp_sb *b, size_t n);
/* Appends s[0..n) as a JSON string literal, quotes included. s must be
 * valid UTF-8; control characters are escaped. */
void wp_sb_json_string(wp_sb *b, const char *s, size_t n);
/* Hands the string over to the caller (never NULL; "" when empty) and
 * resets b. Caller frees. */
char *wp_sb_finish(wp_sb *b);
void wp_sb_free(wp_sb *b);

#endif
