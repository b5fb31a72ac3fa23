/* Structured logging. See log.h. */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static wp_log_format log_format = WP_LOG_JSON;
static wp_log_level log_min_level = WP_LOG_INFO;
static int log_fd = 2;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void wp_log_init(wp_log_format format, wp_log_level min_level)
{
    log_format = format;
    log_min_level = min_level;
}

void wp_log_set_fd(int fd) { log_fd = fd; }

bool wp_log_parse_format(const char *s, wp_log_format *out)
{
    if (strcmp(s, "json") == 0) { *out = WP_LOG_JSON; return true; }
    if (strcmp(s, "text") == 0) { *out = WP_LOG_TEXT; return true; }
    return false;
}

bool wp_log_parse_level(const char *s, wp_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, level_names[i]) == 0) { *out = (wp_log_level)i; return true; }
    }
    return false;
}

/* A fixed line buffer: a log line is bounded so a hostile value cannot make
 * logging allocate; overlong lines are cut and marked. */
typedef struct {
    char buf[8192];
    size_t len;
    bool truncated;
} line_buf;

static void put_raw(line_buf *b, const char *s, size_t n)
{
    size_t room = sizeof(b->buf) - 8 - b->len; /* keep space for "…\n" */
    if (n > room) { n = room; b->truncated = true; }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
}

static void put_str(line_buf *b, const char *s) { put_raw(b, s, strlen(s)); }

/* JSON string escaping (also used in text mode so control bytes never reach
 * the terminal raw). */
static void put_escaped(line_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        switch (*p) {
        case '"': put_raw(b, "\\\"", 2); break;
        case '\\': put_raw(b, "\\\\", 2); break;
        case '\n': put_raw(b, "\\n", 2); break;
        case '\r': put_raw(b, "\\r", 2); break;
        case '\t': put_raw(b, "\\t", 2); break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                snprintf(esc, sizeof esc, "\\u%04x", *p);
                put_str(b, esc);
            } else {
                put_raw(b, (const char *)p, 1);
            }
        }
    }
}

/* key=value in text mode: a value with a space, '=' or '"' (or an empty
 * one) is quoted so a line still splits into its fields. */
static void put_text_value(line_buf *b, const char *v)
{
    bool quote = *v == '\0' || strpbrk(v, " =\"") != NULL;
    if (quote) put_str(b, "\"");
    put_escaped(b, v);
    if (quote) put_str(b, "\"");
}

static void put_timestamp(line_buf *b)
{
    struct timespec ts;
    struct tm tm;
    char out[40];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, sizeof out - n, ".%06ldZ", ts.tv_nsec / 1000);
    put_str(b, out);
}

void wp_log(wp_log_level level, const char *msg, ...)
{
    if (level < log_min_level) return;
    line_buf b = {.len = 0, .truncated = false};
    va_list ap;
    va_start(ap, msg);
    if (log_format == WP_LOG_JSON) {
        put_str(&b, "{\"ts\":\"");
        put_timestamp(&b);
        put_str(&b, "\",\"level\":\"");
        put_str(&b, level_names[level]);
        put_str(&b, "\",\"msg\":\"");
        put_escaped(&b, msg);
        put_str(&b, "\"");
        for (const char *k = va_arg(ap, const char *); k; k = va_arg(ap, const char *)) {
            const char *v = va_arg(ap, const char *);
            put_str(&b, ",\"");
            put_escaped(&b, k);
            put_str(&b, "\":");
            if (v) { put_str(&b, "\""); put_escaped(&b, v); put_str(&b, "\""); }
            else put_str(&b, "null");
        }
        put_str(&b, "}");
    } else {
        put_timestamp(&b);
        put_str(&b, " ");
        put_str(&b, level_names[level]);
        put_str(&b, " ");
        put_escaped(&b, msg);
        for (const char *k = va_arg(ap, const char *); k; k = va_arg(ap, const char *)) {
            const char *v = va_arg(ap, const char *);
            /* An absent value is left out: "name=null" would read as a
             * name spelled "null". */
            if (!v) continue;
            put_str(&b, " ");
            put_escaped(&b, k);
            put_str(&b, "=");
            put_text_value(&b, v);
        }
    }
    va_end(ap);
    if (b.truncated) {
        /* Cut inside a value: close it so the line still parses as JSON. */
        if (log_format == WP_LOG_JSON) memcpy(b.buf + b.len, "…\"}", 5), b.len += 5;
        else memcpy(b.buf + b.len, "…", 3), b.len += 3;
    }
    b.buf[b.len++] = '\n';
    ssize_t w = write(log_fd, b.buf, b.len);
    (void)w;
}
