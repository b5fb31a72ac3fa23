/* Token bucket and backoff arithmetic. See ratelimit.h. */
#include "controller/kube/ratelimit.h"

#include <math.h>
#include <stdint.h>
#include <time.h>

#include "controller/kube/kube_time.h"

void wp_kube_ratelimit_init(wp_kube_ratelimit *rl, double qps, int burst)
{
    pthread_mutex_init(&rl->mu, NULL);
    rl->qps = qps;
    rl->burst = burst < 1 ? 1 : burst;
    rl->tokens = rl->burst;
    rl->last = wp_kube_monotonic();
}

void wp_kube_ratelimit_destroy(wp_kube_ratelimit *rl) { pthread_mutex_destroy(&rl->mu); }

/* Adds the tokens earned since rl->last. Caller holds mu. */
static void refill(wp_kube_ratelimit *rl, double now)
{
    if (now > rl->last) {
        rl->tokens = fmin(rl->burst, rl->tokens + (now - rl->last) * rl->qps);
        rl->last = now;
    }
}

void wp_kube_ratelimit_set(wp_kube_ratelimit *rl, double qps, int burst)
{
    pthread_mutex_lock(&rl->mu);
    refill(rl, wp_kube_monotonic());
    rl->qps = qps;
    rl->burst = burst < 1 ? 1 : burst;
    if (rl->tokens > rl->burst) rl->tokens = rl->burst;
    pthread_mutex_unlock(&rl->mu);
}

double wp_kube_ratelimit_reserve(wp_kube_ratelimit *rl, double now)
{
    pthread_mutex_lock(&rl->mu);
    double wait = 0;
    if (rl->qps > 0) {
        refill(rl, now);
        rl->tokens -= 1;
        if (rl->tokens < 0) wait = -rl->tokens / rl->qps;
    }
    pthread_mutex_unlock(&rl->mu);
    return wait;
}

bool wp_kube_ratelimit_try(wp_kube_ratelimit *rl, double now)
{
    pthread_mutex_lock(&rl->mu);
    bool ok = true;
    if (rl->qps > 0) {
        refill(rl, now);
        ok = rl->tokens >= 1;
        if (ok) rl->tokens -= 1;
    }
    pthread_mutex_unlock(&rl->mu);
    return ok;
}

void wp_kube_ratelimit_wait(wp_kube_ratelimit *rl)
{
    wp_kube_sleep(wp_kube_ratelimit_reserve(rl, wp_kube_monotonic()));
}

double wp_kube_backoff_exp(double base, double max, unsigned attempt)
{
    if (attempt > 62) return max;
    double d = base * (double)(1ULL << attempt);
    return d > max ? max : d;
}

double wp_kube_backoff_jitter(double delay, double jitter, double r)
{
    if (jitter <= 0) return delay;
    return delay + delay * jitter * r;
}

double wp_kube_random(void)
{
    /* xorshift64*, one state per thread, seeded from the clock and the
     * state's own address (distinct per thread). */
    static _Thread_local uint64_t state;
    if (state == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        state = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&state;
        if (state == 0) state = 0x9E3779B97F4A7C15ULL;
    }
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return (double)((state * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

double wp_kube_backoff_next(wp_kube_backoff *b, double now)
{
    if (b->failures > 0 && b->reset_after > 0 && now - b->last_failure > b->reset_after) b->failures = 0;
    double d = wp_kube_backoff_exp(b->initial, b->max, b->failures);
    b->failures++;
    b->last_failure = now;
    d = wp_kube_backoff_jitter(d, b->jitter, wp_kube_random());
    return d > b->max ? b->max : d;
}

void wp_kube_backoff_reset(wp_kube_backoff *b) { b->failures = 0; }
