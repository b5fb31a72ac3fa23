/* Metrics registry: exact text exposition, label handling, histograms,
 * registration errors, concurrent updates.
 * ctest-labels: tsan */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/metrics.h"

static char *render(wp_metrics *m)
{
    size_t len = 0;
    char *s = wp_metrics_render(m, &len);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(len, strlen(s));
    return s;
}

START_TEST(exposition_is_exact)
{
    wp_metrics *m = wp_metrics_new();
    static const char *const labels[] = {"path", "code", NULL};
    wp_metric_family *req = wp_metrics_counter(m, "app_requests_total", "Requests served.", labels);
    wp_metric_family *temp = wp_metrics_gauge(m, "app_temperature_celsius", "Current temperature.", NULL);
    const char *b[] = {"/b", "200"}, *a[] = {"/a", "500"}, *a2[] = {"/a", "200"};
    wp_counter_add(wp_metric_with(req, b), 3);
    wp_counter_inc(wp_metric_with(req, a));
    wp_counter_add(wp_metric_with(req, a2), 2);
    wp_gauge_set(wp_metric_single(temp), 21.5);
    char *text = render(m);
    ck_assert_str_eq(text,
                     "# HELP app_requests_total Requests served.\n"
                     "# TYPE app_requests_total counter\n"
                     "app_requests_total{path=\"/a\",code=\"200\"} 2\n"
                     "app_requests_total{path=\"/a\",code=\"500\"} 1\n"
                     "app_requests_total{path=\"/b\",code=\"200\"} 3\n"
                     "# HELP app_temperature_celsius Current temperature.\n"
                     "# TYPE app_temperature_celsius gauge\n"
                     "app_temperature_celsius 21.5\n");
    free(text);
    wp_metrics_free(m);
}
END_TEST

START_TEST(family_without_children_has_only_help_and_type)
{
    wp_metrics *m = wp_metrics_new();
    static const char *const labels[] = {"kind", NULL};
    ck_assert_ptr_nonnull(wp_metrics_counter(m, "x_total", "X.", labels));
    char *text = render(m);
    ck_assert_str_eq(text, "# HELP x_total X.\n# TYPE x_total counter\n");
    free(text);
    wp_metrics_free(m);
}
END_TEST

START_TEST(label_values_and_help_are_escaped)
{
    wp_metrics *m = wp_metrics_new();
    static const char *const labels[] = {"v", NULL};
    wp_metric_family *f = wp_metrics_counter(m, "esc_total", "Back\\slash and\nnewline \"kept\".", labels);
    const char *v[] = {"a\"b\\c\nd"};
    wp_counter_inc(wp_metric_with(f, v));
    char *text = render(m);
    ck_assert_str_eq(text,
                     "# HELP esc_total Back\\\\slash and\\nnewline \"kept\".\n"
                     "# TYPE esc_total counter\n"
                     "esc_total{v=\"a\\\"b\\\\c\\nd\"} 1\n");
    free(text);
    wp_metrics_free(m);
}
END_TEST

START_TEST(histogram_buckets_are_cumulative)
{
    wp_metrics *m = wp_metrics_new();
    static const char *const labels[] = {"path", NULL};
    static const double buckets[] = {0.001, 0.01, 0.1};
    wp_metric_family *f = wp_metrics_histogram(m, "lat_seconds", "Latency.", labels, buckets, 3);
    const char *v[] = {"validate"};
    wp_metric *h = wp_metric_with(f, v);
    wp_histogram_observe(h, 0.0005);
    wp_histogram_observe(h, 0.001);  /* upper bounds are inclusive */
    wp_histogram_observe(h, 0.05);
    wp_histogram_observe(h, 2);
    char *text = render(m);
    ck_assert_str_eq(text,
                     "# HELP lat_seconds Latency.\n"
                     "# TYPE lat_seconds histogram\n"
                     "lat_seconds_bucket{path=\"validate\",le=\"0.001\"} 2\n"
                     "lat_seconds_bucket{path=\"validate\",le=\"0.01\"} 2\n"
                     "lat_seconds_bucket{path=\"validate\",le=\"0.1\"} 3\n"
                     "lat_seconds_bucket{path=\"validate\",le=\"+Inf\"} 4\n"
                     "lat_seconds_sum{path=\"validate\"} 2.0515\n"
                     "lat_seconds_count{path=\"validate\"} 4\n");
    free(text);
    wp_metrics_free(m);
}
END_TEST

