/* A verdict: everything the rule engine found wrong with one object.
 *
 * Causes are Kubernetes-style field errors (StatusCause): a field path in
 * Kubernetes notation ("spec.env[1].name", "metadata.labels[team]"), a cause
 * type ("FieldValueRequired", ...) and a message. Each cause also carries the
 * same location as a JSON Pointer ("/spec/env/1/name") so tools that read
 * files (warmpoolctl) can map it back to a line and column.
 *
 * Warnings are free text for AdmissionResponse.warnings.
 *
 * Ownership: a wp_verdict owns every string in it; wp_verdict_free releases
 * them. The verdict itself is caller-allocated (usually on the stack). */
#ifndef WP_VERDICT_H
#define WP_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

/* Kubernetes cause types (metav1.CauseType). */
#define WP_CAUSE_REQUIRED      "FieldValueRequired"
#define WP_CAUSE_INVALID       "FieldValueInvalid"
#define WP_CAUSE_NOT_SUPPORTED "FieldValueNotSupported"
#define WP_CAUSE_FORBIDDEN     "FieldValueForbidden"
#define WP_CAUSE_DUPLICATE     "FieldValueDuplicate"
#define WP_CAUSE_TOO_LONG      "FieldValueTooLong"
/* The last cause of a capped answer: "and N more errors", no field. */
#define WP_CAUSE_TOO_MANY_ERRORS "TooManyErrors"

/* A field path under construction. Rules push and pop segments while they
 * walk an object; rendering happens only when a cause is recorded, so the
 * happy path never formats strings. */
#define WP_PATH_MAX_DEPTH 16
typedef enum { WP_SEG_FIELD, WP_SEG_INDEX, WP_SEG_KEY } wp_seg_kind;
typedef struct {
    wp_seg_kind kind;
    const char *name; /* FIELD and KEY: borrowed, must outlive the push */
    size_t index;     /* INDEX */
} wp_path_seg;
typedef struct {
    wp_path_seg segs[WP_PATH_MAX_DEPTH];
    size_t depth;
} wp_path;

void wp_path_push_field(wp_path *p, const char *name);
void wp_path_push_index(wp_path *p, size_t index);
void wp_path_push_key(wp_path *p, const char *key);
void wp_path_pop(wp_path *p);

/* Renders the path. Returns a new malloc'd string (caller frees).
 * Kubernetes notation: fields joined by '.', indexes "[3]", keys "[key]". */
char *wp_path_k8s(const wp_path *p);
/* JSON Pointer (RFC 6901): "/spec/env/3/name", '~' and '/' escaped. */
char *wp_path_pointer(const wp_path *p);

typedef struct {
    char *field;   /* Kubernetes notation */
    char *pointer; /* JSON Pointer */
    char *reason;  /* one of WP_CAUSE_* */
    char *message; /* "Required value", "Invalid value: \"x\": ..." */
} wp_cause;

/* Bounds on what one verdict holds, so an answer stays small whatever the
 * object: a claim with 300,000 invalid env entries once produced 611,623
 * causes and a 235 MB response. 100 causes is far more than a person fixes
 * in one go, yet keeps the worst denial near 100 x 1 KiB (field and message
 * are each capped below); kube-apiserver itself drops warnings past 4 KiB
 * and cuts each past 256 characters, so warnings get the same count cap. */
#define WP_VERDICT_DEFAULT_MAX_CAUSES 100
#define WP_VERDICT_MAX_TEXT_BYTES 512 /* field, message, warning: longer is cut, with "..." */

typedef struct {
    wp_cause *causes;
    size_t n_causes, cap_causes;
    char **warnings;
    size_t n_warnings, cap_warnings;
    /* Causes (and, separately, warnings) recorded at most; 0 means
     * WP_VERDICT_DEFAULT_MAX_CAUSES, SIZE_MAX means no cap. Set it before
     * the first cause. */
    size_t max_causes;
    /* Causes and warnings found past the cap: counted, never stored. The
     * verdict still denies when only omitted causes exist (it cannot: the
     * cap is at least 1, but wp_verdict_allowed checks both anyway). */
    size_t n_causes_omitted;
    size_t n_warnings_omitted;
} wp_verdict;

#define WP_VERDICT_INIT {0}

/* The cap in effect for v (max_causes, or the default when 0). */
size_t wp_verdict_max_causes(const wp_verdict *v);

/* The longest prefix of s[0..len) of at most max bytes that does not end
 * inside a UTF-8 sequence. Returns its length. */
size_t wp_utf8_prefix_len(const char *s, size_t len, size_t max);

/* Records a cause at path p. fmt formats the message (cut at
 * WP_VERDICT_MAX_TEXT_BYTES on a character boundary). Past the cap the
 * cause is only counted in n_causes_omitted (nothing is formatted). Never fails
 * (allocation failure aborts: a webhook that cannot allocate must restart). */
void wp_verdict_cause(wp_verdict *v, const wp_path *p, const char *reason,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Records a warning (capped like causes, n_warnings_omitted; cut like
 * them but at a space when one is near, never mid-word). */
void wp_verdict_warn(wp_verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True when no cause was found (warnings do not deny). */
bool wp_verdict_allowed(const wp_verdict *v);

/* Builds the Kubernetes "is invalid" message:
 *   Kind.group "name" is invalid: [field: msg, field: msg]
 * followed, when causes were omitted, by ", and N more errors" inside the
 * brackets. Returns a new malloc'd string (caller frees). */
char *wp_verdict_message(const wp_verdict *v, const char *kind, const char *group, const char *name);

/* "and N more errors" for n omitted causes ("and 1 more error").
 * Returns a new malloc'd string (caller frees). */
char *wp_verdict_omitted_text(size_t n);

/* Releases the strings; keeps max_causes (so a reused verdict keeps its
 * cap) and zeroes the rest. */
void wp_verdict_free(wp_verdict *v);

/* Formats a value for "Invalid value: <v>" messages: quoted, escaped and cut
 * at 64 bytes so a huge hostile value cannot bloat a response.
 * Returns a new malloc'd string. */
char *wp_verdict_quote(const char *s);
/* The same for s[0..len), which may hold NUL bytes (shown as \x00). */
char *wp_verdict_quote_n(const char *s, size_t len);

/* Aborts with a message on allocation failure; for callers that treat OOM
 * as fatal. Returns p. */
void *wp_xalloc_check(void *p);

#endif
