/* AdmissionReview in, AdmissionReview out: decode, rules, patch, encode.
 *
 * This is the whole admission decision with no transport: the webhook calls
 * it with a request body, warmpoolctl review with a wrapped manifest, the
 * fuzzer with random bytes. HTTP concerns (method, content type, size
 * limits) stay in the webhook. */
#ifndef WP_REVIEW_H
#define WP_REVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/config.h"
#include "common/rules.h"
#include "common/verdict.h"

typedef enum { WP_REVIEW_VALIDATE, WP_REVIEW_MUTATE } wp_review_mode;

typedef struct {
    int http_status;      /* 200 for any well-formed review, 400 otherwise */
    char *body;           /* response body (JSON), owned; always set */
    size_t body_len;
    /* What was decided, for metrics and the one log line per denial. */
    wp_kind kind;
    wp_operation operation;
    bool allowed;
    bool patched;         /* MUTATE: a non-empty patch was returned */
    char *uid, *namespace_, *name; /* owned, may be NULL (on 400) */
    char *error;          /* owned: why the request was malformed (400), else NULL */
    wp_verdict verdict;   /* causes and warnings, for logs */
} wp_review_result;

/* Decides one AdmissionReview (admission.k8s.io/v1 or v1beta1; answered in
 * the version received). body need not be NUL-terminated. cfg NULL means
 * the default rules; now is the decision time (shutdownTime in the past,
 * first-observed-at), NULL for the current time. Thread-safe. Always fills
 * out; release it with wp_review_result_free. */
void wp_review_handle(const wp_config *cfg, wp_review_mode mode,
                      const char *body, size_t len,
                      const struct timespec *now, wp_review_result *out);

/* The same, parsing body in place: body[0..len) is overwritten (it must
 * stay allocated until wp_review_handle_insitu returns; out holds no
 * pointer into it). Saves a copy of the request, which matters for the
 * memory a 7 MiB review takes. */
void wp_review_handle_insitu(const wp_config *cfg, wp_review_mode mode, char *body, size_t len,
                             const struct timespec *now, wp_review_result *out);

void wp_review_result_free(wp_review_result *r);

/* A Kubernetes Status object for an error answer (the 400s above, and the
 * webhook's own 404/405/413/415), so every error has the same shape:
 *   {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
 *    "message":...,"reason":...,"code":...}
 * reason is a metav1.StatusReason ("BadRequest", "NotFound", ...).
 * Returns a new malloc'd string (caller frees), its length in *len when len
 * is not NULL. */
char *wp_review_status_body(int code, const char *reason, const char *message, size_t *len);

#endif
