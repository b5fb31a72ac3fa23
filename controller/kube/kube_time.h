/* Clocks and Kubernetes timestamps.
 *
 * Durations and deadlines use the monotonic clock (wp_kube_monotonic), so a
 * wall-clock step cannot expire a lease or stall a backoff; timestamps
 * written to objects use the wall clock in RFC 3339: metav1.Time has second
 * precision ("2024-05-01T10:00:00Z"), metav1.MicroTime (Lease renewTime)
 * has six fractional digits ("2024-05-01T10:00:00.123456Z"). */
#ifndef WP_KUBE_TIME_H
#define WP_KUBE_TIME_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#define WP_KUBE_TIME_LEN 40

/* Seconds on the monotonic clock. */
double wp_kube_monotonic(void);
/* Seconds since the epoch, wall clock, with sub-second precision. */
double wp_kube_wallclock(void);

/* Formats t (seconds since the epoch) into buf (WP_KUBE_TIME_LEN bytes). */
void wp_kube_time_format(double t, char buf[WP_KUBE_TIME_LEN]);
void wp_kube_time_format_micro(double t, char buf[WP_KUBE_TIME_LEN]);

/* Parses an RFC 3339 date-time ("2024-05-01T10:00:00Z",
 * "2024-05-01T10:00:00.5+02:00") into seconds since the epoch. Returns false
 * on anything else, *out untouched. */
bool wp_kube_time_parse(const char *s, double *out);

/* Sleeps on the monotonic clock (restarts after signals). */
void wp_kube_sleep(double seconds);

/* Initialises a condition variable whose timed waits use the monotonic
 * clock, so deadlines from wp_kube_monotonic() apply. */
void wp_kube_cond_init(pthread_cond_t *c);
/* Waits on c (mutex m held) until signalled or the monotonic `deadline`.
 * Returns false when the deadline passed. Callers re-check their condition. */
bool wp_kube_cond_wait_until(pthread_cond_t *c, pthread_mutex_t *m, double deadline);

#endif
