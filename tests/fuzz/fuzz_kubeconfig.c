/* Fuzzes the kubeconfig reader (YAML → clusters/users/contexts → client
 * settings): any input gets a config or a message, never a crash or a leak.
 * The first byte picks the context argument (current-context or "x"). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "controller/kube/kubeconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    const char *context = data[0] & 1 ? "x" : NULL;
    char err[512];
    /* a name in a directory that does not exist: file references fail cleanly */
    wp_kubeconfig *cfg = wp_kubeconfig_parse((const char *)data + 1, size - 1, "/nonexistent-fuzz/kubeconfig",
                                             context, err, sizeof err);
    if (cfg) {
        wp_kubeconfig *copy = wp_kubeconfig_copy(cfg);
        wp_kubeconfig_free(copy);
        wp_kubeconfig_free(cfg);
    } else if (!memchr(err, '\0', sizeof err) || err[0] == '\0') {
        __builtin_trap(); /* every failure explains itself */
    }
    return 0;
}
