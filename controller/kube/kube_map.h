/* A string-keyed hash table of entry pointers, internal to wpkube.
 *
 * The table stores only pointers; each entry carries its own key, which the
 * table reads through key_of(). That keeps the per-entry cost at one slot
 * (8 bytes at up to 70% load) — the caches hold 100,000 objects and every
 * byte per object counts. Open addressing with linear probing and
 * backward-shift deletion (no tombstones, so lookups stay short after many
 * deletes).
 *
 * Not thread-safe: callers lock. The table never owns or frees entries. */
#ifndef WP_KUBE_MAP_H
#define WP_KUBE_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef const char *(*wp_kube_map_key_fn)(const void *entry);

typedef struct {
    void **slots;
    size_t cap; /* 0 or a power of two */
    size_t len;
    wp_kube_map_key_fn key_of;
} wp_kube_map;

/* Hash of a NUL-terminated string (FNV-1a, 64 bit). */
uint64_t wp_kube_map_hash(const char *s);

void wp_kube_map_init(wp_kube_map *m, wp_kube_map_key_fn key_of);
/* Frees the slot array; entries are the caller's. */
void wp_kube_map_destroy(wp_kube_map *m);

/* Borrowed entry with that key, or NULL. */
void *wp_kube_map_get(const wp_kube_map *m, const char *key);
/* Inserts entry (replacing one with an equal key). Returns the replaced
 * entry (now the caller's) or NULL. Allocation failure aborts. */
void *wp_kube_map_put(wp_kube_map *m, void *entry);
/* Removes the entry with that key and returns it (the caller's), or NULL. */
void *wp_kube_map_remove(wp_kube_map *m, const char *key);

/* Iteration: for (size_t i = 0; (e = wp_kube_map_next(m, &i)); ) ...
 * Start with i = 0. The table must not change during the loop. */
void *wp_kube_map_next(const wp_kube_map *m, size_t *iter);

#endif
