/* SandboxWarmPool rules 1-3. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "rules_testing.h"

#define POOL WP_KIND_SANDBOX_WARM_POOL

static void validate_pool(const wp_config *cfg, const char *obj, wp_verdict *v)
{
    test_validate(cfg, POOL, WP_OP_CREATE, obj, NULL, v);
}

START_TEST(valid_pools)
{
    const char *ok[] = {
        "spec: {sandboxTemplateRef: {name: python}}\n",
        "spec: {sandboxTemplateRef: {name: python}, replicas: 0}\n",
        "spec: {sandboxTemplateRef: {name: a.b-c}, replicas: 10000, updateStrategy: {type: Recreate}}\n",
        "spec: {sandboxTemplateRef: {name: t}, replicas: ~, updateStrategy: {type: OnReplenish}}\n",
        "spec: {sandboxTemplateRef: {name: t}, replicas: 3.0, updateStrategy: {}}\n",
        "spec: {sandboxTemplateRef: {name: t}, updateStrategy: ~}\n",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        wp_verdict v;
        validate_pool(NULL, ok[i], &v);
        EXPECT_NO_CAUSES(&v);
        ck_assert_uint_eq(v.n_warnings, 0);
        wp_verdict_free(&v);
    }
}
END_TEST

START_TEST(template_ref_required_and_a_name)
{
    const char *missing[] = {"spec: {}\n", "metadata: {name: p}\n", "spec: {sandboxTemplateRef: {}}\n",
                             "spec: {sandboxTemplateRef: {name: \"\"}}\n", "spec: {sandboxTemplateRef: ~}\n"};
    wp_verdict v;
    for (size_t i = 0; i < sizeof missing / sizeof *missing; i++) {
        validate_pool(NULL, missing[i], &v);
        EXPECT_CAUSES(&v, {"spec.sandboxTemplateRef.name", CAUSE_REQUIRED, "Required value"});
        ck_assert_str_eq(v.causes[0].pointer, "/spec/sandboxTemplateRef/name");
        wp_verdict_free(&v);
    }
    validate_pool(NULL, "spec: {sandboxTemplateRef: {name: Python_3}}\n", &v);
    EXPECT_CAUSES(&v, {"spec.sandboxTemplateRef.name", CAUSE_INVALID, "Invalid value: \"Python_3\": " K8S_SUBDOMAIN_MSG});
    wp_verdict_free(&v);
    validate_pool(NULL, "spec: {sandboxTemplateRef: python}\n", &v);
    EXPECT_CAUSES(&v, {"spec.sandboxTemplateRef", CAUSE_INVALID, "Invalid value: \"string\": must be of type object"});
    wp_verdict_free(&v);
    validate_pool(NULL, "spec: {sandboxTemplateRef: {name: [python]}}\n", &v);
    EXPECT_CAUSES(&v, {"spec.sandboxTemplateRef.name", CAUSE_INVALID, "Invalid value: \"array\": must be of type string"});
    wp_verdict_free(&v);
}
END_TEST

START_TEST(replicas_range)
{
    wp_verdict v;
    validate_pool(NULL, "spec: {sandboxTemplateRef: {name: t}, replicas: -1}\n", &v);
    EXPECT_CAUSES(&v, {"spec.replicas", CAUSE_INVALID, "Invalid value: -1: must be greater than or equal to 0"});
    wp_verdict_free(&v);
    validate_pool(NULL, "spec: {sandboxTemplateRef: {name: t}, replicas: 10001}\n", &v);
    EXPECT_CAUSES(&v, {"spec.replicas", CAUSE_INVALID, "Invalid value: 10001: must be less than or equal to 10000"});
    wp_verdict_free(&v);

    /* The maximum comes from the config. */
    json_t *doc = json_pack("{s:i}", "maxPoolReplicas", 5);
    wp_config *cfg = wp_config_from_json(doc, NULL, 0);
    json_decref(doc);
    validate_pool(cfg, "spec: {sandboxTemplateRef: {name: t}, replicas: 6}\n", &v);
    EXPECT_CAUSES(&v, {"spec.replicas", CAUSE_INVALID, "Invalid value: 6: must be less than or equal to 5"});
    wp_verdict_free(&v);
    validate_pool(cfg, "spec: {sandboxTemplateRef: {name: t}, replicas: 5}\n", &v);
    EXPECT_NO_CAUSES(&v);
    wp_verdict_free(&v);
    wp_config_unref(cfg);
}
END_TEST

