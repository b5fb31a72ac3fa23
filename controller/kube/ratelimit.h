/* Rate limits and backoff: the arithmetic the client, the informers, the
 * workqueue and the event recorder share.
 *
 * Token bucket: `burst` tokens, refilled at `qps` per second. reserve()
 * always takes a token and says how long to wait before using it (the
 * balance may go negative: later callers queue behind earlier ones, in
 * order), which is how golang.org/x/time/rate's Reserve behaves and what
 * client-go's client-side limit uses.
 *
 * Exponential backoff: base * 2^attempt, capped; optional jitter spreads
 * retries so a fleet does not retry in lock-step. */
#ifndef WP_KUBE_RATELIMIT_H
#define WP_KUBE_RATELIMIT_H

#include <pthread.h>
#include <stdbool.h>

typedef struct {
    pthread_mutex_t mu;
    double qps;    /* <= 0: unlimited */
    double burst;
    double tokens;
    double last;   /* monotonic time of the last refill */
} wp_kube_ratelimit;

/* burst < 1 is treated as 1. Destroy with wp_kube_ratelimit_destroy. */
void wp_kube_ratelimit_init(wp_kube_ratelimit *rl, double qps, int burst);
void wp_kube_ratelimit_destroy(wp_kube_ratelimit *rl);
/* Changes the rate; the current balance is kept (capped at the new burst). */
void wp_kube_ratelimit_set(wp_kube_ratelimit *rl, double qps, int burst);
/* Takes one token at time `now` (monotonic seconds) and returns how many
 * seconds the caller must wait before acting (0 when a token was there).
 * Thread-safe. */
double wp_kube_ratelimit_reserve(wp_kube_ratelimit *rl, double now);
/* Takes a token only when one is available now. Thread-safe. */
bool wp_kube_ratelimit_try(wp_kube_ratelimit *rl, double now);
/* reserve() then sleep. */
void wp_kube_ratelimit_wait(wp_kube_ratelimit *rl);

/* base * 2^attempt, at most max (attempt 0 → base). */
double wp_kube_backoff_exp(double base, double max, unsigned attempt);
/* Spreads delay over [delay, delay * (1 + jitter)] using r in [0, 1). */
double wp_kube_backoff_jitter(double delay, double jitter, double r);
/* A uniformly distributed number in [0, 1); thread-safe, not for secrets. */
double wp_kube_random(void);

/* Backoff state of one retrying loop (an informer's list/watch). */
typedef struct {
    double initial;     /* first delay, seconds */
    double max;         /* cap */
    double jitter;      /* 0..1, see wp_kube_backoff_jitter */
    double reset_after; /* a failure this long after the previous one starts over */
    unsigned failures;
    double last_failure;
} wp_kube_backoff;

/* Records a failure at `now` and returns the delay before the next try. */
double wp_kube_backoff_next(wp_kube_backoff *b, double now);
/* Forgets past failures (after a success). */
void wp_kube_backoff_reset(wp_kube_backoff *b);

#endif
