/* Asynchronous delivery of hook events: a small pool of dispatcher threads
 * (one per hook instance plus one, at most 8) makes the (synchronous,
 * deadline-bounded) instance calls, so the reconciler that raised the event
 * never waits. RETRY answers are retried
 * after 50 ms, doubling, while the event's deadline (the instance's
 * deadline, counted from submission) allows; then done() is called once. */
#ifndef WP_PLUGIN_HOOK_DISPATCH_H
#define WP_PLUGIN_HOOK_DISPATCH_H

#include "controller/plugin/plugin_host.h"
#include "controller/plugin/plugin_instance.h"

typedef struct wp_hook_dispatch wp_hook_dispatch;

wp_hook_dispatch *wp_hook_dispatch_start(int threads);
/* Settles what is still pending (each done() gets TIMEOUT "shutting down"
 * if it cannot finish within its deadline), joins the threads, frees. */
void wp_hook_dispatch_stop(wp_hook_dispatch *d);

/* Queues ev for inst; strings are copied. */
void wp_hook_dispatch_submit(wp_hook_dispatch *d, wp_plugin_instance *inst,
                             const wp_plugin_host_event *ev, wp_plugin_hook_done_fn done, void *arg);

bool wp_hook_dispatch_drain(wp_hook_dispatch *d, int64_t timeout_ms);

#endif
