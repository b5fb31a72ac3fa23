/* Incremental line splitter. See kube_lines.h. */
#include "controller/kube/kube_lines.h"

#include <string.h>


void wp_kube_lines_init(wp_kube_lines *ls, size_t max_line, wp_kube_line_fn fn, void *ctx)
{
    memset(ls, 0, sizeof *ls);
    ls->max_line = max_line;
    ls->fn = fn;
    ls->ctx = ctx;
}

static int deliver(wp_kube_lines *ls, const char *line, size_t len)
{
    if (len && line[len - 1] == '\r') len--;
    if (len == 0) return 0;
    if (len > ls->max_line) return WP_KUBE_LINES_TOO_LONG;
    return ls->fn(ls->ctx, line, len);
}

int wp_kube_lines_feed(wp_kube_lines *ls, const char *data, size_t n)
{
    while (n > 0) {
        const char *nl = memchr(data, '\n', n);
        if (!nl) {
            /* +1: a '\r' may still be stripped when the '\n' arrives */
            if (ls->tail.len + n > ls->max_line + 1) return WP_KUBE_LINES_TOO_LONG;
            wp_sb_putn(&ls->tail, data, n);
            return 0;
        }
        size_t part = (size_t)(nl - data);
        int rc;
        if (ls->tail.len == 0) {
            rc = deliver(ls, data, part); /* whole line inside this chunk: no copy */
        } else {
            if (ls->tail.len + part > ls->max_line + 1) return WP_KUBE_LINES_TOO_LONG;
            wp_sb_putn(&ls->tail, data, part);
            rc = deliver(ls, ls->tail.s, ls->tail.len);
            ls->tail.len = 0;
        }
        if (rc) return rc;
        data = nl + 1;
        n -= part + 1;
    }
    return 0;
}

int wp_kube_lines_finish(wp_kube_lines *ls)
{
    if (ls->tail.len == 0) return 0;
    int rc = deliver(ls, ls->tail.s, ls->tail.len);
    ls->tail.len = 0;
    return rc;
}

size_t wp_kube_lines_pending(const wp_kube_lines *ls) { return ls->tail.len; }

void wp_kube_lines_free(wp_kube_lines *ls)
{
    wp_sb_free(&ls->tail);
    memset(ls, 0, sizeof *ls);
}
