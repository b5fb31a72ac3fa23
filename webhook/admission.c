/* Admission decisions with their metrics and logs. See admission.h. */
#include "webhook/admission.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/review.h"

/* Joins the causes as "field (reason)" pairs. Values are left out on
 * purpose: a rejected env value or annotation may hold a secret. */
static void causes_text(const wp_verdict *v, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < v->n_causes && n + 1 < size; i++) {
        int w = snprintf(out + n, size - n, "%s%s (%s)", i ? ", " : "", v->causes[i].field,
                         v->causes[i].reason);
        if (w < 0) break;
        n += (size_t)w;
    }
}

static void log_denial(wp_route route, const wp_review_result *r)
{
    char causes[2048];
    causes_text(&r->verdict, causes, sizeof causes);
    wp_log(WP_LOG_INFO, "admission denied", "path", wp_route_name(route), "uid", r->uid,
           "kind", wp_kind_name(r->kind), "operation", wp_operation_name(r->operation),
           "namespace", r->namespace_, "name", r->name, "causes", causes, NULL);
}

void wp_admission_decide(wp_live *live, wp_webhook_metrics *metrics, wp_route route,
                         char *body, size_t len, wp_reply *out)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    wp_config *cfg = wp_live_config(live);
    wp_review_result r;
    wp_review_handle_insitu(cfg, route == WP_ROUTE_MUTATE ? WP_REVIEW_MUTATE : WP_REVIEW_VALIDATE,
                            body, len, &now, &r);
    wp_config_unref(cfg);
    wp_decision decision;
    if (r.http_status != 200) {
        decision = WP_DECISION_ERROR;
        wp_log(WP_LOG_WARN, "malformed admission request", "path", wp_route_name(route),
               "error", r.error, NULL);
    } else if (r.allowed) {
        decision = WP_DECISION_ALLOWED;
    } else {
        decision = WP_DECISION_DENIED;
        log_denial(route, &r);
    }
    wp_webhook_metrics_request(metrics, route, r.http_status == 200 ? r.kind : WP_KIND_OTHER,
                               r.http_status == 200 ? r.operation : WP_OP_OTHER, decision);
    /* The body moves to the reply: no copy. */
    out->status = r.http_status;
    out->body = r.body;
    out->len = r.body_len;
    r.body = NULL;
    wp_review_result_free(&r);
}

void wp_reply_status(wp_reply *out, int status, const char *reason, const char *message)
{
    out->status = status;
    out->body = wp_review_status_body(status, reason, message, &out->len);
}
