/* Splits a YAML stream into documents at its `---` and `...` lines, without
 * parsing it, so each document can be parsed on its own and one broken
 * document cannot hide the ones after it.
 *
 * A line that starts with `---` followed by a space, a tab or the end of the
 * line starts a new document (the marker line belongs to the new document,
 * since content may follow the marker). A line that starts with `...` the
 * same way ends the current document. YAML forbids both markers at column 0
 * inside any node, so this matches what a parser would do with valid input.
 *
 * The iterator allocates nothing; spans point into the caller's buffer. */
#ifndef WP_CLI_DOCSPLIT_H
#define WP_CLI_DOCSPLIT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    size_t offset;     /* byte offset of the span in the buffer */
    size_t len;        /* bytes */
    size_t first_line; /* 1-based line number of the span's first line */
    size_t end_line;   /* line number just after the span */
} wp_cli_span;

typedef struct {
    const char *buf;
    size_t len;
    size_t pos;  /* next unread byte */
    size_t line; /* line number at pos */
} wp_cli_docsplit;

void wp_cli_docsplit_init(wp_cli_docsplit *it, const char *buf, size_t len);

/* Fills *span with the next document span. Returns false at the end.
 * Spans are contiguous and cover the whole buffer; a span may hold only
 * comments or blank lines (then it parses to no document). */
bool wp_cli_docsplit_next(wp_cli_docsplit *it, wp_cli_span *span);

/* Line breaks as libyaml reads them (YAML 1.1): CR LF, LF, CR alone, NEL
 * (U+0085), LS (U+2028) and PS (U+2029). Every tool that counts lines or
 * cuts lines of YAML source uses these, so its idea of a line is the
 * parser's (a CR-only file is many lines, not one). */

/* Bytes in the line break at s (n bytes left in the buffer), 0 when s is
 * not at one. */
size_t wp_cli_break_len(const char *s, size_t n);

/* Offset just after the next line break at or after from (len when there
 * is none). */
size_t wp_cli_next_line(const char *s, size_t len, size_t from);

/* Offset of the start of the line that holds pos. */
size_t wp_cli_line_start(const char *s, size_t pos);

#endif
