/* Internal to the rule engine (rules*.c): the state one rule group runs
 * with, and typed accessors that record a cause when a field has the wrong
 * JSON type, so the three rule files never repeat that logic.
 *
 * Conventions:
 * - Every check reports at c->path, the field being looked at. Rules push a
 *   segment before reading a field and pop it after (wp_rules_enter/leave).
 * - Absent and JSON null mean "not set" for every field.
 * - Nothing allocates unless a cause or warning is recorded. */
#ifndef WP_RULES_FIELDS_H
#define WP_RULES_FIELDS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "common/config.h"
#include "common/jdoc.h"
#include "common/names.h"
#include "common/rules.h"
#include "common/verdict.h"

typedef struct {
    const wp_config *cfg;
    wp_operation op;
    const wp_jval *obj;         /* the object under review (borrowed) */
    const wp_jval *old_obj;     /* the stored object on UPDATE, or NULL */
    const struct timespec *now;
    wp_verdict *out;
    wp_rule_mode mode;         /* of the group running: ENFORCE or WARN */
    wp_path path;
} wp_rules_ctx;

/* ---- rule groups (one per numbered rule in ADMISSION.md) --------------- */

/* Each receives `spec` (an object, or NULL when absent) with c->path at
 * "spec". */
typedef void (*wp_rules_group_fn)(wp_rules_ctx *c, const wp_jval *spec);

void wp_rules_claim_warm_pool_ref(wp_rules_ctx *c, const wp_jval *spec);
void wp_rules_claim_legacy_fields(wp_rules_ctx *c, const wp_jval *spec);
void wp_rules_claim_env(wp_rules_ctx *c, const wp_jval *spec);
void wp_rules_claim_volume_claim_templates(wp_rules_ctx *c, const wp_jval *spec);
void wp_rules_claim_lifecycle(wp_rules_ctx *c, const wp_jval *spec);
void wp_rules_claim_pod_metadata(wp_rules_ctx *c, const wp_jval *spec);
void wp_rules_claim_immutable(wp_rules_ctx *c, const wp_jval *spec);
void wp_rules_pool_template_ref(wp_rules_ctx *c, const wp_jval *spec);
void wp_rules_pool_replicas(wp_rules_ctx *c, const wp_jval *spec);
void wp_rules_pool_update_strategy(wp_rules_ctx *c, const wp_jval *spec);
void wp_rules_template_containers(wp_rules_ctx *c, const wp_jval *spec);
void wp_rules_template_enums(wp_rules_ctx *c, const wp_jval *spec);
void wp_rules_template_image_digest(wp_rules_ctx *c, const wp_jval *spec);

/* ---- reporting --------------------------------------------------------- */

/* Records a finding at c->path: a cause when the group is enforced; a
 * warning "field: message" (cut to about 120 bytes) when it only warns. */
