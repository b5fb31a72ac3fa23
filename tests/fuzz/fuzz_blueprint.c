/* Fuzzer for the blueprint module and its Go encoder (controller/gojson.c):
 * - it never crashes or leaks, whatever template spec it is given;
 * - Go's bytes are valid JSON and a fixed point: encoding what they decode
 *   to gives the same bytes (as Go's own Marshal(Unmarshal(b)) does);
 * - a Sandbox made from a template always matches it (never born stale);
 * - the semantic compare is reflexive. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "controller/blueprint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *t = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (!t) return 0;
    size_t len;
    char *bytes = wp_blueprint_go_json(t, &len);
    json_t *back = json_loadb(bytes, len, JSON_ALLOW_NUL, NULL);
    if (!back) abort();
    size_t len2;
    char *again = wp_blueprint_go_json(back, &len2);
    if (len != len2 || memcmp(bytes, again, len) != 0) abort();
    char h1[WP_NAMING_HASH_LEN], h2[WP_NAMING_HASH_LEN];
    wp_blueprint_template_hash(t, h1);
    wp_blueprint_template_hash(back, h2);
    if (strcmp(h1, h2) != 0) abort();
    wp_blueprint_pod_template_hash(t, h1);

    if (json_is_object(t)) {
        json_t *spec = wp_blueprint_sandbox_spec(t);
        wp_blueprint_mark_evictable(spec);
        if (!wp_blueprint_matches(t, spec)) abort();
        if (!wp_blueprint_semantic_equal(spec, spec)) abort();
        json_decref(spec);
    }
    free(again);
    json_decref(back);
    free(bytes);
    json_decref(t);
    return 0;
}
