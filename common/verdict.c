/* Verdicts and field paths. See verdict.h. */
#include "common/verdict.h"

#include "common/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *wp_xalloc_check(void *p)
{
    if (!p) {
        static const char msg[] = "warmpool: out of memory\n";
        fwrite(msg, 1, sizeof msg - 1, stderr);
        abort();
    }
    return p;
}

static void path_push(wp_path *p, wp_path_seg seg)
{
    /* Deeper paths than the rules ever walk are a programming error; keep
     * the depth bounded rather than overflow. */
    if (p->depth < WP_PATH_MAX_DEPTH) p->segs[p->depth] = seg;
    p->depth++;
}

void wp_path_push_field(wp_path *p, const char *name)
{
    path_push(p, (wp_path_seg){.kind = WP_SEG_FIELD, .name = name});
}

void wp_path_push_index(wp_path *p, size_t index)
{
    path_push(p, (wp_path_seg){.kind = WP_SEG_INDEX, .index = index});
}

void wp_path_push_key(wp_path *p, const char *key)
{
    path_push(p, (wp_path_seg){.kind = WP_SEG_KEY, .name = key});
}

void wp_path_pop(wp_path *p)
{
    if (p->depth > 0) p->depth--;
}

char *wp_path_k8s(const wp_path *p)
{
    wp_sb b = WP_SB_INIT;
    size_t depth = p->depth < WP_PATH_MAX_DEPTH ? p->depth : WP_PATH_MAX_DEPTH;
    for (size_t i = 0; i < depth; i++) {
        const wp_path_seg *s = &p->segs[i];
        char num[32];
        switch (s->kind) {
        case WP_SEG_FIELD:
            if (i > 0) wp_sb_puts(&b, ".");
            wp_sb_puts(&b, s->name);
            break;
        case WP_SEG_INDEX:
            snprintf(num, sizeof num, "[%zu]", s->index);
            wp_sb_puts(&b, num);
            break;
        case WP_SEG_KEY:
            wp_sb_puts(&b, "[");
            wp_sb_puts(&b, s->name);
            wp_sb_puts(&b, "]");
            break;
        }
    }
    return wp_sb_finish(&b);
}

static void sb_put_pointer_token(wp_sb *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '~') wp_sb_puts(b, "~0");
        else if (*s == '/') wp_sb_puts(b, "~1");
        else wp_sb_putn(b, s, 1);
    }
}

char *wp_path_pointer(const wp_path *p)
{
    wp_sb b = WP_SB_INIT;
    size_t depth = p->depth < WP_PATH_MAX_DEPTH ? p->depth : WP_PATH_MAX_DEPTH;
    for (size_t i = 0; i < depth; i++) {
        const wp_path_seg *s = &p->segs[i];
        char num[32];
        wp_sb_puts(&b, "/");
        if (s->kind == WP_SEG_INDEX) {
            snprintf(num, sizeof num, "%zu", s->index);
            wp_sb_puts(&b, num);
        } else {
            sb_put_pointer_token(&b, s->name);
        }
    }
    return wp_sb_finish(&b);
}

size_t wp_utf8_prefix_len(const char *s, size_t len, size_t max)
{
    if (len <= max) return len;
    size_t n = max;
    /* Back up over continuation bytes to the start of the cut character. */
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    return n;
}

/* Cuts a malloc'd text longer than WP_VERDICT_MAX_TEXT_BYTES to a prefix
 * plus "...", in place, on a character boundary; with at_word, at the last
 * space when there is one in the last 64 bytes kept (warnings are prose:
 * never cut mid-word). Returns s. */
static char *cut_text_at(char *s, bool at_word)
{
    size_t len = strlen(s);
    if (len <= WP_VERDICT_MAX_TEXT_BYTES) return s;
    size_t keep = wp_utf8_prefix_len(s, len, WP_VERDICT_MAX_TEXT_BYTES - 3);
    if (at_word) {
        size_t space = keep;
        while (space > 0 && keep - space < 64 && s[space] != ' ') space--;
        if (s[space] == ' ') {
            while (space > 0 && s[space - 1] == ' ') space--;
            keep = space;
        }
    }
    memcpy(s + keep, "...", 4);
    return s;
}

static char *cut_text(char *s) { return cut_text_at(s, false); }

static char *vformat(const char *fmt, va_list ap, bool at_word)
{
    char *out = NULL;
    if (vasprintf(&out, fmt, ap) < 0) out = NULL;
    return cut_text_at(wp_xalloc_check(out), at_word);
}

size_t wp_verdict_max_causes(const wp_verdict *v)
{
    return v->max_causes ? v->max_causes : WP_VERDICT_DEFAULT_MAX_CAUSES;
}

