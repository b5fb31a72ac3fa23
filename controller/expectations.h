/* What a warm pool has asked the API server for and not yet seen come back
 * through its cache (UPSTREAM.md §4; client-go's
 * UIDTrackingControllerExpectations in small).
 *
 * Why: a reconcile counts members in the informer cache. Right after it
 * creates five Sandboxes the cache may still show none, and the next pass
 * (queued by those very creates) would create five more; upstream measured
 * about 10x over-creation before adding this. So creates are counted before
 * they are issued and lowered as their add events arrive; deletes are
 * tracked by UID until their delete events arrive. While anything is
 * outstanding the pool neither creates nor removes surplus. A record older
 * than the timeout (5 minutes) is dropped, so a lost event cannot wedge a
 * pool forever.
 *
 * Keys are "namespace/pool". All functions are thread-safe (one mutex). */
#ifndef WP_CONTROLLER_EXPECTATIONS_H
#define WP_CONTROLLER_EXPECTATIONS_H

#include <stdbool.h>
#include <stddef.h>

#define WP_EXPECT_TIMEOUT_DEFAULT 300.0 /* seconds */

typedef struct wp_expect wp_expect;

/* Seconds on some monotonic clock; a test hook. */
typedef double (*wp_expect_clock_fn)(void *ctx);

/* timeout <= 0 means WP_EXPECT_TIMEOUT_DEFAULT; clock NULL means
 * CLOCK_MONOTONIC. Free with wp_expect_free. */
wp_expect *wp_expect_new(double timeout, wp_expect_clock_fn clock, void *clock_ctx);
void wp_expect_free(wp_expect *e);

/* True when nothing is outstanding for the pool (or its record timed out;
 * then the record is dropped). */
bool wp_expect_satisfied(wp_expect *e, const char *key);

/* Atomically: when satisfied, records n creates and returns true; else
 * records nothing and returns false. n <= 0 returns false. The check and the
 * record are one critical section, so two overlapping passes of one pool
 * cannot both pass. */
bool wp_expect_try_creations(wp_expect *e, const char *key, int n);

/* Lowers the pending creates by n (clamped at 0): an add event was seen
 * (n = 1), or creates failed and no event will come. */
void wp_expect_lower_creations(wp_expect *e, const char *key, int n);

/* Records that the Sandbox with this uid is about to be deleted (empty
 * uids are ignored) and refreshes the record's age. */
void wp_expect_deletion(wp_expect *e, const char *key, const char *uid);

/* The delete event for uid was seen, or its delete failed. */
void wp_expect_deletion_observed(wp_expect *e, const char *key, const char *uid);

/* True while a delete of uid was issued and not yet seen (and the record
 * has not timed out): such a Sandbox counts as terminating, not active. */
bool wp_expect_pending_deletion(wp_expect *e, const char *key, const char *uid);

/* The uids wp_expect_pending_deletion would call pending now, copied:
 * taken before a pass lists the cache, it classifies the listed members as
 * of the list (a delete event between the list and a later per-member
 * check would otherwise make a just-deleted member look alive). Caller
 * frees with wp_expect_uids_free. NULL with *n = 0 when there are none. */
char **wp_expect_pending_deletions(wp_expect *e, const char *key, size_t *n);
/* True when uid is among uids[0..n). */
bool wp_expect_uids_contain(char *const *uids, size_t n, const char *uid);
void wp_expect_uids_free(char **uids, size_t n);

/* Pending creates and deletes (for tests, logs and metrics). */
void wp_expect_pending(wp_expect *e, const char *key, int *creates, int *deletes);

/* Drops everything about the pool (it was deleted). */
void wp_expect_forget(wp_expect *e, const char *key);

#endif
