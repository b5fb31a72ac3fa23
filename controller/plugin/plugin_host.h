/* The plugin host: loads the plugins the operator configured and calls them
 * off the caller's thread, with deadlines, containment, backoff and
 * metrics. The ABI the plugins see is include/warmpool/plugin.h.
 *
 * Wiring into the controller is a few calls:
 *
 *   start-up   h = wp_plugin_host_load(path, &opts, &err);  NULL -> log
 *              err.message and exit non-zero (a plugin the operator asked
 *              for is never silently skipped).
 *   templates  wp_plugin_host_resolve_digest(h, "nginx:1.27", digest, &err)
 *              (TTL cache in front of the resolver; WP_PLUGIN_HOST_NONE when
 *              no resolver is configured, so the caller keeps the tag).
 *   sandboxes  wp_plugin_host_hook(h, &event, done, arg) on first Ready,
 *              claimed and released: asynchronous, retried within the
 *              instance's deadline; done() reports each hook's outcome so
 *              the reconciler records it on the sandbox.
 *   history    wp_plugin_host_history_append(h, record, len, &err) on each
 *              claim/sandbox state change: returns once the record is in
 *              the durable spool (history_spool.h); a flusher delivers it.
 *              wp_plugin_host_history_query(...) for GET /history.
 *   shutdown   wp_plugin_host_free(h).
 *
 * Plugin configuration file (--plugin-config), YAML (JSON is YAML too):
 *
 *   plugins:
 *     - name: notify              # instance name: DNS-1123 label, unique
 *       kind: hook                # hook | digest-resolver | history-store
 *       path: /usr/lib/warmpool/plugins/hook_http.so   # relative: to this file
 *       sha256: 3f5a...           # optional pin: 64 hex digits of the file
 *       deadline: 5s              # per call (default 5s; 1ms..10m)
 *       cacheTTL: 5m              # digest-resolver only (default 5m; 0 = no cache)
 *       workers: 4                # thread-safe plugins only (default 4; 1..64)
 *       spool: /var/lib/warmpool/history   # history-store only: durable buffer
 *                                 # directory (absent: memory only, lost on a crash)
 *       isolation: process        # none (default) | process: run the plugin in its own
 *                                 # child (warmpool-plugin-runner); a crash or hang
 *                                 # kills only the child, restarted on the next call;
 *                                 # one call at a time; the plugin's own metrics are
 *                                 # not exported
 *       config:                   # the plugin's own keys (see plugin check)
 *         port: 8080
 *
 * Unknown keys are errors at every level. At most one digest-resolver and
 * one history-store; any number of hooks (each event goes to all of them).
 *
 * Threads: every function here may be called from any thread once
 * wp_plugin_host_load returned, except wp_plugin_host_free (once, after
 * the last call returned). Calls never block past the instance's deadline
 * (plus scheduling noise): a plugin that hangs is abandoned, reported as
 * TIMEOUT, and its instance quarantined until the call returns.
 *
 * Errors: one record, wp_plugin_error, with a code and a log-ready message
 * that names the instance and file:
 *   plugin notify (/x/hook.so): ABI 2.0 but this controller supports 1.0-1.1 */
#ifndef WP_PLUGIN_HOST_H
#define WP_PLUGIN_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/metrics.h"
#include "warmpool/plugin.h"

typedef enum {
    WP_PLUGIN_ERR_NONE = 0,
    WP_PLUGIN_ERR_CONFIG,    /* the plugin configuration file is wrong */
    WP_PLUGIN_ERR_FILE,      /* the .so: missing, not a regular file, owner/mode, pin */
    WP_PLUGIN_ERR_LOAD,      /* dlopen or the entry symbol failed */
    WP_PLUGIN_ERR_ABI,       /* descriptor version or shape refused */
    WP_PLUGIN_ERR_PLUGIN_CONFIG, /* the instance's config vs the declared keys */
    WP_PLUGIN_ERR_CREATE,    /* create returned an error or timed out */
    WP_PLUGIN_ERR_CALL,      /* a call did not return OK (see status) */
    WP_PLUGIN_ERR_NONE_CONFIGURED, /* no plugin of the kind the call needs */
} wp_plugin_error_code;

typedef struct {
    wp_plugin_error_code code;
    int status;            /* for WP_PLUGIN_ERR_CALL: the wp_plugin_status */
    char message[768];     /* log-ready; "" when code is NONE */
} wp_plugin_error;

/* Stable name of a code ("abi", "create", ...). Static string. */
const char *wp_plugin_error_code_name(wp_plugin_error_code code);
/* "ok", "retry", "fail", "invalid_config", "timeout"; "unknown" otherwise. */
const char *wp_plugin_status_name(int status);

typedef struct wp_plugin_host wp_plugin_host;

typedef struct {
    /* Registry for the warmpool_plugin_* families; borrowed, must outlive
     * the host. NULL: the host keeps its own (see wp_plugin_host_metrics). */
    wp_metrics *metrics;
    /* Backoff after consecutive failures (RETRY, TIMEOUT, contained
     * misbehaviour): after failure_threshold in a row, calls are refused
     * for backoff_base_ms, doubling per further failure up to
     * backoff_max_ms. Zero means the default (5, 1000, 60000). */
    int failure_threshold;
    int64_t backoff_base_ms, backoff_max_ms;
    /* Skip the owner/mode checks (for tools that inspect files they do not
     * own; the controller never sets it). */
    bool skip_file_checks;
    /* warmpool-plugin-runner for isolation: process; NULL: the default
     * (wp_plugin_child_default_runner). */
    const char *runner_path;
} wp_plugin_host_options;

