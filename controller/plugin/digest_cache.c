/* The digest TTL cache. See digest_cache.h. */
#include "controller/plugin/digest_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "common/verdict.h"
#include "warmpool/plugin.h"

#define BUCKETS 1024

typedef struct entry {
    struct entry *next;
    int64_t expires_ns;
    char digest[WP_PLUGIN_DIGEST_MAX];
    char image[]; /* NUL-terminated */
} entry;

struct wp_digest_cache {
    pthread_mutex_t mu;
    int64_t ttl_ns;
    size_t max_entries, n;
    entry *buckets[BUCKETS];
};

static size_t bucket_of(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)(h % BUCKETS);
}

wp_digest_cache *wp_digest_cache_new(int64_t ttl_ms, size_t max_entries)
{
    wp_digest_cache *c = wp_xalloc_check(calloc(1, sizeof *c));
    pthread_mutex_init(&c->mu, NULL);
    c->ttl_ns = ttl_ms * 1000000;
    c->max_entries = max_entries ? max_entries : 10000;
    return c;
}

/* Drops entries expired at now (all when now is INT64_MAX). mu held. */
static void evict(wp_digest_cache *c, int64_t now_ns)
{
    for (size_t b = 0; b < BUCKETS; b++) {
        entry **pp = &c->buckets[b];
        while (*pp) {
            entry *e = *pp;
            if (e->expires_ns <= now_ns) {
                *pp = e->next;
                free(e);
                c->n--;
            } else {
                pp = &e->next;
            }
        }
    }
}

bool wp_digest_cache_get(wp_digest_cache *c, const char *image, char *digest, int64_t now_ns)
{
    if (c->ttl_ns <= 0) return false;
    bool hit = false;
    pthread_mutex_lock(&c->mu);
    for (entry *e = c->buckets[bucket_of(image)]; e; e = e->next) {
        if (strcmp(e->image, image) == 0) {
            hit = e->expires_ns > now_ns;
            if (hit) memcpy(digest, e->digest, WP_PLUGIN_DIGEST_MAX);
            break;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return hit;
}

void wp_digest_cache_put(wp_digest_cache *c, const char *image, const char *digest, int64_t now_ns)
{
    if (c->ttl_ns <= 0) return;
    size_t b = bucket_of(image);
    pthread_mutex_lock(&c->mu);
    entry *e = c->buckets[b];
    while (e && strcmp(e->image, image) != 0) e = e->next;
    if (!e) {
        if (c->n >= c->max_entries) evict(c, now_ns);
        if (c->n >= c->max_entries) evict(c, INT64_MAX);
        size_t len = strlen(image) + 1;
        e = wp_xalloc_check(malloc(sizeof *e + len));
        memcpy(e->image, image, len);
        e->next = c->buckets[b];
        c->buckets[b] = e;
        c->n++;
    }
    snprintf(e->digest, sizeof e->digest, "%s", digest);
    e->expires_ns = now_ns + c->ttl_ns;
    pthread_mutex_unlock(&c->mu);
}

void wp_digest_cache_clear(wp_digest_cache *c)
{
    pthread_mutex_lock(&c->mu);
    evict(c, INT64_MAX);
    pthread_mutex_unlock(&c->mu);
}

void wp_digest_cache_free(wp_digest_cache *c)
{
    if (!c) return;
    evict(c, INT64_MAX);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
