/* The manager: runs the selected reconcilers (controller-runtime's manager
 * is the model).
 *
 *   new    builds the context, initialises each reconciler (init hook),
 *          creates one informer per kind any of them reads, and routes
 *          informer events to their watch hooks;
 *   start  starts the informers and, with leader election, the candidate;
 *          a runner thread waits until every cache synced and this replica
 *          leads (at once without election), then starts each reconciler's
 *          workers. Keys queued meanwhile wait in the queues.
 *   stop   lets the reconciles in hand finish (no new key is taken),
 *          stops writes, releases the Lease, stops the informers.
 *
 * Writes are allowed only while leading (wp_ctl.writable): when renewal
 * fails the leader stops writing at once, and on_lost_lease tells the
 * program, which exits non-zero so it restarts as a fresh candidate (as
 * controller-runtime does). */
#ifndef WP_CONTROLLER_MANAGER_H
#define WP_CONTROLLER_MANAGER_H

#include <stdbool.h>
#include <stddef.h>

#include "common/metrics.h"
#include "controller/kube/kube_client.h"
#include "controller/reconciler.h"

typedef struct wp_manager wp_manager;

/* Zero means the default. Strings are borrowed for the manager's life. */
typedef struct {
    wp_kube_client *client;      /* required */
    wp_ctl_options opts;
    unsigned controllers;        /* bits (1u << wp_ctl_id); 0 = all */
    int workers[WP_CTL__COUNT];  /* 0 = the descriptor's default */
    bool leader_elect;
    const char *lease_namespace; /* required with leader_elect */
    const char *lease_name;      /* default WP_LEASE_NAME_DEFAULT */
    double lease_duration, renew_deadline, retry_period; /* seconds; 15, 10, 2 */
    wp_metrics *registry;        /* NULL: no metrics */
    const char *build_commit;    /* agent_sandbox_build_info */
    struct wp_plugin_host *plugins; /* borrowed; NULL: none */
    /* Called (from the election thread) when leadership is lost other than
     * by stop. Must return quickly. */
    void (*on_lost_lease)(void *ctx);
    void *ctx;
} wp_manager_config;

/* Returns NULL with err filled when a reconciler's init fails or the
 * election settings are inconsistent. */
wp_manager *wp_manager_new(const wp_manager_config *cfg, char *err, size_t err_size);
/* Starts informers, election and the runner. 0, or -1 with err. */
int wp_manager_start(wp_manager *m, char *err, size_t err_size);
/* True once every informer listed once. */
bool wp_manager_synced(wp_manager *m);
/* True while this replica may write (leading, or election off). */
bool wp_manager_leading(wp_manager *m);
/* True when election is on and this replica is a healthy candidate, or
 * election is off. */
bool wp_manager_ready(wp_manager *m);
/* The context (borrowed). */
wp_ctl *wp_manager_ctl(wp_manager *m);
/* Stops as described above. */
void wp_manager_stop(wp_manager *m);
/* Stops if needed, then frees. */
void wp_manager_free(wp_manager *m);

#endif
