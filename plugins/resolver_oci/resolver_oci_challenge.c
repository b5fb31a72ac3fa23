/* WWW-Authenticate (RFC 7235 section 4.1) as registries send it:
 *   Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull"
 *   Basic realm="Registry Realm"
 * Only the first challenge is read; unknown parameters are skipped. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "resolver_oci.h"

typedef struct {
    const char *p, *end;
} cursor;

static void skip_space(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t')) c->p++;
}

static int is_token_char(char ch)
{
    return isalnum((unsigned char)ch) || (ch && strchr("!#$%&'*+-.^_`|~/", ch));
}

/* A token into out (size cap); 0, or -1 when empty or too long. */
static int read_token(cursor *c, char *out, size_t cap)
{
    size_t n = 0;
    while (c->p < c->end && is_token_char(*c->p)) {
        if (n + 1 >= cap) return -1;
        out[n++] = *c->p++;
    }
    out[n] = '\0';
    return n ? 0 : -1;
}

/* A quoted-string (backslash escapes) or a token into out. */
static int read_value(cursor *c, char *out, size_t cap)
{
    if (c->p >= c->end || *c->p != '"') return read_token(c, out, cap);
    size_t n = 0;
    for (c->p++; c->p < c->end && *c->p != '"'; c->p++) {
        if (*c->p == '\\' && c->p + 1 < c->end) c->p++;
        if (n + 1 >= cap || (unsigned char)*c->p < 0x20) return -1;
        out[n++] = *c->p;
    }
    if (c->p >= c->end) return -1; /* unterminated */
    c->p++;
    out[n] = '\0';
    return 0;
}

static char *param_slot(oci_challenge *out, const char *name, size_t *cap)
{
    if (strcasecmp(name, "realm") == 0) return *cap = sizeof out->realm, out->realm;
    if (strcasecmp(name, "service") == 0) return *cap = sizeof out->service, out->service;
    if (strcasecmp(name, "scope") == 0) return *cap = sizeof out->scope, out->scope;
    return NULL;
}

int oci_challenge_parse(const char *s, size_t len, oci_challenge *out)
{
    memset(out, 0, sizeof *out);
    cursor c = {s, s + len};
    skip_space(&c);
    if (read_token(&c, out->scheme, sizeof out->scheme) != 0) return -1;
    for (char *p = out->scheme; *p; p++) *p = (char)tolower((unsigned char)*p);
    for (int first = 1;; first = 0) {
        skip_space(&c);
        if (c.p >= c.end) return 0;
        if (!first) {
            if (*c.p != ',') return -1;
            c.p++;
            skip_space(&c);
        }
        char name[64], scratch[1024];
        if (read_token(&c, name, sizeof name) != 0) return -1;
        skip_space(&c);
        if (c.p >= c.end || *c.p != '=') return 0; /* the next challenge's scheme: stop */
        c.p++;
        skip_space(&c);
        size_t cap = sizeof scratch;
        char *slot = param_slot(out, name, &cap);
        if (read_value(&c, slot ? slot : scratch, slot ? cap : sizeof scratch) != 0) return -1;
    }
}
