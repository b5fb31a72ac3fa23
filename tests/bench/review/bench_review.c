/* Measures the transport-free admission decision: ns per review and reviews
 * per second on one core, for the request shapes the webhook sees most.
 *
 *   bench_review [seconds-per-case]     (default 1)
 *
 * The inputs are the AdmissionReviews in this folder, as the apiserver would
 * send them (userInfo, options, managedFields and all). Each case runs until
 * its time is up; the clock is read every 64 iterations. Times are this
 * thread's CPU time, so other processes competing for the core inflate
 * them less than wall-clock time would (caches are still shared). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/review.h"

typedef struct {
    const char *label, *file;
    wp_review_mode mode;
    bool expect_patch;
} bench_case;

static const bench_case CASES[] = {
    {"claim    2.8 KB  validate", "claim-create.json", WP_REVIEW_VALIDATE, false},
    {"claim    2.8 KB  mutate  ", "claim-create.json", WP_REVIEW_MUTATE, true},
    {"template  29 KB  validate", "template-create.json", WP_REVIEW_VALIDATE, false},
    {"template  29 KB  mutate  ", "template-create.json", WP_REVIEW_MUTATE, false},
};

static char *slurp(const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", BENCH_REVIEW_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_review: cannot open %s\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) exit(1);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* One review, checked: a benchmark of a wrong answer measures nothing. */
static void review_once(const wp_config *cfg, const bench_case *c, const char *body, size_t len,
                        const struct timespec *now)
{
    wp_review_result r;
    wp_review_handle(cfg, c->mode, body, len, now, &r);
    if (r.http_status != 200 || !r.allowed || r.patched != c->expect_patch) {
        fprintf(stderr, "bench_review: %s: unexpected answer: %s\n", c->label, r.body);
        exit(1);
    }
    wp_review_result_free(&r);
}

int main(int argc, char **argv)
{
    double budget = argc > 1 ? atof(argv[1]) : 1.0;
    wp_config *cfg = wp_config_new_default();
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    printf("%-28s %8s %12s %12s\n", "case", "bytes", "ns/op", "ops/s");
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        const bench_case *c = &CASES[i];
        size_t len;
        char *body = slurp(c->file, &len);
        for (int w = 0; w < 200; w++) review_once(cfg, c, body, len, &now); /* warm caches and malloc */
        struct timespec t0;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
        unsigned long long n = 0;
        double elapsed;
        do {
            for (int k = 0; k < 64; k++) review_once(cfg, c, body, len, &now);
            n += 64;
        } while ((elapsed = seconds_since(&t0)) < budget);
        printf("%-28s %8zu %12.0f %12.0f\n", c->label, len, elapsed * 1e9 / (double)n, (double)n / elapsed);
        free(body);
    }
    wp_config_unref(cfg);
    return 0;
}
