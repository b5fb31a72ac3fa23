/* Rule engine throughput: how many valid objects per second one core
 * validates, and how many heap allocations each validation makes (the
 * happy path should make none). Prints numbers; not a test.
 *
 *   build/bin/bench_rules [seconds-per-kind]   (default 1) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/jdoc.h"
#include "common/rules.h"

/* Counting allocations by wrapping malloc works only without a sanitizer
 * (which owns malloc itself). */
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define COUNT_ALLOCATIONS 1
static unsigned long allocations;
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
void *malloc(size_t n) { allocations++; return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { allocations++; return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { allocations++; return __libc_realloc(p, n); }
#endif

static const char *const objects[] = {
    /* A claim like the ones the webhook sees most. */
    "{\"apiVersion\":\"extensions.agents.x-k8s.io/v1beta1\",\"kind\":\"SandboxClaim\","
    "\"metadata\":{\"name\":\"c1\",\"namespace\":\"team-a\"},\"spec\":{\"warmPoolRef\":{\"name\":\"python-pool\"},"
    "\"additionalPodMetadata\":{\"labels\":{\"sandbox.users.io/user\":\"alice\",\"sandbox.users.io/team\":\"ml\"},"
    "\"annotations\":{\"example.com/note\":\"hello\"}},"
    "\"lifecycle\":{\"shutdownPolicy\":\"Delete\",\"ttlSecondsAfterFinished\":300,"
    "\"shutdownTime\":\"2030-01-01T00:00:00Z\"},"
    "\"env\":[{\"name\":\"VAR_0\",\"value\":\"a\"},{\"name\":\"VAR_1\",\"value\":\"b\"},"
    "{\"name\":\"VAR_2\",\"value\":\"c\",\"containerName\":\"main\"},{\"name\":\"VAR_3\",\"value\":\"d\"},"
    "{\"name\":\"VAR_4\",\"value\":\"e\"},{\"name\":\"VAR_5\",\"value\":\"f\"}],"
    "\"volumeClaimTemplates\":[{\"metadata\":{\"name\":\"workspace\"},\"spec\":{}}]}}",
    "{\"spec\":{\"sandboxTemplateRef\":{\"name\":\"python\"},\"replicas\":20,\"updateStrategy\":{\"type\":\"Recreate\"}}}",
    "{\"spec\":{\"networkPolicyManagement\":\"Managed\",\"envVarsInjectionPolicy\":\"Allowed\","
    "\"podTemplate\":{\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"busybox@sha256:"
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}]}}}}",
};
static const wp_kind kinds[] = {WP_KIND_SANDBOX_CLAIM, WP_KIND_SANDBOX_WARM_POOL, WP_KIND_SANDBOX_TEMPLATE};

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
    double budget = argc > 1 ? atof(argv[1]) : 1.0;
    struct timespec now = {1767225600, 0};
    for (size_t k = 0; k < sizeof objects / sizeof *objects; k++) {
        wp_jdoc *doc = wp_jdoc_parse(objects[k], strlen(objects[k]), NULL);
        if (!doc) return 1;
        const wp_jval *obj = wp_jdoc_root(doc);
        unsigned long n = 0, findings = 0;
#ifdef COUNT_ALLOCATIONS
        unsigned long allocations_before = allocations;
#endif
        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        do {
            for (int i = 0; i < 1000; i++, n++) {
                wp_verdict v = WP_VERDICT_INIT;
                wp_rules_validate(NULL, kinds[k], WP_OP_UPDATE, obj, obj, &now, &v);
                findings += v.n_causes + v.n_warnings;
                wp_verdict_free(&v);
            }
        } while (seconds_since(&start) < budget);
        double elapsed = seconds_since(&start);
        printf("%-16s %10.0f validations/s  %6.0f ns each  findings %lu", wp_kind_name(kinds[k]), n / elapsed,
               elapsed / n * 1e9, findings);
#ifdef COUNT_ALLOCATIONS
        printf("  allocations/validation %.2f", (double)(allocations - allocations_before) / n);
#endif
        printf("\n");
        wp_jdoc_free(doc);
    }
    return 0;
}
