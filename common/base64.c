/* Base64 encoding and decoding. See base64.h. */
#include "common/base64.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/verdict.h"

static const char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t wp_base64_encoded_len(size_t n) { return (n + 2) / 3 * 4; }

size_t wp_base64_encode(const void *src, size_t n, char *dst)
{
    const unsigned char *s = src;
    char *d = dst;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        *d++ = ALPHABET[v >> 18];
        *d++ = ALPHABET[(v >> 12) & 63];
        *d++ = ALPHABET[(v >> 6) & 63];
        *d++ = ALPHABET[v & 63];
    }
    if (i < n) {
        /* One or two bytes left: pad the missing sextets with '='. */
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);
        *d++ = ALPHABET[v >> 18];
        *d++ = ALPHABET[(v >> 12) & 63];
        *d++ = i + 1 < n ? ALPHABET[(v >> 6) & 63] : '=';
        *d++ = '=';
    }
    *d = '\0';
    return (size_t)(d - dst);
}

static int sextet(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

static unsigned char *decode_strict(const char *src, size_t n, size_t *out_len);

unsigned char *wp_base64_decode(const char *src, size_t n, size_t *out_len)
{
    if (!memchr(src, '\n', n) && !memchr(src, '\r', n)) return decode_strict(src, n, out_len);
    char *joined = wp_xalloc_check(malloc(n ? n : 1));
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (src[i] != '\n' && src[i] != '\r') joined[m++] = src[i];
    unsigned char *out = decode_strict(joined, m, out_len);
    free(joined);
    return out;
}

char *wp_base64_encode_alloc(const void *src, size_t n)
{
    char *out = wp_xalloc_check(malloc(wp_base64_encoded_len(n) + 1));
    wp_base64_encode(src, n, out);
    return out;
}

static unsigned char *decode_strict(const char *src, size_t n, size_t *out_len)
{
    if (n % 4 != 0) return NULL;
    size_t pad = n == 0 ? 0 : (src[n - 1] == '=') + (n >= 2 && src[n - 2] == '=');
    unsigned char *out = wp_xalloc_check(malloc(n / 4 * 3 + 1));
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        bool last = i + 4 == n;
        uint32_t v = 0;
        for (size_t k = 0; k < 4; k++) {
            /* '=' only as padding at the very end. */
            bool padded = last && k >= 4 - pad;
            int x = padded ? 0 : sextet(src[i + k]);
            if (x < 0) { free(out); return NULL; }
            v = v << 6 | (uint32_t)x;
        }
        out[o++] = (unsigned char)(v >> 16);
        if (!(last && pad == 2)) out[o++] = (unsigned char)(v >> 8);
        if (!(last && pad >= 1)) out[o++] = (unsigned char)v;
    }
    out[o] = '\0';
    if (out_len) *out_len = o;
    return out;
}
