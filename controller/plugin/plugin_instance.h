/* One running plugin instance: its worker thread(s), the calls queued to
 * them, deadlines, abandonment of hung calls, quarantine, backoff after
 * consecutive failures, the containment of misbehaving results (statuses
 * outside the ABI, writes past the message buffer, malformed digests) and
 * the per-call metrics.
 *
 * A caller's call is copied into a job, queued, and waited for until the
 * deadline; past it the job is abandoned (the worker frees it when the
 * plugin finally returns) and the caller gets TIMEOUT. Without THREAD_SAFE
 * there is one worker, so calls are serialized; with it, `workers`. */
#ifndef WP_PLUGIN_PLUGIN_INSTANCE_H
#define WP_PLUGIN_PLUGIN_INSTANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/metrics.h"
#include "controller/plugin/plugin_conf.h"
#include "controller/plugin/plugin_lib.h"

/* The message buffer each call gets (the ABI promises at least 256). */
#define WP_PLUGIN_MSG_LEN 512
/* Upper bound on a history query's output. */
#define WP_PLUGIN_OUT_MAX (64u << 20)

typedef enum {
    WP_PLUGIN_OP_CREATE,
    WP_PLUGIN_OP_DESTROY,
    WP_PLUGIN_OP_HOOK,
    WP_PLUGIN_OP_RESOLVE,
    WP_PLUGIN_OP_APPEND,
    WP_PLUGIN_OP_QUERY,
    WP_PLUGIN_OP_HEALTH,
    WP_PLUGIN_OP__COUNT
} wp_plugin_op;

/* "create", "destroy", "event", "resolve", "append", "query", "health". */
const char *wp_plugin_op_name(wp_plugin_op op);

/* The host's families, registered once per registry. */
typedef struct {
    wp_metric_family *calls;    /* warmpool_plugin_calls_total{plugin,kind,operation,result} */
    wp_metric_family *duration; /* warmpool_plugin_call_duration_seconds{plugin,kind} */
    wp_metric_family *custom_counter, *custom_gauge, *memory;
} wp_plugin_metrics;

/* Registers the families in m; 0 or -1. */
int wp_plugin_metrics_register(wp_plugin_metrics *pm, wp_metrics *m);

typedef struct wp_plugin_ctx wp_plugin_instance;

typedef struct {
    const char *name;           /* instance name; copied */
    wp_plugin_lib *lib;         /* taken over on success AND on failure; NULL with child */
    /* Isolation mode: run the plugin in a child process (plugin_child.h)
     * instead of loading lib here. Borrowed. */
    const struct wp_plugin_child_spec_s *child;
    const json_t *config;       /* the operator's config mapping (may be NULL) */
    int64_t deadline_ms;
    int workers;                /* used only for THREAD_SAFE plugins */
    const wp_plugin_metrics *metrics; /* borrowed; may be NULL */
    int failure_threshold;
    int64_t backoff_base_ms, backoff_max_ms;
} wp_plugin_instance_spec;

/* Validates the config, starts the worker(s) and runs create within the
 * deadline. Returns the instance, or NULL with err filled (the lib is then
 * closed, or left loaded if create hung). */
wp_plugin_instance *wp_plugin_instance_start(const wp_plugin_instance_spec *spec,
                                             wp_plugin_error *err);

/* Runs destroy (bounded by the deadline), stops the workers and closes the
 * library. A worker still inside a hung call is detached and its library
 * left loaded. NULL is a no-op. */
void wp_plugin_instance_stop(wp_plugin_instance *inst);

/* One synchronous call. Inputs are borrowed for the duration of the call
 * (copied into the job). */
typedef struct {
    wp_plugin_op op;
    /* HOOK */
    const char *event, *namespace_, *sandbox, *pod_ip, *claim;
    unsigned attempt;
    /* HOOK (the event JSON), RESOLVE (the image), APPEND (records), QUERY (filter) */
    const char *input;
    size_t input_len;
    /* Overrides the instance's deadline when > 0 (the remaining time of a
     * hook event's overall deadline). */
    int64_t deadline_ms;

    /* Results */
    int status;                          /* a wp_plugin_status, always in the enum */
    bool contained;                      /* the plugin misbehaved (status outside the ABI,
                                            buffer overrun, malformed digest) */
    char message[WP_PLUGIN_MSG_LEN + 96]; /* "" on OK; otherwise "plugin <name>: ..." */
    char digest[WP_PLUGIN_DIGEST_MAX];   /* RESOLVE, on OK */
    char *out;                           /* QUERY, on OK: malloc'd, caller frees */
    size_t out_len;
} wp_plugin_call;

/* Runs c on the instance; returns c->status. Never blocks much past the
 * deadline. Thread-safe. */
int wp_plugin_instance_call(wp_plugin_instance *inst, wp_plugin_call *c);

const char *wp_plugin_instance_name(const wp_plugin_instance *inst);
/* True while a call the instance abandoned is still running in the plugin. */
bool wp_plugin_instance_stuck(const wp_plugin_instance *inst);
const wp_plugin_lib *wp_plugin_instance_lib(const wp_plugin_instance *inst);
const wp_plugin_config *wp_plugin_instance_config(const wp_plugin_instance *inst);
int64_t wp_plugin_instance_deadline_ms(const wp_plugin_instance *inst);

#endif
