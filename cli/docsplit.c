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
    return n == 3 || p[3] == ' ' || p[3] == '\t' || p[3] == '\n' || p[3] == '\r';
}

static size_t line_end(const wp_cli_docsplit *it, size_t from)
{
    const char *nl = memchr(it->buf + from, '\n', it->len - from);
    return nl ? (size_t)(nl - it->buf) + 1 : it->len;
}

/* Lines that belong to whichever document follows them: blank lines,
 * comments and directives (`%YAML`, `%TAG`). */
static bool is_preamble(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r')) i++;
    return i == n || p[i] == '\n' || p[i] == '#' || (i == 0 && p[0] == '%');
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
