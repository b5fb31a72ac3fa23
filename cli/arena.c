/* Bump allocator. See arena.h. */
#include "cli/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/verdict.h"

#define CHUNK_SIZE (64 * 1024)

struct wp_cli_arena_chunk {
    wp_cli_arena_chunk *next;
    size_t used, size;
    _Alignas(max_align_t) unsigned char data[];
};

static void *alloc_aligned(wp_cli_arena *a, size_t n, size_t align)
{
    wp_cli_arena_chunk *c = a->head;
    if (c) c->used = (c->used + align - 1) / align * align;
    if (!c || c->used > c->size || c->size - c->used < n) {
        size_t size = n > CHUNK_SIZE ? n : CHUNK_SIZE;
        c = wp_xalloc_check(malloc(sizeof *c + size));
        c->size = size;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

void *wp_cli_arena_alloc(wp_cli_arena *a, size_t n)
{
    return alloc_aligned(a, n, _Alignof(max_align_t));
}

char *wp_cli_arena_strndup(wp_cli_arena *a, const char *s, size_t n)
{
    if (!s) return NULL;
    char *d = alloc_aligned(a, n + 1, 1); /* strings need no alignment */
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *wp_cli_arena_strdup(wp_cli_arena *a, const char *s)
{
    return s ? wp_cli_arena_strndup(a, s, strlen(s)) : NULL;
}

void wp_cli_arena_free(wp_cli_arena *a)
{
    while (a->head) {
        wp_cli_arena_chunk *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

void *wp_cli_grow(void *items, size_t n, size_t *cap, size_t size)
{
    if (n < *cap) return items;
    *cap = *cap ? *cap * 2 : 16;
    return wp_xalloc_check(realloc(items, *cap * size));
}

char *wp_cli_format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) s = NULL;
    va_end(ap);
    return wp_xalloc_check(s);
}
