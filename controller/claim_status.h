/* The SandboxClaim's status, computed without I/O (UPSTREAM.md §5 "Ready
 * reasons", "status.sandbox"): which Ready condition a pass ends with, the
 * Finished condition copied from the Sandbox, status.sandbox{name,podIPs},
 * conditions sorted by type. claim.c feeds it what the pass found and writes
 * the result once, in one status patch, only when it differs.
 *
 * Ownership: functions returning json_t * hand over a new reference (caller
 * json_decref()s); inputs are borrowed. */
#ifndef WP_CONTROLLER_CLAIM_STATUS_H
#define WP_CONTROLLER_CLAIM_STATUS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The kinds of failure a claim pass can meet, in the priority the Ready
 * condition reports them (the first present wins). */
typedef enum {
    WP_CLAIM_ERR_TEMPLATE_NOT_FOUND,     /* Ready reason TemplateNotFound */
    WP_CLAIM_ERR_WARM_POOL_NOT_FOUND,    /* WarmPoolNotFound */
    WP_CLAIM_ERR_ADOPTION_CONFLICT,      /* AdoptionConflict */
    WP_CLAIM_ERR_SANDBOX_CREATE_PENDING, /* SandboxCreatePending */
    WP_CLAIM_ERR_INVALID_METADATA,       /* InvalidMetadata */
    WP_CLAIM_ERR_ENV_REJECTED,           /* EnvVarsInjectionRejected */
    WP_CLAIM_ERR_SANDBOX_NOT_OWNED,      /* ClaimExpired ("...; deletion skipped.") */
    WP_CLAIM_ERR_VOLUME_CLAIM_TEMPLATES, /* VolumeClaimTemplatesError */
    WP_CLAIM_ERR_IMAGE_DIGEST_HOLD,      /* ImageDigestUnresolved (warmpool's own; --digest-failure-policy=hold) */
    WP_CLAIM_ERR_OTHER,                  /* ReconcilerError ("Error seen: ...") */
    WP_CLAIM_ERR__COUNT
} wp_claim_err_kind;

#define WP_CLAIM_ERRORS_MAX 8

/* What went wrong in one pass (Go's errors.Join in small): each error keeps
 * its kind and text. Texts are owned; wp_claim_errors_clear frees them. */
typedef struct {
    struct {
        wp_claim_err_kind kind;
        char *text;
    } items[WP_CLAIM_ERRORS_MAX];
    size_t n;
} wp_claim_errors;

#define WP_CLAIM_ERRORS_INIT {0}

/* Records an error (beyond WP_CLAIM_ERRORS_MAX the text joins the last). */
void wp_claim_errors_add(wp_claim_errors *e, wp_claim_err_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void wp_claim_errors_clear(wp_claim_errors *e);
bool wp_claim_errors_has(const wp_claim_errors *e, wp_claim_err_kind kind);
/* True when the errors call for a retry with backoff: upstream returns every
 * error but InvalidMetadata, SandboxNotOwned, EnvVarsInjectionRejected, the
 * volume claim template errors and a missing pool or template (those wait
 * for a change, or a 1 minute requeue). */
bool wp_claim_errors_retryable(const wp_claim_errors *e);
/* Every text joined by '\n' (Go's errors.Join). New string; caller frees. */
char *wp_claim_errors_text(const wp_claim_errors *e);

typedef struct {
    const wp_claim_errors *errors; /* NULL: none */
    bool expired;                  /* the claim's lifecycle ran out */
    const json_t *sandbox;         /* the resolved Sandbox, or NULL */
    long long generation;          /* the claim's metadata.generation */
    const char *now;               /* RFC 3339, for lastTransitionTime */
    bool ready_only;               /* set Ready alone, keep the rest (the
                                    * pass that first notices expiry) */
} wp_claim_status_input;

/* The Ready condition this pass reports (without lastTransitionTime unless
 * copied from the Sandbox). New reference. */
json_t *wp_claim_ready_condition(const wp_claim_status_input *in);

/* The claim's next status from its current one (old_status: borrowed, may
 * be NULL): Ready set with SetStatusCondition semantics, Finished copied
 * from the Sandbox or removed, conditions sorted by type, sandbox name and
 * podIPs set when a Sandbox is resolved and cleared when none is and the
 * pass had no error (or only SandboxNotOwned). New reference. */
json_t *wp_claim_status_compute(const json_t *old_status, const wp_claim_status_input *in);

/* The merge patch turning old_status into new_status: {"status":{...}} with
 * the whole conditions list and sandbox{name,podIPs} (null to clear), and
 * metadata.resourceVersion = rv as the optimistic lock. NULL when nothing
 * changed. New reference. */
json_t *wp_claim_status_patch(const json_t *old_status, const json_t *new_status, const char *rv);

/* The condition of that type in a status (borrowed), or NULL. */
const json_t *wp_claim_condition(const json_t *status, const char *type);

#endif
