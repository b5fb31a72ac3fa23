/* Clocks and RFC 3339 timestamps. See kube_time.h. */
#include "controller/kube/kube_time.h"

#include "common/names.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

double wp_kube_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double wp_kube_wallclock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void format_with(double t, bool micro, char buf[WP_KUBE_TIME_LEN])
{
    time_t secs = (time_t)floor(t);
    long usec = (long)((t - (double)secs) * 1e6);
    if (usec > 999999) usec = 999999;
    if (usec < 0) usec = 0;
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(buf, WP_KUBE_TIME_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
    if (micro)
        snprintf(buf + n, WP_KUBE_TIME_LEN - n, ".%06ldZ", usec);
    else
        snprintf(buf + n, WP_KUBE_TIME_LEN - n, "Z");
}

void wp_kube_time_format(double t, char buf[WP_KUBE_TIME_LEN]) { format_with(t, false, buf); }
void wp_kube_time_format_micro(double t, char buf[WP_KUBE_TIME_LEN]) { format_with(t, true, buf); }

/* One RFC 3339 parser for the project: the rule engine's (common/names.h). */
bool wp_kube_time_parse(const char *s, double *out)
{
    struct timespec t;
    if (!s || !wp_name_parse_rfc3339(s, strlen(s), &t)) return false;
    *out = (double)t.tv_sec + (double)t.tv_nsec / 1e9;
    return true;
}

void wp_kube_sleep(double seconds)
{
    if (seconds <= 0) return;
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

void wp_kube_cond_init(pthread_cond_t *c)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(c, &attr);
    pthread_condattr_destroy(&attr);
}

bool wp_kube_cond_wait_until(pthread_cond_t *c, pthread_mutex_t *m, double deadline)
{
    struct timespec ts = {(time_t)deadline, (long)((deadline - (double)(time_t)deadline) * 1e9)};
    return pthread_cond_timedwait(c, m, &ts) != ETIMEDOUT;
}
