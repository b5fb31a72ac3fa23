/* The SandboxTemplate reconciler: the ref-hash label and the managed
 * NetworkPolicy (UPSTREAM.md §1, §8). */
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
    {WP_CACHE_TEMPLATE, wp_ctl_watch_self},
    {WP_CACHE_NETWORK_POLICY, wp_ctl_watch_controller},
};

const wp_reconciler wp_template_reconciler = {
    .id = WP_CTL_TEMPLATE,
    .flag_name = "template",
    .name = WP_CONTROLLER_TEMPLATE,
    .reporter = WP_REPORTER_TEMPLATE,
    .default_workers = 1,
    .watches = watches,
    .n_watches = sizeof watches / sizeof *watches,
    .reconcile = reconcile,
};
