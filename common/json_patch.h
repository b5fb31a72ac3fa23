/* JSON Patch (RFC 6902) and JSON Pointer (RFC 6901).
 *
 * The builder writes each operation as compact JSON text as it is added (a
 * patch is only ever sent, so there is no tree to build and dump). Paths
 * are given as unescaped tokens ("metadata", "annotations",
 * "warmpool.io/x"); the builder escapes '~' as "~0" and '/' as "~1".
 *
 * The applier implements all six operations with the RFC's semantics; the
 * tests and the fuzzer use it to check that what /mutate returns applies to
 * the object it was computed from. */
#ifndef WP_JSON_PATCH_H
#define WP_JSON_PATCH_H

#include <jansson.h>
#include <stddef.h>

#include "common/strbuf.h"

typedef struct {
    wp_sb ops;   /* the operations so far, comma-separated */
    size_t size; /* how many */
} wp_json_patch;

#define WP_JSON_PATCH_INIT {WP_SB_INIT, 0}

/* Renders tokens[0..n) as a JSON Pointer ("" for n == 0).
 * Returns a new malloc'd string (caller frees). */
char *wp_json_pointer(const char *const *tokens, size_t n);

/* Append one operation at the path tokens[0..n). value is borrowed (its
 * text is written at once). */
void wp_json_patch_add(wp_json_patch *p, const char *const *tokens, size_t n, const json_t *value);
void wp_json_patch_replace(wp_json_patch *p, const char *const *tokens, size_t n, const json_t *value);
void wp_json_patch_remove(wp_json_patch *p, const char *const *tokens, size_t n);
/* The same with a string value, without making a json_t of it. */
void wp_json_patch_add_string(wp_json_patch *p, const char *const *tokens, size_t n, const char *value);
void wp_json_patch_replace_string(wp_json_patch *p, const char *const *tokens, size_t n, const char *value);

size_t wp_json_patch_size(const wp_json_patch *p);

/* The patch as compact JSON ("[]" when empty). Returns a new malloc'd string
 * (caller frees), its length in *len when len is not NULL. */
char *wp_json_patch_dump(const wp_json_patch *p, size_t *len);

void wp_json_patch_free(wp_json_patch *p);

/* Applies patch (a JSON array of operations, borrowed) to a copy of doc
 * (borrowed). Returns the patched document (a new reference), or NULL with
 * a message in err when an operation is malformed or fails (the RFC makes
 * the whole patch fail then). */
json_t *wp_json_patch_apply(const json_t *doc, const json_t *patch, char *err, size_t err_size);

#endif
