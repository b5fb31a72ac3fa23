/* RFC 3339 date-time syntax, as the API server's `format: date-time` check
 * accepts it: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM), with real
 * calendar ranges (month 1-12, day within the month, leap years). */
#ifndef WP_CLI_RFC3339_H
#define WP_CLI_RFC3339_H

#include <stdbool.h>
#include <stddef.h>

bool wp_cli_rfc3339_valid(const char *s, size_t len);

#endif
