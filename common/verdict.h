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

typedef struct {
    wp_cause *causes;
    size_t n_causes, cap_causes;
    char **warnings;
    size_t n_warnings, cap_warnings;
} wp_verdict;

#define WP_VERDICT_INIT {0}

/* Records a cause at path p. fmt formats the message. Never fails
 * (allocation failure aborts: a webhook that cannot allocate must restart). */
void wp_verdict_cause(wp_verdict *v, const wp_path *p, const char *reason,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Records a warning. */
void wp_verdict_warn(wp_verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True when no cause was recorded (warnings do not deny). */
bool wp_verdict_allowed(const wp_verdict *v);

/* Builds the Kubernetes "is invalid" message:
 *   Kind.group "name" is invalid: [field: msg, field: msg]
 * Returns a new malloc'd string. */
char *wp_verdict_message(const wp_verdict *v, const char *kind, const char *group, const char *name);

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
