/* The controller's Prometheus metrics: upstream agent-sandbox's series with
 * their exact names, labels and buckets (UPSTREAM.md §6), the
 * controller-runtime series upstream dashboards read
 * (controller_runtime_reconcile_*, workqueue_*), and warmpool's own
 * (API writes by kind, verb and code; leader status).
 *
 * All functions are thread-safe; a NULL wp_ctl_metrics is accepted and
 * ignored everywhere, so reconcilers call them unconditionally. */
#ifndef WP_CONTROLLER_METRICS_H
#define WP_CONTROLLER_METRICS_H

#include <jansson.h>
#include <stdbool.h>

#include "common/metrics.h"
#include "controller/kube/kube_error.h"
#include "controller/kube/workqueue.h"
#include "controller/reconciler.h"

/* Build identity for agent_sandbox_build_info. */
typedef struct {
    const char *git_version;
    const char *git_commit;
    const char *build_date;
} wp_ctl_build_info;

/* Registers every family in reg (borrowed; must outlive the result). ctl
 * (borrowed) is read at scrape time for agent_sandboxes. Returns NULL when a
 * registration failed (a programming error). Free with wp_ctl_metrics_free. */
wp_ctl_metrics *wp_ctl_metrics_new(wp_metrics *reg, wp_ctl *ctl, const wp_ctl_build_info *build);
void wp_ctl_metrics_free(wp_ctl_metrics *m);

/* Recomputes the scrape-time series (agent_sandboxes from the Sandbox cache,
 * workqueue_depth and friends from the queues). Call before rendering. */
void wp_ctl_metrics_refresh(wp_ctl_metrics *m);

/* --- controller-runtime series (the manager calls these) -------------------- */

/* One reconcile of `controller` ("sandbox", ...) that took `seconds`:
 * controller_runtime_reconcile_total{controller,result} with result
 * success | error | requeue_after, _errors_total, _time_seconds. */
void wp_ctl_metrics_reconcile(wp_ctl_metrics *m, const char *controller, wp_work_result result, double seconds);
/* A key waited `queued` seconds in the queue, then took `work` seconds. */
void wp_ctl_metrics_work(wp_ctl_metrics *m, const char *controller, double queued, double work);
/* Workers busy now (controller_runtime_active_workers) and configured. */
void wp_ctl_metrics_workers(wp_ctl_metrics *m, const char *controller, int active_delta, int max);

/* --- warmpool's own --------------------------------------------------------- */

/* One API write: warmpool_controller_api_writes_total{resource,verb,code}
 * (code: "200", "409", ... or the wp_kube_rc name without an HTTP answer). */
void wp_ctl_metrics_write(wp_ctl_metrics *m, const char *resource, const char *verb, const wp_kube_error *err);
/* warmpool_controller_leader (1 leading, 0 not). */
void wp_ctl_metrics_leader(wp_ctl_metrics *m, bool leading);
/* Writes counted so far (all kinds and verbs), and those answered 409. */
unsigned long long wp_ctl_metrics_writes_total(wp_ctl_metrics *m, unsigned long long *conflicts);

/* --- upstream's claim series (the claim reconciler calls these) -------------- */

/* The claim became Ready for the first time (its status write succeeded and
 * claim-first-ready-at was absent): observes
 * agent_sandbox_claim_startup_latency_ms (from webhook-first-observed-at),
 * agent_sandbox_claim_controller_startup_latency_ms (controller-first-observed-at),
 * agent_sandbox_client_claim_startup_latency_ms (client-first-requested-at;
 * negative values skipped) and agent_sandbox_creation_latency_ms (Sandbox
 * Ready.lastTransitionTime − creationTimestamp). Labels from the sandbox
 * (NULL: launch_type "unknown", template "__unknown__"). now: wall clock
 * seconds. Both objects borrowed. */
void wp_ctl_metrics_claim_ready(wp_ctl_metrics *m, const json_t *claim, const json_t *sandbox, double now);

/* agent_sandbox_claim_creation_total: a cold create or an adoption.
 * created_by_raw is the claim's created-by label (normalized here; NULL
 * allowed). */
void wp_ctl_metrics_claim_created(wp_ctl_metrics *m, const char *ns, const char *sandbox_template,
                                  const char *launch_type, const char *warmpool_name, bool pod_ready,
                                  const char *created_by_raw);

#endif
