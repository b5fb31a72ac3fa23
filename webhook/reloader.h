/* Reloads the serving certificate, the client CA bundle and the rule
 * configuration when their files change, logging and counting each result.
 * A file that fails to load is refused and the previous object keeps
 * serving. Polled from the main loop (one thread). */
#ifndef WP_RELOADER_H
#define WP_RELOADER_H

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
} wp_reloader;

/* Loads everything once (a failure here is fatal: err filled, -1) and
 * installs it into live. */
int wp_reloader_init(wp_reloader *r, const wp_webhook_options *opts, wp_live *live,
                     wp_webhook_metrics *metrics, char *err, size_t err_size);

/* Checks every file once; reloads what changed. */
void wp_reloader_poll(wp_reloader *r);

void wp_reloader_free(wp_reloader *r);

#endif
