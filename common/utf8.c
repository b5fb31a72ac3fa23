/* UTF-8 well-formedness. See utf8.h. */
#include "common/utf8.h"

size_t wp_utf8_sequence(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; /* bounds of the second byte */
    if (n == 0) return 0;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) len = 2;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) len = 3;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) len = 4;
    else return 0;
    if (s[0] == 0xE0) lo = 0xA0; /* overlong */
    if (s[0] == 0xED) hi = 0x9F; /* surrogates */
    if (s[0] == 0xF0) lo = 0x90; /* overlong */
    if (s[0] == 0xF4) hi = 0x8F; /* above U+10FFFF */
    if (n < len || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    return len;
}
