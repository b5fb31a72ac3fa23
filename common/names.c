/* Kubernetes name formats, checked by hand. See names.h.
 *
 * The messages reproduce apimachinery's wording (RegexError joins examples
 * with "', " + " or ", hence the double spaces) so a denial from warmpool
 * reads like one from the API server. */
#include "common/names.h"

#include <string.h>

/* ---- messages ---------------------------------------------------------- */

#define MSG_MAX_LEN(n) "must be no more than " #n " characters"
#define MSG_EMPTY "must be non-empty"

#define SUBDOMAIN_REGEX "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
#define MSG_SUBDOMAIN                                                                              \
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "  \
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used " \
    "for validation is '" SUBDOMAIN_REGEX "')"

#define LABEL_REGEX "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
#define MSG_LABEL                                                                                  \
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "  \
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "    \
    "used for validation is '" LABEL_REGEX "')"
#define MSG_LABEL_DOTS "must not contain dots"

#define QNAME_REGEX "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define QNAME_RULE                                                                                 \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "   \
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "        \
    "validation is '" QNAME_REGEX "')"
#define MSG_QNAME_SLASHES                                                                          \
    "a qualified name " QNAME_RULE " with an optional DNS subdomain prefix and '/' (e.g. "        \
    "'example.com/MyName')"

#define MSG_LABEL_VALUE                                                                            \
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "   \
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "            \
    "'my_value',  or '12345', regex used for validation is '(" QNAME_REGEX ")?')"

#define MSG_ENV_VAR                                                                                \
    "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', " \
    "or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or "        \
    "'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"

/* ---- helpers ----------------------------------------------------------- */

static void add(wp_name_problems *p, const char *msg)
{
    if (p->n < WP_NAME_MAX_PROBLEMS) p->msgs[p->n++] = msg;
}

/* Returns the first problem, copying every problem to `all` if asked. */
static const char *finish(const wp_name_problems *found, wp_name_problems *all)
{
    if (all) *all = *found;
    return found->n ? found->msgs[0] : NULL;
}

static bool is_lower_alnum(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
static bool is_alnum(unsigned char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }
static bool is_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? */
static bool matches_label(const char *s, size_t len)
{
    if (len == 0 || !is_lower_alnum((unsigned char)s[0]) || !is_lower_alnum((unsigned char)s[len - 1]))
        return false;
    for (size_t i = 1; i + 1 < len; i++)
        if (!is_lower_alnum((unsigned char)s[i]) && s[i] != '-') return false;
    return true;
}

/* Labels joined by single dots. */
static bool matches_subdomain(const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            if (!matches_label(s + start, i - start)) return false;
            start = i + 1;
        }
    }
    return true;
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] */
static bool matches_qname(const char *s, size_t len)
{
    if (len == 0 || !is_alnum((unsigned char)s[0]) || !is_alnum((unsigned char)s[len - 1])) return false;
    for (size_t i = 1; i + 1 < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!is_alnum(c) && c != '-' && c != '_' && c != '.') return false;
    }
    return true;
}

/* ---- validators -------------------------------------------------------- */

static void check_subdomain(const char *s, size_t len, wp_name_problems *p, bool as_prefix)
{
    if (len > WP_NAME_DNS1123_SUBDOMAIN_MAX)
        add(p, as_prefix ? "prefix part " MSG_MAX_LEN(253) : MSG_MAX_LEN(253));
    if (!matches_subdomain(s, len)) add(p, as_prefix ? "prefix part " MSG_SUBDOMAIN : MSG_SUBDOMAIN);
}

const char *wp_name_dns1123_subdomain(const char *s, size_t len, wp_name_problems *all)
{
    wp_name_problems p = {0};
    check_subdomain(s, len, &p, false);
    return finish(&p, all);
}

const char *wp_name_dns1123_label(const char *s, size_t len, wp_name_problems *all)
{
    wp_name_problems p = {0};
    if (len > WP_NAME_DNS1123_LABEL_MAX) add(&p, MSG_MAX_LEN(63));
    if (!matches_label(s, len)) {
        /* A valid subdomain that is not a valid label can only be wrong
         * because of its dots (the length was checked above). */
        add(&p, matches_subdomain(s, len) ? MSG_LABEL_DOTS : MSG_LABEL);
    }
    return finish(&p, all);
}

bool wp_name_qualified_prefix(const char *s, size_t len, size_t *prefix_len)
{
    const char *slash = memchr(s, '/', len);
    if (!slash) return false;
    size_t at = (size_t)(slash - s);
    if (memchr(slash + 1, '/', len - at - 1)) return false;
    *prefix_len = at;
    return true;
}

const char *wp_name_qualified(const char *s, size_t len, wp_name_problems *all)
{
    wp_name_problems p = {0};
    const char *name = s;
    size_t name_len = len, prefix_len;
    if (wp_name_qualified_prefix(s, len, &prefix_len)) {
        if (prefix_len == 0) add(&p, "prefix part " MSG_EMPTY);
        else check_subdomain(s, prefix_len, &p, true);
        name = s + prefix_len + 1;
        name_len = len - prefix_len - 1;
    } else if (memchr(s, '/', len)) {
        add(&p, MSG_QNAME_SLASHES); /* more than one '/': nothing else is checked */
        return finish(&p, all);
    }
    if (name_len == 0) add(&p, "name part " MSG_EMPTY);
    else if (name_len > WP_NAME_QUALIFIED_NAME_MAX) add(&p, "name part " MSG_MAX_LEN(63));
    if (!matches_qname(name, name_len)) add(&p, "name part " QNAME_RULE);
    return finish(&p, all);
}

