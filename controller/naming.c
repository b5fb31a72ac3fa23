/* See naming.h. */
#include "controller/naming.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/verdict.h"
#include "controller/keys.h"

unsigned wp_naming_fnv1a(const char *s, size_t len)
{
    unsigned h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

void wp_naming_hash(const char *s, char out[WP_NAMING_HASH_LEN])
{
    snprintf(out, WP_NAMING_HASH_LEN, "%08x", wp_naming_fnv1a(s, strlen(s)) & 0xffffffffu);
}

char *wp_naming_quote(const char *s)
{
    wp_sb b = {0};
    wp_sb_putc(&b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': wp_sb_puts(&b, "\\\""); break;
        case '\\': wp_sb_puts(&b, "\\\\"); break;
        case '\n': wp_sb_puts(&b, "\\n"); break;
        case '\t': wp_sb_puts(&b, "\\t"); break;
        case '\r': wp_sb_puts(&b, "\\r"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                wp_sb_printf(&b, "\\x%02x", *p);
            else
                wp_sb_putc(&b, (char)*p);
        }
    }
    wp_sb_putc(&b, '"');
    return wp_sb_finish(&b);
}

static char *joined(const char *a, const char *sep, const char *b)
{
    char *out = NULL;
    wp_xalloc_check(asprintf(&out, "%s%s%s", a, sep, b) >= 0 ? out : NULL);
    return out;
}

char *wp_naming_pvc(const char *vct, const char *sandbox)
{
    return joined(vct, "-", sandbox);
}

char *wp_naming_network_policy(const char *template_name)
{
    return joined(template_name, WP_NETWORK_POLICY_SUFFIX, "");
}

char *wp_naming_service_fqdn(const char *service, const char *ns, const char *cluster_domain)
{
    char *out = NULL;
    wp_xalloc_check(asprintf(&out, "%s.%s.svc.%s", service, ns, cluster_domain) >= 0 ? out : NULL);
    return out;
}

const char *wp_naming_created_by(const char *raw)
{
    static const char *const known[] = {WP_CREATED_BY_GO_CLIENT, WP_CREATED_BY_PYTHON_CLIENT,
                                        WP_CREATED_BY_CONTROLLER};
    for (size_t i = 0; raw && i < sizeof known / sizeof *known; i++)
        if (strcmp(raw, known[i]) == 0) return known[i];
    return WP_CREATED_BY_UNKNOWN;
}
