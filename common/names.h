/* Kubernetes name and value formats, checked by hand (no regex library: the
 * webhook runs these on every admission request).
 *
 * Each validator takes an explicit length, because JSON strings may contain
 * NUL bytes (use json_string_length), and returns NULL when the value is
 * valid, otherwise the first problem as a static string worded exactly like
 * k8s.io/apimachinery/pkg/util/validation. Kubernetes reports some values
 * with more than one problem (too long AND bad characters; a bad prefix AND
 * a bad name part), each as its own cause: pass `all` to receive every
 * problem, in Kubernetes' order. `all` may be NULL.
 *
 * Nothing here allocates. */
#ifndef WP_NAMES_H
#define WP_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define WP_NAME_DNS1123_SUBDOMAIN_MAX 253
#define WP_NAME_DNS1123_LABEL_MAX 63
#define WP_NAME_QUALIFIED_NAME_MAX 63 /* the name part, after the optional prefix */
#define WP_NAME_LABEL_VALUE_MAX 63

/* The most problems any validator below reports for one value. */
#define WP_NAME_MAX_PROBLEMS 4
typedef struct {
    const char *msgs[WP_NAME_MAX_PROBLEMS]; /* static strings */
    size_t n;
} wp_name_problems;

/* Object names: at most 253 bytes of lowercase alphanumerics, '-' and '.',
 * starting and ending alphanumeric. */
const char *wp_name_dns1123_subdomain(const char *s, size_t len, wp_name_problems *all);

/* Container and volume names: at most 63 bytes of lowercase alphanumerics
 * and '-', starting and ending alphanumeric. */
const char *wp_name_dns1123_label(const char *s, size_t len, wp_name_problems *all);

/* Label and annotation keys: an optional DNS-1123 subdomain prefix and '/',
 * then a name of at most 63 alphanumerics, '-', '_' or '.', starting and
 * ending alphanumeric. */
const char *wp_name_qualified(const char *s, size_t len, wp_name_problems *all);

/* Label values: empty, or like the name part of a qualified name. */
const char *wp_name_label_value(const char *s, size_t len, wp_name_problems *all);

/* Environment variable names: [-._a-zA-Z][-._a-zA-Z0-9]*, and not '.',
 * '..' or starting with '..'. */
const char *wp_name_env_var(const char *s, size_t len, wp_name_problems *all);

/* Splits a qualified name at its '/': sets *prefix_len to the prefix length
 * and returns true when there is exactly one '/'; false (no prefix) when
 * there is none or more than one. */
bool wp_name_qualified_prefix(const char *s, size_t len, size_t *prefix_len);

/* True when domain[0..len) equals `allowed` or is a subdomain of it
 * ("a.sandbox.users.io" is within "sandbox.users.io"). ASCII
 * case-insensitive: DNS names are. */
bool wp_name_domain_within(const char *domain, size_t len, const char *allowed);

/* Parses an RFC 3339 date-time the way Kubernetes (Go's time.RFC3339) does:
 * "2026-12-31T23:59:59Z", optional fractional seconds, "Z" or a +hh:mm /
 * -hh:mm offset. Rejects impossible dates (Feb 30, 24:00, second 60).
 * On success fills *out (UTC) and returns true. */
bool wp_name_parse_rfc3339(const char *s, size_t len, struct timespec *out);

/* True when an image reference is pinned to a digest: it ends in
 * "@sha256:" followed by 64 lowercase hex digits, after a non-empty name. */
bool wp_name_image_pinned(const char *s, size_t len);

#endif
