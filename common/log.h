/* Structured logging: one line per event on stderr.
 *
 * JSON lines ({"ts":..,"level":..,"msg":..,<fields>}) by default, the format
 * Kubernetes log pipelines parse; a human-readable text form on request.
 * Thread-safe: each line is written with a single write(2).
 *
 * Library code never logs: it returns errors and the program decides. */
#ifndef WP_LOG_H
#define WP_LOG_H

#include <stdbool.h>

typedef enum { WP_LOG_DEBUG, WP_LOG_INFO, WP_LOG_WARN, WP_LOG_ERROR } wp_log_level;
typedef enum { WP_LOG_JSON, WP_LOG_TEXT } wp_log_format;

/* Sets the output format and minimum level. Call once at startup. */
void wp_log_init(wp_log_format format, wp_log_level min_level);

/* Parses "json"/"text"; returns false on anything else. */
bool wp_log_parse_format(const char *s, wp_log_format *out);
/* Parses "debug"/"info"/"warn"/"error"; returns false on anything else. */
bool wp_log_parse_level(const char *s, wp_log_level *out);

/* Logs msg with key/value string pairs, terminated by a NULL key:
 *   wp_log(WP_LOG_INFO, "listening", "addr", ":9443", NULL);
 * Values are escaped; a NULL value is written as JSON null, and left out
 * of text lines (which never say "null"). */
void wp_log(wp_log_level level, const char *msg, ...) __attribute__((sentinel));

/* Where lines go (default 2 = stderr). For tests. */
void wp_log_set_fd(int fd);

#endif
