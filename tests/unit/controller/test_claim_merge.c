/* What a claim adds to its Sandbox: env under each envVarsInjectionPolicy,
 * volume claim templates under each volumeClaimTemplatesPolicy, and
 * additionalPodMetadata checked by the webhook's own rule engine and merged
 * without overriding the template. Messages are upstream's, byte for byte. */
#include "ctl_testing.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "controller/claim_merge.h"

static char *dump(const json_t *v) { return json_dumps(v, JSON_COMPACT); }

static void assert_error(wp_claim_errors *e, wp_claim_err_kind kind, const char *text)
{
    ck_assert_uint_eq(e->n, 1);
    ck_assert_int_eq(e->items[0].kind, kind);
    ck_assert_str_eq(e->items[0].text, text);
    wp_claim_errors_clear(e);
}

#define POD_SPEC                                                                                               \
    "{\"initContainers\":[{\"name\":\"init\",\"image\":\"i\"}],"                                              \
    "\"containers\":[{\"name\":\"main\",\"image\":\"m\",\"env\":[{\"name\":\"A\",\"value\":\"1\"}]},"          \
    "{\"name\":\"side\",\"image\":\"s\",\"envFrom\":[{\"configMapRef\":{\"name\":\"cm\"}}]}]}"

static bool env_merge(json_t *spec, const char *env, const char *policy, wp_claim_errors *e)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "{\"spec\":{\"env\":%s}}", env);
    json_t *claim = ct_load(buf);
    bool ok = wp_claim_merge_env(spec, claim, policy, e);
    json_decref(claim);
    return ok;
}

START_TEST(env_disallowed_by_default)
{
    wp_claim_errors e = WP_CLAIM_ERRORS_INIT;
    json_t *spec = ct_load(POD_SPEC);
    static const char *const refusing[] = {NULL, "", "Disallowed", "Bogus"};
    for (size_t i = 0; i < 4; i++) {
        ck_assert(!env_merge(spec, "[{\"name\":\"B\",\"value\":\"2\"}]", refusing[i], &e));
        assert_error(&e, WP_CLAIM_ERR_ENV_REJECTED,
                     "environment variable injection rejected: environment variable injection is not allowed by "
                     "the template policy");
    }
    /* no env: nothing to do whatever the policy */
    ck_assert(env_merge(spec, "[]", "Disallowed", &e));
    json_decref(spec);
}
END_TEST

START_TEST(env_allowed_appends_to_the_first_or_named_container)
{
    wp_claim_errors e = WP_CLAIM_ERRORS_INIT;
    json_t *spec = ct_load(POD_SPEC);
    ck_assert(env_merge(spec,
                        "[{\"name\":\"B\",\"value\":\"2\"},{\"name\":\"C\",\"value\":\"3\",\"containerName\":\"init\"}]",
                        "Allowed", &e));
    char *s = dump(spec);
    ck_assert_str_eq(s, "{\"initContainers\":[{\"name\":\"init\",\"image\":\"i\",\"env\":[{\"name\":\"C\",\"value\":\"3\"}]}],"
                        "\"containers\":[{\"name\":\"main\",\"image\":\"m\",\"env\":[{\"name\":\"A\",\"value\":\"1\"},"
                        "{\"name\":\"B\",\"value\":\"2\"}]},"
                        "{\"name\":\"side\",\"image\":\"s\",\"envFrom\":[{\"configMapRef\":{\"name\":\"cm\"}}]}]}");
    free(s);
    json_decref(spec);
}
END_TEST

START_TEST(env_allowed_refuses_overrides_envfrom_and_unknown_containers)
{
    wp_claim_errors e = WP_CLAIM_ERRORS_INIT;
    json_t *spec = ct_load(POD_SPEC);
    ck_assert(!env_merge(spec, "[{\"name\":\"A\",\"value\":\"9\"}]", "Allowed", &e));
    assert_error(&e, WP_CLAIM_ERR_OTHER,
                 "environment variable override is not allowed by the template policy for variable \"A\"");
    ck_assert(!env_merge(spec, "[{\"name\":\"X\",\"value\":\"9\",\"containerName\":\"side\"}]", "Allowed", &e));
    assert_error(&e, WP_CLAIM_ERR_ENV_REJECTED,
                 "environment variable injection rejected: container \"side\" uses EnvFrom sources; Allowed policy "
                 "cannot safely prevent overriding EnvFrom-provided variables");
    ck_assert(!env_merge(spec, "[{\"name\":\"X\",\"value\":\"9\",\"containerName\":\"nope\"}]", "Overrides", &e));
    assert_error(&e, WP_CLAIM_ERR_OTHER,
                 "target container \"nope\" not found in template for environment variable \"X\"");
    json_decref(spec);
}
END_TEST