START_TEST(replicas_wrong_types)
{
    const struct { const char *value, *found; } cases[] = {
        {"\"3\"", "string"}, {"2.5", "number"}, {"true", "boolean"}, {"[3]", "array"}, {"{n: 3}", "object"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char obj[128], message[128];
        snprintf(obj, sizeof obj, "spec: {sandboxTemplateRef: {name: t}, replicas: %s}\n", cases[i].value);
        snprintf(message, sizeof message, "Invalid value: \"%s\": must be of type integer", cases[i].found);
        wp_verdict v;
        validate_pool(NULL, obj, &v);
        EXPECT_CAUSES(&v, {"spec.replicas", CAUSE_INVALID, message});
        wp_verdict_free(&v);
    }
}
END_TEST

START_TEST(update_strategy_type)
{
    wp_verdict v;
    validate_pool(NULL, "spec: {sandboxTemplateRef: {name: t}, updateStrategy: {type: RollingUpdate}}\n", &v);
    EXPECT_CAUSES(&v, {"spec.updateStrategy.type", CAUSE_NOT_SUPPORTED,
                       "Unsupported value: \"RollingUpdate\": supported values: \"Recreate\", \"OnReplenish\""});
    wp_verdict_free(&v);
    validate_pool(NULL, "spec: {sandboxTemplateRef: {name: t}, updateStrategy: {type: recreate}}\n", &v);
    EXPECT_CAUSES(&v, {"spec.updateStrategy.type", CAUSE_NOT_SUPPORTED,
                       "Unsupported value: \"recreate\": supported values: \"Recreate\", \"OnReplenish\""});
    wp_verdict_free(&v);
    validate_pool(NULL, "spec: {sandboxTemplateRef: {name: t}, updateStrategy: Recreate}\n", &v);
    EXPECT_CAUSES(&v, {"spec.updateStrategy", CAUSE_INVALID, "Invalid value: \"string\": must be of type object"});
    wp_verdict_free(&v);
    validate_pool(NULL, "spec: {sandboxTemplateRef: {name: t}, updateStrategy: {type: 1}}\n", &v);
    EXPECT_CAUSES(&v, {"spec.updateStrategy.type", CAUSE_INVALID, "Invalid value: \"integer\": must be of type string"});
    wp_verdict_free(&v);
}
END_TEST

START_TEST(every_violation_and_modes)
{
    const char *obj = "metadata: {name: my-pool}\n"
                      "spec: {sandboxTemplateRef: {name: Bad}, replicas: -5, updateStrategy: {type: Never}}\n";
    wp_verdict v;
    validate_pool(NULL, obj, &v);
    EXPECT_CAUSES(&v, {"spec.sandboxTemplateRef.name", CAUSE_INVALID, "Invalid value: \"Bad\": " K8S_SUBDOMAIN_MSG},
                  {"spec.replicas", CAUSE_INVALID, "Invalid value: -5: must be greater than or equal to 0"},
                  {"spec.updateStrategy.type", CAUSE_NOT_SUPPORTED,
                   "Unsupported value: \"Never\": supported values: \"Recreate\", \"OnReplenish\""});
    char *message = wp_verdict_message(&v, "SandboxWarmPool", WP_GROUP_EXTENSIONS, "my-pool");
    ck_assert_str_eq(message, "SandboxWarmPool.extensions.agents.x-k8s.io \"my-pool\" is invalid: "
                              "[spec.sandboxTemplateRef.name: Invalid value: \"Bad\": " K8S_SUBDOMAIN_MSG
                              ", spec.replicas: Invalid value: -5: must be greater than or equal to 0, "
                              "spec.updateStrategy.type: Unsupported value: \"Never\": supported values: "
                              "\"Recreate\", \"OnReplenish\"]");
    free(message);
    wp_verdict_free(&v);

    json_t *doc = json_pack("{s:{s:s,s:s}}", "rules", "pool.replicas", "warn", "pool.updateStrategy", "off");
    wp_config *cfg = wp_config_from_json(doc, NULL, 0);
    json_decref(doc);
    validate_pool(cfg, obj, &v);
    EXPECT_CAUSES(&v, {"spec.sandboxTemplateRef.name", CAUSE_INVALID, "Invalid value: \"Bad\": " K8S_SUBDOMAIN_MSG});
    EXPECT_WARNINGS(&v, "spec.replicas: Invalid value: -5: must be greater than or equal to 0");
    wp_verdict_free(&v);
    wp_config_unref(cfg);

    /* A single cause has no brackets. */
    validate_pool(NULL, "metadata: {name: p}\nspec: {}\n", &v);
    message = wp_verdict_message(&v, "SandboxWarmPool", WP_GROUP_EXTENSIONS, "p");
    ck_assert_str_eq(message, "SandboxWarmPool.extensions.agents.x-k8s.io \"p\" is invalid: "
                              "spec.sandboxTemplateRef.name: Required value");
    free(message);
    wp_verdict_free(&v);
}
END_TEST

START_TEST(update_is_validated_too)
{
    wp_verdict v;
    test_validate(NULL, POOL, WP_OP_UPDATE, "spec: {sandboxTemplateRef: {name: t}, replicas: 20000}\n",
                  "spec: {sandboxTemplateRef: {name: t}, replicas: 1}\n", &v);
    EXPECT_CAUSES(&v, {"spec.replicas", CAUSE_INVALID, "Invalid value: 20000: must be less than or equal to 10000"});
    wp_verdict_free(&v);
    test_validate(NULL, POOL, WP_OP_CREATE, "spec: [replicas]\n", NULL, &v);
    EXPECT_CAUSES(&v, {"spec", CAUSE_INVALID, "Invalid value: \"array\": must be of type object"});
    wp_verdict_free(&v);
}
END_TEST

TEST_MAIN("rules_pool", valid_pools, template_ref_required_and_a_name, replicas_range, replicas_wrong_types,
          update_strategy_type, every_violation_and_modes, update_is_validated_too)
