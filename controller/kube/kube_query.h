/* Query strings and selectors for API requests.
 *
 * Values are percent-encoded per RFC 3986: every byte but the unreserved
 * characters (A-Z a-z 0-9 - . _ ~) becomes %XX, so a selector such as
 * "app in (a,b),tier!=db" travels unchanged and cannot inject a parameter. */
#ifndef WP_KUBE_QUERY_H
#define WP_KUBE_QUERY_H

#include <jansson.h>
#include <stddef.h>

#include "common/strbuf.h"

/* Percent-encodes s. Returns a new malloc'd string (caller frees). */
char *wp_kube_escape(const char *s);

/* A query string being built. Zero-initialise (WP_KUBE_QUERY_INIT). */
typedef struct {
    wp_sb sb; /* owned */
} wp_kube_query;

#define WP_KUBE_QUERY_INIT {WP_SB_INIT}

/* Appends key=value (value encoded; keys are the caller's literals).
 * A NULL value adds nothing, so optional parameters need no if. */
void wp_kube_query_add(wp_kube_query *q, const char *key, const char *value);
/* Appends key=<n>. */
void wp_kube_query_add_long(wp_kube_query *q, const char *key, long long n);
/* "" when empty, else "?k=v&k=v". Borrowed from q. */
const char *wp_kube_query_str(const wp_kube_query *q);
void wp_kube_query_free(wp_kube_query *q);

/* An equality label selector from a JSON object of string values, keys in
 * sorted order: {"b":"2","a":"1"} → "a=1,b=2"; {} → "". Returns a new
 * malloc'd string (caller frees), or NULL when labels is not an object of
 * strings. */
char *wp_kube_label_selector(const json_t *labels);

#endif
