/* Clocks and RFC 3339 timestamps. See kube_time.h. */
#include "controller/kube_time.h"

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

/* Reads exactly n digits at *p into *out. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i])) return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool expect(const char **p, char c1, char c2)
{
    if (**p != c1 && **p != c2) return false;
    (*p)++;
    return true;
}

bool wp_kube_time_parse(const char *s, double *out)
{
    if (!s) return false;
    const char *p = s;
    struct tm tm = {0};
    int year, mon, day, hour, min, sec;
    if (!digits(&p, 4, &year) || !expect(&p, '-', '-') || !digits(&p, 2, &mon) || !expect(&p, '-', '-') ||
        !digits(&p, 2, &day) || !expect(&p, 'T', 't') || !digits(&p, 2, &hour) || !expect(&p, ':', ':') ||
        !digits(&p, 2, &min) || !expect(&p, ':', ':') || !digits(&p, 2, &sec))
        return false;
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) return false;
    double frac = 0;
    if (*p == '.') {
        p++;
        double scale = 0.1;
        if (!isdigit((unsigned char)*p)) return false;
        while (isdigit((unsigned char)*p)) {
            frac += (*p - '0') * scale;
            scale /= 10;
            p++;
        }
    }
    int offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om;
        p++;
        if (!digits(&p, 2, &oh) || !expect(&p, ':', ':') || !digits(&p, 2, &om) || oh > 23 || om > 59)
            return false;
        offset = sign * (oh * 3600 + om * 60);
    } else {
        return false;
    }
    if (*p) return false;
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    *out = (double)t - offset + frac;
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
