/* base64 decoding. See base64.h. */
#include "cli/base64.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/verdict.h"

static int sextet(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

char *wp_cli_base64_decode(const char *s, size_t *out_len)
{
    size_t len = strlen(s);
    if (len % 4 != 0) return NULL;
    char *out = wp_xalloc_check(malloc(len / 4 * 3 + 1));
    size_t n = 0;
    for (size_t i = 0; i < len; i += 4) {
        bool last = i + 4 == len;
        int pad = last ? (s[i + 3] == '=') + (s[i + 2] == '=') : 0;
        int v[4];
        for (int k = 0; k < 4; k++) v[k] = k >= 4 - pad ? 0 : sextet(s[i + k]);
        if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0 || (pad == 1 && s[i + 2] == '=')) {
            free(out);
            return NULL;
        }
        unsigned long bits
            = (unsigned long)v[0] << 18 | (unsigned long)v[1] << 12 | (unsigned long)v[2] << 6 | (unsigned long)v[3];
        out[n++] = (char)(bits >> 16);
        if (pad < 2) out[n++] = (char)(bits >> 8 & 0xFF);
        if (pad < 1) out[n++] = (char)(bits & 0xFF);
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}
