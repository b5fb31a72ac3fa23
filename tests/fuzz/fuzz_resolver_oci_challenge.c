/* Fuzzes digest-registry's WWW-Authenticate parser. Invariants: an
 * accepted challenge has a non-empty lowercase scheme; realm, service and
 * scope are NUL-terminated inside their buffers and hold no control
 * characters (they end up in a URL). The plugin's source is compiled in. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/resolver_oci/resolver_oci_challenge.c"

static void check_field(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n == cap) abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    oci_challenge c;
    if (oci_challenge_parse((const char *)data, size, &c) != 0) return 0;
    if (!c.scheme[0]) abort();
    for (const char *p = c.scheme; *p; p++)
        if (isupper((unsigned char)*p)) abort();
    check_field(c.realm, sizeof c.realm);
    check_field(c.service, sizeof c.service);
    check_field(c.scope, sizeof c.scope);
    return 0;
}
