/* Splits a byte stream into lines as it arrives: the framing of a watch
 * response, where the server writes one JSON event per line into a chunked
 * body and chunk boundaries fall anywhere (inside an event, or several
 * events in one chunk).
 *
 * Complete lines are handed to a callback without their '\n' (a trailing
 * '\r' is stripped too); empty lines are skipped. A line longer than
 * max_line is an error, so a hostile or broken server cannot make the
 * client buffer without bound. */
#ifndef WP_KUBE_LINES_H
#define WP_KUBE_LINES_H

#include <stddef.h>

#include "common/strbuf.h"

/* Return 0 to go on, nonzero to stop (the value is passed back). The line is
 * borrowed for the duration of the call and is not NUL-terminated. */
typedef int (*wp_kube_line_fn)(void *ctx, const char *line, size_t len);

typedef struct {
    wp_sb tail; /* owned: the incomplete line */
    size_t max_line;
    wp_kube_line_fn fn;
    void *ctx;
} wp_kube_lines;

#define WP_KUBE_LINES_TOO_LONG (-1)

void wp_kube_lines_init(wp_kube_lines *ls, size_t max_line, wp_kube_line_fn fn, void *ctx);
/* Feeds n bytes. Returns 0, the callback's nonzero value, or
 * WP_KUBE_LINES_TOO_LONG. After a nonzero return the splitter must not be
 * fed again. */
int wp_kube_lines_feed(wp_kube_lines *ls, const char *data, size_t n);
/* End of stream: delivers an unterminated last line, if any. Same returns. */
int wp_kube_lines_finish(wp_kube_lines *ls);
/* Bytes of an incomplete line held. */
size_t wp_kube_lines_pending(const wp_kube_lines *ls);
void wp_kube_lines_free(wp_kube_lines *ls);

#endif
