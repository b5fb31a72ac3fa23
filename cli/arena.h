/* Allocation helpers for warmpoolctl.
 *
 * A bump allocator for the many small strings a validation run keeps
 * (names, namespaces, references of every object seen): one malloc per
 * 64 KiB instead of one per string, and one free at the end. Plus growing
 * arrays and formatted strings. All of them abort when memory runs out. */
#ifndef WP_CLI_ARENA_H
#define WP_CLI_ARENA_H

#include <stddef.h>

typedef struct wp_cli_arena_chunk wp_cli_arena_chunk;

typedef struct {
    wp_cli_arena_chunk *head;
} wp_cli_arena;

#define WP_CLI_ARENA_INIT {0}

/* Memory lives until wp_cli_arena_free. Aborts on allocation failure. */
void *wp_cli_arena_alloc(wp_cli_arena *a, size_t n);
/* Copies s (NULL stays NULL). */
char *wp_cli_arena_strdup(wp_cli_arena *a, const char *s);
char *wp_cli_arena_strndup(wp_cli_arena *a, const char *s, size_t n);
void wp_cli_arena_free(wp_cli_arena *a);

/* Makes room for one more element in a growable array: returns items, or
 * a reallocated copy with *cap raised, when n == *cap. Aborts on failure. */
void *wp_cli_grow(void *items, size_t n, size_t *cap, size_t size);

/* printf into a new malloc'd string (caller frees). Aborts on failure. */
char *wp_cli_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
