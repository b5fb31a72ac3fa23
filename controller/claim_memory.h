/* What the claim reconciler remembers between passes, in memory only
 * (nothing here is needed after a restart: the API server has the truth):
 *
 * - when each claim's first watch event arrived (upstream's observedTimes:
 *   the start of the controller latency metric and of the deferred
 *   controller-first-observed-at annotation);
 * - the resourceVersion our last write gave each claim, so a pass that
 *   reads a cached claim older than that write is skipped: its status
 *   write could only 409 and its annotation write would repeat, and the
 *   watch event of our own write queues the claim again;
 * - the Sandbox each adoption returned, until the cache shows it, so a
 *   pass on a lagging cache never adopts a second one for the same claim;
 * - the latency samples the benchmark reads.
 *
 * Thread-safe (one mutex). Strings are copied in; functions returning
 * json_t * hand over a new reference. */
#ifndef WP_CONTROLLER_CLAIM_MEMORY_H
#define WP_CONTROLLER_CLAIM_MEMORY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct wp_claim_memory wp_claim_memory;

/* A stale view is believed at most this long (a write whose watch event
 * never comes must not stop the claim for good). */
#define WP_CLAIM_MEMORY_STALE_MAX 5.0
/* Latency samples kept (the most recent). */
#define WP_CLAIM_MEMORY_SAMPLES 65536

wp_claim_memory *wp_claim_memory_new(void); /* free with wp_claim_memory_free */
void wp_claim_memory_free(wp_claim_memory *m);

/* When claim key ("ns/name") of incarnation uid was first seen: recorded
 * as `now` the first time (or when uid changed: deleted and created
 * again), returned ever after. */
double wp_claim_memory_observe(wp_claim_memory *m, const char *key, const char *uid, double now);
/* True the first time it is asked for claim key's current incarnation
 * (after wp_claim_memory_observe), false ever after: the claim's history
 * records are re-derived once per process (history.h). */
bool wp_claim_memory_first_pass(wp_claim_memory *m, const char *key);
/* Forgets claim key (it is gone). */
void wp_claim_memory_forget(wp_claim_memory *m, const char *key);

/* Our write gave claim key resourceVersion rv at `now`. */
void wp_claim_memory_wrote(wp_claim_memory *m, const char *key, const char *rv, double now);
/* True when cached_rv is older than our last write of key (both numeric,
 * as every kube-apiserver issues them; anything else is never stale) and
 * that write is younger than WP_CLAIM_MEMORY_STALE_MAX. Once the cache has
 * caught up (or the limit passed) the write is forgotten. */
bool wp_claim_memory_stale(wp_claim_memory *m, const char *key, const char *cached_rv, double now);

/* Remembers the Sandbox claim_uid was just bound to (copied). */
void wp_claim_memory_bind(wp_claim_memory *m, const char *claim_uid, const json_t *sandbox);
/* That Sandbox (new reference), or NULL. */
json_t *wp_claim_memory_bound(wp_claim_memory *m, const char *claim_uid);
/* Forgets it (the cache shows it, or the claim is gone). */
void wp_claim_memory_unbind(wp_claim_memory *m, const char *claim_uid);

/* A latency sample (seconds): total and own (claim.h). */
void wp_claim_memory_sample(wp_claim_memory *m, double total, double own);
/* Copies up to max of the most recent samples, oldest first; own may be
 * NULL. Returns how many. */
size_t wp_claim_memory_samples(wp_claim_memory *m, double *total, double *own, size_t max);

#endif
