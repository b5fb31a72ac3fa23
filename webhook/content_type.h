/* Content-Type checking for admission requests. */
#ifndef WP_CONTENT_TYPE_H
#define WP_CONTENT_TYPE_H

#include <stdbool.h>

/* True when a Content-Type header value names JSON the way the apiserver
 * sends it: media type application/json (case-insensitive), optional
 * whitespace, and optional parameters, of which a charset must be utf-8.
 * "application/json-patch+json", "text/json", a missing value and
 * malformed parameters are not. */
bool wp_content_type_is_json(const char *value);

#endif