START_TEST(histogram_without_labels)
{
    wp_metrics *m = wp_metrics_new();
    static const double buckets[] = {5e-05, 1};
    wp_metric *h = wp_metric_single(wp_metrics_histogram(m, "h", "H.", NULL, buckets, 2));
    wp_histogram_observe(h, 0.25);
    char *text = render(m);
    ck_assert_str_eq(text,
                     "# HELP h H.\n# TYPE h histogram\n"
                     "h_bucket{le=\"5e-05\"} 0\n"
                     "h_bucket{le=\"1\"} 1\n"
                     "h_bucket{le=\"+Inf\"} 1\n"
                     "h_sum 0.25\n"
                     "h_count 1\n");
    free(text);
    wp_metrics_free(m);
}
END_TEST

START_TEST(gauge_values_format)
{
    wp_metrics *m = wp_metrics_new();
    static const char *const labels[] = {"case", NULL};
    wp_metric_family *f = wp_metrics_gauge(m, "g", "G.", labels);
    const char *ts[] = {"a_timestamp"}, *frac[] = {"b_fraction"}, *neg[] = {"c_negative"},
               *inf[] = {"d_inf"}, *nan_[] = {"e_nan"};
    wp_gauge_set(wp_metric_with(f, ts), 1798761600);
    wp_gauge_set(wp_metric_with(f, frac), 0.1);
    wp_metric *n = wp_metric_with(f, neg);
    wp_gauge_add(n, 2);
    wp_gauge_add(n, -5);
    wp_gauge_set(wp_metric_with(f, inf), INFINITY);
    wp_gauge_set(wp_metric_with(f, nan_), NAN);
    char *text = render(m);
    ck_assert_str_eq(text,
                     "# HELP g G.\n# TYPE g gauge\n"
                     "g{case=\"a_timestamp\"} 1798761600\n"
                     "g{case=\"b_fraction\"} 0.1\n"
                     "g{case=\"c_negative\"} -3\n"
                     "g{case=\"d_inf\"} +Inf\n"
                     "g{case=\"e_nan\"} NaN\n");
    ck_assert(wp_gauge_value(n) == -3);
    free(text);
    wp_metrics_free(m);
}
END_TEST

static double forty_two(void *arg)
{
    return *(double *)arg;
}

START_TEST(func_families_are_read_at_scrape_time)
{
    wp_metrics *m = wp_metrics_new();
    double value = 42;
    ck_assert_ptr_nonnull(wp_metrics_func(m, WP_METRIC_GAUGE, "queue_depth", "Depth.", forty_two, &value));
    value = 7;
    char *text = render(m);
    ck_assert_str_eq(text, "# HELP queue_depth Depth.\n# TYPE queue_depth gauge\nqueue_depth 7\n");
    free(text);
    ck_assert_ptr_null(wp_metrics_func(m, WP_METRIC_HISTOGRAM, "h2", "H.", forty_two, &value));
    wp_metrics_free(m);
}
END_TEST