START_TEST(env_overrides_replaces_with_name_and_value)
{
    wp_claim_errors e = WP_CLAIM_ERRORS_INIT;
    json_t *spec = ct_load("{\"containers\":[{\"name\":\"main\",\"env\":[{\"name\":\"A\",\"valueFrom\":{\"x\":1}}],"
                         "\"envFrom\":[{\"secretRef\":{\"name\":\"s\"}}]}]}");
    ck_assert(env_merge(spec, "[{\"name\":\"A\",\"value\":\"9\"},{\"name\":\"B\",\"value\":\"\"}]", "Overrides", &e));
    char *s = dump(json_object_get(json_array_get(json_object_get(spec, "containers"), 0), "env"));
    ck_assert_str_eq(s, "[{\"name\":\"A\",\"value\":\"9\"},{\"name\":\"B\",\"value\":\"\"}]");
    free(s);
    json_decref(spec);
}
END_TEST

static bool vct_merge(json_t *spec, const char *claim_vcts, const char *policy, wp_claim_errors *e)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "{\"spec\":{\"volumeClaimTemplates\":%s}}", claim_vcts);
    json_t *claim = ct_load(buf);
    bool ok = wp_claim_merge_volume_claim_templates(spec, claim, policy, e);
    json_decref(claim);
    return ok;
}

#define VCT(n, size) "{\"metadata\":{\"name\":\"" n "\"},\"spec\":{\"size\":\"" size "\"}}"

START_TEST(volume_claim_templates_follow_the_policy)
{
    wp_claim_errors e = WP_CLAIM_ERRORS_INIT;
    json_t *spec = ct_load("{\"volumeClaimTemplates\":[" VCT("data", "1Gi") "]}");
    ck_assert(!vct_merge(spec, "[" VCT("more", "1Gi") "]", "Disallowed", &e));
    assert_error(&e, WP_CLAIM_ERR_VOLUME_CLAIM_TEMPLATES,
                 "failed to merge volume claim templates: volume claim templates are disallowed by the template");
    ck_assert(!vct_merge(spec, "[" VCT("more", "1Gi") "]", NULL, &e));
    wp_claim_errors_clear(&e);
    ck_assert(!vct_merge(spec, "[" VCT("data", "2Gi") "]", "Allowed", &e));
    assert_error(&e, WP_CLAIM_ERR_VOLUME_CLAIM_TEMPLATES,
                 "failed to merge volume claim templates: overriding volume claim templates is forbidden by the "
                 "template: cannot override template volume \"data\"");
    ck_assert(!vct_merge(spec, "[" VCT("", "2Gi") "]", "Allowed", &e));
    assert_error(&e, WP_CLAIM_ERR_VOLUME_CLAIM_TEMPLATES,
                 "failed to merge volume claim templates: claim: invalid volume claim templates: name at index 0 is "
                 "empty");
    ck_assert(!vct_merge(spec, "[" VCT("a", "1") "," VCT("a", "2") "]", "Overrides", &e));
    assert_error(&e, WP_CLAIM_ERR_VOLUME_CLAIM_TEMPLATES,
                 "failed to merge volume claim templates: claim: invalid volume claim templates: duplicate name \"a\"");
    ck_assert(!vct_merge(spec, "[" VCT("a", "1") "]", "Sideways", &e));
    assert_error(&e, WP_CLAIM_ERR_OTHER,
                 "failed to merge volume claim templates: unknown volume claim templates policy \"Sideways\"");

    ck_assert(vct_merge(spec, "[" VCT("more", "3Gi") "]", "Allowed", &e));
    char *s = dump(spec);
    ck_assert_str_eq(s, "{\"volumeClaimTemplates\":[" VCT("data", "1Gi") "," VCT("more", "3Gi") "]}");
    free(s);
    json_decref(spec);

    spec = ct_load("{\"volumeClaimTemplates\":[" VCT("data", "1Gi") "," VCT("logs", "1Gi") "]}");
    ck_assert(vct_merge(spec, "[" VCT("new", "5Gi") "," VCT("data", "9Gi") "]", "Overrides", &e));
    s = dump(spec);
    ck_assert_str_eq(s, "{\"volumeClaimTemplates\":[" VCT("data", "9Gi") "," VCT("logs", "1Gi") "," VCT("new", "5Gi") "]}");
    free(s);
    json_decref(spec);

    /* A broken template is reported even without claim templates. */
    spec = ct_load("{\"volumeClaimTemplates\":[" VCT("x", "1") "," VCT("x", "1") "]}");
    json_t *plain = ct_load("{\"spec\":{}}");
    ck_assert(!wp_claim_merge_volume_claim_templates(spec, plain, "Allowed", &e));
    assert_error(&e, WP_CLAIM_ERR_VOLUME_CLAIM_TEMPLATES,
                 "invalid volume claim templates in template: invalid volume claim templates: duplicate name \"x\"");
    json_decref(plain);
    json_decref(spec);
}
END_TEST

