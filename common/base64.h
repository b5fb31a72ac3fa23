/* Base64 (RFC 4648 section 4, standard alphabet, '=' padding): the encoding
 * of AdmissionResponse.patch. */
#ifndef WP_BASE64_H
#define WP_BASE64_H

#include <stdbool.h>
#include <stddef.h>

/* Encoded length of n bytes, without the NUL. */
size_t wp_base64_encoded_len(size_t n);

/* Writes the encoding of src[0..n) and a NUL to dst, which must hold
 * wp_base64_encoded_len(n) + 1 bytes. Returns the length written. */
size_t wp_base64_encode(const void *src, size_t n, char *dst);

/* Decodes src[0..n) (padding required) into a new malloc'd buffer (caller
 * frees; NUL-terminated for convenience, e.g. PEM text). CR and LF are
 * skipped, as Go's encoding/base64 does (kubeconfig *-data fields may be
 * wrapped); any other byte outside the alphabet is an error. Returns NULL on
 * malformed input. */
unsigned char *wp_base64_decode(const char *src, size_t n, size_t *out_len);

/* Encodes src[0..n) into a new malloc'd NUL-terminated string (caller frees). */
char *wp_base64_encode_alloc(const void *src, size_t n);

#endif
