/* Fuzzes the small parsers of server and plugin output: the Kubernetes
 * Status of an error answer, an exec plugin's ExecCredential, RFC 3339
 * times and base64 data (the first byte picks which). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "controller/kube/kube_error.h"
#include "controller/kube/kube_exec.h"
#include "controller/kube/kube_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    switch (data[0] % 4) {
    case 0: {
        wp_kube_status s;
        if (wp_kube_status_parse(text, len, &s)) wp_kube_status_clear(&s);
        break;
    }
    case 1: {
        wp_kube_exec_cred cred;
        char err[256];
        if (wp_kube_exec_parse(text, len, "client.authentication.k8s.io/v1", &cred, err, sizeof err) == 0)
            wp_kube_exec_cred_clear(&cred);
        break;
    }
    case 2: {
        char *s = strndup(text, len);
        double t;
        wp_kube_time_parse(s, &t);
        free(s);
        break;
    }
    default: {
        size_t n;
        char *out = (char *)wp_base64_decode(text, len, &n);
        if (out) {
            char *again = wp_base64_encode_alloc(out, n);
            free(again);
        }
        free(out);
        break;
    }
    }
    return 0;
}
