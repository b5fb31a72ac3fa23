/* Fuzzes the Content-Type check the webhook runs on every request header.
 * Invariant: anything accepted names application/json first. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "webhook/content_type.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    if (wp_content_type_is_json(s)) {
        const char *p = s + strspn(s, " \t");
        if (strncasecmp(p, "application/json", 16) != 0) abort();
    }
    free(s);
    return 0;
}
