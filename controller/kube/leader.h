/* Leader election on a coordination.k8s.io/v1 Lease (client-go's
 * leaderelection with a LeaseLock is the model).
 *
 * A candidate reads the Lease every retry period. It takes the lease when
 * there is none (create), when the holder is empty (released), or when the
 * holder has not renewed for leaseDurationSeconds — measured on this
 * candidate's monotonic clock from when it last saw the record change, so
 * clock skew between replicas cannot shorten a lease. Taking over bumps
 * leaseTransitions and sets acquireTime; every write is a PUT carrying the
 * resourceVersion it read (a concurrent writer gets 409 and loses).
 *
 * The leader renews every retry period. When no renewal succeeded for
 * renew_deadline it stops leading: wp_leader_is_leader() turns false at the
 * deadline even if a request is still hanging (each request is also cut at
 * the deadline), and on_stopped_leading runs — the controller must stop all
 * writes at once. A leader that stops cleanly releases the lease (empty
 * holder, leaseDurationSeconds 1) so a standby takes over within one retry
 * period instead of waiting for the lease to expire.
 *
 * Times written: acquireTime and renewTime as RFC 3339 with microseconds
 * (metav1.MicroTime). */
#ifndef WP_LEADER_H
#define WP_LEADER_H

#include <stdbool.h>
#include <stddef.h>

#include "controller/kube/kube_client.h"

typedef struct wp_leader wp_leader;

/* Zero means the default. */
typedef struct {
    const char *namespace;      /* of the Lease (required) */
    const char *name;           /* of the Lease (required) */
    const char *identity;       /* NULL: $POD_NAME, else hostname + "_" + random suffix */
    double lease_duration;      /* default 15 s */
    double renew_deadline;      /* default 10 s */
    double retry_period;        /* default 2 s */
    bool keep_on_stop;          /* do not release the lease on stop */
    /* Called from the election thread; must return quickly. */
    void (*on_started_leading)(void *ctx);
    void (*on_stopped_leading)(void *ctx);
    void (*on_new_leader)(void *ctx, const char *identity); /* the observed holder changed */
    void *ctx;
} wp_leader_config;

/* A candidate (not started). c is borrowed and must outlive it; cfg's
 * strings are copied. Returns NULL with err filled when the timings are
 * inconsistent (lease_duration > renew_deadline > 1.2 * retry_period, as
 * client-go requires) or the lease is not named. */
wp_leader *wp_leader_new(wp_kube_client *c, const wp_leader_config *cfg, char *err, size_t err_size);
/* Starts the election thread. -1 when already started or stopped before
 * (a candidate campaigns once). */
int wp_leader_start(wp_leader *le);
/* True while this candidate holds a lease renewed within renew_deadline. */
bool wp_leader_is_leader(wp_leader *le);
/* This candidate's identity (borrowed). */
const char *wp_leader_identity(const wp_leader *le);
/* The holder last observed (a copy, caller frees; "" when none). */
char *wp_leader_observed_holder(wp_leader *le);
/* Stops campaigning; a leader calls on_stopped_leading and releases the
 * lease (unless keep_on_stop). Joins the thread. */
void wp_leader_stop(wp_leader *le);
void wp_leader_free(wp_leader *le);

/* The identity used when none is configured: $POD_NAME or
 * "<hostname>_<8 hex digits>". Caller frees. */
char *wp_leader_default_identity(void);

#endif
