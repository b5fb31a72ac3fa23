/* The SandboxClaim reconciler (UPSTREAM.md §5; docs/controller.md).
 * Registered in reconcilers.c as wp_claim_reconciler ("claim",
 * controller-runtime name "sandboxclaim", 50 workers by default).
 *
 * What a pass does, in upstream's order: get the claim from the cache →
 * stop if it is being deleted → expiry (ClaimExpired; Delete,
 * DeleteForeground, Retain) → resolve its Sandbox (status, then the
 * adoption just made, then the owner-uid index, then the legacy
 * `sandbox-name` annotation or label, then a Sandbox named after the claim)
 * → else adopt a warm member (one write: adoption.h) → else cold-start one
 * from the pool's template → write the status once, only if it changed.
 *
 * The functions below are for tests and benchmarks. */
#ifndef WP_CONTROLLER_CLAIM_H
#define WP_CONTROLLER_CLAIM_H

#include <stddef.h>

#include "controller/reconciler.h"

extern const wp_reconciler wp_claim_reconciler;

typedef struct {
    unsigned long warm;             /* claims bound to a warm member */
    unsigned long cold;             /* Sandboxes created for claims */
    unsigned long adoption_patches; /* binding patches sent */
    unsigned long adoption_conflicts;
    unsigned long status_writes;
    unsigned long status_conflicts;
    unsigned long annotation_writes; /* deferred observability/first-ready patches */
} wp_claim_stats;

/* Counters of the claim reconciler r (a running wp_rec of it). */
void wp_claim_stats_get(wp_rec *r, wp_claim_stats *out);

/* Latency per claim that became Ready in a pass, in seconds: `total` from
 * the claim's watch event to its Ready status write being sent (queue wait
 * and the adoption patch's round trip included); `own` the part a worker
 * spent in the controller itself (from taking the key to sending the
 * write, minus the time waiting for API answers). Copies up to max samples
 * (the most recent) into total and own (may be NULL); returns how many. */
size_t wp_claim_latencies(wp_rec *r, double *total, double *own, size_t max);

#endif
