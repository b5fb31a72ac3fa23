/* Slow-start batches of API writes (client-go's and upstream's
 * slowStartBatch): 1, then 2, 4, 8, ... writes at once, each batch in
 * parallel, stopping after the first batch in which a write failed. A
 * systematic failure (quota, a webhook refusing) then costs one write, not
 * hundreds, while a healthy burst still reaches full width in a few rounds.
 *
 * Thread-safe: fn runs on up to `writers` threads at once (the caller's
 * thread is one of them). */
#ifndef WP_CONTROLLER_SLOW_START_H
#define WP_CONTROLLER_SLOW_START_H

#include "controller/kube/kube_error.h"

/* One write: index in [0, total). Returns 0, or -1 with err filled. */
typedef int (*wp_slow_start_fn)(void *ctx, long long index, wp_kube_error *err);

/* Runs fn for indexes 0..total-1 in slow-start batches, at most `writers`
 * threads per batch (<= 0: 16). Returns how many succeeded; when a batch
 * failed, err holds its first failure and later batches did not run. */
long long wp_slow_start(long long total, int writers, wp_slow_start_fn fn, void *ctx, wp_kube_error *err);

#endif
