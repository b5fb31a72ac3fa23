/* Differential fuzzing of the JSON reader against jansson: both must agree
 * on what is JSON and on the tree it means, except where the reader is
 * documented to differ (integers too big for json_int_t become reals;
 * nesting is limited to WP_JSON_MAX_DEPTH instead of 2048) and where
 * jansson is lenient: it takes a NUL byte for the end of the input, so
 * "1\0garbage" is JSON to it; not to us (nor to Go). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_parse.h"

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            abort();                                                                 \
        }                                                                            \
    } while (0)

static const char *const SKIP_A[] = {"a", NULL};
static const char *const SKIP_BC[] = {"b", "c", NULL};
static const char *const *const SKIP[] = {SKIP_A, SKIP_BC, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wp_json_error err = {{0}, 0};
    json_t *ours = wp_json_parse((const char *)data, size, NULL, &err);
    json_error_t jerr;
    bool has_nul = memchr(data, 0, size) != NULL;
    json_t *theirs = has_nul ? NULL : json_loadb((const char *)data, size, JSON_DECODE_ANY, &jerr);
    if (has_nul) {
        /* Only ours counts. */
    } else if (ours && theirs) {
        CHECK(json_equal(ours, theirs));
    } else if (ours) {
        /* jansson refuses integers beyond json_int_t; we read them as reals. */
        if (!strstr(jerr.text, "too big")) fprintf(stderr, "jansson: %s\n", jerr.text);
        CHECK(strstr(jerr.text, "too big") != NULL);
    } else if (theirs) {
        if (!strstr(err.message, "nesting deeper")) fprintf(stderr, "ours: %s at %zu\n", err.message, err.position);
        CHECK(strstr(err.message, "nesting deeper") != NULL);
    }
    if (!ours) CHECK(err.message[0] != '\0' && err.position <= size);

    /* Skipping changes what is kept, not what is valid, except that a
     * skipped number is not converted, so cannot be out of range. */
    wp_json_error skip_err = {{0}, 0};
    json_t *skipped = wp_json_parse((const char *)data, size, SKIP, &skip_err);
    if (ours) CHECK(skipped != NULL);
    else if (skipped) CHECK(strcmp(err.message, "number out of range") == 0);
    if (json_is_object(skipped)) {
        CHECK(json_object_get(skipped, "a") == NULL);
        CHECK(json_object_get(json_object_get(skipped, "b"), "c") == NULL);
    }
    json_decref(skipped);
    json_decref(ours);
    json_decref(theirs);
    return 0;
}
