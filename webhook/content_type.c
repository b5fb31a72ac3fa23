/* Content-Type parsing (RFC 9110 media-type grammar, the parts that
 * matter here). See content_type.h. */
#include "webhook/content_type.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t') p++;
    return p;
}

/* RFC 9110 tchar. */
static bool is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static size_t token_len(const char *p)
{
    size_t n = 0;
    while (is_tchar(p[n])) n++;
    return n;
}

/* Parses one parameter value (token or quoted-string) into out (at most
 * size-1 bytes kept). Returns the position after it, or NULL if malformed. */
static const char *param_value(const char *p, char *out, size_t size)
{
    size_t n = 0;
    if (*p == '"') {
        for (p++; *p != '"'; p++) {
            if (*p == '\0') return NULL;
            if (*p == '\\' && *++p == '\0') return NULL;
            if (n + 1 < size) out[n++] = *p;
        }
        p++;
    } else {
        size_t len = token_len(p);
        if (len == 0) return NULL;
        for (size_t i = 0; i < len; i++) {
            if (n + 1 < size) out[n++] = p[i];
        }
        p += len;
    }
    out[n] = '\0';
    return p;
}

bool wp_content_type_is_json(const char *value)
{
    static const char type[] = "application/json";
    if (!value) return false;
    const char *p = skip_ows(value);
    if (strncasecmp(p, type, sizeof type - 1) != 0) return false;
    p = skip_ows(p + sizeof type - 1);
    while (*p == ';') {
        p = skip_ows(p + 1);
        size_t name_len = token_len(p);
        if (name_len == 0 && (*p == '\0' || *p == ';')) continue; /* empty parameter (RFC 9110) */
        if (name_len == 0 || p[name_len] != '=') return false;
        bool charset = name_len == 7 && strncasecmp(p, "charset", 7) == 0;
        char v[32];
        p = param_value(p + name_len + 1, v, sizeof v);
        if (!p) return false;
        if (charset && strcasecmp(v, "utf-8") != 0 && strcasecmp(v, "utf8") != 0) return false;
        p = skip_ows(p);
    }
    return *p == '\0';
}
