/* Base64 (RFC 4648, standard alphabet) for kubeconfig *-data fields and
 * the exec plugin's cluster info. Decoding skips CR and LF as Go's
 * encoding/base64 does; anything else outside the alphabet, or wrong
 * padding, is an error. */
#ifndef WP_KUBE_BASE64_H
#define WP_KUBE_BASE64_H

#include <stddef.h>

/* Decodes s[0..len). Returns a new malloc'd buffer (caller frees) holding
 * *out_len bytes plus a terminating NUL (handy for PEM text), or NULL when
 * s is not valid base64. */
char *wp_kube_base64_decode(const char *s, size_t len, size_t *out_len);

/* Encodes data[0..len) with padding. Returns a new malloc'd NUL-terminated
 * string (caller frees). */
char *wp_kube_base64_encode(const void *data, size_t len);

#endif
