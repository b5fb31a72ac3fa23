/* Errors of the Kubernetes client: result codes, the API's Status object,
 * and the error record every call fills.
 *
 * A call that fails returns NULL or a nonzero wp_kube_rc and fills a
 * caller-supplied wp_kube_error: the code, the HTTP status, the server's
 * Status when it sent one, and a one-line message fit for a log.
 *
 * Ownership: a wp_kube_error owns the strings of its Status. Initialise with
 * WP_KUBE_ERROR_INIT; every call clears the record before filling it, and
 * wp_kube_error_clear() releases it when the caller is done. */
#ifndef WP_KUBE_ERROR_H
#define WP_KUBE_ERROR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum {
    WP_KUBE_OK = 0,
    WP_KUBE_EINVAL,        /* the caller passed something unusable */
    WP_KUBE_ECONFIG,       /* configuration or credentials unusable */
    WP_KUBE_ETRANSPORT,    /* could not connect, TLS failed, connection broke */
    WP_KUBE_ETIMEOUT,      /* the request or the connection attempt timed out */
    WP_KUBE_EPROTOCOL,     /* the server's answer is not what the API promises */
    WP_KUBE_ECANCELED,     /* the caller cancelled (wp_kube_cancel) */
    WP_KUBE_EBADREQUEST,   /* 400 */
    WP_KUBE_EUNAUTHORIZED, /* 401, after refreshing credentials once */
    WP_KUBE_EFORBIDDEN,    /* 403 */
    WP_KUBE_ENOTFOUND,     /* 404 */
    WP_KUBE_ECONFLICT,     /* 409 Conflict: stale resourceVersion or failed precondition */
    WP_KUBE_EEXISTS,       /* 409 AlreadyExists */
    WP_KUBE_EGONE,         /* 410 Gone / reason Expired: the resourceVersion is too old */
    WP_KUBE_EINVALID,      /* 422 Invalid: see status.causes */
    WP_KUBE_ETOOMANY,      /* 429 still after every retry */
    WP_KUBE_ESERVER,       /* 5xx */
    WP_KUBE_EHTTP,         /* any other unexpected HTTP status */
} wp_kube_rc;

/* One metav1.StatusCause. Strings owned by the Status; NULL when absent. */
typedef struct {
    char *type;
    char *message;
    char *field;
} wp_kube_cause;

/* metav1.Status. Strings owned; NULL when absent. */
typedef struct {
    int code;                  /* HTTP code the server put in the Status (0 if none) */
    char *status;              /* "Failure" / "Success" */
    char *reason;              /* "Conflict", "NotFound", "Invalid", "Expired", ... */
    char *message;
    char *details_name;
    char *details_kind;
    int retry_after_seconds;   /* details.retryAfterSeconds, 0 if none */
    wp_kube_cause *causes;
    size_t n_causes;
} wp_kube_status;

/* Parses a Status object (a borrowed JSON value). Returns true and fills
 * *out (caller clears with wp_kube_status_clear) when obj is an object with
 * kind "Status"; false (out zeroed) otherwise. Wrong-typed fields are
 * ignored, never trusted. */
bool wp_kube_status_from_json(const json_t *obj, wp_kube_status *out);
/* Same from raw bytes (an HTTP body, untrusted). */
bool wp_kube_status_parse(const char *body, size_t len, wp_kube_status *out);
void wp_kube_status_clear(wp_kube_status *s);

typedef struct {
    wp_kube_rc rc;
    long http_status;          /* 0 when no HTTP response arrived */
    bool has_status;           /* status below is filled */
    wp_kube_status status;
    char message[512];         /* e.g. "PUT .../pods/a: 409 Conflict: the object has been modified" */
} wp_kube_error;

#define WP_KUBE_ERROR_INIT {0}

void wp_kube_error_clear(wp_kube_error *e);

/* Fills e with rc and a printf-formatted message (clears it first).
 * Returns rc so callers can `return wp_kube_error_set(...)`. NULL e is allowed. */
wp_kube_rc wp_kube_error_set(wp_kube_error *e, wp_kube_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The code an HTTP status and Status reason map to (e.g. 409 + "AlreadyExists"
 * → WP_KUBE_EEXISTS, 409 otherwise → WP_KUBE_ECONFLICT). reason may be NULL. */
wp_kube_rc wp_kube_rc_from_http(long http_status, const char *reason);

/* Stable name of a code ("ECONFLICT"), for logs and tests. */
const char *wp_kube_rc_name(wp_kube_rc rc);

#endif