/* Reads the plugin configuration file, loads and creates every instance.
 * All or nothing: on any refusal, instances already created are destroyed
 * and NULL is returned with err filled. Caller frees with
 * wp_plugin_host_free. opts may be NULL. */
wp_plugin_host *wp_plugin_host_load(const char *config_path, const wp_plugin_host_options *opts,
                                    wp_plugin_error *err);

/* The same from bytes (YAML or JSON); origin names them in messages and
 * relative paths resolve against base_dir ("." when NULL). */
wp_plugin_host *wp_plugin_host_load_buffer(const char *buf, size_t len, const char *origin,
                                           const char *base_dir,
                                           const wp_plugin_host_options *opts,
                                           wp_plugin_error *err);

/* Destroys every instance (each destroy bounded by its deadline), joins the
 * workers, dlcloses the libraries (unless NO_UNLOAD or a call is still
 * hung, in which case that library and thread are left behind). */
void wp_plugin_host_free(wp_plugin_host *h);

/* The registry the host reports to (the one in options, or its own). */
wp_metrics *wp_plugin_host_metrics(wp_plugin_host *h);

/* Number of configured instances of a kind (0 = none). */
size_t wp_plugin_host_count(const wp_plugin_host *h, wp_plugin_kind kind);

/* ------------------------------------------------------------ digests */

/* Resolves an image reference to "sha256:<64 hex>" into digest (at least
 * WP_PLUGIN_DIGEST_MAX bytes). A fresh cache entry answers without calling
 * the plugin. Returns WP_PLUGIN_OK, or another status with err filled
 * (code WP_PLUGIN_ERR_NONE_CONFIGURED when there is no resolver; the
 * caller then keeps the tag). A malformed digest from the plugin is
 * refused (FAIL) and never cached. Never blocks past the deadline. */
int wp_plugin_host_resolve_digest(wp_plugin_host *h, const char *image, char *digest,
                                  wp_plugin_error *err);

/* Drops every cached digest (tests; an operator-triggered refresh). */
void wp_plugin_host_digest_cache_clear(wp_plugin_host *h);

/* True when s is "sha256:" followed by exactly 64 lowercase hex digits
 * and nothing else. */
bool wp_plugin_digest_valid(const char *s);

/* ------------------------------------------------------------ hooks */

/* A hook event as the controller describes it; every string is borrowed
 * and copied before wp_plugin_host_hook returns. NULL means "". */
typedef struct {
    const char *event;     /* "ready" | "claimed" | "released" */
    const char *namespace_;
    const char *sandbox;
    const char *pod_ip;
    const char *claim;
    const char *json;      /* the event as JSON (see wp_plugin_hook_event) */
    size_t json_len;
} wp_plugin_host_event;

/* Called once per hook instance per event when it is settled: OK, FAIL,
 * or RETRY/TIMEOUT when the deadline ran out. instance and message are
 * borrowed for the call; attempts counts plugin calls made. Runs on a
 * host worker thread: record the outcome (enqueue a key), do not block. */
typedef void (*wp_plugin_hook_done_fn)(void *arg, const char *instance, int status,
                                       const char *message, unsigned attempts);

/* Delivers an event to every hook instance, asynchronously: each instance
 * gets attempts until OK/FAIL or its deadline (counted from now) passes,
 * RETRY answers retried after 50 ms, doubling. done may be NULL. Returns
 * the number of instances the event was queued to (0: no hooks). */
size_t wp_plugin_host_hook(wp_plugin_host *h, const wp_plugin_host_event *event,
                           wp_plugin_hook_done_fn done, void *arg);

/* Waits until every queued hook event has settled or timeout_ms passed;
 * returns true when all settled (tests, orderly shutdown). */
bool wp_plugin_host_hook_drain(wp_plugin_host *h, int64_t timeout_ms);

/* ------------------------------------------------------------ history */

/* Buffers one history record (a JSON object, see wp_plugin_history_ops;
 * an "id" is added when absent) durably for the store. Returns OK once it
 * is in the spool (fdatasync'ed when a spool directory is configured), FAIL
 * for a record that is not a JSON object, RETRY when the spool is full or
 * the disk refused; err says which. Thread-safe; never waits for the
 * store. */
int wp_plugin_host_history_append(wp_plugin_host *h, const char *record, size_t len,
                                  wp_plugin_error *err);

/* Waits until the spool is delivered or timeout_ms passed (tests,
 * shutdown); true when nothing is pending. */
bool wp_plugin_host_history_drain(wp_plugin_host *h, int64_t timeout_ms);

/* Stores a batch of records (a JSON array) with the history store directly,
 * synchronously within its deadline, bypassing the spool. */
int wp_plugin_host_history_append_batch(wp_plugin_host *h, const char *records, size_t len,
                                        wp_plugin_error *err);

/* Runs a query (a JSON filter object); on OK *out is a new malloc'd JSON
 * array (caller frees) and *out_len its length. */
int wp_plugin_host_history_query(wp_plugin_host *h, const char *filter, size_t len, char **out,
                                 size_t *out_len, wp_plugin_error *err);

#endif
