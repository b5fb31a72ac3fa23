/* YAML to JSON (jansson), the way Kubernetes tooling reads manifests.
 *
 * Scalars resolve as sigs.k8s.io/yaml (go-yaml v2, YAML 1.1) does, so a
 * manifest means here what it means to kubectl: plain `yes`/`on`/`true` are
 * booleans, `~`/`null`/empty are null, 0x1f and 017 are integers, quoted
 * scalars are always strings, `!!str` forces a string. Duplicate mapping keys
 * are an error (the API server rejects them too). Anchors and aliases work;
 * merge keys (`<<`) work. Limits keep hostile input bounded: nesting depth
 * (WP_YAML_MAX_DEPTH), the node count after alias expansion
 * (WP_YAML_MAX_NODES) and the bytes aliases add once expanded
 * (WP_YAML_MAX_ALIAS_BYTES: text of scalars and keys, plus a few bytes per
 * node), so a "billion laughs" document, of many tiny nodes or of a few
 * aliases to one huge string, is an error naming its line, not an outage.
 * A document without aliases is bounded by its own size.
 *
 * Optionally records where every node starts: an object mapping the node's
 * JSON Pointer ("/spec/env/0/name") to [line, column] (1-based), so findings
 * can name the line of the offending field. */
#ifndef WP_YAML_H
#define WP_YAML_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define WP_YAML_MAX_DEPTH 256
#define WP_YAML_MAX_NODES 1000000
#define WP_YAML_MAX_ALIAS_BYTES (4 << 20) /* per stream (one call), all its documents together */

typedef struct {
    char message[256];
    size_t line, column; /* 1-based; 0 when unknown */
} wp_yaml_error;

typedef struct {
    json_t *root;        /* borrowed: valid during the callback; incref to keep */
    json_t *positions;   /* borrowed, NULL unless WP_YAML_POSITIONS */
    size_t index;        /* 0-based document number in the stream */
    size_t line;         /* 1-based line where the document starts */
} wp_yaml_doc;

enum { WP_YAML_POSITIONS = 1 };

/* Called once per document. Return 0 to continue, nonzero to stop. */
typedef int (*wp_yaml_doc_fn)(void *ctx, const wp_yaml_doc *doc);

/* Parses every document in buf[0..len) and calls fn for each non-empty one.
 * first_line is the line number of buf's first line (1 for a whole file;
 * more when the caller parses a slice of a file).
 * Returns 0 when the whole stream parsed, -1 on the first error (err filled;
 * documents before it were already delivered), or fn's nonzero value. */
int wp_yaml_parse(const char *buf, size_t len, size_t first_line, unsigned flags,
                  wp_yaml_doc_fn fn, void *ctx, wp_yaml_error *err);

/* wp_yaml_parse with WP_YAML_POSITIONS, but only the nodes whose JSON
 * Pointer is a key of wanted (a borrowed object; values are ignored) get a
 * position. Placing a few findings in a document of a million nodes then
 * costs a parse, not a million-entry positions object. */
int wp_yaml_parse_positions(const char *buf, size_t len, size_t first_line, const json_t *wanted, wp_yaml_doc_fn fn,
                            void *ctx, wp_yaml_error *err);

/* Parses a stream that must hold exactly one document.
 * Returns a new reference, or NULL with err filled. */
json_t *wp_yaml_load_one(const char *buf, size_t len, wp_yaml_error *err);

/* Reads a whole file (at most max_bytes) and parses one document.
 * Returns a new reference, or NULL with err filled (message names the
 * problem; the caller adds the file name). */
json_t *wp_yaml_load_file(const char *path, size_t max_bytes, wp_yaml_error *err);

/* What a value is, in YAML words, for error messages: "a mapping",
 * "a list", "a string", "a number", "a boolean", "null". */
const char *wp_yaml_type_name(const json_t *v);

#endif
