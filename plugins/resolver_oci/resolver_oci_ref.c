/* Image references as Docker and containerd read them:
 *   [domain/]path[:tag][@sha256:hex]
 * domain is the first component when it has a '.' or ':' or is
 * "localhost"; otherwise the image is on Docker Hub (registry-1.docker.io),
 * where one-component names live under library/. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "resolver_oci.h"

#define DOCKER_HUB "registry-1.docker.io"

static int fail(char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s", why);
    return -1;
}

int oci_digest_valid(const char *s)
{
    if (strncmp(s, "sha256:", 7) != 0 || strlen(s) != 71) return 0;
    for (const char *p = s + 7; *p; p++)
        if (!isdigit((unsigned char)*p) && !(*p >= 'a' && *p <= 'f')) return 0;
    return 1;
}

/* One path component: [a-z0-9]+ joined by '.', '_', "__" or runs of '-'. */
static int component_ok(const char *s, size_t n)
{
    if (n == 0 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1])) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if ((c >= 'a' && c <= 'z') || isdigit((unsigned char)c) || c == '-') continue;
        if (c != '.' && c != '_') return 0;
        if (!isalnum((unsigned char)s[i + 1]) && !(c == '_' && s[i + 1] == '_' && isalnum((unsigned char)s[i + 2])))
            return 0;
        if (c == '_' && s[i + 1] == '_') i++;
    }
    return 1;
}

static int path_ok(const char *s)
{
    for (const char *p = s;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (!component_ok(p, n)) return 0;
        if (!slash) return 1;
        p = slash + 1;
    }
}

/* host[:port], host = DNS labels or an IPv6 literal in brackets. */
static int domain_ok(const char *s)
{
    const char *p = s;
    if (*p == '[') {
        const char *close = strchr(p, ']');
        if (!close || close == p + 1) return 0;
        for (const char *q = p + 1; q < close; q++)
            if (!isxdigit((unsigned char)*q) && *q != ':' && *q != '.') return 0;
        p = close + 1;
    } else {
        size_t n = strcspn(p, ":");
        if (n == 0) return 0;
        for (size_t i = 0; i < n; i++)
            if (!isalnum((unsigned char)p[i]) && p[i] != '.' && p[i] != '-') return 0;
        if (p[0] == '-' || p[0] == '.' || p[n - 1] == '-' || p[n - 1] == '.') return 0;
        p += n;
    }
    if (*p == '\0') return 1;
    if (*p != ':' || !p[1] || strlen(p + 1) > 5) return 0;
    for (p++; *p; p++)
        if (!isdigit((unsigned char)*p)) return 0;
    return 1;
}

static int tag_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128 || !(isalnum((unsigned char)s[0]) || s[0] == '_')) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-') return 0;
    return 1;
}

/* Splits "[domain/]remainder" and applies the Docker Hub defaults. */
static int split_domain(char *name, oci_ref *out, char *err, size_t errlen)
{
    char *slash = strchr(name, '/');
    const char *remainder = name;
    if (slash && (memchr(name, '.', (size_t)(slash - name)) || memchr(name, ':', (size_t)(slash - name)) ||
                  (slash - name == 9 && strncmp(name, "localhost", 9) == 0) || name[0] == '[')) {
        *slash = '\0';
        if (!domain_ok(name) || strlen(name) >= sizeof out->registry)
            return fail(err, errlen, "the registry is not a valid host[:port]");
        memcpy(out->registry, name, strlen(name) + 1);
        remainder = slash + 1;
    } else {
        snprintf(out->registry, sizeof out->registry, "docker.io");
    }
    int hub = strcmp(out->registry, "docker.io") == 0 || strcmp(out->registry, "index.docker.io") == 0;
    if (hub) snprintf(out->registry, sizeof out->registry, DOCKER_HUB);
    int n = snprintf(out->repository, sizeof out->repository, "%s%s",
                     hub && !strchr(remainder, '/') ? "library/" : "", remainder);
    if (n < 0 || (size_t)n >= sizeof out->repository) return fail(err, errlen, "the repository name is too long");
    if (!path_ok(out->repository))
        return fail(err, errlen, "the repository name must be lowercase letters, digits and . _ - separated by /");
    return 0;
}

int oci_ref_parse(const char *s, size_t len, oci_ref *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char buf[512];
    if (len == 0) return fail(err, errlen, "the image reference is empty");
    if (len >= sizeof buf) return fail(err, errlen, "the image reference is longer than 511 bytes");
    if (memchr(s, '\0', len)) return fail(err, errlen, "the image reference contains a NUL byte");
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *at = strchr(buf, '@');
    if (at) {
        *at = '\0';
        if (!oci_digest_valid(at + 1))
            return fail(err, errlen, "the digest after @ must be sha256: and 64 lowercase hex digits");
        snprintf(out->digest, sizeof out->digest, "%s", at + 1);
    }
    /* The tag is after the last ':' that follows the last '/' (a ':' before
     * it is the registry's port). */
    char *last_slash = strrchr(buf, '/');
    char *colon = strrchr(last_slash ? last_slash : buf, ':');
    snprintf(out->tag, sizeof out->tag, "latest");
    if (colon) {
        *colon = '\0';
        if (!tag_ok(colon + 1)) return fail(err, errlen, "the tag must be 1-128 of letters, digits, _ . - (not starting with . or -)");
        snprintf(out->tag, sizeof out->tag, "%s", colon + 1);
    }
    if (!buf[0]) return fail(err, errlen, "the image reference has no repository name");
    return split_domain(buf, out, err, errlen);
}
