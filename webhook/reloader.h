/* Reloads the serving certificate, the client CA bundle and the rule
 * configuration when their files change, logging and counting each result.
 * A file that fails to load is refused and the previous object keeps
 * serving. Polled by its own thread (wp_reloader_start), so that whatever
 * a read does (a slow or hung file system) the main thread keeps handling
 * signals: SIGTERM always stops the process promptly. */
#ifndef WP_RELOADER_H
#define WP_RELOADER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "webhook/file_watch.h"
#include "webhook/flags.h"
#include "webhook/live.h"
#include "webhook/webhook_metrics.h"

typedef enum { WP_WATCH_PAIR, WP_WATCH_CLIENT_CA, WP_WATCH_CONFIG, WP_WATCH__COUNT } wp_watch_id;

typedef struct {
    wp_live *live;
    wp_webhook_metrics *metrics;
    wp_watch watches[WP_WATCH__COUNT];
    bool active[WP_WATCH__COUNT];
    char last_error[WP_WATCH__COUNT][512]; /* a read error is logged once, not every poll */
    /* The reload thread. */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;       /* CLOCK_MONOTONIC */
    long long interval_ms;
    bool sync_ready, running;
    bool wake, stopping, stopped; /* under lock */
} wp_reloader;

/* Loads everything once (a failure here is fatal: err filled, -1) and
 * installs it into live. */
int wp_reloader_init(wp_reloader *r, const wp_webhook_options *opts, wp_live *live,
                     wp_webhook_metrics *metrics, char *err, size_t err_size);

/* Checks every file once; reloads what changed. Not for use while the
 * thread runs. */
void wp_reloader_poll(wp_reloader *r);

/* Starts the reload thread: wp_reloader_poll every interval_ms (again
 * after a successful wp_reloader_stop). Returns 0 or -1. */
int wp_reloader_start(wp_reloader *r, long long interval_ms);

/* Asks the thread to poll now (SIGHUP). */
void wp_reloader_wake(wp_reloader *r);

/* Asks the thread to stop and waits up to wait_ms for it. Returns true
 * when it stopped (or never ran); false when it is stuck in a read, in
 * which case r and what it points to must not be freed (the process is
 * about to exit anyway); a later call waits again and joins it. */
bool wp_reloader_stop(wp_reloader *r, long long wait_ms);

/* Frees r; only after wp_reloader_stop returned true (or no start). */
void wp_reloader_free(wp_reloader *r);

#endif
