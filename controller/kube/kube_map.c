/* String-keyed open-addressing hash table. See kube_map.h. */
#include "controller/kube/kube_map.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/verdict.h"

#define MIN_CAP 4

uint64_t wp_kube_map_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    /* FNV's low bits mix poorly for short keys; fold the high half in. */
    return h ^ (h >> 29);
}

void wp_kube_map_init(wp_kube_map *m, wp_kube_map_key_fn key_of)
{
    memset(m, 0, sizeof *m);
    m->key_of = key_of;
}

void wp_kube_map_destroy(wp_kube_map *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->len = 0;
}

/* Slot holding key, or the empty slot where it would go. cap must be > 0. */
static size_t find_slot(const wp_kube_map *m, const char *key)
{
    size_t mask = m->cap - 1;
    size_t i = (size_t)wp_kube_map_hash(key) & mask;
    while (m->slots[i] && strcmp(m->key_of(m->slots[i]), key) != 0) i = (i + 1) & mask;
    return i;
}

static void grow(wp_kube_map *m)
{
    size_t old_cap = m->cap;
    void **old = m->slots;
    m->cap = old_cap ? old_cap * 2 : MIN_CAP;
    m->slots = wp_xalloc_check(calloc(m->cap, sizeof *m->slots));
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i]) m->slots[find_slot(m, m->key_of(old[i]))] = old[i];
    }
    free(old);
}

void *wp_kube_map_get(const wp_kube_map *m, const char *key)
{
    if (m->len == 0) return NULL;
    return m->slots[find_slot(m, key)];
}

void *wp_kube_map_put(wp_kube_map *m, void *entry)
{
    /* keep load under 70% so probe runs stay short */
    if ((m->len + 1) * 10 > m->cap * 7) grow(m);
    size_t i = find_slot(m, m->key_of(entry));
    void *old = m->slots[i];
    m->slots[i] = entry;
    if (!old) m->len++;
    return old;
}

void *wp_kube_map_remove(wp_kube_map *m, const char *key)
{
    if (m->len == 0) return NULL;
    size_t mask = m->cap - 1;
    size_t i = find_slot(m, key);
    void *found = m->slots[i];
    if (!found) return NULL;
    m->slots[i] = NULL;
    m->len--;
    /* Backward shift: move later members of the probe run into the hole
     * when their home slot does not lie cyclically in (hole, j]. */
    size_t hole = i;
    for (size_t j = (i + 1) & mask; m->slots[j]; j = (j + 1) & mask) {
        size_t home = (size_t)wp_kube_map_hash(m->key_of(m->slots[j])) & mask;
        bool in_run = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!in_run) {
            m->slots[hole] = m->slots[j];
            m->slots[j] = NULL;
            hole = j;
        }
    }
    if (m->len == 0) wp_kube_map_destroy(m);
    return found;
}

void *wp_kube_map_next(const wp_kube_map *m, size_t *iter)
{
    while (*iter < m->cap) {
        void *e = m->slots[(*iter)++];
        if (e) return e;
    }
    return NULL;
}
