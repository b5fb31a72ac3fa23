/* Base64. See base64.h. */
#include "controller/base64.h"

#include <stdlib.h>

#include "common/verdict.h"

static int sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

char *wp_kube_base64_decode(const char *s, size_t len, size_t *out_len)
{
    char *out = wp_xalloc_check(malloc(len / 4 * 3 + 4));
    size_t n = 0, quad = 0, pad = 0;
    unsigned acc = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r' || c == '\n') continue;
        if (c == '=') {
            /* padding only in the last two places of a quad, then nothing */
            if (quad < 2) goto bad;
            pad++;
            quad++;
            if (quad == 4) quad = 0;
            continue;
        }
        int v = sextet(c);
        if (v < 0 || pad) goto bad;
        acc = (acc << 6) | (unsigned)v;
        if (++quad == 4) {
            out[n++] = (char)(acc >> 16);
            out[n++] = (char)(acc >> 8);
            out[n++] = (char)acc;
            acc = 0;
            quad = 0;
        }
    }
    if (pad) {
        /* "xx==" → 1 byte, "xxx=" → 2 bytes; the quad is complete (quad == 0) */
        if (quad != 0 || pad > 2) goto bad;
        /* acc holds 4 - pad sextets */
        if (pad == 2) {
            out[n++] = (char)(acc >> 4);
        } else {
            out[n++] = (char)(acc >> 10);
            out[n++] = (char)(acc >> 2);
        }
    } else if (quad != 0) {
        goto bad; /* Go's StdEncoding requires padding */
    }
    out[n] = '\0';
    *out_len = n;
    return out;
bad:
    free(out);
    return NULL;
}

char *wp_kube_base64_encode(const void *data, size_t len)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *in = data;
    char *out = wp_xalloc_check(malloc((len + 2) / 3 * 4 + 1));
    size_t n = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < len) v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < len) v |= in[i + 2];
        out[n++] = alphabet[v >> 18];
        out[n++] = alphabet[(v >> 12) & 63];
        out[n++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
        out[n++] = i + 2 < len ? alphabet[v & 63] : '=';
    }
    out[n] = '\0';
    return out;
}
