/* When a SandboxClaim expires and what then happens to it (UPSTREAM.md §5,
 * upstream internal/lifecycle/expiry.go): the earlier of
 * spec.lifecycle.shutdownTime and the claim's Finished condition time plus
 * spec.lifecycle.ttlSecondsAfterFinished; then the shutdown policy decides
 * (Delete / DeleteForeground delete the claim, Retain deletes the sandbox
 * and keeps the claim with Ready=False ClaimExpired). Pure. */
#ifndef WP_CONTROLLER_CLAIM_LIFECYCLE_H
#define WP_CONTROLLER_CLAIM_LIFECYCLE_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

typedef enum {
    WP_CLAIM_SHUTDOWN_RETAIN,            /* the default */
    WP_CLAIM_SHUTDOWN_DELETE,
    WP_CLAIM_SHUTDOWN_DELETE_FOREGROUND,
} wp_claim_shutdown_policy;

/* spec.lifecycle.shutdownPolicy of claim (borrowed); Retain when absent or
 * unknown. */
wp_claim_shutdown_policy wp_claim_shutdown_policy_of(const json_t *claim);
/* "Retain", "Delete", "DeleteForeground". Static. */
const char *wp_claim_shutdown_policy_name(wp_claim_shutdown_policy p);

/* The moment claim expires into *at. Returns false when it never does (no
 * lifecycle, no usable shutdownTime, and no Finished=True condition with a
 * ttl). An unparsable time counts as absent. */
bool wp_claim_expiry_time(const json_t *claim, struct timespec *at);

typedef struct {
    bool expired;
    double remaining; /* seconds until expiry when not expired; < 0: never */
} wp_claim_expiry;

/* Whether claim has expired at `now`, and how long until it does. */
wp_claim_expiry wp_claim_expiry_at(const json_t *claim, const struct timespec *now);

#endif
