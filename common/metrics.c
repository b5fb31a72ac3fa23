/* Prometheus metrics registry. See metrics.h. */
#include "common/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wp_metric {
    wp_metric_family *family;
    char **label_values;          /* family->n_labels strings, owned */
    /* Counter: the count. Gauge: the bits of a double (C11 has no atomic
     * double add; a CAS loop on the bits does it). */
    _Atomic uint64_t value;
    /* Histogram: per-bucket counts (not cumulative; the last one is the
     * +Inf overflow) and the sum as double bits. */
    _Atomic uint64_t *bucket_counts;
    _Atomic uint64_t sum_bits;
    wp_metric *next;
};

struct wp_metric_family {
    wp_metrics *registry;
    wp_metric_type type;
    char *name, *help;
    char **label_names;           /* owned */
    size_t n_labels;
    double *buckets;              /* histogram upper bounds, owned */
    size_t n_buckets;
    double (*fn)(void *);         /* scrape-time value, or NULL */
    void *fn_arg;
    pthread_mutex_t lock;         /* guards the children list */
    wp_metric *children;
    size_t n_children;
    wp_metric_family *next;
};

struct wp_metrics {
    pthread_mutex_t lock;         /* guards the family list */
    wp_metric_family *families, *last;
};

static uint64_t double_bits(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

static double bits_double(uint64_t u)
{
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* ---- registration ------------------------------------------------------ */

static bool valid_name(const char *s, bool allow_colon)
{
    if (!s || !*s) return false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                      (allow_colon && c == ':');
        bool digit = c >= '0' && c <= '9';
        if (!letter && !(digit && p != s)) return false;
    }
    return true;
}

wp_metrics *wp_metrics_new(void)
{
    wp_metrics *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    pthread_mutex_init(&m->lock, NULL);
    return m;
}

static void free_strings(char **v, size_t n)
{
    if (!v) return;
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

static void free_family(wp_metric_family *f)
{
    wp_metric *c = f->children;
    while (c) {
        wp_metric *next = c->next;
        free_strings(c->label_values, f->n_labels);
        free(c->bucket_counts);
        free(c);
        c = next;
    }
    free_strings(f->label_names, f->n_labels);
    free(f->buckets);
    free(f->name);
    free(f->help);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

void wp_metrics_free(wp_metrics *m)
{
    if (!m) return;
    wp_metric_family *f = m->families;
    while (f) {
        wp_metric_family *next = f->next;
        free_family(f);
        f = next;
    }
    pthread_mutex_destroy(&m->lock);
    free(m);
}

/* Builds an unregistered family; NULL on invalid names or no memory. */
static wp_metric_family *family_new(wp_metric_type type, const char *name, const char *help,
                                    const char *const *label_names)
{
    if (!valid_name(name, true)) return NULL;
    size_t n = 0;
    while (label_names && label_names[n]) {
        /* "le" is the histogram bucket label; "__" names are reserved. */
        if (!valid_name(label_names[n], false) || strncmp(label_names[n], "__", 2) == 0 ||
            (type == WP_METRIC_HISTOGRAM && strcmp(label_names[n], "le") == 0))
            return NULL;
        n++;
    }
    wp_metric_family *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    pthread_mutex_init(&f->lock, NULL);
    f->type = type;
    f->name = strdup(name);
    f->help = strdup(help ? help : "");
    f->n_labels = n;
    f->label_names = n ? calloc(n, sizeof *f->label_names) : NULL;
    bool ok = f->name && f->help && (n == 0 || f->label_names);
    for (size_t i = 0; ok && i < n; i++) ok = (f->label_names[i] = strdup(label_names[i])) != NULL;
    if (!ok) { free_family(f); return NULL; }
    return f;
}

/* Appends f unless its name is taken; frees it and returns NULL if so. */
static wp_metric_family *family_register(wp_metrics *m, wp_metric_family *f)
{
    if (!f) return NULL;
    pthread_mutex_lock(&m->lock);
    for (wp_metric_family *g = m->families; g; g = g->next) {
        if (strcmp(g->name, f->name) == 0) {
            pthread_mutex_unlock(&m->lock);
            free_family(f);
            return NULL;
        }
    }
    f->registry = m;
    if (m->last) m->last->next = f;
    else m->families = f;
    m->last = f;
    pthread_mutex_unlock(&m->lock);
    return f;
}

wp_metric_family *wp_metrics_counter(wp_metrics *m, const char *name, const char *help,
                                     const char *const *label_names)
{
    return family_register(m, family_new(WP_METRIC_COUNTER, name, help, label_names));
}

wp_metric_family *wp_metrics_gauge(wp_metrics *m, const char *name, const char *help,
                                   const char *const *label_names)
{
    return family_register(m, family_new(WP_METRIC_GAUGE, name, help, label_names));
}

wp_metric_family *wp_metrics_histogram(wp_metrics *m, const char *name, const char *help,
                                       const char *const *label_names,
                                       const double *buckets, size_t n_buckets)
{
    for (size_t i = 0; i < n_buckets; i++) {
        if (!isfinite(buckets[i]) || (i > 0 && !(buckets[i] > buckets[i - 1]))) return NULL;
    }
    wp_metric_family *f = family_new(WP_METRIC_HISTOGRAM, name, help, label_names);
    if (!f) return NULL;
    f->n_buckets = n_buckets;
    if (n_buckets) {
        f->buckets = malloc(n_buckets * sizeof *f->buckets);
        if (!f->buckets) { free_family(f); return NULL; }
        memcpy(f->buckets, buckets, n_buckets * sizeof *f->buckets);
    }
    return family_register(m, f);
}

wp_metric_family *wp_metrics_func(wp_metrics *m, wp_metric_type type, const char *name,
                                  const char *help, double (*fn)(void *arg), void *arg)
{
    if (type == WP_METRIC_HISTOGRAM || !fn) return NULL;
    wp_metric_family *f = family_new(type, name, help, NULL);
    if (!f) return NULL;
    f->fn = fn;
    f->fn_arg = arg;
    return family_register(m, f);
}

/* ---- children ---------------------------------------------------------- */

static bool same_values(const wp_metric *c, const char *const *values, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(c->label_values[i], values[i]) != 0) return false;
    }
    return true;
}

static wp_metric *child_new(wp_metric_family *f, const char *const *values)
{
    wp_metric *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->family = f;
    bool ok = true;
    if (f->n_labels) {
        c->label_values = calloc(f->n_labels, sizeof *c->label_values);
        ok = c->label_values != NULL;
        for (size_t i = 0; ok && i < f->n_labels; i++)
            ok = (c->label_values[i] = strdup(values[i])) != NULL;
    }
    if (ok && f->type == WP_METRIC_HISTOGRAM) {
        c->bucket_counts = calloc(f->n_buckets + 1, sizeof *c->bucket_counts);
        ok = c->bucket_counts != NULL;
    }
    if (!ok) {
        free_strings(c->label_values, f->n_labels);
        free(c);
        return NULL;
    }
    return c;
}

wp_metric *wp_metric_with(wp_metric_family *f, const char *const *label_values)
{
    if (!f || f->fn) return NULL;
    size_t n = 0;
    while (label_values && n < f->n_labels && label_values[n]) n++;
    if (n != f->n_labels) return NULL;
    pthread_mutex_lock(&f->lock);
    wp_metric *c = f->children;
    while (c && !same_values(c, label_values, n)) c = c->next;
    if (!c && (c = child_new(f, label_values)) != NULL) {
        c->next = f->children;
        f->children = c;
        f->n_children++;
    }
    pthread_mutex_unlock(&f->lock);
    return c;
}

wp_metric *wp_metric_single(wp_metric_family *f)
{
    if (!f || f->n_labels) return NULL;
    return wp_metric_with(f, NULL);
}

/* ---- updates ----------------------------------------------------------- */

void wp_counter_add(wp_metric *c, uint64_t n)
{
    if (c) atomic_fetch_add_explicit(&c->value, n, memory_order_relaxed);
}

void wp_gauge_set(wp_metric *g, double v)
{
    if (g) atomic_store_explicit(&g->value, double_bits(v), memory_order_relaxed);
}

static void atomic_add_double(_Atomic uint64_t *bits, double delta)
{
    uint64_t old = atomic_load_explicit(bits, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(bits, &old, double_bits(bits_double(old) + delta),
                                                  memory_order_relaxed, memory_order_relaxed)) {
    }
}

void wp_gauge_add(wp_metric *g, double delta)
{
    if (g) atomic_add_double(&g->value, delta);
}

void wp_histogram_observe(wp_metric *h, double v)
{
    if (!h || !h->bucket_counts) return;
    const wp_metric_family *f = h->family;
    size_t i = 0;
    while (i < f->n_buckets && v > f->buckets[i]) i++;
    atomic_fetch_add_explicit(&h->bucket_counts[i], 1, memory_order_relaxed);
    atomic_add_double(&h->sum_bits, v);
}

uint64_t wp_counter_value(const wp_metric *c)
{
    return c ? atomic_load_explicit(&((wp_metric *)c)->value, memory_order_relaxed) : 0;
}

double wp_gauge_value(const wp_metric *g)
{
    return g ? bits_double(atomic_load_explicit(&((wp_metric *)g)->value, memory_order_relaxed)) : 0;
}

/* ---- exposition -------------------------------------------------------- */

typedef struct {
    char *data;
    size_t len, cap;
    bool failed;
} out_buf;

static void out_reserve(out_buf *b, size_t extra)
{
    if (b->failed || b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) { b->failed = true; return; }
    b->data = p;
    b->cap = cap;
}

static void out_raw(out_buf *b, const char *s, size_t n)
{
    out_reserve(b, n);
    if (b->failed) return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void out_str(out_buf *b, const char *s) { out_raw(b, s, strlen(s)); }

/* Escapes for HELP text (backslash, newline) or, with quotes, label values
 * (also double quote), as the text format requires. */
static void out_escaped(out_buf *b, const char *s, bool quotes)
{
    for (; *s; s++) {
        if (*s == '\\') out_raw(b, "\\\\", 2);
        else if (*s == '\n') out_raw(b, "\\n", 2);
        else if (quotes && *s == '"') out_raw(b, "\\\"", 2);
        else out_raw(b, s, 1);
    }
}

/* Shortest text that reads back as the same double; integers without an
 * exponent (timestamps read better as 1798761600 than 1.7987616e+09). */
static void out_double(out_buf *b, double v)
{
    char s[40];
    if (isnan(v)) snprintf(s, sizeof s, "NaN");
    else if (isinf(v)) snprintf(s, sizeof s, v > 0 ? "+Inf" : "-Inf");
    else if (v == floor(v) && fabs(v) < 1e15) snprintf(s, sizeof s, "%.0f", v);
    else {
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(s, sizeof s, "%.*g", prec, v);
            if (strtod(s, NULL) == v) break;
        }
    }
    out_str(b, s);
}

static void out_u64(out_buf *b, uint64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "%llu", (unsigned long long)v);
    out_str(b, s);
}

