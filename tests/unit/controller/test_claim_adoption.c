/* The one binding write and the cold Sandbox, field by field: what a warm
 * member looks like after the adoption patch is merged, the optimistic
 * lock it carries, which Sandboxes are adoptable, and the Sandbox a cold
 * start creates (labels, owner, template blueprint, env). */
#include "ctl_testing.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "controller/adoption.h"
#include "controller/claim_cold.h"

static char *dump(const json_t *v) { return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS); }

#define MEMBER                                                                                                   \
    "{\"metadata\":{\"name\":\"pool-abc\",\"namespace\":\"ns\",\"resourceVersion\":\"17\","                    \
    "\"labels\":{\"agents.x-k8s.io/warm-pool-sandbox\":\"11111111\",\"agents.x-k8s.io/sandbox-template-ref-hash\":" \
    "\"22222222\",\"agents.x-k8s.io/sandbox-template-hash\":\"33\",\"agents.x-k8s.io/sandbox-pod-template-hash\":" \
    "\"44\",\"agents.x-k8s.io/launch-type\":\"warm\",\"agents.x-k8s.io/created-by\":\"controller\"},"          \
    "\"ownerReferences\":[{\"apiVersion\":\"extensions.agents.x-k8s.io/v1beta1\",\"kind\":\"SandboxWarmPool\","  \
    "\"name\":\"pool\",\"uid\":\"pool-uid\",\"controller\":true}]},"                                             \
    "\"spec\":{\"podTemplate\":{\"metadata\":{\"labels\":{\"agents.x-k8s.io/warm-pool-sandbox\":\"11111111\","   \
    "\"old\":\"x\"},\"annotations\":{\"cluster-autoscaler.kubernetes.io/safe-to-evict\":\"true\"}},"            \
    "\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"i\"}]}}}}"

#define CLAIM                                                                                                    \
    "{\"metadata\":{\"name\":\"alice\",\"namespace\":\"ns\",\"uid\":\"claim-uid\","                            \
    "\"labels\":{\"agents.x-k8s.io/created-by\":\"go-client\"},"                                               \
    "\"annotations\":{\"opentelemetry.io/trace-context\":\"{}\"}},"                                            \
    "\"spec\":{\"warmPoolRef\":{\"name\":\"pool\"},\"additionalPodMetadata\":{\"labels\":"                      \
    "{\"sandbox.users.io/u\":\"alice\"},\"annotations\":{\"note\":\"n\"}}}}"

START_TEST(adoptable_members_only)
{
    json_t *m = ct_load(MEMBER);
    const char *pool = NULL;
    ck_assert(wp_adoption_adoptable(m, &pool));
    ck_assert_str_eq(pool, "pool");
    json_object_set_new(json_object_get(m, "metadata"), "deletionTimestamp", json_string("2026-01-01T00:00:00Z"));
    ck_assert(!wp_adoption_adoptable(m, NULL));
    json_decref(m);

    m = ct_load(MEMBER);
    json_object_del(json_object_get(json_object_get(m, "metadata"), "labels"), "agents.x-k8s.io/warm-pool-sandbox");
    ck_assert(!wp_adoption_adoptable(m, NULL));
    json_decref(m);

    m = ct_load(MEMBER); /* controlled by a claim already */
    json_t *ref = json_array_get(json_object_get(json_object_get(m, "metadata"), "ownerReferences"), 0);
    json_object_set_new(ref, "kind", json_string("SandboxClaim"));
    ck_assert(!wp_adoption_adoptable(m, NULL));
    json_decref(m);
}
END_TEST

