/* UTF-8 well-formedness (RFC 3629), shared by the JSON reader and writer. */
#ifndef WP_UTF8_H
#define WP_UTF8_H

#include <stddef.h>

/* Length (2 to 4) of the well-formed multi-byte sequence at s[0..n), or 0
 * when there is none: overlong forms, UTF-16 surrogates, code points above
 * U+10FFFF and truncated sequences are all malformed. Call it for
 * s[0] >= 0x80 (ASCII needs no check). */
size_t wp_utf8_sequence(const unsigned char *s, size_t n);

#endif
