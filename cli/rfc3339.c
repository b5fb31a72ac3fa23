/* RFC 3339 syntax check. See rfc3339.h. */
#include "cli/rfc3339.h"

/* Reads n digits at s[*i]; returns -1 when they are not all digits. */
static int digits(const char *s, size_t len, size_t *i, int n)
{
    int v = 0;
    for (int k = 0; k < n; k++, (*i)++) {
        if (*i >= len || s[*i] < '0' || s[*i] > '9') return -1;
        v = v * 10 + (s[*i] - '0');
    }
    return v;
}

static bool expect(const char *s, size_t len, size_t *i, const char *chars)
{
    if (*i >= len) return false;
    for (const char *c = chars; *c; c++)
        if (s[*i] == *c) { (*i)++; return true; }
    return false;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

static bool valid_date(const char *s, size_t len, size_t *i)
{
    int year = digits(s, len, i, 4);
    if (year < 0 || !expect(s, len, i, "-")) return false;
    int month = digits(s, len, i, 2);
    if (month < 1 || month > 12 || !expect(s, len, i, "-")) return false;
    int day = digits(s, len, i, 2);
    return day >= 1 && day <= days_in_month(year, month);
}

static bool valid_time(const char *s, size_t len, size_t *i)
{
    int h = digits(s, len, i, 2);
    if (h < 0 || h > 23 || !expect(s, len, i, ":")) return false;
    int m = digits(s, len, i, 2);
    if (m < 0 || m > 59 || !expect(s, len, i, ":")) return false;
    int sec = digits(s, len, i, 2);
    if (sec < 0 || sec > 60) return false; /* 60: a leap second */
    if (*i < len && s[*i] == '.') {
        (*i)++;
        size_t start = *i;
        while (*i < len && s[*i] >= '0' && s[*i] <= '9') (*i)++;
        if (*i == start) return false;
    }
    return true;
}

static bool valid_offset(const char *s, size_t len, size_t *i)
{
    if (expect(s, len, i, "Zz")) return true;
    if (!expect(s, len, i, "+-")) return false;
    int h = digits(s, len, i, 2);
    if (h < 0 || h > 23 || !expect(s, len, i, ":")) return false;
    int m = digits(s, len, i, 2);
    return m >= 0 && m <= 59;
}

bool wp_cli_rfc3339_valid(const char *s, size_t len)
{
    size_t i = 0;
    return valid_date(s, len, &i) && expect(s, len, &i, "Tt") && valid_time(s, len, &i)
        && valid_offset(s, len, &i) && i == len;
}