/* name{l1="v1",l2="v2"[,le="x"]} — le is NULL except for buckets. */
static void out_series(out_buf *b, const wp_metric_family *f, const char *suffix,
                       const wp_metric *c, const char *le)
{
    out_str(b, f->name);
    out_str(b, suffix);
    if (f->n_labels == 0 && !le) { out_raw(b, " ", 1); return; }
    out_raw(b, "{", 1);
    for (size_t i = 0; i < f->n_labels; i++) {
        if (i) out_raw(b, ",", 1);
        out_str(b, f->label_names[i]);
        out_raw(b, "=\"", 2);
        out_escaped(b, c->label_values[i], true);
        out_raw(b, "\"", 1);
    }
    if (le) {
        if (f->n_labels) out_raw(b, ",", 1);
        out_str(b, "le=\"");
        out_str(b, le);
        out_raw(b, "\"", 1);
    }
    out_raw(b, "} ", 2);
}

static void render_histogram(out_buf *b, const wp_metric_family *f, const wp_metric *c)
{
    /* Read each bucket once and cumulate, so _count always equals the +Inf
     * bucket even while observations race with the scrape. */
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= f->n_buckets; i++) {
        cumulative += atomic_load_explicit(&c->bucket_counts[i], memory_order_relaxed);
        out_buf le = {0};
        if (i < f->n_buckets) out_double(&le, f->buckets[i]);
        else out_str(&le, "+Inf");
        if (le.failed) { b->failed = true; free(le.data); return; }
        out_series(b, f, "_bucket", c, le.data);
        free(le.data);
        out_u64(b, cumulative);
        out_raw(b, "\n", 1);
    }
    out_series(b, f, "_sum", c, NULL);
    out_double(b, bits_double(atomic_load_explicit(&((wp_metric *)c)->sum_bits, memory_order_relaxed)));
    out_raw(b, "\n", 1);
    out_series(b, f, "_count", c, NULL);
    out_u64(b, cumulative);
    out_raw(b, "\n", 1);
}

