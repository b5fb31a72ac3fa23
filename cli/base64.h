/* Standard base64 (RFC 4648, with padding) decoding, for the JSON Patch in
 * an AdmissionResponse. */
#ifndef WP_CLI_BASE64_H
#define WP_CLI_BASE64_H

#include <stddef.h>

/* Decodes s. Returns a new malloc'd, NUL-terminated buffer with its length
 * in *out_len, or NULL when s is not valid base64. */
char *wp_cli_base64_decode(const char *s, size_t *out_len);

#endif
