/* The Sandbox reconciler: Pod, headless Service, PVCs and status
 * (UPSTREAM.md §3). */
#include "controller/keys.h"
#include "controller/reconciler.h"

static wp_work_result reconcile(void *ctx, const char *key, double *after)
{
    (void)ctx;
    (void)key;
    (void)after;
    return WP_WORK_DONE;
}

static const wp_ctl_watch watches[] = {
    {WP_CACHE_SANDBOX, wp_ctl_watch_self},
    {WP_CACHE_POD, wp_ctl_watch_controller},
    {WP_CACHE_SERVICE, wp_ctl_watch_controller},
    {WP_CACHE_PVC, wp_ctl_watch_controller},
};

const wp_reconciler wp_sandbox_reconciler = {
    .id = WP_CTL_SANDBOX,
    .flag_name = "sandbox",
    .name = WP_CONTROLLER_SANDBOX,
    .reporter = WP_REPORTER_SANDBOX,
    .default_workers = 100,
    .watches = watches,
    .n_watches = sizeof watches / sizeof *watches,
    .reconcile = reconcile,
};
