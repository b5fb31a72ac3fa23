/* Edits and their diff. See edits.h. */
#include "cli/edits.h"

#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/verdict.h"

#define CONTEXT 3

bool wp_cli_edits_add(wp_cli_edits *e, size_t start, size_t end, const char *text)
{
    for (size_t i = 0; i < e->n; i++) {
        const wp_cli_edit *x = &e->items[i];
        bool disjoint = end <= x->start || start >= x->end;
        bool same_insert_point = start == end && x->start == x->end && start == x->start;
        if (!disjoint || same_insert_point) return false;
    }
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 8;
        e->items = wp_xalloc_check(realloc(e->items, e->cap * sizeof *e->items));
    }
    e->items[e->n++] = (wp_cli_edit){start, end, wp_xalloc_check(strdup(text))};
    return true;
}

void wp_cli_edits_truncate(wp_cli_edits *e, size_t n)
{
    while (e->n > n) free(e->items[--e->n].text);
}

void wp_cli_edits_free(wp_cli_edits *e)
{
    wp_cli_edits_truncate(e, 0);
    free(e->items);
    *e = (wp_cli_edits)WP_CLI_EDITS_INIT;
}

static int compare_edits(const void *a, const void *b)
{
    const wp_cli_edit *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

static void sort_edits(wp_cli_edits *e)
{
    if (e->n > 1) qsort(e->items, e->n, sizeof *e->items, compare_edits);
}

/* Applies edits [first, last) to buf[from, to). */
static void apply_range(wp_sb *out, const wp_cli_edits *e, size_t first, size_t last, const char *buf, size_t from,
                        size_t to)
{
    size_t at = from;
    for (size_t i = first; i < last; i++) {
        wp_sb_putn(out, buf + at, e->items[i].start - at);
        wp_sb_putn(out, e->items[i].text, strlen(e->items[i].text));
        at = e->items[i].end;
    }
    wp_sb_putn(out, buf + at, to - at);
}

char *wp_cli_edits_apply(wp_cli_edits *e, const char *buf, size_t len, size_t *out_len)
{
    sort_edits(e);
    wp_sb out = WP_SB_INIT;
    apply_range(&out, e, 0, e->n, buf, 0, len);
    *out_len = out.len;
    return out.s;
}

/* --- diff ---------------------------------------------------------------- */

static size_t line_begin(const char *buf, size_t at)
{
    while (at > 0 && buf[at - 1] != '\n') at--;
    return at;
}

static size_t line_after(const char *buf, size_t len, size_t at)
{
    const char *nl = memchr(buf + at, '\n', len - at);
    return nl ? (size_t)(nl - buf) + 1 : len;
}

static size_t count_lines(const char *s, size_t n)
{
    size_t lines = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n') lines++;
    if (n > 0 && s[n - 1] != '\n') lines++;
    return lines;
}

static size_t line_number(const char *buf, size_t at)
{
    return count_lines(buf, at) + 1 - (at > 0 && buf[at - 1] != '\n' ? 1 : 0);
}

/* Writes each line of s[0, n) with prefix. */
static void put_lines(FILE *out, char prefix, const char *s, size_t n)
{
    size_t at = 0;
    while (at < n) {
        const char *nl = memchr(s + at, '\n', n - at);
        size_t end = nl ? (size_t)(nl - s) + 1 : n;
        fputc(prefix, out);
        fwrite(s + at, 1, end - at, out);
        if (!nl) fputs("\n\\ No newline at end of file\n", out);
        at = end;
    }
}

/* A changed block: whole old lines [from, to) of buf and the edits in them. */
typedef struct {
    size_t from, to;
    size_t first_edit, last_edit;
} block;

/* True when edits [first, last) leave buf[from, to) ending in a newline
 * (or it is the end of the file), so the next line stays its own line. */
static bool ends_a_line(const wp_cli_edits *e, size_t first, size_t last, const char *buf, size_t len, size_t from,
                        size_t to)
{
    if (to >= len) return true;
    wp_sb changed = WP_SB_INIT;
    apply_range(&changed, e, first, last, buf, from, to);
    bool ok = changed.len == 0 || changed.s[changed.len - 1] == '\n'; /* empty: whole lines went */
    free(changed.s);
    return ok;
}

static size_t make_blocks(const wp_cli_edits *e, const char *buf, size_t len, block *blocks)
{
    size_t n = 0;
    for (size_t i = 0; i < e->n; i++) {
        size_t from = line_begin(buf, e->items[i].start);
        size_t end = e->items[i].end > e->items[i].start ? e->items[i].end - 1 : e->items[i].start;
        size_t to = line_after(buf, len, end < len ? end : len);
        if (n > 0 && from <= blocks[n - 1].to) { /* touching lines read better as one change */
            if (to > blocks[n - 1].to) blocks[n - 1].to = to;
            blocks[n - 1].last_edit = i + 1;
        } else {
            blocks[n++] = (block){from, to, i, i + 1};
        }
        /* An edit that eats a newline joins the next line to the change. */
        block *b = &blocks[n - 1];
        while (!ends_a_line(e, b->first_edit, b->last_edit, buf, len, b->from, b->to))
            b->to = line_after(buf, len, b->to);
    }
    return n;
}

/* Writes the hunk for blocks [first, last), which are close enough to share one. */
static void write_hunk(FILE *out, const wp_cli_edits *e, const char *buf, size_t len, const block *blocks,
                       size_t first, size_t last, long delta_lines)
{
    /* context before the first block, after the last */
    size_t start = blocks[first].from, end = blocks[last - 1].to;
    for (int i = 0; i < CONTEXT && start > 0; i++) start = line_begin(buf, start - 1);
    for (int i = 0; i < CONTEXT && end < len; i++) end = line_after(buf, len, end);
    wp_sb old_text = WP_SB_INIT, new_text = WP_SB_INIT;
    wp_sb_putn(&old_text, buf + start, end - start);
    apply_range(&new_text, e, blocks[first].first_edit, blocks[last - 1].last_edit, buf, start, end);
    size_t old_line = line_number(buf, start), old_count = count_lines(old_text.s, old_text.len);
    size_t new_count = count_lines(new_text.s, new_text.len);
    long new_line = (long)old_line + delta_lines;
    fprintf(out, "@@ -%zu,%zu +%ld,%zu @@\n", old_count ? old_line : old_line - 1, old_count,
            new_count ? new_line : new_line - 1, new_count);
    size_t at = start;
    for (size_t b = first; b < last; b++) {
        put_lines(out, ' ', buf + at, blocks[b].from - at);
        put_lines(out, '-', buf + blocks[b].from, blocks[b].to - blocks[b].from);
        wp_sb changed = WP_SB_INIT;
        apply_range(&changed, e, blocks[b].first_edit, blocks[b].last_edit, buf, blocks[b].from, blocks[b].to);
        put_lines(out, '+', changed.s ? changed.s : "", changed.len);
        free(changed.s);
        at = blocks[b].to;
    }
    put_lines(out, ' ', buf + at, end - at);
    free(old_text.s);
    free(new_text.s);
}

/* Lines the edits of block b add (negative: remove). */
static long block_delta(const wp_cli_edits *e, const char *buf, const block *b)
{
    wp_sb changed = WP_SB_INIT;
    apply_range(&changed, e, b->first_edit, b->last_edit, buf, b->from, b->to);
    long d = (long)count_lines(changed.s ? changed.s : "", changed.len)
        - (long)count_lines(buf + b->from, b->to - b->from);
    free(changed.s);
    return d;
}

void wp_cli_edits_diff(FILE *out, wp_cli_edits *e, const char *buf, size_t len, const char *old_name,
                       const char *new_name)
{
    if (e->n == 0) return;
    sort_edits(e);
    block *blocks = wp_xalloc_check(calloc(e->n, sizeof *blocks));
    size_t n = make_blocks(e, buf, len, blocks);
    fprintf(out, "--- %s\n+++ %s\n", old_name, new_name);
    long delta = 0;
    for (size_t first = 0; first < n;) {
        size_t last = first + 1;
        /* Blocks whose context would touch share a hunk. */
        while (last < n) {
            size_t gap_end = blocks[last].from, at = blocks[last - 1].to;
            int lines = 0;
            while (at < gap_end && lines <= 2 * CONTEXT) at = line_after(buf, len, at), lines++;
            if (lines > 2 * CONTEXT) break;
            last++;
        }
        write_hunk(out, e, buf, len, blocks, first, last, delta);
        for (size_t b = first; b < last; b++) delta += block_delta(e, buf, &blocks[b]);
        first = last;
    }
    free(blocks);
}

void wp_cli_diff_new_file(FILE *out, const char *name, const char *text, size_t len)
{
    fprintf(out, "--- /dev/null\n+++ %s\n@@ -0,0 +1,%zu @@\n", name, count_lines(text, len));
    put_lines(out, '+', text, len);
}
