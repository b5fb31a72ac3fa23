/* Fuzzes digest-registry's image reference parser. Invariants: an accepted
 * reference has a registry, a repository and a tag (a valid digest when
 * pinned), and normalisation is idempotent: the parsed parts written back
 * as "registry/repository:tag[@digest]" parse to the same parts.
 * The plugin links nothing of warmpool's, so its source is compiled in. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/resolver_oci/resolver_oci_ref.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    oci_ref a, b;
    char err[160];
    if (oci_ref_parse((const char *)data, size, &a, err, sizeof err) != 0) {
        if (!err[0]) abort(); /* a refusal always says why */
        return 0;
    }
    if (!a.registry[0] || !a.repository[0] || !a.tag[0]) abort();
    if (a.digest[0] && !oci_digest_valid(a.digest)) abort();
    char again[1024];
    snprintf(again, sizeof again, "%s/%s:%s%s%s", a.registry, a.repository, a.tag, a.digest[0] ? "@" : "", a.digest);
    if (oci_ref_parse(again, strlen(again), &b, err, sizeof err) != 0) abort();
    if (memcmp(&a, &b, sizeof a) != 0) abort();
    return 0;
}
