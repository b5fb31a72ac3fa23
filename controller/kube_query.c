/* Query strings and selectors. See kube_query.h. */
#include "controller/kube_query.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/verdict.h"

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

char *wp_kube_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = wp_xalloc_check(malloc(3 * n + 1));
    char *p = out;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (unreserved(*c)) {
            *p++ = (char)*c;
        } else {
            *p++ = '%';
            *p++ = hex[*c >> 4];
            *p++ = hex[*c & 15];
        }
    }
    *p = '\0';
    return out;
}

static void append(wp_kube_query *q, const char *s)
{
    size_t n = strlen(s);
    if (q->len + n + 1 > q->cap) {
        size_t cap = q->cap ? q->cap : 64;
        while (cap < q->len + n + 1) cap *= 2;
        q->buf = wp_xalloc_check(realloc(q->buf, cap));
        q->cap = cap;
    }
    memcpy(q->buf + q->len, s, n + 1);
    q->len += n;
}

void wp_kube_query_add(wp_kube_query *q, const char *key, const char *value)
{
    if (!value) return;
    char *enc = wp_kube_escape(value);
    append(q, q->len ? "&" : "?");
    append(q, key);
    append(q, "=");
    append(q, enc);
    free(enc);
}

void wp_kube_query_add_long(wp_kube_query *q, const char *key, long long n)
{
    char num[32];
    snprintf(num, sizeof num, "%lld", n);
    wp_kube_query_add(q, key, num);
}

const char *wp_kube_query_str(const wp_kube_query *q) { return q->buf ? q->buf : ""; }

void wp_kube_query_free(wp_kube_query *q)
{
    free(q->buf);
    memset(q, 0, sizeof *q);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *wp_kube_label_selector(const json_t *labels)
{
    if (!json_is_object(labels)) return NULL;
    size_t n = json_object_size(labels);
    const char **keys = wp_xalloc_check(calloc(n + 1, sizeof *keys));
    size_t i = 0, total = 1;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)labels, k, v) {
        if (!json_is_string(v)) {
            free(keys);
            return NULL;
        }
        keys[i++] = k;
        total += strlen(k) + json_string_length(v) + 2;
    }
    qsort(keys, n, sizeof *keys, compare_strings);
    char *out = wp_xalloc_check(malloc(total));
    size_t len = 0;
    for (i = 0; i < n; i++) {
        len += (size_t)snprintf(out + len, total - len, "%s%s=%s", i ? "," : "", keys[i],
                                json_string_value(json_object_get(labels, keys[i])));
    }
    out[len] = '\0';
    free(keys);
    return out;
}
