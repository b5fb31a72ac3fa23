/* A strict, fast JSON reader (RFC 8259) that builds jansson values, and can
 * leave out members nobody reads.
 *
 * Why not json_loadb: jansson's reader handles one byte at a time through a
 * stream abstraction; on a 2.8 KB AdmissionReview it costs several times
 * the rest of the admission decision. This reader scans strings in runs,
 * copies only strings that hold escapes, and does not build the subtrees a
 * caller names in `skip` (an AdmissionReview's userInfo and options, an
 * object's managedFields), which are still checked for syntax.
 *
 * What it accepts: exactly one JSON value of any type, surrounded by
 * optional whitespace. Strings must be well-formed UTF-8 without \u0000 and
 * without lone surrogates (jansson refuses the same). Integers that do not
 * fit in json_int_t become reals (as Go reads them into interface{});
 * numbers beyond the range of a double are an error. For duplicate keys the
 * last one wins. Nesting is limited to WP_JSON_MAX_DEPTH. */
#ifndef WP_JSON_PARSE_H
#define WP_JSON_PARSE_H

#include <jansson.h>
#include <stddef.h>

#define WP_JSON_MAX_DEPTH 1000
/* At most this many skip paths. */
#define WP_JSON_MAX_SKIP 32

typedef struct {
    char message[128];
    size_t position; /* byte offset of the problem */
} wp_json_error;

/* Parses buf[0..len). skip, when not NULL, is a NULL-terminated list of
 * member paths, each a NULL-terminated list of keys from the root, e.g.
 *   {"request", "userInfo", NULL}
 * whose values are checked but left out of the result.
 * Returns a new reference, or NULL with err filled. */
json_t *wp_json_parse(const char *buf, size_t len, const char *const *const *skip, wp_json_error *err);

#endif
