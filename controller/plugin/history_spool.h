/* The history buffer between the controller and its history store: every
 * record is written (and fdatasync'ed) to a spool file before
 * wp_history_spool_append returns, and a flusher thread delivers the
 * spool to the store in batches (a JSON array, up to 1000 records / 1 MiB),
 * retrying with backoff while the store answers RETRY or TIMEOUT.
 * Concurrent appends share one fdatasync (group commit). So a
 * record survives a controller crash (the next start replays the spool) and
 * a store outage (it waits). Delivery is at least once: a crash between the
 * store's OK and the spool's bookkeeping delivers a batch again, which is
 * why every record carries a unique "id" (added here when absent).
 *
 * Spool directory layout: spool.jsonl (one record per line, append-only,
 * truncated when everything is delivered) and offset (how many bytes of
 * spool.jsonl the store has, written atomically). Without a directory the
 * buffer is memory only (lost on a crash; said so in the log at start). */
#ifndef WP_PLUGIN_HISTORY_SPOOL_H
#define WP_PLUGIN_HISTORY_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "controller/plugin/plugin_host.h"
#include "controller/plugin/plugin_instance.h"

/* Pending records beyond which append answers RETRY (the store has been
 * away long enough that the operator must look). */
#define WP_HISTORY_SPOOL_MAX_RECORDS 200000
#define WP_HISTORY_SPOOL_MAX_BYTES (256u << 20)

typedef struct wp_history_spool wp_history_spool;

/* Opens (creating) the spool in dir, or a memory-only buffer when dir is
 * NULL, loads what a previous run left undelivered and starts the flusher.
 * store is borrowed and must outlive the spool. NULL with err filled. */
wp_history_spool *wp_history_spool_open(const char *dir, wp_plugin_instance *store,
                                        wp_plugin_error *err);

/* Buffers one record (a JSON object; "id" added when absent) durably.
 * Returns WP_PLUGIN_OK, FAIL (not a JSON object: err says why) or RETRY
 * (spool full, or the disk refused the write). Thread-safe. */
int wp_history_spool_append(wp_history_spool *s, const char *record, size_t len,
                            wp_plugin_error *err);

/* Records not yet delivered. */
size_t wp_history_spool_pending(wp_history_spool *s);

/* Waits until everything is delivered or timeout_ms passed; true when
 * nothing is pending. */
bool wp_history_spool_drain(wp_history_spool *s, int64_t timeout_ms);

/* Stops the flusher (after its current attempt) and closes. What is not
 * delivered stays in the spool file for the next start. NULL is a no-op. */
void wp_history_spool_close(wp_history_spool *s);

#endif
