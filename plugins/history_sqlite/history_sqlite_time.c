/* RFC 3339 times as records and filters carry them:
 *   2026-12-06T04:00:00Z, 2026-12-06T04:00:00.123Z, 2026-12-06T05:00:00+01:00
 * ('t' and 'z' in lower case too; fractions beyond milliseconds are cut).
 * Pure; fuzzed (tests/fuzz/fuzz_history_sqlite_time.c). */
#include <time.h>

#include "history_sqlite.h"

/* n decimal digits at s into *out; -1 if any is not a digit. */
static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* "+hh:mm" / "-hh:mm" / "Z" at p; seconds east of UTC, or -1 past 24h. */
static const char *zone(const char *p, int64_t *offset_s)
{
    int oh, om;
    *offset_s = 0;
    if (*p == 'Z' || *p == 'z') return p + 1;
    if ((*p != '+' && *p != '-') || digits(p + 1, 2, &oh) != 0 || p[3] != ':' || digits(p + 4, 2, &om) != 0 ||
        oh > 23 || om > 59)
        return NULL;
    *offset_s = (*p == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    return p + 6;
}

int history_sqlite_parse_time(const char *s, int64_t *ms)
{
    struct tm tm = {0};
    if (digits(s, 4, &tm.tm_year) != 0 || s[4] != '-' || digits(s + 5, 2, &tm.tm_mon) != 0 || s[7] != '-' ||
        digits(s + 8, 2, &tm.tm_mday) != 0 || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &tm.tm_hour) != 0 ||
        s[13] != ':' || digits(s + 14, 2, &tm.tm_min) != 0 || s[16] != ':' || digits(s + 17, 2, &tm.tm_sec) != 0)
        return -1;
    if (tm.tm_year < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
        tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return -1;
    const char *p = s + 19;
    int64_t frac = 0, scale = 1000;
    if (*p == '.') {
        if (p[1] < '0' || p[1] > '9') return -1;
        for (p++; *p >= '0' && *p <= '9'; p++)
            if (scale > 1) frac = frac * 10 + (*p - '0'), scale /= 10;
        frac *= scale;
    }
    int64_t offset_s;
    if (!(p = zone(p, &offset_s)) || *p) return -1;
    tm.tm_year -= 1900, tm.tm_mon -= 1;
    *ms = ((int64_t)timegm(&tm) - offset_s) * 1000 + frac;
    return 0;
}
