/* Query strings and selectors. See kube_query.h. */
#include "controller/kube/kube_query.h"

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

void wp_kube_query_add(wp_kube_query *q, const char *key, const char *value)
{
    if (!value) return;
    char *enc = wp_kube_escape(value);
    wp_sb_printf(&q->sb, "%c%s=%s", q->sb.len ? '&' : '?', key, enc);
    free(enc);
}

void wp_kube_query_add_long(wp_kube_query *q, const char *key, long long n)
{
    char num[32];
    snprintf(num, sizeof num, "%lld", n);
    wp_kube_query_add(q, key, num);
}

const char *wp_kube_query_str(const wp_kube_query *q) { return q->sb.s ? q->sb.s : ""; }

void wp_kube_query_free(wp_kube_query *q) { wp_sb_free(&q->sb); }

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *wp_kube_label_selector(const json_t *labels)
{
    if (!json_is_object(labels)) return NULL;
    size_t n = json_object_size(labels);
    const char **keys = wp_xalloc_check(calloc(n + 1, sizeof *keys));
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)labels, k, v) {
        if (!json_is_string(v)) {
            free(keys);
            return NULL;
        }
        keys[i++] = k;
    }
    qsort(keys, n, sizeof *keys, compare_strings);
    wp_sb out = WP_SB_INIT;
    for (i = 0; i < n; i++)
        wp_sb_printf(&out, "%s%s=%s", i ? "," : "", keys[i], json_string_value(json_object_get(labels, keys[i])));
    free(keys);
    return wp_sb_finish(&out);
}