void wp_rules_report(wp_rules_ctx *c, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Records a warning whatever the mode (for findings that never deny). */
void wp_rules_warn(wp_rules_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "Required value" */
void wp_rules_required(wp_rules_ctx *c);
/* "Invalid value: <v>: <detail>"; strings quoted (cut at 64 bytes),
 * numbers bare, anything else as compact JSON cut at 64 bytes. */
void wp_rules_invalid(wp_rules_ctx *c, const wp_jval *value, const char *detail);
/* The same for a string given as bytes (map keys). */
void wp_rules_invalid_bytes(wp_rules_ctx *c, const char *s, size_t len, const char *detail);
/* "Invalid value: \"integer\": must be of type string" (the found
 * type as wp_jtype_name names it) */
void wp_rules_type_error(wp_rules_ctx *c, const wp_jval *found, const char *expected);
/* "Duplicate value: \"x\"", plus ": <detail>" when detail is not NULL. */
void wp_rules_duplicate(wp_rules_ctx *c, const wp_jval *value, const char *detail);

/* The JSON type of v as schema errors name it: "string", "number",
 * "boolean", "object", "array", "null". */
const char *wp_rules_wp_jvalype(const wp_jval *v);

/* ---- paths and typed access -------------------------------------------- */

/* Pushes field `name` onto c->path and returns parent[name] (borrowed),
 * or NULL when parent is not an object or lacks it. Pair with leave. */
const wp_jval *wp_rules_enter(wp_rules_ctx *c, const wp_jval *parent, const char *name);
void wp_rules_leave(wp_rules_ctx *c);

/* True when v is present and not null. */
static inline bool wp_rules_is_set(const wp_jval *v) { return !wp_jval_is_null(v); }
/* A string's length in bytes; 0 when v is not a string. */
static inline size_t wp_rules_strlen(const wp_jval *v) { return wp_jval_is_string(v) ? v->n : 0; }

/* v when it is an object / array; NULL when absent or null; NULL with a
 * type cause at c->path for any other type. */
const wp_jval *wp_rules_object(wp_rules_ctx *c, const wp_jval *v);
const wp_jval *wp_rules_array(wp_rules_ctx *c, const wp_jval *v);
/* v when it is a string; NULL when absent or null; NULL with a type cause
 * for any other type. */
const wp_jval *wp_rules_string(wp_rules_ctx *c, const wp_jval *v);
/* Like wp_rules_string, but absent or null (and "" unless allow_empty) is
 * "Required value". */
const wp_jval *wp_rules_required_string(wp_rules_ctx *c, const wp_jval *v, bool allow_empty);

/* Reads an integer (an integral JSON real counts, as in Kubernetes).
 * False when absent or null (no cause), or with a type cause when v is not
 * an integer. */
bool wp_rules_integer(wp_rules_ctx *c, const wp_jval *v, long long *out);
/* Reports "must be greater than or equal to min" / "less than or equal to
 * max" when v (an integer just read) is out of range. */
void wp_rules_check_range(wp_rules_ctx *c, long long v, long long min, long long max);

/* A name validator from names.h. */
typedef const char *(*wp_rules_name_fn)(const char *s, size_t len, wp_name_problems *all);
/* Runs fn on s[0..len) and reports each problem as
 * "Invalid value: \"s\": <problem>". Returns true when s is valid. */
bool wp_rules_check_name(wp_rules_ctx *c, const char *s, size_t len, wp_rules_name_fn fn);
/* The same for a JSON string. */
bool wp_rules_check_name_str(wp_rules_ctx *c, const wp_jval *s, wp_rules_name_fn fn);

/* An optional enum string: a type cause for a non-string, "Unsupported
 * value: \"x\": supported values: \"A\", \"B\"" for a string not in
 * `supported` (a NULL-terminated list). */
void wp_rules_check_enum(wp_rules_ctx *c, const wp_jval *v, const char *const *supported);

/* Calls check(c, entry, dup[i]) for each entry of the array `list`, with
 * the index pushed. A null entry is checked as an empty object (entry
 * NULL: that is how Kubernetes decodes it); any other non-object is a type
 * cause. dup may be NULL (no duplicates). */
typedef void (*wp_rules_entry_fn)(wp_rules_ctx *c, const wp_jval *entry, bool duplicate);
void wp_rules_check_entries(wp_rules_ctx *c, const wp_jval *list, const bool *dup, wp_rules_entry_fn check);

/* Calls fn for each member of the object obj with its key pushed onto
 * c->path. With duplicate keys only the last member counts, as when Go
 * decodes the object into a map. */
typedef void (*wp_rules_member_fn)(wp_rules_ctx *c, const wp_jmember *member, void *arg);
void wp_rules_each_member(wp_rules_ctx *c, const wp_jval *obj, wp_rules_member_fn fn, void *arg);

/* A reference to another object: parent.<field>.name is required and a
 * DNS-1123 subdomain (claim rule 1, pool rule 1). */
void wp_rules_check_object_ref(wp_rules_ctx *c, const wp_jval *parent, const char *field);

/* ---- duplicate detection ----------------------------------------------- */

/* Finds entries whose key (one or two strings) equals an earlier entry's.
 * Small lists use inline storage (no allocation); large ones sort, so a
 * hostile list of 100,000 entries costs O(n log n), not O(n^2). Only the
 * keys set are stored (32 bytes each), so a list of 3.6 million entries
 * without keys (a 7 MiB "env": [0,0,...]) costs 1 byte per entry, not 48. */
#define WP_RULES_DUPSET_INLINE 16
typedef struct {
    const char *a, *b;
    uint32_t a_len, b_len; /* JSON strings are < 4 GiB (wp_jval.n) */
    size_t index;
} wp_rules_key;
typedef struct {
    wp_rules_key inline_keys[WP_RULES_DUPSET_INLINE];
    bool inline_dup[WP_RULES_DUPSET_INLINE];
    wp_rules_key *keys;   /* the keys set, n_keys of them, cap_keys room */
    size_t n_keys, cap_keys;
    bool *dup; /* dup[i]: key i repeats an earlier key */
    size_t n;
} wp_rules_dupset;

void wp_rules_dupset_init(wp_rules_dupset *d, size_t n);
/* Sets key i. b may be NULL for one-string keys (NULL and "" are equal).
 * A key never set is absent and never a duplicate. */
void wp_rules_dupset_set(wp_rules_dupset *d, size_t i, const char *a, size_t a_len, const char *b,
                         size_t b_len);
/* Fills d->dup. Call after setting the keys; afterwards only dup is
 * meaningful (keys may be reordered). */
void wp_rules_dupset_compute(wp_rules_dupset *d);
void wp_rules_dupset_free(wp_rules_dupset *d);

#endif
