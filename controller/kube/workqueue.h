/* A work queue of object keys for reconcilers (client-go's workqueue is the
 * model).
 *
 * - Deduplicates: a key added ten times before a worker takes it is
 *   processed once.
 * - Never hands one key to two workers at once: a key added while it is
 *   being processed is held back ("dirty") and queued again when the
 *   worker calls done.
 * - Rate-limited retries: add_rate_limited waits the larger of a per-key
 *   exponential backoff (base * 2^failures, capped) and an overall token
 *   bucket (so a storm of failures cannot hammer the API server).
 * - Delayed adds (add_after) from a timer heap; a key waiting twice keeps
 *   the earlier time.
 * - N worker threads calling a function; clean shutdown that either drains
 *   what is queued or stops after the keys in hand.
 *
 * Thread-safe. Keys are copied in; the key a worker receives is owned by
 * the queue until done(). */
#ifndef WP_WORKQUEUE_H
#define WP_WORKQUEUE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct wp_workqueue wp_workqueue;

/* Zero means the default (client-go's). */
typedef struct {
    double base_delay; /* first retry delay per key; default 0.005 s */
    double max_delay;  /* per-key cap; default 1000 s */
    double qps;        /* overall retry rate; default 10/s; < 0 = unlimited */
    int burst;         /* default 100 */
} wp_workqueue_opts;

/* A new queue (opts may be NULL). Free with wp_workqueue_free after
 * wp_workqueue_shutdown. */
wp_workqueue *wp_workqueue_new(const wp_workqueue_opts *opts);
void wp_workqueue_free(wp_workqueue *q);

/* Queues key (ignored after shutdown). */
void wp_workqueue_add(wp_workqueue *q, const char *key);
/* Queues key after `seconds` (at once when <= 0). */
void wp_workqueue_add_after(wp_workqueue *q, const char *key, double seconds);
/* Queues key after its backoff and the overall limit; counts a failure. */
void wp_workqueue_add_rate_limited(wp_workqueue *q, const char *key);
/* The delay add_rate_limited would use next (without counting). */
double wp_workqueue_backoff(wp_workqueue *q, const char *key);
/* Forgets the key's failures (after a success). */
void wp_workqueue_forget(wp_workqueue *q, const char *key);
/* Failures counted for key since the last forget. */
unsigned wp_workqueue_failures(wp_workqueue *q, const char *key);

/* Blocks until a key is ready; returns it (owned by the queue: valid until
 * wp_workqueue_done), or NULL once the queue is shut down (after draining,
 * when draining). */
const char *wp_workqueue_get(wp_workqueue *q);
/* How long the key this thread's last wp_workqueue_get returned had waited
 * in the queue (seconds; -1 before any). For workqueue_queue_duration_seconds:
 * a worker function reads it for the key it was called with. */
double wp_workqueue_last_wait(void);
/* The worker finished key (the pointer get returned). */
void wp_workqueue_done(wp_workqueue *q, const char *key);

/* Keys waiting to be taken (not counting delayed ones). */
size_t wp_workqueue_len(wp_workqueue *q);

typedef struct {
    unsigned long adds;        /* keys queued (after deduplication) */
    unsigned long retries;     /* add_rate_limited calls */
    unsigned long processed;   /* done calls */
    size_t depth;              /* queued now */
    size_t delayed;            /* waiting for their time */
    double queue_seconds;      /* total time keys waited before a worker took them */
} wp_workqueue_stats;

void wp_workqueue_stats_get(wp_workqueue *q, wp_workqueue_stats *out);

/* What a worker function returns. */
typedef enum {
    WP_WORK_DONE,          /* success: forget the key's failures */
    WP_WORK_RETRY,         /* failure: add_rate_limited */
    WP_WORK_REQUEUE_AFTER, /* success, but look again after *after seconds */
} wp_work_result;

/* Called by workers for each key (borrowed for the call). */
typedef wp_work_result (*wp_workqueue_fn)(void *ctx, const char *key, double *after);

/* Starts n worker threads running fn. Returns 0, or -1 when already started
 * or a thread could not be created (the ones started keep running). */
int wp_workqueue_start(wp_workqueue *q, int n, wp_workqueue_fn fn, void *ctx);

/* Stops accepting keys and wakes every waiter. drain: workers process what
 * is queued (delayed keys are dropped), then exit; otherwise they exit
 * after the key in hand. Joins the workers started by wp_workqueue_start. */
void wp_workqueue_shutdown(wp_workqueue *q, bool drain);

#endif