const char *wp_name_label_value(const char *s, size_t len, wp_name_problems *all)
{
    wp_name_problems p = {0};
    if (len > WP_NAME_LABEL_VALUE_MAX) add(&p, MSG_MAX_LEN(63));
    if (len > 0 && !matches_qname(s, len)) add(&p, MSG_LABEL_VALUE);
    return finish(&p, all);
}

const char *wp_name_env_var(const char *s, size_t len, wp_name_problems *all)
{
    wp_name_problems p = {0};
    bool ok = len > 0 && (is_alpha((unsigned char)s[0]) || s[0] == '-' || s[0] == '.' || s[0] == '_');
    for (size_t i = 1; ok && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        ok = is_alnum(c) || c == '-' || c == '.' || c == '_';
    }
    if (!ok) add(&p, MSG_ENV_VAR);
    /* Names that look like directory changes are refused too (they would
     * be dangerous as file names in projected volumes). */
    if (len == 1 && s[0] == '.') add(&p, "must not be '.'");
    else if (len == 2 && s[0] == '.' && s[1] == '.') add(&p, "must not be '..'");
    else if (len > 2 && s[0] == '.' && s[1] == '.') add(&p, "must not start with '..'");
    return finish(&p, all);
}

/* ---- domains ----------------------------------------------------------- */

bool wp_name_domain_within(const char *domain, size_t len, const char *allowed)
{
    size_t alen = strlen(allowed);
    if (alen == 0 || len < alen || strncasecmp(domain + len - alen, allowed, alen) != 0) return false;
    /* Equal, or the byte before the suffix is a label boundary. */
    return len == alen || domain[len - alen - 1] == '.';
}

/* ---- RFC 3339 ---------------------------------------------------------- */

/* Reads exactly n digits at s[*i]; -1 if any is not a digit. */
static int read_digits(const char *s, size_t len, size_t *i, int n)
{
    int v = 0;
    for (int k = 0; k < n; k++, (*i)++) {
        if (*i >= len || !is_digit((unsigned char)s[*i])) return -1;
        v = v * 10 + (s[*i] - '0');
    }
    return v;
}

static bool expect(const char *s, size_t len, size_t *i, char c)
{
    if (*i >= len || s[*i] != c) return false;
    (*i)++;
    return true;
}

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil algorithm, which is exact for every year). */
static long long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Fractional seconds: any number of digits; nanoseconds keep the first 9. */
static bool read_fraction(const char *s, size_t len, size_t *i, long *nsec)
{
    *nsec = 0;
    if (*i >= len || s[*i] != '.') return true;
    (*i)++;
    size_t start = *i;
    long scale = 100000000;
    for (; *i < len && is_digit((unsigned char)s[*i]); (*i)++) {
        *nsec += (s[*i] - '0') * scale;
        scale /= 10;
    }
    return *i > start;
}

/* "Z" or +hh:mm / -hh:mm; *offset_sec is what to subtract to reach UTC. */
static bool read_offset(const char *s, size_t len, size_t *i, long *offset_sec)
{
    *offset_sec = 0;
    if (*i < len && s[*i] == 'Z') {
        (*i)++;
        return true;
    }
    if (*i >= len || (s[*i] != '+' && s[*i] != '-')) return false;
    int sign = s[*i] == '-' ? -1 : 1;
    (*i)++;
    int hh = read_digits(s, len, i, 2);
    if (hh < 0 || hh > 23 || !expect(s, len, i, ':')) return false;
    int mm = read_digits(s, len, i, 2);
    if (mm < 0 || mm > 59) return false;
    *offset_sec = sign * (hh * 3600L + mm * 60L);
    return true;
}

bool wp_name_parse_rfc3339(const char *s, size_t len, struct timespec *out)
{
    size_t i = 0;
    int year = read_digits(s, len, &i, 4);
    if (year < 0 || !expect(s, len, &i, '-')) return false;
    int month = read_digits(s, len, &i, 2);
    if (month < 1 || month > 12 || !expect(s, len, &i, '-')) return false;
    int day = read_digits(s, len, &i, 2);
    if (day < 1 || day > days_in_month(year, month) || !expect(s, len, &i, 'T')) return false;
    int hour = read_digits(s, len, &i, 2);
    if (hour < 0 || hour > 23 || !expect(s, len, &i, ':')) return false;
    int minute = read_digits(s, len, &i, 2);
    if (minute < 0 || minute > 59 || !expect(s, len, &i, ':')) return false;
    int second = read_digits(s, len, &i, 2);
    if (second < 0 || second > 59) return false;
    long nsec, offset;
    if (!read_fraction(s, len, &i, &nsec) || !read_offset(s, len, &i, &offset) || i != len) return false;
    long long secs = days_from_civil(year, month, day) * 86400LL + hour * 3600LL + minute * 60LL + second;
    out->tv_sec = (time_t)(secs - offset);
    out->tv_nsec = nsec;
    return true;
}

/* ---- images ------------------------------------------------------------ */

bool wp_name_image_pinned(const char *s, size_t len)
{
    static const char marker[] = "@sha256:";
    const size_t marker_len = sizeof marker - 1, hex_len = 64;
    if (len < 1 + marker_len + hex_len) return false;
    const char *digest = s + len - hex_len;
    if (memcmp(digest - marker_len, marker, marker_len) != 0) return false;
    for (size_t i = 0; i < hex_len; i++) {
        unsigned char c = (unsigned char)digest[i];
        if (!is_digit(c) && !(c >= 'a' && c <= 'f')) return false;
    }
    return true;
}
