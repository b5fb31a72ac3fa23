/* A small thread-safe Prometheus metrics registry.
 *
 * A registry holds families (counter, gauge, histogram, or a value computed
 * at scrape time); a family has a fixed list of label names; each distinct
 * combination of label values is a child (wp_metric). Children are created
 * on first use and live as long as the registry, so a program looks a child
 * up once (wp_metric_with, a mutex and a string compare) and keeps the
 * pointer: the hot path is then one or two relaxed atomic operations.
 *
 * wp_metrics_render writes the Prometheus text exposition format 0.0.4:
 * families in registration order, children sorted by label values.
 *
 * Ownership: the registry owns every family and child; pointers returned by
 * the register and lookup functions are borrowed and valid until
 * wp_metrics_free. Registration is meant for startup; lookups, updates and
 * rendering may run concurrently from any thread. */
#ifndef WP_METRICS_H
#define WP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define WP_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef struct wp_metrics wp_metrics;
typedef struct wp_metric_family wp_metric_family;
typedef struct wp_metric wp_metric;

typedef enum { WP_METRIC_COUNTER, WP_METRIC_GAUGE, WP_METRIC_HISTOGRAM } wp_metric_type;

/* A new, empty registry. Free with wp_metrics_free. Returns NULL only when
 * out of memory. */
wp_metrics *wp_metrics_new(void);
void wp_metrics_free(wp_metrics *m);

/* Registers a family. label_names is a NULL-terminated array (NULL for no
 * labels); the strings are copied. Returns NULL when the name or a label
 * name is not a valid Prometheus name, the name is already registered, or
 * memory runs out: all programming errors a program should catch at
 * startup. */
wp_metric_family *wp_metrics_counter(wp_metrics *m, const char *name, const char *help,
                                     const char *const *label_names);
wp_metric_family *wp_metrics_gauge(wp_metrics *m, const char *name, const char *help,
                                   const char *const *label_names);
/* buckets: upper bounds, strictly increasing, finite (the +Inf bucket is
 * implicit); copied. */
wp_metric_family *wp_metrics_histogram(wp_metrics *m, const char *name, const char *help,
                                       const char *const *label_names,
                                       const double *buckets, size_t n_buckets);

/* A label-less counter or gauge whose value is read at scrape time by
 * calling fn(arg) (for values another part of the program already keeps:
 * open files, queue depth). fn runs on the scraping thread. */
wp_metric_family *wp_metrics_func(wp_metrics *m, wp_metric_type type, const char *name,
                                  const char *help, double (*fn)(void *arg), void *arg);

/* The child for these label values (as many as the family has label names),
 * created on first use. Thread-safe. Returns NULL on a count mismatch or out
 * of memory. */
wp_metric *wp_metric_with(wp_metric_family *f, const char *const *label_values);
/* The only child of a family without labels. */
wp_metric *wp_metric_single(wp_metric_family *f);

/* Hot-path updates: lock-free. A NULL child is ignored so a failed lookup
 * never crashes a request. */
void wp_counter_add(wp_metric *c, uint64_t n);
static inline void wp_counter_inc(wp_metric *c) { wp_counter_add(c, 1); }
void wp_gauge_set(wp_metric *g, double v);
void wp_gauge_add(wp_metric *g, double delta);
void wp_histogram_observe(wp_metric *h, double v);

/* Current values, for tests and for programs that export the same number
 * elsewhere. */
uint64_t wp_counter_value(const wp_metric *c);
double wp_gauge_value(const wp_metric *g);

/* The whole registry in text format 0.0.4. Returns a new malloc'd string
 * (caller frees) and its length in *len; NULL when out of memory. */
char *wp_metrics_render(wp_metrics *m, size_t *len);

/* Registers the standard process_* families (resident and virtual memory,
 * open file descriptors, CPU seconds, start time) read from /proc at scrape
 * time. Returns 0, or -1 if a registration failed. */
int wp_metrics_register_process(wp_metrics *m);

#endif
