/* The instance record (struct wp_plugin_ctx, opaque to plugins), shared by
 * plugin_instance.c (workers, calls) and plugin_services.c (the services
 * table). Nothing else includes this. */
#ifndef WP_PLUGIN_PLUGIN_CTX_H
#define WP_PLUGIN_PLUGIN_CTX_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "controller/plugin/plugin_instance.h"

#include "common/strbuf.h"
#include "controller/plugin/plugin_child.h"

typedef struct wp_plugin_job wp_plugin_job;

/* The output sink of a history query. */
struct wp_plugin_out {
    wp_sb sb;
    size_t limit;
};

struct wp_plugin_ctx {
    char *name;
    wp_plugin_lib *lib;
    wp_plugin_config *cfg;
    void *self;                 /* what create returned */
    wp_plugin_child *child;     /* isolation mode: the plugin runs there */
    wp_plugin_child_info child_info;
    int64_t deadline_ms;
    int failure_threshold;
    int64_t backoff_base_ms, backoff_max_ms;
    const wp_plugin_metrics *pm;
    wp_metric *calls[WP_PLUGIN_OP__COUNT][6]; /* by op and result (5 = backoff) */
    wp_metric *duration, *memory;

    pthread_mutex_t mu;
    pthread_cond_t work_cv;     /* jobs queued, or stopping */
    pthread_cond_t done_cv;     /* a job finished (waiters recheck theirs) */
    wp_plugin_job *head, *tail;
    atomic_size_t queued;
    int sleeping;               /* workers waiting on work_cv */
    atomic_int waiting;         /* callers waiting on done_cv */
    bool stopping;
    pthread_t *threads;
    int n_threads;
    int live_threads;           /* workers not yet exited (mu) */
    bool orphaned;              /* torn down with a call stuck: last worker frees (mu) */

    atomic_int overdue;         /* abandoned calls still running in the plugin */
    atomic_int consecutive_failures;
    _Atomic int64_t backoff_until_ns;
    atomic_llong memory_bytes;
    _Atomic int64_t caller_spin_ns, worker_spin_ns; /* adaptive spin budgets */
};

/* The services table every instance gets. */
extern const wp_plugin_services wp_plugin_services_table;

/* Marks the calling thread as running a call on inst until deadline_ns
 * (CLOCK_MONOTONIC); 0 clears it. For the remaining_ms service. */
void wp_plugin_services_enter(wp_plugin_instance *inst, int64_t deadline_ns);

int64_t wp_plugin_now_ns(void);

/* A CLOCK_MONOTONIC time in ns as the timespec pthread_cond_timedwait
 * wants (every condition variable here is set to CLOCK_MONOTONIC). */
static inline struct timespec wp_plugin_timespec(int64_t ns)
{
    return (struct timespec){.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
}

#endif