START_TEST(registration_errors)
{
    wp_metrics *m = wp_metrics_new();
    static const char *const bad_label[] = {"0x", NULL};
    static const char *const reserved[] = {"__name", NULL};
    static const char *const le[] = {"le", NULL};
    static const char *const ok[] = {"a", "b", NULL};
    static const double unsorted[] = {1, 0.5};
    ck_assert_ptr_null(wp_metrics_counter(m, "9bad", "x", NULL));
    ck_assert_ptr_null(wp_metrics_counter(m, "bad-name", "x", NULL));
    ck_assert_ptr_null(wp_metrics_counter(m, "", "x", NULL));
    ck_assert_ptr_null(wp_metrics_counter(m, "c", "x", bad_label));
    ck_assert_ptr_null(wp_metrics_counter(m, "c", "x", reserved));
    ck_assert_ptr_null(wp_metrics_histogram(m, "h", "x", le, NULL, 0));
    ck_assert_ptr_null(wp_metrics_histogram(m, "h", "x", NULL, unsorted, 2));
    wp_metric_family *f = wp_metrics_counter(m, "ns:c_total", "x", ok);
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_null(wp_metrics_gauge(m, "ns:c_total", "duplicate", NULL));
    const char *one[] = {"only-one", NULL};
    ck_assert_ptr_null(wp_metric_with(f, one));      /* label count mismatch */
    ck_assert_ptr_null(wp_metric_single(f));         /* family has labels */
    const char *two[] = {"x", "y"};
    ck_assert_ptr_eq(wp_metric_with(f, two), wp_metric_with(f, two)); /* stable child */
    wp_counter_inc(NULL);                            /* ignored, no crash */
    wp_metrics_free(m);
}
END_TEST

#define THREADS 4
#define ADDS 100000

static void *hammer(void *arg)
{
    wp_metric **m = arg;
    for (int i = 0; i < ADDS; i++) {
        wp_counter_inc(m[0]);
        wp_gauge_add(m[1], 1);
        wp_histogram_observe(m[2], 0.5);
    }
    return NULL;
}

START_TEST(concurrent_updates_are_not_lost)
{
    wp_metrics *m = wp_metrics_new();
    static const double buckets[] = {1};
    wp_metric *children[3] = {
        wp_metric_single(wp_metrics_counter(m, "c_total", "C.", NULL)),
        wp_metric_single(wp_metrics_gauge(m, "g", "G.", NULL)),
        wp_metric_single(wp_metrics_histogram(m, "h", "H.", NULL, buckets, 1)),
    };
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, hammer, children);
    /* Scrapes race with the updates. */
    for (int i = 0; i < 20; i++) free(render(m));
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    ck_assert_uint_eq(wp_counter_value(children[0]), THREADS * ADDS);
    ck_assert(wp_gauge_value(children[1]) == THREADS * ADDS);
    char *text = render(m);
    ck_assert_ptr_nonnull(strstr(text, "h_count 400000\n"));
    ck_assert_ptr_nonnull(strstr(text, "h_sum 200000\n"));
    ck_assert_ptr_nonnull(strstr(text, "h_bucket{le=\"1\"} 400000\n"));
    free(text);
    wp_metrics_free(m);
}
END_TEST

START_TEST(process_metrics_report_this_process)
{
    wp_metrics *m = wp_metrics_new();
    ck_assert_int_eq(wp_metrics_register_process(m), 0);
    char *text = render(m);
    const char *rss = strstr(text, "\nprocess_resident_memory_bytes ");
    ck_assert_ptr_nonnull(rss);
    ck_assert(strtod(rss + strlen("\nprocess_resident_memory_bytes "), NULL) > 1e5);
    const char *fds = strstr(text, "\nprocess_open_fds ");
    ck_assert_ptr_nonnull(fds);
    ck_assert(strtod(fds + strlen("\nprocess_open_fds "), NULL) >= 3);
    const char *start = strstr(text, "\nprocess_start_time_seconds ");
    ck_assert_ptr_nonnull(start);
    ck_assert(strtod(start + strlen("\nprocess_start_time_seconds "), NULL) > 1.6e9);
    ck_assert_ptr_nonnull(strstr(text, "# TYPE process_cpu_seconds_total counter\n"));
    free(text);
    wp_metrics_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, exposition_is_exact);
    tcase_add_test(tc, family_without_children_has_only_help_and_type);
    tcase_add_test(tc, label_values_and_help_are_escaped);
    tcase_add_test(tc, histogram_buckets_are_cumulative);
    tcase_add_test(tc, histogram_without_labels);
    tcase_add_test(tc, gauge_values_format);
    tcase_add_test(tc, func_families_are_read_at_scrape_time);
    tcase_add_test(tc, registration_errors);
    tcase_add_test(tc, concurrent_updates_are_not_lost);
    tcase_add_test(tc, process_metrics_report_this_process);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
