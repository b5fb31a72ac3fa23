/* A fast, read-only JSON document: what the admission hot path decodes into.
 *
 * Why not jansson here: decoding a 3 KB AdmissionReview with jansson costs
 * about 100 µs on these machines (a byte-at-a-time lexer and several mallocs
 * per value), which alone would cap the webhook near 8,000 reviews/s on a
 * core. This parser works in place on a mutable buffer (strings are unescaped
 * into the buffer itself and NUL-terminated where their closing quote was) and
 * puts every node into one arena, so a whole document costs one or two
 * allocations and a single pass. jansson stays for building and for tools.
 *
 * Semantics follow Go's encoding/json, which the API server uses: with a
 * duplicate key the last one wins; input must be valid UTF-8; nesting is
 * limited (WP_JDOC_MAX_DEPTH) so hostile input cannot exhaust the stack.
 *
 * Ownership: a wp_jdoc owns its arena; every wp_jval reached from it is
 * borrowed and lives until wp_jdoc_free. A document parsed in place also
 * borrows the caller's buffer, which must outlive it. */
#ifndef WP_JDOC_H
#define WP_JDOC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WP_JDOC_MAX_DEPTH 512

typedef enum {
    WP_JNULL, WP_JFALSE, WP_JTRUE, WP_JNUMBER, WP_JSTRING, WP_JARRAY, WP_JOBJECT
} wp_jtype;

typedef struct wp_jval wp_jval;
typedef struct wp_jmember wp_jmember;

struct wp_jval {
    uint8_t type;    /* wp_jtype */
    uint8_t is_int;  /* WP_JNUMBER: the literal was an integer that fits int64 */
    uint32_t n;      /* STRING: bytes; ARRAY: items; OBJECT: members */
    union {
        const char *str;            /* STRING: NUL-terminated (may hold NULs: use n) */
        const wp_jval *items;       /* ARRAY */
        const wp_jmember *members;  /* OBJECT, in document order */
        int64_t i;                  /* NUMBER when is_int */
        double d;                   /* NUMBER otherwise */
    } u;
};

struct wp_jmember {
    const char *key; /* NUL-terminated */
    uint32_t key_len;
    wp_jval value;
};

typedef struct wp_jdoc wp_jdoc;

typedef struct {
    char message[128];
    size_t offset; /* byte offset of the problem in the input */
} wp_jdoc_error;

/* Parses buf[0..len) in place (buf is modified and must outlive the doc).
 * Returns a new document (free with wp_jdoc_free) or NULL with err filled. */
wp_jdoc *wp_jdoc_parse_insitu(char *buf, size_t len, wp_jdoc_error *err);
/* Same, on a private copy of buf. */
wp_jdoc *wp_jdoc_parse(const char *buf, size_t len, wp_jdoc_error *err);
/* Converts a jansson value (borrowed) into a document (tools, tests). */
wp_jdoc *wp_jdoc_from_json(const json_t *value);
void wp_jdoc_free(wp_jdoc *doc);

/* The root value (borrowed). */
const wp_jval *wp_jdoc_root(const wp_jdoc *doc);

/* --- reading values (all borrowed; NULL-tolerant) ---------------------- */

/* Member `key` of an object; NULL when v is not an object or has no such key. */
const wp_jval *wp_jval_get(const wp_jval *v, const char *key);
/* Follows a chain of keys: wp_jval_path(obj, "spec", "warmPoolRef", "name", NULL). */
const wp_jval *wp_jval_path(const wp_jval *v, ...) __attribute__((sentinel));
/* Item i of an array; NULL when out of range or not an array. */
const wp_jval *wp_jval_at(const wp_jval *v, size_t i);

static inline bool wp_jval_is(const wp_jval *v, wp_jtype t) { return v && v->type == t; }
static inline bool wp_jval_is_string(const wp_jval *v) { return wp_jval_is(v, WP_JSTRING); }
static inline bool wp_jval_is_object(const wp_jval *v) { return wp_jval_is(v, WP_JOBJECT); }
static inline bool wp_jval_is_array(const wp_jval *v) { return wp_jval_is(v, WP_JARRAY); }
static inline bool wp_jval_is_null(const wp_jval *v) { return !v || v->type == WP_JNULL; }
static inline bool wp_jval_is_bool(const wp_jval *v) { return v && (v->type == WP_JTRUE || v->type == WP_JFALSE); }
static inline bool wp_jval_is_integer(const wp_jval *v) { return v && v->type == WP_JNUMBER && v->is_int; }
/* A string's bytes (NUL-terminated) or NULL when v is not a string. */
static inline const char *wp_jval_str(const wp_jval *v) { return wp_jval_is_string(v) ? v->u.str : NULL; }
/* Items of an array or members of an object; 0 otherwise. */
static inline size_t wp_jval_size(const wp_jval *v)
{
    return (v && (v->type == WP_JARRAY || v->type == WP_JOBJECT)) ? v->n : 0;
}
/* True when v is a string equal to s. */
bool wp_jval_str_eq(const wp_jval *v, const char *s);

/* "string", "number", "object", ... (what Kubernetes messages call types). */
const char *wp_jtype_name(const wp_jval *v);

/* Deep equality; object member order does not matter. */
bool wp_jval_equal(const wp_jval *a, const wp_jval *b);

/* Serializes v as compact JSON onto a new malloc'd string (caller frees). */
char *wp_jval_dump(const wp_jval *v, size_t *len);

#endif
