/* The TTL cache in front of the digest resolver: image reference ->
 * digest, answered from memory for cacheTTL so a pool of a thousand
 * members costs one registry round trip, not a thousand. Bounded: past
 * max_entries, expired entries are dropped, then everything (a resolver
 * answer is cheap to redo; unbounded memory is not). Thread-safe. */
#ifndef WP_PLUGIN_DIGEST_CACHE_H
#define WP_PLUGIN_DIGEST_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wp_digest_cache wp_digest_cache;

/* ttl_ms 0 disables caching (get always misses). Free with
 * wp_digest_cache_free. */
wp_digest_cache *wp_digest_cache_new(int64_t ttl_ms, size_t max_entries);
void wp_digest_cache_free(wp_digest_cache *c);

/* Copies a fresh entry's digest into digest (WP_PLUGIN_DIGEST_MAX bytes);
 * false on a miss or an expired entry. now_ns: CLOCK_MONOTONIC. */
bool wp_digest_cache_get(wp_digest_cache *c, const char *image, char *digest, int64_t now_ns);
void wp_digest_cache_put(wp_digest_cache *c, const char *image, const char *digest, int64_t now_ns);
void wp_digest_cache_clear(wp_digest_cache *c);

#endif
