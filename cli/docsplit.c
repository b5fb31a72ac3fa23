/* Document splitter. See docsplit.h. */
#include "cli/docsplit.h"

#include <string.h>

void wp_cli_docsplit_init(wp_cli_docsplit *it, const char *buf, size_t len)
{
    *it = (wp_cli_docsplit){.buf = buf, .len = len, .pos = 0, .line = 1};
}

/* True when the line at p (n bytes to the end of the buffer) is the marker
 * `c c c` followed by blank or end of line. */
static bool is_marker(const char *p, size_t n, char c)
{
    if (n < 3 || p[0] != c || p[1] != c || p[2] != c) return false;
    return n == 3 || p[3] == ' ' || p[3] == '\t' || wp_cli_break_len(p + 3, n - 3) > 0;
}

size_t wp_cli_break_len(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    if (n == 0) return 0;
    if (u[0] == '\n') return 1;
    if (u[0] == '\r') return n >= 2 && u[1] == '\n' ? 2 : 1;
    if (u[0] == 0xC2 && n >= 2 && u[1] == 0x85) return 2;
    if (u[0] == 0xE2 && n >= 3 && u[1] == 0x80 && (u[2] == 0xA8 || u[2] == 0xA9)) return 3;
    return 0;
}

size_t wp_cli_next_line(const char *s, size_t len, size_t from)
{
    for (size_t i = from; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c != '\n' && c != '\r' && c != 0xC2 && c != 0xE2) continue; /* the only bytes a break starts with */
        size_t b = wp_cli_break_len(s + i, len - i);
        if (b) return i + b;
    }
    return len;
}

size_t wp_cli_line_start(const char *s, size_t pos)
{
    while (pos > 0) {
        const unsigned char *u = (const unsigned char *)s + pos;
        if (u[-1] == '\n' || u[-1] == '\r') break;
        if (pos >= 2 && u[-2] == 0xC2 && u[-1] == 0x85) break;
        if (pos >= 3 && u[-3] == 0xE2 && u[-2] == 0x80 && (u[-1] == 0xA8 || u[-1] == 0xA9)) break;
        pos--;
    }
    return pos;
}

static size_t line_end(const wp_cli_docsplit *it, size_t from) { return wp_cli_next_line(it->buf, it->len, from); }

/* Lines that belong to whichever document follows them: blank lines,
 * comments and directives (`%YAML`, `%TAG`). */
static bool is_preamble(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t')) i++;
    return i == n || wp_cli_break_len(p + i, n - i) || p[i] == '#' || (i == 0 && p[0] == '%');
}

/* Byte offset of the first line's text (after a byte order mark). */
static size_t text_start(const wp_cli_docsplit *it, size_t at)
{
    if (at == 0 && it->len >= 3 && memcmp(it->buf, "\xEF\xBB\xBF", 3) == 0) return 3;
    return at;
}

bool wp_cli_docsplit_next(wp_cli_docsplit *it, wp_cli_span *span)
{
    if (it->pos >= it->len) return false;
    size_t start = it->pos, start_line = it->line;
    size_t at = it->pos, line = it->line;
    bool has_content = false;
    while (at < it->len) {
        size_t t = text_start(it, at);
        const char *p = it->buf + t;
        size_t n = it->len - t;
        if (has_content && is_marker(p, n, '-')) break; /* the next document starts here */
        if (!is_preamble(p, n)) has_content = true;
        size_t next = line_end(it, at);
        line++;
        at = next;
        if (is_marker(p, n, '.')) break; /* this document ends with this line */
    }
    *span = (wp_cli_span){.offset = start, .len = at - start, .first_line = start_line, .end_line = line};
    it->pos = at;
    it->line = line;
    return true;
}