START_TEST(pod_metadata_is_checked_by_the_webhook_rules)
{
    wp_claim_errors e = WP_CLAIM_ERRORS_INIT;
    json_t *ok = ct_load("{\"spec\":{\"additionalPodMetadata\":{\"labels\":{\"sandbox.users.io/team\":\"a\"},"
                       "\"annotations\":{\"cluster-autoscaler.kubernetes.io/safe-to-evict\":\"false\"}}}}");
    ck_assert(wp_claim_check_pod_metadata(NULL, ok, &e));
    json_decref(ok);

    json_t *spoof = ct_load("{\"spec\":{\"additionalPodMetadata\":{\"labels\":{\"app\":\"Sandbox-Router\"}}}}");
    ck_assert(!wp_claim_check_pod_metadata(NULL, spoof, &e));
    ck_assert_uint_eq(e.n, 1);
    ck_assert_int_eq(e.items[0].kind, WP_CLAIM_ERR_INVALID_METADATA);
    ck_assert_str_eq(e.items[0].text,
                     "invalid additionalPodMetadata: spec.additionalPodMetadata.labels[app]: Forbidden: label keys "
                     "must have a prefix in an allowed domain or its subdomains: sandbox.users.io; "
                     "spec.additionalPodMetadata.labels[app]: Forbidden: app=sandbox-router is reserved for the "
                     "sandbox router, which network policies trust");
    wp_claim_errors_clear(&e);
    json_decref(spoof);

    json_t *system = ct_load("{\"spec\":{\"additionalPodMetadata\":{\"annotations\":{\"agents.x-k8s.io/pod-name\":\"x\"}}}}");
    ck_assert(!wp_claim_check_pod_metadata(NULL, system, &e));
    ck_assert_str_eq(e.items[0].text,
                     "invalid additionalPodMetadata: spec.additionalPodMetadata.annotations[agents.x-k8s.io/pod-name]: "
                     "Forbidden: annotation keys in the agents.x-k8s.io domain are reserved");
    wp_claim_errors_clear(&e);

    /* Enforced even when the webhook's config turns the group off. */
    wp_config *cfg = wp_config_new_default();
    cfg->modes[WP_RULE_CLAIM_POD_METADATA] = WP_MODE_OFF;
    ck_assert(!wp_claim_check_pod_metadata(cfg, system, &e));
    wp_claim_errors_clear(&e);
    wp_config_unref(cfg);
    json_decref(system);
}
END_TEST

START_TEST(pod_metadata_merges_without_overriding_the_template)
{
    wp_claim_errors e = WP_CLAIM_ERRORS_INIT;
    json_t *meta = ct_load("{\"labels\":{\"sandbox.users.io/team\":\"a\"}}");
    json_t *claim = ct_load("{\"spec\":{\"additionalPodMetadata\":{\"labels\":{\"sandbox.users.io/team\":\"a\","
                          "\"sandbox.users.io/x\":\"1\"},\"annotations\":{\"note\":\"hi\"}}}}");
    ck_assert(wp_claim_merge_pod_metadata(meta, claim, &e));
    char *s = dump(meta);
    ck_assert_str_eq(s, "{\"labels\":{\"sandbox.users.io/team\":\"a\",\"sandbox.users.io/x\":\"1\"},"
                        "\"annotations\":{\"note\":\"hi\"}}");
    free(s);
    json_decref(claim);

    claim = ct_load("{\"spec\":{\"additionalPodMetadata\":{\"labels\":{\"sandbox.users.io/team\":\"b\"}}}}");
    ck_assert(!wp_claim_merge_pod_metadata(meta, claim, &e));
    assert_error(&e, WP_CLAIM_ERR_OTHER,
                 "metadata override conflict: label \"sandbox.users.io/team\" is defined in template with value "
                 "\"a\", but claim requests \"b\"");
    json_decref(claim);
    claim = ct_load("{\"spec\":{\"additionalPodMetadata\":{\"annotations\":{\"note\":\"other\"}}}}");
    ck_assert(!wp_claim_merge_pod_metadata(meta, claim, &e));
    assert_error(&e, WP_CLAIM_ERR_OTHER,
                 "metadata override conflict: annotation \"note\" is defined in template with value \"hi\", but "
                 "claim requests \"other\"");
    json_decref(claim);
    json_decref(meta);
}
END_TEST

CT_MAIN("claim_merge",
        env_disallowed_by_default,
        env_allowed_appends_to_the_first_or_named_container,
        env_allowed_refuses_overrides_envfrom_and_unknown_containers,
        env_overrides_replaces_with_name_and_value,
        volume_claim_templates_follow_the_policy,
        pod_metadata_is_checked_by_the_webhook_rules,
        pod_metadata_merges_without_overriding_the_template)