START_TEST(one_patch_carries_the_whole_binding_under_the_resource_version)
{
    json_t *m = ct_load(MEMBER), *c = ct_load(CLAIM);
    json_t *tspec = ct_load("{\"podTemplate\":{\"metadata\":{\"labels\":{\"team\":\"a\"}},\"spec\":{}}}");
    json_t *patch = wp_adoption_patch(m, c, tspec, "tmpl");
    char *s = dump(patch);
    ck_assert_str_eq(
        s, "{\"metadata\":{\"annotations\":{\"agents.x-k8s.io/pod-name\":\"pool-abc\",\"opentelemetry.io/trace-context\":"
           "\"{}\"},\"labels\":{\"agents.x-k8s.io/claim-uid\":\"claim-uid\",\"agents.x-k8s.io/created-by\":"
           "\"go-client\",\"agents.x-k8s.io/launch-type\":\"warm\",\"agents.x-k8s.io/sandbox-pod-template-hash\":null,"
           "\"agents.x-k8s.io/sandbox-template-hash\":null,\"agents.x-k8s.io/sandbox-template-ref-hash\":"
           "\"22222222\",\"agents.x-k8s.io/warm-pool-sandbox\":null},\"ownerReferences\":[{\"apiVersion\":"
           "\"extensions.agents.x-k8s.io/v1beta1\",\"blockOwnerDeletion\":true,\"controller\":true,\"kind\":"
           "\"SandboxClaim\",\"name\":\"alice\",\"uid\":\"claim-uid\"}],\"resourceVersion\":\"17\"},"
           "\"spec\":{\"podTemplate\":{\"metadata\":{\"annotations\":{\"cluster-autoscaler.kubernetes.io/safe-to-evict\":"
           "null,\"note\":\"n\"},\"labels\":{\"agents.x-k8s.io/claim-uid\":\"claim-uid\",\"agents.x-k8s.io/created-by\":"
           "\"go-client\",\"agents.x-k8s.io/sandbox-template-ref-hash\":\"22222222\",\"agents.x-k8s.io/warm-pool-sandbox\":"
           "null,\"old\":null,\"sandbox.users.io/u\":\"alice\",\"team\":\"a\"}}}}}");
    free(s);
    json_decref(patch);

    /* No created-by on the claim: removed from the Sandbox and its pods. */
    json_object_del(json_object_get(json_object_get(c, "metadata"), "labels"), "agents.x-k8s.io/created-by");
    patch = wp_adoption_patch(m, c, NULL, "tmpl");
    json_t *labels = json_object_get(json_object_get(patch, "metadata"), "labels");
    ck_assert(json_is_null(json_object_get(labels, "agents.x-k8s.io/created-by")));
    json_decref(patch);
    json_decref(tspec);
    json_decref(c);
    json_decref(m);
}
END_TEST

START_TEST(cold_sandbox_from_the_template)
{
    json_t *c = ct_load("{\"metadata\":{\"name\":\"bob\",\"namespace\":\"ns\",\"uid\":\"u1\"},"
                      "\"spec\":{\"warmPoolRef\":{\"name\":\"pool\"},\"env\":[{\"name\":\"A\",\"value\":\"1\"}],"
                      "\"lifecycle\":{\"shutdownPolicy\":\"Delete\"}}}");
    json_t *t = ct_load("{\"metadata\":{\"name\":\"tmpl\"},\"spec\":{\"envVarsInjectionPolicy\":\"Allowed\","
                      "\"podTemplate\":{\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"i\"}]}}}}");
    wp_claim_errors e = WP_CLAIM_ERRORS_INIT;
    json_t *sb = wp_claim_cold_sandbox(c, t, &e);
    ck_assert_ptr_nonnull(sb);
    char *s = dump(json_object_get(sb, "metadata"));
    ck_assert_str_eq(s, "{\"annotations\":{\"agents.x-k8s.io/sandbox-template-ref\":\"tmpl\"},\"labels\":"
                        "{\"agents.x-k8s.io/claim-uid\":\"u1\",\"agents.x-k8s.io/launch-type\":\"cold\","
                        "\"agents.x-k8s.io/sandbox-template-ref-hash\":\"0cb93986\"},\"name\":\"bob\",\"namespace\":"
                        "\"ns\",\"ownerReferences\":[{\"apiVersion\":\"extensions.agents.x-k8s.io/v1beta1\","
                        "\"blockOwnerDeletion\":true,\"controller\":true,\"kind\":\"SandboxClaim\",\"name\":\"bob\","
                        "\"uid\":\"u1\"}]}");
    free(s);
    json_t *spec = json_object_get(sb, "spec");
    ck_assert_ptr_null(json_object_get(spec, "lifecycle"));
    ck_assert_ptr_null(json_object_get(spec, "shutdownPolicy"));
    json_t *pod = json_object_get(json_object_get(spec, "podTemplate"), "spec");
    s = dump(json_object_get(json_array_get(json_object_get(pod, "containers"), 0), "env"));
    ck_assert_str_eq(s, "[{\"name\":\"A\",\"value\":\"1\"}]");
    free(s);
    ck_assert(json_is_false(json_object_get(pod, "automountServiceAccountToken")));
    json_decref(sb);

    /* Disallowed env: no Sandbox, the error says why. */
    json_object_set_new(json_object_get(t, "spec"), "envVarsInjectionPolicy", json_string("Disallowed"));
    ck_assert_ptr_null(wp_claim_cold_sandbox(c, t, &e));
    ck_assert_int_eq(e.items[0].kind, WP_CLAIM_ERR_ENV_REJECTED);
    wp_claim_errors_clear(&e);
    json_decref(t);
    json_decref(c);
}
END_TEST

CT_MAIN("claim_adoption",
        adoptable_members_only,
        one_patch_carries_the_whole_binding_under_the_resource_version,
        cold_sandbox_from_the_template)
