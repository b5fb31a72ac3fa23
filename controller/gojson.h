/* Go encoding/json bytes for Kubernetes objects held as jansson values.
 *
 * Why: upstream labels every pool Sandbox with FNV-1a of
 * json.Marshal(template.Spec.SandboxBlueprint) (UPSTREAM.md §1). To write the
 * same label, we must produce the same bytes Go would, and Go's bytes depend
 * on the Go types, not on the JSON we hold: struct fields come in declaration
 * order, `omitempty` drops zero values (but never a struct value, which Go
 * always writes, e.g. `"resources":{}`), fields without `omitempty` appear
 * even when absent (`"containers":null`, `"metadata":{}`), map keys are
 * sorted, and strings escape <, >, & and U+2028/U+2029.
 *
 * A shape is a table of one Go struct's fields in declaration order with
 * their tag behaviour. The tables cover what templates use (PodSpec,
 * Container and their common parts, PVC specs, the blueprint itself). An
 * object without a shape is written like a Go map (sorted keys), and members
 * a shape does not list follow the listed ones in sorted order: close to Go,
 * not always equal. A mismatch only costs a semantic re-compare (§4).
 *
 * Known gaps: resource quantities are written as given (Go writes their
 * canonical form: "1024Mi" becomes "1Gi"); non-integer numbers use %.17g.
 *
 * Nothing here keeps state; all functions are thread-safe. */
#ifndef WP_CONTROLLER_GOJSON_H
#define WP_CONTROLLER_GOJSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/strbuf.h"

typedef struct wp_goshape wp_goshape;

/* The shapes callers start from. */
extern const wp_goshape wp_goshape_blueprint;    /* SandboxBlueprint */
extern const wp_goshape wp_goshape_pod_template; /* upstream PodTemplate {spec, metadata} */

/* Appends the Go encoding of v, read as the Go struct `shape` (NULL: a map
 * or plain value), to b. v may be NULL (written as the shape's zero). */
void wp_gojson_write(wp_sb *b, const json_t *v, const wp_goshape *shape);

/* The same onto a new string; *len (optional) gets its length. Caller frees. */
char *wp_gojson_dump(const json_t *v, const wp_goshape *shape, size_t *len);

/* Go's "empty value" (what `omitempty` drops): absent, null, false, 0, "",
 * and empty lists and maps. */
bool wp_gojson_empty(const json_t *v);

/* Appends s[0..n) as Go writes a string (HTML-safe escaping). */
void wp_gojson_string(wp_sb *b, const char *s, size_t n);

#endif