void wp_verdict_cause(wp_verdict *v, const wp_path *p, const char *reason, const char *fmt, ...)
{
    if (v->n_causes >= wp_verdict_max_causes(v)) {
        v->n_causes_omitted++;
        return;
    }
    if (v->n_causes == v->cap_causes) {
        v->cap_causes = v->cap_causes ? v->cap_causes * 2 : 4;
        v->causes = wp_xalloc_check(realloc(v->causes, v->cap_causes * sizeof *v->causes));
    }
    va_list ap;
    va_start(ap, fmt);
    wp_cause *c = &v->causes[v->n_causes++];
    c->field = cut_text(wp_path_k8s(p));
    c->pointer = wp_path_pointer(p);
    c->reason = wp_xalloc_check(strdup(reason));
    c->message = vformat(fmt, ap, false);
    va_end(ap);
}

void wp_verdict_warn(wp_verdict *v, const char *fmt, ...)
{
    if (v->n_warnings >= wp_verdict_max_causes(v)) {
        v->n_warnings_omitted++;
        return;
    }
    if (v->n_warnings == v->cap_warnings) {
        v->cap_warnings = v->cap_warnings ? v->cap_warnings * 2 : 4;
        v->warnings = wp_xalloc_check(realloc(v->warnings, v->cap_warnings * sizeof *v->warnings));
    }
    va_list ap;
    va_start(ap, fmt);
    v->warnings[v->n_warnings++] = vformat(fmt, ap, true);
    va_end(ap);
}

bool wp_verdict_allowed(const wp_verdict *v) { return v->n_causes == 0 && v->n_causes_omitted == 0; }

char *wp_verdict_omitted_text(size_t n)
{
    char *out = NULL;
    if (asprintf(&out, "and %zu more error%s", n, n == 1 ? "" : "s") < 0) out = NULL;
    return wp_xalloc_check(out);
}

char *wp_verdict_message(const wp_verdict *v, const char *kind, const char *group, const char *name)
{
    wp_sb b = WP_SB_INIT;
    wp_sb_puts(&b, kind);
    wp_sb_puts(&b, ".");
    wp_sb_puts(&b, group);
    wp_sb_puts(&b, " \"");
    wp_sb_puts(&b, name ? name : "");
    wp_sb_puts(&b, "\" is invalid: ");
    bool list = v->n_causes + (v->n_causes_omitted > 0) > 1;
    if (list) wp_sb_puts(&b, "[");
    for (size_t i = 0; i < v->n_causes; i++) {
        if (i > 0) wp_sb_puts(&b, ", ");
        wp_sb_puts(&b, v->causes[i].field);
        wp_sb_puts(&b, ": ");
        wp_sb_puts(&b, v->causes[i].message);
    }
    if (v->n_causes_omitted) {
        char *more = wp_verdict_omitted_text(v->n_causes_omitted);
        if (v->n_causes) wp_sb_puts(&b, ", ");
        wp_sb_puts(&b, more);
        free(more);
    }
    if (list) wp_sb_puts(&b, "]");
    return wp_sb_finish(&b);
}

void wp_verdict_free(wp_verdict *v)
{
    for (size_t i = 0; i < v->n_causes; i++) {
        free(v->causes[i].field);
        free(v->causes[i].pointer);
        free(v->causes[i].reason);
        free(v->causes[i].message);
    }
    for (size_t i = 0; i < v->n_warnings; i++) free(v->warnings[i]);
    free(v->causes);
    free(v->warnings);
    size_t max = v->max_causes;
    *v = (wp_verdict)WP_VERDICT_INIT;
    v->max_causes = max;
}

char *wp_verdict_quote(const char *s) { return wp_verdict_quote_n(s, strlen(s)); }

char *wp_verdict_quote_n(const char *s, size_t len)
{
    enum { MAX_SHOWN = 64 };
    wp_sb b = WP_SB_INIT;
    wp_sb_puts(&b, "\"");
    size_t shown = 0;
    const unsigned char *end = (const unsigned char *)s + len;
    for (const unsigned char *p = (const unsigned char *)s; p < end; p++, shown++) {
        /* Cut only at a character boundary so the result stays UTF-8. */
        if (shown >= MAX_SHOWN && (*p & 0xC0) != 0x80) { wp_sb_puts(&b, "..."); break; }
        char esc[8];
        if (*p == '"' || *p == '\\') { wp_sb_putn(&b, "\\", 1); wp_sb_putn(&b, (const char *)p, 1); }
        else if (*p < 0x20 || *p == 0x7f) { snprintf(esc, sizeof esc, "\\x%02x", *p); wp_sb_puts(&b, esc); }
        else wp_sb_putn(&b, (const char *)p, 1);
    }
    wp_sb_puts(&b, "\"");
    return wp_sb_finish(&b);
}