static void render_child(out_buf *b, const wp_metric_family *f, const wp_metric *c)
{
    if (f->type == WP_METRIC_HISTOGRAM) { render_histogram(b, f, c); return; }
    out_series(b, f, "", c, NULL);
    if (f->type == WP_METRIC_COUNTER) out_u64(b, wp_counter_value(c));
    else out_double(b, wp_gauge_value(c));
    out_raw(b, "\n", 1);
}

static int compare_children(const void *a, const void *b)
{
    const wp_metric *x = *(wp_metric *const *)a, *y = *(wp_metric *const *)b;
    for (size_t i = 0; i < x->family->n_labels; i++) {
        int r = strcmp(x->label_values[i], y->label_values[i]);
        if (r) return r;
    }
    return 0;
}

static const char *type_name(wp_metric_type t)
{
    switch (t) {
    case WP_METRIC_COUNTER: return "counter";
    case WP_METRIC_GAUGE: return "gauge";
    case WP_METRIC_HISTOGRAM: return "histogram";
    }
    return "untyped";
}

static void render_family(out_buf *b, wp_metric_family *f)
{
    out_str(b, "# HELP ");
    out_str(b, f->name);
    out_raw(b, " ", 1);
    out_escaped(b, f->help, false);
    out_str(b, "\n# TYPE ");
    out_str(b, f->name);
    out_raw(b, " ", 1);
    out_str(b, type_name(f->type));
    out_raw(b, "\n", 1);
    if (f->fn) {
        out_str(b, f->name);
        out_raw(b, " ", 1);
        out_double(b, f->fn(f->fn_arg));
        out_raw(b, "\n", 1);
        return;
    }
    pthread_mutex_lock(&f->lock);
    size_t n = f->n_children;
    wp_metric **sorted = n ? malloc(n * sizeof *sorted) : NULL;
    if (n && !sorted) {
        pthread_mutex_unlock(&f->lock);
        b->failed = true;
        return;
    }
    size_t i = 0;
    for (wp_metric *c = f->children; c; c = c->next) sorted[i++] = c;
    pthread_mutex_unlock(&f->lock);
    /* Children are never removed, so the snapshot stays valid unlocked. */
    if (n > 1) qsort(sorted, n, sizeof *sorted, compare_children);
    for (i = 0; i < n; i++) render_child(b, f, sorted[i]);
    free(sorted);
}

char *wp_metrics_render(wp_metrics *m, size_t *len)
{
    out_buf b = {0};
    out_reserve(&b, 0);
    pthread_mutex_lock(&m->lock);
    wp_metric_family *first = m->families;
    pthread_mutex_unlock(&m->lock);
    /* Families are only appended, each before its next pointer is published
     * under the lock; walking the list is safe. */
    for (wp_metric_family *f = first; f; ) {
        render_family(&b, f);
        pthread_mutex_lock(&m->lock);
        f = f->next;
        pthread_mutex_unlock(&m->lock);
    }
    if (b.failed) { free(b.data); return NULL; }
    if (len) *len = b.len;
    return b.data;
}
