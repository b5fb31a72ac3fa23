/* wp_review_handle from several threads at once, as the webhook calls it:
 * one shared config, every answer identical to the single-threaded one.
 * ctest-labels: tsan */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/review.h"
#include "rules_testing.h"

enum { THREADS = 4, ROUNDS = 200 };

static const struct timespec NOW = {.tv_sec = 1795316645, .tv_nsec = 5};

static const struct {
    wp_review_mode mode;
    const char *body;
} CASES[] = {
    {WP_REVIEW_VALIDATE, "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"a\","
                         "\"kind\":{\"group\":\"extensions.agents.x-k8s.io\",\"version\":\"v1beta1\",\"kind\":\"SandboxClaim\"},"
                         "\"operation\":\"CREATE\",\"object\":{\"metadata\":{\"name\":\"c\"},\"spec\":{\"env\":[{}]}}}}"},
    {WP_REVIEW_MUTATE, "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"b\","
                       "\"kind\":{\"group\":\"extensions.agents.x-k8s.io\",\"version\":\"v1beta1\",\"kind\":\"SandboxClaim\"},"
                       "\"operation\":\"CREATE\",\"object\":{\"spec\":{\"warmPoolRef\":{\"name\":\"p\"},\"env\":[{}]}}}}"},
    {WP_REVIEW_VALIDATE, "{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"c\","
                         "\"kind\":{\"group\":\"extensions.agents.x-k8s.io\",\"version\":\"v1beta1\",\"kind\":\"SandboxTemplate\"},"
                         "\"operation\":\"UPDATE\",\"object\":{\"spec\":{\"podTemplate\":{\"spec\":{\"containers\":"
                         "[{\"name\":\"a\",\"image\":\"busybox\"}]}}}}}}"},
    {WP_REVIEW_VALIDATE, "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{}}"},
};
#define N_CASES (sizeof CASES / sizeof CASES[0])

static wp_config *shared_cfg;
static char *expected[N_CASES];

static void *worker(void *arg)
{
    (void)arg;
    wp_config *cfg = wp_config_ref(shared_cfg);
    bool ok = true;
    for (int round = 0; round < ROUNDS; round++) {
        for (size_t i = 0; i < N_CASES; i++) {
            wp_review_result r;
            wp_review_handle(cfg, CASES[i].mode, CASES[i].body, strlen(CASES[i].body), &NOW, &r);
            ok = ok && strcmp(r.body, expected[i]) == 0;
            wp_review_result_free(&r);
        }
    }
    wp_config_unref(cfg);
    return ok ? arg : NULL;
}

START_TEST(concurrent_reviews_agree)
{
    shared_cfg = wp_config_new_default();
    for (size_t i = 0; i < N_CASES; i++) {
        wp_review_result r;
        wp_review_handle(shared_cfg, CASES[i].mode, CASES[i].body, strlen(CASES[i].body), &NOW, &r);
        expected[i] = r.body;
        r.body = NULL;
        wp_review_result_free(&r);
    }
    /* The cases cover a denial, a patch, warnings and a 400. */
    ck_assert_ptr_nonnull(strstr(expected[0], "\"allowed\":false"));
    ck_assert_ptr_nonnull(strstr(expected[1], "\"patchType\":\"JSONPatch\""));
    ck_assert_ptr_nonnull(strstr(expected[2], "\"warnings\":["));
    ck_assert_ptr_nonnull(strstr(expected[3], "\"code\":400"));

    pthread_t threads[THREADS];
    static int token = 1;
    for (int t = 0; t < THREADS; t++) ck_assert_int_eq(pthread_create(&threads[t], NULL, worker, &token), 0);
    for (int t = 0; t < THREADS; t++) {
        void *ok;
        pthread_join(threads[t], &ok);
        ck_assert_msg(ok != NULL, "thread %d saw a different answer", t);
    }
    for (size_t i = 0; i < N_CASES; i++) free(expected[i]);
    wp_config_unref(shared_cfg);
}
END_TEST

TEST_MAIN("review_threads", concurrent_reviews_agree)
