/* One admission review from body to reply: the rule engine decides
 * (common/review.h), this records the metrics and writes the one log line
 * per denial. Transport-free, so it is unit-testable. */
#ifndef WP_ADMISSION_H
#define WP_ADMISSION_H

#include <stddef.h>

#include "webhook/live.h"
#include "webhook/webhook_metrics.h"

/* An HTTP reply: status and JSON body (malloc'd, owned by the holder). */
typedef struct {
    int status;
    char *body;
    size_t len;
} wp_reply;

/* Decides the review in body[0..len) for route (VALIDATE or MUTATE) with
 * the current config in live. body is parsed in place (overwritten), so a
 * request costs no copy of itself. Always fills out. */
void wp_admission_decide(wp_live *live, wp_webhook_metrics *metrics, wp_route route,
                         char *body, size_t len, wp_reply *out);

/* A Kubernetes Status error reply (404, 405, 413, 415 ...). */
void wp_reply_status(wp_reply *out, int status, const char *reason, const char *message);

#endif
