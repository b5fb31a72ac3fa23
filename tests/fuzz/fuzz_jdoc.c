/* Differential fuzzer for the in-place JSON parser (common/jdoc.c):
 * - it never crashes or leaks, whatever the bytes;
 * - what it accepts, dumped and parsed again, is the same document;
 * - where jansson also accepts the input, both read the same values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/jdoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    wp_jdoc *doc = wp_jdoc_parse_insitu(buf, size, NULL);
    if (doc) {
        size_t len;
        char *dumped = wp_jval_dump(wp_jdoc_root(doc), &len);
        wp_jdoc *again = wp_jdoc_parse(dumped, len, NULL);
        if (!again || !wp_jval_equal(wp_jdoc_root(doc), wp_jdoc_root(again))) abort();
        wp_jdoc_free(again);
        free(dumped);

        /* jansson rejects some inputs Go accepts (NUL escapes, lone
         * surrogates, huge integers); compare only where both accept. */
        json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
        if (j) {
            wp_jdoc *via_jansson = wp_jdoc_from_json(j);
            if (!wp_jval_equal(wp_jdoc_root(doc), wp_jdoc_root(via_jansson))) abort();
            wp_jdoc_free(via_jansson);
            json_decref(j);
        }
        wp_jdoc_free(doc);
    }
    free(buf);
    return 0;
}
