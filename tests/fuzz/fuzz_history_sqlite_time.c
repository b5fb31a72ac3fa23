/* Fuzzes history-sqlite's RFC 3339 parser. Invariants: an accepted time
 * has digits where RFC 3339 puts them, and the instant written back as
 * "YYYY-MM-DDTHH:MM:SS.mmmZ" parses to the same millisecond. The plugin
 * links nothing of warmpool's, so its source is compiled in. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/history_sqlite/history_sqlite_time.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[64];
    if (size >= sizeof s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    int64_t ms, again;
    if (history_sqlite_parse_time(s, &ms) != 0) return 0;
    static const int digit_at[] = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18};
    for (size_t i = 0; i < sizeof digit_at / sizeof *digit_at; i++)
        if (s[digit_at[i]] < '0' || s[digit_at[i]] > '9') abort();
    if (ms < 0) return 0; /* 1970-01-01T00:00:00+01:00: before the epoch, not writable back */
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&secs, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 1000) return 0;
    char back[64];
    snprintf(back, sizeof back, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms - (int64_t)secs * 1000));
    if (history_sqlite_parse_time(back, &again) != 0 || again != ms) abort();
    return 0;
}
